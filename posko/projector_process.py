"""`posko serve` projects in a child process of its own (`posko project --child`), so the
projections' Python does not share the web's GIL: about a fifth of a report's time under load.

Two pipes join them, nothing to set up:
- serve -> child, `wake`: a byte after each commit of events, so the child's subscription
  wakes at once instead of at its next poll (SQLite tells only its own process). Its end
  (serve gone) stops the child.
- child -> serve, its stdout: one JSON line per committed batch and one a second, with the
  runner's status. serve answers /healthz and /metrics from it, wakes read-your-writes
  waiters, and, with the in-memory bus, hands the batches to its gateway: read from the
  view store's outbox (the same road a follower takes), so none is skipped or repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import sys
import threading

from posko.persistence import SubscribableSQLiteApplicationRecorder
from projections.port import Port
from projections.runner import RESTART_DELAY, ProjectionRunner, RunnerStatus
from realtime.bus import Bus, MemoryBus

log = logging.getLogger("posko.projections")

STATUS_EVERY = 1.0  # seconds between the child's status lines when no batch comes
STARTUP_WAIT = 60.0  # seconds serve waits for its projector before it takes requests anyway
STOP_WAIT = 10.0  # seconds the child gets to finish its batch at shutdown
RELAY_PAGE = 1_000


class _Waker:
    """A commit listener (like the subscription's threading.Event) that writes a byte to the
    child's wake pipe. Never blocks: a byte already waiting wakes the child just as well."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def set(self) -> None:
        with contextlib.suppress(BlockingIOError, BrokenPipeError, OSError):
            os.write(self.fd, b"\n")


class ChildProjector:
    """serve's side: starts the child, restarts it when it ends, mirrors its status."""

    def __init__(self, port: Port, bus: Bus) -> None:
        self.port = port
        self.bus = bus
        self.status = RunnerStatus()
        self._process: asyncio.subprocess.Process | None = None
        self._relayed = 0  # the last batch handed to the bus
        self._advanced = asyncio.Event()
        self.running = asyncio.Event()  # the child follows the log (set once)

    async def run(self) -> None:
        """Keep a child projecting until cancelled (then stop it and wait for it)."""
        # The gateway's feed starts from the views' position too; no child commits meanwhile.
        self._relayed = await self.port.views_position()
        relay = asyncio.create_task(self._relay(), name="projector-relay")
        try:
            while True:
                code = await self._run_child()
                self.status.running = self.status.active = False
                self.status.last_error = f"the projector process ended (exit code {code})"
                log.error("%s; restarting it in %ss", self.status.last_error, RESTART_DELAY)
                await asyncio.sleep(RESTART_DELAY)
        finally:
            relay.cancel()
            await asyncio.gather(relay, return_exceptions=True)
            await self._stop_child()

    async def started(self) -> None:
        """Wait until the child follows the log (or STARTUP_WAIT seconds): serve takes
        requests only then, as it did with the runner in its own process."""
        try:
            await asyncio.wait_for(self.running.wait(), STARTUP_WAIT)
        except TimeoutError:
            log.warning("the projector process has not started in %ss", STARTUP_WAIT)

    async def _run_child(self) -> int:
        recorder = self.port.app.recorder
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        waker = _Waker(write_end)
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "posko",
                "project",
                "--child",
                str(read_end),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                pass_fds=(read_end,),
            )
        finally:
            os.close(read_end)
        if isinstance(recorder, SubscribableSQLiteApplicationRecorder):
            recorder.add_listener(waker)
        try:
            assert self._process.stdout is not None
            while line := await self._process.stdout.readline():
                self._status_line(line)
            return await self._process.wait()
        finally:
            if isinstance(recorder, SubscribableSQLiteApplicationRecorder):
                recorder.remove_listener(waker)
            os.close(write_end)

    def _status_line(self, line: bytes) -> None:
        try:
            status = RunnerStatus(**json.loads(line))
        except (ValueError, TypeError):
            log.warning("the projector process wrote an unexpected line: %r", line[:200])
            return
        moved = status.position != self.status.position
        self.status = status
        if status.running:
            self.running.set()
        if moved:
            self.port.projects_here(status.position)
            self._advanced.set()

    async def _relay(self) -> None:
        """Hand the batches the child committed to the gateway's in-memory bus, in order."""
        if not isinstance(self.bus, MemoryBus):
            return  # a shared bus (Redis): the child publishes to it itself
        gap = False
        while True:
            await self._advanced.wait()
            self._advanced.clear()
            try:
                while batches := await self.port.batches_after(self._relayed, RELAY_PAGE):
                    for batch in batches:
                        await self.bus.publish(batch, gap=gap)
                        self._relayed, gap = batch.position, False
                if batches is None:
                    # The outbox no longer reaches back: the next batch is marked, so the
                    # gateway's feed takes snapshots instead of skipping the hole silently.
                    log.error(
                        "the outbox lost batches after %s before serve relayed them", self._relayed
                    )
                    self._relayed, gap = self.status.position, True
            except Exception:  # the store is unreachable: the next line tries again
                log.exception("relaying the projector's batches failed")

    async def _stop_child(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_WAIT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


# -- the child -----------------------------------------------------------------------------------


def follow_parent(wake_fd: int, port: Port, stopping: asyncio.Event) -> None:
    """In the child: wake the subscription at each byte from serve; stop when serve is gone."""
    loop = asyncio.get_running_loop()
    recorder = port.app.recorder

    def read() -> None:
        with contextlib.suppress(OSError):
            while os.read(wake_fd, 4096):
                if isinstance(recorder, SubscribableSQLiteApplicationRecorder):
                    recorder.wake_listeners()
        with contextlib.suppress(RuntimeError):  # the loop closed first
            loop.call_soon_threadsafe(stopping.set)

    threading.Thread(target=read, name="posko-serve-wake", daemon=True).start()


async def report_status(runner: ProjectionRunner) -> None:
    """In the child: one line of status per batch (as the runner reaches it) and one a second."""

    def write(_: int = 0) -> None:
        line = json.dumps(dataclasses.asdict(runner.status), separators=(",", ":"))
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):  # serve is gone: the wake pipe stops us
            pass

    runner.port.projected.append(write)
    while True:
        write()
        await asyncio.sleep(STATUS_EVERY)
