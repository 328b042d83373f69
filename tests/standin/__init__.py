"""A local stand-in for Discord (REST + gateway) and a small test API over it."""

from tests.standin.guilds import GuildSpec
from tests.standin.server import TOKEN, StandIn
from tests.standin.users import ButtonDisabled, CommandHidden, DiscordUser, Response

__all__ = [
    "TOKEN",
    "ButtonDisabled",
    "CommandHidden",
    "DiscordUser",
    "GuildSpec",
    "Response",
    "StandIn",
]
