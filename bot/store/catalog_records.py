"""The catalog store's typed answers: frozen records with their columns decoded (booleans,
alias lists), so no caller sees a database row."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.results import SourceRef

__all__ = [
    "BenchmarkEntry",
    "BenchmarkInfo",
    "BenchmarkScore",
    "BoardRank",
    "BoardSetting",
    "EventRecord",
    "ExportBenchmark",
    "ExportClaims",
    "ExportModel",
    "ExportOrg",
    "ExportScore",
    "FactClaim",
    "LicenseClaimRecord",
    "LicenseRecord",
    "LicensedModel",
    "ModelInfo",
    "ModelName",
    "ModelScore",
    "OpennessCount",
    "OrgMatch",
    "SearchHit",
    "SnapshotInfo",
    "SourceRecord",
    "SourceRef",
    "SourceWithFacts",
]


@dataclass(frozen=True, slots=True)
class ModelName:
    """A model for the in-memory name index: names, organisation, aliases, release date."""

    id: int
    name: str
    family: str | None
    org: str | None
    aliases: tuple[str, ...]
    released: str | None


@dataclass(frozen=True, slots=True)
class BenchmarkInfo:
    id: int
    name: str
    unit: str
    higher_is_better: bool
    description: str | None


@dataclass(frozen=True, slots=True)
class BenchmarkEntry:
    """A benchmark for the name index, with how many models have a score on it."""

    id: int
    name: str
    aliases: tuple[str, ...]
    models: int


@dataclass(frozen=True, slots=True)
class SourceRecord:
    key: str
    name: str
    kind: str
    outlet: str | None
    url: str | None
    published: str | None
    license: str | None
    credit: str | None


@dataclass(frozen=True, slots=True)
class SourceWithFacts:
    source: SourceRecord
    facts: int  # claims, scores and events citing it


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: int
    name: str
    family: str | None
    family_norm: str | None
    org: str | None
    parent: str | None = None  # the model this record is a snapshot of
    snapshot: str | None = None  # the snapshot's ISO date
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """One dated snapshot of a model."""

    id: int
    name: str
    date: str | None


@dataclass(frozen=True, slots=True)
class FactClaim:
    model_id: int
    field: str
    value: str
    source: SourceRef


@dataclass(frozen=True, slots=True)
class LicenseClaimRecord:
    model_id: int
    license_id: str | None
    license_name: str | None
    spdx: bool
    openness: str
    commercial: bool | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class ModelScore:
    """A score of one of the asked models, with its benchmark and how widely that is reported."""

    model_id: int
    value: float
    benchmark_id: int
    benchmark: str
    unit: str
    higher_is_better: bool
    popularity: int
    source: SourceRef
    setting: str = ""  # as stated ('0-shot, pass@1'); '' when the source states none
    setting_key: str = ""  # what compares like with like ('' is the standard setting)
    ci: tuple[float, float] | None = None  # the source's own interval, if it gives one


@dataclass(frozen=True, slots=True)
class EventRecord:
    kind: str
    date: str | None
    title: str
    detail: str | None
    model: str | None
    org: str | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class BenchmarkScore:
    """A score on one benchmark, with the openness classes claimed for its model."""

    model_id: int
    model: str
    value: float
    openness: tuple[str, ...]
    source: SourceRef
    setting: str = ""
    ci: tuple[float, float] | None = None  # the source's own interval, if it gives one


@dataclass(frozen=True, slots=True)
class BoardSetting:
    """One evaluation setting scores of a benchmark were measured under (its `setting_key`),
    with how many models have a score under it."""

    key: str
    models: int


@dataclass(frozen=True, slots=True)
class BoardRank:
    """A leaderboard's top models, best first, and how many models the board holds."""

    model_ids: tuple[int, ...]
    total: int


@dataclass(frozen=True, slots=True)
class OpennessCount:
    """How many license claims put a model in one openness class."""

    model_id: int
    openness: str
    claims: int


@dataclass(frozen=True, slots=True)
class LicenseRecord:
    id: str
    name: str
    spdx: bool
    openness: str
    commercial: bool | None
    url: str | None


@dataclass(frozen=True, slots=True)
class LicensedModel:
    """A model named by a license claim, with the claim's source."""

    model: str
    source: SourceRef
    openness: str = ""  # the class the claim states
    license_id: str | None = None  # the license the claim names, if any


@dataclass(frozen=True, slots=True)
class OrgMatch:
    id: int
    name: str
    models: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One word-search hit: what it names ('model', 'organisation', 'event'), that thing's id,
    the text that matched, and its FTS5 rank (lower is better)."""

    kind: str
    ref: int
    body: str
    rank: float


# ---- export ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportScore:
    model_id: int
    benchmark: str
    value: float
    source: SourceRef
    setting: str = ""


@dataclass(frozen=True, slots=True)
class ExportClaims:
    facts: tuple[FactClaim, ...]
    licenses: tuple[LicenseClaimRecord, ...]
    scores: tuple[ExportScore, ...]
    events: tuple[EventRecord, ...]


@dataclass(frozen=True, slots=True)
class ExportModel:
    id: int
    name: str
    family: str | None
    org: str | None
    aliases: tuple[str, ...]
    parent: str | None = None  # the model it is a snapshot of
    snapshot: str | None = None


@dataclass(frozen=True, slots=True)
class ExportOrg:
    name: str
    country: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ExportBenchmark:
    name: str
    unit: str
    higher_is_better: bool
    description: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PriceRecord:
    """One stored price period of one provider for a model, in `currency` per 1M tokens."""

    model_id: int
    model: str
    provider: str
    region: str
    input_per_m: float | None
    output_per_m: float | None
    cached_input_per_m: float | None
    currency: str
    starts: str | None
    ends: str | None  # None while the price is current
    source: SourceRef


@dataclass(frozen=True, slots=True)
class PricedModel:
    """A model on a price-aware leaderboard: its best score and cheapest current price (the
    blended 3:1 input:output figure, per 1M tokens; its own, else its parent model's)."""

    model_id: int
    score: float
    price: float | None


@dataclass(frozen=True, slots=True)
class ProvisionalRecord:
    """A model only release entries speak of: the first announcement's date, link and title."""

    model_id: int
    name: str
    announced: str | None  # ISO date
    url: str | None
    title: str
