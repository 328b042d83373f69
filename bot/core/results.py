"""What the lookups return: plain data that any front end (Discord, the console) can render."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.license_terms import Commercial, LicenseTerms
from bot.core.shards import ShardScope
from bot.core.vocab import Openness


@dataclass(frozen=True)
class SourceRef:
    """The provenance of one claim."""

    key: str
    name: str
    kind: str
    outlet: str | None = None
    credit: str | None = None
    published: str | None = None
    url: str | None = None
    as_of: str | None = None
    self_reported: bool = False
    note: str | None = None
    qualifier: str | None = None  # the claim's value as the source bounds it: "under" 150 ms

    @property
    def date(self) -> str | None:
        return self.as_of or self.published


@dataclass(frozen=True)
class Claim:
    value: str
    source: SourceRef


@dataclass(frozen=True)
class FactGroup:
    field: str
    label: str
    claims: tuple[Claim, ...]
    disputed: bool


@dataclass(frozen=True)
class LicenseClaim:
    license_id: str | None
    license_name: str | None
    spdx: bool
    openness: Openness
    commercial: bool | None
    source: SourceRef


@dataclass(frozen=True)
class ScoreClaim:
    benchmark: str
    unit: str
    higher_is_better: bool
    value: float
    source: SourceRef
    setting: str = ""  # the evaluation setting as stated ('cons@64', '5-shot, CoT'), '' if none
    ci: tuple[float, float] | None = None  # the source's own interval (low, high), if it gives one


@dataclass(frozen=True)
class EventItem:
    kind: str
    date: str | None
    title: str
    model: str | None
    source: SourceRef
    detail: str | None = None


@dataclass(frozen=True)
class MatchInfo:
    """How the user's text was matched: exactly, or as a best guess with alternatives."""

    query: str
    matched: str
    exact: bool
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineageStep:
    """One link of a model's lineage: `model` was made from `base` by `relation`, as each of
    `sources` states. `depth` 1 is the asked model's own base, 2 that base's base, ..."""

    model: str
    base: str  # the catalog's name of the base, or the name as the source wrote it
    base_org: str | None
    relation: str
    depth: int
    sources: tuple[SourceRef, ...]
    resolved: bool  # the base is a model of the catalog
    cycle: bool = False  # the base was met earlier in the chain, so it is not followed again
    base_id: int | None = None  # the catalog's id of the base, when resolved


@dataclass(frozen=True)
class BaseLicenses:
    """A base model of the chain and the license claims the catalog holds for it."""

    model: str
    depth: int
    claims: tuple[LicenseClaim, ...]
    org: str | None = None


@dataclass(frozen=True)
class Announcement:
    """The release entry a provisional record comes from."""

    date: str | None  # ISO date
    url: str | None
    title: str


@dataclass(frozen=True)
class ModelReport:
    name: str
    org: str | None
    family: str | None
    aliases: tuple[str, ...]
    variants: tuple[str, ...]
    facts: tuple[FactGroup, ...]
    licenses: tuple[LicenseClaim, ...]
    license_disputed: bool
    scores: tuple[tuple[ScoreClaim, ...], ...]  # headline benchmarks, each with every claim
    events: tuple[EventItem, ...]
    match: MatchInfo
    credits: tuple[str, ...]
    snapshot_of: str | None = None  # this record is a dated snapshot of that model
    snapshot: str | None = None  # its date
    snapshots: tuple[tuple[str, str | None], ...] = ()  # the model's snapshots: name, date
    facts_from: str | None = None  # the snapshot whose facts stand in for the model's
    prices: tuple[PriceQuote, ...] = ()  # current prices per provider, cheapest first
    prices_from: str | None = None  # the snapshot or parent whose prices stand in
    lineage: tuple[LineageStep, ...] = ()  # base models, nearest first (bot.core.lineage)
    provisional: Announcement | None = None  # only release entries speak of it yet


@dataclass(frozen=True)
class CompareRow:
    benchmark: str
    unit: str
    higher_is_better: bool
    cells: tuple[tuple[ScoreClaim, ...], ...]  # one per model, empty when missing
    winner: int | None  # index of the clear winner, None for a tie or disagreeing sources
    disputed: bool
    setting: str = ""  # the setting every claim of the row was measured under ('' standard)
    tied: bool = False  # a winner by the figures, but within the benchmark's noise
    noise: str = ""  # the noise band's basis and source, when the benchmark has one


@dataclass(frozen=True)
class FactRow:
    """One key fact of the compared models side by side: each model's claims (empty: none)."""

    field: str
    label: str
    cells: tuple[tuple[Claim, ...], ...]


@dataclass(frozen=True)
class Comparison:
    models: tuple[str, ...]
    rows: tuple[CompareRow, ...]
    benchmark_counts: tuple[int, ...]
    matches: tuple[MatchInfo, ...]
    credits: tuple[str, ...]
    only_benchmark: str | None = None
    # Without a shared benchmark: the models' key facts and each one's own headline scores.
    facts: tuple[FactRow, ...] = ()
    own_scores: tuple[tuple[tuple[ScoreClaim, ...], ...], ...] = ()
    prices: tuple[PriceQuote | None, ...] = ()  # each model's cheapest current price


@dataclass(frozen=True)
class LeaderRow:
    rank: int
    model: str
    best: ScoreClaim
    others: tuple[ScoreClaim, ...]  # other claims under the same setting: a disagreement
    openness: tuple[Openness, ...]
    openness_claims: tuple[tuple[Openness, int], ...] = ()  # license claims per class
    price: float | None = None  # cheapest current blended price per 1M tokens (3:1 in:out)
    fits_at: str = ""  # with /leaderboard fits: the most precise quantization that fits
    tied_with: int | None = None  # the best-ranked row this one is statistically tied with

    @property
    def openness_disputed(self) -> bool:
        return Openness.verdict(self.openness) == "disputed"


@dataclass(frozen=True)
class Leaderboard:
    benchmark: str
    unit: str
    higher_is_better: bool
    description: str | None
    rows: tuple[LeaderRow, ...]
    total_models: int
    openness: Openness | None
    match: MatchInfo
    credits: tuple[str, ...]
    setting: str = ""  # the board's setting key ('' is the standard setting)
    other_settings: tuple[tuple[str, int], ...] = ()  # (setting key, models) ranked apart
    sort: str = "score"  # or 'price': cheapest first
    min_score: float | None = None
    max_price: float | None = None

    @property
    def priced(self) -> bool:
        """Whether prices are part of this board (sorted or filtered by them)."""
        return self.sort == "price" or self.max_price is not None or self.min_score is not None

    fits: str | None = None  # with /leaderboard fits: the GPU or memory size filtered on
    fits_usable_gib: float = 0.0
    fits_unknown: int = 0  # ranked models left out for want of a parameter count
    noise: str = ""  # the benchmark's noise band, basis and source ('' when it has none)


@dataclass(frozen=True)
class ModelLicenses:
    model: str
    claims: tuple[LicenseClaim, ...]
    disputed: bool
    match: MatchInfo
    credits: tuple[str, ...]
    lineage: tuple[LineageStep, ...] = ()
    base_licenses: tuple[BaseLicenses, ...] = ()  # each resolved base's own license claims
    commercial: CommercialVerdict | None = None  # "can I use it commercially?"


@dataclass(frozen=True)
class LicenseReading:
    """One source's license claim read for commercial use (bot.core.verdict)."""

    license: str  # the license as shown: SPDX id, name, or the openness class
    verdict: Commercial
    reason: str
    source: SourceRef
    terms: LicenseTerms | None  # None: the bot knows no terms for it


@dataclass(frozen=True)
class BaseReading:
    """A base model of the chain, its licenses read, and whether they bind derivatives."""

    base: str
    depth: int
    readings: tuple[LicenseReading, ...]
    binding: Commercial | None  # the strictest verdict its licenses carry to derivatives


@dataclass(frozen=True)
class Condition:
    """A term that applies, from the model's own license or a binding base's."""

    license: str
    kind: str
    text: str
    source: str  # URL of the license text
    via: str | None = None  # the base model whose license it comes from


@dataclass(frozen=True)
class LooserTag:
    """The model is tagged with a looser license than a base whose terms bind derivatives."""

    own: str
    base: str
    base_license: str
    same_org: bool  # the base's own organisation released the derivative


@dataclass(frozen=True)
class CommercialVerdict:
    verdict: Commercial
    reason: str
    own: tuple[LicenseReading, ...]
    bases: tuple[BaseReading, ...]
    conditions: tuple[Condition, ...]
    looser: tuple[LooserTag, ...]
    unknown_bases: tuple[str, ...]  # bases whose license the catalog does not hold
    disputed: bool  # the model's own sources disagree


@dataclass(frozen=True)
class LicenseListing:
    """Models under one license, or under one openness class."""

    title: str
    license_id: str | None
    spdx: bool
    openness: Openness
    commercial: bool | None
    url: str | None
    models: tuple[tuple[str, SourceRef], ...]
    credits: tuple[str, ...]
    classes: tuple[Openness, ...] = ()  # per model, the class its claim states (openness lists)
    terms: LicenseTerms | None = None  # the license's commercial terms, when the bot has them
    commercial_filter: Commercial | None = None  # only claims read as this verdict are listed


@dataclass(frozen=True)
class SearchResults:
    query: str
    models: tuple[tuple[str, str | None], ...]
    organisations: tuple[tuple[str, int], ...]
    events: tuple[EventItem, ...]


@dataclass(frozen=True)
class SourceSummary:
    name: str
    kind: str
    license: str | None
    credit: str | None
    url: str | None
    facts: int


@dataclass(frozen=True)
class SyncSummary:
    """A live catalog source as /about lists it: its last sync and the snapshot's size."""

    name: str
    key: str
    enabled: bool
    last_success: str | None = None
    as_of: str | None = None
    size: int | None = None
    models: int = 0
    paused: bool = False


@dataclass(frozen=True)
class About:
    counts: dict[str, int]
    sources: tuple[SourceSummary, ...] = field(default_factory=tuple)
    syncs: tuple[SyncSummary, ...] = field(default_factory=tuple)
    # Asked in Discord: the process's shards and where it was asked ("" a DM; None: offline).
    scope: ShardScope | None = None
    guild_id: str | None = None
    # Several processes on one store: this one, and the one that leads (None: nobody now).
    process: str | None = None
    leader: str | None = None


@dataclass(frozen=True)
class PriceQuote:
    """One provider's price for a model over one period, per 1M tokens."""

    provider: str
    region: str
    input_per_m: float | None
    output_per_m: float | None
    cached_input_per_m: float | None
    currency: str
    starts: str | None
    ends: str | None
    source: SourceRef


@dataclass(frozen=True)
class PriceHistory:
    """A provider's price periods for a model, oldest first (two or more: it changed)."""

    provider: str
    region: str
    periods: tuple[PriceQuote, ...]


@dataclass(frozen=True)
class PriceReport:
    """/price: a model's current prices per provider, cheapest first, and their history."""

    model: str
    current: tuple[PriceQuote, ...]
    history: tuple[PriceHistory, ...]
    match: MatchInfo
    credits: tuple[str, ...]
    prices_from: str | None = None  # the snapshot (or parent) whose prices stand in
    sources_checked: tuple[str, ...] = ()  # the price sources in the catalog, when none is known
