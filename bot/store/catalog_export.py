"""The reads for exporting the catalog as YAML, answered as typed records.

A whole export at 100k models is about a million rows: the rows are turned into records in a
worker thread (`_off_loop`), so the event loop goes on answering other commands meanwhile.
"""

from __future__ import annotations

from typing import Any

from bot.store.backends import AnyDatabase
from bot.store.catalog_reads import (
    EVENT_SELECT,
    SOURCE_COLUMNS,
    SOURCE_TABLE_COLUMNS,
    event_record,
    fact_claim,
    license_claim,
    source_record,
    source_ref,
    split_aliases,
)
from bot.store.catalog_records import (
    EventRecord,
    ExportBenchmark,
    ExportClaims,
    ExportModel,
    ExportOrg,
    ExportScore,
    SourceRecord,
)
from bot.store.db import off_loop as _off_loop

# A model with its organisation and aliases (in the order they were added).
_MODEL_SELECT = (
    "SELECT m.id, m.name, m.family, o.name AS org, p.name AS parent, m.snapshot,"
    " (SELECT group_concat(alias, char(31)) FROM (SELECT alias FROM model_aliases a"
    "  WHERE a.model_id = m.id ORDER BY a.rowid) AS k) AS aliases"
    " FROM models m LEFT JOIN organisations o ON o.id = m.org_id"
    " LEFT JOIN models p ON p.id = m.parent_id"
)


def _export_score(row: Any) -> ExportScore:
    return ExportScore(
        row["model_id"], row["benchmark"], row["value"], source_ref(row), row["setting"]
    )


def _export_model(row: Any) -> ExportModel:
    return ExportModel(
        row["id"],
        row["name"],
        row["family"],
        row["org"],
        split_aliases(row["aliases"]),
        row["parent"],
        row["snapshot"],
    )


class CatalogExport:
    """Reads for exporting the catalog as YAML; `curated_only` keeps curators' claims only."""

    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    async def claims(self, curated_only: bool) -> ExportClaims:
        where = " AND s.kind = 'curator'" if curated_only else ""
        events = await self.db.fetchall(f"{EVENT_SELECT} WHERE 1 = 1{where} ORDER BY c.id")
        return await self._model_claims(where, (), await _off_loop(events, event_record))

    async def claims_between(self, first: int, last: int) -> ExportClaims:
        """Every fact, license and score claim of the models with ids first..last (no events)."""
        return await self._model_claims(" AND c.model_id BETWEEN ? AND ?", (first, last), ())

    async def _model_claims(
        self, where: str, params: tuple[Any, ...], events: tuple[EventRecord, ...]
    ) -> ExportClaims:
        facts = await self.db.fetchall(
            f"SELECT c.model_id, c.field, c.value, {SOURCE_COLUMNS} FROM model_claims c"
            f" JOIN sources s ON s.id = c.source_id WHERE 1 = 1{where} ORDER BY c.id",
            params,
        )
        licenses = await self.db.fetchall(
            "SELECT c.model_id, c.license_id, l.name AS license_name, l.spdx, c.openness,"
            f" c.commercial, {SOURCE_COLUMNS} FROM license_claims c"
            " JOIN sources s ON s.id = c.source_id LEFT JOIN licenses l ON l.id = c.license_id"
            f" WHERE 1 = 1{where} ORDER BY c.id",
            params,
        )
        scores = await self.db.fetchall(
            f"SELECT c.model_id, b.name AS benchmark, c.value, c.setting, {SOURCE_COLUMNS}"
            " FROM scores c"
            f" JOIN benchmarks b ON b.id = c.benchmark_id JOIN sources s ON s.id = c.source_id"
            f" WHERE 1 = 1{where} ORDER BY c.id",
            params,
        )
        return ExportClaims(
            facts=await _off_loop(facts, fact_claim),
            licenses=await _off_loop(licenses, license_claim),
            scores=await _off_loop(scores, _export_score),
            events=events,
        )

    async def model_chunk(self, after: int, size: int) -> list[ExportModel]:
        """Up to `size` models with ids above `after`, in id order."""
        rows = await self.db.fetchall(
            f"{_MODEL_SELECT} WHERE m.id > ? ORDER BY m.id LIMIT ?", (after, size)
        )
        return list(await _off_loop(rows, _export_model))

    async def events(self) -> tuple[EventRecord, ...]:
        rows = await self.db.fetchall(f"{EVENT_SELECT} ORDER BY c.id")
        return await _off_loop(rows, event_record)

    async def used_source_keys(self) -> set[str]:
        """The keys of the sources some claim or event cites."""
        rows = await self.db.fetchall(
            "SELECT key FROM sources WHERE id IN (SELECT source_id FROM model_claims UNION"
            " SELECT source_id FROM license_claims UNION SELECT source_id FROM scores UNION"
            " SELECT source_id FROM events)"
        )
        return {r[0] for r in rows}

    async def models(self, ids: list[int] | None) -> list[ExportModel]:
        """Models (all, or these ids) with organisation, family and aliases."""
        rows = await self.db.fetchall(f"{_MODEL_SELECT} ORDER BY m.id")
        wanted = None if ids is None else set(ids)
        kept = rows if wanted is None else [r for r in rows if r["id"] in wanted]
        return list(await _off_loop(kept, _export_model))

    async def sources(self) -> list[SourceRecord]:
        rows = await self.db.fetchall(f"SELECT {SOURCE_TABLE_COLUMNS} FROM sources ORDER BY id")
        return [source_record(r) for r in rows]

    async def organisations(self) -> list[ExportOrg]:
        rows = await self.db.fetchall(
            "SELECT o.name, o.country, (SELECT group_concat(alias, char(31)) FROM (SELECT alias"
            " FROM organisation_aliases a WHERE a.org_id = o.id ORDER BY a.rowid) AS k) AS aliases"
            " FROM organisations o ORDER BY o.id"
        )
        return [ExportOrg(r["name"], r["country"], split_aliases(r["aliases"])) for r in rows]

    async def benchmarks(self) -> list[ExportBenchmark]:
        rows = await self.db.fetchall(
            "SELECT b.name, b.unit, b.higher_is_better, b.description, (SELECT group_concat(norm,"
            " char(31)) FROM (SELECT norm FROM benchmark_aliases a WHERE a.benchmark_id = b.id"
            " ORDER BY a.rowid) AS k) AS aliases FROM benchmarks b ORDER BY b.id"
        )
        return [
            ExportBenchmark(
                r["name"],
                r["unit"],
                bool(r["higher_is_better"]),
                r["description"],
                split_aliases(r["aliases"]),
            )
            for r in rows
        ]
