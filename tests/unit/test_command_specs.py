"""The slash commands and the offline CLI describe the same commands and options, and the whole
command tree the bot registers is one Discord accepts (no clashes, valid names)."""

import copy
from collections.abc import Callable
from typing import Any

import discord
import pytest
from discord.ext import commands

from bot.commands import COMMANDS
from bot.discordbot.client import ReleaseRadarBot
from bot.discordbot.cogs.lookups import LookupCog
from bot.services import Services
from tests.standin import validation

Payload = list[dict[str, Any]]


async def test_cog_commands_match_the_specs(services) -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    await bot.add_cog(LookupCog(services))
    tree = {c.name: c for c in bot.tree.get_commands()}
    assert set(tree) == set(COMMANDS)
    for name, spec in COMMANDS.items():
        params = {p.name: p for p in tree[name].parameters}
        assert list(params) == [o.name for o in spec.options], name
        for option in spec.options:
            assert params[option.name].required == option.required, (name, option.name)
            assert params[option.name].autocomplete == bool(option.autocomplete)


async def registered_tree(services: Services) -> tuple[ReleaseRadarBot, Payload]:
    """The bot with every cog loaded (never connected), and the payload its sync would send."""
    bot = ReleaseRadarBot(services)
    await bot.add_cogs()
    return bot, [command.to_dict(bot.tree) for command in bot.tree.get_commands()]


def problems(payload: Payload) -> list[tuple[str, str]]:
    """Every (path, Discord error code) the payload's bulk overwrite would be refused for."""
    found: list[tuple[str, str]] = []

    def walk(node: dict[str, Any], path: list[str]) -> None:
        for key, value in node.items():
            if key == "_errors":
                found.extend((".".join(path), e["code"]) for e in value)
            else:
                walk(value, [*path, key])

    walk(validation.check_commands(payload), [])
    return found


def groups(payload: Payload) -> list[dict[str, Any]]:
    """Top-level commands and subcommand groups that hold subcommands."""
    found = []
    for command in payload:
        options = command.get("options") or []
        if any(o["type"] in (1, 2) for o in options):
            found.append(command)
            found.extend(o for o in options if o["type"] == 2)
    return found


async def test_the_whole_registered_tree_is_one_discord_accepts(services) -> None:
    bot, payload = await registered_tree(services)
    # The whole tree: every command of every cog, subcommand groups included.
    top = {c["name"] for c in payload}
    for cog in bot.cogs.values():
        assert {c.name for c in cog.get_app_commands()} <= top, cog.qualified_name
    assert set(COMMANDS) <= top
    assert any(o["type"] == 2 for g in groups(payload) for o in g.get("options") or [])
    assert problems(payload) == []


def _first_group(payload: Payload) -> dict[str, Any]:
    return next(g for g in groups(payload) if g.get("type", 1) == 1 and "description" in g)


def _first_with_options(payload: Payload) -> dict[str, Any]:
    return next(c for c in payload if c.get("options") and c["options"][0]["type"] not in (1, 2))


def _plant_top_level_clash(payload: Payload) -> None:
    payload.append(copy.deepcopy(payload[0]))


def _plant_subcommand_clash(payload: Payload) -> None:
    subgroup = next(o for g in groups(payload) for o in g.get("options") or [] if o["type"] == 2)
    subgroup["options"].append(copy.deepcopy(subgroup["options"][0]))


def _plant_option_clash(payload: Payload) -> None:
    command = _first_with_options(payload)
    command["options"].append(copy.deepcopy(command["options"][0]))


def _rename_command(name: str) -> Callable[[Payload], None]:
    def plant(payload: Payload) -> None:
        payload[0]["name"] = name

    return plant


def _rename_option(name: str) -> Callable[[Payload], None]:
    def plant(payload: Payload) -> None:
        _first_with_options(payload)["options"][0]["name"] = name

    return plant


def _describe_command(description: str) -> Callable[[Payload], None]:
    def plant(payload: Payload) -> None:
        payload[0]["description"] = description

    return plant


def _describe_subcommand(description: str) -> Callable[[Payload], None]:
    def plant(payload: Payload) -> None:
        _first_group(payload)["options"][0]["description"] = description

    return plant


@pytest.mark.parametrize(
    ("plant", "code"),
    [
        (_plant_top_level_clash, "APPLICATION_COMMANDS_DUPLICATE_NAME"),
        (_plant_subcommand_clash, "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"),
        (_plant_option_clash, "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"),
        (_rename_command("Compare"), "APPLICATION_COMMAND_INVALID_NAME"),
        (_rename_command("x" * 33), "APPLICATION_COMMAND_INVALID_NAME"),
        (_rename_command(""), "APPLICATION_COMMAND_INVALID_NAME"),
        (_rename_command("two words"), "APPLICATION_COMMAND_INVALID_NAME"),
        (_rename_option("Model"), "APPLICATION_COMMAND_INVALID_NAME"),
        (_rename_option("model!"), "APPLICATION_COMMAND_INVALID_NAME"),
        (_describe_command(""), "BASE_TYPE_BAD_LENGTH"),
        (_describe_command("d" * 101), "BASE_TYPE_BAD_LENGTH"),
        (_describe_subcommand("d" * 101), "BASE_TYPE_BAD_LENGTH"),
    ],
)
async def test_a_planted_problem_in_the_tree_is_caught(services, plant, code) -> None:
    """The check can fail: the real tree with one clash or bad name planted is refused."""
    _, payload = await registered_tree(services)
    plant(payload)
    assert code in {found for _, found in problems(payload)}


async def test_discord_names_in_any_script_are_accepted(services) -> None:
    """\\p{L} and \\p{N}, not only ASCII: a lowercase name in another script, 32 chars, is valid."""
    _, payload = await registered_tree(services)
    payload[0]["name"] = "модель-٣"
    _first_with_options(payload)["options"][0]["name"] = "n" * 32
    assert problems(payload) == []
