"""Core lookup results rendered as replies: every fact next to its source."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.results import (
    About,
    Claim,
    Comparison,
    Leaderboard,
    LicenseClaim,
    LicenseListing,
    MatchInfo,
    ModelLicenses,
    ModelReport,
    ScoreClaim,
    SearchResults,
    SourceRef,
)
from bot.core.urls import checked_url
from bot.core.vocab import NUMERIC_FIELDS
from bot.render.cards import CardBuilder, Reply, clip
from bot.render.safe import link, safe_text

DISAGREE = "⚠ sources disagree"
WIN = "🏆"
MISSING = "— (no score)"


# ---- small formatters ---------------------------------------------------------------------


def count(value: float) -> str:
    """1.6e12 -> '1.6T', 31e9 -> '31B', 256000 -> '256K'."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:g}"


def fact_value(field: str, value: str) -> str:
    if field in NUMERIC_FIELDS:
        number = float(value)
        return (
            f"{count(number)} tokens"
            if field in ("context_window", "output_context")
            else count(number)
        )
    if field == "status":
        return safe_text(value.replace("_", " "))
    return safe_text(value)


def score_value(claim: ScoreClaim) -> str:
    value = f"{claim.value:.4g}" if abs(claim.value) < 10_000 else f"{claim.value:,.0f}"
    if claim.unit == "%":
        return f"{value}%"
    if claim.unit in ("score", ""):
        return value
    if claim.unit == "rank":
        return f"#{value}"
    return f"{value} {safe_text(claim.unit)}"


def source_label(source: SourceRef) -> str:
    """A short, linked name of the source with its date and self-reported flag."""
    name = source.name if source.kind != "article" else clip(source.name, 48)
    label = link(name, source.url)
    extras = [safe_text(source.date)] if source.date else []
    if source.self_reported:
        extras.append("self-reported")
    return f"{label} ({', '.join(extras)})" if extras else label


def claim_line(value: str, source: SourceRef, note: bool = True) -> str:
    text = f"{value} — {source_label(source)}"
    if note and source.note:
        text += f" · _{safe_text(clip(source.note, 160))}_"
    return text


def direction(higher: bool) -> str:
    return "higher is better" if higher else "lower is better"


def yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def credits_footer(credits: Sequence[str]) -> str:
    return ("Data: " + "; ".join(credits)) if credits else ""


def match_line(match: MatchInfo) -> str | None:
    if match.exact:
        return None
    line = (
        f"Closest match for “{safe_text(clip(match.query, 60))}”: **{safe_text(match.matched)}**."
    )
    if match.alternatives:
        line += " Did you mean: " + safe_text(", ".join(match.alternatives[:5])) + "?"
    return line


def license_line(claim: LicenseClaim) -> str:
    name = safe_text(claim.license_id if claim.spdx else (claim.license_name or "no license named"))
    text = f"{name} · {claim.openness.label} · commercial use: {yes_no(claim.commercial)}"
    return claim_line(text, claim.source)


# ---- replies ------------------------------------------------------------------------------


def render_model(report: ModelReport) -> Reply:
    card = CardBuilder(safe_text(report.name), credits_footer(report.credits))
    hint = match_line(report.match)
    if hint:
        card.line(hint)
    who = " · ".join(
        p for p in (report.org, f"family {report.family}" if report.family else None) if p
    )
    if who:
        card.line(safe_text(who))
    if report.variants:
        card.line("Variants: " + safe_text(", ".join(report.variants)))
    for line in snapshot_lines(report):
        card.line(line)
    if report.aliases:
        card.line("Also known as: " + safe_text(", ".join(report.aliases)))
    for group in report.facts:
        name = group.label + (f" — {DISAGREE}" if group.disputed else "")
        card.field(name, [_fact_claim(group.field, c) for c in group.claims])
    if report.licenses:
        name = "License" + (f" — {DISAGREE}" if report.license_disputed else "")
        card.field(name, [license_line(c) for c in report.licenses])
    else:
        card.field("License", ["No source in the catalog states one."])
    if report.scores:
        lines = []
        for claims in report.scores:
            marker = f" — {DISAGREE}" if len({c.value for c in claims}) > 1 else ""
            lines.append(f"**{safe_text(claims[0].benchmark)}**{marker}")
            lines.extend("  " + claim_line(score_value(c), c.source, note=False) for c in claims)
        card.field("Headline scores", lines)
    if report.events:
        card.field(
            "Timeline",
            [
                claim_line(f"{e.date or 'undated'} · {safe_text(e.title)}", e.source, False)
                for e in report.events
            ],
        )
    if len(report.facts) + len(report.licenses) + len(report.scores) == 0:
        card.line("The catalog knows the name, but no source gives facts about it yet.")
    return card.build()


def snapshot_lines(report: ModelReport) -> list[str]:
    """Where the record sits in its model: a snapshot of which model, or the model's
    snapshots and whose facts are shown."""
    if report.snapshot_of:
        when = f", dated {report.snapshot}" if report.snapshot else ""
        return [f"Snapshot of {safe_text(report.snapshot_of)}{when}: its facts alone."]
    if not report.snapshots:
        return []
    listed = ", ".join(safe_text(name) for name, _ in report.snapshots)
    lines = [f"Snapshots ({len(report.snapshots)}): {listed}"]
    if report.facts_from:
        lines.append(
            f"Facts below are the latest snapshot's, {safe_text(report.facts_from)},"
            " where it states them."
        )
    return lines


def _fact_claim(field: str, claim: Claim) -> str:
    return claim_line(fact_value(field, claim.value), claim.source)


def render_model_licenses(report: ModelLicenses) -> Reply:
    card = CardBuilder(f"License of {safe_text(report.model)}", credits_footer(report.credits))
    hint = match_line(report.match)
    if hint:
        card.line(hint)
    if not report.claims:
        card.line("No source in the catalog states a license or openness for this model.")
        return card.build()
    if report.disputed:
        card.line(f"{DISAGREE}: every claim is listed with its source.")
    card.field("Claims", [license_line(c) for c in report.claims])
    return card.build()


def render_license_listing(listing: LicenseListing) -> Reply:
    card = CardBuilder(safe_text(listing.title), credits_footer(listing.credits), url=listing.url)
    kind = (
        f"SPDX id {safe_text(listing.license_id)}"
        if listing.spdx
        else (safe_text(listing.license_id) or "openness class")
    )
    card.line(f"{kind} · {listing.openness.label} · commercial use: {yes_no(listing.commercial)}")
    card.line(f"{len(listing.models)} model claim(s):")
    for model, source in listing.models:
        card.line(f"• **{safe_text(model)}** — {source_label(source)}")
    return card.build()


def render_comparison(result: Comparison) -> Reply:
    title = " vs ".join(result.models)
    card = CardBuilder(safe_text(clip(title, 200)), credits_footer(result.credits))
    for match in result.matches:
        hint = match_line(match)
        if hint:
            card.line(hint)
    if not result.rows:
        if result.only_benchmark:
            card.line(
                f"None of these models has a {safe_text(result.only_benchmark)} score in the catalog."
            )
        else:
            card.line("These models share no benchmark in the catalog.")
        for model, n in zip(result.models, result.benchmark_counts, strict=True):
            card.line(f"• {safe_text(model)}: {n} benchmark(s) with scores")
        return card.build()
    card.line(f"{len(result.rows)} benchmark(s); {WIN} marks a clear winner, {MISSING} a gap.")
    for row in result.rows:
        name = (
            f"{safe_text(row.benchmark)} ({safe_text(row.unit)}, {direction(row.higher_is_better)})"
        )
        if row.disputed:
            name += f" — {DISAGREE}"
        lines = []
        for i, (model, cell) in enumerate(zip(result.models, row.cells, strict=True)):
            if not cell:
                lines.append(f"{safe_text(model)}: {MISSING}")
                continue
            mark = f" {WIN}" if row.winner == i else ""
            values = "; ".join(claim_line(score_value(c), c.source, note=False) for c in cell)
            lines.append(f"**{safe_text(model)}**{mark}: {values}")
        if row.winner is None and sum(1 for c in row.cells if c) > 1:
            lines.append("_No clear winner: tied, or the sources' figures overlap._")
        card.field(name, lines)
    return card.build()


def render_leaderboard(board: Leaderboard) -> Reply:
    title = f"Leaderboard: {safe_text(board.benchmark)}"
    card = CardBuilder(title, credits_footer(board.credits))
    hint = match_line(board.match)
    if hint:
        card.line(hint)
    scope = f" · only {board.openness.label}" if board.openness else ""
    card.line(
        f"{safe_text(board.unit)}, {direction(board.higher_is_better)}{scope}"
        f" · {board.total_models} model(s) scored"
    )
    if board.description:
        card.line(f"_{safe_text(clip(board.description, 300))}_")
    if not board.rows:
        card.line("No model matches these filters.")
    for row in board.rows:
        line = (
            f"{row.rank}. **{safe_text(row.model)}** — {score_value(row.best)}"
            f" · {source_label(row.best.source)}"
        )
        if row.others:
            others = ", ".join(
                f"{score_value(c)} ({safe_text(c.source.name[:30])})" for c in row.others[:3]
            )
            line += f" · {DISAGREE}: also {others}"
        card.line(line)
    return card.build()


def render_search(results: SearchResults) -> Reply:
    card = CardBuilder(f"Search: {safe_text(clip(results.query, 100))}")
    if not (results.models or results.organisations or results.events):
        card.line("Nothing found. Try fewer letters or another spelling.")
        return card.build()
    if results.models:
        card.field(
            "Models",
            [safe_text(name + (f" · {org}" if org else "")) for name, org in results.models],
        )
    if results.organisations:
        card.field(
            "Organisations",
            [f"{safe_text(name)} · {n} model(s)" for name, n in results.organisations],
        )
    if results.events:
        card.field(
            "Events",
            [
                claim_line(
                    f"{e.date or 'undated'} · {e.kind.replace('_', ' ')} · {safe_text(e.title)}",
                    e.source,
                    False,
                )
                for e in results.events
            ],
        )
    return card.build()


def render_about(about: About) -> Reply:
    card = CardBuilder("Release Radar — data sources")
    counts = about.counts
    card.line(
        f"{counts['models']:,} models · {counts['organisations']:,} organisations · "
        f"{counts['benchmarks']:,} benchmarks · {counts['scores']:,} scores · "
        f"{counts['facts']:,} facts · {counts['events']:,} events"
    )
    card.line("Every fact keeps its source; where sources disagree, all claims are shown.")
    datasets = [s for s in about.sources if s.kind == "dataset"]
    others = [s for s in about.sources if s.kind != "dataset"]
    if datasets:
        card.field(
            "Datasets (credit required)",
            [
                f"**{safe_text(s.credit or s.name)}** — {safe_text(s.license or 'license unknown')}"
                + (f" · {checked_url(s.url)}" if checked_url(s.url) else "")
                + f" · {s.facts:,} facts"
                for s in datasets
            ],
        )
    if others:
        card.field(
            "Articles and curators",
            [f"{safe_text(clip(s.name, 90))} ({s.kind}) · {s.facts:,} facts" for s in others],
        )
    return card.build()
