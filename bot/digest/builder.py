"""What a digest says: the entries of a period, grouped, counted and called out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.clock import iso, iso_end
from bot.core.results import ModelReport, ScoreClaim
from bot.core.vocab import Openness
from bot.watch.filters import EntryFacts, Filters, matches
from bot.watch.items import PUBLISH_GRACE
from bot.watch.records import EntrySource, StoredEntry

NOTABLE_MAX = 8
TYPE_ORDER = (
    "release",
    "license_change",
    "shutdown",
    "price_change",
    "expected_release",
    "announcement",
    "funding",
    "acquisition",
    "research",
    "other",
)


class NewsReader(Protocol):
    """The watch store's reads a digest needs."""

    async def news_between(
        self, since: str, until: str, published_after: str
    ) -> Sequence[StoredEntry]: ...

    async def entry_model_ids(self, entry_id: int) -> list[int]: ...

    async def entry_sources(self, entry_id: int) -> Sequence[EntrySource]: ...


class ModelReports(Protocol):
    """The catalog's view of a model (the lookups)."""

    async def report(self, model_id: int) -> ModelReport | None: ...


FactsOf = Callable[[int], Awaitable[EntryFacts | None]]


@dataclass(frozen=True)
class DigestItem:
    entry_id: int
    title: str
    link: str | None
    published: str | None
    type: str
    org: str | None
    models: tuple[str, ...]
    openness: str  # open, api, disputed, unknown
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Notable:
    model: str
    score: ScoreClaim


@dataclass(frozen=True)
class DigestView:
    since: datetime
    until: datetime
    items: tuple[DigestItem, ...]
    notable: tuple[Notable, ...]
    credits: tuple[str, ...]

    @property
    def counts(self) -> Counter[str]:
        return Counter(item.type for item in self.items)

    @property
    def openness_split(self) -> Counter[str]:
        return Counter(
            item.openness for item in self.items if item.type in ("release", "expected_release")
        )

    def grouped(self) -> list[tuple[str, list[tuple[str, list[DigestItem]]]]]:
        """(type, [(organisation, items)]) in a stable, readable order."""
        out = []
        for kind in TYPE_ORDER:
            of_kind = [i for i in self.items if i.type == kind]
            if not of_kind:
                continue
            orgs = sorted(
                {i.org or "Other" for i in of_kind}, key=lambda o: (o == "Other", o.casefold())
            )
            out.append(
                (kind, [(org, [i for i in of_kind if (i.org or "Other") == org]) for org in orgs])
            )
        return out


async def build_digest(
    news: NewsReader,
    facts_of: FactsOf,
    reports: ModelReports,
    since: datetime,
    until: datetime,
    filters: Filters,
) -> DigestView:
    """News first seen in [since, until) that matches `filters`, with the catalog's facts:
    `news` reads the entries, `facts_of` gives what filters look at, `reports` the models."""
    items: list[DigestItem] = []
    notable: list[Notable] = []
    credits: list[str] = []
    rows = await news.news_between(iso(since), iso_end(until), iso(since - PUBLISH_GRACE))
    for row in rows:
        facts = await facts_of(row.id)
        if facts is None or not matches(filters, facts):
            continue
        model_ids = await news.entry_model_ids(row.id)
        names = []
        for model_id in model_ids[:3]:
            report = await reports.report(model_id)
            if report is None:
                continue
            names.append(report.name)
            if row.type == "release" and report.scores and len(notable) < NOTABLE_MAX:
                notable.append(Notable(report.name, report.scores[0][0]))
                credits += [c for c in report.credits if c not in credits]
        sources = tuple(r.source_name for r in await news.entry_sources(row.id))
        items.append(
            DigestItem(
                row.id,
                row.title,
                row.link,
                row.published,
                row.type,
                row.org,
                tuple(names),
                Openness.verdict(Openness(c) for c in facts.openness),
                sources,
            )
        )
    return DigestView(since, until, tuple(items), tuple(notable), tuple(credits))
