"""Finding the catalog models an entry names, through names and aliases."""

from __future__ import annotations

import re

from bot.core.index import Entry, NameIndex

# Runs of letters or digits. A name's key is the concatenation of its runs, lower-cased:
# 'Qwen3.5-Omni' and 'Qwen 3.5 Omni' are both qwen|3|5|omni -> 'qwen35omni'.
_RUN = re.compile(r"[^\W_]+")
MAX_RUNS = 8


def link_models(index: NameIndex, text: str, limit: int = 5) -> list[Entry]:
    """Models named in `text`, longest names first, left to right, without overlaps.

    A name of one run counts only when it contains a digit or is capitalised in the text and
    at least four letters long, so a model called 'Atlas' is not found in 'an atlas of'.
    """
    runs = _RUN.findall(text)
    keys = [run.lower() for run in runs]
    found: list[Entry] = []
    i, count = 0, len(runs)
    while i < count and len(found) < limit:
        best, width, key = None, 0, ""
        for j in range(i, min(i + MAX_RUNS, count)):
            key += keys[j]
            if not index.is_prefix(key):
                break
            entry = index.by_key(key)
            if entry is not None and (j > i or _plausible_single(runs[i])):
                best, width = entry, j - i + 1
        if best is None:
            i += 1
            continue
        if best not in found:
            found.append(best)
        i += width
    return found


def _plausible_single(word: str) -> bool:
    if any(c.isdigit() for c in word):
        return len(word) >= 2 and any(c.isalpha() for c in word)
    return len(word) >= 4 and word[0].isupper()
