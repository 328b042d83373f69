"""The outbox id every outbox post carries, so a post whose outcome is unknown can be found.

The id is written at the end of the first embed's footer in invisible characters: a word joiner,
the id in binary (zero-width space for 0, zero-width non-joiner for 1), and a word joiner.
Discord stores and returns embed text as sent, and a reader sees nothing. Whoever renders a
post's footer must keep this suffix: it is added last, after rendering, by the sender, which
shortens the footer (or, in an embed already full, the description) to make room; renderers that
leave `MARKER_ROOM` characters of the embed's 6,000 free lose nothing to it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.render import limits
from bot.render.cards import Card, Reply, clip

_FRAME = "\u2060"
_ZERO = "\u200b"
_ONE = "\u200c"
MARKER_ROOM = 45  # the longest marker of an id below 2**43
_MARKER = re.compile(f"{_FRAME}([{_ZERO}{_ONE}]+){_FRAME}$")


def outbox_marker(outbox_id: int) -> str:
    """The invisible suffix that names `outbox_id`."""
    if outbox_id < 0:
        raise ValueError("an outbox id is not negative")
    bits = format(outbox_id, "b").replace("0", _ZERO).replace("1", _ONE)
    return f"{_FRAME}{bits}{_FRAME}"


def read_outbox_id(footer: str | None) -> int | None:
    """The outbox id a footer ends with, or None if it carries none."""
    match = _MARKER.search(footer or "")
    if match is None:
        return None
    return int(match.group(1).replace(_ZERO, "0").replace(_ONE, "1"), 2)


def stamp(reply: Reply, outbox_id: int) -> Reply:
    """A copy of `reply` whose first page's footer ends with the marker (clipped to fit)."""
    if not reply.pages:
        return reply
    first = reply.pages[0]
    marker = outbox_marker(outbox_id)
    excess = first.size() - len(first.footer) + len(marker) - limits.EMBED_TOTAL
    if excess > 0:  # a full embed: the footer is left empty and the body gives way
        first = _shrink(first, excess)
    room = min(limits.FOOTER, limits.EMBED_TOTAL - first.size() + len(first.footer)) - len(marker)
    footer = clip(first.footer, room) if first.footer else ""
    return replace(reply, pages=[replace(first, footer=footer + marker), *reply.pages[1:]])


def _shrink(card: Card, excess: int) -> Card:
    """`card` with `excess` characters fewer outside its footer: from the description first,
    then from the fields' values and names, last field first (each keeps one character,
    as Discord requires)."""
    description = card.description
    cut = min(excess, len(description))
    description = clip(description, len(description) - cut)
    excess -= len(card.description) - len(description)
    fields = list(card.fields)
    for i in range(len(fields) - 1, -1, -1):
        if excess <= 0:
            break
        name, value = fields[i].name, fields[i].value
        for part in ("value", "name"):
            text = value if part == "value" else name
            cut = min(excess, len(text) - 1)
            if cut > 0:
                shorter = clip(text, len(text) - cut)
                excess -= len(text) - len(shorter)
                name, value = (name, shorter) if part == "value" else (shorter, value)
        fields[i] = replace(fields[i], name=name, value=value)
    return replace(card, description=description, fields=fields)
