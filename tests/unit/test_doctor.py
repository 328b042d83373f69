"""`python -m bot catalog doctor`: on the bundled data and on a crafted catalog where each
kind of finding appears; the store is a real SQLite file, the CLI a subprocess."""

import asyncio
import sqlite3
from pathlib import Path

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
from bot.store import CatalogStore, Database
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


def _crafted(path: Path) -> None:
    async def build() -> None:
        db = await Database.open(path)
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
    with sqlite3.connect(path) as conn:  # a claim whose source row is gone
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "INSERT INTO model_claims(model_id, field, value, source_id)"
            " SELECT id, 'status', 'released', 999 FROM models WHERE name = 'Gizmo'"
        )


def test_doctor_finds_each_kind_on_a_crafted_catalog(tmp_path: Path) -> None:
    path = tmp_path / "crafted.db"
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


def test_doctor_on_an_empty_kind_says_none_and_a_broken_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crafted.db"
    _crafted(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM scores")
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
