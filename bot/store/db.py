"""The SQLite connection: pragmas, versioned migrations and transactions."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class Database:
    """One aiosqlite connection in autocommit mode; writes go through `transaction()`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._write_lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None  # the task inside transaction(), if any
        self.path = path

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = 5.0) -> Database:
        """Open (creating if needed) the database at `path` and apply pending migrations. A
        write waits up to `busy_timeout` seconds for another process's write to finish."""
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await db.migrate()
        except Exception:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction; return their names."""
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
        )
        applied = {row[0] for row in await self.fetchall("SELECT version FROM schema_migrations")}
        done = []
        for version, name, script in _migrations():
            if version in applied:
                continue
            log.info("applying migration %04d_%s", version, name)
            try:
                await self._conn.executescript(
                    "BEGIN;\n"
                    + script
                    + f"\nINSERT INTO schema_migrations(version, name) VALUES ({version}, '{name}');"
                    + "\nCOMMIT;"
                )
            except Exception:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise
            done.append(name)
        return done

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT MAX(version) FROM schema_migrations")
        return int(row[0] or 0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """All-or-nothing: commits when the block ends, rolls back if it raises."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            self._owner = asyncio.current_task()
            try:
                yield self
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")
            finally:
                self._owner = None

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """A write. Outside this task's transaction it waits for any open one to finish, so
        it can never be swept into (or rolled back with) another task's transaction."""
        if self._owner is not None and self._owner is asyncio.current_task():
            return await self._conn.execute(sql, params)
        async with self._write_lock:
            return await self._conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if self._owner is not None and self._owner is asyncio.current_task():
            await self._conn.executemany(sql, rows)
            return
        async with self._write_lock:
            await self._conn.executemany(sql, rows)

    async def fetchall_committed(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """A read that sees only committed rows: it waits for another task's open transaction
        to finish (every task shares this connection, which shows its uncommitted rows)."""
        if self._owner is not None and self._owner is asyncio.current_task():
            return await self.fetchall(sql, params)
        async with self._write_lock:
            return await self.fetchall(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # One trip to the connection's thread, not three (execute, fetch, close).
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query that yields at most a few rows (a key lookup, an aggregate)."""
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)
