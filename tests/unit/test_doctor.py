"""`python -m bot catalog doctor`: on the bundled data and on a crafted catalog where each
kind of finding appears; the store is a real SQLite file, the CLI a subprocess."""

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.core.records import (
    Batch,
    BenchmarkRec,
    ClaimRec,
    ModelRec,
    Provenance,
    ScoreRec,
    SourceRec,
)
from bot.importers.common import LLMSTATS_SOURCE
from bot.store import CatalogStore
from tests import pg_switch
from tests.conftest import open_store, store_execute
from tests.unit.test_cli import run


def test_doctor_on_the_bundled_data_reports_readably(db_path: Path) -> None:
    out = run(db_path, "catalog", "doctor")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Catalog doctor: ") and "model records" in lines[0]
    for title in (
        "Likely duplicates",
        "Likely wrong merges",
        "Unit anomalies",
        "Facts without a source",
    ):
        assert any(line.startswith(f"== {title}") for line in lines), title
    # The snapshots are records of their own now: no record holds two LLM Stats records.
    assert "holds LLM Stats records" not in out.stdout
    assert "GPT-4o:" not in out.stdout and "Claude 3.5 Sonnet:" not in out.stdout
    assert max(len(line) for line in lines) < 300


@pytest.fixture
def crafted_db(tmp_path: Path) -> Iterator[Path | pg_switch.PgDsn]:
    """An empty store for a crafted catalog: an SQLite file, or on PostgreSQL a new database."""
    if not pg_switch.ON_POSTGRESQL:
        yield tmp_path / "crafted.db"
        return
    dsn = pg_switch.create_database()
    yield dsn
    pg_switch.drop_database(dsn)


def _crafted(path: Path | str) -> None:
    async def build() -> None:
        db = await open_store(path)
        bare = SourceRec("notes", "Someone's notes", "article")  # no link anywhere
        llm = Provenance("llmstats")
        batch = Batch(
            sources=[LLMSTATS_SOURCE, bare],
            models=[
                ModelRec("Widget 7 Instruct", org="Acme"),
                ModelRec("Acme Widget 7", org="Acme"),
                ModelRec("Gizmo", org="Acme"),
            ],
            benchmarks=[BenchmarkRec("Quiz", "%")],
            claims=[
                ClaimRec(
                    "Gizmo", "release_date", "2024-01-10", Provenance("llmstats", note="gizmo-1")
                ),
                ClaimRec(
                    "Gizmo", "release_date", "2024-09-30", Provenance("llmstats", note="gizmo-2")
                ),
                ClaimRec("Widget 7 Instruct", "params", "7000000000", Provenance("notes")),
            ],
            scores=[
                ScoreRec("Gizmo", "Quiz", 81.0, llm),
                ScoreRec("Widget 7 Instruct", "Quiz", 77.5, llm),
                ScoreRec("Acme Widget 7", "Quiz", 0.79, llm),
            ],
        )
        await CatalogStore(db).apply(batch)
        await db.close()

    asyncio.run(build())
    orphan = (  # a claim whose source row is gone: written with foreign keys not enforced
        "INSERT INTO model_claims(model_id, field, value, source_id)"
        " SELECT id, 'status', 'released', 999 FROM models WHERE name = 'Gizmo'"
    )
    if isinstance(path, pg_switch.PgDsn):
        asyncio.run(_unchecked(path, orphan))
        return
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(orphan)


async def _unchecked(dsn: str, sql: str) -> None:
    """Run `sql` on PostgreSQL with its foreign keys not enforced (replica mode skips the
    constraint triggers; the test server's user is a superuser)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(sql)
    finally:
        await conn.close()


def test_doctor_finds_each_kind_on_a_crafted_catalog(crafted_db: Path) -> None:
    path = crafted_db
    _crafted(path)
    out = run(path, "catalog", "doctor")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Acme Widget 7, Widget 7 Instruct: 2 records" in text
    assert "Gizmo: holds LLM Stats records gizmo-1, gizmo-2" in text
    assert "Gizmo: llmstats gives release dates 2024-01-10 and 2024-09-30" in text
    assert "Acme Widget 7, Quiz: 0.79% among scores with median 77.5%: a fraction?" in text
    assert "notes: 1 claim(s) cite it with no link" in text
    assert "Gizmo: fact 'status: released' has no source" in text
    assert "Catalog doctor: 3 model records, 6 finding(s)." in text


def test_doctor_on_an_empty_kind_says_none_and_a_broken_file_is_refused(
    crafted_db: Path, tmp_path: Path
) -> None:
    path = crafted_db
    _crafted(path)
    store_execute(path, "DELETE FROM scores")
    out = run(path, "catalog", "doctor")
    assert (
        out.returncode == 0
        and "== Unit anomalies (a score outside its benchmark's usual range): 0 ==\n  none"
        in out.stdout
    )
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    bad = run(junk, "catalog", "doctor")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and bad.stderr.strip()
    missing = run(path, "catalog")
    assert missing.returncode == 2 and "doctor" in missing.stderr
