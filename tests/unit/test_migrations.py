"""The migration runner both backends share (bot/store/migrate.py), on SQLite here (PgDatabase's
side is in test_pg.py), and the rule that every migration exists for both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import Database
from bot.store.migrate import plan, twin_problems


def test_every_migration_from_the_baseline_on_exists_for_both_backends() -> None:
    assert twin_problems() == []


def test_the_twin_check_finds_a_migration_written_for_one_backend_only(tmp_path: Path) -> None:
    (tmp_path / "postgresql").mkdir()
    for name in ("0001_a.sql", "0002_b.sql", "0003_c.sql", "0004_d.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    (tmp_path / "postgresql" / "0002_baseline.sql").write_text("SELECT 1;")
    (tmp_path / "postgresql" / "0003_c.sql").write_text("SELECT 1;")
    (tmp_path / "postgresql" / "0005_e.sql").write_text("SELECT 1;")
    assert twin_problems(tmp_path) == [
        "0004_d.sql has no PostgreSQL twin",
        "postgresql/0005_e.sql has no SQLite twin",
    ]
    (tmp_path / "postgresql" / "0003_baseline.sql").write_text("SELECT 1;")
    assert twin_problems(tmp_path) == ["more than one PostgreSQL baseline: versions [2, 3]"]


def test_the_postgresql_plan_starts_at_the_baseline_and_goes_on_per_file(tmp_path: Path) -> None:
    (tmp_path / "postgresql").mkdir()
    for name in ("0001_a.sql", "0002_b.sql", "0003_c.sql", "notes.txt"):
        (tmp_path / name).write_text("SELECT 1;")
    (tmp_path / "postgresql" / "0002_baseline.sql").write_text("SELECT 2;")
    (tmp_path / "postgresql" / "0003_c.sql").write_text("SELECT 3;")
    fresh = plan("postgresql", set(), tmp_path)
    assert [(s.file, s.records) for s in fresh] == [
        ("0002_baseline.sql", ((1, "a"), (2, "b"))),
        ("0003_c.sql", ((3, "c"),)),
    ]
    assert [s.file for s in plan("postgresql", {1, 2}, tmp_path)] == ["0003_c.sql"]
    assert plan("postgresql", {1, 2, 3}, tmp_path) == []
    assert [s.file for s in plan("sqlite", {1}, tmp_path)] == ["0002_b.sql", "0003_c.sql"]


async def test_sqlite_runs_a_given_folder_each_migration_in_its_own_transaction(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE t (x INTEGER);")
    (folder / "0002_broken.sql").write_text("CREATE TABLE u (y INTEGER); SELECT nope();")
    with pytest.raises(Exception, match="no such function"):
        await Database.open(tmp_path / "a.db", migrations_folder=folder)
    (folder / "0002_broken.sql").write_text("CREATE TABLE u (y INTEGER);")
    db = await Database.open(tmp_path / "a.db", migrations_folder=folder)
    try:
        rows = await db.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [tuple(r) for r in rows] == [(1, "first"), (2, "broken")]  # 0001 was kept
        assert db.dialect == "sqlite"
        assert await db.insert("INSERT INTO t(x) VALUES (?)", (5,)) == 1  # the rowid
    finally:
        await db.close()
