"""The stand-in's gateway: the websocket session, IDENTIFY/RESUME, dispatches and faults on
the connection."""

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

    async def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        if self.compressor is not None:
            await self.ws.send_bytes(
                self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
            )
        else:
            await self.ws.send_str(data.decode())


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
