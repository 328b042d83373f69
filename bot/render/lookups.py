"""Core lookup results rendered as replies: every fact next to its source."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.license_terms import terms_for
from bot.core.prices import money
from bot.core.results import (
    About,
    Announcement,
    BaseLicenses,
    Comparison,
    Leaderboard,
    LicenseClaim,
    LicenseListing,
    LineageStep,
    MatchInfo,
    ModelLicenses,
    ModelReport,
    PriceQuote,
    ScoreClaim,
    SearchResults,
    SourceRef,
)
from bot.core.scores import describe_setting, parse_setting
from bot.core.shards import ShardScope
from bot.core.urls import checked_url
from bot.core.vocab import NUMERIC_FIELDS, Openness
from bot.render.cards import CardBuilder, Reply, clip
from bot.render.lineage import step_text
from bot.render.refs import References
from bot.render.safe import link, safe_text
from bot.render.sync import sync_lines
from bot.render.verdict import (
    NOT_LEGAL_ADVICE,
    condition_line,
    headline,
    looser_line,
    terms_lines,
    unknown_base_line,
)

DISAGREE = "⚠ sources disagree"
DISPUTED_OPENNESS = "⚠ openness disputed"
OPENNESS_DISPUTES = (
    "⚠ marks a model whose sources disagree on its openness: it is listed under every class"
    " a source claims for it, with the number of claims each way."
)
WIN = "🏆"
TIED = "≈"
MISSING = "— (no score)"


# ---- small formatters ---------------------------------------------------------------------


def count(value: float) -> str:
    """A count as people say it: 4,096 and 950 in full; 14.7B, 31B, 1T, 256K beyond 10,000."""
    if abs(value) < 10_000:
        return f"{value:,.0f}" if value == int(value) else f"{value:,.4g}"
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,.0f}"


def flop(value: float) -> str:
    """Training compute as Epoch writes it: 3.87e25 FLOP (three significant digits)."""
    mantissa, _, exponent = f"{value:.3g}".partition("e")
    return f"{mantissa}e{int(exponent)} FLOP" if exponent else f"{mantissa} FLOP"


def tokens(value: float) -> str:
    """A token count as models are known by it: powers of two in binary units (131,072 is
    128K, 1,048,576 is 1M), round decimal figures as written (200K), others in full."""
    number = int(value)
    if number != value or number < 10_000:
        return count(value)
    if number >= 1_000_000 and number % 100_000 == 0:
        return f"{number / 1_000_000:g}M"
    if number % (1 << 20) == 0:
        return f"{number >> 20:,}M"
    if number % 1_000 == 0:
        return f"{number // 1_000:,}K"
    if number % (1 << 10) == 0:
        return f"{number >> 10:,}K"
    return f"{number:,}"


def fact_value(field: str, value: str) -> str:
    if field == "training_compute":
        return flop(float(value))
    if field in ("downloads", "likes"):
        return f"{float(value):,.0f}"
    if field == "gated":
        return "no" if value == "false" else f"yes ({safe_text(value)} approval)"
    if field in NUMERIC_FIELDS:
        number = float(value)
        if field in ("context_window", "output_context"):
            return f"{tokens(number)} tokens"
        return count(number)
    if field == "status":
        return safe_text(value.replace("_", " "))
    return safe_text(value)


def qualified(text: str, source: SourceRef) -> str:
    """The value with the qualifier its source puts before it ('under 150 ms')."""
    return f"{source.qualifier} {text}" if source.qualifier else text


def score_value(claim: ScoreClaim, unit: bool = True) -> str:
    """The score as its unit reads ('92.6%', '#3', '70 ms'); `unit=False` leaves a unit word
    out where the benchmark's name already says it ('Codeforces Elo 2150', not '... Elo Elo')."""
    value = f"{claim.value:.4g}" if abs(claim.value) < 10_000 else f"{claim.value:,.0f}"
    if claim.unit == "%":
        value = f"{value}%"
    elif claim.unit.startswith("/"):  # out of a maximum: MT-Bench's '8.99/10'
        value = f"{value}{safe_text(claim.unit)}"
    elif claim.unit == "rank":
        value = f"#{value}"
    elif unit and claim.unit not in ("score", ""):
        value = f"{value} {safe_text(claim.unit)}"
    return qualified(value, claim.source)


def names_unit(benchmark: str, unit: str) -> bool:
    """Whether the benchmark's name ends with its unit word ('Codeforces Elo', 'Elo')."""
    words = benchmark.casefold().split()
    return bool(words) and words[-1] == unit.casefold()


def named_score(claim: ScoreClaim) -> str:
    """'Codeforces Elo 2150', 'HumanEval 92.6%': the benchmark and its score, unit once."""
    shown = score_text(claim, unit=not names_unit(claim.benchmark, claim.unit))
    return f"{safe_text(claim.benchmark)} {shown}"


def score_text(claim: ScoreClaim, unit: bool = True) -> str:
    """A score with the evaluation setting it was measured under, when a source states one,
    and the source's own 95% interval, when it gives one."""
    value = score_value(claim, unit)
    if claim.ci is not None:
        value += f" (95% CI {claim.ci[0]:g}–{claim.ci[1]:g})"
    return f"{value} ({safe_text(claim.setting)})" if claim.setting else value


def setting_suffix(key: str) -> str:
    """What a heading adds for a setting other than the standard one."""
    return f" · {safe_text(key)}" if key else ""


def openness_counts(claims: Sequence[tuple[Openness, int]]) -> str:
    """'1 open weights, 2 API only': the license claims each way."""
    return ", ".join(f"{n} {c.label}" for c, n in claims)


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


def ref_label(source: SourceRef) -> str:
    """A source as its reference lists it: the linked name (an article's title in full, as
    it is written once) and the claim's date."""
    label = link(clip(source.name, 150), source.url)
    return f"{label} ({safe_text(source.date)})" if source.date else label


def _flags(source: SourceRef) -> tuple[str, ...]:
    return ("self-reported",) if source.self_reported else ()


def _note(source: SourceRef) -> str:
    return f"_{safe_text(clip(source.note, 160))}_" if source.note else ""


def register(refs: References, source: SourceRef, note: bool = True) -> None:
    """Count one claim of `source` (in reading order, before the lines are written)."""
    refs.register(ref_label(source), _flags(source), _note(source) if note else "")


def register_all(refs: References, sources: Iterable[SourceRef], note: bool = True) -> None:
    for source in sources:
        register(refs, source, note)


def cite(refs: References, value: str, source: SourceRef, note: bool = True) -> str:
    """'value [n]' with the claim's own marks (self-reported, its note) where the reference
    does not already say them."""
    return f"{value} {refs.cite(ref_label(source), _flags(source), _note(source) if note else '')}"


def cite_each(
    refs: References, claims: Iterable[tuple[str, SourceRef]], note: bool = True
) -> list[str]:
    """One line per value, citing every source that gives it: two articles stating the same
    date are '2026-03-30 [1] [2]', not the same line twice."""
    merged: dict[str, list[SourceRef]] = {}
    for value, source in claims:
        merged.setdefault(value, []).append(source)
    return [
        f"{value} "
        + " ".join(refs.cite(ref_label(s), _flags(s), _note(s) if note else "") for s in sources)
        for value, sources in merged.items()
    ]


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


def license_text(claim: LicenseClaim) -> str:
    name = safe_text(claim.license_id if claim.spdx else (claim.license_name or "no license named"))
    return f"{name} · {claim.openness.label} · commercial use: {commercial_word(claim)}"


def commercial_word(claim: LicenseClaim) -> str:
    """The license's own commercial terms where the bot knows them ('yes, with conditions'),
    else what the claim states."""
    terms = terms_for(claim.license_id)
    return terms.commercial.label if terms is not None else yes_no(claim.commercial)


def license_line(claim: LicenseClaim) -> str:
    return claim_line(license_text(claim), claim.source)


# ---- replies ------------------------------------------------------------------------------


def render_model(report: ModelReport) -> Reply:
    refs = References()
    for group in report.facts:
        for claim in group.claims:
            register(refs, claim.source)
    for lc in report.licenses:
        register(refs, lc.source)
    for claims in report.scores:
        for score in claims:
            register(refs, score.source, note=False)
    for event in report.events:
        register(refs, event.source, note=False)
    register_lineage(refs, report.lineage)
    card = CardBuilder(safe_text(report.name), credits_footer(report.credits), refs=refs)
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
    if report.provisional is not None:
        card.line(provisional_line(report.provisional))
    if report.aliases:
        card.line("Also known as: " + safe_text(", ".join(report.aliases)))
    for group in report.facts:
        name = group.label + (f" — {DISAGREE}" if group.disputed else "")
        shown = (
            (qualified(fact_value(group.field, c.value), c.source), c.source) for c in group.claims
        )
        card.field(name, cite_each(refs, shown))
    if report.licenses:
        name = "License" + (f" — {DISAGREE}" if report.license_disputed else "")
        card.field(name, cite_each(refs, ((license_text(c), c.source) for c in report.licenses)))
    else:
        card.field("License", ["No source in the catalog states one."])
    if report.lineage:
        card.field("Lineage", lineage_lines(refs, report.lineage))
    if report.scores:
        groups = []
        for claims in report.scores:
            marker = f" — {DISAGREE}" if len({c.value for c in claims}) > 1 else ""
            setting = setting_suffix(parse_setting(claims[0].setting).key)
            groups.append(
                [f"**{safe_text(claims[0].benchmark)}**{setting}{marker}"]
                + [
                    "  " + line
                    for line in cite_each(
                        refs, ((score_text(c), c.source) for c in claims), note=False
                    )
                ]
            )
        card.field_groups("Headline scores", groups)
    if report.prices:
        name = "Prices per 1M tokens, cheapest first"
        if report.prices_from:
            name += f" (of {safe_text(report.prices_from)})"
        card.field(name, price_lines(refs, report.prices, limit=5))
    if report.events:
        card.field(
            "Timeline",
            [
                cite(refs, f"{e.date or 'undated'} · {safe_text(e.title)}", e.source, False)
                for e in report.events
            ],
        )
    if len(report.facts) + len(report.licenses) + len(report.scores) + len(report.lineage) == 0:
        card.line("The catalog knows the name, but no source gives facts about it yet.")
    return card.build()


def provisional_line(announcement: Announcement) -> str:
    """'Provisional: announced 2026-11-30 in <link>; not yet in any dataset.'"""
    when = f" {announcement.date}" if announcement.date else ""
    where = (
        link(announcement.title, announcement.url)
        if announcement.url
        else safe_text(announcement.title)
    )
    return f"⏳ Provisional: announced{when} in {where}; not yet in any dataset."


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


def lineage_lines(refs: References, lineage: Sequence[LineageStep]) -> list[str]:
    """One line per link of the chain, nearest base first, citing every source that states it."""
    claims = [
        (step_text(step, step.depth == 1), source) for step in lineage for source in step.sources
    ]
    return cite_each(refs, claims, note=False)


def register_lineage(refs: References, lineage: Sequence[LineageStep]) -> None:
    for step in lineage:
        register_all(refs, step.sources, note=False)


def base_license_groups(refs: References, bases: Sequence[BaseLicenses]) -> list[list[str]]:
    """For each base model: its name, then its own license claims (or that none is known)."""
    groups = []
    for base in bases:
        head = f"**{safe_text(base.model)}**" + (" (a base of its base)" if base.depth > 1 else "")
        if not base.claims:
            groups.append([head, "  No source in the catalog states its license."])
            continue
        lines = cite_each(refs, ((license_text(c), c.source) for c in base.claims))
        groups.append([head, *("  " + line for line in lines)])
    return groups


def render_model_licenses(report: ModelLicenses) -> Reply:
    refs = References()
    for claim in report.claims:
        register(refs, claim.source)
    register_lineage(refs, report.lineage)
    for base in report.base_licenses:
        register_all(refs, (c.source for c in base.claims))
    card = CardBuilder(
        f"License of {safe_text(report.model)}", credits_footer(report.credits), refs=refs
    )
    hint = match_line(report.match)
    if hint:
        card.line(hint)
    if report.commercial is not None:
        commercial_fields(card, refs, report)
    if not report.claims:
        card.line("No source in the catalog states a license or openness for this model.")
    else:
        if report.disputed:
            card.line(f"{DISAGREE}: every claim is listed with its source.")
        card.field("Claims", cite_each(refs, ((license_text(c), c.source) for c in report.claims)))
    if report.lineage:
        card.field("Lineage", lineage_lines(refs, report.lineage))
    if report.base_licenses:
        card.field_groups("Base model licenses", base_license_groups(refs, report.base_licenses))
    return card.build()


def commercial_fields(card: CardBuilder, refs: References, report: ModelLicenses) -> None:
    """The verdict first, then each source's reading when they differ, the flags and the
    conditions that apply, and the note that this is not legal advice."""
    verdict = report.commercial
    assert verdict is not None
    card.line(headline(verdict))
    for tag in verdict.looser:
        card.line(looser_line(tag, report.lineage))
    if verdict.disputed:
        readings = ((f"{r.license}: {r.verdict.label}", r.source) for r in verdict.own)
        card.field(f"Commercial use — {DISAGREE}", cite_each(refs, readings))
    lines = [condition_line(c) for c in verdict.conditions]
    lines += [unknown_base_line(b) for b in verdict.unknown_bases]
    if lines:
        card.field("Commercial terms", lines)
    card.line(f"-# {NOT_LEGAL_ADVICE}")


def render_license_listing(listing: LicenseListing) -> Reply:
    refs = References()
    for _, source in listing.models:
        register(refs, source, note=False)
    card = CardBuilder(
        safe_text(listing.title), credits_footer(listing.credits), url=listing.url, refs=refs
    )
    kind = (
        f"SPDX id {safe_text(listing.license_id)}"
        if listing.spdx
        else (safe_text(listing.license_id) or "openness class")
    )
    openness = listing.openness.label if listing.license_id else listing.openness.request_label
    commercial = listing.terms.commercial.label if listing.terms else yes_no(listing.commercial)
    card.line(f"{kind} · {openness} · commercial use: {commercial}")
    if listing.terms is not None:
        card.field("Commercial terms", terms_lines(listing.terms))
    if listing.commercial_filter is not None:
        card.line(f"Only claims whose commercial use reads: {listing.commercial_filter.label}")
    card.line(f"{len(listing.models)} model claim(s):")
    classes = listing.classes if len(set(listing.classes)) > 1 else ()
    for i, (model, source) in enumerate(listing.models):
        cls = f" · {classes[i].label}" if classes else ""
        card.line(cite(refs, f"• **{safe_text(model)}**{cls}", source, note=False))
    return card.build()


def render_comparison(result: Comparison) -> Reply:
    title = " vs ".join(result.models)
    refs = References()
    scored = (c.source for row in result.rows for cell in row.cells for c in cell)
    register_all(refs, scored, note=False)
    register_all(refs, (c.source for f in result.facts for cell in f.cells for c in cell))
    own = (c.source for scores in result.own_scores for group in scores for c in group)
    register_all(refs, own, note=False)
    card = CardBuilder(safe_text(clip(title, 200)), credits_footer(result.credits), refs=refs)
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
        _side_by_side(card, refs, result)
        _compare_prices(card, refs, result)
        return card.build()
    marks = (
        [f"{WIN} marks a clear winner"] if any(r.winner is not None for r in result.rows) else []
    )
    if any(r.tied for r in result.rows):
        marks.append(
            f"{TIED} a statistical tie (within the benchmark's noise or the sources' own intervals)"
        )
    marks.append(f"{MISSING} a gap")
    card.line(f"{len(result.rows)} benchmark(s); {', '.join(marks)}.")
    for row in result.rows:
        about = direction(row.higher_is_better)
        if not names_unit(row.benchmark, row.unit):
            about = f"{safe_text(row.unit)}, {about}"
        name = f"{safe_text(row.benchmark)}{setting_suffix(row.setting)} ({about})"
        if row.disputed:
            name += f" — {DISAGREE}"
        lines = []
        for i, (model, cell) in enumerate(zip(result.models, row.cells, strict=True)):
            if not cell:
                lines.append(f"{safe_text(model)}: {MISSING}")
                continue
            mark = f" {WIN}" if row.winner == i else ""
            values = "; ".join(cite(refs, score_text(c), c.source, note=False) for c in cell)
            lines.append(f"**{safe_text(model)}**{mark}: {values}")
        if row.tied:
            lines.append(
                f"_Statistically tied ({TIED}): the gap is within the noise, {row.noise}._"
            )
        elif row.winner is None and sum(1 for c in row.cells if c) > 1:
            lines.append("_No clear winner: tied, or the sources' figures overlap._")
        card.field(name, lines)
    _compare_prices(card, refs, result)
    return card.build()


def _compare_prices(card: CardBuilder, refs: References, result: Comparison) -> None:
    """Each model's cheapest current price, input and output side by side."""
    if not any(result.prices):
        return
    lines = []
    for model, quote in zip(result.models, result.prices, strict=True):
        if quote is None:
            lines.append(f"**{safe_text(model)}**: — no price known")
        else:
            text = f"**{safe_text(model)}**: {price_text(quote)} via {where(quote)}"
            lines.append(cite(refs, text, quote.source, note=False))
    card.field("Price per 1M tokens (cheapest provider)", lines)


def _side_by_side(card: CardBuilder, refs: References, result: Comparison) -> None:
    """The models' key facts, one field per fact with a line per model, then each model's own
    scores (on benchmarks the others lack)."""
    for fact in result.facts:
        lines = []
        for model, cell in zip(result.models, fact.cells, strict=True):
            values = "; ".join(
                cite(refs, qualified(fact_value(fact.field, c.value), c.source), c.source)
                for c in cell
            )
            lines.append(f"**{safe_text(model)}**: {values or '—'}")
        card.field(fact.label, lines)
    groups = []
    for model, scores in zip(result.models, result.own_scores, strict=True):
        if scores:
            groups.append(
                [f"**{safe_text(model)}**"]
                + [
                    "  " + "; ".join(cite(refs, named_score(c), c.source, False) for c in group)
                    for group in scores
                ]
            )
    if groups:
        card.field_groups("Own scores (not comparable)", groups)


def render_leaderboard(board: Leaderboard) -> Reply:
    title = f"Leaderboard: {safe_text(board.benchmark)}{setting_suffix(board.setting)}"
    refs = References()
    for row in board.rows:
        for claim in (row.best, *row.others[:3]):
            register(refs, claim.source, note=False)
    card = CardBuilder(title, credits_footer(board.credits), refs=refs)
    hint = match_line(board.match)
    if hint:
        card.line(hint)
    scope = f" · filter: {board.openness.request_label}" if board.openness else ""
    card.line(
        f"{safe_text(board.unit)}, {direction(board.higher_is_better)}{scope}"
        + (
            f" · {board.total_models} model(s) match"
            if board.priced
            else f" · {board.total_models} model(s) scored"
        )
    )
    card.line(f"Setting: {safe_text(describe_setting(board.setting))}")
    if board.other_settings:
        others = "; ".join(
            f"{safe_text(describe_setting(key, short=True))}: {n} model(s)"
            for key, n in board.other_settings
        )
        card.line(f"Other settings, ranked apart (option `setting`): {others}.")
    if board.priced:
        card.line(_price_scope(board))
    if board.description:
        card.line(f"_{safe_text(clip(board.description, 300))}_")
    if board.fits is not None:
        card.line(_fits_line(board))
    if any(r.tied_with is not None for r in board.rows):
        card.line(f"{TIED} statistically tied: scores within the noise, {board.noise}.")
    if board.openness or any(r.openness_disputed for r in board.rows):
        card.line(OPENNESS_DISPUTES)
    if not board.rows:
        card.line("No model matches these filters.")
    for row in board.rows:
        line = cite(
            refs,
            f"{row.rank}. **{safe_text(row.model)}** — {score_text(row.best)}",
            row.best.source,
            False,
        )
        if board.priced:
            line += f" · {money(row.price)} per 1M" if row.price is not None else " · no price"
        if row.tied_with is not None:
            line += f" · {TIED} statistically tied with #{row.tied_with}"
        if row.fits_at:
            line += f" · fits at {row.fits_at}"
        if row.openness_disputed:
            line += f" · {DISPUTED_OPENNESS} ({openness_counts(row.openness_claims)})"
        if row.others:
            others = ", ".join(cite(refs, score_text(c), c.source, False) for c in row.others[:3])
            line += f" · {DISAGREE}: also {others}"
        card.line(line)
    return card.build()


def _price_scope(board: Leaderboard) -> str:
    """What a price-aware board shows: its order and filters, and which price it means."""
    parts = ["cheapest first" if board.sort == "price" else "best score first"]
    if board.min_score is not None:
        parts.append(f"score {'≥' if board.higher_is_better else '≤'} {board.min_score:g}")
    if board.max_price is not None:
        parts.append(f"price ≤ {money(board.max_price)}")
    return (
        " · ".join(parts) + " · price: the cheapest provider's blended price per 1M tokens"
        " (3 input : 1 output); `/price` gives each model's prices with their sources"
    )


# ---- prices (the /price card is bot.render.prices) -------------------------------------

PER_M = "per 1M tokens"


def where(quote: PriceQuote) -> str:
    """'bedrock (eu)' or 'openai'."""
    return safe_text(quote.provider + (f" ({quote.region})" if quote.region else ""))


def price_text(quote: PriceQuote) -> str:
    """'in $2.50 · out $10.00 · cached $1.25' (per 1M tokens)."""
    parts = [
        f"in {money(quote.input_per_m, quote.currency)}",
        f"out {money(quote.output_per_m, quote.currency)}",
    ]
    if quote.cached_input_per_m is not None:
        parts.append(f"cached {money(quote.cached_input_per_m, quote.currency)}")
    return " · ".join(parts)


def quote_line(refs: References, quote: PriceQuote) -> str:
    """A provider's current price with its source and as-of date."""
    # A snapshot source's first sight of a price is no start date: only a stated one shows.
    stated = quote.starts and quote.starts != quote.source.as_of
    since = f", since {quote.starts}" if stated else ""
    as_of = f"as of {quote.source.as_of}" if quote.source.as_of else "undated"
    text = (
        f"**{where(quote)}**: {price_text(quote)} ({safe_text(quote.source.name)}, {as_of}{since})"
    )
    return cite(refs, text, quote.source, note=False)


def price_lines(refs: References, quotes: tuple[PriceQuote, ...], limit: int = 8) -> list[str]:
    """The current prices, cheapest first, `limit` of them and a count of the rest."""
    lines = [quote_line(refs, q) for q in quotes[:limit]]
    if len(quotes) > limit:
        lines.append(f"… and {len(quotes) - limit} more providers (`/price` lists them all)")
    return lines


def _fits_line(board: Leaderboard) -> str:
    """What `fits:` filtered on: weights and overhead, no context, at the best quantization."""
    line = (
        f"Only models whose weights fit in {safe_text(board.fits or '')}"
        f" ({board.fits_usable_gib:.1f} GiB usable) at some quantization (FP16 down to Q4_K_M),"
        " weights and runtime overhead only, no context: `/fit` has the full estimate."
    )
    if board.fits_unknown:
        line += f" {board.fits_unknown} ranked model(s) left out: no parameter count known."
    return line


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
                    f"{e.date or 'undated'} · {e.kind.replace('_', ' ')} · {safe_text(e.title)}"
                    + (f" ({safe_text(clip(e.detail, 200))})" if e.detail else ""),
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
    if about.syncs:
        card.field("Live sources (synced)", sync_lines(about.syncs))
    if about.scope is not None:
        card.line(_shard_line(about.scope, about.guild_id))
    if about.process is not None:
        leader = safe_text(about.leader) if about.leader else "none right now (taking over)"
        card.line(f"Answered by process {safe_text(about.process)} · leading process: {leader}")
    return card.build()


def _shard_line(scope: ShardScope, guild_id: str | None) -> str:
    """Which shard serves where /about was asked, and the shards this process runs."""
    where = "this server" if guild_id else "direct messages"
    shard = scope.shard_of(guild_id)
    return f"Shard {shard} of {scope.shard_count} serves {where}; this process runs {scope.describe()}."
