"""What every part of the stand-in shares: Discord's constants, JSON answers, records."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

TOKEN = "standin-bot-token"
APP_ID = "900000000000000001"
BOT_USER = {
    "id": APP_ID,
    "username": "Release Radar",
    "discriminator": "0000",
    "global_name": None,
    "avatar": None,
    "bot": True,
    "flags": 0,
}
# Per uploaded file, as an unboosted guild allows (25 MiB with boosts: tests may set it).
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
INTERACTION_WINDOW = 3.0  # seconds for the initial response, as on Discord
TOKEN_LIFETIME = 15 * 60.0  # seconds an interaction token takes followups and edits
INVALID_REQUEST_WINDOW = 600.0  # Discord bans an IP at 10,000 invalid requests in 10 minutes
# Discord checks an enforced nonce for uniqueness "in the past few minutes" only.
NONCE_WINDOW = 300.0
# Messages per channel: (count, seconds). Discord's real limit, and the faster one tests use.
DISCORD_MESSAGE_BUCKET = (5, 5.0)
TEST_MESSAGE_BUCKET = (5, 1.0)
MESSAGE_ROUTE = r"POST /channels/\d+/messages"
DISCORD_EPOCH = 1_420_070_400_000  # ms; a snowflake's top bits count from it
MAX_GUILDS_PER_SHARD = 2500  # Discord: more on one session is closed with 4011
# GET /gateway/bot's session_start_limit (reset_after in ms; remaining = total - IDENTIFYs).
SESSION_START_LIMIT = {"total": 1000, "reset_after": 86_400_000, "max_concurrency": 1}
EPHEMERAL = 1 << 6

# Permission bits used by the stand-in's guild.
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
SEND_MESSAGES_IN_THREADS = 1 << 38
MANAGE_MESSAGES = 1 << 13
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
THREAD_TYPES = (10, 11, 12)
USE_APP_COMMANDS = 1 << 31
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 50) - 1
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | USE_APP_COMMANDS | SEND_MESSAGES_IN_THREADS
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def discord_error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    return json_response({"message": message, "code": code, **extra}, status)


@dataclass
class Interaction:
    """One interaction the stand-in dispatched, and everything the bot answered to it."""

    id: str
    token: str
    type: int
    payload: dict[str, Any]
    created: float
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    message: dict[str, Any] | None = None  # the original response message
    followups: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False
    modal: dict[str, Any] | None = None
    event: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ephemeral(self) -> bool:
        return bool(((self.callback_data or {}).get("flags") or 0) & EPHEMERAL)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0
    at: float = 0.0  # time.monotonic() when it reached the stand-in (after half the latency)
    answered_at: float = 0.0  # when its answer reached the client (the latency's other half)


def thread_payload(
    thread_id: str, parent: dict[str, Any], owner_id: str, name: str
) -> dict[str, Any]:
    """A new public thread (type 11) under `parent`, open, as Discord sends it."""
    return {
        "id": thread_id,
        "type": 11,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "owner_id": owner_id,
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_iso(),
            "locked": False,
        },
    }
