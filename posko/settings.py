"""Settings from the environment: the one place that reads it. Every bad value is reported at
once, naming its variable, and secrets are never printed."""

from __future__ import annotations

import os
import secrets
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
    public_ws_url: str = ""  # where browsers reach the gateway; empty: same host, ws_port
    workers: int = 8  # threads for the synchronous application and view reads

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
        settings = cls(
            host=env.get("POSKO_HOST", "").strip() or "127.0.0.1",
            http_port=port("POSKO_HTTP_PORT", 8080),
            ws_port=port("POSKO_WS_PORT", 8081),
            data_dir=Path(env.get("POSKO_DATA_DIR", "").strip() or "./var"),
            database_url=url("POSKO_DATABASE_URL", ("postgresql", "postgres")),
            database_schema=schema,
            redis_url=url("POSKO_REDIS_URL", ("redis", "rediss", "unix")),
            api_key=api_key,
            public_ws_url=url("POSKO_PUBLIC_WS_URL", ("ws", "wss")),
            workers=int(workers_raw),
        )
        if problems:
            raise SettingsError(problems)
        return settings

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
