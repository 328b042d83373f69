"""The controlled vocabulary of the catalog: openness classes, fact fields, statuses, events."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Access(StrEnum):
    """Openness coarsened: whether the weights are out, only a service is, or nothing is."""

    OPEN = "open"
    CLOSED = "closed"
    UNRELEASED = "unreleased"


class Openness(StrEnum):
    """How a model is available. Everything "open weights" means is decided here."""

    OPEN_PERMISSIVE = "open_permissive"
    OPEN_RESTRICTED = "open_restricted"
    OPEN_NONCOMMERCIAL = "open_noncommercial"
    OPEN_UNSPECIFIED = "open_unspecified"
    API_ONLY = "api_only"
    HOSTED_ONLY = "hosted_only"
    UNRELEASED = "unreleased"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return OPENNESS_LABELS[self]

    @property
    def is_open_weights(self) -> bool:
        """The weights can be downloaded, whatever the terms."""
        return self.value.startswith("open_")

    @property
    def is_closed(self) -> bool:
        """Only a service is offered: an API or a hosted product."""
        return self in (Openness.API_ONLY, Openness.HOSTED_ONLY)

    @property
    def access(self) -> Access | None:
        """The coarse class, or None when the class says nothing (unknown)."""
        if self.is_open_weights:
            return Access.OPEN
        if self.is_closed:
            return Access.CLOSED
        if self is Openness.UNRELEASED:
            return Access.UNRELEASED
        return None

    def admits(self, classes: Iterable[Openness]) -> bool:
        """Whether something with these classes answers a request for this one: OPEN_UNSPECIFIED
        (what a user's 'open' parses to) asks for any open-weights class, any other class for
        itself."""
        return any(c in self.admitted for c in classes)

    @property
    def admitted(self) -> tuple[Openness, ...]:
        """The classes a request for this one admits (see `admits`)."""
        if self is Openness.OPEN_UNSPECIFIED:
            return tuple(c for c in Openness if c.is_open_weights)
        return (self,)

    @property
    def request_label(self) -> str:
        """What a request for this class asks for: 'open' is every open-weights class."""
        return OPEN_REQUEST_LABEL if self is Openness.OPEN_UNSPECIFIED else self.label

    @staticmethod
    def verdict(classes: Iterable[Openness]) -> str:
        """One word for what sources say of an item: 'open', 'api' (closed), 'disputed' (both
        are claimed) or 'unknown'."""
        listed = tuple(classes)
        open_ = any(c.is_open_weights for c in listed)
        closed = any(c.is_closed for c in listed)
        if open_ and closed:
            return "disputed"
        return "open" if open_ else "api" if closed else "unknown"


OPENNESS_LABELS = {
    Openness.OPEN_PERMISSIVE: "open weights (permissive)",
    Openness.OPEN_RESTRICTED: "open weights (restricted)",
    Openness.OPEN_NONCOMMERCIAL: "open weights (non-commercial)",
    Openness.OPEN_UNSPECIFIED: "open weights (terms not stated)",
    Openness.API_ONLY: "API only",
    Openness.HOSTED_ONLY: "hosted only",
    Openness.UNRELEASED: "unreleased",
    Openness.UNKNOWN: "unknown",
}

OPEN_REQUEST_LABEL = "open weights (any terms)"

# Facts a model claim may state, with how each is shown.
FACT_FIELDS = {
    "release_date": "Released",
    "status": "Status",
    "modality": "Modality",
    "params": "Parameters",
    "active_params": "Active parameters",
    "context_window": "Context window",
    "output_context": "Max output",
    "architecture": "Architecture",
    "capabilities": "Capabilities",
    "training_compute": "Training compute",
    "training_hardware": "Training hardware",
    "hf_repo": "Hugging Face repo",
    "gated": "Gated on Hugging Face",
    "downloads": "Downloads (last 30 days)",
    "likes": "Likes",
    "note": "Notes",
}
NUMERIC_FIELDS = frozenset({"params", "active_params", "context_window", "output_context"})
# Facts that are numbers but not sizes: compute in FLOP and Hub counters (shown as they are).
MEASURE_FIELDS = frozenset({"training_compute", "downloads", "likes"})
# How a model was made from its base model (Hugging Face's base_model relations, plus the
# kinds other sources name).
LINEAGE_RELATIONS = ("finetune", "adapter", "merge", "quantized", "distilled", "continued")

STATUSES = ("released", "announced", "expected", "shut_down", "unreleased", "deprecated")

EVENT_KINDS = (
    "release",
    "expected_release",
    "license_change",
    "shutdown",
    "price_change",
    "announcement",
    "funding",
    "acquisition",
    "research",
    "other",
)

# Words a source puts before a figure, kept with the claim: "under 150 ms" is not "150 ms".
QUALIFIERS = ("under", "over", "about", "up to", "at least", "more than", "less than")

# The catalog source of a release entry's claims is keyed by this and the entry's id; a model
# whose claims all come from such sources is provisional (announced, in no dataset yet).
ANNOUNCE_PREFIX = "announce:"

SOURCE_KINDS = ("article", "dataset", "curator", "vendor", "feed")
