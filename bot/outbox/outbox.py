"""The outbox: post kinds register how a queued row renders and what happens when its channel
is unavailable; services queue rows, hold and release a channel's rows, and wake the sender.
Every row goes out through the sender (bot/outbox/sender.py) once a poster is attached."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock
from bot.core.delivery import Delivery
from bot.core.shards import ShardScope
from bot.outbox.keys import notice_key
from bot.outbox.sender import (
    Claims,
    OutboxSender,
    Pacing,
    Poster,
    Renderer,
    SharedLimiter,
    UnavailableHandler,
)
from bot.render.alerts import render_notice
from bot.render.cards import Reply
from bot.store.outbox import OutboxRecord, OutboxStore
from bot.store.targets import TargetStore

log = logging.getLogger(__name__)

NOTICE_KIND = "notice"


@dataclass(frozen=True)
class PostKind:
    """How rows of one kind render, and what their channel's unavailability does (None: the
    row is dropped)."""

    render: Renderer
    on_unavailable: UnavailableHandler | None = None
    purpose: str | None = None  # whose post target it follows ("alert", "digest"); None: plain


class UnknownPostKind(ValueError):
    """A row of a kind nobody registered: it could not be rendered, so it is never queued."""


class Outbox:
    def __init__(self, store: OutboxStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.sender: OutboxSender | None = None
        self._kinds: dict[str, PostKind] = {}
        self.targets = TargetStore(store.db)
        self._unavailable: dict[str, UnavailableHandler] = {}
        self._edit_kinds: set[str] = set()
        # Set by `wake`; the release watch's round waits on it (and drains the outbox).
        self.woken = asyncio.Event()
        self._delivery: asyncio.Task[None] | None = None
        self._deliver_again = False
        # The guilds whose rows this process sends when several share the outbox (its shards).
        self.scope = ShardScope.everything()
        self.register(NOTICE_KIND, _render_notice)
        # The shards this process runs: whose guilds' rows are its to send (set_scope).
        self.scope = ShardScope.everything()

    def set_scope(self, scope: ShardScope) -> None:
        """The process's shards, known once connected (the shard count may come from
        Discord); the Discord client sets it before any background work starts."""
        self.scope = scope

    def register(
        self,
        kind: str,
        render: Renderer,
        on_unavailable: UnavailableHandler | None = None,
        purpose: str | None = None,
        *,
        edits: bool = False,
    ) -> None:
        """Make `kind` a post kind: `render` turns its rows into a reply (None: nothing to
        post, the row is dropped); `on_unavailable` handles a row whose channel is gone or
        closed to the bot (without one such a row is dropped); `purpose` names the channel's
        post target its rows follow (a forum, a thread per post ...; None: plain messages).
        `edits`: a row of this kind edits the message its payload's `edit_of` row posted,
        instead of posting (a message since deleted is not posted again). Registering again
        replaces."""
        self._kinds[kind] = PostKind(render, on_unavailable, purpose)
        if edits:
            self._edit_kinds.add(kind)
        else:
            self._edit_kinds.discard(kind)
        if on_unavailable is None:
            self._unavailable.pop(kind, None)
        else:
            self._unavailable[kind] = on_unavailable

    def kind(self, kind: str) -> PostKind:
        """The registered post kind; UnknownPostKind if there is none."""
        try:
            return self._kinds[kind]
        except KeyError:
            raise UnknownPostKind(f"no post kind {kind!r} is registered on the outbox") from None

    async def render(self, row: OutboxRecord) -> Reply | None:
        """The reply a queued row posts, by its kind's registered renderer. A row of a kind
        nobody registered (queued past `enqueue`) renders to nothing, so it is dropped rather
        than stopping every channel's delivery."""
        kind = self._kinds.get(row.kind)
        if kind is None:
            log.error("outbox row %s has the unregistered kind %r", row.id, row.kind)
            return None
        return await kind.render(row)

    def attach_poster(
        self,
        poster: Poster,
        pacing: Pacing | None = None,
        claims: Claims | None = None,
        shared: SharedLimiter | None = None,
    ) -> None:
        """Give the outbox a way to post (the Discord adapter), at `pacing` (default: just
        under Discord's global limit); without one nothing is sent. `claims`: the outbox is
        shared by several processes, this one sends the rows it claims (None: every row);
        `shared`: the bot-wide request budget it shares with them."""
        self.sender = OutboxSender(
            self.store,
            poster,
            self.render,
            self.clock,
            pacing,
            on_unavailable=self._unavailable,
            edit_kinds=self._edit_kinds,
            target_of=self.target_of,
            sent_message=self._sent_message,
            claims=claims,
            shared=shared,
        )

    async def target_of(self, row: OutboxRecord) -> Delivery | None:
        """How the row's channel takes posts of its kind (None: plain messages)."""
        kind = self._kinds.get(row.kind)
        if kind is None or kind.purpose is None:
            return None
        return await self.targets.get(row.channel_id, kind.purpose)

    async def _sent_message(self, dedupe_key: str) -> tuple[str, str | None]:
        status, message_id = (await self.targets.message_of([dedupe_key])).get(
            dedupe_key, ("dropped", None)
        )
        return status, message_id if status == "sent" else None

    async def enqueue(
        self,
        dedupe_key: str,
        kind: str,
        channel_id: str,
        now: str,
        *,
        entry_id: int | None = None,
        subscription_id: int | None = None,
        payload: Any = None,
        held: bool = False,
        guild_id: str | None = None,
    ) -> bool:
        """Queue a post of a registered kind (inside the caller's transaction), held if its
        channel is paused; False if one with the same dedupe key exists (exactly-once).
        `guild_id`: its guild, when the subscription or channel does not tell (None for DMs)."""
        self.kind(kind)
        return await self.store.enqueue(
            dedupe_key,
            kind,
            channel_id,
            now,
            entry_id=entry_id,
            subscription_id=subscription_id,
            payload=payload,
            status="held" if held else "pending",
            guild_id=guild_id,
        )

    async def notice(
        self, key: str, channel_id: str, now: str, title: str, text: str, parts: Sequence[str] = ()
    ) -> bool:
        """Queue a notice (a titled message from the bot itself), once per key and moment;
        `parts` are the untrusted values that fill the `{}` in `text` when it is rendered."""
        return await self.store.enqueue_notice(
            notice_key(key, now), channel_id, now, title, text, parts
        )

    async def hold(self, channel_id: str, kind: str) -> None:
        """Hold the channel's queued posts of one kind (inside the caller's transaction)."""
        await self.store.hold_channel(channel_id, kind)

    def wake(self) -> None:
        """Ask for a round now: the release watch's loop wakes and drains the outbox."""
        self.woken.set()

    async def drain(self) -> int:
        """Send every due row; how many were sent (none without a poster)."""
        if self.sender is None:
            return 0
        return await self.sender.drain()

    def deliver_soon(self) -> None:
        """Send what was just queued without waiting for the next round (one delivery at a
        time; a call during one asks it to drain once more)."""
        if self.sender is None:
            return
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.create_task(self._deliver(), name="deliver-new-alerts")
        else:
            self._deliver_again = True

    async def _deliver(self) -> None:
        while True:
            self._deliver_again = False
            try:
                await self.drain()
            except Exception:  # the round's own drain tries again; this must not go unseen
                log.exception("delivering new alerts failed")
                return
            if not self._deliver_again:
                return


def notice_payload(row: OutboxRecord) -> tuple[str, str, list[str]]:
    """A queued notice's title, text and the untrusted parts its `{}` placeholders stand for."""
    data = row.payload or {}
    return data.get("title", "Notice"), data.get("text", ""), data.get("parts", [])


async def _render_notice(row: OutboxRecord) -> Reply | None:
    return render_notice(*notice_payload(row))
