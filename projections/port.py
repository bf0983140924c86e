"""The async port: the one road from the event loop to the synchronous core (eventsourcing) and
the view store. Built once in `posko/bootstrap.py` and handed to web, gateway, feed and runner;
nothing else calls `to_thread` or `run_in_executor`.

Every call runs in one of three named, bounded pools, so one kind of work can never starve
another:
- `main`: commands and reads (the core's commands and queries, view reads): many, short.
- `slow`: work that may take seconds (geocoding, time-travel replays, argon2 hashing): few
  workers, so a slow Nominatim or a burst of sign-ins never holds up a phone's report.
- `projector`: the runner's batches, one at a time, apart from both.

Adding a command or query for a new feature is one typed line in `Port` (and nothing else here):

    class Port:
        ...
        # -- fund (core/fund.py) --
        record_contribution = command(Posko.record_contribution)
        fund = query(Posko.fund)

The handler then awaits it with the core method's own signature, checked by mypy:
`result = await port.record_contribution(id=..., amount=..., actor=actor)`. `command` and
`query` run in the `main` pool; `slow_command(Posko.x)` runs one in the `slow` pool. Work that is
not a core method (a password hash, a geocoder lookup) goes through `port.slow(fn, *args)`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, overload

from eventsourcing.persistence import Notification

from core.access import Authenticator, Principal
from core.application import Posko
from core.legal.rules import RuleBook
from projections import channels, fund_ledger, time_travel
from projections.changes import Batch
from projections.channels import ChannelRef
from projections.fund_ledger import LedgerFilter
from projections.rows import Doc
from projections.store import ViewStore

P = ParamSpec("P")
T = TypeVar("T")

Pool = Literal["main", "slow", "projector"]

MAIN_WORKERS = 8
SLOW_WORKERS = 3
VIEWS_WAIT = 3.0  # seconds a read with ?min_position= waits for the views at most
POLL_FIRST, POLL_MAX = 0.005, 0.1  # seconds: backoff when no local runner says where views are


class Pools:
    """Named, bounded thread pools. `run` is the only place work leaves the event loop."""

    def __init__(self, main: int = MAIN_WORKERS, slow: int = SLOW_WORKERS) -> None:
        self._executors: dict[Pool, ThreadPoolExecutor] = {
            "main": ThreadPoolExecutor(main, thread_name_prefix="posko-main"),
            "slow": ThreadPoolExecutor(slow, thread_name_prefix="posko-slow"),
            "projector": ThreadPoolExecutor(1, thread_name_prefix="posko-projector"),
        }

    async def run(self, pool: Pool, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs) if kwargs else functools.partial(fn, *args)
        return await loop.run_in_executor(self._executors[pool], call)

    def shutdown(self) -> None:
        for executor in self._executors.values():
            executor.shutdown(wait=True, cancel_futures=True)


class ViewPort:
    """The view side of the port: reads of the view store, read-your-writes, and the runner's
    batches. The gateway and its feed need only this; `Port` adds the core."""

    def __init__(self, store: ViewStore, pools: Pools | None = None) -> None:
        self.store = store
        self.pools = pools or Pools()
        self._views_position: int | None = None  # set by a local runner; None: none here
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.projected: list[Callable[[int], None]] = []  # told each position projects_here gets

    def close(self) -> None:
        self.pools.shutdown()

    async def slow(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Slow work that is not a core method (argon2, a geocoder lookup)."""
        return await self.pools.run("slow", fn, *args, **kwargs)

    # -- views -------------------------------------------------------------------------------

    async def snapshot(self, channel: str, latest: int | None = None) -> tuple[int, list[Doc]]:
        """A channel's rows (the `latest` last ones, if given) and their position."""
        return await self.pools.run("main", self.store.snapshot, channel, latest)

    async def snapshots(self, *names: str) -> list[list[Doc]]:
        """Every row of each channel, read in the order given, in one trip to the pool."""
        return await self.pools.run("main", _snapshots, self.store, names)

    async def load(self, channel: str, key: str) -> Doc | None:
        return await self.pools.run("main", self.store.load, channel, key)

    async def ledger_page(
        self,
        fund_id: str,
        wanted: LedgerFilter,
        cursor: int | None,
        limit: int,
        *,
        descending: bool = False,
    ) -> tuple[int, list[Doc], int | None]:
        """A page of a fund's ledger (projections/fund_ledger.py), read in one trip."""
        return await self.pools.run(
            "main", fund_ledger.read_page, self.store, fund_id, wanted, cursor, limit, descending
        )

    async def views_position(self) -> int:
        return await self.pools.run("main", self.store.position)

    async def batches_after(self, after: int, limit: int) -> list[Batch] | None:
        return await self.pools.run("main", self.store.batches_after, after, limit)

    async def identity(self) -> str:
        """The identity of the store whose batches the bus carries (see RedisBus)."""
        return await self.pools.run("main", self.store.identity)

    async def renew_identity(self) -> str:
        return await self.pools.run("main", self.store.renew_identity)

    async def channel_snapshot(self, ref: ChannelRef) -> tuple[int, dict[str, Any]]:
        """A channel's snapshot data as a subscriber gets it (limited where the kind says)."""
        position, docs = await self.snapshot(ref.name, channels.snapshot_limit(ref))
        return position, channels.snapshot_data(ref, docs)

    # -- read-your-writes --------------------------------------------------------------------

    def projects_here(self, position: int) -> None:
        """Called by a runner in this process (or for serve's child projector): the views are
        at `position`; wakes waiters."""
        self._views_position = position
        for tell in self.projected:
            tell(position)
        if not self._waiters:
            return
        still: list[tuple[int, asyncio.Future[None]]] = []
        for wanted, future in self._waiters:
            if future.done():  # its reader gave up at the deadline
                continue
            if wanted <= position:
                future.set_result(None)
            else:
                still.append((wanted, future))
        self._waiters = still

    async def views_at_least(self, position: int) -> int:
        """Wait (at most VIEWS_WAIT seconds) until the views include `position`; returns theirs.

        With a runner in this process the wait is woken by the runner's commit. A web-only
        process (scaled mode) has no such signal: another process writes the views, so it
        reads their position from the store with a short backoff until the deadline. A
        position the event log has not reached is answered at once: no write gave it out."""
        if await self._beyond_head(position):
            return await self.views_position()
        if self._views_position is not None:
            if self._views_position < position:
                future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.append((position, future))
                try:
                    await asyncio.wait_for(asyncio.shield(future), VIEWS_WAIT)
                except TimeoutError:
                    pass
                finally:
                    future.cancel()  # leaves the list at the runner's next batch
            return self._views_position
        loop = asyncio.get_running_loop()
        deadline = loop.time() + VIEWS_WAIT
        delay = POLL_FIRST
        while True:
            current = await self.views_position()
            if current >= position or loop.time() >= deadline:
                return current
            await asyncio.sleep(min(delay, max(0.0, deadline - loop.time())))
            delay = min(delay * 2, POLL_MAX)

    async def _beyond_head(self, position: int) -> bool:
        """Whether `position` lies past the event log's head (the view side cannot tell)."""
        return False

    # -- following the log (the runner) -----------------------------------------------------

    async def project(
        self,
        apply: Callable[[Sequence[Notification]], Batch],
        notifications: Sequence[Notification],
    ) -> Batch:
        """Apply one batch in the projector pool and let it finish even if the caller is
        cancelled meanwhile: a batch half-way through its commit must not have its store
        closed under it."""
        task = asyncio.ensure_future(self.pools.run("projector", apply, notifications))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait([task])
            raise


class _CoreCall(Generic[P, T]):
    """A core method seen from the loop: `port.x(...)` awaits `app.x(...)` in `pool`."""

    def __init__(self, method: Callable[Concatenate[Posko, P], T], pool: Pool) -> None:
        self.method = method
        self.pool: Pool = pool

    @overload
    def __get__(self, port: None, owner: type[Port]) -> _CoreCall[P, T]: ...

    @overload
    def __get__(self, port: Port, owner: type[Port]) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(
        self, port: Port | None, owner: type[Port]
    ) -> _CoreCall[P, T] | Callable[P, Coroutine[Any, Any, T]]:
        if port is None:
            return self
        method, pool, app = self.method, self.pool, port.app

        async def call(*args: P.args, **kwargs: P.kwargs) -> T:
            return await port.pools.run(pool, method, app, *args, **kwargs)

        return call


def command(method: Callable[Concatenate[Posko, P], T]) -> _CoreCall[P, T]:
    """A core command (load -> decide -> save), run in the main pool."""
    return _CoreCall(method, "main")


def query(method: Callable[Concatenate[Posko, P], T]) -> _CoreCall[P, T]:
    """A read of the core (an aggregate, a lookup), run in the main pool."""
    return _CoreCall(method, "main")


def slow_command(method: Callable[Concatenate[Posko, P], T]) -> _CoreCall[P, T]:
    """A core call that may take seconds, run in the slow pool."""
    return _CoreCall(method, "slow")


class Port(ViewPort):
    """Typed coroutines over the application and the view store (see the module docstring)."""

    def __init__(
        self,
        app: Posko,
        store: ViewStore,
        authenticator: Authenticator,
        pools: Pools | None = None,
    ) -> None:
        super().__init__(store, pools)
        self.app = app  # for the runner and for tests' set-up; handlers use the coroutines
        self.authenticator = authenticator

    async def _beyond_head(self, position: int) -> bool:
        if self._views_position is not None and self._views_position >= position:
            return False  # the views have it: no trip to the store
        head = await self.pools.run("main", self.app.recorder.max_notification_id)
        return position > (head or 0)

    # -- who is calling ----------------------------------------------------------------------

    async def principal(self, token: str) -> Principal | None:
        """The principal a token (API key or session) stands for. The key is checked here on
        the loop (a comparison); only sessions, read from the event store, go to the pool."""
        if token and (key := self.authenticator.key_principal(token)) is not None:
            return key
        return await self.pools.run("main", self.authenticator.principal, token)

    # -- actions, sites and reports (core/application.py) -----------------------------------

    plan_action = command(Posko.plan_action)
    add_site = command(Posko.add_site)
    change_action_status = command(Posko.change_action_status)
    record_positions_read = command(Posko.record_positions_read)
    file_report = command(Posko.file_report)
    action = query(Posko.action)

    # -- incidents, requests for help, targets (core/field.py) ------------------------------

    report_incident = command(Posko.report_incident)
    acknowledge_incident = command(Posko.acknowledge_incident)
    resolve_incident = command(Posko.resolve_incident)
    reopen_incident = command(Posko.reopen_incident)
    request_help = command(Posko.request_help)
    commit_help = command(Posko.commit_help)
    fulfil_help = command(Posko.fulfil_help)
    cancel_help = command(Posko.cancel_help)
    set_target = command(Posko.set_target)
    incident = query(Posko.incident)
    help_request = query(Posko.help_request)
    nearest_site = query(Posko.nearest_site)

    # -- the organisation, people, sessions, invites (core/identity.py) ---------------------

    register_affiliate = command(Posko.register_affiliate)
    add_branch = command(Posko.add_branch)
    register_person = command(Posko.register_person)
    edit_person = command(Posko.edit_person)
    set_password = command(Posko.set_password)
    grant_role = command(Posko.grant_role)
    revoke_role = command(Posko.revoke_role)
    deactivate_person = command(Posko.deactivate_person)
    reactivate_person = command(Posko.reactivate_person)
    start_session = command(Posko.start_session)
    end_session = command(Posko.end_session)
    create_invite = command(Posko.create_invite)
    redeem_invite = command(Posko.redeem_invite)
    revoke_invite = command(Posko.revoke_invite)
    person = query(Posko.person)
    person_by_login = query(Posko.person_by_login)
    session = query(Posko.session)
    invite = query(Posko.invite)

    # -- legal notices and the evidence log (core/notice_commands.py, evidence_commands.py) --

    upload_attachment = command(Posko.upload_attachment)
    draft_notice = command(Posko.draft_notice)
    edit_notice = command(Posko.edit_notice)
    attach_negotiation = command(Posko.attach_negotiation)
    mark_notice_ready = command(Posko.mark_notice_ready)
    mark_notice_sent = command(Posko.mark_notice_sent)
    record_notice_receipt = command(Posko.record_notice_receipt)
    withdraw_notice = command(Posko.withdraw_notice)
    cancel_notice = command(Posko.cancel_notice)
    record_evidence = command(Posko.record_evidence)
    attachment = query(Posko.attachment)
    notice = query(Posko.notice)
    notice_report = query(Posko.notice_report)
    notice_reports = query(Posko.notice_reports)
    evidence = query(Posko.evidence)
    evidence_files = query(Posko.evidence_files)

    @property
    def rulebook(self) -> RuleBook:
        """The legal rule sets, loaded at start-up (no I/O after that)."""
        return self.app.rulebook

    # -- reports by SMS (core/sms_commands.py) ----------------------------------------------

    receive_sms = command(Posko.receive_sms)
    collect_sms_replies = command(Posko.collect_sms_replies)
    transcribe_sms = command(Posko.transcribe_sms)
    sms_gateway = query(Posko.sms_gateway)
    sms_message = query(Posko.sms_message)
    # -- planning (core/planning.py) and the organisation's names (core/organisation.py) ----

    edit_action = command(Posko.edit_action)
    adjust_site = command(Posko.adjust_site)
    import_sites = command(Posko.import_sites)
    record_lobby = command(Posko.record_lobby)
    record_outcome = command(Posko.record_outcome)
    rename_affiliate = command(Posko.rename_affiliate)
    rename_branch = command(Posko.rename_branch)
    # -- strike votes (core/votes.py) -------------------------------------------------------

    call_vote = command(Posko.call_vote)
    open_vote = command(Posko.open_vote)
    close_vote = command(Posko.close_vote)
    cast_ballot = command(Posko.cast_ballot)
    cast_by_link = command(Posko.cast_by_link)
    issue_voting_link = command(Posko.issue_voting_link)
    vote = query(Posko.vote)
    roll_entry = query(Posko.roll_entry)
    roll_digests = query(Posko.roll_digests)
    person_for_link = query(Posko.person_for_link)
    # -- solidarity funds (core/fund_commands.py) --------------------------------------------

    open_fund = command(Posko.open_fund)
    open_account = command(Posko.open_account)
    set_dues_rule = command(Posko.set_dues_rule)
    declare_membership = command(Posko.declare_membership)
    record_contribution = command(Posko.record_contribution)
    record_dues = command(Posko.record_dues)
    post_entry = command(Posko.post_entry)
    reverse_entry = command(Posko.reverse_entry)
    void_receipt = command(Posko.void_receipt)
    request_disbursement = command(Posko.request_disbursement)
    approve_disbursement = command(Posko.approve_disbursement)
    change_disbursement_amount = command(Posko.change_disbursement_amount)
    reject_disbursement = command(Posko.reject_disbursement)
    expire_disbursement = command(Posko.expire_disbursement)
    pay_disbursement = command(Posko.pay_disbursement)
    close_period = command(Posko.close_period)
    sign_checkpoint = command(Posko.sign_checkpoint)
    fund_scope = query(Posko.fund_scope)
    link_fund = command(Posko.link_fund)
    unlink_fund = command(Posko.unlink_fund)
    verify_fund = slow_command(Posko.verify_fund)  # reads and hashes the whole fund
    export_fund_events = slow_command(Posko.export_fund_events)
    set_budget = command(Posko.set_budget)  # core/budget_commands.py

    # -- the log ---------------------------------------------------------------------------

    async def log_position(self) -> int:
        """The position of the last event recorded (0 for an empty log)."""
        return await self.pools.run("main", self.app.positions.max_notification_id) or 0

    async def snapshot_at(self, ref: ChannelRef, at: datetime) -> tuple[int, dict[str, Any]]:
        """A channel as it stood at `at`, from the nearest view checkpoint and the events
        after it (the whole log when no checkpoint can be trusted): slow work."""
        return await self.pools.run("slow", time_travel.snapshot_at, self.app, self.store, ref, at)

    async def snapshots_at(
        self, refs: Sequence[ChannelRef], at: datetime
    ) -> tuple[int, dict[str, dict[str, Any]]]:
        """Several channels as they stood at `at`, from one replay: slow work."""
        return await self.pools.run(
            "slow", time_travel.snapshots_at, self.app, self.store, refs, at
        )


def _snapshots(store: ViewStore, names: Sequence[str]) -> list[list[Doc]]:
    return [store.snapshot(name)[1] for name in names]
