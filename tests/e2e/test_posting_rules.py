"""Where the bot may post and whom it may ping, as real Discord decides: `/watch add` and
`/digest set` refuse a channel the bot cannot post embeds in and a role it cannot ping,
commands that post acknowledge before they wait, and the bot stays far from Discord's
invalid-request ban."""

from __future__ import annotations

import pytest
import pytest_asyncio

from bot.store.watch import SourceDef
from tests.feed_server import feed_server, rss
from tests.standin.server import (
    EMBED_LINKS,
    MENTION_EVERYONE,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def feeds():
    async with feed_server() as server:
        yield server


def channel_id(harness, name: str) -> str:
    return harness.standin.channel(name)["id"]


async def subscriptions(harness) -> list:
    return await harness.services.watch.store.subscriptions()


async def clear(harness) -> None:
    store = harness.services.watch.store
    for row in await store.subscriptions():
        await store.remove_subscription(row.guild_id, row.id)
    for name in ("general", "releases", "digest"):
        channel = harness.standin.channel(name)
        for overwrite in list(channel["permission_overwrites"]):
            await harness.standin.set_overwrite(channel["id"], overwrite["id"])


# ---- acknowledging before waiting -------------------------------------------------------------


async def test_watch_test_acknowledges_in_time_when_the_channels_bucket_is_used_up(
    harness,
) -> None:
    standin = harness.standin
    general = channel_id(harness, "general")
    before = len(standin.messages[general])
    # The channel's bucket is used up for longer than Discord's 3-second window.
    standin.exhaust_bucket("POST", f"/channels/{general}/messages", reset_after=4.0)
    resp = await harness.admin.slash("watch test", channel="general", timeout=15.0)
    assert not resp.failed and resp.type == 5 and resp.ephemeral
    assert "Test alert posted" in resp.text()
    assert len(standin.messages[general]) == before + 1
    limited = [r for r in standin.requests if r.status == 429 and general in r.path]
    assert limited  # the post really waited for the bucket


async def test_watch_add_and_digest_set_acknowledge_first(harness) -> None:
    added = await harness.admin.slash("watch add", channel="releases", keywords="ack")
    assert added.type == 5 and "Release alerts on" in added.text()
    digest = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert digest.type == 5 and "Digest scheduled" in digest.text()
    await harness.admin.slash("digest off", channel="digest")
    await clear(harness)


async def test_commands_that_fan_out_or_read_a_window_acknowledge_first(harness) -> None:
    release = await harness.owner.slash("admin release add", title="Ack Radar release")
    assert release.type == 5 and "channel alert(s) queued" in release.text()
    await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    preview = await harness.admin.slash("digest preview", channel="digest")
    assert preview.type == 5 and preview.ephemeral and preview.text()
    await harness.admin.slash("digest off", channel="digest")


# ---- the bot's permissions in the target channel ----------------------------------------------


@pytest.mark.parametrize(
    ("deny", "named"),
    [
        (VIEW_CHANNEL, "View Channel"),
        (SEND_MESSAGES, "Send Messages"),
        (EMBED_LINKS, "Embed Links"),
        (READ_MESSAGE_HISTORY, "Read Message History"),
        (SEND_MESSAGES | EMBED_LINKS, "Send Messages, Embed Links"),
    ],
)
async def test_watch_add_refuses_a_channel_the_bot_cannot_post_in(harness, deny, named) -> None:
    releases = channel_id(harness, "releases")
    await harness.standin.set_overwrite(releases, harness.standin.bot_role_id, deny=deny)
    resp = await harness.admin.slash("watch add", channel="releases")
    assert resp.ephemeral and f"missing {named}" in resp.text()
    assert await subscriptions(harness) == []
    await clear(harness)


async def test_digest_set_refuses_a_channel_without_read_message_history(harness) -> None:
    """The bot must read its own posts back to post exactly once: no history, no digest."""
    digest = channel_id(harness, "digest")
    await harness.standin.set_overwrite(
        digest, harness.standin.bot_role_id, deny=READ_MESSAGE_HISTORY
    )
    resp = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert resp.ephemeral and "missing Read Message History" in resp.text()
    assert await harness.services.digests.store.for_guild(harness.standin.guild["id"]) == []
    await clear(harness)


async def test_digest_set_refuses_a_channel_the_bot_cannot_post_in(harness) -> None:
    digest = channel_id(harness, "digest")
    await harness.standin.set_overwrite(digest, harness.standin.guild["id"], deny=EMBED_LINKS)
    resp = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert resp.ephemeral and "missing Embed Links" in resp.text()
    store = harness.services.digests.store
    assert await store.for_guild(harness.standin.guild["id"]) == []
    # an overwrite for the bot's own member gives it back
    await harness.standin.set_overwrite(
        digest, harness.standin.bot_member()["user"]["id"], allow=EMBED_LINKS
    )
    resp = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert "Digest scheduled" in resp.text()
    await harness.admin.slash("digest off", channel="digest")
    await clear(harness)


async def test_watch_test_refuses_before_posting_where_the_bot_cannot(harness) -> None:
    standin = harness.standin
    releases = channel_id(harness, "releases")
    await standin.set_overwrite(releases, standin.bot_role_id, deny=VIEW_CHANNEL)
    invalid_before = standin.invalid_requests
    resp = await harness.admin.slash("watch test", channel="releases")
    assert "missing View Channel" in resp.text()
    assert standin.invalid_requests == invalid_before  # asked nothing Discord would refuse
    await clear(harness)


async def test_alerts_may_go_to_a_thread_the_bot_may_send_in(harness, feeds) -> None:
    standin = harness.standin
    thread = await standin.add_thread("releases", "model-news")
    releases = channel_id(harness, "releases")
    # threads take their parent's overwrites; Send Messages there does not count in threads
    await standin.set_overwrite(releases, standin.bot_role_id, deny=SEND_MESSAGES_IN_THREADS)
    refused = await harness.admin.slash("watch add", channel=thread)
    assert "missing Send Messages in Threads" in refused.text()
    assert await subscriptions(harness) == []
    await standin.set_overwrite(releases, standin.bot_role_id)
    added = await harness.admin.slash("watch add", channel=thread, keywords="threaded")
    assert f"<#{thread['id']}> (thread) gets" in added.text()
    tested = await harness.admin.slash("watch test", channel=thread)
    assert "Test alert posted" in tested.text()
    assert len(standin.messages[thread["id"]]) == 1
    await clear(harness)


# ---- role pings -------------------------------------------------------------------------------


async def test_everyone_is_refused_as_the_alert_role(harness) -> None:
    resp = await harness.admin.slash(
        "watch add", channel="releases", role=harness.standin.guild["id"]
    )
    assert resp.ephemeral and "can't be the alert role" in resp.text()
    assert await subscriptions(harness) == []


async def test_an_unmentionable_role_is_refused_unless_the_bot_may_mention_everyone(
    harness,
) -> None:
    standin = harness.standin
    quiet = await standin.add_role("Quiet folks", mentionable=False)
    resp = await harness.admin.slash("watch add", channel="releases", role=quiet["id"])
    assert "not mentionable" in resp.text() and "Quiet folks" in resp.text()
    assert await subscriptions(harness) == []
    await standin.set_overwrite(
        channel_id(harness, "releases"), standin.bot_role_id, allow=MENTION_EVERYONE
    )
    resp = await harness.admin.slash("watch add", channel="releases", role=quiet["id"])
    assert "Release alerts on" in resp.text()
    assert [s.role_id for s in await subscriptions(harness)] == [quiet["id"]]
    await clear(harness)


async def test_the_confirmation_shows_the_role_as_a_mention_and_pings_nobody(harness) -> None:
    role = next(r for r in harness.standin.guild["roles"] if r["name"] == "Admins")
    resp = await harness.admin.slash("watch add", channel="releases", role=role["id"])
    assert f"Each alert pings <@&{role['id']}>." in resp.text()
    assert resp.message["allowed_mentions"] == {"parse": []}
    listing = await harness.admin.slash("watch list")
    assert f"pings <@&{role['id']}>" in listing.text()
    await clear(harness)


# ---- invalid requests -------------------------------------------------------------------------


async def test_a_closed_channel_costs_one_refusal_not_one_per_alert(harness, feeds) -> None:
    """Discord bans at 10,000 invalid requests in 10 minutes: a channel closed to the bot is
    tried once, then its alerts are held, whatever arrives meanwhile."""
    standin = harness.standin
    poller = harness.services.watch.poller
    url = feeds.serve("/closed.xml", rss([]))
    await harness.services.watch.store.add_source(
        SourceDef("closed", "Closed", url, "rss", "Google", 30), "test"
    )
    assert (await poller.poll_key("closed")).ok  # the baseline
    await harness.admin.slash("watch add", channel="releases")
    releases = channel_id(harness, "releases")
    await standin.set_overwrite(releases, standin.bot_role_id, deny=VIEW_CHANNEL)
    before = standin.invalid_requests
    items: list[dict] = []
    for i in range(5):
        items.insert(0, {"title": f"Closed story {i}", "link": f"https://c.example/{i}"})
        feeds.serve("/closed.xml", rss(items))
        assert (await poller.poll_key("closed")).ok
        await harness.services.watch.drain()
    assert standin.invalid_requests - before == 1
    assert (await subscriptions(harness))[0].paused
    assert standin.messages[releases] == []
    await clear(harness)


async def test_a_session_stays_far_below_the_invalid_request_ban(harness) -> None:
    await harness.admin.slash("watch add", channel="releases")
    await harness.admin.slash("watch list")
    await harness.member.slash("feeds status")
    await harness.admin.slash("watch test", channel="general")
    await harness.member.slash("model", name="Gemma 3")
    await clear(harness)
    assert harness.standin.invalid_requests < 20


async def test_nothing_was_refused_as_malformed(harness) -> None:
    assert harness.standin.unknown_routes == []
    assert harness.standin.validation_errors == []
    assert not any(i.failed for i in harness.standin.interactions.values())
