"""Curator changes to the catalog: validated, applied in one transaction, audited, undoable.

Every change is expressed as a small catalog document and goes through the same validation as
`data/catalog/*.yaml`, so a curator gets the same precise messages as an import. A curator's
facts are claims whose source is that curator at that time; they never erase other sources.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.clock import Clock, iso
from bot.core.errors import ImportRejected, UserError
from bot.core.licenses import parse_openness
from bot.core.lookups import Lookups
from bot.core.names import clean_text, normalize
from bot.core.records import Batch
from bot.core.scores import score_problem
from bot.core.vocab import EVENT_KINDS
from bot.curation.export import export_catalog
from bot.importers.catalog_yaml import load_yaml_text, parse_catalog
from bot.importers.common import parse_date
from bot.importers.epoch import parse_epoch_csv
from bot.store.catalog import CatalogStore
from bot.store.catalog_export import CatalogExport
from bot.store.curation import TRACKED, CurationStore
from bot.watch.items import FeedItem
from bot.watch.service import WatchService

NAME_MAX = 100
_DETAIL_KEYS = {
    "params": "params", "parameters": "params", "active": "active_params", "active_params": "active_params",
    "context": "context_window", "context_window": "context_window", "output": "output_context",
    "link": "link", "url": "link", "status": "status", "modality": "modality", "family": "family",
    "architecture": "architecture", "note": "note",
}  # fmt: skip
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
UNITS = ("%", "Elo", "ms", "rank", "score", "tokens/s", "s", "x")


@dataclass(frozen=True)
class Actor:
    """A curator, and the server they act in (changes are seen and undone only there)."""

    id: str
    name: str
    guild_id: str | None = None


@dataclass
class ModelForm:
    """What the model modal collects (Discord allows five inputs; the details field holds the rest)."""

    name: str
    org: str = ""
    release: str = ""  # '2026-04-02', 'expected 2026-06', or empty
    license: str = ""  # 'Apache-2.0', 'api_only', 'Llama 4 Community License' ...
    details: str = ""  # 'params: 31B; context: 128K; link: https://...'


@dataclass
class Change:
    id: int
    summary: str


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change, as `/admin history` lists it."""

    id: int
    at: str  # ISO 8601 UTC
    user_name: str
    action: str
    summary: str
    added: int  # rows the change inserted
    removed: int  # rows it deleted
    undone_by: int | None


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

    def _source(self, actor: Actor) -> dict[str, Any]:
        return {
            "key": f"curator:{actor.id}",
            "name": f"Curator {clean_text(actor.name)[:60]}",
            "kind": "curator",
        }

    def _parse(self, actor: Actor, doc: dict[str, Any]) -> Batch:
        doc = {"sources": [self._source(actor)], **doc}
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
        work: Callable[[], Awaitable[dict[str, Any] | None]],
        undo_of: int | None = None,
    ) -> Change:
        """Run `work` in one unit of work (joining the caller's, if one is open), capture the
        rows it added (and what it says it removed or changed), and write the audit entry in
        it too. The name index is refreshed once the outermost unit has committed."""
        outermost = not self.catalog.db.in_transaction
        async with self.catalog.db.transaction():
            change = await self._record(actor, action, target, summary, model_ids, work, undo_of)
        if outermost:
            await self.lookups.refresh()
        return change

    async def _record(
        self,
        actor: Actor,
        action: str,
        target: str,
        summary: str,
        model_ids: list[int],
        work: Callable[[], Awaitable[dict[str, Any] | None]],
        undo_of: int | None,
    ) -> Change:
        before = await self.audit.high_water()
        extra = await work() or {}
        inserted = await self.audit.inserted_since(before)
        effects = {"inserted": inserted, **extra}
        touched = sorted(set(model_ids) | set(inserted.get("models", [])))
        change_id = await self.audit.record(
            iso(self.clock()),
            actor.id,
            actor.name,
            action,
            target,
            summary,
            touched,
            effects,
            actor.guild_id,
            undo_of,
        )
        return Change(change_id, summary)

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
        """Provenance of a curator's claim: the curator, and the day it was made."""
        return {"source": f"curator:{actor.id}", "as_of": self._stamp()}

    def _model_doc(
        self, form: ModelForm, claim: dict[str, Any], existing: str | None = None
    ) -> dict[str, Any]:
        name = clean_text(form.name)
        if not normalize(name):
            raise UserError("The model needs a name.")
        if len(name) > NAME_MAX:
            raise UserError("The name is {} characters; the limit is {}.", len(name), NAME_MAX)
        facts: list[dict[str, Any]] = []
        model: dict[str, Any] = {"name": existing or name}
        if form.org.strip():
            model["org"] = clean_text(form.org)[:NAME_MAX]
        facts += self._release_facts(form.release, claim)
        details = self._details(form.details)
        link = details.pop("link", None)
        if link and not _URL.match(link):
            raise UserError("'{}' is not an http(s) link.", link[:80])
        if "family" in details:
            model["family"] = details.pop("family")
        facts += [{**claim, "field": key, "value": value} for key, value in details.items()]
        if link:
            for fact in facts:
                fact["url"] = link
        model["facts"] = facts
        if form.license.strip():
            model["licenses"] = [self._license_claim(form.license, claim, link)]
        return {"models": [model]}

    def _release_facts(self, text: str, claim: dict[str, Any]) -> list[dict[str, Any]]:
        text = clean_text(text).lower()
        if not text:
            return []
        expected = text.startswith("expected")
        text = text.removeprefix("expected").strip()
        facts = [{**claim, "field": "status", "value": "expected" if expected else "released"}]
        if text:
            when = parse_date(text)
            if when is None:
                raise UserError(
                    "Release date '{}' is not a date (2026-04-02, 2026-04, or 'expected 2026-06').",
                    text[:20],
                )
            if not expected and when > self.clock().date().isoformat()[: len(when)]:
                raise UserError(
                    "Release date {} is in the future. Write 'expected {}' for an announced model.",
                    when,
                    when,
                )
            facts.append({**claim, "field": "release_date", "value": when})
        return facts

    def _details(self, text: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for part in re.split(r"[;\n]", text or ""):
            if not part.strip():
                continue
            key, sep, value = part.partition(":")
            if key.strip().lower() in ("link", "url") and not sep:
                raise UserError("'{}' should look like 'key: value'.", part.strip()[:40])
            field_name = _DETAIL_KEYS.get(key.strip().lower().replace(" ", "_"))
            if field_name is None or not sep:
                raise UserError(
                    "'{}' is not a detail I know. Use params, active, context, link, status, modality, family.",
                    part.strip()[:40],
                )
            found[field_name] = value.strip()
        return found

    def _license_claim(self, text: str, claim: dict[str, Any], link: str | None) -> dict[str, Any]:
        text = clean_text(text)
        if len(text) > NAME_MAX:
            raise UserError("The license is {} characters; the limit is {}.", len(text), NAME_MAX)
        openness = parse_openness(text)
        entry = {**claim, "openness": openness.value} if openness else {**claim, "license": text}
        if link:
            entry["url"] = link
        return entry

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
            rows = [r for r in await self.audit.alias_row(norm) if r["model_id"] == model_id]
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
        claim.update(self._source_ref(source))
        batch = self._parse(actor, {"models": [{"name": current, "scores": [claim]}]})
        return await self._change(
            actor,
            "score add",
            current,
            f"{current}: {bench.name} {value:g}{row.unit if row.unit == '%' else ' ' + row.unit}",
            [model_id],
            lambda: self._apply_batch(batch),
        )

    async def set_license(self, actor: Actor, model: str, license_text: str, source: str) -> Change:
        model_id, current = self.find_model(model)
        claim = self._license_claim(license_text, self._claim(actor), None)
        claim.update(self._source_ref(source))
        batch = self._parse(actor, {"models": [{"name": current, "licenses": [claim]}]})
        return await self._change(
            actor,
            "license set",
            current,
            f"{current}: license claim '{clean_text(license_text)}'",
            [model_id],
            lambda: self._apply_batch(batch),
        )

    def _source_ref(self, source: str) -> dict[str, Any]:
        """A curator cites where a fact comes from: a link, or a short note."""
        source = clean_text(source or "")
        if not source:
            raise UserError("Say where this comes from: a link or a short note.")
        if source.startswith(("http://", "https://")):
            if not _URL.match(source) or len(source) > 500:
                raise UserError("'{}' is not a valid link.", source[:80])
            return {"url": source}
        if len(source) > 300:
            raise UserError("Keep the source note under 300 characters.")
        return {"note": f"Cited: {source}"}

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
        title = clean_text(title or "")
        if not normalize(title) or len(title) > 256:
            raise UserError("A release needs a title of at most 256 characters.")
        if link and not _URL.match(link.strip()):
            raise UserError("'{}' is not an http(s) link.", link[:80])
        if kind not in EVENT_KINDS:
            raise UserError("Unknown type '{}'. Use: {}.", kind[:30], ", ".join(EVENT_KINDS))
        day = parse_date(when) if when else self._stamp()
        if day is None or len(day) != 10:
            raise UserError("'{}' is not a date like 2026-04-02.", str(when)[:20])
        if day > self._stamp() and kind != "expected_release":
            raise UserError(
                "{} is in the future; use the type expected_release for announced dates.", day
            )
        names = [clean_text(n) for n in (models or "").split(",") if clean_text(n)]
        found = [self.find_model(n) for n in names]
        resolved = [name for _, name in found]
        stamp = iso(self.clock())
        item = FeedItem(
            title,
            link.strip() if link else None,
            "",
            f"{day}T00:00:00+00:00",
            f"curator:{actor.id}:{stamp}:{normalize(title)}",
            "curated",
            f"Curator {actor.name}",
            None,
            kind,
            tuple(resolved),
        )
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
        """A curator's file as a batch: catalog YAML (.yaml/.yml) or Epoch-style CSV (.csv).
        Parsed in a worker thread, so a big file does not hold up other commands."""
        return await asyncio.to_thread(_parse_upload, filename, data)

    async def plan_import(self, batch: Batch, filename: str) -> ImportPlan:
        """A dry run: what the batch would add and where it disagrees with other sources."""
        conflicts = await self._conflicts(batch)
        summary = None
        try:
            async with self.catalog.db.transaction():
                summary = await self.catalog.apply(batch)
                raise _Rollback
        except _Rollback:
            pass
        added = summary.added if summary else {}
        # The store's report, not just the file's: it also names aliases another model holds.
        skipped = summary.skipped if summary else batch.skipped
        rejected = [f"{s.where}: {s.reason}" for s in skipped]
        return ImportPlan(batch, filename, added, conflicts, rejected)

    async def _conflicts(self, batch: Batch) -> list[str]:
        found = []
        for claim in batch.claims:
            if claim.field not in ("release_date", "params", "context_window", "status"):
                continue
            entry = self.lookups.models.exact(claim.model)
            if entry is None:
                continue
            for row in await self.catalog.model_claims(entry.id):
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

    async def apply_import(self, actor: Actor, plan: ImportPlan) -> Change:
        models = len(plan.batch.models)
        return await self._change(
            actor,
            "import",
            plan.filename,
            f"imported {plan.filename}: {models} model record(s)",
            [],
            lambda: self._apply_batch(plan.batch),
        )

    # ---- history and undo --------------------------------------------------------------------

    async def history(self, actor: Actor, model: str | None) -> list[HistoryEntry]:
        """The changes made in the actor's server (to `model`, if given), newest first."""
        model_id = self.find_model(model)[0] if model else None
        return [_history_entry(r) for r in await self.audit.history(actor.guild_id or "", model_id)]

    async def undo(self, actor: Actor, change_id: int) -> Change:
        """Revert a change made in the actor's server, record the undo and mark the change
        undone, all in one transaction: a failure anywhere leaves catalog and log as they were."""
        async with self.catalog.db.transaction():
            row = await self._undoable(actor, change_id)
            effects = json.loads(row["effects"])

            async def work() -> dict[str, Any]:
                await self._revert(effects)
                return {}

            change = await self._change(
                actor,
                "undo",
                f"change {change_id}",
                f"undid change {change_id}: {row['summary']}",
                sorted(json.loads(row["model_ids"])),
                work,
                undo_of=change_id,
            )
            if not await self.audit.mark_undone(actor.guild_id or "", change_id, change.id):
                raise UserError("Change {} was undone meanwhile.", change_id)
        await self.lookups.refresh()
        return change

    async def _undoable(self, actor: Actor, change_id: int) -> Any:
        """The audit row of a change this actor may undo now, or a UserError saying why not."""
        row = await self.audit.change(actor.guild_id or "", change_id)
        if row is None:
            raise UserError("This server has no change {}. See `/admin history`.", change_id)
        if row["undone_by"]:
            raise UserError(
                "Change {} was already undone (by change {}).", change_id, row["undone_by"]
            )
        if row["undo_of"]:
            raise UserError(
                "Change {} is itself an undo; make the change again instead.", change_id
            )
        touched = set(json.loads(row["model_ids"]))
        # A later change to the same model builds on this one: undoing this first would pull
        # the ground from under it (a removed model's new scores, a renamed model's aliases).
        blockers = [
            later
            for later in await self.audit.later_active(change_id)
            if touched & set(json.loads(later["model_ids"]))
        ]
        if blockers:
            listed = ", ".join(
                str(b["id"]) if b["guild_id"] == actor.guild_id else f"{b['id']} (another server)"
                for b in blockers[:10]
            )
            raise UserError(
                "Later changes depend on change {}: {}. Undo those first.", change_id, listed
            )
        return row

    async def _revert(self, effects: dict[str, Any]) -> None:
        renamed = effects.get("renamed")
        if renamed:
            await self.catalog.drop_alias(renamed["id"], normalize(renamed["old"]))
            await self.audit.update_value("models", renamed["id"], "name", renamed["old"])
            await self.catalog.set_model_norm(renamed["id"], normalize(renamed["old"]))
        inserted = effects.get("inserted", {})
        for table in reversed(TRACKED):
            if inserted.get(table):
                await self.audit.delete_rows(table, inserted[table])
        deleted = effects.get("deleted", {})
        for table in TRACKED:
            if deleted.get(table):
                await self.audit.restore_rows(table, deleted[table])
        for update in effects.get("updated", []):  # values a change set, back as they were
            await self.audit.update_value(
                update["table"], update["rowid"], update["column"], update["old"]
            )


def _history_entry(row: Any) -> HistoryEntry:
    """An audit_log row as a history entry (its effects column is JSON)."""
    effects = json.loads(row["effects"])
    return HistoryEntry(
        row["id"],
        row["at"],
        row["user_name"],
        row["action"],
        row["summary"],
        sum(len(v) for v in effects.get("inserted", {}).values()),
        sum(len(v) for v in effects.get("deleted", {}).values()),
        row["undone_by"] or None,
    )


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
