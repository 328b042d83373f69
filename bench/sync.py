"""Benchmark: a full sync of a snapshot, and an unchanged re-sync, against the bare parse.

Opens a fresh store with the bundled data (as `make run` does), then, for one source's
snapshot file: parses it bare (the floor the issue names: `json.loads` of a JSON source, the
`csv` module's reader over a CSV one), parses it with its adapter alone (shown, so the share the
mapping takes is seen), syncs it through the engine (fetch from the file, parse, change set,
supersede and apply in one unit of work, state), and syncs the same file again (its sha256
matches: nothing parsed or applied). Targets: the full sync within 3x of the bare parse; the
unchanged re-sync under 5% of the full sync.

SYNC_SOURCE picks the adapter (default `litellm` when registered, else `epoch`); SYNC_FILE
the snapshot (default the adapter's bundled one under data/). Prints a table, then SUMMARY
lines for bench/summary.py.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import tempfile
import time
from pathlib import Path

from bot.app import open_services
from bot.config import Config, SyncConfig, WatchConfig
from bot.importers.bundled import DATA_DIR
from bot.sync.adapter import Fetched
from bot.sync.registry import ADAPTERS

NO_FEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "no-feeds.yaml"


def chosen() -> tuple[str, Path]:
    key = os.environ.get("SYNC_SOURCE") or ("litellm" if "litellm" in ADAPTERS else "epoch")
    adapter = ADAPTERS[key]
    default = DATA_DIR / adapter.bundled if adapter.bundled else None
    path = Path(os.environ.get("SYNC_FILE") or default or "")
    if not path.is_file():
        raise SystemExit(f"no snapshot file for {key}: set SYNC_FILE")
    return key, path


def bare_parse(path: Path, body: bytes) -> float:
    """Seconds to read the body with the standard parser alone, best of three."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        if path.suffix == ".json":
            json.loads(body)
        else:
            sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        runs.append(time.perf_counter() - start)
    return min(runs)


async def main() -> None:
    key, path = chosen()
    body = path.read_bytes()
    bare = bare_parse(path, body)
    start = time.perf_counter()
    ADAPTERS[key].parse(Fetched(body, str(path), "2026-12-01"))
    adapter_parse = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(
            database=Path(tmp) / "bench.db",
            watch=WatchConfig(enabled=False, feeds_file=NO_FEEDS),
            sync=SyncConfig(enabled=False),
        )
        async with open_services(config) as services:
            start = time.perf_counter()
            full = await services.sync.sync(key, origin=str(path), as_of="2026-12-01")
            full_time = time.perf_counter() - start
            assert full.ok, full.describe()
            start = time.perf_counter()
            again = await services.sync.sync(key, origin=str(path), as_of="2026-12-01")
            again_time = time.perf_counter() - start
            assert again.ok and again.unchanged, again.describe()
    print(f"source {key}: {path.name}, {len(body):,} bytes")
    print(f"bare parse        {bare * 1000:9.1f} ms")
    print(f"adapter parse     {adapter_parse * 1000:9.1f} ms  ({adapter_parse / bare:.2f}x)")
    print(f"full sync         {full_time * 1000:9.1f} ms  ({full_time / bare:.2f}x the bare parse)")
    print(f"unchanged re-sync {again_time * 1000:9.1f} ms  ({again_time / full_time:.2%} of full)")
    print(
        f"SUMMARY figure=sync_full_over_parse target=3 measured={full_time / bare:.2f}"
        f" ratio={full_time / bare / 3:.2f}"
    )
    print(
        f"SUMMARY figure=sync_unchanged_share target=0.05 measured={again_time / full_time:.4f}"
        f" ratio={again_time / full_time / 0.05:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
