"""Exporting the catalog (or only what curators added) in the `data/catalog/` YAML format, which
`/admin import` and `python -m bot import catalog` take back unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import yaml

from bot.store.catalog_export import CatalogExport
from bot.store.catalog_records import (
    EventRecord,
    ExportBenchmark,
    ExportClaims,
    ExportModel,
    ExportOrg,
    ExportScore,
    FactClaim,
    LicenseClaimRecord,
    SourceRecord,
    SourceRef,
)

HEADER = (
    "# Release Radar catalog export. Import with /admin import or `python -m bot import catalog`.\n"
)

# libyaml's emitter when PyYAML was built with it (much faster); the same output.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _provenance(source: SourceRef) -> dict[str, Any]:
    out: dict[str, Any] = {"source": source.key}
    for key, value in (
        ("url", source.url),
        ("as_of", source.as_of),
        ("note", source.note),
        ("qualifier", source.qualifier),
    ):
        if value:
            out[key] = value
    if source.self_reported:
        out["self_reported"] = True
    return out


CHUNK_MODELS = 2_000  # models read, built and dumped at a time in a whole export
DUMP_MODELS = 50  # models per call of the YAML emitter (see `_dump_models`)


async def export_catalog(export: CatalogExport, curated_only: bool) -> str:
    """The catalog (or only what curators added) as importable YAML text. The work is done
    in worker threads, and a whole export model chunk by model chunk, so that at 100k models
    the bot answers other commands meanwhile and holds one chunk's records at a time."""
    if not curated_only:
        return await _export_all(export)
    claims = await export.claims(curated_only)
    models = await export.models(await asyncio.to_thread(_used_models, claims))
    sources, orgs, benchmarks = (
        await export.sources(),
        await export.organisations(),
        await export.benchmarks(),
    )
    return await asyncio.to_thread(_document, claims, models, sources, orgs, benchmarks)


async def _export_all(export: CatalogExport) -> str:
    used = await export.used_source_keys()
    parts = [
        HEADER,
        _section("sources", [_source(s) for s in await export.sources() if s.key in used]),
        _section("organisations", [_org(o) for o in await export.organisations()]),
        _section("benchmarks", [_benchmark(b) for b in await export.benchmarks()]),
    ]
    after = 0
    while models := await export.model_chunk(after, CHUNK_MODELS):
        claims = await export.claims_between(models[0].id, models[-1].id)
        parts.append(await asyncio.to_thread(_dump_models, models, claims))
        after = models[-1].id
    parts.insert(4, "models:\n" if after else "models: []\n")
    parts.append(_section("events", [_event(e) for e in await export.events()]))
    return await asyncio.to_thread("".join, parts)  # tens of MB at 100k models


def _document(
    claims: ExportClaims,
    models: list[ExportModel],
    sources: list[SourceRecord],
    orgs: list[ExportOrg],
    benchmarks: list[ExportBenchmark],
) -> str:
    """The curators' export as YAML text (run in a worker thread: it is CPU work)."""
    claimed = _claimed(claims)
    used_sources = {r.source.key for r in claimed} | {e.source.key for e in claims.events}
    used_benchmarks = {r.benchmark for r in claims.scores}
    used_orgs = {m.org for m in models if m.org} | {e.org for e in claims.events if e.org}
    return "".join(
        (
            HEADER,
            _section("sources", [_source(s) for s in sources if s.key in used_sources]),
            _section("organisations", [_org(o) for o in orgs if o.name in used_orgs]),
            _section(
                "benchmarks", [_benchmark(b) for b in benchmarks if b.name in used_benchmarks]
            ),
            _section("models", _model_entries(models, claims)),
            _section("events", [_event(e) for e in claims.events]),
        )
    )


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def _dump_models(models: list[ExportModel], claims: ExportClaims) -> str:
    """The models' entries as YAML, dumped `DUMP_MODELS` at a time (the same text as one
    dump): LibYAML's emitter holds the interpreter for a whole dump, and a dump of a whole
    chunk held the event loop, waiting in its own thread, for up to a second."""
    entries = _model_entries(models, claims)
    return "".join(
        _dump(entries[start : start + DUMP_MODELS]) for start in range(0, len(entries), DUMP_MODELS)
    )


def _section(key: str, items: list[dict[str, Any]]) -> str:
    """One top-level key of the document: the same text as that key of one whole dump."""
    return _dump({key: items})


def _model_entries(models: list[ExportModel], claims: ExportClaims) -> list[dict[str, Any]]:
    """The models' entries, each with its facts, licenses and scores."""
    by_model: dict[int, dict[str, list[dict[str, Any]]]] = {
        m.id: {"facts": [], "licenses": [], "scores": []} for m in models
    }
    for fact in claims.facts:
        by_model[fact.model_id]["facts"].append(
            {"field": fact.field, "value": fact.value, **_provenance(fact.source)}
        )
    for lic in claims.licenses:
        entry: dict[str, Any] = {"openness": lic.openness}
        if lic.license_name:
            entry = {"license": lic.license_name, **entry}
        by_model[lic.model_id]["licenses"].append({**entry, **_provenance(lic.source)})
    for score in claims.scores:
        setting = {"setting": score.setting} if score.setting else {}
        by_model[score.model_id]["scores"].append(
            {"benchmark": score.benchmark, "value": score.value, **setting}
            | _provenance(score.source)
        )
    return [_model(m, by_model[m.id]) for m in models]


def _claimed(claims: ExportClaims) -> list[FactClaim | LicenseClaimRecord | ExportScore]:
    return [*claims.facts, *claims.licenses, *claims.scores]


def _used_models(claims: ExportClaims) -> list[int]:
    return sorted({r.model_id for r in _claimed(claims)})


def _source(source: SourceRecord) -> dict[str, Any]:
    out = {"key": source.key, "name": source.name, "kind": source.kind}
    optional = (
        ("outlet", source.outlet),
        ("url", source.url),
        ("published", source.published),
        ("license", source.license),
        ("credit", source.credit),
    )
    out.update({key: value for key, value in optional if value})
    return out


def _org(org: ExportOrg) -> dict[str, Any]:
    out: dict[str, Any] = {"name": org.name}
    if org.country:
        out["country"] = org.country
    if org.aliases:
        out["aliases"] = list(org.aliases)
    return out


def _benchmark(bench: ExportBenchmark) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": bench.name,
        "unit": bench.unit,
        "higher_is_better": bench.higher_is_better,
    }
    if bench.aliases:
        out["aliases"] = list(bench.aliases)
    if bench.description:
        out["description"] = bench.description
    return out


def _model(model: ExportModel, claims: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": model.name}
    if model.org:
        out["org"] = model.org
    if model.family:
        out["family"] = model.family
    if model.aliases:
        out["aliases"] = list(model.aliases)
    if model.parent:
        out["snapshot_of"] = model.parent
        if model.snapshot:
            out["snapshot"] = model.snapshot
    out.update({k: v for k, v in claims.items() if v})
    return out


def _event(event: EventRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": event.kind, "title": event.title}
    optional = (
        ("date", event.date),
        ("model", event.model),
        ("org", event.org),
        ("detail", event.detail),
    )
    out.update({key: value for key, value in optional if value})
    out.update(_provenance(event.source))
    return out
