"""Release alerts and notices as replies. Feed and catalog text is untrusted: each value is
escaped (`safe_text`, `link`) where it enters the card, and every send has mentions disabled."""

from __future__ import annotations

from bot.core.results import ModelReport
from bot.render.cards import CardBuilder, Reply, clip
from bot.render.lookups import (
    DISAGREE,
    claim_line,
    credits_footer,
    fact_value,
    license_line,
    score_value,
)
from bot.render.safe import link, safe_text
from bot.watch.alerts import AlertView

TYPE_LABELS = {
    "release": "🚀 Release",
    "expected_release": "🔭 Expected",
    "license_change": "📜 License change",
    "shutdown": "🛑 Shutdown",
    "price_change": "💲 Pricing",
    "announcement": "📣 Announcement",
    "funding": "💰 Funding",
    "acquisition": "🤝 Acquisition",
    "research": "🔬 Research",
    "other": "📰 News",
}
_BRIEF_FIELDS = ("params", "active_params", "context_window", "release_date")


def render_alert(alert: AlertView) -> Reply:
    """One page: the entry, its sources, and up to three linked models with sourced facts."""
    credits: list[str] = []
    for report in alert.models:
        credits += [c for c in report.credits if c not in credits]
    builder = CardBuilder(safe_text(alert.title), credits_footer(credits), url=alert.link)
    date = (alert.published or "")[:10] or "date not given"
    builder.line(f"{TYPE_LABELS.get(alert.type, alert.type)} · {date}")
    if alert.summary and alert.summary != alert.title:
        builder.line(safe_text(clip(alert.summary, 350)))
    builder.field("Reported by", [link(name, url) for name, url in alert.sources])
    for report in alert.models:
        builder.field(
            safe_text(report.name + (f" · {report.org}" if report.org else "")),
            _model_lines(report),
        )
    reply = builder.build()
    reply.pages = reply.pages[:1]  # an alert is one message; extra detail lives in /model
    return reply


def _model_lines(report: ModelReport) -> list[str]:
    lines = []
    if report.licenses:
        marker = f" ({DISAGREE})" if report.license_disputed else ""
        lines += [license_line(c) + marker for c in report.licenses[:2]]
    else:
        lines.append("License: not stated by any source")
    for group in report.facts:
        if group.field in _BRIEF_FIELDS:
            claim = group.claims[0]
            label = f"{group.label}: {fact_value(group.field, claim.value)}"
            lines.append(claim_line(label, claim.source, note=False))
    for claims in report.scores[:3]:
        claim = claims[0]
        lines.append(
            claim_line(f"{claim.benchmark}: {score_value(claim)}", claim.source, note=False)
        )
    return lines


def render_notice(title: str, text: str) -> Reply:
    return Reply.note(title, text, ephemeral=False)
