"""The rules for what a benchmark score may be (units and their valid ranges) and for the
evaluation setting it was measured under, for curators' commands and imports alike."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_SCORE = 1e7  # past this a score is a typo in any unit (Elo, ms, tokens/s ...)
# Units whose scores have a fixed valid range; any other unit takes 0..MAX_SCORE.
UNIT_RANGES: dict[str, tuple[float, float, str]] = {
    "%": (0, 100, "a percentage between 0 and 100"),
    "/10": (0, 10, "a score out of 10"),
    "Elo": (0, 5000, "an Elo rating between 0 and 5,000"),
    "rank": (1, MAX_SCORE, "a rank (1 or more)"),
}


def score_problem(value: float, unit: str | None, benchmark: str) -> str | None:
    """Why `value` cannot be a score of `benchmark` measured in `unit`, or None if it can.
    With the unit not yet known (None), only the checks that hold for every unit apply."""
    if not math.isfinite(value):
        return f"{value} is not a number."
    if unit in UNIT_RANGES:
        low, high, what = UNIT_RANGES[unit]
        if not low <= value <= high:
            shown = f"{value:g}%" if unit == "%" else f"{value:g}"
            return f"{shown} is not {what} ({benchmark} is scored in {unit})."
    if value < 0 or value > MAX_SCORE:
        return f"{value:g} is not a plausible {benchmark} score."
    return None


# ---- evaluation settings --------------------------------------------------------------------

# The parts of a setting people state, in the order a label shows them. A score's setting is
# part of what it measures: AIME 2024 cons@64 is not AIME 2024 pass@1.
_SAMPLING = re.compile(r"\b(pass|cons|maj|avg|best[- ]?of)\s*@\s*(\d+)\b", re.IGNORECASE)
_SHOTS = re.compile(r"\b(\d+|zero|one|few)[- ]?shots?\b", re.IGNORECASE)
_COT = re.compile(r"\bcot\b|chain[- ]of[- ]thought", re.IGNORECASE)
_VERSION = re.compile(r"(?<![\w.])v(\d+(?:\.\d+)?)\b", re.IGNORECASE)
_TOOLS = re.compile(r"\bwith\b[^,;)]*\btools?\b", re.IGNORECASE)
_WORD_SHOTS = {"zero": "0", "one": "1"}
# What a score that states nothing was measured under, as people read it: one attempt
# (pass@1), no examples in the prompt (0-shot). Stating them changes nothing.
DEFAULT_PARTS = frozenset({"pass@1", "0-shot"})
STANDARD_LABEL = "standard (pass@1, 0-shot or not stated)"
MAX_SETTING = 80


@dataclass(frozen=True)
class Setting:
    """An evaluation setting: `label` as shown ('0-shot, pass@1'), `key` what ranks and
    compares like with like ('' for the standard setting, 'cons@64', '5-shot, CoT' ...)."""

    label: str = ""
    key: str = ""


def describe_setting(key: str, short: bool = False) -> str:
    """A setting key as shown: '' is the standard setting."""
    return key or ("standard" if short else STANDARD_LABEL)


def parse_setting(text: str | None) -> Setting:
    """The setting stated in free text such as 'Cons@64', '0-shot CoT', 'v5' or '5 shot COT';
    parts it does not recognise ('Accuracy', 'Score', 'OLMES') state nothing."""
    if not text:
        return Setting()
    parts = [f"v{m[1]}" for m in _VERSION.finditer(text)]
    for match in _SHOTS.finditer(text):
        count = _WORD_SHOTS.get(match[1].casefold(), match[1])
        parts.append("few-shot" if count.casefold() == "few" else f"{count}-shot")
    if _COT.search(text):
        parts.append("CoT")
    for match in _SAMPLING.finditer(text):
        kind = match[1].casefold().replace(" ", "").replace("-", "")
        parts.append(f"{'best-of' if kind == 'bestof' else kind}@{int(match[2])}")
    if _TOOLS.search(text) and not re.search(r"\bno tools?\b", text, re.IGNORECASE):
        parts.append("with tools")
    unique = list(dict.fromkeys(parts))
    return Setting(", ".join(unique), ", ".join(p for p in unique if p not in DEFAULT_PARTS))


def setting_problem(text: str) -> str | None:
    """Why a setting a curator wrote cannot be read, or None."""
    if len(text) > MAX_SETTING:
        return f"setting is {len(text)} characters; the limit is {MAX_SETTING}"
    if not parse_setting(text).label:
        return (
            f"setting {text!r} names no known part (pass@1, cons@64, 5-shot, CoT, v6, with tools)"
        )
    return None
