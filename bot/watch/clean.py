"""Cleaning feed text: HTML to plain text, capped lengths, dates in UTC, absolute links."""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import urljoin, urlsplit

from bot.core.names import clean_text

TITLE_MAX = 256
SUMMARY_MAX = 1000
LINK_MAX = 1000
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(days=2)


_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"<(script|style|head|title)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_BREAK_TAGS = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, white space collapsed: script and style blocks are
    dropped with their content, other tags removed, entities decoded. The result is only ever
    shown as plain text, so no HTML survives to be sanitised."""
    if "<" in html:
        html = _TAG.sub("", _BREAK_TAGS.sub(" ", _HIDDEN.sub(" ", html)))
    if "&" in html:
        html = unescape(html)
    return clean_text(html)


def cap(text: str, limit: int) -> str:
    """Cut at a word boundary where possible, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def utc_date(parsed: time.struct_time | None, now: datetime | None = None) -> str | None:
    """feedparser's UTC struct_time as ISO text; None for missing or impossible dates."""
    if parsed is None:
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    now = now or datetime.now(UTC)
    if moment.year < EARLIEST_YEAR or moment > now + FUTURE_SLACK:
        return None
    return moment.replace(microsecond=0).isoformat()


def absolute_link(link: str | None, base: str | None) -> str | None:
    """A link resolved against the feed's address; only http(s) links are kept."""
    if not link:
        return None
    link = clean_text(link)
    if link.startswith(("https://", "http://")):  # already absolute, as nearly all are
        return link[:LINK_MAX]
    resolved = urljoin(base, link) if base and base.startswith(("http://", "https://")) else link
    if urlsplit(resolved).scheme not in ("http", "https"):
        return None
    return resolved[:LINK_MAX]
