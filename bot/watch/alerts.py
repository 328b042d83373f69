"""What an alert says: the entry, every source that reported it, and what the catalog knows."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.lookups import Lookups
from bot.core.results import ModelReport
from bot.store.watch import WatchStore

MODELS_PER_ALERT = 3


@dataclass(frozen=True)
class AlertView:
    entry_id: int
    title: str
    link: str | None
    published: str | None
    type: str
    summary: str
    sources: tuple[tuple[str, str | None], ...]
    models: tuple[ModelReport, ...]
    updated_at: str | None = None  # when its source last changed the entry's text
    news: tuple[tuple[str, str], ...] = ()  # what it brought the catalog: (model name, line)


async def build_alert(store: WatchStore, lookups: Lookups, entry_id: int) -> AlertView | None:
    entry = await store.entry(entry_id)
    if entry is None:
        return None
    reports = []
    for model_id in (await store.entry_model_ids(entry_id))[:MODELS_PER_ALERT]:
        report = await lookups.report(model_id)
        if report is not None:
            reports.append(report)
    sources = tuple((r.source_name, r.link) for r in await store.entry_sources(entry_id))
    news = []
    for new_id, line in await store.entry_news(entry_id):
        model = await lookups.store.model(new_id) if new_id is not None else None
        if model is not None:
            news.append((model.name, line))
    return AlertView(
        entry_id,
        entry.title,
        entry.link,
        entry.published,
        entry.type,
        entry.summary or "",
        sources,
        tuple(reports),
        entry.updated_at,
        tuple(news),
    )
