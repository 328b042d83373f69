"""`make bench`'s collector (bench/summary.py): runs the scripts, ends with one table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SUMMARY = REPO / "bench" / "summary.py"


def collect(*scripts: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SUMMARY), *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_summary_lines_of_every_script_become_one_table(tmp_path: Path) -> None:
    one = tmp_path / "one.py"
    one.write_text(
        "print('noise')\n"
        "print('SUMMARY figure=model_p99_ms target=50ms measured=12.5ms ratio=0.250')\n"
    )
    two = tmp_path / "two.py"
    two.write_text("print('SUMMARY figure=rss_mb target=400 measured=380 ratio=0.950')\n")
    out = collect(one, two)
    assert out.returncode == 0, out.stderr
    head, table = out.stdout.split("== summary\n")
    assert "noise" in head  # each script's own output is shown as it runs
    lines = table.splitlines()
    assert lines[0].split(" | ") == ["figure      ", "target", "measured", "ratio"]
    assert [c.strip() for c in lines[2].split("|")] == ["model_p99_ms", "50ms", "12.5ms", "0.250"]
    assert [c.strip() for c in lines[3].split("|")] == ["rss_mb", "400", "380", "0.950"]


def test_a_failing_script_or_a_malformed_line_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("print('SUMMARY figure=half target=1')\nraise SystemExit(3)\n")
    out = collect(bad)
    assert out.returncode == 1
    assert "malformed: SUMMARY figure=half target=1" in out.stdout
    assert "failed: bad.py" in out.stdout
    empty = tmp_path / "quiet.py"
    empty.write_text("pass\n")
    assert "(no SUMMARY lines)" in collect(empty).stdout
