"""The stand-in's forums, threads and announcement channels against Discord's documented
rules, driven by a raw aiohttp client (as tests/standin/test_standin.py)."""

from __future__ import annotations

import pytest

from tests.standin.raw import AUTH
from tests.standin.server import (
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES,
)

API = "/api/v10"


def post_body(name: str = "A release", tags: list[str] | None = None) -> dict:
    return {
        "name": name,
        "applied_tags": tags or [],
        "message": {"embeds": [{"title": "t", "description": "d"}]},
    }


async def test_a_forum_post_is_a_thread_with_its_first_message_and_tags(http, standin) -> None:
    forum = await standin.add_forum("models", tags=("Google", "Open"))
    tag_ids = [t["id"] for t in forum["available_tags"]]
    resp = await http.post(
        f"{API}/channels/{forum['id']}/threads", json=post_body(tags=tag_ids), headers=AUTH
    )
    body = await resp.json()
    assert resp.status == 200, body
    assert body["parent_id"] == forum["id"] and body["type"] == 11
    assert body["message"]["id"] == body["id"] and body["applied_tags"] == tag_ids
    assert standin.messages[body["id"]][0]["embeds"][0]["title"] == "t"
    got = await http.get(f"{API}/channels/{body['id']}/messages/{body['id']}", headers=AUTH)
    assert (await got.json())["id"] == body["id"]
    active = await (
        await http.get(f"{API}/guilds/{standin.guild['id']}/threads/active", headers=AUTH)
    ).json()
    assert [t["id"] for t in active["threads"]] == [body["id"]]


@pytest.mark.parametrize(
    ("name", "tags", "field", "code"),
    [
        ("x" * 101, 0, "name", "BASE_TYPE_BAD_LENGTH"),
        ("", 0, "name", "BASE_TYPE_BAD_LENGTH"),
        ("ok", 6, "applied_tags", "BASE_TYPE_MAX_LENGTH"),
    ],
)
async def test_forum_post_limits(http, standin, name, tags, field, code) -> None:
    forum = await standin.add_forum("limits", tags=tuple(f"t{i}" for i in range(6)))
    tag_ids = [t["id"] for t in forum["available_tags"]][:tags]
    resp = await http.post(
        f"{API}/channels/{forum['id']}/threads", json=post_body(name, tag_ids), headers=AUTH
    )
    body = await resp.json()
    assert (resp.status, body["code"]) == (400, 50035)
    assert body["errors"][field]["_errors"][0]["code"] == code
    assert standin.threads_in(forum["id"]) == []


async def test_a_tag_of_another_forum_is_refused(http, standin) -> None:
    forum = await standin.add_forum("one", tags=("A",))
    other = await standin.add_forum("two", tags=("A",))
    resp = await http.post(
        f"{API}/channels/{forum['id']}/threads",
        json=post_body(tags=[other["available_tags"][0]["id"]]),
        headers=AUTH,
    )
    body = await resp.json()
    assert resp.status == 400 and "0" in body["errors"]["applied_tags"]
    assert standin.threads_in(forum["id"]) == []


async def test_a_forum_post_needs_send_messages_there(http, standin) -> None:
    forum = await standin.add_forum("closed")
    await standin.set_overwrite(forum["id"], standin.bot_role_id, deny=SEND_MESSAGES)
    resp = await http.post(f"{API}/channels/{forum['id']}/threads", json=post_body(), headers=AUTH)
    assert resp.status == 403 and (await resp.json())["code"] == 50013


async def test_a_thread_from_a_message_once_with_create_public_threads(http, standin) -> None:
    channel = standin.channel("releases")["id"]
    sent = await (
        await http.post(f"{API}/channels/{channel}/messages", json={"content": "x"}, headers=AUTH)
    ).json()
    url = f"{API}/channels/{channel}/messages/{sent['id']}/threads"
    resp = await http.post(url, json={"name": "talk"}, headers=AUTH)
    assert resp.status == 403 and (await resp.json())["code"] == 50013  # members lack it
    await standin.set_overwrite(channel, standin.bot_role_id, allow=CREATE_PUBLIC_THREADS)
    resp = await http.post(url, json={"name": "y" * 101}, headers=AUTH)
    assert resp.status == 400
    resp = await http.post(url, json={"name": "talk"}, headers=AUTH)
    thread = await resp.json()
    assert resp.status == 200 and thread["id"] == sent["id"] and thread["parent_id"] == channel
    again = await http.post(url, json={"name": "talk"}, headers=AUTH)
    assert again.status == 400 and (await again.json())["code"] == 160004


async def test_an_archived_thread_refuses_messages_until_unarchived(http, standin) -> None:
    thread = await standin.add_thread("releases", "old")
    await standin.archive_thread(thread["id"], locked=True)
    url = f"{API}/channels/{thread['id']}/messages"
    resp = await http.post(url, json={"content": "x"}, headers=AUTH)
    assert resp.status == 400 and (await resp.json())["code"] == 50083
    patch = await http.patch(
        f"{API}/channels/{thread['id']}", json={"archived": False}, headers=AUTH
    )
    assert patch.status == 403  # unarchiving needs Manage Threads
    parent = standin.channel("releases")["id"]
    await standin.set_overwrite(parent, standin.bot_role_id, allow=MANAGE_THREADS)
    patch = await http.patch(
        f"{API}/channels/{thread['id']}", json={"archived": False, "locked": False}, headers=AUTH
    )
    assert patch.status == 200
    assert (await http.post(url, json={"content": "x"}, headers=AUTH)).status == 200


async def test_crosspost_only_in_announcement_channels_and_once(http, standin) -> None:
    news = await standin.add_announcement("news")
    plain = standin.channel("releases")["id"]
    for channel in (news["id"], plain):
        sent = await (
            await http.post(
                f"{API}/channels/{channel}/messages", json={"content": "x"}, headers=AUTH
            )
        ).json()
        url = f"{API}/channels/{channel}/messages/{sent['id']}/crosspost"
        resp = await http.post(url, headers=AUTH)
        if channel == plain:
            assert resp.status == 400 and (await resp.json())["code"] == 50024
            continue
        assert resp.status == 200 and (await resp.json())["flags"] & 1
        again = await http.post(url, headers=AUTH)
        assert again.status == 400 and (await again.json())["code"] == 40033
