"""Process entry points: `posko serve | web | gateway | project | rebuild`, `posko user`
to add people who sign in (the first admin) and set passwords, scriptably, and `posko fund
verify` to check a solidarity fund's history."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import getpass
import logging
import logging.handlers
import os
import queue
import signal
import ssl
import sys
import time
import uuid
from typing import TextIO

from aiohttp import web

from core import values
from core.access import Role
from core.application import Posko
from core.errors import InvalidInput, PoskoError
from posko import fund_cli
from posko.bootstrap import Components, build, web_services
from posko.demo import simulate
from posko.settings import Settings, SettingsError
from projections.runner import ProjectionRunner
from web import passwords
from web.app import create_app
from web.messages import render

log = logging.getLogger("posko")


def _log_off_the_loop() -> None:
    """One line per request is written by a thread of its own: a write to a slow pipe or disk
    must not hold up the event loop (it cost about 0.45 ms a request, on the loop, under load).
    Lines still queued are written at exit."""
    queued: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    out = logging.StreamHandler(sys.stderr)
    out.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    listener = logging.handlers.QueueListener(queued, out)
    logging.basicConfig(level=logging.INFO, handlers=[logging.handlers.QueueHandler(queued)])
    listener.start()
    atexit.register(listener.stop)


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
    _user_parser(commands)
    fund_cli.add_parser(commands)
    args = parser.parse_args(argv)

    _log_off_the_loop()
    try:
        settings, generated = Settings.from_env().with_api_key()
    except SettingsError as error:
        sys.exit(f"posko: {error}")
    if generated:
        # `posko user` prints only the person's id on stdout, for scripts to read.
        out = sys.stderr if args.command in ("user", "fund") else sys.stdout
        print(f"Generated an API key and stored it in {settings.data_dir / 'api_key'}:", file=out)
        print(f"  {settings.api_key}", file=out)

    if args.command == "user":
        sys.exit(user(settings, args))
    if args.command == "fund":
        sys.exit(fund_cli.run(settings, args))
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
            tls = settings.tls_context()
            if components.gateway is not None:
                await stack.enter_async_context(
                    components.gateway.running(settings.host, settings.ws_port, ssl=tls)
                )
            if serve_http:
                await _start_http(components, stack, tls)
            if demo:
                tasks.append(asyncio.create_task(simulate(components.port), name="demo"))
            _banner(settings, serve_http=serve_http, serve_ws=serve_ws, demo=demo)
            await stopping.wait()
            log.info("stopping")
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await components.bus.close()
        components.close()


async def _start_http(
    components: Components, stack: contextlib.AsyncExitStack, tls: ssl.SSLContext | None
) -> None:
    runner = web.AppRunner(create_app(web_services(components)), access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    settings = components.settings
    await web.TCPSite(runner, settings.host, settings.http_port, ssl_context=tls).start()


def _banner(settings: Settings, *, serve_http: bool, serve_ws: bool, demo: bool) -> None:
    lines = []
    secure = "s" if settings.tls_cert is not None else ""
    if serve_http:
        lines.append(f"Posko web:      http{secure}://{settings.host}:{settings.http_port}/")
    if serve_ws:
        lines.append(f"Posko gateway:  ws{secure}://{settings.host}:{settings.ws_port}/")
    if demo:
        from posko.demo import ACTION_ID

        lines += [
            f"Demo action:    {ACTION_ID}",
            f"Demo fund:      http{secure}://{settings.host}:{settings.http_port}/kas",
            f"API key:        {settings.api_key}",
            f"Try:  curl -H 'Authorization: Bearer {settings.api_key}' "
            f"http{secure}://{settings.host}:{settings.http_port}/api/actions/{ACTION_ID}/map",
        ]
    print("\n".join(lines), flush=True)


def rebuild(settings: Settings) -> None:
    components = build(settings, runner=False, gateway=False)
    try:
        components.store.reset()
        runner = ProjectionRunner(components.app, components.port)
        started = time.perf_counter()
        position = runner.catch_up()
        seconds = time.perf_counter() - started
        print(f"rebuilt views up to position {position} in {seconds:.2f}s")
    finally:
        components.close()


# -- posko user ----------------------------------------------------------------------------------

CLI_ACTOR = "cli"  # recorded on the events these commands make
CLI_PEOPLE = uuid.UUID("0c1b1e53-4d0f-4b8e-a1f5-6f0a2f3f3c11")  # ids of people added here


def _user_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user_parser = commands.add_parser("user", help="people who sign in: add one, set a password")
    users = user_parser.add_subparsers(dest="user_command", required=True)
    add = users.add_parser(
        "add",
        help="add a person with a role and a password; prints their id",
        description="Add a person who signs in with their phone (or email) and a password. "
        "The password comes from stdin with --password-stdin, else from POSKO_NEW_PASSWORD, "
        "else a prompt. Running it again for the same phone sets the password and adds the "
        "role, and prints the same id.",
    )
    add.add_argument("--name", required=True)
    add.add_argument("--phone", required=True, help="e.g. 0812-3456-7890 or +6281234567890")
    add.add_argument("--email")
    add.add_argument("--role", required=True, choices=("admin", "coordinator"))
    add.add_argument("--action-id", type=uuid.UUID, help="coordinator of this action only")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    passwd = users.add_parser("passwd", help="set the password of the person with this login")
    passwd.add_argument("--login", required=True, help="their phone number or email")
    passwd.add_argument("--password-stdin", action="store_true", help="read it from stdin")


def user(
    settings: Settings,
    args: argparse.Namespace,
    stdin: TextIO = sys.stdin,
    environ: dict[str, str] | None = None,
) -> int:
    """`posko user add | passwd`: exit status 0 and the person's id on stdout, or 1 and why."""
    components = build(settings, runner=False, gateway=False)
    try:
        password = passwords.checked(
            "password", _new_password(args.password_stdin, stdin, environ or dict(os.environ))
        )
        password_hash = passwords.hash_password(password)
        if args.user_command == "add":
            person_id = add_user(components.app, args, password_hash)
        else:
            person_id = set_user_password(components.app, args.login, password_hash)
    except PoskoError as error:
        params = {**error.params, **({"field": error.field} if error.field else {})}
        print(f"posko: {render(error.code, 'en', params)}", file=sys.stderr)
        return 1
    finally:
        components.close()
    print(person_id)
    return 0


def add_user(app: Posko, args: argparse.Namespace, password_hash: str) -> uuid.UUID:
    """The person's id comes from their phone, so a script that runs twice adds them once."""
    phone = values.phone("phone", args.phone)
    person_id = uuid.uuid5(CLI_PEOPLE, phone)
    result = app.register_person(
        id=person_id,
        name=args.name,
        phone=phone,
        email=args.email,
        password_hash=password_hash,
        actor=CLI_ACTOR,
    )
    if not result.created:  # added before: the password given now is the one to sign in with
        app.set_password(person_id=person_id, password_hash=password_hash, actor=CLI_ACTOR)
    action_id = None if args.action_id is None else str(args.action_id)
    role = Role(args.role, action_id=action_id if args.role == "coordinator" else None)
    app.grant_role(person_id=person_id, role=role, actor=CLI_ACTOR)
    return person_id


def set_user_password(app: Posko, login: str, password_hash: str) -> uuid.UUID:
    person = app.person_by_login(login)
    if person is None:
        raise InvalidInput("unknown_login", field="login")
    app.set_password(person_id=person.id, password_hash=password_hash, actor=CLI_ACTOR)
    return person.id


def _new_password(from_stdin: bool, stdin: TextIO, environ: dict[str, str]) -> str:
    """From stdin (one line), else POSKO_NEW_PASSWORD, else asked twice on a terminal. Read
    here, not in settings: it is input to one command, not configuration of a process."""
    if from_stdin:
        return stdin.readline().rstrip("\r\n")
    if environ.get("POSKO_NEW_PASSWORD"):
        return environ["POSKO_NEW_PASSWORD"]
    if not stdin.isatty():
        raise InvalidInput("password_needed", field="password")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise InvalidInput("passwords_differ", field="password")
    return first
