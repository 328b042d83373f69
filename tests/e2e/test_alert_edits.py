"""An updated feed item edits its alert (issue 19): a feed served by the real HTTP server changes
an item's text, and the alert already posted in the stand-in channel is edited in place, once;
changes that are not material stay silent, a deleted message is not posted again, and a digest
not yet posted reads the new text."""

from __future__ import annotations

import logging

import pytest
import pytest_asyncio

from bot.store.watch import SourceDef
from tests.feed_server import feed_server, rss

pytestmark = pytest.mark.asyncio(loop_scope="module")

EDIT_ROUTE = r"PATCH /channels/\d+/messages/\d+"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def feeds():
    async with feed_server() as server:
        yield server


def channel_id(harness, name: str) -> str:
    return harness.standin.channel(name)["id"]


def messages(harness, name: str = "releases") -> list[dict]:
    return harness.standin.messages[channel_id(harness, name)]


def patches(harness, message: dict) -> list:
    """Every PATCH of the message (its answer's status in `.status`)."""
    path = f"/channels/{message['channel_id']}/messages/{message['id']}"
    return [r for r in harness.standin.requests if r.method == "PATCH" and r.path == path]


async def poll(harness, feeds, key: str, items: list[dict]) -> None:
    feeds.serve(f"/{key}.xml", rss(items))
    outcome = await harness.services.watch.poller.poll_key(key)
    assert outcome.ok, outcome.error
    await harness.services.watch.drain()


async def watched_feed(harness, feeds, key: str, items: list[dict]) -> None:
    """A source whose baseline poll is done, `releases` subscribed, then `items` published."""
    url = feeds.serve(f"/{key}.xml", rss([]))
    await harness.services.watch.store.add_source(
        SourceDef(key, key.title(), url, "rss", "Google", 30), "test"
    )
    assert (await harness.services.watch.poller.poll_key(key)).ok  # the baseline
    added = await harness.admin.slash("watch add", channel="releases")
    assert "Release alerts on" in added.text(), added.text()
    await poll(harness, feeds, key, items)


async def edit_rows(harness, key: str) -> list[tuple]:
    """The edits queued for the entries source `key` reported (the module's entries stay)."""
    rows = await harness.services.db.fetchall(
        "SELECT status, last_error FROM outbox WHERE kind = 'alert_edit' AND entry_id IN"
        " (SELECT entry_id FROM entry_sources WHERE source_key = ?) ORDER BY id",
        (key,),
    )
    return [tuple(r) for r in rows]


def item(key: str, title: str, **extra: str) -> dict:
    """Source `key`'s one item (its own guid and link: entries outlive a test)."""
    return {
        "title": title,
        "link": f"https://g.example/{key}",
        "guid": key,
        "description": "Gemma 9 is out.",
        **extra,
    }


async def test_a_corrected_title_edits_the_alert_once(harness, feeds) -> None:
    await watched_feed(harness, feeds, "upd", [item("upd", "Gemma 101 preview")])
    (alert,) = messages(harness)
    assert alert["embeds"][0]["title"] == "Gemma 101 preview"

    await poll(harness, feeds, "upd", [item("upd", "Gemma 101 is generally available")])
    (edited,) = messages(harness)  # edited in place, not posted again
    assert edited["id"] == alert["id"] and edited["edited_timestamp"]
    embed = edited["embeds"][0]
    assert embed["title"] == "Gemma 101 is generally available"
    assert "Updated by its source" in embed["description"]
    assert embed["footer"]["text"] == alert["embeds"][0]["footer"]["text"]  # its outbox marker
    assert edited["allowed_mentions"] == {"parse": []}
    assert len(patches(harness, alert)) == 1
    assert [r[0] for r in await edit_rows(harness, "upd")] == ["sent"]
    entry = await harness.services.watch.store.entry(
        (await harness.services.watch.store.latest_entries(1))[0]
    )
    assert entry is not None and entry.title == "Gemma 101 is generally available"
    assert entry.updated_at is not None

    # the same feed again, and then only re-dated: nothing more
    await poll(harness, feeds, "upd", [item("upd", "Gemma 101 is generally available")])
    await poll(
        harness,
        feeds,
        "upd",
        [item("upd", "Gemma 101 is generally available", date="Mon, 30 Nov 2026 10:00:00 GMT")],
    )
    assert len(messages(harness)) == 1 and len(patches(harness, alert)) == 1


SILENT = ("redated", "reguided", "spaces", "utmlink", "utmtext")
QUIET = "Gemma is out. https://g.example/p?id=2&amp;utm_medium=mail"


@pytest.mark.parametrize(
    ("key", "first", "changed"),
    [
        ("redated", {}, {"date": "Tue, 01 Dec 2026 08:00:00 GMT"}),
        ("reguided", {}, {"guid": "reguided-again"}),  # the link still knows it
        ("spaces", {}, {"title": "  Gemma   {n}\n preview ", "description": "Gemma 9  is\n out."}),
        ("utmlink", {}, {"link": "https://g.example/utmlink?utm_source=rss&amp;fbclid=x"}),
        ("utmtext", {"description": QUIET}, {"description": QUIET.replace("mail", "feed")}),
    ],
)
async def test_changes_that_are_not_material_stay_silent(harness, feeds, key, first, changed):
    n = 301 + sorted(SILENT).index(key)  # a title of its own: no other test's story
    title = f"Gemma {n} preview"
    changed = {k: v.replace("{n}", str(n)) for k, v in changed.items()}
    await watched_feed(harness, feeds, key, [item(key, title) | first])
    (alert,) = messages(harness)
    await poll(harness, feeds, key, [item(key, title) | first | changed])
    (after,) = messages(harness)
    assert after["id"] == alert["id"] and after["edited_timestamp"] is None
    assert after["embeds"] == alert["embeds"]
    assert patches(harness, alert) == [] and await edit_rows(harness, key) == []


async def test_a_change_by_another_source_of_the_same_story_is_not_an_edit(harness, feeds) -> None:
    await watched_feed(harness, feeds, "first", [item("first", "Gemma 103 preview")])
    (first,) = messages(harness)
    url = feeds.serve("/second.xml", rss([]))
    await harness.services.watch.store.add_source(
        SourceDef("second", "Second", url, "rss", None, 30), "test"
    )
    assert (await harness.services.watch.poller.poll_key("second")).ok
    # the same link (so the same entry), its own title and summary
    await poll(harness, feeds, "second", [item("first", "Google ships Gemma 103", guid="s-1")])
    (after,) = messages(harness)
    assert after["embeds"][0]["title"] == "Gemma 103 preview" and after["edited_timestamp"] is None
    assert patches(harness, first) == []


async def test_a_deleted_alert_is_not_posted_again(harness, feeds, caplog) -> None:
    await watched_feed(harness, feeds, "gone", [item("gone", "Gemma 104 preview")])
    (alert,) = messages(harness)
    harness.standin.delete_message(channel_id(harness, "releases"), alert["id"])
    with caplog.at_level(logging.INFO, logger="bot.outbox.sender"):
        await poll(harness, feeds, "gone", [item("gone", "Gemma 104, corrected")])
    assert messages(harness) == []  # no re-post
    assert [(r[0], r[1]) for r in await edit_rows(harness, "gone")] == [
        ("dropped", "the message was deleted")
    ]
    assert len(patches(harness, alert)) == 1  # tried once, never again
    assert "the message was deleted" in caplog.text
    listing = await harness.admin.slash("watch list")
    assert "active" in listing.text()  # a deleted message pauses nothing


async def test_a_rate_limited_edit_is_retried_and_shows_once(harness, feeds) -> None:
    await watched_feed(harness, feeds, "busy", [item("busy", "Gemma 105 preview")])
    (alert,) = messages(harness)
    harness.standin.fail(EDIT_ROUTE, 429, times=2, retry_after=0.05)
    await poll(harness, feeds, "busy", [item("busy", "Gemma 105, corrected")])
    (edited,) = messages(harness)
    assert edited["embeds"][0]["title"] == "Gemma 105, corrected"
    assert [p.status for p in patches(harness, alert)] == [429, 429, 200]
    assert [r[0] for r in await edit_rows(harness, "busy")] == ["sent"]


async def test_an_edit_refused_for_the_channel_pauses_and_follows_on_resume(harness, feeds) -> None:
    await watched_feed(harness, feeds, "shut", [item("shut", "Gemma 106 preview")])
    releases = channel_id(harness, "releases")
    harness.standin.forbidden_channels.add(releases)  # 50013 from now on
    await poll(harness, feeds, "shut", [item("shut", "Gemma 106, corrected")])
    assert messages(harness)[0]["embeds"][0]["title"] == "Gemma 106 preview"
    assert [r[0] for r in await edit_rows(harness, "shut")] == ["held"]
    (sub,) = await harness.services.watch.store.subscriptions()
    assert sub.paused
    harness.standin.forbidden_channels.clear()
    resumed = await harness.admin.slash("watch resume", id=sub.id)
    assert "resumed" in resumed.text().lower(), resumed.text()
    await harness.services.watch.drain()
    (edited,) = messages(harness)
    assert edited["embeds"][0]["title"] == "Gemma 106, corrected"
    assert [r[0] for r in await edit_rows(harness, "shut")] == ["sent"]


async def test_a_digest_preview_uses_the_updated_title(harness, feeds) -> None:
    await watched_feed(harness, feeds, "dig", [item("dig", "Gemma 107 preview")])
    set_up = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert "every day" in set_up.text().lower() or "daily" in set_up.text().lower()
    before = await harness.admin.slash("digest preview", channel="digest")
    assert "Gemma 107 preview" in before.text()
    await poll(harness, feeds, "dig", [item("dig", "Gemma 107 is generally available")])
    after = await harness.admin.slash("digest preview", channel="digest")
    assert "Gemma 107 is generally available" in after.text()
    assert "Gemma 107 preview" not in after.text()


async def test_an_edit_refused_for_the_message_itself_fails_alone(harness, feeds) -> None:
    """Discord's 50005 (the message is not the bot's) refuses that edit for good: it is
    recorded as failed, nothing is posted, and the subscription stays active."""
    await watched_feed(harness, feeds, "theirs", [item("theirs", "Gemma 108 preview")])
    releases = channel_id(harness, "releases")
    theirs = harness.standin.add_user_message(releases, "member", "my own words")
    async with harness.services.db.transaction():  # as if the alert were that message
        await harness.services.db.execute(
            "UPDATE outbox SET message_id = ? WHERE kind = 'alert' AND entry_id IN"
            " (SELECT entry_id FROM entry_sources WHERE source_key = 'theirs')",
            (theirs["id"],),
        )
    await poll(harness, feeds, "theirs", [item("theirs", "Gemma 108, corrected")])
    assert [m["embeds"][0]["title"] for m in messages(harness) if m["embeds"]] == [
        "Gemma 108 preview"
    ]
    assert theirs["content"] == "my own words" and theirs["edited_timestamp"] is None
    ((status, error),) = await edit_rows(harness, "theirs")
    assert status == "failed" and "50005" in error
    (sub,) = await harness.services.watch.store.subscriptions()
    assert not sub.paused
