"""Release alerts and notices as replies. Feed and catalog text is untrusted: each value is
escaped (`safe_text`, `link`) where it enters the card, and every send has mentions disabled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.results import ModelReport
from bot.core.urls import checked_url
from bot.render.cards import CardBuilder, Reply, clip
from bot.render.fit import fit_card
from bot.render.lookups import (
    DISAGREE,
    claim_line,
    credits_footer,
    fact_value,
    license_line,
    qualified,
    score_text,
)
from bot.render.safe import link, safe_text
from bot.render.threads import thread_title
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


def render_alert(alert: AlertView, labels: Sequence[str] = (), *, edited: bool = False) -> Reply:
    """One message: the entry, its sources, and up to three linked models with sourced facts,
    shortened to fit (never paged: extra detail lives in /model). `labels` (organisation,
    openness, type) choose its tags in a forum; its title there is the entry's. `edited`: the
    edit of an alert already posted, which says when its source updated the entry."""
    credits: list[str] = []
    for report in alert.models:
        credits += [c for c in report.credits if c not in credits]
    date = (alert.published or "")[:10] or "date not given"
    lines = [f"{TYPE_LABELS.get(alert.type, alert.type)} · {date}"]
    if edited and alert.updated_at:
        lines.append(updated_note(alert.updated_at))
    if alert.news:
        lines.insert(0, news_line(alert.news))
    if alert.summary and alert.summary != alert.title:
        lines.append(safe_text(clip(alert.summary, 350)))
    fields: list[tuple[str, list[str]]] = [
        ("Reported by", [link(name, url) for name, url in alert.sources])
    ]
    for report in alert.models:
        name = safe_text(report.name + (f" · {report.org}" if report.org else ""))
        fields.append((name, _model_lines(report)))
    card = fit_card(safe_text(alert.title), lines, fields, credits_footer(credits), url=alert.link)
    return Reply([card], post_title=thread_title(alert.title), labels=tuple(labels))


def updated_note(updated_at: str) -> str:
    """The line an edited alert carries: when the source updated the entry (in the reader's
    own time zone, and in UTC for clients that show the markup as text)."""
    when = datetime.fromisoformat(updated_at)
    utc = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return f"✏️ Updated by its source <t:{int(when.timestamp())}:f> ({utc} UTC)"


def news_line(news: Sequence[tuple[str, str]]) -> str:
    """One line naming what the entry brought the catalog: 'New to the catalog: Claude Opus 6
    (new model)'."""
    parts = [f"**{safe_text(name)}** ({safe_text(line)})" for name, line in news]
    return clip("🆕 New to the catalog: " + "; ".join(parts), 300)


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
            label = (
                f"{group.label}: {qualified(fact_value(group.field, claim.value), claim.source)}"
            )
            lines.append(claim_line(label, claim.source, note=False))
    for claims in report.scores[:3]:
        score = claims[0]
        lines.append(
            claim_line(f"{score.benchmark}: {score_text(score)}", score.source, note=False)
        )
    return lines


def render_alert_summary(source: str, count: int, url: str | None) -> Reply:
    """What stands for the alerts of one poll beyond the per-channel cap: one message
    linking the source's feed. The entries themselves are in the digests."""
    target = checked_url(url)
    builder = CardBuilder(f"…and {count} more from {safe_text(source)}", url=target)
    noun = "entry" if count == 1 else "entries"
    builder.line(
        f"{count} more new {noun} from {safe_text(source)} arrived at once; only the newest were posted "
        "here. Every one of them is in the digest."
    )
    if target:
        builder.line(f"Feed: {target}")
    return builder.build()


def render_notice(title: str, text: str, parts: Sequence[str] = ()) -> Reply:
    """A notice from the bot: `text` is its own wording; each `{}` in it is filled with the
    matching part (a feed's name, an error: untrusted), escaped."""
    if parts:
        text = text.format(*(safe_text(str(p)) for p in parts))
    return Reply.note(title, text, ephemeral=False)
