"""The websocket gateway: authenticates connections, catches each subscription up (recent
history, the store's outbox, or a snapshot) and fans committed changes out with broadcast().
All decisions about frames live in `realtime.protocol`; this module only does the I/O."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Final

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from core.access import Permission, Principal, may
from projections import channels
from projections.changes import Batch, Change
from projections.channels import ChannelRef
from projections.store import ViewStore
from realtime import protocol
from realtime.bus import Bus, HistoryUnavailable
from realtime.protocol import Auth, ErrorCode, ProtocolError, Subscribe, Unsubscribe

log = logging.getLogger("posko.realtime")

Authenticate = Callable[[str | None], Principal | None]

# Client frames are tiny; small caps keep the memory one connection can claim low.
MAX_MESSAGE: Final = 64 * 1024
MAX_QUEUE: Final = 16
MAX_SUBSCRIPTIONS: Final = 256  # per connection: bounds the state one client can make us hold
STORE_PAGE: Final = 1_000  # outbox batches read per query while the feed catches up
CLOSE_GRACE: Final = 2.0  # seconds a dropped client gets to take its close frame before abort
SHUTDOWN_GRACE: Final = 5.0  # seconds for closing handshakes at shutdown before transports abort

# A frame to send, with the position of the change it carries.
_Frame = tuple[int, str]


@dataclass(frozen=True)
class GatewayStats:
    connections: int  # open websocket connections, authenticated or not
    subscriptions: int  # (connection, channel) pairs, live or catching up
    position: int  # the last batch position the feed has fanned out
    degraded: bool  # the bus is unreachable and changes are read from the store
    slow_drops: int  # connections closed because they could not keep up


def authorise(principal: Principal, name: str) -> ChannelRef:
    """The one check every subscription passes; raises ProtocolError when refused."""
    ref = channels.parse(name)
    if ref is None:
        raise ProtocolError("unknown_channel", "no such channel")
    if ref.kind == "actions":
        allowed = may(principal, Permission.READ_ACTIONS)
    elif ref.kind == "action_map":
        allowed = may(principal, Permission.READ_ACTION, ref.action_id)
    else:  # a kind added to channels but not yet given a permission here stays closed
        allowed = False
    if not allowed:
        raise ProtocolError("forbidden", "not allowed to read this channel")
    return ref


class Gateway:
    """One per process: a websocket server plus one feed that follows the bus.

    The bus is started and closed by whoever built it; the gateway only follows it.
    `authenticate` is called on the event loop, so it must not block.
    """

    def __init__(
        self,
        store: ViewStore,
        bus: Bus,
        authenticate: Authenticate,
        *,
        history: int = 10_000,
        max_write_buffer: int = 256 * 1024,
        auth_timeout: float = 10.0,
        ping_interval: float = 20.0,
        ping_timeout: float = 20.0,
        poll_interval: float = 0.5,
        bus_retry: float = 3.0,
    ) -> None:
        if history < 1:
            raise ValueError(f"history must be at least 1 batch, not {history}")
        self._store = store
        self._bus = bus
        self._authenticate = authenticate
        self._history = history
        self._max_write_buffer = max_write_buffer
        self._auth_timeout = auth_timeout
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._poll_interval = poll_interval
        self._bus_retry = bus_retry

        self._ring: deque[Batch] = deque(maxlen=history)
        self._floor = 0  # the ring holds every batch above this position
        self._position = 0  # the last batch fanned out
        self._degraded = False
        self._connections = 0
        self._slow_drops = 0
        self._live: dict[str, set[ServerConnection]] = {}
        # Subscriptions still catching up: changes fanned out meanwhile wait in their buffer.
        self._pending: dict[str, dict[ServerConnection, list[_Frame]]] = {}
        # Channels of each authenticated connection; a connection missing here is being closed.
        self._subscriptions: dict[ServerConnection, set[str]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self, host: str | None, port: int) -> AsyncIterator[Server]:
        """Serve on host:port (0 picks a free port: read `server.sockets`) until the block exits;
        then close every connection with 1001 (going away) and stop the feed."""
        position = await asyncio.to_thread(self._store.position)
        self._ring.clear()
        self._position = self._floor = position
        feed = asyncio.create_task(self._feed(), name="gateway-feed")
        try:
            async with serve(
                self._handle,
                host,
                port,
                compression=None,  # deflate costs ~80% more CPU and 3-4x memory on small JSON
                max_size=MAX_MESSAGE,
                max_queue=MAX_QUEUE,
                ping_interval=self._ping_interval,
                ping_timeout=self._ping_timeout,
                process_request=self._process_request,
            ) as server:
                log.info("gateway listening sockets=%s position=%s", _addresses(server), position)
                try:
                    yield server
                finally:
                    await self._shut_down(server)
        finally:
            for task in [feed, *self._closing]:
                task.cancel()
            await asyncio.gather(feed, *self._closing, return_exceptions=True)

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
            for ws in list(self._subscriptions):
                ws.transport.abort()
            await server.wait_closed()

    def stats(self) -> GatewayStats:
        return GatewayStats(
            connections=self._connections,
            subscriptions=sum(len(names) for names in self._subscriptions.values()),
            position=self._position,
            degraded=self._degraded,
            slow_drops=self._slow_drops,
        )

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.partition("?")[0] != "/healthz":
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
            self._subscriptions[ws] = set()
            await ws.send(protocol.ready())
            async for frame in ws:
                await self._receive(ws, principal, frame)
        except ConnectionClosed:
            pass
        finally:
            self._connections -= 1
            subscriptions = len(self._subscriptions.get(ws, ()))
            self._forget(ws)
            log.info(
                "ws close conn=%s principal=%s code=%s subscriptions=%d seconds=%.1f",
                ws.id,
                principal.id if principal is not None else "-",
                ws.close_code,
                subscriptions,
                time.monotonic() - started,
            )

    async def _authenticated(self, ws: ServerConnection) -> Principal | None:
        """The connection's principal, from the handshake header or a first auth message;
        None after refusing it (error frame, then close 1008)."""
        token = _bearer(ws.request.headers) if ws.request is not None else None
        if token is None:
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
            token = message.token
        principal = self._authenticate(token)
        if principal is None:
            await self._refuse(ws, "unauthenticated", "invalid or missing token")
        return principal

    @staticmethod
    async def _refuse(ws: ServerConnection, code: ErrorCode, message: str) -> None:
        await ws.send(protocol.error(code, message))
        await ws.close(CloseCode.POLICY_VIOLATION, message)

    async def _receive(
        self, ws: ServerConnection, principal: Principal, frame: str | bytes
    ) -> None:
        if ws not in self._subscriptions:  # dropped as too slow; the close is on its way
            return
        try:
            message = protocol.parse_client(frame)
        except ProtocolError as error:
            await ws.send(protocol.error(error.code, error.message))
            return
        if isinstance(message, Subscribe):
            await self._subscribe(ws, principal, message)
        elif isinstance(message, Unsubscribe):
            self._unsubscribe(ws, message.channel)
        else:
            await ws.send(protocol.error("bad_request", "already authenticated"))

    # -- subscriptions -----------------------------------------------------------------------------

    async def _subscribe(
        self, ws: ServerConnection, principal: Principal, message: Subscribe
    ) -> None:
        try:
            ref = authorise(principal, message.channel)
        except ProtocolError as refused:
            await ws.send(protocol.error(refused.code, refused.message, message.channel))
            return
        name = ref.name
        self._unsubscribe(ws, name)  # subscribing again starts over
        if len(self._subscriptions[ws]) >= MAX_SUBSCRIPTIONS:
            await ws.send(protocol.error("bad_request", "too many subscriptions", name))
            return
        # Pending before reading anything, so a change fanned out while we read is buffered
        # rather than lost; the catch-up tells which buffered positions the client already has.
        buffer: list[_Frame] = []
        self._pending.setdefault(name, {})[ws] = buffer
        self._subscriptions[ws].add(name)
        has = await self._catch_up(ws, ref, message.since)
        while buffer:
            arrived = buffer[:]
            buffer.clear()
            for position, frame in arrived:
                if position > has:
                    await ws.send(frame)
                    has = position
        waiting = self._pending.get(name, {})
        if waiting.get(ws) is not buffer:  # dropped meanwhile
            return
        # No await from the empty buffer to here: nothing can slip between buffer and live.
        del waiting[ws]
        if not waiting:
            del self._pending[name]
        self._live.setdefault(name, set()).add(ws)

    async def _catch_up(self, ws: ServerConnection, ref: ChannelRef, since: int | None) -> int:
        """Send what the client lacks on the channel; returns the position it now has."""
        if since is not None:
            resumed = self._from_ring(ref.name, since)
            if resumed is None:
                resumed = await asyncio.to_thread(self._from_store, ref.name, since)
            if resumed is not None:
                has, frames = resumed
                for frame in frames:
                    await ws.send(frame)
                await ws.send(protocol.subscribed(ref.name, has))
                return has
        has, frame = await asyncio.to_thread(self._snapshot, ref)
        await ws.send(frame)
        return has

    def _from_ring(self, channel: str, since: int) -> tuple[int, list[str]] | None:
        if not self._floor <= since <= self._position:
            return None
        newer = list(itertools.takewhile(lambda b: b.position > since, reversed(self._ring)))
        return self._position, _frames(channel, reversed(newer))

    def _from_store(self, channel: str, since: int) -> tuple[int, list[str]] | None:
        """Runs in a thread. None when a snapshot must do: the outbox lost part of the history,
        holds more than we replay, or `since` is beyond this deployment's position."""
        top = self._store.position()
        if since > top:
            return None
        batches = self._store.batches_after(since, self._history)
        if batches is None or len(batches) >= self._history:
            return None
        # The outbox read came after `top`, so it holds every batch up to at least `top`.
        has = max(top, batches[-1].position) if batches else top
        return has, _frames(channel, batches)

    def _snapshot(self, ref: ChannelRef) -> tuple[int, str]:
        """Runs in a thread: the read and the (possibly large) frame stay off the loop."""
        position, docs = self._store.snapshot(ref.name)
        return position, protocol.snapshot(ref.name, position, channels.snapshot_data(ref, docs))

    def _unsubscribe(self, ws: ServerConnection, name: str) -> None:
        self._subscriptions.get(ws, set()).discard(name)
        live = self._live.get(name)
        if live is not None:
            live.discard(ws)
            if not live:
                del self._live[name]
        pending = self._pending.get(name)
        if pending is not None:
            pending.pop(ws, None)
            if not pending:
                del self._pending[name]

    def _forget(self, ws: ServerConnection) -> None:
        for name in list(self._subscriptions.get(ws, ())):
            self._unsubscribe(ws, name)
        self._subscriptions.pop(ws, None)

    def _drop(self, ws: ServerConnection, code: CloseCode, reason: str) -> None:
        """Stop sending to `ws` at once and close it in the background."""
        self._forget(ws)
        task = asyncio.create_task(self._close(ws, code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close(ws: ServerConnection, code: CloseCode, reason: str) -> None:
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await ws.close(code, reason)
        except TimeoutError:
            # Its close frame sits behind data it does not read; free the buffer now.
            ws.transport.abort()

    # -- feed --------------------------------------------------------------------------------------

    async def _feed(self) -> None:
        """Follow the bus forever; fall back to the store's outbox when the bus cannot serve."""
        while True:
            try:
                try:
                    await self._follow_bus()
                except HistoryUnavailable as gap:
                    log.info("gateway feed: %s; catching up from the store", gap)
                    if not await self._read_store():
                        # The bus is ahead of the store's outbox; don't spin while it settles.
                        await asyncio.sleep(self._poll_interval)
                except Exception as error:
                    # BusUnavailable, or a bus misbehaving: the store is the truth meanwhile.
                    log.warning("gateway feed: bus unavailable (%s); polling the store", error)
                    await self._poll_store()
            except Exception:
                log.exception("gateway feed failed; retrying in %ss", self._bus_retry)
                self._degraded = True
                await asyncio.sleep(self._bus_retry)

    async def _follow_bus(self) -> None:
        batches = self._bus.follow(self._position)
        try:
            async for batch in batches:
                self._ingest(batch)
        finally:
            aclose = getattr(batches, "aclose", None)  # close the generator's connection now
            if aclose is not None:
                await aclose()

    async def _poll_store(self) -> None:
        """Read the outbox every poll_interval until the bus answers again."""
        self._degraded = True
        loop = asyncio.get_running_loop()
        retry_at = loop.time() + self._bus_retry
        while True:
            await self._read_store()
            if loop.time() >= retry_at:
                try:
                    await self._bus.last_position()
                except Exception:
                    retry_at = loop.time() + self._bus_retry
                else:
                    await self._read_store()  # batches whose publishing failed while it was away
                    self._degraded = False
                    log.info("gateway feed: bus is back at position %s", self._position)
                    return
            await asyncio.sleep(self._poll_interval)

    async def _read_store(self) -> bool:
        """Fan out the outbox batches after the feed's position; True when there were any."""
        progressed = False
        while True:
            batches = await asyncio.to_thread(self._store.batches_after, self._position, STORE_PAGE)
            if batches is None:
                await self._resync()
                return True
            for batch in batches:
                self._ingest(batch)
            progressed = progressed or bool(batches)
            if len(batches) < STORE_PAGE:
                return progressed

    async def _resync(self) -> None:
        """The outbox was pruned past the feed: subscribers missed changes nobody can replay,
        so they reconnect (and get snapshots); the feed restarts from the store's position."""
        position = await asyncio.to_thread(self._store.position)
        log.warning(
            "gateway feed: history lost after %s; resyncing at %s", self._position, position
        )
        self._ring.clear()
        self._position = self._floor = position
        for ws, names in list(self._subscriptions.items()):
            if names:
                self._drop(ws, CloseCode.SERVICE_RESTART, "resync")

    def _ingest(self, batch: Batch) -> None:
        if batch.position <= self._position:  # seen already: bus and store overlap
            return
        if len(self._ring) == self._history:
            self._floor = self._ring[0].position
        self._ring.append(batch)
        self._position = batch.position
        for change in batch.changes:
            self._fan_out(change)

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
            broadcast(live, frame)


def _frames(channel: str, batches: Iterable[Batch]) -> list[str]:
    return [
        protocol.change(c.channel, c.position, c.data)
        for batch in batches
        for c in batch.changes
        if c.channel == channel
    ]


def _buffered(ws: ServerConnection) -> int:
    return ws.transport.get_write_buffer_size()


def _bearer(headers: Headers) -> str | None:
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _peer(ws: ServerConnection) -> str:
    try:
        host, port, *_ = ws.remote_address
    except (TypeError, ValueError):
        return "-"
    return f"{host}:{port}"


def _addresses(server: Server) -> str:
    return ",".join(str(sock.getsockname()) for sock in server.sockets)
