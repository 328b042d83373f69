"""Ties from a source's own confidence intervals, through the stand-in: LMArena's ratings whose
95% intervals overlap are "statistically tied" (≈) on /leaderboard and /compare, not a 🏆."""

import pytest

from bot.importers.lmarena import BENCHMARK, load_lmarena_file
from tests.unit.test_lmarena import FIXTURE

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def imported(harness) -> dict[str, tuple[float, float]]:
    """The fixture applied; each model's interval as the file gives it."""
    batch = load_lmarena_file(FIXTURE)
    await harness.services.catalog.apply(batch)
    await harness.services.lookups.refresh()
    return {s.model: (s.ci_low, s.ci_high) for s in batch.scores}


async def test_overlapping_intervals_tie_on_leaderboard_and_compare(harness) -> None:
    ci = await imported(harness)
    gpt, qwen, low = ci["GPT-4o"], ci["Qwen2.5 72B Instruct"], ci["Radar Arena Low"]
    assert gpt[0] <= qwen[1] and low[1] < min(gpt[0], qwen[0])  # the fixture's premise
    board = (await harness.member.slash("leaderboard", benchmark=BENCHMARK.name)).text()
    line = next(x for x in board.splitlines() if "Qwen2.5 72B Instruct" in x)
    assert "≈ statistically tied with #1" in line, board
    assert f"(95% CI {qwen[0]:g}–{qwen[1]:g})" in line
    assert "confidence intervals overlap" in board
    assert "tied" not in next(x for x in board.splitlines() if "Radar Arena Low" in x)
    tied = await harness.member.slash(
        "compare", model1="GPT-4o", model2="Qwen2.5 72B Instruct", benchmark=BENCHMARK.name
    )
    assert "🏆" not in tied.text() and "Statistically tied (≈)" in tied.text(), tied.text()
    clear = await harness.member.slash(
        "compare", model1="GPT-4o", model2="Radar Arena Low", benchmark=BENCHMARK.name
    )
    assert "🏆" in clear.text() and "Statistically tied" not in clear.text(), clear.text()


async def test_a_bad_leaderboard_benchmark_is_refused(harness) -> None:
    await imported(harness)
    resp = await harness.member.slash("leaderboard", benchmark="LMArena Elo qqqq zzzz")
    assert "🏆" not in resp.text() and "statistically tied" not in resp.text()
    assert "Radar Arena Low" not in resp.text(), resp.text()
