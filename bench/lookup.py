"""Benchmark: /model lookup and autocomplete at catalog sizes up to 100,000 names.

Builds a real store (bundled catalog + synthetic models), then times the core API against a bare
`rapidfuzz.process.extract` over the same names, measured in the same run. Also times the first
start with the bundled data. Prints a table, then one JSON line of every figure.

Targets (issue 3): autocomplete p99 < 3 ms at 100,000 names and within 1.5x of the bare scan;
first start with the bundled data < 5 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from rapidfuzz import process

from bot.app import open_services
from bot.config import Config
from bot.core.errors import UserError
from bot.core.records import Batch, ModelRec, SourceRec

SIZES = (1_000, 10_000, 100_000)
QUERIES = 300
SEED = 7
STEMS = [
    "gem", "qwen", "llama", "mistral", "deep", "phi", "claude", "gpt", "grok", "nova", "jamba",
    "falcon", "yi", "kimi", "glm", "command", "olmo", "granite", "nemo", "hermes", "orca", "vicuna",
    "aurora", "zephyr", "atlas", "lumen", "vega", "sol", "terra", "nimbus", "pixel", "echo",
]  # fmt: skip
SUFFIXES = [
    "",
    " Instruct",
    " Chat",
    " Coder",
    " Vision",
    " Omni",
    " Mini",
    " Pro",
    " Flash",
    " Base",
]


def synthetic_names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        stem = rng.choice(STEMS) + rng.choice(["", "a", "o", "ix", "on", "ara", "ium"])
        version = f"{rng.randint(1, 9)}.{rng.randint(0, 9)}"
        size = rng.choice(["", f" {rng.choice([1, 3, 7, 8, 13, 14, 32, 70, 72, 405])}B"])
        names.add(
            f"{stem.title()}-{version}{size}{rng.choice(SUFFIXES)} {rng.randint(0, 99999):05d}"
        )
    return sorted(names)


def queries_for(names: list[str], rng: random.Random) -> list[str]:
    """What people type: prefixes of real names, typos, and whole names."""
    out = []
    for _ in range(QUERIES):
        name = rng.choice(names)
        kind = rng.random()
        if kind < 0.5:
            out.append(name[: rng.randint(2, min(8, len(name)))])
        elif kind < 0.8:
            chars = list(name[:10])
            i = rng.randrange(len(chars))
            chars[i] = rng.choice("aeiouxz")
            out.append("".join(chars))
        else:
            out.append(name)
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 4),
        "p99_ms": round(p99 * 1000, 4),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 4),
    }


def timed(fn, queries: list[str]) -> list[float]:
    samples = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - start)
    return samples


async def timed_async(fn, queries: list[str]) -> list[float]:
    samples = []
    for q in queries:
        start = time.perf_counter()
        with contextlib.suppress(UserError):  # "no match" is still a measured answer
            await fn(q)
        samples.append(time.perf_counter() - start)
    return samples


async def first_start(tmp: Path) -> float:
    start = time.perf_counter()
    async with open_services(Config(database=tmp / "first.db")):
        pass
    return time.perf_counter() - start


async def measure_size(tmp: Path, size: int, rng: random.Random) -> dict:
    db = tmp / f"bench-{size}.db"
    async with open_services(Config(database=db)) as services:
        existing = len(services.lookups.models)
        extra = synthetic_names(max(0, size - existing), rng)
        batch = Batch(sources=[SourceRec("bench", "Synthetic benchmark data", "curator")])
        batch.models = [ModelRec(name, org="Synthetic Org") for name in extra]
        await services.store.apply(batch)
        await services.lookups.refresh()
        index = services.lookups.models
        names = [e.name for e in index.entries]
        queries = queries_for(names, rng)

        index.autocomplete(queries[0])  # warm caches
        ours = timed(index.autocomplete, queries)
        bare = timed(lambda q: process.extract(q, names, limit=25), queries)
        lookup = await timed_async(services.lookups.model, queries[:100])
        bare_lookup = timed(lambda q: process.extract(q, names, limit=6), queries[:100])
    ac, base = percentiles(ours), percentiles(bare)
    return {
        "names": len(names),
        "autocomplete": ac,
        "bare_extract": base,
        "autocomplete_p99_ratio_to_bare": round(ac["p99_ms"] / base["p99_ms"], 4),
        "autocomplete_mean_ratio_to_bare": round(ac["mean_ms"] / base["mean_ms"], 4),
        "model_lookup": percentiles(lookup),
        "bare_extract_lookup": percentiles(bare_lookup),
    }


async def main() -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        start_s = await first_start(tmp)
        results = [await measure_size(tmp, size, rng) for size in SIZES]
    print(f"first start with bundled data: {start_s:.2f} s (target < 5 s)")
    print(
        f"{'names':>8} {'ac p50':>8} {'ac p99':>8} {'bare p99':>9} {'ratio':>7} {'/model p99':>11}"
    )
    for r in results:
        print(
            f"{r['names']:>8} {r['autocomplete']['p50_ms']:>8.3f} {r['autocomplete']['p99_ms']:>8.3f}"
            f" {r['bare_extract']['p99_ms']:>9.3f} {r['autocomplete_p99_ratio_to_bare']:>7.3f}"
            f" {r['model_lookup']['p99_ms']:>11.3f}"
        )
    largest = results[-1]
    figures = {
        "bench": "lookup",
        "first_start_s": round(start_s, 3),
        "sizes": results,
        "target_autocomplete_p99_under_3ms": largest["autocomplete"]["p99_ms"] < 3.0,
        "target_within_1_5x_of_bare": largest["autocomplete_p99_ratio_to_bare"] <= 1.5,
        "target_first_start_under_5s": start_s < 5.0,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
