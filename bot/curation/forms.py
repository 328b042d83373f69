"""What curators type, checked and turned into catalog documents (the shape of
`data/catalog/*.yaml`), so a curator's change goes through the same validation as an import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.errors import UserError
from bot.core.licenses import parse_openness
from bot.core.names import clean_text, normalize
from bot.importers.common import parse_date

NAME_MAX = 100
_DETAIL_KEYS = {
    "params": "params", "parameters": "params", "active": "active_params", "active_params": "active_params",
    "context": "context_window", "context_window": "context_window", "output": "output_context",
    "link": "link", "url": "link", "status": "status", "modality": "modality", "family": "family",
    "architecture": "architecture", "note": "note",
}  # fmt: skip
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
UNITS = ("%", "/10", "Elo", "ms", "rank", "score", "tokens/s", "s", "x")


@dataclass(frozen=True)
class Actor:
    """A curator, and the server they act in (changes are seen and undone only there)."""

    id: str
    name: str
    guild_id: str | None = None


@dataclass
class ModelForm:
    """What the model modal collects (Discord allows five inputs; the details field holds the rest)."""

    name: str
    org: str = ""
    release: str = ""  # '2026-04-02', 'expected 2026-06', or empty
    license: str = ""  # 'Apache-2.0', 'api_only', 'Llama 4 Community License' ...
    details: str = ""  # 'params: 31B; context: 128K; link: https://...'


def is_link(text: str) -> bool:
    """Whether `text` is an http(s) link."""
    return bool(_URL.match(text))


def curator_source(actor: Actor) -> dict[str, Any]:
    """The catalog source that a curator's claims cite."""
    return {
        "key": f"curator:{actor.id}",
        "name": f"Curator {clean_text(actor.name)[:60]}",
        "kind": "curator",
    }


def curator_claim(actor: Actor, today: str) -> dict[str, Any]:
    """Provenance of a curator's claim: the curator, and the day (`today`) it was made."""
    return {"source": f"curator:{actor.id}", "as_of": today}


def model_doc(
    form: ModelForm, claim: dict[str, Any], today: str, existing: str | None = None
) -> dict[str, Any]:
    """The catalog document for a model form (named `existing`, when editing one)."""
    name = clean_text(form.name)
    if not normalize(name):
        raise UserError("The model needs a name.")
    if len(name) > NAME_MAX:
        raise UserError("The name is {} characters; the limit is {}.", len(name), NAME_MAX)
    facts: list[dict[str, Any]] = []
    model: dict[str, Any] = {"name": existing or name}
    if form.org.strip():
        model["org"] = clean_text(form.org)[:NAME_MAX]
    facts += _release_facts(form.release, claim, today)
    details = _details(form.details)
    link = details.pop("link", None)
    if link and not is_link(link):
        raise UserError("'{}' is not an http(s) link.", link[:80])
    if "family" in details:
        model["family"] = details.pop("family")
    facts += [{**claim, "field": key, "value": value} for key, value in details.items()]
    if link:
        for fact in facts:
            fact["url"] = link
    model["facts"] = facts
    if form.license.strip():
        model["licenses"] = [license_claim(form.license, claim, link)]
    return {"models": [model]}


def _release_facts(text: str, claim: dict[str, Any], today: str) -> list[dict[str, Any]]:
    text = clean_text(text).lower()
    if not text:
        return []
    expected = text.startswith("expected")
    text = text.removeprefix("expected").strip()
    facts = [{**claim, "field": "status", "value": "expected" if expected else "released"}]
    if text:
        when = parse_date(text)
        if when is None:
            raise UserError(
                "Release date '{}' is not a date (2026-04-02, 2026-04, or 'expected 2026-06').",
                text[:20],
            )
        if not expected and when > today[: len(when)]:
            raise UserError(
                "Release date {} is in the future. Write 'expected {}' for an announced model.",
                when,
                when,
            )
        facts.append({**claim, "field": "release_date", "value": when})
    return facts


def _details(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in re.split(r"[;\n]", text or ""):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        if key.strip().lower() in ("link", "url") and not sep:
            raise UserError("'{}' should look like 'key: value'.", part.strip()[:40])
        field_name = _DETAIL_KEYS.get(key.strip().lower().replace(" ", "_"))
        if field_name is None or not sep:
            raise UserError(
                "'{}' is not a detail I know. Use params, active, context, link, status, modality, family.",
                part.strip()[:40],
            )
        found[field_name] = value.strip()
    return found


def license_claim(text: str, claim: dict[str, Any], link: str | None) -> dict[str, Any]:
    """A license claim from what a curator wrote: an openness class or a license name."""
    text = clean_text(text)
    if len(text) > NAME_MAX:
        raise UserError("The license is {} characters; the limit is {}.", len(text), NAME_MAX)
    openness = parse_openness(text)
    entry = {**claim, "openness": openness.value} if openness else {**claim, "license": text}
    if link:
        entry["url"] = link
    return entry


def source_ref(source: str) -> dict[str, Any]:
    """A curator cites where a fact comes from: a link, or a short note."""
    source = clean_text(source or "")
    if not source:
        raise UserError("Say where this comes from: a link or a short note.")
    if source.startswith(("http://", "https://")):
        if not is_link(source) or len(source) > 500:
            raise UserError("'{}' is not a valid link.", source[:80])
        return {"url": source}
    if len(source) > 300:
        raise UserError("Keep the source note under 300 characters.")
    return {"note": f"Cited: {source}"}
