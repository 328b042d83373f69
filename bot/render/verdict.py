"""How a commercial-use verdict reads: the verdict and why, each source's reading, the
conditions with links to the license texts, and flags for derivatives tagged looser."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.license_terms import Commercial, LicenseTerms
from bot.core.results import CommercialVerdict, Condition, LineageStep, LooserTag
from bot.render.lineage import RELATION_PHRASES
from bot.render.safe import link, safe_text

NOT_LEGAL_ADVICE = (
    "Not legal advice: a reading of the licenses' stated terms; the linked texts are what bind."
)
KIND_LABELS = {
    "commercial": "Commercial use",
    "redistribution": "Redistribution",
    "attribution": "Attribution",
    "derivatives": "Derivatives",
    "threshold": "User or revenue threshold",
    "naming": "Naming",
    "aup": "Acceptable use policy",
    "use_restrictions": "Use restrictions",
    "noncommercial": "Non-commercial only",
    "output_use": "Use of outputs",
    "region": "Region",
}
ICONS = {
    Commercial.YES: "✅",
    Commercial.CONDITIONS: "⚠️",
    Commercial.NO: "⛔",
    Commercial.UNKNOWN: "❔",
}


def headline(verdict: CommercialVerdict) -> str:
    """'⚠️ **Commercial use: yes, with conditions** — Llama 3.1 Community License: ...'."""
    icon = ICONS[verdict.verdict]
    return f"{icon} **Commercial use: {verdict.verdict.label}** — {safe_text(verdict.reason)}"


def looser_line(tag: LooserTag, lineage: Sequence[LineageStep]) -> str:
    """'⚠ Tagged MIT, but it is a fine-tune of X under CC-BY-NC-4.0, whose terms bind
    derivatives: the base's terms still apply.'"""
    step = next((s for s in lineage if s.base == tag.base), None)
    if step is not None and step.depth == 1:
        phrase = RELATION_PHRASES.get(step.relation, step.relation).lower()
        built = f"it is a {phrase} **{safe_text(tag.base)}**"
    else:
        built = f"**{safe_text(tag.base)}** is further up its lineage"
    text = (
        f"⚠ Tagged {safe_text(tag.own)}, but {built} under {safe_text(tag.base_license)},"
        " whose terms bind derivatives: the base's terms still apply"
    )
    if tag.same_org:
        text += (
            " unless its licensor relicensed it (the same organisation released both:"
            " check both texts)"
        )
    return text + "."


def condition_line(condition: Condition) -> str:
    """'• Naming: Show 'Built with Llama'; ... (Llama 3.1 Community License, via X)'."""
    label = KIND_LABELS.get(condition.kind, condition.kind)
    where = link(condition.license, condition.source)
    via = f", via its base {safe_text(condition.via)}" if condition.via else ""
    return f"• {label}: {safe_text(condition.text)} ({where}{via})"


def unknown_base_line(base: str) -> str:
    return (
        f"The license of its base {safe_text(base)} is not in the catalog:"
        " that base's terms may also apply."
    )


def terms_lines(terms: LicenseTerms) -> list[str]:
    """A license's commercial terms, as a listing under it shows them."""
    lines = [f"{ICONS[terms.commercial]} Commercial use: {terms.commercial.label}"]
    if terms.spdx is not None:
        approval = [
            name
            for name, ok in (("OSI", terms.spdx.osi_approved), ("FSF", terms.spdx.fsf_libre))
            if ok
        ]
        lines.append(
            f"SPDX: {safe_text(terms.spdx.name)}"
            + (f" · {' and '.join(approval)} approved" if approval else "")
            + (" · deprecated id" if terms.spdx.deprecated else "")
        )
    if terms.inherit:
        lines.append("Its terms bind models made from it (fine-tunes, merges, distillations).")
    for term in terms.terms:
        label = KIND_LABELS.get(term.kind, term.kind)
        lines.append(f"• {label}: {safe_text(term.text)} ({link('text', term.source)})")
    return lines
