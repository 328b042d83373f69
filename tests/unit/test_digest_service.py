"""Digests fired by the scheduler with an injected clock, through the real store and outbox."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.schedule import parse_schedule
from bot.digest.service import DigestService
from bot.render import limits
from bot.store.digests import DigestStore
from bot.watch.filters import Filters
from bot.watch.items import FeedItem
from bot.watch.sources import CuratedEntry


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday, 08:00 in Berlin


@pytest.fixture
def digests(services, clock) -> DigestService:
    services.watch.clock = clock
    services.watch.ingestor.clock = clock
    return DigestService(DigestStore(services.db), services.watch, clock)


async def digest_rows(digests) -> list:
    return await digests.store.db.fetchall("SELECT * FROM outbox WHERE kind = 'digest' ORDER BY id")


async def publish(digests, clock, title: str) -> None:
    item = FeedItem(title, f"https://x.example/{abs(hash(title))}", "", None, None, "t", "T")
    await digests.watch.ingestor.ingest([item])


async def test_fires_at_the_slot_once(digests, clock) -> None:
    await digests.set(
        "1", "100", parse_schedule("daily", "09:00", "Europe/Berlin"), Filters(), "line", "7"
    )
    await publish(digests, clock, "Introducing Gemma 4")
    clock.now += timedelta(minutes=59)  # 08:59 Berlin
    assert await digests.run_due() == 0
    clock.now += timedelta(minutes=1)  # 09:00 Berlin
    assert await digests.run_due() == 1
    assert await digests.run_due() == 0  # the same slot never fires twice
    rows = await digest_rows(digests)
    assert rows and all(r["channel_id"] == "100" for r in rows)
    assert "Gemma 4" in rows[0]["payload"]
    schedule = (await digests.store.for_guild("1"))[0]
    assert schedule.next_run == "2026-11-24T08:00:00+00:00"


async def test_after_downtime_one_catch_up_covers_the_gap(digests, clock) -> None:
    await digests.set(
        "1", "100", parse_schedule("daily", "09:00", "Europe/Berlin"), Filters(), "line", "7"
    )
    clock.now += timedelta(hours=1)
    await digests.run_due()
    first = len(await digest_rows(digests))
    for day in range(4):  # news during four days of downtime
        clock.now += timedelta(days=1)
        await publish(digests, clock, f"Downtime story {day}")
    clock.now += timedelta(hours=3)
    assert await digests.run_due() == 1
    rows = (await digest_rows(digests))[first:]
    payload = "".join(r["payload"] for r in rows)
    assert all(f"Downtime story {d}" in payload for d in range(4))
    schedule = (await digests.store.for_guild("1"))[0]
    assert datetime.fromisoformat(schedule.next_run) > clock.now


async def test_quiet_periods_line_or_nothing(digests, clock) -> None:
    await digests.set(
        "1",
        "100",
        parse_schedule("daily", "09:00", "UTC"),
        Filters(keywords=("nomatch",)),
        "line",
        "7",
    )
    await digests.set(
        "1",
        "101",
        parse_schedule("daily", "09:00", "UTC"),
        Filters(keywords=("nomatch",)),
        "skip",
        "7",
    )
    clock.now += timedelta(hours=3)
    assert await digests.run_due() == 2
    rows = await digest_rows(digests)
    assert [r["channel_id"] for r in rows] == ["100"]
    assert "Nothing new" in rows[0]["payload"]


async def test_long_digests_split_into_pages_without_cutting_items(digests, clock) -> None:
    items = [
        FeedItem(
            f"Story number {i} about releases " + "x" * 120,
            f"https://x.example/s{i}",
            "",
            None,
            None,
            "t",
            "T",
        )
        for i in range(150)
    ]
    await digests.watch.ingestor.ingest(items)
    await digests.set("1", "100", parse_schedule("daily", "09:00", "UTC"), Filters(), "line", "7")
    clock.now += timedelta(hours=3)
    await digests.run_due()
    rows = await digest_rows(digests)
    assert len(rows) > 1
    import json

    text = ""
    for row in rows:
        card = json.loads(row["payload"])
        size = (
            len(card["title"])
            + len(card["description"])
            + len(card["footer"])
            + sum(len(n) + len(v) for n, v, _ in card["fields"])
        )
        assert size <= limits.EMBED_TOTAL and len(card["fields"]) <= limits.EMBED_FIELDS
        assert all(len(v) <= limits.FIELD_VALUE for _, v, _ in card["fields"])
        text += "".join(v for _, v, _ in card["fields"])
    assert all(f"Story number {i} about" in text for i in range(150))


async def test_preview_and_now_leave_the_schedule_alone(digests, clock) -> None:
    await digests.set(
        "1", "100", parse_schedule("weekly", "09:00", "UTC", "monday"), Filters(), "line", "7"
    )
    before = (await digests.store.for_guild("1"))[0]
    preview = await digests.preview("1", "100")
    assert preview.ephemeral and preview.pages[0].title == "This week in AI releases"
    assert await digests.post_now("1", "100", "req-1") >= 1
    assert await digests.post_now("1", "100", "req-1") == 0  # the same request twice: once
    after = (await digests.store.for_guild("1"))[0]
    assert (after.next_run, after.last_period_end) == (
        before.next_run,
        before.last_period_end,
    )


async def test_errors(digests) -> None:
    with pytest.raises(Exception, match="has no digest"):
        await digests.preview("1", "555")
    with pytest.raises(Exception, match="line"):
        await digests.set(
            "1", "100", parse_schedule("daily", "09:00", "UTC"), Filters(), "loud", "7"
        )


async def test_only_news_is_in_a_digest_not_backlog_or_old_posts(digests, clock) -> None:
    window = (clock.now - timedelta(days=1), clock.now + timedelta(hours=1))

    def feed_item(title: str, published: datetime | None) -> FeedItem:
        date = published.isoformat() if published else None
        return FeedItem(title, f"https://x.example/{abs(hash(title))}", "", date, None, "t", "T")

    ingest = digests.watch.ingestor.ingest
    # A source's first poll: what it shows then is backlog, however it is dated.
    await ingest(
        [
            feed_item("Years-old post", None),
            feed_item("Last week", None),
            feed_item("Yesterday, seen at the first poll", window[0] + timedelta(hours=3)),
        ],
        baseline=True,
    )
    await ingest(
        [
            feed_item("Fresh post", clock.now - timedelta(hours=2)),
            feed_item("Late but recent", window[0] - timedelta(hours=12)),  # within the grace
            feed_item("Old post shown late", window[0] - timedelta(days=5)),
            feed_item("Undated news", None),
        ]
    )
    # Curated history (the bundled timeline): dated long ago, or with no exact date at all.
    history = [
        CuratedEntry(
            "old-launch", "release", "Curated old launch", "2026-04-02", (), None, "s", None, None
        ),
        CuratedEntry(
            "some-month", "release", "Curated sometime", "2026-04", (), None, "s", None, None
        ),
    ]
    await ingest([entry.as_item() for entry in history])
    view = await digests.window(*window, Filters(), "UTC")
    text = digest_text(view)
    assert "Fresh post" in text and "Late but recent" in text and "Undated news" in text
    assert "Years-old" not in text and "Last week" not in text and "shown late" not in text
    assert "Curated" not in text
    assert "Yesterday, seen at the first poll" in text  # published in the window: it shipped then


def digest_text(reply) -> str:
    return "\n".join(
        card.description + "".join(f.name + f.value for f in card.fields) for card in reply.pages
    )


async def test_a_past_window_shows_what_shipped_then(digests) -> None:
    # "What shipped in the first week of April?": by publication date, from the curated timeline.
    april = datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 8, tzinfo=UTC)
    text = digest_text(await digests.window(*april, Filters(), "UTC"))
    assert "Google releases Gemma 4" in text and "Qwen3.6-Plus" in text
    assert "Sora" not in text  # shut down later in April


async def test_a_window_up_to_now_includes_what_arrived_this_same_second(digests, clock) -> None:
    clock.now = clock.now.replace(microsecond=900_000)  # stamps keep whole seconds only
    await publish(digests, clock, "Just now")
    view = await digests.window(clock.now - timedelta(days=1), clock.now, Filters(), "UTC")
    assert "Just now" in digest_text(view)
