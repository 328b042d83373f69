"""Finding the catalog models an entry names, through names and aliases."""

from __future__ import annotations

import re

from bot.core.index import Entry, NameIndex
from bot.core.names import normalize

_TOKEN = re.compile(r"[^\W_][\w.+\-]*")
MAX_WORDS = 5


def link_models(index: NameIndex, text: str, limit: int = 5) -> list[Entry]:
    """Models named in `text`, longest names first, left to right, without overlaps.

    A one-word name counts only when it is capitalised in the text or contains a digit, so
    a model called 'Atlas' is not found in 'an atlas of results'.
    """
    tokens = [t.rstrip(".-") for t in _TOKEN.findall(text)]
    found: list[Entry] = []
    i = 0
    while i < len(tokens) and len(found) < limit:
        for width in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
            words = tokens[i : i + width]
            key = normalize("".join(words))
            if len(key) < 2 or (width == 1 and not _plausible_single(words[0])):
                continue
            entry = index.exact(key)
            if entry is not None:
                if entry not in found:
                    found.append(entry)
                i += width
                break
        else:
            i += 1
    return found


def _plausible_single(word: str) -> bool:
    has_digit = any(c.isdigit() for c in word)
    has_alpha = any(c.isalpha() for c in word)
    if has_digit and has_alpha:
        return True
    return has_alpha and len(word) >= 4 and word[0].isupper()
