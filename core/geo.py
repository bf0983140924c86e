"""Distances on the earth for check-ins and site suggestions (geodesic, via geopy)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geopy.distance import geodesic

CHECKIN_RADIUS_M = 500.0  # a check-in farther than this from its site is flagged


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(geodesic((lat1, lon1), (lat2, lon2)).meters)


def nearest(sites: Mapping[str, Mapping[str, Any]], lat: float, lon: float) -> tuple[str, float]:
    """The id of the site nearest to (lat, lon) and its distance in metres; sites must not be
    empty (each has "lat" and "lon")."""
    return min(
        ((site_id, distance_m(lat, lon, s["lat"], s["lon"])) for site_id, s in sites.items()),
        key=lambda pair: pair[1],
    )
