"""Release watch end to end: /watch and /feeds through the stand-in, alerts posted exactly once."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial

import pytest
import pytest_asyncio

from bot.core.clock import iso
from bot.outbox.sender import OutboxSender
from bot.store.watch import SourceDef
from bot.watch.filters import Filters
from tests.feed_server import feed_server, rss, slow_feed
from tests.standin import CommandHidden
from tests.standin.server import APP_ID, MENTION_EVERYONE, NONCE_WINDOW

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def feeds():
    async with feed_server() as server:
        yield server


class Killed(Exception):
    """Stands for the process dying: the sender stops right where it is."""


async def eventually(check, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def channel_id(harness, name: str) -> str:
    return harness.standin.channel(name)["id"]


async def posted(harness, name: str) -> list[dict]:
    return harness.standin.messages[channel_id(harness, name)]


async def add_feed(harness, feeds, key: str, items: list[dict]) -> None:
    url = feeds.serve(f"/{key}.xml", rss(items))
    await harness.services.watch.store.add_source(
        SourceDef(key, key.title(), url, "rss", "Google", 30), "test"
    )
    outcome = await harness.services.watch.poller.poll_key(key)  # the first poll is a baseline
    assert outcome.ok, outcome.error


async def publish(harness, feeds, key: str, items: list[dict]) -> None:
    feeds.serve(f"/{key}.xml", rss(items))
    outcome = await harness.services.watch.poller.poll_key(key)
    assert outcome.ok, outcome.error
    await harness.services.watch.drain()


async def clear_subscriptions(harness) -> None:
    store = harness.services.watch.store
    for row in await store.subscriptions():
        await harness.services.watch.unsubscribe(row.guild_id, row.id)


# ---- permissions ------------------------------------------------------------------------------


async def test_watch_is_hidden_from_members_and_refused_if_forced(harness) -> None:
    with pytest.raises(CommandHidden):
        await harness.member.slash("watch list")
    forced = await harness.member.slash("watch add", force=True, channel="releases")
    assert forced.ephemeral and "Manage Server" in forced.text()
    assert await harness.services.watch.store.subscriptions() == []


async def test_feeds_changes_are_for_curators_only(harness) -> None:
    refused = await harness.admin.slash(
        "feeds add", key="x", name="X", url="https://x.example/f.xml", kind="rss"
    )
    assert refused.ephemeral and "curators" in refused.text()
    bad = await harness.owner.slash(
        "feeds add", key="Bad Key!", name="X", url="https://x.example/f.xml", kind="rss"
    )
    assert bad.ephemeral and "'key'" in bad.text()
    assert await harness.services.watch.store.source("x") is None


async def test_feeds_status_is_for_everyone(harness) -> None:
    resp = await harness.member.slash("feeds status")
    assert resp.ephemeral and "Feed sources" in resp.text()


async def test_feeds_status_shows_source_names_as_written(harness) -> None:
    store = harness.services.watch.store
    name = "[Official](https://evil.example/) **feed**"
    await store.add_source(SourceDef("odd", name, "https://o.example/f", "rss", None, 30), "t")
    try:
        resp = await harness.member.slash("feeds status")
    finally:
        await store.remove_source("odd")
    assert "\\[Official\\](https://evil.example/) \\*\\*feed\\*\\*" in resp.text()


# ---- subscriptions and alerts -----------------------------------------------------------------


async def test_add_list_and_alert_with_catalog_facts(harness, feeds) -> None:
    await add_feed(
        harness,
        feeds,
        "goog",
        [{"title": "Old post", "link": "https://g.example/old", "guid": "o"}],
    )
    added = await harness.admin.slash("watch add", channel="releases", orgs="Google")
    assert added.ephemeral and "Only entries newer than now" in added.text()
    listing = await harness.admin.slash("watch list")
    assert "orgs: Google" in listing.text() and "active" in listing.text()
    assert await posted(harness, "releases") == []  # no backlog flood

    await publish(
        harness,
        feeds,
        "goog",
        [
            {
                "title": "Introducing Gemma 4 @everyone",
                "link": "https://g.example/gemma-4",
                "guid": "g4",
                "description": "Ping &lt;@&amp;123&gt; and @here",
            },
            {"title": "Old post", "link": "https://g.example/old", "guid": "o"},
        ],
    )
    messages = await posted(harness, "releases")
    assert len(messages) == 1
    alert = messages[0]
    embed = alert["embeds"][0]
    text = (
        embed["title"]
        + embed["description"]
        + "".join(f["name"] + f["value"] for f in embed["fields"])
    )
    assert "Gemma 4" in text and "Apache-2.0" in text and "Goog" in text
    assert "@everyone" not in text and "@here" not in text and "<@&" not in text
    assert alert["allowed_mentions"] == {"parse": []}
    assert alert["nonce"] and alert["content"] == ""
    await clear_subscriptions(harness)


async def test_a_hostile_feed_cannot_post_masked_links_or_a_bad_link(harness, feeds) -> None:
    await add_feed(harness, feeds, "hostile", [])
    await harness.admin.slash("watch add", channel="releases")
    before = len(await posted(harness, "releases"))
    bad_link = "https://vendor.example/x) [Free Nitro](https://evil.example/"
    await publish(
        harness,
        feeds,
        "hostile",
        [
            {
                "title": "# Official **Discord** update",
                "link": bad_link,
                "guid": "h1",
                "description": "Get it: [download](https://evil.example/nitro) now",
            }
        ],
    )
    await clear_subscriptions(harness)
    await harness.services.watch.store.remove_source("hostile")
    (alert,) = (await posted(harness, "releases"))[before:]
    embed = alert["embeds"][0]
    assert "url" not in embed or embed["url"] is None  # the bad link is not followed
    assert embed["title"] == "\\# Official \\*\\*Discord\\*\\* update"
    assert "\\[download\\](https://evil.example/nitro)" in embed["description"]
    reported = next(f["value"] for f in embed["fields"] if f["name"] == "Reported by")
    assert reported == "Hostile"  # the source's name, linking nowhere
    assert "evil.example" not in json.dumps(embed["fields"])


async def test_one_release_from_two_sources_is_one_alert_with_the_model_facts(
    harness, feeds
) -> None:
    await add_feed(harness, feeds, "vendor", [])
    await add_feed(harness, feeds, "news", [])
    await harness.admin.slash("watch add", channel="releases")
    before = len(await posted(harness, "releases"))
    feeds.serve(
        "/vendor.xml",
        rss([{"title": "Introducing Llama 4 Maverick", "link": "https://ai.example/llama-4"}]),
    )
    feeds.serve(
        "/news.xml",
        rss([{"title": "Meta releases Llama 4 Maverick", "link": "https://news.example/l4"}]),
    )
    for key in ("vendor", "news"):
        outcome = await harness.services.watch.poller.poll_key(key)
        assert outcome.ok, outcome.error
    await harness.services.watch.drain()
    (alert,) = (await posted(harness, "releases"))[before:]
    embed = alert["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Vendor" in fields["Reported by"] and "News" in fields["Reported by"]
    facts = next(value for name, value in fields.items() if name.startswith("Llama 4 Maverick"))
    assert "400B" in facts and "1M tokens" in facts  # parameters and context window
    assert "Epoch AI" in facts and "LLM Stats" in facts  # each fact with its source
    assert "Epoch AI" in embed["footer"]["text"]  # CC BY credit wherever their data is shown
    await clear_subscriptions(harness)
    harness.standin.messages[channel_id(harness, "releases")].clear()


async def test_a_new_feeds_old_posts_are_not_this_weeks_digest(harness, feeds) -> None:
    old_posts = [
        {"title": f"Archive post {i}", "link": f"https://arch.example/{i}", "guid": f"a{i}"}
        for i in range(5)
    ]
    await add_feed(harness, feeds, "archive", old_posts)  # the source's first poll: backlog
    await publish(
        harness,
        feeds,
        "archive",
        [{"title": "Brand new post", "link": "https://arch.example/new", "guid": "n"}, *old_posts],
    )
    await harness.admin.slash(
        "digest set",
        channel="digest",
        frequency="weekly",
        day="monday",
        time="09:00",
        timezone="UTC",
    )
    preview = await harness.admin.slash("digest preview", channel="digest")
    assert "Brand new post" in preview.text() and "Archive post" not in preview.text()
    await harness.admin.slash("digest off", channel="digest")


def json_feed(*items: dict) -> str:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": list(items)})


async def test_a_json_feed_added_by_a_curator_alerts_like_any_other(harness, feeds) -> None:
    url = feeds.serve("/jf.json", json_feed(), content_type="application/feed+json")
    added = await harness.owner.slash(
        "feeds add", key="jf", name="JSON news", url=url, kind="json", org="Google"
    )
    assert not added.failed, added.text()
    first = await harness.services.watch.poller.poll_key("jf")  # the baseline
    assert first.ok, first.error
    await harness.admin.slash("watch add", channel="releases", keywords="gemma")
    before = len(await posted(harness, "releases"))
    feeds.serve(
        "/jf.json",
        json_feed({"id": "g5", "url": "https://j.example/gemma-5", "title": "Gemma 5 arrives"}),
        content_type="application/feed+json",
    )
    outcome = await harness.services.watch.poller.poll_key("jf")
    assert outcome.ok and outcome.new == 1, outcome
    await harness.services.watch.drain()
    (alert,) = (await posted(harness, "releases"))[before:]
    assert alert["embeds"][0]["title"] == "Gemma 5 arrives"
    assert "JSON news" in alert["embeds"][0]["fields"][0]["value"]
    status = await harness.member.slash("feeds status")
    assert "JSON news" in status.text() and "json" in status.text()
    await clear_subscriptions(harness)


async def test_backlog_and_role_ping(harness, feeds) -> None:
    role = harness.standin.guild["roles"][1]
    resp = await harness.admin.slash("watch add", channel="digest", backlog=2, role=role["id"])
    assert "The last 2 matching entries" in resp.text()
    await harness.services.watch.drain()
    messages = await posted(harness, "digest")
    assert len(messages) == 2
    assert all(m["content"] == f"<@&{role['id']}>" for m in messages)
    assert all([str(r) for r in m["allowed_mentions"]["roles"]] == [role["id"]] for m in messages)
    assert all(m["allowed_mentions"]["parse"] == [] for m in messages)
    await clear_subscriptions(harness)
    harness.standin.messages[channel_id(harness, "digest")].clear()


async def test_an_alert_pings_its_role_and_feed_text_pings_nobody(harness, feeds) -> None:
    """As Discord fills the stored message's mentions: the subscription's role is pinged, and
    @everyone or a role mention written into a feed pings nobody, even where the bot could."""
    standin = harness.standin
    admins = next(r for r in standin.guild["roles"] if r["name"] == "Admins")
    other = await standin.add_role("Other folks", mentionable=True)
    for name in ("releases", "digest"):
        await standin.set_overwrite(
            channel_id(harness, name), standin.bot_role_id, allow=MENTION_EVERYONE
        )
    await add_feed(harness, feeds, "pings", [])
    await harness.admin.slash("watch add", channel="releases", role=admins["id"])
    await harness.admin.slash("watch add", channel="digest")
    ping = f"@everyone @here &lt;@&amp;{other['id']}&gt; &lt;@{APP_ID}&gt;"
    starts = {name: len(await posted(harness, name)) for name in ("releases", "digest")}
    try:
        await publish(
            harness,
            feeds,
            "pings",
            [{"title": f"Ping {ping}", "link": "https://p.example/1", "description": ping}],
        )
        (alert,) = (await posted(harness, "releases"))[starts["releases"] :]
        assert alert["embeds"][0]["title"].startswith("Ping")
        assert alert["mention_roles"] == [admins["id"]]
        assert alert["mentions"] == [] and alert["mention_everyone"] is False
        (quiet,) = (await posted(harness, "digest"))[starts["digest"] :]
        assert quiet["embeds"][0]["title"].startswith("Ping")
        assert (quiet["mention_roles"], quiet["mentions"], quiet["mention_everyone"]) == (
            [],
            [],
            False,
        )
    finally:
        for name in ("releases", "digest"):
            await standin.set_overwrite(channel_id(harness, name), standin.bot_role_id)
        await clear_subscriptions(harness)
        standin.messages[channel_id(harness, "digest")].clear()
        standin.messages[channel_id(harness, "releases")].clear()


async def test_bad_options_are_clear_and_change_nothing(harness) -> None:
    for options, message in (
        ({"openness": "sort of"}, "Unknown openness"),
        ({"types": "gossip"}, "Unknown type"),
        ({"keywords": ",".join("abcdefghijkl")}, "At most 10"),
    ):
        resp = await harness.admin.slash("watch add", channel="releases", **options)
        assert resp.ephemeral and message in resp.text()
    gone = await harness.admin.slash("watch remove", id=424242)
    assert gone.ephemeral and "no subscription 424242" in gone.text()
    assert await harness.services.watch.store.subscriptions() == []


async def test_remove_and_resume_and_autocomplete(harness) -> None:
    await harness.admin.slash("watch add", channel="releases", keywords="omni")
    sub = (await harness.services.watch.store.subscriptions())[0]
    choices = await harness.admin.autocomplete("watch remove", "id", "")
    assert [c["value"] for c in choices] == [sub.id]
    removed = await harness.admin.slash("watch remove", id=sub.id)
    assert "is gone" in removed.text()
    assert await harness.services.watch.store.subscriptions() == []


async def test_watch_test_posts_a_sample(harness) -> None:
    before = len(await posted(harness, "general"))
    resp = await harness.admin.slash("watch test", channel="general")
    assert "Test alert posted" in resp.text()
    assert len(await posted(harness, "general")) == before + 1


async def test_a_deleted_channel_pauses_the_subscription_and_tells_admins(harness, feeds) -> None:
    standin = harness.standin
    await add_feed(harness, feeds, "dl", [])
    await harness.admin.slash("watch add", channel="releases")
    standin.forbidden_channels.add(channel_id(harness, "releases"))
    notices_before = len(await posted(harness, "general"))
    await publish(
        harness, feeds, "dl", [{"title": "Gemma 4 tune-up", "link": "https://g.example/t1"}]
    )
    await harness.services.watch.drain()  # the notice goes out on the next round
    sub = (await harness.services.watch.store.subscriptions())[0]
    assert sub.paused and "permission" in sub.pause_reason
    notices = (await posted(harness, "general"))[notices_before:]
    assert len(notices) == 1 and "paused" in notices[0]["embeds"][0]["description"]
    listing = await harness.admin.slash("watch list")
    assert "paused" in listing.text()
    # more news while paused is held, not lost
    await publish(
        harness, feeds, "dl", [{"title": "Gemma 4 tune-up two", "link": "https://g.example/t2"}]
    )
    assert await posted(harness, "releases") == [] or all(
        "tune-up" not in m["embeds"][0]["title"] for m in await posted(harness, "releases")
    )
    standin.forbidden_channels.clear()
    resumed = await harness.admin.slash("watch resume", id=sub.id)
    assert "2 held alert(s)" in resumed.text()
    await harness.services.watch.drain()
    titles = [m["embeds"][0]["title"] for m in await posted(harness, "releases")]
    assert titles.count("Gemma 4 tune-up") == 1 and titles.count("Gemma 4 tune-up two") == 1
    await clear_subscriptions(harness)
    standin.messages[channel_id(harness, "releases")].clear()


async def test_rate_limits_are_honoured_without_dropping(harness, feeds) -> None:
    standin = harness.standin
    await add_feed(harness, feeds, "rl", [])
    await harness.admin.slash("watch add", channel="releases")
    standin.fail(r"POST /channels/\d+/messages", 429, times=3, retry_after=0.05)
    await publish(
        harness,
        feeds,
        "rl",
        [{"title": f"Rate story {i}", "link": f"https://r.example/{i}"} for i in range(3)],
    )
    titles = [m["embeds"][0]["title"] for m in await posted(harness, "releases")]
    assert sorted(titles) == ["Rate story 0", "Rate story 1", "Rate story 2"]
    statuses = Counter(r.status for r in standin.requests if r.path.endswith("/messages"))
    assert statuses[429] >= 3
    await clear_subscriptions(harness)
    standin.messages[channel_id(harness, "releases")].clear()


async def test_a_feed_slow_to_parse_does_not_hold_back_another_feeds_alert(harness, feeds) -> None:
    """In the bot's own polling round, the healthy feed's alert is posted once the round
    settles (`poller.settle`), while the slow feed is still being parsed, not once that feed
    is given up at the parse time limit."""
    watch = harness.services.watch
    await add_feed(harness, feeds, "quick", [])
    await harness.admin.slash("watch add", channel="releases")
    before = len(await posted(harness, "releases"))
    feeds.serve("/quick.xml", rss([{"title": "Gemma 4 Turbo", "link": "https://g.example/t"}]))
    slow = feeds.serve("/slow.xml", slow_feed(20_000))  # about 6 s to parse, when not loaded
    parser = watch.poller.parser
    # Every parser process up before the round (as in a bot that has polled before): a cold
    # start under load must not be what the healthy feed waits for.
    await asyncio.gather(*(parser.run(partial(time.sleep, 0.5)) for _ in range(parser.workers)))
    limit, parser.timeout = parser.timeout, 3.0
    settle, watch.poller.settle = watch.poller.settle, 0.3
    try:
        async with watch.poller._lock:  # both come due for the same round of the bot's loop
            await watch.store.add_source(SourceDef("slow", "Slow", slow, "rss", None, 30), "t")
            await watch.store.db.execute(
                "UPDATE feed_sources SET next_poll = NULL WHERE key = 'quick'"
            )

        async def alerted() -> bool:
            return len(await posted(harness, "releases")) > before

        async def slow_given_up() -> bool:
            return (await watch.store.source("slow")).consecutive_failures > 0

        await eventually(alerted)
        assert not await slow_given_up()  # still being parsed
        await eventually(slow_given_up)
        assert (await watch.store.source("slow")).last_error == "parsing took longer than 3 s"
    finally:
        parser.timeout, watch.poller.settle = limit, settle
        for key in ("quick", "slow"):
            await watch.store.remove_source(key)
        await clear_subscriptions(harness)
    (alert,) = (await posted(harness, "releases"))[before:]
    assert alert["embeds"][0]["title"] == "Gemma 4 Turbo"


async def test_a_feed_due_while_another_is_still_parsing_is_alerted_without_waiting(
    harness, feeds
) -> None:
    """A round does not wait for its slowest poll: a healthy feed that comes due while a slow
    but valid feed is still parsing is polled by the next round and alerted at once, not
    once the slow feed's round ends (7 s later, before)."""
    watch = harness.services.watch
    await add_feed(harness, feeds, "brisk", [])
    await harness.admin.slash("watch add", channel="releases")
    before = len(await posted(harness, "releases"))
    slow = feeds.serve("/slower.xml", slow_feed(24_000))  # seconds to parse, far more loaded
    parser = watch.poller.parser
    limit, parser.timeout = parser.timeout, 60.0
    settle, watch.poller.settle = watch.poller.settle, 0.3

    async def slow_done() -> bool:
        source = await watch.store.source("slower")
        return bool(source.last_success or source.consecutive_failures)

    async def alerted() -> bool:
        return len(await posted(harness, "releases")) > before

    try:
        await watch.store.add_source(SourceDef("slower", "Slower", slow, "rss", None, 30), "t")
        watch.wake()
        await eventually(lambda: _true(feeds.hits["/slower.xml"] >= 1))  # its round is under way
        feeds.serve("/brisk.xml", rss([{"title": "Gemma 4 Ultra", "link": "https://g.example/u"}]))
        await watch.store.db.execute("UPDATE feed_sources SET next_poll = NULL WHERE key = 'brisk'")
        watch.wake()
        await eventually(alerted, timeout=30)
        assert not await slow_done(), "the slow feed should still be parsing"
        await eventually(slow_done, timeout=120)  # it ends on its own, as a valid feed
        assert (await watch.store.source("slower")).last_success
    finally:
        parser.timeout, watch.poller.settle = limit, settle
        for key in ("brisk", "slower"):
            await watch.store.remove_source(key)
        await clear_subscriptions(harness)
    (alert,) = (await posted(harness, "releases"))[before:]
    assert alert["embeds"][0]["title"] == "Gemma 4 Ultra"


async def _true(value: bool) -> bool:
    return value


async def test_two_sources_in_one_round_are_still_one_alert(harness, feeds) -> None:
    """Delivering as a round settles (not after each source) keeps one release reported by
    two sources in the same round one alert naming both."""
    watch = harness.services.watch
    await add_feed(harness, feeds, "lab", [])
    await add_feed(harness, feeds, "press", [])
    await harness.admin.slash("watch add", channel="releases")
    before = len(await posted(harness, "releases"))
    feeds.serve("/lab.xml", rss([{"title": "Introducing Llama 4 Scout", "link": "https://l/4"}]))
    feeds.serve("/press.xml", rss([{"title": "Meta ships Llama 4 Scout", "link": "https://p/4"}]))
    try:
        async with watch.poller._lock:  # both come due for the same round of the bot's loop
            await watch.store.db.execute(
                "UPDATE feed_sources SET next_poll = NULL WHERE key IN ('lab', 'press')"
            )

        async def alerted() -> bool:
            return len(await posted(harness, "releases")) > before

        await eventually(alerted)
        await asyncio.sleep(0.5)  # nothing more follows
    finally:
        for key in ("lab", "press"):
            await watch.store.remove_source(key)
        await clear_subscriptions(harness)
    (alert,) = (await posted(harness, "releases"))[before:]
    fields = {f["name"]: f["value"] for f in alert["embeds"][0]["fields"]}
    assert "Lab" in fields["Reported by"] and "Press" in fields["Reported by"]


async def test_a_rate_limit_outlasting_the_clients_retries_still_delivers_in_one_drain(
    harness, feeds
) -> None:
    standin = harness.standin
    await add_feed(harness, feeds, "rl2", [])
    await harness.admin.slash("watch add", channel="releases")
    # discord.py itself tries a request 5 times; 12 refusals in a row outlast that twice over.
    standin.fail(r"POST /channels/\d+/messages", 429, times=12, retry_after=0.01)
    await publish(
        harness, feeds, "rl2", [{"title": "Patient story", "link": "https://r.example/p"}]
    )
    titles = [m["embeds"][0]["title"] for m in await posted(harness, "releases")]
    assert titles.count("Patient story") == 1
    counts = await harness.services.watch.outbox.store.counts()
    assert counts.get("pending", 0) == 0  # nothing left waiting for a later drain
    await clear_subscriptions(harness)
    standin.messages[channel_id(harness, "releases")].clear()


async def outbox_of(harness, name: str, key: str) -> list:
    """The channel's alerts of feed `key` with their entries' titles, in queue order."""
    return await harness.services.db.fetchall(
        "SELECT o.*, e.title FROM outbox o JOIN entries e ON e.id = o.entry_id"
        " WHERE o.channel_id = ? AND o.kind = 'alert' AND o.entry_id IN"
        " (SELECT entry_id FROM entry_sources WHERE source_key = ?) ORDER BY o.id",
        (channel_id(harness, name), key),
    )


def posts_to(harness, name: str) -> list:
    path = f"/channels/{channel_id(harness, name)}/messages"
    return [r for r in harness.standin.requests if r.method == "POST" and r.path == path]


def lookups_in(harness, name: str) -> list:
    path = f"/channels/{channel_id(harness, name)}/messages"
    return [r for r in harness.standin.requests if r.method == "GET" and r.path == path]


async def two_stories(harness, feeds, key: str, fault: tuple[int, int], times: int) -> int:
    """Subscribe #releases, make its next `times` posts fail with `fault`, publish two stories;
    returns how many posts #releases had before."""
    before = len(posts_to(harness, "releases"))
    await add_feed(harness, feeds, key, [])
    await harness.admin.slash("watch add", channel="releases")
    status, code = fault
    harness.standin.fail(
        rf"POST /channels/{channel_id(harness, 'releases')}/messages",
        status,
        code=code,
        times=times,
        message="refused by the stand-in",
    )
    await publish(
        harness,
        feeds,
        key,
        [{"title": f"{key} story {i}", "link": f"https://{key}.example/{i}"} for i in range(2)],
    )
    return before


async def finish(harness) -> None:
    harness.standin.faults.clear()
    await clear_subscriptions(harness)
    harness.standin.messages[channel_id(harness, "releases")].clear()


@pytest.mark.parametrize("fault", [(400, 50035), (400, 50006), (413, 40005)])
async def test_a_message_discord_refuses_fails_alone_and_blocks_nothing(
    harness, feeds, fault
) -> None:
    key = f"perm{fault[1]}"
    await two_stories(harness, feeds, key, fault, times=1)
    first, second = await outbox_of(harness, "releases", key)
    assert first["status"] == "failed" and str(fault[1]) in first["last_error"]
    assert second["status"] == "sent"  # the row behind it went out in the same drain
    titles = [m["embeds"][0]["title"] for m in await posted(harness, "releases")]
    assert titles == [second["title"]]
    tries = len(posts_to(harness, "releases"))
    await harness.services.watch.drain()
    await harness.services.watch.drain()
    assert len(posts_to(harness, "releases")) == tries  # never retried
    sub = (await harness.services.watch.store.subscriptions())[0]
    assert not sub.paused
    await finish(harness)


@pytest.mark.parametrize("fault", [(404, 10003), (403, 50001), (403, 50013), (403, 0)])
async def test_a_channel_discord_refuses_pauses_tells_admins_once_and_keeps_order(
    harness, feeds, fault
) -> None:
    notices_before = len(await posted(harness, "general"))
    key = f"chan{fault[0]}x{fault[1]}"
    tries = await two_stories(harness, feeds, key, fault, times=10)
    for _ in range(3):
        await harness.services.watch.drain()
    sub = (await harness.services.watch.store.subscriptions())[0]
    assert sub.paused
    rows = await outbox_of(harness, "releases", key)
    assert [r["status"] for r in rows] == ["held", "held"]  # not lost, not failed
    assert rows[0]["last_error"] == sub.pause_reason
    assert len(posts_to(harness, "releases")) == tries + 1  # the second row was never tried
    notices = [
        m
        for m in (await posted(harness, "general"))[notices_before:]
        if m["embeds"][0]["title"] == "Release alerts paused"
    ]
    assert len(notices) == 1
    harness.standin.faults.clear()
    resumed = await harness.admin.slash("watch resume", id=sub.id)
    assert "2 held alert(s)" in resumed.text()
    await harness.services.watch.drain()
    titles = [m["embeds"][0]["title"] for m in await posted(harness, "releases")]
    assert titles == [r["title"] for r in rows]  # in their order
    await finish(harness)


@pytest.mark.parametrize(("fault", "looked_up"), [((503, 0), True), ((401, 0), False)])
async def test_a_transient_failure_holds_the_rows_behind_it(
    harness, feeds, fault, looked_up
) -> None:
    key = f"tr{fault[0]}"
    await two_stories(harness, feeds, key, fault, times=1)
    await harness.services.watch.drain()  # the first row waits for its retry: so does the second
    assert await posted(harness, "releases") == []
    rows = await outbox_of(harness, "releases", key)
    assert [r["status"] for r in rows] == ["pending", "pending"] and rows[0]["not_before"]
    assert (rows[0]["attempted_at"] is not None) == looked_up  # a 5xx may hide a post
    lookups = len(lookups_in(harness, "releases"))
    await harness.services.db.execute(  # as if the backoff had passed
        "UPDATE outbox SET not_before = NULL WHERE id = ?", (rows[0]["id"],)
    )
    await harness.services.watch.drain()
    titles = [m["embeds"][0]["title"] for m in await posted(harness, "releases")]
    assert titles == [r["title"] for r in rows]
    assert (len(lookups_in(harness, "releases")) > lookups) == looked_up
    await finish(harness)


async def test_a_crash_between_posting_and_recording_posts_nothing_twice(harness, feeds) -> None:
    """Kill the sender mid fan-out, after a post reached Discord but before it was recorded,
    then restart it: every alert arrives exactly once."""
    watch = harness.services.watch
    channels = [channel_id(harness, n) for n in ("general", "releases", "digest")]
    before = {c: len(harness.standin.messages[c]) for c in channels}
    for channel in channels:
        await watch.subscribe(
            harness.standin.guild["id"],
            channel,
            Filters(keywords=("fanout",)),
            role_id=None,
            notify_channel_id=None,
            user_id="1",
        )
    await add_feed(harness, feeds, "fo", [])
    feeds.serve(
        "/fo.xml",
        rss([{"title": f"fanout story {i}", "link": f"https://f.example/{i}"} for i in range(4)]),
    )
    crashing = OutboxSender(
        watch.outbox.store, watch.outbox.sender.poster, watch.outbox.render, watch.clock
    )
    posts = 0
    killed: list[str] = []
    start = len(harness.standin.requests)

    async def die_after_fifth(row) -> None:
        nonlocal posts
        posts += 1
        if posts == 5:
            killed.append(row.channel_id)
            raise Killed("killed between send and record")

    crashing.after_post = die_after_fifth
    # Keep the bot's own delivery out from the poll on (it is woken by the poll and would
    # otherwise race the crashing sender for the rows) until we have crashed.
    async with watch.outbox.sender._lock:
        assert (await watch.poller.poll_key("fo")).new == 4  # 4 entries x 3 channels queued
        with pytest.raises(ExceptionGroup) as crash:
            await crashing.drain()
    assert crash.group_contains(Killed)
    await watch.drain()  # the restarted sender
    requests = harness.standin.requests[start:]
    nonces = Counter(
        r.body.get("nonce")
        for r in requests
        if r.method == "POST" and r.path.endswith("/messages") and isinstance(r.body, dict)
    )
    assert set(nonces.values()) == {1}  # the unrecorded post was found, not sent again
    looked = [r.path for r in requests if r.method == "GET" and r.path.endswith("/messages")]
    assert f"/channels/{killed[0]}/messages" in looked
    for channel in channels:
        titles = [
            m["embeds"][0]["title"] for m in harness.standin.messages[channel][before[channel] :]
        ]
        assert sorted(titles) == [f"fanout story {i}" for i in range(4)], channel
    assert (await watch.outbox.store.counts()).get("pending", 0) == 0
    await clear_subscriptions(harness)


async def test_a_poll_of_forty_new_items_posts_the_cap_and_one_summary(harness, feeds) -> None:
    """Flood control: the newest `max_alerts_per_poll` items alert (each with its role ping),
    one summary without a ping stands for the rest, and the digest still lists all 40."""
    cap = harness.services.config.watch.max_alerts_per_poll
    role = harness.standin.guild["roles"][1]
    await add_feed(harness, feeds, "flood", [])
    await harness.admin.slash("watch add", channel="releases", role=role["id"])
    before = len(await posted(harness, "releases"))
    now = datetime.now(UTC)
    stories = [  # oldest first, so the newest are not simply the first in the feed
        {
            "title": f"Flood story {i}",
            "link": f"https://flood.example/{i}",
            "guid": f"flood-{i}",
            "date": format_datetime(now - timedelta(minutes=i)),
        }
        for i in reversed(range(40))
    ]
    await publish(harness, feeds, "flood", stories)
    await harness.services.watch.poller.poll_key("flood")  # the same feed again: nothing more
    await harness.services.watch.drain()
    messages = (await posted(harness, "releases"))[before:]
    assert len(messages) == cap + 1
    *alerts, summary = messages
    assert {m["embeds"][0]["title"] for m in alerts} == {f"Flood story {i}" for i in range(cap)}
    assert all(m["content"] == f"<@&{role['id']}>" for m in alerts)
    embed = summary["embeds"][0]
    assert embed["title"] == f"…and {40 - cap} more from Flood"
    feed_url = feeds.url("/flood.xml")
    assert embed["url"] == feed_url and feed_url in embed["description"]
    assert summary["content"] == "" and summary["allowed_mentions"] == {"parse": []}
    made = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert not made.failed, made.text()
    preview = await harness.admin.slash("digest preview", channel="digest")
    listed = re.findall(r"Flood story (\d+)", preview.text())
    assert sorted(map(int, listed)) == list(range(40))
    await harness.admin.slash("digest off", channel="digest")
    await clear_subscriptions(harness)
    harness.standin.messages[channel_id(harness, "releases")].clear()


async def test_resume_after_a_paused_flood_posts_the_cap_and_one_summary(harness, feeds) -> None:
    """Four polls of 8 new items while the channel is closed to the bot: `/watch resume` posts
    the newest `max_alerts_per_poll` (each with its ping) and one summary for all the rest."""
    standin, cap = harness.standin, harness.services.config.watch.max_alerts_per_poll
    role = standin.guild["roles"][1]
    await add_feed(harness, feeds, "held", [])
    await harness.admin.slash("watch add", channel="releases", role=role["id"])
    start = len(await posted(harness, "releases"))
    standin.forbidden_channels.add(channel_id(harness, "releases"))
    now = datetime.now(UTC)
    shown: list[dict] = []
    for poll in range(4):  # each poll lists its 8 new items above the older ones
        shown[:0] = [
            {
                "title": f"Held story {poll}-{i}",
                "link": f"https://held.example/{poll}/{i}",
                "guid": f"held-{poll}-{i}",
                "date": format_datetime(now - timedelta(hours=4 - poll, minutes=i)),
            }
            for i in range(8)
        ]
        await publish(harness, feeds, "held", shown)
    sub = (await harness.services.watch.store.subscriptions())[-1]
    assert sub.paused
    standin.forbidden_channels.clear()
    resumed = await harness.admin.slash("watch resume", id=sub.id)
    assert f"{cap + 1} held alert(s)" in resumed.text(), resumed.text()
    await harness.services.watch.drain()
    *alerts, summary = (await posted(harness, "releases"))[start:]
    assert sorted(m["embeds"][0]["title"] for m in alerts) == [
        f"Held story 3-{i}" for i in range(cap)
    ]
    assert all(m["content"] == f"<@&{role['id']}>" for m in alerts)
    assert summary["embeds"][0]["title"] == f"…and {32 - cap} more from Held"
    assert summary["content"] == ""
    await clear_subscriptions(harness)
    standin.messages[channel_id(harness, "releases")].clear()


async def _lose_the_answer_then_retry(harness, feeds, key: str, meanwhile=None) -> list[dict]:
    """Discord stores an alert's post but the connection drops before its answer; `meanwhile`
    runs, then the retry comes after the nonce window. Returns the channel's new messages."""
    standin = harness.standin
    await add_feed(harness, feeds, key, [])
    await harness.admin.slash("watch add", channel="releases")
    start = len(await posted(harness, "releases"))
    standin.lose_answers(rf"POST /channels/{channel_id(harness, 'releases')}/messages")
    standin.nonce_window = 0.0
    try:
        await publish(
            harness, feeds, key, [{"title": f"Lost {key}", "link": f"https://l.example/{key}"}]
        )
        (row,) = await outbox_of(harness, "releases", key)
        assert row["status"] == "pending" and row["attempted_at"] is not None
        assert "network" in row["last_error"]
        if meanwhile is not None:
            meanwhile()
        await harness.services.db.execute(  # as if the backoff had passed
            "UPDATE outbox SET not_before = NULL WHERE id = ?", (row["id"],)
        )
        await harness.services.watch.drain()
    finally:
        standin.nonce_window = NONCE_WINDOW
    return (await posted(harness, "releases"))[start:]


async def test_a_post_whose_answer_was_lost_is_found_not_sent_again(harness, feeds) -> None:
    """The bot finds its post and records it."""
    before = len(posts_to(harness, "releases"))
    messages = await _lose_the_answer_then_retry(harness, feeds, "lost")
    assert [m["embeds"][0]["title"] for m in messages] == ["Lost lost"]
    assert len(posts_to(harness, "releases")) == before + 1
    (row,) = await outbox_of(harness, "releases", "lost")
    assert row["status"] == "sent" and row["message_id"] == messages[0]["id"]
    await finish(harness)


async def test_a_lost_post_is_found_behind_more_than_a_page_of_chatter(harness, feeds) -> None:
    """Members write 160 messages (more than one page of history) before the retry: the bot
    reads the channel from the row's attempt onwards, page by page, and still finds its post."""
    standin = harness.standin
    channel = channel_id(harness, "releases")

    def chatter() -> None:
        human = standin.member("member")["user"]
        for i in range(160):
            message = standin._message(channel, {"content": f"chat {i}"})
            standin.messages[channel].append(message | {"author": human})

    messages = await _lose_the_answer_then_retry(harness, feeds, "chat", chatter)
    ours = [m for m in messages if m["author"]["id"] == APP_ID]
    assert [m["embeds"][0]["title"] for m in ours] == ["Lost chat"]
    (row,) = await outbox_of(harness, "releases", "chat")
    assert row["status"] == "sent" and row["message_id"] == ours[0]["id"]
    pages = [
        r for r in standin.requests if r.method == "GET" and r.path.endswith(f"{channel}/messages")
    ]
    assert len(pages) >= 2 and all("after" in r.query for r in pages[-2:])
    await finish(harness)


async def test_only_the_bots_own_message_counts_as_an_earlier_post(harness, feeds) -> None:
    """A crash after the POST, past the nonce window; the bot's message was deleted and someone
    else's message carries a copy of its marker: the bot posts again rather than trust it."""
    watch, standin = harness.services.watch, harness.standin
    await add_feed(harness, feeds, "forge", [])
    await harness.admin.slash("watch add", channel="releases")
    feeds.serve("/forge.xml", rss([{"title": "Forged story", "link": "https://f.example/f"}]))
    assert (await watch.poller.poll_key("forge")).new == 1
    crashing = OutboxSender(
        watch.outbox.store, watch.outbox.sender.poster, watch.outbox.render, watch.clock
    )
    messages = standin.messages[channel_id(harness, "releases")]
    start = len(messages)

    async def die(row) -> None:
        raise Killed("killed between send and record")

    crashing.after_post = die
    async with watch.outbox.sender._lock:
        with pytest.raises(ExceptionGroup):
            await crashing.drain()
    original = messages.pop()
    messages.append(
        original | {"id": standin.snowflake(), "author": standin.member("member")["user"]}
    )
    standin.nonce_window = 0.0
    try:
        await watch.drain()
    finally:
        standin.nonce_window = NONCE_WINDOW
    ours = [m for m in messages[start:] if m["author"]["id"] == APP_ID]
    assert [m["embeds"][0]["title"] for m in ours] == ["Forged story"]
    (row,) = await outbox_of(harness, "releases", "forge")
    assert row["status"] == "sent" and row["message_id"] == ours[0]["id"]
    await finish(harness)


async def test_a_queued_post_another_task_rolls_back_is_never_posted(harness) -> None:
    """Every task shares one database connection: a drain while another task's transaction
    has queued a notice must not see that notice, which is then rolled back."""
    watch = harness.services.watch
    releases = channel_id(harness, "releases")
    before = len(posts_to(harness, "releases"))
    queued = asyncio.Event()

    async def write_then_fail() -> None:
        async with watch.store.transaction():
            now = iso(watch.clock())
            assert await watch.outbox.notice("ghost", releases, now, "Ghost", "never")
            queued.set()
            await asyncio.sleep(0.3)
            raise RuntimeError("the command failed: nothing it wrote may take effect")

    writer = asyncio.create_task(write_then_fail())
    await queued.wait()
    await watch.drain()
    with pytest.raises(RuntimeError):
        await writer
    assert len(posts_to(harness, "releases")) == before
    ghosts = await harness.services.db.fetchall(
        "SELECT id FROM outbox WHERE dedupe_key LIKE 'notice:ghost:%'"
    )
    assert ghosts == []
    await finish(harness)


async def test_an_alert_dropped_while_it_is_rendered_is_not_posted(harness, feeds) -> None:
    """The subscription is removed between the sender's read of the queue and its post: the
    dropped alert stays dropped, unposted."""
    watch = harness.services.watch
    await add_feed(harness, feeds, "gone", [])
    await harness.admin.slash("watch add", channel="releases")
    (sub,) = await watch.store.subscriptions(harness.standin.guild["id"])
    feeds.serve("/gone.xml", rss([{"title": "Gone story", "link": "https://g.example/g"}]))
    assert (await watch.poller.poll_key("gone")).new == 1
    before = len(posts_to(harness, "releases"))

    async def render_while_removed(row):
        await watch.unsubscribe(sub.guild_id, sub.id)
        return await watch.outbox.render(row)

    racing = OutboxSender(
        watch.outbox.store, watch.outbox.sender.poster, render_while_removed, watch.clock
    )
    async with watch.outbox.sender._lock:
        assert await racing.drain() == 0
    assert len(posts_to(harness, "releases")) == before
    (row,) = await outbox_of(harness, "releases", "gone")
    assert row["status"] == "dropped" and row["attempted_at"] is None
    await finish(harness)


async def test_nothing_went_to_unknown_routes(harness) -> None:
    assert harness.standin.unknown_routes == []
    assert harness.standin.validation_errors == []
