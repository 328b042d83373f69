"""Feed items as the pipeline sees them, after cleaning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# Characters of a summary searched, after the title, for the entry's type and the models it
# names: the opening says what a post is about; further down it drifts.
SUMMARY_SCAN = 200
# An entry published a little before a subscription or a digest's window, but first seen after
# its start, is still news: feeds often show a post hours after its date.
PUBLISH_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str | None
    summary: str
    published: str | None  # UTC, ISO 8601 (seconds); None when the feed gave no usable date
    guid: str | None
    source_key: str
    source_name: str
    org: str | None = None
    type: str | None = None  # curated entries state their type; feed items get it when parsed
    models: tuple[str, ...] = ()  # curated entries name their models; feed items are linked
    history: bool = False  # curated history without an exact date: stored, never news
