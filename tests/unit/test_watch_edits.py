"""Updated items through the real store: what is a material change, what it stores, and which
edits of posted alerts it queues (the sending is in tests/e2e/test_alert_edits.py)."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config
from bot.watch.edits import EDIT_KIND, comparable, text_hash
from bot.watch.filters import Filters
from tests.unit.test_watch_ingest import item
from tests.unit.watch_helpers import clocked_watch


@pytest.fixture
async def watch(services, tmp_path):
    async with clocked_watch(services, tmp_path, timeout=0.5) as service:
        yield service


@pytest.fixture
async def quiet_watch(services, tmp_path):
    async with clocked_watch(services, tmp_path, timeout=0.5, edit_updated_alerts=False) as service:
        yield service


async def posted_alert(watch, title: str, summary: str = "It is out.") -> int:
    """An entry of source 'vendor' whose alert to channel 100 was posted as message 555."""
    await watch.subscribe("1", "100", Filters(), role_id=None, notify_channel_id=None, user_id="7")
    watch.clock_control.advance(minutes=1)
    report = await watch.ingestor.ingest(
        [item(title, "https://x.example/a", "g-a", summary=summary)]
    )
    (entry_id,) = report.new
    rows = await watch.store.db.fetchall("SELECT id FROM outbox WHERE kind = 'alert'")
    async with watch.store.transaction():
        await watch.outbox.store.mark_sent(rows[0][0], "555", "2026-11-22T12:01:00+00:00")
    return entry_id


async def edits(watch) -> list[tuple]:
    rows = await watch.store.db.fetchall(
        "SELECT status, channel_id, payload, dedupe_key FROM outbox WHERE kind = ? ORDER BY id",
        (EDIT_KIND,),
    )
    return [tuple(r) for r in rows]


def test_whitespace_and_tracking_parameters_are_no_change() -> None:
    base = text_hash("Gemma 4 is out", "See https://x.example/p?id=1&utm_source=rss")
    assert text_hash(" Gemma  4\nis out ", "See  https://x.example/p?utm_medium=a&id=1") == base
    assert text_hash("Gemma 4 is out", "See https://www.x.example/p/?id=1&fbclid=z") == base
    assert text_hash("Gemma 4 is out in the EU", "See https://x.example/p?id=1") != base
    assert text_hash("Gemma 4 is out", "See https://x.example/p?id=2") != base
    assert text_hash("Gemma 4 is Out", "See https://x.example/p?id=1") != base  # a correction
    assert comparable("a\t b\n\nc") == "a b c"


async def test_a_new_title_stores_the_text_and_queues_one_edit_per_posted_alert(watch) -> None:
    entry_id = await posted_alert(watch, "Gemma 41 preview")
    watch.clock_control.advance(minutes=5)
    report = await watch.ingestor.ingest(
        [item("Gemma 41 is available", "https://x.example/a", "g-a", summary="It is out.")]
    )
    assert report.new == [] and (report.updated, report.edits) == (1, 1)
    entry = await watch.store.entry(entry_id)
    assert entry.title == "Gemma 41 is available"
    assert entry.updated_at == "2026-11-22T12:06:00+00:00"
    ((status, channel, payload, key),) = await edits(watch)
    assert (status, channel, key.startswith("edit:")) == ("pending", "100", True)
    assert '"edit_of"' in payload
    again = await watch.ingestor.ingest(
        [item("Gemma 41 is available", "https://x.example/a", "g-a", summary="It is out.")]
    )
    assert (again.updated, again.edits) == (0, 0) and len(await edits(watch)) == 1


async def test_a_second_change_replaces_the_edit_not_yet_sent(watch) -> None:
    await posted_alert(watch, "Gemma 42 preview")
    for minutes, title in ((5, "Gemma 42 beta"), (10, "Gemma 42 is available")):
        watch.clock_control.advance(minutes=minutes)
        await watch.ingestor.ingest(
            [item(title, "https://x.example/a", "g-a", summary="It is out.")]
        )
    assert [r[0] for r in await edits(watch)] == ["dropped", "pending"]


async def test_a_new_summary_is_a_change_and_a_new_date_is_not(watch) -> None:
    entry_id = await posted_alert(watch, "Gemma 43 preview")
    redated = await watch.ingestor.ingest(
        [
            item(
                "Gemma 43 preview",
                "https://x.example/a",
                "g-a",
                date="2026-11-25T10:00:00+00:00",
                summary="It is out.",
            )
        ]
    )
    assert redated.updated == 0 and await edits(watch) == []
    summary = await watch.ingestor.ingest(
        [item("Gemma 43 preview", "https://x.example/a", "g-a", summary="Now in the EU too.")]
    )
    assert summary.updated == 1 and len(await edits(watch)) == 1
    assert (await watch.store.entry(entry_id)).summary == "Now in the EU too."


async def test_an_entry_stored_before_hashes_were_kept_gets_one_silently(watch) -> None:
    entry_id = await posted_alert(watch, "Gemma 44 preview")
    async with watch.store.transaction():  # as migration 0018 leaves older entries
        await watch.store.db.execute(
            "UPDATE entries SET text_hash = NULL WHERE id = ?", (entry_id,)
        )
    first = await watch.ingestor.ingest(
        [item("Gemma 44 preview", "https://x.example/a", "g-a", summary="It is out, longer.")]
    )
    assert first.updated == 0 and await edits(watch) == []
    later = await watch.ingestor.ingest(
        [item("Gemma 44 final", "https://x.example/a", "g-a", summary="It is out, longer.")]
    )
    assert later.updated == 1 and len(await edits(watch)) == 1


async def test_without_alert_edits_the_text_is_kept_and_nothing_is_queued(quiet_watch) -> None:
    entry_id = await posted_alert(quiet_watch, "Gemma 45 preview")
    report = await quiet_watch.ingestor.ingest(
        [item("Gemma 45 is available", "https://x.example/a", "g-a", summary="It is out.")]
    )
    assert (report.updated, report.edits) == (1, 0) and await edits(quiet_watch) == []
    assert (await quiet_watch.store.entry(entry_id)).title == "Gemma 45 is available"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_bad_edit_setting_fails_start_up_naming_the_key(value) -> None:
    with pytest.raises(ConfigError, match=r"watch\.edit_updated_alerts"):
        parse_config({"watch": {"edit_updated_alerts": value}})
    assert parse_config({}).watch.edit_updated_alerts is True
    assert (
        parse_config({"watch": {"edit_updated_alerts": False}}).watch.edit_updated_alerts is False
    )
