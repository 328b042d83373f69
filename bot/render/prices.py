"""Prices in replies: a provider's price line, /price's card, and the price parts of /model,
/compare and the leaderboard."""

from __future__ import annotations

from bot.core.prices import money
from bot.core.results import PriceHistory, PriceReport
from bot.render.cards import CardBuilder, Reply
from bot.render.lookups import PER_M, credits_footer, match_line, price_lines, register, where
from bot.render.refs import References
from bot.render.safe import safe_text


def change_line(history: PriceHistory) -> list[str]:
    """'input $5.00 → $2.50, output $15.00 → $10.00 per 1M tokens on 2024-08-06', per change."""
    lines = []
    for old, new in zip(history.periods, history.periods[1:], strict=False):
        parts = [
            f"{label} {money(a, old.currency)} → {money(b, new.currency)}"
            for label, a, b in (
                ("input", old.input_per_m, new.input_per_m),
                ("output", old.output_per_m, new.output_per_m),
            )
            if a != b
        ]
        on = f" on {new.starts}" if new.starts else ""
        lines.append(f"**{where(history.periods[0])}**: {', '.join(parts)} {PER_M}{on}")
    return lines


def render_price(report: PriceReport) -> Reply:
    refs = References()
    card = CardBuilder(
        f"Prices of {safe_text(report.model)}", credits_footer(report.credits), refs=refs
    )
    hint = match_line(report.match)
    if hint:
        card.line(hint)
    if not report.current and not report.history:
        checked = ", ".join(safe_text(s) for s in report.sources_checked) or "none loaded"
        card.line(f"No price known for {safe_text(report.model)}; sources checked: {checked}.")
        return card.build()
    if report.prices_from:
        card.line(f"Prices of {safe_text(report.prices_from)}, which stands in for this record.")
    card.line(f"US dollars {PER_M}, cheapest provider first.")
    if report.current:
        card.field("Current prices", price_lines(refs, report.current, limit=25))
    changes = [line for h in report.history for line in change_line(h)]
    for h in report.history:
        register(refs, h.periods[-1].source, note=False)
    card.field("Price changes", changes or ["No change recorded by the sources."])
    return card.build()
