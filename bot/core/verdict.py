"""'Can I use it commercially?': a verdict from a model's own license claims and what its
base models' licenses require of derivatives, every source kept, disagreements shown."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.license_terms import Commercial, LicenseTerms, terms_for
from bot.core.results import (
    BaseLicenses,
    BaseReading,
    CommercialVerdict,
    Condition,
    LicenseClaim,
    LicenseReading,
    LineageStep,
    LooserTag,
)
from bot.core.vocab import Openness

_OPENNESS_ONLY = {
    Openness.OPEN_PERMISSIVE: (Commercial.YES, "classed open weights, unrestricted use"),
    Openness.OPEN_NONCOMMERCIAL: (Commercial.NO, "classed open weights, non-commercial use"),
    Openness.OPEN_RESTRICTED: (
        Commercial.UNKNOWN,
        "classed open weights with restricted use, but no license is named to say how",
    ),
    Openness.API_ONLY: (
        Commercial.UNKNOWN,
        "API only: the provider's terms of service govern use; the bot holds none",
    ),
    Openness.HOSTED_ONLY: (
        Commercial.UNKNOWN,
        "hosted only: the provider's terms of service govern use; the bot holds none",
    ),
    Openness.UNRELEASED: (Commercial.UNKNOWN, "not released"),
}


def read_claim(claim: LicenseClaim) -> LicenseReading:
    """One license claim as a commercial-use reading, with the reason."""
    shown = _license_shown(claim)
    terms = terms_for(claim.license_id)
    if terms is not None:
        return LicenseReading(shown, terms.commercial, _terms_reason(terms), claim.source, terms)
    if claim.license_id and claim.license_id != "proprietary":
        reason = f"'{shown}' is not a license the bot knows the terms of: read its text"
        return LicenseReading(shown, Commercial.UNKNOWN, reason, claim.source, None)
    if claim.license_id == "proprietary":
        reason = "proprietary: no license grants rights; the provider's own terms govern use"
        return LicenseReading(shown, Commercial.UNKNOWN, reason, claim.source, None)
    verdict, reason = _OPENNESS_ONLY.get(claim.openness, (Commercial.UNKNOWN, "no openness"))
    return LicenseReading(shown, verdict, f"{reason}; no license named", claim.source, None)


def _license_shown(claim: LicenseClaim) -> str:
    if claim.spdx and claim.license_id:
        return claim.license_id
    return claim.license_name or claim.license_id or claim.openness.label


def _terms_reason(terms: LicenseTerms) -> str:
    if terms.commercial is Commercial.YES:
        return "commercial use allowed; keep the notices"
    if terms.commercial is Commercial.CONDITIONS:
        return "commercial use allowed on the conditions below"
    if terms.commercial is Commercial.NO:
        return "non-commercial use only"
    return "its terms say nothing the bot can read on commercial use"


def read_base(base: BaseLicenses) -> BaseReading:
    """A base's licenses read, and the strictest verdict those that bind derivatives carry."""
    readings = tuple(read_claim(c) for c in base.claims)
    binding = [r.verdict for r in readings if r.terms is not None and r.terms.inherit]
    known = [v for v in binding if v.rank >= 0]
    return BaseReading(base.model, base.depth, readings, _strictest(known) if known else None)


def commercial_verdict(
    claims: Sequence[LicenseClaim],
    lineage: Sequence[LineageStep],
    bases: Sequence[BaseLicenses],
    org: str | None = None,
) -> CommercialVerdict:
    """The verdict for a model: its own claims (sources that disagree are all shown, and the
    strictest known reading counts), then every base whose license binds derivatives."""
    own = tuple(read_claim(c) for c in claims)
    base_readings = tuple(read_base(b) for b in bases)
    unknown = _unknown_bases(lineage, bases)
    own_known = [r.verdict for r in own if r.verdict.rank >= 0]
    # A class alone ('open weights, restricted') does not contradict the license naming it.
    named = {c.license_id for c in claims if c.license_id}
    disputed = len(set(own_known)) > 1 or len(named) > 1
    binding = [b for b in base_readings if b.binding is not None]
    looser = _looser(own, binding, bases, org)
    if not own:
        verdict, reason = Commercial.UNKNOWN, "no source in the catalog states its own license"
    elif not own_known:
        verdict, reason = Commercial.UNKNOWN, own[0].reason
    else:
        own_verdict = _strictest(own_known)
        verdict = _strictest([own_verdict, *(b.binding for b in binding if b.binding)])
        reason = _reason(own, own_verdict, verdict, binding, disputed)
    return CommercialVerdict(
        verdict,
        reason,
        own,
        base_readings,
        _conditions(own, binding),
        looser,
        unknown,
        disputed,
    )


def _reason(
    own: Sequence[LicenseReading],
    own_verdict: Commercial,
    verdict: Commercial,
    binding: Sequence[BaseReading],
    disputed: bool,
) -> str:
    # A named license explains a verdict better than a class alone.
    lead = min((r for r in own if r.verdict is own_verdict), key=lambda r: r.terms is None)
    if disputed:
        text = f"its sources disagree on its license; the strictest reading is {lead.license}: {lead.reason}"
    else:
        text = f"{lead.license}: {lead.reason}"
    if verdict is not own_verdict:
        base = next(b for b in binding if b.binding is verdict)
        text += f"; but its base {base.base}'s license binds derivatives: {verdict.label}"
    return text


def _strictest(verdicts: Sequence[Commercial]) -> Commercial:
    return max(verdicts, key=lambda v: v.rank)


def _conditions(
    own: Sequence[LicenseReading], binding: Sequence[BaseReading]
) -> tuple[Condition, ...]:
    found: dict[tuple[str, str, str], Condition] = {}
    groups: list[tuple[str | None, Sequence[LicenseReading]]] = [(None, own)]
    groups += [(b.base, b.readings) for b in binding]
    for via, readings in groups:
        for reading in readings:
            terms = reading.terms
            if terms is None or (via is not None and not terms.inherit):
                continue
            for term in terms.terms:
                key = (terms.id, term.kind, term.text)
                found.setdefault(
                    key, Condition(reading.license, term.kind, term.text, term.source, via)
                )
    return tuple(found.values())


def _looser(
    own: Sequence[LicenseReading],
    binding: Sequence[BaseReading],
    bases: Sequence[BaseLicenses],
    org: str | None,
) -> tuple[LooserTag, ...]:
    orgs = {b.model: b.org for b in bases}
    tags = []
    for reading in own:
        if reading.verdict.rank < 0:
            continue
        for base in binding:
            if base.binding is None or reading.verdict.rank >= base.binding.rank:
                continue
            strict = next(r for r in base.readings if r.verdict is base.binding)
            same = bool(org) and (orgs.get(base.base) or "").casefold() == (org or "").casefold()
            tags.append(LooserTag(reading.license, base.base, strict.license, same))
    return tuple(dict.fromkeys(tags))


def _unknown_bases(
    lineage: Sequence[LineageStep], bases: Sequence[BaseLicenses]
) -> tuple[str, ...]:
    """Bases of the chain with no license claim in the catalog (or not in the catalog)."""
    licensed = {b.model for b in bases if b.claims}
    names = [s.base for s in lineage if not s.cycle and s.base not in licensed]
    return tuple(dict.fromkeys(names))
