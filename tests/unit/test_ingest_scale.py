"""Ingest at scale: an unchanged body is not parsed again, the dedup reads only the candidates
of the items no identity knows, and the stored title keys (backfilled by their migration)."""

from __future__ import annotations

import sqlite3
from importlib import resources

import pytest

from bot.core.clock import iso
from bot.core.names import title_key, title_numbers
from bot.store.db import Database
from bot.store.errors import DATABASE_ERRORS
from bot.store.watch import SourceDef
from bot.watch.ingest import same_title
from tests.feed_server import feed_server, rss
from tests.store_faults import allow, refuse
from tests.unit.test_watch_ingest import item
from tests.unit.watch_helpers import clocked_watch


@pytest.fixture
async def watch(services, tmp_path):
    async with clocked_watch(services, tmp_path, timeout=0.5) as service:
        yield service


POSTS = [
    {"title": "Old post", "link": "https://g.example/old", "guid": "1"},
    {"title": "Older post", "link": "https://g.example/older", "guid": "0"},
]
NEWER = {
    "title": "Introducing Gemma 4",
    "link": "https://g.example/gemma-4",
    "guid": "2",
    "date": "Sun, 22 Nov 2026 11:00:00 +0000",
}


async def health(watch, key: str):
    return await watch.store.db.fetchrow(
        "SELECT last_success, last_parsed, body_hash, entries_seen FROM feed_sources WHERE key = ?",
        (key,),
    )


async def entry_count(watch) -> int:
    return (await watch.store.db.fetchrow("SELECT COUNT(*) FROM entries"))[0]


async def poll_later(watch, key: str):
    watch.clock_control.advance(minutes=31)
    return await watch.poller.poll_key(key)


async def test_an_unchanged_body_without_etag_is_not_parsed_again_a_changed_one_is(watch) -> None:
    async with feed_server() as server:
        url = server.serve("/f.xml", rss(POSTS))  # no ETag, no Last-Modified
        await watch.store.add_source(SourceDef("g", "G", url, "rss"), "test")
        before = await entry_count(watch)
        first = await watch.poller.poll_key("g")
        assert first.ok and first.new == 2 and not first.unchanged
        parsed_at = (await health(watch, "g"))["last_parsed"]
        assert parsed_at is not None

        again = await poll_later(watch, "g")
        state = await health(watch, "g")
        assert again.ok and again.unchanged and again.new == 0
        assert server.hits["/f.xml"] == 2  # fetched, but not parsed: last_parsed kept
        assert state["last_parsed"] == parsed_at and state["last_success"] > parsed_at
        assert await entry_count(watch) == before + 2

        server.serve("/f.xml", rss([NEWER, *POSTS]))
        changed = await poll_later(watch, "g")
        state = await health(watch, "g")
        assert changed.ok and not changed.unchanged and changed.new == 1
        assert state["last_parsed"] == state["last_success"] > parsed_at
        assert await entry_count(watch) == before + 3


async def test_a_paused_source_answering_its_unchanged_body_resumes_and_says_so(
    services, tmp_path
) -> None:
    async with clocked_watch(
        services, tmp_path, timeout=0.5, failure_threshold=2, ops_channel_id="999"
    ) as watch:
        async with feed_server() as server:
            url = server.serve("/f.xml", rss(POSTS))
            await watch.store.add_source(SourceDef("g", "G", url, "rss"), "test")
            assert (await watch.poller.poll_key("g")).ok
            server.routes["/f.xml"].fail_times = 2
            assert not (await poll_later(watch, "g")).ok
            assert (await poll_later(watch, "g")).paused
            back = await poll_later(watch, "g")
        source = await watch.store.source("g")
        assert back.ok and back.unchanged and back.resumed
        assert not source.paused and source.consecutive_failures == 0
        notices = await watch.store.db.fetchall(
            "SELECT dedupe_key FROM outbox WHERE kind = 'notice' ORDER BY id"
        )
        keys = [r[0] for r in notices]
        assert len(keys) == 2 and "feed-paused:g" in keys[0] and "feed-resumed:g" in keys[1]


async def test_a_body_that_failed_is_parsed_again_not_taken_for_unchanged(watch) -> None:
    async with feed_server() as server:
        url = server.serve("/f.xml", "<html>not a feed</html>")
        await watch.store.add_source(SourceDef("bad", "Bad", url, "rss"), "test")
        assert not (await watch.poller.poll_key("bad")).ok
        again = await poll_later(watch, "bad")
        assert not again.ok and not again.unchanged  # still failing, still read
        assert (await health(watch, "bad"))["body_hash"] is None
        server.serve("/f.xml", rss(POSTS))
        fixed = await poll_later(watch, "bad")
        assert fixed.ok and fixed.new == 2 and not fixed.unchanged


async def test_a_known_item_needs_no_dedup_window_and_a_new_one_still_merges(watch) -> None:
    """Items known by identity are not looked up at all; an unknown one is compared with the
    candidates near it, here a story another source reported 2 days earlier."""
    store = watch.store
    old = await watch.ingestor.ingest(
        [item("Mistral releases Voxtral 2", "https://mistral.example/v2", source="mistral")]
    )
    known = await watch.ingestor.ingest(
        [item("Mistral releases Voxtral 2", "https://mistral.example/v2", source="mistral")]
    )
    assert known.new == [] and known.unchanged == 1
    later = item(
        "Mistral releases Voxtral 2!",
        "https://news.example/v2",
        source="news",
        date="2026-11-24T10:00:00+00:00",
    )
    merged = await watch.ingestor.ingest([later])
    assert merged.new == [] and merged.merged == 1
    sources = await store.entry_sources(old.new[0])
    assert {s.source_key for s in sources} == {"mistral", "news"}


async def test_candidates_come_from_the_index_within_the_window_numbers_and_lengths(
    watch,
) -> None:
    titles = [
        ("Google releases Gemma 4", "2026-11-21T10:00:00+00:00"),  # a candidate
        ("Google releases Gemma 3", "2026-11-21T10:00:00+00:00"),  # other numbers
        ("Google releases Gemma 4", "2026-11-10T10:00:00+00:00"),  # too early
        ("Gemma 4", "2026-11-21T10:00:00+00:00"),  # far shorter: cannot be near-identical
    ]
    report = await watch.ingestor.ingest(
        [item(t, f"https://x.example/{i}", date=d) for i, (t, d) in enumerate(titles)]
    )
    key = title_key("Google releases Gemma 4!")
    probe = (0, "4", "2026-11-19T10:00:00+00:00", "2026-11-25T10:00:00+00:00")
    size = len(key)
    found = await watch.store.story_candidates(
        [(*probe, int(size * 0.85), int(size * 1.18) + 1)], []
    )
    assert [c.id for c in found] == [report.new[0]]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mistral releases Voxtral 2", "Mistral releases Voxtral 2!"),
        ("Introducing Gemma 4", "Introducing Gemma-4 "),
        ("OpenAI ships GPT-5.1 mini", "OpenAI ships GPT 5.1 Mini"),
        ("Qwen3-235B-A22B-Instruct-2507 is out", "Qwen3 235B A22B Instruct 2507 is out!"),
    ],
)
async def test_every_same_title_pair_is_found_as_a_candidate(watch, a: str, b: str) -> None:
    """The length band the store narrows by never loses a pair `same_title` would merge."""
    assert same_title(a, b)
    stored = await watch.ingestor.ingest([item(a, "https://x.example/a", source="one")])
    merged = await watch.ingestor.ingest([item(b, "https://y.example/b", source="two")])
    assert merged.new == [] and merged.merged == 1
    assert stored.new


async def test_the_title_key_migration_backfills_stored_entries(tmp_path) -> None:
    """A store from before the stored title keys gets them computed as the code does."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT '')"
    )
    for entry in sorted(resources.files("bot.store").joinpath("migrations").iterdir()):
        if not entry.name.endswith(".sql"):  # the postgresql/ folder
            continue
        version = int(entry.name[:4])
        if version >= 12:
            continue
        conn.executescript(entry.read_text(encoding="utf-8"))
        conn.execute("INSERT INTO schema_migrations(version, name) VALUES (?, ?)", (version, "x"))
    titles = ["Qwen3.5-Omni ships", "Ünïcode Gemma 4 — now", "Plain"]
    conn.executemany(
        "INSERT INTO entries(title, type, first_seen) VALUES (?, 'news', '2026-01-01T00:00:00+00:00')",
        [(t,) for t in titles],
    )
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT title, title_key, title_numbers FROM entries ORDER BY id")
        assert [tuple(r) for r in rows] == [(t, title_key(t), title_numbers(t)) for t in titles]
        indexes = {
            r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {"entries_title_block", "outbox_entry"} <= indexes
    finally:
        await db.close()


def test_title_numbers_keep_versions_apart() -> None:
    assert title_numbers("Qwen 3.5 and Gemma 4") == "3.5 4"
    assert title_numbers("no numbers") == ""


# Counts the statements SQLite's trace callback sees on the aiosqlite writer connection; a
# PostgreSQL pool has no such single connection to watch.
@pytest.mark.sqlite_only
async def test_a_round_of_unchanged_sources_commits_their_health_together_not_each(watch) -> None:
    """Re-polling 12 unchanged sources writes their health (last success, next poll) in a few
    batched units of work: no source's bookkeeping is a commit of its own. Counted from the
    statements SQLite runs on the write connection."""
    statements: list[str] = []
    conn = watch.store.db._conn  # the write connection: what SQLite is asked to run
    async with feed_server() as server:
        keys = [f"s{i}" for i in range(12)]
        for i, key in enumerate(keys):
            url = server.serve(f"/{key}.xml", rss([{**POSTS[0], "guid": f"g{i}"}]))
            await watch.store.add_source(SourceDef(key, key.upper(), url, "rss"), "test")
        assert all(o.ok for o in await watch.poller.poll_due())
        watch.clock_control.advance(minutes=31)
        await conn.set_trace_callback(statements.append)
        try:
            outcomes = await watch.poller.poll_due()
        finally:
            await conn.set_trace_callback(None)
    assert sorted(o.key for o in outcomes if o.ok and o.unchanged) == sorted(keys)
    own_commits, inside = 0, False
    for sql in statements:
        word = sql.lstrip().split(None, 1)[0].upper()
        inside = word in ("BEGIN", "SAVEPOINT") or (inside and word not in ("COMMIT", "ROLLBACK"))
        own_commits += word == "UPDATE" and not inside
    begins = sum(s.lstrip().upper().startswith("BEGIN") for s in statements)
    assert own_commits == 0 and 1 <= begins < len(keys), (own_commits, begins)
    now = watch.clock_control()
    for key in keys:
        source = await watch.store.source(key)
        assert source.last_success == iso(now) and source.next_poll > iso(now)


async def test_a_batch_of_unchanged_polls_that_fails_to_store_fails_those_polls(watch) -> None:
    """Bad input for the batched bookkeeping: a store that refuses the write. Each poll of the
    batch is recorded as failed (nothing half-written), and the next round works again."""
    async with feed_server() as server:
        url = server.serve("/f.xml", rss(POSTS))
        await watch.store.add_source(SourceDef("g", "G", url, "rss"), "test")
        assert (await watch.poller.poll_key("g")).ok
        before = await watch.store.source("g")
        await refuse(
            watch.store.db,
            "refuse",
            "feed_sources",
            "UPDATE OF next_poll",
            "disk says no",
            "NEW.consecutive_failures = 0",
        )
        watch.clock_control.advance(minutes=31)
        with pytest.raises(DATABASE_ERRORS, match="disk says no"):
            await watch.poller.poll_key("g")
        kept = await watch.store.source("g")
        assert kept.last_success == before.last_success and kept.next_poll == before.next_poll
        await allow(watch.store.db, "refuse", "feed_sources")
        again = await poll_later(watch, "g")
        assert again.ok and again.unchanged
