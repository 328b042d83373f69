"""Catalog reads at scale: the counts triggers keep, the indexes the read queries use, the pool
of read-only connections (committed rows only), and the export built off the event loop.
The timed figures are bench/scale.py's; nothing here is timed but the loop's share of the export."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.app import open_services
from bot.core.names import normalize
from bot.core.records import Batch, ModelRec, Provenance, ScoreRec, SourceRec
from bot.curation import export as export_module
from bot.curation.export import export_catalog
from bot.importers.catalog_yaml import load_yaml_text, parse_catalog
from bot.store import CatalogStore, Database
from bot.store.catalog_export import CatalogExport
from bot.store.catalog_reads import BENCHMARK_ENTRIES, MODEL_SCORES
from bot.store.curation import CurationStore
from tests.conftest import DATA, REPO, make_config, open_store


async def _truth(db: Database) -> dict[int, int]:
    """How many distinct models have a score on each benchmark, counted the slow way."""
    rows = await db.fetchall(
        "SELECT b.id, (SELECT COUNT(DISTINCT model_id) FROM scores s WHERE s.benchmark_id = b.id)"
        " FROM benchmarks b"
    )
    return {r[0]: r[1] for r in rows}


async def _kept(store: CatalogStore) -> dict[int, int]:
    return {e.id: e.models for e in await store.benchmark_entries()}


async def _plan(db: Database, sql: str, params: tuple[object, ...] = ()) -> str:
    rows = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
    return "\n".join(r["detail"] for r in rows)


async def test_popularity_counts_distinct_models_through_every_kind_of_change(
    db_path: Path,
) -> None:
    db = await open_store(db_path)
    store = CatalogStore(db)
    try:
        assert await _kept(store) == await _truth(db)  # the migration's initial count
        gpqa = next(e for e in await store.benchmark_entries() if e.name == "GPQA")
        prov, other = Provenance("scale-a"), Provenance("scale-b")
        batch = Batch(
            sources=[SourceRec("scale-a", "A", "article"), SourceRec("scale-b", "B", "article")],
            models=[ModelRec("Scale Test One"), ModelRec("Scale Test Two")],
            scores=[
                ScoreRec("Scale Test One", "GPQA", 40.0, prov),
                ScoreRec("Scale Test One", "GPQA", 41.0, other),  # the same pair: counts once
                ScoreRec("Scale Test Two", "GPQA", 50.0, prov),
            ],
        )
        await store.apply(batch)
        assert (await _kept(store))[gpqa.id] == gpqa.models + 2
        assert await _kept(store) == await _truth(db)

        one = await store.find_model_id(normalize("Scale Test One"))
        two = await store.find_model_id(normalize("Scale Test Two"))
        assert one is not None and two is not None
        curation = CurationStore(db)
        saved = await curation.rows_of_model(one)
        async with db.transaction():
            await store.delete_model(one)  # its scores go by the cascade
        assert (await _kept(store))[gpqa.id] == gpqa.models + 1
        async with db.transaction():  # undo: the rows come back with their rowids
            for table in ("models", "scores"):
                await curation.restore_rows(table, saved[table])
            await curation.restore_rows("scores", saved["scores"])  # REPLACE over themselves
        assert await _kept(store) == await _truth(db)
        async with db.transaction():  # a score moved to another model that has the pair
            await db.execute("UPDATE scores SET model_id = ? WHERE model_id = ?", (two, one))
        assert await _kept(store) == await _truth(db)
        assert (await _kept(store))[gpqa.id] == gpqa.models + 1

        scores = await store.model_scores([two])
        assert {s.popularity for s in scores if s.benchmark_id == gpqa.id} == {gpqa.models + 1}
    finally:
        await db.close()


@pytest.mark.sqlite_only  # SQLite's query plans (EXPLAIN QUERY PLAN)
async def test_model_scores_and_benchmark_entries_read_counts_and_aliases_by_index(
    db_path: Path,
) -> None:
    db = await Database.open(db_path)
    try:
        entries = await _plan(db, BENCHMARK_ENTRIES)
        scores = await _plan(db, MODEL_SCORES.format(marks="?"), (1,))
        for plan in (entries, scores):
            assert "scores_benchmark" not in plan  # no count over a benchmark's scores
            assert "benchmark_models" in plan or "SEARCH p" in plan
        assert "benchmark_aliases_benchmark" in entries
        assert "SCAN a" not in entries  # the aliases are not scanned once per benchmark
    finally:
        await db.close()


async def test_about_counts_facts_per_source_by_index(db_path: Path) -> None:
    db = await open_store(db_path)
    store = CatalogStore(db)
    try:
        truth = await db.fetchall(
            "SELECT s.key, (SELECT COUNT(*) FROM model_claims c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM license_claims c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM scores c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM events c WHERE c.source_id = s.id) FROM sources s"
        )
        assert {s.source.key: s.facts for s in await store.sources()} == {r[0]: r[1] for r in truth}
    finally:
        await db.close()


@pytest.mark.sqlite_only  # SQLite's query plans (EXPLAIN QUERY PLAN)
async def test_about_counts_a_sources_scores_by_index(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        plan = await _plan(db, "SELECT COUNT(*) FROM scores c WHERE c.source_id = ?", (1,))
        assert "scores_source" in plan
    finally:
        await db.close()


async def test_reads_outside_a_unit_of_work_see_committed_rows_without_waiting(
    db_path: Path,
) -> None:
    db = await open_store(db_path)
    store = CatalogStore(db)
    inside, release = asyncio.Event(), asyncio.Event()
    norm = normalize("Uncommitted Scale Model")

    async def change() -> None:
        async with db.transaction():
            await store.apply(Batch(models=[ModelRec("Uncommitted Scale Model")]))
            assert await store.find_model_id(norm) is not None  # its own
            inside.set()
            await release.wait()

    try:
        task = asyncio.create_task(change())
        await inside.wait()
        # Another task reads while the unit is open: at once, and without its rows.
        found = await asyncio.wait_for(store.find_model_id(norm), 10)
        assert found is None
        assert await asyncio.wait_for(store.counts(), 10) is not None
        release.set()
        await task
        assert await store.find_model_id(norm) is not None
    finally:
        release.set()
        await db.close()


async def test_an_in_memory_store_reads_on_its_one_connection() -> None:
    db = await Database.open(Path(":memory:"))
    try:
        await CatalogStore(db).apply(Batch(models=[ModelRec("Memory Model")]))
        assert await CatalogStore(db).find_model_id(normalize("Memory Model")) is not None
        rows = await db.fetchall_committed("SELECT name FROM models")
        assert [r[0] for r in rows] == ["Memory Model"]
    finally:
        await db.close()


async def test_export_of_everything_round_trips_and_leaves_the_loop_free(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "CHUNK_MODELS", 100)  # the bundled 1,140 in 12 chunks
    async with open_services(make_config(db_path)) as services:
        gaps: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            loop = asyncio.get_running_loop()
            while not done.is_set():
                start = loop.time()
                await asyncio.sleep(0.001)
                gaps.append(loop.time() - start)

        ticker = asyncio.create_task(probe())
        start = time.perf_counter()
        exported = await services.curation.export(curated_only=False)
        took = time.perf_counter() - start
        done.set()
        await ticker
    # The loop kept ticking through the export: no single stall took most of it (the YAML
    # dump alone, on the loop, was most of it).
    assert max(gaps) < took / 2, (max(gaps), took)
    fresh_path = tmp_path / "fresh.db"
    shutil.rmtree(fresh_path, ignore_errors=True)
    async with open_services(make_config(fresh_path), load_bundled=False) as fresh:
        await fresh.catalog.apply(parse_catalog(load_yaml_text(exported, "all.yaml")))
        again = await export_catalog(CatalogExport(fresh.db), curated_only=False)
    assert again == exported
    assert "GPT-4o" in exported


async def test_export_hands_the_yaml_emitter_a_few_models_at_a_time(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LibYAML's emitter holds the interpreter for a whole call: at 100k models a call per
    2,000-model chunk held the event loop for up to a second. Every call now gets at most
    DUMP_MODELS models, and the text is the one a single dump of each chunk gives."""
    calls: list[int] = []
    dump = yaml.dump

    def counting(data, *args, **kwargs):
        if isinstance(data, list):
            calls.append(len(data))
        return dump(data, *args, **kwargs)

    async with open_services(make_config(db_path)) as services:
        whole = await services.curation.export(curated_only=False)
        monkeypatch.setattr(yaml, "dump", counting)
        pieces = await services.curation.export(curated_only=False)
    assert pieces == whole
    assert calls and max(calls) <= export_module.DUMP_MODELS < export_module.CHUNK_MODELS
    assert sum(calls) == len(load_yaml_text(pieces, "all.yaml")["models"])


async def test_export_of_an_empty_store_is_an_empty_document(tmp_path: Path) -> None:
    async with open_services(make_config(tmp_path / "empty.db"), load_bundled=False) as services:
        text = await services.curation.export(curated_only=False)
        curated = await services.curation.export(curated_only=True)
    doc = load_yaml_text(text, "empty.yaml")
    assert doc["models"] == [] and doc["sources"] == []
    assert curated == text


def test_ask_model_gpt4o_snapshot_shows_its_headline_scores_from_the_raw_files(
    db_path: Path,
) -> None:
    raw = json.loads((DATA / "llmstats/models/openai/gpt-4o-2024-08-06/model.json").read_text())
    wanted = {m["dataset_name"]: m["score"] for m in raw["qualitative_metrics"]}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--db",
            str(db_path),
            "ask",
            "model",
            "gpt-4o-2024-08-06",
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    shown = {g[0]["benchmark"]: {c["value"] for c in g} for g in report["scores"]}
    for bench in ("GPQA", "MMLU"):  # the two most scored benchmarks it has
        assert round(wanted[bench] * 100, 1) in shown[bench]
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(db_path), "ask", "model", "name=\u200b"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "letters or digits" in bad.stderr


async def test_about_is_kept_until_the_catalog_changes(db_path: Path) -> None:
    async with open_services(make_config(db_path)) as services:
        first = await services.lookups.about()
        assert await services.lookups.about() is first  # no recount per /about
        await services.catalog.apply(Batch(models=[ModelRec("About Count Model")]))
        await services.lookups.refresh()  # as every catalog change does
        after = await services.lookups.about()
    assert after.counts["models"] == first.counts["models"] + 1


async def test_variants_of_a_family_are_read_in_order_from_an_index(db_path: Path) -> None:
    db = await open_store(db_path)
    store = CatalogStore(db)
    try:
        gpt4o = await store.find_model_id(normalize("GPT-4o"))
        assert gpt4o is not None
        info = await store.model(gpt4o)
        assert info is not None and info.family_norm
        rows = await db.fetchall(
            "SELECT name FROM models WHERE family_norm = ? AND id != ?", (info.family_norm, gpt4o)
        )
        assert await store.variants(info.family_norm, gpt4o) == sorted(r[0] for r in rows)
    finally:
        await db.close()


@pytest.mark.sqlite_only  # SQLite's query plans (EXPLAIN QUERY PLAN)
async def test_variants_of_a_family_are_read_from_an_index(db_path: Path) -> None:
    db = await Database.open(db_path)
    store = CatalogStore(db)
    try:
        gpt4o = await store.find_model_id(normalize("GPT-4o"))
        info = await store.model(gpt4o) if gpt4o is not None else None
        assert gpt4o is not None and info is not None and info.family_norm
        plan = await _plan(
            db,
            "SELECT name FROM models WHERE family_norm = ? AND id != ? ORDER BY name",
            (info.family_norm, gpt4o),
        )
        assert "COVERING INDEX models_family_name" in plan and "TEMP B-TREE" not in plan
    finally:
        await db.close()
