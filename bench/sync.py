"""Benchmark: a full LiteLLM snapshot import against parsing the same JSON bare.

Reads the bundled `data/litellm/model_prices_and_context_window.json` once, then in the same
run times (process time, best of REPEATS) the bare `json.loads` of its bytes, and the full
import as the sync engine does it: `parse_litellm` (validate, map ids to models, prices and
facts) plus applying the batch in one transaction to a fresh store (migrated, empty). Target:
the import within 3x of the bare parse. (The unchanged re-sync row comes with the sync engine.)
Prints a table, `SUMMARY` lines for `make bench`, and one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from bot.importers.litellm import DATA_FILE, parse_litellm
from bot.store import CatalogStore, Database
from bot.sync.adapter import Fetched

REPEATS = int(os.environ.get("SYNC_REPEATS", "3"))
TARGET = 3.0


def bare(body: bytes) -> float:
    start = time.process_time()
    json.loads(body)
    return time.process_time() - start


async def full_import(body: bytes, folder: Path) -> tuple[float, float, str]:
    """Parse and apply into a fresh store; (total, of which apply) seconds and the summary."""
    db = await Database.open(folder / f"sync-{time.monotonic_ns()}.db")
    try:
        store = CatalogStore(db)
        start = time.process_time()
        batch = parse_litellm(Fetched(body, str(DATA_FILE), "2026-12-02"))
        parsed = time.process_time()
        summary = await store.apply(batch)
        end = time.process_time()
    finally:
        await db.close()
    return end - start, end - parsed, summary.describe()


async def main() -> None:
    body = DATA_FILE.read_bytes()
    floor = min(bare(body) for _ in range(REPEATS))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(REPEATS):
            runs.append(await full_import(body, Path(tmp)))
    total, applied, described = min(runs)
    ratio = total / floor
    print(f"file: {len(body):,} bytes; import: {described}")
    print("figure | target | measured | ratio")
    print(f"bare json.loads | - | {floor * 1000:.1f} ms | -")
    print(f"full import (parse + apply) | - | {total * 1000:.1f} ms | -")
    print(f"of which apply | - | {applied * 1000:.1f} ms | -")
    print(f"import / bare parse | {TARGET:g} | {ratio:.2f} | {ratio / TARGET:.2f}")
    print(
        f"SUMMARY figure=litellm_import_vs_bare_parse target={TARGET:g} measured={ratio:.2f}"
        f" ratio={ratio / TARGET:.2f}"
    )
    record = {"bytes": len(body), "bare_s": floor, "import_s": total, "apply_s": applied}
    print(json.dumps({**record, "ratio": ratio}))


if __name__ == "__main__":
    asyncio.run(main())
