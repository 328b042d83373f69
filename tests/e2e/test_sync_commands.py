"""The live catalog sync end to end: /admin sync now|status through the stand-in, a price
change and a new model reaching a subscribed channel as alerts exactly once, /about's list."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from bot.config import SyncSourceConfig
from bot.sync.huggingface import HubAdapter, HubSettings
from tests.conftest import REPO
from tests.feed_server import feed_server
from tests.hub_server import hub_server, recorded
from tests.standin import CommandHidden

pytestmark = pytest.mark.asyncio(loop_scope="module")

FIXTURES = REPO / "tests" / "data" / "sync"
ONE = (FIXTURES / "openrouter-1.json").read_bytes()
TWO = (FIXTURES / "openrouter-2.json").read_bytes()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server():
    async with feed_server() as srv:
        yield srv


@pytest_asyncio.fixture(loop_scope="module")
async def openrouter(harness, server):
    """OpenRouter's model list served on 127.0.0.1, the engine pointed at it, its state and
    entries from an earlier test gone."""
    sources = harness.services.sync.config.sources
    saved = dict(sources)
    url = server.serve("/api/v1/models", ONE, content_type="application/json")
    sources["openrouter"] = SyncSourceConfig(url=url)
    async with harness.services.db.transaction():
        await harness.services.db.execute("DELETE FROM sync_state")
        await harness.services.db.execute(
            "DELETE FROM entries WHERE id IN (SELECT entry_id FROM entry_sources"
            " WHERE source_key LIKE 'sync:%')"
        )
    yield server
    sources.clear()
    sources.update(saved)


async def messages(harness, name: str, count: int, timeout: float = 10.0) -> list[dict]:
    """The channel's messages once there are `count` of them (and a moment more for extras)."""
    channel = harness.standin.channel(name)["id"]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(harness.standin.messages[channel]) < count and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await harness.services.watch.drain()
    return harness.standin.messages[channel]


def text_of(message: dict) -> str:
    embed = message["embeds"][0]
    fields = "".join(f["name"] + f["value"] for f in embed.get("fields", []))
    return embed.get("title", "") + embed.get("description", "") + fields


async def test_a_price_change_and_a_new_model_alert_once(harness, openrouter) -> None:
    first = await harness.owner.slash("admin sync now", source="openrouter")
    assert first.ephemeral and "first sync" in first.text(), first.text()
    added = await harness.admin.slash(
        "watch add", channel="releases", types="release, price_change"
    )
    assert added.ephemeral, added.text()
    assert await messages(harness, "releases", 1, timeout=0.5) == []  # a baseline: no flood

    openrouter.serve("/api/v1/models", TWO, content_type="application/json")
    second = await harness.owner.slash("admin sync now", source="openrouter")
    text = second.text()
    assert "1 added, 2 changed, 2 unchanged, 1 removed" in text, text
    assert "input $3.00 → $2.50 per 1M tokens" in text and "Zephyr Nova 7" in text
    posted = await messages(harness, "releases", 2)
    assert len(posted) == 2  # the shutdown entry is not a type this channel asked for
    titles = sorted(text_of(m) for m in posted)
    assert any("Claude Sonnet 4.5" in t and "input $3.00 → $2.50" in t for t in titles), titles
    assert any("New model: Zephyr Nova 7" in t for t in titles), titles
    assert all(m["allowed_mentions"] == {"parse": []} for m in posted)

    again = await harness.owner.slash("admin sync now", source="openrouter")
    assert "nothing changed" in again.text(), again.text()
    await harness.services.watch.drain()
    assert len(await messages(harness, "releases", 3, timeout=0.5)) == 2  # exactly once

    history = await harness.owner.slash("admin history")
    assert "synced openrouter: 1 added, 2 changed, 1 removed" in history.text()


async def test_a_failed_sync_is_told_and_changes_nothing(harness, openrouter) -> None:
    assert "first sync" in (await harness.owner.slash("admin sync now", source="openrouter")).text()
    before = await harness.services.sync.store.facts("openrouter")
    openrouter.serve("/api/v1/models", TWO[:1000], content_type="application/json")
    failed = await harness.owner.slash("admin sync now", source="openrouter")
    assert "Sync failed: openrouter" in failed.text() and "not valid JSON" in failed.text()
    assert await harness.services.sync.store.facts("openrouter") == before
    status = await harness.owner.slash("admin sync status")
    text = status.text()
    assert "OpenRouter model list" in text and "1 failures in a row" in text, text
    assert "Epoch AI" in text and "never synced" in text


async def test_sync_commands_are_for_curators_only(harness, openrouter) -> None:
    with pytest.raises(CommandHidden):
        await harness.member.slash("admin sync status")
    forced = await harness.member.slash("admin sync now", force=True, source="openrouter")
    assert "curators" in forced.text()
    not_curator = await harness.admin.slash("admin sync now", source="openrouter")
    assert "curators" in not_curator.text()
    assert await harness.services.sync.store.state("openrouter") is None  # nothing ran


async def test_about_lists_each_live_source_with_its_last_sync_and_size(
    harness, openrouter
) -> None:
    def line(text: str) -> str:
        return next(x for x in text.splitlines() if "**OpenRouter model list**" in x)

    before = await harness.member.slash("about")
    assert line(before.text()).endswith("— not synced yet")
    await harness.owner.slash("admin sync now", source="openrouter")
    after = line((await harness.member.slash("about")).text())
    assert "— last synced" in after and "(snapshot of " in after, after
    assert f"{len(ONE) / 1024:.1f} kB" in after and "5 models" in after


async def test_admin_sync_now_reads_the_hub_and_then_skips_it_unchanged(harness) -> None:
    engine = harness.services.sync
    configured = engine.adapters["huggingface"]
    async with hub_server() as hub:
        hub.model(recorded("nemotron-70b"))
        engine.adapters["huggingface"] = HubAdapter(HubSettings(endpoint=hub.endpoint, timeout=5))
        try:
            async with harness.services.db.transaction():
                await harness.services.db.execute(
                    "DELETE FROM sync_state WHERE key = 'huggingface'"
                )
            first = await harness.owner.slash("admin sync now", source="huggingface")
            assert "huggingface (as of" in first.text() and "first sync" in first.text()
            assert hub.hits[recorded("nemotron-70b")["id"]] == 1
            again = await harness.owner.slash("admin sync now", source="huggingface")
            assert "the same content as last time" in again.text(), again.text()
        finally:
            engine.adapters["huggingface"] = configured
    # The Hub gone: a failed sync, told to the curator, and the Hub's claims kept.
    before = await engine.store.facts("huggingface")
    engine.adapters["huggingface"] = HubAdapter(
        HubSettings(endpoint="http://127.0.0.1:9", timeout=2)
    )
    try:
        failed = await harness.owner.slash("admin sync now", source="huggingface")
    finally:
        engine.adapters["huggingface"] = configured
    assert "Sync failed: huggingface" in failed.text() and "no answer" in failed.text()
    assert await engine.store.facts("huggingface") == before and before
