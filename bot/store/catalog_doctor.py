"""The reads behind `catalog doctor`: model records, the source records they hold, scores
with their benchmark's unit, and claims nothing cites. Typed answers, no judgement here."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.backends import AnyDatabase
from bot.store.catalog_reads import ANNOUNCE_LIKE, PROVISIONAL_SQL, provisional_record
from bot.store.catalog_records import ProvisionalRecord

# Every claim table, with what the doctor calls its claims.
_CLAIM_TABLES = (("model_claims", "fact"), ("license_claims", "license claim"), ("scores", "score"))


@dataclass(frozen=True, slots=True)
class DoctorModel:
    id: int
    name: str
    org: str | None
    org_names: tuple[str, ...]  # the organisation's name and aliases
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class SourceRecordUse:
    """One source's own record (its id, kept in a claim's note) held by a catalog model."""

    model_id: int
    source: str
    record: str


@dataclass(frozen=True, slots=True)
class DatedClaim:
    model_id: int
    source: str
    value: str


@dataclass(frozen=True, slots=True)
class UnitScore:
    model: str
    benchmark: str
    unit: str
    value: float
    source: str


@dataclass(frozen=True, slots=True)
class Unsourced:
    model: str
    kind: str  # fact, license claim, score
    what: str
    source: str
    missing: bool  # no source row at all (only possible with foreign keys off)


class CatalogDoctorReads:
    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    async def models(self) -> list[DoctorModel]:
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, o.name AS org, m.parent_id,"
            " (SELECT group_concat(alias, char(31)) FROM organisation_aliases a"
            "  WHERE a.org_id = m.org_id) AS org_aliases"
            " FROM models m LEFT JOIN organisations o ON o.id = m.org_id ORDER BY m.id"
        )
        return [
            DoctorModel(
                r["id"],
                r["name"],
                r["org"],
                tuple(n for n in (r["org"], *(r["org_aliases"] or "").split("\x1f")) if n),
                r["parent_id"],
            )
            for r in rows
        ]

    async def provisional(self) -> list[ProvisionalRecord]:
        """Every model only release entries speak of, with its first announcement."""
        rows = await self.db.fetchall(PROVISIONAL_SQL + " ORDER BY m.name", (ANNOUNCE_LIKE,))
        return [provisional_record(r) for r in rows]

    async def source_records(self, source: str) -> list[SourceRecordUse]:
        """The records of `source` (by the id its importer keeps in each fact's note) per model."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT c.model_id, s.key, c.note FROM model_claims c"
            " JOIN sources s ON s.id = c.source_id WHERE s.key = ? AND c.note IS NOT NULL",
            (source,),
        )
        return [SourceRecordUse(r[0], r[1], r[2]) for r in rows]

    async def release_dates(self) -> list[DatedClaim]:
        rows = await self.db.fetchall(
            "SELECT c.model_id, s.key, c.value FROM model_claims c"
            " JOIN sources s ON s.id = c.source_id WHERE c.field = 'release_date'"
        )
        return [DatedClaim(r[0], r[1], r[2]) for r in rows]

    async def scores(self) -> list[UnitScore]:
        rows = await self.db.fetchall(
            "SELECT m.name AS model, b.name AS benchmark, b.unit, c.value, s.key"
            " FROM scores c JOIN models m ON m.id = c.model_id"
            " JOIN benchmarks b ON b.id = c.benchmark_id JOIN sources s ON s.id = c.source_id"
        )
        return [UnitScore(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def unsourced(self) -> list[Unsourced]:
        """Claims a reader cannot check: their source row is missing, or neither the claim nor
        its source has a link and the claim carries no citation note."""
        found: list[Unsourced] = []
        what = {
            "model_claims": "c.field || ': ' || c.value",
            "license_claims": "COALESCE(c.license_id, c.openness)",
            "scores": "(SELECT name FROM benchmarks b WHERE b.id = c.benchmark_id)"
            " || ' ' || c.value",
        }
        for table, kind in _CLAIM_TABLES:
            rows = await self.db.fetchall(
                f"SELECT m.name, {what[table]} AS what, COALESCE(s.key, '(none)') AS source,"
                " s.id IS NULL AS missing"
                f" FROM {table} c JOIN models m ON m.id = c.model_id"
                " LEFT JOIN sources s ON s.id = c.source_id"
                " WHERE s.id IS NULL OR (c.url IS NULL AND s.url IS NULL"
                " AND (c.note IS NULL OR c.note NOT LIKE 'Cited:%'))"
                " ORDER BY m.name"
            )
            found += [Unsourced(r[0], kind, r[1], r[2], bool(r[3])) for r in rows]
        return found
