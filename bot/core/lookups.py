"""The catalog's questions and answers: model facts, licenses, comparisons, leaderboards, search.

Everything here speaks in core results (`bot.core.results`); no Discord, no formatting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import combinations
from typing import TypeVar

from bot.core.catalog_reader import CatalogReader
from bot.core.errors import UserError
from bot.core.identity import vendor_stripped
from bot.core.index import Match, NameEntry, NameIndex, keep_out_of_collections, paused_collection
from bot.core.licenses import parse_openness
from bot.core.names import benchmark_key, clean_text, normalize
from bot.core.results import (
    About,
    Claim,
    CompareRow,
    Comparison,
    EventItem,
    FactGroup,
    FactRow,
    Leaderboard,
    LeaderRow,
    LicenseClaim,
    LicenseListing,
    MatchInfo,
    ModelLicenses,
    ModelReport,
    ScoreClaim,
    SearchResults,
    SourceRef,
    SourceSummary,
)
from bot.core.scores import MAX_SETTING, describe_setting, parse_setting
from bot.core.search import search as search_catalog
from bot.core.vocab import FACT_FIELDS, NUMERIC_FIELDS, Openness
from bot.store.catalog_records import (
    BenchmarkEntry,
    BoardSetting,
    EventRecord,
    FactClaim,
    LicenseClaimRecord,
    ModelName,
    ModelScore,
    SnapshotInfo,
    SourceRecord,
)

MAX_NAME = 100
MAX_QUERY = 100
HEADLINE_SCORES = 5
LEADERBOARD_MAX = 25
# The facts /compare sets side by side when the models share no benchmark.
COMPARE_FIELDS = (
    "release_date",
    "status",
    "modality",
    "params",
    "active_params",
    "context_window",
    "output_context",
)

_T = TypeVar("_T")
_SOURCE_RANK = {"curator": 0, "article": 1, "vendor": 2, "dataset": 3, "feed": 4}


def clean_query(text: str | None, what: str, limit: int = MAX_QUERY) -> str:
    """User text made safe to match: invisible characters dropped, length checked."""
    cleaned = clean_text(text or "")
    if not normalize(cleaned):
        raise UserError("Please give a {} (letters or digits).", what)
    if len(cleaned) > limit:
        raise UserError(
            "That {} is {} characters long; the limit is {}.", what, f"{len(cleaned):,}", limit
        )
    return cleaned


def _indexes(
    rows: Sequence[ModelName],
    bench_rows: Sequence[BenchmarkEntry],
    org_aliases: dict[str, str] | None = None,
) -> tuple[NameIndex, NameIndex]:
    """The model and benchmark name indexes of the store's name records (in a worker thread).

    Cyclic garbage collection is paused meanwhile: the build makes hundreds of thousands of
    acyclic objects, and each full collection they trigger would hold the interpreter, and
    so the event loop, for a long moment."""
    with paused_collection():
        return _build_indexes(rows, bench_rows, org_aliases)


def _build_indexes(
    rows: Sequence[ModelName],
    bench_rows: Sequence[BenchmarkEntry],
    org_aliases: dict[str, str] | None,
) -> tuple[NameIndex, NameIndex]:
    models = NameIndex(
        (NameEntry(r.id, r.name, r.org, r.family, r.released, r.aliases) for r in rows),
        org_aliases,
    )
    benchmarks = NameIndex(NameEntry(r.id, r.name, aliases=r.aliases) for r in bench_rows)
    return models, benchmarks


def _identity_keys(index: NameIndex) -> dict[str, NameEntry]:
    """Each benchmark's names and aliases by identity key (`benchmark_key`), for exact hits the
    fuzzy index cannot tell apart."""
    keys: dict[str, NameEntry] = {}
    for entry in index.entries:
        for name in (entry.name, *entry.aliases):
            keys.setdefault(benchmark_key(name), entry)
    return keys


class Lookups:
    """Read-side of the catalog. Call `refresh()` after the catalog changes."""

    def __init__(self, store: CatalogReader) -> None:
        self.store = store
        self.models = NameIndex(())
        self.benchmarks = NameIndex(())
        self.benchmark_ids: dict[str, NameEntry] = {}  # benchmark identity key -> its entry
        # /about's counts (whole-table counts: half a second at 100k models), until the next
        # refresh; `_generation` tells an answer computed across a refresh from a fresh one.
        self._about: About | None = None
        self._generation = 0

    async def refresh(self) -> None:
        """Rebuild the in-memory name indexes from the store. The indexes are built in a
        worker thread: with tens of thousands of models that takes seconds, and the bot
        answers other commands meanwhile."""
        self._generation += 1
        self._about = None
        rows = await self.store.name_entries()
        bench_rows = sorted(await self.store.benchmark_entries(), key=lambda r: -r.models)
        org_aliases = await self.store.organisation_aliases()
        built = await asyncio.to_thread(_indexes, rows, bench_rows, org_aliases)
        old = [self.models, self.benchmarks]
        self.models, self.benchmarks = built
        self.benchmark_ids = _identity_keys(self.benchmarks)
        # The old indexes' last references go in the worker too: freeing 100,000 entries
        # on the event loop would stall it.
        await asyncio.to_thread(old.clear)
        keep_out_of_collections()

    # ---- resolution ---------------------------------------------------------------------

    def resolve_model(self, text: str | None) -> tuple[NameEntry, MatchInfo]:
        query = clean_query(text, "model name", MAX_NAME)
        vendor = self._vendor_id(query)
        if vendor is not None:
            return vendor, MatchInfo(query, vendor.name, True)
        return _resolved(
            query, self.models.resolve(query), "model", "Try `/search` with part of the name."
        )

    def _vendor_id(self, query: str) -> NameEntry | None:
        """The model a deployment id names ('bedrock/anthropic.claude-opus-4-6-v1'), when the
        text is not itself a name."""
        if self.models.exact(query) is not None:
            return None
        stripped = vendor_stripped(query)
        return self.models.exact(stripped) if stripped != query else None

    def resolve_benchmark(self, text: str | None) -> tuple[NameEntry, MatchInfo]:
        query = clean_query(text, "benchmark name", MAX_NAME)
        same = self.benchmark_ids.get(benchmark_key(query))
        if same is not None:  # 'HumanEval+' is HumanEval+, though it normalises as HumanEval
            return same, MatchInfo(query, same.name, True)
        match = self.benchmarks.resolve(query)
        if match is not None and not match.exact and match.score < 80:
            hint = ", ".join(e.name for e in (match.entry, *match.alternatives)[:5])
            raise UserError("Unknown benchmark '{}'. Did you mean: {}?", query, hint)
        return _resolved(query, match, "benchmark", "Pick one from the autocomplete list.")

    # ---- /model -------------------------------------------------------------------------

    async def model(self, name: str | None) -> ModelReport:
        entry, match = self.resolve_model(name)
        report = await self.report(entry.id, match)
        if report is None:  # removed since the index was built
            raise UserError("'{}' is no longer in the catalog.", entry.name)
        return report

    async def report(self, model_id: int, match: MatchInfo | None = None) -> ModelReport | None:
        """Everything the catalog holds about one model, with sources; None if it is gone."""
        row = await self.store.model(model_id)
        if row is None:
            return None
        match = match or MatchInfo(row.name, row.name, True)
        claims = await self.store.model_claims(model_id)
        snapshots = await self.store.snapshots(model_id)
        license_rows = await self._model_view_licenses(model_id, snapshots)
        score_rows = await self._model_view_scores(model_id, snapshots)
        latest = snapshots[-1] if snapshots else None
        if latest is not None:
            # A model answers with its latest snapshot's facts; its own fill what that lacks.
            claims = _latest_first(await self.store.model_claims(latest.id), claims, "field")
        licenses = [_license_claim(r) for r in license_rows]
        events = [_event(r, row.name) for r in await self.store.model_events(model_id)]
        family = row.family_norm
        variants = await self.store.variants(family, model_id) if family else []
        facts = _fact_groups(claims)
        headline = _headline(score_rows)
        sources = [c.source for g in facts for c in g.claims]
        sources += [c.source for c in licenses] + [c.source for g in headline for c in g]
        return ModelReport(
            name=row.name,
            org=row.org,
            family=row.family,
            aliases=tuple(await self.store.aliases(model_id)),
            variants=tuple(variants),
            facts=facts,
            licenses=tuple(licenses),
            license_disputed=_licenses_disagree(licenses),
            scores=headline,
            events=tuple(events),
            match=match,
            credits=_credits(sources),
            snapshot_of=row.parent,
            snapshot=row.snapshot,
            snapshots=tuple((r.name, r.date) for r in snapshots),
            facts_from=latest.name if latest else None,
        )

    # ---- /license -----------------------------------------------------------------------

    async def license(self, query: str | None) -> ModelLicenses | LicenseListing:
        """A model's license claims, or the models under a license or openness class."""
        text = clean_query(query, "model or license", MAX_NAME)
        exact_model = self.models.exact(text)
        if exact_model is None:
            listing = await self._license_listing(text)
            if listing is not None:
                return listing
        entry, match = self.resolve_model(text)
        claims = [_license_claim(r) for r in await self._model_view_licenses(entry.id)]
        return ModelLicenses(
            entry.name,
            tuple(claims),
            _licenses_disagree(claims),
            match,
            _credits(c.source for c in claims),
        )

    async def _license_listing(self, text: str) -> LicenseListing | None:
        row = await self.store.find_license(normalize(text))
        if row is not None:
            models = [(r.model, r.source) for r in await self.store.models_by_license(row.id)]
            return LicenseListing(
                row.name,
                row.id,
                row.spdx,
                Openness(row.openness),
                row.commercial,
                row.url,
                tuple(models),
                _credits(s for _, s in models),
            )
        openness = parse_openness(text)
        if openness is None:
            return None
        found = await self.store.models_by_openness(*(c.value for c in openness.admitted))
        models = [(r.model, r.source) for r in found]
        return LicenseListing(
            openness.request_label,
            None,
            False,
            openness,
            None,
            None,
            tuple(models),
            _credits(s for _, s in models),
            tuple(Openness(r.openness) for r in found),
        )

    # ---- /compare -----------------------------------------------------------------------

    async def compare(
        self, names: Sequence[str | None], benchmark: str | None = None
    ) -> Comparison:
        given = [n for n in names if n is not None and clean_text(n)]
        if len(given) < 2:
            raise UserError("Give at least two models to compare.")
        resolved = [self.resolve_model(n) for n in given]
        ids = [entry.id for entry, _ in resolved]
        if len(set(ids)) < len(ids):
            same = next(e.name for e, _ in resolved if ids.count(e.id) > 1)
            raise UserError("'{}' is named twice; give different models to compare.", same)
        only = self.resolve_benchmark(benchmark)[0] if benchmark else None
        rows_for = [r for model_id in ids for r in await self._model_view_scores(model_id)]
        claims = [_score_claim(r) for r in rows_for]
        # One row per benchmark and setting: claims under other settings are not compared.
        by_bench: dict[tuple[str, str], list[list[ScoreClaim]]] = {}
        meta: dict[tuple[str, str], ScoreClaim] = {}
        for row, claim in zip(rows_for, claims, strict=True):
            if only is not None and row.benchmark_id != only.id:
                continue
            group = (claim.benchmark, row.setting_key)
            cells = by_bench.setdefault(group, [[] for _ in ids])
            cells[ids.index(row.model_id)].append(claim)
            meta.setdefault(group, claim)
        rows = []
        for group, cells in by_bench.items():
            present = sum(1 for c in cells if c)
            if present < 2 and only is None:
                continue
            rows.append(_compare_row(meta[group], cells, group[1]))
        rows.sort(key=lambda r: (-sum(1 for c in r.cells if c), r.benchmark.casefold(), r.setting))
        counts = tuple(
            len({r.benchmark_id for r in rows_for if r.model_id == model_id}) for model_id in ids
        )
        sources = [c.source for r in rows for cell in r.cells for c in cell]
        facts: tuple[FactRow, ...] = ()
        own: tuple[tuple[tuple[ScoreClaim, ...], ...], ...] = ()
        if not rows and only is None:
            facts = await self._key_facts(ids)
            own = tuple(
                _headline([r for r in rows_for if r.model_id == model_id]) for model_id in ids
            )
            sources += [c.source for f in facts for cell in f.cells for c in cell]
            sources += [c.source for scores in own for group in scores for c in group]
        return Comparison(
            models=tuple(e.name for e, _ in resolved),
            rows=tuple(rows),
            benchmark_counts=counts,
            matches=tuple(m for _, m in resolved),
            credits=_credits(sources),
            only_benchmark=only.name if only else None,
            facts=facts,
            own_scores=own,
        )

    async def _key_facts(self, ids: Sequence[int]) -> tuple[FactRow, ...]:
        """The compared models' key facts (COMPARE_FIELDS), one row per fact any of them has."""
        per_model = [
            {g.field: g.claims for g in _fact_groups(await self.store.model_claims(i))} for i in ids
        ]
        return tuple(
            FactRow(field, FACT_FIELDS[field], tuple(m.get(field, ()) for m in per_model))
            for field in COMPARE_FIELDS
            if any(field in m for m in per_model)
        )

    async def _model_view_scores(
        self, model_id: int, snapshots: Sequence[SnapshotInfo] | None = None
    ) -> list[ModelScore]:
        """A model's scores as `/model` shows them: its latest snapshot's, then its own."""
        own = await self.store.model_scores([model_id])
        if snapshots is None:
            snapshots = await self.store.snapshots(model_id)
        if not snapshots:
            return own
        latest = [
            replace(r, model_id=model_id) for r in await self.store.model_scores([snapshots[-1].id])
        ]
        return _latest_first(latest, own, "benchmark_id")

    async def _model_view_licenses(
        self, model_id: int, snapshots: Sequence[SnapshotInfo] | None = None
    ) -> list[LicenseClaimRecord]:
        """A model's license claims as `/model` shows them: its latest snapshot's, else its own."""
        if snapshots is None:
            snapshots = await self.store.snapshots(model_id)
        latest = await self.store.license_claims(snapshots[-1].id) if snapshots else []
        return latest or await self.store.license_claims(model_id)

    # ---- /leaderboard -------------------------------------------------------------------

    async def leaderboard(
        self,
        benchmark: str | None,
        openness: str | None = None,
        limit: int | None = 10,
        setting: str | None = None,
    ) -> Leaderboard:
        """The best models on one benchmark under one evaluation setting (the most widely
        reported one unless `setting` names another), ranked in the store."""
        entry, match = self.resolve_benchmark(benchmark)
        wanted = _wanted_openness(openness)
        limit = 10 if limit is None else limit
        if not 1 <= limit <= LEADERBOARD_MAX:
            raise UserError("The limit must be between 1 and {}.", LEADERBOARD_MAX)
        bench = await self.store.benchmark(entry.id)
        if bench is None:  # removed since the index was built
            raise UserError("'{}' is no longer in the catalog.", entry.name)
        settings = await self.store.board_settings(entry.id)
        key = _board_setting(bench.name, settings, setting)
        higher = bench.higher_is_better
        classes = tuple(c.value for c in wanted.admitted) if wanted else None
        ranked = await self.store.board_rank(entry.id, key, higher, classes, limit, bool(classes))
        total = ranked.total if classes else next((s.models for s in settings if s.key == key), 0)
        claims = await self.store.board_claims(entry.id, key, ranked.model_ids)
        counts = await self.store.openness_counts(ranked.model_ids)
        rows: list[LeaderRow] = []
        for model_id in ranked.model_ids:
            mine = [c for c in claims if c.model_id == model_id]
            if not mine:  # removed between the two reads
                continue
            scored = [
                ScoreClaim(bench.name, bench.unit, higher, c.value, c.source, c.setting)
                for c in mine
            ]
            best = _best(scored, higher)
            rows.append(
                LeaderRow(
                    len(rows) + 1,
                    mine[0].model,
                    best,
                    tuple(c for c in scored if c is not best),
                    tuple(Openness(c) for c in mine[0].openness),
                    tuple(
                        (Openness(c.openness), c.claims) for c in counts if c.model_id == model_id
                    ),
                )
            )
        sources = [c.source for r in rows for c in (r.best, *r.others)]
        return Leaderboard(
            bench.name,
            bench.unit,
            higher,
            bench.description,
            tuple(rows),
            total,
            wanted,
            match,
            _credits(sources),
            key,
            tuple((s.key, s.models) for s in settings if s.key != key),
        )

    # ---- /search, /about ----------------------------------------------------------------

    async def search(self, text: str | None) -> SearchResults:
        """Models, organisations and events matching the words of `text`, ranked."""
        return await search_catalog(self.store, self.models, clean_query(text, "search text"))

    async def about(self) -> About:
        """The catalog's counts and sources; kept until the next `refresh()`."""
        if self._about is not None:
            return self._about
        generation = self._generation
        sources = [_summary(r.source, r.facts) for r in await self.store.sources()]
        about = About(await self.store.counts(), tuple(sources))
        if generation == self._generation:
            self._about = about
        return about


# ---- helpers ------------------------------------------------------------------------------


def _wanted_openness(text: str | None) -> Openness | None:
    """The openness class a user asked for, or None for every class."""
    if not text:
        return None
    wanted = parse_openness(text)
    if wanted is None:
        choices = ", ".join(o.value for o in Openness)
        raise UserError("Unknown openness '{}'. Use one of: {}.", clean_text(text)[:50], choices)
    return wanted


def _board_setting(benchmark: str, settings: Sequence[BoardSetting], text: str | None) -> str:
    """The setting key a leaderboard ranks under: the one asked for, else the most widely
    reported. Scores under other settings never rank against it."""
    if not text:
        return settings[0].key if settings else ""
    typed = clean_query(text, "setting", MAX_SETTING)
    parsed = parse_setting(typed)
    if not parsed.label and normalize(typed) not in ("standard", "default"):
        raise UserError(
            "Unknown setting '{}'. Give one such as pass@1, cons@64, 5-shot, CoT or v6.",
            typed[:50],
        )
    key = parsed.key
    if key not in {s.key for s in settings}:
        known = "; ".join(describe_setting(s.key) for s in settings) or "none"
        raise UserError(
            "No {} scores under the setting '{}'. Settings with scores: {}.",
            benchmark,
            clean_text(text)[:50],
            known,
        )
    return key


def _resolved(query: str, match: Match | None, what: str, hint: str) -> tuple[NameEntry, MatchInfo]:
    if match is None:
        raise UserError("No {} matches '{}'. {}", what, query, hint)
    info = MatchInfo(
        query, match.entry.name, match.exact, tuple(e.name for e in match.alternatives)
    )
    return match.entry, info


def _latest_first(latest: list[_T], own: list[_T], key: str) -> list[_T]:
    """The latest snapshot's records, and the model's own for what (`key`) it does not state:
    one snapshot's facts are never set against another's."""
    stated = {getattr(r, key) for r in latest}
    return [*latest, *(r for r in own if getattr(r, key) not in stated)]


def _license_claim(rec: LicenseClaimRecord) -> LicenseClaim:
    return LicenseClaim(
        rec.license_id,
        rec.license_name,
        rec.spdx,
        Openness(rec.openness),
        rec.commercial,
        rec.source,
    )


def _score_claim(rec: ModelScore) -> ScoreClaim:
    return ScoreClaim(
        rec.benchmark, rec.unit, rec.higher_is_better, rec.value, rec.source, rec.setting
    )


def _event(rec: EventRecord, model: str | None) -> EventItem:
    return EventItem(rec.kind, rec.date, rec.title, model, rec.source, rec.detail)


def _summary(source: SourceRecord, facts: int) -> SourceSummary:
    return SourceSummary(source.name, source.kind, source.license, source.credit, source.url, facts)


def _credits(sources: Iterable[SourceRef]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for source in sources:
        if source.credit:
            seen.setdefault(source.credit, None)
    return tuple(seen)


def _fact_groups(rows: list[FactClaim]) -> tuple[FactGroup, ...]:
    grouped: dict[str, list[Claim]] = {}
    for row in rows:
        grouped.setdefault(row.field, []).append(Claim(row.value, row.source))
    groups = []
    for field, label in FACT_FIELDS.items():
        claims = grouped.get(field)
        if claims:
            claims.sort(key=lambda c: _SOURCE_RANK.get(c.source.kind, 9))
            groups.append(FactGroup(field, label, tuple(claims), _facts_disagree(field, claims)))
    return tuple(groups)


def _facts_disagree(field: str, claims: list[Claim]) -> bool:
    values = {c.value for c in claims}
    if field == "release_date":
        # '2026-04' and '2026-04-02' agree; '2025-04-05' and '2026-04' do not.
        return any(not (a.startswith(b) or b.startswith(a)) for a, b in combinations(values, 2))
    if field in NUMERIC_FIELDS or field == "status":
        return len(values) > 1
    return False


def _licenses_disagree(claims: Sequence[LicenseClaim]) -> bool:
    classes = {c.openness.access for c in claims} - {None}
    named = {c.license_id for c in claims if c.license_id}
    return len(classes) > 1 or len(named) > 1


def _best(claims: Sequence[ScoreClaim], higher: bool) -> ScoreClaim:
    return max(claims, key=lambda c: c.value) if higher else min(claims, key=lambda c: c.value)


def _compare_row(meta: ScoreClaim, cells: list[list[ScoreClaim]], setting: str) -> CompareRow:
    """Mark a winner only when it wins under every combination of the sources' claims."""
    higher = meta.higher_is_better
    ranges = [
        (min(c.value for c in cell), max(c.value for c in cell)) if cell else None for cell in cells
    ]
    winner = None
    for i, rng in enumerate(ranges):
        if rng is None:
            continue
        worst = rng[0] if higher else rng[1]
        others = [r for j, r in enumerate(ranges) if j != i and r is not None]
        if others and all((worst > r[1]) if higher else (worst < r[0]) for r in others):
            winner = i
    disputed = any(len({c.value for c in cell}) > 1 for cell in cells)
    return CompareRow(
        meta.benchmark,
        meta.unit,
        higher,
        tuple(tuple(cell) for cell in cells),
        winner,
        disputed,
        setting,
    )


def _headline(rows: list[ModelScore]) -> tuple[tuple[ScoreClaim, ...], ...]:
    """Up to five benchmarks: curated sources first, then the most widely reported benchmarks.
    Each group is one benchmark under one setting: its claims are comparable."""
    groups: dict[tuple[str, str], list[ScoreClaim]] = {}
    rank: dict[tuple[str, str], tuple[int, int]] = {}
    for row in rows:
        claim = _score_claim(row)
        group = (claim.benchmark, row.setting_key)
        groups.setdefault(group, []).append(claim)
        key = (_SOURCE_RANK.get(claim.source.kind, 9), -row.popularity)
        rank[group] = min(rank.get(group, key), key)
    order = sorted(groups, key=lambda b: rank[b])
    return tuple(tuple(groups[b]) for b in order[:HEADLINE_SCORES])
