"""The stand-in against Discord's documented behaviour, driven by a raw aiohttp client.

These do not go through the bot: they check that the stand-in refuses what Discord refuses,
in Discord's error shape, so the e2e tests are not merely the stand-in agreeing with the bot.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest

from tests.standin import TOKEN, StandIn

AUTH = {"Authorization": f"Bot {TOKEN}"}


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    server = StandIn()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http(standin: StandIn) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{standin.port}") as session:
        yield session


def first_error(body: dict, *path: str) -> dict:
    node = body["errors"]
    for key in path:
        node = node[key]
    return node["_errors"][0]


async def post_message(http, standin, payload):
    channel = standin.channel("general")["id"]
    return await http.post(f"/api/v10/channels/{channel}/messages", json=payload, headers=AUTH)


async def test_json_content_type_is_exact(http) -> None:
    resp = await http.get("/api/v10/users/@me", headers=AUTH)
    assert resp.headers["Content-Type"] == "application/json"
    assert (await resp.json())["bot"] is True


async def test_requests_without_the_token_are_unauthorised(http) -> None:
    resp = await http.get("/api/v10/users/@me")
    assert resp.status == 401


async def test_unknown_route_is_404_and_recorded(http, standin) -> None:
    resp = await http.get("/api/v10/guilds/1/widget", headers=AUTH)
    assert resp.status == 404
    assert [r.path for r in standin.unknown_routes] == ["/guilds/1/widget"]


async def test_content_over_2000_characters(http, standin) -> None:
    ok = await post_message(http, standin, {"content": "x" * 2000})
    assert ok.status == 200
    resp = await post_message(http, standin, {"content": "x" * 2001})
    body = await resp.json()
    assert (resp.status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert first_error(body, "content")["code"] == "BASE_TYPE_MAX_LENGTH"


@pytest.mark.parametrize(
    ("embed", "path"),
    [
        ({"title": "t" * 257}, ("embeds", "0", "title")),
        ({"description": "d" * 4097}, ("embeds", "0", "description")),
        ({"fields": [{"name": "n", "value": "v"}] * 26}, ("embeds", "0", "fields")),
        ({"fields": [{"name": "n" * 257, "value": "v"}]}, ("embeds", "0", "fields", "0", "name")),
        ({"fields": [{"name": "n", "value": "v" * 1025}]}, ("embeds", "0", "fields", "0", "value")),
        ({"footer": {"text": "f" * 2049}}, ("embeds", "0", "footer", "text")),
        (
            {"description": "d" * 4000, "fields": [{"name": "n", "value": "v" * 1000}] * 3},
            ("embeds", "0"),
        ),
    ],
)
async def test_embed_limits(http, standin, embed, path) -> None:
    resp = await post_message(http, standin, {"embeds": [embed]})
    body = await resp.json()
    assert resp.status == 400 and body["code"] == 50035
    assert first_error(body, *path)["code"] == "BASE_TYPE_MAX_LENGTH"


async def test_more_than_ten_embeds(http, standin) -> None:
    resp = await post_message(http, standin, {"embeds": [{"title": "t"}] * 11})
    assert resp.status == 400


async def test_discord_py_reads_the_error_shape(standin) -> None:
    """discord.py's own HTTP client turns the stand-in's 400 into its usual HTTPException."""
    original = discord.http.Route.BASE
    discord.http.Route.BASE = standin.api_base
    client = discord.http.HTTPClient(loop=__import__("asyncio").get_running_loop())
    try:
        await client.static_login(TOKEN)
        channel = standin.channel("general")["id"]
        with pytest.raises(discord.HTTPException) as err:
            await client.request(
                discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=channel),
                json={"content": "x" * 2001},
            )
        assert err.value.code == 50035
        assert "In content: Must be 2000 or fewer in length." in str(err.value)
    finally:
        await client.close()
        discord.http.Route.BASE = original


@pytest.mark.parametrize(
    ("command", "path"),
    [
        ({"name": "Model", "description": "d", "type": 1}, ("0", "name")),
        ({"name": "model", "description": "d" * 101, "type": 1}, ("0", "description")),
        ({"name": "m", "description": "", "type": 1}, ("0", "description")),
        (
            {
                "name": "m",
                "description": "d",
                "type": 1,
                "options": [
                    {"name": "a", "description": "d", "type": 3},
                    {"name": "b", "description": "d", "type": 3, "required": True},
                ],
            },
            ("0", "options", "1", "required"),
        ),
        (
            {
                "name": "m",
                "description": "d",
                "type": 1,
                "options": [{"name": f"o{i}", "description": "d", "type": 3} for i in range(26)],
            },
            ("0", "options"),
        ),
    ],
)
async def test_command_definitions_discord_would_refuse(http, command, path) -> None:
    resp = await http.put("/api/v10/applications/1/commands", json=[command], headers=AUTH)
    body = await resp.json()
    assert resp.status == 400 and body["code"] == 50035
    assert first_error(body, *path)["code"]


async def test_duplicate_command_names(http) -> None:
    command = {"name": "m", "description": "d", "type": 1}
    resp = await http.put("/api/v10/applications/1/commands", json=[command, command], headers=AUTH)
    assert resp.status == 400


async def callback(http, interaction, body):
    return await http.post(
        f"/api/v10/interactions/{interaction.id}/{interaction.token}/callback",
        params={"with_response": "1"},
        json=body,
    )


def an_interaction(standin, kind=2):
    return standin.new_interaction(
        kind, standin.member("member"), standin.channel("general"), {"name": "x"}
    )


async def test_second_initial_response_is_refused(http, standin) -> None:
    interaction = an_interaction(standin)
    first = await callback(http, interaction, {"type": 4, "data": {"content": "hi"}})
    body = await first.json()
    assert body["interaction"]["response_message_id"] == body["resource"]["message"]["id"]
    second = await callback(http, interaction, {"type": 4, "data": {"content": "again"}})
    assert second.status == 400 and (await second.json())["code"] == 40060


async def test_a_late_initial_response_fails_the_interaction(http, standin) -> None:
    interaction = an_interaction(standin)
    interaction.created = time.monotonic() - 3.5  # as if 3.5 s had passed
    resp = await callback(http, interaction, {"type": 4, "data": {"content": "too late"}})
    assert resp.status == 404 and (await resp.json())["code"] == 10062
    assert interaction.failed


async def test_autocomplete_choice_limits(http, standin) -> None:
    interaction = an_interaction(standin, kind=4)
    too_many = {
        "type": 8,
        "data": {"choices": [{"name": f"c{i}", "value": "v"} for i in range(26)]},
    }
    resp = await callback(http, interaction, too_many)
    assert resp.status == 400 and (await resp.json())["code"] == 50035
    interaction = an_interaction(standin, kind=4)
    long_name = {"type": 8, "data": {"choices": [{"name": "n" * 101, "value": "v"}]}}
    assert (await callback(http, interaction, long_name)).status == 400
    interaction = an_interaction(standin, kind=4)
    ok = {"type": 8, "data": {"choices": [{"name": "n", "value": "v"}] * 25}}
    assert (await callback(http, interaction, ok)).status == 204


async def test_faults_on_demand(http, standin) -> None:
    standin.fail(r"POST /channels/\d+/messages", 429, retry_after=1.5)
    resp = await post_message(http, standin, {"content": "x"})
    body = await resp.json()
    assert resp.status == 429 and body["retry_after"] == 1.5
    assert resp.headers["Via"] and resp.headers["Retry-After"] == "1.5"
    standin.fail(r"POST /channels/\d+/messages", 502)
    assert (await post_message(http, standin, {"content": "x"})).status == 502
    assert (await post_message(http, standin, {"content": "x"})).status == 200


async def test_deleted_channel_and_missing_permission(http, standin) -> None:
    channel = standin.channel("releases")["id"]
    standin.forbidden_channels.add(channel)
    resp = await http.post(
        f"/api/v10/channels/{channel}/messages", json={"content": "x"}, headers=AUTH
    )
    assert resp.status == 403 and (await resp.json())["code"] == 50013
    standin.deleted_channels.add(channel)
    resp = await http.post(
        f"/api/v10/channels/{channel}/messages", json={"content": "x"}, headers=AUTH
    )
    assert resp.status == 404 and (await resp.json())["code"] == 10003


async def test_global_rate_limit(http, standin) -> None:
    standin.limit_rate(5)
    responses = [await post_message(http, standin, {"content": str(i)}) for i in range(8)]
    assert [r.status for r in responses] == [200] * 5 + [429] * 3
    limited = responses[-1]
    assert limited.headers["X-RateLimit-Global"] == "true"
    assert float(limited.headers["X-RateLimit-Reset-After"]) > 0
    assert (await limited.json())["global"] is True


async def test_enforce_nonce_returns_the_first_message(http, standin) -> None:
    payload = {"content": "once", "nonce": "abc123", "enforce_nonce": True}
    first = await (await post_message(http, standin, payload)).json()
    again = await (await post_message(http, standin, payload)).json()
    assert first["id"] == again["id"]
    assert len(standin.messages[standin.channel("general")["id"]]) == 1


async def test_gateway_hello_identify_ready_in_zlib_stream(standin) -> None:
    inflator = zlib.decompressobj()
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{standin.gateway_url}?v=10&encoding=json&compress=zlib-stream") as ws,
    ):
        hello = await ws.receive()
        assert hello.type == aiohttp.WSMsgType.BINARY
        assert json.loads(inflator.decompress(hello.data))["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}})
        ready = json.loads(inflator.decompress((await ws.receive()).data))
        guild = json.loads(inflator.decompress((await ws.receive()).data))
        assert (ready["t"], guild["t"]) == ("READY", "GUILD_CREATE")
        assert ready["d"]["resume_gateway_url"] == standin.gateway_url
        everyone = next(r for r in guild["d"]["roles"] if r["name"] == "@everyone")
        assert everyone["id"] == guild["d"]["id"]
        await ws.send_json({"op": 1, "d": ready["s"]})
        ack = json.loads(inflator.decompress((await ws.receive()).data))
        assert ack["op"] == 11


async def test_gateway_bad_token_closes_with_4004(standin) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{standin.gateway_url}?v=10") as ws,
    ):
        await ws.receive()
        await ws.send_json({"op": 2, "d": {"token": "wrong"}})
        await ws.receive()
        assert ws.close_code == 4004


async def test_member_permissions_are_resolved_from_roles(standin) -> None:
    admin = standin.new_interaction(2, standin.member("admin"), standin.channel("general"), {})
    member = standin.new_interaction(2, standin.member("member"), standin.channel("general"), {})
    assert int(admin.payload["member"]["permissions"]) & (1 << 5)
    assert not int(member.payload["member"]["permissions"]) & (1 << 5)


async def test_a_second_guild_is_announced_and_keeps_its_own_members_and_channels() -> None:
    server = StandIn()
    second = server.add_guild("b")
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{server.gateway_url}?v=10&encoding=json") as ws,
        ):
            await ws.receive()  # HELLO
            await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}})
            ready = await ws.receive_json()
            created = [(await ws.receive_json())["d"]["id"] for _ in server.guilds]
        ids = [server.guild["id"], second["id"]]
        assert [g["id"] for g in ready["d"]["guilds"]] == ids and created == ids
        owner_b, channel_b = server.member("owner-b"), server.channel("general-b")
        asked = server.new_interaction(2, owner_b, channel_b, {})
        assert asked.payload["guild_id"] == second["id"] == channel_b["guild_id"]
        assert int(asked.payload["member"]["permissions"]) == (1 << 50) - 1  # B's owner
        # Guild B's owner is nobody special in the first guild's reckoning, and vice versa.
        assert second["owner_id"] != server.guild["owner_id"]
        member_b = server.new_interaction(2, server.member("member-b"), channel_b, {})
        assert not int(member_b.payload["member"]["permissions"]) & (1 << 5)
    finally:
        await server.stop()
