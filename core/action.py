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
LOBBY_KINDS = ("lobby", "hearing")  # lobi: a meeting sought; audiensi: a hearing held or set
OUTCOME_KINDS = (
    "hearing_granted",
    "regulation_withdrawn",
    "demand_met",
    "follow_up_promised",
    "refused",
    "other",
)
EDITABLE = ("title", "kind", "demands", "starts_at", "ends_at", "checkin_radius_m", "affiliates")
MAX_AFFILIATES = 100
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

    class Edited(Aggregate.Event):
        """The plan changed while planned; fields left None did not change."""

        title: str | None
        kind: str | None
        demands: list[str] | None
        starts_at: datetime | None
        ends_at: datetime | None
        checkin_radius_m: int | None
        affiliates: list[str] | None  # ids of the affiliates taking part
        actor: str

    class SiteAdjusted(Aggregate.Event):
        site_id: UUID
        name: str
        lat: float
        lon: float
        target: int
        actor: str

    class KorlapNamed(Aggregate.Event):
        """Who is to lead a site in the field (from a site import), before any invite."""

        site_id: UUID
        name: str
        phone: str | None
        actor: str

    class LobbyRecorded(Aggregate.Event):
        """Lobi: a lobbying target or a hearing (audiensi): with whom, when, what was promised."""

        lobby_id: UUID
        kind: str
        with_whom: str
        at: datetime
        promised: str
        actor: str

    class OutcomeRecorded(Aggregate.Event):
        """Politik: what came of it, and by when someone promised to follow up."""

        outcome_id: UUID
        kind: str
        description: str
        follow_up_by: datetime | None
        lobby_id: UUID | None
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
        self.affiliates: list[str] = []
        self.korlaps: dict[str, dict[str, Any]] = {}  # site id -> {name, phone}
        self.lobbying: dict[str, dict[str, Any]] = {}  # lobby id -> its facts
        self.outcomes: dict[str, dict[str, Any]] = {}  # outcome id -> its facts

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
            self.affiliates,
        )

    # -- editing the plan --------------------------------------------------------------------

    def edit(
        self,
        *,
        title: str | None = None,
        kind: str | None = None,
        demands: list[str] | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        checkin_radius_m: int | None = None,
        affiliates: list[UUID] | None = None,
        actor: str,
    ) -> bool:
        """Change what is given, while planned. False when nothing would change (a repeat)."""
        new: dict[str, Any] = {}
        if title is not None:
            new["title"] = values.text("title", title)
        if kind is not None:
            new["kind"] = values.choice("kind", kind, KINDS)
        if demands is not None:
            if len(demands) > MAX_DEMANDS:
                raise InvalidInput("too_many", field="demands", max=MAX_DEMANDS)
            new["demands"] = [
                values.text(f"demands[{i}]", d, max_length=500) for i, d in enumerate(demands)
            ]
        if starts_at is not None:
            new["starts_at"] = values.aware("starts_at", starts_at)
        if ends_at is not None:
            new["ends_at"] = values.aware("ends_at", ends_at)
        if checkin_radius_m is not None:
            new["checkin_radius_m"] = values.count(
                "checkin_radius_m", checkin_radius_m, maximum=MAX_CHECKIN_RADIUS_M
            )
        if affiliates is not None:
            if len(affiliates) > MAX_AFFILIATES:
                raise InvalidInput("too_many", field="affiliates", max=MAX_AFFILIATES)
            new["affiliates"] = list(dict.fromkeys(str(a) for a in affiliates))
        changed = {k: v for k, v in new.items() if getattr(self, k) != v}
        if not changed:
            return False
        self._require_planned()
        if new.get("starts_at", self.starts_at) >= new.get("ends_at", self.ends_at):
            raise InvalidInput("ends_before_start", field="ends_at")
        self._edited(**{k: changed.get(k) for k in EDITABLE}, actor=actor)
        return True

    @event(Edited)
    def _edited(
        self,
        *,
        title: str | None,
        kind: str | None,
        demands: list[str] | None,
        starts_at: datetime | None,
        ends_at: datetime | None,
        checkin_radius_m: int | None,
        affiliates: list[str] | None,
        actor: str,
    ) -> None:
        changes = {
            "title": title,
            "kind": kind,
            "demands": demands,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "checkin_radius_m": checkin_radius_m,
            "affiliates": affiliates,
        }
        for name, value in changes.items():
            if value is not None:
                setattr(self, name, value)

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

    def adjust_site(
        self, *, site_id: UUID, name: str, lat: float, lon: float, target: int, actor: str
    ) -> bool:
        """Move, rename or retarget a site before the action goes live."""
        existing = self.site(site_id)
        site: dict[str, Any] = {
            "name": values.text("name", name),
            "lat": values.latitude("lat", lat),
            "lon": values.longitude("lon", lon),
            "target": values.count("target", target),
        }
        if {k: existing[k] for k in site} == site:
            return False
        self._require_planned()
        self._site_adjusted(site_id=site_id, **site, actor=actor)
        return True

    @event(SiteAdjusted)
    def _site_adjusted(
        self, *, site_id: UUID, name: str, lat: float, lon: float, target: int, actor: str
    ) -> None:
        self.sites[str(site_id)].update(name=name, lat=lat, lon=lon, target=target)

    def name_korlap(self, *, site_id: UUID, name: str, phone: str | None, actor: str) -> bool:
        self.site(site_id)
        korlap: dict[str, Any] = {
            "name": values.text("korlap_name", name),
            "phone": None if not phone else values.phone("korlap_phone", phone),
        }
        if self.korlaps.get(str(site_id)) == korlap:
            return False
        self._korlap_named(site_id=site_id, **korlap, actor=actor)
        return True

    @event(KorlapNamed)
    def _korlap_named(self, *, site_id: UUID, name: str, phone: str | None, actor: str) -> None:
        self.korlaps[str(site_id)] = {"name": name, "phone": phone}

    # -- lobi and politik ----------------------------------------------------------------------

    def record_lobby(
        self,
        *,
        lobby_id: UUID,
        kind: str,
        with_whom: str,
        at: datetime,
        promised: str,
        actor: str,
    ) -> bool:
        """A lobbying target or hearing; the same id with the same facts is a repeat."""
        promised = promised.strip()
        if len(promised) > 1000:
            raise InvalidInput("too_long", field="promised", max=1000)
        facts: dict[str, Any] = {
            "kind": values.choice("kind", kind, LOBBY_KINDS),
            "with_whom": values.text("with_whom", with_whom),
            "at": values.aware("at", at),
            "promised": promised,
        }
        if self._repeat(self.lobbying, lobby_id, facts):
            return False
        self._require_not_cancelled()
        self._lobby_recorded(lobby_id=lobby_id, **facts, actor=actor)
        return True

    @event(LobbyRecorded)
    def _lobby_recorded(
        self, *, lobby_id: UUID, kind: str, with_whom: str, at: datetime, promised: str, actor: str
    ) -> None:
        self.lobbying[str(lobby_id)] = {
            "kind": kind,
            "with_whom": with_whom,
            "at": at,
            "promised": promised,
        }

    def record_outcome(
        self,
        *,
        outcome_id: UUID,
        kind: str,
        description: str,
        follow_up_by: datetime | None,
        lobby_id: UUID | None,
        actor: str,
    ) -> bool:
        facts: dict[str, Any] = {
            "kind": values.choice("kind", kind, OUTCOME_KINDS),
            "description": values.text("description", description, max_length=1000),
            "follow_up_by": None
            if follow_up_by is None
            else values.aware("follow_up_by", follow_up_by),
            "lobby_id": lobby_id,
        }
        if lobby_id is not None and str(lobby_id) not in self.lobbying:
            raise NotFound("unknown_lobby", field="lobby_id", lobby_id=str(lobby_id))
        if kind == "follow_up_promised" and follow_up_by is None:
            raise InvalidInput("required", field="follow_up_by")
        if self._repeat(self.outcomes, outcome_id, facts):
            return False
        self._require_not_cancelled()
        self._outcome_recorded(outcome_id=outcome_id, **facts, actor=actor)
        return True

    @event(OutcomeRecorded)
    def _outcome_recorded(
        self,
        *,
        outcome_id: UUID,
        kind: str,
        description: str,
        follow_up_by: datetime | None,
        lobby_id: UUID | None,
        actor: str,
    ) -> None:
        self.outcomes[str(outcome_id)] = {
            "kind": kind,
            "description": description,
            "follow_up_by": follow_up_by,
            "lobby_id": lobby_id,
        }

    @staticmethod
    def _repeat(recorded: dict[str, dict[str, Any]], id: UUID, facts: dict[str, Any]) -> bool:
        existing = recorded.get(str(id))
        if existing is None:
            return False
        if existing != facts:
            raise Conflict("id_reused", field="id", id=str(id))
        return True

    def _require_not_cancelled(self) -> None:
        if self.status == "cancelled":
            raise Conflict("action_cancelled", field="id")

    def _require_planned(self) -> None:
        """The plan and its sites change only before the action goes live."""
        if self.status != "planned":
            raise Conflict("not_planned", status=self.status)

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
