"""Autocomplete answers: served from the in-memory indexes, at most 25, names clipped to 100."""

from __future__ import annotations

from collections.abc import Iterable

from discord import app_commands

from bot.core.lookups import Lookups
from bot.render.cards import clip
from bot.render.limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME

Choices = list[app_commands.Choice[str]]


def to_choices(names: Iterable[str]) -> Choices:
    out = []
    for name in names:
        label = clip(name, CHOICE_NAME)
        out.append(app_commands.Choice(name=label, value=label))
        if len(out) == AUTOCOMPLETE_CHOICES:
            break
    return out


def model_choices(lookups: Lookups, current: str) -> Choices:
    return to_choices(e.name for e in lookups.models.autocomplete(current))


def benchmark_choices(lookups: Lookups, current: str) -> Choices:
    return to_choices(e.name for e in lookups.benchmarks.autocomplete(current))
