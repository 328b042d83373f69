"""Normalising names so that 'GPT-4o', 'gpt4o' and 'GPT 4o' are the same key."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


# Control (Cc), format (Cf: zero-width, bidi controls, soft hyphen ...), private-use (Co) and
# surrogate (Cs) characters, as one pattern: far faster than asking unicodedata per character.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ue000-\uf8ff\ud800-\udfff\U000110bd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000f0000-\U0010ffff]"
)


def clean_text(text: str) -> str:
    """NFKC-normalise, drop invisible format/control characters, collapse white space."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def normalize(name: str) -> str:
    """The lookup key of a name: letters and digits (any script) only, case-folded."""
    if name.isascii():  # same result, much faster: NFKC and casefold are identities here
        return _NON_ALNUM.sub("", name.lower())
    # Invisible format characters are not word characters, so the pattern drops them too.
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", name).casefold())


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


# What a benchmark's identity keeps that `normalize` drops: '+' (HumanEval+ is another test
# than HumanEval), '<' and '>' (Graphwalks <128k vs >128k) and the dot of a version number.
_BENCH_SYMBOLS = {"+": "plus", "<": "lt", ">": "gt", "≤": "le", "≥": "ge"}
_BENCH_SYMBOL = re.compile(r"[+<>≤≥]")
_VERSION_DOT = re.compile(r"(?<=\d)\.(?=\d)")


def benchmark_key(name: str) -> str:
    """The identity key of a benchmark name: case and spacing fold ('MT-bench' is 'MT Bench'),
    but '+', '<', '>' and version dots stay, so 'HumanEval+' is not 'HumanEval' and 'v2.5' is
    not 'v25'. Fuzzy lookups for typing still use `normalize`."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _BENCH_SYMBOL.sub(lambda m: _BENCH_SYMBOLS[m[0]], text)
    return ".".join(_NON_ALNUM.sub("", part) for part in _VERSION_DOT.split(text))


_NUMBERS = re.compile(r"\d+(?:\.\d+)*")


def title_key(title: str) -> str:
    """A feed entry title's dedup key (stored with the entry as `entries.title_key`)."""
    return normalize(title)


def title_numbers(title: str) -> str:
    """The numbers a title names, in order, so 'Gemma 4' is not 'Gemma 3' (stored with the
    entry as `entries.title_numbers`)."""
    return " ".join(_NUMBERS.findall(title))
