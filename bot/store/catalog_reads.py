"""The catalog's read queries behind every lookup, answered as typed records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.vocab import ANNOUNCE_PREFIX
from bot.store.backends import AnyDatabase
from bot.store.catalog_records import (
    BenchmarkEntry,
    BenchmarkInfo,
    BenchmarkScore,
    BoardRank,
    BoardSetting,
    EventRecord,
    FactClaim,
    LicenseClaimRecord,
    LicensedModel,
    LicenseRecord,
    ModelInfo,
    ModelName,
    ModelScore,
    OpennessCount,
    OrgMatch,
    ProvisionalRecord,
    SearchHit,
    SnapshotInfo,
    SourceRecord,
    SourceRef,
    SourceWithFacts,
)
from bot.store.db import off_loop

# The provenance columns every claim query returns (claims are aliased `c`, sources `s`).
SOURCE_COLUMNS = (
    "s.key AS source_key, s.name AS source_name, s.kind AS source_kind, s.outlet,"
    " s.credit, s.published, c.url, c.as_of, c.self_reported, c.note,"
    " c.qualifier"
)
_EVENT_SOURCE_COLUMNS = (
    "s.key AS source_key, s.name AS source_name, s.kind AS source_kind, s.outlet,"
    " s.credit, s.published, c.url, NULL AS as_of, 0 AS self_reported, NULL AS note,"
    " NULL AS qualifier"
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
    "SELECT c.model_id, c.value, c.setting, c.setting_key, c.ci_low, c.ci_high,"
    " b.id AS benchmark_id,"
    f" b.name AS benchmark, b.unit, b.higher_is_better, {SOURCE_COLUMNS},"
    f" {_POPULARITY} AS popularity"
    " FROM scores c JOIN benchmarks b ON b.id = c.benchmark_id"
    " JOIN sources s ON s.id = c.source_id WHERE c.model_id IN ({marks}) ORDER BY c.id"
)  # how the queries join aliases (group_concat with char(31))


ANNOUNCE_LIKE = ANNOUNCE_PREFIX + "%"
_OTHER_SOURCE = (
    "SELECT 1 FROM {table} o JOIN sources os ON os.id = o.source_id"
    " WHERE o.model_id = m.id AND os.key NOT LIKE ?1"
)
# Models with an announcement's claim and no claim of another source, each with its first
# announcement (the lowest source id: the earliest ingested).
PROVISIONAL_SQL = (
    "SELECT m.id, m.name, s.published, s.url, s.name AS title FROM models m"
    " JOIN sources s ON s.id = (SELECT MIN(c.source_id) FROM model_claims c"
    " JOIN sources cs ON cs.id = c.source_id WHERE c.model_id = m.id AND cs.key LIKE ?1)"
    " WHERE "
    + " AND ".join(
        f"NOT EXISTS ({_OTHER_SOURCE.format(table=t)})"
        for t in ("model_claims", "license_claims", "scores")
    )
)


def provisional_record(row: Any) -> ProvisionalRecord:
    return ProvisionalRecord(row[0], row[1], row[2], row[3], row[4])


def split_aliases(joined: str | None) -> tuple[str, ...]:
    """Aliases as the queries join them (unit separator)."""
    return tuple(joined.split(_SEPARATOR)) if joined else ()


def tristate(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def score_interval(row: Any) -> tuple[float, float] | None:
    """A score row's own interval (ci_low, ci_high), if its source gave one."""
    if row["ci_low"] is None or row["ci_high"] is None:
        return None
    return (row["ci_low"], row["ci_high"])


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
        qualifier=row["qualifier"],
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


_SEARCH_KINDS = {0: "model", 1: "model", 2: "organisation", 3: "organisation", 4: "event"}
# catalog_search rowids encode what they name (migration 0012): id * 8 + kind.
_SEARCH_HITS = (
    "WITH hits AS (SELECT rowid AS rid, body, bm25(catalog_search) AS rank FROM catalog_search"
    " WHERE catalog_search MATCH ? ORDER BY rank LIMIT ?)"
    " SELECT rid % 8 AS kind, body, rank, CASE rid % 8"
    " WHEN 1 THEN (SELECT model_id FROM model_aliases WHERE rowid = rid / 8)"
    " WHEN 3 THEN (SELECT org_id FROM organisation_aliases WHERE rowid = rid / 8)"
    " ELSE rid / 8 END AS ref FROM hits"
)
# PostgreSQL (baseline 0025): catalog_search.doc is the tsvector of rr_search_text(body), FTS5's
# unicode61 / remove_diacritics folding. Each word becomes prefix terms ANDed (a word that folds
# to several tokens, like FTS5's quoted phrase), the words ORed, as match_any. rr_search_text
# leaves no punctuation, so a token quoted '...' is never read as tsquery syntax. Ranked by
# ts_rank with length normalisation (rank / (1 + log length): shorter bodies first, as bm25),
# negated so that smaller is better, as bm25's; ties in rowid order.
SEARCH_HITS_PG = (
    "WITH terms AS (SELECT w.n, string_agg('''' || t.token || ''':*', ' & ') AS term"
    " FROM unnest(?::text[]) WITH ORDINALITY AS w(word, n),"
    " regexp_split_to_table(btrim(rr_search_text(w.word)), '\\s+') AS t(token)"
    " WHERE t.token <> '' GROUP BY w.n),"
    " q AS (SELECT to_tsquery('simple', string_agg('(' || term || ')', ' | ')) AS query"
    " FROM terms),"
    " hits AS (SELECT s.rowid AS rid, s.body, -ts_rank(s.doc, q.query, 1) AS rank"
    " FROM catalog_search s, q WHERE s.doc @@ q.query ORDER BY rank, s.rowid LIMIT ?)"
    " SELECT rid % 8 AS kind, body, rank, CASE rid % 8"
    " WHEN 1 THEN (SELECT model_id FROM model_aliases WHERE rowid = rid / 8)"
    " WHEN 3 THEN (SELECT org_id FROM organisation_aliases WHERE rowid = rid / 8)"
    " ELSE rid / 8 END AS ref FROM hits"
)
_RELEASED = (
    "(SELECT MAX(value) FROM model_claims c WHERE c.model_id = m.id AND c.field = 'release_date')"
)


def match_any(words: list[str]) -> str:
    """An FTS5 query matching rows with a word starting with any of `words` (quoted, so the
    words are never read as FTS5 syntax)."""
    return " OR ".join('"{}"*'.format(w.replace('"', '""')) for w in words)


def containing(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching values that contain `text` literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _board_filter(
    benchmark_id: int, setting_key: str, openness: tuple[str, ...] | None
) -> tuple[str, list[Any]]:
    """The WHERE clause (scores aliased `c`) of one leaderboard, with its parameters."""
    where = "c.benchmark_id = ? AND c.setting_key = ?"
    params: list[Any] = [benchmark_id, setting_key]
    if openness is not None:
        marks = ",".join("?" * len(openness))
        where += (
            " AND EXISTS (SELECT 1 FROM license_claims lc WHERE lc.model_id = c.model_id"
            f" AND lc.openness IN ({marks}))"
        )
        params += openness
    return where, params


class CatalogReads:
    """The catalog's read queries; callers get typed records, never rows or SQL."""

    def __init__(self, db: AnyDatabase) -> None:
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

    async def name_entries(self, page: int = 5000) -> list[ModelName]:
        """Every model with its organisation and aliases, for the in-memory name index.

        Read a page at a time (by id), and each page turned into records in a worker thread:
        at 100,000 models doing that on the event loop held it up for 300 ms."""
        out: list[ModelName] = []
        last = -1
        while True:
            rows = await self.db.fetchall(
                "SELECT m.id, m.name, m.family, o.name AS org,"
                " (SELECT group_concat(alias, char(31)) FROM model_aliases a"
                "  WHERE a.model_id = m.id) AS aliases,"
                " (SELECT MAX(value) FROM model_claims c WHERE c.model_id = m.id"
                "  AND c.field = 'release_date') AS released"
                " FROM models m LEFT JOIN organisations o ON o.id = m.org_id"
                " WHERE m.id > ? ORDER BY m.id LIMIT ?",
                (last, page),
            )
            out.extend(await off_loop(rows, _model_name))
            if len(rows) < page:
                return out
            last = rows[-1]["id"]

    async def organisation_aliases(self) -> dict[str, str]:
        """Every organisation alias -> the organisation's name, for the name index."""
        rows = await self.db.fetchall(
            "SELECT a.alias, o.name FROM organisation_aliases a"
            " JOIN organisations o ON o.id = a.org_id"
        )
        return {r["alias"]: r["name"] for r in rows}

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

    async def provisional(self, model_id: int) -> ProvisionalRecord | None:
        """The model's first announcement if only announcements speak of it (see
        `ANNOUNCE_PREFIX`), else None."""
        rows = await self.db.fetchall(PROVISIONAL_SQL + " AND m.id = ?", (ANNOUNCE_LIKE, model_id))
        return provisional_record(rows[0]) if rows else None

    async def model(self, model_id: int) -> ModelInfo | None:
        row = await self.db.fetchone(
            "SELECT m.id, m.name, m.family, m.family_norm, o.name AS org, p.name AS parent,"
            " m.snapshot, m.parent_id FROM models m LEFT JOIN organisations o ON o.id = m.org_id"
            " LEFT JOIN models p ON p.id = m.parent_id WHERE m.id = ?",
            (model_id,),
        )
        if row is None:
            return None
        return ModelInfo(
            row["id"],
            row["name"],
            row["family"],
            row["family_norm"],
            row["org"],
            row["parent"],
            row["snapshot"],
            row["parent_id"],
        )

    async def snapshots(self, model_id: int) -> list[SnapshotInfo]:
        """The model's dated snapshots, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, name, snapshot FROM models WHERE parent_id = ?"
            " ORDER BY snapshot IS NULL, snapshot, id",
            (model_id,),
        )
        return [SnapshotInfo(r["id"], r["name"], r["snapshot"]) for r in rows]

    async def aliases(self, model_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT alias FROM model_aliases WHERE model_id = ? ORDER BY alias", (model_id,)
        )
        return [r[0] for r in rows]

    async def variants(self, family_norm: str, exclude_id: int) -> list[str]:
        """The names of the family's other models (not their snapshots)."""
        rows = await self.db.fetchall(
            "SELECT name FROM models WHERE family_norm = ? AND id != ? AND parent_id IS NULL"
            " ORDER BY name",
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
                r["setting"],
                r["setting_key"],
                score_interval(r),
            )
            for r in rows
        ]

    async def model_events(self, model_id: int) -> list[EventRecord]:
        rows = await self.db.fetchall(
            f"{EVENT_SELECT} WHERE c.model_id = ? ORDER BY c.date IS NULL, c.date", (model_id,)
        )
        return [event_record(r) for r in rows]

    # ---- benchmarks, licenses, search -----------------------------------------------------

    async def board_settings(self, benchmark_id: int) -> list[BoardSetting]:
        """The settings the benchmark's scores were measured under, the most widely used first."""
        rows = await self.db.fetchall(
            "SELECT setting_key, COUNT(DISTINCT model_id) AS models FROM scores"
            " WHERE benchmark_id = ? GROUP BY setting_key ORDER BY models DESC, setting_key",
            (benchmark_id,),
        )
        return [BoardSetting(r["setting_key"], r["models"]) for r in rows]

    async def board_rank(
        self,
        benchmark_id: int,
        setting_key: str,
        higher_is_better: bool,
        openness: tuple[str, ...] | None,
        limit: int,
        count: bool = True,
    ) -> BoardRank:
        """The `limit` best models on one benchmark and setting (each by its best claim), ranked
        in SQL, optionally only models with a license claim in one of the `openness` classes.

        The scores are read best first along the `scores_board` index and stop once `limit`
        models are found (a model with several claims takes several rows, so a few more rows
        than `limit` are read, doubling until enough): the work grows with `limit`, not with
        how many models the benchmark has. With `count` False the total is not counted
        (a caller that knows it from `board_settings`) and is 0."""
        where, params = _board_filter(benchmark_id, setting_key, openness)
        order = "DESC" if higher_is_better else "ASC"
        found: dict[int, None] = {}
        rows_wanted = limit * 2
        while True:
            rows = await self.db.fetchall(
                f"SELECT c.model_id FROM scores c WHERE {where}"
                f" ORDER BY c.value {order}, c.id LIMIT ?",
                (*params, rows_wanted),
            )
            found = dict.fromkeys(r["model_id"] for r in rows)
            if len(found) >= limit or len(rows) < rows_wanted:
                break
            rows_wanted *= 4
        total = 0
        if count:
            row = await self.db.fetchrow(
                f"SELECT COUNT(DISTINCT c.model_id) FROM scores c WHERE {where}", params
            )
            total = int(row[0])
        return BoardRank(tuple(found)[:limit], total)

    async def board_claims(
        self, benchmark_id: int, setting_key: str, model_ids: Sequence[int]
    ) -> list[BenchmarkScore]:
        """Every claim of these models on one benchmark and setting, with openness classes."""
        marks = ",".join("?" * len(model_ids))
        rows = await self.db.fetchall(
            "SELECT c.model_id, m.name AS model, c.value, c.setting, c.ci_low, c.ci_high,"
            f" {SOURCE_COLUMNS},"
            " (SELECT group_concat(DISTINCT openness) FROM license_claims lc"
            "  WHERE lc.model_id = c.model_id) AS openness"
            " FROM scores c JOIN models m ON m.id = c.model_id"
            " JOIN sources s ON s.id = c.source_id WHERE c.benchmark_id = ? AND c.setting_key = ?"
            f" AND c.model_id IN ({marks}) ORDER BY c.id",
            (benchmark_id, setting_key, *model_ids),
        )
        return [
            BenchmarkScore(
                r["model_id"],
                r["model"],
                r["value"],
                tuple(c for c in (r["openness"] or "").split(",") if c),
                source_ref(r),
                r["setting"],
                score_interval(r),
            )
            for r in rows
        ]

    async def openness_counts(self, model_ids: Sequence[int]) -> list[OpennessCount]:
        """How many license claims put each of these models in each openness class."""
        marks = ",".join("?" * len(model_ids))
        rows = await self.db.fetchall(
            "SELECT model_id, openness, COUNT(*) AS claims FROM license_claims"
            f" WHERE model_id IN ({marks}) GROUP BY model_id, openness ORDER BY model_id, openness",
            tuple(model_ids),
        )
        return [OpennessCount(r["model_id"], r["openness"], r["claims"]) for r in rows]

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

    async def models_by_openness(self, *classes: str) -> list[LicensedModel]:
        """Models with a license claim in any of these openness classes."""
        return await self._licensed(f"c.openness IN ({','.join('?' * len(classes))})", *classes)

    async def _licensed(self, where: str, *values: str) -> list[LicensedModel]:
        rows = await self.db.fetchall(
            f"SELECT m.name AS model, c.openness, c.license_id, {SOURCE_COLUMNS}"
            " FROM license_claims c"
            " JOIN models m ON m.id = c.model_id JOIN sources s ON s.id = c.source_id"
            f" WHERE {where} ORDER BY m.name",
            values,
        )
        return [
            LicensedModel(r["model"], source_ref(r), r["openness"], r["license_id"]) for r in rows
        ]

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

    async def search_hits(self, words: list[str], limit: int = 200) -> list[SearchHit]:
        """Models, organisations and events with a word starting with one of `words`, best
        FTS5 rank first."""
        if not words:
            return []
        if self.db.dialect == "postgresql":
            rows = await self.db.fetchall(SEARCH_HITS_PG, (list(words), limit))
        else:
            rows = await self.db.fetchall(_SEARCH_HITS, (match_any(words), limit))
        return [
            SearchHit(_SEARCH_KINDS[r["kind"]], r["ref"], r["body"], r["rank"])
            for r in rows
            if r["ref"] is not None
        ]

    async def models_by_ids(self, ids: list[int]) -> list[ModelInfo]:
        """The models with these ids (any order)."""
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, m.family, m.family_norm, o.name AS org FROM models m"
            f" LEFT JOIN organisations o ON o.id = m.org_id WHERE m.id IN ({marks})",
            ids,
        )
        return [
            ModelInfo(r["id"], r["name"], r["family"], r["family_norm"], r["org"]) for r in rows
        ]

    async def organisation_models(self, org_ids: list[int], limit: int) -> list[ModelInfo]:
        """The organisations' models, latest release first (undated last)."""
        marks = ",".join("?" * len(org_ids))
        rows = await self.db.fetchall(
            "SELECT m.id, m.name, m.family, m.family_norm, o.name AS org"
            f" FROM models m JOIN organisations o ON o.id = m.org_id WHERE m.org_id IN ({marks})"
            f" ORDER BY {_RELEASED} IS NULL, {_RELEASED} DESC, m.name LIMIT ?",
            [*org_ids, limit],
        )
        return [
            ModelInfo(r["id"], r["name"], r["family"], r["family_norm"], r["org"]) for r in rows
        ]

    async def organisations_by_ids(self, ids: list[int]) -> list[OrgMatch]:
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            "SELECT o.id, o.name, (SELECT COUNT(*) FROM models m WHERE m.org_id = o.id) AS models"
            f" FROM organisations o WHERE o.id IN ({marks})",
            ids,
        )
        return [OrgMatch(r["id"], r["name"], r["models"]) for r in rows]

    async def events_by_ids(self, ids: list[int]) -> dict[int, EventRecord]:
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"{EVENT_SELECT.replace('SELECT ', 'SELECT c.id AS event_id, ', 1)}"
            f" WHERE c.id IN ({marks})",
            ids,
        )
        return {r["event_id"]: event_record(r) for r in rows}

    async def organisation_events(self, org_ids: list[int], limit: int) -> dict[int, EventRecord]:
        """The organisations' events (theirs or their models'), newest first (undated last)."""
        marks = ",".join("?" * len(org_ids))
        rows = await self.db.fetchall(
            f"{EVENT_SELECT.replace('SELECT ', 'SELECT c.id AS event_id, ', 1)}"
            f" WHERE c.org_id IN ({marks}) OR m.org_id IN ({marks})"
            " ORDER BY c.date IS NULL, c.date DESC, c.id LIMIT ?",
            [*org_ids, *org_ids, limit],
        )
        return {r["event_id"]: event_record(r) for r in rows}

    async def search_events(self, text: str) -> list[EventRecord]:
        """Events whose title or detail contains `text`, newest first."""
        pattern = containing(text)
        rows = await self.db.fetchall(
            f"{EVENT_SELECT} WHERE c.title LIKE ? ESCAPE '\\' OR c.detail LIKE ? ESCAPE '\\'"
            " ORDER BY c.date DESC LIMIT 50",
            (pattern, pattern),
        )
        return [event_record(r) for r in rows]


def _model_name(row: Any) -> ModelName:
    return ModelName(
        row["id"],
        row["name"],
        row["family"],
        row["org"],
        split_aliases(row["aliases"]),
        row["released"],
    )
