"""The SMS settings: the posko's number, and pushing replies to a provider (both or neither)."""

from __future__ import annotations

import pytest

from posko.settings import Settings, SettingsError

GATEWAY = "3f6c2a1e-0000-4000-8000-000000000001"


def test_the_number_is_kept_in_e164() -> None:
    assert Settings.from_env({"POSKO_SMS_NUMBER": "0812-3456-7890"}).sms_number == "+6281234567890"
    assert Settings.from_env({}).sms_number == ""


def test_push_takes_a_url_and_a_gateway_id() -> None:
    settings = Settings.from_env(
        {"POSKO_SMS_PUSH_URL": "https://sms.example/send", "POSKO_SMS_PUSH_GATEWAY": GATEWAY}
    )
    assert (settings.sms_push_url, settings.sms_push_gateway) == (
        "https://sms.example/send",
        GATEWAY,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"POSKO_SMS_NUMBER": "halo"}, "POSKO_SMS_NUMBER"),
        ({"POSKO_SMS_PUSH_URL": "https://sms.example/send"}, "POSKO_SMS_PUSH_GATEWAY"),
        ({"POSKO_SMS_PUSH_GATEWAY": GATEWAY}, "POSKO_SMS_PUSH_URL"),
        (
            {"POSKO_SMS_PUSH_URL": "ftp://x", "POSKO_SMS_PUSH_GATEWAY": GATEWAY},
            "POSKO_SMS_PUSH_URL",
        ),
        (
            {"POSKO_SMS_PUSH_URL": "https://sms.example", "POSKO_SMS_PUSH_GATEWAY": "x"},
            "POSKO_SMS_PUSH_GATEWAY",
        ),
    ],
)
def test_a_bad_sms_setting_stops_start_up_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
