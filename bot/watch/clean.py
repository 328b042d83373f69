"""Cleaning feed text: HTML to plain text, capped lengths, dates in UTC, absolute links."""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import urljoin

from bot.core.names import clean_text
from bot.core.urls import checked_url

TITLE_MAX = 256
SUMMARY_MAX = 1000
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(days=2)


# Markup in one pass, left to right. Every branch that gets past its first characters matches
# (up to its end, or to the end of the text when left open, as a browser reads it), so no
# character is scanned again after a failed try: linear, where `<[^>]*>` was quadratic on a
# run of unclosed '<'. Branches: a comment; an element whose content is not visible text,
# dropped with it; a tag that ends a line or block (replaced by a space, group 2); any other
# tag, '<!...>' or '<?...>'. A '<' that opens nothing, as in 'a < b', stays text.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|head|title)\b[^>]*(?:>|\Z).*?(?:</\1\s*>|\Z)"
    r"|<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*(?:>|\Z)"
    r"|<[a-z/!?][^>]*(?:>|\Z)",
    re.IGNORECASE | re.DOTALL,
)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, white space collapsed: script and style blocks are
    dropped with their content, other tags removed, entities decoded. The result is only ever
    shown as plain text, so no HTML survives to be sanitised.

    Linear in the length, as hostile feed text needs (the standard library's html.parser is
    itself quadratic on inputs such as '<a' repeated, in Python 3.11)."""
    if "<" in html:
        html = _MARKUP.sub(_replacement, html)
    if "&" in html:
        html = unescape(html)
    return clean_text(html)


def _replacement(match: re.Match[str]) -> str:
    return " " if match.group(2) else ""


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
    """A link resolved against the feed's address; only plain http(s) links are kept (see
    `checked_url`), never cut short: a shortened link would lead somewhere else."""
    if not link:
        return None
    link = clean_text(link)
    if not link.startswith(("https://", "http://")) and base and checked_url(base):
        link = urljoin(base, link)  # relative, as a few feeds write them
    return checked_url(link)
