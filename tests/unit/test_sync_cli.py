"""`python -m bot sync` as a subprocess against a temp store: it prints each change set, and
bad input (an unknown source, a bad date, an older snapshot, a missing file) exits non-zero
saying why, with the store as it was."""

from pathlib import Path

from tests.conftest import REPO
from tests.unit.test_cli import run

FIXTURES = REPO / "tests" / "data" / "sync"
ONE, TWO = str(FIXTURES / "openrouter-1.json"), str(FIXTURES / "openrouter-2.json")


def sync(db: Path, *args: str):
    return run(db, "sync", "openrouter", *args)


def test_sync_from_files_prints_the_change_sets(db_path: Path) -> None:
    first = sync(db_path, "--from", ONE, "--as-of", "2026-11-01")
    assert first.returncode == 0, first.stderr
    assert "5 added, 0 changed, 0 unchanged, 0 removed (first sync" in first.stdout
    second = sync(db_path, "--from", TWO, "--as-of", "2026-11-02")
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert lines[0] == ("openrouter (as of 2026-11-02): 1 added, 2 changed, 2 unchanged, 1 removed")
    assert "  Claude Sonnet 4.5 (openrouter): input $3.00 → $2.50 per 1M tokens" in lines
    assert "  GPT-4o: context window 128000 → 256000" in lines
    assert "  new model Zephyr Nova 7" in lines
    assert "  Mistral Small 3.1 24B is no longer listed" in lines
    again = sync(db_path, "--from", TWO, "--as-of", "2026-11-03")
    assert again.returncode == 0 and "the same content as last time" in again.stdout
    about = run(db_path, "ask", "about")
    assert (
        "**OpenRouter model list**" in about.stdout and "(snapshot of 2026-11-02)" in about.stdout
    )


def test_sync_bad_input_says_why_and_keeps_the_store(db_path: Path, tmp_path: Path) -> None:
    assert sync(db_path, "--from", TWO, "--as-of", "2026-11-02").returncode == 0
    older = sync(db_path, "--from", ONE, "--as-of", "2026-10-01")
    assert older.returncode == 1
    assert "older than the one of 2026-11-02 already applied" in older.stderr
    unknown = run(db_path, "sync", "nope")
    assert unknown.returncode == 2 and "no sync source 'nope'" in unknown.stderr
    bad_date = sync(db_path, "--from", ONE, "--as-of", "2026-13-01")
    assert bad_date.returncode == 2 and "is not a date" in bad_date.stderr
    no_source = run(db_path, "sync", "--from", ONE)
    assert no_source.returncode == 2 and "--from needs the source" in no_source.stderr
    missing = sync(db_path, "--from", str(tmp_path / "gone.json"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [{"id": ')
    truncated = sync(db_path, "--from", str(broken), "--as-of", "2026-11-05")
    assert truncated.returncode == 1 and "not valid JSON" in truncated.stderr
    kept = run(db_path, "ask", "model", "Zephyr Nova 7")
    assert kept.returncode == 0 and "256000" not in kept.stdout  # still the 2026-11-02 state
    gpt = run(db_path, "ask", "model", "GPT-4o")
    assert "256K" in gpt.stdout or "256,000" in gpt.stdout, gpt.stdout
