"""Digests as pages: each page is one message; an item is never cut in half."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.builder import DigestItem, DigestView
from bot.render.alerts import TYPE_LABELS
from bot.render.cards import Card, CardBuilder, Field, Reply, clip
from bot.render.lookups import credits_footer, named_score, source_label
from bot.render.safe import link, safe_text

# A window ending this close to now is the current one ("Today", "This week").
LIVE_SLACK = timedelta(hours=1)
OPENNESS_WORDS = {
    "open": "open weights",
    "api": "API-only",
    "disputed": "sources disagree",
    "unknown": "openness unknown",
}


def render_digest(
    view: DigestView,
    zone: str,
    *,
    title: str | None = None,
    quiet: str = "line",
    now: datetime | None = None,
) -> Reply | None:
    """The digest as pages, or None for a quiet period when the channel wants nothing posted.
    `now`: when the window is asked for (a window that ended before it is not "Today");
    without it the window is taken to end now, as a scheduled digest's does."""
    tz = ZoneInfo(zone)
    start, end = view.since.astimezone(tz), view.until.astimezone(tz)
    span = f"{_span(start, end)} ({zone})"
    live = now is None or view.until >= now - LIVE_SLACK
    heading = title or (_heading(view.until - view.since) if live else "AI releases")
    builder = CardBuilder(heading, credits_footer(view.credits))
    if not view.items:
        if quiet == "skip":
            return None
        builder.line(f"Nothing new {span}.")
        return builder.build()
    counts = view.counts
    builder.line(span)
    builder.line(" · ".join(f"{TYPE_LABELS.get(k, k)}: {n}" for k, n in counts.most_common()))
    split = view.openness_split
    if split:
        builder.line(
            "Releases: " + ", ".join(f"{n} {OPENNESS_WORDS[k]}" for k, n in split.most_common())
        )
    callouts = [i for i in view.items if i.type in ("license_change", "shutdown")]
    if callouts:
        builder.field("Heads-up", [f"{TYPE_LABELS[i.type]} — {_item(i)}" for i in callouts])
    for kind, orgs in view.grouped():
        lines = []
        for org, items in orgs:
            lines.append(f"**{safe_text(org)}**")
            lines += [f"• {_item(i)}" for i in items]
        builder.field(f"{TYPE_LABELS.get(kind, kind)} ({counts[kind]})", lines)
    if view.notable:
        builder.field(
            "Notable results",
            [
                f"{safe_text(n.model)}: {named_score(n.score)} — {source_label(n.score.source)}"
                for n in view.notable
            ],
        )
    return builder.build()


def _span(start: datetime, end: datetime) -> str:
    """The window as people read it: whole days as the days included ('Mon 20 Apr – Sun 26
    Apr 2026'), other windows with their times."""
    if start.time() == end.time() == time() and end > start:
        last = end - timedelta(days=1)
        if last.date() == start.date():
            return f"{start:%a %d %b %Y}"
        return f"{start:%a %d %b} – {last:%a %d %b %Y}"
    return f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M}"


def _heading(span: timedelta) -> str:
    if span <= timedelta(days=1, hours=12):
        return "Today in AI releases"
    if timedelta(days=6) <= span <= timedelta(days=8):
        return "This week in AI releases"
    return "AI releases"


def _item(item: DigestItem) -> str:
    text = link(clip(item.title, 150), item.link)
    if item.models:
        text += f" · {safe_text(', '.join(item.models))}"
    if item.type in ("release", "expected_release") and item.openness != "unknown":
        text += f" · {OPENNESS_WORDS[item.openness]}"
    if len(item.sources) > 1:
        text += f" · {len(item.sources)} sources"
    return text


def card_to_payload(card: Card) -> dict[str, Any]:
    return {
        "title": card.title,
        "description": card.description,
        "footer": card.footer,
        "url": card.url,
        "color": card.color,
        "fields": [[f.name, f.value, f.inline] for f in card.fields],
    }


def card_from_payload(data: dict[str, Any]) -> Card:
    fields = [Field(name, value, inline) for name, value, inline in data.get("fields", [])]
    return Card(
        data["title"],
        data.get("description", ""),
        fields,
        data.get("footer", ""),
        data.get("url"),
        data.get("color", 0),
    )
