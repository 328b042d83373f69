"""The curated feed: `data/feeds.yaml` (sources) and `data/releases/*.yaml` (curated entries)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.errors import ImportRejected
from bot.core.names import clean_text
from bot.core.urls import checked_url
from bot.core.vocab import EVENT_KINDS
from bot.importers.catalog_yaml import load_yaml_text
from bot.importers.common import parse_date
from bot.store.watch import DEFAULT_POLL_MINUTES as DEFAULT_POLL_MINUTES  # the cogs' default
from bot.store.watch import SourceDef
from bot.watch.addresses import url_problem
from bot.watch.items import FeedItem

FEED_KINDS = ("rss", "atom", "rdf", "json")
CURATED_KEY = "curated"
CURATED_NAME = "Release Radar (curated)"
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def validate_source(raw: dict[str, Any], where: str) -> SourceDef:
    """One feed source definition, or ImportRejected naming the field."""
    key, name, url, kind = (raw.get(k) for k in ("key", "name", "url", "kind"))
    if not isinstance(key, str) or not _KEY.match(key):
        raise ImportRejected(f"{where}: 'key' must be 1-40 lowercase letters, digits, - or _")
    if not isinstance(name, str) or not clean_text(name) or len(name) > 100:
        raise ImportRejected(f"{where}: 'name' must be 1-100 characters")
    if not isinstance(url, str):
        raise ImportRejected(f"{where}: 'url' must be an http(s) URL")
    problem = url_problem(url)
    if problem is not None:
        raise ImportRejected(f"{where}: 'url' {problem}")
    if kind not in FEED_KINDS:
        raise ImportRejected(f"{where}: 'kind' must be one of {', '.join(FEED_KINDS)}")
    minutes = raw.get("poll_minutes", DEFAULT_POLL_MINUTES)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 1440:
        raise ImportRejected(f"{where}: 'poll_minutes' must be a whole number from 5 to 1440")
    org = raw.get("org")
    return SourceDef(
        key, clean_text(name), url, kind, clean_text(org) if isinstance(org, str) else None, minutes
    )


def load_feed_sources(path: Path) -> list[SourceDef]:
    doc = load_yaml_text(path.read_text(encoding="utf-8"), path.name)
    sources = doc.get("sources") or []
    if not isinstance(sources, list):
        raise ImportRejected(f"{path.name}: 'sources' must be a list")
    found = [
        validate_source(s if isinstance(s, dict) else {}, f"{path.name} sources[{i}]")
        for i, s in enumerate(sources)
    ]
    keys = [s.key for s in found]
    if len(keys) != len(set(keys)):
        raise ImportRejected(f"{path.name}: source keys must be unique")
    return found


@dataclass(frozen=True)
class CuratedEntry:
    id: str
    type: str
    title: str
    date: str | None
    models: tuple[str, ...]
    org: str | None
    source: str
    link: str | None
    detail: str | None

    def as_item(self) -> FeedItem:
        published = f"{self.date}T00:00:00+00:00" if self.date and len(self.date) == 10 else None
        return FeedItem(
            title=self.title,
            link=self.link,
            summary=self.detail or "",
            published=published,
            guid=f"{CURATED_KEY}:{self.id}",
            source_key=CURATED_KEY,
            source_name=CURATED_NAME,
            org=self.org,
            type=self.type,
            models=self.models,
            history=published is None,
        )


def parse_curated(doc: dict[str, Any], origin: str) -> list[CuratedEntry]:
    """Curated entries (`entries:` list); every problem is reported, nothing half-read."""
    raw = doc.get("entries") or []
    problems: list[str] = []
    out: list[CuratedEntry] = []
    if not isinstance(raw, list):
        raise ImportRejected(f"{origin}: 'entries' must be a list")
    for i, item in enumerate(raw):
        where = f"{origin} entries[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        entry_id, kind, title, source = (item.get(k) for k in ("id", "type", "title", "source"))
        date = parse_date(item["date"]) if item.get("date") is not None else None
        models = item.get("models") or []
        if not isinstance(entry_id, str) or not _KEY.match(entry_id.replace(".", "-")[:40]):
            problems.append(f"{where}: 'id' must be a short lowercase identifier")
        if kind not in EVENT_KINDS:
            problems.append(f"{where}: 'type' {kind!r} is not one of {', '.join(EVENT_KINDS)}")
        if not isinstance(title, str) or not clean_text(title) or len(title) > 256:
            problems.append(f"{where}: 'title' must be 1-256 characters")
        if not isinstance(source, str) or not source:
            problems.append(f"{where}: 'source' is required")
        if item.get("date") is not None and date is None:
            problems.append(f"{where}: 'date' {item['date']!r} is not a date")
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
            problems.append(f"{where}: 'models' must be a list of names")
            models = []
        link = item.get("link")
        if link is not None and not (isinstance(link, str) and checked_url(link)):
            problems.append(f"{where}: 'link' must be a plain http(s) URL")
        if problems and problems[-1].startswith(where):
            continue
        # Checked above; repeated so that the type checker knows them for strings.
        if not (
            isinstance(entry_id, str)
            and isinstance(kind, str)
            and isinstance(title, str)
            and isinstance(source, str)
        ):
            continue
        out.append(
            CuratedEntry(
                entry_id,
                kind,
                clean_text(title),
                date,
                tuple(models),
                clean_text(item["org"]) if isinstance(item.get("org"), str) else None,
                source,
                link,
                clean_text(item["detail"])[:1000] if isinstance(item.get("detail"), str) else None,
            )
        )
    if problems:
        raise ImportRejected(f"{origin} was not loaded: {len(problems)} problem(s).", problems)
    return out


def load_curated(paths: Iterable[Path]) -> list[CuratedEntry]:
    entries: list[CuratedEntry] = []
    for path in paths:
        entries += parse_curated(
            load_yaml_text(path.read_text(encoding="utf-8"), path.name), path.name
        )
    return entries
