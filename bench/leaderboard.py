"""Benchmark: /leaderboard at 100,000 models x 6 scores, ranked in SQL with a LIMIT.

Builds a real store (bundled catalog + synthetic models, scores and license claims written
straight into SQLite), then times the core call plus rendering, with and without an openness
filter. Prints a table, then one JSON line of every figure.

Target (issue 14): /leaderboard p99 < 50 ms of core + render time at 100k models x ~6 scores.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import open_services
from bot.config import Config
from bot.render.lookups import render_leaderboard

MODELS = 100_000
SCORES_PER_MODEL = 6
BENCHMARKS = 40
CALLS = 200
SEED = 7
TARGET_MS = 50.0
SETTINGS = [("", ""), ("pass@1", ""), ("0-shot", ""), ("cons@64", "cons@64"), ("5-shot", "5-shot")]
OPENNESS = ["open_permissive", "open_restricted", "api_only", "unknown"]


def populate(path: Path) -> list[str]:
    """Synthetic models, benchmarks, scores and license claims, written in one transaction."""
    rng = random.Random(SEED)
    conn = sqlite3.connect(path)
    with conn:
        source = conn.execute("SELECT id FROM sources WHERE key = 'llmstats'").fetchone()[0]
        benches = []
        for i in range(BENCHMARKS):
            cursor = conn.execute(
                "INSERT INTO benchmarks(name, norm, unit, higher_is_better) VALUES (?, ?, '%', 1)",
                (f"Synth Bench {i}", f"synthbench{i}"),
            )
            benches.append(cursor.lastrowid)
        start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM models").fetchone()[0] + 1
        conn.executemany(
            "INSERT INTO models(id, name, norm) VALUES (?, ?, ?)",
            ((start + i, f"Synth Model {i}", f"synthmodel{i}") for i in range(MODELS)),
        )
        conn.executemany(
            "INSERT INTO license_claims(model_id, openness, source_id) VALUES (?, ?, ?)",
            ((start + i, rng.choice(OPENNESS), source) for i in range(MODELS)),
        )
        rows = []
        for i in range(MODELS):
            for bench in rng.sample(benches, SCORES_PER_MODEL):
                setting, key = rng.choice(SETTINGS)
                rows.append((start + i, bench, round(rng.uniform(0, 100), 2), setting, key, source))
        conn.executemany(
            "INSERT INTO scores(model_id, benchmark_id, value, setting, setting_key, source_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.execute("ANALYZE")
    conn.close()
    return [f"Synth Bench {i}" for i in range(BENCHMARKS)]


async def measure(path: Path, names: list[str]) -> dict[str, dict[str, float]]:
    rng = random.Random(SEED)
    figures = {}
    async with open_services(Config(database=path)) as services:
        for label, openness, setting in (
            ("no filter", None, None),
            ("openness=open", "open", None),
            ("setting=cons@64", None, "cons@64"),
        ):
            times = []
            for _ in range(CALLS):
                name = rng.choice(names)
                began = time.perf_counter()
                board = await services.lookups.leaderboard(name, openness, 10, setting)
                render_leaderboard(board)
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            figures[label] = {
                "p50_ms": statistics.median(times),
                "p99_ms": times[int(len(times) * 0.99) - 1],
            }
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.db"

        async def bundled() -> None:
            async with open_services(Config(database=path)):
                pass

        asyncio.run(bundled())
        names = populate(path)
        figures = asyncio.run(measure(path, names))
    print(f"/leaderboard at {MODELS:,} models x {SCORES_PER_MODEL} scores (core + render)")
    print(f"{'case':<18}{'p50 ms':>10}{'p99 ms':>10}{'target p99':>12}")
    for label, fig in figures.items():
        print(f"{label:<18}{fig['p50_ms']:>10.2f}{fig['p99_ms']:>10.2f}{TARGET_MS:>12.0f}")
    print(json.dumps({"leaderboard": figures}))


if __name__ == "__main__":
    main()
