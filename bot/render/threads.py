"""Titles of forum posts and threads: one line of plain text, at most 100 characters."""

from __future__ import annotations

import re
import unicodedata

from bot.render import limits
from bot.render.cards import ELLIPSIS

_SPACE = re.compile(r"\s+")
# Characters that only make sense joined to the one before: a cut must not leave them last
# (or keep a base character without its accent, or half an emoji sequence).
_JOINERS = {"\u200d", "\ufe0f", "\ufe0e"}


def thread_title(text: str, fallback: str = "Release Radar") -> str:
    """`text` as a thread name: controls dropped, whitespace collapsed, cut at 100 characters
    on a character boundary (never inside an emoji sequence or between a letter and its
    accents), `fallback` when nothing is left. Names show no markdown or mentions, so the
    text is not escaped."""
    spaced = _SPACE.sub(" ", text)  # line breaks and tabs too, before controls are dropped
    cleaned = "".join(
        c for c in spaced if unicodedata.category(c) not in ("Cc", "Cf") or c in _JOINERS
    )
    cleaned = _SPACE.sub(" ", cleaned).strip()
    if not cleaned:
        return fallback[: limits.THREAD_NAME]
    if len(cleaned) <= limits.THREAD_NAME:
        return cleaned
    cut = limits.THREAD_NAME - len(ELLIPSIS)
    while cut > 0 and _joined_to_previous(cleaned, cut):
        cut -= 1
    return cleaned[:cut].rstrip() + ELLIPSIS


def _joined_to_previous(text: str, at: int) -> bool:
    """Whether the character at `at` belongs with the one before (so no cut goes there)."""
    here, before = text[at], text[at - 1]
    return (
        here in _JOINERS
        or before == "\u200d"
        or unicodedata.combining(here) != 0
        or "\U0001f3fb" <= here <= "\U0001f3ff"  # skin-tone modifiers
    )
