"""The composition root: builds the one object graph (application, view store, bus, runner,
gateway, web services) from settings. Tests build the same graph with other settings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.access import Authenticator
from core.application import Posko
from posko.persistence import eventsourcing_env
from posko.settings import Settings
from projections.port import Pools, Port
from projections.runner import ProjectionRunner
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore
from realtime.bus import Bus, create_bus
from realtime.gateway import Gateway
from web.geocoding import nominatim
from web.services import Services


@dataclass
class Components:
    settings: Settings
    app: Posko
    store: ViewStore
    bus: Bus
    authenticator: Authenticator
    port: Port  # the one road from the event loop to app and store
    runner: ProjectionRunner | None = None
    gateway: Gateway | None = None

    def close(self) -> None:
        self.port.close()
        self.store.close()
        self.app.close()


def build(settings: Settings, *, runner: bool, gateway: bool) -> Components:
    """Build what a process needs; `runner`/`gateway` say whether it projects and/or serves ws."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Posko(
        env={
            **eventsourcing_env(settings.database_url, settings.data_dir, settings.database_schema),
            # Reports load their action to check the site; a cache makes that cheap, and
            # fast-forward keeps it true when another process changed the action.
            "AGGREGATE_CACHE_MAXSIZE": "1000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
        }
    )
    store: ViewStore
    if settings.database_url:
        store = PostgresViewStore(settings.database_url, schema=settings.database_schema)
    else:
        store = SQLiteViewStore(settings.data_dir / "views.db")
    bus = create_bus(settings.redis_url)
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
    )
    if runner:
        components.runner = ProjectionRunner(app, components.port, bus)
    if gateway:
        components.gateway = Gateway(
            components.port,
            bus,
            components.port.principal,
            allowed_origins=[settings.public_url] if settings.public_url else None,
        )
    return components


def web_services(components: Components) -> Services:
    settings = components.settings

    async def health() -> dict[str, Any]:
        return await report_health(components)

    return Services(
        port=components.port,
        ws_port=settings.ws_port,
        public_ws_url=settings.public_ws_url,
        health=health,
        geocoder=nominatim(
            settings.geocoder_domain, settings.geocoder_scheme, settings.geocoder_user_agent
        ),
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
    if components.runner is not None:
        status = components.runner.status
        projections.update(
            running=status.running, last_error=status.last_error, bus_behind=status.bus_behind
        )
        if status.last_error:
            state["status"] = "degraded"
    state["projections"] = projections
    state["bus"] = {"kind": "redis" if components.settings.redis_url else "memory"}
    if components.gateway is not None:
        state["gateway"] = dataclasses.asdict(components.gateway.stats())
    return state
