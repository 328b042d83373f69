"""The catalog's questions and answers: model facts, licenses, comparisons, leaderboards, search.

Everything here speaks in core results (`bot.core.results`); no Discord, no formatting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from itertools import combinations

from bot.core.catalog_reader import CatalogReader
from bot.core.errors import UserError
from bot.core.index import Entry, Match, NameIndex
from bot.core.licenses import parse_openness
from bot.core.names import clean_text, normalize
from bot.core.results import (
    About,
    Claim,
    CompareRow,
    Comparison,
    EventItem,
    FactGroup,
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
from bot.core.vocab import FACT_FIELDS, NUMERIC_FIELDS, Openness
from bot.store.catalog_records import (
    BenchmarkEntry,
    EventRecord,
    FactClaim,
    LicenseClaimRecord,
    ModelName,
    ModelScore,
    SourceRecord,
)

MAX_NAME = 100
MAX_QUERY = 100
HEADLINE_SCORES = 5
LEADERBOARD_MAX = 25
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
    rows: Sequence[ModelName], bench_rows: Sequence[BenchmarkEntry]
) -> tuple[NameIndex, NameIndex]:
    """The model and benchmark name indexes of the store's name records."""
    models = NameIndex(Entry(r.id, r.name, r.org, r.family, r.released, r.aliases) for r in rows)
    benchmarks = NameIndex(Entry(r.id, r.name, aliases=r.aliases) for r in bench_rows)
    return models, benchmarks


class Lookups:
    """Read-side of the catalog. Call `refresh()` after the catalog changes."""

    def __init__(self, store: CatalogReader) -> None:
        self.store = store
        self.models = NameIndex(())
        self.benchmarks = NameIndex(())
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
        self.models, self.benchmarks = await asyncio.to_thread(_indexes, rows, bench_rows)

    # ---- resolution ---------------------------------------------------------------------

    def resolve_model(self, text: str | None) -> tuple[Entry, MatchInfo]:
        query = clean_query(text, "model name", MAX_NAME)
        return _resolved(
            query, self.models.resolve(query), "model", "Try `/search` with part of the name."
        )

    def resolve_benchmark(self, text: str | None) -> tuple[Entry, MatchInfo]:
        query = clean_query(text, "benchmark name", MAX_NAME)
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
        licenses = [_license_claim(r) for r in await self.store.license_claims(model_id)]
        score_rows = await self.store.model_scores([model_id])
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
        claims = [_license_claim(r) for r in await self.store.license_claims(entry.id)]
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
        models = [(r.model, r.source) for r in await self.store.models_by_openness(openness)]
        return LicenseListing(
            openness.label,
            None,
            False,
            openness,
            None,
            None,
            tuple(models),
            _credits(s for _, s in models),
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
        rows_for = await self.store.model_scores(ids)
        claims = [_score_claim(r) for r in rows_for]
        by_bench: dict[str, list[list[ScoreClaim]]] = {}
        meta: dict[str, ScoreClaim] = {}
        for row, claim in zip(rows_for, claims, strict=True):
            if only is not None and row.benchmark_id != only.id:
                continue
            cells = by_bench.setdefault(claim.benchmark, [[] for _ in ids])
            cells[ids.index(row.model_id)].append(claim)
            meta.setdefault(claim.benchmark, claim)
        rows = []
        for bench, cells in by_bench.items():
            present = sum(1 for c in cells if c)
            if present < 2 and only is None:
                continue
            rows.append(_compare_row(meta[bench], cells))
        rows.sort(key=lambda r: (-sum(1 for c in r.cells if c), r.benchmark.casefold()))
        counts = tuple(
            len({r.benchmark_id for r in rows_for if r.model_id == model_id}) for model_id in ids
        )
        sources = [c.source for r in rows for cell in r.cells for c in cell]
        return Comparison(
            models=tuple(e.name for e, _ in resolved),
            rows=tuple(rows),
            benchmark_counts=counts,
            matches=tuple(m for _, m in resolved),
            credits=_credits(sources),
            only_benchmark=only.name if only else None,
        )

    # ---- /leaderboard -------------------------------------------------------------------

    async def leaderboard(
        self, benchmark: str | None, openness: str | None = None, limit: int | None = 10
    ) -> Leaderboard:
        entry, match = self.resolve_benchmark(benchmark)
        wanted = None
        if openness:
            wanted = parse_openness(openness)
            if wanted is None:
                choices = ", ".join(o.value for o in Openness)
                raise UserError(
                    "Unknown openness '{}'. Use one of: {}.", clean_text(openness)[:50], choices
                )
        limit = 10 if limit is None else limit
        if not 1 <= limit <= LEADERBOARD_MAX:
            raise UserError("The limit must be between 1 and {}.", LEADERBOARD_MAX)
        bench = await self.store.benchmark(entry.id)
        if bench is None:  # removed since the index was built
            raise UserError("'{}' is no longer in the catalog.", entry.name)
        higher = bench.higher_is_better
        per_model: dict[str, list[ScoreClaim]] = {}
        openness_of: dict[str, tuple[Openness, ...]] = {}
        for row in await self.store.benchmark_scores(entry.id):
            claim = ScoreClaim(bench.name, bench.unit, higher, row.value, row.source)
            per_model.setdefault(row.model, []).append(claim)
            openness_of[row.model] = tuple(Openness(c) for c in row.openness)
        if wanted is not None:
            per_model = {m: c for m, c in per_model.items() if wanted.admits(openness_of[m])}
        ranked = sorted(
            per_model.items(),
            key=lambda item: (
                -_best(item[1], higher).value if higher else _best(item[1], higher).value
            ),
        )
        rows = []
        for rank, (model, claims) in enumerate(ranked[:limit], start=1):
            best = _best(claims, higher)
            others = tuple(c for c in claims if c is not best)
            rows.append(LeaderRow(rank, model, best, others, openness_of.get(model, ())))
        sources = [c.source for r in rows for c in (r.best, *r.others)]
        return Leaderboard(
            bench.name,
            bench.unit,
            higher,
            bench.description,
            tuple(rows),
            len(per_model),
            wanted,
            match,
            _credits(sources),
        )

    # ---- /search, /about ----------------------------------------------------------------

    async def search(self, text: str | None) -> SearchResults:
        query = clean_query(text, "search text")
        models = self.models.autocomplete(query, limit=10)
        orgs = await self.store.search_organisations(normalize(query))
        events = await self.store.search_events(query)
        return SearchResults(
            query,
            tuple((m.name, m.org) for m in models),
            tuple((r.name, r.models) for r in orgs),
            tuple(_event(r, r.model) for r in events),
        )

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


def _resolved(query: str, match: Match | None, what: str, hint: str) -> tuple[Entry, MatchInfo]:
    if match is None:
        raise UserError("No {} matches '{}'. {}", what, query, hint)
    info = MatchInfo(
        query, match.entry.name, match.exact, tuple(e.name for e in match.alternatives)
    )
    return match.entry, info


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
    return ScoreClaim(rec.benchmark, rec.unit, rec.higher_is_better, rec.value, rec.source)


def _event(rec: EventRecord, model: str | None) -> EventItem:
    return EventItem(rec.kind, rec.date, rec.title, model, rec.source)


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


def _compare_row(meta: ScoreClaim, cells: list[list[ScoreClaim]]) -> CompareRow:
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
    )


def _headline(rows: list[ModelScore]) -> tuple[tuple[ScoreClaim, ...], ...]:
    """Up to five benchmarks: curated sources first, then the most widely reported benchmarks."""
    groups: dict[str, list[ScoreClaim]] = {}
    rank: dict[str, tuple[int, int]] = {}
    for row in rows:
        claim = _score_claim(row)
        groups.setdefault(claim.benchmark, []).append(claim)
        key = (_SOURCE_RANK.get(claim.source.kind, 9), -row.popularity)
        rank[claim.benchmark] = min(rank.get(claim.benchmark, key), key)
    order = sorted(groups, key=lambda b: rank[b])
    return tuple(tuple(groups[b]) for b in order[:HEADLINE_SCORES])
