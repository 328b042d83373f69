"""Finding the catalog models an entry names, through names and aliases."""

from __future__ import annotations

import re

from bot.core.index import NameEntry, NameIndex
from bot.watch.items import SUMMARY_SCAN

# Runs of letters or digits. A name's key is the concatenation of its runs, lower-cased:
# 'Qwen3.5-Omni' and 'Qwen 3.5 Omni' are both qwen|3|5|omni -> 'qwen35omni'.
_RUN = re.compile(r"[^\W_]+")
MAX_RUNS = 8


def link_models(index: NameIndex, text: str, limit: int = 5) -> list[NameEntry]:
    """Models named in `text`, longest names first, left to right, without overlaps.

    A name of one run counts only when it contains a digit or is capitalised in the text and
    at least four letters long, so a model called 'Atlas' is not found in 'an atlas of'.
    """
    runs = _RUN.findall(text)
    keys = [run.lower() for run in runs]
    is_prefix, by_key = index.is_prefix, index.by_key
    found: list[NameEntry] = []
    resume = 0  # the first run not inside a name already found
    for i in [i for i, key in enumerate(keys) if is_prefix(key)]:  # where a name may start
        if i < resume:
            continue
        best, width, key = None, 0, keys[i]
        for j in range(i, min(i + MAX_RUNS, len(runs))):
            if j > i:
                key += keys[j]
                if not is_prefix(key):
                    break
            entry = by_key(key)
            if entry is not None and (j > i or _plausible_single(runs[i])):
                best, width = entry, j - i + 1
        if best is None:
            continue
        if best not in found:
            found.append(best)
            if len(found) >= limit:
                break
        resume = i + width
    return found


def models_named(index: NameIndex, title: str, summary: str) -> list[NameEntry]:
    """Models a feed entry names in its title or the opening of its summary."""
    return link_models(index, f"{title}. {summary[:SUMMARY_SCAN]}")


def _plausible_single(word: str) -> bool:
    if any(c.isdigit() for c in word):
        return len(word) >= 2 and any(c.isalpha() for c in word)
    return len(word) >= 4 and word[0].isupper()
