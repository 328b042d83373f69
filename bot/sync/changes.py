"""What a snapshot changed against the same source's previous one: the change set.

A snapshot is reduced to a fact map, `"model\\x1ffield" -> value`, which the sync state keeps
(bot/store/sync.py); the next snapshot's map is diffed against it. Re-running a snapshot gives
the same map, so an empty change set.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.core.records import Batch, PriceRec

SEP = "\x1f"
PRESENT = "_listed"  # the field every model a snapshot lists has
PRICE = "price:"  # price fields: price:<provider>[:<region>], value "input|output"
LICENSE = "license"
BASE_MODEL = "base_model"
CONTEXT_FIELDS = ("context_window", "output_context")
ENDED = ("deprecated", "shut_down")


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def price_field(price: PriceRec) -> str:
    return PRICE + price.provider + (f":{price.region}" if price.region else "")


def fact_map(batch: Batch) -> dict[str, str]:
    """The snapshot as `model SEP field -> value`: each model's presence, facts (several values
    of one field joined, sorted), lineage links, license claims, and current prices (no
    `ends`)."""
    values: dict[str, set[str]] = defaultdict(set)
    for model in batch.models:
        values[model.name + SEP + PRESENT].add("1")
    for claim in batch.claims:
        values[claim.model + SEP + claim.field].add(claim.value)
    for link in batch.lineage:  # a base model added or dropped changes the model
        values[link.model + SEP + BASE_MODEL].add(f"{link.base} ({link.relation})")
    for lc in batch.license_claims:
        values[lc.model + SEP + LICENSE].add(f"{lc.license or '-'} ({lc.openness})")
    for price in batch.prices:
        if price.ends is None:
            values[price.model + SEP + price_field(price)].add(
                f"{_money(price.input_per_m)}|{_money(price.output_per_m)}"
            )
    return {key: " | ".join(sorted(v)) for key, v in values.items()}


@dataclass(frozen=True)
class Change:
    """One notable change. `kind`: new_model, price, context, license, deprecation, removal."""

    kind: str
    model: str
    field: str = ""
    old: str | None = None
    new: str | None = None

    def describe(self) -> str:
        if self.kind == "new_model":
            return f"new model {self.model}"
        if self.kind == "removal":
            return f"{self.model} is no longer listed"
        if self.kind == "price":
            provider = self.field.removeprefix(PRICE).replace(":", " ")
            return f"{self.model} ({provider}): {describe_price(self.old, self.new)}"
        label = self.field.replace("_", " ")
        return f"{self.model}: {label} {self.old or 'none'} → {self.new or 'none'}"


def describe_price(old: str | None, new: str | None) -> str:
    """'input $3.00 → $2.50 per 1M tokens' (and output, where it changed)."""
    before = (old or "|").split("|")
    after = (new or "|").split("|")
    parts = []
    for label, a, b in zip(("input", "output"), before, after, strict=False):
        if a != b:
            parts.append(f"{label} {_dollars(a)} → {_dollars(b)}")
    return (", ".join(parts) or "unchanged") + " per 1M tokens"


def _dollars(text: str) -> str:
    return f"${float(text):,.2f}" if text else "none"


@dataclass
class ChangeSet:
    """What one sync changed: counts per model, and the notable changes."""

    source: str
    as_of: str
    baseline: bool = False  # the source's first sync: recorded, not announced
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def describe(self, limit: int = 20) -> str:
        """Counts, then up to `limit` notable changes, one a line."""
        head = (
            f"{self.source} (as of {self.as_of}): {self.added} added, {self.changed} changed,"
            f" {self.unchanged} unchanged, {self.removed} removed"
        )
        if self.baseline:
            head += " (first sync: recorded as the baseline, nothing announced)"
        if self.empty:
            return head + "; nothing changed."
        notable = [c for c in self.changes if not (self.baseline and c.kind == "new_model")]
        lines = [head] + [f"  {c.describe()}" for c in notable[:limit]]
        if len(notable) > limit:
            lines.append(f"  ... and {len(notable) - limit} more")
        return "\n".join(lines)


def diff(source: str, as_of: str, old: dict[str, str], new: dict[str, str]) -> ChangeSet:
    """The change set from fact map `old` to `new` (the same source's snapshots)."""
    result = ChangeSet(source, as_of, baseline=not old)
    old_models, new_models = _by_model(old), _by_model(new)
    for model in sorted(new_models):
        facts = new_models[model]
        before = old_models.get(model)
        if before is None:
            result.added += 1
            result.changes.append(Change("new_model", model))
            continue
        changes = _model_changes(model, before, facts)
        if changes or before != facts:
            result.changed += 1
            result.changes += changes
        else:
            result.unchanged += 1
    for model in sorted(set(old_models) - set(new_models)):
        result.removed += 1
        result.changes.append(Change("removal", model))
    return result


def _by_model(facts: dict[str, str]) -> dict[str, dict[str, str]]:
    models: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in facts.items():
        model, _, name = key.partition(SEP)
        models[model][name] = value
    return models


def _model_changes(model: str, old: dict[str, str], new: dict[str, str]) -> list[Change]:
    changes = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if name.startswith(PRICE):
            changes.append(Change("price", model, name, a, b))
        elif name in CONTEXT_FIELDS:
            changes.append(Change("context", model, name, a, b))
        elif name == LICENSE:
            changes.append(Change("license", model, name, a, b))
        elif name == "status" and b and any(e in b for e in ENDED):
            changes.append(Change("deprecation", model, name, a, b))
    return changes
