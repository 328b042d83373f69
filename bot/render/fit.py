"""One embed that fits Discord's limits, for posts that must be a single message (alerts).

Paging is for replies a user can turn; a channel post is one message. Here every part is
shortened to fit, deterministically, and whatever is left out is said so ("… +N more"):
fields are capped fairly (the largest shrink first), whole lines are kept where they fit, and
fields beyond Discord's 25 are named in a last "More" field, and a field name or value that
would show nothing (Discord refuses it) is a dash.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.urls import checked_url
from bot.render import limits
from bot.render.cards import ELLIPSIS, Card, Field, clip, neutralise

# A field always keeps room for at least this much value ("… +99 more").
_MIN_VALUE = 12
# Room kept for fields before the description may use the rest of the embed total.
_FIELD_RESERVE = 1500
EMPTY = "—"


def filled(text: str) -> str:
    """`text`, or a dash if it shows nothing: Discord refuses an empty field name or value."""
    return text if text.strip() else EMPTY


def more(count: int) -> str:
    return f"{ELLIPSIS} +{count} more"


def fit_lines(lines: Sequence[str], limit: int) -> str:
    """Whole lines joined within `limit`; dropped lines end it as '… +N more'."""
    if not lines:
        return EMPTY
    joined = "\n".join(lines)
    if len(joined) <= limit:
        return joined
    for keep in range(len(lines) - 1, 0, -1):
        suffix = more(len(lines) - keep)
        text = "\n".join([*lines[:keep], suffix])
        if len(text) <= limit:
            return text
    suffix = more(len(lines) - 1) if len(lines) > 1 else ""
    room = limit - len(suffix) - (1 if suffix else 0)
    first = clip(lines[0], room) if room > 0 else ""
    return "\n".join(p for p in (first, suffix) if p) or clip(lines[0], limit)


def _water_level(sizes: list[int], budget: int) -> int:
    """The largest cap c with sum(min(size, c)) <= budget (max-min fair shares)."""
    if sum(sizes) <= budget:
        return max(sizes, default=0)
    remaining, left = budget, len(sizes)
    for size in sorted(sizes):
        share = remaining // left
        if size > share:
            return share
        remaining -= size
        left -= 1
    return remaining


def fit_card(
    title: str,
    lines: Sequence[str],
    fields: Sequence[tuple[str, Sequence[str]]],
    footer: str = "",
    url: str | None = None,
) -> Card:
    """One card inside every limit. Text is untrusted: it is neutralised here."""
    title = clip(neutralise(title), limits.EMBED_TITLE)
    footer = clip(footer, min(limits.FOOTER, 500))
    named = [
        (filled(clip(neutralise(name), limits.FIELD_NAME)), [neutralise(v) for v in values])
        for name, values in fields
    ]
    if len(named) > limits.EMBED_FIELDS:
        extra = named[limits.EMBED_FIELDS - 1 :]
        named = named[: limits.EMBED_FIELDS - 1]
        named.append((f"More ({len(extra)})", [name for name, _ in extra]))
    room = limits.EMBED_TOTAL - len(title) - len(footer)
    description_room = min(limits.EMBED_DESCRIPTION, room - min(_FIELD_RESERVE, _need(named)))
    description = fit_lines([neutralise(line) for line in lines], description_room) if lines else ""
    return Card(
        title,
        description,
        _fit_fields(named, room - len(description)),
        footer=footer,
        url=checked_url(url),
    )


def _need(fields: list[tuple[str, list[str]]]) -> int:
    return sum(
        len(name) + min(len("\n".join(values)), limits.FIELD_VALUE) for name, values in fields
    )


def _fit_fields(fields: list[tuple[str, list[str]]], budget: int) -> list[Field]:
    full = [(name, filled(fit_lines(values, limits.FIELD_VALUE))) for name, values in fields]
    cap = _water_level([len(n) + len(v) for n, v in full], budget)
    fitted = []
    for (name, value), (_, values) in zip(full, fields, strict=True):
        if len(name) + len(value) > cap:
            name = clip(name, max(1, min(len(name), cap - _MIN_VALUE)))
            value = filled(fit_lines(values, max(1, cap - len(name))))
        fitted.append(Field(name, value))
    return fitted
