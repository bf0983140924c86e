"""The websocket gateway: authenticates connections, catches each subscription up (recent
history, the store's outbox, or a snapshot), fans committed changes out with broadcast(), and
closes a connection as soon as its access ends (logout, revocation, deactivation, expiry).
Frames are decided in `realtime.protocol` and batches followed by `realtime.follower`; this module
does the connections' I/O and bookkeeping."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from ssl import SSLContext
from typing import Final

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from core.access import API_KEY_PRINCIPAL, FundScope, Permission, Principal, may_fund
from projections import channels, fund_link, people, votes
from projections import fund as fund_view
from projections.changes import Change
from projections.channels import ChannelRef
from projections.port import ViewPort
from realtime import protocol
from realtime.access import AccessIndex, access_keys
from realtime.bus import Bus
from realtime.follower import Feed
from realtime.protocol import Auth, ErrorCode, ProtocolError, Subscribe, Unsubscribe

log = logging.getLogger("posko.realtime")

# The port's `principal`: it may look the session up in the event store, in the port's pool.
Authenticate = Callable[[str], Awaitable[Principal | None]]

# Client frames are tiny; small caps keep the memory one connection can claim low.
MAX_MESSAGE: Final = 64 * 1024
MAX_QUEUE: Final = 16
MAX_SUBSCRIPTIONS: Final = 256  # per connection: bounds the state one client can make us hold
CLOSE_GRACE: Final = 2.0  # seconds a dropped client gets to take its close frame before abort
SHUTDOWN_GRACE: Final = 5.0  # seconds for closing handshakes at shutdown before transports abort
SESSION_ENDED: Final = "session ended"
# One person or korlap with this many connections is a script or a leak, not a browser; the
# server's own API key (benchmarks, scripts) is not counted.
MAX_CONNECTIONS_PER_PRINCIPAL: Final = 20
SUBSCRIBES_PER_SECOND: Final = 20  # per connection; each may cost a snapshot read

# A frame to send, with the position of the change it carries.
_Frame = tuple[int, str]


@dataclass(frozen=True)
class GatewayStats:
    connections: int  # open websocket connections, authenticated or not
    subscriptions: int  # (connection, channel) pairs, live or catching up
    position: int  # the last batch position the feed has fanned out
    degraded: bool  # the bus is unreachable and changes are read from the store
    slow_drops: int  # connections closed because they could not keep up


class _Client:
    """An authenticated connection the gateway still serves. Kept small, there may be tens of
    thousands: slots, and the subscribe times only once the client subscribes (an empty deque
    alone is ~760 bytes; this list holds at most the last `subscribes_per_second` times)."""

    __slots__ = ("channels", "principal", "subscribed_at")

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.channels: set[str] = set()
        self.subscribed_at: list[float] | None = None


def authorise(
    principal: Principal,
    name: str,
    affiliate_id: str | None = None,
    fund: FundScope | None = None,
    linked: bool = False,
) -> ChannelRef:
    """The one check every subscription passes; raises ProtocolError when refused. A vote's
    channel is scoped by its union, `affiliate_id`; a fund's channel is checked against the
    fund's scope, `fund`, an action's fund channel also against whether they are `linked`
    (all read from the views by the caller)."""
    ref = channels.parse(name)
    if ref is None:
        raise ProtocolError("unknown_channel", "no such channel")
    if ref.kind == "fund":
        if fund is None or not may_fund(principal, Permission.READ_FUND, fund):
            raise ProtocolError("forbidden", "not allowed to read this channel")
        return ref
    # Which permission reads which kind is decided with the channels; None (`system:access`,
    # the gateways' own, or a kind not given a permission yet) is no client's, admins included.
    if not channels.may_read(principal, ref, affiliate_id, fund, linked):
        raise ProtocolError("forbidden", "not allowed to read this channel")
    return ref


class Gateway:
    """One per process: a websocket server plus one feed that follows the bus.

    The bus is started and closed by whoever built it; the gateway only follows it.
    `allowed_origins` are the pages that may connect with the session cookie (None: any, for
    development); a bearer token or an auth message is honoured from anywhere, as no browser
    adds those on its own. Expired principals are closed every `expiry_sweep` seconds.
    """

    def __init__(
        self,
        port: ViewPort,
        bus: Bus,
        authenticate: Authenticate,
        *,
        allowed_origins: Iterable[str] | None = None,
        page_origin: tuple[str, int] | None = None,
        history: int = 10_000,
        max_write_buffer: int = 256 * 1024,
        auth_timeout: float = 10.0,
        ping_interval: float = 20.0,
        ping_timeout: float = 20.0,
        poll_interval: float = 0.5,
        bus_retry: float = 3.0,
        expiry_sweep: float = 5.0,
        metrics: Callable[[], tuple[bytes, str]] | None = None,
        recheck: float = 60.0,
        subscribes_per_second: int = SUBSCRIBES_PER_SECOND,
    ) -> None:
        self._feed = Feed(
            port,
            bus,
            deliver=self._deliver,
            resync=self._resync,
            history=history,
            poll_interval=poll_interval,
            bus_retry=bus_retry,
        )
        self._port = port
        self._authenticate = authenticate
        self._allowed_origins = (
            None
            if allowed_origins is None
            else frozenset(protocol.normalise_origin(o) for o in allowed_origins)
        )
        # (scheme, port) of the HTTP server whose pages may use the cookie, on whatever host
        # the client dialled: the default when no origins are configured.
        self._page_origin = page_origin
        self._history = history
        self._max_write_buffer = max_write_buffer
        self._auth_timeout = auth_timeout
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._expiry_sweep = expiry_sweep
        # Every `recheck` seconds each connection's token is looked up again, so a session
        # that ended reaches its connections even when no `system:access` change does (a
        # stalled projection, a lost bus message).
        self._recheck = recheck
        self._tokens: dict[ServerConnection, str] = {}
        self._held: dict[str, set[ServerConnection]] = {}  # principal id -> its connections
        self._subscribes_per_second = subscribes_per_second

        self._metrics = metrics  # GET /metrics: the process's exposition text and content type
        self._connections = 0
        self._slow_drops = 0
        self.deliveries = 0  # change frames fanned out to subscribers (live or catching up)
        self._clients: dict[ServerConnection, _Client] = {}  # a connection missing is closing
        self._live: dict[str, set[ServerConnection]] = {}
        # Subscriptions still catching up: changes fanned out meanwhile wait in their buffer.
        self._pending: dict[str, dict[ServerConnection, list[_Frame]]] = {}
        # Live subscriptions caught up from the store beyond the feed (a batch committed but
        # not yet off the bus), with the position they have: the feed's copy must not repeat it.
        self._ahead: dict[str, dict[ServerConnection, int]] = {}
        self._access: AccessIndex[ServerConnection] = AccessIndex()
        self._closing: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------------

    @asynccontextmanager
    async def running(
        self, host: str | None, port: int, *, ssl: SSLContext | None = None
    ) -> AsyncIterator[Server]:
        """Serve on host:port (0 picks a free port: read `server.sockets`), over TLS (WSS) when
        given an SSL context, until the block exits; then close every connection with 1001
        (going away) and stop the feed."""
        await self._feed.start()
        tasks = [
            asyncio.create_task(self._feed.run(), name="gateway-feed"),
            asyncio.create_task(self._sweep_expired(), name="gateway-expiry"),
            asyncio.create_task(self._recheck_sessions(), name="gateway-recheck"),
        ]
        try:
            async with serve(
                self._handle,
                host,
                port,
                compression=None,  # deflate costs ~80% more CPU and 3-4x memory on small JSON
                max_size=MAX_MESSAGE,
                max_queue=MAX_QUEUE,
                ping_interval=None,  # one keepalive task for all connections: _keepalive
                process_request=self._process_request,
                ssl=ssl,
            ) as server:
                tasks.append(asyncio.create_task(self._keepalive(server), name="gateway-ping"))
                log.info(
                    "gateway listening sockets=%s position=%s",
                    _addresses(server),
                    self._feed.position,
                )
                try:
                    yield server
                finally:
                    await self._shut_down(server)
        finally:
            tasks += self._closing
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def serve(self, host: str | None, port: int) -> None:
        """Serve until cancelled (the process entry point)."""
        async with self.running(host, port):
            await asyncio.Event().wait()

    async def _shut_down(self, server: Server) -> None:
        server.close()  # code 1001 to every open connection
        try:
            async with asyncio.timeout(SHUTDOWN_GRACE):
                await server.wait_closed()
        except TimeoutError:
            # A client that stopped reading never takes its close frame; don't wait for it.
            for ws in list(self._clients):
                ws.transport.abort()
            await server.wait_closed()

    @property
    def bus_errors(self) -> int:
        return self._feed.bus_errors

    def stats(self) -> GatewayStats:
        return GatewayStats(
            connections=self._connections,
            subscriptions=sum(len(client.channels) for client in self._clients.values()),
            position=self._feed.position,
            degraded=self._feed.degraded,
            slow_drops=self._slow_drops,
        )

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.partition("?")[0]
        if path == "/metrics" and self._metrics is not None:
            body, content_type = self._metrics()
            response = connection.respond(HTTPStatus.OK, body.decode())
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = content_type
            return response
        if path != "/healthz":
            return None
        response = connection.respond(
            HTTPStatus.OK, json.dumps(dataclasses.asdict(self.stats())) + "\n"
        )
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json"
        return response

    # -- connections -------------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        started = time.monotonic()
        self._connections += 1
        log.info("ws open conn=%s peer=%s", ws.id, _peer(ws))
        principal: Principal | None = None
        subscriptions = 0
        try:
            principal = await self._authenticated(ws)
            if principal is None:
                return
            held = self._held.setdefault(principal.id, set())
            if principal.id != API_KEY_PRINCIPAL.id and len(held) >= MAX_CONNECTIONS_PER_PRINCIPAL:
                await self._refuse(ws, "too_many", "too many connections for one sign-in")
                return
            held.add(ws)
            # No await since the lookup ended: an access end from here on finds it indexed.
            client = self._register(ws, principal)
            _forget_handshake(ws)
            await ws.send(protocol.ready())
            async for frame in ws:
                await self._receive(ws, client, frame)
        except ConnectionClosed:
            pass
        finally:
            self._connections -= 1
            if (client_left := self._clients.get(ws)) is not None:
                subscriptions = len(client_left.channels)
            self._forget(ws)
            self._tokens.pop(ws, None)
            if principal is not None and (mine := self._held.get(principal.id)) is not None:
                mine.discard(ws)
                if not mine:
                    del self._held[principal.id]
            log.info(
                "ws close conn=%s principal=%s code=%s subscriptions=%d seconds=%.1f",
                ws.id,
                principal.id if principal is not None else "-",
                ws.close_code,
                subscriptions,
                time.monotonic() - started,
            )

    async def _authenticated(self, ws: ServerConnection) -> Principal | None:
        """The connection's principal, from the handshake (bearer header, else the session
        cookie) or a first auth message; None after refusing it (error frame, close 1008)."""
        headers = ws.request.headers if ws.request is not None else Headers()
        token = protocol.bearer_token(headers.get("Authorization"))
        if token is None:
            token = protocol.cookie(headers.get_all("Cookie"), protocol.SESSION_COOKIE)
            # Browsers send the cookie whichever page opens the socket: only our pages count.
            if token is not None and not self._origin_allowed(
                headers.get("Origin"), headers.get("Host")
            ):
                log.info("ws refused conn=%s origin=%r", ws.id, headers.get("Origin"))
                await self._refuse(ws, "unauthenticated", "origin not allowed")
                return None
        if token is None:
            token = await self._auth_message(ws)
            if token is None:
                return None
        # The lookup may read the session just before it ends, and the end reach us before
        # the lookup returns: ends meanwhile are noted, and checked against what it found.
        self._access.begin_lookup(ws)
        try:
            principal = await self._authenticate(token)
        except Exception:
            log.exception("ws authentication failed conn=%s", ws.id)
            await ws.close(CloseCode.TRY_AGAIN_LATER, "authentication unavailable")
            return None
        finally:
            ended = self._access.end_lookup(ws)
        if principal is None:
            await self._refuse(ws, "unauthenticated", "invalid or missing token")
            return None
        if not ended.isdisjoint(access_keys(principal)):
            await self._refuse(ws, "unauthenticated", SESSION_ENDED)
            return None
        self._tokens[ws] = token
        return principal

    def _origin_allowed(self, origin: str | None, host: str | None) -> bool:
        if self._allowed_origins is None and self._page_origin is None:
            return True  # configured so, explicitly (POSKO_ALLOWED_ORIGINS=*)
        # Every browser sends Origin on a websocket handshake; a client without one is no
        # browser and should use a bearer token.
        if origin is None:
            return False
        origin = protocol.normalise_origin(origin)
        if self._allowed_origins is not None:
            return origin in self._allowed_origins
        assert self._page_origin is not None
        return origin == protocol.page_origin(host, *self._page_origin)

    async def _auth_message(self, ws: ServerConnection) -> str | None:
        """The token of the first message, which must be auth; None after refusing."""
        try:
            async with asyncio.timeout(self._auth_timeout):
                frame = await ws.recv()
            message = protocol.parse_client(frame)
        except TimeoutError:
            await self._refuse(ws, "unauthenticated", "authentication timed out")
            return None
        except ProtocolError as error:
            await self._refuse(ws, error.code, error.message)
            return None
        if not isinstance(message, Auth):
            await self._refuse(ws, "unauthenticated", "authenticate first")
            return None
        if message.token is None:
            await self._refuse(ws, "unauthenticated", "invalid or missing token")
            return None
        return message.token

    @staticmethod
    async def _refuse(ws: ServerConnection, code: ErrorCode, message: str) -> None:
        await ws.send(protocol.error(code, message))
        await ws.close(CloseCode.POLICY_VIOLATION, message)

    def _register(self, ws: ServerConnection, principal: Principal) -> _Client:
        client = self._clients[ws] = _Client(principal)
        self._access.add(ws, principal)
        return client

    async def _receive(self, ws: ServerConnection, client: _Client, frame: str | bytes) -> None:
        if ws not in self._clients:  # being closed (too slow, access ended); ignore the rest
            return
        try:
            message = protocol.parse_client(frame)
        except ProtocolError as error:
            await ws.send(protocol.error(error.code, error.message))
            return
        if isinstance(message, Subscribe):
            now = time.monotonic()
            times = client.subscribed_at
            if times is None:
                times = client.subscribed_at = []
            if len(times) >= self._subscribes_per_second and now - times[0] < 1.0:
                log.info("ws subscribe flood conn=%s principal=%s", ws.id, client.principal.id)
                notice = protocol.error("too_many", "too many subscriptions per second")
                self._drop(ws, CloseCode.POLICY_VIOLATION, "subscribe flood", notice)
                return
            times.append(now)
            if len(times) > self._subscribes_per_second:
                del times[0]
            await self._subscribe(ws, client, message)
        elif isinstance(message, Unsubscribe):
            self._unsubscribe(ws, message.channel)
        else:
            await ws.send(protocol.error("bad_request", "already authenticated"))

    # -- subscriptions -----------------------------------------------------------------------------

    async def _subscribe(self, ws: ServerConnection, client: _Client, message: Subscribe) -> None:
        try:
            ref = authorise(
                client.principal,
                message.channel,
                await self._union_of(message.channel),
                await self._fund_scope(message.channel),
                await self._linked(message.channel),
            )
        except ProtocolError as refused:
            await ws.send(protocol.error(refused.code, refused.message, message.channel))
            return
        name = ref.name
        self._unsubscribe(ws, name)  # subscribing again starts over
        if len(client.channels) >= MAX_SUBSCRIPTIONS:
            await ws.send(protocol.error("bad_request", "too many subscriptions", name))
            return
        # Pending before reading anything, so a change fanned out while we read is buffered
        # rather than lost; the catch-up tells which buffered positions the client already has.
        buffer: list[_Frame] = []
        self._pending.setdefault(name, {})[ws] = buffer
        client.channels.add(name)
        has, frames = await self._catch_up(ref, message.since)
        fanned_out = False  # the first frames are the catch-up; later ones, buffered changes
        while frames:
            for frame in frames:
                if ws not in self._clients:  # dropped meanwhile: not one frame more
                    return
                if fanned_out:  # counted before the send, as live ones are: a client that
                    self.deliveries += 1  # has the frame finds it in /metrics
                await ws.send(frame)
            arrived = [(position, frame) for position, frame in buffer if position > has]
            buffer.clear()
            frames = [frame for _, frame in arrived]
            fanned_out = True
            has = arrived[-1][0] if arrived else has
        waiting = self._pending.get(name, {})
        if waiting.get(ws) is not buffer:  # dropped meanwhile
            return
        # No await from the empty buffer to here: nothing can slip between buffer and live.
        del waiting[ws]
        if not waiting:
            del self._pending[name]
        self._live.setdefault(name, set()).add(ws)
        if has > self._feed.position:
            self._ahead.setdefault(name, {})[ws] = has

    async def _union_of(self, name: str) -> str | None:
        """The union (affiliate) whose vote a `vote:<id>` channel is; None for other channels
        and for votes not (yet) in the views."""
        ref = channels.parse(name)
        if ref is None or ref.kind != "vote":
            return None
        doc = await self._port.load(name, votes.KEY)
        return None if doc is None else str(doc["affiliate_id"])

    async def _catch_up(self, ref: ChannelRef, since: int | None) -> tuple[int, list[str]]:
        """The frames that bring a client up to date on the channel, and the position it then
        has: the changes after `since` when they can be replayed, else a snapshot."""
        if since is not None:
            resumed = self._feed.replay(ref.name, since)
            if resumed is None:
                resumed = await self._feed.replay_from_store(ref.name, since)
            if resumed is not None:
                has, frames = resumed
                return has, [*frames, protocol.subscribed(ref.name, has)]
        return await self._port.pools.run("main", self._snapshot, ref)

    async def _fund_scope(self, name: str) -> FundScope | None:
        """For a fund's channel, the fund's scope from the views (None for other channels)."""
        ref = channels.parse(name)
        if ref is None or ref.fund_id is None:
            return None
        doc = await self._port.load(fund_view.FUNDS, str(ref.fund_id))
        return fund_view.scope(doc)

    async def _linked(self, name: str) -> bool:
        """For an action's fund channel, whether the views have the fund linked to it."""
        ref = channels.parse(name)
        if ref is None or ref.kind != "action_fund":
            return False
        doc = await self._port.load(fund_link.ACTION_FUNDS, str(ref.action_id))
        return fund_link.is_linked(doc, ref.fund_id)

    def _snapshot(self, ref: ChannelRef) -> tuple[int, list[str]]:
        """Runs in the port's pool: the read and the (possibly large) frame stay off the loop."""
        position, docs = self._port.store.snapshot(ref.name, channels.snapshot_limit(ref))
        data = channels.snapshot_data(ref, docs)
        return position, [protocol.snapshot(ref.name, position, data)]

    def _unsubscribe(self, ws: ServerConnection, name: str) -> None:
        client = self._clients.get(ws)
        if client is not None:
            client.channels.discard(name)
        live = self._live.get(name)
        if live is not None:
            live.discard(ws)
            if not live:
                del self._live[name]
        for waiting in (self._pending, self._ahead):
            by_ws = waiting.get(name)
            if by_ws is not None:
                by_ws.pop(ws, None)
                if not by_ws:
                    del waiting[name]

    def _forget(self, ws: ServerConnection) -> None:
        """Stop serving `ws` at once: no more frames, no more subscribing, out of every index."""
        client = self._clients.get(ws)
        if client is None:
            return
        for name in list(client.channels):
            self._unsubscribe(ws, name)
        del self._clients[ws]
        self._access.remove(ws)

    def _drop(
        self, ws: ServerConnection, code: CloseCode, reason: str, notice: str | None = None
    ) -> None:
        """Stop sending to `ws` at once and close it in the background, after `notice`."""
        self._forget(ws)
        task = asyncio.create_task(self._close(ws, code, reason, notice))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close(
        ws: ServerConnection, code: CloseCode, reason: str, notice: str | None
    ) -> None:
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                if notice is not None:
                    with suppress(ConnectionClosed):
                        await ws.send(notice)
                await ws.close(code, reason)
        except TimeoutError:
            # Its close frame sits behind data it does not read; free the buffer now.
            ws.transport.abort()

    # -- access ending -----------------------------------------------------------------------------

    def _end_access(self, ws: ServerConnection, reason: str) -> None:
        log.info("ws access %s conn=%s principal=%s", reason, ws.id, self._clients[ws].principal.id)
        notice = protocol.error("unauthenticated", SESSION_ENDED)
        self._drop(ws, CloseCode.POLICY_VIOLATION, reason, notice)

    async def _recheck_sessions(self) -> None:
        while True:
            await asyncio.sleep(self._recheck)
            held = [(ws, token) for ws, token in self._tokens.items() if ws in self._clients]
            if not held:
                continue
            try:
                valid = [await self._authenticate(token) is not None for _, token in held]
            except Exception:  # the store is away: keep serving, try again next time
                log.warning("ws session recheck failed", exc_info=True)
                continue
            for (ws, _), still in zip(held, valid, strict=True):
                if not still and ws in self._clients:
                    self._end_access(ws, "session no longer valid")

    async def _keepalive(self, server: Server) -> None:
        """Every `ping_interval` seconds, ping every connection; close (1011) the ones whose
        pong has not come `ping_timeout` seconds later, as websockets' own keepalive would.
        That one is a task per connection for its whole life (~1 KiB each at rest); here the
        pings of a round wait together, and an idle connection holds no task."""
        while True:
            await asyncio.sleep(self._ping_interval)
            silent = await asyncio.gather(*(self._ping(ws) for ws in server.connections))
            for ws in silent:
                if ws is not None:
                    log.info("ws keepalive timeout conn=%s", ws.id)
                    self._drop(ws, CloseCode.INTERNAL_ERROR, "keepalive ping timeout")

    async def _ping(self, ws: ServerConnection) -> ServerConnection | None:
        """`ws` if it did not answer a ping within `ping_timeout` seconds, else None."""
        try:
            async with asyncio.timeout(self._ping_timeout):
                await (await ws.ping())
        except TimeoutError:
            return ws
        except ConnectionClosed:
            pass
        return None

    async def _sweep_expired(self) -> None:
        while True:
            await asyncio.sleep(self._expiry_sweep)
            for ws in self._access.expired(time.time()):
                self._end_access(ws, "session expired")

    # -- fan-out -----------------------------------------------------------------------------------

    def _deliver(self, change: Change) -> None:
        if change.channel == people.ACCESS:
            for ws in self._access.ended(change.data):
                self._end_access(ws, SESSION_ENDED)
        else:
            self._fan_out(change)

    def _resync(self) -> None:
        """The feed lost batches nobody can replay: subscribers missed changes, and any client
        may have missed the end of its access, so every client reconnects and starts over."""
        for ws in list(self._clients):
            self._drop(ws, CloseCode.SERVICE_RESTART, "resync")

    def _fan_out(self, change: Change) -> None:
        pending = self._pending.get(change.channel)
        live = self._live.get(change.channel)
        if not pending and not live:
            return
        frame = protocol.change(change.channel, change.position, change.data)
        for ws, buffer in list((pending or {}).items()):
            buffer.append((change.position, frame))
            if len(buffer) > self._history:
                self._slow_drops += 1
                self._drop(ws, CloseCode.TRY_AGAIN_LATER, "too slow")
        if live:
            for ws in [ws for ws in live if _buffered(ws) > self._max_write_buffer]:
                self._slow_drops += 1
                self._drop(ws, CloseCode.TRY_AGAIN_LATER, "too slow")
            targets = self._not_ahead(change, live)
            self.deliveries += len(targets)
            broadcast(targets, frame)

    def _not_ahead(self, change: Change, live: set[ServerConnection]) -> set[ServerConnection]:
        """The live subscribers that lack `change`; forgets ahead ones the feed has reached."""
        ahead = self._ahead.get(change.channel)
        if ahead is None:
            return live
        have = {ws for ws, has in ahead.items() if has >= change.position}
        for ws in [ws for ws, has in ahead.items() if has <= change.position]:
            del ahead[ws]
        if not ahead:
            del self._ahead[change.channel]
        return live - have


def _buffered(ws: ServerConnection) -> int:
    return ws.transport.get_write_buffer_size()


def _forget_handshake(ws: ServerConnection) -> None:
    """The handshake's headers were read (authentication, origin); websockets keeps them for
    the connection's life, ~2.9 KiB a connection (tracemalloc), so they are emptied now."""
    for message in (ws.request, ws.response):
        if message is not None:
            message.headers.clear()


def _peer(ws: ServerConnection) -> str:
    try:
        host, port, *_ = ws.remote_address
    except (TypeError, ValueError):
        return "-"
    return f"{host}:{port}"


def _addresses(server: Server) -> str:
    return ",".join(str(sock.getsockname()) for sock in server.sockets)
