"""An action (aksi): a rally, strike, march or hearing with its sites and its lifecycle
planned -> live -> concluded, or cancelled before it concludes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import Conflict, InvalidInput, NotFound

KINDS = ("rally", "strike", "march", "hearing", "other")
STATUSES = ("planned", "live", "concluded", "cancelled")
MAX_DEMANDS = 20
MAX_SITES = 2_000
DEFAULT_CHECKIN_RADIUS_M = 500  # a check-in farther than this from its site is flagged
MAX_CHECKIN_RADIUS_M = 50_000


class Action(Aggregate):
    """Low-rate structure: created once, a few sites, a few lifecycle steps."""

    class Planned(Aggregate.Created):
        title: str
        kind: str
        demands: list[str]
        starts_at: datetime
        ends_at: datetime
        checkin_radius_m: int
        actor: str

    class SiteAdded(Aggregate.Event):
        site_id: UUID
        name: str
        lat: float
        lon: float
        target: int
        actor: str

    class TargetSet(Aggregate.Event):
        affiliate_id: UUID
        site_id: UUID | None  # None: the affiliate's target for the whole action
        target: int
        actor: str

    class Started(Aggregate.Event):
        actor: str

    class Concluded(Aggregate.Event):
        actor: str

    class Cancelled(Aggregate.Event):
        reason: str
        actor: str

    @event(Planned)
    def __init__(
        self,
        *,
        id: UUID,
        title: str,
        kind: str,
        demands: list[str],
        starts_at: datetime,
        ends_at: datetime,
        checkin_radius_m: int,
        actor: str,
    ) -> None:
        self.title = title
        self.kind = kind
        self.demands = demands
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.planned_by = actor
        self.checkin_radius_m = checkin_radius_m
        self.status = "planned"
        self.sites: dict[str, dict[str, Any]] = {}
        self.targets: dict[str, int] = {}  # "<affiliate id>:<site id or *>" -> people

    @classmethod
    def plan(
        cls,
        *,
        id: UUID,
        title: str,
        kind: str,
        demands: list[str],
        starts_at: datetime,
        ends_at: datetime,
        checkin_radius_m: int = DEFAULT_CHECKIN_RADIUS_M,
        actor: str,
    ) -> Action:
        values.aware("starts_at", starts_at)
        values.aware("ends_at", ends_at)
        if ends_at <= starts_at:
            raise InvalidInput("ends_before_start", field="ends_at")
        if len(demands) > MAX_DEMANDS:
            raise InvalidInput("too_many", field="demands", max=MAX_DEMANDS)
        return cls(
            id=id,
            title=values.text("title", title),
            kind=values.choice("kind", kind, KINDS),
            demands=[
                values.text(f"demands[{i}]", d, max_length=500) for i, d in enumerate(demands)
            ],
            starts_at=starts_at,
            ends_at=ends_at,
            checkin_radius_m=values.count(
                "checkin_radius_m", checkin_radius_m, maximum=MAX_CHECKIN_RADIUS_M
            ),
            actor=actor,
        )

    def facts(self) -> tuple[Any, ...]:
        """What a resend must repeat to plan the same action (not who sent it)."""
        return (
            self.title,
            self.kind,
            self.demands,
            self.starts_at,
            self.ends_at,
            self.checkin_radius_m,
        )

    # -- sites ---------------------------------------------------------------------------------

    def site(self, site_id: UUID, *, field: str = "site_id") -> dict[str, Any]:
        try:
            return self.sites[str(site_id)]
        except KeyError:
            raise NotFound("unknown_site", field=field, site_id=str(site_id)) from None

    def add_site(
        self, *, site_id: UUID, name: str, lat: float, lon: float, target: int, actor: str
    ) -> bool:
        """Adds the site; False when this exact site was already added (a retried request)."""
        name = values.text("name", name)
        lat, lon = values.latitude("lat", lat), values.longitude("lon", lon)
        target = values.count("target", target)
        site = {"name": name, "lat": lat, "lon": lon, "target": target}
        existing = self.sites.get(str(site_id))
        if existing is not None:
            if {k: existing[k] for k in site} != site:
                raise Conflict("id_reused", field="id", id=str(site_id))
            return False
        if self.status in ("concluded", "cancelled"):
            raise Conflict("action_closed", status=self.status)
        if len(self.sites) >= MAX_SITES:
            raise Conflict("too_many_sites", max=MAX_SITES)
        self._site_added(site_id=site_id, name=name, lat=lat, lon=lon, target=target, actor=actor)
        return True

    @event(SiteAdded)
    def _site_added(
        self, *, site_id: UUID, name: str, lat: float, lon: float, target: int, actor: str
    ) -> None:
        self.sites[str(site_id)] = {"name": name, "lat": lat, "lon": lon, "target": target}

    # -- mobilisation targets ------------------------------------------------------------------

    def set_target(
        self, *, affiliate_id: UUID, site_id: UUID | None, target: int, actor: str
    ) -> bool:
        """How many people an affiliate aims to bring, to the action or to one of its sites."""
        if site_id is not None:
            self.site(site_id)
        key = f"{affiliate_id}:{site_id or '*'}"
        target = values.count("target", target)
        if self.targets.get(key) == target:
            return False
        self._target_set(affiliate_id=affiliate_id, site_id=site_id, target=target, actor=actor)
        return True

    @event(TargetSet)
    def _target_set(
        self, *, affiliate_id: UUID, site_id: UUID | None, target: int, actor: str
    ) -> None:
        self.targets[f"{affiliate_id}:{site_id or '*'}"] = target

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, *, actor: str) -> None:
        self._require_status("planned", to="live")
        self._started(actor=actor)

    def conclude(self, *, actor: str) -> None:
        self._require_status("live", to="concluded")
        self._concluded(actor=actor)

    def cancel(self, *, reason: str, actor: str) -> None:
        if self.status not in ("planned", "live"):
            raise Conflict("bad_transition", status=self.status, to="cancelled")
        self._cancelled(reason=values.text("reason", reason, max_length=500), actor=actor)

    def accepts_reports(self) -> bool:
        # Reports may arrive after the action concluded from phones that were offline; only a
        # cancelled action refuses them.
        return self.status != "cancelled"

    def _require_status(self, status: str, *, to: str) -> None:
        if self.status != status:
            raise Conflict("bad_transition", status=self.status, to=to)

    @event(Started)
    def _started(self, *, actor: str) -> None:
        self.status = "live"

    @event(Concluded)
    def _concluded(self, *, actor: str) -> None:
        self.status = "concluded"

    @event(Cancelled)
    def _cancelled(self, *, reason: str, actor: str) -> None:
        self.status = "cancelled"
