"""The sync engine: fetch a source (conditional GET, content hash), parse it with its adapter,
diff it against the source's last snapshot, and apply it, all in one unit of work.

A sync's steps: fetch -> unchanged? (304, or the same sha256: nothing parsed, one state
update) -> parse -> change set -> supersede the source's older claims and apply the batch ->
the change set's entries into the release watch -> the new sync state. A failure or a kill
anywhere before the commit leaves the previous state. Failures follow feed health: backoff,
paused after `failure_threshold` in a row (still tried, less often), the operators told once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TypeVar

from bot.config import SyncConfig
from bot.core.clock import Clock, iso
from bot.core.errors import ImportRejected, UserError
from bot.core.lookups import Lookups
from bot.core.periodic import run_periodically
from bot.core.records import Batch, ClaimRec, LicenseClaimRec, PriceRec, ScoreRec
from bot.core.results import SyncSummary
from bot.curation.forms import Actor
from bot.curation.trust import imported_run_items
from bot.outbox.outbox import Outbox
from bot.store.catalog import CatalogStore
from bot.store.curation import CurationStore
from bot.store.errors import DATABASE_ERRORS
from bot.store.sync import Snapshot, SyncState, SyncStore
from bot.sync.adapter import Fetched, SourceUnavailable, SyncAdapter, collects
from bot.sync.changes import ChangeSet, diff, fact_map
from bot.sync.entries import change_items
from bot.sync.outcomes import SyncOutcome, SyncStatus
from bot.watch.fetch import Fetcher, FetchError
from bot.watch.ingest import Ingestor

log = logging.getLogger(__name__)

# What applying a snapshot can fail with: its rows refused, or the database in trouble.
_APPLY_FAILED: tuple[type[Exception], ...] = (ImportRejected, *DATABASE_ERRORS)

MAX_BACKOFF = timedelta(days=2)
# Called between the steps of a sync's unit of work with the step's name (tests inject a
# fault here to show a sync that dies half-way leaves the previous state).
StepHook = Callable[[str], Awaitable[None]]


class SyncRefused(UserError):
    """A snapshot that must not be applied (older than the one applied)."""


class SyncEngine:
    def __init__(
        self,
        adapters: Mapping[str, SyncAdapter],
        store: SyncStore,
        catalog: CatalogStore,
        lookups: Lookups,
        ingestor: Ingestor,
        outbox: Outbox,
        fetcher: Fetcher,
        clock: Clock,
        config: SyncConfig,
        audit: CurationStore,
        ops_channel_id: str | None = None,
    ) -> None:
        self.adapters = adapters
        self.store = store
        self.catalog = catalog
        self.lookups = lookups
        self.ingestor = ingestor
        self.outbox = outbox
        self.fetcher = fetcher
        self.clock = clock
        self.config = config
        self.audit = audit
        self.ops_channel_id = ops_channel_id
        self.step_hook: StepHook | None = None
        self._locks: dict[str, asyncio.Lock] = {}

    # ---- what is synced ---------------------------------------------------------------------

    def adapter(self, key: str) -> SyncAdapter:
        adapter = self.adapters.get(key.strip().lower())
        if adapter is None:
            raise UserError(
                "There is no sync source '{}'. Sources: {}.", key[:40], ", ".join(self.adapters)
            )
        return adapter

    def url_of(self, key: str) -> str:
        source = self.config.sources.get(key)
        return (source.url if source and source.url else None) or self.adapters[key].default_url

    def cadence(self, key: str) -> timedelta:
        source = self.config.sources.get(key)
        return timedelta(minutes=source.cadence_minutes if source else 1440)

    async def statuses(self) -> list[SyncStatus]:
        """Every source: enabled or not, where it is fetched from, and its state."""
        states = {s.key: s for s in await self.store.states()}
        return [
            SyncStatus(
                key, a.source.name, key in self.config.sources, self.url_of(key), states.get(key)
            )
            for key, a in self.adapters.items()
        ]

    async def summaries(self) -> list[SyncSummary]:
        """Each source as /about lists it."""
        return [
            SyncSummary(
                s.name,
                s.key,
                s.enabled and self.config.enabled,
                s.state.last_success if s.state else None,
                s.state.as_of if s.state else None,
                s.state.size if s.state else None,
                s.state.models if s.state else 0,
                bool(s.state and s.state.paused),
            )
            for s in await self.statuses()
        ]

    # ---- running ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Sync the due sources every `tick_seconds` until `stop` is set."""
        await run_periodically(
            self.sync_due, self.config.tick_seconds, stop, label="catalog sync round"
        )

    async def sync_due(self) -> list[SyncOutcome]:
        """Sync each enabled source whose next sync is due (never synced: now)."""
        now = iso(self.clock())
        outcomes = []
        for key in self.config.sources:
            state = await self.store.state(key)
            if state is None or not state.next_sync or state.next_sync <= now:
                outcomes.append(await self.sync(key))
        if any(o.entries for o in outcomes):
            self.outbox.deliver_soon()
        return outcomes

    async def sync_now(self, actor: Actor, key: str) -> SyncOutcome:
        """A curator's sync of one source (audited when it changed the catalog)."""
        outcome = await self.sync(self.adapter(key).key, actor=actor)
        if outcome.entries:
            self.outbox.deliver_soon()
        return outcome

    async def sync(
        self,
        key: str,
        *,
        origin: str | None = None,
        as_of: str | None = None,
        actor: Actor | None = None,
        save: Path | None = None,
    ) -> SyncOutcome:
        """Sync one source from its URL (a collecting source: its own `collect`), or from
        `origin` (a file or URL given by hand, as of `as_of` or the file's date): the health
        rules apply to the source's own fetch only. `save` keeps the body fetched."""
        adapter = self.adapter(key)
        lock = self._locks.setdefault(adapter.key, asyncio.Lock())
        async with lock:
            return await self._sync(adapter, origin, as_of, actor, save)

    async def _sync(
        self,
        adapter: SyncAdapter,
        origin: str | None,
        as_of: str | None,
        actor: Actor | None,
        save: Path | None = None,
    ) -> SyncOutcome:
        key = adapter.key
        state = await self.store.state(key)
        url = origin or self.url_of(key)
        if not url:
            raise UserError(
                "Sync source '{}' has no default URL: set sync.sources.{}.url, or sync --from a"
                " file.",
                key,
                key,
            )
        scheduled = origin is None
        try:
            if scheduled and collects(adapter):
                day = as_of or self.clock().date().isoformat()
                fetched: Fetched | None = await adapter.collect(self.catalog, day)
            else:
                fetched = await self._fetch(url, state if scheduled else None, as_of)
        except (FetchError, UserError, SourceUnavailable) as exc:
            return await self._failed(adapter, url, str(exc), state, scheduled)
        if fetched is None:  # 304
            return await self._unchanged(adapter, state, not_modified=True)
        if save is not None:
            await asyncio.to_thread(save.write_bytes, fetched.body)
        digest = hashlib.sha256(fetched.body).hexdigest()
        if state is not None and state.body_hash == digest and state.last_success:
            return await self._unchanged(adapter, state, fetched=fetched)
        if state is not None and state.as_of and fetched.as_of < state.as_of:
            error = (
                f"this snapshot is of {fetched.as_of}, older than the one of {state.as_of}"
                " already applied; it was not applied (an older snapshot never overwrites"
                " a newer one)"
            )
            if scheduled:  # a good fetch with nothing to apply: not due again until its time
                await self._unchanged(adapter, state, fetched=fetched)
            return SyncOutcome(key, False, error=error)
        try:
            batch = await asyncio.to_thread(adapter.parse, fetched)
        except ImportRejected as exc:
            return await self._failed(adapter, url, str(exc), state, scheduled)
        try:
            return await self._apply(
                adapter, fetched, digest, _stamped(batch, fetched.as_of), actor
            )
        except _APPLY_FAILED as exc:  # rolled back whole
            log.exception("sync %s: applying the snapshot failed", key)
            return await self._failed(adapter, url, f"applying it failed: {exc}", state, scheduled)

    async def _fetch(self, url: str, state: SyncState | None, as_of: str | None) -> Fetched | None:
        """The body at `url` (a conditional GET when `state` knows it), None for a 304."""
        if url.startswith(("http://", "https://")):
            same = state is not None and state.url == url and state.last_success
            result = await self.fetcher.fetch(
                url,
                state.etag if same and state else None,
                state.last_modified if same and state else None,
            )
            if result.not_modified:
                return None
            day = as_of or _header_day(result.last_modified) or self.clock().date().isoformat()
            return Fetched(result.body or b"", url, day, result.etag, result.last_modified)
        result = await self.fetcher.read(url)
        day = as_of or _file_day(Path(url.removeprefix("file://")))
        return Fetched(result.body or b"", result.url, day)

    async def _apply(
        self,
        adapter: SyncAdapter,
        fetched: Fetched,
        digest: str,
        batch: Batch,
        actor: Actor | None,
    ) -> SyncOutcome:
        key, now = adapter.key, self.clock()
        facts = fact_map(batch)
        try:
            async with self.store.transaction():
                changes = diff(key, fetched.as_of, await self.store.facts(key), facts)
                await self.store.clear_source_claims(key)  # the newer snapshot supersedes
                await self._step("superseded")
                applied = await self.catalog.apply(batch)
                await self._step("applied")
                await self.lookups.refresh()  # new models are linked to their entries
                items = imported_run_items(applied.independent, iso(now))  # once: by guid
                if not changes.baseline and not changes.empty:
                    items += change_items(adapter, changes, batch, iso(now))
                entries = len((await self.ingestor.ingest(items)).new) if items else 0
                await self._step("ingested")
                snap = Snapshot(
                    fetched.url,
                    fetched.etag,
                    fetched.last_modified,
                    digest,
                    len(fetched.body),
                    fetched.as_of,
                    len(batch.models),
                    facts,
                )
                resumed = await self.store.record_snapshot(
                    key, snap, iso(now), iso(now + self.cadence(key))
                )
                if resumed:
                    await self._notify(adapter, "resumed", "Sync source **{}** answers again.")
                if actor is not None and not changes.empty:
                    await self._audit(actor, adapter, changes, iso(now))
        except BaseException:
            await self.lookups.refresh()  # the index must not keep rolled-back models
            raise
        log.info("sync %s: %s", key, changes.describe(limit=5))
        return SyncOutcome(
            key, True, changes, entries=entries, resumed=resumed, skipped=len(batch.skipped)
        )

    async def _step(self, name: str) -> None:
        if self.step_hook is not None:
            await self.step_hook(name)

    async def _unchanged(
        self,
        adapter: SyncAdapter,
        state: SyncState | None,
        *,
        not_modified: bool = False,
        fetched: Fetched | None = None,
    ) -> SyncOutcome:
        now = self.clock()
        async with self.store.transaction():
            resumed = await self.store.record_unchanged(
                adapter.key,
                iso(now),
                iso(now + self.cadence(adapter.key)),
                fetched.etag if fetched else None,
                fetched.last_modified if fetched else None,
            )
            if resumed:
                await self._notify(adapter, "resumed", "Sync source **{}** answers again.")
        return SyncOutcome(
            adapter.key,
            True,
            not_modified=not_modified,
            unchanged=not not_modified,
            resumed=resumed,
        )

    async def _failed(
        self,
        adapter: SyncAdapter,
        url: str,
        error: str,
        state: SyncState | None,
        scheduled: bool,
    ) -> SyncOutcome:
        """Record a failure of the source's own URL (backoff, pause, one notice); a file or
        URL given by hand only reports it."""
        log.warning("sync %s failed: %s", adapter.key, error)
        if not scheduled:
            return SyncOutcome(adapter.key, False, error=error)
        now = self.clock()
        failures = (state.failures if state else 0) + 1
        cadence = self.cadence(adapter.key)
        wait = min(cadence * 2 ** min(failures - 1, 6), max(cadence, MAX_BACKOFF))
        async with self.store.transaction():
            failures, tell = await self.store.record_failure(
                adapter.key, url, iso(now), iso(now + wait), error, self.config.failure_threshold
            )
            if tell:
                await self._notify(
                    adapter,
                    "paused",
                    f"Sync source **{{}}** failed {failures} times in a row and is paused: {{}}."
                    " It is still tried now and then and resumes by itself when it answers.",
                    error,
                )
        paused = failures >= self.config.failure_threshold
        return SyncOutcome(adapter.key, False, error=error, paused=paused)

    async def _notify(self, adapter: SyncAdapter, what: str, text: str, *parts: str) -> None:
        """A notice to the operators' channel (inside the caller's transaction)."""
        if not self.ops_channel_id:
            log.warning("no ops channel configured; sync %s %s", adapter.key, what)
            return
        await self.outbox.notice(
            f"sync-{what}:{adapter.key}",
            self.ops_channel_id,
            iso(self.clock()),
            f"Sync {what}",
            text,
            (adapter.source.name, *parts),
        )

    async def _audit(self, actor: Actor, adapter: SyncAdapter, changes: ChangeSet, at: str) -> None:
        summary = (
            f"synced {adapter.key}: {changes.added} added, {changes.changed} changed,"
            f" {changes.removed} removed"
        )
        counts = {
            "added": changes.added,
            "changed": changes.changed,
            "removed": changes.removed,
            "as_of": changes.as_of,
        }
        await self.audit.record(
            at,
            actor.id,
            actor.name,
            "sync",
            adapter.key,
            summary,
            [],
            {"sync": counts},
            actor.guild_id,
        )


_Claimed = TypeVar("_Claimed", ClaimRec, LicenseClaimRec, ScoreRec, PriceRec)


def _stamped(batch: Batch, as_of: str) -> Batch:
    """Every claim of the batch with an as-of date: its own, else the snapshot's."""

    def stamp(rec: _Claimed) -> _Claimed:
        return rec if rec.prov.as_of else replace(rec, prov=replace(rec.prov, as_of=as_of))

    return replace(
        batch,
        claims=[stamp(c) for c in batch.claims],
        license_claims=[stamp(c) for c in batch.license_claims],
        scores=[stamp(s) for s in batch.scores],
        prices=[stamp(p) for p in batch.prices],
    )


def _header_day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(dt.UTC).date().isoformat()
    except (TypeError, ValueError):
        return None


def _file_day(path: Path) -> str:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    except OSError:
        return dt.datetime.now(dt.UTC).date().isoformat()
