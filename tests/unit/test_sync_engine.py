"""The sync engine against a real HTTP server on 127.0.0.1 and a real store: conditional GET and
content hash (an unchanged source costs nothing), supersede within a source and side by side
across sources, older snapshots refused, failures with backoff and one pause notice, and a
sync that dies half-way leaving the previous state."""

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import open_services
from bot.config import SyncConfig, SyncSourceConfig, WatchConfig
from tests.conftest import NO_FEEDS, REPO, make_config
from tests.feed_server import feed_server

FIXTURES = REPO / "tests" / "data" / "sync"
ONE = (FIXTURES / "openrouter-1.json").read_bytes()
TWO = (FIXTURES / "openrouter-2.json").read_bytes()


def config(db: Path, **sync):
    sync.setdefault("allow_private_hosts", True)
    return make_config(
        db,
        watch=WatchConfig(feeds_file=NO_FEEDS, ops_channel_id=4242, allow_private_feed_hosts=True),
        sync=SyncConfig(enabled=False, **sync),
    )


@pytest.fixture
async def svc(db_path: Path):
    async with open_services(config(db_path, failure_threshold=2)) as services:
        services.sync.fetcher.retries = 0
        yield services


async def claims(services, model: str, field: str) -> list[tuple[str, str]]:
    rows = await services.db.fetchall(
        "SELECT c.value, s.key FROM model_claims c JOIN models m ON m.id = c.model_id"
        " JOIN sources s ON s.id = c.source_id WHERE m.name = ? AND c.field = ?"
        " ORDER BY s.key, c.value",
        (model, field),
    )
    return [(r[0], r[1]) for r in rows]


async def snapshot_of_store(services) -> tuple:
    """What a sync may change: the source's claims, its state, the watch's entries."""
    claims_ = await services.db.fetchall(
        "SELECT model_id, field, value, as_of FROM model_claims WHERE source_id ="
        " (SELECT id FROM sources WHERE key = 'openrouter') ORDER BY 1, 2, 3"
    )
    state = await services.db.fetchall("SELECT * FROM sync_state")
    entries = await services.db.fetchall("SELECT id, title FROM entries ORDER BY id")
    return [tuple(r) for r in claims_], [tuple(r) for r in state], [tuple(r) for r in entries]


async def test_a_304_with_its_etag_costs_nothing(svc) -> None:
    steps: list[str] = []

    async def record(step: str) -> None:
        steps.append(step)

    svc.sync.step_hook = record
    async with feed_server() as server:
        url = server.serve("/models", ONE, etag='"v1"', content_type="application/json")
        svc.sync.config.sources["openrouter"] = SyncSourceConfig(url=url)
        first = await svc.sync.sync("openrouter")
        assert first.ok and first.changes.baseline and steps
        steps.clear()
        before = await snapshot_of_store(svc)
        again = await svc.sync.sync("openrouter")
        assert again.ok and again.not_modified and server.conditional_hits["/models"] == 1
        assert steps == []  # not parsed, nothing applied
        after = await snapshot_of_store(svc)
        assert after[0] == before[0] and after[2] == before[2]


async def test_the_same_bytes_without_an_etag_are_not_parsed_again(svc) -> None:
    steps: list[str] = []

    async def record(step: str) -> None:
        steps.append(step)

    svc.sync.step_hook = record
    async with feed_server() as server:
        url = server.serve("/models", ONE, content_type="application/json")
        assert (await svc.sync.sync("openrouter", origin=url)).ok
        steps.clear()
        again = await svc.sync.sync("openrouter", origin=url)
        assert again.ok and again.unchanged and steps == []
        assert "the same content as last time" in again.describe()


async def test_a_newer_snapshot_supersedes_its_own_source_and_leaves_the_others(svc) -> None:
    epoch_before = await claims(svc, "Claude Sonnet 4.5", "modality")
    assert epoch_before and all(source == "epoch" for _, source in epoch_before)
    async with feed_server() as server:
        url = server.serve("/models", ONE, content_type="application/json")
        await svc.sync.sync("openrouter", origin=url)
        assert ("128000", "openrouter") in await claims(svc, "GPT-4o", "context_window")
        server.serve("/models", TWO, content_type="application/json")
        outcome = await svc.sync.sync("openrouter", origin=url)
    assert outcome.ok and outcome.entries == 3, outcome.describe()
    context = await claims(svc, "GPT-4o", "context_window")
    assert ("256000", "openrouter") in context and ("128000", "openrouter") not in context
    assert await claims(svc, "Claude Sonnet 4.5", "modality") == [
        *epoch_before,
        ("text,image", "openrouter"),
    ]  # Epoch's claim is still there, beside OpenRouter's that disagrees
    assert await claims(svc, "Mistral Small 3.1 24B", "context_window") == []  # removed
    entries = await svc.db.fetchall(
        "SELECT e.type, e.title FROM entries e JOIN entry_sources s ON s.entry_id = e.id"
        " WHERE s.source_key = 'sync:openrouter' ORDER BY e.type"
    )
    assert [tuple(r) for r in entries] == [
        ("price_change", "Claude Sonnet 4.5 (openrouter): input $3.00 → $2.50 per 1M tokens"),
        ("release", "New model: Zephyr Nova 7"),
        ("shutdown", "Mistral Small 3.1 24B no longer listed by OpenRouter model list"),
    ]


async def test_an_older_snapshot_imported_later_is_refused(svc, tmp_path: Path) -> None:
    new, old = tmp_path / "two.json", tmp_path / "one.json"
    new.write_bytes(TWO)
    old.write_bytes(ONE)
    assert (await svc.sync.sync("openrouter", origin=str(new), as_of="2026-11-02")).ok
    before = await snapshot_of_store(svc)
    refused = await svc.sync.sync("openrouter", origin=str(old), as_of="2026-11-01")
    assert not refused.ok
    assert "of 2026-11-01, older than the one of 2026-11-02 already applied" in refused.error
    assert await snapshot_of_store(svc) == before
    assert ("256000", "openrouter") in await claims(svc, "GPT-4o", "context_window")


async def test_failures_back_off_pause_and_tell_the_operators_once(svc) -> None:
    async with feed_server() as server:
        url = server.serve("/models", ONE, status=500)
        svc.sync.config.sources["openrouter"] = SyncSourceConfig(cadence_minutes=60, url=url)
        outcomes = [await svc.sync.sync("openrouter") for _ in range(3)]
        assert [(o.ok, o.paused) for o in outcomes] == [
            (False, False),
            (False, True),
            (False, True),
        ]
        assert outcomes[0].error == "HTTP 500"
        state = await svc.sync.store.state("openrouter")
        assert state.failures == 3 and state.paused
        wait = datetime.fromisoformat(state.next_sync) - datetime.fromisoformat(state.last_attempt)
        assert wait.total_seconds() == 4 * 3600  # 1 h doubled for each failure after the first
        server.serve("/models", ONE, content_type="application/json")
        back = await svc.sync.sync("openrouter")
    assert back.ok and back.resumed
    notices = await svc.db.fetchall(
        "SELECT payload FROM outbox WHERE kind = 'notice' AND channel_id = '4242' ORDER BY id"
    )
    texts = [r[0] for r in notices]
    assert len(texts) == 2, texts
    assert "paused" in texts[0] and "HTTP 500" in texts[0] and "answers again" in texts[1]


async def test_a_timeout_a_truncated_body_and_an_oversize_one_keep_the_previous_state(
    svc,
) -> None:
    async with feed_server() as server:
        url = server.serve("/models", ONE, content_type="application/json")
        assert (await svc.sync.sync("openrouter", origin=url)).ok
        before = await snapshot_of_store(svc)
        server.serve("/models", TWO[:900], content_type="application/json")
        truncated = await svc.sync.sync("openrouter", origin=url)
        assert not truncated.ok and "not valid JSON" in truncated.error
        server.serve("/models", TWO, delay=5.0)
        svc.sync.fetcher.timeout = 0.3
        slow = await svc.sync.sync("openrouter", origin=url)
        assert not slow.ok and slow.error == "timed out after 0.3 s"
        svc.sync.fetcher.timeout = 20.0
        svc.sync.fetcher.max_bytes = 2048
        server.serve("/models", TWO, content_type="application/json")
        big = await svc.sync.sync("openrouter", origin=url)
        assert not big.ok and "2,048-byte cap" in big.error
    assert await snapshot_of_store(svc) == before


async def test_a_private_host_is_refused_unless_allowed(db_path: Path) -> None:
    async with (
        open_services(config(db_path, allow_private_hosts=False)) as services,
        feed_server() as server,
    ):
        url = server.serve("/models", ONE)
        outcome = await services.sync.sync("openrouter", origin=url)
        assert not outcome.ok and outcome.error == "address not allowed"
        assert server.hits["/models"] == 0


@pytest.mark.parametrize("step", ["superseded", "applied", "ingested"])
async def test_a_sync_that_dies_half_way_leaves_the_previous_state(svc, step: str) -> None:
    async with feed_server() as server:
        url = server.serve("/models", ONE, content_type="application/json")
        assert (await svc.sync.sync("openrouter", origin=url)).ok
        before = await snapshot_of_store(svc)
        server.serve("/models", TWO, content_type="application/json")

        async def die(at: str) -> None:
            if at == step:
                raise asyncio.CancelledError  # the process is stopped right here

        svc.sync.step_hook = die
        with pytest.raises(asyncio.CancelledError):
            await svc.sync.sync("openrouter", origin=url)
        assert await snapshot_of_store(svc) == before
        assert svc.lookups.models.exact("Zephyr Nova 7") is None

        async def disk_error(at: str) -> None:
            if at == step:
                raise sqlite3.OperationalError("disk I/O error (injected)")

        svc.sync.step_hook = disk_error
        failed = await svc.sync.sync("openrouter", origin=url)
        assert not failed.ok and "applying it failed" in failed.error
        assert await snapshot_of_store(svc) == before
        svc.sync.step_hook = None
        done = await svc.sync.sync("openrouter", origin=url)
        assert done.ok and done.changes.added == 1, done.describe()


async def test_an_unknown_source_is_a_clear_refusal(svc) -> None:
    from bot.core.errors import UserError

    with pytest.raises(UserError, match=r"no sync source 'nope'\. Sources: epoch, openrouter"):
        await svc.sync.sync("nope")


async def test_the_loop_syncs_each_enabled_source_when_due_and_not_before(svc) -> None:
    async with feed_server() as server:
        url = server.serve("/models", ONE, content_type="application/json")
        sources = svc.sync.config.sources
        sources.clear()
        sources["openrouter"] = SyncSourceConfig(cadence_minutes=60, url=url)
        first = await svc.sync.sync_due()
        assert [(o.key, o.ok) for o in first] == [("openrouter", True)]
        assert await svc.sync.sync_due() == []  # next due in an hour
        assert server.hits["/models"] == 1
