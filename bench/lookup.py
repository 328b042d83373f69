"""Benchmark: the name index at 100,000 and 1,000,000 realistic names, measured honestly.

- Autocomplete latency per keystroke (p50/p99) beside the real floor: an exhaustive
  `fuzz.ratio` scan over the same pre-normalised names (each cut to the typed length, as an
  autocomplete compares them), the same 25 answers.
- Recall@25 against that exhaustive scan: of the scan's best 25 names (score >= 60, ties
  included), how many the index returns; an empty answer is a miss, not a fast answer.
  Reported for all queries and for queries with a typo in the first two characters.
- Memory of the built index (tracemalloc, in a fresh subprocess per size).
- Event-loop lag while `Lookups.refresh()` rebuilds the index from a real store of 100,000
  models (a probe task that should wake every 5 ms).
- First start with the bundled data, timed as a process.

Prints a table per figure and `SUMMARY figure=... target=... measured=... ratio=...` lines.
Run: `PYTHONPATH=. python bench/lookup.py` (about 10 minutes on 2 cores; `--quick` for 100k only).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.core.index import NameEntry, NameIndex
from bot.core.names import normalize

SEED = 7
QUERIES = 300
LIMIT = 25
CUTOFF = 60.0
ORGS = [
    ("Alibaba", "Qwen"), ("Meta", "meta-llama"), ("Mistral AI", "mistralai"), ("Google", "google"),
    ("DeepSeek", "deepseek-ai"), ("Microsoft", "microsoft"), ("NVIDIA", "nvidia"), ("01.AI", "01-ai"),
    ("TII", "tiiuae"), ("Allen AI", "allenai"), ("IBM", "ibm-granite"), ("Cohere", "CohereForAI"),
    ("TheBloke", "TheBloke"), ("unsloth", "unsloth"), ("bartowski", "bartowski"), ("xAI", "xai-org"),
]  # fmt: skip
FAMILIES = [
    "Qwen3", "Qwen2.5", "Qwen3.5-Omni", "Llama-3.1", "Llama-4-Scout", "Mistral", "Mixtral",
    "Gemma-3", "Gemma-4", "DeepSeek-V3", "DeepSeek-R1", "Phi-4", "Phi-3.5", "Yi-1.5", "Falcon",
    "OLMo-2", "Granite-3.1", "Command-R", "Grok", "Nemotron", "Hermes-3", "Zephyr", "Vicuna",
    "Orca-2", "SmolLM2", "MiniCPM", "InternLM2.5", "GLM-4", "Kimi-K2", "Jamba-1.5", "Aya",
    "StarCoder2", "CodeLlama", "WizardLM", "OpenChat", "Solar", "EXAONE", "Baichuan2",
]  # fmt: skip
SIZES = ["0.5B", "1.5B", "3B", "7B", "8B", "14B", "32B", "70B", "72B", "235B-A22B", "8x7B", "405B"]
SUFFIXES = ["", "Instruct", "Chat", "Coder", "Base", "Vision", "Math", "GGUF", "AWQ", "FP8"]
DATES = ["", "2507", "0613", "2024-08-06", "2501", "v0.3", "v2", "1210", "(Mar 2025)"]


def realistic_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(name, org) pairs like the hubs list: org prefixes, versions, sizes, dates, quant tags."""
    out: dict[str, str] = {}
    while len(out) < count:
        org, handle = rng.choice(ORGS)
        parts = [rng.choice(FAMILIES), rng.choice(SIZES), rng.choice(SUFFIXES), rng.choice(DATES)]
        name = "-".join(p for p in parts if p)
        roll = rng.random()
        if roll < 0.3:
            name = f"{handle}/{name}"
        elif roll < 0.45:
            name = f"{org} {name}"
        if name in out:
            name = f"{name}-ft{rng.randint(1, 99999)}"
        out.setdefault(name, org)
    return list(out.items())


def typo(text: str, rng: random.Random, at: int) -> str:
    chars = list(text)
    kind = rng.choice(["sub", "del", "ins", "swap"])
    at = min(at, len(chars) - 2)
    if kind == "sub":
        chars[at] = rng.choice(
            "abcdefghijklmnopqrstuvwxyz0123456789".replace(chars[at].lower(), "")
        )
    elif kind == "del":
        del chars[at]
    elif kind == "ins":
        chars.insert(at, rng.choice("abcdefghijklmnopqrstuvwxyz"))
    else:
        chars[at], chars[at + 1] = chars[at + 1], chars[at]
    return "".join(chars)


def queries_for(names: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text): what people type, keystroke by keystroke, with and without typos."""
    out = []
    for _ in range(QUERIES):
        name = rng.choice(names)
        prefix = name[: rng.randint(3, min(14, len(name)))]
        roll = rng.random()
        if roll < 0.4:
            out.append(("prefix", prefix))
        elif roll < 0.7:
            out.append(("typo-head", typo(prefix, rng, rng.randint(0, 1))))
        else:
            out.append(("typo-later", typo(prefix, rng, rng.randint(2, max(2, len(prefix) - 1)))))
    return out


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def measure_recall(index: NameIndex, names: list[str], queries: list[tuple[str, str]]) -> dict:
    norms = [normalize(n) for n in names]
    by_id = {i: norms[i] for i in range(len(names))}
    cut_cache: dict[int, list[str]] = {}
    ours_ms, floor_ms = [], []
    recall: dict[str, list[float]] = {}
    empty: dict[str, int] = {}
    for kind, text in queries:
        q = normalize(text)
        start = time.perf_counter()
        answer = index.autocomplete(text, LIMIT)
        ours_ms.append((time.perf_counter() - start) * 1000)
        cut = cut_cache.get(len(q))
        if cut is None:
            cut = cut_cache[len(q)] = [n[: len(q)] for n in norms]
        start = time.perf_counter()
        truth = process.extract(q, cut, scorer=fuzz.ratio, limit=LIMIT, score_cutoff=CUTOFF)
        floor_ms.append((time.perf_counter() - start) * 1000)
        if not truth:
            continue
        threshold = truth[-1][1]
        got = sum(1 for e in answer if fuzz.ratio(q, by_id[e.id][: len(q)]) >= threshold - 1e-9)
        for key in (kind, "all"):
            recall.setdefault(key, []).append(min(got, len(truth)) / len(truth))
            empty[key] = empty.get(key, 0) + (not answer)
    return {
        "names": len(names),
        "ac_p50_ms": round(statistics.median(ours_ms), 3),
        "ac_p99_ms": round(percentile(ours_ms, 0.99), 3),
        "floor_p50_ms": round(statistics.median(floor_ms), 3),
        "floor_p99_ms": round(percentile(floor_ms, 0.99), 3),
        "recall": {k: round(statistics.fmean(v), 4) for k, v in recall.items()},
        "empty_share": {k: round(empty[k] / len(v), 4) for k, v in recall.items()},
    }


def entries_of(pairs: list[tuple[str, str]]) -> list[NameEntry]:
    return [NameEntry(i, name, org) for i, (name, org) in enumerate(pairs)]


def memory_child(size: int) -> None:
    """In a fresh process: MB that building the index allocates and keeps (entries included)."""
    import tracemalloc

    pairs = realistic_names(size, random.Random(SEED))
    tracemalloc.start()
    index = NameIndex(entries_of(pairs))
    current, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"names": len(index), "mb": current / 2**20, "peak_mb": peak / 2**20}))


def memory(size: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(size)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return json.loads(out.stdout)


async def loop_lag_during_refresh(tmp: Path, size: int) -> dict:
    """Worst event-loop stall while `Lookups.refresh()` rebuilds at `size` models."""
    from bot.app import open_services
    from bot.config import Config
    from bot.core.records import Batch, ModelRec, SourceRec

    async with open_services(Config(database=tmp / "lag.db")) as services:
        pairs = realistic_names(max(0, size - len(services.lookups.models)), random.Random(SEED))
        batch = Batch(sources=[SourceRec("bench", "Synthetic benchmark data", "curator")])
        batch.models = [ModelRec(name, org=org) for name, org in pairs]
        await services.catalog.apply(batch)
        lags: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                start = time.perf_counter()
                await asyncio.sleep(0.005)
                lags.append((time.perf_counter() - start - 0.005) * 1000)

        task = asyncio.create_task(probe())
        await asyncio.sleep(3)  # the machine's own noise: the same probe with nothing to do
        idle, lags[:] = max(lags), []
        start = time.perf_counter()
        await services.lookups.refresh()
        took = time.perf_counter() - start
        done.set()
        await task
        return {"names": len(services.lookups.models), "max_lag_ms": round(max(lags), 1),
                "p99_lag_ms": round(percentile(lags, 0.99), 1), "idle_max_lag_ms": round(idle, 1),
                "refresh_s": round(took, 2)}  # fmt: skip


def first_start(tmp: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(tmp / "first.db"), "ask", "about"],
        capture_output=True, check=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    return time.perf_counter() - start


def summary(figure: str, target: float, measured: float, lower_is_better: bool = True) -> None:
    ratio = (
        measured / target if lower_is_better else target / measured if measured else float("inf")
    )
    sign = "<" if lower_is_better else ">="
    print(
        f"SUMMARY figure={figure} target={sign}{target:g} measured={measured:g} ratio={ratio:.3f}"
    )


def main() -> None:
    sizes = (100_000,) if "--quick" in sys.argv else (100_000, 1_000_000)
    results = []
    for size in sizes:
        rng = random.Random(SEED)
        pairs = realistic_names(size, rng)
        index = NameIndex(entries_of(pairs))
        names = [n for n, _ in pairs]
        queries = queries_for(names, rng)[: QUERIES if size <= 100_000 else QUERIES // 3]
        result = measure_recall(index, names, queries)
        result.update(memory(size))
        results.append(result)
        del index
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        start_s = first_start(tmp)
        lag = asyncio.run(loop_lag_during_refresh(tmp, 100_000))
    print(f"{'names':>9} {'ac p50':>7} {'ac p99':>7} {'floor p99':>9} {'recall':>7} "
          f"{'typo-head':>9} {'empty@head':>10} {'MB':>7} {'peak MB':>8}")  # fmt: skip
    for r in results:
        print(
            f"{r['names']:>9} {r['ac_p50_ms']:>7.2f} {r['ac_p99_ms']:>7.2f} {r['floor_p99_ms']:>9.1f}"
            f" {r['recall']['all']:>7.3f} {r['recall'].get('typo-head', 0):>9.3f}"
            f" {r['empty_share'].get('typo-head', 0):>10.3f} {r['mb']:>7.1f} {r['peak_mb']:>8.1f}"
        )
    print(
        f"refresh at {lag['names']:,} models: {lag['refresh_s']} s, worst loop stall {lag['max_lag_ms']} ms"
    )
    print(f"first start with bundled data (a process): {start_s:.2f} s")
    for r in results:
        n = f"{r['names'] // 1000}k"
        summary(f"autocomplete_p99_ms@{n}", 3.0, r["ac_p99_ms"])
        summary(f"autocomplete_recall25@{n}", 0.95, r["recall"]["all"], lower_is_better=False)
        summary(f"autocomplete_recall25_typo_head@{n}", 0.9, r["recall"].get("typo-head", 0), False)
        summary(f"index_mb@{n}", 138.0 * r["names"] / 100_000, round(r["mb"], 1))
    summary("refresh_loop_stall_ms@100k", 50.0, lag["max_lag_ms"])
    summary("idle_loop_stall_ms(machine_noise)", 50.0, lag["idle_max_lag_ms"])
    summary("first_start_s", 5.0, round(start_s, 2))
    print(
        json.dumps({"bench": "lookup", "sizes": results, "refresh": lag, "first_start_s": start_s})
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--memory-child":
        memory_child(int(sys.argv[2]))
    else:
        main()
