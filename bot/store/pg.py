"""The PostgreSQL connection: an asyncpg pool behind the same API as the SQLite `Database`
(bot/store/db.py), so the stores run unchanged on either. Statements are written SQLite style
and translated (bot/store/pg_sql.py); migrations come from bot/store/migrations/postgresql."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import asyncpg

from bot.store import migrate as migrations
from bot.store import upkeep_marks
from bot.store.errors import StoreError
from bot.store.pg_sql import translate

log = logging.getLogger(__name__)

# What to tell the operator for the SQLSTATEs that mean the server or the database is the
# trouble, not the statement.
_TROUBLE = {
    "28P01": "the password was refused (set the environment variable named by"
    " store.password_env to the database user's password)",
    "28000": "the server refused the login for this user (check pg_hba.conf and the user in"
    " store.dsn)",
    "3D000": "the database does not exist (create it first, e.g. createdb, or fix store.dsn)",
    "42501": "the database user lacks a privilege the bot needs (it must own the schema)",
    "53100": "the server's disk is full: nothing of the change was written",
    "53200": "the server is out of memory: nothing of the change was written",
    "53300": "the server has no connection slot left (lower store.pool_size or raise"
    " max_connections)",
    "25006": "the database is read-only (a standby, or default_transaction_read_only is on):"
    " the bot must write to the primary",
    "57P01": "the server is shutting down",
    "57P02": "the server crashed and is restarting",
    "57P03": "the server is starting up or shutting down and takes no connections yet",
}


def explain_pg(exc: BaseException, where: str) -> StoreError | None:
    """A `StoreError` for an error that is the server's or the database's trouble, else None."""
    reason: str | None = None
    if isinstance(exc, asyncpg.PostgresError):
        state = str(getattr(exc, "sqlstate", "") or "")
        reason = _TROUBLE.get(state)
        if reason is None and state.startswith("08"):
            reason = "the connection to the server failed"
    elif isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError):
        if "connection" in str(exc).lower() and "closed" in str(exc).lower():
            reason = "the connection to the server was lost"
    elif isinstance(exc, OSError):  # refused, unknown host, timed out
        reason = "the server cannot be reached (is it running, and are host and port right?)"
    return StoreError(f"{where}: {reason} ({exc})") if reason else None


def describe(dsn: str) -> str:
    """The server and database of `dsn` for messages, never its password."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL {host}{port}{parts.path or '/'}"


@asynccontextmanager
async def _explained(where: str) -> AsyncIterator[None]:
    try:
        yield
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        store_error = explain_pg(exc, where)
        if store_error is None:
            raise
        raise store_error from exc


@dataclass(frozen=True)
class PgResult:
    """What `execute` returns: the rows the statement changed (-1 when it reports none, as
    SQLite's cursor does for DDL)."""

    rowcount: int
    status: str


def rowcount(status: str | None) -> int:
    """The row count of a command status: "UPDATE 3" → 3, "INSERT 0 1" → 1, "CREATE TABLE" → -1."""
    last = (status or "").rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def _numeric(text: str) -> int | float:
    """`numeric` (what SUM/AVG of integers give) as SQLite gives it: an int when integral."""
    value = Decimal(text)
    if value.is_finite() and value == value.to_integral_value():
        return int(value)
    return float(value)


async def _set_up(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text"
    )


_INTEGERS = {"int2", "int4", "int8", "oid"}
_FLOATS = {"float4", "float8"}
_TEXTS = {"text", "varchar", "bpchar", "name"}


def coerce(value: Any, type_name: str) -> Any:
    """`value` as a parameter of PostgreSQL type `type_name` takes it, converting as SQLite's
    column affinity would (an int for a TEXT column becomes its digits); a value that cannot
    be converted is returned as it was, for the driver to refuse."""
    if value is None:
        return None
    try:
        if type_name in _INTEGERS:
            if isinstance(value, bool | Decimal) or (
                isinstance(value, float) and value.is_integer()
            ):
                return int(value)
            if isinstance(value, str):
                return int(value.strip())
        elif type_name in _FLOATS and isinstance(value, int | str | Decimal):
            return float(value)
        elif type_name in _TEXTS and isinstance(value, int | float | Decimal):
            return str(int(value) if isinstance(value, bool) else value)
        elif type_name == "bytea" and isinstance(value, str):
            return value.encode()
        elif type_name == "bool" and isinstance(value, int | str):
            return bool(int(value))
    except (TypeError, ValueError):
        return value
    return value


def _is_client_data_error(exc: BaseException) -> bool:
    """asyncpg refused a parameter's Python type while encoding it, before sending anything
    (its DataError then carries this message and no server fields)."""
    return isinstance(exc, asyncpg.DataError | asyncpg.InterfaceError) and str(exc).startswith(
        "invalid input for query argument"
    )


async def _coerced(
    conn: asyncpg.Connection, sql: str, rows: Sequence[Sequence[Any]]
) -> list[Sequence[Any]]:
    """`rows` converted to the parameter types the server prepared `sql` with."""
    types = [t.name for t in (await conn.prepare(sql)).get_parameters()]
    return [tuple(coerce(v, t) for v, t in zip(row, types, strict=False)) for row in rows]


async def _call(conn: asyncpg.Connection, method: str, text: str, params: Sequence[Any]) -> Any:
    """`conn.<method>(text, *params)`; when asyncpg refuses a parameter's Python type, once
    more with the parameters converted to the types the server expects (SQLite's affinity)."""
    run = getattr(conn, method)
    try:
        return await run(text, *params)
    except Exception as exc:
        if not _is_client_data_error(exc):
            raise
        (row,) = await _coerced(conn, text, [params])
        return await run(text, *row)


def _plain_insert(sql: str) -> bool:
    """An INSERT that writes exactly one row per parameter row or fails (no conflict clause,
    no SELECT): its count over many rows is the number of rows given."""
    words = sql.upper().split()
    return (
        bool(words) and words[0] == "INSERT" and "CONFLICT" not in words and "SELECT" not in words
    )


class PgDatabase:
    """An asyncpg pool. A unit of work (`transaction()`) holds one pooled connection for its
    task, `BEGIN` … `COMMIT`, nested blocks as SAVEPOINTs, behind one in-process write lock
    as the SQLite writer's; reads outside a unit use any pooled connection and see committed
    rows only, reads inside one use the unit's connection and see its rows."""

    dialect: Literal["postgresql"] = "postgresql"

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self._pool = pool
        self._conn: asyncpg.Connection | None = None  # the open unit's connection
        self._write_lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0
        self.where = where

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        password: str | None = None,
        pool_size: int = 10,
        migrations_folder: Path | Traversable | None = None,
        connect_timeout: float = 10.0,
    ) -> PgDatabase:
        """Connect a pool of up to `pool_size` connections to `dsn` and apply pending
        migrations (from `migrations_folder`/postgresql, the bundled ones by default)."""
        where = describe(dsn)
        async with _explained(where):
            pool = await asyncpg.create_pool(
                dsn,
                password=password,
                min_size=1,
                max_size=pool_size,
                init=_set_up,
                timeout=connect_timeout,
            )
        db = cls(pool, where)
        try:
            async with _explained(where):
                await db.migrate(migrations_folder)
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        await self._pool.close()

    async def migrate(self, folder: Path | Traversable | None = None) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction under an
        advisory lock (two processes starting together apply each once); return their names."""
        done: list[str] = []
        async with self._pool.acquire() as conn:
            while True:
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", migrations.LOCK_KEY)
                    await conn.execute(migrations.SCHEMA_TABLE["postgresql"])
                    applied = {r[0] for r in await conn.fetch(migrations.APPLIED)}
                    steps = migrations.plan("postgresql", applied, folder)
                    if not steps:
                        return done
                    log.info("applying migration %s", steps[0].file)
                    await conn.execute(migrations.script(steps[0]))
                done.append(steps[0].name)

    async def optimize(self) -> None:
        """ANALYZE: refresh the query planner's statistics."""
        await self.execute("ANALYZE")

    async def free_share(self) -> float:
        """An estimate of the share of the tables' rows that are dead (what VACUUM would make
        reusable), from the server's statistics; 0.0 before it has any."""
        row = await self.fetchrow(
            "SELECT COALESCE(SUM(n_dead_tup), 0), COALESCE(SUM(n_live_tup + n_dead_tup), 0)"
            " FROM pg_stat_user_tables"
        )
        dead, total = float(row[0]), float(row[1])
        return dead / total if total else 0.0

    async def vacuum(self) -> None:
        """VACUUM (ANALYZE) every table; never inside a transaction."""
        if self.in_transaction:
            raise RuntimeError("VACUUM cannot run inside a transaction")
        async with self._write_lock, _explained(self.where), self._pool.acquire() as conn:
            await conn.execute("VACUUM (ANALYZE)")

    async def last_done(self, task: str) -> str | None:
        """When the store upkeep last did `task` (ISO 8601 UTC), None if never."""
        return await upkeep_marks.last_done(self, task)

    async def note_done(self, task: str, at: str) -> None:
        await upkeep_marks.note_done(self, task, at)

    async def schema_version(self) -> int:
        return await upkeep_marks.schema_version(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgDatabase]:
        """One unit of work, all-or-nothing, reentrant through SAVEPOINTs: exactly as
        `Database.transaction` (see there). PostgreSQL aborts a unit at its first failed
        statement: a unit whose error was caught inside it is rolled back at its end and
        raises `StoreError` rather than committing part of it."""
        if self.in_transaction:
            async with self._savepoint():
                yield self
            return
        async with self._write_lock, _explained(self.where), self._pool.acquire() as conn:
            await conn.execute("BEGIN")
            self._conn, self._owner = conn, asyncio.current_task()
            try:
                yield self
                if await conn.execute("COMMIT") == "ROLLBACK":
                    raise StoreError(f"{self.where}: the change was rolled back after an error")
            except BaseException:
                await self._rollback(conn)
                raise
            finally:
                self._conn, self._owner, self._depth = None, None, 0

    @property
    def in_transaction(self) -> bool:
        """True inside `transaction()` in the current task."""
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        assert self._conn is not None
        conn = self._conn
        self._depth += 1
        name = f"unit_{self._depth}"
        try:
            async with _explained(self.where):
                await conn.execute(f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    await self._rollback_to(conn, name)
                    raise
                await conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    async def _rollback_to(self, conn: asyncpg.Connection, name: str) -> None:
        """Undo a nested block's work; never hide the error that caused it."""
        try:
            await conn.execute(f"ROLLBACK TO {name}")
            await conn.execute(f"RELEASE {name}")
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            log.exception("rollback to a savepoint failed after an error in a nested transaction")

    async def _rollback(self, conn: asyncpg.Connection) -> None:
        if conn.is_closed() or not conn.is_in_transaction():
            return
        try:
            await conn.execute("ROLLBACK")
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            log.exception("rollback failed after an error in a transaction")

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[asyncpg.Connection]:
        """The connection a write runs on: this task's unit's, else a pooled one once no
        other task's unit is open (a write is never swept into another task's unit)."""
        if self.in_transaction:
            assert self._conn is not None
            yield self._conn
            return
        async with self._write_lock, self._pool.acquire() as conn:
            yield conn

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[asyncpg.Connection]:
        if self.in_transaction:
            assert self._conn is not None
            yield self._conn
            return
        async with self._pool.acquire() as conn:
            yield conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> PgResult:
        """A write (any statement); its result's `rowcount` is the rows it changed."""
        text = translate(sql)
        async with _explained(self.where), self._writing() as conn:
            status = await _call(conn, "execute", text, params)
        return PgResult(rowcount(status), status)

    async def insert(self, sql: str, params: Sequence[Any] = (), key: str = "id") -> int:
        """Run an INSERT and return the new row's `key` column (it appends RETURNING)."""
        text = translate(f"{sql} RETURNING {key}")
        async with _explained(self.where), self._writing() as conn:
            row = await _call(conn, "fetchrow", text, params)
        if row is None:
            raise LookupError("the statement inserted no row")
        return int(row[0])

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """One statement over many rows; the number of rows it changed. A plain INSERT (no
        conflict clause, no SELECT) writes one row per row given or fails, so it is sent
        pipelined and counted as the rows given; any other statement runs row by row on one
        prepared statement and its per-row counts are summed (asyncpg's executemany reports
        none)."""
        text, given = translate(sql), list(rows)
        if not given:
            return 0
        async with _explained(self.where), self._writing() as conn:
            try:
                return await self._many(conn, text, given)
            except Exception as exc:
                if not _is_client_data_error(exc):
                    raise
                return await self._many(conn, text, await _coerced(conn, text, given))

    async def _many(self, conn: asyncpg.Connection, text: str, rows: list[Sequence[Any]]) -> int:
        if _plain_insert(text):
            await conn.executemany(text, rows)
            return len(rows)
        statement = await conn.prepare(text)
        changed = 0
        # One savepoint-free loop: the caller's unit (or the lock) keeps it all-or-nothing
        # inside a transaction; outside one each row commits as SQLite's executemany does.
        for row in rows:
            await statement.fetch(*row)
            changed += max(rowcount(statement.get_statusmsg()), 0)
        return changed

    async def fetchall_committed(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """A read that sees only committed rows (inside this task's unit, those and the
        unit's): any read outside a unit already does, on its pooled connection."""
        return await self.fetchall(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        text = translate(sql)
        async with _explained(self.where), self._reading() as conn:
            return list(await _call(conn, "fetch", text, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a query that yields at most a few rows, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchrow(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The row of a query that always yields one (an aggregate, a row just written)."""
        row = await self.fetchone(sql, params)
        if row is None:
            raise LookupError(f"expected a row from: {sql}")
        return row
