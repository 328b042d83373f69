"""Ingesting feed items: deduplicate, link to models, classify, store, and queue alerts.

One call is one unit of work (its own, or the caller's it joins): the entries and the outbox
rows for every matching subscription are written together, so an alert can never be lost
between storing and queueing. What the dedup needs (known identities, recent entries) is read
once per call, not once per item.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from bot.core.clock import Clock, iso
from bot.core.index import NameIndex
from bot.core.names import normalize, title_key, title_numbers
from bot.outbox.keys import alert_key
from bot.outbox.outbox import Outbox
from bot.store.watch import WatchStore
from bot.watch.classify import classify
from bot.watch.edits import changed_text, queue_edits, text_hash
from bot.watch.filters import EntryFacts, Filters, matches
from bot.watch.flood import (
    DEFAULT_CAP,
    Planned,
    RoundBudget,
    feed_urls,
    queue_summary,
    split,
    summary_key,
)
from bot.watch.identity import identities
from bot.watch.items import PUBLISH_GRACE, SUMMARY_SCAN, FeedItem
from bot.watch.linking import models_named
from bot.watch.provisional import ANNOUNCING, NewModel, ProvisionalRecords
from bot.watch.records import EntryText, EntryUpdate, ReportedEntry, StoryCandidate, Subscription

log = logging.getLogger(__name__)

SAME_STORY_WINDOW = timedelta(days=3)
# A source that re-guids (re-issues a story it reported under a new guid and link) has its
# items matched by normalised title and summary against what it reported this far back.
REGUID_WINDOW = timedelta(days=90)
# A source is taken for re-guiding once this many of its fetches re-issued a story, each within
# REGUID_LAPSE of the one before; one not seen doing it for REGUID_LAPSE is trusted again.
REGUID_EVIDENCE = 3
REGUID_LAPSE = timedelta(days=30)
# An item dated this close to the fetch carries the fetch's moment, not its own date (some
# re-guiding feeds also stamp every item with the time they are fetched).
FETCH_MOMENT = timedelta(minutes=1)
TITLE_MATCH = 92.0
SUMMARY_MATCH = 90.0
# Two keys fuzz.ratio scores at TITLE_MATCH or more differ in length by at most this factor
# (ratio = 1 - distance / (len a + len b), and the distance is at least the length difference):
# the store looks for candidates of those lengths only. Rounded outwards.
_SHORTEST, _LONGEST = 0.85, 1.18


def same_title(a: str, b: str) -> bool:
    """Near-identical titles that name the same numbers ('Gemma 4' is not 'Gemma 3')."""
    if title_numbers(a) != title_numbers(b):
        return False
    return fuzz.ratio(title_key(a), title_key(b)) >= TITLE_MATCH


@dataclass
class IngestReport:
    new: list[int] = field(default_factory=list)
    merged: int = 0
    unchanged: int = 0
    queued: int = 0  # alerts queued
    summarised: int = 0  # alerts the per-poll cap folded into summary messages
    updated: int = 0  # entries whose own source changed their text
    edits: int = 0  # edits of posted alerts queued
    created: list[NewModel] = field(default_factory=list)  # provisional catalog records


@dataclass(frozen=True)
class _Recent:
    """An entry inside the dedup window, as the batch sees it."""

    id: int
    key: str  # normalised title
    numbers: str  # the numbers the title names
    type: str
    when: datetime
    models: frozenset[int]

    @classmethod
    def of(cls, candidate: StoryCandidate) -> _Recent:
        return cls(
            candidate.id,
            candidate.title_key,
            candidate.title_numbers,
            candidate.type,
            datetime.fromisoformat(candidate.moment),
            candidate.models,
        )

    def same_title(self, key: str, numbers: str) -> bool:
        return numbers == self.numbers and fuzz.ratio(key, self.key, score_cutoff=TITLE_MATCH) > 0


@dataclass(frozen=True)
class _Fresh:
    """An item no identity knows, linked and classified once, with its dedup keys."""

    index: int  # its place in the batch
    key: str
    numbers: str
    kind: str
    when: datetime  # its date, else the fetch's moment
    model_ids: list[int]

    def probes(self) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        """What the store looks for: entries of a near-identical title, and releases of the
        same models, of a moment within SAME_STORY_WINDOW."""
        low, high = iso(self.when - SAME_STORY_WINDOW), iso(self.when + SAME_STORY_WINDOW)
        size = len(self.key)
        title = (
            self.index,
            self.numbers,
            low,
            high,
            int(size * _SHORTEST),
            math.ceil(size * _LONGEST),
        )
        models = (
            [(self.index, m, low, high) for m in set(self.model_ids)]
            if self.kind == "release"
            else []
        )
        return title, models


@dataclass(frozen=True)
class _Subscription:
    """A subscription as fan-out needs it, its filters parsed once per ingest."""

    id: int
    channel_id: str
    filters: Filters
    created: datetime
    paused: bool

    @classmethod
    def all(cls, subscriptions: list[Subscription]) -> list[_Subscription]:
        return [
            cls(s.id, s.channel_id, s.filters, datetime.fromisoformat(s.created_at), s.paused)
            for s in subscriptions
        ]


@dataclass(frozen=True)
class _Told:
    """An entry a source reported lately, as re-guid matching compares it."""

    id: int
    opening: str  # of its summary, normalised
    published: datetime | None
    seen: datetime  # when the source first reported it


class _Reported:
    """What each source reported lately, by normalised title, to catch a story it re-issues
    under a new guid and link.

    The rule: an item no identity knows is an entry its own source reported within 3 days when
    their normalised titles are equal, their summaries' openings nearly so, and the entry is not
    itself in the same fetch under a known identity (then the feed lists two posts). A source
    whose fetches did that REGUID_EVIDENCE times, each within REGUID_LAPSE of the one before, is
    flagged as re-guiding: its items are then also matched against what it reported within
    REGUID_WINDOW, but only when the item's date says nothing against it (no date, the entry's
    own date, or the fetch's moment): a re-guided copy keeps or lacks its date, a new weekly
    post has a new one. The flag lapses once the source has not re-guided for REGUID_LAPSE.

    Guarding against false merges of two posts of one title ("Weekly update"): they differ in
    their summaries, are both listed, or are more than 3 days apart, and one re-posted item (a
    correction) is no evidence. What is left: a re-guiding source posting the same title and
    summary opening within 90 days, undated or dated at the fetch, is taken for the same story,
    and a story it keeps re-issuing for longer than 90 days (counted from when it first reported
    it) alerts again once.
    """

    def __init__(self, reguiding: set[str], listed: set[int], now: datetime) -> None:
        self.reguiding = reguiding  # sources flagged (and not lapsed) before this batch
        self.listed = listed  # entries this fetch lists under an identity already known
        self.now = now
        self.found: set[str] = set()  # sources this batch shows re-guiding, flagged or not
        self._titles: dict[str, dict[str, list[_Told]]] = {}

    def window(self, source_key: str) -> timedelta:
        return REGUID_WINDOW if source_key in self.reguiding else SAME_STORY_WINDOW

    def load(self, source_key: str, rows: list[ReportedEntry]) -> None:
        titles = self._titles.setdefault(source_key, {})
        for r in rows:
            told = _Told(
                r.id,
                _opening(r.summary),
                datetime.fromisoformat(r.published) if r.published else None,
                datetime.fromisoformat(r.seen_at),
            )
            titles.setdefault(r.title_key, []).append(told)

    def match(self, item: FeedItem, key: str) -> int | None:
        candidates = self._titles.get(item.source_key, {}).get(key, ())
        opening = _opening(item.summary)
        for told in candidates:
            if told.id in self.listed or not fuzz.ratio(
                opening, told.opening, score_cutoff=SUMMARY_MATCH
            ):
                continue
            if self.now - told.seen > SAME_STORY_WINDOW and not self._same_date(item, told):
                continue
            self.found.add(item.source_key)
            return told.id
        return None

    def _same_date(self, item: FeedItem, told: _Told) -> bool:
        """The item's date says nothing against being a copy of `told`."""
        if not item.published:
            return True
        when = datetime.fromisoformat(item.published)
        return when == told.published or abs(when - self.now) <= FETCH_MOMENT


def _opening(summary: str | None) -> str:
    return normalize((summary or "")[:SUMMARY_SCAN])


class _Window:
    """The entries a batch's fresh items may be the same story as: the store's candidates for
    each item, and the batch's own new entries by title numbers and by models."""

    def __init__(self, candidates: list[StoryCandidate]) -> None:
        self._found: dict[int, list[_Recent]] = {}
        for candidate in candidates:
            self._found.setdefault(candidate.item, []).append(_Recent.of(candidate))
        self._by_numbers: dict[str, list[_Recent]] = {}
        self._by_models: dict[frozenset[int], list[_Recent]] = {}

    def add(self, entry: _Recent) -> None:
        self._by_numbers.setdefault(entry.numbers, []).append(entry)
        if entry.models:
            self._by_models.setdefault(entry.models, []).append(entry)

    def near(self, fresh: _Fresh) -> list[_Recent]:
        """Stored candidates first, then the batch's, each in order of their moment."""
        stored = sorted(self._found.get(fresh.index, ()), key=lambda r: (r.when, r.id))
        added = self._by_numbers.get(fresh.numbers, [])
        if fresh.model_ids:
            added = added + self._by_models.get(frozenset(fresh.model_ids), [])
        return stored + added


@dataclass
class _Batch:
    now: datetime
    baseline: bool
    known: dict[str, int]
    fresh: dict[int, _Fresh]
    recent: _Window
    sourced: set[tuple[int, str]]
    reported: _Reported
    subscriptions: list[_Subscription]
    next_id: int = 0
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    identities: list[tuple[str, int]] = field(default_factory=list)
    sources: list[tuple[int, str, str, str | None, str]] = field(default_factory=list)
    models: list[tuple[int, int]] = field(default_factory=list)
    orgs: dict[str, str] = field(default_factory=dict)
    news: list[tuple[int, int, str]] = field(default_factory=list)  # entry, model, line
    fan_out: list[tuple[int, EntryFacts, FeedItem]] = field(default_factory=list)
    texts: dict[int, EntryText] = field(default_factory=dict)  # of entries known before
    hashed: list[tuple[str, str, int]] = field(default_factory=list)  # (source, hash, entry)
    updates: dict[int, EntryUpdate] = field(default_factory=dict)


async def entry_facts(
    store: WatchStore,
    org: str | None,
    kind: str,
    title: str,
    summary: str,
    model_ids: Sequence[int],
    new_to_catalog: bool = False,
) -> EntryFacts:
    """What subscription filters look at: organisations (the entry's and its models'), the
    models' openness and modality claims, the type, the text, and whether the entry brought
    the catalog a new record."""
    orgs, openness, modality = await store.model_facts(list(model_ids))
    if org:
        orgs.add(org)
    return EntryFacts(
        orgs=frozenset(normalize(o) for o in orgs),
        openness=frozenset(openness),
        modality=" ".join(sorted(modality)).casefold(),
        type=kind,
        text=f"{title} {summary}".casefold(),
        new_to_catalog=new_to_catalog,
    )


class Ingestor:
    def __init__(
        self,
        store: WatchStore,
        outbox: Outbox,
        models: Callable[[], NameIndex],
        clock: Clock,
        *,
        max_alerts: int = DEFAULT_CAP,
        edit_alerts: bool = True,
        provisional: ProvisionalRecords | None = None,
        on_catalog_change: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.edit_alerts = edit_alerts  # an updated item edits its posted alerts
        # Release entries naming models the catalog lacks add provisional records, and the
        # name index is rebuilt (`on_catalog_change`) once the ingest's unit has committed.
        self.provisional = provisional
        self.on_catalog_change = on_catalog_change
        self.outbox = outbox
        self._models = models
        self.clock = clock
        self.max_alerts = max_alerts  # per channel and poll round; see bot/watch/flood.py

    async def ingest(
        self,
        items: Sequence[FeedItem],
        *,
        baseline: bool = False,
        budget: RoundBudget | None = None,
    ) -> IngestReport:
        """Store new items and queue their alerts, in one unit of work (joining the caller's,
        a curator's change or a poll, if one is open); `baseline` stores without alerting.
        `budget` is the poll round's, shared by its ingests; without one this ingest has its own."""
        outermost = not self.store.db.in_transaction
        report = await self._ingest(items, baseline, budget)
        if outermost:
            await self.catalog_changed(report)
        return report

    async def catalog_changed(self, report: IngestReport) -> None:
        """Rebuild the name index if the ingest added records; a caller whose unit of work
        the ingest joined calls this once it has committed."""
        if report.created and self.on_catalog_change is not None:
            await self.on_catalog_change()

    async def _ingest(
        self, items: Sequence[FeedItem], baseline: bool, budget: RoundBudget | None
    ) -> IngestReport:
        async with self.store.transaction():
            now = self.clock()
            report = IngestReport()
            keys = [identities(item) for item in items]
            # Identities first: items a known identity names (most items of most polls) need
            # no linking, classifying or dedup window.
            known = await self.store.lookup_identities([k for ks in keys for k in ks])
            fresh = self._fresh(items, keys, known, now)
            batch = _Batch(
                now=now,
                baseline=baseline,
                known=known,
                fresh=fresh,
                recent=_Window(await self._candidates(items, fresh)),
                sourced=await self.store.sources_of(known.values()),
                reported=await self._reported(items, keys, known, now),
                subscriptions=[]
                if baseline
                else _Subscription.all(await self.store.subscriptions()),
                # Ids are assigned here so new entries go in with one statement; the write
                # transaction keeps anyone else from inserting meanwhile.
                next_id=await self.store.max_entry_id() + 1,
                texts=await self.store.entry_texts(known.values()),
            )
            for index, (item, item_keys) in enumerate(zip(items, keys, strict=True)):
                await self._one(index, item, item_keys, batch, report)
            await self.store.insert_entries(batch.entries)
            await self.store.add_links(batch.identities, batch.sources, batch.models)
            await self._updated(batch, report)
            if batch.news:
                await self.store.add_entry_news(batch.news)
            lapsed = iso(now - REGUID_LAPSE)
            for source_key in sorted(batch.reported.found):
                if await self.store.note_reguiding(source_key, iso(now), lapsed, REGUID_EVIDENCE):
                    log.info("source %s re-issues its items under new guids and links", source_key)
            await self._fan_out(batch, report, budget or RoundBudget(self.max_alerts))
            return report

    def _fresh(
        self,
        items: Sequence[FeedItem],
        keys: list[list[str]],
        known: dict[str, int],
        now: datetime,
    ) -> dict[int, _Fresh]:
        """The items no identity knows, linked and classified, by their place in the batch."""
        index = self._models()
        fresh: dict[int, _Fresh] = {}
        for i, (item, item_keys) in enumerate(zip(items, keys, strict=True)):
            if any(k in known for k in item_keys):
                continue
            fresh[i] = _Fresh(
                i,
                title_key(item.title),
                title_numbers(item.title),
                item.type or classify(item.title, item.summary[:SUMMARY_SCAN]),
                datetime.fromisoformat(item.published) if item.published else now,
                self._model_ids(item, index),
            )
        return fresh

    async def _candidates(
        self, items: Sequence[FeedItem], fresh: dict[int, _Fresh]
    ) -> list[StoryCandidate]:
        """Stored entries the fresh items (not undated history) may be the same story as."""
        by_title: list[tuple[Any, ...]] = []
        by_models: list[tuple[Any, ...]] = []
        for i, f in fresh.items():
            if items[i].history:  # undated history matches by identity only
                continue
            title, models = f.probes()
            by_title.append(title)
            by_models += models
        if not by_title:
            return []
        return await self.store.story_candidates(by_title, by_models)

    async def _reported(
        self,
        items: Sequence[FeedItem],
        keys: list[list[str]],
        known: dict[str, int],
        now: datetime,
    ) -> _Reported:
        """What the sources of the items no identity knows reported lately."""
        unknown = {
            item.source_key
            for item, item_keys in zip(items, keys, strict=True)
            if not item.history and not any(k in known for k in item_keys)
        }
        listed = {known[key] for item_keys in keys for key in item_keys if key in known}
        flagged = await self.store.reguiding_sources(unknown, iso(now - REGUID_LAPSE))
        reported = _Reported(flagged, listed, now)
        for source_key in unknown:
            since = iso(now - reported.window(source_key))
            reported.load(source_key, await self.store.reported_since(source_key, since))
        return reported

    async def _one(
        self, index: int, item: FeedItem, keys: list[str], batch: _Batch, report: IngestReport
    ) -> None:
        stamp = iso(batch.now)
        # Known by identity (most items of most polls), maybe by an earlier item of this batch.
        existing = next((batch.known[k] for k in keys if k in batch.known), None)
        if existing is not None:
            self._compare_text(existing, item, batch)
        fresh = batch.fresh.get(index)
        if existing is None and fresh is not None and not item.history:
            existing = batch.reported.match(item, fresh.key)  # re-issued by its own source
            if existing is not None:
                batch.sourced.add((existing, item.source_key))
            else:
                existing = self._same_story(fresh, batch)
        if existing is None and fresh is not None:
            await self._new_entry(item, fresh, keys, batch, report)
            return
        if existing is None:  # cannot be: an item that is not fresh has a known identity
            raise LookupError(f"no entry for {keys}")
        self._remember(batch, existing, keys)
        if (existing, item.source_key) in batch.sourced:
            report.unchanged += 1
        else:
            batch.sourced.add((existing, item.source_key))
            batch.sources.append((existing, item.source_key, item.source_name, item.link, stamp))
            report.merged += 1

    async def _new_entry(
        self, item: FeedItem, fresh: _Fresh, keys: list[str], batch: _Batch, report: IngestReport
    ) -> None:
        stamp, kind, model_ids = iso(batch.now), fresh.kind, fresh.model_ids
        org = await self._org(item.org, batch) if item.org else None
        entry_id = batch.next_id
        batch.next_id += 1
        backlog = batch.baseline or item.history
        created = await self._provisional(item, entry_id, kind, org, backlog, model_ids, stamp[:10])
        if created:
            model_ids = _without_stems(model_ids, created, self._models())
            report.created += created
            batch.news += [(entry_id, new.model_id, new.line) for new in created]
        batch.entries.append(
            (
                entry_id,
                item.title,
                fresh.key,
                fresh.numbers,
                item.link,
                item.summary,
                item.published,
                kind,
                org,
                stamp,
                backlog,
            )
        )
        self._remember(batch, entry_id, keys)
        batch.sourced.add((entry_id, item.source_key))
        batch.sources.append((entry_id, item.source_key, item.source_name, item.link, stamp))
        batch.models += [(entry_id, m) for m in model_ids]
        batch.hashed.append((item.source_key, text_hash(item.title, item.summary), entry_id))
        if not item.history:
            recent = _Recent(
                entry_id, fresh.key, fresh.numbers, kind, fresh.when, frozenset(model_ids)
            )
            batch.recent.add(recent)
        report.new.append(entry_id)
        if batch.subscriptions and not item.history:
            batch.fan_out.append(
                (
                    entry_id,
                    await entry_facts(
                        self.store, org, kind, item.title, item.summary, model_ids, bool(created)
                    ),
                    item,
                )
            )

    async def _provisional(
        self,
        item: FeedItem,
        entry_id: int,
        kind: str,
        org: str | None,
        backlog: bool,
        model_ids: list[int],
        today: str,
    ) -> list[NewModel]:
        """What a new entry brings the catalog (not a first poll's backlog or undated
        history: they are not news): provisional records of the models a release entry
        names that the catalog lacks, or a license-change entry's new license."""
        if self.provisional is None or backlog:
            return []
        if kind == "license_change":
            return await self.provisional.license_change(item, entry_id, model_ids, today)
        if kind not in ANNOUNCING:
            return []
        names = self.provisional.names(item, org)
        return await self.provisional.record(item, entry_id, org, names, today)

    @staticmethod
    def _compare_text(entry_id: int, item: FeedItem, batch: _Batch) -> None:
        """Note a material change of the text of an entry known before this batch, by the
        source its text came from (a re-date or a re-guid changes nothing; see
        bot/watch/edits.py). An entry stored before hashes were kept gets one, silently."""
        known = batch.texts.get(entry_id)
        update = None if known is None else changed_text(entry_id, known, item)
        if known is None or update is None:
            return
        batch.texts[entry_id] = EntryText(item.source_key, update.text_hash)
        if known.text_hash is None:
            batch.hashed.append((item.source_key, update.text_hash, entry_id))
        else:
            batch.updates[entry_id] = update

    async def _updated(self, batch: _Batch, report: IngestReport) -> None:
        """Store the batch's text hashes and new texts, and queue the edits of the posted
        alerts of the entries whose text changed."""
        await self.store.note_entry_texts(batch.hashed)
        stamp = iso(batch.now)
        for update in batch.updates.values():
            await self.store.update_entry_text(update, stamp)
            report.updated += 1
            if self.edit_alerts:
                report.edits += await queue_edits(self.outbox, update.entry_id, stamp)

    @staticmethod
    def _remember(batch: _Batch, entry_id: int, keys: list[str]) -> None:
        for key in keys:
            if key not in batch.known:
                batch.known[key] = entry_id
                batch.identities.append((key, entry_id))

    async def _org(self, name: str, batch: _Batch) -> str:
        if name not in batch.orgs:
            batch.orgs[name] = await self.store.canonical_org(name)
        return batch.orgs[name]

    def _model_ids(self, item: FeedItem, index: NameIndex) -> list[int]:
        if item.models:
            found = [index.exact(name) for name in item.models]
            return [e.id for e in found if e is not None]
        return [e.id for e in models_named(index, item.title, item.summary)]

    @staticmethod
    def _same_story(fresh: _Fresh, batch: _Batch) -> int | None:
        """An entry another source already reported: a near-identical title, or the same
        release of the same models, within a few days."""
        wanted = frozenset(fresh.model_ids)
        for recent in batch.recent.near(fresh):
            if abs(recent.when - fresh.when) > SAME_STORY_WINDOW:
                continue
            if recent.same_title(fresh.key, fresh.numbers):
                return recent.id
            if fresh.kind == "release" == recent.type and wanted and recent.models == wanted:
                return recent.id
        return None

    async def _fan_out(self, batch: _Batch, report: IngestReport, budget: RoundBudget) -> None:
        """Queue the batch's alerts, as many per channel as the round's budget has left, and one
        summary per channel and source for the rest (no role ping: see `OutboxStore.pending`)."""
        alerted, rest = split(self._planned(batch), budget)
        stamp = iso(batch.now)
        for alert in alerted:
            report.queued += await self.outbox.enqueue(
                alert_key(alert.entry_id, alert.channel_id),
                "alert",
                alert.channel_id,
                stamp,
                entry_id=alert.entry_id,
                subscription_id=alert.subscription_id,
                held=alert.paused,
            )
        urls = await feed_urls(self.store, (source_key for _, source_key in rest))
        for (channel_id, source_key), held_back in rest.items():
            first = held_back[0]
            await queue_summary(
                self.outbox,
                urls[source_key],
                summary_key(held_back),
                channel_id,
                source_key,
                first.source_name,
                len(held_back),
                first.subscription_id,
                stamp,
                held=first.paused,
            )
            report.summarised += len(held_back)

    @staticmethod
    def _planned(batch: _Batch) -> list[Planned]:
        """Every alert the subscriptions want, entry by entry in feed order; a channel that
        two subscriptions match gets the entry once, from the first."""
        planned: list[Planned] = []
        seen: set[tuple[int, str]] = set()
        for entry_id, facts, item in batch.fan_out:
            published = datetime.fromisoformat(item.published) if item.published else None
            for sub in batch.subscriptions:
                if published is not None and published < sub.created - PUBLISH_GRACE:
                    continue
                if (entry_id, sub.channel_id) in seen or not matches(sub.filters, facts):
                    continue
                seen.add((entry_id, sub.channel_id))
                planned.append(
                    Planned(
                        entry_id,
                        sub.channel_id,
                        sub.id,
                        sub.paused,
                        item.source_key,
                        item.source_name,
                        published or batch.now,
                    )
                )
        return planned


def _without_stems(model_ids: list[int], created: list[NewModel], index: NameIndex) -> list[int]:
    """The entry's models: the new records first, then the linked ones that are not a mere
    stem of a new name ('Claude Opus' found in 'Claude Opus 6' is not what it announces)."""
    new_keys = [normalize(new.name) for new in created]
    new_ids = [new.model_id for new in created]
    wanted = set(model_ids)
    names = {e.id: normalize(e.name) for e in index.entries if e.id in wanted}
    kept = [
        m
        for m in model_ids
        if m not in new_ids
        and not any(k != names.get(m, k) and k.startswith(names.get(m, k)) for k in new_keys)
    ]
    return new_ids + kept
