"""The Hugging Face Hub scheduled by the sync engine, against the local Hub (tests/hub_server.py)
and a real store: the loop syncs it when due, an unchanged Hub is skipped by its hash, a newer
snapshot replaces the Hub's older values and lineage links, and a Hub that answers nothing is a
failed fetch (backoff, pause, one notice)."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import open_services
from bot.config import (
    ConfigError,
    HubConfig,
    SyncConfig,
    SyncSourceConfig,
    WatchConfig,
    load_config,
)
from tests.conftest import NO_FEEDS, make_config
from tests.hub_server import hub_server, recorded

NEMOTRON = "nemotron-70b"
RECORDED = ("nemotron-70b", "meta-llama-3.1-70b-instruct", "distill-llama-8b", "qwen3-32b")


def config(db: Path, endpoint: str, cadence_minutes: float = 24 * 60):
    return make_config(
        db,
        watch=WatchConfig(feeds_file=NO_FEEDS, ops_channel_id=4242, allow_private_feed_hosts=True),
        sync=SyncConfig(
            enabled=False,
            failure_threshold=2,
            allow_private_hosts=True,
            sources={"huggingface": SyncSourceConfig(cadence_minutes=cadence_minutes)},
        ),
        huggingface=HubConfig(endpoint=endpoint, timeout=5),
    )


@pytest.fixture
async def hub():
    async with hub_server() as server:
        for name in RECORDED:
            server.model(recorded(name))
        yield server


@pytest.fixture
async def svc(hub, db_path: Path):
    async with open_services(config(db_path, hub.endpoint)) as services:
        yield services


async def model_of(services, repo: str) -> str:
    """The catalog model the bundled data links to `repo` (what the Hub sync reads it for)."""
    [row] = [r for r in await services.catalog.hub_repos() if r.repo == repo]
    return row.model


async def hub_claims(services, model: str, field: str) -> list[str]:
    rows = await services.db.fetchall(
        "SELECT c.value FROM model_claims c JOIN models m ON m.id = c.model_id"
        " JOIN sources s ON s.id = c.source_id WHERE m.name = ? AND c.field = ?"
        " AND s.key = 'huggingface' ORDER BY c.value",
        (model, field),
    )
    return [r[0] for r in rows]


async def hub_lineage(services, model: str) -> list[tuple[str, str]]:
    rows = await services.db.fetchall(
        "SELECT l.base_name, l.relation FROM model_lineage l JOIN models m ON m.id = l.model_id"
        " JOIN sources s ON s.id = l.source_id WHERE m.name = ? AND s.key = 'huggingface'"
        " ORDER BY 1",
        (model,),
    )
    return [(r[0], r[1]) for r in rows]


async def test_the_loop_syncs_the_hub_when_due_and_not_again_before(svc, hub) -> None:
    [outcome] = await svc.sync.sync_due()
    assert outcome.key == "huggingface" and outcome.ok, outcome.describe()
    assert outcome.changes.baseline and outcome.changes.added > 0
    body = recorded(NEMOTRON)
    assert hub.hits[body["id"]] == 1
    model = await model_of(svc, body["id"])
    assert await hub_claims(svc, model, "downloads") == [str(body["downloads"])]
    assert await hub_lineage(svc, model)
    state = await svc.sync.store.state("huggingface")
    wait = datetime.fromisoformat(state.next_sync) - datetime.fromisoformat(state.last_success)
    assert wait.total_seconds() == 24 * 3600 and state.url == f"{hub.endpoint}/api/models"
    assert await svc.sync.sync_due() == []  # not due again until its cadence
    assert hub.hits[body["id"]] == 1


async def test_an_unchanged_hub_is_skipped_by_its_hash(svc) -> None:
    assert (await svc.sync.sync("huggingface")).ok
    steps: list[str] = []

    async def record(step: str) -> None:
        steps.append(step)

    svc.sync.step_hook = record
    again = await svc.sync.sync("huggingface")
    assert again.ok and again.unchanged and steps == []  # not parsed, nothing applied
    assert "the same content as last time" in again.describe()


async def test_changed_downloads_leave_one_claim_the_newer(svc, hub) -> None:
    body = recorded(NEMOTRON)
    model = await model_of(svc, body["id"])
    assert (await svc.sync.sync("huggingface")).ok
    newer = copy.deepcopy(body)
    newer["downloads"] = body["downloads"] + 1234
    newer["likes"] = body["likes"] + 5
    hub.model(newer)
    outcome = await svc.sync.sync("huggingface")
    assert outcome.ok and not outcome.unchanged and outcome.changes.changed >= 1
    assert await hub_claims(svc, model, "downloads") == [str(newer["downloads"])]
    assert await hub_claims(svc, model, "likes") == [str(newer["likes"])]
    assert outcome.entries == 0  # popularity is no release-watch news


async def test_a_removed_base_model_tag_removes_its_lineage_link(svc, hub) -> None:
    body = recorded(NEMOTRON)
    model = await model_of(svc, body["id"])
    assert (await svc.sync.sync("huggingface")).ok
    assert await hub_lineage(svc, model)
    untagged = copy.deepcopy(body)
    untagged["tags"] = [t for t in body["tags"] if not t.startswith("base_model:")]
    untagged["cardData"].pop("base_model", None)
    hub.model(untagged)
    assert (await svc.sync.sync("huggingface")).ok
    assert await hub_lineage(svc, model) == []
    assert await hub_claims(svc, model, "downloads") == [str(body["downloads"])]


async def test_an_unreachable_hub_is_a_failed_fetch_with_backoff_and_one_notice(
    db_path: Path,
) -> None:
    async with open_services(config(db_path, "http://127.0.0.1:9", cadence_minutes=60)) as svc:
        outcomes = [await svc.sync.sync("huggingface") for _ in range(3)]
        assert [(o.ok, o.paused) for o in outcomes] == [
            (False, False),
            (False, True),
            (False, True),
        ]
        assert "no answer from http://127.0.0.1:9" in outcomes[0].error
        state = await svc.sync.store.state("huggingface")
        assert state.failures == 3 and state.paused and state.last_success is None
        wait = datetime.fromisoformat(state.next_sync) - datetime.fromisoformat(state.last_attempt)
        assert wait.total_seconds() == 4 * 3600  # 1 h doubled for each failure after the first
        notices = await svc.db.fetchall(
            "SELECT payload FROM outbox WHERE kind = 'notice' AND channel_id = '4242'"
        )
        assert len(notices) == 1 and "Hugging Face Hub" in notices[0][0]
        rows = await svc.db.fetchone(
            "SELECT COUNT(*) FROM model_claims c JOIN sources s ON s.id = c.source_id"
            " WHERE s.key = 'huggingface'"
        )
        assert rows[0] == 0


def test_a_url_for_the_hub_source_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "sync:\n  sources:\n    huggingface:\n      url: https://mirror.example/api/models\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"sync\.sources\.huggingface\.url.*huggingface\.endpoint"
    ):
        load_config(path, env={})
    path.write_text("sync:\n  sources:\n    huggingface:\n      cadence_hours: 24\n", "utf-8")
    assert load_config(path, env={}).sync.sources["huggingface"].cadence_minutes == 24 * 60


async def test_a_dropped_base_model_is_a_changed_model_in_the_change_set(svc, hub) -> None:
    body = recorded(NEMOTRON)
    model = await model_of(svc, body["id"])
    assert (await svc.sync.sync("huggingface")).ok
    untagged = copy.deepcopy(body)
    untagged["tags"] = [t for t in body["tags"] if not t.startswith("base_model:")]
    hub.model(untagged)
    outcome = await svc.sync.sync("huggingface")
    assert outcome.ok and outcome.changes.changed == 1, outcome.describe()
    facts = await svc.sync.store.facts("huggingface")
    assert not any(k.startswith(model + "\x1fbase_model") for k in facts)


async def test_a_repo_that_failed_once_is_no_shutdown_entry(svc, hub) -> None:
    body = recorded(NEMOTRON)
    model = await model_of(svc, body["id"])
    assert (await svc.sync.sync("huggingface")).ok
    hub.fail(body["id"], 500)
    outcome = await svc.sync.sync("huggingface")
    assert outcome.ok and outcome.changes.removed == 1, outcome.describe()
    assert outcome.entries == 0
    entries = await svc.db.fetchall(
        "SELECT e.id FROM entries e JOIN entry_sources s ON s.entry_id = e.id"
        " WHERE s.source_key = 'sync:huggingface'"
    )
    assert entries == []
    hub.model(body)  # it answers again: its facts are back with the next sync
    assert (await svc.sync.sync("huggingface")).ok
    assert await hub_claims(svc, model, "downloads") == [str(body["downloads"])]
