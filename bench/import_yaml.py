"""Benchmark: `import catalog` of a file of duplicate model records grows linearly.

Writes two catalog files, one of N model records and one of 4N, where every model appears
four times (the shape of a file pasted together from several exports), and imports each into
a fresh store as `python -m bot import catalog` does (read, validate, merge, apply in one
transaction). The honest floor is the bare YAML parse of the same file (libyaml's safe
loader): the import cannot be faster than reading its input.

Figures: each import's time over its floor, and the growth from N to 4N of the import and of
the floor. Linear work grows about 4x (like the floor); the quadratic merge this guards
against grew about 16x (a 5 MB file took minutes). IMPORT_N sets N (2000). Prints a table,
then one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import yaml

from bot.importers.catalog_yaml import load_catalog_files
from bot.store import CatalogStore, Database

N = int(os.environ.get("IMPORT_N", "2000"))
REPEATS = 4  # each model appears this many times


def write_catalog(path: Path, records: int) -> None:
    """`records` model records naming records // REPEATS models, each with facts and a score."""
    distinct = max(1, records // REPEATS)
    lines = [
        "sources: [{key: bench, name: Bench, kind: article}]",
        "benchmarks: [{name: Bench Score, unit: '%'}]",
        "models:",
    ]
    for i in range(records):
        m = i % distinct
        lines += [
            f"  - name: Bench Model {m}",
            "    org: Bench Org",
            f"    aliases: [bm{m}, bench-{m}-{i // distinct}]",
            "    facts: [{field: params, value: 7B, source: bench}]",
            f"    scores: [{{benchmark: Bench Score, value: {m % 100}, source: bench}}]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def import_once(path: Path, db_path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    batch = load_catalog_files([path])
    db = await Database.open(db_path)
    try:
        summary = await CatalogStore(db).apply(batch)
    finally:
        await db.close()
    return time.perf_counter() - start, summary.describe()


def floor(path: Path) -> float:
    text = path.read_text(encoding="utf-8")
    start = time.perf_counter()
    yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return time.perf_counter() - start


async def measure(tmp: Path, records: int) -> dict:
    path = tmp / f"dup-{records}.yaml"
    write_catalog(path, records)
    parse_s = floor(path)
    import_s, summary = await import_once(path, tmp / f"store-{records}.db")
    return {
        "records": records,
        "bytes": path.stat().st_size,
        "yaml_parse_s": round(parse_s, 3),
        "import_s": round(import_s, 3),
        "import_over_parse": round(import_s / parse_s, 3),
        "summary": summary,
    }


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        small = await measure(Path(tmp_name), N)
        large = await measure(Path(tmp_name), REPEATS * N)
    print(f"{'records':>8} {'bytes':>9} {'yaml s':>8} {'import s':>9} {'import/yaml':>12}")
    for r in (small, large):
        print(
            f"{r['records']:>8} {r['bytes']:>9} {r['yaml_parse_s']:>8.3f} {r['import_s']:>9.3f}"
            f" {r['import_over_parse']:>12.3f}"
        )
    growth = large["import_s"] / small["import_s"]
    floor_growth = large["yaml_parse_s"] / small["yaml_parse_s"]
    print(f"4x the records: import {growth:.2f}x, YAML parse {floor_growth:.2f}x")
    figures = {
        "bench": "import_yaml",
        "sizes": [small, large],
        "import_growth_4x": round(growth, 3),
        "yaml_parse_growth_4x": round(floor_growth, 3),
        # Linear: the import grows no faster than the parse it cannot avoid (with slack for noise).
        "target_linear": growth <= max(floor_growth, 4.0) * 1.5,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
