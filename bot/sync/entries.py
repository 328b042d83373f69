"""A change set as release-watch items: new models are releases, price and license changes
are their own types, deprecations and removals are shutdowns. Context changes stay in the
change set only. The sync is the items' source (`sync:<key>`)."""

from __future__ import annotations

from bot.core.records import Batch
from bot.sync.adapter import SyncAdapter
from bot.sync.changes import Change, ChangeSet
from bot.watch.items import FeedItem

ENTRY_TYPES = {
    "new_model": "release",
    "price": "price_change",
    "license": "license_change",
    "deprecation": "shutdown",
    "removal": "shutdown",
}


def source_key(adapter: SyncAdapter) -> str:
    return f"sync:{adapter.key}"


def change_items(
    adapter: SyncAdapter, changes: ChangeSet, batch: Batch, stamp: str
) -> list[FeedItem]:
    """One item per notable change that has an entry type. Each item's guid names the
    snapshot date and the new value, so a change is one entry however often it is synced,
    and a later change back and forth is a new one. No link: every item of a source would
    share the source's page, and a link is an identity."""
    orgs = {m.name: m.org for m in batch.models}
    announces = getattr(adapter, "announces", None)  # the kinds this source announces
    items = []
    for change in changes.changes:
        kind = ENTRY_TYPES.get(change.kind)
        if kind is None or (announces is not None and change.kind not in announces):
            continue
        items.append(
            FeedItem(
                title=_title(change, adapter),
                link=None,
                summary=f"{change.describe()} (from {adapter.source.name}, as of {changes.as_of})",
                published=stamp,
                guid=f"{changes.as_of}:{change.kind}:{change.model}:{change.field}:{change.new}",
                source_key=source_key(adapter),
                source_name=adapter.source.name,
                org=orgs.get(change.model),
                type=kind,
                models=(change.model,),
            )
        )
    return items


def _title(change: Change, adapter: SyncAdapter) -> str:
    if change.kind == "new_model":
        return f"New model: {change.model}"
    if change.kind == "removal":
        return f"{change.model} no longer listed by {adapter.source.name}"
    return change.describe()
