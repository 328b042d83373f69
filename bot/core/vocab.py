"""The controlled vocabulary of the catalog: openness classes, fact fields, statuses, events."""

from __future__ import annotations

from enum import StrEnum


class Openness(StrEnum):
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
        return self.value.startswith("open_")


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
    "note": "Notes",
}
NUMERIC_FIELDS = frozenset({"params", "active_params", "context_window", "output_context"})

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

SOURCE_KINDS = ("article", "dataset", "curator", "vendor", "feed")
