"""BENCH_BACKEND (bench/_backend.py): which stores the benches run on, and a bad name refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

from _backend import backends, suffix


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ["sqlite"]),
        ("postgresql", ["postgresql"]),
        ("sqlite, postgresql", ["sqlite", "postgresql"]),
    ],
)
def test_backends_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: list[str]
) -> None:
    if value is None:
        monkeypatch.delenv("BENCH_BACKEND", raising=False)
    else:
        monkeypatch.setenv("BENCH_BACKEND", value)
    assert backends() == expected
    assert [suffix(b) for b in expected] == [
        "" if b == "sqlite" else "_postgresql" for b in expected
    ]


def test_an_unknown_backend_stops_the_bench_before_it_starts() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "fanout.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"BENCH_BACKEND": "mysql", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 1
    assert "BENCH_BACKEND=['mysql']: use sqlite, postgresql or both" in done.stderr
