"""The catalog's write path: applying import batches in one unit of work (names resolved to
ids by `_Resolver`), and the small edits behind curators' renames and removals."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.core.errors import ImportRejected
from bot.core.identity import match_keys
from bot.core.names import benchmark_key, normalize
from bot.core.prices import money
from bot.core.records import (
    Batch,
    BenchmarkRec,
    ImportSummary,
    IndependentRun,
    LicenseRec,
    ModelRec,
    OrgRec,
    Provenance,
    ScoreRec,
    SkippedRow,
)
from bot.core.scores import parse_setting, score_problem
from bot.store.backends import AnyDatabase
from bot.store.catalog_lineage import apply_lineage
from bot.store.catalog_prices import PriceApply, PriceChange


class _Resolver:
    """Name -> id lookups for one batch, creating rows on first sight and caching the answers."""

    def __init__(self, db: AnyDatabase, added: Counter[str]) -> None:
        self.db = db
        self.added = added
        self.sources: dict[str, int] = {}
        self.orgs: dict[str, int] = {}
        self.models: dict[str, int] = {}
        self.benchmarks: dict[str, int] = {}
        self.units: dict[int, str] = {}  # benchmark id -> the unit its scores are in
        self.org_aliases: dict[str, list[str]] = {}  # org key -> its names, for match_keys
        self.skipped: list[SkippedRow] = []  # rows the store could not take, with why
        # Every model name and alias -> its model, read once per batch and kept current as
        # the batch adds models and aliases (a lookup per row would be a query per row).
        self.known: dict[str, int] | None = None
        self.independent: list[IndependentRun] = []  # independent runs against a lab's claim
        self.names: dict[int, str] = {}  # model id -> its name, for alias clash reports
        self.absent: set[str] = set()  # names `existing_model` found no model for, so far
        # Writes that no later lookup of the batch reads, sent in one executemany each.
        self.pending: dict[str, list[tuple[Any, ...]]] = {}
        # While `queue_models` is set, new models are queued too, under the ids SQLite would
        # give them (max id + 1: `models.id` is a rowid without AUTOINCREMENT); they are
        # written first on `flush`, as every queued row may refer to them.
        self.queue_models = False
        self.next_id = 1
        self.new_models: list[tuple[Any, ...]] = []

    def defer(self, sql: str, row: tuple[Any, ...]) -> None:
        """Queue one row of `sql` for `flush` (statements run in the order first queued)."""
        self.pending.setdefault(sql, []).append(row)

    async def flush(self) -> int:
        """Run the queued writes; the rows they changed."""
        changed = 0
        if self.new_models:
            changed += await self.db.executemany(
                "INSERT INTO models(id, name, norm, org_id, family, family_norm)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                self.new_models,
            )
            self.new_models = []
        for sql, rows in self.pending.items():
            changed += await self.db.executemany(sql, rows)
        self.pending.clear()
        return changed

    async def known_names(self) -> dict[str, int]:
        """Every model name and alias key -> its model id (a model's own name wins)."""
        if self.known is None:
            rows = await self.db.fetchall(
                "SELECT norm, model_id, NULL FROM model_aliases"
                " UNION ALL SELECT norm, id, name FROM models"
            )
            self.known = {r[0]: r[1] for r in rows}
            self.names = {r[1]: r[2] for r in rows if r[2] is not None}
            self.next_id = max(self.names, default=0) + 1
        return self.known

    async def source(self, key: str) -> int:
        if key not in self.sources:
            row = await self.db.fetchone("SELECT id FROM sources WHERE key = ?", (key,))
            if row is None:
                raise KeyError(f"unknown source '{key}'")
            self.sources[key] = row[0]
        return self.sources[key]

    async def org(self, name: str, country: str | None = None) -> int:
        norm = normalize(name)
        if norm not in self.orgs:
            row = await self.db.fetchone(
                "SELECT id FROM organisations WHERE norm = ?"
                " UNION ALL SELECT org_id FROM organisation_aliases WHERE norm = ? LIMIT 1",
                (norm, norm),
            )
            if row is None:
                self.orgs[norm] = await self.db.insert(
                    "INSERT INTO organisations(name, norm, country) VALUES (?, ?, ?)",
                    (name, norm, country),
                )
                self.added["organisations"] += 1
            else:
                self.orgs[norm] = row[0]
        return self.orgs[norm]

    async def model(self, name: str, org: str | None = None, family: str | None = None) -> int:
        norm = normalize(name)
        if norm not in self.models:
            known = await self.known_names()
            found = known.get(norm)
            for key in match_keys(name, await self.org_names(org)) if found is None else ():
                found = known.get(key)  # 'Nova Pro' is Epoch's 'Amazon Nova Pro'
                if found is not None:
                    break
            if found is None:
                org_id = await self.org(org) if org else None
                row = (name, norm, org_id, family, normalize(family) if family else None)
                if self.queue_models:
                    found = self.next_id
                    self.new_models.append((found, *row))
                else:
                    found = await self.db.insert(
                        "INSERT INTO models(name, norm, org_id, family, family_norm)"
                        " VALUES (?, ?, ?, ?, ?)",
                        row,
                    )
                self.next_id = max(self.next_id, found + 1)
                self.added["models"] += 1
                known[norm] = found
                self.names[found] = name
                self.absent.clear()  # the new model may be what an absent name means
            self.models[norm] = found
        return self.models[norm]

    async def existing_model(self, name: str) -> int | None:
        """The id of the model `name` names (by name, alias or identity rules), never creating
        one: a price alone does not make a model."""
        norm = normalize(name)
        if norm in self.models:
            return self.models[norm]
        if name in self.absent:  # many providers price one unknown model
            return None
        known = await self.known_names()
        for key in (norm, *match_keys(name)):
            if key in known:
                self.models[norm] = known[key]
                return known[key]
        self.absent.add(name)
        return None

    async def org_names(self, org: str | None) -> list[str]:
        """The organisation's name and aliases, if it is known (for the identity rules)."""
        if not org:
            return []
        norm = normalize(org)
        if norm not in self.org_aliases:
            rows = await self.db.fetchall(
                "SELECT name FROM organisations WHERE id = (SELECT id FROM organisations"
                " WHERE norm = ? UNION ALL SELECT org_id FROM organisation_aliases WHERE norm = ?"
                " LIMIT 1) UNION ALL SELECT alias FROM organisation_aliases WHERE org_id ="
                " (SELECT id FROM organisations WHERE norm = ? UNION ALL"
                " SELECT org_id FROM organisation_aliases WHERE norm = ? LIMIT 1)",
                (norm, norm, norm, norm),
            )
            self.org_aliases[norm] = [org, *(r[0] for r in rows)]
        return self.org_aliases[norm]

    async def benchmark(self, name: str) -> int:
        norm = benchmark_key(name)
        if norm not in self.benchmarks:
            row = await self.db.fetchone(
                "SELECT id, unit FROM benchmarks WHERE id = (SELECT id FROM benchmarks"
                " WHERE norm = ? UNION ALL SELECT benchmark_id FROM benchmark_aliases"
                " WHERE norm = ? LIMIT 1)",
                (norm, norm),
            )
            if row is None:
                raise KeyError(f"unknown benchmark '{name}'")
            self.benchmarks[norm] = row[0]
            self.units[row[0]] = row[1]
        return self.benchmarks[norm]


class CatalogWrites:
    """The catalog's writes; reads live in `CatalogReads`."""

    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    async def apply(self, batch: Batch) -> ImportSummary:
        """Apply a whole batch in one unit of work (joining the caller's, if one is open): on
        any error nothing of it is kept."""
        async with self.db.transaction():
            added: Counter[str] = Counter()
            res = _Resolver(self.db, added)
            try:
                await self._apply(res, batch, added)
                changes = await self._apply_prices(res, batch, added)
            except KeyError as exc:
                raise ImportRejected(f"Nothing was imported: {exc.args[0]}.") from exc
        return ImportSummary(
            added=dict(added),
            skipped=[*batch.skipped, *res.skipped],
            merged=batch.merged,
            notable=[_describe_change(c) for c in changes],
            independent=res.independent,
        )

    async def _apply_prices(
        self, res: _Resolver, batch: Batch, added: Counter[str]
    ) -> list[PriceChange]:
        """The batch's prices, on models the catalog knows (or the batch just added); a price
        of an unknown model is skipped and reported."""
        triples = []
        for rec in batch.prices:
            model_id = await res.existing_model(rec.model)
            if model_id is None:
                res.skipped.append(
                    SkippedRow(f"price {rec.model} ({rec.provider})", "model not in the catalog")
                )
                continue
            triples.append((rec, model_id, await res.source(rec.prov.source)))
        prices = PriceApply(self.db, added)
        await prices.apply(triples)
        return prices.changes

    async def _apply(self, res: _Resolver, batch: Batch, added: Counter[str]) -> None:
        for source in batch.sources:
            cursor = await self.db.execute(
                "INSERT INTO sources(key, name, kind, outlet, url, published, license, credit)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                (
                    source.key,
                    source.name,
                    source.kind,
                    source.outlet,
                    source.url,
                    source.published,
                    source.license,
                    source.credit,
                ),
            )
            added["sources"] += cursor.rowcount
        for org in batch.orgs:
            await self._apply_org(res, org)
        for lic in batch.licenses:
            await self._apply_license(lic, added)
        for bench in batch.benchmarks:
            await self._apply_benchmark(bench, added)
        res.queue_models = True  # only this loop's lookups, which read `known`, see them
        for model in batch.models:
            await self._apply_model(res, model, added)
        res.queue_models = False
        await res.flush()
        await self._apply_claims(res, batch, added)
        await apply_lineage(
            self.db,
            batch.lineage,
            res.model,
            res.existing_model,
            lambda prov: _prov(res, prov),
            added,
            res.skipped,
        )

    async def _apply_org(self, res: _Resolver, org: OrgRec) -> None:
        org_id = await res.org(org.name, org.country)
        for alias in org.aliases:
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO organisation_aliases(norm, alias, org_id)"
                " SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM organisations WHERE norm = ?)",
                (normalize(alias), alias, org_id, normalize(alias)),
            )
            res.added["organisation aliases"] += cursor.rowcount

    async def _apply_license(self, lic: LicenseRec, added: Counter[str]) -> None:
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO licenses(id, name, norm, spdx, openness, commercial, url)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                lic.id,
                lic.name,
                normalize(lic.id),
                int(lic.spdx),
                lic.openness,
                _tristate(lic.commercial),
                lic.url,
            ),
        )
        added["licenses"] += cursor.rowcount
        for alias in (lic.name, *lic.aliases):
            await self.db.execute(
                "INSERT OR IGNORE INTO license_aliases(norm, license_id) VALUES (?, ?)",
                (normalize(alias), lic.id),
            )

    async def _apply_benchmark(self, bench: BenchmarkRec, added: Counter[str]) -> None:
        norm = benchmark_key(bench.name)
        cursor = await self.db.execute(
            "INSERT INTO benchmarks(name, norm, unit, higher_is_better, description)"
            " SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS"
            " (SELECT 1 FROM benchmark_aliases WHERE norm = ?)"
            " ON CONFLICT(norm) DO NOTHING",
            (bench.name, norm, bench.unit, int(bench.higher_is_better), bench.description, norm),
        )
        added["benchmarks"] += cursor.rowcount
        row = await self.db.fetchrow(
            "SELECT id FROM benchmarks WHERE norm = ?"
            " UNION ALL SELECT benchmark_id FROM benchmark_aliases WHERE norm = ? LIMIT 1",
            (norm, norm),
        )
        for alias in bench.aliases:
            await self.db.execute(
                "INSERT OR IGNORE INTO benchmark_aliases(norm, benchmark_id)"
                " SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM benchmarks WHERE norm = ?)",
                (benchmark_key(alias), row[0], benchmark_key(alias)),
            )

    async def _apply_model(self, res: _Resolver, model: ModelRec, added: Counter[str]) -> None:
        model_id = await res.model(model.name, model.org, model.family)
        # The updates only fill empty fields, and no lookup of the batch reads them: they are
        # queued and sent in one executemany per statement (`_apply` flushes them).
        if model.family:
            res.defer(
                "UPDATE models SET family = ?, family_norm = ? WHERE id = ? AND family IS NULL",
                (model.family, normalize(model.family), model_id),
            )
        if model.org:
            org_id = await res.org(model.org)
            res.defer(
                "UPDATE models SET org_id = ? WHERE id = ? AND org_id IS NULL", (org_id, model_id)
            )
        if model.parent:
            await self._apply_parent(res, model, model_id)
        known = await res.known_names()
        # The record's own name too: it may have been matched to a model of another name.
        for alias in (model.name, *model.aliases):
            norm = normalize(alias)
            if not norm:
                continue
            owner = known.get(norm)
            added["aliases"] += int(owner is None)  # the key even at 0, as it always was
            if owner is None:  # a new key: no model is called that, none has it as an alias
                known[norm] = model_id
                res.defer(
                    "INSERT INTO model_aliases(norm, alias, model_id) VALUES (?, ?, ?)",
                    (norm, alias, model_id),
                )
            elif owner != model_id:
                res.skipped.append(
                    SkippedRow(
                        f"model {model.name}",
                        f"alias '{alias}' not added: it already means {res.names[owner]}",
                    )
                )

    async def _apply_parent(self, res: _Resolver, model: ModelRec, model_id: int) -> None:
        """Make the record a dated snapshot of its model (created if new); a record that is
        already placed, or would be its own parent, is left as it is."""
        assert model.parent is not None
        parent_id = await res.model(model.parent, model.org, model.family)
        if parent_id != model_id:
            res.defer(
                "UPDATE models SET parent_id = ?, snapshot = ? WHERE id = ? AND parent_id IS NULL",
                (parent_id, model.snapshot, model_id),
            )

    async def _apply_claims(self, res: _Resolver, batch: Batch, added: Counter[str]) -> None:
        # Names are resolved row by row (that may add a model), then each table's rows go in
        # one executemany: the count of rows it added is SQLite's sum over them.
        claims = [
            (await res.model(c.model), c.field, c.value, *await _prov(res, c.prov))
            for c in batch.claims
        ]
        await self._insert_all(
            added,
            "facts",
            "INSERT OR IGNORE INTO model_claims"
            "(model_id, field, value, source_id, url, as_of, self_reported, note, qualifier)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            claims,
        )
        licenses = [
            (
                await res.model(lc.model),
                lc.license,
                lc.openness,
                _tristate(lc.commercial),
                *await _prov(res, lc.prov),
            )
            for lc in batch.license_claims
        ]
        await self._insert_all(
            added,
            "license claims",
            "INSERT OR IGNORE INTO license_claims(model_id, license_id, openness, commercial,"
            " source_id, url, as_of, self_reported, note, qualifier)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            licenses,
        )
        await self._check_scores(res, batch)
        for score in batch.scores:
            setting = parse_setting(score.setting)
            model_id = await res.model(score.model)
            benchmark_id = await res.benchmark(score.benchmark)
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO scores(model_id, benchmark_id, value, setting, setting_key,"
                " source_id, url, as_of, self_reported, note, qualifier, ci_low, ci_high, votes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    model_id,
                    benchmark_id,
                    score.value,
                    setting.label,
                    setting.key,
                    *await _prov(res, score.prov),
                    score.ci_low,
                    score.ci_high,
                    score.votes,
                ),
            )
            added["scores"] += cursor.rowcount
            if cursor.rowcount and not score.prov.self_reported:
                await self._independent_run(res, score, model_id, benchmark_id, setting.key)
        events = [
            (
                event.kind,
                event.date,
                event.title,
                event.detail,
                await res.model(event.model) if event.model else None,
                await res.org(event.org) if event.org else None,
                await res.source(event.prov.source),
                event.prov.url,
            )
            for event in batch.events
        ]
        await self._insert_all(
            added,
            "events",
            "INSERT OR IGNORE INTO events(kind, date, title, detail, model_id, org_id,"
            " source_id, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )

    async def _insert_all(
        self, added: Counter[str], label: str, sql: str, rows: list[tuple[Any, ...]]
    ) -> None:
        """`sql` over every row in one trip, counting the rows it added under `label`."""
        if rows:  # as a loop of single inserts would, an empty table adds no count
            added[label] += await self.db.executemany(sql, rows)

    async def _independent_run(
        self, res: _Resolver, score: ScoreRec, model_id: int, benchmark_id: int, setting_key: str
    ) -> None:
        """Note the new independent `score` if another source's self-reported claim stands on
        the same model, benchmark and setting (the lab's best figure is the one compared)."""
        source_id = await res.source(score.prov.source)
        row = await self.db.fetchone(
            "SELECT m.name AS model, b.name AS benchmark, b.unit, b.higher_is_better,"
            " MAX(s.value) AS best, MIN(s.value) AS least,"
            " (SELECT name FROM sources WHERE id = ?) AS source_name"
            " FROM scores s JOIN models m ON m.id = s.model_id"
            " JOIN benchmarks b ON b.id = s.benchmark_id"
            " WHERE s.model_id = ? AND s.benchmark_id = ? AND s.setting_key = ?"
            " AND s.self_reported = 1 AND s.source_id != ?"
            " GROUP BY m.name, b.name, b.unit, b.higher_is_better",
            (source_id, model_id, benchmark_id, setting_key, source_id),
        )
        if row is None or row["best"] is None:
            return
        res.independent.append(
            IndependentRun(
                row["model"],
                row["benchmark"],
                row["unit"],
                score.setting,
                score.value,
                row["best"] if row["higher_is_better"] else row["least"],
                score.prov.source,
                row["source_name"],
                score.prov.url,
            )
        )

    async def _check_scores(self, res: _Resolver, batch: Batch) -> None:
        """Every score against its benchmark's stored unit, by the rule curators' commands
        follow; one that breaks it refuses the whole batch."""
        problems = []
        for score in batch.scores:
            unit = res.units[await res.benchmark(score.benchmark)]
            problem = score_problem(score.value, unit, score.benchmark)
            if problem:
                problems.append(f"{score.model}, {score.benchmark}: {problem}")
        if problems:
            raise ImportRejected(
                f"Nothing was imported: {len(problems)} score(s) out of range.", problems
            )

    async def set_model_norm(self, model_id: int, norm: str) -> None:
        """Point the model's lookup key at `norm` (inside the caller's unit of work)."""
        await self.db.execute("UPDATE models SET norm = ? WHERE id = ?", (norm, model_id))

    async def keep_old_name(self, model_id: int, norm: str, alias: str) -> None:
        """Keep a renamed model findable under its old name (a no-op if that alias exists)."""
        await self.db.execute(
            "INSERT OR IGNORE INTO model_aliases(norm, alias, model_id) VALUES (?, ?, ?)",
            (norm, alias, model_id),
        )

    async def drop_alias(self, model_id: int, norm: str) -> None:
        """Remove the model's alias `norm` (undoing `keep_old_name`)."""
        await self.db.execute(
            "DELETE FROM model_aliases WHERE norm = ? AND model_id = ?", (norm, model_id)
        )

    async def delete_model(self, model_id: int) -> None:
        """Delete the model; its child rows go with it (foreign keys cascade)."""
        await self.db.execute("DELETE FROM models WHERE id = ?", (model_id,))


async def _prov(res: _Resolver, prov: Provenance) -> tuple[Any, ...]:
    return (
        await res.source(prov.source),
        prov.url,
        prov.as_of,
        int(prov.self_reported),
        prov.note,
        prov.qualifier,
    )


def _describe_change(change: PriceChange) -> str:
    """'GPT-4o (openai): input $5.00 → $2.50, output $15.00 → $10.00 per 1M tokens on …'."""
    where = change.provider + (f"/{change.region}" if change.region else "")
    parts = [
        f"{label} {money(old)} → {money(new)}"
        for label, old, new in zip(("input", "output"), change.before, change.after, strict=True)
        if not (old is None and new is None) and old != new
    ]
    day = f" on {change.on}" if change.on else ""
    return f"{change.model} ({where}): {', '.join(parts)} per 1M tokens{day}"


def _tristate(value: bool | None) -> int | None:
    return None if value is None else int(value)
