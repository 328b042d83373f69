"""Classifying an entry by what it announces: a release, a license change, a shutdown ..."""

from __future__ import annotations

import re

# First match wins: a post about shutting a model down may also mention a release.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            "shutdown",
            r"\b(shut(ting)?\s*down|sunset(ting)?|deprecat\w*|retir(e|ing|ement)|discontinu\w*|end of life)\b",
        ),
        (
            "license_change",
            r"\b(licen[cs]e[sd]?|relicens\w*|apache[\s-]?2|open[\s-]weights? under|terms of use)\b",
        ),
        ("price_change", r"\b(pric(e|es|ing)|cheaper|per million tokens|price cut|discount)\b"),
        ("expected_release", r"\b(coming soon|expected|will (launch|release)|preview of what)\b"),
        (
            "release",
            r"\b(introduc\w*|releas\w*|launch\w*|now available|available (today|now)|unveil\w*|announc\w*|meet|ships?|debut\w*|open[\s-]sourc\w*)\b",
        ),
        ("research", r"\b(paper|research|study|benchmark|arxiv|we (find|show))\b"),
    )
)


def classify(title: str, summary: str = "") -> str:
    """The entry type from its title first, then its summary; 'other' when nothing fits."""
    for text in (title, summary):
        for kind, pattern in _RULES:
            if pattern.search(text):
                return kind
    return "other"
