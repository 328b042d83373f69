"""PgDatabase on a real PostgreSQL server (tests/pg_server.py): the unit of work, the
translator at work, ids, row counts, type coercion, and what the operator sees when the
server or the database is the trouble. The schema is a tiny stand-in migration folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.store.errors import StoreError
from bot.store.pg import PgDatabase, coerce, explain_pg, rowcount

pytestmark = pytest.mark.postgresql

SCHEMA = """
CREATE TABLE store_upkeep (task TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE t (x BIGINT);
CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, score DOUBLE PRECISION,
                    n BIGINT);
"""


def stand_in_migrations(root: Path) -> Path:
    """SQLite 0001 and 0002, a PostgreSQL baseline standing for both, and 0003 in both."""
    folder = root / "migrations"
    (folder / "postgresql").mkdir(parents=True)
    (folder / "0001_first.sql").write_text("CREATE TABLE t (x INTEGER);")
    (folder / "0002_second.sql").write_text("CREATE TABLE items (id INTEGER PRIMARY KEY);")
    (folder / "postgresql" / "0002_baseline.sql").write_text(SCHEMA)
    (folder / "0003_third.sql").write_text("CREATE TABLE third (y TEXT);")
    (folder / "postgresql" / "0003_third.sql").write_text("CREATE TABLE third (y TEXT);")
    return folder


@pytest.fixture
async def pg(pg_dsn: str, tmp_path: Path) -> AsyncIterator[PgDatabase]:
    db = await PgDatabase.open(pg_dsn, migrations_folder=stand_in_migrations(tmp_path))
    try:
        yield db
    finally:
        await db.close()


async def committed(db: PgDatabase) -> list[int]:
    return [r["x"] for r in await db.fetchall("SELECT x FROM t ORDER BY x")]


async def test_the_baseline_records_the_sqlite_versions_it_stands_for(
    pg: PgDatabase, tmp_path: Path
) -> None:
    rows = await pg.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [tuple(r) for r in rows] == [(1, "first"), (2, "second"), (3, "third")]
    assert await pg.schema_version() == 3
    assert await pg.migrate(tmp_path / "migrations") == []  # nothing pending on a second run
    assert pg.dialect == "postgresql"


async def test_a_later_migration_is_applied_on_its_own(pg: PgDatabase, tmp_path: Path) -> None:
    (tmp_path / "migrations" / "postgresql" / "0004_fourth.sql").write_text(
        "ALTER TABLE third ADD COLUMN z BIGINT;"
    )
    assert await pg.migrate(tmp_path / "migrations") == ["fourth"]
    assert await pg.schema_version() == 4


async def test_a_failing_migration_keeps_nothing_of_itself(pg: PgDatabase, tmp_path: Path) -> None:
    (tmp_path / "migrations" / "postgresql" / "0004_bad.sql").write_text(
        "CREATE TABLE fourth (a BIGINT); SELECT no_such_function();"
    )
    with pytest.raises(asyncpg.UndefinedFunctionError):
        await pg.migrate(tmp_path / "migrations")
    assert await pg.schema_version() == 3
    assert await pg.fetchone("SELECT 1 FROM pg_tables WHERE tablename = 'fourth'") is None


async def test_a_database_older_than_the_baseline_is_refused(pg_dsn: str, tmp_path: Path) -> None:
    conn = await asyncpg.connect(pg_dsn)
    await conn.execute(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT '');"
        "INSERT INTO schema_migrations(version, name) VALUES (1, 'first')"
    )
    await conn.close()
    with pytest.raises(StoreError, match="schema version 1, older than the PostgreSQL baseline"):
        await PgDatabase.open(pg_dsn, migrations_folder=stand_in_migrations(tmp_path))


async def test_two_processes_migrating_together_apply_each_migration_once(
    pg_dsn: str, tmp_path: Path
) -> None:
    folder = stand_in_migrations(tmp_path)
    first, second = await asyncio.gather(
        PgDatabase.open(pg_dsn, migrations_folder=folder),
        PgDatabase.open(pg_dsn, migrations_folder=folder),
    )
    try:
        assert await first.schema_version() == 3
        rows = await first.fetchall("SELECT version FROM schema_migrations")
        assert sorted(r[0] for r in rows) == [1, 2, 3]
    finally:
        await first.close()
        await second.close()


async def test_a_nested_transaction_joins_the_outer_one_and_commits_once(pg: PgDatabase) -> None:
    async with pg.transaction():
        await pg.execute("INSERT INTO t VALUES (?)", (1,))
        async with pg.transaction():
            await pg.execute("INSERT INTO t VALUES (?)", (2,))
            async with pg.transaction():
                await pg.execute("INSERT INTO t VALUES (?)", (3,))
        assert pg.in_transaction
        assert await committed(pg) == [1, 2, 3]  # the unit sees its own rows
        assert await pg.fetchall_committed("SELECT x FROM t") != []  # its own, inside it
    assert not pg.in_transaction
    assert await committed(pg) == [1, 2, 3]


async def test_an_inner_failure_caught_by_the_outer_block_undoes_only_the_inner_work(
    pg: PgDatabase,
) -> None:
    async with pg.transaction():
        await pg.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError):
            async with pg.transaction():
                await pg.execute("INSERT INTO t VALUES (2)")
                raise RuntimeError("the inner step fails")
        await pg.execute("INSERT INTO t VALUES (3)")  # the outer unit goes on
    assert await committed(pg) == [1, 3]


async def test_an_inner_failure_let_through_rolls_the_whole_unit_back(pg: PgDatabase) -> None:
    await pg.execute("INSERT INTO t VALUES (0)")
    with pytest.raises(RuntimeError):
        async with pg.transaction():
            await pg.execute("INSERT INTO t VALUES (1)")
            async with pg.transaction():
                await pg.execute("INSERT INTO t VALUES (2)")
                raise RuntimeError("the inner step fails")
    assert await committed(pg) == [0]
    async with pg.transaction():  # nothing was left open
        await pg.execute("INSERT INTO t VALUES (4)")
    assert await committed(pg) == [0, 4]


async def test_a_failed_statement_caught_inside_a_unit_does_not_commit_half_of_it(
    pg: PgDatabase,
) -> None:
    # PostgreSQL aborts the unit at its first failed statement: it must not end as a silent
    # partial commit (COMMIT of an aborted transaction answers ROLLBACK).
    with pytest.raises(StoreError, match="rolled back after an error"):
        async with pg.transaction():
            await pg.execute("INSERT INTO t VALUES (1)")
            with pytest.raises(asyncpg.UndefinedTableError):
                await pg.execute("INSERT INTO no_such_table VALUES (1)")
    assert await committed(pg) == []


async def test_another_tasks_write_waits_and_pool_reads_see_only_committed_rows(
    pg: PgDatabase,
) -> None:
    inside, release = asyncio.Event(), asyncio.Event()

    async def failing_change() -> None:
        async with pg.transaction():
            await pg.execute("INSERT INTO t VALUES (1)")
            inside.set()
            await release.wait()
            raise RuntimeError("the change fails")

    async def other_write() -> None:
        await inside.wait()
        assert not pg.in_transaction  # another task's unit is not this task's
        await pg.execute("INSERT INTO t VALUES (2)")

    first = asyncio.create_task(failing_change())
    second = asyncio.create_task(other_write())
    await inside.wait()
    await asyncio.sleep(0.2)  # give the write every chance to barge in
    assert not second.done()  # it waits for the write lock, it does not join
    assert await asyncio.wait_for(pg.fetchall_committed("SELECT x FROM t"), 10) == []
    assert await asyncio.wait_for(pg.fetchall("SELECT x FROM t"), 10) == []
    release.set()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert await committed(pg) == [2]  # kept, not rolled back with the failed change


async def test_insert_returns_the_new_key_and_execute_counts_rows(pg: PgDatabase) -> None:
    first = await pg.insert("INSERT INTO items(name, n) VALUES (?, ?)", ("a", 1))
    second = await pg.insert("INSERT INTO items(name, n) VALUES (?, ?)", ("b", 2))
    assert second == first + 1
    assert await pg.insert("INSERT INTO t(x) VALUES (?)", (7,), key="x") == 7
    assert (await pg.execute("UPDATE items SET n = n + 1")).rowcount == 2
    assert (await pg.execute("DELETE FROM items WHERE name = ?", ("nobody",))).rowcount == 0
    ignored = await pg.execute("INSERT OR IGNORE INTO items(name) VALUES (?)", ("a",))
    assert ignored.rowcount == 0  # translated to ON CONFLICT DO NOTHING
    assert (await pg.execute("CREATE TABLE other (a BIGINT)")).rowcount == -1


async def test_an_insert_that_writes_nothing_says_so(pg: PgDatabase) -> None:
    await pg.execute("INSERT INTO items(name) VALUES ('a')")
    with pytest.raises(LookupError, match="inserted no row"):
        await pg.insert("INSERT OR IGNORE INTO items(name) VALUES (?)", ("a",))


async def test_executemany_counts_the_rows_it_changed(pg: PgDatabase) -> None:
    rows = [(f"m{i}", i) for i in range(5)]
    assert await pg.executemany("INSERT INTO items(name, n) VALUES (?, ?)", rows) == 5
    again = [("m0", 0), ("m1", 1), ("new", 9)]
    assert await pg.executemany("INSERT OR IGNORE INTO items(name, n) VALUES (?, ?)", again) == 1
    updates = [(10, "m0"), (11, "nobody"), (12, "m2")]
    assert await pg.executemany("UPDATE items SET n = ? WHERE name = ?", updates) == 2
    assert await pg.executemany("DELETE FROM items WHERE n < ?", [(100,), (100,)]) == 6
    assert await pg.executemany("DELETE FROM items", []) == 0


async def test_parameters_of_the_wrong_python_type_are_coerced_as_sqlite_would(
    pg: PgDatabase,
) -> None:
    # asyncpg refuses an int for a TEXT parameter (SQLite stores its digits), a str of
    # digits for a BIGINT, an int for a DOUBLE PRECISION: they are converted and retried.
    await pg.execute("INSERT INTO items(name, n, score) VALUES (?, ?, ?)", (42, "7", 3))
    row = await pg.fetchrow("SELECT name, n, score FROM items WHERE name = ?", (42,))
    assert (row["name"], row["n"], row["score"]) == ("42", 7, 3.0)
    assert type(row["score"]) is float
    async with pg.transaction():  # the refused try does not abort an open unit
        assert await pg.executemany("INSERT INTO items(name, n) VALUES (?, ?)", [(1, "2")]) == 1
        assert await pg.insert("INSERT INTO items(name, n) VALUES (?, ?)", (False, 2.0)) > 0
    rows = await pg.fetchall("SELECT name, n FROM items ORDER BY id")
    assert [tuple(r) for r in rows] == [("42", 7), ("1", 2), ("0", 2)]


async def test_a_value_that_cannot_be_coerced_is_refused_by_the_driver(pg: PgDatabase) -> None:
    with pytest.raises(asyncpg.DataError):
        await pg.execute("INSERT INTO items(name, n) VALUES (?, ?)", ("a", "seven"))
    assert await pg.fetchall("SELECT * FROM items") == []


def test_coerce_keeps_what_it_cannot_convert() -> None:
    assert coerce("seven", "int8") == "seven"
    assert coerce(2.0, "int8") == 2 and coerce(2.5, "int8") == 2.5
    assert coerce(True, "text") == "1" and coerce(1.5, "text") == "1.5"
    assert coerce(None, "int8") is None
    assert coerce("x", "bytea") == b"x"
    assert rowcount("INSERT 0 3") == 3 and rowcount("UPDATE 0") == 0 and rowcount(None) == -1


async def test_sums_and_averages_read_as_sqlite_gives_them(pg: PgDatabase) -> None:
    await pg.executemany("INSERT INTO items(name, n) VALUES (?, ?)", [("a", 1), ("b", 2)])
    row = await pg.fetchrow("SELECT SUM(n), AVG(n), SUM(n) / 2.0 FROM items")
    assert (row[0], row[1], row[2]) == (3, 1.5, 1.5)
    assert type(row[0]) is int and type(row[1]) is float
    count = await pg.fetchrow("SELECT COUNT(*), 'it''s ?' FROM items WHERE name LIKE ?", ("A",))
    assert tuple(count) == (1, "it's ?")  # LIKE ignores case, as SQLite's


async def test_upkeep_bookkeeping_and_maintenance_run(pg: PgDatabase) -> None:
    assert await pg.last_done("vacuum") is None
    await pg.note_done("vacuum", "2026-01-01T00:00:00Z")
    await pg.note_done("vacuum", "2026-01-02T00:00:00Z")
    assert await pg.last_done("vacuum") == "2026-01-02T00:00:00Z"
    await pg.optimize()
    await pg.vacuum()
    assert 0.0 <= await pg.free_share() <= 1.0
    async with pg.transaction():
        with pytest.raises(RuntimeError, match="inside a transaction"):
            await pg.vacuum()


async def test_a_wrong_password_says_so_without_showing_it(pg_session, tmp_path: Path) -> None:
    server = pg_session.get()
    admin = await asyncpg.connect(server.dsn())
    try:
        await admin.execute("CREATE ROLE radar_pw LOGIN PASSWORD 'right'")
        await admin.execute("CREATE DATABASE rr_pw OWNER radar_pw")
        hba = await admin.fetchval("SHOW hba_file")
        with open(hba, "r+") as file:  # the login below must use a password, not trust
            lines = file.read()
            file.seek(0)
            file.write("host all radar_pw 127.0.0.1/32 scram-sha-256\n" + lines)
        await admin.execute("SELECT pg_reload_conf()")
        dsn = server.dsn("rr_pw").replace("postgres@", "radar_pw@")
        with pytest.raises(StoreError) as caught:
            await PgDatabase.open(dsn, password="wrong")
        message = str(caught.value)
        assert "password was refused" in message and "store.password_env" in message
        assert "wrong" not in message
        db = await PgDatabase.open(dsn, password="right", migrations_folder=tmp_path)
        await db.close()
    finally:
        await admin.execute("DROP DATABASE IF EXISTS rr_pw WITH (FORCE)")
        await admin.execute("DROP ROLE IF EXISTS radar_pw")
        await admin.close()


async def test_a_missing_database_says_so(pg_session) -> None:
    with pytest.raises(StoreError, match=r"/no_such_db: the database does not exist"):
        await PgDatabase.open(pg_session.get().dsn("no_such_db"))


async def test_a_server_that_is_not_there_says_so() -> None:
    with pytest.raises(StoreError, match=r"PostgreSQL 127\.0\.0\.1:9/radar: the server cannot be"):
        await PgDatabase.open("postgresql://radar@127.0.0.1:9/radar", connect_timeout=5)


async def test_a_read_only_database_says_so_and_keeps_nothing(
    pg: PgDatabase, pg_dsn: str, tmp_path: Path
) -> None:
    await pg.execute("INSERT INTO t VALUES (1)")
    name = pg_dsn.rsplit("/", 1)[-1]
    await pg.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    await pg.close()  # the setting holds for new sessions: the next start-up meets it
    with pytest.raises(StoreError, match=r"the database is read-only .* write to the primary"):
        await PgDatabase.open(pg_dsn, migrations_folder=tmp_path / "migrations")
    conn = await asyncpg.connect(pg_dsn)
    try:
        assert [r[0] for r in await conn.fetch("SELECT x FROM t")] == [1]
        async with conn.transaction():
            await conn.execute("SET TRANSACTION READ WRITE")
            await conn.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = off")
    finally:
        await conn.close()


async def test_a_write_in_a_read_only_unit_is_rolled_back_whole(pg: PgDatabase) -> None:
    with pytest.raises(StoreError, match="the database is read-only"):
        async with pg.transaction():
            await pg.execute("INSERT INTO t VALUES (1)")
            await pg.execute("SET TRANSACTION READ ONLY")  # as a standby's sessions are
            await pg.execute("INSERT INTO t VALUES (2)")
    assert await committed(pg) == []


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (asyncpg.DiskFullError("could not extend file"), "the server's disk is full"),
        (asyncpg.TooManyConnectionsError("sorry"), "lower store.pool_size"),
        (asyncpg.CannotConnectNowError("starting up"), "starting up or shutting down"),
        (ConnectionRefusedError(111, "Connection refused"), "the server cannot be reached"),
    ],
)
def test_server_trouble_a_test_cannot_cause_is_worded_for_the_operator(
    error: BaseException, said: str
) -> None:
    # A full disk or a starting server cannot be arranged on the test server; the driver's
    # own exception classes (what asyncpg raises for those SQLSTATEs) are mapped here.
    found = explain_pg(error, "PostgreSQL db:5432/radar")
    assert found is not None and said in str(found)
    assert str(found).startswith("PostgreSQL db:5432/radar: ")
    assert explain_pg(asyncpg.UniqueViolationError("dup"), "x") is None  # the statement's own
