"""Permission checks enforced server-side (the visible default permissions are only a hint)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.config import Config

T = TypeVar("T")


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
        if not is_curator(interaction, interaction.client.services.config):  # type: ignore[attr-defined]
            raise app_commands.CheckFailure("Only the bot's curators can do this.")
        return True

    return app_commands.check(predicate)
