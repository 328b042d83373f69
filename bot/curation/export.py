"""Exporting the catalog (or only what curators added) in the `data/catalog/` YAML format, which
`/admin import` and `python -m bot import catalog` take back unchanged."""

from __future__ import annotations

from typing import Any

import yaml

from bot.store.catalog import CatalogExport, Row

HEADER = (
    "# Release Radar catalog export. Import with /admin import or `python -m bot import catalog`.\n"
)

# libyaml's emitter when PyYAML was built with it (much faster); the same output.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _split(joined: str | None) -> list[str]:
    return joined.split("\x1f") if joined else []


def _provenance(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"source": row["source_key"]}
    for key in ("url", "as_of", "note"):
        if row[key]:
            out[key] = row[key]
    if row["self_reported"]:
        out["self_reported"] = True
    return out


async def export_catalog(export: CatalogExport, curated_only: bool) -> str:
    claims = await export.claims(curated_only)
    used_models = {r["model_id"] for kind in ("facts", "licenses", "scores") for r in claims[kind]}
    models = await export.models(sorted(used_models) if curated_only else None)
    used_sources = {r["source_key"] for rows in claims.values() for r in rows}
    used_benchmarks = {r["benchmark"] for r in claims["scores"]}
    used_orgs = {m["org"] for m in models if m["org"]} | {
        e["org"] for e in claims["events"] if e["org"]
    }
    by_model: dict[int, dict[str, list[dict[str, Any]]]] = {
        m["id"]: {"facts": [], "licenses": [], "scores": []} for m in models
    }
    for row in claims["facts"]:
        by_model[row["model_id"]]["facts"].append(
            {"field": row["field"], "value": row["value"], **_provenance(row)}
        )
    for row in claims["licenses"]:
        entry: dict[str, Any] = {"openness": row["openness"]}
        if row["license_name"]:
            entry = {"license": row["license_name"], **entry}
        by_model[row["model_id"]]["licenses"].append({**entry, **_provenance(row)})
    for row in claims["scores"]:
        by_model[row["model_id"]]["scores"].append(
            {"benchmark": row["benchmark"], "value": row["value"], **_provenance(row)}
        )
    doc: dict[str, Any] = {
        "sources": [_source(s) for s in await export.sources() if s["key"] in used_sources],
        "organisations": [
            _org(o)
            for o in await export.organisations()
            if not curated_only or o["name"] in used_orgs
        ],
        "benchmarks": [
            _benchmark(b)
            for b in await export.benchmarks()
            if not curated_only or b["name"] in used_benchmarks
        ],
        "models": [_model(m, by_model[m["id"]]) for m in models],
        "events": [_event(e) for e in claims["events"]],
    }
    return HEADER + yaml.dump(doc, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def _source(row: Row) -> dict[str, Any]:
    out = {"key": row["key"], "name": row["name"], "kind": row["kind"]}
    for key in ("outlet", "url", "published", "license", "credit"):
        if row[key]:
            out[key] = row[key]
    return out


def _org(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"name": row["name"]}
    if row["country"]:
        out["country"] = row["country"]
    if row["aliases"]:
        out["aliases"] = _split(row["aliases"])
    return out


def _benchmark(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": row["name"],
        "unit": row["unit"],
        "higher_is_better": bool(row["higher_is_better"]),
    }
    if row["aliases"]:
        out["aliases"] = _split(row["aliases"])
    if row["description"]:
        out["description"] = row["description"]
    return out


def _model(row: Row, claims: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": row["name"]}
    if row["org"]:
        out["org"] = row["org"]
    if row["family"]:
        out["family"] = row["family"]
    if row["aliases"]:
        out["aliases"] = _split(row["aliases"])
    out.update({k: v for k, v in claims.items() if v})
    return out


def _event(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": row["kind"], "title": row["title"]}
    for key in ("date", "model", "org", "detail"):
        if row[key]:
            out[key] = row[key]
    out.update(_provenance(row))
    return out
