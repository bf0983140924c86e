"""Settings from an environment mapping: defaults, every bad value reported at once by its
variable (secrets never echoed), and the API key generated once and kept private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from posko.settings import Settings, SettingsError


def test_an_empty_environment_gives_the_embedded_defaults() -> None:
    settings = Settings.from_env({})

    assert settings == Settings(
        host="127.0.0.1",
        http_port=8080,
        ws_port=8081,
        data_dir=Path("./var"),
        database_url="",
        database_schema="public",
        redis_url="",
        api_key="",
        public_ws_url="",
        workers=8,
    )


def test_good_values_are_read_and_trimmed() -> None:
    settings = Settings.from_env(
        {
            "POSKO_HOST": " 0.0.0.0 ",
            "POSKO_HTTP_PORT": "9000",
            "POSKO_WS_PORT": "0",
            "POSKO_DATA_DIR": "/srv/posko",
            "POSKO_DATABASE_URL": "postgresql://posko:pw@db:5432/posko",
            "POSKO_DATABASE_SCHEMA": "posko_1",
            "POSKO_REDIS_URL": "redis://redis:6379/0",
            "POSKO_API_KEY": "a" * 16,
            "POSKO_PUBLIC_WS_URL": "wss://posko.example/ws",
            "POSKO_WORKERS": "64",
        }
    )

    assert settings.host == "0.0.0.0"
    assert (settings.http_port, settings.ws_port, settings.workers) == (9000, 0, 64)
    assert settings.data_dir == Path("/srv/posko")
    assert settings.database_url == "postgresql://posko:pw@db:5432/posko"
    assert settings.database_schema == "posko_1"
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.api_key == "a" * 16
    assert settings.public_ws_url == "wss://posko.example/ws"


BAD = {
    "POSKO_HTTP_PORT": "http",
    "POSKO_WS_PORT": "70000",
    "POSKO_DATABASE_URL": "mysql://root:hunter2@db/posko",
    "POSKO_REDIS_URL": "http://redis:6379",
    "POSKO_PUBLIC_WS_URL": "https://posko.example/ws",
    "POSKO_API_KEY": "tooshort-secret",
    "POSKO_DATABASE_SCHEMA": "public; DROP TABLE x",
    "POSKO_WORKERS": "0",
}


def test_every_bad_value_is_reported_at_once_naming_its_variable() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(BAD)

    problems = info.value.problems
    assert len(problems) == len(BAD)
    for name in BAD:
        assert sum(name in p for p in problems) == 1, name
    assert all(name in str(info.value) for name in BAD)


def test_bad_settings_never_echo_secrets() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(BAD)

    message = str(info.value)
    assert "tooshort-secret" not in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POSKO_HTTP_PORT", "-1"),
        ("POSKO_HTTP_PORT", "65536"),
        ("POSKO_WS_PORT", "80a"),
        ("POSKO_WORKERS", "65"),
        ("POSKO_WORKERS", "many"),
        ("POSKO_DATABASE_URL", "sqlite:///var/events.db"),
        ("POSKO_REDIS_URL", "localhost:6379"),
        ("POSKO_PUBLIC_WS_URL", "//posko.example/ws"),
        ("POSKO_DATABASE_SCHEMA", "my-schema"),
        ("POSKO_TRUSTED_PROXIES", "127.0.0.1, nginx"),
        ("POSKO_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("POSKO_SESSION_IDLE_HOURS", "0"),
        ("POSKO_SESSION_IDLE_HOURS", "half"),
        ("POSKO_ALLOWED_ORIGINS", "posko.example.org"),
    ],
)
def test_each_bad_value_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    assert len(info.value.problems) == 1
    assert name in info.value.problems[0]


def test_a_superscript_digit_port_is_reported_not_a_crash() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"POSKO_HTTP_PORT": "²"})


def test_the_api_key_is_generated_once_stored_privately_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"  # does not exist yet

    first, generated = Settings(data_dir=data_dir).with_api_key()
    again, generated_again = Settings(data_dir=data_dir).with_api_key()

    assert generated is True
    assert generated_again is False
    assert len(first.api_key) >= 32
    assert again.api_key == first.api_key
    key_file = data_dir / "api_key"
    assert key_file.read_text().strip() == first.api_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_configured_api_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    configured = Settings(data_dir=tmp_path, api_key="k" * 32)

    settings, generated = configured.with_api_key()

    assert (settings.api_key, generated) == ("k" * 32, False)
    assert not (tmp_path / "api_key").exists()


def test_settings_repr_hides_the_api_key() -> None:
    assert "k" * 32 not in repr(Settings(api_key="k" * 32))


def test_the_legal_rules_directory_and_letterhead_are_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "POSKO_LEGAL_RULES_DIR": str(tmp_path),
            "POSKO_LETTERHEAD_NAME": " DPP Serikat Pekerja Contoh ",
            "POSKO_LETTERHEAD_ADDRESS": "Jl. Contoh 1, Jakarta",
        }
    )
    assert settings.legal_rules_dir == tmp_path
    assert settings.letterhead_name == "DPP Serikat Pekerja Contoh"
    assert settings.letterhead_address == "Jl. Contoh 1, Jakarta"
    with pytest.raises(SettingsError, match="POSKO_LEGAL_RULES_DIR"):
        Settings.from_env({"POSKO_LEGAL_RULES_DIR": str(tmp_path / "missing")})


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = Settings.from_env({"POSKO_TRUSTED_PROXIES": " 127.0.0.1 , 10.0.0.0/8,::1 "})
    assert settings.trusted_proxies == "127.0.0.1 , 10.0.0.0/8,::1"
    assert Settings.from_env({}).trusted_proxies == ""


def test_csrf_tokens_have_their_own_random_secret_kept_privately(tmp_path: Path) -> None:
    settings, _ = Settings(data_dir=tmp_path / "data").with_api_key()
    again, _ = Settings(data_dir=tmp_path / "data").with_api_key()

    secret_file = tmp_path / "data" / "csrf_secret"
    assert settings.csrf_secret == again.csrf_secret == secret_file.read_text().strip()
    assert len(settings.csrf_secret) >= 32 and settings.csrf_secret != settings.api_key
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert settings.csrf_secret not in repr(settings)
    configured = Settings.from_env({"POSKO_CSRF_SECRET": "s" * 20})
    assert configured.csrf_secret == "s" * 20
