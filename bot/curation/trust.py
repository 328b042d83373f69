"""Self-reported vs independent: when a curator records an independent score on a benchmark
and setting where the lab's own (self-reported) claim stands, the release watch gets an entry
saying whether the independent run replaces the claim (within the benchmark's noise) or
contradicts it ("independent run: 71.2% vs 76.0% claimed")."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.noise import noise_for
from bot.curation.forms import Actor
from bot.curation.releases import release_item
from bot.store.catalog_records import ModelScore
from bot.watch.items import FeedItem

ENTRY_KIND = "announcement"


def figure(value: float, unit: str) -> str:
    return f"{value:.1f}%" if unit == "%" else f"{value:g} {unit}"


def verdict(value: float, claimed: float, benchmark: str, unit: str) -> str:
    """'replaces' within the benchmark's noise band; 'contradicts' beyond it (or, without a
    band, whenever the figures differ)."""
    noise = noise_for(benchmark, unit)
    if noise is not None:
        return "replaces" if noise.tied(value, claimed) else "contradicts"
    return "replaces" if value == claimed else "contradicts"


def independent_run_item(
    actor: Actor,
    model: str,
    score: ModelScore,
    claims: Sequence[ModelScore],
    link: str | None,
    day: str,
    stamp: str,
) -> FeedItem | None:
    """The watch entry for the independent `score`, if the lab claimed a figure on the same
    benchmark and setting (`claims`: the model's scores before it was added)."""
    own = [
        c
        for c in claims
        if c.source.self_reported
        and c.benchmark_id == score.benchmark_id
        and c.setting_key == score.setting_key
    ]
    if score.source.self_reported or not own:
        return None
    higher = score.higher_is_better
    claimed = (max if higher else min)(c.value for c in own)  # the lab's best claim
    unit = score.unit
    said = verdict(score.value, claimed, score.benchmark, unit)
    run = f"independent run: {figure(score.value, unit)} vs {figure(claimed, unit)} claimed"
    title = f"{model} on {score.benchmark}: {run}"
    noise = noise_for(score.benchmark, unit)
    why = (
        f"within {score.benchmark}'s noise ({noise.basis()})"
        if said == "replaces" and noise
        else f"beyond {score.benchmark}'s noise ({noise.basis()})"
        if noise
        else "no noise band is listed for this benchmark, so any difference counts"
    )
    summary = (
        f"An independent {score.benchmark} result {said} the lab's self-reported claim"
        f" ({run}; {why})."
    )
    item = release_item(actor, title, link, day, ENTRY_KIND, (model,), stamp)
    return FeedItem(
        item.title,
        item.link,
        summary,
        item.published,
        item.guid,
        item.source_key,
        item.source_name,
        item.org,
        item.type,
        item.models,
    )
