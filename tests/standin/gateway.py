"""The stand-in's gateway: the websocket session, IDENTIFY/RESUME, dispatches and faults on
the connection, and Discord's sharding: IDENTIFY's `shard: [id, count]`, each session hears only
its shard's guilds (guild_id >> 22) % count, DMs on shard 0; 4010 Invalid shard, 4011 Sharding
required. Identify pacing by `max_concurrency` is not enforced (Discord's 1 per 5 s per bucket:
discord.py keeps it on its side)."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from typing import Any

from aiohttp import WSMsgType, web

from tests.standin.common import (
    APP_ID,
    BOT_USER,
    TOKEN,
)


class GatewaySession:
    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.compressor = zlib.compressobj() if compress else None
        self.identified = asyncio.Event()
        self.session_id: str | None = None
        self.shard: tuple[int, int] = (0, 1)  # [id, count] from IDENTIFY (none: 0 of 1)

    def serves(self, guild_id: str | None) -> bool:
        """Whether this session's shard holds `guild_id` (None: a DM, shard 0)."""
        shard_id, count = self.shard
        return shard_for(guild_id, count) == shard_id

    @property
    def live(self) -> bool:
        return self.identified.is_set() and not self.ws.closed

    async def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        if self.compressor is not None:
            await self.ws.send_bytes(
                self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
            )
        else:
            await self.ws.send_str(data.decode())


def shard_for(guild_id: str | None, shard_count: int) -> int:
    """Discord's rule (written here again: the stand-in does not import the bot)."""
    return 0 if not guild_id else (int(guild_id) >> 22) % shard_count


class GatewayMixin:
    """StandIn's gateway (state is set in StandIn.__init__)."""

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
            await self._identify(session, data)
        elif op == 6:
            self.resumes += 1
            session.session_id = data.get("session_id")
            session.shard = self._session_shards.get(session.session_id or "", (0, 1))
            missed = [
                p
                for p in self._dispatched
                if p["s"] > (data.get("seq") or 0) and session.serves(self._dispatch_guild[p["s"]])
            ]
            for item in missed:
                await session.send(item)
            await self._dispatch_to(session, "RESUMED", {})
            session.identified.set()

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        """IDENTIFY: the token, the shard, then READY and the GUILD_CREATEs of that shard."""
        if data.get("token") != TOKEN:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = self._valid_shard(data.get("shard", [0, 1]))
        if shard is None:
            await session.ws.close(code=4010, message=b"Invalid shard")
            return
        session.shard = shard
        guilds = [g for g in self.guilds if session.serves(g["id"])]
        if len(guilds) > self.max_guilds_per_shard:
            await session.ws.close(code=4011, message=b"Sharding required")
            return
        self.identifies += 1
        session.session_id = self.snowflake()
        self._session_shards[session.session_id] = shard
        await self._dispatch_to(
            session,
            "READY",
            {
                "v": 10,
                "user": BOT_USER,
                "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": list(shard),
                "application": {"id": APP_ID, "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", guild)
        session.identified.set()
        self.ready.set()

    def _valid_shard(self, shard: Any) -> tuple[int, int] | None:
        """[id, count] with 0 <= id < count, and the count every live session uses."""
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
        ):
            return None
        shard_id, count = shard
        if not 0 <= shard_id < count:
            return None
        if any(s.live and s.shard[1] != count for s in self.sessions):
            return None
        return shard_id, count

    def gateway_bot(self) -> dict[str, Any]:
        """GET /gateway/bot: the recommended shard count and the session start limit."""
        limit = self.session_start_limit
        return {
            "url": self.gateway_url,
            "shards": self.shards,
            "session_start_limit": {
                **limit,
                "remaining": max(0, limit["total"] - self.identifies),
            },
        }

    async def _dispatch_to(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        payload = self._sequenced(event, data)
        if event not in ("READY", "RESUMED", "GUILD_CREATE"):
            self._dispatched.append(payload)
        await session.send(payload)

    def _sequenced(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        self._sequence += 1
        self._dispatch_guild[self._sequence] = data.get("guild_id")
        return {"op": 0, "t": event, "s": self._sequence, "d": data}

    async def current_session(
        self, timeout: float = 10.0, guild_id: str | None = None
    ) -> GatewaySession:
        """The live session of the shard that holds `guild_id` (None: shard 0, DMs' shard)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for session in self.sessions:
                if session.live and session.serves(guild_id):
                    return session
            await asyncio.sleep(0.01)
        raise TimeoutError("the bot has no gateway session for that shard")

    def live_sessions(self) -> list[GatewaySession]:
        """Every identified, open session (one per shard the bot's processes run)."""
        return [s for s in self.sessions if s.live]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch to the session of its guild's shard (DMs: shard 0), as Discord
        routes events; if that connection is down, it is replayed on RESUME."""
        try:
            session = await self.current_session(timeout=0.5, guild_id=data.get("guild_id"))
        except TimeoutError:
            self._dispatched.append(self._sequenced(event, data))
            return
        await self._dispatch_to(session, event, data)

    async def drop_gateway(self, code: int = 4000, guild_id: str | None = None) -> None:
        """Close the bot's gateway connection (of `guild_id`'s shard) as a network fault
        would; it should RESUME."""
        session = await self.current_session(guild_id=guild_id)
        await session.ws.close(code=code, message=b"stand-in drop")

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client must reconnect and RESUME."""
        session = await self.current_session()
        await session.send({"op": 7, "d": None, "s": None, "t": None})
