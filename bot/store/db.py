"""The SQLite connection: pragmas, versioned migrations and transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, TypeVar

import aiosqlite

from bot.core.names import title_key, title_numbers
from bot.store import migrate as migrations
from bot.store import upkeep_marks
from bot.store.errors import StoreError as StoreError
from bot.store.pg import PgDatabase

log = logging.getLogger(__name__)


class Row(Protocol):
    """A result row on either backend (aiosqlite.Row, asyncpg.Record): by position, by
    column name, and `dict(row)`. Store code relies on nothing else of it."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Any: ...


# SQLite's primary result codes (the low byte of an extended code) that mean the database
# itself is the trouble, not the statement, with what to tell the operator.
_TROUBLE = {
    3: "permission to the database file was denied",  # SQLITE_PERM
    8: "the database is read-only: the bot must be able to write the file and its folder",
    10: "a disk I/O error occurred (a full disk or a file size limit can show this way);"
    " nothing of the change was written",  # SQLITE_IOERR
    11: "the database file is damaged",  # SQLITE_CORRUPT
    13: "the disk or the database is full: nothing of the change was written",  # SQLITE_FULL
    14: "the database file cannot be opened (check its folder exists and is writable)",
    26: "the file is not an SQLite database",  # SQLITE_NOTADB
}


def explain(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """A `StoreError` for an error that is the database's trouble, else None."""
    code = getattr(exc, "sqlite_errorcode", None)
    reason = _TROUBLE.get(code & 0xFF) if code is not None else None
    return StoreError(f"{path}: {reason} ({exc})") if reason else None


@asynccontextmanager
async def _explained(path: Path) -> AsyncIterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        store_error = explain(exc, path)
        if store_error is None:
            raise
        raise store_error from exc


READERS = 2  # read-only connections beside the writer (a file database under WAL)


class Database:
    """One aiosqlite connection in autocommit mode for writes, which go through
    `transaction()`, one reentrant unit of work per task; and a small pool of read-only
    connections. Under WAL a read on its own connection sees only committed rows and neither
    waits for the writer nor queues behind it: reads outside a unit of work use the pool,
    reads inside one use the writer's connection and see the unit's own rows."""

    dialect: Literal["sqlite"] = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task inside transaction(), if any
        self._depth = 0  # how many savepoints the owner has open inside it
        self.path = path

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        busy_timeout: float = 5.0,
        migrations_folder: Path | Traversable | None = None,
    ) -> Database:
        """Open (creating if needed) the database at `path` and apply pending migrations
        (from `migrations_folder`, the bundled ones by default). A write waits up to
        `busy_timeout` seconds for another process's write to finish."""
        if str(path) != ":memory:":
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{path}: its folder cannot be created ({exc})") from exc
        async with _explained(path):
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            async with _explained(path):
                # Migrations that backfill the stored title keys compute them as the code does.
                await conn.create_function("rr_title_key", 1, title_key, deterministic=True)
                await conn.create_function("rr_title_numbers", 1, title_numbers, deterministic=True)
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA foreign_keys=ON")
                # An INSERT OR REPLACE fires the delete triggers of the row it replaces, which
                # keep counts (0012_reads_popularity.sql) right.
                await conn.execute("PRAGMA recursive_triggers=ON")
                await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
                await conn.execute("PRAGMA synchronous=NORMAL")
                await db.migrate(migrations_folder)
                if str(path) != ":memory:":
                    await db._open_readers(READERS, busy_timeout)
        except Exception:
            await db.close()
            raise
        return db

    async def _open_readers(self, count: int, busy_timeout: float) -> None:
        for _ in range(count):
            reader = await aiosqlite.connect(str(self.path), isolation_level=None)
            self._all_readers.append(reader)
            reader.row_factory = aiosqlite.Row
            await reader.execute("PRAGMA query_only=ON")
            await reader.execute("PRAGMA foreign_keys=ON")  # as the writer's, for PRAGMA reads
            await reader.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        for reader in self._all_readers:
            await reader.close()
        self._all_readers.clear()
        await self._conn.close()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection a read runs on: the writer's inside this task's unit of work (or
        without a pool), else a pooled read-only one."""
        if self.in_transaction or not self._all_readers:
            yield self._conn
            return
        reader = await self._readers.get()
        try:
            yield reader
        finally:
            self._readers.put_nowait(reader)

    async def migrate(self, folder: Path | Traversable | None = None) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction; return their names."""
        await self._conn.execute(migrations.SCHEMA_TABLE["sqlite"])
        applied = {row[0] for row in await self.fetchall(migrations.APPLIED)}
        done = []
        for step in migrations.plan("sqlite", applied, folder):
            log.info("applying migration %s", step.file)
            try:
                # One script, BEGIN to COMMIT: executescript commits an open transaction first.
                await self._conn.executescript(f"BEGIN;\n{migrations.script(step)}\nCOMMIT;")
            except Exception:
                await self._rollback()
                raise
            done.append(step.name)
        return done

    async def optimize(self) -> None:
        """PRAGMA optimize: refresh the query planner's statistics where they went stale."""
        await self.execute("PRAGMA optimize")

    async def free_share(self) -> float:
        """The share of the file's pages that are free (what VACUUM would give back)."""
        pages = (await self.fetchrow("PRAGMA page_count"))[0]
        free = (await self.fetchrow("PRAGMA freelist_count"))[0]
        return free / pages if pages else 0.0

    async def vacuum(self) -> None:
        """Rebuild the file without its free pages, then truncate the write-ahead log. Waits
        for (and holds off) every write meanwhile; never inside a transaction."""
        if self.in_transaction:
            raise RuntimeError("VACUUM cannot run inside a transaction")
        async with self._write_lock, _explained(self.path):
            await self._conn.execute("VACUUM")
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def last_done(self, task: str) -> str | None:
        """When the store upkeep last did `task` (ISO 8601 UTC), None if never."""
        return await upkeep_marks.last_done(self, task)

    async def note_done(self, task: str, at: str) -> None:
        await upkeep_marks.note_done(self, task, at)

    async def schema_version(self) -> int:
        return await upkeep_marks.schema_version(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """One unit of work, all-or-nothing: commits when the outermost block ends, rolls
        back whole if it raises. Reentrant: a nested use in the same task joins the open
        unit through a SAVEPOINT. If the nested block raises, its own work is rolled back
        to the savepoint and the error propagates; an outer block that lets it through rolls
        back everything, one that catches it goes on (and commits) without the inner work.
        Other tasks wait for the write lock; they never join."""
        if self.in_transaction:
            async with self._savepoint():
                yield self
            return
        async with self._write_lock, _explained(self.path):
            await self._conn.execute("BEGIN IMMEDIATE")
            self._owner = asyncio.current_task()
            try:
                yield self
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise
            finally:
                self._owner = None
                self._depth = 0

    @property
    def in_transaction(self) -> bool:
        """True inside `transaction()` in the current task."""
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        self._depth += 1
        name = f"unit_{self._depth}"
        try:
            async with _explained(self.path):
                await self._conn.execute(f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    await self._rollback_to(name)
                    raise
                await self._conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    async def _rollback_to(self, name: str) -> None:
        """Undo a nested block's work; like `_rollback`, never hide the error that caused it."""
        if not self._conn.in_transaction:  # SQLite rolled the whole unit back itself
            return
        try:
            await self._conn.execute(f"ROLLBACK TO {name}")
            await self._conn.execute(f"RELEASE {name}")
        except sqlite3.Error:
            log.exception("rollback to a savepoint failed after an error in a nested transaction")

    def _joined(self) -> bool:
        """True if this task's statement belongs to its open unit of work. Raises if SQLite
        ended that unit itself (a full disk rolls back whole): a statement run then would
        be committed on its own, outside the unit."""
        if not self.in_transaction:
            return False
        if not self._conn.in_transaction:
            raise StoreError(f"{self.path}: the change was rolled back after an error")
        return True

    async def _rollback(self) -> None:
        """Roll back what is open. SQLite may already have rolled back itself (a full disk
        does that), and a failed ROLLBACK must not hide the error that caused it."""
        if not self._conn.in_transaction:
            return
        try:
            await self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback failed after an error in a transaction")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """A write. Outside this task's transaction it waits for any open one to finish, so
        it can never be swept into (or rolled back with) another task's transaction."""
        async with _explained(self.path):
            if self._joined():
                return await self._conn.execute(sql, params)
            async with self._write_lock:
                return await self._conn.execute(sql, params)

    async def insert(self, sql: str, params: Sequence[Any] = (), key: str = "id") -> int:
        """Run an INSERT and return the new row's `key` (SQLite: its rowid, which is the
        INTEGER PRIMARY KEY `key` of every table the stores insert into this way)."""
        return inserted_id(await self.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement over many rows in one trip to the connection's thread; the number of
        rows it changed (SQLite sums them over the rows)."""
        async with _explained(self.path):
            if self._joined():
                cursor = await self._conn.executemany(sql, rows)
            else:
                async with self._write_lock:
                    cursor = await self._conn.executemany(sql, rows)
        return max(cursor.rowcount, 0)

    async def fetchall_committed(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """A read that sees only committed rows (inside this task's own unit of work, those and
        the unit's). On the pool that is every read outside a unit; without a pool (an
        in-memory database) it waits for another task's open transaction to finish, as the
        shared connection would show its uncommitted rows."""
        if self.in_transaction or self._all_readers:
            return await self.fetchall(sql, params)
        async with self._write_lock:
            return await self.fetchall(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # One trip to the connection's thread, not three (execute, fetch, close).
        async with _explained(self.path), self._reading() as conn:
            return list(await conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query that yields at most a few rows (a key lookup, an aggregate)."""
        async with _explained(self.path), self._reading() as conn:
            rows = await conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchrow(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row:
        """The row of a query that always yields one (an aggregate, a row just written)."""
        row = await self.fetchone(sql, params)
        if row is None:
            raise LookupError(f"expected a row from: {sql}")
        return row


def inserted_id(cursor: aiosqlite.Cursor) -> int:
    """The rowid of the row an INSERT on `cursor` just wrote."""
    if cursor.lastrowid is None:
        raise LookupError("the statement inserted no row")
    return cursor.lastrowid


# Either backend: the stores are written against this (bot/store/backends.py opens one).
AnyDatabase: TypeAlias = "Database | PgDatabase"

_T = TypeVar("_T")
CHUNK = 500  # stays under SQLite's limit on bound parameters


async def off_loop(rows: Sequence[Any], convert: Callable[[Any], _T]) -> tuple[_T, ...]:
    """`convert` of every row, in a worker thread: turning thousands of rows into records
    on the event loop would hold it up."""
    return await asyncio.to_thread(lambda: tuple(convert(r) for r in rows))


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """`items` in lists of at most `size`, for statements with one parameter per item."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class Store:
    """A store over the database: its SQL in methods, its writes in the caller's unit of work."""

    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """The database's reentrant unit of work (a failed block leaves the store as it was)."""
        async with self.db.transaction():
            yield
