"""Ingestion through the real store: dedup, linking, classification, subscriptions, outbox."""

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.clock import iso
from bot.render.discord_embed import card_to_embed
from bot.store.watch import SourceDef
from bot.watch.filters import Filters, parse_filters
from bot.watch.ingest import same_title
from bot.watch.items import FeedItem
from bot.watch.sources import CuratedEntry
from tests.conftest import FEEDS
from tests.feed_server import feed_server, rss
from tests.store_faults import allow, refuse
from tests.unit.test_render import MASKED_LINK
from tests.unit.watch_helpers import clocked_watch


@pytest.fixture
async def watch(services, tmp_path):
    async with clocked_watch(
        services, tmp_path, timeout=0.5, failure_threshold=3, ops_channel_id="999"
    ) as service:
        yield service


def item(
    title, link=None, guid=None, date="2026-11-22T10:00:00+00:00", source="vendor", **kw
) -> FeedItem:
    return FeedItem(title, link, kw.pop("summary", ""), date, guid, source, source.title(), **kw)


async def outbox(service) -> list:
    return await service.store.db.fetchall("SELECT * FROM outbox ORDER BY id")


async def test_new_items_are_stored_linked_and_classified(watch) -> None:
    report = await watch.ingestor.ingest(
        [item("Introducing Gemma 4", "https://blog.example/gemma-4")]
    )
    assert len(report.new) == 1
    entry = await watch.store.entry(report.new[0])
    assert entry.type == "release"
    models = await watch.store.entry_model_ids(report.new[0])
    assert [(await watch.lookups.report(m)).name for m in models] == ["Gemma 4"]


async def test_the_same_items_again_add_nothing(watch) -> None:
    items = [item("A", "https://x.example/a", "g-a"), item("B", "https://x.example/b", "g-b")]
    assert len((await watch.ingestor.ingest(items)).new) == 2
    again = await watch.ingestor.ingest(items)
    assert again.new == [] and again.unchanged == 2


async def test_changed_guids_and_redated_items_do_not_re_alert(watch) -> None:
    await watch.ingestor.ingest([item("A", "https://x.example/a?utm_source=rss", "g-1")])
    changed_guid = await watch.ingestor.ingest([item("A", "https://x.example/a/", "g-2")])
    redated = await watch.ingestor.ingest(
        [item("A", "https://x.example/a", "g-1", date="2026-11-23T09:00:00+00:00")]
    )
    assert changed_guid.new == [] and redated.new == []


async def test_no_guid_no_link_uses_title_and_date(watch) -> None:
    await watch.ingestor.ingest([item("Plain news")])
    assert (await watch.ingestor.ingest([item("Plain news")])).new == []


async def test_one_release_from_several_sources_is_one_entry(watch) -> None:
    first = await watch.ingestor.ingest(
        [item("Mistral releases Voxtral 2", "https://mistral.example/v2", source="mistral")]
    )
    second = await watch.ingestor.ingest(
        [item("Mistral releases Voxtral 2!", "https://news.example/voxtral-2", source="news")]
    )
    assert second.new == [] and second.merged == 1
    sources = await watch.store.entry_sources(first.new[0])
    assert {s.source_key for s in sources} == {"mistral", "news"}


def test_title_matching_respects_numbers() -> None:
    assert same_title("Mistral releases Voxtral 2", "Mistral releases Voxtral 2!")
    assert not same_title("Google releases Gemma 3", "Google releases Gemma 4")
    assert not same_title("Rate story 1", "Rate story 2")
    assert not same_title("Qwen 3.5 ships", "Qwen 3.6 ships")


async def test_curated_entry_and_vendor_post_of_one_release_merge(watch) -> None:
    curated = item(
        "Google ships Gemma 4",
        None,
        "curated:g4",
        source="curated",
        type="release",
        models=("Gemma 4",),
    )
    first = await watch.ingestor.ingest([curated])
    vendor = await watch.ingestor.ingest(
        [item("Introducing Gemma 4: open models", "https://blog.google/gemma-4")]
    )
    assert vendor.new == [] and vendor.merged == 1
    assert len(await watch.store.entry_sources(first.new[0])) == 2


async def test_undated_curated_history_neither_swallows_todays_post_nor_alerts(watch) -> None:
    await subscribe(watch)
    # The bundled timeline says only "2026-04" for this launch: history, not today's news.
    history = CuratedEntry(
        "l4",
        "release",
        "Meta's Llama 4 Maverick arrives",
        "2026-04",
        ("Llama 4 Maverick",),
        "Meta",
        "seed",
        None,
        None,
    )
    stored = await watch.ingestor.ingest([history.as_item()])
    assert len(stored.new) == 1 and stored.queued == 0
    post = item("Introducing Llama 4 Maverick", "https://ai.meta.example/llama-4-maverick")
    report = await watch.ingestor.ingest([post])
    assert len(report.new) == 1 and report.merged == 0 and report.queued == 1
    again = await watch.ingestor.ingest([history.as_item()])  # known by its identity
    assert again.new == [] and again.unchanged == 1


async def subscribe(watch, filters: Filters | None = None, channel="100", **kw):
    filters = filters or Filters()
    return await watch.subscribe(
        "1", channel, filters, role_id=None, notify_channel_id="200", user_id="7", **kw
    )


async def test_subscription_filters_decide_the_outbox(watch) -> None:
    await subscribe(watch, parse_filters(orgs="Google"), channel="101")
    await subscribe(watch, parse_filters(openness="api_only", types="release"), channel="102")
    await subscribe(watch, parse_filters(keywords="omni"), channel="103")
    await subscribe(watch, parse_filters(modality="audio"), channel="104")
    watch.clock_control.advance(minutes=1)
    report = await watch.ingestor.ingest(
        [
            item("Introducing Gemma 4", "https://g.example/1"),
            item("Qwen3.5-Omni-Plus now available", "https://q.example/1"),
            item(
                "Qwen3.5-Omni-Plus gets a tune-up", "https://q.example/2"
            ),  # 'other': not a release
        ]
    )
    names = dict(zip(report.new, ("gemma", "omni", "tune-up"), strict=True))
    got = {(r["channel_id"], names[r["entry_id"]]) for r in await outbox(watch)}
    assert got == {
        ("101", "gemma"),
        ("102", "omni"),
        ("103", "omni"),
        ("103", "tune-up"),
        ("104", "omni"),
        ("104", "tune-up"),
    }


async def test_old_entries_and_baseline_polls_do_not_flood(watch) -> None:
    await subscribe(watch)
    report = await watch.ingestor.ingest(
        [item("Old news", "https://x.example/old", date="2026-01-01T00:00:00+00:00")]
    )
    assert report.queued == 0
    baseline = await watch.ingestor.ingest(
        [item("Backlog item", "https://x.example/b")], baseline=True
    )
    assert baseline.queued == 0
    fresh = await watch.ingestor.ingest([item("Fresh news", "https://x.example/new")])
    assert fresh.queued == 1


async def test_backlog_queues_the_last_n_matching(watch) -> None:
    await watch.ingestor.ingest(
        [
            item(f"News {i}", f"https://x.example/{i}", date=f"2026-11-{10 + i}T00:00:00+00:00")
            for i in range(5)
        ]
    )
    _, queued = await subscribe(watch, backlog=3)
    assert queued == 3
    with pytest.raises(Exception, match="between 0 and 10"):
        await subscribe(watch, channel="555", backlog=11)


async def test_duplicate_subscription_is_refused(watch) -> None:
    await subscribe(watch, parse_filters(orgs="Google"))
    with pytest.raises(Exception, match="already has this subscription"):
        await subscribe(watch, parse_filters(orgs="google deepmind"))  # an alias of Google


async def test_paused_subscription_holds_its_alerts(watch) -> None:
    await subscribe(watch)
    async with watch.store.transaction():
        await watch.store.pause_subscriptions_of_channel("100", "gone")
    watch.clock_control.advance(minutes=1)
    await watch.ingestor.ingest([item("Fresh", "https://x.example/f")])
    assert [r["status"] for r in await outbox(watch)] == ["held"]
    assert await watch.resume("1", 1) == 1
    assert [r["status"] for r in await outbox(watch)] == ["pending"]


async def test_a_failing_ingest_keeps_nothing(watch) -> None:
    await subscribe(watch)
    before = len(await watch.store.latest_entries(1000))
    no_title: Any = None  # a title the types forbid: ingesting it raises midway
    bad = FeedItem(no_title, "https://x.example/bad", "", None, "g", "vendor", "Vendor")
    with pytest.raises((TypeError, AttributeError)):
        await watch.ingestor.ingest([item("Good", "https://x.example/good"), bad])
    assert len(await watch.store.latest_entries(1000)) == before
    assert await outbox(watch) == []


async def test_bad_filter_values_are_clear() -> None:
    with pytest.raises(Exception, match="Unknown openness"):
        parse_filters(openness="kinda open")
    with pytest.raises(Exception, match="Unknown type"):
        parse_filters(types="gossip")
    with pytest.raises(Exception, match="At most 10"):
        parse_filters(keywords=",".join(str(i) for i in range(11)))
    assert parse_filters(types="license, pricing").types == ("license_change", "price_change")


# ---- polling and source health --------------------------------------------------------------


async def add_source(watch, key, url, minutes=30):
    await watch.store.add_source(SourceDef(key, key.title(), url, "rss", "Google", minutes), "test")


async def test_first_poll_is_a_baseline_then_new_items_alert(watch) -> None:
    async with feed_server() as server:
        url = server.serve(
            "/f.xml",
            rss([{"title": "Old post", "link": "https://g.example/old", "guid": "1"}]),
            etag='"1"',
        )
        await add_source(watch, "g", url)
        await subscribe(watch)
        first = await watch.poller.poll_key("g")
        assert first.ok and first.new == 1
        assert await outbox(watch) == []
        not_modified = await watch.poller.poll_key("g")
        assert not_modified.not_modified
        server.serve(
            "/f.xml",
            rss(
                [
                    {
                        "title": "Introducing Gemma 4",
                        "link": "https://g.example/gemma-4",
                        "guid": "2",
                        "date": "Sun, 22 Nov 2026 11:00:00 +0000",
                    },
                    {"title": "Old post", "link": "https://g.example/old", "guid": "1"},
                ]
            ),
            etag='"2"',
        )
        second = await watch.poller.poll_key("g")
        assert second.new == 1
        assert len(await outbox(watch)) == 1


async def test_failures_pause_once_and_recovery_resumes(watch) -> None:
    async with feed_server() as server:
        url = server.serve("/f.xml", "<html>not a feed</html>")
        await add_source(watch, "bad", url)
        outcomes = [await watch.poller.poll_key("bad") for _ in range(5)]
        assert [o.ok for o in outcomes] == [False] * 5
        assert [o.paused for o in outcomes] == [False, False, True, False, False]
        source = await watch.store.source("bad")
        assert source.paused and source.consecutive_failures == 5
        assert "not a feed" in source.last_error
        notices = [r for r in await outbox(watch) if r["kind"] == "notice"]
        assert len(notices) == 1 and notices[0]["channel_id"] == "999"
        server.serve("/f.xml", rss([{"title": "Back", "link": "https://g.example/back"}]))
        recovered = await watch.poller.poll_key("bad")
        assert recovered.ok and recovered.resumed
        assert not (await watch.store.source("bad")).paused
        assert len([r for r in await outbox(watch) if r["kind"] == "notice"]) == 2


async def test_pause_and_resume_notices_show_the_feeds_name_inert(watch) -> None:
    hostile = "[Official OpenAI](https://evil.example/) # @everyone"
    async with feed_server() as server:
        url = server.serve("/f.xml", "<html>not a feed</html>")
        source = SourceDef("evil", hostile, url, "rss", "Google", 30)
        await watch.store.add_source(source, "test")
        for _ in range(3):
            await watch.poller.poll_key("evil")
        server.serve("/f.xml", rss([{"title": "Back", "link": "https://g.example/back"}]))
        assert (await watch.poller.poll_key("evil")).resumed
    pending = await watch.outbox.store.pending(iso(watch.clock()), limit=1000)
    notices = [r for r in pending if r.kind == "notice"]
    texts = [card_to_embed((await watch.outbox.render(r)).pages[0]).description for r in notices]
    assert len(texts) == 2, texts
    for text in texts:
        assert not MASKED_LINK.search(text) and "@everyone" not in text, text
        # The bot's own bold stays; the name inside it shows as written.
        assert text.startswith("Feed **\\[Official OpenAI\\](https://evil.example/) # @"), text
    assert "is paused: " in texts[0] and "answers again" in texts[1]


async def test_a_store_failure_keeps_nothing_of_that_poll_and_spares_the_others(watch) -> None:
    db = watch.store.db
    # A real store error in the middle of storing one feed's entries.
    await refuse(
        db, "refuse", "entry_sources", "INSERT", "disk trouble", "NEW.source_key = 'broken'"
    )
    feed = rss([{"title": "Introducing Gemma 4", "link": "https://g.example/gemma-4"}])
    other = rss([{"title": "Mistral news", "link": "https://m.example/news"}])
    async with feed_server() as server:
        await add_source(watch, "broken", server.serve("/b.xml", feed))
        await add_source(watch, "fine", server.serve("/f.xml", other))
        entries_before = len(await watch.store.latest_entries(1000))
        outcomes = {o.key: o for o in await watch.poller.poll_due()}
        assert not outcomes["broken"].ok and "disk trouble" in outcomes["broken"].error
        assert outcomes["fine"].ok and outcomes["fine"].new == 1
        broken = await watch.store.source("broken")
        assert broken.last_success is None and broken.entries_seen == 0
        assert broken.consecutive_failures == 1 and "disk trouble" in broken.last_error
        assert len(await watch.store.latest_entries(1000)) == entries_before + 1
        await allow(db, "refuse", "entry_sources")
        watch.clock_control.advance(hours=7)
        retried = await watch.poller.poll_key("broken")
        assert retried.ok and (await watch.store.source("broken")).entries_seen == 1
        assert len(await watch.store.latest_entries(1000)) == entries_before + 2


async def test_a_json_feed_is_polled_like_any_other(watch) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Vendor",
        "home_page_url": "https://g.example/",
        "items": [
            {
                "id": "gemma-4",
                "url": "/blog/gemma-4",
                "title": "Introducing Gemma 4",
                "date_published": "2026-11-22T11:00:00Z",
            }
        ],
    }
    async with feed_server() as server:
        url = server.serve("/feed.json", json.dumps(document), content_type="application/feed+json")
        await watch.store.add_source(SourceDef("j", "J", url, "json", "Google", 30), "test")
        await subscribe(watch)
        first = await watch.poller.poll_key("j")  # a baseline, as for any new source
        assert first.ok and first.new == 1
        known = await watch.store.lookup_identities(["guid:j:gemma-4"])
        entry = await watch.store.entry(known["guid:j:gemma-4"])
        assert entry.link == "https://g.example/blog/gemma-4" and entry.type == "release"
        watch.clock_control.advance(hours=1)
        again = await watch.poller.poll_key("j")
        assert again.ok and again.new == 0


REAL = sorted((FEEDS / "real").glob("*.xml"))


async def test_the_real_vendor_feeds_over_http_in_the_parser_processes(services) -> None:
    watch = services.watch  # as the bot builds it: parsing in worker processes
    bodies = {path.stem: path.read_bytes() for path in REAL}
    async with feed_server() as server:
        for key, body in bodies.items():
            url = server.serve(f"/{key}.xml", body, etag=f'"{key}-1"')
            await watch.store.add_source(SourceDef(key, key, url, "rss", None, 30), "test")
        first = await watch.poller.poll_due()
        assert all(o.ok for o in first) and sum(o.new for o in first) > 300
        stored = len(await watch.store.latest_entries(10_000))
        await subscribe(watch)
        for key in bodies:  # every feed unchanged: a 304 each, nothing new, no alert
            again = await watch.poller.poll_key(key)
            assert again.ok and again.not_modified
        assert server.conditional_hits == {f"/{key}.xml": 1 for key in bodies}
        assert len(await watch.store.latest_entries(10_000)) == stored
        assert await outbox(watch) == []


ILLFORMED = sorted(
    p for p in (FEEDS / "illformed").rglob("*") if p.is_file() and p.name != "LICENSE"
)


async def test_every_illformed_corpus_feed_polled_over_http_gets_a_clear_health_status(
    watch,
) -> None:
    async with feed_server() as server:
        keys = {}
        for number, path in enumerate(ILLFORMED):
            key = f"ill{number}"
            keys[key] = path.name
            await add_source(watch, key, server.serve(f"/{key}.xml", path.read_bytes()))
        outcomes = {o.key: o for o in await watch.poller.poll_due()}
    assert set(outcomes) == set(keys)
    usable = 0
    for key, name in keys.items():
        source = await watch.store.source(key)
        if outcomes[key].ok:
            usable += 1
            assert source.last_success and source.last_error is None, name
        else:
            error = source.last_error
            assert source.consecutive_failures == 1 and not source.last_success, name
            assert error == outcomes[key].error and "\n" not in error and len(error) <= 300, name
            assert error.startswith(("not a feed", "unreadable feed")) or "entries" in error, name
    assert 0 < usable < len(keys)  # the corpus holds both kinds


async def test_one_slow_source_does_not_delay_the_others(watch) -> None:
    async with feed_server() as server:
        await add_source(watch, "slow", server.serve("/slow.xml", rss([]), delay=1.5))
        await add_source(
            watch,
            "fast",
            server.serve("/fast.xml", rss([{"title": "Quick", "link": "https://f.example/q"}])),
        )
        start = datetime.now(UTC)
        outcomes = {o.key: o for o in await watch.poller.poll_due()}
        elapsed = (datetime.now(UTC) - start).total_seconds()
        assert outcomes["fast"].ok and outcomes["fast"].new == 1
        assert not outcomes["slow"].ok and "timed out" in outcomes["slow"].error
        assert elapsed < 1.2


async def test_due_sources_respect_their_interval(watch) -> None:
    async with feed_server() as server:
        await add_source(watch, "g", server.serve("/f.xml", rss([])), minutes=30)
        assert len(await watch.poller.poll_due()) == 1
        assert await watch.poller.poll_due() == []
        watch.clock_control.advance(minutes=31)
        assert len(await watch.poller.poll_due()) == 1
        assert iso(watch.clock_control.now) < (await watch.store.source("g")).next_poll


async def test_a_round_does_not_wait_for_its_slow_source_and_the_next_round_skips_it(
    watch,
) -> None:
    """`start_due` returns at once; a source still being polled is not polled again by the
    next round, while a source that came due meanwhile is polled and done at once."""
    watch.poller.fetcher.timeout = 30
    async with feed_server() as server:
        await add_source(watch, "slow", server.serve("/slow.xml", rss([]), delay=30))
        started = await watch.poller.start_due()
        try:
            assert [poll.get_name() for poll in started] == ["poll-slow"]
            await add_source(
                watch,
                "fast",
                server.serve("/fast.xml", rss([{"title": "Q", "link": "https://f/q"}])),
            )
            outcomes = await watch.poller.poll_due()  # the next round: only the new source
            assert [(o.key, o.ok, o.new) for o in outcomes] == [("fast", True, 1)]
            assert not started[0].done() and server.hits["/slow.xml"] == 1
        finally:
            await watch.poller.stop()
        assert started[0].cancelled()


async def test_stopping_the_watch_cancels_the_polls_under_way_at_once(watch) -> None:
    """The bot stops at once, not once its slowest poll is done or given up."""
    watch.poller.fetcher.timeout = 30
    async with feed_server() as server:
        await add_source(watch, "slow", server.serve("/slow.xml", rss([]), delay=30))
        stop = asyncio.Event()
        running = asyncio.create_task(watch.run(stop))
        for _ in range(200):
            if server.hits["/slow.xml"]:
                break
            await asyncio.sleep(0.05)
        assert server.hits["/slow.xml"] == 1
        stop.set()
        await asyncio.wait_for(running, 5)
    source = await watch.store.source("slow")
    assert source.consecutive_failures == 0 and source.last_success is None
