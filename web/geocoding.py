"""Sites from an address: geopy's Nominatim client against a configurable server (the public
OpenStreetMap one, or a self-hosted one). Off unless a domain is configured, so Posko never needs
the internet; the synchronous client runs in the port's pool for slow work, one lookup at a
time, under a deadline."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from core import values
from core.errors import InvalidInput, Unavailable

if TYPE_CHECKING:  # services.py names the Geocoder this module defines
    from web.services import Services

TIMEOUT = 5.0  # seconds for one lookup; a site form can wait that long, a phone need not
MIN_INTERVAL = 1.0  # seconds between lookups: the public server allows one a second
MAX_ADDRESS = 300


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    label: str  # what the geocoder says it found, e.g. "Monumen Nasional, Gambir, Jakarta"


class Geocoder(Protocol):
    timeout: float

    def locate(self, address: str) -> Place | None:
        """The best match for `address`, or None; raises Unavailable when the service fails."""


class NominatimGeocoder:
    """One geopy Nominatim client, its calls spaced by `min_interval` (the usage policy of the
    public server); geopy's errors become Unavailable."""

    def __init__(
        self,
        *,
        domain: str,
        scheme: str = "https",
        user_agent: str,
        timeout: float = TIMEOUT,
        min_interval: float = MIN_INTERVAL,
    ) -> None:
        self.timeout = timeout
        self.min_interval = min_interval
        self._client = Nominatim(
            domain=domain,
            scheme=scheme,
            user_agent=user_agent,
            timeout=timeout,
            adapter_factory=URLLibAdapter,  # the standard library: no extra dependency
        )
        self._lock = threading.Lock()
        self._last = -MIN_INTERVAL * 2

    def locate(self, address: str) -> Place | None:
        with self._lock:
            wait = self._last + self.min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                found = self._client.geocode(address, exactly_one=True, language="id")
            except GeopyError as error:
                raise Unavailable("geocoder_unavailable", field="address") from error
            finally:
                self._last = time.monotonic()
        if found is None:
            return None
        return Place(float(found.latitude), float(found.longitude), str(found.address))


def nominatim(domain: str, scheme: str, user_agent: str) -> NominatimGeocoder | None:
    """The configured geocoder, or None when geocoding is off (no domain)."""
    if not domain:
        return None
    return NominatimGeocoder(domain=domain, scheme=scheme, user_agent=user_agent)


async def geocode(services: Services, address: str) -> Place:
    """Where `address` is, looked up off the event loop within the geocoder's deadline."""
    geocoder = services.geocoder
    if geocoder is None:
        raise InvalidInput("geocoding_off", field="address")
    address = values.text("address", address, max_length=MAX_ADDRESS)
    try:
        # geopy's own timeout bounds each HTTP call; this bounds the wait for a turn too.
        async with asyncio.timeout(geocoder.timeout + MIN_INTERVAL + 1), services.geocoding:
            place = await services.port.slow(geocoder.locate, address)
    except TimeoutError:
        raise Unavailable("geocoder_unavailable", field="address") from None
    if place is None:
        raise InvalidInput("address_not_found", field="address")
    return place
