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


# Where commands are offered (discord.py 2.4+): lookups and watchlists everywhere, for guild
# and user installs alike (the tree's default); admin, watch and digest groups only in servers
# that added the bot.
EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
ANY_INSTALL = app_commands.AppInstallationType(guild=True, user=True)
GUILD_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
GUILD_INSTALL = app_commands.AppInstallationType(guild=True, user=False)


def install_refusal(interaction: discord.Interaction) -> str | None:
    """Why a guild-install-only command cannot run here (a DM, or a server where only the
    user installed the app: Discord should not offer it, a crafted call may still come), or
    None when it may."""
    command = interaction.command
    if command is None:
        return None
    root = getattr(command, "root_parent", None) or command
    installs = getattr(root, "allowed_installs", None)
    if installs is None or installs.user:
        return None
    if interaction.is_guild_integration():
        return None
    return (
        f"/{root.name} works only in a server that has added Release Radar, not in DMs or"
        " where only you installed the app. Lookups and /follow work everywhere."
    )
