"""Settings from the environment: the one place that reads it. Every bad value is reported at
once, naming its variable, and secrets are never printed."""

from __future__ import annotations

import os
import secrets
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("bad settings:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    http_port: int = 8080
    ws_port: int = 8081
    data_dir: Path = Path("./var")
    database_url: str = ""  # empty: SQLite files in data_dir
    database_schema: str = "public"
    redis_url: str = ""  # empty: in-memory bus (one process)
    api_key: str = field(default="", repr=False)
    public_url: str = ""  # where people open the pages; the gateway takes session cookies
    # only from pages of this origin (empty: from any page, relying on SameSite=Strict)
    public_ws_url: str = ""  # where browsers reach the gateway; empty: same host, ws_port
    workers: int = 8  # the port's main pool: threads for commands and reads
    geocoder_domain: str = ""  # Nominatim host[:port] for sites by address; empty: off
    geocoder_scheme: str = "https"
    geocoder_user_agent: str = "posko/0.1"  # Nominatim's policy: name the application
    tls_cert: Path | None = None  # PEM certificate (chain) for HTTPS and WSS; with tls_key
    tls_key: Path | None = None  # its PEM private key, unencrypted; neither: plain HTTP and WS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        problems: list[str] = []

        def port(name: str, default: int) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            if not (raw.isascii() and raw.isdigit()) or not 0 <= int(raw) <= 65535:
                problems.append(f"{name}={raw!r}: expected a port number 0-65535")
                return default
            return int(raw)

        def url(name: str, schemes: tuple[str, ...]) -> str:
            raw = env.get(name, "").strip()
            if raw and urlsplit(raw).scheme not in schemes:
                problems.append(
                    f"{name}: expected empty or a URL starting with "
                    + " or ".join(f"{s}://" for s in schemes)
                )
                return ""
            return raw

        workers_raw = env.get("POSKO_WORKERS", "").strip() or "8"
        if not (workers_raw.isascii() and workers_raw.isdigit()) or not 1 <= int(workers_raw) <= 64:
            problems.append(f"POSKO_WORKERS={workers_raw!r}: expected a number 1-64")
            workers_raw = "8"
        schema = env.get("POSKO_DATABASE_SCHEMA", "").strip() or "public"
        if not schema.replace("_", "").isalnum():
            problems.append("POSKO_DATABASE_SCHEMA: letters, digits and _ only")
        api_key = env.get("POSKO_API_KEY", "").strip()
        if api_key and len(api_key) < 16:
            problems.append("POSKO_API_KEY: at least 16 characters (or unset to generate one)")
        geocoder_domain = env.get("POSKO_GEOCODER_DOMAIN", "").strip().strip("/")
        if any(c.isspace() or c in "/?#@" for c in geocoder_domain):
            problems.append("POSKO_GEOCODER_DOMAIN: a host name, optionally :port (no scheme)")
            geocoder_domain = ""
        geocoder_scheme = env.get("POSKO_GEOCODER_SCHEME", "").strip().lower() or "https"
        if geocoder_scheme not in ("https", "http"):
            problems.append("POSKO_GEOCODER_SCHEME: expected https or http")
        user_agent = env.get("POSKO_GEOCODER_USER_AGENT", "").strip() or "posko/0.1"
        tls_cert, tls_key = _tls_files(env, problems)
        public_ws_url = url("POSKO_PUBLIC_WS_URL", ("ws", "wss"))
        public_url = url("POSKO_PUBLIC_URL", ("http", "https")).rstrip("/")
        settings = cls(
            host=env.get("POSKO_HOST", "").strip() or "127.0.0.1",
            http_port=port("POSKO_HTTP_PORT", 8080),
            ws_port=port("POSKO_WS_PORT", 8081),
            data_dir=Path(env.get("POSKO_DATA_DIR", "").strip() or "./var"),
            database_url=url("POSKO_DATABASE_URL", ("postgresql", "postgres")),
            database_schema=schema,
            redis_url=url("POSKO_REDIS_URL", ("redis", "rediss", "unix")),
            api_key=api_key,
            public_ws_url=public_ws_url,
            public_url=public_url,
            workers=int(workers_raw),
            geocoder_domain=geocoder_domain,
            geocoder_scheme=geocoder_scheme,
            geocoder_user_agent=user_agent,
            tls_cert=tls_cert,
            tls_key=tls_key,
        )
        if problems:
            raise SettingsError(problems)
        return settings

    def tls_context(self) -> ssl.SSLContext | None:
        """The server side of TLS for the web and the gateway, or None to serve plain."""
        if self.tls_cert is None or self.tls_key is None:
            return None
        return _tls_context(self.tls_cert, self.tls_key)

    def with_api_key(self) -> tuple[Settings, bool]:
        """Settings with an API key: the configured one, else the one stored in the data dir,
        else a new one stored there. The flag says whether it was just generated."""
        if self.api_key:
            return self, False
        path = self.data_dir / "api_key"
        if path.exists():
            return replace(self, api_key=path.read_text().strip()), False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")
        return replace(self, api_key=key), True


def _tls_files(env: Mapping[str, str], problems: list[str]) -> tuple[Path | None, Path | None]:
    """POSKO_TLS_CERT and POSKO_TLS_KEY: both or neither, readable, and a certificate with its
    key, checked now so that a bad one stops start-up naming it rather than the first phone."""
    cert_raw = env.get("POSKO_TLS_CERT", "").strip()
    key_raw = env.get("POSKO_TLS_KEY", "").strip()
    if not cert_raw and not key_raw:
        return None, None
    if not cert_raw or not key_raw:
        given, missing = ("POSKO_TLS_CERT", "POSKO_TLS_KEY")
        if not cert_raw:
            given, missing = missing, given
        problems.append(f"{missing}: needed with {given} (set both, or neither for plain HTTP)")
        return None, None
    cert, key = Path(cert_raw), Path(key_raw)
    unreadable = [
        f"{name}={path}: no such file, or not readable"
        for name, path in (("POSKO_TLS_CERT", cert), ("POSKO_TLS_KEY", key))
        if not (path.is_file() and os.access(path, os.R_OK))
    ]
    if unreadable:
        problems.extend(unreadable)
        return None, None
    try:
        ssl.create_default_context(cafile=str(cert))
    except (ssl.SSLError, ValueError) as error:
        problems.append(f"POSKO_TLS_CERT={cert}: not a PEM certificate ({error})")
        return None, None
    try:
        _tls_context(cert, key)
    except ssl.SSLError as error:
        problems.append(
            f"POSKO_TLS_KEY={key}: not the unencrypted PEM key of POSKO_TLS_CERT ({error})"
        )
        return None, None
    return cert, key


def _tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
    context.load_cert_chain(cert, key, password=lambda: b"")
    return context
