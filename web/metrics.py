"""Prometheus metrics of the web process: requests by route and status, with latency. Counted
by the request-log middleware; served at GET /metrics with everything else the process
registered (projection, bus and gateway figures come from the composition root)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

REQUESTS = Counter("posko_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "posko_http_request_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The text every process serves at /metrics, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


async def metrics(request: web.Request) -> web.Response:
    body, content_type = exposition()
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    return response
