"""The address throttling counts by: behind a trusted proxy the client it forwarded, never an
address a client could write into X-Forwarded-For itself."""

from __future__ import annotations

import pytest

from web.client_address import client_address, parse_networks

PROXIES = parse_networks("172.16.0.0/12, 10.0.0.5")


def test_without_trusted_proxies_the_connection_is_the_client() -> None:
    assert client_address("172.18.0.3", "203.0.113.9", ()) == "172.18.0.3"


def test_behind_a_trusted_proxy_the_forwarded_client_counts() -> None:
    assert client_address("172.18.0.3", "203.0.113.9", PROXIES) == "203.0.113.9"


def test_a_forged_left_hop_is_ignored_for_the_one_our_proxy_appended() -> None:
    forwarded = "198.51.100.1, 203.0.113.9"  # the client wrote the first one itself
    assert client_address("172.18.0.3", forwarded, PROXIES) == "203.0.113.9"


def test_chained_trusted_proxies_are_skipped() -> None:
    assert client_address("10.0.0.5", "203.0.113.9, 172.18.0.7", PROXIES) == "203.0.113.9"


def test_an_untrusted_peer_cannot_choose_its_address() -> None:
    assert client_address("203.0.113.50", "1.2.3.4", PROXIES) == "203.0.113.50"


def test_garbage_in_the_header_falls_back_to_the_connection() -> None:
    assert client_address("172.18.0.3", "not-an-ip", PROXIES) == "172.18.0.3"
    assert client_address("172.18.0.3", "", PROXIES) == "172.18.0.3"
    assert client_address(None, "203.0.113.9", PROXIES) == "-"


def test_a_bad_network_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_networks("10.0.0.0/8, 10.0.0.300")
