"""Self-reported vs independent, through the stand-in: a curator's independent score on a
benchmark where the lab's own claim stands becomes a release-watch entry, alerted and in the
digest, saying whether it replaces or contradicts the claim."""

import pytest
import yaml

from bot.commands import run_command
from bot.core.noise import noise_for
from bot.render.text import reply_to_text
from tests.e2e.conftest import confirmed

pytestmark = pytest.mark.asyncio(loop_scope="module")
MODEL = "Qwen2.5 72B Instruct"


async def lab_claim(harness, benchmark: str) -> float:
    """The model's self-reported figure in the bundled data (LLM Stats)."""
    entry = harness.services.lookups.models.exact(MODEL)
    rows = await harness.services.catalog.model_scores([entry.id])
    (claim,) = [
        r.value
        for r in rows
        if r.benchmark == benchmark and r.source.self_reported and r.source.key == "llmstats"
    ]
    return claim


async def posted_after(harness, before: int) -> list[dict]:
    await harness.services.watch.drain()
    return harness.standin.messages[harness.standin.channel("releases")["id"]][before:]


async def test_an_independent_run_contradicting_the_claim_is_alerted(harness) -> None:
    claimed = await lab_claim(harness, "GPQA")
    noise = noise_for("GPQA", "%")
    independent = claimed - 12.0
    assert noise is not None and not noise.tied(independent, claimed)  # beyond the noise
    await harness.admin.slash("watch add", channel="releases", keywords="independent run")
    before = len(harness.standin.messages[harness.standin.channel("releases")["id"]])
    saved = await harness.owner.slash(
        "admin score add",
        model=MODEL,
        benchmark="GPQA",
        value=independent,
        source="https://example.org/independent-gpqa",
    )
    assert "Saved" in saved.text(), saved.text()
    (alert,) = await posted_after(harness, before)
    embed = alert["embeds"][0]
    run = f"independent run: {independent:.1f}% vs {claimed:.1f}% claimed"
    assert embed["title"] == f"{MODEL} on GPQA: {run}"
    assert "contradicts the lab's self-reported claim" in str(embed)
    digest = await run_command(harness.services, "digest", {"days": 1})
    text = reply_to_text(digest[1])
    assert run in text


async def test_within_the_noise_it_replaces_and_a_lab_claim_alerts_nothing(harness) -> None:
    claimed = await lab_claim(harness, "HumanEval")
    await harness.admin.slash("watch add", channel="releases", keywords="independent run")
    before = len(harness.standin.messages[harness.standin.channel("releases")["id"]])
    await harness.owner.slash(
        "admin score add", model=MODEL, benchmark="HumanEval", value=claimed - 1.0, source="a rerun"
    )
    (alert,) = await posted_after(harness, before)
    assert "vs" in alert["embeds"][0]["title"]
    assert "replaces" in str(alert["embeds"][0]), alert["embeds"][0]
    # A second self-reported figure is the lab's own again: no entry.
    again = len(harness.standin.messages[harness.standin.channel("releases")["id"]])
    await harness.owner.slash(
        "admin score add",
        model=MODEL,
        benchmark="HumanEval",
        value=claimed + 0.5,
        source="lab blog",
        self_reported=True,
    )
    assert await posted_after(harness, again) == []


def run_import(benchmark: str, value: float, key: str = "radar-rerun") -> tuple[str, bytes]:
    """A catalog YAML bringing one independent score for MODEL."""
    doc = {
        "sources": [{"key": key, "name": "Radar independent reruns", "kind": "dataset"}],
        "benchmarks": [{"name": benchmark, "unit": "%"}],
        "models": [
            {"name": MODEL, "scores": [{"benchmark": benchmark, "value": value, "source": key}]}
        ],
    }
    return ("reruns.yaml", yaml.safe_dump(doc).encode())


async def test_an_imported_independent_run_is_alerted_once(harness) -> None:
    claimed = await lab_claim(harness, "MMLU-Pro")
    await harness.admin.slash("watch add", channel="releases", keywords="independent run")
    before = len(harness.standin.messages[harness.standin.channel("releases")["id"]])
    independent = round(claimed - 9.3, 1)
    for _ in range(2):  # the same file twice: one entry
        asked = await harness.owner.slash("admin import", file=run_import("MMLU-Pro", independent))
        await confirmed(harness.owner, asked)
    (alert,) = await posted_after(harness, before)
    run = f"independent run: {independent:.1f}% vs {claimed:.1f}% claimed"
    assert alert["embeds"][0]["title"] == f"{MODEL} on MMLU-Pro: {run}"
    assert "contradicts the lab's self-reported claim" in str(alert["embeds"][0])
    assert run in reply_to_text((await run_command(harness.services, "digest", {"days": 1}))[1])


async def test_an_imported_lab_claim_or_unclaimed_benchmark_alerts_nothing(harness) -> None:
    await harness.admin.slash("watch add", channel="releases", keywords="independent run")
    before = len(harness.standin.messages[harness.standin.channel("releases")["id"]])
    entry = harness.services.lookups.models.exact(MODEL)
    rows = await harness.services.catalog.model_scores([entry.id])
    claimed = {r.benchmark for r in rows if r.source.self_reported}
    catalog = harness.services.catalog
    percent = [b for b in await catalog.benchmark_entries() if b.name not in claimed]
    units = [(await catalog.benchmark(b.id)).unit for b in percent]
    unclaimed = next(b.name for b, unit in zip(percent, units, strict=True) if unit == "%")
    doc = yaml.safe_load(run_import(unclaimed, 1.0)[1])
    doc["benchmarks"].append({"name": "GPQA", "unit": "%"})
    doc["models"][0]["scores"].append(
        {"benchmark": "GPQA", "value": 1.0, "source": "radar-rerun", "self_reported": True}
    )
    asked = await harness.owner.slash(
        "admin import", file=("lab.yaml", yaml.safe_dump(doc).encode())
    )
    await confirmed(harness.owner, asked)
    assert await posted_after(harness, before) == []
