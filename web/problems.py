"""Turns every error into an RFC 9457 problem+json response in the caller's language: domain
errors by their code, HTTP errors by their status, anything unexpected as a logged 500."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import psycopg_pool
from aiohttp import web
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError

from core.errors import PoskoError
from web.messages import language, render

log = logging.getLogger("posko.web")

MAX_BODY = 64 * 1024  # bytes; a report is about one kilobyte

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The database cannot be reached (restarting, connection cut): nothing was written, as every
# write is one transaction, so the caller is told to retry rather than shown a 500.
STORE_DOWN = (
    StoreOperationalError,
    StoreInterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
)
STORE_RETRY_AFTER = 5  # seconds

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


def problem(
    request: web.Request,
    status: int,
    code: str,
    *,
    field: str | None = None,
    params: dict[str, Any] | None = None,
) -> web.Response:
    lang = language(request.headers.get("Accept-Language"))
    params = dict(params or {})
    if field is not None:
        params.setdefault("field", field)
    body: dict[str, Any] = {
        "type": f"urn:posko:problem:{code}",
        "code": code,
        "status": status,
        "title": render(code, lang, params),
    }
    if field is not None:
        body["field"] = field
    if params:
        body["params"] = params
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False, default=str),
        content_type="application/problem+json",
        headers={"Content-Language": lang},
    )


@web.middleware
async def problems_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except PoskoError as error:
        response = problem(
            request, error.status, error.code, field=error.field, params=error.params
        )
        if "retry_after" in error.params:  # 429: say when to come back
            response.headers["Retry-After"] = str(error.params["retry_after"])
        return response
    except web.HTTPRequestEntityTooLarge:
        return problem(request, 413, "body_too_large", field="body", params={"max": MAX_BODY})
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = _HTTP_CODES.get(error.status, "invalid")
        response = problem(request, error.status, code)
        if "Allow" in error.headers:  # 405 names the methods that are allowed (RFC 9110)
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except STORE_DOWN as error:
        log.warning(
            "store unavailable on %s %s: %s",
            request.method,
            route_pattern(request),
            type(error).__name__,
        )
        response = problem(request, 503, "unavailable")
        response.headers["Retry-After"] = str(STORE_RETRY_AFTER)
        return response
    except Exception:
        log.exception("unhandled error on %s %s", request.method, route_pattern(request))
        return problem(request, 500, "internal")


def route_pattern(request: web.Request) -> str:
    """The route a request matched, e.g. /i/{code}: what logs show instead of the raw path,
    which may hold an invite code or other secrets (queries are never logged either)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "-"
