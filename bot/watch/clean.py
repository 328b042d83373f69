"""Cleaning feed text: HTML to plain text, capped lengths, dates in UTC, absolute links."""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from bot.core.names import clean_text

TITLE_MAX = 256
SUMMARY_MAX = 1000
LINK_MAX = 1000
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(days=2)


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title"})
    _BREAKS = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, white space collapsed."""
    if "<" not in html and "&" not in html:
        return clean_text(html)
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything it still chokes on is not worth a crash
        return clean_text(re.sub(r"<[^>]*>", " ", html))
    return clean_text("".join(parser.parts))


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
    resolved = urljoin(base, link) if base and base.startswith(("http://", "https://")) else link
    if urlsplit(resolved).scheme not in ("http", "https"):
        return None
    return resolved[:LINK_MAX]
