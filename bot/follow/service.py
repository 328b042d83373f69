"""Personal watchlists: follows keyed by user id, the changes found for them in the release
watch's entries and the curators' audit log, and one DM per user at most once per batch window.

Changes are collected in the same transaction that moves a cursor over the entries and the
audit log; a batch becomes one outbox row (kind `follow_dm`, to the user's DM channel
`user:<id>`) in the same transaction that marks its changes, so each DM goes out once however
the process stops. A user whose DMs are closed (Discord's 50007) is paused, not retried: their
DM is held until they run /following or /follow again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.config import FollowConfig
from bot.core.clock import Clock, iso
from bot.core.errors import UserError
from bot.core.index import NameEntry, NameIndex
from bot.core.lookups import Lookups, clean_query
from bot.core.names import normalize
from bot.core.periodic import run_periodically
from bot.follow.records import Followed, Watchlist
from bot.outbox.outbox import Outbox
from bot.render.cards import Reply
from bot.render.follow import render_follow_dm
from bot.store.follows import AuditFact, EntryFact, FollowRecord, FollowStore
from bot.store.outbox import OutboxRecord

log = logging.getLogger(__name__)

KINDS = ("model", "org", "license", "benchmark")
WHATS = ("license", "price", "scores", "releases")
DM_KIND = "follow_dm"
MAX_TARGET = 200
SENT_KEPT = timedelta(days=30)  # changes already sent are forgotten after this
# Entry types as what a follower chose to hear of; every other type is a release.
_ENTRY_WHAT = {"license_change": "license", "price_change": "price"}
# Curator changes worth a DM, by audit action; release entries come through the watch.
_AUDIT_WHAT = {"license set": "license", "score add": "scores"}


def dm_channel(user_id: str) -> str:
    """The outbox channel of a user's DMs (the poster opens the DM channel)."""
    return f"user:{user_id}"


class FollowService:
    def __init__(
        self,
        store: FollowStore,
        lookups: Lookups,
        outbox: Outbox,
        clock: Clock,
        settings: FollowConfig | None = None,
    ) -> None:
        self.store = store
        self.lookups = lookups
        self.outbox = outbox
        self.clock = clock
        self.settings = settings or FollowConfig()
        self._round = asyncio.Lock()
        outbox.register(DM_KIND, _render_dm_row, self.dm_unavailable)

    # ---- a user's list -------------------------------------------------------------------

    async def follow(
        self, user_id: str, kind: str, target: str | None, what: str | None = None
    ) -> Followed:
        """Follow a target (resolved like the lookups, did-you-mean on a miss); following it
        again changes what is followed. Following resumes paused DMs."""
        kind = _kind(kind)
        wanted = parse_what(what)
        key, name = await self.resolve(kind, target)
        async with self.store.transaction():
            existing = {(f.kind, f.target_key) for f in await self.store.follows_of(user_id)}
            count = len(existing)
            if (kind, key) not in existing and count >= self.settings.max_per_user:
                raise UserError(
                    "You follow {} targets, the limit; /unfollow one first.", str(count)
                )
            follow_id, new = await self.store.upsert(
                user_id, kind, key, name, wanted, iso(self.clock())
            )
            resumed = await self._resume(user_id)
        return Followed(follow_id, kind, name, wanted, new, resumed)

    async def following(self, user_id: str) -> Watchlist:
        """The user's follows and DM state; looking resumes DMs paused because they were closed."""
        async with self.store.transaction():
            user = await self.store.user(user_id)  # as it was: a pause is explained once
            resumed = await self._resume(user_id)
            follows = await self.store.follows_of(user_id)
            waiting = await self.store.pending_count(user_id)
        return Watchlist(tuple(follows), user, waiting, resumed, self.settings.max_per_user)

    async def unfollow(self, user_id: str, target: str | None) -> str:
        """Stop following one target (by its name as listed, or its number); 'all' deletes
        every follow, change and DM kept for the user. What was removed, for the reply."""
        text = clean_query(target, "target (a followed name, or all)", MAX_TARGET)
        if text.strip().lower() == "all":
            async with self.store.transaction():
                gone = await self.store.remove_all(user_id, dm_channel(user_id))
            return f"all {gone} follows and every watchlist DM kept for you"
        follows = await self.store.follows_of(user_id)
        chosen = _chosen(follows, text)
        if chosen is None:
            names = ", ".join(f.target_name for f in follows[:10]) or "nothing"
            raise UserError("You do not follow '{}'. You follow: {}.", text, names)
        async with self.store.transaction():
            await self.store.remove(user_id, chosen.id)
        return f"{chosen.kind} {chosen.target_name}"

    async def names(self, user_id: str) -> list[str]:
        """The names the user follows (for autocomplete)."""
        return [f.target_name for f in await self.store.follows_of(user_id)]

    async def unfollow_id(self, user_id: str, follow_id: int) -> FollowRecord | None:
        """Remove the user's follow `follow_id` (the DM's button); None if it is not theirs
        or already gone."""
        async with self.store.transaction():
            follow = await self.store.follow(user_id, follow_id)
            if follow is not None:
                await self.store.remove(user_id, follow_id)
        return follow

    def target_choices(self, kind: str | None, current: str) -> list[str]:
        """Autocomplete names for a target of `kind` (models by default), from memory."""
        if kind == "benchmark":
            entries = self.lookups.benchmarks.autocomplete(current)
        elif kind == "org":
            entries = self._org_index().autocomplete(current)
        elif kind == "license":
            return []  # licenses are few: typed, and resolved with did-you-mean
        else:
            entries = self.lookups.models.autocomplete(current)
        return [e.name for e in entries][:25]

    async def resolve(self, kind: str, target: str | None) -> tuple[str, str]:
        """(target key, name as shown) of the target, or a UserError with alternatives."""
        if kind == "model":
            entry, _ = self.lookups.resolve_model(target)
            return str(entry.id), entry.name
        if kind == "benchmark":
            entry, _ = self.lookups.resolve_benchmark(target)
            return str(entry.id), entry.name
        if kind == "org":
            query = clean_query(target, "organisation name", MAX_TARGET)
            entry = _resolved(self._org_index(), query, "organisation")
            return normalize(entry.name), entry.name
        query = clean_query(target, "license (Apache-2.0, MIT ...)", MAX_TARGET)
        found = await self.lookups.store.find_license(normalize(query))
        if found is not None:
            return found.id, found.name
        licenses = await self.lookups.store.licenses()
        index = NameIndex(NameEntry(i, r.name, aliases=(r.id,)) for i, r in enumerate(licenses))
        entry = _resolved(index, query, "license")
        return licenses[entry.id].id, licenses[entry.id].name

    def _org_index(self) -> NameIndex:
        orgs = sorted({e.org for e in self.lookups.models.entries if e.org})
        cached = getattr(self, "_orgs", None)
        if cached is None or cached[0] != orgs:
            self._orgs = (orgs, NameIndex(NameEntry(i, o) for i, o in enumerate(orgs)))
        return self._orgs[1]

    async def _resume(self, user_id: str) -> bool:
        user = await self.store.user(user_id)
        if user is None or not user.paused:
            return False
        await self.store.resume(user_id, dm_channel(user_id), iso(self.clock()))
        self.outbox.wake()
        return True

    # ---- collecting changes and queueing DMs ---------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Collect and batch every `tick_seconds` until `stop` is set."""
        await run_periodically(self.round, self.settings.tick_seconds, stop, label="follow round")

    async def round(self) -> int:
        """Collect new changes, queue the DMs that are due and send them; how many queued."""
        async with self._round:
            await self.collect()
            queued = await self.queue_due()
            async with self.store.transaction():
                await self.store.prune_sent(iso(self.clock() - SENT_KEPT))
        if queued:
            self.outbox.deliver_soon()
        return queued

    async def collect(self) -> int:
        """Turn entries and curator changes past the cursors into changes of the follows they
        concern (in the transaction that moves the cursors). How many changes."""
        found = 0
        async with self.store.transaction():
            entries = await self.store.entries_after(await self.store.cursor("entries"))
            for entry in entries:
                found += await self._entry_changes(entry)
            if entries:
                await self.store.set_cursor("entries", entries[-1].id)
            audits = await self.store.audit_after(await self.store.cursor("audit"))
            for audit in audits:
                found += await self._audit_changes(audit)
            if audits:
                await self.store.set_cursor("audit", audits[-1].id)
        return found

    async def _entry_changes(self, entry: EntryFact) -> int:
        what = _ENTRY_WHAT.get(entry.type, "releases")
        pairs = await self._pairs(entry.model_ids, entry.orgs, ())
        title = entry.title
        return await self._record(pairs, f"entry:{entry.id}", what, title, entry.link, entry.at)

    async def _audit_changes(self, audit: AuditFact) -> int:
        what = _AUDIT_WHAT.get(audit.action)
        if what is None:
            return 0
        orgs = tuple((await self.store.model_orgs(audit.model_ids)).values())
        pairs = await self._pairs(audit.model_ids, orgs, audit.benchmark_ids)
        title = f"Curator change: {audit.summary}"
        return await self._record(pairs, f"audit:{audit.id}", what, title, None, audit.at)

    async def _pairs(
        self, model_ids: Sequence[int], orgs: Sequence[str], benchmark_ids: Sequence[int]
    ) -> set[tuple[str, str]]:
        pairs = {("model", str(m)) for m in model_ids}
        pairs |= {("org", normalize(o)) for o in orgs}
        pairs |= {("benchmark", str(b)) for b in benchmark_ids}
        for licenses in (await self.store.model_licenses(model_ids)).values():
            pairs |= {("license", lic) for lic in licenses}
        return pairs

    async def _record(
        self,
        pairs: set[tuple[str, str]],
        origin: str,
        what: str,
        title: str,
        link: str | None,
        at: str,
    ) -> int:
        if not pairs:
            return 0
        added = 0
        for follow in await self.store.matching(pairs):
            if what in follow.what:
                added += await self.store.add_change(follow, origin, what, title, link, at)
        return added

    async def queue_due(self) -> int:
        """One DM per user with unsent changes whose last DM is a batch window old."""
        now = self.clock()
        window = timedelta(minutes=self.settings.batch_minutes)
        queued = 0
        for user_id in await self.store.due_users(iso(now - window)):
            async with self.store.transaction():
                changes = await self.store.unsent(user_id)
                if not changes:
                    continue
                batch = await self.store.mark_batched(user_id, [c.id for c in changes], iso(now))
                follows = {c.follow_id: c.target_name for c in changes}
                payload = {
                    "user_id": user_id,
                    "changes": [
                        {"target": c.target_name, "what": c.what, "title": c.title, "link": c.link}
                        for c in changes
                    ],
                    "follows": [[fid, name] for fid, name in follows.items()],
                }
                queued += await self.outbox.enqueue(
                    f"follow:{user_id}:{batch}", DM_KIND, dm_channel(user_id), iso(now),
                    payload=payload,
                )  # fmt: skip
        return queued

    async def dm_unavailable(self, row: OutboxRecord, reason: str) -> None:
        """The user's DMs are closed to the bot: pause their follows and hold the DM."""
        user_id = (row.payload or {}).get("user_id") or row.channel_id.removeprefix("user:")
        async with self.store.transaction():
            await self.store.pause(user_id, reason)
            await self.outbox.hold(row.channel_id, DM_KIND)
        log.info("watchlist DMs to user %s paused: %s", user_id, reason)


def parse_what(text: str | None) -> tuple[str, ...]:
    """The comma-separated `what` option; all four when empty. Unknown words are refused."""
    words = [w.strip().lower() for w in (text or "").split(",") if w.strip()]
    if not words:
        return WHATS
    unknown = [w for w in words if w not in WHATS]
    if unknown:
        raise UserError("what: '{}' is not one of {}.", ", ".join(unknown)[:60], ", ".join(WHATS))
    return tuple(w for w in WHATS if w in words)


def _kind(text: str) -> str:
    kind = (text or "").strip().lower()
    if kind not in KINDS:
        raise UserError("kind must be one of {}, got '{}'.", ", ".join(KINDS), kind[:30])
    return kind


def _chosen(follows: Sequence[FollowRecord], text: str) -> FollowRecord | None:
    """The follow `text` names: its number in /following, or its name."""
    if text.strip().isdigit():
        number = int(text.strip())
        return follows[number - 1] if 1 <= number <= len(follows) else None
    key = normalize(text)
    return next((f for f in follows if normalize(f.target_name) == key), None)


def _resolved(index: NameIndex, query: str, what: str) -> NameEntry:
    match = index.resolve(query)
    if match is None or (not match.exact and match.score < 80):
        near = [] if match is None else [e.name for e in (match.entry, *match.alternatives)]
        if near:
            raise UserError("Unknown {} '{}'. Did you mean: {}?", what, query, ", ".join(near[:5]))
        raise UserError("No {} matches '{}'.", what, query)
    return match.entry


async def _render_dm_row(row: OutboxRecord) -> Reply | None:
    return render_follow_dm(row.payload or {})
