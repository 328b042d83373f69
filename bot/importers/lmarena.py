"""LMArena's published leaderboard: one row per model with its Arena rating (Elo), the rating's
95% confidence interval, the votes behind it, the organisation and the license.

Two shapes are read, as CSV or JSON (a list of objects, or {"rows"/"data": [...]}): the
leaderboard dataset's columns (model_name, rating, rating_lower, rating_upper, vote_count,
organization, license, category) and the website table's (Model, Score / Arena Score,
"95% CI" as "+5/-4" or "±4", Votes, Organization, License). Only the overall text category is
taken when the file holds several. A row without a CI, with one not around its rating, or with
negative votes is skipped with its reason; the rest of the file is imported.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from bot.core.errors import ImportRejected
from bot.core.names import clean_text
from bot.core.records import (
    Batch,
    BenchmarkRec,
    ModelRec,
    Provenance,
    ScoreRec,
    SkippedRow,
    SourceRec,
)
from bot.core.scores import score_problem
from bot.importers.common import BatchBuilder, parse_number
from bot.sync.adapter import Fetched

MAX_FILE_BYTES = 20 * 1024 * 1024
SOURCE = SourceRec(
    "lmarena",
    "LMArena leaderboard",
    "dataset",
    "https://lmarena.ai/leaderboard",
    credit="LMArena (lmarena.ai), crowd-sourced pairwise votes",
)
BENCHMARK = BenchmarkRec(
    "LMArena Elo",
    "Elo",
    True,
    ("LMArena", "LMArena rating", "Chatbot Arena Elo", "Arena score"),
    "LMArena's crowd-voted rating (Bradley-Terry, Elo scale) with its 95% confidence interval.",
)
OVERALL = frozenset({"", "text", "overall", "full", "text_overall"})
# Column names as the dataset and the website table spell them (compared case-folded).
COLUMNS = {
    "model": ("model_name", "model", "name"),
    "rating": ("rating", "arena score", "score", "arena_score", "elo"),
    "low": ("rating_lower", "lower", "ci_low", "rating_q025"),
    "high": ("rating_upper", "upper", "ci_high", "rating_q975"),
    "ci": ("95% ci", "95% ci (±)", "ci", "95_ci"),
    "votes": ("vote_count", "votes", "num_battles"),
    "org": ("organization", "organisation", "org"),
    "license": ("license",),
    "category": ("category",),
}
_PLUS_MINUS = re.compile(r"^\s*\+\s*([\d.]+)\s*/\s*-\s*([\d.]+)\s*$")
_SYMMETRIC = re.compile(r"^\s*(?:±|\+/-)\s*([\d.]+)\s*$")


def load_lmarena_file(path: Path) -> Batch:
    """Parse a downloaded LMArena leaderboard file (.csv or .json)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportRejected(f"{path.name} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
    return parse_lmarena(path.read_bytes(), path.name)


def parse_lmarena(data: bytes, origin: str = "lmarena") -> Batch:
    """The leaderboard's rows as models with an Elo score and its interval."""
    builder = BatchBuilder(SOURCE)
    builder.benchmark(BENCHMARK)
    seen: set[str] = set()
    for i, row in enumerate(_rows(data, origin)):
        where = f"row {i + 1}"
        problem = _add_row(builder, _columns(row), seen)
        if problem:
            builder.batch.skipped.append(SkippedRow(where, problem))
    return builder.batch


def _rows(data: bytes, origin: str) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(f"{origin} is not UTF-8 text.") from None
    if text.lstrip().startswith(("[", "{")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportRejected(f"{origin} is not valid JSON: {exc.msg}.") from None
        if isinstance(doc, dict):
            doc = doc.get("rows", doc.get("data"))
        if not isinstance(doc, list):
            raise ImportRejected(f"{origin} holds no list of leaderboard rows.")
        return [r.get("row", r) if isinstance(r, dict) else {} for r in doc]
    reader = csv.DictReader(io.StringIO(text))
    header = {str(k).strip().casefold() for k in reader.fieldnames or ()}
    if not header & set(COLUMNS["model"]):
        raise ImportRejected(f"{origin} has no model column (model_name or Model).")
    return list(reader)


def _find(row: dict[str, Any], what: str) -> Any:
    lowered = {str(k).strip().casefold(): v for k, v in row.items()}
    return next((lowered[k] for k in COLUMNS[what] if lowered.get(k) not in (None, "")), None)


def _columns(row: dict[str, Any]) -> dict[str, Any]:
    return {what: _find(row, what) for what in COLUMNS}


def _interval(cols: dict[str, Any], rating: float) -> tuple[float, float] | None:
    """(low, high) from lower/upper columns or a '+5/-4' / '±4' text."""
    low, high = parse_number(cols["low"]), parse_number(cols["high"])
    if low is not None and high is not None:
        return low, high
    text = str(cols["ci"] or "")
    if m := _PLUS_MINUS.match(text):
        return rating - float(m.group(2)), rating + float(m.group(1))
    if m := _SYMMETRIC.match(text):
        return rating - float(m.group(1)), rating + float(m.group(1))
    return None


def _add_row(builder: BatchBuilder, cols: dict[str, Any], seen: set[str]) -> str | None:
    """Add one row's model and score; the reason it is skipped, if it is."""
    name = clean_text(str(cols["model"] or ""))[:200]
    if not name:
        return "no model name"
    category = str(cols["category"] or "").strip().casefold()
    if category not in OVERALL:
        return f"{name}: category '{category[:40]}' (only the overall text board is imported)"
    rating = parse_number(cols["rating"])
    if rating is None:
        return f"{name}: no rating"
    problem = score_problem(rating, BENCHMARK.unit, BENCHMARK.name)
    if problem:
        return f"{name}: {problem}"
    ci = _interval(cols, rating)
    if ci is None:
        return f"{name}: no 95% CI"
    if not ci[0] <= rating <= ci[1]:
        return f"{name}: 95% CI {ci[0]:g}–{ci[1]:g} is not around the rating {rating:g}"
    votes = parse_number(cols["votes"]) if cols["votes"] is not None else None
    if cols["votes"] is not None and (votes is None or votes < 0 or votes != int(votes)):
        return f"{name}: votes '{str(cols['votes'])[:20]}' is not a count (0 or more)"
    if name.casefold() in seen:
        return f"{name}: repeated (the first row is kept)"
    seen.add(name.casefold())
    org = clean_text(str(cols["org"] or ""))[:100] or None
    builder.model(ModelRec(name, org))
    prov = Provenance(SOURCE.key)
    builder.batch.scores.append(
        ScoreRec(
            name,
            BENCHMARK.name,
            rating,
            prov,
            ci_low=ci[0],
            ci_high=ci[1],
            votes=int(votes) if votes is not None else None,
        )
    )
    if cols["license"]:
        builder.license_claim(name, clean_text(str(cols["license"]))[:100], None, prov)
    return None


class LMArenaAdapter:
    """LMArena's leaderboard as an optional sync source. No default URL: its leaderboard
    dataset is a download (a Hugging Face dataset export), so `sync.sources.lmarena.url` or
    `--from FILE` says where it is."""

    key = "lmarena"
    source = SOURCE
    default_url = ""
    bundled: str | None = None

    def parse(self, fetched: Fetched) -> Batch:
        return parse_lmarena(fetched.body, origin=fetched.url)
