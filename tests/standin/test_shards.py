"""The stand-in serves several shards as Discord does, driven by a raw websocket client.

Discord's rules: IDENTIFY carries `shard: [id, count]`; a session hears only the guilds of its
shard, (guild_id >> 22) % count, and DMs on shard 0; 4010 Invalid shard for an id not below the
count or a count other live sessions do not use; 4011 Sharding required above 2,500 guilds on
one session; GET /gateway/bot recommends a shard count and tells the session start limit.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from tests.standin import TOKEN, StandIn
from tests.standin.raw import AUTH


class RawShard:
    """One raw gateway connection: HELLO read, IDENTIFY sent, what came back kept."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ready: dict[str, Any] = {}
        self.guild_creates: list[dict[str, Any]] = []

    async def receive(self, timeout: float = 5.0) -> dict[str, Any] | None:
        """The next dispatch, or None when the stand-in closed the connection."""
        msg = await self.ws.receive(timeout=timeout)
        if msg.type != aiohttp.WSMsgType.TEXT:
            return None
        return json.loads(msg.data)

    async def identify(self, shard: Any | None) -> None:
        data: dict[str, Any] = {"token": TOKEN, "intents": 1, "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await self.ws.send_json({"op": 2, "d": data})
        ready = await self.receive()
        if ready is None:
            return
        self.ready = ready["d"]
        for _ in ready["d"]["guilds"]:
            created = await self.receive()
            assert created is not None and created["t"] == "GUILD_CREATE"
            self.guild_creates.append(created["d"])

    @property
    def guild_ids(self) -> set[str]:
        return {g["id"] for g in self.guild_creates}


@asynccontextmanager
async def shard_session(
    standin: StandIn, shard: Any | None = None, **resume: Any
) -> AsyncIterator[RawShard]:
    """A raw connection that IDENTIFYs as `shard` (or RESUMEs with `resume`'s fields)."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{standin.gateway_url}?v=10&encoding=json") as ws,
    ):
        raw = RawShard(ws)
        hello = await raw.receive()
        assert hello is not None and hello["op"] == 10
        if resume:
            await ws.send_json({"op": 6, "d": {"token": TOKEN, **resume}})
        else:
            await raw.identify(shard)
        yield raw


def guilds_on_two_shards(standin: StandIn) -> tuple[str, str]:
    """The first guild's id and a second guild's, on the other shard of two."""
    first = standin.guild["id"]
    other = 1 - (int(first) >> 22) % 2
    second = standin.add_guild("b", shard=(other, 2))["id"]
    return (first, second) if other == 1 else (second, first)


async def test_gateway_bot_recommends_the_configured_shard_count(http, standin) -> None:
    standin.shards = 3
    standin.session_start_limit["max_concurrency"] = 16
    answer = await (await http.get("/api/v10/gateway/bot", headers=AUTH)).json()
    assert answer["shards"] == 3 and answer["url"] == standin.gateway_url
    limit = answer["session_start_limit"]
    assert limit["max_concurrency"] == 16
    assert set(limit) == {"total", "remaining", "reset_after", "max_concurrency"}
    async with shard_session(standin, [0, 3]):
        pass
    after = await (await http.get("/api/v10/gateway/bot", headers=AUTH)).json()
    assert after["session_start_limit"]["remaining"] == limit["remaining"] - 1


async def test_each_shard_hears_only_its_guilds(standin) -> None:
    on_zero, on_one = guilds_on_two_shards(standin)
    async with (
        shard_session(standin, [0, 2]) as zero,
        shard_session(standin, [1, 2]) as one,
    ):
        assert zero.guild_ids == {on_zero} and one.guild_ids == {on_one}
        assert [g["id"] for g in zero.ready["guilds"]] == [on_zero]
        assert zero.ready["shard"] == [0, 2] and one.ready["shard"] == [1, 2]


async def test_without_a_shard_a_session_holds_every_guild(standin) -> None:
    guilds_on_two_shards(standin)
    async with shard_session(standin) as only:
        assert only.guild_ids == {g["id"] for g in standin.guilds}
        assert only.ready["shard"] == [0, 1]


async def test_a_shard_id_not_below_the_count_is_closed_with_4010(standin) -> None:
    for shard in ([2, 2], [-1, 2], [0, 0], [0], "0,2", [True, 2]):
        async with shard_session(standin, shard) as raw:
            assert await raw.receive() is None
            assert raw.ws.close_code == 4010, shard
            assert not raw.ready
    assert standin.identifies == 0


async def test_a_count_other_live_sessions_do_not_use_is_closed_with_4010(standin) -> None:
    async with shard_session(standin, [0, 2]) as first:
        async with shard_session(standin, [1, 3]) as odd:
            assert await odd.receive() is None
            assert odd.ws.close_code == 4010 and not odd.ready
        assert first.ready["shard"] == [0, 2]
    async with shard_session(standin, [1, 3]) as alone:  # the first has gone: 3 is fine now
        assert alone.ready["shard"] == [1, 3]


async def test_too_many_guilds_on_one_session_is_closed_with_4011(standin) -> None:
    standin.max_guilds_per_shard = 1
    on_zero, _ = guilds_on_two_shards(standin)
    async with shard_session(standin) as unsharded:
        assert await unsharded.receive() is None
        assert unsharded.ws.close_code == 4011 and not unsharded.ready
    async with shard_session(standin, [0, 2]) as zero:
        assert zero.guild_ids == {on_zero}


def interaction_in(standin: StandIn, guild_id: str, where: str = "guild") -> dict[str, Any]:
    guild = next(g for g in standin.guilds if g["id"] == guild_id)
    member = next(m for m in guild["members"] if not m["user"].get("bot"))
    return standin.new_interaction(
        2, member, guild["channels"][0], {"name": "x"}, where=where
    ).payload


async def test_interactions_go_to_the_session_of_their_guilds_shard(standin) -> None:
    on_zero, on_one = guilds_on_two_shards(standin)
    async with (
        shard_session(standin, [0, 2]) as zero,
        shard_session(standin, [1, 2]) as one,
    ):
        for guild_id, session in ((on_one, one), (on_zero, zero)):
            payload = interaction_in(standin, guild_id)
            await standin.dispatch("INTERACTION_CREATE", payload)
            heard = await session.receive()
            assert heard is not None and heard["d"]["id"] == payload["id"]
        dm = interaction_in(standin, on_one, where="dm")
        await standin.dispatch("INTERACTION_CREATE", dm)
        heard = await zero.receive()
        assert heard is not None and heard["d"]["id"] == dm["id"]
        role = {"guild_id": on_one, "role": {"id": "1", "name": "x"}}
        await standin.dispatch("GUILD_ROLE_CREATE", role)
        heard = await one.receive()
        assert heard is not None and heard["t"] == "GUILD_ROLE_CREATE"
        for session in (zero, one):  # nothing else was sent to either
            await session.ws.send_json({"op": 1, "d": None})
            ack = await session.receive()
            assert ack is not None and ack["op"] == 11


async def test_a_resumed_shard_gets_only_its_own_missed_events(standin) -> None:
    on_zero, on_one = guilds_on_two_shards(standin)
    async with shard_session(standin, [0, 2]) as zero:
        async with shard_session(standin, [1, 2]) as one:
            session_id = one.ready["session_id"]
        await standin.dispatch("INTERACTION_CREATE", missed := interaction_in(standin, on_one))
        await standin.dispatch("INTERACTION_CREATE", interaction_in(standin, on_zero))
        assert (await zero.receive() or {}).get("t") == "INTERACTION_CREATE"
        async with shard_session(standin, session_id=session_id, seq=0) as back:
            replayed = await back.receive()
            assert replayed is not None and replayed["d"]["id"] == missed["id"]
            resumed = await back.receive()
            assert resumed is not None and resumed["t"] == "RESUMED"
