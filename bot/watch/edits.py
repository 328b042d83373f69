"""Updated feed items: when an entry's own source changes its text materially (a corrected
title, a new summary), the entry takes the new text and every alert already posted of it is
edited in place (an outbox row of EDIT_KIND per message, sent by PATCHing it).

What is material: the title and the summary, compared with runs of whitespace made one space
and tracking parameters (utm_*, fbclid, ...) taken out of the links they contain. A new date, a
new guid or link (the identities that find the entry), or a change by another source that
reported the same story, is no change of the entry's text.
"""

from __future__ import annotations

import hashlib
import logging
import re

from bot.core.names import title_key, title_numbers
from bot.outbox.keys import edit_key, edit_prefix
from bot.outbox.outbox import Outbox
from bot.watch.identity import normalize_link
from bot.watch.items import FeedItem
from bot.watch.records import EntryText, EntryUpdate

log = logging.getLogger(__name__)

EDIT_KIND = "alert_edit"
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)


def comparable(text: str) -> str:
    """`text` as a change of it is judged: whitespace runs as one space, links without their
    tracking parameters."""
    collapsed = " ".join(text.split())
    return _URL.sub(lambda m: normalize_link(m.group(0)), collapsed)


def text_hash(title: str, summary: str) -> str:
    """The hash of an entry's text as compared: equal for texts that differ immaterially."""
    key = f"{comparable(title)}\x00{comparable(summary)}"
    return hashlib.sha256(key.encode()).hexdigest()


def changed_text(entry_id: int, known: EntryText, item: FeedItem) -> EntryUpdate | None:
    """The new text of entry `entry_id` if `item` (found by one of its identities) comes from
    the source its text came from and says something else; else None."""
    if known.source_key != item.source_key or item.history:
        return None
    digest = text_hash(item.title, item.summary)
    if digest == known.text_hash:
        return None
    return EntryUpdate(
        entry_id,
        item.title,
        title_key(item.title),
        title_numbers(item.title),
        item.summary,
        digest,
    )


async def queue_edits(outbox: Outbox, entry_id: int, updated_at: str) -> int:
    """Queue an edit of every posted alert of the entry (inside the caller's transaction),
    dropping its earlier edits not attempted yet (this one shows the newer text); how many."""
    alerts = await outbox.store.posted_alerts(entry_id)
    await outbox.store.drop_superseded_edits(
        EDIT_KIND, [edit_prefix(a.id) for a in alerts], "superseded by a later edit"
    )
    queued = 0
    for alert in alerts:
        queued += await outbox.enqueue(
            edit_key(alert.id, updated_at),
            EDIT_KIND,
            alert.channel_id,
            updated_at,
            entry_id=entry_id,
            subscription_id=alert.subscription_id,
            payload={"edit_of": alert.id},
            held=alert.held,
        )
    if queued:
        log.info("entry %s changed its text: %d posted alerts to edit", entry_id, queued)
    return queued
