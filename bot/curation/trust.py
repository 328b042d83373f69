"""Self-reported vs independent: when a curator records an independent score on a benchmark
and setting where the lab's own (self-reported) claim stands, the release watch gets an entry
saying whether the independent run replaces the claim (within the benchmark's noise) or
contradicts it ("independent run: 71.2% vs 76.0% claimed")."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.clock import iso
from bot.core.names import normalize
from bot.core.noise import noise_for
from bot.core.records import IndependentRun
from bot.curation.forms import Actor
from bot.curation.releases import release_item
from bot.store.catalog_records import ModelScore
from bot.watch.items import FeedItem
from bot.watch.service import WatchService

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


def run_text(
    model: str, benchmark: str, unit: str, value: float, claimed: float
) -> tuple[str, str]:
    """The entry's title and summary: 'M on B: independent run: 71.2% vs 76.0% claimed' and
    whether it replaces or contradicts the claim, and why."""
    said = verdict(value, claimed, benchmark, unit)
    run = f"independent run: {figure(value, unit)} vs {figure(claimed, unit)} claimed"
    noise = noise_for(benchmark, unit)
    why = (
        f"within {benchmark}'s noise ({noise.basis()})"
        if said == "replaces" and noise
        else f"beyond {benchmark}'s noise ({noise.basis()})"
        if noise
        else "no noise band is listed for this benchmark, so any difference counts"
    )
    summary = (
        f"An independent {benchmark} result {said} the lab's self-reported claim ({run}; {why})."
    )
    return f"{model} on {benchmark}: {run}", summary


def imported_run_items(runs: Sequence[IndependentRun], stamp: str) -> list[FeedItem]:
    """Watch entries for the independent runs an import or sync brought in. The guid names the
    model, benchmark, setting and both figures, so rerunning the same import or sync makes no
    second entry, while a new figure makes a new one."""
    items = []
    for run in runs:
        title, summary = run_text(run.model, run.benchmark, run.unit, run.value, run.claimed)
        guid = (
            f"independent:{normalize(run.model)}:{normalize(run.benchmark)}:"
            f"{normalize(run.setting)}:{run.value:g}:{run.claimed:g}"
        )
        items.append(
            FeedItem(
                title,
                None,  # the source's page is shared by all its scores, and a link is an identity
                summary,
                stamp,
                guid,
                f"scores:{run.source}",
                run.source_name,
                None,
                ENTRY_KIND,
                (run.model,),
            )
        )
    return items


async def ingest_runs(watch: WatchService, runs: Sequence[IndependentRun]) -> int:
    """Ingest the watch entries for `runs` (in the caller's unit of work); how many are new."""
    if not runs:
        return 0
    report = await watch.ingestor.ingest(imported_run_items(runs, iso(watch.clock())))
    return len(report.new)


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
    title, summary = run_text(model, score.benchmark, score.unit, score.value, claimed)
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
