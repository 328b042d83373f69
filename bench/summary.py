"""`make bench`: run every benchmark script and end with one summary table.

Runs each `bench/*.py` (or the scripts given as arguments) in turn, its output shown as it
comes, and collects the lines they print of the form

    SUMMARY figure=<name> target=<value> measured=<value> ratio=<measured/target>

into one table at the end: figure | target | measured | ratio. A malformed SUMMARY line is
listed as such rather than dropped. Exits 1 if any script failed (after the table).
Helpers beside the scripts start with `_` and are not run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
FIELDS = ("figure", "target", "measured", "ratio")


def parse(line: str) -> dict[str, str] | None:
    """The fields of a `SUMMARY ...` line; None if it is not one. A line that starts with
    SUMMARY but lacks a field comes back with the whole line as its figure and '?' elsewhere."""
    if not line.startswith("SUMMARY "):
        return None
    fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
    if not all(fields.get(key) for key in FIELDS):
        return {
            "figure": f"malformed: {line.strip()}",
            "target": "?",
            "measured": "?",
            "ratio": "?",
        }
    return {key: fields[key] for key in FIELDS}


def table(rows: list[dict[str, str]]) -> str:
    """The rows as an aligned text table under a header."""
    header = dict(zip(FIELDS, FIELDS, strict=True))
    widths = {k: max(len(r[k]) for r in [header, *rows]) for k in FIELDS}
    lines = [" | ".join(r[k].ljust(widths[k]) for k in FIELDS).rstrip() for r in [header, *rows]]
    lines.insert(1, "-+-".join("-" * widths[k] for k in FIELDS))
    return "\n".join(lines)


def run(script: Path) -> tuple[int, list[dict[str, str]]]:
    """Run one script, echoing its output; its exit code and SUMMARY rows."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(BENCH.parent), os.environ.get("PYTHONPATH", "")]),
    }
    rows = []
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            row = parse(line)
            if row is not None:
                rows.append(row)
    return proc.returncode, rows


def main(argv: list[str]) -> int:
    scripts = [Path(a) for a in argv] or sorted(
        p for p in BENCH.glob("*.py") if not p.name.startswith("_") and p.name != "summary.py"
    )
    rows: list[dict[str, str]] = []
    failed = []
    for script in scripts:
        print(f"== {script}", flush=True)
        code, found = run(script)
        rows += found
        if code != 0:
            failed.append(script.name)
    print("\n== summary")
    print(table(rows) if rows else "(no SUMMARY lines)")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
