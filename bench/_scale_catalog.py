"""A realistic large catalog for the scale benchmark.

The first batch goes through the store's real import path (`CatalogStore.apply`); the rest,
the same kind of rows, is bulk-inserted with `executemany` in a worker thread: the import path
costs a thread hop per row (about 12 s per 1,000 models on this machine), which would make a
100k catalog take twenty minutes to build.

Names look like real releases (org prefixes, versions, sizes, dates such as
`Qwen3-235B-A22B-Instruct-2507`); each model gets about six scores on the bundled benchmarks,
the popular ones (GPQA, MMLU, ...) far more often than the rest, as in the bundled data, plus a
release date, a size, a context window and a license claim.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

from bot.core.names import normalize
from bot.core.records import (
    Batch,
    ClaimRec,
    LicenseClaimRec,
    ModelRec,
    Provenance,
    ScoreRec,
    SourceRec,
)
from bot.services import Services
from bot.store.catalog_records import BenchmarkEntry

SOURCE = "bench-scale"
BATCH_MODELS = 5_000
FIRST_BATCH = 1_000  # models through the real import path
SCORES_PER_MODEL = 6
STEMS = (
    "Qwen", "Llama", "Mistral", "DeepSeek", "Phi", "Gemma", "Granite", "Falcon", "Yi", "Kimi",
    "GLM", "Command", "OLMo", "Nemotron", "Hermes", "Jamba", "Aurora", "Zephyr", "Atlas", "Nova",
)  # fmt: skip
SIZES = ("0.5B", "1.5B", "3B", "7B", "8B", "14B", "32B", "70B", "72B", "235B-A22B", "405B")
KINDS = ("Instruct", "Chat", "Coder", "Vision", "Base", "Math", "Omni", "Preview")


def model_name(i: int, rng: random.Random, orgs: list[str]) -> tuple[str, str, str]:
    """A unique realistic name for model number `i`, with its organisation and family."""
    stem = rng.choice(STEMS)
    family = f"{stem}{rng.randint(1, 4)}" + rng.choice(("", ".5", ".1"))
    date = f"{rng.randint(23, 26)}{rng.randint(1, 12):02d}"
    org = rng.choice(orgs)
    prefix = org.split()[0] + "/" if rng.random() < 0.3 else ""
    name = f"{prefix}{family}-{rng.choice(SIZES)}-{rng.choice(KINDS)}-{date}-r{i}"
    return name, org, family


async def grow(services: Services, total: int, seed: int = 11) -> int:
    """Add synthetic models until the catalog holds `total`; returns how many were added."""
    rng = random.Random(seed)
    have = (await services.catalog.counts())["models"]
    benches = await services.catalog.benchmark_entries()
    infos = [await services.catalog.benchmark(b.id) for b in benches]
    pct = [b for b, info in zip(benches, infos, strict=True) if info and info.unit == "%"]
    weights = [b.models + 1 for b in pct]
    orgs = sorted({m.org for m in await services.catalog.name_entries() if m.org})
    licenses = {lic.id: lic.openness for lic in await services.catalog.licenses()}
    added = 0
    while have + added < total:
        size = FIRST_BATCH if added == 0 else BATCH_MODELS
        first, stop = have + added, min(total, have + added + size)
        batch = _batch(range(first, stop), rng, orgs, licenses, pct, weights)
        if added == 0:
            await services.catalog.apply(batch)  # the real path, once
        else:
            await asyncio.to_thread(_bulk_apply, services.db.path, batch)
        added += len(batch.models)
    return added


def _batch(
    numbers: range,
    rng: random.Random,
    orgs: list[str],
    licenses: dict[str, str],
    pct: list[BenchmarkEntry],
    weights: list[int],
) -> Batch:
    prov = Provenance(SOURCE)
    batch = Batch(sources=[SourceRec(SOURCE, "Synthetic scale data", "dataset")])
    for i in numbers:
        name, org, family = model_name(i, rng, orgs)
        batch.models.append(ModelRec(name, org=org, family=family, aliases=(f"sx{i}",)))
        date = f"20{rng.randint(23, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        batch.claims += [
            ClaimRec(name, "release_date", date, prov),
            ClaimRec(name, "params", str(rng.choice((1, 7, 8, 14, 32, 70)) * 10**9), prov),
            ClaimRec(name, "context_window", str(rng.choice((8192, 32768, 131072))), prov),
        ]
        lic = rng.choice(sorted(licenses))
        batch.license_claims.append(LicenseClaimRec(name, lic, licenses[lic], None, prov))
        chosen = {b.name for b in rng.choices(pct, weights, k=SCORES_PER_MODEL)}
        batch.scores += [
            ScoreRec(name, bench, round(rng.uniform(5, 95), 1), prov) for bench in chosen
        ]
    return batch


def _bulk_apply(path: Path, batch: Batch) -> None:
    """The rows `CatalogStore.apply` would write for `batch` (new models only), bulk-inserted."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            source = conn.execute("SELECT id FROM sources WHERE key = ?", (SOURCE,)).fetchone()[0]
            orgs = dict(conn.execute("SELECT norm, id FROM organisations"))
            benches = dict(conn.execute("SELECT name, id FROM benchmarks"))
            conn.executemany(
                "INSERT INTO models(name, norm, org_id, family, family_norm) VALUES (?, ?, ?, ?, ?)",
                [
                    (m.name, normalize(m.name), orgs[normalize(m.org or "")], m.family,
                     normalize(m.family or ""))
                    for m in batch.models
                ],
            )  # fmt: skip
            ids = dict(
                conn.execute(
                    "SELECT name, id FROM models WHERE id > (SELECT MAX(id) FROM models) - ?",
                    (len(batch.models),),
                )
            )
            conn.executemany(
                "INSERT INTO model_aliases(norm, alias, model_id) VALUES (?, ?, ?)",
                [(normalize(a), a, ids[m.name]) for m in batch.models for a in m.aliases],
            )
            conn.executemany(
                "INSERT INTO model_claims(model_id, field, value, source_id) VALUES (?, ?, ?, ?)",
                [(ids[c.model], c.field, c.value, source) for c in batch.claims],
            )
            conn.executemany(
                "INSERT INTO license_claims(model_id, license_id, openness, source_id)"
                " VALUES (?, ?, ?, ?)",
                [(ids[c.model], c.license, c.openness, source) for c in batch.license_claims],
            )
            conn.executemany(
                "INSERT INTO scores(model_id, benchmark_id, value, source_id) VALUES (?, ?, ?, ?)",
                [(ids[s.model], benches[s.benchmark], s.value, source) for s in batch.scores],
            )
    finally:
        conn.close()
