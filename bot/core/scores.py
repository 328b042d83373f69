"""The one rule for what a benchmark score may be, for curators' commands and imports alike."""

from __future__ import annotations

import math

MAX_SCORE = 1e7  # past this a score is a typo in any unit (Elo, ms, tokens/s ...)


def score_problem(value: float, unit: str | None, benchmark: str) -> str | None:
    """Why `value` cannot be a score of `benchmark` measured in `unit`, or None if it can.
    With the unit not yet known (None), only the checks that hold for every unit apply."""
    if not math.isfinite(value):
        return f"{value} is not a number."
    if unit == "%" and not 0 <= value <= 100:
        return f"{value:g}% is not a percentage between 0 and 100."
    if value < 0 or value > MAX_SCORE:
        return f"{value:g} is not a plausible {benchmark} score."
    return None
