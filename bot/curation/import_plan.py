"""Curators' catalog files: reading an upload and planning its import with a dry run."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.core.errors import ImportRejected, UserError
from bot.core.lookups import Lookups
from bot.core.records import Batch
from bot.importers.catalog_yaml import load_yaml_text, parse_catalog
from bot.importers.epoch import parse_epoch_csv
from bot.store.catalog import CatalogStore

# Claims whose disagreement with another source a plan names.
_COMPARED = ("release_date", "params", "context_window", "status")


@dataclass
class ImportPlan:
    batch: Batch
    filename: str
    added: dict[str, int]
    conflicts: list[str]
    rejected: list[str]
    effects: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{n} {kind}" for kind, n in self.added.items() if n]
        lines = [f"Would add: {', '.join(parts) if parts else 'nothing new'}."]
        if self.conflicts:
            lines.append(
                f"Conflicts with other sources ({len(self.conflicts)}, all kept side by side):"
            )
            lines += [f"• {c}" for c in self.conflicts[:10]]
        if self.rejected:
            lines.append(f"Rejected rows ({len(self.rejected)}):")
            lines += [f"• {r}" for r in self.rejected[:10]]
        return "\n".join(lines)


class _Rollback(Exception):
    """Raised to end a dry run: the transaction rolls back."""


async def read_upload(filename: str, data: bytes) -> Batch:
    """A curator's file as a batch: catalog YAML (.yaml/.yml) or Epoch-style CSV (.csv).
    Parsed in a worker thread, so a big file does not hold up other commands."""
    return await asyncio.to_thread(_parse_upload, filename, data)


def _parse_upload(filename: str, data: bytes) -> Batch:
    try:
        if filename.lower().endswith(".csv"):
            return parse_epoch_csv(data, origin=filename)
        return parse_catalog(
            load_yaml_text(data.decode("utf-8", errors="strict"), filename), origin=filename
        )
    except UnicodeDecodeError:
        raise UserError("{} is not UTF-8 text.", filename[:60]) from None
    except ImportRejected as exc:
        raise UserError(exc.template, *exc.parts) from exc


async def plan_import(
    catalog: CatalogStore, lookups: Lookups, batch: Batch, filename: str
) -> ImportPlan:
    """A dry run: what the batch would add and where it disagrees with other sources."""
    conflicts = await _conflicts(catalog, lookups, batch)
    summary = None
    try:
        async with catalog.db.transaction():
            summary = await catalog.apply(batch)
            raise _Rollback
    except _Rollback:
        pass
    added = summary.added if summary else {}
    # The store's report, not just the file's: it also names aliases another model holds.
    skipped = summary.skipped if summary else batch.skipped
    rejected = [f"{s.where}: {s.reason}" for s in skipped]
    return ImportPlan(batch, filename, added, conflicts, rejected)


async def _conflicts(catalog: CatalogStore, lookups: Lookups, batch: Batch) -> list[str]:
    found = []
    for claim in batch.claims:
        if claim.field not in _COMPARED:
            continue
        entry = lookups.models.exact(claim.model)
        if entry is None:
            continue
        for row in await catalog.model_claims(entry.id):
            if (
                row.field == claim.field
                and row.value != claim.value
                and row.source.key != claim.prov.source
            ):
                found.append(
                    f"{entry.name} {claim.field}: {claim.value} here, {row.value} from {row.source.name[:40]}"
                )
                break
    return found
