"""genai-prices (Pydantic, MIT): per-provider model prices with their history.

The upstream file (`prices/data.json`) is a list of providers, each with models whose `prices`
is one price set, or a list of conditional prices: the first without a constraint, each later
one with a `start_date` from which it applies. Every period becomes a `PriceRec` with its
start and end, so a price cut is a dated event ("input $5.00 → $2.50 on 2024-08-06").
genai-prices only prices models the catalog knows; it adds none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.errors import ImportRejected
from bot.core.records import Batch, PriceRec, Provenance, SkippedRow, SourceRec
from bot.importers.common import parse_date
from bot.importers.price_common import (
    catalog_model,
    load_json,
    per_million,
    provider_key,
    read_file,
)
from bot.sync.adapter import Fetched

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "genai-prices" / "data.json"
DEFAULT_URL = "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json"
SOURCE = SourceRec(
    key="genai-prices",
    name="genai-prices",
    kind="dataset",
    url="https://github.com/pydantic/genai-prices",
    license="MIT",
    credit="genai-prices by Pydantic (MIT)",
)
FIELDS = ("input_mtok", "output_mtok", "cache_read_mtok")


def parse_genai_prices(fetched: Fetched) -> Batch:
    """Map one body of genai-prices' data file to a batch of price periods; every model or
    period left out is reported in `batch.skipped` with why."""
    data = load_json(fetched, "The genai-prices file")
    if not isinstance(data, list):
        raise ImportRejected(
            "The genai-prices file must be a JSON list of providers; nothing was imported."
        )
    batch = Batch(sources=[SOURCE])
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("models"), list):
            batch.skipped.append(SkippedRow("genai-prices", "a provider without a models list"))
            continue
        provider = provider_key(item.get("id"))
        if provider is None:
            batch.skipped.append(
                SkippedRow("genai-prices", f"unknown provider {str(item.get('id'))[:40]!r}")
            )
            continue
        urls = item.get("pricing_urls")
        url = urls[0] if isinstance(urls, list) and urls and isinstance(urls[0], str) else None
        for model in item["models"]:
            _model(batch, provider, model, Provenance("genai-prices", url, fetched.as_of))
    return batch


def _model(batch: Batch, provider: str, model: Any, prov: Provenance) -> None:
    if not isinstance(model, dict) or not isinstance(model.get("id"), str):
        batch.skipped.append(SkippedRow(f"genai-prices {provider}", "a model without an id"))
        return
    where = f"genai-prices {provider}/{model['id'][:100]}"
    name = catalog_model(model["id"]).name
    periods = _periods(model.get("prices"))
    if isinstance(periods, str):
        batch.skipped.append(SkippedRow(where, periods))
        return
    dated = len(periods) > 1
    for i, (starts, prices) in enumerate(periods):
        figures = [per_million(_base(prices.get(f)), 1.0) for f in FIELDS]
        problem = next((f for f in figures if isinstance(f, str)), None)
        if problem:
            batch.skipped.append(SkippedRow(where, problem))
            continue
        inp, out, cached = (f if isinstance(f, float) else None for f in figures)
        if inp is None and out is None:
            batch.skipped.append(SkippedRow(where, "no token prices (priced per request or image)"))
            continue
        ends = periods[i + 1][0] if i + 1 < len(periods) else None
        batch.prices.append(
            PriceRec(
                name,
                provider,
                inp,
                out,
                prov,
                cached_input_per_m=cached,
                starts=starts,
                # The first of several periods has no start: its end marks it as history.
                ends=ends if dated else None,
            )
        )


def _periods(prices: Any) -> list[tuple[str | None, dict[str, Any]]] | str:
    """[(start date or None, price set)] oldest first, or why the prices cannot be read."""
    if isinstance(prices, dict):
        return [(None, prices)]
    if not isinstance(prices, list) or not prices:
        return "no prices"
    periods: list[tuple[str | None, dict[str, Any]]] = []
    for entry in prices:
        if not isinstance(entry, dict) or not isinstance(entry.get("prices"), dict):
            return "a conditional price without a price set"
        constraint = entry.get("constraint")
        if constraint is None:
            periods.append((None, entry["prices"]))
        elif isinstance(constraint, dict) and "start_date" in constraint:
            day = parse_date(constraint["start_date"])
            if day is None or len(day) != 10:
                return f"start_date {str(constraint['start_date'])[:20]!r} is not a date"
            periods.append((day, entry["prices"]))
        # Off-peak (time of day) prices are discounts, not a period: left out.
    periods.sort(key=lambda p: p[0] or "")
    return periods


def _base(value: Any) -> Any:
    """A tiered price's base rate (the price up to its first tier), else the value."""
    return value.get("base") if isinstance(value, dict) else value


class GenaiPricesAdapter:
    """genai-prices as a sync source (`bot.sync.adapter.SyncAdapter`)."""

    key = "genai-prices"
    source = SOURCE
    default_url = DEFAULT_URL
    bundled: str | None = "genai-prices/data.json"

    def parse(self, fetched: Fetched) -> Batch:
        return parse_genai_prices(fetched)


def load_genai_prices_file(path: Path = DATA_FILE, as_of: str | None = None) -> Batch:
    """genai-prices' data file at `path` (the bundled one unless given)."""
    return parse_genai_prices(read_file(path, DEFAULT_URL, as_of))
