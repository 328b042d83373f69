"""Ingesting feed items: deduplicate, link to models, classify, store, and queue alerts.

One call is one transaction: the entries and the outbox rows for every matching subscription
are written together, so an alert can never be lost between storing and queueing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from bot.core.clock import Clock, iso
from bot.core.index import NameIndex
from bot.core.names import normalize
from bot.store.watch import WatchStore
from bot.watch.classify import classify
from bot.watch.filters import EntryFacts, Filters, matches
from bot.watch.identity import identities
from bot.watch.items import FeedItem
from bot.watch.linking import link_models

SAME_STORY_WINDOW = timedelta(days=3)
TITLE_MATCH = 92.0
_NUMBERS = re.compile(r"\d+(?:\.\d+)*")
# An entry published a little before a subscription was made, but first seen after it, still
# alerts: feeds often show a post hours after its date.
PUBLISH_GRACE = timedelta(days=1)


@dataclass
class IngestReport:
    new: list[int] = field(default_factory=list)
    merged: int = 0
    unchanged: int = 0
    queued: int = 0


def same_title(a: str, b: str) -> bool:
    """Near-identical titles that name the same numbers ('Gemma 4' is not 'Gemma 3')."""
    if _NUMBERS.findall(a) != _NUMBERS.findall(b):
        return False
    return fuzz.ratio(normalize(a), normalize(b)) >= TITLE_MATCH


class Ingestor:
    def __init__(self, store: WatchStore, models: Callable[[], NameIndex], clock: Clock) -> None:
        self.store = store
        self._models = models
        self.clock = clock

    async def ingest(self, items: Sequence[FeedItem], *, baseline: bool = False) -> IngestReport:
        """Store new items and queue their alerts; `baseline` stores without alerting."""
        now = self.clock()
        report = IngestReport()
        index = self._models()
        async with self.store.transaction():
            subscriptions = [] if baseline else await self.store.subscriptions()
            for item in items:
                await self._one(item, index, now, subscriptions, report)
        return report

    async def _one(
        self,
        item: FeedItem,
        index: NameIndex,
        now: datetime,
        subscriptions: list,
        report: IngestReport,
    ) -> None:
        keys = identities(item)
        model_ids = self._model_ids(item, index)
        kind = item.type or classify(item.title, item.summary)
        existing = await self.store.find_entry(keys)
        if existing is None:
            existing = await self._same_story(item, kind, model_ids, now)
        stamp = iso(now)
        if existing is not None:
            await self.store.add_identities(existing, keys)
            added = await self.store.add_entry_source(
                existing, item.source_key, item.source_name, item.link, stamp
            )
            if added:
                report.merged += 1
            else:
                report.unchanged += 1
            return
        org = await self.store.canonical_org(item.org) if item.org else None
        entry_id = await self.store.insert_entry(
            item.title, item.link, item.summary, item.published, kind, org, stamp
        )
        await self.store.add_identities(entry_id, keys)
        await self.store.add_entry_source(
            entry_id, item.source_key, item.source_name, item.link, stamp
        )
        await self.store.add_entry_models(entry_id, model_ids)
        report.new.append(entry_id)
        if subscriptions:
            facts = await self._facts(item, kind, org, model_ids)
            report.queued += await self._fan_out(entry_id, item, facts, subscriptions, now)

    def _model_ids(self, item: FeedItem, index: NameIndex) -> list[int]:
        if item.models:
            found = [index.exact(name) for name in item.models]
            return [e.id for e in found if e is not None]
        return [e.id for e in link_models(index, f"{item.title}. {item.summary}")]

    async def _same_story(
        self, item: FeedItem, kind: str, model_ids: list[int], now: datetime
    ) -> int | None:
        """An entry another source already reported: a near-identical title, or the same
        release of the same models, within a few days."""
        center = datetime.fromisoformat(item.published) if item.published else now
        rows = await self.store.entries_between(
            iso(center - SAME_STORY_WINDOW), iso(center + SAME_STORY_WINDOW)
        )
        wanted = set(model_ids)
        for row in rows:
            if same_title(item.title, row["title"]):
                return row["id"]
            linked = {int(m) for m in (row["models"] or "").split(",") if m}
            if kind == "release" and row["type"] == "release" and wanted and linked == wanted:
                return row["id"]
        return None

    async def _facts(
        self, item: FeedItem, kind: str, org: str | None, model_ids: list[int]
    ) -> EntryFacts:
        orgs, openness, modality = await self.store.model_facts(model_ids)
        if org:
            orgs.add(org)
        return EntryFacts(
            orgs=frozenset(normalize(o) for o in orgs),
            openness=frozenset(openness),
            modality=" ".join(sorted(modality)).casefold(),
            type=kind,
            text=f"{item.title} {item.summary}".casefold(),
        )

    async def _fan_out(
        self, entry_id: int, item: FeedItem, facts: EntryFacts, subscriptions: list, now: datetime
    ) -> int:
        published = datetime.fromisoformat(item.published) if item.published else None
        queued = 0
        for sub in subscriptions:
            created = datetime.fromisoformat(sub["created_at"])
            if published is not None and published < created - PUBLISH_GRACE:
                continue
            if not matches(Filters.from_json(json.loads(sub["filters"])), facts):
                continue
            queued += await self.store.enqueue(
                f"alert:{entry_id}:{sub['channel_id']}",
                "alert",
                sub["channel_id"],
                iso(now),
                entry_id=entry_id,
                subscription_id=sub["id"],
                status="held" if sub["paused"] else "pending",
            )
        return queued
