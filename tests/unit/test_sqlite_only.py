"""The `sqlite_only` marker (tests/conftest.py): a test of SQLite's own behaviour (its file
lock, PRAGMA, the file on disk) runs on SQLite and is left out when the suite runs on
PostgreSQL (RR_TEST_BACKEND=postgresql), where there is no such file."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

MARKED = "tests/e2e/test_locked_database.py"  # the module is marked sqlite_only


def collected(backend: str) -> str:
    env = os.environ | {"RR_TEST_BACKEND": backend}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", MARKED],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.stdout + run.stderr


def test_a_sqlite_only_test_runs_on_sqlite_and_is_left_out_on_postgresql() -> None:
    on_sqlite = collected("sqlite")
    assert "test_every_writing_command_is_acknowledged_while_the_database_is_locked" in on_sqlite
    assert "deselected" not in on_sqlite, on_sqlite
    on_postgresql = collected("postgresql")
    assert "test_every_writing_command" not in on_postgresql, on_postgresql
    assert "1 deselected" in on_postgresql, on_postgresql


def test_a_bad_backend_name_collects_nothing_and_says_why() -> None:
    refused = collected("sqlite_only")
    assert "RR_TEST_BACKEND must be sqlite or postgresql" in refused, refused
    assert "test_every_writing_command" not in refused
