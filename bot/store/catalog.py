"""Catalog storage: applying import batches and the read queries behind every lookup."""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiosqlite

from bot.core.errors import ImportRejected
from bot.core.names import normalize
from bot.core.records import (
    Batch,
    BenchmarkRec,
    ImportSummary,
    LicenseRec,
    ModelRec,
    OrgRec,
    Provenance,
    SkippedRow,
)
from bot.core.scores import score_problem
from bot.store.db import Database, inserted_id

Row = aiosqlite.Row


class _Resolver:
    """Name -> id lookups for one batch, creating rows on first sight and caching the answers."""

    def __init__(self, db: Database, added: Counter[str]) -> None:
        self.db = db
        self.added = added
        self.sources: dict[str, int] = {}
        self.orgs: dict[str, int] = {}
        self.models: dict[str, int] = {}
        self.benchmarks: dict[str, int] = {}
        self.units: dict[int, str] = {}  # benchmark id -> the unit its scores are in
        self.skipped: list[SkippedRow] = []  # rows the store could not take, with why

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
                cursor = await self.db.execute(
                    "INSERT INTO organisations(name, norm, country) VALUES (?, ?, ?)",
                    (name, norm, country),
                )
                self.added["organisations"] += 1
                self.orgs[norm] = inserted_id(cursor)
            else:
                self.orgs[norm] = row[0]
        return self.orgs[norm]

    async def model(self, name: str, org: str | None = None, family: str | None = None) -> int:
        norm = normalize(name)
        if norm not in self.models:
            row = await self.db.fetchone(
                "SELECT id FROM models WHERE norm = ?"
                " UNION ALL SELECT model_id FROM model_aliases WHERE norm = ? LIMIT 1",
                (norm, norm),
            )
            if row is None:
                org_id = await self.org(org) if org else None
                cursor = await self.db.execute(
                    "INSERT INTO models(name, norm, org_id, family, family_norm)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, norm, org_id, family, normalize(family) if family else None),
                )
                self.added["models"] += 1
                self.models[norm] = inserted_id(cursor)
            else:
                self.models[norm] = row[0]
        return self.models[norm]

    async def benchmark(self, name: str) -> int:
        norm = normalize(name)
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


class CatalogStore:
    """The catalog's SQL. Callers get plain rows; they never build queries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- writes ---------------------------------------------------------------------------

    async def apply(self, batch: Batch) -> ImportSummary:
        """Apply a whole batch in one unit of work (joining the caller's, if one is open): on
        any error nothing of it is kept."""
        async with self.db.transaction():
            added: Counter[str] = Counter()
            res = _Resolver(self.db, added)
            try:
                await self._apply(res, batch, added)
            except KeyError as exc:
                raise ImportRejected(f"Nothing was imported: {exc.args[0]}.") from exc
        return ImportSummary(
            added=dict(added), skipped=[*batch.skipped, *res.skipped], merged=batch.merged
        )

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
        for model in batch.models:
            await self._apply_model(res, model, added)
        await self._apply_claims(res, batch, added)

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
        norm = normalize(bench.name)
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
                (normalize(alias), row[0], normalize(alias)),
            )

    async def _apply_model(self, res: _Resolver, model: ModelRec, added: Counter[str]) -> None:
        model_id = await res.model(model.name, model.org, model.family)
        if model.family:
            await self.db.execute(
                "UPDATE models SET family = ?, family_norm = ? WHERE id = ? AND family IS NULL",
                (model.family, normalize(model.family), model_id),
            )
        if model.org:
            org_id = await res.org(model.org)
            await self.db.execute(
                "UPDATE models SET org_id = ? WHERE id = ? AND org_id IS NULL", (org_id, model_id)
            )
        for alias in model.aliases:
            norm = normalize(alias)
            if not norm:
                continue
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO model_aliases(norm, alias, model_id)"
                " SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM models WHERE norm = ?)",
                (norm, alias, model_id, norm),
            )
            added["aliases"] += cursor.rowcount
            if not cursor.rowcount:
                await self._report_alias_clash(res, model, alias, model_id)

    async def _report_alias_clash(
        self, res: _Resolver, model: ModelRec, alias: str, model_id: int
    ) -> None:
        """An alias that was not added because another model is called that, or has it."""
        norm = normalize(alias)
        row = await self.db.fetchone(
            "SELECT id, name FROM models WHERE id = (SELECT id FROM models WHERE norm = ?"
            " UNION ALL SELECT model_id FROM model_aliases WHERE norm = ? LIMIT 1)",
            (norm, norm),
        )
        if row is not None and row["id"] != model_id:
            res.skipped.append(
                SkippedRow(
                    f"model {model.name}",
                    f"alias '{alias}' not added: it already means {row['name']}",
                )
            )

    async def _apply_claims(self, res: _Resolver, batch: Batch, added: Counter[str]) -> None:
        for claim in batch.claims:
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO model_claims"
                "(model_id, field, value, source_id, url, as_of, self_reported, note)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    await res.model(claim.model),
                    claim.field,
                    claim.value,
                    *await _prov(res, claim.prov),
                ),
            )
            added["facts"] += cursor.rowcount
        for lc in batch.license_claims:
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO license_claims(model_id, license_id, openness, commercial,"
                " source_id, url, as_of, self_reported, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    await res.model(lc.model),
                    lc.license,
                    lc.openness,
                    _tristate(lc.commercial),
                    *await _prov(res, lc.prov),
                ),
            )
            added["license claims"] += cursor.rowcount
        await self._check_scores(res, batch)
        for score in batch.scores:
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO scores(model_id, benchmark_id, value, source_id, url,"
                " as_of, self_reported, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    await res.model(score.model),
                    await res.benchmark(score.benchmark),
                    score.value,
                    *await _prov(res, score.prov),
                ),
            )
            added["scores"] += cursor.rowcount
        for event in batch.events:
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO events(kind, date, title, detail, model_id, org_id,"
                " source_id, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event.kind,
                    event.date,
                    event.title,
                    event.detail,
                    await res.model(event.model) if event.model else None,
                    await res.org(event.org) if event.org else None,
                    await res.source(event.prov.source),
                    event.prov.url,
                ),
            )
            added["events"] += cursor.rowcount

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

    # ---- reads: whole-catalog -------------------------------------------------------------

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

    async def name_entries(self) -> list[Row]:
        """Every model with its organisation and aliases, for the in-memory name index."""
        return await self.db.fetchall(
            "SELECT m.id, m.name, m.family, o.name AS org,"
            " (SELECT group_concat(alias, char(31)) FROM model_aliases a WHERE a.model_id = m.id)"
            " AS aliases,"
            " (SELECT MAX(value) FROM model_claims c WHERE c.model_id = m.id"
            "  AND c.field = 'release_date') AS released"
            " FROM models m LEFT JOIN organisations o ON o.id = m.org_id"
        )

    async def benchmark_entries(self) -> list[Row]:
        return await self.db.fetchall(
            "SELECT b.id, b.name, b.unit, b.higher_is_better, b.description,"
            " (SELECT COUNT(DISTINCT model_id) FROM scores s WHERE s.benchmark_id = b.id) AS models,"
            " (SELECT group_concat(norm, char(31)) FROM benchmark_aliases a"
            "  WHERE a.benchmark_id = b.id) AS aliases"
            " FROM benchmarks b"
        )

    async def benchmark(self, benchmark_id: int) -> Row | None:
        return await self.db.fetchone("SELECT * FROM benchmarks WHERE id = ?", (benchmark_id,))

    async def sources(self) -> list[Row]:
        return await self.db.fetchall(
            "SELECT s.*,"
            " (SELECT COUNT(*) FROM model_claims c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM license_claims c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM scores c WHERE c.source_id = s.id)"
            " + (SELECT COUNT(*) FROM events c WHERE c.source_id = s.id) AS facts"
            " FROM sources s ORDER BY s.kind, s.name"
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

    # ---- reads: one model -----------------------------------------------------------------

    async def find_model_id(self, norm: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT id FROM models WHERE norm = ?"
            " UNION ALL SELECT model_id FROM model_aliases WHERE norm = ? LIMIT 1",
            (norm, norm),
        )
        return None if row is None else row[0]

    async def model(self, model_id: int) -> Row | None:
        return await self.db.fetchone(
            "SELECT m.id, m.name, m.family, m.family_norm, o.name AS org"
            " FROM models m LEFT JOIN organisations o ON o.id = m.org_id WHERE m.id = ?",
            (model_id,),
        )

    async def aliases(self, model_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT alias FROM model_aliases WHERE model_id = ? ORDER BY alias", (model_id,)
        )
        return [r[0] for r in rows]

    async def variants(self, family_norm: str, exclude_id: int) -> list[Row]:
        return await self.db.fetchall(
            "SELECT id, name FROM models WHERE family_norm = ? AND id != ? ORDER BY name",
            (family_norm, exclude_id),
        )

    async def model_claims(self, model_id: int) -> list[Row]:
        return await self.db.fetchall(
            f"SELECT c.field, c.value, {_SOURCE_COLUMNS} FROM model_claims c"
            " JOIN sources s ON s.id = c.source_id WHERE c.model_id = ? ORDER BY c.id",
            (model_id,),
        )

    async def license_claims(self, model_id: int) -> list[Row]:
        return await self.db.fetchall(
            f"SELECT c.license_id, l.name AS license_name, l.spdx, c.openness, c.commercial,"
            f" {_SOURCE_COLUMNS} FROM license_claims c JOIN sources s ON s.id = c.source_id"
            " LEFT JOIN licenses l ON l.id = c.license_id WHERE c.model_id = ? ORDER BY c.id",
            (model_id,),
        )

    async def model_scores(self, model_ids: list[int]) -> list[Row]:
        marks = ",".join("?" * len(model_ids))
        return await self.db.fetchall(
            f"SELECT c.model_id, c.value, b.id AS benchmark_id, b.name AS benchmark, b.unit,"
            f" b.higher_is_better, {_SOURCE_COLUMNS},"
            " (SELECT COUNT(DISTINCT model_id) FROM scores x WHERE x.benchmark_id = b.id)"
            " AS popularity"
            " FROM scores c JOIN benchmarks b ON b.id = c.benchmark_id"
            f" JOIN sources s ON s.id = c.source_id WHERE c.model_id IN ({marks}) ORDER BY c.id",
            model_ids,
        )

    async def model_events(self, model_id: int) -> list[Row]:
        return await self.db.fetchall(
            f"SELECT c.kind, c.date, c.title, c.detail, {_EVENT_SOURCE_COLUMNS} FROM events c"
            " JOIN sources s ON s.id = c.source_id WHERE c.model_id = ?"
            " ORDER BY c.date IS NULL, c.date",
            (model_id,),
        )

    # ---- reads: benchmarks, licenses, search ----------------------------------------------

    async def benchmark_scores(self, benchmark_id: int) -> list[Row]:
        return await self.db.fetchall(
            f"SELECT c.model_id, m.name AS model, c.value, {_SOURCE_COLUMNS},"
            " (SELECT group_concat(DISTINCT openness) FROM license_claims lc"
            "  WHERE lc.model_id = c.model_id) AS openness"
            " FROM scores c JOIN models m ON m.id = c.model_id"
            " JOIN sources s ON s.id = c.source_id WHERE c.benchmark_id = ?",
            (benchmark_id,),
        )

    async def find_license(self, norm: str) -> Row | None:
        return await self.db.fetchone(
            "SELECT * FROM licenses WHERE norm = ? OR id IN"
            " (SELECT license_id FROM license_aliases WHERE norm = ?) LIMIT 1",
            (norm, norm),
        )

    async def licenses(self) -> list[Row]:
        return await self.db.fetchall("SELECT * FROM licenses ORDER BY name")

    async def models_by_license(self, license_id: str) -> list[Row]:
        return await self.db.fetchall(
            f"SELECT m.name AS model, {_SOURCE_COLUMNS} FROM license_claims c"
            " JOIN models m ON m.id = c.model_id JOIN sources s ON s.id = c.source_id"
            " WHERE c.license_id = ? ORDER BY m.name",
            (license_id,),
        )

    async def models_by_openness(self, openness: str) -> list[Row]:
        return await self.db.fetchall(
            f"SELECT m.name AS model, {_SOURCE_COLUMNS} FROM license_claims c"
            " JOIN models m ON m.id = c.model_id JOIN sources s ON s.id = c.source_id"
            " WHERE c.openness = ? ORDER BY m.name",
            (openness,),
        )

    async def search_organisations(self, norm: str) -> list[Row]:
        """Organisations whose name or an alias contains the normalised text `norm`."""
        pattern = _containing(norm)
        return await self.db.fetchall(
            "SELECT o.id, o.name, (SELECT COUNT(*) FROM models m WHERE m.org_id = o.id) AS models"
            " FROM organisations o WHERE o.norm LIKE ? ESCAPE '\\' OR o.id IN"
            " (SELECT org_id FROM organisation_aliases WHERE norm LIKE ? ESCAPE '\\')"
            " ORDER BY models DESC LIMIT 25",
            (pattern, pattern),
        )

    async def search_events(self, text: str) -> list[Row]:
        """Events whose title or detail contains `text`, newest first."""
        pattern = _containing(text)
        return await self.db.fetchall(
            f"SELECT c.kind, c.date, c.title, m.name AS model, {_EVENT_SOURCE_COLUMNS} FROM events c"
            " LEFT JOIN models m ON m.id = c.model_id JOIN sources s ON s.id = c.source_id"
            " WHERE c.title LIKE ? ESCAPE '\\' OR c.detail LIKE ? ESCAPE '\\'"
            " ORDER BY c.date DESC LIMIT 50",
            (pattern, pattern),
        )


# The provenance columns every claim query returns (claims are aliased `c`, sources `s`).
_SOURCE_COLUMNS = (
    "s.key AS source_key, s.name AS source_name, s.kind AS source_kind, s.outlet,"
    " s.credit, s.published, c.url, c.as_of, c.self_reported, c.note"
)
_EVENT_SOURCE_COLUMNS = (
    "s.key AS source_key, s.name AS source_name, s.kind AS source_kind, s.outlet,"
    " s.credit, s.published, c.url, NULL AS as_of, 0 AS self_reported, NULL AS note"
)


def _containing(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching values that contain `text` literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _prov(res: _Resolver, prov: Provenance) -> tuple[Any, ...]:
    return (await res.source(prov.source), prov.url, prov.as_of, int(prov.self_reported), prov.note)


def _tristate(value: bool | None) -> int | None:
    return None if value is None else int(value)


class CatalogExport:
    """Reads for exporting the catalog as YAML; `curated_only` keeps curators' claims only."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claims(self, curated_only: bool) -> dict[str, list[Row]]:
        where = " AND s.kind = 'curator'" if curated_only else ""
        facts = await self.db.fetchall(
            f"SELECT c.model_id, c.field, c.value, {_SOURCE_COLUMNS} FROM model_claims c"
            f" JOIN sources s ON s.id = c.source_id WHERE 1 = 1{where} ORDER BY c.id"
        )
        licenses = await self.db.fetchall(
            f"SELECT c.model_id, l.name AS license_name, c.openness, {_SOURCE_COLUMNS} FROM license_claims c"
            f" JOIN sources s ON s.id = c.source_id LEFT JOIN licenses l ON l.id = c.license_id"
            f" WHERE 1 = 1{where} ORDER BY c.id"
        )
        scores = await self.db.fetchall(
            f"SELECT c.model_id, b.name AS benchmark, c.value, {_SOURCE_COLUMNS} FROM scores c"
            f" JOIN benchmarks b ON b.id = c.benchmark_id JOIN sources s ON s.id = c.source_id"
            f" WHERE 1 = 1{where} ORDER BY c.id"
        )
        events = await self.db.fetchall(
            f"SELECT c.kind, c.date, c.title, c.detail, m.name AS model, o.name AS org,"
            f" {_EVENT_SOURCE_COLUMNS} FROM events c JOIN sources s ON s.id = c.source_id"
            f" LEFT JOIN models m ON m.id = c.model_id LEFT JOIN organisations o ON o.id = c.org_id"
            f" WHERE 1 = 1{where} ORDER BY c.id"
        )
        return {"facts": facts, "licenses": licenses, "scores": scores, "events": events}

    async def models(self, ids: list[int] | None) -> list[Row]:
        """Models (all, or these ids) with organisation, family and aliases."""
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, m.family, o.name AS org,"
            " (SELECT group_concat(alias, char(31)) FROM (SELECT alias FROM model_aliases a"
            "  WHERE a.model_id = m.id ORDER BY a.rowid)) AS aliases"
            " FROM models m LEFT JOIN organisations o ON o.id = m.org_id ORDER BY m.id"
        )
        return rows if ids is None else [r for r in rows if r["id"] in set(ids)]

    async def sources(self) -> list[Row]:
        return await self.db.fetchall("SELECT * FROM sources ORDER BY id")

    async def organisations(self) -> list[Row]:
        return await self.db.fetchall(
            "SELECT o.name, o.country, (SELECT group_concat(alias, char(31)) FROM (SELECT alias"
            " FROM organisation_aliases a WHERE a.org_id = o.id ORDER BY a.rowid)) AS aliases"
            " FROM organisations o ORDER BY o.id"
        )

    async def benchmarks(self) -> list[Row]:
        return await self.db.fetchall(
            "SELECT b.name, b.unit, b.higher_is_better, b.description, (SELECT group_concat(norm,"
            " char(31)) FROM (SELECT norm FROM benchmark_aliases a WHERE a.benchmark_id = b.id"
            " ORDER BY a.rowid)) AS aliases FROM benchmarks b ORDER BY b.id"
        )
