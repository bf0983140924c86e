"""What every process tells its operators: Prometheus figures read from the components at
scrape time (projection, bus, gateway), a sampler of the projection lag, and JSON log lines
when POSKO_LOG_FORMAT=json (one per request, one per projection batch, with their fields)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import json
import logging
import logging.handlers
import queue
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from posko.bootstrap import Components

LAG_SAMPLE_INTERVAL = 5.0  # seconds between reads of the store's head for the lag in events


class ComponentsCollector(Collector):
    """Reads the process's components when Prometheus scrapes; never blocks on I/O."""

    def __init__(self, components: Components) -> None:
        self.components = components
        self.head: int | None = None  # the event store's head, sampled by sample_lag()
        self.views: int | None = None

    def collect(self) -> Iterator[Metric]:
        c = self.components
        if self.head is not None and self.views is not None:
            yield _gauge("posko_event_store_position", "Highest notification id", self.head)
            yield _gauge(
                "posko_projection_lag_events",
                "Events in the store the views do not include yet",
                max(0, self.head - self.views),
            )
        if (s := c.projection_status()) is not None:
            yield _gauge("posko_projector_active", "1 when this projector holds the lock", s.active)
            yield _gauge("posko_projection_position", "Position of the views", s.position)
            yield _counter("posko_events_appended", "Events applied to the views", s.events_applied)
            yield _counter("posko_projection_batches", "Batches committed", s.batches_applied)
            yield _gauge(
                "posko_projection_lag_seconds",
                "From the last applied event's time to its application",
                s.lag_seconds,
            )
            yield _gauge(
                "posko_outbox_backlog_events",
                "Positions committed to the views but not yet on the bus",
                max(0, s.position - s.last_published) if s.bus_behind else 0,
            )
            yield _counter("posko_bus_publish_errors", "Publishes that failed", s.publish_errors)
        if c.gateway is not None:
            g = c.gateway.stats()
            yield _gauge("posko_ws_connections", "Open websocket connections", g.connections)
            yield _gauge("posko_ws_subscriptions", "Channel subscriptions", g.subscriptions)
            yield _counter("posko_ws_deliveries", "Change frames sent", c.gateway.deliveries)
            yield _counter("posko_ws_slow_drops", "Clients dropped as too slow", g.slow_drops)
            yield _counter("posko_bus_follow_errors", "Bus follow failures", c.gateway.bus_errors)
            yield _gauge("posko_gateway_degraded", "1 while reading the store", g.degraded)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=float(value))


@contextlib.contextmanager
def registered(collector: ComponentsCollector) -> Iterator[None]:
    REGISTRY.register(collector)
    try:
        yield
    finally:
        REGISTRY.unregister(collector)


async def sample_lag(collector: ComponentsCollector) -> None:
    """Read the store's head and the views' position every LAG_SAMPLE_INTERVAL seconds."""
    c = collector.components
    while True:
        try:
            head = await c.port.pools.run("main", c.app.recorder.max_notification_id)
            views = await c.port.views_position()
        except Exception:  # the store is down: /healthz says so; keep the last figures
            pass
        else:
            collector.head, collector.views = head or 0, views
        await asyncio.sleep(LAG_SAMPLE_INTERVAL)


# -- logs ----------------------------------------------------------------------------------------

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _Handoff(logging.handlers.QueueHandler):
    """Hands records to the writer thread with their message rendered now (the arguments may
    change later) but their traceback kept, so the JSON formatter still gives it its own field."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        return record


def configure_logging(log_format: str) -> None:
    """Lines are written by a thread of their own: a write to a slow pipe or disk must not hold
    up the event loop (one line per request cost about 0.45 ms on the loop under load). Lines
    still queued are written at exit."""
    out = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        out.setFormatter(JsonFormatter())
    else:
        out.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    # Neither format names the thread, process or caller: don't gather them for every line.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    queued: queue.SimpleQueue[logging.LogRecord | None] = queue.SimpleQueue()
    writer = _LineWriter(queued, out)
    logging.basicConfig(level=logging.INFO, handlers=[_Handoff(queued)], force=True)
    writer.start()
    atexit.register(writer.stop)


class _LineWriter:
    """Writes the queued lines every WRITE_EVERY seconds, all at once: under load one wake-up
    and one write per interval, not one per line (a wake-up per request line cost ~5 % of a
    report's time on the loop, which woke this thread with every line it queued)."""

    WRITE_EVERY = 0.05  # seconds: how late a line may appear

    def __init__(
        self, queued: queue.SimpleQueue[logging.LogRecord | None], out: logging.StreamHandler[Any]
    ) -> None:
        self._queued = queued
        self._out = out
        self._thread = threading.Thread(target=self._run, name="posko-log-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then end (at exit)."""
        self._queued.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            records = [self._queued.get()]  # idle: sleeps until a line comes
            time.sleep(self.WRITE_EVERY)  # busy: let the next ones gather
            with contextlib.suppress(queue.Empty):
                while True:
                    records.append(self._queued.get_nowait())
            if not self._write(records):
                return

    def _write(self, records: list[logging.LogRecord | None]) -> bool:
        """Writes the lines; False when the stop mark was among them."""
        lines = []
        for record in records:
            if record is None:
                continue
            try:
                lines.append(self._out.format(record) + self._out.terminator)
            except Exception:
                self._out.handleError(record)
        if lines:
            with contextlib.suppress(Exception):  # stderr closed: nothing else to tell it to
                self._out.stream.write("".join(lines))
                self._out.flush()
        return None not in records
