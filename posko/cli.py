"""Process entry points: `posko serve | web | gateway | project | rebuild`, `posko user`
to add people who sign in (the first admin) and set passwords, scriptably, and `posko fund
verify` to check a solidarity fund's history."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
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
from posko import fund_cli, projector_process, vote_clock
from posko.bootstrap import Components, build, report_health, web_services
from posko.demo import simulate
from posko.observability import ComponentsCollector, configure_logging, registered, sample_lag
from posko.persistence import StartupError
from posko.projector_process import ChildProjector
from posko.settings import Settings, SettingsError
from projections.runner import ProjectionRunner
from web import passwords
from web.app import create_app
from web.messages import render
from web.metrics import metrics

log = logging.getLogger("posko")


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per process role and tool."""
    parser = argparse.ArgumentParser(
        prog="posko", description="Posko: the joint action command post"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="web, projections and gateway in one process")
    serve.add_argument("--demo", action="store_true", help="seed and simulate a day of action")
    commands.add_parser("web", help="the HTTP API and pages only (scaled deployment)")
    commands.add_parser("gateway", help="the websocket gateway only (scaled deployment)")
    project = commands.add_parser(
        "project",
        help="the projection runner only; with PostgreSQL a second one stands by (failover)",
    )
    # `posko serve` starts its projector so, with the read end of its wake pipe.
    project.add_argument("--child", type=int, metavar="WAKE_FD", help=argparse.SUPPRESS)
    commands.add_parser("rebuild", help="drop all views and rebuild them from the event log")
    key = commands.add_parser("key", help="the API key: where it is kept, or the key itself")
    key.add_argument("what", choices=("show", "path"), help="show: print it; path: its file")
    _user_parser(commands)
    _sms_parser(commands)
    fund_cli.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)

    os.umask(0o077)  # the event store, the views and the key file: for this user only
    try:
        settings, generated = Settings.from_env().with_api_key()
    except SettingsError as error:
        sys.exit(f"posko: {error}")
    configure_logging(settings.log_format)
    key_file = settings.data_dir / "api_key"
    if generated:
        # Never the key itself: terminals are scrolled back, logged and shared on screens.
        print(
            f"Generated an API key and stored it in {key_file}; `posko key show` prints it.",
            file=sys.stderr,
        )
    elif key_file.exists() and key_file.stat().st_mode & 0o077:
        print(
            f"posko: warning: {key_file} is readable by others; run: chmod 600 {key_file}",
            file=sys.stderr,
        )
    if args.command == "key":
        print(settings.api_key if args.what == "show" else key_file)
        return

    try:
        _command(args, settings)
    except StartupError as error:
        sys.exit(f"posko: {error}")


def _command(args: argparse.Namespace, settings: Settings) -> None:
    if args.command == "user":
        sys.exit(user(settings, args))
    if args.command == "sms":
        sys.exit(sms(settings, args))
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
            wake_fd=getattr(args, "child", None),
        )
    )


async def run(
    settings: Settings,
    *,
    serve_http: bool,
    run_projections: bool,
    serve_ws: bool,
    demo: bool,
    wake_fd: int | None = None,
) -> None:
    """One process role. `posko serve` (all three) projects in a child process of its own
    (posko/projector_process.py); `wake_fd` is given in that child."""
    projector_apart = serve_http and run_projections and serve_ws
    components = build(settings, runner=run_projections and not projector_apart, gateway=serve_ws)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # ^C reaches serve's child too; serve stops it itself, once its own work has stopped.
    for sig in (signal.SIGTERM,) if wake_fd is not None else (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    if wake_fd is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    tasks: list[asyncio.Task[None]] = []
    await components.bus.start()
    collector = ComponentsCollector(components)
    try:
        async with contextlib.AsyncExitStack() as stack:
            stack.enter_context(registered(collector))
            tasks.append(asyncio.create_task(sample_lag(collector), name="lag-sampler"))
            if projector_apart:
                components.projector = ChildProjector(components.port, components.bus)
                tasks.append(asyncio.create_task(components.projector.run(), name="projector"))
                await components.projector.started()
            if components.runner is not None and wake_fd is not None:
                projector_process.follow_parent(wake_fd, components.port, stopping)
                tasks.append(
                    asyncio.create_task(
                        projector_process.report_status(components.runner), name="status"
                    )
                )
            if components.runner is not None:
                tasks.append(asyncio.create_task(components.runner.run(), name="projections"))
                tasks.append(
                    asyncio.create_task(
                        vote_clock.run(components.port),
                        name="vote-clock",
                    )
                )
            tls = settings.tls_context()
            if components.gateway is not None:
                await stack.enter_async_context(
                    components.gateway.running(settings.host, settings.ws_port, ssl=tls)
                )
            if serve_http:
                await _start_http(components, stack, tls)
            elif components.runner is not None and wake_fd is None:
                await _start_probe(components, stack)
            if demo:
                tasks.append(asyncio.create_task(simulate(components.port), name="demo"))
            if wake_fd is None:
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
    services = web_services(components)
    runner = web.AppRunner(create_app(services), access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    settings = components.settings
    await web.TCPSite(runner, settings.host, settings.http_port, ssl_context=tls).start()


async def _start_probe(components: Components, stack: contextlib.AsyncExitStack) -> None:
    """`posko project` answers GET /healthz on POSKO_HTTP_PORT: whether it is the active
    projector or a standby, its position and lag, for the orchestrator's health checks."""

    async def healthz(request: web.Request) -> web.Response:
        state = await report_health(components)
        return web.json_response(state, status=200 if state["status"] == "ok" else 503)

    probe = web.Application()
    probe.router.add_get("/healthz", healthz)
    probe.router.add_get("/metrics", metrics)
    runner = web.AppRunner(probe, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    settings = components.settings
    await web.TCPSite(runner, settings.host, settings.http_port).start()


def _banner(settings: Settings, *, serve_http: bool, serve_ws: bool, demo: bool) -> None:
    lines = []
    secure = "s" if settings.tls_cert is not None else ""
    if serve_http:
        lines.append(f"Posko web:      http{secure}://{settings.host}:{settings.http_port}/")
    elif not serve_ws:
        lines.append(f"Posko health:   http://{settings.host}:{settings.http_port}/healthz")
    if serve_ws:
        lines.append(f"Posko gateway:  ws{secure}://{settings.host}:{settings.ws_port}/")
    if demo:
        from posko.demo import ACTION_ID

        lines += [
            f"Demo action:    {ACTION_ID}",
            f"Demo fund:      http{secure}://{settings.host}:{settings.http_port}/kas",
            f"API key:        in {settings.data_dir / 'api_key'} (`posko key show` prints it)",
            'Try:  curl -H "Authorization: Bearer $(.venv/bin/posko key show)" '
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


def _sms_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sms_parser = commands.add_parser("sms", help="SMS gateways that relay korlaps' texts")
    objects = sms_parser.add_subparsers(dest="sms_object", required=True)
    gateway = objects.add_parser("gateway", help="add or remove an SMS gateway")
    gateways = gateway.add_subparsers(dest="sms_command", required=True)
    add = gateways.add_parser(
        "add",
        help="add a gateway; prints its id and its secret (shown only this once)",
        description="Add an SMS gateway (an Android SMS gateway app on the posko's phone, or "
        "a provider). Prints two lines, `id <uuid>` and `secret <secret>`: configure both in "
        "the gateway. Posko does not store the secret; it derives it again from the server's "
        "API key, so changing POSKO_API_KEY makes every gateway need adding again.",
    )
    add.add_argument("--name", required=True, help="e.g. 'HP posko Jakarta'")
    gateways.add_parser("list", help="every gateway: id, name, secret's fingerprint, state")
    remove = gateways.add_parser("remove", help="stop accepting a gateway's requests")
    remove.add_argument("--id", required=True, type=uuid.UUID)


def sms(settings: Settings, args: argparse.Namespace) -> int:
    """`posko sms gateway add | list | remove`: exit status 0, or 1 and why."""
    components = build(settings, runner=False, gateway=False)
    try:
        if args.sms_command == "add":
            result, secret = components.app.add_sms_gateway(
                name=args.name, server_key=settings.api_key, actor=CLI_ACTOR
            )
            print(f"id {result.id}")
            print(f"secret {secret}")
        elif args.sms_command == "list":
            for gateway in components.app.sms_gateways():
                state = "removed" if gateway.removed else "active"
                print(f"{gateway.id}\t{gateway.name}\t{gateway.fingerprint}\t{state}")
        else:
            components.app.remove_sms_gateway(gateway_id=args.id, actor=CLI_ACTOR)
            print(f"removed {args.id}")
    except PoskoError as error:
        params = {**error.params, **({"field": error.field} if error.field else {})}
        print(f"posko: {render(error.code, 'en', params)}", file=sys.stderr)
        return 1
    finally:
        components.close()
    return 0
