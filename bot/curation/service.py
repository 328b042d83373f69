"""Curator changes to the catalog: validated, applied in one transaction, audited, undoable.

Every change is expressed as a small catalog document and goes through the same validation as
`data/catalog/*.yaml`, so a curator gets the same precise messages as an import. A curator's
facts are claims whose source is that curator at that time; they never erase other sources.
"""

from __future__ import annotations

from typing import Any

from bot.core.clock import Clock, iso
from bot.core.errors import ImportRejected, UserError
from bot.core.lookups import Lookups
from bot.core.names import clean_text, normalize
from bot.core.records import Batch
from bot.core.scores import score_problem
from bot.curation import import_plan, undo
from bot.curation.audit import Change, ChangeNote, Work, record_change
from bot.curation.export import export_catalog
from bot.curation.forms import (
    NAME_MAX,
    UNITS,
    Actor,
    ModelForm,
    curator_claim,
    curator_source,
    license_claim,
    model_doc,
    source_ref,
)
from bot.curation.import_plan import ImportPlan
from bot.curation.releases import checked_release, release_item
from bot.curation.trust import independent_run_item, ingest_runs
from bot.curation.undo import HistoryEntry
from bot.importers.catalog_yaml import parse_catalog
from bot.store.catalog import CatalogStore
from bot.store.catalog_export import CatalogExport
from bot.store.catalog_records import ModelScore
from bot.store.curation import CurationStore
from bot.watch.service import WatchService

__all__ = ["UNITS", "Actor", "Change", "CurationService", "HistoryEntry", "ImportPlan", "ModelForm"]


class CurationService:
    def __init__(
        self,
        catalog: CatalogStore,
        audit: CurationStore,
        lookups: Lookups,
        watch: WatchService,
        clock: Clock,
    ) -> None:
        self.catalog = catalog
        self.audit = audit
        self.lookups = lookups
        self.watch = watch
        self.clock = clock

    async def export(self, curated_only: bool) -> str:
        """The catalog (or only what curators added) as importable YAML."""
        return await export_catalog(CatalogExport(self.catalog.db), curated_only)

    # ---- the shared mechanism ---------------------------------------------------------------

    def _parse(self, actor: Actor, doc: dict[str, Any]) -> Batch:
        doc = {"sources": [curator_source(actor)], **doc}
        known = [e.name for e in self.lookups.benchmarks.entries]
        known += [a for e in self.lookups.benchmarks.entries for a in e.aliases]
        try:
            return parse_catalog(doc, origin="your change", known_benchmarks=known)
        except ImportRejected as exc:
            raise UserError("{}", "; ".join(exc.problems[:5]) or str(exc)) from exc

    async def _change(
        self,
        actor: Actor,
        action: str,
        target: str,
        summary: str,
        model_ids: list[int],
        work: Work,
        undo_of: int | None = None,
    ) -> Change:
        """Run `work` in one unit of work (joining the caller's, if one is open), capture the
        rows it added (and what it says it removed or changed), and write the audit entry in
        it too. The name index is refreshed once the outermost unit has committed."""
        note = ChangeNote(action, target, summary, model_ids, undo_of)
        outermost = not self.catalog.db.in_transaction
        async with self.catalog.db.transaction():
            change = await record_change(self.audit, actor, iso(self.clock()), note, work)
        if outermost:
            await self.lookups.refresh()
        return change

    def find_model(self, name: str) -> tuple[int, str]:
        """The id and name of the model called `name` (exactly, through aliases), or a UserError."""
        entry = self.lookups.models.exact(clean_text(name or ""))
        if entry is None:
            match = self.lookups.models.resolve(clean_text(name or ""))
            asked = clean_text(name or "")[:NAME_MAX]
            if match:
                raise UserError(
                    "No model is named '{}'. Did you mean '{}'?", asked, match.entry.name
                )
            raise UserError("No model is named '{}'.", asked)
        return entry.id, entry.name

    # ---- models -----------------------------------------------------------------------------

    def _claim(self, actor: Actor) -> dict[str, Any]:
        return curator_claim(actor, self._stamp())

    def _model_doc(
        self, form: ModelForm, claim: dict[str, Any], existing: str | None = None
    ) -> dict[str, Any]:
        return model_doc(form, claim, self._stamp(), existing)

    async def add_model(self, actor: Actor, form: ModelForm) -> Change:
        existing = self.lookups.models.exact(clean_text(form.name))
        if existing is not None:
            raise UserError(
                "'{}' is already in the catalog. Use `/admin model edit` on it to add facts to it.",
                existing.name,
            )
        batch = self._parse(actor, self._model_doc(form, self._claim(actor)))
        name = batch.models[0].name
        return await self._change(
            actor,
            "model add",
            name,
            f"added {name}",
            [],
            lambda: self._apply_batch(batch),
        )

    async def edit_model(self, actor: Actor, name: str, form: ModelForm) -> Change:
        model_id, current = self.find_model(name)
        batch = self._parse(actor, self._model_doc(form, self._claim(actor), existing=current))
        new_name = clean_text(form.name)
        summary = f"new facts for {current}" + (
            f"; renamed to {new_name}" if new_name != current else ""
        )

        async def work() -> dict[str, Any]:
            await self.catalog.apply(batch)
            if new_name and new_name != current:
                return await self._rename(model_id, current, new_name)
            return {}

        return await self._change(actor, "model edit", current, summary, [model_id], work)

    async def _rename(self, model_id: int, old: str, new: str) -> dict[str, Any]:
        clash = self.lookups.models.exact(new)
        if clash is not None and clash.id != model_id:
            raise UserError("'{}' already exists; pick another name.", clash.name)
        await self.audit.update_value("models", model_id, "name", new)
        await self.catalog.set_model_norm(model_id, normalize(new))
        await self.catalog.keep_old_name(model_id, normalize(old), old)
        return {"renamed": {"id": model_id, "old": old, "new": new}}

    async def remove_model(self, actor: Actor, name: str) -> Change:
        model_id, current = self.find_model(name)

        async def work() -> dict[str, Any]:
            saved = await self.audit.rows_of_model(model_id)
            if not saved["models"]:  # removed meanwhile (a second click, another curator)
                raise UserError("{} was already removed.", current)
            await self.catalog.delete_model(model_id)
            return {"deleted": saved}

        return await self._change(
            actor, "model remove", current, f"removed {current} and its claims", [model_id], work
        )

    async def _apply_batch(self, batch: Batch) -> dict[str, Any]:
        """A change that is just a validated batch; its effects are the rows it inserts."""
        await self.catalog.apply(batch)
        return {}

    # ---- aliases, scores, benchmarks, licenses ------------------------------------------------

    async def add_alias(self, actor: Actor, model: str, alias: str) -> Change:
        model_id, current = self.find_model(model)
        alias = clean_text(alias)
        if not normalize(alias) or len(alias) > NAME_MAX:
            raise UserError("An alias needs letters or digits and at most {} characters.", NAME_MAX)
        clash = self.lookups.models.exact(alias)
        if clash is not None:
            raise UserError("'{}' already means {}.", alias, clash.name)
        batch = self._parse(actor, {"models": [{"name": current, "aliases": [alias]}]})
        return await self._change(
            actor,
            "alias add",
            current,
            f"'{alias}' now finds {current}",
            [model_id],
            lambda: self._apply_batch(batch),
        )

    async def remove_alias(self, actor: Actor, model: str, alias: str) -> Change:
        model_id, current = self.find_model(model)
        norm = normalize(alias or "")

        async def work() -> dict[str, Any]:
            rows = await self.audit.alias_rows(model_id, norm)
            if not rows:
                raise UserError(
                    "'{}' is not an alias of {}.", clean_text(alias)[:NAME_MAX], current
                )
            await self.audit.delete_rows("model_aliases", [r["_rowid"] for r in rows])
            return {"deleted": {"model_aliases": rows}}

        return await self._change(
            actor,
            "alias remove",
            current,
            f"'{clean_text(alias)}' no longer finds {current}",
            [model_id],
            work,
        )

    async def add_benchmark(
        self, actor: Actor, name: str, unit: str, higher_is_better: bool
    ) -> Change:
        if unit not in UNITS:
            raise UserError(
                "Unknown unit '{}'. Use one of: {}.", clean_text(unit)[:20], ", ".join(UNITS)
            )
        if self.lookups.benchmarks.exact(clean_text(name)) is not None:
            raise UserError("The benchmark '{}' already exists.", clean_text(name))
        batch = self._parse(
            actor,
            {"benchmarks": [{"name": name, "unit": unit, "higher_is_better": higher_is_better}]},
        )
        bench = batch.benchmarks[0].name
        return await self._change(
            actor,
            "benchmark add",
            bench,
            f"added benchmark {bench} ({unit})",
            [],
            lambda: self._apply_batch(batch),
        )

    async def add_score(
        self,
        actor: Actor,
        model: str,
        benchmark: str,
        value: float,
        unit: str | None,
        source: str,
        self_reported: bool,
    ) -> Change:
        model_id, current = self.find_model(model)
        bench = self.lookups.benchmarks.exact(clean_text(benchmark or ""))
        if bench is None:
            raise UserError(
                "No benchmark is named '{}'. Add it with `/admin benchmark add`.",
                clean_text(benchmark or "")[:NAME_MAX],
            )
        row = await self.catalog.benchmark(bench.id)
        if row is None:
            raise UserError("The benchmark '{}' is no longer in the catalog.", bench.name)
        if unit and unit != row.unit:
            raise UserError(
                "{} is measured in '{}', not '{}'.", bench.name, row.unit, clean_text(unit)[:20]
            )
        problem = score_problem(value, row.unit, bench.name)
        if problem:
            raise UserError("{}", problem)
        claim = {
            "benchmark": bench.name,
            "value": value,
            **self._claim(actor),
            "self_reported": self_reported,
        }
        claim.update(source_ref(source))
        batch = self._parse(actor, {"models": [{"name": current, "scores": [claim]}]})
        before = await self.catalog.model_scores([model_id])

        async def work() -> dict[str, Any]:
            applied = await self._apply_batch(batch)
            await self._independent_run(actor, model_id, current, before, claim.get("url"))
            return applied

        change = await self._change(
            actor,
            "score add",
            current,
            f"{current}: {bench.name} {value:g}{row.unit if row.unit == '%' else ' ' + row.unit}",
            [model_id],
            work,
        )
        self.watch.wake()
        return change

    async def _independent_run(
        self,
        actor: Actor,
        model_id: int,
        model: str,
        before: list[ModelScore],
        link: str | None,
    ) -> None:
        """In the score's unit of work: the watch entry saying that an independent score
        replaces or contradicts the lab's claim on the same benchmark and setting."""
        known = {(r.benchmark_id, r.value, r.source.key) for r in before}
        added = [
            r
            for r in await self.catalog.model_scores([model_id])
            if (r.benchmark_id, r.value, r.source.key) not in known
        ]
        for score in added:
            item = independent_run_item(
                actor, model, score, before, link, self._stamp(), iso(self.clock())
            )
            if item is not None:
                await self.watch.ingestor.ingest([item])

    async def set_license(self, actor: Actor, model: str, license_text: str, source: str) -> Change:
        model_id, current = self.find_model(model)
        claim = license_claim(license_text, self._claim(actor), None)
        claim.update(source_ref(source))
        batch = self._parse(actor, {"models": [{"name": current, "licenses": [claim]}]})
        return await self._change(
            actor,
            "license set",
            current,
            f"{current}: license claim '{clean_text(license_text)}'",
            [model_id],
            lambda: self._apply_batch(batch),
        )

    def _stamp(self) -> str:
        return self.clock().date().isoformat()

    # ---- releases ------------------------------------------------------------------------------

    async def add_release(
        self,
        actor: Actor,
        title: str,
        link: str | None,
        when: str | None,
        models: str | None,
        kind: str,
    ) -> tuple[Change, int]:
        title, day = checked_release(title, link, when, kind, self._stamp())
        names = [clean_text(n) for n in (models or "").split(",") if clean_text(n)]
        found = [self.find_model(n) for n in names]
        resolved = [name for _, name in found]
        item = release_item(actor, title, link, day, kind, resolved, iso(self.clock()))
        report: Any = None

        async def work() -> dict[str, Any]:
            nonlocal report
            report = await self.watch.ingestor.ingest([item])
            return {}

        model_ids = [model_id for model_id, _ in found]
        change = await self._change(
            actor, "release add", title, f"curated release: {title}", model_ids, work
        )
        self.watch.wake()
        return change, report.queued

    # ---- import --------------------------------------------------------------------------------

    async def read_upload(self, filename: str, data: bytes) -> Batch:
        """A curator's file as a batch: catalog YAML (.yaml/.yml) or Epoch-style CSV (.csv)."""
        return await import_plan.read_upload(filename, data)

    async def plan_import(self, batch: Batch, filename: str) -> ImportPlan:
        """A dry run: what the batch would add and where it disagrees with other sources."""
        return await import_plan.plan_import(self.catalog, self.lookups, batch, filename)

    async def apply_import(self, actor: Actor, plan: ImportPlan) -> Change:
        models = len(plan.batch.models)
        return await self._change(
            actor,
            "import",
            plan.filename,
            f"imported {plan.filename}: {models} model record(s)",
            [],
            lambda: self._apply_import(plan.batch),
        )

    async def _apply_import(self, batch: Batch) -> dict[str, Any]:
        """An import's batch, and the watch entries for its independent runs (once each)."""
        summary = await self.catalog.apply(batch)
        if await ingest_runs(self.watch, summary.independent):
            self.watch.wake()
        return {}

    # ---- history and undo --------------------------------------------------------------------

    async def history(self, actor: Actor, model: str | None) -> list[HistoryEntry]:
        """The changes made in the actor's server (to `model`, if given), newest first."""
        model_id = self.find_model(model)[0] if model else None
        records = await self.audit.history(actor.guild_id or "", model_id)
        return [undo.history_entry(r) for r in records]

    async def undo(self, actor: Actor, change_id: int) -> Change:
        """Revert a change made in the actor's server, record the undo and mark the change
        undone, all in one transaction: a failure anywhere leaves catalog and log as they were."""
        async with self.catalog.db.transaction():
            record = await undo.undoable(self.audit, actor.guild_id, change_id)

            async def work() -> dict[str, Any]:
                await undo.revert(self.catalog, self.audit, record.effects)
                return {}

            change = await self._change(
                actor,
                "undo",
                f"change {change_id}",
                f"undid change {change_id}: {record.summary}",
                sorted(record.model_ids),
                work,
                undo_of=change_id,
            )
            if not await self.audit.mark_undone(actor.guild_id or "", change_id, change.id):
                raise UserError("Change {} was undone meanwhile.", change_id)
        await self.lookups.refresh()
        return change
