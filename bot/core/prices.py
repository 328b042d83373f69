"""Prices as answers: money in words, the current price per provider, and the history.

Pure functions over the store's `PriceRecord`s; `Lookups` calls them for /model, /compare,
/price and the price-aware leaderboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.core.errors import UserError
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
    if value < 0.01:
        return f"${value:.2g}"
    text = f"{value:,.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)


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
        periods = _changes(periods)
        if len(periods) > 1:
            out.append(PriceHistory(provider, region, tuple(periods)))
    return tuple(out)


def _changes(periods: list[PriceQuote]) -> list[PriceQuote]:
    """The periods where the input or output price changed (a cache-price change alone, or a
    restated price, is not a price change for the reader)."""
    kept: list[PriceQuote] = []
    for q in periods:
        if kept and (kept[-1].input_per_m, kept[-1].output_per_m) == (
            q.input_per_m,
            q.output_per_m,
        ):
            continue
        kept.append(q)
    return kept


def check_max_price(value: float | None) -> float | None:
    """A max_price option: a positive figure under `MAX_PRICE` dollars per 1M tokens."""
    if value is None:
        return None
    if not value > 0 or value > MAX_PRICE:  # `not >` catches NaN too
        raise UserError(
            "max_price must be a price in dollars per 1M tokens, above 0 and at most {}; got {}.",
            f"{MAX_PRICE:,.0f}",
            f"{value:g}",
        )
    return value
