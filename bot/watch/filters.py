"""Subscription filters: which entries a channel wants, and whether an entry matches."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.core.errors import UserError
from bot.core.licenses import parse_openness
from bot.core.names import clean_text, normalize
from bot.core.vocab import EVENT_KINDS, Openness

MAX_VALUES = 10
NEW_ONLY_LABEL = "new to catalog only"
_YES = frozenset({"yes", "true", "on", "1"})
_NO = frozenset({"no", "false", "off", "0"})


@dataclass(frozen=True)
class Filters:
    """Each non-empty filter must match (AND); within one filter any value may (OR)."""

    orgs: tuple[str, ...] = ()
    openness: tuple[str, ...] = ()
    modality: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    new_only: bool = False  # only entries that brought the catalog a new record

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            k: list(v) for k, v in asdict(self).items() if v and k != "new_only"
        }
        if self.new_only:
            data["new_only"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Filters:
        return cls(
            **{
                k: tuple(data.get(k) or ())
                for k in ("orgs", "openness", "modality", "types", "keywords")
            },
            new_only=data.get("new_only") is True,
        )

    def describe(self) -> str:
        parts = [
            f"{name}: {', '.join(values)}"
            for name, values in self.to_json().items()
            if name != "new_only"
        ]
        if self.new_only:
            parts.append(NEW_ONLY_LABEL)
        return "; ".join(parts) if parts else "everything"


@dataclass(frozen=True)
class EntryFacts:
    orgs: frozenset[str]  # normalised organisation names
    openness: frozenset[str]
    modality: str  # every modality claim, lower-cased, joined
    type: str
    text: str  # title and summary, case-folded
    new_to_catalog: bool = False  # the entry added a record to the catalog


def matches(filters: Filters, facts: EntryFacts) -> bool:
    if filters.new_only and not facts.new_to_catalog:
        return False
    if filters.orgs and not any(normalize(o) in facts.orgs for o in filters.orgs):
        return False
    if filters.openness and not any(_openness_ok(o, facts.openness) for o in filters.openness):
        return False
    if filters.modality and not any(m.casefold() in facts.modality for m in filters.modality):
        return False
    if filters.types and facts.type not in filters.types:
        return False
    return not filters.keywords or any(k.casefold() in facts.text for k in filters.keywords)


def _openness_ok(wanted: str, classes: frozenset[str]) -> bool:
    return Openness(wanted).admits(Openness(c) for c in classes)


def split_values(text: str | None, what: str) -> tuple[str, ...]:
    if not text:
        return ()
    values = tuple(dict.fromkeys(v for v in (clean_text(p) for p in text.split(",")) if v))
    if len(values) > MAX_VALUES:
        raise UserError("At most {} {}, please.", MAX_VALUES, what)
    if any(len(v) > 100 for v in values):
        raise UserError("Each of the {} must be at most 100 characters.", what)
    return values


def parse_filters(
    orgs: str | None = None,
    openness: str | None = None,
    modality: str | None = None,
    types: str | None = None,
    keywords: str | None = None,
    new_only: str | None = None,
) -> Filters:
    """Comma-separated option text to filters; unknown openness classes or types, or a
    `new_only` that is not yes or no, are errors."""
    classes = []
    for value in split_values(openness, "openness classes"):
        parsed = parse_openness(value)
        if parsed is None:
            raise UserError(
                "Unknown openness '{}'. Use: {}.", value[:40], ", ".join(o.value for o in Openness)
            )
        classes.append(parsed.value)
    kinds = []
    for value in split_values(types, "types"):
        kind = value.casefold().replace(" ", "_").replace("-", "_")
        kind = {
            "license": "license_change",
            "pricing": "price_change",
            "price": "price_change",
        }.get(kind, kind)
        if kind not in EVENT_KINDS:
            raise UserError("Unknown type '{}'. Use: {}.", value[:40], ", ".join(EVENT_KINDS))
        kinds.append(kind)
    return Filters(
        orgs=split_values(orgs, "organisations"),
        openness=tuple(classes),
        modality=split_values(modality, "modalities"),
        types=tuple(kinds),
        keywords=split_values(keywords, "keywords"),
        new_only=parse_new_only(new_only),
    )


def parse_new_only(text: str | None) -> bool:
    """The `new_only` option: 'yes' or 'no' (true/false, on/off); nothing given is no."""
    value = clean_text(text or "").casefold()
    if not value or value in _NO:
        return False
    if value in _YES:
        return True
    raise UserError("`new_only` must be yes or no, not '{}'.", value[:40])
