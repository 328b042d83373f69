"""A local stand-in for Discord's API v10: REST and gateway on 127.0.0.1, strict where Discord is.

Just enough of Discord for an unmodified discord.py client: login, command sync, a gateway with
HELLO/IDENTIFY/READY/GUILD_CREATE/heartbeats/RESUME and zlib-stream, interactions with their
callbacks, followups and edits, and channel messages. It records every request and every
message, validates payloads as Discord documents, and injects faults on demand.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.standin import validation

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
EPHEMERAL = 1 << 6

# Permission bits used by the stand-in's guild.
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
SEND_MESSAGES_IN_THREADS = 1 << 38
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
class Fault:
    """A planned failure for requests whose 'METHOD path' matches `pattern`."""

    pattern: re.Pattern[str]
    status: int
    times: int
    body: dict[str, Any]
    headers: dict[str, str]


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


class GatewaySession:
    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.compressor = zlib.compressobj() if compress else None
        self.identified = asyncio.Event()
        self.session_id: str | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        if self.compressor is not None:
            await self.ws.send_bytes(
                self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
            )
        else:
            await self.ws.send_str(data.decode())


class StandIn:
    """The stand-in server. `await start()`, point discord.py at `api_base`/`gateway_url`."""

    def __init__(self) -> None:
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
        self.deleted_channels: set[str] = set()
        self.forbidden_channels: set[str] = set()
        self.nonce_window = (
            NONCE_WINDOW  # seconds an enforced nonce is remembered; tests shorten it
        )
        self._nonces: dict[str, tuple[float, dict[str, Any]]] = {}
        # Called with each channel message as it is stored, before Discord's answer is sent
        # (tests crash the bot there: the message exists, the bot never hears of it).
        self.on_message: Callable[[dict[str, Any]], None] | None = None
        self.sessions: list[GatewaySession] = []
        self._sequence = 0
        self._dispatched: list[dict[str, Any]] = []
        self.identifies = 0
        self.resumes = 0
        self.ready = asyncio.Event()
        self.guild = self._build_guild()
        self.guilds = [self.guild]  # the first is `guild`; add_guild() hosts more
        self._channel_ids = {c["id"] for c in self.guild["channels"]}
        self._runner: web.AppRunner | None = None
        self._setup_strict_rules()

    # ---- lifecycle ------------------------------------------------------------------------

    def snowflake(self) -> str:
        """A new id that, like Discord's, starts with its creation time in milliseconds since
        Discord's epoch (so `after=` a moment's snowflake finds what came later), always rising."""
        self._last_id = max(self._last_id + 1, (int(time.time() * 1000) - DISCORD_EPOCH) << 22)
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

    # ---- the guild ------------------------------------------------------------------------

    def add_guild(self, tag: str) -> dict[str, Any]:
        """Host another guild (call before the bot connects): its users and channels are named
        like the first guild's with a suffix, `admin-<tag>`, `releases-<tag>` ..."""
        guild = self._build_guild(f"-{tag}")
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

    def _build_guild(self, suffix: str = "") -> dict[str, Any]:
        guild_id = self.snowflake()
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
                "name": "Admins",
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
            self._channel(guild_id, name + suffix, i)
            for i, name in enumerate(("general", "releases", "digest"))
        ]
        owner = self._user("owner" + suffix)
        admin = self._user("admin" + suffix)
        member = self._user("member" + suffix)
        members = [
            {
                "user": owner,
                "roles": [],
                "flags": 0,
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
            },
            {
                "user": admin,
                "roles": [admin_role],
                "flags": 0,
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
            },
            {
                "user": member,
                "roles": [],
                "flags": 0,
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
            },
            {
                "user": BOT_USER,
                "roles": [],
                "flags": 0,
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
            },
        ]
        return {
            "id": guild_id,
            "name": f"Stand-in Guild{suffix}",
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

    # ---- faults ---------------------------------------------------------------------------

    def fail(
        self,
        route: str,
        status: int,
        *,
        times: int = 1,
        code: int = 0,
        message: str = "",
        retry_after: float | None = None,
    ) -> None:
        """Make the next `times` requests matching the regex `route` ('POST /channels/.*') fail."""
        body: dict[str, Any] = {"message": message or f"stand-in fault {status}", "code": code}
        headers: dict[str, str] = {}
        if status == 429:
            retry = 0.05 if retry_after is None else retry_after
            body |= {"retry_after": retry, "global": False}
            headers = {"Retry-After": str(retry), "Via": "1.1 google", "X-RateLimit-Scope": "user"}
        self.faults.append(Fault(re.compile(route), status, times, body, headers))

    def limit_rate(self, per_second: float = 50.0) -> None:
        """Enforce a global requests-per-second limit (Discord's default global limit is 50/s)."""
        self.rate_limit = per_second
        self._window.clear()

    def lose_answers(self, route: str, *, times: int = 1) -> None:
        """Carry out the next `times` requests matching `route`, then drop the connection
        instead of answering (a network fault after Discord acted: the outcome is unknown)."""
        self.lost_answers.append(Fault(re.compile(route), 0, times, {}, {}))

    def _planned_fault(self, key: str, faults: list[Fault] | None = None) -> web.Response | None:
        for fault in self.faults if faults is None else faults:
            if fault.times > 0 and fault.pattern.fullmatch(key):
                fault.times -= 1
                return json_response(fault.body, fault.status, fault.headers)
        return None

    def _rate_limited(self) -> web.Response | None:
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_limit:
            retry = max(0.001, 1.0 - (now - self._window[0]))
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": True}
            headers = {
                "Retry-After": f"{retry:.3f}",
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
                "Via": "1.1 google",
                "X-RateLimit-Limit": str(int(self.rate_limit)),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{retry:.3f}",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Bucket": "global",
            }
            return json_response(body, 429, headers)
        self._window.append(now)
        return None

    # ---- REST -----------------------------------------------------------------------------

    async def rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._read_body(request)
        record = Recorded(request.method, path, dict(request.query), body)
        self.requests.append(record)
        key = f"{request.method} {path}"
        bucket = self._bucket_for(request.method, path)
        response = (
            self._planned_fault(key) or self._rate_limited() or self._bucket_exhausted(bucket)
        )
        if response is None:
            response = await self._route(request, path, body, record)
        self._stamp_bucket(response, bucket)
        self._count_invalid(response)
        record.status = response.status
        if self._planned_fault(f"{request.method} {path}", self.lost_answers) is not None:
            assert request.transport is not None
            request.transport.close()  # done, but the connection drops before the answer
        return response

    async def _read_body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            parts: dict[str, Any] = {"files": []}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    parts["payload"] = json.loads(await part.text())
                else:
                    data = await part.read()
                    parts["files"].append(
                        {
                            "name": part.name,
                            "filename": part.filename,
                            "size": len(data),
                            "data": data,
                        }
                    )
            payload = parts.get("payload", {})
            payload["_files"] = parts["files"]
            return payload
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")

    async def _route(
        self, request: web.Request, path: str, body: Any, record: Recorded
    ) -> web.Response:
        method = request.method
        routes: list[tuple[str, str, Any]] = [
            ("GET", r"/users/@me", lambda m: json_response(BOT_USER)),
            ("GET", r"/oauth2/applications/@me", lambda m: json_response(self._application())),
            ("GET", r"/gateway", lambda m: json_response({"url": self.gateway_url})),
            (
                "GET",
                r"/gateway/bot",
                lambda m: json_response(
                    {
                        "url": self.gateway_url,
                        "shards": 1,
                        "session_start_limit": {
                            "total": 1000,
                            "remaining": 999,
                            "reset_after": 0,
                            "max_concurrency": 1,
                        },
                    }
                ),
            ),
            ("PUT", r"/applications/(\d+)/commands", lambda m: self._sync(body, None)),
            ("GET", r"/applications/(\d+)/commands", lambda m: json_response(self.global_commands)),
            (
                "PUT",
                r"/applications/(\d+)/guilds/(\d+)/commands",
                lambda m: self._sync(body, m.group(2)),
            ),
            (
                "GET",
                r"/applications/(\d+)/guilds/(\d+)/commands",
                lambda m: json_response(self.guild_commands.get(m.group(2), [])),
            ),
            (
                "POST",
                r"/interactions/(\d+)/([^/]+)/callback",
                lambda m: self._callback(m.group(1), m.group(2), body),
            ),
            ("POST", r"/webhooks/(\d+)/([^/]+)", lambda m: self._followup(m.group(2), body)),
            (
                "GET",
                r"/webhooks/(\d+)/([^/]+)/messages/@original",
                lambda m: self._original(m.group(2)),
            ),
            (
                "PATCH",
                r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)",
                lambda m: self._edit(m.group(2), m.group(3), body),
            ),
            (
                "DELETE",
                r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)",
                lambda m: self._delete(m.group(2), m.group(3)),
            ),
            ("POST", r"/channels/(\d+)/messages", lambda m: self._post_message(m.group(1), body)),
            (
                "GET",
                r"/channels/(\d+)/messages",
                lambda m: self._get_messages(m.group(1), request.query),
            ),
            ("GET", r"/channels/(\d+)", lambda m: self._get_channel(m.group(1))),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                if (
                    "/interactions/" not in path
                    and "/webhooks/" not in path
                    and not self._authorised(request)
                ):
                    return discord_error(401, 0, "401: Unauthorized")
                return handler(match)
        self.unknown_routes.append(record)
        return discord_error(404, 0, "404: Not Found")

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {TOKEN}"

    def _application(self) -> dict[str, Any]:
        owner = self.member("owner")["user"]
        return {
            "id": APP_ID,
            "name": "Release Radar",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
        }

    def _sync(self, body: Any, guild_id: str | None) -> web.Response:
        if not isinstance(body, list):
            return discord_error(400, 50035, "Invalid Form Body")
        errors = validation.check_commands(body)
        if errors:
            self.validation_errors.append(("commands", errors))
            return json_response(validation.form_body(errors), 400)
        stored = []
        for command in body:
            entry = {
                **command,
                "id": self.snowflake(),
                "application_id": APP_ID,
                "version": self.snowflake(),
            }
            entry.setdefault("type", 1)
            if guild_id:
                entry["guild_id"] = guild_id
            stored.append(entry)
        if guild_id:
            self.guild_commands[guild_id] = stored
        else:
            self.global_commands = stored
        return json_response(stored)

    def command(self, name: str, guild_id: str | None = None) -> dict[str, Any]:
        """The synced command `/name` as a user of the guild (the first by default) sees it."""
        guild_commands = self.guild_commands.get(guild_id or self.guild["id"], [])
        for command in (*guild_commands, *self.global_commands):
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        raise KeyError(f"no synced command /{name}")

    def _message(self, channel_id: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": self.snowflake(),
            "type": 0,
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": payload.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            **self._mentions(channel_id, payload),
            "attachments": [
                {"id": self.snowflake(), "filename": f["filename"], "size": f["size"]}
                for f in payload.get("_files", [])
            ],
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "flags": payload.get("flags") or 0,
            "nonce": payload.get("nonce"),
            "allowed_mentions": payload.get("allowed_mentions"),
            "_files": payload.get("_files", []),
            **extra,
        }

    def _invalid(self, where: str, payload: dict[str, Any]) -> web.Response | None:
        errors = validation.check_message(payload)
        if errors:
            self.validation_errors.append((where, errors))
            return json_response(validation.form_body(errors), 400)
        return None

    def _callback(self, interaction_id: str, token: str, body: Any) -> web.Response:
        interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction.token != token:
            return discord_error(404, 10062, "Unknown interaction")
        if interaction.callback_type is not None:
            return discord_error(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.created > self.interaction_window:
            interaction.failed = True
            return discord_error(404, 10062, "Unknown interaction")
        kind = body.get("type")
        data = body.get("data") or {}
        refused = self._callback_refused(interaction, kind, data)
        if refused is not None:
            return refused
        if kind == 8:
            errors = validation.check_autocomplete(data)
            if errors:
                self.validation_errors.append(("autocomplete", errors))
                return json_response(validation.form_body({"data": errors}), 400)
        elif kind in (4, 7):
            invalid = self._invalid("callback", data)
            if invalid is None and kind == 7:
                target = self._find_message(interaction.payload["message"]["id"])
                if target is not None:
                    invalid = self._empty_after_edit(target, data)
            if invalid is not None:
                return invalid
        interaction.callback_type = kind
        interaction.callback_data = data
        channel_id = interaction.payload.get("channel_id", "0")
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):
            flags = (data.get("flags") or 0) | (128 if kind == 5 else 0)
            interaction.message = self._message(
                channel_id, {**data, "flags": flags}, application_id=APP_ID, webhook_id=APP_ID
            )
            resource["message"] = interaction.message
        elif kind in (6, 7):
            target = self._find_message(interaction.payload["message"]["id"])
            if target is not None and kind == 7:
                self._apply_edit(target, data)
            interaction.message = target
            if target is not None:
                resource["message"] = target
        elif kind == 9:
            interaction.modal = data
        interaction.event.set()
        if kind in (1, 8):
            return web.Response(status=204)
        message_id = (interaction.message or {}).get("id")
        return json_response(
            {
                "interaction": {
                    "id": interaction.id,
                    "type": interaction.type,
                    "response_message_id": message_id,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
                },
                "resource": resource,
            }
        )

    def _by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    def _find_message(self, message_id: str) -> dict[str, Any] | None:
        for interaction in self.interactions.values():
            for message in (interaction.message, *interaction.followups):
                if message is not None and message["id"] == message_id:
                    return message
        for messages in self.messages.values():
            for message in messages:
                if message["id"] == message_id:
                    return message
        return None

    def _mentions(self, channel_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Who a message from the bot pings, as Discord fills `mentions`, `mention_roles` and
        `mention_everyone`: only what the content mentions (never embeds) and
        `allowed_mentions` lets through (everything when it is absent); a role only if it is
        mentionable or the bot may mention everyone in the channel; @everyone and @here only
        with that permission."""
        content = payload.get("content") or ""
        allowed = payload.get("allowed_mentions")
        parse = (
            {"everyone", "users", "roles"} if allowed is None else set(allowed.get("parse") or [])
        )
        listed_roles = {str(r) for r in (allowed or {}).get("roles") or []}
        listed_users = {str(u) for u in (allowed or {}).get("users") or []}
        guild, channel = self._guild_and_channel(channel_id)
        may_everyone = False
        if guild is not None:
            bot = next(m for m in guild["members"] if m["user"]["id"] == APP_ID)
            perms = self.permissions_of(bot, channel) if channel is not None else 0
            may_everyone = bool(perms & MENTION_EVERYONE)
        roles = {r["id"]: r for r in (guild or {}).get("roles", [])}
        users = {m["user"]["id"]: m["user"] for m in (guild or {}).get("members", [])}
        pinged_roles = [
            role_id
            for role_id in dict.fromkeys(ROLE_MENTION.findall(content))
            if role_id in roles
            and role_id != (guild or {}).get("id")
            and ("roles" in parse or role_id in listed_roles)
            and (roles[role_id]["mentionable"] or may_everyone)
        ]
        pinged_users = [
            users[user_id]
            for user_id in dict.fromkeys(USER_MENTION.findall(content))
            if user_id in users and ("users" in parse or user_id in listed_users)
        ]
        everyone = bool(EVERYONE_MENTION.search(content)) and "everyone" in parse and may_everyone
        return {
            "mention_everyone": everyone,
            "mentions": pinged_users,
            "mention_roles": pinged_roles,
        }

    def _guild_and_channel(
        self, channel_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        for guild in self.guilds:
            for channel in (*guild["channels"], *guild.get("threads", [])):
                if channel["id"] == channel_id:
                    return guild, channel
        return None, None

    def _apply_edit(self, message: dict[str, Any], data: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components"):
            if key in data:
                message[key] = (
                    data[key] if data[key] is not None else ([] if key != "content" else "")
                )
        if "content" in data or "allowed_mentions" in data:
            if "allowed_mentions" in data:
                message["allowed_mentions"] = data["allowed_mentions"]
            message.update(self._mentions(message["channel_id"], message))
        message["edited_timestamp"] = now_iso()
        message["flags"] = (message.get("flags") or 0) & ~128

    def _followup(self, token: str, body: Any) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        assert interaction is not None
        invalid = self._invalid("followup", body or {}) or self._empty(body or {})
        if invalid is not None:
            return invalid
        message = self._message(
            interaction.payload.get("channel_id", "0"),
            body or {},
            webhook_id=APP_ID,
            application_id=APP_ID,
        )
        interaction.followups.append(message)
        interaction.event.set()
        return json_response(message)

    def _original(self, token: str) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        if interaction is None or interaction.message is None:
            return discord_error(404, 10008, "Unknown Message")
        return json_response(interaction.message)

    def _edit(self, token: str, message_id: str, body: Any) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        assert interaction is not None
        target = (
            interaction.message if message_id == "@original" else self._find_message(message_id)
        )
        if target is None:
            return discord_error(404, 10008, "Unknown Message")
        invalid = self._invalid("edit", body or {}) or self._empty_after_edit(target, body or {})
        if invalid is not None:
            return invalid
        self._apply_edit(target, body or {})
        interaction.event.set()
        return json_response(target)

    def _delete(self, token: str, message_id: str) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        if interaction is None or interaction.message is None:
            return discord_error(404, 10008, "Unknown Message")
        interaction.message["deleted"] = True
        return web.Response(status=204)

    def add_channels(self, count: int, prefix: str = "news") -> list[str]:
        """Create text channels the bot was not told about at login (posting to them works)."""
        ids = []
        for i in range(count):
            channel = self._channel(self.guild["id"], f"{prefix}-{i}", len(self.guild["channels"]))
            self.guild["channels"].append(channel)
            self._channel_ids.add(channel["id"])
            ids.append(channel["id"])
        return ids

    def _channel_error(self, channel_id: str) -> web.Response | None:
        known = channel_id in self._channel_ids
        if channel_id in self.deleted_channels or not known:
            return discord_error(404, 10003, "Unknown Channel")
        if channel_id in self.forbidden_channels:
            return discord_error(403, 50013, "Missing Permissions")
        return self._access_error(channel_id)

    def _post_message(self, channel_id: str, body: Any) -> web.Response:
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        refused = self._send_refused(channel_id)
        if refused is not None:
            return refused
        payload = body or {}
        invalid = self._invalid("channel", payload) or self._empty(payload)
        if invalid is not None:
            return invalid
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            earlier = self._nonces.get(str(nonce))
            if earlier is not None and time.monotonic() - earlier[0] < self.nonce_window:
                return json_response(earlier[1])  # Discord returns the earlier message
        message = self._message(channel_id, payload)
        self.messages[channel_id].append(message)
        if nonce is not None:
            self._nonces[str(nonce)] = (time.monotonic(), message)
        if self.on_message is not None:
            self.on_message(message)
        return json_response(message)

    def _get_messages(self, channel_id: str, query: Any) -> web.Response:
        """GET /channels/{id}/messages: newest first, `limit` 1-100 (default 50), `before` or
        `after` a message id; as Discord returns them (no nonce). Without Read Message History
        in the channel the bot sees none (an empty list, not an error, as on Discord)."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        try:
            limit = int(query.get("limit", "50"))
            before = int(query["before"]) if "before" in query else None
            after = int(query["after"]) if "after" in query else None
        except ValueError:
            return discord_error(400, 50035, "Invalid Form Body")
        if not 1 <= limit <= 100:
            return json_response(
                validation.form_body(
                    {"limit": {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "1 to 100"}]}}
                ),
                400,
            )
        channel = self._find_channel(channel_id)
        if (
            channel is not None
            and not self.permissions_of(self.bot_member(), channel) & READ_MESSAGE_HISTORY
        ):
            return json_response([])  # Discord: without Read Message History, no messages
        found = [
            m
            for m in reversed(self.messages[channel_id])
            if (before is None or int(m["id"]) < before) and (after is None or int(m["id"]) > after)
        ]
        chosen = found[-limit:] if after is not None and before is None else found[:limit]
        hidden = {"nonce", "allowed_mentions", "_files"}
        return json_response([{k: v for k, v in m.items() if k not in hidden} for m in chosen])

    def _get_channel(self, channel_id: str) -> web.Response:
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        return json_response(self.channel_by_id(channel_id))

    # ---- attachments (what a user uploads with a slash command) -----------------------------

    def add_attachment(
        self, value: tuple[str, bytes] | tuple[str, bytes, str], resolved: dict[str, Any]
    ) -> str:
        """Store an upload (filename, bytes[, content type]) and describe it as Discord would."""
        filename, data, *rest = value
        content_type = rest[0] if rest else "application/octet-stream"
        attachment_id = self.snowflake()
        self.attachments[attachment_id] = (filename, data, content_type)
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
        resolved.setdefault("attachments", {})[attachment_id] = {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        return attachment_id

    async def attachment(self, request: web.Request) -> web.Response:
        stored = self.attachments.get(request.match_info["id"])
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored[1], content_type=stored[2])

    # ---- gateway --------------------------------------------------------------------------

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws, request.query.get("compress") == "zlib-stream")
        self.sessions.append(session)
        await session.send({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._gateway_message(session, json.loads(msg.data))
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
        return ws

    async def _gateway_message(self, session: GatewaySession, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            await session.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            if data.get("token") != TOKEN:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identifies += 1
            session.session_id = self.snowflake()
            await self._dispatch_to(
                session,
                "READY",
                {
                    "v": 10,
                    "user": BOT_USER,
                    "guilds": [{"id": g["id"], "unavailable": True} for g in self.guilds],
                    "session_id": session.session_id,
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": APP_ID, "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                },
            )
            for guild in self.guilds:
                await self._dispatch_to(session, "GUILD_CREATE", guild)
            session.identified.set()
            self.ready.set()
        elif op == 6:
            self.resumes += 1
            session.session_id = data.get("session_id")
            missed = [p for p in self._dispatched if p["s"] > (data.get("seq") or 0)]
            for item in missed:
                await session.send(item)
            await self._dispatch_to(session, "RESUMED", {})
            session.identified.set()

    async def _dispatch_to(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        self._sequence += 1
        payload = {"op": 0, "t": event, "s": self._sequence, "d": data}
        if event not in ("READY", "RESUMED", "GUILD_CREATE"):
            self._dispatched.append(payload)
        await session.send(payload)

    async def current_session(self, timeout: float = 10.0) -> GatewaySession:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for session in self.sessions:
                if session.identified.is_set() and not session.ws.closed:
                    return session
            await asyncio.sleep(0.01)
        raise TimeoutError("the bot has no gateway session")

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch to the bot; if the connection is down, it is replayed on RESUME."""
        try:
            session = await self.current_session(timeout=0.5)
        except TimeoutError:
            self._sequence += 1
            self._dispatched.append({"op": 0, "t": event, "s": self._sequence, "d": data})
            return
        await self._dispatch_to(session, event, data)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's gateway connection as a network fault would; it should RESUME."""
        session = await self.current_session()
        await session.ws.close(code=code, message=b"stand-in drop")

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client must reconnect and RESUME."""
        session = await self.current_session()
        await session.send({"op": 7, "d": None, "s": None, "t": None})

    # ---- interactions ---------------------------------------------------------------------

    def new_interaction(
        self,
        kind: int,
        member: dict[str, Any],
        channel: dict[str, Any],
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> Interaction:
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
            "attachment_size_limit": 10 * 1024 * 1024,
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

    # ---- strict rules: interaction windows and callback types ---------------------------------

    def _setup_strict_rules(self) -> None:
        """Knobs tests may shrink or tighten (see tests/README.md)."""
        self.interaction_window = INTERACTION_WINDOW
        self.token_lifetime = TOKEN_LIFETIME
        # (regex over 'METHOD /path', limit, seconds): the first match sets a route's bucket.
        # A channel's messages: Discord allows 5 per 5 s (DISCORD_MESSAGE_BUCKET); the suite
        # runs with 5 per 1 s, which keeps its fan-outs quick. Insert Discord's at 0 to test it.
        self.bucket_limits: list[tuple[str, int, float]] = [
            (MESSAGE_ROUTE, *TEST_MESSAGE_BUCKET),
            (r".*", 50, 1.0),
        ]
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.invalid_request_window = INVALID_REQUEST_WINDOW
        self._invalid_at: deque[float] = deque()
        self._add_bot_role()

    def _callback_refused(
        self, interaction: Interaction, kind: Any, data: dict[str, Any]
    ) -> web.Response | None:
        """A callback type the interaction does not take, or a body Discord would refuse."""
        allowed = set(CALLBACKS_FOR.get(interaction.type, ()))
        if interaction.type == 5 and "message" in interaction.payload:
            allowed |= {6, 7}  # a modal opened from a button may update that button's message
        if kind not in allowed:
            errors = {
                "type": validation.error(
                    "INTERACTION_CALLBACK_TYPE_INVALID",
                    f"Callback type {kind} is not valid for interaction type {interaction.type}.",
                )
            }
            self.validation_errors.append(("callback type", errors))
            return json_response(validation.form_body(errors), 400)
        if kind == 9:
            errors = validation.check_modal(data)
            if errors:
                self.validation_errors.append(("modal", {"data": errors}))
                return json_response(validation.form_body({"data": errors}), 400)
        if kind == 4:
            return self._empty(data)
        return None

    def _empty(self, payload: dict[str, Any]) -> web.Response | None:
        if validation.is_empty_message(payload):
            self.validation_errors.append(("empty message", {}))
            return discord_error(400, 50006, "Cannot send an empty message")
        return None

    def _empty_after_edit(
        self, message: dict[str, Any], data: dict[str, Any]
    ) -> web.Response | None:
        """Discord refuses (50006) an edit that would leave the message showing nothing."""
        edited = {
            **message,
            **{k: data[k] for k in ("content", "embeds", "components") if k in data},
        }
        if "attachments" in data:
            edited["_files"] = data["attachments"]
        return self._empty(edited)

    def _webhook_refused(self, interaction: Interaction | None) -> web.Response | None:
        """Followups and edits need an acknowledged interaction whose token is still valid."""
        if interaction is None or interaction.callback_type is None:
            return discord_error(404, 10015, "Unknown Webhook")
        if time.monotonic() - interaction.created > self.token_lifetime:
            return discord_error(401, 50027, "Invalid Webhook Token")
        return None

    # ---- strict rules: per-route rate-limit buckets ------------------------------------------

    def _bucket_for(self, method: str, path: str) -> Bucket:
        route = f"{method} {ROUTE_IDS.sub('/{}', path)}"
        major = MAJOR_PARAMETER.match(path)
        key = (route, major.group(0) if major else "")
        bucket = self.buckets.get(key)
        if bucket is None:
            limit, per = next(
                (lim, sec)
                for pattern, lim, sec in self.bucket_limits
                if re.fullmatch(pattern, f"{method} {path}")
            )
            digest = hashlib.sha1(route.encode()).hexdigest()[:16]
            bucket = self.buckets[key] = Bucket(digest, limit, per, limit, 0.0)
        bucket.refresh(time.monotonic())
        return bucket

    def exhaust_bucket(self, method: str, path: str, reset_after: float) -> Bucket:
        """Use up the bucket of `METHOD path` (e.g. a channel's messages) for `reset_after` s."""
        bucket = self._bucket_for(method, path)
        bucket.remaining = 0
        bucket.reset_at = time.monotonic() + reset_after
        return bucket

    def _bucket_exhausted(self, bucket: Bucket) -> web.Response | None:
        now = time.monotonic()
        if bucket.remaining > 0:
            bucket.remaining -= 1
            if bucket.reset_at <= now:
                bucket.reset_at = now + bucket.per
            return None
        retry = max(0.001, bucket.reset_at - now)
        body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
        headers = {"Via": "1.1 google", "X-RateLimit-Scope": "user", "Retry-After": f"{retry:.3f}"}
        return json_response(body, 429, headers)

    def _stamp_bucket(self, response: web.Response, bucket: Bucket) -> None:
        """Every REST answer carries its bucket's X-RateLimit-* headers, as Discord's do."""
        if response.headers.get("X-RateLimit-Bucket") == "global":
            return
        reset_after = max(0.0, bucket.reset_at - time.monotonic()) if bucket.reset_at else 0.0
        if not reset_after:
            reset_after = bucket.per
        response.headers.update(
            {
                "X-RateLimit-Limit": str(bucket.limit),
                "X-RateLimit-Remaining": str(bucket.remaining),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": bucket.hash,
            }
        )
        if response.status == 429:
            response.headers.setdefault("X-RateLimit-Global", "false")
            response.headers.setdefault("X-RateLimit-Scope", "user")
            response.headers.setdefault("Via", "1.1 google")

    # ---- strict rules: invalid requests (401, 403, 429) ----------------------------------------

    def _count_invalid(self, response: web.Response) -> None:
        shared = response.headers.get("X-RateLimit-Scope") == "shared"
        if response.status in (401, 403) or (response.status == 429 and not shared):
            self._invalid_at.append(time.monotonic())

    @property
    def invalid_requests(self) -> int:
        """401, 403 and 429 answers in the last `invalid_request_window` seconds (Discord bans
        an IP at 10,000 in 10 minutes)."""
        cutoff = time.monotonic() - self.invalid_request_window
        while self._invalid_at and self._invalid_at[0] < cutoff:
            self._invalid_at.popleft()
        return len(self._invalid_at)

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
        thread = {
            "id": self.snowflake(),
            "type": 11,
            "guild_id": self.guild["id"],
            "parent_id": self.channel(parent)["id"],
            "owner_id": self.member("admin")["user"]["id"],
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


# Which callback types each interaction type takes (PING, command, component, autocomplete,
# modal submit); 12 is LAUNCH_ACTIVITY.
CALLBACKS_FOR: dict[int, tuple[int, ...]] = {
    1: (1,),
    2: (4, 5, 9, 12),
    3: (4, 5, 6, 7, 9, 12),
    4: (8,),
    5: (4, 5),
}
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(?:everyone|here)")
ROUTE_IDS = re.compile(r"/(?:\d+|tok-[^/]+)(?=/|$)")
MAJOR_PARAMETER = re.compile(r"/(?:channels|guilds)/\d+|/(?:webhooks|interactions)/\d+/[^/]+")


@dataclass
class Bucket:
    """One rate-limit bucket: `limit` requests per `per` seconds."""

    hash: str
    limit: int
    per: float
    remaining: int
    reset_at: float

    def refresh(self, now: float) -> None:
        if self.reset_at and now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = 0.0
