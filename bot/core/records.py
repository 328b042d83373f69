"""Plain records that importers produce and the store applies in one transaction.

An importer turns a file into a `Batch` (validating as it goes); nothing touches the store until
the whole batch is valid. Model, organisation and benchmark references are by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceRec:
    key: str
    name: str
    kind: str
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    license: str | None = None
    credit: str | None = None


@dataclass(frozen=True)
class OrgRec:
    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None


@dataclass(frozen=True)
class ModelRec:
    name: str
    org: str | None = None
    family: str | None = None
    aliases: tuple[str, ...] = ()
    parent: str | None = None  # the model this record is a dated snapshot of
    snapshot: str | None = None  # that snapshot's ISO date


@dataclass(frozen=True)
class Provenance:
    """Where one claim comes from: the source plus the claim's own link and date."""

    source: str
    url: str | None = None
    as_of: str | None = None
    self_reported: bool = False
    note: str | None = None
    qualifier: str | None = None  # "under", "about" ... as the source says (QUALIFIERS)


@dataclass(frozen=True)
class ClaimRec:
    model: str
    field: str
    value: str
    prov: Provenance


@dataclass(frozen=True)
class LicenseRec:
    id: str
    name: str
    openness: str
    commercial: bool | None = None
    spdx: bool = False
    url: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LicenseClaimRec:
    model: str
    license: str | None
    openness: str
    commercial: bool | None
    prov: Provenance


@dataclass(frozen=True)
class BenchmarkRec:
    name: str
    unit: str
    higher_is_better: bool = True
    aliases: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class ScoreRec:
    model: str
    benchmark: str
    value: float
    prov: Provenance
    setting: str = ""  # the evaluation setting's label (`bot.core.scores.parse_setting`)
    ci_low: float | None = None  # the source's own interval around `value` (LMArena: 95% CI)
    ci_high: float | None = None
    votes: int | None = None  # how many votes the rating rests on, where a source counts them


@dataclass(frozen=True)
class PriceRec:
    """One provider's price for a model, in US dollars per 1M tokens, from `starts` on.

    `provider` is the normalised provider key ('openai', 'bedrock', 'azure', 'vertex_ai', ...);
    `region` narrows it where a provider prices by region ('eu'). A source that gives history
    sends one record per period; `ends` is the day a later price took over, when known.
    """

    model: str
    provider: str
    input_per_m: float | None
    output_per_m: float | None
    prov: Provenance
    region: str = ""
    cached_input_per_m: float | None = None
    starts: str | None = None  # ISO date the price took effect
    ends: str | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class LineageRec:
    """`model` was made from `base` (a name, resolved when the catalog knows it) by `relation`:
    one of `bot.core.vocab.LINEAGE_RELATIONS` (finetune, adapter, merge, quantized, ...)."""

    model: str
    base: str
    relation: str
    prov: Provenance


@dataclass(frozen=True)
class EventRec:
    kind: str
    title: str
    prov: Provenance
    date: str | None = None
    model: str | None = None
    org: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class SkippedRow:
    where: str
    reason: str


@dataclass
class Batch:
    sources: list[SourceRec] = field(default_factory=list)
    orgs: list[OrgRec] = field(default_factory=list)
    licenses: list[LicenseRec] = field(default_factory=list)
    benchmarks: list[BenchmarkRec] = field(default_factory=list)
    models: list[ModelRec] = field(default_factory=list)
    claims: list[ClaimRec] = field(default_factory=list)
    license_claims: list[LicenseClaimRec] = field(default_factory=list)
    scores: list[ScoreRec] = field(default_factory=list)
    events: list[EventRec] = field(default_factory=list)
    prices: list[PriceRec] = field(default_factory=list)
    lineage: list[LineageRec] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    merged: int = 0  # model records that repeated an earlier one and were merged into it


# Counts an apply keeps beside its additions (in `ImportSummary.added`), and how to say them.
NOT_ADDED = {
    "price changes": "changed {} prices",
    "unchanged prices": "{} prices unchanged",
    "older prices kept": "kept {} stored prices newer than this snapshot",
}


@dataclass(frozen=True)
class IndependentRun:
    """A non-self-reported score a batch added where another source's self-reported claim
    stands on the same model, benchmark and setting (`claimed`: the lab's best figure)."""

    model: str
    benchmark: str
    unit: str
    setting: str
    value: float
    claimed: float
    source: str  # the independent score's source key
    source_name: str
    url: str | None = None


@dataclass
class ImportSummary:
    """What applying a batch changed: counts of rows added per kind, and rows skipped."""

    added: dict[str, int] = field(default_factory=dict)
    skipped: list[SkippedRow] = field(default_factory=list)
    merged: int = 0
    notable: list[str] = field(default_factory=list)  # e.g. price changes, in words
    independent: list[IndependentRun] = field(default_factory=list)

    @property
    def total_added(self) -> int:
        return sum(n for kind, n in self.added.items() if kind not in NOT_ADDED)

    def describe(self) -> str:
        parts = [f"{n} {kind}" for kind, n in self.added.items() if n and kind not in NOT_ADDED]
        text = "added " + (", ".join(parts) if parts else "nothing new")
        for kind, words in NOT_ADDED.items():
            if self.added.get(kind):
                text += f"; {words.format(self.added[kind])}"
        if self.merged:
            text += f"; merged {self.merged} repeated model records"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} rows"
        return text
