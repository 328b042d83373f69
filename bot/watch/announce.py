"""What a release entry announces, read conservatively: the one model a title introduces, and
the facts its text states plainly. Pure functions, no store.

A wrong fact is worse than a missing one, so every rule refuses rather than guesses:
- a name only after a launch word at the start of the title ("Introducing X", "Announcing X",
  "Meet X") or before "is here" / "is now available", never from a link or the summary;
- a name has a number in it (Mistral Small 4, Sora 2, TRIBE v2): "Introducing Forge" or
  "Introducing GeneBench-Pro" may be a product, a benchmark or a programme;
- a title that introduces two or more names ("Devstral 2 and Mistral Vibe CLI", a roundup)
  introduces none; so does one whose name reads as a product or a software version
  ("SDK 2.1", "v1.4.2", "API 2", "Summit 2026");
- a fact is kept only when the text states exactly one value for it, in a form the rules
  know ("128K-token context window", "24B parameters", "Apache 2.0", "$2 per million input
  tokens"); a price in another currency (€, £, A$ ...) is not a dollar price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.licenses import normalize_license

# Links are no text: a name or a number inside a URL is not stated by the entry.
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_LAUNCH = re.compile(
    r"^\s*(?:introducing|announcing|meet|releasing|launching|unveiling|say hello to)\b[\s:—–-]*"
    r"(?:(?:the|our|new|all-new)\s+)*(?P<rest>.+)$",
    re.IGNORECASE,
)
_ARRIVED = re.compile(
    r"^\s*(?P<rest>.+?)\s+(?:is here|is out|is now available|now available)\b", re.IGNORECASE
)
_TOKEN = re.compile(r"[A-Za-z0-9][\w.+\-]*")
_MAX_TOKENS = 6
# What may follow the name in a title: its end, a separator, or one of these words.
_FOLLOWERS = frozenset({"for", "with", "is", "now", "and", "our", "a", "an", "the", "to", "model"})
_SEPARATORS = ":;,.!?()—–-|/"
# Words that make a name a product, an event or software rather than a model.
_NOT_MODELS = frozenset(
    {
        "api",
        "apis",
        "app",
        "apps",
        "sdk",
        "cli",
        "update",
        "updates",
        "release",
        "releases",
        "version",
        "program",
        "programme",
        "startup",
        "studio",
        "platform",
        "library",
        "plugin",
        "plugins",
        "kit",
        "toolkit",
        "enterprise",
        "cohort",
        "hackathon",
        "conference",
        "summit",
        "edition",
        "day",
        "week",
        "benchmark",
        "bench",
        "dataset",
        "challenge",
        "prize",
        "report",
        "card",
        "system",
        "gateway",
        "console",
        "docs",
    }
)
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_LETTERS = re.compile(r"[A-Za-z]{2,}")

_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
_MULT.update({"t": 1e12, "trillion": 1e12})
_NUMBER = r"(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_CONTEXT = (
    re.compile(
        rf"(?P<q>up to |over |more than )?{_NUMBER}\s*(?P<u>[kKmM]|thousand|million)?"
        r"[\s-]*tokens?[\s-]+(?:of\s+)?context\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?P<q>up to |over |more than )?{_NUMBER}\s*(?P<u>[kKmM]|thousand|million)"
        r"[\s-]+context(?:[\s-]+window|[\s-]+length)?\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"context(?:\s+window|\s+length)?\s+of\s+(?P<q>up to |over |more than )?{_NUMBER}"
        r"\s*(?P<u>[kKmM]|thousand|million)?(?:\s*tokens?)?",
        re.IGNORECASE,
    ),
)
_PARAMS = re.compile(
    rf"{_NUMBER}\s*(?P<u>[bBmMtT]|billion|million|trillion)[\s-]+"
    r"(?P<active>active[\s-]+|total[\s-]+)?param(?:eter)?s?\b",
    re.IGNORECASE,
)
_LICENSES = (
    re.compile(r"\bApache(?:[\s-]+License)?(?:[\s,-]+(?:version\s+)?)?2\.0\b", re.IGNORECASE),
    re.compile(r"\bMIT\s+licen[cs]e\b", re.IGNORECASE),
    re.compile(r"\bCC[\s-]BY[\s-]NC[\s-]4\.0\b", re.IGNORECASE),
    re.compile(r"\bCC[\s-]BY[\s-]4\.0\b", re.IGNORECASE),
)
_NEGATED = re.compile(
    r"\b(?:not|no longer|unlike|instead of|from|away from|previously|formerly)\s+(?:\w+\s+){0,3}$",
    re.IGNORECASE,
)
# A license a change moves to: "moves to Apache 2.0", "now under the MIT license".
_MOVED_TO = re.compile(r"\b(?:to|under|now)\s+(?:the\s+|an?\s+)?$", re.IGNORECASE)
# "$0.40 per million input tokens", "US$2 / 1M output tokens"; "A$", "C$", "HK$" are not US$.
_PRICE = re.compile(
    r"(?<![A-Za-z$])(?:US)?\$\s?(?P<n>\d+(?:\.\d+)?)\s*(?:per|/)\s*(?:1M|1 ?million|one million"
    r"|million|M)\s+(?P<side>input|output)\s+tokens",
    re.IGNORECASE,
)
_MAX = {"context_window": 1e9, "params": 1e15, "active_params": 1e15}
_MIN = {"context_window": 1e3, "params": 1e6, "active_params": 1e6}


@dataclass(frozen=True)
class StatedFact:
    """A fact as an entry states it: a catalog field, its value, and its qualifier."""

    field: str  # context_window, params, active_params
    value: str
    qualifier: str | None = None


@dataclass(frozen=True)
class StatedFacts:
    """What an entry's text states plainly about the model it announces."""

    facts: tuple[StatedFact, ...] = ()
    license: str | None = None  # a license id (`normalize_license`)
    input_per_m: float | None = None  # US dollars per 1M tokens
    output_per_m: float | None = None

    @property
    def priced(self) -> bool:
        return self.input_per_m is not None or self.output_per_m is not None


def plain_text(text: str) -> str:
    """The text without its links (a markdown link keeps its words, a bare URL goes)."""
    return _URL.sub(" ", _MARKDOWN_LINK.sub(r"\1", text))


def announced_name(title: str) -> str | None:
    """The one model the title introduces, or None when it introduces none or several."""
    text = plain_text(title).strip()
    for pattern, must_end in ((_LAUNCH, False), (_ARRIVED, True)):
        match = pattern.match(text)
        if match:
            return _name_of(match["rest"], must_end)
    return None


def _name_of(rest: str, must_end: bool) -> str | None:
    tokens, end = _name_tokens(rest)
    if not tokens:
        return None
    tail = rest[end:].strip()
    if must_end and tail:
        return None  # "Sora 2 is here": all before "is here" is the name
    if tail and not _fine_tail(tail):
        return None
    name = " ".join(tokens)
    return name if _model_like(tokens) else None


def _name_tokens(rest: str) -> tuple[list[str], int]:
    """The name-like words the text starts with, and where they end."""
    tokens: list[str] = []
    pos = 0
    while len(tokens) < _MAX_TOKENS:
        gap = rest[pos:]
        if tokens and not gap.startswith(" "):
            break
        match = _TOKEN.match(gap.lstrip(" "))
        if match is None:
            break
        word = match[0].rstrip(".-")
        if not _name_word(word):
            break
        tokens.append(word)
        pos += len(gap) - len(gap.lstrip(" ")) + len(word)
    return tokens, pos


def _name_word(word: str) -> bool:
    """A word of a model's name: capitalised, or carrying a digit (o3-mini, v2, 12B)."""
    return bool(word) and (word[0].isupper() or word[0].isdigit() or _has_digit(word))


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _fine_tail(tail: str) -> bool:
    """What follows the name reads as the rest of a title, not a second name or more words
    of the name's own phrase ("Claude Opus 6 support in Le Chat")."""
    if tail[0] in _SEPARATORS:
        rest = tail.lstrip(_SEPARATORS + " ")
        if tail[0] == "," and rest:
            return not _name_word(rest.split()[0])  # "A 1, B 2 ...": a list of names
        return True
    first, _, after = tail.partition(" ")
    if first.casefold() not in _FOLLOWERS:
        return False
    if first.casefold() == "and":
        following = after.split()
        return bool(following) and not _name_word(following[0])
    return True


def _model_like(tokens: list[str]) -> bool:
    if not tokens[0][0].isalpha():
        return False
    if any(t.casefold() in _NOT_MODELS or _SEMVER.match(t) for t in tokens):
        return False
    numbered = [t for t in tokens if _has_digit(t)]
    if not numbered or all(_YEAR.match(t) for t in numbered):
        return False
    return any(_LETTERS.search(t) for t in tokens)


def stated_facts(text: str) -> StatedFacts:
    """The facts `text` states with exactly one value each (links left out)."""
    text = plain_text(text)
    facts = [f for f in (_context(text), *_params(text)) if f is not None]
    prices = _prices(text)
    return StatedFacts(
        facts=tuple(facts),
        license=_license(text),
        input_per_m=prices.get("input"),
        output_per_m=prices.get("output"),
    )


def _count(number: str, unit: str | None) -> float:
    return float(number.replace(",", "")) * _MULT.get((unit or "").casefold(), 1.0)


def _one(field: str, values: set[tuple[str, str | None]]) -> StatedFact | None:
    if len(values) != 1:
        return None
    value, qualifier = next(iter(values))
    return StatedFact(field, value, qualifier)


def _plausible(field: str, number: float) -> bool:
    return _MIN[field] <= number <= _MAX[field]


def _context(text: str) -> StatedFact | None:
    values: set[tuple[str, str | None]] = set()
    for pattern in _CONTEXT:
        for m in pattern.finditer(text):
            number = _count(m["n"], m["u"])
            if _plausible("context_window", number):
                values.add((str(int(number)), (m["q"] or "").strip().casefold() or None))
    return _one("context_window", values)


def _params(text: str) -> list[StatedFact | None]:
    found: dict[str, set[tuple[str, str | None]]] = {"params": set(), "active_params": set()}
    for m in _PARAMS.finditer(text):
        field = "active_params" if (m["active"] or "").casefold().startswith("active") else "params"
        number = _count(m["n"], m["u"])
        if _plausible(field, number):
            found[field].add((str(int(number)), None))
    return [_one(field, values) for field, values in found.items()]


def _license(text: str) -> str | None:
    ids = set()
    for pattern in _LICENSES:
        for m in pattern.finditer(text):
            if _NEGATED.search(text[: m.start()]):
                return None  # "not under Apache 2.0": say nothing
            ids.add(normalize_license(m[0]).id)
    return next(iter(ids)) if len(ids) == 1 else None


def new_license(text: str) -> str | None:
    """The license a license-change text says a model moves to ('moves to Apache 2.0', 'now
    under the MIT license'), when it names exactly one so and mentions no license otherwise
    ('moves from Apache 2.0 to ...', 'shipped under Apache 2.0' beside it: say nothing)."""
    text = plain_text(text)
    moved_to, others = set(), set()
    for pattern in _LICENSES:
        for m in pattern.finditer(text):
            license_id = normalize_license(m[0]).id
            if _MOVED_TO.search(text[: m.start()]) and not _NEGATED.search(text[: m.start()]):
                moved_to.add(license_id)
            else:
                others.add(license_id)
    return next(iter(moved_to)) if len(moved_to) == 1 and not others else None


def _prices(text: str) -> dict[str, float]:
    found: dict[str, set[float]] = {"input": set(), "output": set()}
    for m in _PRICE.finditer(text):
        found[m["side"].casefold()].add(float(m["n"]))
    return {side: next(iter(v)) for side, v in found.items() if len(v) == 1}
