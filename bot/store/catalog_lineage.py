"""Lineage rows (model_lineage): written from a batch's `LineageRec`s, read as typed links."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.names import normalize
from bot.core.records import LineageRec, Provenance, SkippedRow
from bot.core.results import SourceRef
from bot.core.vocab import LINEAGE_RELATIONS
from bot.store.backends import AnyDatabase
from bot.store.catalog_reads import SOURCE_COLUMNS, source_ref

# Links with their base resolved: the id found at import, else the model now called so.
LINEAGE_SELECT = (
    "SELECT c.model_id, c.base_name, c.resolved AS base_id, b.name AS base_model,"
    f" bo.name AS base_org, c.relation, {SOURCE_COLUMNS} FROM (SELECT l.*, COALESCE(l.base_id,"
    " (SELECT id FROM models WHERE norm = l.base_norm),"
    " (SELECT model_id FROM model_aliases WHERE norm = l.base_norm)) AS resolved"
    " FROM model_lineage l WHERE l.model_id IN ({marks})) c"
    " JOIN sources s ON s.id = c.source_id LEFT JOIN models b ON b.id = c.resolved"
    " LEFT JOIN organisations bo ON bo.id = b.org_id ORDER BY c.id"
)


@dataclass(frozen=True, slots=True)
class LineageLink:
    """One stated link: `model_id` was made from `base_name` (the catalog's `base_id`, when the
    name is a model it knows) by `relation`, as `source` says."""

    model_id: int
    base_name: str
    base_id: int | None
    base_model: str | None  # the catalog's name of the base, when resolved
    base_org: str | None
    relation: str
    source: SourceRef


@dataclass(frozen=True, slots=True)
class HubRepo:
    """A catalog model and the Hugging Face repo a source links it to."""

    model_id: int
    model: str
    repo: str


async def apply_lineage(
    db: AnyDatabase,
    lineage: Sequence[LineageRec],
    model_id: Callable[[str], Awaitable[int]],
    known_id: Callable[[str], Awaitable[int | None]],
    prov: Callable[[Provenance], Awaitable[tuple[Any, ...]]],
    added: Counter[str],
    skipped: list[SkippedRow],
) -> None:
    """Insert the batch's lineage links (inside the caller's unit of work). A base the catalog
    knows is resolved now; an unknown one is kept by name. A model named as its own base, or an
    unknown relation, is skipped with the reason."""
    for rec in lineage:
        base_norm = normalize(rec.base)
        if rec.relation not in LINEAGE_RELATIONS:
            skipped.append(SkippedRow(f"lineage of {rec.model}", f"relation {rec.relation!r}"))
            continue
        if not base_norm:
            continue
        owner = await model_id(rec.model)
        base = await known_id(rec.base)
        if base == owner:
            skipped.append(
                SkippedRow(f"lineage of {rec.model}", f"names itself as its base ({rec.base})")
            )
            continue
        cursor = await db.execute(
            "INSERT OR IGNORE INTO model_lineage(model_id, base_name, base_norm, base_id,"
            " relation, source_id, url, as_of, self_reported, note, qualifier)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (owner, rec.base[:200], base_norm, base, rec.relation, *await prov(rec.prov)),
        )
        added["lineage links"] += cursor.rowcount


class CatalogLineage:
    """The lineage reads, mixed into `CatalogStore`."""

    db: AnyDatabase

    async def lineage_links(self, model_ids: Sequence[int]) -> list[LineageLink]:
        """The links stated for each of the models (their bases), in stored order."""
        if not model_ids:
            return []
        marks = ", ".join("?" * len(model_ids))
        rows = await self.db.fetchall(LINEAGE_SELECT.format(marks=marks), tuple(model_ids))
        return [_link(row) for row in rows]

    async def hub_repos(self) -> list[HubRepo]:
        """Every model with a Hugging Face repo claim (`hf_repo`), one row per repo."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT m.id, m.name, c.value FROM model_claims c"
            " JOIN models m ON m.id = c.model_id WHERE c.field = 'hf_repo' ORDER BY m.id, c.value"
        )
        return [HubRepo(r[0], r[1], r[2]) for r in rows]


def _link(row: Any) -> LineageLink:
    return LineageLink(
        row["model_id"],
        row["base_name"],
        row["base_id"],
        row["base_model"],
        row["base_org"],
        row["relation"],
        source_ref(row),
    )
