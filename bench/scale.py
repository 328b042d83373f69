"""Benchmark: catalog reads, event-loop lag and memory at 100,000 models with ~6 scores each.

Builds (or reuses, with SCALE_DB=path) a store of the bundled catalog grown to SCALE_MODELS
(100,000) synthetic models (`_scale_catalog.py`), then measures on it:
- /model, /compare (4 models), /license, /search, /leaderboard: p50/p99 of core + render time;
- the longest event-loop stall (a probe task sleeping 5 ms records its overshoot) while a
  curator-sized import is applied (the index refresh is bench/lookup.py's), and during `/admin export scope:all`;
- 20 concurrent commands through the Discord stand-in: the slowest answer (Discord's window: 3 s);
- memory: RSS of the whole process tree (the bench and every worker it started), with the bundled
  catalog and at SCALE_MODELS.
Prints a table and `SUMMARY figure=... target=... measured=... ratio=...` lines for `make bench`.
BENCH_BACKEND=postgresql (or sqlite,postgresql: both in one run; bench/_backend.py) also copies
the grown store into PostgreSQL with `migrate-store` (timed, verified) and measures the same
reads there: figures ending in _postgresql. The catalog is always grown on SQLite first.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _scale_catalog, beside this file
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.standin for the stand-in

from _backend import PASSWORD_ENV, backends, fresh_database, on_postgresql, postgresql_server
from _scale_catalog import grow

from bot.app import open_services
from bot.config import Config, WatchConfig
from bot.core.records import Batch, ModelRec, Provenance, ScoreRec, SourceRec
from bot.render import lookups as render
from bot.services import Services
from bot.store.copy import StoreUrl, migrate_store

MODELS = int(os.environ.get("SCALE_MODELS", "100000"))
QUERIES = int(os.environ.get("SCALE_QUERIES", "200"))
CONCURRENT = 20
LATENCY_TARGET_MS = 50.0
STALL_TARGET_MS = 50.0
WINDOW_S = 3.0


def summary(figure: str, target: float, measured: float, unit: str = "") -> None:
    """One line `make bench` collects (bench/summary.py); ratio is measured over target."""
    ratio = measured / target if target else float("nan")
    print(
        f"SUMMARY figure={figure} target={target:g}{unit} measured={measured:.4g}{unit}"
        f" ratio={ratio:.3f}"
    )


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def tree_rss_mb(pid: int | None = None) -> float:
    """Resident memory of `pid` (this process) and every process below it, in MB."""
    pid = pid or os.getpid()
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class LagProbe:
    """A task that sleeps 5 ms over and over and records how late it wakes: the loop's stalls."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, loop.time() - start - 0.005)

    async def __aenter__(self) -> LagProbe:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def timed(call: Callable[[], Awaitable[object]], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return samples


def config(path: Path) -> Config:
    return Config(database=path, watch=WatchConfig(enabled=False))


async def reads(services: Services, rng: random.Random) -> dict[str, list[float]]:
    """Core + render time of each read command over random models of the catalog."""
    lk = services.lookups
    names = [e.name for e in lk.models.entries]
    benches = [e.name for e in lk.benchmarks.entries[:40]]
    pick = lambda: rng.choice(names)  # noqa: E731

    async def model() -> None:
        render.render_model(await lk.model(pick()))

    async def compare() -> None:
        render.render_comparison(await lk.compare([pick() for _ in range(4)]))

    async def license_() -> None:
        render.render_model_licenses(await lk.license(pick()))  # type: ignore[arg-type]

    async def search() -> None:
        render.render_search(await lk.search(pick()[:6]))

    async def leaderboard() -> None:
        render.render_leaderboard(await lk.leaderboard(rng.choice(benches)))

    async def about() -> None:
        render.render_about(await lk.about())

    out = {}
    for label, call, count in (
        ("/model", model, QUERIES),
        ("/compare 4", compare, QUERIES),
        ("/license", license_, QUERIES),
        ("/search", search, QUERIES),
        ("/leaderboard", leaderboard, max(10, QUERIES // 10)),
        ("/about", about, max(10, QUERIES // 10)),
    ):
        await call()  # warm
        out[label] = await timed(call, count)
        samples = out[label]
        print(
            f"{label}: p50 {statistics.median(samples) * 1000:.1f} ms, p99 {p99(samples) * 1000:.1f} ms",
            flush=True,
        )
    return out


async def import_stall(services: Services) -> float:
    """The worst loop stall while a curator-sized batch is imported."""
    prov = Provenance("bench-curator")
    batch = Batch(sources=[SourceRec("bench-curator", "Bench curator", "curator")])
    bench = services.lookups.benchmarks.entries[0].name
    for i in range(200):
        batch.models.append(ModelRec(f"Curated Bench Model {i}", org="Bench Org"))
        batch.scores.append(ScoreRec(f"Curated Bench Model {i}", bench, 50.0, prov))
    async with LagProbe() as probe:
        await services.catalog.apply(batch)
    return probe.worst


async def export_stall(services: Services) -> tuple[float, float]:
    """The worst loop stall during `/admin export scope:all`, and how long it took."""
    async with LagProbe() as probe:
        start = time.perf_counter()
        text = await services.curation.export(curated_only=False)
        took = time.perf_counter() - start
    print(f"export: {len(text) / 1e6:.1f} MB of YAML; RSS {tree_rss_mb():.0f} MB", flush=True)
    return probe.worst, took


async def concurrent_window(db: Path) -> float:
    """The slowest of 20 concurrent commands answered through the stand-in, in seconds."""
    from tests.e2e.conftest import running_bot
    from tests.standin.plugin import running_standin

    async with running_standin() as standin, running_bot(standin, db) as harness:
        names = [e.name for e in harness.services.lookups.models.entries[:: max(1, MODELS // 50)]]
        bench = harness.services.lookups.benchmarks.entries[0].name
        commands = [
            ("model", {"name": names[i % len(names)]})
            if i % 4 == 0
            else ("compare", {"model1": names[i], "model2": names[i + 1]})
            if i % 4 == 1
            else ("leaderboard", {"benchmark": bench})
            if i % 4 == 2
            else ("about", {})
            for i in range(CONCURRENT)
        ]

        async def one(command: str, options: dict[str, str]) -> float:
            """Seconds to the answer; infinite if it never came (the window expired)."""
            start = time.perf_counter()
            try:
                response = await harness.member.slash(command, timeout=30.0, **options)
                await response.until(lambda r: bool(r.text()), 30.0)
            except (AssertionError, TimeoutError):
                return float("inf")
            return time.perf_counter() - start

        times = await asyncio.gather(*(one(c, o) for c, o in commands))
    return max(times)


async def postgresql_reads(db: Path, rng: random.Random) -> tuple[dict[str, list[float]], float]:
    """`db` copied into a fresh PostgreSQL database by migrate-store (seconds it took, verify
    included), and the reads measured there."""
    with postgresql_server() as server:
        async with fresh_database(server, f"rr_scale_{os.getpid()}") as dsn:
            start = time.perf_counter()
            report = await migrate_store(
                StoreUrl("sqlite", str(db)), StoreUrl("postgresql", dsn), PASSWORD_ENV
            )
            copied = time.perf_counter() - start
            assert report.ok, report.table()
            async with open_services(on_postgresql(config(db), dsn)) as services:
                return await reads(services, rng), copied


def print_reads(times: dict[str, list[float]], end: str = "") -> None:
    print(f"{'command' + end:<14} {'p50 ms':>8} {'p99 ms':>8}")
    for label, samples in times.items():
        print(f"{label:<14} {statistics.median(samples) * 1000:>8.1f} {p99(samples) * 1000:>8.1f}")


def summarise_reads(times: dict[str, list[float]], end: str = "") -> None:
    for label, samples in times.items():
        name = label.strip("/").replace(" ", "_")
        summary(f"scale_{name}_p99_ms{end}", LATENCY_TARGET_MS, p99(samples) * 1000)


async def main() -> None:
    """SQLite's figures, then PostgreSQL's reads, as BENCH_BACKEND asks (default: SQLite's)."""
    wanted = backends()
    if "sqlite" in wanted:
        await main_sqlite()
    if "postgresql" in wanted:
        await main_postgresql()


async def main_sqlite() -> None:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bundled = tmp / "bundled.db"
        async with open_services(config(bundled)):
            rss_bundled = tree_rss_mb()
        cached = os.environ.get("SCALE_DB")
        db = tmp / "scale.db"
        if cached and Path(cached).exists():
            shutil.copy(cached, db)
        else:
            shutil.copy(bundled, db)
        start = time.perf_counter()
        async with open_services(config(db)) as services:
            added = await grow(services, MODELS)
            if added:
                await services.lookups.refresh()
            built = time.perf_counter() - start
            if cached and not Path(cached).exists():
                shutil.copy(db, cached)
            print(
                f"catalog: {len(services.lookups.models):,} models ({added:,} added in {built:.0f} s)"
            )
            times = await reads(services, rng)
            rss_reads = tree_rss_mb()
            stall_import = await import_stall(services)
            print(f"import: loop stall {stall_import * 1000:.1f} ms", flush=True)
            stall_export, export_s = await export_stall(services)
            print(f"export: loop stall {stall_export * 1000:.1f} ms, {export_s:.1f} s", flush=True)
            rss_scale = max(rss_reads, tree_rss_mb())
        window = await concurrent_window(db)
    print_reads(times)
    print(f"loop stall: import {stall_import * 1000:.1f} ms, export {stall_export * 1000:.1f} ms"
          f" (export took {export_s:.1f} s)")  # fmt: skip
    print(f"{CONCURRENT} concurrent commands through the stand-in: slowest {window:.2f} s"
          " (inf: some were never answered)")  # fmt: skip
    print(
        f"RSS of the process tree: bundled {rss_bundled:.0f} MB, {MODELS:,} models {rss_scale:.0f} MB"
    )
    summarise_reads(times)
    summary("scale_import_loop_stall_ms", STALL_TARGET_MS, stall_import * 1000)
    summary("scale_export_loop_stall_ms", STALL_TARGET_MS, stall_export * 1000)
    summary("scale_20_concurrent_slowest_s", WINDOW_S, window)
    summary("scale_rss_bundled_mb", 150, rss_bundled)
    summary(f"scale_rss_{MODELS // 1000}k_mb", 400, rss_scale)


async def main_postgresql() -> None:
    """The catalog grown on SQLite (or SCALE_DB), copied into PostgreSQL, its reads measured."""
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp_name:
        db = Path(tmp_name) / "scale.db"
        cached = os.environ.get("SCALE_DB")
        if cached and Path(cached).exists():
            shutil.copy(cached, db)
        async with open_services(config(db)) as services:
            await grow(services, MODELS)
        times, copied = await postgresql_reads(db, rng)
    print(f"migrate-store into PostgreSQL: {copied:.1f} s, verified")
    print_reads(times, " (pg)")
    summarise_reads(times, "_postgresql")
    summary(f"scale_migrate_store_{MODELS // 1000}k_s", 600, copied)


if __name__ == "__main__":
    asyncio.run(main())
