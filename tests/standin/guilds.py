"""The stand-in's guilds: building guilds, channels, members and roles, and Discord's
permission rules over them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.standin.common import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    APP_ID,
    BOT_USER,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
    discord_error,
    now_iso,
    thread_payload,
)


@dataclass(frozen=True)
class GuildSpec:
    """What the stand-in's guild holds; the default is the guild the suite has always used.

    `owner` owns the guild, `admins` have the admin role (Manage Server), `members` only
    @everyone; the bot joins every guild. add_guild() builds the same guild with a suffix."""

    name: str = "Stand-in Guild"
    channels: tuple[str, ...] = ("general", "releases", "digest")
    owner: str = "owner"
    admins: tuple[str, ...] = ("admin",)
    members: tuple[str, ...] = ("member",)
    admin_role: str = "Admins"


class GuildsMixin:
    """StandIn's guilds and permissions (state is set in StandIn.__init__)."""

    # ---- the guild ------------------------------------------------------------------------

    def add_guild(self, tag: str, shard: tuple[int, int] | None = None) -> dict[str, Any]:
        """Host another guild (call before the bot connects): its users and channels are named
        like the first guild's with a suffix, `admin-<tag>`, `releases-<tag>` ...; `shard`
        (id, count) gives it an id on that shard."""
        guild_id = self.snowflake_on_shard(*shard) if shard else None
        guild = self._build_guild(f"-{tag}", guild_id)
        self.guilds.append(guild)
        self._channel_ids |= {c["id"] for c in guild["channels"]}
        self._add_bot_role(guild)
        return guild

    def guild_of(self, thing: dict[str, Any]) -> dict[str, Any]:
        """The guild a channel or member belongs to."""
        for guild in self.guilds:
            if any(thing is c for c in guild["channels"]) or any(
                thing is m for m in guild["members"]
            ):
                return guild
        return next(g for g in self.guilds if g["id"] == thing.get("guild_id"))

    def _build_guild(self, suffix: str = "", guild_id: str | None = None) -> dict[str, Any]:
        spec = self.guild_spec
        guild_id = guild_id or self.snowflake()
        admin_role = self.snowflake()
        roles = [
            {
                "id": guild_id,
                "name": "@everyone",
                "permissions": str(MEMBER_PERMISSIONS),
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            },
            {
                "id": admin_role,
                "name": spec.admin_role,
                "permissions": str(MANAGE_GUILD | MEMBER_PERMISSIONS),
                "position": 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": True,
                "flags": 0,
            },
        ]
        channels = [
            self._channel(guild_id, name + suffix, i) for i, name in enumerate(spec.channels)
        ]
        owner = self._user(spec.owner + suffix)
        admins = [self._user(name + suffix) for name in spec.admins]
        plain = [self._user(name + suffix) for name in spec.members]
        members = [
            self._member(owner, []),
            *(self._member(user, [admin_role]) for user in admins),
            *(self._member(user, []) for user in plain),
            self._member(BOT_USER, []),
        ]
        return {
            "id": guild_id,
            "name": f"{spec.name}{suffix}",
            "owner_id": owner["id"],
            "member_count": len(members),
            "roles": roles,
            "channels": channels,
            "members": members,
            "unavailable": False,
            "icon": None,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "large": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_id": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": now_iso(),
            "voice_states": [],
            "presences": [],
            "afk_timeout": 300,
        }

    def _channel(self, guild_id: str, name: str, position: int) -> dict[str, Any]:
        return {
            "id": self.snowflake(),
            "type": 0,
            "guild_id": guild_id,
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _member(self, user: dict[str, Any], roles: list[str]) -> dict[str, Any]:
        return {
            "user": user,
            "roles": roles,
            "flags": 0,
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
        }

    def _user(self, name: str) -> dict[str, Any]:
        return {
            "id": self.snowflake(),
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
            "bot": False,
            "flags": 0,
        }

    def channel(self, name: str) -> dict[str, Any]:
        return next(c for g in self.guilds for c in g["channels"] if c["name"] == name)

    def channel_by_id(self, channel_id: str) -> dict[str, Any]:
        return next(c for g in self.guilds for c in g["channels"] if c["id"] == channel_id)

    def member(self, name: str) -> dict[str, Any]:
        return next(m for g in self.guilds for m in g["members"] if m["user"]["username"] == name)

    def permissions_of(self, member: dict[str, Any], channel: dict[str, Any] | None = None) -> int:
        """A member's permissions in its guild, or in `channel` with its overwrites applied."""
        guild = self.guild_of(member)
        if member["user"]["id"] == guild["owner_id"]:
            return ALL_PERMISSIONS
        value = 0
        for role in guild["roles"]:
            if role["id"] == guild["id"] or role["id"] in member["roles"]:
                value |= int(role["permissions"])
        if value & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return value if channel is None else self._with_overwrites(value, member, channel)

    def add_channels(self, count: int, prefix: str = "news") -> list[str]:
        """Create text channels the bot was not told about at login (posting to them works)."""
        ids = []
        for i in range(count):
            channel = self._channel(self.guild["id"], f"{prefix}-{i}", len(self.guild["channels"]))
            self.guild["channels"].append(channel)
            self._channel_ids.add(channel["id"])
            ids.append(channel["id"])
        return ids

    # ---- strict rules: channel permissions ------------------------------------------------------

    def bot_member(self) -> dict[str, Any]:
        return next(m for m in self.guild["members"] if m["user"]["id"] == APP_ID)

    def _add_bot_role(self, guild: dict[str, Any] | None = None) -> str:
        """The managed role Discord gives a bot when it joins, so tests can set overwrites on it
        (with Read Message History, which the bot asks for when it is invited)."""
        guild = guild or self.guild
        role_id = self.snowflake()
        guild["roles"].append(
            {
                "id": role_id,
                "name": BOT_USER["username"],
                "permissions": str(READ_MESSAGE_HISTORY),
                "position": len(guild["roles"]),
                "color": 0,
                "hoist": False,
                "managed": True,
                "mentionable": False,
                "flags": 0,
                "tags": {"bot_id": APP_ID},
            }
        )
        bot = next(m for m in guild["members"] if m["user"]["id"] == APP_ID)
        bot["roles"].append(role_id)
        if guild is self.guild:
            self.bot_role_id = role_id
        return role_id

    def _with_overwrites(self, base: int, member: dict[str, Any], channel: dict[str, Any]) -> int:
        """Discord's order: @everyone overwrite, then the member's roles together, then the
        member; a thread takes its parent's. No View Channel means no permission at all."""
        source = channel
        if channel.get("type") in THREAD_TYPES and channel.get("parent_id"):
            source = self._find_channel(channel["parent_id"]) or channel
        overwrites = {o["id"]: o for o in source.get("permission_overwrites") or []}
        value = _apply(base, overwrites.get(self.guild["id"]))
        allow = deny = 0
        for role_id in member["roles"]:
            role = overwrites.get(role_id)
            if role is not None:
                allow |= int(role["allow"])
                deny |= int(role["deny"])
        value = (value & ~deny) | allow
        value = _apply(value, overwrites.get(member["user"]["id"]))
        if not value & VIEW_CHANNEL:
            return 0
        return value

    def _find_channel(self, channel_id: str) -> dict[str, Any] | None:
        everything = [*self.guild["channels"], *self.guild.get("threads", [])]
        return next((c for c in everything if c["id"] == channel_id), None)

    def _access_error(self, channel_id: str) -> web.Response | None:
        channel = self._find_channel(channel_id)
        if (
            channel is not None
            and not self.permissions_of(self.bot_member(), channel) & VIEW_CHANNEL
        ):
            return discord_error(403, 50001, "Missing Access")
        return None

    def _send_refused(self, channel_id: str) -> web.Response | None:
        channel = self._find_channel(channel_id)
        if channel is None:
            return None
        needed = SEND_MESSAGES_IN_THREADS if channel.get("type") in THREAD_TYPES else SEND_MESSAGES
        if not self.permissions_of(self.bot_member(), channel) & needed:
            return discord_error(403, 50013, "Missing Permissions")
        return None

    async def set_overwrite(
        self, channel_id: str, target_id: str, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set (or with allow=deny=0 remove) a channel overwrite for a role or member id, and
        tell the bot with CHANNEL_UPDATE, as Discord does."""
        channel = self._find_channel(channel_id)
        if channel is None:
            raise KeyError(channel_id)
        kind = 0 if any(r["id"] == target_id for r in self.guild["roles"]) else 1
        kept = [o for o in channel["permission_overwrites"] if o["id"] != target_id]
        if allow or deny:
            kept.append({"id": target_id, "type": kind, "allow": str(allow), "deny": str(deny)})
        channel["permission_overwrites"] = kept
        await self.dispatch("CHANNEL_UPDATE", channel)

    async def add_thread(self, parent: str, name: str) -> dict[str, Any]:
        """A public thread in the channel named `parent` (THREAD_CREATE to the bot); the bot
        may post there with Send Messages in Threads."""
        owner = self.member("admin")["user"]["id"]
        thread = thread_payload(self.snowflake(), self.channel(parent), owner, name)
        self.guild["threads"].append(thread)
        self._channel_ids.add(thread["id"])
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    async def add_role(
        self, name: str, *, permissions: int = 0, mentionable: bool = False
    ) -> dict[str, Any]:
        """A new role in the guild (GUILD_ROLE_CREATE to the bot)."""
        role = {
            "id": self.snowflake(),
            "name": name,
            "permissions": str(permissions),
            "position": len(self.guild["roles"]),
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": mentionable,
            "flags": 0,
        }
        self.guild["roles"].append(role)
        await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": self.guild["id"], "role": role})
        return role


def _apply(value: int, overwrite: dict[str, Any] | None) -> int:
    if overwrite is None:
        return value
    return (value & ~int(overwrite["deny"])) | int(overwrite["allow"])
