"""Untrusted text at the edge of a card: what feeds, synced datasets and admins wrote.

Every such value passes through `safe_text` (or `link`) where a renderer puts it into a card;
the bot's own wording around it (bold labels, its links, role mentions it means) stays as
written. Escaped text shows exactly what was written: no masked links, headings, quotes,
bold, spoilers or mentions that the bot did not make, and every link target in plain view.
"""

from __future__ import annotations

import re
import unicodedata
from string import Formatter

from yarl import URL

from bot.core.errors import UserError
from bot.core.urls import checked_url
from bot.render.cards import neutralise

# Markdown that works anywhere in a line: emphasis, strike, code, spoilers, masked links,
# angle-bracket links, mentions, custom emoji and timestamps (all open with '<'), and the
# backslash itself, so that a '\' in the text cannot undo an escape.
_INLINE = re.compile(r"([\\*_~`|\[\]<>])")
# Markdown that works at the start of a line: headings ('#', '-#'), lists, numbered lists.
_LINE_START = re.compile(r"^([ \t]*)([#+-]|\d+\.)", re.MULTILINE)
# A bare link as Discord spots one; trailing punctuation is left out, as Discord does.
_BARE_URL = re.compile(r"https?://[^\s<]+[^\s<.,:;\"')\]]", re.IGNORECASE)
# Text that reads as a web address: a masked link labelled so would show one address and
# lead to another.
_LOOKS_LIKE_ADDRESS = re.compile(r"://|\bwww\.|[^\W_][\w-]*\.[^\W\d_]{2,}", re.IGNORECASE)
# Full stops that read as a dot in an address and that NFKC leaves alone.
_DOTS = str.maketrans({"\u3002": ".", "\uff61": "."})


def _visible(text: str) -> str:
    """`text` without format characters (Unicode category Cf: zero-width characters and the
    bidirectional controls such as the right-to-left override), which hide or reorder what
    shows."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _reads_as_address(label: str) -> bool:
    """Whether `label` reads as a web address, however its dots and letters are spelt."""
    return bool(
        _LOOKS_LIKE_ADDRESS.search(unicodedata.normalize("NFKC", _visible(label)).translate(_DOTS))
    )


def _shown(url: str) -> str:
    """A checked link with its host as DNS spells it (IDNA, 'xn--'), so that a host written
    with look-alike letters shows as the different host it is."""
    scheme, rest = url.split("://", 1)
    # A checked link has no user name and no bracketed address: the host runs up to the
    # port, path, query or fragment.
    written = re.match(r"[^:/?#]*", rest).group(0)  # type: ignore[union-attr]
    return f"{scheme}://{URL(url).raw_host}{rest[len(written) :]}"


def safe_text(text: str | None, *, mid_line: bool = False) -> str:
    """`text` shown as written: markdown escaped, mentions broken. A bare link that
    `checked_url` accepts stays clickable (its address is what shows); any other is inert.
    A missing value is empty text. `mid_line`: the text continues a line, so its start is
    not a line start ('-5' in a sentence needs no escape)."""
    if not text:
        return ""
    text = _visible(text)
    parts = []
    pos = 0
    for match in _BARE_URL.finditer(text):
        parts.append(_escape(text[pos : match.start()], mid_line and pos == 0))
        url = match.group(0)
        # An odd link is shown, not followed: 'https\://' is not a link to Discord.
        parts.append(_shown(url) if checked_url(url) else _escape(url).replace("://", "\\://", 1))
        pos = match.end()
    parts.append(_escape(text[pos:], mid_line and pos == 0))
    return neutralise("".join(parts))


def _escape(text: str, mid_line: bool = False) -> str:
    text = _INLINE.sub(r"\\\1", text)
    if mid_line:
        head, newline, rest = text.partition("\n")
        return head + newline + _LINE_START.sub(_escape_line_start, rest)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    # '\1.' would show the backslash (only punctuation can be escaped): the dot is escaped.
    return indent + (marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker)


def link(label: str, url: str | None) -> str:
    """A link the bot makes: the label (untrusted) escaped, the target checked. Without a
    valid target, the label alone; a label that reads as an address gets the real target
    shown next to it instead of hiding it."""
    text = safe_text(label)
    target = checked_url(url)
    if target is None:
        return text
    target = _shown(target)
    if _reads_as_address(label):
        return f"{text} · {target}"
    return f"[{text}]({target})"


def user_error_text(error: UserError) -> str:
    """What the user is told about a refused command: the bot's wording as written (its bold
    and `commands` render), what the user or a file wrote escaped."""
    if not error.parts:
        return str(error)
    shown: list[str] = []
    line = ""  # the template's text so far on the current line
    for literal, field, _, _ in Formatter().parse(error.template):
        line = (line + literal).rpartition("\n")[2]
        if field is not None:
            # After words the part continues a sentence; after only '- ' or '> ' it may
            # still open a heading or a list inside that markup.
            mid_line = bool(re.search(r"[^\W_]|['\"(]", line))
            shown.append(safe_text(error.parts[len(shown)], mid_line=mid_line))
            line += "x"  # the part's text: whatever it is, what follows is mid-line
    return error.template.format(*shown)
