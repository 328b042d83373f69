"""The catalog's questions and answers: model facts, licenses, comparisons, leaderboards, search.

Everything here speaks in core results (`bot.core.results`); no Discord, no formatting.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import combinations
from typing import TypeVar

from bot.core.catalog_reader import CatalogReader
from bot.core.errors import UserError
from bot.core.fit import find_memory, hardware, weights_fit
from bot.core.identity import vendor_stripped
from bot.core.index import Match, NameEntry, NameIndex, keep_out_of_collections, paused_collection
from bot.core.license_terms import Commercial, parse_commercial, terms_for
from bot.core.licenses import parse_openness
from bot.core.lineage import lineage_chain
from bot.core.names import benchmark_key, clean_text, normalize
from bot.core.noise import OVERLAP_TEXT, Noise, intervals_overlap, noise_for
from bot.core.periodic import run_periodically
from bot.core.prices import check_max_price, current_quotes, histories
from bot.core.results import (
    About,
    Announcement,
    BaseLicenses,
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
    LineageStep,
    MatchInfo,
    ModelLicenses,
    ModelReport,
    PriceQuote,
    PriceReport,
    ScoreClaim,
    SearchResults,
    SourceRef,
    SourceSummary,
)
from bot.core.scores import MAX_SETTING, describe_setting, parse_setting
from bot.core.search import search as search_catalog
from bot.core.verdict import commercial_verdict, read_claim
from bot.core.vocab import FACT_FIELDS, NUMERIC_FIELDS, Openness
from bot.store.catalog_records import (
    BenchmarkEntry,
    BoardRank,
    BoardSetting,
    EventRecord,
    FactClaim,
    LicenseClaimRecord,
    LicensedModel,
    ModelInfo,
    ModelName,
    ModelScore,
    PriceRecord,
    SnapshotInfo,
    SourceRecord,
)

MAX_NAME = 100
MAX_QUERY = 100
HEADLINE_SCORES = 5
LEADERBOARD_MAX = 25
# With /leaderboard fits, how many of the ranked models are checked for size.
FITS_SCAN = 500
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
        # Models an openness-filtered board counts in all (benchmark, setting, classes): the
        # count reads every score of the benchmark, so it is kept until the catalog changes.
        self._board_totals: dict[tuple[int, str, tuple[str, ...]], int] = {}
        self._generation = 0
        self.catalog_version: int | None = None  # the store's version the indexes were built at

    async def refresh_if_changed(self) -> bool:
        """Rebuild the indexes if the catalog changed since they were built (another process's
        curator, sync or import); whether it did."""
        if await self.store.catalog_version() == self.catalog_version:
            return False
        await self.refresh()
        return True

    async def follow_catalog(self, interval: float, stop: asyncio.Event) -> None:
        """Look for another process's catalog change every `interval` seconds until `stop`."""
        await run_periodically(
            self.refresh_if_changed, interval, stop, label="catalog version check"
        )

    async def refresh(self) -> None:
        """Rebuild the in-memory name indexes from the store. The indexes are built in a
        worker thread: with tens of thousands of models that takes seconds, and the bot
        answers other commands meanwhile."""
        self._generation += 1
        self._about = None
        self._board_totals = {}
        # Read before the rows: a change committed between the two is seen at the next check.
        self.catalog_version = await self.store.catalog_version()
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
        lineage = await self.lineage(model_id, row.name, snapshots)
        sources = [c.source for g in facts for c in g.claims]
        sources += [c.source for c in licenses] + [c.source for g in headline for c in g]
        price_rows, prices_from = await self._model_view_prices(row, snapshots, current=True)
        prices = current_quotes(price_rows)
        sources += [q.source for q in prices]
        sources += [s for step in lineage for s in step.sources]
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
            prices=prices,
            prices_from=prices_from,
            lineage=lineage,
            provisional=await self._announcement(model_id),
        )

    # ---- /price ---------------------------------------------------------------------------

    async def price(self, name: str | None) -> PriceReport:
        """A model's current prices per provider (cheapest first) and their changes over time."""
        entry, match = self.resolve_model(name)
        row = await self.store.model(entry.id)
        if row is None:  # removed since the index was built
            raise UserError("'{}' is no longer in the catalog.", entry.name)
        records, stand_in = await self._model_view_prices(row)
        current = current_quotes(records)
        history = histories(records)
        checked = () if records else tuple(await self.store.price_sources())
        sources = [q.source for q in current] + [q.source for h in history for q in h.periods]
        return PriceReport(row.name, current, history, match, _credits(sources), stand_in, checked)

    async def _model_view_prices(
        self,
        row: ModelInfo,
        snapshots: Sequence[SnapshotInfo] | None = None,
        current: bool = False,
    ) -> tuple[list[PriceRecord], str | None]:
        """A model's prices: its own, else its latest snapshot's, else (for a snapshot) its
        parent model's; with the name of the record that stood in, if one did."""
        own = await self.store.prices([row.id], current)
        if own:
            return own, None
        if snapshots is None:
            snapshots = await self.store.snapshots(row.id)
        for snap in reversed(snapshots):
            found = await self.store.prices([snap.id], current)
            if found:
                return found, snap.name
        if row.parent_id is not None:
            found = await self.store.prices([row.parent_id], current)
            if found:
                return found, row.parent
        return [], None

    async def _cheapest(self, model_id: int) -> PriceQuote | None:
        row = await self.store.model(model_id)
        if row is None:
            return None
        quotes = current_quotes((await self._model_view_prices(row, current=True))[0])
        return quotes[0] if quotes else None

    async def lineage(
        self, model_id: int, name: str, snapshots: Sequence[SnapshotInfo] | None = None
    ) -> tuple[LineageStep, ...]:
        """The model's chain of base models (up to 8 hops, cycle-safe), each link with its
        sources; the model's latest snapshot's links count as the model's, except those to
        the model's own snapshots (its versions)."""
        if snapshots is None:
            snapshots = await self.store.snapshots(model_id)
        ids = [model_id, *(s.id for s in snapshots[-1:])]
        own = frozenset([model_id, *(s.id for s in snapshots)])
        return await lineage_chain(self.store, name, ids, own=own)

    async def _base_licenses(self, lineage: Sequence[LineageStep]) -> tuple[BaseLicenses, ...]:
        """Each resolved base model of the chain with its own license claims, nearest first."""
        found: dict[int, BaseLicenses] = {}
        for step in lineage:
            if step.base_id is None or step.base_id in found:
                continue
            rows = await self._model_view_licenses(step.base_id)
            claims = tuple(_license_claim(r) for r in rows)
            found[step.base_id] = BaseLicenses(step.base, step.depth, claims, step.base_org)
        return tuple(found.values())

    async def _announcement(self, model_id: int) -> Announcement | None:
        """The entry that announced a model only announcements speak of, if it is one."""
        found = await self.store.provisional(model_id)
        return None if found is None else Announcement(found.announced, found.url, found.title)

    # ---- /license -----------------------------------------------------------------------

    async def license(
        self, query: str | None, commercial: str | None = None
    ) -> ModelLicenses | LicenseListing:
        """A model's license claims and commercial-use verdict, or the models under a license
        or openness class (only those whose claim reads `commercial`, when given)."""
        text = clean_query(query, "model or license", MAX_NAME)
        wanted = parse_commercial(commercial)
        exact_model = self.models.exact(text)
        if exact_model is None:
            listing = await self._license_listing(text, wanted)
            if listing is not None:
                return listing
        entry, match = self.resolve_model(text)
        claims = [_license_claim(r) for r in await self._model_view_licenses(entry.id)]
        lineage = await self.lineage(entry.id, entry.name)
        bases = await self._base_licenses(lineage)
        sources = [c.source for c in claims] + [s for step in lineage for s in step.sources]
        sources += [c.source for base in bases for c in base.claims]
        return ModelLicenses(
            entry.name,
            tuple(claims),
            _licenses_disagree(claims),
            match,
            _credits(sources),
            lineage,
            bases,
            commercial_verdict(claims, lineage, bases, entry.org),
        )

    async def _license_listing(
        self, text: str, wanted: Commercial | None = None
    ) -> LicenseListing | None:
        row = await self.store.find_license(normalize(text))
        if row is not None:
            licensed = _reading_as(await self.store.models_by_license(row.id), wanted)
            models = [(r.model, r.source) for r in licensed]
            return LicenseListing(
                row.name,
                row.id,
                row.spdx,
                Openness(row.openness),
                row.commercial,
                row.url,
                tuple(models),
                _credits(s for _, s in models),
                terms=terms_for(row.id),
                commercial_filter=wanted,
            )
        openness = parse_openness(text)
        if openness is None:
            return None
        found = await self.store.models_by_openness(*(c.value for c in openness.admitted))
        found = _reading_as(found, wanted)
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
            commercial_filter=wanted,
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
        prices = [await self._cheapest(model_id) for model_id in ids]
        sources += [q.source for q in prices if q is not None]
        return Comparison(
            models=tuple(e.name for e, _ in resolved),
            rows=tuple(rows),
            benchmark_counts=counts,
            matches=tuple(m for _, m in resolved),
            credits=_credits(sources),
            only_benchmark=only.name if only else None,
            facts=facts,
            own_scores=own,
            prices=tuple(prices),
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
        sort: str | None = None,
        min_score: float | None = None,
        max_price: float | None = None,
        fits: str | None = None,
    ) -> Leaderboard:
        """The best models on one benchmark under one evaluation setting (the most widely
        reported one unless `setting` names another), ranked in the store; with `sort='price'`
        the cheapest first, and only models at `min_score` or better, at `max_price` or less
        (the blended 3:1 price per 1M tokens). With `fits` (a GPU or memory size) only models
        whose weights fit at some quantization are listed."""
        entry, match = self.resolve_benchmark(benchmark)
        wanted = _wanted_openness(openness)
        limit = 10 if limit is None else limit
        if not 1 <= limit <= LEADERBOARD_MAX:
            raise UserError("The limit must be between 1 and {}.", LEADERBOARD_MAX)
        order = _board_sort(sort)
        max_price = check_max_price(max_price)
        if min_score is not None and not math.isfinite(min_score):
            raise UserError("min_score must be a number.")
        memory = find_memory(fits, hardware().gpus) if fits and fits.strip() else None
        bench = await self.store.benchmark(entry.id)
        if bench is None:  # removed since the index was built
            raise UserError("'{}' is no longer in the catalog.", entry.name)
        settings = await self.store.board_settings(entry.id)
        key = _board_setting(bench.name, settings, setting)
        higher = bench.higher_is_better
        classes = tuple(c.value for c in wanted.admitted) if wanted else None
        priced = order == "price" or min_score is not None or max_price is not None
        price_of: dict[int, float | None] = {}
        wanted_rows = FITS_SCAN if memory else limit
        if priced:
            found, total = await self.store.priced_board(
                entry.id, key, higher, classes, min_score, max_price, order == "price", wanted_rows
            )
            ranked = BoardRank(tuple(p.model_id for p in found), total)
            price_of = {p.model_id: p.price for p in found}
        else:
            counted = self._board_totals.get((entry.id, key, classes)) if classes else None
            ranked = await self.store.board_rank(
                entry.id, key, higher, classes, wanted_rows, bool(classes) and counted is None
            )
            if classes:
                total = ranked.total if counted is None else counted
                self._board_totals[(entry.id, key, classes)] = total
            else:
                total = next((s.models for s in settings if s.key == key), 0)
        model_ids = ranked.model_ids
        fit_at: dict[int, str] = {}
        unknown = 0
        if memory is not None:
            fit_at, unknown = await self._fitting(model_ids, memory.usable_gib)
            model_ids = tuple(i for i in model_ids if i in fit_at)[:limit]
        claims = await self.store.board_claims(entry.id, key, model_ids)
        counts = await self.store.openness_counts(model_ids)
        rows: list[LeaderRow] = []
        for model_id in model_ids:
            mine = [c for c in claims if c.model_id == model_id]
            if not mine:  # removed between the two reads
                continue
            scored = [
                ScoreClaim(bench.name, bench.unit, higher, c.value, c.source, c.setting, c.ci)
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
                    price_of.get(model_id),
                    fit_at.get(model_id, ""),
                )
            )
        noise = noise_for(bench.name, bench.unit)
        rows, overlap = _ties(rows, noise)
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
            order,
            min_score,
            max_price,
            memory.name if memory else None,
            memory.usable_gib if memory else 0.0,
            unknown,
            _noise_text(noise, overlap),
        )

    async def _fitting(
        self, model_ids: Sequence[int], usable_gib: float
    ) -> tuple[dict[int, str], int]:
        """Per model whose weights fit in `usable_gib`, the most precise quantization that
        does; and how many models have no parameter count to tell."""
        fit_at: dict[int, str] = {}
        unknown = 0
        for model_id in model_ids:
            params = await self._params(model_id)
            if params is None:
                unknown += 1
                continue
            quant = weights_fit(params, usable_gib)
            if quant is not None:
                fit_at[model_id] = quant.name
        return fit_at, unknown

    async def _params(self, model_id: int) -> float | None:
        """A model's largest stated parameter count: its latest snapshot's, else its own."""
        snapshots = await self.store.snapshots(model_id)
        for source_id in ([snapshots[-1].id] if snapshots else []) + [model_id]:
            values = [
                float(c.value)
                for c in await self.store.model_claims(source_id)
                if c.field == "params"
            ]
            if values:
                return max(values)
        return None

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


def _board_sort(text: str | None) -> str:
    """The leaderboard's order: 'score' (the default) or 'price' (cheapest first)."""
    if not text:
        return "score"
    wanted = normalize(text)
    if wanted not in ("score", "price"):
        raise UserError("sort must be score or price, not '{}'.", clean_text(text)[:30])
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


def _reading_as(found: list[LicensedModel], wanted: Commercial | None) -> list[LicensedModel]:
    """The listed claims whose commercial-use reading is `wanted` (all when None)."""
    if wanted is None:
        return found
    return [r for r in found if _listed_verdict(r) is wanted]


def _listed_verdict(rec: LicensedModel) -> Commercial:
    claim = LicenseClaim(rec.license_id, None, False, Openness(rec.openness), None, rec.source)
    return read_claim(claim).verdict


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
        rec.benchmark, rec.unit, rec.higher_is_better, rec.value, rec.source, rec.setting, rec.ci
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
    noise = noise_for(meta.benchmark, meta.unit)
    tied = overlap = False
    if winner is not None:
        own = ranges[winner]
        assert own is not None
        worst = own[0] if higher else own[1]
        others = [r for j, r in enumerate(ranges) if j != winner and r is not None]
        tied = noise is not None and any(
            noise.tied(worst, r[1] if higher else r[0]) for r in others
        )
        overlap = any(
            intervals_overlap(mine.ci, theirs.ci)
            for j, cell in enumerate(cells)
            if j != winner
            for theirs in cell
            for mine in cells[winner]
        )
        tied = tied or overlap
        winner = None if tied else winner
    return CompareRow(
        meta.benchmark,
        meta.unit,
        higher,
        tuple(tuple(cell) for cell in cells),
        winner,
        disputed,
        setting,
        tied,
        _noise_text(noise, overlap),
    )


def _noise_text(noise: Noise | None, overlap: bool = False) -> str:
    """How ties are told: the benchmark's noise band, and/or the sources' own intervals."""
    if noise is None:
        return OVERLAP_TEXT if overlap else ""
    note = f", {noise.note}" if noise.note else ""
    band = f"{noise.basis()}{note} ({noise.source})"
    return f"{band}, or {OVERLAP_TEXT}" if overlap else band


def _ties(rows: list[LeaderRow], noise: Noise | None) -> tuple[list[LeaderRow], bool]:
    """Each row marked with the best-ranked row it is statistically tied with (if any): within
    the benchmark's noise, or where the two scores' own intervals overlap. Also whether any
    tie came from the intervals."""
    marked, overlap = [], False
    for row in rows:
        tied = None
        for r in rows:
            if r.rank >= row.rank:
                continue
            by_interval = intervals_overlap(r.best.ci, row.best.ci)
            if by_interval or (noise is not None and noise.tied(r.best.value, row.best.value)):
                tied, overlap = r.rank, overlap or by_interval
                break
        marked.append(replace(row, tied_with=tied))
    return marked, overlap


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
