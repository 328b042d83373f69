"""OpenRouter's model list (`GET https://openrouter.ai/api/v1/models`, no key) as a sync source.

The documented shape: `{"data": [{"id": "openai/gpt-4o", "name": "OpenAI: GPT-4o",
"created": 1715367049, "context_length": 128000, "architecture": {"input_modalities": [...],
"output_modalities": [...]}, "pricing": {"prompt": "0.0000025", "completion": "0.00001",
"input_cache_read": ...}, "top_provider": {"max_completion_tokens": 16384}}, ...]}`. Prices are
US dollars per token, as strings; "-1" means the price varies (a router), so none is given.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.core.errors import ImportRejected
from bot.core.names import clean_text, normalize
from bot.core.records import Batch, ModelRec, PriceRec, Provenance, SkippedRow, SourceRec
from bot.importers.common import BatchBuilder, parse_number
from bot.sync.adapter import Fetched

OPENROUTER_SOURCE = SourceRec(
    key="openrouter",
    name="OpenRouter model list",
    kind="dataset",
    url="https://openrouter.ai/models",
    license="facts from the OpenRouter API (no stated license)",
    credit="OpenRouter (openrouter.ai/api/v1/models)",
)
PER_M = 1_000_000
MAX_MODELS = 20_000


class OpenRouterAdapter:
    key = "openrouter"
    source = OPENROUTER_SOURCE
    default_url = "https://openrouter.ai/api/v1/models"
    bundled: str | None = None

    def parse(self, fetched: Fetched) -> Batch:
        entries = _entries(fetched)
        builder = BatchBuilder(OPENROUTER_SOURCE)
        for i, entry in enumerate(entries[:MAX_MODELS]):
            where = f"data[{i}]"
            if not isinstance(entry, dict):
                builder.batch.skipped.append(SkippedRow(where, "is not an object"))
                continue
            _entry(builder, entry, where, fetched)
        if len(entries) > MAX_MODELS:
            builder.batch.skipped.append(
                SkippedRow("data", f"only the first {MAX_MODELS:,} of {len(entries):,} read")
            )
        if entries and not builder.batch.models:
            reasons = "; ".join(f"{s.where}: {s.reason}" for s in builder.batch.skipped[:3])
            raise ImportRejected(
                f"{fetched.url}: none of its {len(entries)} entries could be read, so nothing"
                f" was changed (has the format changed?): {reasons}"
            )
        return builder.batch


def _entries(fetched: Fetched) -> list[Any]:
    try:
        data = json.loads(fetched.body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ImportRejected(f"{fetched.url} is not UTF-8 text.") from exc
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            f"{fetched.url} is not valid JSON (line {exc.lineno}, column {exc.colno}:"
            f" {exc.msg}); truncated?"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        keys = ", ".join(list(data)[:8]) if isinstance(data, dict) else type(data).__name__
        raise ImportRejected(
            f"{fetched.url} has no 'data' list, so it is not OpenRouter's model list"
            f" (found: {keys})."
        )
    return data["data"]


def _names(entry: dict[str, Any]) -> tuple[str, str | None, str, str]:
    """(model name, organisation, id without variant, variant) from 'OpenAI: GPT-4o' and
    'openai/gpt-4o:free'."""
    ident = clean_text(str(entry["id"]))[:200]
    base, _, variant = ident.partition(":")
    label = clean_text(str(entry.get("name") or base.rpartition("/")[2]))[:200]
    org, sep, name = label.partition(": ")
    if not sep:
        org, name = "", label
    if variant and name.endswith(f"({variant})"):
        name = name[: -len(variant) - 2].strip()
    return name, org or None, base, variant


def _entry(builder: BatchBuilder, entry: dict[str, Any], where: str, fetched: Fetched) -> None:
    skipped = builder.batch.skipped
    if not isinstance(entry.get("id"), str) or not entry["id"].strip():
        skipped.append(SkippedRow(where, "has no 'id'"))
        return
    name, org, base, variant = _names(entry)
    if not normalize(name):
        skipped.append(SkippedRow(where, "has no model name"))
        return
    where = f"{where} ({entry['id'][:80]})"
    prov = Provenance("openrouter", url=f"https://openrouter.ai/{base}", as_of=fetched.as_of)
    if not variant:
        builder.model(ModelRec(name, org=org, aliases=(base,)))
        _facts(builder, entry, name, prov, where)
    price = _price(entry.get("pricing"), name, variant, prov, where, skipped)
    if price is not None:
        if variant:  # merged into the base model's record when it is listed too
            builder.model(ModelRec(name, org=org, aliases=(base,)))
        builder.batch.prices.append(price)


def _facts(
    builder: BatchBuilder, entry: dict[str, Any], name: str, prov: Provenance, where: str
) -> None:
    context = parse_number(entry.get("context_length"))
    if context is not None and context > 0:
        builder.fact(name, "context_window", int(context), prov)
    elif entry.get("context_length") is not None:
        builder.batch.skipped.append(
            SkippedRow(where, f"context_length {entry.get('context_length')!r} is not a number")
        )
    top = entry.get("top_provider")
    output = parse_number(top.get("max_completion_tokens")) if isinstance(top, dict) else None
    if output is not None and output > 0:
        builder.fact(name, "output_context", int(output), prov)
    arch = entry.get("architecture")
    if isinstance(arch, dict):
        kinds = [
            str(m).lower()
            for m in [*(arch.get("input_modalities") or []), *(arch.get("output_modalities") or [])]
            if isinstance(m, str)
        ]
        if kinds:
            builder.fact(name, "modality", ",".join(dict.fromkeys(kinds)), prov)
    created = entry.get("created")
    if isinstance(created, int | float) and not isinstance(created, bool) and created > 0:
        try:
            day = dt.datetime.fromtimestamp(created, dt.UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            day = None
        if day:
            builder.fact(name, "release_date", day, prov)


def _price(
    pricing: Any,
    name: str,
    variant: str,
    prov: Provenance,
    where: str,
    skipped: list[SkippedRow],
) -> PriceRec | None:
    """Per-token prices as dollars per 1M tokens; None (and a skipped row) when unreadable."""
    if not isinstance(pricing, dict):
        skipped.append(SkippedRow(where, "has no 'pricing' object"))
        return None
    if "prompt" not in pricing or "completion" not in pricing:
        skipped.append(
            SkippedRow(where, f"pricing lacks 'prompt'/'completion' (has {', '.join(pricing)})")
        )
        return None
    prompt, completion = parse_number(pricing["prompt"]), parse_number(pricing["completion"])
    if prompt is None or completion is None:
        skipped.append(SkippedRow(where, "pricing 'prompt'/'completion' are not numbers"))
        return None
    if prompt < 0 or completion < 0:
        return None  # a router: the price is the model it picks
    cached = parse_number(pricing.get("input_cache_read"))
    return PriceRec(
        name,
        "openrouter",
        round(prompt * PER_M, 6),
        round(completion * PER_M, 6),
        prov,
        region=variant,
        cached_input_per_m=round(cached * PER_M, 6) if cached is not None and cached >= 0 else None,
    )
