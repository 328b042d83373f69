"""A local stand-in for Discord's API v10: REST and gateway on 127.0.0.1, strict where Discord is.

Just enough of Discord for an unmodified discord.py client: login, command sync, a gateway with
HELLO/IDENTIFY/READY/GUILD_CREATE/heartbeats/RESUME and zlib-stream, interactions with their
callbacks, followups and edits, and channel messages. It records every request and every
message, validates payloads as Discord documents, and injects faults on demand.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.standin.common import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    APP_ID,
    ATTACHMENT_SIZE_LIMIT,
    BOT_USER,
    CREATE_PUBLIC_THREADS,
    DISCORD_EPOCH,
    DISCORD_MESSAGE_BUCKET,
    EMBED_LINKS,
    EPHEMERAL,
    INTERACTION_WINDOW,
    INVALID_REQUEST_WINDOW,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    MAX_GUILDS_PER_SHARD,
    MEMBER_PERMISSIONS,
    MENTION_EVERYONE,
    MESSAGE_ROUTE,
    NONCE_WINDOW,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    SESSION_START_LIMIT,
    TEST_MESSAGE_BUCKET,
    THREAD_TYPES,
    TOKEN,
    TOKEN_LIFETIME,
    USE_APP_COMMANDS,
    VIEW_CHANNEL,
    Interaction,
    Recorded,
    discord_error,
    json_response,
    now_iso,
)
from tests.standin.dms import DMsMixin
from tests.standin.faults import (
    BUCKET_LIMITS,
    MAJOR_PARAMETER,
    ROUTE_IDS,
    Bucket,
    Fault,
    FaultsMixin,
)
from tests.standin.gateway import GatewayMixin, GatewaySession
from tests.standin.guilds import GuildsMixin, GuildSpec
from tests.standin.rest import (
    CALLBACKS_FOR,
    EVERYONE_MENTION,
    ROLE_MENTION,
    USER_MENTION,
    RestMixin,
)
from tests.standin.threads import ThreadsMixin

# Everything tests import from here keeps working after the split into modules.
__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "APP_ID",
    "BOT_USER",
    "CALLBACKS_FOR",
    "CREATE_PUBLIC_THREADS",
    "DISCORD_EPOCH",
    "DISCORD_MESSAGE_BUCKET",
    "EMBED_LINKS",
    "EPHEMERAL",
    "EVERYONE_MENTION",
    "INTERACTION_WINDOW",
    "INVALID_REQUEST_WINDOW",
    "MAJOR_PARAMETER",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MANAGE_THREADS",
    "MEMBER_PERMISSIONS",
    "MENTION_EVERYONE",
    "MESSAGE_ROUTE",
    "NONCE_WINDOW",
    "READ_MESSAGE_HISTORY",
    "ROLE_MENTION",
    "ROUTE_IDS",
    "SEND_MESSAGES",
    "SEND_MESSAGES_IN_THREADS",
    "TEST_MESSAGE_BUCKET",
    "THREAD_TYPES",
    "TOKEN",
    "TOKEN_LIFETIME",
    "USER_MENTION",
    "USE_APP_COMMANDS",
    "VIEW_CHANNEL",
    "Bucket",
    "Fault",
    "GatewaySession",
    "GuildSpec",
    "Interaction",
    "Recorded",
    "StandIn",
    "discord_error",
    "json_response",
    "now_iso",
]


class StandIn(RestMixin, GatewayMixin, FaultsMixin, GuildsMixin, DMsMixin, ThreadsMixin):
    """The stand-in server. `await start()`, point discord.py at `api_base`/`gateway_url`."""

    def __init__(self, guild: GuildSpec | None = None) -> None:
        """`guild` describes the first guild (default: GuildSpec(), the suite's usual guild)."""
        self.guild_spec = guild or GuildSpec()
        self._last_id = 0
        self.port = 0
        self.requests: list[Recorded] = []
        self.unknown_routes: list[Recorded] = []
        self.validation_errors: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.faults: list[Fault] = []
        self.lost_answers: list[Fault] = []  # requests carried out whose answer never arrives
        self.rate_limit: float | None = None  # requests per second, all routes (global limit)
        self._window: list[float] = []
        self.attachments: dict[str, tuple[str, bytes, str]] = {}
        self.attachment_size_limit = ATTACHMENT_SIZE_LIMIT  # per uploaded file
        self.deleted_channels: set[str] = set()
        self.forbidden_channels: set[str] = set()
        self.nonce_window = (
            NONCE_WINDOW  # seconds an enforced nonce is remembered; tests shorten it
        )
        self._nonces: dict[str, tuple[float, dict[str, Any]]] = {}
        # Called with each channel message as it is stored, before Discord's answer is sent
        # (tests crash the bot there: the message exists, the bot never hears of it).
        self.on_message: Callable[[dict[str, Any]], None] | None = None
        # Called with each channel message as a PATCH changes it, before the answer.
        self.on_edit: Callable[[dict[str, Any]], None] | None = None
        self.edits: list[tuple[str, str]] = []  # (channel id, message id) of every such edit
        self.sessions: list[GatewaySession] = []
        self._sequence = 0
        self._dispatched: list[dict[str, Any]] = []
        self._dispatch_guild: dict[int, str | None] = {}  # sequence -> guild (routes RESUME)
        self._session_shards: dict[str, tuple[int, int]] = {}  # session id -> [id, count]
        # Sharding: what GET /gateway/bot recommends, and Discord's 2,500 guilds per shard
        # (above it IDENTIFY is closed with 4011); tests lower both.
        self.shards = 1
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
        self.session_start_limit: dict[str, int] = dict(SESSION_START_LIMIT)
        self.identifies = 0
        self.resumes = 0
        self.ready = asyncio.Event()
        self.guild = self._build_guild()
        self.guilds = [self.guild]  # the first is `guild`; add_guild() hosts more
        self._channel_ids = {c["id"] for c in self.guild["channels"]}
        self._setup_dms()
        self._runner: web.AppRunner | None = None
        self._background: set[asyncio.Task[None]] = set()  # dispatches after an answer
        self._setup_strict_rules()

    # ---- lifecycle ------------------------------------------------------------------------

    def snowflake(self) -> str:
        """A new id that, like Discord's, starts with its creation time in milliseconds since
        Discord's epoch (so `after=` a moment's snowflake finds what came later), always rising."""
        self._last_id = max(self._last_id + 1, (int(time.time() * 1000) - DISCORD_EPOCH) << 22)
        return str(self._last_id)

    def snowflake_on_shard(self, shard_id: int, shard_count: int) -> str:
        """A new id (still rising) whose guild lives on `shard_id` of `shard_count`: Discord's
        shard is the id's millisecond part modulo the count."""
        ms = max(self._last_id >> 22, int(time.time() * 1000) - DISCORD_EPOCH) + 1
        ms += (shard_id - ms) % shard_count
        self._last_id = ms << 22
        return str(self._last_id)

    async def start(self) -> None:
        app = web.Application(client_max_size=30 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway)
        app.router.add_get("/attachments/{id}/{name}", self.attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()
        for session in self.sessions:
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ---- interactions ---------------------------------------------------------------------

    def new_interaction(
        self,
        kind: int,
        member: dict[str, Any],
        channel: dict[str, Any],
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
        where: str = "guild",
    ) -> Interaction:
        """An interaction of `member` in `channel`; `where` 'dm' (a DM with the bot) or
        'foreign' (a server the bot is not in, through the user's install) replaces the
        guild parts as Discord does (see dms.py)."""
        interaction_id = self.snowflake()
        token = f"tok-{interaction_id}"
        perms = self.permissions_of(member)
        guild_id = self.guild_of(channel)["id"]
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": APP_ID,
            "type": kind,
            "token": token,
            "version": 1,
            "attachment_size_limit": self.attachment_size_limit,
            "guild_id": guild_id,
            "channel_id": channel["id"],
            "channel": channel,
            "member": {**member, "permissions": str(perms)},
            "app_permissions": str(self.permissions_of(self.bot_member(), channel)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild_id},
            "context": 0,
            "data": data,
        }
        if where != "guild":
            for key in ("guild_id", "member", "guild_locale"):
                payload.pop(key)
            payload.update(self.outside_payload(member, where))
        if message is not None:
            payload["message"] = message
        interaction = Interaction(interaction_id, token, kind, payload, time.monotonic())
        self.interactions[interaction_id] = interaction
        return interaction

    async def expire_unanswered(self) -> None:
        """Mark interactions without an initial response after 3 s as failed, as Discord shows."""
        now = time.monotonic()
        for interaction in self.interactions.values():
            if (
                interaction.callback_type is None
                and now - interaction.created > self.interaction_window
            ):
                interaction.failed = True

    def _setup_strict_rules(self) -> None:
        """Knobs tests may shrink or tighten (see tests/README.md)."""
        self.interaction_window = INTERACTION_WINDOW
        self.token_lifetime = TOKEN_LIFETIME
        self.bucket_limits: list[tuple[str, int, float]] = list(BUCKET_LIMITS)  # see faults.py
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.invalid_request_window = INVALID_REQUEST_WINDOW
        self._invalid_at: deque[float] = deque()
        self._add_bot_role()
