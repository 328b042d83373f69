"""compose.yaml, read as Docker Compose would (Docker itself cannot run here): its services fit
together, and each bot's config file loads with the environment compose gives it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Config, ConfigError, load_config
from tests.conftest import REPO

COMPOSE = REPO / "compose.yaml"
_VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def env_example() -> dict[str, str]:
    pairs = [
        line.split("=", 1)
        for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {key: value for key, value in pairs}


def interpolate(value: str, env: dict[str, str]) -> str:
    """${VAR}, ${VAR:?message}, ${VAR:-default} as compose fills them from .env."""
    return _VARIABLE.sub(lambda m: env[m.group(1)], value)


def bot_services(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in spec["services"].items() if name.startswith("bot-")}


def config_of(service: dict[str, Any], env: dict[str, str]) -> tuple[Path, Config]:
    """The config file mounted where the entrypoint's --config points, loaded with the
    service's environment (the token and password as compose would fill them from .env)."""
    entry = service["entrypoint"]
    inside = entry[entry.index("--config") + 1]
    mounts = [v.split(":") for v in service["volumes"]]
    source = next(REPO / host for host, target, *_ in mounts if target == inside)
    environment = {k: interpolate(str(v), env) for k, v in service["environment"].items()}
    return source, load_config(source, env=environment)


def filled_env() -> dict[str, str]:
    """.env.example filled in as an operator would (a token of the right shape)."""
    return {key: value or f"{key.lower()}.Filled-in_value" for key, value in env_example().items()}


def test_services_start_in_order_on_a_healthy_database() -> None:
    spec = compose()
    db = spec["services"]["db"]
    assert db["image"].startswith("postgres:15")
    assert db["healthcheck"]["test"]
    volume = db["volumes"][0].split(":")[0]
    assert volume in spec["volumes"]  # a named volume: the data outlives the container
    bots = bot_services(spec)
    assert set(bots) == {"bot-a", "bot-b"}
    for service in bots.values():
        assert service["depends_on"] == {"db": {"condition": "service_healthy"}}
        assert service["command"] == ["run"]


def test_every_variable_compose_reads_is_in_env_example() -> None:
    used = set(_VARIABLE.findall(COMPOSE.read_text(encoding="utf-8")))
    assert used == set(env_example()) == {"DISCORD_TOKEN", "RADAR_DB_PASSWORD"}


def test_each_bot_config_loads_and_reaches_the_db_service() -> None:
    spec = compose()
    env = filled_env()
    for name, service in bot_services(spec).items():
        path, config = config_of(service, env)
        assert path.parent == REPO / "deploy", name
        assert config.token == env["DISCORD_TOKEN"]
        assert config.store.backend == "postgresql"
        assert re.match(r"postgresql://radar@db:5432/radar$", config.store.dsn or "")
        # The password is in the environment under the name the config reads, not in the file.
        assert service["environment"][config.store.password_env]
        assert env["RADAR_DB_PASSWORD"] not in path.read_text(encoding="utf-8")


def test_the_shard_ranges_cover_every_shard_exactly_once() -> None:
    env = filled_env()
    configs = [config_of(s, env)[1] for s in bot_services(compose()).values()]
    counts = {c.discord.shard_count for c in configs}
    assert counts == {4}
    held = [shard for c in configs for shard in sorted(c.discord.shard_ids or ())]
    assert sorted(held) == list(range(4))  # no shard twice, none missing
    assert [sorted(c.discord.shard_ids or ()) for c in configs] == [[0, 1], [2, 3]]


def test_an_unfilled_env_or_a_wrong_shard_range_stops_start_up_naming_it(tmp_path: Path) -> None:
    """The bad input: .env not filled in (compose itself refuses, `${VAR:?...}`; the bot, given
    an empty password, stops naming the variable), or a shard range past shard_count."""
    text = COMPOSE.read_text(encoding="utf-8")
    for name in ("DISCORD_TOKEN", "RADAR_DB_PASSWORD"):
        message = re.search(r"\$\{" + name + r":\?([^}]*)\}", text)
        assert message and ".env" in message.group(1)
    service = bot_services(compose())["bot-a"]
    with pytest.raises(ConfigError, match="RADAR_DB_PASSWORD"):
        config_of(service, env_example())  # the values left empty
    broken = tmp_path / "config.yaml"
    shard_a = (REPO / "deploy" / "config.shard-a.yaml").read_text(encoding="utf-8")
    broken.write_text(shard_a.replace('"0-1"', '"0-4"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"discord\.shard_ids"):
        load_config(broken, env=filled_env())
