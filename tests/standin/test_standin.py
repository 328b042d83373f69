"""The stand-in against Discord's documented behaviour, driven by a raw aiohttp client.

These do not go through the bot: they check that the stand-in refuses what Discord refuses,
in Discord's error shape, so the e2e tests are not merely the stand-in agreeing with the bot.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import time
import zlib

import aiohttp
import discord
import pytest

from tests.standin import TOKEN, GuildSpec, StandIn
from tests.standin.plugin import running_standin
from tests.standin.raw import AUTH, first_error
from tests.standin.server import (
    APP_ID,
    DISCORD_MESSAGE_BUCKET,
    EMBED_LINKS,
    MANAGE_GUILD,
    MENTION_EVERYONE,
    MESSAGE_ROUTE,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)


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


async def test_a_lost_answer_is_a_disconnect_after_the_work_is_done(http, standin) -> None:
    standin.lose_answers(r"POST /channels/\d+/messages")
    with pytest.raises(aiohttp.ClientConnectionError):
        await post_message(http, standin, {"content": "lost"})
    assert [m["content"] for m in standin.messages[standin.channel("general")["id"]]] == ["lost"]
    assert (await post_message(http, standin, {"content": "heard"})).status == 200


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
    """Discord's documented global 429: `Retry-After` in whole seconds, `X-RateLimit-Global`
    and `-Scope: global`, the exact wait in the body, and none of a bucket's headers."""
    standin.limit_rate(5)
    responses = [await post_message(http, standin, {"content": str(i)}) for i in range(8)]
    assert [r.status for r in responses] == [200] * 5 + [429] * 3
    limited = responses[-1]
    assert limited.headers["X-RateLimit-Global"] == "true"
    assert limited.headers["X-RateLimit-Scope"] == "global" and limited.headers["Via"]
    body = await limited.json()
    assert body["global"] is True and 0 < body["retry_after"] <= 1.0
    assert limited.headers["Retry-After"] == "1"
    for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
        assert f"X-RateLimit-{header}" not in limited.headers, header


async def test_interaction_endpoints_are_not_bound_by_the_global_limit(http, standin) -> None:
    standin.limit_rate(2)
    for i in range(2):
        assert (await post_message(http, standin, {"content": str(i)})).status == 200
    assert (await post_message(http, standin, {"content": "x"})).status == 429
    interaction = an_interaction(standin)
    answer = await callback(http, interaction, {"type": 5})
    assert answer.status == 200
    followup = await http.post(
        f"/api/v10/webhooks/{APP_ID}/{interaction.token}", json={"content": "done"}
    )
    assert followup.status == 200


async def test_a_planned_global_429_is_discords_global_answer(http, standin) -> None:
    standin.fail(r"POST /channels/\d+/messages", 429, retry_after=0.25, scope="global")
    limited = await post_message(http, standin, {"content": "x"})
    assert limited.status == 429
    assert (await limited.json()) | {"message": ""} == {
        "message": "",
        "retry_after": 0.25,
        "global": True,
    }
    assert limited.headers["X-RateLimit-Global"] == "true"
    assert limited.headers["X-RateLimit-Scope"] == "global"
    assert "X-RateLimit-Bucket" not in limited.headers
    assert standin.invalid_requests == 1  # a global 429 counts toward the ban
    assert (await post_message(http, standin, {"content": "x"})).status == 200


async def test_latency_delays_every_answer_and_requests_overlap(http, standin) -> None:
    """`latency` is the round trip: half before the stand-in sees a request (and records its
    `at`), half before the answer arrives; requests in flight together are not serialised."""
    standin.latency = 0.4
    start = time.monotonic()
    answers = await asyncio.gather(
        *(post_message(http, standin, {"content": str(i)}) for i in range(3))
    )
    assert [a.status for a in answers] == [200] * 3
    assert time.monotonic() - start >= 0.4
    posts = standin.requests[-3:]
    assert all(r.at - start >= 0.2 for r in posts)
    assert all(r.answered_at - r.at >= 0.2 for r in posts)
    assert max(r.at for r in posts) < min(r.answered_at for r in posts)  # all three in flight


async def test_disarm_undoes_every_fault_a_test_left_armed(http, standin) -> None:
    """What a module's shared stand-in gets before each e2e test: every request succeeds again,
    the invalid requests already counted stay counted."""
    releases = standin.channel("releases")["id"]
    standin.forbidden_channels.add(standin.channel("general")["id"])
    assert (await post_message(http, standin, {"content": "refused"})).status == 403
    invalid = standin.invalid_requests
    standin.fail(r"POST /channels/\d+/messages", 500, times=5)
    standin.lose_answers(r"POST /channels/\d+/messages", times=5)
    standin.limit_rate(1)
    standin.bucket_limits.insert(0, (MESSAGE_ROUTE, 1, 60.0))
    standin.exhaust_bucket("POST", f"/channels/{releases}/messages", 60.0)
    standin.deleted_channels.add(releases)
    standin.nonce_window = standin.interaction_window = standin.token_lifetime = 0.0
    standin.on_message = print
    standin.disarm()
    for _ in range(3):  # more than the tightened limit of 1 a minute
        assert (await post_message(http, standin, {"content": "x"})).status == 200
    resp = await http.post(
        f"/api/v10/channels/{releases}/messages", json={"content": "x"}, headers=AUTH
    )
    assert resp.status == 200
    fresh = StandIn()
    knobs = ("nonce_window", "interaction_window", "token_lifetime", "bucket_limits")
    assert [getattr(standin, k) for k in knobs] == [getattr(fresh, k) for k in knobs]
    assert standin.on_message is None and standin.invalid_requests == invalid


async def test_enforce_nonce_returns_the_first_message(http, standin) -> None:
    payload = {"content": "once", "nonce": "abc123", "enforce_nonce": True}
    first = await (await post_message(http, standin, payload)).json()
    again = await (await post_message(http, standin, payload)).json()
    assert first["id"] == again["id"]
    assert len(standin.messages[standin.channel("general")["id"]]) == 1


async def test_a_nonce_is_forgotten_after_the_window(http, standin) -> None:
    standin.nonce_window = 0.2
    payload = {"content": "once", "nonce": "late1", "enforce_nonce": True}
    first = await (await post_message(http, standin, payload)).json()
    await asyncio.sleep(0.5)  # well past the window: Discord would post again
    again = await (await post_message(http, standin, payload)).json()
    assert first["id"] != again["id"]
    assert len(standin.messages[standin.channel("general")["id"]]) == 2


async def test_a_nonce_without_enforce_nonce_is_not_checked(http, standin) -> None:
    await post_message(http, standin, {"content": "a", "nonce": "free"})
    await post_message(http, standin, {"content": "a", "nonce": "free"})
    assert len(standin.messages[standin.channel("general")["id"]]) == 2


async def test_channel_messages_newest_first_without_nonces(http, standin) -> None:
    channel = standin.channel("general")["id"]
    for i in range(5):
        await post_message(http, standin, {"content": str(i), "nonce": f"n{i}"})
    url = f"/api/v10/channels/{channel}/messages"
    recent = await (await http.get(url, params={"limit": "3"}, headers=AUTH)).json()
    assert [m["content"] for m in recent] == ["4", "3", "2"]
    assert all("nonce" not in m and "_files" not in m for m in recent)
    older = await (await http.get(url, params={"before": recent[-1]["id"]}, headers=AUTH)).json()
    assert [m["content"] for m in older] == ["1", "0"]
    after = await (
        await http.get(url, params={"after": older[-1]["id"], "limit": "2"}, headers=AUTH)
    ).json()
    assert [m["content"] for m in after] == ["2", "1"]
    default = await (await http.get(url, headers=AUTH)).json()
    assert len(default) == 5


async def test_ids_carry_their_creation_time_and_after_pages_oldest_first(http, standin) -> None:
    """Discord's snowflakes start with their creation time, so `after=` a moment's snowflake
    finds what came later; with `after`, a page is the oldest `limit` messages, newest first
    (discord.py's history() takes the page's first message as the next `after`)."""
    channel = standin.channel("general")["id"]
    moment = discord.utils.utcnow()
    for i in range(150):  # as members would write them (a bot's bucket allows 5 per 5 s)
        standin.messages[channel].append(standin._message(channel, {"content": str(i)}))
    first = standin.messages[channel][0]
    assert abs((discord.utils.snowflake_time(int(first["id"])) - moment).total_seconds()) < 5
    url = f"/api/v10/channels/{channel}/messages"
    since = discord.utils.time_snowflake(moment - datetime.timedelta(seconds=5))
    page = await (await http.get(url, params={"after": since, "limit": 100}, headers=AUTH)).json()
    assert [m["content"] for m in page] == [str(i) for i in range(99, -1, -1)]
    rest = await (
        await http.get(url, params={"after": page[0]["id"], "limit": 100}, headers=AUTH)
    ).json()
    assert [m["content"] for m in rest] == [str(i) for i in range(149, 99, -1)]
    later = discord.utils.time_snowflake(discord.utils.utcnow() + datetime.timedelta(seconds=5))
    assert await (await http.get(url, params={"after": later}, headers=AUTH)).json() == []


async def test_channel_messages_refuse_bad_limits_and_closed_channels(http, standin) -> None:
    channel = standin.channel("releases")["id"]
    url = f"/api/v10/channels/{channel}/messages"
    for limit in ("0", "101", "many"):
        resp = await http.get(url, params={"limit": limit}, headers=AUTH)
        assert resp.status == 400 and (await resp.json())["code"] == 50035, limit
    standin.forbidden_channels.add(channel)
    resp = await http.get(url, headers=AUTH)
    assert resp.status == 403 and (await resp.json())["code"] == 50013
    resp = await http.get("/api/v10/channels/123/messages", headers=AUTH)
    assert resp.status == 404 and (await resp.json())["code"] == 10003


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


# ---- stricter rules: interactions ---------------------------------------------------------------


async def followup(http, interaction, body):
    return await http.post(
        f"/api/v10/webhooks/{APP_ID}/{interaction.token}", params={"wait": "1"}, json=body
    )


async def test_the_initial_response_window_is_configurable(http, standin) -> None:
    standin.interaction_window = 0.2
    interaction = an_interaction(standin)
    interaction.created = time.monotonic() - 0.3
    resp = await callback(http, interaction, {"type": 5})
    assert resp.status == 404 and (await resp.json())["code"] == 10062
    assert interaction.failed


async def test_no_followup_before_the_acknowledgement(http, standin) -> None:
    interaction = an_interaction(standin)
    early = await followup(http, interaction, {"content": "too early"})
    assert early.status == 404 and (await early.json())["code"] == 10015
    edit = await http.patch(
        f"/api/v10/webhooks/{APP_ID}/{interaction.token}/messages/@original",
        json={"content": "x"},
    )
    assert edit.status == 404
    assert (await callback(http, interaction, {"type": 5})).status == 200
    assert (await followup(http, interaction, {"content": "now"})).status == 200


async def test_the_token_expires_after_fifteen_minutes(http, standin) -> None:
    assert standin.token_lifetime == 15 * 60
    interaction = an_interaction(standin)
    assert (await callback(http, interaction, {"type": 5})).status == 200
    interaction.created = time.monotonic() - 15 * 60 - 1  # as if 15 minutes had passed
    late = await followup(http, interaction, {"content": "late"})
    assert late.status == 401 and (await late.json())["code"] == 50027
    edit = await http.patch(
        f"/api/v10/webhooks/{APP_ID}/{interaction.token}/messages/@original",
        json={"content": "late"},
    )
    assert edit.status == 401


@pytest.mark.parametrize(
    ("interaction_type", "callback_type", "with_message", "allowed"),
    [
        (2, 4, False, True),
        (2, 7, False, False),  # UPDATE_MESSAGE only for components
        (2, 6, False, False),
        (2, 8, False, False),  # AUTOCOMPLETE_RESULT only for autocomplete
        (3, 7, True, True),
        (3, 6, True, True),
        (4, 4, False, False),
        (5, 9, False, False),  # no modal in answer to a modal
        (5, 7, False, False),
        (5, 7, True, True),  # a modal opened from a button may update its message
    ],
)
async def test_the_callback_type_must_fit_the_interaction(
    http, standin, interaction_type, callback_type, with_message, allowed
) -> None:
    message = None
    if with_message:
        posted = await post_message(http, standin, {"content": "with a button"})
        message = await posted.json()
    interaction = standin.new_interaction(
        interaction_type,
        standin.member("member"),
        standin.channel("general"),
        {"custom_id": "x", "name": "x"},
        message,
    )
    data = {
        4: {"content": "hi"},
        7: {"content": "edited"},
        8: {"choices": []},
        9: {"custom_id": "m", "title": "T", "components": []},
    }.get(callback_type, {})
    resp = await callback(http, interaction, {"type": callback_type, "data": data})
    if allowed:
        assert resp.status in (200, 204)
    else:
        body = await resp.json()
        assert resp.status == 400 and body["code"] == 50035
        assert first_error(body, "type")["code"] == "INTERACTION_CALLBACK_TYPE_INVALID"


def text_input(custom_id="a", label="Name", **extra):
    field = {"type": 4, "custom_id": custom_id, "label": label, **extra}
    if label is None:
        del field["label"]
    return {"type": 1, "components": [field]}


@pytest.mark.parametrize(
    ("modal", "path"),
    [
        ({"title": "t" * 46, "components": [text_input()]}, ("data", "title")),
        ({"title": "T", "components": []}, ("data", "components")),
        (
            {"title": "T", "components": [text_input(f"i{i}") for i in range(6)]},
            ("data", "components"),
        ),
        (
            {"title": "T", "components": [text_input(label="l" * 46)]},
            ("data", "components", "0", "components", "0", "label"),
        ),
        (
            {"title": "T", "components": [text_input(value="v" * 4001)]},
            ("data", "components", "0", "components", "0", "value"),
        ),
        (
            {"title": "T", "components": [text_input("same"), text_input("same")]},
            ("data", "components", "1", "components", "0", "custom_id"),
        ),
        (
            {"title": "T", "components": [text_input(label=None)]},
            ("data", "components", "0", "components", "0", "label"),
        ),
        (
            {"title": "T", "components": [text_input(label="")]},
            ("data", "components", "0", "components", "0", "label"),
        ),
        (
            {"title": "T", "components": [text_input(min_length=10, max_length=5)]},
            ("data", "components", "0", "components", "0", "min_length"),
        ),
        (
            {"title": "T", "components": [text_input(max_length=4001)]},
            ("data", "components", "0", "components", "0", "max_length"),
        ),
        (
            {"title": "T", "components": [text_input(max_length=0)]},
            ("data", "components", "0", "components", "0", "max_length"),
        ),
    ],
)
async def test_modal_limits(http, standin, modal, path) -> None:
    interaction = an_interaction(standin)
    resp = await callback(http, interaction, {"type": 9, "data": {"custom_id": "m", **modal}})
    body = await resp.json()
    assert resp.status == 400 and body["code"] == 50035
    assert first_error(body, *path)["code"]
    ok = an_interaction(standin)
    fine_input = text_input(value="v" * 4000, min_length=4000, max_length=4000)
    fine = {"custom_id": "m", "title": "t" * 45, "components": [fine_input]}
    assert (await callback(http, ok, {"type": 9, "data": fine})).status == 200


# ---- stricter rules: messages -------------------------------------------------------------------


def button(custom_id, label="b", **extra):
    made = {"type": 2, "style": 1, "custom_id": custom_id, "label": label, **extra}
    return {k: v for k, v in made.items() if v is not None}


def row(*components):
    return {"type": 1, "components": list(components)}


def select(options, **extra):
    return {"type": 3, "custom_id": "s", "options": options, **extra}


OPTIONS_3 = [{"label": f"o{i}", "value": str(i)} for i in range(3)]


@pytest.mark.parametrize(
    ("components", "path"),
    [
        ([row(button(f"b{i}")) for i in range(6)], ("components",)),
        ([row(*[button(f"b{i}") for i in range(6)])], ("components", "0", "components")),
        ([row(button("x" * 101))], ("components", "0", "components", "0", "custom_id")),
        ([row(button("b", label="l" * 81))], ("components", "0", "components", "0", "label")),
        ([row(button("b"), button("b"))], ("components", "0", "components", "1", "custom_id")),
        ([row(button("b")), row(button("b"))], ("components", "1", "components", "0", "custom_id")),
        (
            [
                row(
                    {
                        "type": 3,
                        "custom_id": "s",
                        "options": [{"label": "o", "value": str(i)} for i in range(26)],
                    }
                )
            ],
            ("components", "0", "components", "0", "options"),
        ),
        (
            [
                row(
                    {"type": 3, "custom_id": "s", "options": [{"label": "o", "value": "v"}]},
                    button("b"),
                )
            ],
            ("components", "0", "components"),
        ),
        ([row(button("b", label=None))], ("components", "0", "components", "0", "label")),
        ([row(button("b", label=""))], ("components", "0", "components", "0", "label")),
        (
            [row({"type": 2, "style": 5, "label": "site"})],
            ("components", "0", "components", "0", "url"),
        ),
        (
            [row({"type": 2, "style": 1, "label": "no id"})],
            ("components", "0", "components", "0", "custom_id"),
        ),
        ([row(select([]))], ("components", "0", "components", "0", "options")),
        (
            [row(select([{"label": "", "value": "v"}]))],
            ("components", "0", "components", "0", "options", "0", "label"),
        ),
        (
            [row(select([{"label": "o", "value": ""}]))],
            ("components", "0", "components", "0", "options", "0", "value"),
        ),
        (
            [row(select([{"label": "o"}]))],
            ("components", "0", "components", "0", "options", "0", "value"),
        ),
        (
            [row(select(OPTIONS_3, min_values=3, max_values=2))],
            ("components", "0", "components", "0", "min_values"),
        ),
        (
            [row(select(OPTIONS_3, max_values=4))],
            ("components", "0", "components", "0", "max_values"),
        ),
        (
            [row(select(OPTIONS_3, max_values=0))],
            ("components", "0", "components", "0", "max_values"),
        ),
    ],
)
async def test_component_limits(http, standin, components, path) -> None:
    resp = await post_message(http, standin, {"content": "x", "components": components})
    body = await resp.json()
    assert resp.status == 400 and body["code"] == 50035
    assert first_error(body, *path)["code"]


async def test_components_within_the_limits_are_accepted(http, standin) -> None:
    rows = [row(*[button(f"b{r}{i}", label="l" * 80) for i in range(5)]) for r in range(4)]
    options = [{"label": "o", "value": str(i)} for i in range(25)]
    rows.append(row(select(options, custom_id="x" * 100, min_values=0, max_values=25)))
    resp = await post_message(http, standin, {"content": "x", "components": rows})
    assert resp.status == 200, await resp.text()
    emoji_only = row(button("e", label=None, emoji={"name": "🔔"}))
    link = row({"type": 2, "style": 5, "label": "site", "url": "https://a.example/"})
    resp = await post_message(http, standin, {"content": "x", "components": [emoji_only, link]})
    assert resp.status == 200, await resp.text()


@pytest.mark.parametrize(
    "payload", [{}, {"content": ""}, {"content": "   "}, {"content": None, "embeds": []}]
)
async def test_an_empty_message_is_refused_with_50006(http, standin, payload) -> None:
    resp = await post_message(http, standin, payload)
    assert resp.status == 400 and (await resp.json())["code"] == 50006
    interaction = an_interaction(standin)
    answer = await callback(http, interaction, {"type": 4, "data": payload})
    assert answer.status == 400 and (await answer.json())["code"] == 50006
    deferred = an_interaction(standin)
    await callback(http, deferred, {"type": 5})
    late = await followup(http, deferred, payload)
    assert late.status == 400 and (await late.json())["code"] == 50006


async def test_an_edit_that_leaves_a_message_empty_is_refused_with_50006(http, standin) -> None:
    interaction = an_interaction(standin)
    await callback(http, interaction, {"type": 4, "data": {"content": "hi", "embeds": []}})
    url = f"/api/v10/webhooks/{APP_ID}/{interaction.token}/messages/@original"
    emptied = await http.patch(url, json={"content": ""})
    assert emptied.status == 400 and (await emptied.json())["code"] == 50006
    assert interaction.message["content"] == "hi"  # left as it was
    swapped = await http.patch(url, json={"content": "", "embeds": [{"title": "t"}]})
    assert swapped.status == 200
    cleared = await http.patch(url, json={"embeds": []})
    assert cleared.status == 400 and (await cleared.json())["code"] == 50006
    posted = await (
        await post_message(http, standin, {"content": "x", "components": [row(button("b"))]})
    ).json()
    clicked = standin.new_interaction(
        3, standin.member("member"), standin.channel("general"), {"custom_id": "b"}, posted
    )
    update = {"type": 7, "data": {"content": "", "components": []}}
    resp = await callback(http, clicked, update)
    assert resp.status == 400 and (await resp.json())["code"] == 50006
    assert clicked.callback_type is None  # the click may still be answered


def pinged(message: dict) -> tuple:
    users = [u["id"] for u in message["mentions"]]
    return users, message["mention_roles"], message["mention_everyone"]


async def test_mentions_are_filled_from_content_and_allowed_mentions(http, standin) -> None:
    """As Discord does: content only (never embeds), what allowed_mentions lets through
    (everything without it), roles only if mentionable or the bot may mention everyone,
    @everyone and @here only with that permission."""
    admins = next(r for r in standin.guild["roles"] if r["name"] == "Admins")  # mentionable
    quiet = await standin.add_role("Quiet", mentionable=False)
    member = standin.member("member")["user"]["id"]
    text = f"<@&{admins['id']}> <@&{quiet['id']}> <@!{member}> <@123> @everyone"
    standin.bucket_limits.insert(0, (MESSAGE_ROUTE, 100, 1.0))  # many posts to one channel

    async def send(**payload) -> dict:
        resp = await post_message(http, standin, {"content": text, **payload})
        assert resp.status == 200
        return await resp.json()

    assert pinged(await send()) == ([member], [admins["id"]], False)
    none = {"parse": []}
    assert pinged(await send(allowed_mentions=none)) == ([], [], False)
    only_role = {"parse": [], "roles": [admins["id"]]}
    assert pinged(await send(allowed_mentions=only_role)) == ([], [admins["id"]], False)
    only_users = {"parse": ["users"]}
    assert pinged(await send(allowed_mentions=only_users)) == ([member], [], False)
    in_embed = await send(content=None, embeds=[{"description": text}])
    assert pinged(in_embed) == ([], [], False)
    general = standin.channel("general")["id"]
    await standin.set_overwrite(general, standin.bot_role_id, allow=MENTION_EVERYONE)
    assert pinged(await send()) == ([member], [admins["id"], quiet["id"]], True)
    stored = standin.messages[general][-1]
    assert pinged(stored) == ([member], [admins["id"], quiet["id"]], True)


@pytest.mark.parametrize(
    ("embed", "path"),
    [
        ({"title": "t", "url": "javascript:alert(1)"}, ("embeds", "0", "url")),
        ({"title": "t", "url": "https://a.example/x y"}, ("embeds", "0", "url")),
        ({"title": "t", "url": "not a url"}, ("embeds", "0", "url")),
        ({"title": "t", "url": "https://"}, ("embeds", "0", "url")),
        (
            {"title": "t", "thumbnail": {"url": "ftp://a.example/i.png"}},
            ("embeds", "0", "thumbnail", "url"),
        ),
        ({"title": "t", "image": {"url": "//a.example/i.png"}}, ("embeds", "0", "image", "url")),
        (
            {"title": "t", "author": {"name": "a", "url": "data:text/html,x"}},
            ("embeds", "0", "author", "url"),
        ),
    ],
)
async def test_embed_urls_must_be_well_formed_http(http, standin, embed, path) -> None:
    resp = await post_message(http, standin, {"embeds": [embed]})
    body = await resp.json()
    assert resp.status == 400 and body["code"] == 50035
    assert first_error(body, *path)["code"] == "URL_TYPE_INVALID_URL"


async def test_well_formed_embed_urls_are_accepted(http, standin) -> None:
    embed = {
        "title": "t",
        "url": "https://vendor.example/post?id=1#x",
        "thumbnail": {"url": "http://cdn.example/i.png"},
        "image": {"url": "attachment://chart.png"},
    }
    assert (await post_message(http, standin, {"embeds": [embed]})).status == 200


# ---- stricter rules: permissions ----------------------------------------------------------------


async def test_a_channel_the_bot_cannot_view_is_missing_access(http, standin) -> None:
    channel = standin.channel("releases")["id"]
    await standin.set_overwrite(channel, standin.bot_role_id, deny=VIEW_CHANNEL)
    assert standin.permissions_of(standin.bot_member(), standin.channel("releases")) == 0
    resp = await http.post(
        f"/api/v10/channels/{channel}/messages", json={"content": "x"}, headers=AUTH
    )
    assert resp.status == 403 and (await resp.json())["code"] == 50001
    got = await http.get(f"/api/v10/channels/{channel}", headers=AUTH)
    assert got.status == 403 and (await got.json())["code"] == 50001


async def test_no_send_permission_is_missing_permissions(http, standin) -> None:
    channel = standin.channel("releases")["id"]
    await standin.set_overwrite(channel, standin.guild["id"], deny=SEND_MESSAGES)
    resp = await http.post(
        f"/api/v10/channels/{channel}/messages", json={"content": "x"}, headers=AUTH
    )
    assert resp.status == 403 and (await resp.json())["code"] == 50013
    await standin.set_overwrite(channel, APP_ID, allow=SEND_MESSAGES)  # the member beats @everyone
    resp = await http.post(
        f"/api/v10/channels/{channel}/messages", json={"content": "x"}, headers=AUTH
    )
    assert resp.status == 200


async def test_without_read_message_history_the_bot_sees_no_messages(http, standin) -> None:
    """Discord: without Read Message History, Get Channel Messages answers an empty list."""
    channel = standin.channel("releases")["id"]
    url = f"/api/v10/channels/{channel}/messages"
    assert (await http.post(url, json={"content": "x"}, headers=AUTH)).status == 200
    assert len(await (await http.get(url, headers=AUTH)).json()) == 1  # the bot role has it
    await standin.set_overwrite(channel, standin.bot_role_id, deny=READ_MESSAGE_HISTORY)
    resp = await http.get(url, headers=AUTH)
    assert resp.status == 200 and await resp.json() == []
    assert (await http.post(url, json={"content": "y"}, headers=AUTH)).status == 200


# ---- editing channel messages (PATCH /channels/{id}/messages/{id}) ----------------------------


async def posted_message(http, standin, payload=None) -> tuple[str, str]:
    channel = standin.channel("general")["id"]
    resp = await post_message(http, standin, payload or {"embeds": [{"title": "Gemma 4"}]})
    assert resp.status == 200
    return channel, (await resp.json())["id"]


async def test_an_edit_changes_the_stored_message_and_stamps_it(http, standin) -> None:
    channel, message_id = await posted_message(http, standin)
    seen: list[dict] = []
    standin.on_edit = lambda message: seen.append(dict(message))
    url = f"/api/v10/channels/{channel}/messages/{message_id}"
    resp = await http.patch(url, json={"embeds": [{"title": "Gemma 4 (corrected)"}]}, headers=AUTH)
    body = await resp.json()
    assert resp.status == 200 and body["edited_timestamp"] and "nonce" not in body
    stored = standin.messages[channel]
    assert len(stored) == 1 and stored[0]["embeds"][0]["title"] == "Gemma 4 (corrected)"
    assert seen[0]["id"] == message_id and standin.edits == [(channel, message_id)]
    fetched = await (await http.get(url, headers=AUTH)).json()
    assert fetched["embeds"][0]["title"] == "Gemma 4 (corrected)" and fetched["edited_timestamp"]


async def test_an_edit_of_a_deleted_or_unknown_message_is_10008(http, standin) -> None:
    channel, message_id = await posted_message(http, standin)
    standin.delete_message(channel, message_id)
    edit = {"embeds": [{"title": "x"}]}
    for target in (message_id, "123456789"):
        url = f"/api/v10/channels/{channel}/messages/{target}"
        resp = await http.patch(url, json=edit, headers=AUTH)
        assert (resp.status, (await resp.json())["code"]) == (404, 10008)
        got = await http.get(url, headers=AUTH)
        assert (got.status, (await got.json())["code"]) == (404, 10008)
    assert standin.messages[channel] == [] and standin.edits == []


async def test_an_edit_of_another_users_message_is_50005(http, standin) -> None:
    channel = standin.channel("general")["id"]
    theirs = standin.add_user_message(channel, "member", "hello")
    url = f"/api/v10/channels/{channel}/messages/{theirs['id']}"
    resp = await http.patch(url, json={"content": "bye"}, headers=AUTH)
    assert (resp.status, (await resp.json())["code"]) == (403, 50005)
    assert standin.messages[channel][0]["content"] == "hello"


async def test_an_edit_keeps_to_the_message_limits(http, standin) -> None:
    channel, message_id = await posted_message(http, standin)
    url = f"/api/v10/channels/{channel}/messages/{message_id}"
    long = await http.patch(url, json={"content": "x" * 2001}, headers=AUTH)
    assert long.status == 400 and first_error(await long.json(), "content")
    big = await http.patch(url, json={"embeds": [{"description": "d" * 4097}]}, headers=AUTH)
    assert big.status == 400
    empty = await http.patch(url, json={"embeds": []}, headers=AUTH)
    assert (empty.status, (await empty.json())["code"]) == (400, 50006)
    assert standin.messages[channel][0]["embeds"][0]["title"] == "Gemma 4"
    assert standin.messages[channel][0]["edited_timestamp"] is None


async def test_an_edit_follows_the_channels_access_rules(http, standin) -> None:
    channel, message_id = await posted_message(http, standin)
    url = f"/api/v10/channels/{channel}/messages/{message_id}"
    edit = {"embeds": [{"title": "x"}]}
    await standin.set_overwrite(channel, standin.bot_role_id, deny=VIEW_CHANNEL)
    hidden = await http.patch(url, json=edit, headers=AUTH)
    assert (hidden.status, (await hidden.json())["code"]) == (403, 50001)
    await standin.set_overwrite(channel, standin.bot_role_id)
    standin.forbidden_channels.add(channel)
    refused = await http.patch(url, json=edit, headers=AUTH)
    assert (refused.status, (await refused.json())["code"]) == (403, 50013)
    standin.forbidden_channels.clear()
    standin.deleted_channels.add(channel)
    gone = await http.patch(url, json=edit, headers=AUTH)
    assert (gone.status, (await gone.json())["code"]) == (404, 10003)
    assert standin.messages[channel][0]["embeds"][0]["title"] == "Gemma 4"


async def test_reading_one_message_needs_read_message_history(http, standin) -> None:
    channel, message_id = await posted_message(http, standin)
    url = f"/api/v10/channels/{channel}/messages/{message_id}"
    await standin.set_overwrite(channel, standin.bot_role_id, deny=READ_MESSAGE_HISTORY)
    resp = await http.get(url, headers=AUTH)
    assert (resp.status, (await resp.json())["code"]) == (403, 50001)


async def test_interactions_carry_the_bots_permissions_in_the_channel(standin) -> None:
    general = standin.channel("general")
    await standin.set_overwrite(general["id"], standin.bot_role_id, deny=EMBED_LINKS)
    interaction = an_interaction(standin)
    perms = int(interaction.payload["app_permissions"])
    assert perms & VIEW_CHANNEL and not perms & EMBED_LINKS


# ---- stricter rules: rate-limit buckets and invalid requests ------------------------------------


async def test_every_response_carries_rate_limit_headers(http, standin) -> None:
    for resp in (
        await http.get("/api/v10/users/@me", headers=AUTH),
        await post_message(http, standin, {"content": "x"}),
        await post_message(http, standin, {"content": ""}),
        await http.get("/api/v10/users/@me"),
    ):
        for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
            assert resp.headers[f"X-RateLimit-{header}"], header


async def test_a_channels_message_bucket(http, standin) -> None:
    standin.bucket_limits.insert(0, (r"POST /channels/\d+/messages", 3, 30.0))
    statuses = []
    for i in range(4):
        resp = await post_message(http, standin, {"content": str(i)})
        statuses.append((resp.status, resp.headers["X-RateLimit-Remaining"]))
    assert statuses == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
    limited = await post_message(http, standin, {"content": "again"})
    body = await limited.json()
    assert body["global"] is False and 0 < body["retry_after"] <= 30
    assert limited.headers["X-RateLimit-Scope"] == "user" and limited.headers["Via"]
    assert limited.headers["X-RateLimit-Global"] == "false"
    other = standin.channel("releases")["id"]  # another channel has its own bucket, same hash
    resp = await http.post(
        f"/api/v10/channels/{other}/messages", json={"content": "x"}, headers=AUTH
    )
    assert resp.status == 200 and resp.headers["X-RateLimit-Remaining"] == "2"
    assert resp.headers["X-RateLimit-Bucket"] == limited.headers["X-RateLimit-Bucket"]


async def test_discords_real_message_bucket_is_five_per_five_seconds(http, standin) -> None:
    assert DISCORD_MESSAGE_BUCKET == (5, 5.0)
    standin.bucket_limits.insert(0, (MESSAGE_ROUTE, *DISCORD_MESSAGE_BUCKET))
    statuses = [(await post_message(http, standin, {"content": "x"})).status for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    limited = await post_message(http, standin, {"content": "x"})
    assert 1.0 < (await limited.json())["retry_after"] <= 5.0


async def test_an_exhausted_bucket_resets(http, standin) -> None:
    channel = standin.channel("general")["id"]
    standin.exhaust_bucket("POST", f"/channels/{channel}/messages", reset_after=0.2)
    assert (await post_message(http, standin, {"content": "x"})).status == 429
    await asyncio.sleep(0.3)
    assert (await post_message(http, standin, {"content": "x"})).status == 200


async def test_invalid_requests_are_counted_in_a_sliding_window(http, standin) -> None:
    await http.get("/api/v10/users/@me")  # 401
    standin.forbidden_channels.add(standin.channel("releases")["id"])
    channel = standin.channel("releases")["id"]
    await http.post(f"/api/v10/channels/{channel}/messages", json={"content": "x"}, headers=AUTH)
    standin.fail(r"GET /users/@me", 429)
    await http.get("/api/v10/users/@me", headers=AUTH)
    await post_message(http, standin, {"content": ""})  # a 400 is not an invalid request
    await http.get("/api/v10/users/@me", headers=AUTH)  # nor is a 200
    assert standin.invalid_requests == 3
    standin.invalid_request_window = 0.1
    await asyncio.sleep(0.2)
    assert standin.invalid_requests == 0


async def test_a_thread_takes_its_parents_overwrites_and_send_in_threads(http, standin) -> None:
    thread = await standin.add_thread("releases", "t")
    parent = standin.channel("releases")["id"]
    url = f"/api/v10/channels/{thread['id']}/messages"
    await standin.set_overwrite(parent, standin.bot_role_id, deny=SEND_MESSAGES)
    assert (await http.post(url, json={"content": "x"}, headers=AUTH)).status == 200
    await standin.set_overwrite(parent, standin.bot_role_id, deny=SEND_MESSAGES_IN_THREADS)
    resp = await http.post(url, json={"content": "x"}, headers=AUTH)
    assert resp.status == 403 and (await resp.json())["code"] == 50013
    await standin.set_overwrite(parent, standin.bot_role_id, deny=VIEW_CHANNEL)
    resp = await http.post(url, json={"content": "x"}, headers=AUTH)
    assert resp.status == 403 and (await resp.json())["code"] == 50001


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


def test_the_default_guild_is_the_suites_guild(standin: StandIn) -> None:
    """Without a GuildSpec the stand-in hosts the guild every test has been written against."""
    guild = standin.guild
    assert guild["name"] == "Stand-in Guild"
    assert [c["name"] for c in guild["channels"]] == ["general", "releases", "digest"]
    assert [m["user"]["username"] for m in guild["members"]] == [
        "owner",
        "admin",
        "member",
        "Release Radar",
    ]
    assert guild["owner_id"] == standin.member("owner")["user"]["id"]
    assert standin.permissions_of(standin.member("admin")) & MANAGE_GUILD
    assert not standin.permissions_of(standin.member("member")) & MANAGE_GUILD


LAB = GuildSpec(
    name="Lab",
    channels=("alerts", "ops"),
    owner="boss",
    admins=("mod1", "mod2"),
    members=("alice",),
    admin_role="Mods",
)


@pytest.mark.parametrize("standin_guild", [LAB])
async def test_a_configured_guild_has_its_channels_roles_and_members(http, standin) -> None:
    """`standin_guild` (the plugin's fixture) sets the guild; REST serves what it describes."""
    guild = standin.guild
    assert guild["name"] == "Lab"
    assert [r["name"] for r in guild["roles"]] == ["@everyone", "Mods", "Release Radar"]
    assert guild["owner_id"] == standin.member("boss")["user"]["id"]
    for name in ("mod1", "mod2"):
        assert standin.permissions_of(standin.member(name)) & MANAGE_GUILD
    assert not standin.permissions_of(standin.member("alice")) & MANAGE_GUILD
    ops = standin.channel("ops")
    resp = await http.get(f"/api/v10/channels/{ops['id']}", headers=AUTH)
    assert resp.status == 200 and (await resp.json())["name"] == "ops"
    with pytest.raises(StopIteration):
        standin.channel("releases")
    second = standin.add_guild("b")
    assert [c["name"] for c in second["channels"]] == ["alerts-b", "ops-b"]
    assert second["name"] == "Lab-b"


async def test_running_standin_hosts_the_given_guild() -> None:
    async with running_standin(GuildSpec(channels=("only",), admins=(), members=())) as server:
        assert [c["name"] for c in server.guild["channels"]] == ["only"]
        assert [m["user"]["username"] for m in server.guild["members"]] == [
            "owner",
            "Release Radar",
        ]
        assert server.port


# ---- uploaded files: size limit and multipart shape ---------------------------------------------


def multipart(payload: dict, files: list[tuple[str, str, bytes]]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for name, filename, data in files:
        form.add_field(name, data, filename=filename, content_type="image/png")
    return form


async def post_files(http, standin, payload, files):
    channel = standin.channel("general")["id"]
    return await http.post(
        f"/api/v10/channels/{channel}/messages", data=multipart(payload, files), headers=AUTH
    )


async def test_a_file_within_the_limit_is_attached(http, standin) -> None:
    payload = {"content": "x", "attachments": [{"id": 0, "filename": "chart.png"}]}
    resp = await post_files(http, standin, payload, [("files[0]", "chart.png", b"\x89PNG" * 10)])
    assert resp.status == 200
    attached = (await resp.json())["attachments"][0]
    assert attached == {
        "id": attached["id"],
        "filename": "chart.png",
        "size": 40,
        "url": attached["url"],
        "proxy_url": attached["url"],
    }
    # As on Discord, the attachment's url serves the file (discord.py needs the url to parse
    # the message: a posted chart's answer without one raised KeyError 'url').
    served = await http.get(attached["url"].split(str(standin.port), 1)[1])
    assert served.status == 200 and await served.read() == b"\x89PNG" * 10
    assert (await http.get(f"/attachments/{attached['id']}x/chart.png")).status == 404


async def test_a_file_over_the_attachment_limit_is_refused(http, standin) -> None:
    standin.attachment_size_limit = 1024
    payload = {"content": "x", "attachments": [{"id": 0, "filename": "big.png"}]}
    resp = await post_files(http, standin, payload, [("files[0]", "big.png", b"x" * 1025)])
    assert resp.status == 413 and (await resp.json())["code"] == 40005
    standin.disarm()
    assert standin.attachment_size_limit == 10 * 1024 * 1024


async def test_file_parts_must_match_the_attachments_list(http, standin) -> None:
    payload = {"content": "x", "attachments": [{"id": 1, "filename": "chart.png"}]}
    resp = await post_files(http, standin, payload, [("files[0]", "chart.png", b"png")])
    body = await resp.json()
    assert resp.status == 400 and body["code"] == 50035
    assert first_error(body, "attachments", "0", "id")["code"] == "ATTACHMENT_NOT_FOUND"
    bad = await post_files(http, standin, {"content": "x"}, [("upload", "chart.png", b"png")])
    assert first_error(await bad.json(), "files", "0")["code"] == "FILE_PART_INVALID"
