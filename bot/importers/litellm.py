"""LiteLLM's model metadata (`model_prices_and_context_window.json`, MIT): context windows,
max output, capabilities and per-token prices of ~4,000 deployments.

Keys are deployment ids: `gpt-4o`, `azure/eu/gpt-4o-2024-08-06`, `us.anthropic.claude-opus-
4-6-v1`, `vertex_ai/claude-opus-4-6@default`. Each resolves to ONE catalog model (a dated id to
its snapshot) with the price of its provider (`litellm_provider`) and region (from the id).
Only a model's own vendor's entries (`gpt-4o` of openai, `claude-opus-4-6` of anthropic) may
add a model to the catalog, with its facts; a cloud's or router's entry only prices a model
the catalog knows (else it is skipped and reported).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.core.errors import ImportRejected
from bot.core.identity import vendor_stripped
from bot.core.records import Batch, PriceRec, Provenance, SkippedRow, SourceRec
from bot.importers.common import BatchBuilder, parse_number
from bot.importers.price_common import (
    catalog_model,
    load_json,
    per_million,
    provider_key,
    read_file,
)
from bot.sync.adapter import Fetched

DATA_FILE = (
    Path(__file__).resolve().parents[2]
    / "data"
    / "litellm"
    / ("model_prices_and_context_window.json")
)
DEFAULT_URL = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)
SOURCE = SourceRec(
    key="litellm",
    name="LiteLLM model prices and context windows",
    kind="dataset",
    url="https://github.com/BerriAI/litellm",
    license="MIT",
    credit="LiteLLM, model_prices_and_context_window.json (MIT)",
)
# Modes of text models; images, audio, embeddings and rerankers are not catalog models here.
TEXT_MODES = frozenset({"chat", "completion", "responses"})
# Providers that are a model's own vendor -> the organisation as the catalog names it.
VENDORS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "mistral": "Mistral AI",
    "codestral": "Mistral AI",
    "xai": "xAI",
    "deepseek": "DeepSeek",
    "cohere": "Cohere",
    "ai21": "AI21 Labs",
    "moonshot": "Moonshot AI",
}
CAPABILITIES = {
    "supports_vision": "vision",
    "supports_function_calling": "function calling",
    "supports_reasoning": "reasoning",
    "supports_prompt_caching": "prompt caching",
    "supports_response_schema": "structured output",
    "supports_web_search": "web search",
    "supports_pdf_input": "PDF input",
    "supports_audio_input": "audio input",
    "supports_audio_output": "audio output",
}
_IMAGE_SIZE = re.compile(r"(?:^|/)\d+-x-\d+/")
_REGION = re.compile(
    r"^(?:global(?:-standard)?|data-zone|eu|us|apac|au|jp|ca|uk|us-gov|[a-z]{2}-[a-z]+-\d+)$"
)
_REGION_DOT = re.compile(r"^(us|eu|apac|au|jp|ca|in|global|us-gov)\.(?=[a-z])")
_VERSION_AT = re.compile(r"@[\w.-]*$")
# Bedrock's dotted vendor ('xai.grok-4', 'moonshotai.kimi-k2') and deployment version ('-v1:0').
_VENDOR_DOT = re.compile(r"^[a-z][a-z-]*\.(?=[a-z])")
_DEPLOY_VERSION = re.compile(r"-v\d+(?::\d+)?$|:\d+$")
# One model id recurs under many providers and regions; its record is frozen, so one is
# made per (id, organisation) and shared.
_record = lru_cache(maxsize=16384)(catalog_model)


def parse_litellm(fetched: Fetched) -> Batch:
    """Map one body of the LiteLLM file to a batch (see the module doc); every entry left
    out is reported in `batch.skipped` with why."""
    data = load_json(fetched, "The LiteLLM file")
    if not isinstance(data, dict):
        raise ImportRejected(
            "The LiteLLM file must be a JSON object of model ids; nothing was imported."
        )
    builder = BatchBuilder(SOURCE)
    seen: set[tuple[str, str, str]] = set()
    for key, entry in data.items():
        problem = _convert(builder, str(key), entry, fetched, seen)
        if problem:
            builder.batch.skipped.append(SkippedRow(f"litellm {str(key)[:120]}", problem))
    return builder.batch


def _convert(
    builder: BatchBuilder,
    key: str,
    entry: Any,
    fetched: Fetched,
    seen: set[tuple[str, str, str]],
) -> str | None:
    """Add one entry's model, facts and price; the reason it is skipped, if it is."""
    if key == "sample_spec":
        return "the file's field documentation, not a model"
    if not isinstance(entry, dict):
        return "not an object"
    if key.startswith("ft:") or "fine_tuned" in key or "fine-tuned" in key:
        return "a fine-tuning placeholder"
    if _IMAGE_SIZE.search(key):
        return "an image-size price row"
    mode = entry.get("mode")
    if mode not in TEXT_MODES:
        return f"mode {str(mode)[:30]!r} is not a text model"
    provider = provider_key(entry.get("litellm_provider"))
    if provider is None:
        return f"unknown provider {str(entry.get('litellm_provider'))[:40]!r}"
    model_id, region = split_id(key, provider)
    if model_id is None:
        return "no model name in the id"
    if model_id.endswith("-latest"):
        return "a moving '-latest' alias, not one model"
    org = VENDORS.get(provider) if _own_vendor(key, provider) else None
    rec = _record(model_id, org)
    link = entry.get("source") if str(entry.get("source", "")).startswith("http") else None
    prov = Provenance("litellm", url=link, as_of=fetched.as_of, note=key)
    priced = _price(rec.name, (provider, region), entry, prov)
    if isinstance(priced, str):
        return priced
    if org is not None:
        builder.model(rec)
        _facts(builder, rec.name, entry, mode, prov)
    elif priced is None:
        return "no price, and not the vendor's own entry"
    place = (rec.name.casefold(), provider, region)
    if priced is not None and place not in seen:  # 'bedrock/anthropic.x', 'anthropic.x': first
        seen.add(place)
        builder.batch.prices.append(priced)
    return None


def split_id(key: str, provider: str) -> tuple[str | None, str]:
    """A deployment id as (the model id, the region): 'azure/eu/gpt-4o' -> ('gpt-4o', 'eu'),
    'us.anthropic.claude-opus-4-6-v1' -> ('claude-opus-4-6', 'us')."""
    parts = key.split("/")
    region = next((p for p in parts[:-1] if _REGION.match(p)), "")
    last = parts[-1]
    dotted = _REGION_DOT.match(last)
    if dotted:
        region = region or dotted[1]
        last = last[dotted.end() :]
    last = _VERSION_AT.sub("", last)
    name = vendor_stripped(last)
    if name == last and _VENDOR_DOT.match(last):
        name = _DEPLOY_VERSION.sub("", _VENDOR_DOT.sub("", last))
    for prefix in (f"{provider}-", "databricks-"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
    return (name or None), region


def _own_vendor(key: str, provider: str) -> bool:
    """Whether the entry is the vendor's own API: `gpt-4o` or `gemini/gemini-2.5-pro`."""
    if provider not in VENDORS:
        return False
    parts = key.split("/")
    return len(parts) == 1 or (len(parts) == 2 and provider_key(parts[0]) == provider)


def _facts(
    builder: BatchBuilder, name: str, entry: dict[str, Any], mode: str, prov: Provenance
) -> None:
    context = parse_number(entry.get("max_input_tokens"))
    if context is None:
        context = parse_number(entry.get("max_tokens"))
    if context and 0 < context < 1e9:
        builder.fact(name, "context_window", int(context), prov)
    output = parse_number(entry.get("max_output_tokens"))
    if output and 0 < output < 1e9:
        builder.fact(name, "output_context", int(output), prov)
    caps = [label for field, label in CAPABILITIES.items() if entry.get(field) is True]
    builder.fact(name, "capabilities", f"{mode}" + (f": {', '.join(caps)}" if caps else ""), prov)


def _price(
    name: str, where: tuple[str, str], entry: dict[str, Any], prov: Provenance
) -> PriceRec | str | None:
    """The entry's price (per 1M tokens) for its provider and region; None if it states
    none, or why its figures are no price."""
    figures = []
    for field in ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost"):
        figure = per_million(entry.get(field), 1e6)
        if isinstance(figure, str):
            return f"{field}: {figure}"
        figures.append(figure)
    inp, out, cached = figures
    if inp is None and out is None:
        return None
    if not inp and not out:
        return "a zero price (a free or local tier, not a list price)"
    provider, region = where
    return PriceRec(name, provider, inp, out, prov, region=region, cached_input_per_m=cached)


class LiteLLMAdapter:
    """LiteLLM's file as a sync source (`bot.sync.adapter.SyncAdapter`)."""

    key = "litellm"
    source = SOURCE
    default_url = DEFAULT_URL
    bundled: str | None = "litellm/model_prices_and_context_window.json"

    def parse(self, fetched: Fetched) -> Batch:
        return parse_litellm(fetched)


def load_litellm_file(path: Path, as_of: str | None = None) -> Batch:
    """The LiteLLM file at `path` (the bundled snapshot's date, else the file's, unless given)."""
    return parse_litellm(read_file(path, DEFAULT_URL, as_of))
