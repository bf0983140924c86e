"""A session's device as people say it ("Chrome di Android"), from its user agent, with
ua-parser (the maintained port of Browserscope's parser and its regexes)."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

# ua-parser's names for the mobile builds of browsers people know by the desktop name
_BROWSERS = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Samsung Internet": "Samsung Internet",
    "HeadlessChrome": "Chrome",
}


@lru_cache(maxsize=1024)
def describe(user_agent: str) -> dict[str, str | None]:
    """{browser, os, device} in plain names; None where the agent does not say."""
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent is not None else None
    os = result.os.family if result.os is not None else None
    device = result.device.family if result.device is not None else None
    return {
        "browser": None if browser in (None, "Other") else _BROWSERS.get(browser, browser),
        "os": None if os in (None, "Other") else os,
        "device": None if device in (None, "Other", "Generic Smartphone") else device,
    }


def describe_all(user_agents: list[str]) -> list[dict[str, str | None]]:
    return [describe(ua) for ua in user_agents]
