"""The store as a real SQLite file: migrations, pragmas, and all-or-nothing writes."""

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import ImportRejected
from bot.core.records import Batch, ModelRec, Provenance, ScoreRec, SourceRec
from bot.store import CatalogStore, Database
from bot.store.db import StoreError
from tests.conftest import REPO


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


async def test_backlog_migration_marks_undated_curated_history(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.db")
    try:
        # Back to the schema before 0005, with entries as an older version stored them.
        await db.execute("ALTER TABLE entries DROP COLUMN backlog")
        await db.execute("DELETE FROM schema_migrations WHERE version = 5")
        rows = [
            (1, "Undated history", None, "curated"),
            (2, "Dated history", "2026-04-02T00:00:00+00:00", "curated"),
            (3, "Undated feed post", None, "vendor"),
        ]
        for entry_id, title, published, source in rows:
            await db.execute(
                "INSERT INTO entries(id, title, published, type, first_seen)"
                " VALUES (?, ?, ?, 'release', '2026-11-01T00:00:00+00:00')",
                (entry_id, title, published),
            )
            await db.execute(
                "INSERT INTO entry_sources(entry_id, source_key, source_name, seen_at)"
                " VALUES (?, ?, ?, '2026-11-01T00:00:00+00:00')",
                (entry_id, source, source),
            )
        assert await db.migrate() == ["entry_backlog"]
        marks = await db.fetchall("SELECT id, backlog FROM entries ORDER BY id")
        assert [tuple(r) for r in marks] == [(1, 1), (2, 0), (3, 0)]
    finally:
        await db.close()


async def test_digest_pause_migration_keeps_schedules_and_never_reuses_ids(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.db")
    try:
        # Back to the schedules table as migration 0003 made it, holding one schedule.
        await db.execute("DROP TABLE digest_schedules")
        old_table = resources.files("bot.store").joinpath("migrations/0003_digests.sql")
        sql = "\n".join(line.split("--")[0] for line in old_table.read_text().splitlines())
        for statement in sql.split(";"):
            if statement.strip():
                await db.execute(statement)
        await db.execute("DELETE FROM schema_migrations WHERE version = 6")
        await db.execute(
            "INSERT INTO digest_schedules(id, guild_id, channel_id, frequency, at, zone, next_run,"
            " created_at) VALUES (7, 'g', 'c', 'daily', '09:00', 'UTC', 'n', 'now')"
        )
        assert await db.migrate() == ["digest_pause"]
        (row,) = await db.fetchall("SELECT * FROM digest_schedules")
        assert (row["id"], row["channel_id"], row["paused_reason"]) == (7, "c", None)
        await db.execute("DELETE FROM digest_schedules")
        await db.execute(
            "INSERT INTO digest_schedules(guild_id, channel_id, frequency, at, zone, next_run,"
            " created_at) VALUES ('g', 'c', 'daily', '09:00', 'UTC', 'n', 'now')"
        )
        (again,) = await db.fetchall("SELECT id FROM digest_schedules")
        assert again["id"] == 8  # not 7 again: its digests' exactly-once keys stay its own
    finally:
        await db.close()


async def test_outbox_migration_keeps_rows_and_never_reuses_ids(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.db")
    try:
        # Back to the outbox as migrations 0002 and 0008 made it, holding two rows.
        await db.execute("DROP TABLE outbox")
        old_table = resources.files("bot.store").joinpath("migrations/0002_watch.sql")
        sql = "\n".join(line.split("--")[0] for line in old_table.read_text().splitlines())
        create = next(s for s in sql.split(";") if "CREATE TABLE outbox" in s)
        await db.execute(create)
        await db.execute("ALTER TABLE outbox ADD COLUMN attempted_at TEXT")
        await db.execute("DELETE FROM schema_migrations WHERE version = 11")
        for outbox_id in (4, 5):
            await db.execute(
                "INSERT INTO outbox(id, dedupe_key, kind, channel_id, created_at, attempted_at)"
                " VALUES (?, ?, 'notice', 'c', 'now', 'then')",
                (outbox_id, f"k{outbox_id}"),
            )
        assert await db.migrate() == ["outbox_autoincrement"]
        rows = await db.fetchall("SELECT id, dedupe_key, attempted_at FROM outbox ORDER BY id")
        assert [tuple(r) for r in rows] == [(4, "k4", "then"), (5, "k5", "then")]
        await db.execute("DELETE FROM outbox WHERE id = 5")  # the newest row, already posted
        await db.execute(
            "INSERT INTO outbox(dedupe_key, kind, channel_id, created_at)"
            " VALUES ('k6', 'notice', 'c', 'now')"
        )
        again = await db.fetchone("SELECT id FROM outbox WHERE dedupe_key = 'k6'")
        assert again["id"] == 6  # not 5 again: the channel's message marked 5 is not its post
        plan = await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE channel_id = ? AND status = ?",
            ("c", "pending"),
        )
        assert any("INDEX" in row[3] for row in plan)
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
    store: CatalogStore = services.catalog
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
    store: CatalogStore = services.catalog
    name = "x'); DROP TABLE models; --"
    batch = Batch(sources=[SourceRec("t", "Test", "article")], models=[ModelRec(name)])
    await store.apply(batch)
    rows = await store.name_entries()
    assert any(r.name == name for r in rows)
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


def big_batch(models: int) -> Batch:
    source = SourceRec("full", "Full disk test", "article")
    return Batch(
        sources=[source],
        models=[
            ModelRec(f"Full Disk Model {i}", aliases=(f"fdm {i} " + "x" * 200,))
            for i in range(models)
        ],
    )


async def test_a_full_database_says_so_and_keeps_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "full.db")
    store = CatalogStore(db)
    try:
        before = await store.counts()
        pages = (await db.fetchone("PRAGMA page_count"))[0]
        # The database may not grow past a few more pages: what a full disk looks like to SQLite.
        await db.execute(f"PRAGMA max_page_count = {pages + 3}")
        with pytest.raises(StoreError) as err:
            await store.apply(big_batch(2000))
        message = str(err.value)
        assert "the disk or the database is full" in message, message
        assert "cannot rollback" not in message
        assert await store.counts() == before
        await db.execute("PRAGMA max_page_count = 1073741823")
        summary = await store.apply(big_batch(5))  # no transaction was left open
        assert summary.added["models"] == 5
    finally:
        await db.close()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` read-only for this process. Root ignores permission bits, so as root the
    file is made immutable (chattr +i), which binds root too."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


@pytest.mark.sqlite_only  # the SQLite file made read-only (chmod) under the bot
async def test_a_read_only_database_says_so(bundled_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    shutil.copy(bundled_db, path)
    db = await Database.open(path)
    await db.close()
    content = path.read_bytes()
    with read_only(path):
        db = await Database.open(path)  # reading works
        try:
            with pytest.raises(StoreError, match="the database is read-only"):
                async with db.transaction():
                    await db.execute("DELETE FROM models")
            assert (await db.fetchone("SELECT COUNT(*) FROM models"))[0] > 0
        finally:
            await db.close()
        out = subprocess.run(
            [sys.executable, "-m", "bot", "--db", str(path), "ask", "about"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 1
    assert out.stderr.startswith(f"Database error: {path}: the database is read-only")
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert path.read_bytes() == content


@pytest.mark.sqlite_only  # RLIMIT_FSIZE limits the bot's own writes to its SQLite file
def test_a_write_the_disk_refuses_gives_one_line_and_keeps_nothing(
    bundled_db: Path, tmp_path: Path
) -> None:
    """`import catalog` in a process that may not grow files (RLIMIT_FSIZE, as a full disk
    refuses writes): one line naming the database, and the store as it was."""
    path = tmp_path / "limited.db"
    shutil.copy(bundled_db, path)
    catalog = tmp_path / "many.yaml"
    models = [{"name": f"Limit Model {i}", "aliases": [f"lm{i}-" + "x" * 150]} for i in range(3000)]
    catalog.write_text(
        json.dumps({"sources": [{"key": "lim", "name": "L", "kind": "article"}], "models": models})
    )

    def limit_file_size() -> None:  # in the child: no file may grow past 64 KiB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get an error from write(), not death
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    out = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(path), "import", "catalog", str(catalog)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_file_size,
    )
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith(f"Database error: {path}: a disk I/O error"), out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM models WHERE name LIKE 'Limit Model%'"
        ).fetchone() == (0,)


# ---- the unit of work: transaction() is reentrant within a task ------------------------------


@contextmanager
def committed_view(path: Path) -> Iterator[sqlite3.Connection]:
    """A second connection to the file: it sees only what has been committed."""
    conn = sqlite3.connect(path)
    try:
        yield conn
    finally:
        conn.close()


def committed(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT x FROM t ORDER BY x")]


async def within_deadline(work: Coroutine[Any, Any, None]) -> None:
    """Await `work`, failing (not hanging) if a nested transaction deadlocks."""
    import asyncio

    await asyncio.wait_for(work, timeout=30)


async def open_with_table(path: Path) -> Database:
    db = await Database.open(path)
    await db.execute("CREATE TABLE t (x INTEGER)")
    return db


async def test_a_nested_transaction_joins_the_outer_one_and_commits_once(tmp_path: Path) -> None:

    db = await open_with_table(tmp_path / "u.db")
    try:
        with committed_view(tmp_path / "u.db") as view:

            async def nested() -> None:
                async with db.transaction():
                    await db.execute("INSERT INTO t VALUES (1)")
                    async with db.transaction():
                        await db.execute("INSERT INTO t VALUES (2)")
                        async with db.transaction():
                            await db.execute("INSERT INTO t VALUES (3)")
                    assert committed(view) == []  # the inner blocks ended; nothing committed yet
                    assert db.in_transaction

            await within_deadline(nested())  # it used to deadlock here
            assert committed(view) == [1, 2, 3]
            assert not db.in_transaction
    finally:
        await db.close()


async def test_an_inner_failure_caught_by_the_outer_block_undoes_only_the_inner_work(
    tmp_path: Path,
) -> None:
    db = await open_with_table(tmp_path / "u.db")
    try:

        async def command() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (1)")
                with pytest.raises(RuntimeError):
                    async with db.transaction():
                        await db.execute("INSERT INTO t VALUES (2)")
                        raise RuntimeError("the inner step fails")
                await db.execute("INSERT INTO t VALUES (3)")  # the outer unit goes on

        await within_deadline(command())
        with committed_view(tmp_path / "u.db") as view:
            assert committed(view) == [1, 3]
    finally:
        await db.close()


async def test_an_inner_failure_let_through_rolls_the_whole_unit_back(tmp_path: Path) -> None:
    db = await open_with_table(tmp_path / "u.db")
    try:
        await db.execute("INSERT INTO t VALUES (0)")

        async def command() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (1)")
                async with db.transaction():
                    await db.execute("INSERT INTO t VALUES (2)")
                    raise RuntimeError("the inner step fails")

        with pytest.raises(RuntimeError):
            await within_deadline(command())
        with committed_view(tmp_path / "u.db") as view:
            assert committed(view) == [0]  # exactly as before the command
        async with db.transaction():  # nothing was left open
            await db.execute("INSERT INTO t VALUES (4)")
        assert [r[0] for r in await db.fetchall("SELECT x FROM t ORDER BY x")] == [0, 4]
    finally:
        await db.close()


async def test_an_outer_failure_rolls_back_the_inner_work(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "u.db")
    store = CatalogStore(db)
    try:
        before = await store.counts()

        async def command() -> None:
            async with db.transaction():
                summary = await store.apply(big_batch(3))  # joins, and its block ends cleanly
                assert summary.added["models"] == 3
                raise RuntimeError("a later step of the command fails")

        with pytest.raises(RuntimeError):
            await within_deadline(command())
        assert await store.counts() == before
        assert await store.find_model_id("fulldiskmodel0") is None
    finally:
        await db.close()


async def test_another_tasks_transaction_waits_and_is_not_joined(tmp_path: Path) -> None:
    import asyncio

    db = await open_with_table(tmp_path / "u.db")
    try:
        inside = asyncio.Event()
        release = asyncio.Event()
        order: list[str] = []

        async def failing_change() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (1)")
                inside.set()
                await release.wait()
                order.append("first ends")
                raise RuntimeError("the first change fails")

        async def second_change() -> list[int]:
            await inside.wait()
            assert not db.in_transaction  # another task's unit is not this task's
            async with db.transaction():
                order.append("second starts")
                await db.execute("INSERT INTO t VALUES (2)")
            return [r["x"] for r in await db.fetchall_committed("SELECT x FROM t")]

        async def committed_read() -> list[int]:
            await inside.wait()
            return [r["x"] for r in await db.fetchall_committed("SELECT x FROM t")]

        first = asyncio.create_task(failing_change())
        second = asyncio.create_task(second_change())
        read = asyncio.create_task(committed_read())
        await inside.wait()
        await asyncio.sleep(0.2)  # give the others every chance to barge in
        assert not second.done()
        # A read outside a unit of work runs on the read pool: it does not wait for the open
        # unit, and sees none of its uncommitted rows.
        assert await asyncio.wait_for(read, timeout=10) == []
        release.set()
        results = await asyncio.wait_for(
            asyncio.gather(first, second, read, return_exceptions=True), timeout=30
        )
        assert isinstance(results[0], RuntimeError)
        assert results[1] == [2]  # its own row, none of the failed change's
        assert results[2] == []  # it never saw the uncommitted row
        assert order == ["first ends", "second starts"]
    finally:
        await db.close()
