"""Normalising names so that 'GPT-4o', 'gpt4o' and 'GPT 4o' are the same key."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """NFKC-normalise, drop invisible format/control characters, collapse white space."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs"))
    return _SPACES.sub(" ", text).strip()


def normalize(name: str) -> str:
    """The lookup key of a name: letters and digits (any script) only, case-folded."""
    return _NON_ALNUM.sub("", clean_text(name).casefold())


def word_starts(name: str) -> list[str]:
    """Keys for every word start in `name`, so 'omni' finds 'Qwen3.5-Omni-Plus'.

    Words split at punctuation, spaces and letter/digit boundaries ('Qwen3' -> 'qwen', '3').
    """
    words = re.findall(r"[^\W\d_]+|\d+", clean_text(name).casefold())
    keys = []
    for i in range(len(words)):
        key = "".join(words[i:])
        if key and key not in keys:
            keys.append(key)
    return keys
