"""Prices as answers: money in words, the current price per provider, and the history.

Pure functions over the store's `PriceRecord`s; `Lookups` calls them for /model, /compare,
/price and the price-aware leaderboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.core.results import PriceHistory, PriceQuote

if TYPE_CHECKING:
    from bot.store.catalog_records import PriceRecord

# A price past this (dollars per 1M tokens) is no real price: a max_price above it is refused.
MAX_PRICE = 10_000.0


def money(value: float | None, currency: str = "USD") -> str:
    """'$2.50', '$0.075', '$15'; '—' for no figure."""
    if value is None:
        return "—"
    if currency != "USD":
        return f"{value:g} {currency}"
    if value == 0:
        return "$0"
    if value >= 0.01 and round(value, 2) == value:
        return f"${value:,.2f}"
    return f"${value:.4g}" if value < 0.01 else f"${value:,.3f}".rstrip("0")


def blended(input_per_m: float | None, output_per_m: float | None) -> float | None:
    """The 3:1 input:output price leaderboards sort by; None without both figures."""
    if input_per_m is None or output_per_m is None:
        return None
    return (3 * input_per_m + output_per_m) / 4


def quote(rec: PriceRecord) -> PriceQuote:
    return PriceQuote(
        rec.provider,
        rec.region,
        rec.input_per_m,
        rec.output_per_m,
        rec.cached_input_per_m,
        rec.currency,
        rec.starts,
        rec.ends,
        rec.source,
    )


def current_quotes(records: Sequence[PriceRecord]) -> tuple[PriceQuote, ...]:
    """The open prices, cheapest first (by the blended figure; ones without it last)."""
    quotes = [quote(r) for r in records if r.ends is None]
    return tuple(sorted(quotes, key=_cheapest))


def _cheapest(q: PriceQuote) -> tuple[float, float, str, str]:
    figure = blended(q.input_per_m, q.output_per_m)
    if figure is None:
        figure = q.input_per_m if q.input_per_m is not None else float("inf")
    return figure, q.output_per_m or 0.0, q.provider, q.region


def histories(records: Sequence[PriceRecord]) -> tuple[PriceHistory, ...]:
    """Per (provider, region, source), the periods in order: only those with a change."""
    groups: dict[tuple[str, str, str], list[PriceQuote]] = {}
    for rec in records:
        groups.setdefault((rec.provider, rec.region, rec.source.key), []).append(quote(rec))
    out = []
    for (provider, region, _), periods in groups.items():
        periods.sort(key=lambda q: q.starts or "")
        if len(periods) > 1:
            out.append(PriceHistory(provider, region, tuple(periods)))
    return tuple(out)
