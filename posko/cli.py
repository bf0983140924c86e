"""Process entry points: `posko serve | web | gateway | project | rebuild`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time

from aiohttp import web

from posko.bootstrap import Components, build, web_services
from posko.demo import simulate
from posko.settings import Settings, SettingsError
from projections.runner import ProjectionRunner
from web.app import create_app

log = logging.getLogger("posko")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="posko", description="Posko: the joint action command post"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="web, projections and gateway in one process")
    serve.add_argument("--demo", action="store_true", help="seed and simulate a day of action")
    commands.add_parser("web", help="the HTTP API and pages only (scaled deployment)")
    commands.add_parser("gateway", help="the websocket gateway only (scaled deployment)")
    commands.add_parser("project", help="the projection runner only (run exactly one)")
    commands.add_parser("rebuild", help="drop all views and rebuild them from the event log")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        settings, generated = Settings.from_env().with_api_key()
    except SettingsError as error:
        sys.exit(f"posko: {error}")
    if generated:
        print(f"Generated an API key and stored it in {settings.data_dir / 'api_key'}:")
        print(f"  {settings.api_key}")

    if args.command == "rebuild":
        rebuild(settings)
        return
    roles = {
        "serve": (True, True, True),
        "web": (True, False, False),
        "gateway": (False, False, True),
        "project": (False, True, False),
    }[args.command]
    serve_http, run_projections, serve_ws = roles
    asyncio.run(
        run(
            settings,
            serve_http=serve_http,
            run_projections=run_projections,
            serve_ws=serve_ws,
            demo=getattr(args, "demo", False),
        )
    )


async def run(
    settings: Settings, *, serve_http: bool, run_projections: bool, serve_ws: bool, demo: bool
) -> None:
    components = build(settings, runner=run_projections, gateway=serve_ws)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    tasks: list[asyncio.Task[None]] = []
    await components.bus.start()
    try:
        async with contextlib.AsyncExitStack() as stack:
            if components.runner is not None:
                tasks.append(asyncio.create_task(components.runner.run(), name="projections"))
            if components.gateway is not None:
                await stack.enter_async_context(
                    components.gateway.running(settings.host, settings.ws_port)
                )
            if serve_http:
                await _start_http(components, stack)
            if demo:
                tasks.append(asyncio.create_task(simulate(components.app), name="demo"))
            _banner(settings, serve_http=serve_http, serve_ws=serve_ws, demo=demo)
            await stopping.wait()
            log.info("stopping")
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await components.bus.close()
        components.close()


async def _start_http(components: Components, stack: contextlib.AsyncExitStack) -> None:
    runner = web.AppRunner(create_app(web_services(components)), access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, components.settings.host, components.settings.http_port).start()


def _banner(settings: Settings, *, serve_http: bool, serve_ws: bool, demo: bool) -> None:
    lines = []
    if serve_http:
        lines.append(f"Posko web:      http://{settings.host}:{settings.http_port}/")
    if serve_ws:
        lines.append(f"Posko gateway:  ws://{settings.host}:{settings.ws_port}/")
    if demo:
        from posko.demo import ACTION_ID

        lines += [
            f"Demo action:    {ACTION_ID}",
            f"API key:        {settings.api_key}",
            f"Try:  curl -H 'Authorization: Bearer {settings.api_key}' "
            f"http://{settings.host}:{settings.http_port}/api/actions/{ACTION_ID}/map",
        ]
    print("\n".join(lines), flush=True)


def rebuild(settings: Settings) -> None:
    components = build(settings, runner=False, gateway=False)
    try:
        components.store.reset()
        runner = ProjectionRunner(components.app, components.store)
        started = time.perf_counter()
        position = runner.catch_up()
        seconds = time.perf_counter() - started
        print(f"rebuilt views up to position {position} in {seconds:.2f}s")
    finally:
        components.close()
