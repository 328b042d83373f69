"""Classifying an entry by what it announces: a release, a license change, a shutdown ...

Words are matched by their stems (a dictionary lookup per word, not a regular expression per
rule), and a few phrases by substring; when several kinds match, the earlier kind wins: a post
about shutting a model down may also mention a release.
"""

from __future__ import annotations

import re

PRIORITY = ("shutdown", "license_change", "price_change", "expected_release", "release", "research")

_STEMS = {
    "shutdown": ("sunset", "deprecat", "discontinu", "retire", "retiring", "shutdown"),
    "license_change": ("licens", "licenc", "relicens"),
    "price_change": ("price", "pricing", "cheaper", "discount"),
    "expected_release": ("expected", "upcoming"),
    "release": (
        "introduc",
        "releas",
        "launch",
        "unveil",
        "announc",
        "debut",
        "meet",
        "ship",
        "ships",
        "available",
    ),
    "research": ("paper", "research", "study", "studies", "benchmark", "arxiv"),
}
_PHRASES = {
    "shutdown": ("shut down", "shutting down", "end of life", "end-of-life"),
    "license_change": ("apache 2", "apache-2", "open weights under", "terms of use"),
    "price_change": ("per million tokens", "price cut"),
    "expected_release": ("coming soon", "will launch", "will release", "preview of what"),
    "release": ("open source", "open-source", "open-sourc"),
    "research": ("we find", "we show"),
}
# Every stem, by length, to its kind: a word matches a stem it starts with. Most words of a
# text start with no stem at all; their first letters (as many as the shortest stem) say so.
_BY_STEM = {stem: kind for kind, stems in _STEMS.items() for stem in stems}
_STEM_LENGTHS = sorted({len(s) for s in _BY_STEM})
_OPENINGS = frozenset(stem[: _STEM_LENGTHS[0]] for stem in _BY_STEM)
_ALL_PHRASES = tuple((phrase, kind) for kind, phrases in _PHRASES.items() for phrase in phrases)
_WORD = re.compile(r"[a-z]+")


def _kinds(text: str) -> set[str]:
    lowered = text.lower()
    found = {kind for phrase, kind in _ALL_PHRASES if phrase in lowered}
    opening = _STEM_LENGTHS[0]
    for word in _WORD.findall(lowered):
        if word[:opening] not in _OPENINGS:
            continue
        for size in _STEM_LENGTHS:
            if size > len(word):
                break
            kind = _BY_STEM.get(word[:size])
            if kind is not None and (size == len(word) or word[:size] not in _EXACT):
                found.add(kind)
    return found


# Stems that must be the whole word ('ship' but not 'shipping costs'; 'meet' but not 'meeting').
_EXACT = frozenset({"meet", "ship", "ships", "retire", "available"})


def classify(title: str, summary: str = "") -> str:
    """The entry type from its title first, then its summary; 'other' when nothing fits."""
    for text in (title, summary):
        found = _kinds(text)
        if found:
            return next(kind for kind in PRIORITY if kind in found)
    return "other"
