"""The stand-in's DMs and interactions from outside the bot's guilds, against Discord's
documented behaviour, driven by a raw aiohttp client (as tests/standin/test_standin.py)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.standin.raw import AUTH, first_error
from tests.standin.users import DiscordUser


async def open_dm(http, user_id: str) -> aiohttp.ClientResponse:
    return await http.post(
        "/api/v10/users/@me/channels", json={"recipient_id": user_id}, headers=AUTH
    )


async def test_a_dm_channel_opens_once_per_user(http, standin) -> None:
    user = standin.member("member")["user"]
    first = await (await open_dm(http, user["id"])).json()
    again = await (await open_dm(http, user["id"])).json()
    assert first["type"] == 1 and first["recipients"][0]["id"] == user["id"]
    assert again["id"] == first["id"]
    sent = await http.post(
        f"/api/v10/channels/{first['id']}/messages", json={"content": "hi"}, headers=AUTH
    )
    assert sent.status == 200
    assert [m["content"] for m in standin.dms_of(user["id"])] == ["hi"]
    history = await http.get(f"/api/v10/channels/{first['id']}/messages", headers=AUTH)
    assert [m["content"] for m in await history.json()] == ["hi"]


async def test_a_dm_to_an_unknown_user_is_an_invalid_recipient(http, standin) -> None:
    resp = await open_dm(http, "12345")
    body = await resp.json()
    assert (resp.status, body["code"]) == (400, 50033)
    assert not standin.dm_channels


async def test_a_user_who_closed_their_dms_gets_50007(http, standin) -> None:
    user = standin.member("member")["user"]
    channel = await (await open_dm(http, user["id"])).json()  # the channel still opens
    standin.blocked_dms.add(user["id"])
    resp = await http.post(
        f"/api/v10/channels/{channel['id']}/messages", json={"content": "hi"}, headers=AUTH
    )
    body = await resp.json()
    assert (resp.status, body["code"]) == (403, 50007)
    assert body["message"] == "Cannot send messages to this user"
    assert standin.dms_of(user["id"]) == []
    standin.disarm()  # a test's closed DMs are put back
    assert not standin.blocked_dms


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("contexts", [3]),
        ("contexts", []),
        ("contexts", [0, 0]),
        ("integration_types", [2]),
        ("integration_types", "0"),
    ],
)
async def test_install_and_context_values_discord_would_refuse(http, key, value) -> None:
    command = {"name": "m", "description": "d", "type": 1, key: value}
    resp = await http.put("/api/v10/applications/1/commands", json=[command], headers=AUTH)
    body = await resp.json()
    assert resp.status == 400 and body["code"] == 50035
    assert first_error(body, "0", key)["code"] == "BASE_TYPE_CHOICES"


async def test_install_and_context_values_discord_accepts(http, standin) -> None:
    command = {
        "name": "m",
        "description": "d",
        "type": 1,
        "integration_types": [0, 1],
        "contexts": [0, 1, 2],
    }
    resp = await http.put("/api/v10/applications/1/commands", json=[command], headers=AUTH)
    assert resp.status == 200
    assert standin.global_command("m")["contexts"] == [0, 1, 2]


def test_an_interaction_in_a_dm_has_a_user_and_no_guild(standin) -> None:
    member = standin.member("member")
    interaction = standin.new_interaction(
        2, member, standin.channel("general"), {"name": "x"}, where="dm"
    )
    payload = interaction.payload
    assert "guild_id" not in payload and "member" not in payload
    assert payload["user"]["id"] == member["user"]["id"]
    assert payload["context"] == 1 and payload["channel"]["type"] == 1
    assert payload["authorizing_integration_owners"] == {"1": member["user"]["id"]}


def test_an_interaction_where_the_bot_is_not_in_the_server(standin) -> None:
    member = standin.member("member")
    interaction = standin.new_interaction(
        2, member, standin.channel("general"), {"name": "x"}, where="foreign"
    )
    payload = interaction.payload
    assert payload["guild_id"] == standin.foreign_guild_id
    assert payload["guild_id"] not in {g["id"] for g in standin.guilds}
    assert payload["member"]["user"]["id"] == member["user"]["id"]
    assert payload["context"] == 0
    assert payload["authorizing_integration_owners"] == {"1": member["user"]["id"]}


def test_commands_are_offered_outside_by_their_contexts_and_installs(standin) -> None:
    standin.global_commands = [
        {"name": "everywhere", "type": 1, "integration_types": [0, 1], "contexts": [0, 1, 2]},
        {"name": "guilds", "type": 1, "integration_types": [0], "contexts": [0]},
        {"name": "unset", "type": 1},
    ]
    dm = DiscordUser(standin, "member", where="dm")
    elsewhere = DiscordUser(standin, "member", where="foreign")
    assert dm.can_see("everywhere") and elsewhere.can_see("everywhere")
    assert not dm.can_see("guilds") and not elsewhere.can_see("guilds")
    # Unset integration_types is a guild install only: offered in the bot's DM, not elsewhere.
    assert dm.can_see("unset") and not elsewhere.can_see("unset")
