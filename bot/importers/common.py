"""Helpers every importer shares: dates, numbers, and a batch builder that dedups as it goes."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import replace

from bot.core.licenses import License, default_commercial, normalize_license
from bot.core.names import benchmark_key
from bot.core.records import (
    Batch,
    BenchmarkRec,
    ClaimRec,
    LicenseClaimRec,
    LicenseRec,
    LineageRec,
    ModelRec,
    Provenance,
    ScoreRec,
    SourceRec,
)
from bot.core.vocab import Openness

EPOCH_SOURCE = SourceRec(
    key="epoch",
    name="Epoch AI, 'Data on AI Models'",
    kind="dataset",
    url="https://epoch.ai/data/ai-models",
    license="CC BY 4.0",
    credit="Epoch AI, 'Data on AI Models' (CC BY 4.0)",
)
LLMSTATS_SOURCE = SourceRec(
    key="llmstats",
    name="LLM Stats",
    kind="dataset",
    url="https://github.com/JonathanChavezTamales/LLMStats",
    license="CC BY 4.0",
    credit="LLM Stats (CC BY 4.0)",
)

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_date(text: object) -> str | None:
    """ISO date text (full or partial: 'YYYY', 'YYYY-MM') normalised; None when not a date."""
    if isinstance(text, dt.datetime):
        return text.date().isoformat()
    if isinstance(text, dt.date):
        return text.isoformat()
    raw = str(text).strip()
    match = _DATE.match(raw[:10] if len(raw) > 10 and raw[10] in "T " else raw)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day:
            return dt.date(int(year), int(month), int(day)).isoformat()
        if month:
            dt.date(int(year), int(month), 1)
            return f"{int(year):04d}-{int(month):02d}"
        return f"{int(year):04d}"
    except ValueError:
        return None


def parse_number(text: object) -> float | None:
    """A finite number from '1.6e12', '400000000000.0' or 7; None for blanks and junk."""
    if text is None or isinstance(text, bool):
        return None
    if type(text) is float:  # JSON's numbers need no round trip through text
        return text if math.isfinite(text) else None
    if type(text) is int:
        try:
            return float(text)
        except OverflowError:  # past any float: not a finite number
            return None
    try:
        value = float(str(text).strip().replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class BatchBuilder:
    """Accumulates records, adding each license and benchmark definition once."""

    def __init__(self, *sources: SourceRec) -> None:
        self.batch = Batch(sources=list(sources))
        self._licenses: set[str] = set()
        self._benchmarks: set[str] = set()
        self._models: dict[str, int] = {}  # name -> its place in batch.models
        self._aliases: dict[str, set[str]] = {}  # name -> the aliases its record holds

    def model(self, rec: ModelRec) -> None:
        """Add a model; a second record of the same name adds its aliases to the first.
        Constant work per record that adds nothing new, so a file of duplicates is linear."""
        key = rec.name.casefold()
        place = self._models.get(key)
        if place is None:
            self._models[key] = len(self.batch.models)
            self._aliases[key] = set(rec.aliases)
            self.batch.models.append(rec)
            return
        self.batch.merged += 1
        known = self.batch.models[place]
        seen = self._aliases[key]
        new = tuple(a for a in dict.fromkeys(rec.aliases) if a not in seen)
        org, family = known.org or rec.org, known.family or rec.family
        parent, snapshot = known.parent or rec.parent, known.snapshot or rec.snapshot
        if new or (org, family, parent, snapshot) != (
            known.org,
            known.family,
            known.parent,
            known.snapshot,
        ):
            seen.update(new)
            self.batch.models[place] = replace(
                known,
                aliases=known.aliases + new,
                org=org,
                family=family,
                parent=parent,
                snapshot=snapshot,
            )

    def fact(self, model: str, field: str, value: object, prov: Provenance) -> None:
        self.batch.claims.append(ClaimRec(model, field, str(value), prov))

    def lineage(self, model: str, base: str, relation: str, prov: Provenance) -> None:
        """A stated base model of `model`; several bases (a merge's parts) are several calls."""
        base = base.strip()
        if base:
            self.batch.lineage.append(LineageRec(model, base[:200], relation, prov))

    def license(self, lic: License) -> None:
        if lic.id not in self._licenses:
            self._licenses.add(lic.id)
            self.batch.licenses.append(
                LicenseRec(lic.id, lic.name, lic.openness.value, lic.commercial, lic.spdx, lic.url)
            )

    def license_claim(
        self, model: str, license_text: str | None, openness: Openness | None, prov: Provenance
    ) -> None:
        """A license statement: a license name, an openness class, or both."""
        lic = normalize_license(license_text) if license_text else None
        if lic is not None:
            self.license(lic)
        if openness is None:
            openness = lic.openness if lic else Openness.UNKNOWN
        commercial = lic.commercial if lic else default_commercial(openness)
        self.batch.license_claims.append(
            LicenseClaimRec(model, lic.id if lic else None, openness.value, commercial, prov)
        )

    def benchmark(self, rec: BenchmarkRec) -> None:
        key = benchmark_key(rec.name)
        if key not in self._benchmarks:
            self._benchmarks.add(key)
            self.batch.benchmarks.append(rec)

    def score(
        self, model: str, benchmark: str, value: float, prov: Provenance, setting: str = ""
    ) -> None:
        self.batch.scores.append(ScoreRec(model, benchmark, value, prov, setting))
