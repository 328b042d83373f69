"""The store as a real SQLite file: migrations, pragmas, and all-or-nothing writes."""

from pathlib import Path

import pytest

from bot.core.errors import ImportRejected
from bot.core.records import Batch, ModelRec, Provenance, ScoreRec, SourceRec
from bot.store import CatalogStore, Database


async def test_migrations_are_versioned_and_applied_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.db")
    try:
        assert await db.schema_version() >= 1
        assert await db.migrate() == []  # nothing pending on a second run
        mode = await db.fetchone("PRAGMA journal_mode")
        fk = await db.fetchone("PRAGMA foreign_keys")
        assert (mode[0], fk[0]) == ("wal", 1)
    finally:
        await db.close()


async def test_every_lookup_path_has_an_index(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.db")
    try:
        plan = await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT * FROM scores WHERE benchmark_id = ? ORDER BY value", (1,)
        )
        assert any("INDEX" in row[3] for row in plan)
        plan = await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT * FROM model_aliases WHERE norm = ?", ("x",)
        )
        assert any("INDEX" in row[3] or "PRIMARY KEY" in row[3] for row in plan)
    finally:
        await db.close()


async def test_a_failing_batch_leaves_the_store_as_it_was(services) -> None:
    store: CatalogStore = services.store
    before = await store.counts()
    batch = Batch(
        sources=[SourceRec("t", "Test source", "article")],
        models=[ModelRec("Brand New Model", org="Brand New Org")],
        scores=[ScoreRec("Brand New Model", "No Such Benchmark", 1.0, Provenance("t"))],
    )
    with pytest.raises(ImportRejected, match="No Such Benchmark"):
        await store.apply(batch)
    assert await store.counts() == before
    assert await store.find_model_id("brandnewmodel") is None


async def test_sql_metacharacters_are_data(services) -> None:
    store: CatalogStore = services.store
    name = "x'); DROP TABLE models; --"
    batch = Batch(sources=[SourceRec("t", "Test", "article")], models=[ModelRec(name)])
    await store.apply(batch)
    rows = await store.name_entries()
    assert any(r["name"] == name for r in rows)
    assert (await store.counts())["models"] > 1000


async def test_a_write_from_another_task_never_joins_an_open_transaction(tmp_path: Path) -> None:
    import asyncio

    db = await Database.open(tmp_path / "a.db")
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")
        inside = asyncio.Event()

        async def failing_change() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (1)")
                inside.set()
                await asyncio.sleep(0.05)  # another task writes meanwhile
                raise RuntimeError("the change fails")

        async def other_write() -> None:
            await inside.wait()
            await db.execute("INSERT INTO t VALUES (2)")

        results = await asyncio.gather(failing_change(), other_write(), return_exceptions=True)
        assert isinstance(results[0], RuntimeError)
        assert [r[0] for r in await db.fetchall("SELECT x FROM t")] == [2]  # kept, not rolled back
    finally:
        await db.close()
