"""Permission checks enforced server-side (the visible default permissions are only a hint)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

import discord
from discord import app_commands

from bot.config import Config

T = TypeVar("T")


class _Configured(Protocol):
    config: Config


@runtime_checkable
class _RadarClient(Protocol):
    """What a check needs of the bot (its class is not imported: the bot imports the cogs)."""

    services: _Configured


def bot_config(interaction: discord.Interaction) -> Config:
    """The config of the bot that received `interaction`."""
    client = interaction.client
    if not isinstance(client, _RadarClient):
        raise TypeError(f"{type(client).__name__} is not the Release Radar bot")
    return client.services.config


def is_curator(interaction: discord.Interaction, config: Config) -> bool:
    """Owners and configured curators (by user id or role id) may change shared data."""
    user = interaction.user
    if user.id in config.owners or user.id in config.curators.users:
        return True
    roles = getattr(user, "roles", [])
    return any(role.id in config.curators.roles for role in roles)


def curators_only() -> Callable[[T], T]:
    """A check for commands that change shared data (the feed list, the catalog)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if not is_curator(interaction, bot_config(interaction)):
            raise app_commands.CheckFailure("Only the bot's curators can do this.")
        return True

    return app_commands.check(predicate)
