"""Which real model a source's record names: pure rules, no store.

A record is a model (`GPT-4o`) or one dated snapshot of it (`gpt-4o-2024-08-06`, Epoch's
`GPT-4o (Aug 2024)`). Sources spell snapshots with a date suffix in many forms; vendors spell
models as deployment ids (`anthropic.claude-3-5-sonnet-20241022-v2:0`, `bedrock/...`); and
one source puts the organisation in front of the name ("Amazon Nova Pro") where another does
not ("Nova Pro"). These functions turn each form into the names and keys the store matches.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.names import normalize

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# `-2024-08-06`, `-20241022`, `@20240620`: a full date.
_FULL_DATE = re.compile(r"[-_@ ](20\d\d)-?(\d\d)-?(\d\d)$")
# `-04-2024` (Cohere): month and year.
_MONTH_YEAR = re.compile(r"[-_ ](\d\d)-(20\d\d)$")
# `-0613` (OpenAI: month and day) or `-2407` (Mistral: year and month).
_FOUR_DIGITS = re.compile(r"[-_ ](\d\d)(\d\d)$")
# Epoch's `(Jun 2023)`.
_LABEL = re.compile(r"\s*\(([A-Za-z]{3})[a-z]*\.? (20\d\d)\)$")
# Deployment ids: a router or cloud in front, a vendor's dotted prefix, a version behind.
_ROUTERS = re.compile(
    r"^(?:bedrock|vertex_ai|vertex|azure|openrouter|together_ai|groq|fireworks_ai|models)/",
    re.IGNORECASE,
)
_VENDOR_DOT = re.compile(
    r"^(?:(?:us|eu|apac|global)\.)?(?:anthropic|amazon|meta|cohere|mistral|ai21|deepseek"
    r"|openai|qwen|writer)\.",
    re.IGNORECASE,
)
_VERSION = re.compile(r"-v\d+(?::\d+)?$|:\d+$", re.IGNORECASE)
_SLASHED = re.compile(r"^[\w.-]+/(?=[^/]+$)")
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two letters or more
# How close before a model's release date a month-day suffix may fall and still be that year
# (DeepSeek-V3 0324 shipped 2025-03-24 though LLM Stats dates it 2025-03-25).
_YEAR_SLACK = dt.timedelta(days=31)


@dataclass(frozen=True)
class Snapshot:
    """A record read as a dated snapshot: the model it belongs to and the snapshot's date
    ('2024-08-06', or '2024-07' when the suffix gives only a month)."""

    model: str
    date: str

    @property
    def name(self) -> str:
        """The catalog's name of the snapshot: 'GPT-4o (2024-08-06)'."""
        return snapshot_name(self.model, self.date)


def snapshot_name(model: str, date: str) -> str:
    return f"{model} ({date})"


def _valid(year: int, month: int, day: int = 1) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def snapshot_date(model_id: str, released: str | None = None) -> tuple[str, str] | None:
    """A source id's date suffix as (the id without it, ISO date), or None.

    `gpt-4o-2024-08-06` and `claude-3-5-sonnet-20241022` carry the full date; `gpt-4-0613`
    a month and day, whose year is the release date's (`released`, ISO) unless that would put
    the snapshot well before the release; `mistral-large-2-2407` a year and month;
    `command-r-plus-04-2024` a month and year.
    """
    text = model_id.strip()
    if match := _FULL_DATE.search(text):
        year, month, day = (int(g) for g in match.groups())
        if _valid(year, month, day):
            return text[: match.start()], f"{year:04d}-{month:02d}-{day:02d}"
        return None
    if match := _MONTH_YEAR.search(text):
        month, year = int(match[1]), int(match[2])
        return (text[: match.start()], f"{year:04d}-{month:02d}") if _valid(year, month) else None
    if match := _FOUR_DIGITS.search(text):
        return _four_digits(text[: match.start()], int(match[1]), int(match[2]), released)
    return None


def _four_digits(base: str, a: int, b: int, released: str | None) -> tuple[str, str] | None:
    """`-MMDD` (needs the release year) or `-YYMM`; a number that is neither is no date."""
    if released and len(released) >= 4 and _valid(2000, a, b):
        year = int(released[:4])
        if not _valid(year, a, b):  # 29 February outside a leap year
            return None
        day = dt.date(year, a, b)
        if len(released) == 10 and day < dt.date.fromisoformat(released) - _YEAR_SLACK:
            year += 1  # gpt-3.5-turbo-0125 is January 2024, after its March 2023 family date
        return (base, f"{year:04d}-{a:02d}-{b:02d}") if _valid(year, a, b) else None
    if 23 <= a <= 39 and _valid(2000 + a, b):
        return base, f"{2000 + a:04d}-{b:02d}"
    return None


def epoch_snapshot(name: str, published: str | None) -> Snapshot | None:
    """Epoch's 'GPT-4o (Aug 2024)' as a snapshot of GPT-4o, dated by the publication date
    when that falls in the labelled month (else by the month alone)."""
    match = _LABEL.search(name)
    if not match or match[1].lower() not in _MONTHS:
        return None
    month = f"{int(match[2]):04d}-{_MONTHS[match[1].lower()]:02d}"
    date = published if published and published.startswith(month) else month
    model = name[: match.start()].strip()
    return Snapshot(model, date) if normalize(model) else None


def vendor_stripped(text: str) -> str:
    """A deployment id without its router, vendor prefix and version: 'bedrock/anthropic.
    claude-opus-4-6-v1' -> 'claude-opus-4-6'. Text that is no such id comes back unchanged."""
    stripped = _ROUTERS.sub("", text.strip())
    rest = _SLASHED.sub("", stripped)  # 'openai/gpt-4o', 'meta-llama/Llama-3.3-70B'
    if _WORD.search(rest):  # not 'ViT-G/14'
        stripped = rest
    vendor = _VENDOR_DOT.sub("", stripped)
    if vendor != stripped or stripped != text.strip():
        # Only a deployment id has a version behind: 'DeepSeek-V3' is a name.
        stripped = _VERSION.sub("", vendor)
    return stripped if _WORD.search(stripped) else text


def without_org(name: str, orgs: Iterable[str]) -> str | None:
    """The name without an organisation's name in front ('Amazon Nova Pro' -> 'Nova Pro'),
    or None when none of `orgs` starts it or no word would be left ('Mistral 7B')."""
    for org in sorted(orgs, key=len, reverse=True):
        if org and name.casefold().startswith(org.casefold() + " "):
            rest = name[len(org) + 1 :].strip()
            if _WORD.search(rest):  # a word, not just '7B'
                return rest
    return None


def match_keys(name: str, orgs: Iterable[str] = ()) -> list[str]:
    """Other keys under which the record `name` of an organisation (known by `orgs`, its name
    and aliases) may already be in the catalog, best first; never the name's own key."""
    orgs = [o for o in orgs if o]
    own = normalize(name)
    forms = [vendor_stripped(name)]
    bare = without_org(name, orgs)
    if bare:
        forms.append(bare)
    forms += [f"{org} {name}" for org in orgs]
    keys = [normalize(f) for f in forms]
    return [k for k in dict.fromkeys(keys) if k and k != own]
