"""The composition root: builds the one object graph (application, view store, bus, runner,
gateway, web services) from settings. Tests build the same graph with other settings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from core.access import Authenticator
from core.application import Posko
from core.legal.rules import load_rulebook
from posko.ballot_box import PostgresBallotBox, SQLiteBallotBox
from posko.persistence import ensure_schema, eventsourcing_env
from posko.projector_process import ChildProjector
from posko.settings import Settings
from projections.leader import AdvisoryLock
from projections.port import Pools, Port
from projections.runner import ProjectionRunner, RunnerStatus
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore
from realtime.bus import Bus, create_bus
from realtime.gateway import Gateway
from web.client_address import parse_networks
from web.geocoding import nominatim
from web.metrics import exposition
from web.services import Services
from web.shared_throttle import (
    AddressAttempts,
    Attempts,
    LocalAddressAttempts,
    LocalAttempts,
    RedisAddressThrottle,
    RedisSignInThrottle,
    SharedCounts,
)
from web.sms_push import SmsPush
from web.throttle import AddressThrottle, SignInThrottle


@dataclass
class Components:
    settings: Settings
    app: Posko
    store: ViewStore
    bus: Bus
    authenticator: Authenticator
    port: Port  # the one road from the event loop to app and store
    runner: ProjectionRunner | None = None
    projector: ChildProjector | None = None  # `posko serve`: the runner in a child process
    gateway: Gateway | None = None
    ballot_box: SQLiteBallotBox | PostgresBallotBox | None = None

    def projection_status(self) -> RunnerStatus | None:
        """The status of the runner this process has or started; None when it has none."""
        if self.runner is not None:
            return self.runner.status
        return None if self.projector is None else self.projector.status

    def close(self) -> None:
        self.port.close()
        self.store.close()
        if self.ballot_box is not None:
            self.ballot_box.close()
        self.app.close()


def build(settings: Settings, *, runner: bool, gateway: bool) -> Components:
    """Build what a process needs; `runner`/`gateway` say whether it projects and/or serves ws."""
    legal_rules = load_rulebook(settings.legal_rules_dir)  # a bad rule file stops start-up
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if settings.database_url:
        ensure_schema(settings.database_url, settings.database_schema, "POSKO_DATABASE_SCHEMA")
        views_setting = "POSKO_VIEWS_SCHEMA" if settings.views_schema else "POSKO_DATABASE_SCHEMA"
        ensure_schema(settings.database_url, settings.views_in, views_setting)
    app = Posko(
        env={
            **eventsourcing_env(settings.database_url, settings.data_dir, settings.database_schema),
            # Reports load their action to check the site; a cache makes that cheap, and
            # fast-forward keeps it true when another process changed the action.
            "AGGREGATE_CACHE_MAXSIZE": "1000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
        }
    )
    app.legal_rules = legal_rules
    app.session_idle = timedelta(hours=settings.session_idle_hours)
    store: ViewStore
    if settings.database_url:
        store = PostgresViewStore(settings.database_url, schema=settings.views_in)
    else:
        store = SQLiteViewStore(settings.data_dir / "views.db")
    ballot_box = make_ballot_box(settings)
    app.attach_ballot_box(ballot_box)
    bus = create_bus(settings.redis_url, store=store.identity())
    authenticator = Authenticator(
        settings.api_key, sessions=lambda token: app.principal_for_token(token, datetime.now(UTC))
    )
    components = Components(
        settings=settings,
        app=app,
        store=store,
        bus=bus,
        authenticator=authenticator,
        port=Port(app, store, authenticator, Pools(main=settings.workers)),
        ballot_box=ballot_box,
    )
    if runner:
        # With PostgreSQL, `posko project` may run twice: the lock picks the one that works.
        leadership = (
            AdvisoryLock(settings.database_url, settings.views_in)
            if settings.database_url
            else None
        )
        components.runner = ProjectionRunner(app, components.port, bus, leadership=leadership)
    if gateway:
        components.gateway = Gateway(
            components.port,
            bus,
            components.port.principal,
            **gateway_origins(settings),
            metrics=exposition,
        )
    return components


def make_ballot_box(settings: Settings) -> SQLiteBallotBox | PostgresBallotBox:
    """The strike votes' ballot box: beside the events, outside their log."""
    if settings.database_url:
        return PostgresBallotBox(settings.database_url, schema=settings.database_schema)
    return SQLiteBallotBox(settings.data_dir / "ballots.db")


def gateway_origins(settings: Settings) -> dict[str, Any]:
    """Which pages may open the gateway with the session cookie: POSKO_ALLOWED_ORIGINS
    ("*": any, by explicit choice) and POSKO_PUBLIC_URL; when neither is set, our own HTTP
    server's pages on whatever host the browser dialled."""
    if settings.allowed_origins == "*":
        return {"allowed_origins": None}
    origins = [o.strip() for o in settings.allowed_origins.split(",") if o.strip()]
    origins += [settings.public_url] if settings.public_url else []
    if not origins and settings.public_ws_url:  # behind a proxy: the pages' host, presumably
        ws = urlsplit(settings.public_ws_url)
        origins = [f"{'https' if ws.scheme == 'wss' else 'http'}://{ws.netloc}"]
    if origins:
        return {"allowed_origins": origins}
    scheme = "https" if settings.tls_cert is not None else "http"
    return {"page_origin": (scheme, settings.http_port)}


def web_services(components: Components) -> Services:
    settings = components.settings

    async def health() -> dict[str, Any]:
        return await report_health(components)

    # Throttling counts in Redis when it is configured (the same limits whatever the number of
    # web processes), falling back to this process's counts while Redis is down.
    attempts: Attempts
    redemptions: AddressAttempts
    shared_counts = None
    if settings.redis_url:
        shared_counts = SharedCounts(
            settings.redis_url, prefix=f"posko:throttle:{components.bus.store}"
        )
        attempts = RedisSignInThrottle(shared_counts, fallback=SignInThrottle())
        redemptions = RedisAddressThrottle(shared_counts, fallback=AddressThrottle())
    else:
        attempts = LocalAttempts(SignInThrottle())
        redemptions = LocalAddressAttempts(AddressThrottle())
    return Services(
        port=components.port,
        ws_port=settings.ws_port,
        public_ws_url=settings.public_ws_url,
        health=health,
        attempts=attempts,
        redemptions=redemptions,
        shared_counts=shared_counts,
        trusted_proxies=parse_networks(settings.trusted_proxies),
        csrf_secret=settings.csrf_secret,
        public_url=settings.public_url,
        geocoder=nominatim(
            settings.geocoder_domain, settings.geocoder_scheme, settings.geocoder_user_agent
        ),
        letterhead={
            "name": settings.letterhead_name,
            "address": settings.letterhead_address,
            "contact": settings.letterhead_contact,
        },
        sms_number=settings.sms_number,
        sms_push=SmsPush(settings.sms_push_url, UUID(settings.sms_push_gateway))
        if settings.sms_push_url
        else None,
    )


async def report_health(components: Components) -> dict[str, Any]:
    """Liveness plus the state of the event store, the views, the bus and the gateway."""
    state: dict[str, Any] = {"status": "ok"}
    try:
        events = await components.port.log_position()
        views = await components.port.views_position()
    except Exception as error:
        return {"status": "unavailable", "store": {"ok": False, "error": type(error).__name__}}
    state["store"] = {"ok": True, "position": events}
    projections: dict[str, Any] = {"position": views, "lag": events - views}
    if (status := components.projection_status()) is not None:
        projections.update(
            running=status.running,
            active=status.active,
            last_error=status.last_error,
            bus_behind=status.bus_behind,
        )
        if status.last_error:
            state["status"] = "degraded"
    state["projections"] = projections
    state["bus"] = {
        "kind": "redis" if components.settings.redis_url else "memory",
        "store": components.bus.store,
    }
    if components.gateway is not None:
        state["gateway"] = dataclasses.asdict(components.gateway.stats())
    return state
