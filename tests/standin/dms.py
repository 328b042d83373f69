"""DMs and interactions from outside the guild, as Discord has them.

- `POST /users/@me/channels {"recipient_id"}` opens (once per user) the bot's DM channel with a
  user it shares a guild with (a type 1 channel with `recipients`); any other id is 400 50033.
- A message to a DM channel of a user in `blocked_dms` is 403 50007 ("Cannot send messages to
  this user"), as when a user closed their DMs; the channel itself still opens.
- Interactions from a DM with the bot (context 1: no `guild_id`, `user` instead of `member`)
  and from a server the bot is not in, where the user installed the app (context 0 with a
  foreign `guild_id`, `authorizing_integration_owners` naming the user's install only).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.standin.common import discord_error, json_response

CANNOT_DM = 50007
INVALID_RECIPIENT = 50033
GUILD_INSTALL, USER_INSTALL = "0", "1"
CONTEXT_GUILD, CONTEXT_BOT_DM, CONTEXT_PRIVATE = 0, 1, 2


class DMsMixin:
    """StandIn's DM channels and outside interactions (state is set by `_setup_dms`)."""

    def _setup_dms(self) -> None:
        self.dm_channels: dict[str, dict[str, Any]] = {}  # user id -> the bot's DM channel
        self.blocked_dms: set[str] = set()  # users whose DMs are closed to the bot
        self.foreign_guild_id = self.snowflake()  # a server the bot is not in
        self.foreign_channel = {
            "id": self.snowflake(),
            "type": 0,
            "guild_id": self.foreign_guild_id,
            "name": "elsewhere",
            "position": 0,
            "permission_overwrites": [],
        }

    def _user_by_id(self, user_id: str) -> dict[str, Any] | None:
        for guild in self.guilds:
            for member in guild["members"]:
                if member["user"]["id"] == user_id:
                    return dict(member["user"])
        return None

    def dm_channel(self, user: dict[str, Any]) -> dict[str, Any]:
        """The bot's DM channel with `user` (a user object), opened if needed."""
        channel = self.dm_channels.get(user["id"])
        if channel is None:
            channel = {
                "id": self.snowflake(),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user],
            }
            self.dm_channels[user["id"]] = channel
            self._channel_ids.add(channel["id"])
        return channel

    def dms_of(self, user_id: str) -> list[dict[str, Any]]:
        """The bot's messages in its DM channel with the user (none if it was never opened)."""
        channel = self.dm_channels.get(user_id)
        return list(self.messages.get(channel["id"], [])) if channel else []

    def _open_dm(self, body: Any) -> web.Response:
        recipient = str((body or {}).get("recipient_id") or "")
        user = self._user_by_id(recipient)
        if user is None:
            return discord_error(400, INVALID_RECIPIENT, "Invalid Recipient(s)")
        return json_response(self.dm_channel(user))

    def _dm_refused(self, channel_id: str) -> web.Response | None:
        """50007 for a DM to a user who closed their DMs."""
        for user_id, channel in self.dm_channels.items():
            if channel["id"] == channel_id and user_id in self.blocked_dms:
                return discord_error(403, CANNOT_DM, "Cannot send messages to this user")
        return None

    def is_dm_channel(self, channel_id: str) -> bool:
        return any(c["id"] == channel_id for c in self.dm_channels.values())

    def global_command(self, name: str) -> dict[str, Any]:
        """The globally synced command `/name` (the only kind usable outside the bot's guilds)."""
        for command in self.global_commands:
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        raise KeyError(f"no global command /{name}")

    @staticmethod
    def available_outside(command: dict[str, Any], where: str) -> bool:
        """Whether Discord offers the command in a DM with the bot (`dm`: context 1) or in a
        server the bot is not in (`foreign`: context 0 through a user install). Unset
        `integration_types` means guild install only; unset `contexts` means every context."""
        installs = command.get("integration_types") or [0]
        contexts = command.get("contexts") or [CONTEXT_GUILD, CONTEXT_BOT_DM, CONTEXT_PRIVATE]
        if where == "dm":
            return CONTEXT_BOT_DM in contexts
        return CONTEXT_GUILD in contexts and 1 in installs

    def outside_payload(self, member: dict[str, Any], where: str) -> dict[str, Any]:
        """The parts of an interaction that differ outside the bot's guilds: `dm` (a DM with
        the bot) or `foreign` (a server the bot is not in; the user's own install)."""
        user = member["user"]
        owners = {USER_INSTALL: user["id"]}
        if where == "dm":
            return {
                "channel": self.dm_channel(dict(user)),
                "channel_id": self.dm_channel(dict(user))["id"],
                "user": user,
                "context": CONTEXT_BOT_DM,
                "authorizing_integration_owners": owners,
                "app_permissions": str(0x0004_0000_0000_0000 | 0x800 | 0x4000),
            }
        if where == "foreign":
            return {
                "guild_id": self.foreign_guild_id,
                "guild": {"id": self.foreign_guild_id, "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "channel": self.foreign_channel,
                "channel_id": self.foreign_channel["id"],
                "member": {
                    "user": user,
                    "roles": [],
                    "joined_at": "2026-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "permissions": str(0x800 | 0x400),
                },
                "context": CONTEXT_GUILD,
                "authorizing_integration_owners": owners,
                "app_permissions": str(0x0004_0000_0000_0000 | 0x800 | 0x4000),
            }
        raise ValueError(f"where must be 'guild', 'dm' or 'foreign', not {where!r}")
