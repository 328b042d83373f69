"""The catalog's read queries behind every lookup, answered as typed records."""

from __future__ import annotations

from typing import Any

from bot.store.catalog_records import (
    BenchmarkEntry,
    BenchmarkInfo,
    BenchmarkScore,
    EventRecord,
    FactClaim,
    LicenseClaimRecord,
    LicensedModel,
    LicenseRecord,
    ModelInfo,
    ModelName,
    ModelScore,
    OrgMatch,
    SourceRecord,
    SourceRef,
    SourceWithFacts,
)
from bot.store.db import Database

# The provenance columns every claim query returns (claims are aliased `c`, sources `s`).
SOURCE_COLUMNS = (
    "s.key AS source_key, s.name AS source_name, s.kind AS source_kind, s.outlet,"
    " s.credit, s.published, c.url, c.as_of, c.self_reported, c.note"
)
_EVENT_SOURCE_COLUMNS = (
    "s.key AS source_key, s.name AS source_name, s.kind AS source_kind, s.outlet,"
    " s.credit, s.published, c.url, NULL AS as_of, 0 AS self_reported, NULL AS note"
)
# An event with its model, organisation and source (events are aliased `c`).
EVENT_SELECT = (
    f"SELECT c.kind, c.date, c.title, c.detail, m.name AS model, o.name AS org,"
    f" {_EVENT_SOURCE_COLUMNS} FROM events c JOIN sources s ON s.id = c.source_id"
    " LEFT JOIN models m ON m.id = c.model_id LEFT JOIN organisations o ON o.id = c.org_id"
)
SOURCE_TABLE_COLUMNS = "key, name, kind, outlet, url, published, license, credit"
# How many models have a score on benchmark `b` (kept by triggers: 0012_reads_popularity.sql).
_POPULARITY = "COALESCE((SELECT models FROM benchmark_models p WHERE p.benchmark_id = b.id), 0)"
_SEPARATOR = "\x1f"
# Module constants so a store test can check their query plans.
BENCHMARK_ENTRIES = (
    f"SELECT b.id, b.name, {_POPULARITY} AS models,"
    " (SELECT group_concat(norm, char(31)) FROM benchmark_aliases a"
    "  WHERE a.benchmark_id = b.id) AS aliases"
    " FROM benchmarks b"
)
MODEL_SCORES = (  # {marks}: one ? per model id
    "SELECT c.model_id, c.value, b.id AS benchmark_id, b.name AS benchmark, b.unit,"
    f" b.higher_is_better, {SOURCE_COLUMNS}, {_POPULARITY} AS popularity"
    " FROM scores c JOIN benchmarks b ON b.id = c.benchmark_id"
    " JOIN sources s ON s.id = c.source_id WHERE c.model_id IN ({marks}) ORDER BY c.id"
)  # how the queries join aliases (group_concat with char(31))


def split_aliases(joined: str | None) -> tuple[str, ...]:
    """Aliases as the queries join them (unit separator)."""
    return tuple(joined.split(_SEPARATOR)) if joined else ()


def tristate(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def source_ref(row: Any) -> SourceRef:
    """The provenance columns (`SOURCE_COLUMNS`) of a claim row."""
    return SourceRef(
        key=row["source_key"],
        name=row["source_name"],
        kind=row["source_kind"],
        outlet=row["outlet"],
        credit=row["credit"],
        published=row["published"],
        url=row["url"],
        as_of=row["as_of"],
        self_reported=bool(row["self_reported"]),
        note=row["note"],
    )


def source_record(row: Any) -> SourceRecord:
    return SourceRecord(
        row["key"],
        row["name"],
        row["kind"],
        row["outlet"],
        row["url"],
        row["published"],
        row["license"],
        row["credit"],
    )


def fact_claim(row: Any) -> FactClaim:
    return FactClaim(row["model_id"], row["field"], row["value"], source_ref(row))


def license_claim(row: Any) -> LicenseClaimRecord:
    return LicenseClaimRecord(
        row["model_id"],
        row["license_id"],
        row["license_name"],
        bool(row["spdx"]),
        row["openness"],
        tristate(row["commercial"]),
        source_ref(row),
    )


def event_record(row: Any) -> EventRecord:
    return EventRecord(
        row["kind"],
        row["date"],
        row["title"],
        row["detail"],
        row["model"],
        row["org"],
        source_ref(row),
    )


def _license(row: Any) -> LicenseRecord:
    return LicenseRecord(
        row["id"],
        row["name"],
        bool(row["spdx"]),
        row["openness"],
        tristate(row["commercial"]),
        row["url"],
    )


def containing(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching values that contain `text` literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CatalogReads:
    """The catalog's read queries; callers get typed records, never rows or SQL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- whole catalog --------------------------------------------------------------------

    async def is_empty(self) -> bool:
        return await self.db.fetchone("SELECT 1 FROM models LIMIT 1") is None

    async def counts(self) -> dict[str, int]:
        row = await self.db.fetchrow(
            "SELECT (SELECT COUNT(*) FROM models), (SELECT COUNT(*) FROM organisations),"
            " (SELECT COUNT(*) FROM benchmarks), (SELECT COUNT(*) FROM scores),"
            " (SELECT COUNT(*) FROM licenses), (SELECT COUNT(*) FROM events),"
            " (SELECT COUNT(*) FROM model_claims) + (SELECT COUNT(*) FROM license_claims)"
        )
        keys = ("models", "organisations", "benchmarks", "scores", "licenses", "events", "facts")
        return dict(zip(keys, row, strict=True))

    async def name_entries(self) -> list[ModelName]:
        """Every model with its organisation and aliases, for the in-memory name index."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, m.family, o.name AS org,"
            " (SELECT group_concat(alias, char(31)) FROM model_aliases a WHERE a.model_id = m.id)"
            " AS aliases,"
            " (SELECT MAX(value) FROM model_claims c WHERE c.model_id = m.id"
            "  AND c.field = 'release_date') AS released"
            " FROM models m LEFT JOIN organisations o ON o.id = m.org_id"
        )
        return [
            ModelName(
                r["id"],
                r["name"],
                r["family"],
                r["org"],
                split_aliases(r["aliases"]),
                r["released"],
            )
            for r in rows
        ]

    async def benchmark_entries(self) -> list[BenchmarkEntry]:
        """Every benchmark with its aliases and how many models have a score on it."""
        rows = await self.db.fetchall(BENCHMARK_ENTRIES)
        return [
            BenchmarkEntry(r["id"], r["name"], split_aliases(r["aliases"]), r["models"])
            for r in rows
        ]

    async def benchmark(self, benchmark_id: int) -> BenchmarkInfo | None:
        row = await self.db.fetchone(
            "SELECT id, name, unit, higher_is_better, description FROM benchmarks WHERE id = ?",
            (benchmark_id,),
        )
        if row is None:
            return None
        return BenchmarkInfo(
            row["id"], row["name"], row["unit"], bool(row["higher_is_better"]), row["description"]
        )

    async def sources(self) -> list[SourceWithFacts]:
        rows = await self.db.fetchall(
            f"SELECT {SOURCE_TABLE_COLUMNS},"
            " (SELECT COUNT(*) FROM model_claims c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM license_claims c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM scores c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM events c WHERE c.source_id = s.id) AS facts"
            " FROM sources s ORDER BY s.kind, s.name"
        )
        return [SourceWithFacts(source_record(r), r["facts"]) for r in rows]

    # ---- one model ------------------------------------------------------------------------

    async def find_model_id(self, norm: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT id FROM models WHERE norm = ?"
            " UNION ALL SELECT model_id FROM model_aliases WHERE norm = ? LIMIT 1",
            (norm, norm),
        )
        return None if row is None else int(row[0])

    async def model(self, model_id: int) -> ModelInfo | None:
        row = await self.db.fetchone(
            "SELECT m.id, m.name, m.family, m.family_norm, o.name AS org"
            " FROM models m LEFT JOIN organisations o ON o.id = m.org_id WHERE m.id = ?",
            (model_id,),
        )
        if row is None:
            return None
        return ModelInfo(row["id"], row["name"], row["family"], row["family_norm"], row["org"])

    async def aliases(self, model_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT alias FROM model_aliases WHERE model_id = ? ORDER BY alias", (model_id,)
        )
        return [r[0] for r in rows]

    async def variants(self, family_norm: str, exclude_id: int) -> list[str]:
        """The names of the family's other models."""
        rows = await self.db.fetchall(
            "SELECT name FROM models WHERE family_norm = ? AND id != ? ORDER BY name",
            (family_norm, exclude_id),
        )
        return [r[0] for r in rows]

    async def model_claims(self, model_id: int) -> list[FactClaim]:
        rows = await self.db.fetchall(
            f"SELECT c.model_id, c.field, c.value, {SOURCE_COLUMNS} FROM model_claims c"
            " JOIN sources s ON s.id = c.source_id WHERE c.model_id = ? ORDER BY c.id",
            (model_id,),
        )
        return [fact_claim(r) for r in rows]

    async def license_claims(self, model_id: int) -> list[LicenseClaimRecord]:
        rows = await self.db.fetchall(
            "SELECT c.model_id, c.license_id, l.name AS license_name, l.spdx, c.openness,"
            f" c.commercial, {SOURCE_COLUMNS} FROM license_claims c"
            " JOIN sources s ON s.id = c.source_id"
            " LEFT JOIN licenses l ON l.id = c.license_id WHERE c.model_id = ? ORDER BY c.id",
            (model_id,),
        )
        return [license_claim(r) for r in rows]

    async def model_scores(self, model_ids: list[int]) -> list[ModelScore]:
        marks = ",".join("?" * len(model_ids))
        rows = await self.db.fetchall(MODEL_SCORES.format(marks=marks), model_ids)
        return [
            ModelScore(
                r["model_id"],
                r["value"],
                r["benchmark_id"],
                r["benchmark"],
                r["unit"],
                bool(r["higher_is_better"]),
                r["popularity"],
                source_ref(r),
            )
            for r in rows
        ]

    async def model_events(self, model_id: int) -> list[EventRecord]:
        rows = await self.db.fetchall(
            f"{EVENT_SELECT} WHERE c.model_id = ? ORDER BY c.date IS NULL, c.date", (model_id,)
        )
        return [event_record(r) for r in rows]

    # ---- benchmarks, licenses, search -----------------------------------------------------

    async def benchmark_scores(self, benchmark_id: int) -> list[BenchmarkScore]:
        rows = await self.db.fetchall(
            f"SELECT c.model_id, m.name AS model, c.value, {SOURCE_COLUMNS},"
            " (SELECT group_concat(DISTINCT openness) FROM license_claims lc"
            "  WHERE lc.model_id = c.model_id) AS openness"
            " FROM scores c JOIN models m ON m.id = c.model_id"
            " JOIN sources s ON s.id = c.source_id WHERE c.benchmark_id = ?",
            (benchmark_id,),
        )
        return [
            BenchmarkScore(
                r["model_id"],
                r["model"],
                r["value"],
                tuple(c for c in (r["openness"] or "").split(",") if c),
                source_ref(r),
            )
            for r in rows
        ]

    async def find_license(self, norm: str) -> LicenseRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM licenses WHERE norm = ? OR id IN"
            " (SELECT license_id FROM license_aliases WHERE norm = ?) LIMIT 1",
            (norm, norm),
        )
        return None if row is None else _license(row)

    async def licenses(self) -> list[LicenseRecord]:
        return [_license(r) for r in await self.db.fetchall("SELECT * FROM licenses ORDER BY name")]

    async def models_by_license(self, license_id: str) -> list[LicensedModel]:
        return await self._licensed("c.license_id = ?", license_id)

    async def models_by_openness(self, openness: str) -> list[LicensedModel]:
        return await self._licensed("c.openness = ?", openness)

    async def _licensed(self, where: str, value: str) -> list[LicensedModel]:
        rows = await self.db.fetchall(
            f"SELECT m.name AS model, {SOURCE_COLUMNS} FROM license_claims c"
            " JOIN models m ON m.id = c.model_id JOIN sources s ON s.id = c.source_id"
            f" WHERE {where} ORDER BY m.name",
            (value,),
        )
        return [LicensedModel(r["model"], source_ref(r)) for r in rows]

    async def search_organisations(self, norm: str) -> list[OrgMatch]:
        """Organisations whose name or an alias contains the normalised text `norm`."""
        pattern = containing(norm)
        rows = await self.db.fetchall(
            "SELECT o.id, o.name, (SELECT COUNT(*) FROM models m WHERE m.org_id = o.id) AS models"
            " FROM organisations o WHERE o.norm LIKE ? ESCAPE '\\' OR o.id IN"
            " (SELECT org_id FROM organisation_aliases WHERE norm LIKE ? ESCAPE '\\')"
            " ORDER BY models DESC LIMIT 25",
            (pattern, pattern),
        )
        return [OrgMatch(r["id"], r["name"], r["models"]) for r in rows]

    async def search_events(self, text: str) -> list[EventRecord]:
        """Events whose title or detail contains `text`, newest first."""
        pattern = containing(text)
        rows = await self.db.fetchall(
            f"{EVENT_SELECT} WHERE c.title LIKE ? ESCAPE '\\' OR c.detail LIKE ? ESCAPE '\\'"
            " ORDER BY c.date DESC LIMIT 50",
            (pattern, pattern),
        )
        return [event_record(r) for r in rows]
