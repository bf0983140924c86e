"""Who is calling and what the browser may do with our answers: authentication (bearer token or
session cookie), CSRF tokens for cookie-authenticated writes, the session cookie itself, and the
security headers on every response."""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import UTC, datetime

from aiohttp import web
from yarl import URL

from core.access import Principal
from core.errors import Forbidden, Unauthenticated
from web.context import PRINCIPAL, services
from web.problems import Handler, route_pattern

COOKIE = "posko_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# (method, route) pairs under /api/ that anyone may call: they are how one gets a session.
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/api/openapi.json"),
        ("POST", "/api/session"),
        ("POST", "/api/invites/redeem"),
        # SMS gateways sign their requests instead (web/sms.py checks the HMAC)
        ("POST", "/api/sms/inbound"),
        ("GET", "/api/sms/outbound"),
        ("POST", "/api/votes/{id}/link"),  # a voting link's code is the credential
        ("POST", "/api/votes/{id}/link/ballots"),
    }
)
# Asked without any credentials, "who am I" answers 200 {actor: null}: how a page learns it is
# signed out without an error in the browser's console. Bad credentials are still a 401.
SESSION_PROBE = ("GET", "/api/session")
HSTS = "max-age=31536000"


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /api/ request but the public ones carries a bearer token or the session cookie.
    A cookie is sent by the browser on its own, so a write made with it must also prove it
    comes from our page: the X-CSRF-Token header, which only our page can read."""
    method = "GET" if request.method == "HEAD" else request.method
    route = (method, route_pattern(request))
    if request.path.startswith("/api/") and route not in PUBLIC_ROUTES:
        token, by_cookie = credentials(request)
        if token is None and route == SESSION_PROBE:
            return await handler(request)  # "who am I" asked by nobody: signed out, no error
        svc = services(request)
        # Resolving a session token reads the store: off the loop, like every store call.
        principal = None if token is None else await svc.port.principal(token)
        if principal is None:
            raise Unauthenticated()
        if by_cookie and request.method in UNSAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            expected = csrf_token_of(svc.csrf_key, principal)
            if not (_plain(sent) and hmac.compare_digest(sent, expected)):
                raise Forbidden("csrf", field=CSRF_HEADER)
        request[PRINCIPAL] = principal
    return await handler(request)


def credentials(request: web.Request) -> tuple[str | None, bool]:
    """The token and whether it came from the cookie. An Authorization header wins, even a bad
    one: a client that sends one means it, and must not be taken for the browser's cookie."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        return (token if scheme.lower() == "bearer" and _plain(token) else None), False
    cookie = request.cookies.get(COOKIE)
    return (cookie if cookie and _plain(cookie) else None), True


def _plain(token: str) -> bool:
    """Tokens are printable ASCII; anything else is refused before it reaches a comparison."""
    return bool(token) and token.isascii() and token.isprintable()


def csrf_token(secret: str, session_id: str) -> str:
    """Derived, not stored: HMAC-SHA256 of the session id under the server secret."""
    return hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()


def csrf_token_of(secret: str, principal: Principal) -> str:
    """The caller's CSRF token; the API key, which has no session, gets one for its id."""
    return csrf_token(secret, principal.session_id or principal.id)


def refuse_cross_site(request: web.Request) -> None:
    """Sign-in and invite redemption start a session: a page of another site must not be able
    to start one in a visitor's browser (login CSRF, signing them in as someone else). Browsers
    say where a request comes from (Sec-Fetch-Site, Origin); API clients send neither."""
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    if fetch_site not in ("", "same-origin", "none"):
        raise Forbidden("cross_site")
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") not in own_origins(request):
        raise Forbidden("cross_site")


def own_origins(request: web.Request) -> set[str]:
    """This server's origins: where the pages are published, and as this request reached us."""
    scheme = "https" if over_tls(request) else "http"
    own = {f"{scheme}://{request.host}"}
    public_url = services(request).public_url
    if public_url:
        own.add(str(URL(public_url).origin()))
    return own


def over_tls(request: web.Request) -> bool:
    """Served over HTTPS, directly or behind a proxy that says so. Trusting the proxy header is
    safe here: it only adds Secure and HSTS to the answer of whoever sent it."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def set_session_cookie(
    request: web.Request, response: web.StreamResponse, token: str, expires_at: datetime
) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max(0, int((expires_at - datetime.now(UTC)).total_seconds())),
        path="/",
        httponly=True,  # page scripts never see the token; they use the CSRF token instead
        samesite="Strict",
        secure=over_tls(request),
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    response.del_cookie(
        COOKIE, path="/", httponly=True, samesite="Strict", secure=over_tls(request)
    )


def gateway_url(request: web.Request) -> str:
    """Where browsers reach the websocket gateway: the configured public URL, else this host
    on the gateway's port."""
    svc = services(request)
    if svc.public_ws_url:
        return svc.public_ws_url
    return _own_gateway_url(request.scheme, request.host, over_tls(request), svc.ws_port)


@functools.lru_cache(maxsize=64)
def _own_gateway_url(scheme: str, authority: str, tls: bool, ws_port: int) -> str:
    """Our gateway on the host the browser dialled (the Host header, as `request.url` reads
    it). Cached: every response's CSP names it, and parsing it each time cost ~2 % of a
    report's time; odd Host headers only push older entries out."""
    try:
        host = URL.build(scheme=scheme, authority=authority).host or "localhost"
        ws_scheme = "wss" if tls else "ws"  # an HTTPS page may only open wss://
        return str(URL.build(scheme=ws_scheme, host=host, port=ws_port, path="/"))
    except ValueError:  # a malformed Host header: answer anyway, naming no host of theirs
        return f"ws://localhost:{ws_port}/"


def content_security_policy(request: web.Request) -> str:
    return _policy(gateway_url(request))


@functools.lru_cache(maxsize=64)
def _policy(gateway_url: str) -> str:
    gateway = URL(gateway_url)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {gateway.scheme}://{gateway.raw_authority}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every response, pages, API, static files and errors alike (on_response_prepare)."""
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(request)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"  # invite codes live in URLs
    if over_tls(request):
        headers["Strict-Transport-Security"] = HSTS
    if request.path.startswith(("/api/", "/i/")):
        headers.setdefault("Cache-Control", "no-store")  # tokens, people, live data
