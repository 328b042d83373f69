"""Curators fix identity: merge two records of one real model, or split a snapshot out of a
record that holds several. Both are audited changes of `CurationService` (one unit of work
each) and undo through its mechanism: what a change deletes is saved, what it inserts is
recorded, and the values it sets are kept as they were."""

from __future__ import annotations

from typing import Any

from bot.core.errors import UserError
from bot.core.identity import snapshot_date, snapshot_name
from bot.core.names import clean_text, normalize
from bot.core.records import Batch, ModelRec
from bot.curation.forms import NAME_MAX
from bot.curation.service import Actor, Change, CurationService
from bot.importers.common import parse_date
from bot.store.curation import MODEL_CHILDREN
from bot.store.curation_identity import NOTED, IdentityCurationStore


class IdentityCuration:
    """`/admin merge` and `/admin split`, on top of the curation service's audit and undo."""

    def __init__(self, curation: CurationService) -> None:
        self.curation = curation
        self.rows = IdentityCurationStore(curation.catalog.db)

    async def merge(self, actor: Actor, keep: str, other: str) -> Change:
        """Fold the record `other` into `keep`: its aliases, claims, scores, events and
        snapshots move, and its name stays an alias of `keep`."""
        keep_id, kept = self.curation.find_model(keep)
        other_id, merged = self.curation.find_model(other)
        if keep_id == other_id:
            raise UserError("'{}' and '{}' are already one record.", kept, merged)

        async def work() -> dict[str, Any]:
            saved = await self.curation.audit.rows_of_model(other_id)
            if not saved["models"]:
                raise UserError("{} was removed meanwhile.", merged)
            updated = await self._adopt_snapshots(other_id, keep_id)
            await self.rows.move_events(other_id, keep_id)
            await self.curation.catalog.delete_model(other_id)
            for table in MODEL_CHILDREN:
                await self.rows.copy_rows(table, saved[table], keep_id)
            await self.rows.add_alias(keep_id, normalize(merged), merged)
            return {"deleted": saved, "updated": updated}

        return await self.curation._change(
            actor,
            "model merge",
            kept,
            f"merged {merged} into {kept}",
            [keep_id, other_id],
            work,
        )

    async def _adopt_snapshots(self, other_id: int, keep_id: int) -> list[dict[str, Any]]:
        """`other`'s snapshots become `keep`'s; if `keep` was one of them, it is a model now.
        Returns the parent values changed, for undo."""
        updated = []
        children = [c for c in await self.rows.children(other_id) if c != keep_id]
        await self.rows.set_parent(children, keep_id)
        updated += [_parent_update(c, other_id) for c in children]
        if await self.rows.parent_of(keep_id) == other_id:
            await self.rows.set_parent([keep_id], None)
            updated.append(_parent_update(keep_id, other_id))
        return updated

    async def split(self, actor: Actor, model: str, record: str, date: str | None) -> Change:
        """Make the source record `record` (an id in the claims' notes, or an alias) of
        `model` a dated snapshot of it, taking along the claims that came from it."""
        model_id, current = self.curation.find_model(model)
        record = clean_text(record or "")
        if not normalize(record) or len(record) > NAME_MAX:
            raise UserError(
                "Name the source record to split out (at most {} characters).", NAME_MAX
            )
        when = self._snapshot_date(record, date)
        info = await self.curation.catalog.model(model_id)
        org = info.org if info else None
        parent = info.parent if info and info.parent else current  # a snapshot's model
        name = snapshot_name(parent, when)
        clash = self.curation.lookups.models.exact(name)
        if clash is not None and clash.id != model_id:
            raise UserError("'{}' already exists; pick another date.", clash.name)

        async def work() -> dict[str, Any]:
            moving = await self.rows.noted_rows(model_id, record)
            # The record's alias moves with it, and so does the snapshot's name if the model
            # holds it (a merged record's name stays an alias).
            alias = [
                r
                for norm in dict.fromkeys((normalize(record), normalize(name)))
                for r in await self.curation.audit.alias_rows(model_id, norm)
            ]
            if not alias and not any(moving.values()):
                raise UserError(
                    "Nothing of {} comes from '{}': no claim names that record and it is"
                    " not an alias.",
                    current,
                    record,
                )
            await self.curation.audit.delete_rows("model_aliases", [r["_rowid"] for r in alias])
            rec = ModelRec(name, org=org, parent=parent, snapshot=when)
            await self.curation.catalog.apply(Batch(models=[rec]))
            new_id = await self.curation.catalog.find_model_id(normalize(name))
            assert new_id is not None and new_id != model_id
            for table in NOTED:
                await self.curation.audit.delete_rows(table, [r["_rowid"] for r in moving[table]])
                await self.rows.copy_rows(table, moving[table], new_id)
            kept = [r for r in alias if r["norm"] != normalize(name)]
            await self.rows.copy_rows("model_aliases", kept, new_id)
            return {"deleted": {**moving, "model_aliases": alias}}

        return await self.curation._change(
            actor,
            "model split",
            current,
            f"split {name} out of {current}",
            [model_id],
            work,
        )

    @staticmethod
    def _snapshot_date(record: str, date: str | None) -> str:
        """The snapshot's date: as given, or read from the record's own suffix."""
        if date and clean_text(date):
            when = parse_date(clean_text(date))
            if when is None:
                raise UserError("'{}' is not a date like 2024-08-06.", clean_text(date)[:20])
            return when
        dated = snapshot_date(record)
        if dated is None:
            raise UserError(
                "'{}' carries no date; give the snapshot's date (2024-08-06).", record[:NAME_MAX]
            )
        return dated[1]


def _parent_update(model_id: int, old: int | None) -> dict[str, Any]:
    return {"table": "models", "rowid": model_id, "column": "parent_id", "old": old}
