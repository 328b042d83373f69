"""Alerts and digests where people talk: forum channels (a post each, titled and tagged),
a thread per alert in a text channel, announcement channels that publish, and threads, with
the bot's permissions checked per kind at subscribe time and pauses when they are lost."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from bot.core.delivery import tag_key
from bot.store.watch import SourceDef
from tests.feed_server import feed_server, rss
from tests.standin.server import (
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def feeds():
    async with feed_server() as server:
        yield server


async def eventually(check, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def add_feed(harness, feeds, key: str) -> None:
    """A Google feed polled once (its baseline: nothing alerts)."""
    url = feeds.serve(f"/{key}.xml", rss([{"title": "Old", "link": "https://g.example/o"}]))
    await harness.services.watch.store.add_source(
        SourceDef(key, key.title(), url, "rss", "Google", 30), "test"
    )
    outcome = await harness.services.watch.poller.poll_key(key)
    assert outcome.ok, outcome.error


async def publish(harness, feeds, key: str, title: str, guid: str) -> None:
    item = {"title": title, "link": f"https://g.example/{guid}", "guid": guid}
    feeds.serve(f"/{key}.xml", rss([item]))
    outcome = await harness.services.watch.poller.poll_key(key)
    assert outcome.ok, outcome.error
    await harness.services.watch.drain()


async def outbox_rows(harness, channel_id: str, title: str | None = None) -> list:
    """The channel's queued alerts (of the entry with `title`: the module's tests share
    channels such as #releases)."""
    rows = await harness.services.db.fetchall(
        "SELECT o.status, o.message_id, o.entry_id, e.title FROM outbox o"
        " JOIN entries e ON e.id = o.entry_id WHERE o.channel_id = ? AND o.kind = 'alert'"
        " ORDER BY o.id",
        (channel_id,),
    )
    return [r for r in rows if title is None or r["title"] == title]


async def targets(harness) -> list:
    return await harness.services.db.fetchall("SELECT * FROM post_targets")


# ---- forums -----------------------------------------------------------------------------------


async def test_an_alert_in_a_forum_is_a_post_titled_and_tagged_from_the_alert(
    harness, feeds
) -> None:
    standin = harness.standin
    forum = await standin.add_forum("models", tags=("Google", "Release", "Shutdown", "Meta"))
    await add_feed(harness, feeds, "gforum")
    added = await harness.admin.slash("watch add", channel=forum, orgs="Google")
    assert "Release alerts on" in added.text(), added.text()
    listing = await harness.admin.slash("watch list")
    assert f"<#{forum['id']}> (forum, a post each, tags: by matching names)" in listing.text()

    long_title = "Introducing Gemma 9, " + "a model with a very long announcement title " * 4
    await publish(harness, feeds, "gforum", long_title, "g9")
    posts = standin.threads_in(forum["id"])
    assert len(posts) == 1
    post = posts[0]
    assert len(post["name"]) == 100 and post["name"].endswith("…")
    assert long_title.startswith(post["name"][:-1].rstrip())
    first = standin.messages[post["id"]][0]
    assert first["id"] == post["id"] and first["embeds"][0]["title"].startswith("Introducing")
    # tags: the forum's own tags whose names are the stored entry's organisation and type
    [row] = await outbox_rows(harness, forum["id"])
    assert row["status"] == "sent" and row["message_id"] == post["id"]  # the post is recorded
    entry = await harness.services.watch.store.entry(row["entry_id"])
    wanted = {tag_key(entry.org), tag_key(entry.type)}
    expected = [t["id"] for t in forum["available_tags"] if tag_key(t["name"]) in wanted]
    assert len(expected) == 2 and sorted(post["applied_tags"]) == sorted(expected)


async def test_a_subscriptions_tag_mapping_picks_the_forums_tag(harness, feeds) -> None:
    standin = harness.standin
    forum = await standin.add_forum("mapped", tags=("New model", "Alphabet"))
    await add_feed(harness, feeds, "gmapped")
    added = await harness.admin.slash(
        "watch add", channel=forum, orgs="Google", tags="release=New model, Google=Alphabet"
    )
    assert "Release alerts on" in added.text(), added.text()
    listing = await harness.admin.slash("watch list")
    assert "tags: Google→Alphabet, release→New model" in listing.text()
    await publish(harness, feeds, "gmapped", "Introducing Gemma 10", "g10")
    [post] = standin.threads_in(forum["id"])
    names = {t["id"]: t["name"] for t in forum["available_tags"]}
    assert sorted(names[i] for i in post["applied_tags"]) == ["Alphabet", "New model"]


async def test_forum_options_and_permissions_are_checked_before_anything_is_saved(
    harness,
) -> None:
    standin = harness.standin
    forum = await standin.add_forum("strict", tags=("Google",))
    before = await targets(harness)
    cases = [
        ({"publish": True}, "Only announcement channels publish"),
        ({"thread_per_alert": True}, "A thread per alert needs a text or announcement channel"),
        ({"tags": "no pairs here"}, "“no pairs here” is not one"),
    ]
    for options, refusal in cases:
        resp = await harness.admin.slash("watch add", channel=forum, **options)
        assert resp.ephemeral and refusal in resp.text(), resp.text()
    await standin.set_overwrite(forum["id"], standin.bot_role_id, deny=SEND_MESSAGES)
    resp = await harness.admin.slash("watch add", channel=forum)
    assert "missing Create Posts" in resp.text(), resp.text()
    tags_elsewhere = await harness.admin.slash("watch add", channel="releases", tags="a=b")
    assert "Tags only apply to forum channels" in tags_elsewhere.text()
    assert await harness.services.watch.store.subscriptions() == []
    assert await targets(harness) == before
    assert standin.threads_in(forum["id"]) == []


async def test_a_digest_in_a_forum_is_one_post_per_period(harness, feeds) -> None:
    standin = harness.standin
    forum = await standin.add_forum("digests", tags=("Digest", "Google"))
    # enough news today for a digest of several pages
    await add_feed(harness, feeds, "gdigest")
    items = [
        {
            "title": f"Google research note {i}: " + "a long headline about models " * 4,
            "link": f"https://g.example/digest-{i}",
            "guid": f"d{i}",
        }
        for i in range(80)
    ]
    feeds.serve("/gdigest.xml", rss(items))
    assert (await harness.services.watch.poller.poll_key("gdigest")).ok
    resp = await harness.admin.slash(
        "digest set", channel=forum, frequency="daily", time="09:00", timezone="UTC"
    )
    assert "Digest scheduled" in resp.text(), resp.text()
    listing = await harness.admin.slash("digest list")
    assert f"<#{forum['id']}> (forum, a post each" in listing.text()
    now = await harness.admin.slash("digest now", channel=forum)
    assert not now.failed, now.text()
    await eventually(lambda: standin.threads_in(forum["id"]))
    [post] = standin.threads_in(forum["id"])
    rows = await harness.services.db.fetchall(
        "SELECT message_id, payload FROM outbox WHERE channel_id = ? AND kind = 'digest'"
        " ORDER BY id",
        (forum["id"],),
    )
    assert rows[0]["message_id"] == post["id"]
    first = standin.messages[post["id"]][0]
    assert post["name"].startswith(first["embeds"][0]["title"])
    digest_tag = next(t["id"] for t in forum["available_tags"] if t["name"] == "Digest")
    assert post["applied_tags"] == [digest_tag]
    # every page of the digest is in that one post, in order, none elsewhere in the forum
    assert len(rows) > 1 and all(r["message_id"] for r in rows)
    assert [m["id"] for m in standin.messages[post["id"]]] == [r["message_id"] for r in rows]
    assert standin.messages[forum["id"]] == []


# ---- a thread per alert, announcement channels ------------------------------------------------


async def test_a_thread_per_alert_is_opened_on_each_alert(harness, feeds) -> None:
    standin = harness.standin
    releases = standin.channel("releases")["id"]
    refused = await harness.admin.slash("watch add", channel="releases", thread_per_alert=True)
    assert "missing Create Public Threads" in refused.text(), refused.text()
    assert await harness.services.watch.store.subscriptions() == []
    await standin.set_overwrite(releases, standin.bot_role_id, allow=CREATE_PUBLIC_THREADS)
    await add_feed(harness, feeds, "gthreads")
    added = await harness.admin.slash(
        "watch add", channel="releases", orgs="Google", thread_per_alert=True
    )
    assert "(a thread each)" in added.text(), added.text()
    await publish(harness, feeds, "gthreads", "Introducing Gemma 11", "g11")
    [message] = standin.messages[releases]
    [thread] = [t for t in standin.threads_in(releases) if t["id"] == message["id"]]
    assert thread["name"] == "Introducing Gemma 11"
    [row] = await outbox_rows(harness, releases, "Introducing Gemma 11")
    assert row["status"] == "sent" and row["message_id"] == message["id"]


async def test_an_announcement_channel_publishes_each_alert(harness, feeds) -> None:
    standin = harness.standin
    news = await standin.add_announcement("ai-news")
    await add_feed(harness, feeds, "gnews")
    plain_publish = await harness.admin.slash("watch add", channel="releases", publish=True)
    assert "Only announcement channels publish" in plain_publish.text()
    added = await harness.admin.slash("watch add", channel=news, orgs="Google", publish=True)
    assert f"<#{news['id']}> (announcement, published)" in added.text(), added.text()
    await publish(harness, feeds, "gnews", "Introducing Gemma 12", "g12")
    [message] = standin.messages[news["id"]]
    assert message["flags"] & 1  # CROSSPOSTED: following servers got it
    crossposts = [r for r in standin.requests if r.path.endswith("/crosspost")]
    assert len(crossposts) == 1


# ---- threads: archived, permission lost -------------------------------------------------------


async def test_a_thread_that_loses_the_bots_permission_pauses_with_a_notice(harness, feeds) -> None:
    standin = harness.standin
    thread = await standin.add_thread("releases", "gemma-talk")
    await add_feed(harness, feeds, "glost")
    added = await harness.admin.slash("watch add", channel=thread, orgs="Google")
    assert "(thread)" in added.text(), added.text()
    # archived and locked; the bot may not unarchive it (no Manage Threads)
    await standin.archive_thread(thread["id"], locked=True)
    await publish(harness, feeds, "glost", "Introducing Gemma 13", "g13")
    [sub] = await harness.services.watch.store.subscriptions()
    assert sub.paused and "Manage Threads" in (sub.pause_reason or "")
    assert standin.messages[thread["id"]] == []
    general = standin.channel("general")["id"]  # where /watch add was typed
    await eventually(lambda: standin.messages[general])
    notice = standin.messages[general][-1]["embeds"][0]
    assert notice["title"] == "Release alerts paused"
    listing = await harness.admin.slash("watch list")
    assert "paused" in listing.text() and "(thread)" in listing.text()
    # given Manage Threads, the resumed subscription unarchives the thread and posts
    parent = standin.channel("releases")["id"]
    await standin.set_overwrite(parent, standin.bot_role_id, allow=MANAGE_THREADS)
    resumed = await harness.admin.slash("watch resume", id=sub.id)
    assert "1 held alert(s)" in resumed.text(), resumed.text()
    await harness.services.watch.drain()
    [alert] = standin.messages[thread["id"]]
    assert alert["embeds"][0]["title"] == "Introducing Gemma 13"
    assert standin.thread_by_name("gemma-talk")["thread_metadata"]["archived"] is False


async def test_subscribing_to_an_archived_thread_needs_manage_threads(harness) -> None:
    standin = harness.standin
    thread = await standin.add_thread("releases", "archived-talk")
    thread["thread_metadata"]["locked"] = True  # resolved as locked, still in the cache
    await standin.dispatch("THREAD_UPDATE", thread)
    resp = await harness.admin.slash("watch add", channel=thread)
    assert "missing Manage Threads (the thread is archived)" in resp.text(), resp.text()
    assert await harness.services.watch.store.subscriptions() == []


async def test_a_forum_closed_to_the_bot_pauses_its_alerts(harness, feeds) -> None:
    standin = harness.standin
    forum = await standin.add_forum("closing", tags=("Google",))
    await add_feed(harness, feeds, "gclosing")
    await harness.admin.slash("watch add", channel=forum, orgs="Google")
    await standin.set_overwrite(forum["id"], standin.bot_role_id, deny=SEND_MESSAGES)
    await publish(harness, feeds, "gclosing", "Introducing Gemma 14", "g14")
    [sub] = await harness.services.watch.store.subscriptions()
    assert sub.paused and "missing permission" in (sub.pause_reason or "")
    assert standin.threads_in(forum["id"]) == []
    [row] = await outbox_rows(harness, forum["id"])
    assert row["status"] == "held" and row["message_id"] is None


async def test_a_thread_refused_after_its_alert_follows_once_on_resume(harness, feeds) -> None:
    """The alert is posted, then Discord refuses its thread (Create Public Threads was taken
    away): the subscription pauses; on resume the alert is found, not posted again, and its
    thread is opened."""
    standin = harness.standin
    releases = standin.channel("releases")["id"]
    await standin.set_overwrite(releases, standin.bot_role_id, allow=CREATE_PUBLIC_THREADS)
    await add_feed(harness, feeds, "gresume")
    await harness.admin.slash("watch add", channel="releases", orgs="Google", thread_per_alert=True)
    await standin.set_overwrite(releases, standin.bot_role_id)  # the permission is gone
    await publish(harness, feeds, "gresume", "Introducing Gemma 15", "g15")
    [sub] = await harness.services.watch.store.subscriptions()
    assert sub.paused
    [message] = standin.messages[releases]
    assert standin.thread_by_id(message["id"]) is None
    await standin.set_overwrite(releases, standin.bot_role_id, allow=CREATE_PUBLIC_THREADS)
    standin.nonce_window = 0.0  # paused for longer than Discord remembers the post's nonce
    await harness.admin.slash("watch resume", id=sub.id)
    await harness.services.watch.drain()
    assert [m["id"] for m in standin.messages[releases]] == [message["id"]]  # not again
    assert standin.thread_by_id(message["id"])["name"] == "Introducing Gemma 15"
    [row] = await outbox_rows(harness, releases, "Introducing Gemma 15")
    assert row["status"] == "sent" and row["message_id"] == message["id"]


async def test_a_digest_whose_forum_post_is_refused_does_not_hold_the_forum(harness, feeds) -> None:
    standin = harness.standin
    forum = await standin.add_forum("refusing")
    await add_feed(harness, feeds, "grefused")
    items = [
        {
            "title": f"Google refused-digest note {i}: " + "a long headline about models " * 4,
            "link": f"https://g.example/refused-{i}",
        }
        for i in range(80)
    ]
    feeds.serve("/grefused.xml", rss(items))
    assert (await harness.services.watch.poller.poll_key("grefused")).ok
    await harness.admin.slash(
        "digest set", channel=forum, frequency="daily", time="09:00", timezone="UTC"
    )
    standin.fail(rf"POST /channels/{forum['id']}/threads", 400, code=50035)
    await harness.admin.slash("digest now", channel=forum)
    rows = await harness.services.db.fetchall(
        "SELECT status, last_error FROM outbox WHERE channel_id = ? AND kind = 'digest'"
        " ORDER BY id",
        (forum["id"],),
    )
    assert len(rows) > 1 and [r["status"] for r in rows] == ["failed"] * len(rows)
    assert "never made (failed)" in rows[1]["last_error"]
    assert standin.threads_in(forum["id"]) == []
    # the next digest is posted as usual
    await harness.admin.slash("digest now", channel=forum)
    assert len(standin.threads_in(forum["id"])) == 1


async def test_watch_test_in_a_forum_makes_a_post(harness) -> None:
    standin = harness.standin
    forum = await standin.add_forum("tested")
    resp = await harness.admin.slash("watch test", channel=forum)
    assert "Test alert posted" in resp.text(), resp.text()
    [post] = standin.threads_in(forum["id"])
    assert standin.messages[post["id"]][0]["embeds"][0]["title"].startswith(post["name"][:10])
    assert standin.messages[forum["id"]] == []
