"""Parsing feed bytes with feedparser into cleaned `FeedItem`s. Never raises on bad input."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import feedparser

from bot.watch.classify import classify
from bot.watch.clean import SUMMARY_MAX, TITLE_MAX, absolute_link, cap, html_to_text, utc_date
from bot.watch.items import SUMMARY_SCAN, FeedItem
from bot.watch.jsonfeed import NotAJsonFeed, looks_like_json, read_json_feed

MAX_ENTRIES = 500
# Complaints about headers or declared encodings, not about the document's structure.
_HARMLESS = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


@dataclass
class ParseResult:
    items: list[FeedItem] = field(default_factory=list)
    version: str = ""  # the format feedparser recognised (rss20, atom10 ...); '' if none
    problem: str | None = None  # why the document is not a usable feed, when it is not
    warning: str | None = None  # feedparser's complaint about an otherwise usable feed
    skipped: int = 0


def parse_feed(
    data: bytes,
    *,
    url: str | None,
    content_type: str | None = None,
    source_key: str,
    source_name: str,
    org: str | None = None,
    now: datetime | None = None,
) -> ParseResult:
    """Entries of an RSS 2.0, RSS 1.0/RDF, Atom or JSON Feed document, cleaned and classified."""
    source = _Source(source_key, source_name, org, now)
    if looks_like_json(data, content_type):
        return _parse_json(data, url, source)
    # No content-location: feedparser would then resolve every relative URI in the document;
    # only entry links matter, and `absolute_link` resolves those.
    headers = {"content-type": content_type} if content_type else {}
    try:
        # Only plain text is kept (html_to_text), so feedparser need not sanitise or rewrite HTML.
        parsed = feedparser.parse(
            data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # feedparser is meant not to raise; a bug there must not stop polling
        return ParseResult(problem=f"unreadable feed ({type(exc).__name__})")
    result = ParseResult(version=parsed.get("version") or "")
    bozo = parsed.get("bozo_exception")
    serious = bozo is not None and not isinstance(bozo, _HARMLESS)
    if not parsed.entries and (serious or not parsed.get("version")):
        reason = _describe(bozo) if bozo else "no RSS, Atom or JSON feed found"
        result.problem = f"not a feed: {reason}"
        return result
    if bozo:
        result.warning = _describe(bozo)
    _collect(result, parsed.entries, parsed.feed.get("link") or url, source)
    return result


@dataclass(frozen=True)
class _Source:
    key: str
    name: str
    org: str | None
    now: datetime | None


def _parse_json(data: bytes, url: str | None, source: _Source) -> ParseResult:
    try:
        feed = read_json_feed(data)
    except NotAJsonFeed as exc:
        return ParseResult(problem=f"not a feed: {exc}")
    result = ParseResult(version=feed.version)
    _collect(result, feed.entries, feed.home_page or url, source)
    return result


def _collect(result: ParseResult, entries: list[Any], base: str | None, source: _Source) -> None:
    """Clean up to MAX_ENTRIES entries into `result`, counting those that cannot be used."""
    for entry in entries[:MAX_ENTRIES]:
        item = _item(entry, base, source)
        if item is None:
            result.skipped += 1
        else:
            result.items.append(item)
    result.skipped += max(0, len(entries) - MAX_ENTRIES)
    if not result.items and result.skipped:
        result.problem = f"{result.skipped} entries, none with a title, summary or link"


def _item(entry: Any, base: str | None, source: _Source) -> FeedItem | None:
    title = cap(html_to_text(entry.get("title") or ""), TITLE_MAX)
    summary_html = entry.get("summary") or ""
    if not summary_html and entry.get("content"):
        summary_html = entry["content"][0].get("value") or ""
    summary = cap(html_to_text(summary_html), SUMMARY_MAX)
    link = absolute_link(entry.get("link"), base)
    if not title:
        title = cap(summary, 120) or (link or "")[:TITLE_MAX]
    if not title:
        return None
    date = utc_date(entry.get("published_parsed"), source.now) or utc_date(
        entry.get("updated_parsed"), source.now
    )
    guid = entry.get("id") or None
    kind = classify(title, summary[:SUMMARY_SCAN])
    return FeedItem(
        title, link, summary, date, guid, source.key, source.name, source.org, type=kind
    )


_SAMPLE = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
    b"<title>Warm-up &amp; test</title><link>/a</link><description>&lt;p&gt;x&lt;/p&gt;</description>"
    b"<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate><guid>a</guid></item></channel></rss>"
)


def warm_up() -> None:
    """Run one small feed through `parse_feed`: a parser process calls this when it starts,
    so its first real poll does not pay for imports and first-use set-up."""
    parse_feed(_SAMPLE, url="https://example.com/feed", source_key="warm-up", source_name="-")


# The XML parser's position prefix, '<unknown>:7:0: ', said the way an admin reads it.
_XML_POSITION = re.compile(r"^<unknown>:(\d+):\d+: ")


def _describe(exc: object) -> str:
    text = (str(exc) or type(exc).__name__).splitlines()[0]
    return _XML_POSITION.sub(r"line \1: ", text)[:200]
