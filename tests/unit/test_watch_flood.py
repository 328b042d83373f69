"""Flood control (a per-poll cap on each channel's alerts) and feeds that re-guid their items,
through the real store and outbox, feeds served over HTTP, time moved by an injected clock."""

import json
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.core.clock import iso
from bot.core.errors import UserError
from bot.store.watch import SourceDef
from bot.watch.filters import Filters, parse_filters
from bot.watch.items import FeedItem
from tests.feed_server import feed_server, rss
from tests.unit.watch_helpers import Clock, clocked_watch

CAP = 3


@pytest.fixture
async def watch(services, tmp_path):
    async with clocked_watch(services, tmp_path, timeout=2.0, max_alerts_per_poll=CAP) as service:
        yield service


async def subscribe(watch, channel: str, filters: Filters | None = None, role: str | None = None):
    sub_id, _ = await watch.subscribe(
        "1",
        channel,
        filters or Filters(),
        role_id=role,
        notify_channel_id=None,
        user_id="7",
    )
    return sub_id


def stories(count: int, now: datetime, prefix: str = "Story") -> list[FeedItem]:
    """`count` items of source 'vendor', oldest first: story i is i minutes older than now."""
    return [
        FeedItem(
            f"{prefix} {i}",
            f"https://v.example/{prefix}/{i}",
            "",
            (now - timedelta(minutes=i)).isoformat(),
            f"{prefix}-{i}",
            "vendor",
            "Vendor",
        )
        for i in reversed(range(count))
    ]


async def outbox(watch) -> list:
    return await watch.store.db.fetchall("SELECT * FROM outbox ORDER BY id")


async def titles(watch, entry_ids) -> list[str]:
    return [(await watch.store.entry(entry_id)).title for entry_id in entry_ids]


# ---- flood control ----------------------------------------------------------------------------


async def test_each_channel_gets_its_newest_alerts_up_to_the_cap_and_one_summary(watch) -> None:
    await watch.store.add_source(
        SourceDef("vendor", "Vendor", "https://v.example/feed.xml", "rss"), "test"
    )
    await subscribe(watch, "100", role="55")
    await subscribe(watch, "200", parse_filters(keywords="story 1"))  # 1, 10-14 match
    await subscribe(watch, "200")  # the same channel again: each entry still alerts it once
    watch.clock_control.advance(minutes=1)
    report = await watch.ingestor.ingest(stories(15, watch.clock_control.now))
    assert len(report.new) == 15
    rows = await outbox(watch)
    alerts = [r for r in rows if r["kind"] == "alert"]
    summaries = [r for r in rows if r["kind"] == "alert_summary"]
    assert rows[-len(summaries) :] == summaries  # the summaries come after the alerts
    by_channel = {c: [r for r in alerts if r["channel_id"] == c] for c in ("100", "200")}
    # The newest, in the order the feed listed them (oldest first here).
    assert await titles(watch, [r["entry_id"] for r in by_channel["100"]]) == [
        "Story 2",
        "Story 1",
        "Story 0",
    ]
    assert await titles(watch, [r["entry_id"] for r in by_channel["200"]]) == [
        "Story 2",
        "Story 1",
        "Story 0",
    ]
    assert report.queued == 6 and report.summarised == 12 + 12
    assert [(r["channel_id"], json.loads(r["payload"])) for r in summaries] == [
        ("100", {"source": "Vendor", "count": 12, "url": "https://v.example/feed.xml"}),
        ("200", {"source": "Vendor", "count": 12, "url": "https://v.example/feed.xml"}),
    ]
    # Keyed by the first entry it stands for: ids follow the feed order, Story 14 first.
    assert summaries[0]["dedupe_key"] == f"alert-summary:vendor:100:{min(report.new)}"
    # Alerts ping the subscription's role; the summary does not.
    pending = {
        (r.kind, r.channel_id): r.role_id
        for r in await watch.outbox.store.pending(iso(watch.clock()))
    }
    assert pending[("alert", "100")] == "55" and pending[("alert_summary", "100")] is None
    # Every entry is stored as news for the digests, capped or not.
    news = await watch.store.news_between("2026-11-22T00:00:00+00:00", "2026-11-23", "2026-11-21")
    assert {e.title for e in news} == {f"Story {i}" for i in range(15)}


async def test_the_same_flood_again_queues_nothing_and_a_small_poll_no_summary(watch) -> None:
    await subscribe(watch, "100")
    watch.clock_control.advance(minutes=1)
    flood = stories(10, watch.clock_control.now)
    await watch.ingestor.ingest(flood)
    before = len(await outbox(watch))
    again = await watch.ingestor.ingest(flood)
    assert again.new == [] and again.queued == 0 and again.summarised == 0
    assert len(await outbox(watch)) == before
    small = await watch.ingestor.ingest(stories(CAP, watch.clock_control.now, "Small"))
    assert small.queued == CAP and small.summarised == 0
    assert [r["kind"] for r in await outbox(watch)][before:] == ["alert"] * CAP


async def test_a_paused_channel_holds_its_summary_with_its_alerts(watch) -> None:
    sub_id = await subscribe(watch, "100")
    async with watch.store.transaction():
        await watch.store.pause_subscriptions_of_channel("100", "gone")
    watch.clock_control.advance(minutes=1)
    await watch.ingestor.ingest(stories(5, watch.clock_control.now))
    assert [(r["kind"], r["status"]) for r in await outbox(watch)] == [("alert", "held")] * CAP + [
        ("alert_summary", "held")
    ]
    assert await watch.store.resume_subscription("1", sub_id) == CAP + 1
    assert {r["status"] for r in await outbox(watch)} == {"pending"}


async def test_resuming_after_a_long_pause_caps_the_held_alerts_again(watch) -> None:
    """20 polls of 10 stories while paused: the resume posts the channel's newest CAP alerts
    (CAP pings) and one summary standing for the rest and the held summaries, not 80 rows."""
    await watch.store.add_source(
        SourceDef("vendor", "Vendor", "https://v.example/feed.xml", "rss"), "test"
    )
    sub_id = await subscribe(watch, "100", role="55")
    async with watch.store.transaction():
        await watch.store.pause_subscriptions_of_channel("100", "gone")
    for n in range(20):
        watch.clock_control.advance(minutes=30)
        await watch.ingestor.ingest(stories(10, watch.clock_control.now, f"P{n}"))
    assert await watch.resume("1", sub_id) == CAP + 1
    pending = await watch.outbox.store.pending(iso(watch.clock()), limit=1000)
    assert [r.role_id for r in pending] == ["55"] * CAP + [None]
    assert await titles(watch, [r.entry_id for r in pending[:CAP]]) == ["P19 2", "P19 1", "P19 0"]
    assert pending[-1].kind == "alert_summary"
    assert pending[-1].payload == {
        "source": "Vendor",
        "count": 200 - CAP,
        "url": "https://v.example/feed.xml",
    }
    rows = await outbox(watch)
    dropped = [r for r in rows if r["status"] == "dropped"]
    assert len(dropped) == 20 * (CAP + 1) - CAP  # the other held alerts and all held summaries
    assert {r["last_error"] for r in dropped} == {"flood control: summed up on resume"}
    news = await watch.store.news_between("2026-11-22T00:00:00+00:00", "2026-11-24", "2026-11-21")
    assert len(news) == 200  # every entry still reaches the digests
    # Resuming again (nothing held) and another guild's resume change nothing.
    assert await watch.resume("1", sub_id) == 0
    with pytest.raises(UserError):
        await watch.resume("2", sub_id)
    assert len(await outbox(watch)) == len(rows)


async def test_resuming_caps_one_alert_over_the_cap_too(watch) -> None:
    """Two small polls while paused (CAP stories, then one more): the resume posts CAP alerts
    and a summary for the one left over, not CAP + 1 alerts."""
    await watch.store.add_source(
        SourceDef("vendor", "Vendor", "https://v.example/feed.xml", "rss"), "test"
    )
    sub_id = await subscribe(watch, "100")
    async with watch.store.transaction():
        await watch.store.pause_subscriptions_of_channel("100", "gone")
    for n, count in enumerate((CAP, 1)):
        watch.clock_control.advance(minutes=30)
        await watch.ingestor.ingest(stories(count, watch.clock_control.now, f"P{n}"))
    assert await watch.resume("1", sub_id) == CAP + 1
    pending = await watch.outbox.store.pending(iso(watch.clock()), limit=1000)
    assert [r.kind for r in pending] == ["alert"] * CAP + ["alert_summary"]
    assert pending[-1].payload["count"] == 1


async def test_one_poll_round_caps_a_channel_across_its_sources(watch) -> None:
    """Two sources with 10 new items each in one round: the channel gets CAP alerts in all, and
    one summary per source for the rest."""
    async with feed_server() as server:
        for key in ("alpha", "beta"):
            url = server.serve(f"/{key}.xml", rss([]))
            await watch.store.add_source(SourceDef(key, key.title(), url, "rss"), "test")
        await subscribe(watch, "100")
        assert all(o.ok for o in await watch.poller.poll_due())  # the baselines
        watch.clock_control.advance(hours=2)
        for key in ("alpha", "beta"):
            items = [
                {
                    "title": f"{key} story {n}",
                    "guid": f"{key}-{n}",
                    "link": f"https://{key}.example/{n}",
                    "date": format_datetime(watch.clock_control.now - timedelta(minutes=n)),
                }
                for n in range(10)
            ]
            server.serve(f"/{key}.xml", rss(items))
        outcomes = await watch.poller.poll_due()
    assert sorted((o.key, o.new) for o in outcomes) == [("alpha", 10), ("beta", 10)]
    rows = await outbox(watch)
    assert [r["kind"] for r in rows].count("alert") == CAP
    summaries = sorted(
        (json.loads(r["payload"])["source"], json.loads(r["payload"])["count"])
        for r in rows
        if r["kind"] == "alert_summary"
    )
    assert [name for name, _ in summaries] == ["Alpha", "Beta"]
    assert sum(count for _, count in summaries) == 20 - CAP
    # A single source polled on its own has a budget of its own.
    async with feed_server() as server:
        url = server.serve("/gamma.xml", rss([]))
        await watch.store.add_source(SourceDef("gamma", "Gamma", url, "rss"), "test")
        await poll(watch, "gamma")
        server.serve("/gamma.xml", rss([{"title": "Gamma story", "guid": "g-1"}]))
        await poll(watch, "gamma")
    assert [r["kind"] for r in await outbox(watch)].count("alert") == CAP + 1


async def test_a_summary_renders_with_its_link_and_without_a_bad_one(watch) -> None:
    await watch.store.add_source(
        SourceDef("vendor", "Vendor", "https://v.example/feed.xml", "rss"), "test"
    )
    await subscribe(watch, "100")
    watch.clock_control.advance(minutes=1)
    await watch.ingestor.ingest(stories(CAP + 2, watch.clock_control.now))
    pending = await watch.outbox.store.pending(iso(watch.clock()), limit=1000)
    (row,) = [r for r in pending if r.kind == "alert_summary"]
    card = (await watch.outbox.render(row)).pages[0]
    assert card.title == "…and 2 more from Vendor" and card.url == "https://v.example/feed.xml"
    assert "https://v.example/feed.xml" in card.description and "digest" in card.description
    payload = row.payload | {"url": "https://v.example/x) [Free](https://e.example"}
    forged = replace(row, payload=payload | {"source": "X @everyone"})
    card = (await watch.outbox.render(forged)).pages[0]
    assert card.url is None and "e.example" not in card.description
    assert "@everyone" not in card.title


# ---- feeds that re-guid their items -----------------------------------------------------------


def reguiding(*stories: tuple[str, str], clock: Clock | None = None):
    """A feed that gives every item a new guid and link on every fetch; no date, or with
    `clock` the moment of the fetch as every item's date."""

    def body(fetch: int) -> str:
        date = format_datetime(clock()) if clock else None
        return rss(
            [
                {
                    "title": title,
                    "description": text,
                    "guid": f"urn:fetch-{fetch}:{n}",
                    "link": f"https://churn.example/{fetch}/{n}",
                    "date": date,
                }
                for n, (title, text) in enumerate(stories)
            ]
        )

    return body


async def alerted(watch) -> list[str]:
    rows = [r for r in await outbox(watch) if r["kind"] == "alert"]
    return await titles(watch, [r["entry_id"] for r in rows])


async def poll(watch, key: str) -> None:
    outcome = await watch.poller.poll_key(key)
    assert outcome.ok, outcome.error


@pytest.mark.parametrize("dated", [False, True], ids=["undated", "re-dated"])
async def test_a_story_re_guided_on_every_fetch_alerts_once_over_weeks(watch, dated) -> None:
    old = ("Old post", "Something from last month.")
    story = ("Big story", "A vendor ships a thing.")
    clock = watch.clock_control if dated else None
    async with feed_server() as server:
        url = server.serve("/churn.xml", "")
        server.routes["/churn.xml"].each = reguiding(old, clock=clock)
        await watch.store.add_source(SourceDef("churn", "Churn", url, "rss"), "test")
        await subscribe(watch, "100")
        await poll(watch, "churn")  # the baseline
        server.routes["/churn.xml"].each = reguiding(story, old, clock=clock)
        for _ in range(12):  # every 12 hours for six days, then every 5 days for a month
            watch.clock_control.advance(hours=12)
            await poll(watch, "churn")
        for _ in range(6):
            watch.clock_control.advance(days=5)
            await poll(watch, "churn")
    assert await alerted(watch) == ["Big story"]
    assert (await watch.store.source("churn")).reguids_since is not None


async def test_a_re_guiding_sources_two_weekly_updates_both_alert(watch) -> None:
    week1 = ("Weekly update", "This week: Gemma 4 ships and Qwen adds audio.")
    week2 = ("Weekly update", "This week: Mistral opens Voxtral and Llama gets a tune-up.")
    async with feed_server() as server:
        url = server.serve("/churn.xml", "")
        route = server.routes["/churn.xml"]
        route.each = reguiding()
        await watch.store.add_source(SourceDef("churn", "Churn", url, "rss"), "test")
        await subscribe(watch, "100")
        await poll(watch, "churn")  # the baseline
        route.each = reguiding(week1)
        for _ in range(14):  # a week of polls twice a day, each fetch with new guids
            watch.clock_control.advance(hours=12)
            await poll(watch, "churn")
        route.each = reguiding(week2, week1)
        for _ in range(14):
            watch.clock_control.advance(hours=12)
            await poll(watch, "churn")
    assert await alerted(watch) == ["Weekly update", "Weekly update"]


def weekly_post(guid: str, published: datetime, summary: str) -> dict:
    """A "Weekly update" item with its own guid and link, as a well-behaved source posts it."""
    return {
        "title": "Weekly update",
        "description": summary,
        "guid": guid,
        "link": f"https://calm.example/{guid}",
        "date": format_datetime(published),
    }


async def test_a_well_behaved_sources_same_title_posts_are_new_posts(watch) -> None:
    """Same title and summary, new guid and link, from a source that keeps its guids: a new
    post, whether the old one is still listed (a day after the baseline took it in) or gone
    (a week later)."""
    now = watch.clock_control.now

    def post(n: int, days_ago: float) -> dict:
        return weekly_post(f"weekly-{n}", now - timedelta(days=days_ago), "Our weekly round-up.")

    async with feed_server() as server:
        url = server.serve("/calm.xml", rss([post(1, 6)]))
        await watch.store.add_source(SourceDef("calm", "Calm", url, "rss"), "test")
        await subscribe(watch, "100")
        await poll(watch, "calm")  # the baseline
        watch.clock_control.advance(days=1)
        server.serve("/calm.xml", rss([post(2, -1), post(1, 6)]))
        await poll(watch, "calm")
        watch.clock_control.advance(days=7)
        server.serve("/calm.xml", rss([post(3, -8)]))
        await poll(watch, "calm")
        watch.clock_control.advance(hours=1)
        await poll(watch, "calm")
    assert await alerted(watch) == ["Weekly update", "Weekly update"]
    assert (await watch.store.source("calm")).reguids_since is None


async def test_one_re_posted_item_flags_nothing_and_later_weekly_posts_alert(watch) -> None:
    """A source with stable guids re-posts its weekly update the next day (a correction, same
    title and summary): one re-post is no evidence of re-guiding, so the following weeks'
    posts of that title still alert."""
    now = watch.clock_control.now

    def post(n: int, days_ahead: int) -> dict:
        return weekly_post(
            f"w-{n}", now + timedelta(days=days_ahead), "Our weekly round-up of model news."
        )

    async with feed_server() as server:
        url = server.serve("/w.xml", rss([post(0, 0)]))
        await watch.store.add_source(SourceDef("wk", "Wk", url, "rss"), "test")
        await subscribe(watch, "100")
        await poll(watch, "wk")  # the baseline
        watch.clock_control.advance(days=1)
        server.serve("/w.xml", rss([post(1, 1)]))  # the re-post, taken for the same story
        await poll(watch, "wk")
        for n, days in ((2, 8), (3, 15), (4, 22)):
            watch.clock_control.advance(days=7)
            server.serve("/w.xml", rss([post(n, days)]))
            await poll(watch, "wk")
    assert await alerted(watch) == ["Weekly update"] * 3
    assert (await watch.store.source("wk")).reguids_since is None


async def flag_churn(watch, server, *stories: tuple[str, str]) -> None:
    """Add source 'churn', take its baseline, then let it re-guid `stories` until flagged."""
    url = server.serve("/churn.xml", "")
    server.routes["/churn.xml"].each = reguiding(("Old post", "From last month."))
    await watch.store.add_source(SourceDef("churn", "Churn", url, "rss"), "test")
    await subscribe(watch, "100")
    await poll(watch, "churn")
    server.routes["/churn.xml"].each = reguiding(*stories, ("Old post", "From last month."))
    for _ in range(3):
        watch.clock_control.advance(hours=12)
        await poll(watch, "churn")
    assert (await watch.store.source("churn")).reguids_since is not None


def stable(*posts: tuple[str, str, str | None]) -> str:
    """A well-behaved feed: (guid, title, date) posts, each keeping its guid and link."""
    return rss(
        [
            {
                "title": title,
                "description": "A vendor ships a thing.",
                "guid": guid,
                "link": f"https://churn.example/{guid}",
                "date": date,
            }
            for guid, title, date in posts
        ]
    )


async def test_a_re_guiding_flag_lapses_after_a_month_without_re_guids(watch) -> None:
    async with feed_server() as server:
        await flag_churn(watch, server, ("Big story", "A vendor ships a thing."))
        route = server.routes["/churn.xml"]
        route.each = None
        server.serve("/churn.xml", stable(("quiet-1", "Quiet post", None)))
        for _ in range(7):  # five weeks of stable guids
            watch.clock_control.advance(days=5)
            await poll(watch, "churn")
        server.serve(
            "/churn.xml",
            stable(("big-2", "Big story", None), ("quiet-1", "Quiet post", None)),
        )
        await poll(watch, "churn")  # the same title and summary, 36 days on: a new post
    assert await alerted(watch) == ["Big story", "Quiet post", "Big story"]


async def test_a_flagged_sources_post_with_a_new_date_alerts_and_a_copy_does_not(watch) -> None:
    async with feed_server() as server:
        await flag_churn(watch, server, ("Big story", "A vendor ships a thing."))
        server.routes["/churn.xml"].each = None
        watch.clock_control.advance(days=7)
        earlier = format_datetime(watch.clock_control.now - timedelta(hours=2))
        server.serve("/churn.xml", stable(("big-2", "Big story", earlier)))
        await poll(watch, "churn")  # a week on, dated two hours ago: a new post
        watch.clock_control.advance(days=7)
        server.serve("/churn.xml", stable(("big-3", "Big story", earlier)))
        await poll(watch, "churn")  # the same date again: a re-guided copy of it
    assert await alerted(watch) == ["Big story", "Big story"]
