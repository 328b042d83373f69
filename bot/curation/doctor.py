"""`catalog doctor`: what curators should look at — likely duplicate records, likely wrong
merges, scores in the wrong unit and claims nothing cites. It only reads the catalog."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from bot.core.identity import vendor_stripped, without_org
from bot.core.names import normalize
from bot.store.catalog_doctor import CatalogDoctorReads, DoctorModel, UnitScore, Unsourced
from bot.store.catalog_records import ProvisionalRecord

# Release dates one source gives a record that are further apart than this are two models.
WRONG_MERGE_DAYS = 60
# A provisional record (only an announcement speaks of it) this old wants a second source.
PROVISIONAL_DAYS = 30
# In a benchmark whose scores are percentages, a score at most this among scores whose median
# is at least FRACTION_MEDIAN looks like a fraction that was never converted.
FRACTION_MAX = 1.0
FRACTION_MEDIAN = 10.0
# Words that name a variant's packaging rather than another model.
_LOOSE_WORDS = re.compile(r"\b(?:instruct|instructed|it|chat|hf|latest)\b", re.IGNORECASE)
_LABEL = re.compile(r"\s*\((?:20\d\d(?:-\d\d){0,2})\)$")


@dataclass(frozen=True)
class Finding:
    subject: str
    detail: str


@dataclass
class DoctorReport:
    duplicates: list[Finding] = field(default_factory=list)
    wrong_merges: list[Finding] = field(default_factory=list)
    unit_anomalies: list[Finding] = field(default_factory=list)
    unsourced: list[Finding] = field(default_factory=list)
    stale_provisional: list[Finding] = field(default_factory=list)
    models: int = 0

    def sections(self) -> list[tuple[str, list[Finding]]]:
        return [
            ("Likely duplicates (one real model, several records)", self.duplicates),
            ("Likely wrong merges (several real models, one record)", self.wrong_merges),
            ("Unit anomalies (a score outside its benchmark's usual range)", self.unit_anomalies),
            ("Facts without a source (none, or no link to check it by)", self.unsourced),
            (
                f"Provisional records older than {PROVISIONAL_DAYS} days without a second source",
                self.stale_provisional,
            ),
        ]


def identity_key(model: DoctorModel) -> str:
    """The key two records of one real model share: no vendor id form, no organisation in
    front, no packaging words ('Instruct', '-it')."""
    name = vendor_stripped(model.name)
    name = without_org(name, model.org_names) or name
    return normalize(_LOOSE_WORDS.sub(" ", _LABEL.sub("", name)))


def _duplicates(models: list[DoctorModel]) -> list[Finding]:
    by_id = {m.id: m for m in models}
    groups: dict[tuple[str, str], list[DoctorModel]] = defaultdict(list)
    for model in models:
        label = _LABEL.search(model.name)
        groups[(identity_key(model), label.group(0).strip() if label else "")].append(model)
    found = []
    for group in groups.values():
        if len(group) < 2:
            continue
        orgs = {m.org for m in group if m.org}
        roots = {m.parent_id or m.id for m in group}
        if len(orgs) > 1 or (len(roots) < len(group) and len(roots) == 1):
            continue  # different makers, or one model and its own snapshots
        names = ", ".join(sorted(by_id[m.id].name for m in group))
        found.append(Finding(names, f"{len(group)} records, one name once spelling is ignored"))
    return sorted(found, key=lambda f: f.subject.casefold())


def _wrong_merges(
    models: dict[int, str], records: dict[int, set[str]], dates: dict[tuple[int, str], set[str]]
) -> list[Finding]:
    found = []
    for model_id, held in sorted(records.items()):
        if len(held) > 1:
            found.append(
                Finding(models[model_id], f"holds LLM Stats records {', '.join(sorted(held))}")
            )
    for (model_id, source), values in sorted(dates.items()):
        full = sorted(v for v in values if len(v) == 10)
        far = [
            (a, b) for a, b in combinations(full, 2) if abs(_days(a) - _days(b)) > WRONG_MERGE_DAYS
        ]
        if far:
            found.append(
                Finding(
                    models[model_id],
                    f"{source} gives release dates {far[0][0]} and {far[0][1]}"
                    f" ({abs(_days(far[0][0]) - _days(far[0][1]))} days apart)",
                )
            )
    return found


def _days(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


def _unit_anomalies(scores: list[UnitScore]) -> list[Finding]:
    by_bench: dict[str, list[UnitScore]] = defaultdict(list)
    for score in scores:
        by_bench[score.benchmark].append(score)
    found = []
    for bench, rows in sorted(by_bench.items()):
        unit = rows[0].unit
        if unit != "%":
            continue
        median = statistics.median(r.value for r in rows)
        for row in rows:
            if not 0 <= row.value <= 100:
                problem = f"{row.value:g}% is outside 0-100"
            elif row.value <= FRACTION_MAX and median >= FRACTION_MEDIAN:
                problem = f"{row.value:g}% among scores with median {median:g}%: a fraction?"
            else:
                continue
            found.append(Finding(f"{row.model}, {bench}", f"{problem} ({row.source})"))
    return found


def _unsourced(rows: list[Unsourced]) -> list[Finding]:
    """Claims with no source row one by one; claims of a source without a link, per source."""
    found = [Finding(r.model, f"{r.kind} '{r.what}' has no source") for r in rows if r.missing]
    by_source: dict[str, list[Unsourced]] = defaultdict(list)
    for row in rows:
        if not row.missing:
            by_source[row.source].append(row)
    for source, claims in sorted(by_source.items()):
        example = claims[0]
        found.append(
            Finding(
                source,
                f"{len(claims)} claim(s) cite it with no link, and it has none"
                f" (e.g. {example.model}: {example.kind} '{example.what[:60]}')",
            )
        )
    return found


def _stale_provisional(rows: list[ProvisionalRecord], today: dt.date) -> list[Finding]:
    found = []
    for row in rows:
        if row.announced and (today - dt.date.fromisoformat(row.announced[:10])).days <= (
            PROVISIONAL_DAYS
        ):
            continue
        when = row.announced or "on an undated day"
        where = f" ({row.url})" if row.url else ""
        found.append(
            Finding(
                row.name,
                f"announced {when} in '{row.title}'{where}; no dataset or curator has it since",
            )
        )
    return found


async def diagnose(reads: CatalogDoctorReads, today: dt.date | None = None) -> DoctorReport:
    """Every finding on the catalog (`today`: the day provisional records are aged by, UTC
    today by default); nothing is changed."""
    models = await reads.models()
    names = {m.id: m.name for m in models}
    records: dict[int, set[str]] = defaultdict(set)
    for use in await reads.source_records("llmstats"):
        records[use.model_id].add(use.record)
    dates: dict[tuple[int, str], set[str]] = defaultdict(set)
    for claim in await reads.release_dates():
        dates[(claim.model_id, claim.source)].add(claim.value)
    unsourced = _unsourced(await reads.unsourced())
    return DoctorReport(
        duplicates=_duplicates(models),
        wrong_merges=_wrong_merges(names, records, dates),
        unit_anomalies=_unit_anomalies(await reads.scores()),
        unsourced=unsourced,
        stale_provisional=_stale_provisional(
            await reads.provisional(), today or dt.datetime.now(dt.UTC).date()
        ),
        models=len(models),
    )
