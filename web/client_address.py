"""The client's address behind a reverse proxy: the proxy's own address unless the request came
from a proxy Posko trusts (POSKO_TRUSTED_PROXIES), in which case the nearest address in
X-Forwarded-For that is not one of those proxies. Throttling counts by it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 192.168.1.5` -> networks; raises ValueError naming a bad entry."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"{item!r} is not an address or network") from error
    return tuple(networks)


def client_address(
    remote: str | None, forwarded_for: str | None, trusted: Sequence[Network]
) -> str:
    """Pure: the address to count a request by."""
    if not remote:
        return "-"
    if not trusted or not _within(remote, trusted) or not forwarded_for:
        return remote
    # Proxies append: the right-most address not one of ours is the one a client cannot forge.
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        if not hop:
            continue
        if not _within(hop, trusted):
            return hop if _is_address(hop) else remote
    return remote


def _within(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
