"""Versioned migrations, one plan for both backends. SQLite's are bot/store/migrations/NNNN_name.sql;
PostgreSQL's are the same folder's postgresql/ subfolder, where `NNNN_baseline.sql` stands
for every SQLite version up to NNNN (no PostgreSQL database exists at an older version):
applied to an empty database it records those versions under their SQLite names, so
`schema_migrations` reads the same on both. From the baseline on, both folders hold the same
file names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from bot.store.errors import StoreError

Dialect = Literal["sqlite", "postgresql"]

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BASELINE = "baseline"
# pg_advisory_xact_lock key of the migration runner (any constant all processes share).
LOCK_KEY = 0x52524D49  # "RRMI"

SCHEMA_TABLE: dict[Dialect, str] = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))",
    "postgresql": "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL"
    " DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
}
APPLIED = "SELECT version FROM schema_migrations"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    script: str

    @property
    def file(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


@dataclass(frozen=True)
class Step:
    """One migration to apply in its own transaction, and the versions it records."""

    file: str
    name: str
    script: str
    records: tuple[tuple[int, str], ...]


def bundled() -> Traversable:
    """The SQLite migrations folder shipped in the package."""
    return resources.files("bot.store").joinpath("migrations")


def read_folder(folder: Path | Traversable) -> list[Migration]:
    """The migrations in `folder` (NNNN_name.sql), in version order; none if it is missing."""
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            script = entry.read_text(encoding="utf-8")
            found.append(Migration(int(match.group(1)), match.group(2), script))
    return sorted(found, key=lambda m: m.version)


def folders(folder: Path | Traversable | None) -> tuple[Path | Traversable, Path | Traversable]:
    """The SQLite folder (the bundled one by default) and its postgresql/ subfolder."""
    sqlite = bundled() if folder is None else folder
    return sqlite, sqlite.joinpath("postgresql")


def plan(dialect: Dialect, applied: set[int], folder: Path | Traversable | None) -> list[Step]:
    """The steps that bring a database with `applied` versions up to date, in order."""
    sqlite_folder, pg_folder = folders(folder)
    sqlite = read_folder(sqlite_folder)
    if dialect == "sqlite":
        return [_step(m, ((m.version, m.name),)) for m in sqlite if m.version not in applied]
    steps = []
    for migration in read_folder(pg_folder):
        if migration.name == BASELINE:
            covered = tuple((m.version, m.name) for m in sqlite if m.version <= migration.version)
            if not covered:  # a baseline with no SQLite versions beside it records its own
                covered = ((migration.version, migration.name),)
            missing = [v for v, _ in covered if v not in applied]
            if not missing:
                continue
            if applied:
                raise StoreError(
                    f"the database is at schema version {max(applied)}, older than the"
                    f" PostgreSQL baseline {migration.file}: no PostgreSQL database is created"
                    " at an older version (copy the data over with migrate-store instead)"
                )
            steps.append(_step(migration, covered))
        elif migration.version not in applied:
            steps.append(_step(migration, ((migration.version, migration.name),)))
    return steps


def _step(migration: Migration, records: tuple[tuple[int, str], ...]) -> Step:
    return Step(migration.file, migration.name, migration.script, records)


def script(step: Step) -> str:
    """The step's SQL followed by the inserts that record its versions (names are
    [a-z0-9_], so they are safe to write as literals)."""
    values = ", ".join(f"({version}, '{name}')" for version, name in step.records)
    return f"{step.script}\n;INSERT INTO schema_migrations(version, name) VALUES {values};"


def twin_problems(folder: Path | Traversable | None = None) -> list[str]:
    """What breaks the rule that from the PostgreSQL baseline on both folders hold the same
    file names (every migration written for both backends); none when they agree."""
    sqlite_folder, pg_folder = folders(folder)
    pg = read_folder(pg_folder)
    baselines = [m.version for m in pg if m.name == BASELINE]
    if len(baselines) > 1:
        return [f"more than one PostgreSQL baseline: versions {baselines}"]
    start = baselines[0] if baselines else 0
    sqlite_files = {m.file for m in read_folder(sqlite_folder) if m.version > start}
    pg_files = {m.file for m in pg if m.version > start}
    problems = [f"{name} has no PostgreSQL twin" for name in sorted(sqlite_files - pg_files)]
    problems += [
        f"postgresql/{name} has no SQLite twin" for name in sorted(pg_files - sqlite_files)
    ]
    return problems
