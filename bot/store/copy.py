"""`python -m bot migrate-store`: copy a whole SQLite store into an empty store (PostgreSQL, or
another SQLite file) and verify the copy, table by table, by row count and checksum.

The source is read in ONE read transaction: a consistent snapshot even while the bot runs and
writes (SQLite's WAL lets readers see the last commit before they began). The destination is
written in one unit of work, verified before it commits: any failure, a mismatch included,
leaves it as empty as it was. Tables the destination derives itself (full-text indexes and the
counters triggers keep) are not copied; the counters are verified all the same.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import aiosqlite

from bot.store.db import CHUNK, Database

log = logging.getLogger(__name__)

Scheme = Literal["sqlite", "postgresql"]
DEFAULT_PASSWORD_ENV = "RADAR_DB_PASSWORD"
# A trigger body's writes: the tables they name are kept by the destination's own triggers.
_TRIGGER_WRITE = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+(?:OR\s+\w+\s+)?|DELETE\s+FROM)\s+[\"`]?(\w+)",
    re.IGNORECASE,
)
_TEXT_AFFINITY = ("CHAR", "CLOB", "TEXT")
# Tables of the running installation, not of its data: the destination's own migrations wrote
# schema_migrations; catalog_version is a change counter the copy itself moves (each process
# compares it only with itself); a lease or a second's rate budget belongs to processes that
# are stopped for the copy.
NOT_CARRIED = frozenset({"schema_migrations", "catalog_version", "leases", "rate_budget"})


class CopyRefused(Exception):
    """The copy cannot start (bad address, wrong schema, a destination that is not empty);
    nothing was written. Worded for the operator, one line."""


class CopyFailed(Exception):
    """The copy ran but did not verify; the destination was rolled back to empty."""


@dataclass(frozen=True)
class StoreUrl:
    """Where a store is: `sqlite:PATH` or `postgresql:DSN` (a postgresql:// URL)."""

    scheme: Scheme
    target: str  # the file path, or the DSN

    def __str__(self) -> str:
        return f"{self.scheme}:{self.target}" if self.scheme == "sqlite" else self.target


def parse_store_url(text: str, role: str) -> StoreUrl:
    """`sqlite:PATH`, `postgresql:DSN` or a bare postgresql:// DSN; `role` ("--from", "--to")
    names the option in the error. A password in the DSN is refused: it belongs in the env."""
    scheme, sep, rest = text.partition(":")
    if text.startswith(("postgresql://", "postgres://")):
        scheme, rest = "postgresql", text
    elif not sep or scheme not in ("sqlite", "postgresql"):
        raise CopyRefused(
            f"{role} {text!r}: unknown store; use sqlite:PATH or postgresql:DSN"
            " (e.g. postgresql://radar@db:5432/radar)"
        )
    if not rest.strip():
        raise CopyRefused(f"{role} {text!r}: the {scheme} store needs a path or DSN after ':'")
    if scheme == "sqlite":
        return StoreUrl("sqlite", rest)
    if not rest.startswith(("postgresql://", "postgres://")):
        rest = "postgresql://" + rest.removeprefix("//")
    if re.match(r"^postgres(?:ql)?://[^@/]*:[^@/]*@", rest):
        raise CopyRefused(
            f"{role}: the DSN carries a password; leave it out and set the environment"
            " variable the config names (store.password_env) instead"
        )
    return StoreUrl("postgresql", rest)


class Reader(Protocol):
    """Either side of the copy, as far as reading goes (an open snapshot or a store)."""

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Table:
    """A table to copy or verify, read from the source schema."""

    name: str
    columns: tuple[str, ...]  # the columns copied, `rowid` first when it is carried
    key: tuple[str, ...]  # the order rows are compared in: the primary key, else rowid
    text_key: tuple[bool, ...]  # per key column: compared as text (PostgreSQL: COLLATE "C")
    self_refs: tuple[str, ...] = ()  # columns referencing the table itself, set after insert
    derived: bool = False  # kept by the destination's triggers: verified, not copied


@dataclass(frozen=True)
class TableCheck:
    """One table's verification: rows and checksum on each side."""

    table: str
    source_rows: int
    dest_rows: int
    source_sum: str
    dest_sum: str
    derived: bool = False

    @property
    def ok(self) -> bool:
        return self.source_rows == self.dest_rows and self.source_sum == self.dest_sum


# ---- the source: a read-only snapshot of an SQLite file ---------------------------------------


class Snapshot:
    """A read-only connection to an SQLite store holding one read transaction open."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]:
        return list(await self._conn.execute_fetchall(sql, params))


_current: list[int] = []  # current_version(), once found


async def current_version() -> int:
    """The schema version this code migrates a store to: a freshly migrated store's."""
    if not _current:
        fresh = await Database.open(Path(":memory:"))
        try:
            _current.append(await fresh.schema_version())
        finally:
            await fresh.close()
    return _current[0]


@asynccontextmanager
async def sqlite_snapshot(path: Path) -> AsyncIterator[Snapshot]:
    """`path` opened read-only (never created, never migrated), inside one read transaction."""
    if not path.is_file():
        raise CopyRefused(f"{path}: no such database file")
    try:
        conn = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except aiosqlite.Error as exc:
        raise CopyRefused(f"{path}: cannot be opened ({exc})") from exc
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA query_only=ON")
        await conn.execute("BEGIN")
        snapshot = Snapshot(conn, path)
        try:
            await snapshot.fetchall("SELECT COUNT(*) FROM sqlite_master")  # the snapshot starts
        except aiosqlite.Error as exc:
            raise CopyRefused(f"{path}: not an SQLite database ({exc})") from exc
        yield snapshot
    finally:
        await conn.close()


async def sqlite_version_of(snapshot: Snapshot) -> int | None:
    """The store's schema version; None if it is no Release Radar store (no migrations table)."""
    found = await snapshot.fetchall(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    )
    if not found:
        return None
    row = (await snapshot.fetchall("SELECT MAX(version) FROM schema_migrations"))[0]
    return int(row[0] or 0)


async def check_source(snapshot: Snapshot) -> int:
    """The source's schema version, refused unless it is this code's."""
    version = await sqlite_version_of(snapshot)
    current = await current_version()
    if version is None:
        raise CopyRefused(f"{snapshot.path}: not a Release Radar database (no schema_migrations)")
    if version < current:
        raise CopyRefused(
            f"{snapshot.path}: schema version {version} is older than this Release Radar's"
            f" ({current}); start the bot on it once (or run `python -m bot --db {snapshot.path}"
            " catalog doctor`) to bring it up to date, then copy it"
        )
    if version > current:
        raise CopyRefused(
            f"{snapshot.path}: schema version {version} is newer than this Release Radar's"
            f" ({current}); copy it with the release that wrote it"
        )
    return version


async def source_tables(snapshot: Snapshot) -> list[Table]:
    """Every table of the source in foreign-key order (a table after those it references),
    read from its schema: no SQLite internals, no virtual tables or their shadow tables, and
    not the tables of the running installation rather than its data (`NOT_CARRIED`)."""
    listed = await snapshot.fetchall("PRAGMA table_list")
    kept = {
        str(row["name"]): bool(row["wr"])
        for row in listed
        if row["schema"] == "main"
        and row["type"] == "table"
        and not str(row["name"]).startswith("sqlite_")
        and row["name"] not in NOT_CARRIED
    }
    names = sorted(kept)
    derived = await _trigger_kept(snapshot)
    tables = {name: await _table(snapshot, name, name in derived, kept[name]) for name in names}
    depends = {name: await _references(snapshot, name) for name in names}
    return [tables[name] for name in _fk_order(names, depends)]


async def _trigger_kept(snapshot: Snapshot) -> set[str]:
    """Tables that triggers write to (counters, search indexes)."""
    rows = await snapshot.fetchall("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
    kept: set[str] = set()
    for row in rows:
        body = re.split(r"\bBEGIN\b", str(row[0]), maxsplit=1, flags=re.IGNORECASE)[-1]
        kept.update(_TRIGGER_WRITE.findall(body))
    return kept


async def _table(snapshot: Snapshot, name: str, derived: bool, without_rowid: bool) -> Table:
    info = await snapshot.fetchall(f'PRAGMA table_info("{name}")')
    columns = tuple(str(row["name"]) for row in info)
    types = {str(row["name"]): str(row["type"] or "").upper() for row in info}
    key_rows = sorted((row for row in info if row["pk"]), key=lambda row: row["pk"])
    key = tuple(str(row["name"]) for row in key_rows)
    integer_pk = len(key) == 1 and types[key[0]] == "INTEGER"  # an alias of the rowid
    if not integer_pk and not without_rowid:
        columns = ("rowid", *columns)
    if not key:
        key = ("rowid",)
    text_key = tuple(any(t in types.get(k, "") for t in _TEXT_AFFINITY) for k in key)
    self_refs = tuple(
        str(row["from"])
        for row in await snapshot.fetchall(f'PRAGMA foreign_key_list("{name}")')
        if row["table"] == name
    )
    return Table(name, columns, key, text_key, self_refs, derived)


async def _references(snapshot: Snapshot, name: str) -> set[str]:
    rows = await snapshot.fetchall(f'PRAGMA foreign_key_list("{name}")')
    return {str(row["table"]) for row in rows} - {name}


def _fk_order(names: list[str], depends: dict[str, set[str]]) -> list[str]:
    """`names` so that each comes after the tables it references (ties by name)."""
    done: list[str] = []
    left = set(names)
    while left:
        ready = sorted(n for n in left if not (depends[n] & left))
        if not ready:
            raise CopyRefused(f"the tables {sorted(left)} reference each other in a cycle")
        done.extend(ready)
        left -= set(ready)
    return done


async def sequences(snapshot: Snapshot) -> dict[str, int]:
    """AUTOINCREMENT's high-water marks (ids never reused, even of deleted rows)."""
    found = await snapshot.fetchall(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
    )
    if not found:
        return {}
    rows = await snapshot.fetchall("SELECT name, seq FROM sqlite_sequence")
    return {str(row[0]): int(row[1]) for row in rows}


# ---- reading a table in key order, and its checksum ---------------------------------------------


def _dialect(reader: Reader) -> str:
    return str(getattr(reader, "dialect", "sqlite"))


def _key_sql(table: Table, dialect: str) -> tuple[str, str]:
    """The key as an ORDER BY list and as a row value to page after."""
    parts = [
        f'"{k}" COLLATE "C"' if text and dialect == "postgresql" else f'"{k}"'
        for k, text in zip(table.key, table.text_key, strict=True)
    ]
    if dialect == "sqlite":
        parts = [
            f"{p} COLLATE BINARY" if text else p
            for p, text in zip(parts, table.text_key, strict=True)
        ]
    order = ", ".join(parts)
    return order, f"({order})" if len(parts) > 1 else order


async def read_rows(
    reader: Reader, table: Table, columns: Sequence[str] | None = None
) -> AsyncIterator[list[Any]]:
    """The table's rows (`columns`, default the table's) in key order, a chunk at a time,
    each paged after the last key seen (no OFFSET: each page is an index range)."""
    dialect = _dialect(reader)
    wanted = list(columns if columns is not None else table.columns)
    key_at = [wanted.index(k) if k in wanted else None for k in table.key]
    extra = [k for k, at in zip(table.key, key_at, strict=True) if at is None]
    select = ", ".join(f'"{c}"' for c in [*wanted, *extra])
    order, row_value = _key_sql(table, dialect)
    marks = ", ".join("?" for _ in table.key)
    after = f"({marks})" if len(table.key) > 1 else marks
    last: tuple[Any, ...] | None = None
    while True:
        where = f" WHERE {row_value} > {after}" if last is not None else ""
        rows = await reader.fetchall(
            f'SELECT {select} FROM "{table.name}"{where} ORDER BY {order} LIMIT {CHUNK}',
            last or (),
        )
        if not rows:
            return
        yield [tuple(row)[: len(wanted)] for row in rows]
        tail = tuple(rows[-1])
        at_extra = iter(range(len(wanted), len(wanted) + len(extra)))
        last = tuple(tail[at] if at is not None else tail[next(at_extra)] for at in key_at)
        if len(rows) < CHUNK:
            return


def canonical(value: Any) -> bytes:
    """One value as bytes both backends give alike: a type tag, a length, the payload."""
    if value is None:
        return b"N"
    if isinstance(value, bool):  # never stored (0/1 integers), but a driver could decode one
        value = int(value)
    if isinstance(value, int):
        payload, tag = str(value).encode(), b"i"
    elif isinstance(value, float):
        payload, tag = repr(value).encode(), b"f"
    elif isinstance(value, str):
        payload, tag = value.encode("utf-8"), b"t"
    elif isinstance(value, bytes | bytearray | memoryview):
        payload, tag = bytes(value), b"b"
    else:
        raise TypeError(f"no canonical form for a {type(value).__name__} value")
    return tag + struct.pack(">I", len(payload)) + payload


async def table_checksum(
    reader: Reader, table: Table, columns: Sequence[str] | None = None
) -> tuple[int, str]:
    """The table's row count and sha256 over its rows in key order."""
    digest = hashlib.sha256()
    count = 0
    async for chunk in read_rows(reader, table, columns):
        for row in chunk:
            digest.update(b"R" + b"".join(canonical(value) for value in row))
        count += len(chunk)
    return count, digest.hexdigest()


async def verify(
    source: Reader, dest: Reader, tables: Sequence[Table], carried: dict[str, tuple[str, ...]]
) -> list[TableCheck]:
    """Per table: row count and checksum on both sides, over the columns copied (`carried`)."""
    checks = []
    for table in tables:
        columns = carried.get(table.name, table.columns)
        source_rows, source_sum = await table_checksum(source, table, columns)
        dest_rows, dest_sum = await table_checksum(dest, table, columns)
        checks.append(
            TableCheck(table.name, source_rows, dest_rows, source_sum, dest_sum, table.derived)
        )
    return checks


# ---- the destination ---------------------------------------------------------------------------


async def carried_columns(dest: Any, table: Table) -> tuple[str, ...]:
    """The columns copied into `dest`: the source's, `rowid` only where the destination keeps
    one (SQLite always; PostgreSQL where its schema has an explicit rowid column)."""
    if "rowid" not in table.columns or _dialect(dest) == "sqlite":
        return table.columns
    rows = await dest.fetchall(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = ? AND column_name = 'rowid'",
        (table.name,),
    )
    if rows:
        return table.columns
    if table.key == ("rowid",):
        raise CopyRefused(f"table {table.name} has no key the destination keeps")
    return tuple(c for c in table.columns if c != "rowid")


async def empty_state(tables: Sequence[Table]) -> dict[str, tuple[int, str]]:
    """What each table holds in a freshly migrated store (a few rows are the migrations' own,
    such as follow_cursors'): the state a destination must be in to count as empty."""
    fresh = await Database.open(Path(":memory:"))
    try:
        return {t.name: await table_checksum(fresh, t, _without_rowid(t)) for t in tables}
    finally:
        await fresh.close()


def _without_rowid(table: Table) -> tuple[str, ...]:
    """Seed rows are compared without rowids, which a backend numbers its own way."""
    return tuple(c for c in table.columns if c != "rowid")


async def check_empty(
    dest: Any, tables: Sequence[Table], fresh: dict[str, tuple[int, str]], where: str
) -> None:
    """Refuse a destination that holds anything but nothing or a freshly migrated store's
    seed rows (PostgreSQL's baseline seeds fewer than SQLite's migrations)."""
    nothing = (0, hashlib.sha256().hexdigest())
    for table in tables:
        if await table_checksum(dest, table, _without_rowid(table)) not in (
            fresh[table.name],
            nothing,
        ):
            raise CopyRefused(
                f"{where} is not empty (table {table.name} has rows);"
                " copy only into a new, empty database"
            )


async def copy_table(snapshot: Snapshot, dest: Any, table: Table, columns: tuple[str, ...]) -> int:
    """Insert the table's rows into `dest` (inside its unit of work), a chunk at a time;
    columns referencing the table itself are set once every row is there."""
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    insert = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    if _dialect(dest) == "postgresql":  # ids are copied as they are, identity columns too
        insert = f'INSERT INTO "{table.name}" ({names}) OVERRIDING SYSTEM VALUE VALUES ({marks})'
    held = [columns.index(c) for c in table.self_refs]
    later: list[tuple[Any, ...]] = []
    count = 0
    # The snapshot is read in its own key order (a PostgreSQL destination sorts no rows here).
    async for chunk in read_rows(snapshot, table, columns):
        if held:
            chunk, pending = _hold_back(chunk, held, [columns.index(k) for k in table.key])
            later.extend(pending)
        await dest.executemany(insert, chunk)
        count += len(chunk)
    if later:
        sets = ", ".join(f'"{c}" = ?' for c in table.self_refs)
        keys = " AND ".join(f'"{k}" = ?' for k in table.key)
        await dest.executemany(f'UPDATE "{table.name}" SET {sets} WHERE {keys}', later)
    return count


def _hold_back(
    chunk: list[Any], held: list[int], key_at: list[int]
) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """The chunk with self-references blanked, and the updates that restore them."""
    rows, updates = [], []
    for row in chunk:
        values = list(row)
        if any(values[i] is not None for i in held):
            updates.append((*(values[i] for i in held), *(values[i] for i in key_at)))
            for i in held:
                values[i] = None
        rows.append(tuple(values))
    return rows, updates


async def clear_seeds(dest: Any, tables: Sequence[Table], fresh: dict[str, Any]) -> None:
    """Delete the migrations' own rows (they come again from the source), children first."""
    for table in reversed(tables):
        if fresh[table.name][0] and not table.derived:
            await dest.execute(f'DELETE FROM "{table.name}"')


async def advance_sequences(dest: Any, marks: dict[str, int]) -> None:
    """Every id generator past the highest id used: SQLite's AUTOINCREMENT marks copied as
    they are; PostgreSQL's identity and serial sequences set past max(id) and the mark."""
    if _dialect(dest) == "sqlite":
        for name, seq in marks.items():
            await dest.execute(
                "INSERT INTO sqlite_sequence(name, seq) SELECT ?, ?"
                " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                (name, seq, name),
            )
            await dest.execute(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?", (seq, name, seq)
            )
        return
    generated = await dest.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema()"
        " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
    )
    for row in generated:
        table, column = str(row[0]), str(row[1])
        top = await dest.fetchall(f'SELECT MAX("{column}") FROM "{table}"')
        high = max(int(top[0][0] or 0), marks.get(table, 0))
        await dest.fetchall(
            "SELECT setval(pg_get_serial_sequence(?, ?), ?, ?)",
            (f'"{table}"', column, max(high, 1), high >= 1),
        )


# ---- the whole copy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyReport:
    checks: list[TableCheck]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def mismatched(self) -> list[str]:
        return [check.table for check in self.checks if not check.ok]

    def table(self) -> str:
        """The verification as a text table: table, rows, checksum match."""
        width = max([len(c.table) for c in self.checks] + [5])
        lines = [f"{'table':<{width}}  {'rows':>9}  checksum"]
        for c in self.checks:
            rows = (
                f"{c.dest_rows}"
                if c.source_rows == c.dest_rows
                else f"{c.source_rows}→{c.dest_rows}"
            )
            mark = "match" if c.ok else "MISMATCH"
            note = "  (kept by the destination's triggers)" if c.derived else ""
            lines.append(f"{c.table:<{width}}  {rows:>9}  {mark}{note}")
        return "\n".join(lines)


class Destination(Protocol):
    """What the copy needs of the destination store (Database or PgDatabase)."""

    def transaction(self) -> Any: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def executemany(self, sql: str, rows: Any) -> int: ...

    async def schema_version(self) -> int: ...


async def copy_store(
    snapshot: Snapshot,
    dest: Destination,
    where: str,
    tables: Sequence[Table] | None = None,
    fresh: dict[str, tuple[int, str]] | None = None,
) -> CopyReport:
    """Copy every table of `snapshot` into the empty, migrated `dest` and verify it, in one unit
    of work on `dest`: a mismatch (CopyFailed) or any error leaves it empty. `tables` and
    `fresh` (the empty state) are read from the source when not given."""
    started = time.monotonic()
    version = await check_source(snapshot)
    dest_version = await dest.schema_version()
    if dest_version != version:
        raise CopyRefused(f"{where} is at schema version {dest_version}, the source at {version}")
    tables = tables if tables is not None else await source_tables(snapshot)
    fresh = fresh if fresh is not None else await empty_state(tables)
    await check_empty(dest, tables, fresh, where)
    carried = {t.name: await carried_columns(dest, t) for t in tables}
    marks = await sequences(snapshot)
    async with dest.transaction():
        await check_empty(dest, tables, fresh, where)  # again, inside the unit: nobody slipped in
        await clear_seeds(dest, tables, fresh)
        for table in tables:
            if not table.derived:
                rows = await _copy_or_fail(snapshot, dest, table, carried[table.name])
                log.info("copied %s: %d rows", table.name, rows)
        await advance_sequences(dest, marks)
        report = CopyReport(await verify(snapshot, dest, tables, carried), 0.0)
        if not report.ok:
            raise CopyFailed(report.table() + "\n" + _mismatch_line(report))
    return CopyReport(report.checks, time.monotonic() - started)


async def _copy_or_fail(
    snapshot: Snapshot, dest: Destination, table: Table, columns: tuple[str, ...]
) -> int:
    """`copy_table`, its error (a row the destination refuses) named with the table."""
    try:
        return await copy_table(snapshot, dest, table, columns)
    except Exception as exc:  # the driver's error types differ; each is worth one line
        raise CopyFailed(
            f"copying table {table.name} failed ({type(exc).__name__}: {exc}): the destination"
            " was rolled back, nothing of the copy was kept"
        ) from exc


def _mismatch_line(report: CopyReport) -> str:
    return (
        f"verification failed for {', '.join(report.mismatched)}: the destination was rolled"
        " back, nothing of the copy was kept"
    )


async def _peek_sqlite(path: Path, tables: Sequence[Table], fresh: dict[str, Any]) -> None:
    """Refuse an existing SQLite destination before it is opened (opening migrates it)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    async with sqlite_snapshot(path) as peek:
        version = await sqlite_version_of(peek)
        if version is None:
            if await peek.fetchall("SELECT 1 FROM sqlite_master LIMIT 1"):
                raise CopyRefused(f"{path} holds tables but is no Release Radar database")
            return
        if version != await current_version():
            raise CopyRefused(
                f"{path} is at schema version {version}, this Release Radar at"
                f" {await current_version()}; copy only into a new, empty database"
            )
        await check_empty(peek, tables, fresh, str(path))


@asynccontextmanager
async def open_destination(
    url: StoreUrl, tables: Sequence[Table], fresh: dict[str, Any], password_env: str | None
) -> AsyncIterator[Any]:
    """The destination store, migrated to the current schema; refused first (untouched) when
    it exists and is not empty."""
    if url.scheme == "sqlite":
        path = Path(url.target)
        await _peek_sqlite(path, tables, fresh)
        db = await Database.open(path)
    else:
        db = await _open_postgresql(url.target, password_env)
    try:
        yield db
    finally:
        await db.close()


async def _peek_postgresql(dsn: str, password: str | None) -> None:
    """Refuse a PostgreSQL destination at another schema version, or one holding tables of
    something else, before it is opened (opening migrates it)."""
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn, password=password, timeout=30)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise CopyRefused(f"{dsn}: cannot connect ({type(exc).__name__}: {exc})") from exc
    try:
        if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
            other = await conn.fetchval(
                "SELECT COUNT(*) FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
            if other:
                raise CopyRefused(f"{dsn} holds tables but is no Release Radar database")
            return
        version = int(await conn.fetchval("SELECT MAX(version) FROM schema_migrations") or 0)
    finally:
        await conn.close()
    if version != await current_version():
        raise CopyRefused(
            f"{dsn} is at schema version {version}, this Release Radar at {await current_version()};"
            " copy only into a new, empty database"
        )


async def _open_postgresql(dsn: str, password_env: str | None) -> Any:
    password = (os.environ.get(password_env) or None) if password_env else None
    await _peek_postgresql(dsn, password)
    from bot.store.pg import PgDatabase  # only with a PostgreSQL destination

    return await PgDatabase.open(dsn, password=password)


async def migrate_store(source: StoreUrl, dest: StoreUrl, password_env: str | None) -> CopyReport:
    """Copy the SQLite store `source` into the empty store `dest` and verify it (see
    `copy_store`). CopyRefused: nothing was written; CopyFailed: the copy was rolled back."""
    if source.scheme != "sqlite":
        raise CopyRefused(f"--from {source}: the source must be an SQLite store (sqlite:PATH)")
    source_path = Path(source.target)
    if dest.scheme == "sqlite" and Path(dest.target).resolve() == source_path.resolve():
        raise CopyRefused("--from and --to are the same file")
    async with sqlite_snapshot(source_path) as snapshot:
        await check_source(snapshot)
        tables = await source_tables(snapshot)
        fresh = await empty_state(tables)
        async with open_destination(dest, tables, fresh, password_env) as db:
            return await copy_store(snapshot, db, str(dest), tables, fresh)
