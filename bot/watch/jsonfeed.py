"""Reading JSON Feed (https://jsonfeed.org, versions 1.0 and 1.1), which feedparser does not.

The JSON is decoded by the standard library; this module only maps a JSON Feed's fields onto
the entry fields `parse.py` reads from feedparser (title, summary, link, id, dates), so both
kinds of feed are cleaned by the same code.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION_PREFIX = "https://jsonfeed.org/version/"


class NotAJsonFeed(ValueError):
    """The document is not JSON, or not a JSON Feed; the message says which."""


@dataclass
class JsonFeed:
    version: str  # 'json1' or 'json11', in the style of feedparser's version names
    home_page: str | None
    entries: list[dict[str, Any]]


def looks_like_json(data: bytes, content_type: str | None) -> bool:
    """A JSON document by its first character ('{' rather than '<'); by its declared type
    when the body starts with neither. Servers often mislabel feeds, so the body wins."""
    first = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"<"):
        return first == b"{"
    return bool(content_type and "json" in content_type.lower())


def read_json_feed(data: bytes) -> JsonFeed:
    """The feed's entries as feedparser-style dicts; raises `NotAJsonFeed` with the reason."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise NotAJsonFeed(f"JSON Feed is not UTF-8 ({exc.reason})") from None
    except (ValueError, RecursionError) as exc:
        raise NotAJsonFeed(f"invalid JSON ({_first_line(exc)})") from None
    if not isinstance(document, dict):
        raise NotAJsonFeed("JSON, but not a JSON Feed (no top-level object)")
    version = document.get("version")
    if not isinstance(version, str) or not version.startswith(VERSION_PREFIX):
        raise NotAJsonFeed("JSON, but not a JSON Feed (no jsonfeed.org version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise NotAJsonFeed("JSON Feed without an 'items' list")
    number = version.removeprefix(VERSION_PREFIX).replace(".", "")
    return JsonFeed(
        f"json{number[:4]}",
        _text(document.get("home_page_url")),
        # An item that is not an object becomes an empty entry, counted by the caller as skipped.
        [_entry(item) if isinstance(item, dict) else {} for item in items],
    )


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    summary = _text(item.get("summary")) or _text(item.get("content_html"))
    return {
        "title": _text(item.get("title")),
        "summary": summary or _text(item.get("content_text")),
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "id": _id(item.get("id")),
        "published_parsed": _date(item.get("date_published")),
        "updated_parsed": _date(item.get("date_modified")),
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _id(value: object) -> str | None:
    # The spec asks for a string; numbers are common in the wild and just as stable.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return _text(value)


def _date(value: object) -> time.struct_time | None:
    """An RFC 3339 date as a UTC struct_time (what feedparser gives); None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:  # no offset given: read it as UTC
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).timetuple()
    except (ValueError, OverflowError):
        return None


def _first_line(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]
