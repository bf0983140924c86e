"""The log writer thread: lines queued by any thread are written in order, in batches, and
nothing queued before the stop is lost."""

from __future__ import annotations

import io
import logging
import queue
import threading

from posko.observability import _Handoff, _LineWriter


def started(name: str) -> tuple[io.StringIO, logging.Logger, _LineWriter]:
    """A running writer into a string, and a logger whose lines it writes."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    queued: queue.SimpleQueue[logging.LogRecord | None] = queue.SimpleQueue()
    writer = _LineWriter(queued, handler)
    writer.start()
    logger = logging.Logger(name)
    logger.addHandler(_Handoff(queued))
    return out, logger, writer


def test_every_line_queued_before_stop_is_written_in_order() -> None:
    out, logger, writer = started("test-writer")

    def burst(name: str) -> None:
        for n in range(200):
            logger.info("%s %d", name, n)

    threads = [threading.Thread(target=burst, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.stop()

    lines = out.getvalue().splitlines()
    assert len(lines) == 800
    for i in range(4):
        assert [line for line in lines if line.startswith(f"t{i} ")] == [
            f"t{i} {n}" for n in range(200)
        ]


def test_a_line_is_written_while_running_not_only_at_stop() -> None:
    out, logger, writer = started("test-writer-live")
    logger.info("hello %s", "there")
    deadline = threading.Event()
    for _ in range(100):  # up to 5 s; written within WRITE_EVERY normally
        if out.getvalue():
            break
        deadline.wait(0.05)
    assert out.getvalue() == "hello there\n"
    writer.stop()
