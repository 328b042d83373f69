"""Statistical ties: scores within a benchmark's sampling noise get no 🏆 but a stated tie;
benchmarks without a listed noise band keep the plain comparison."""

import math

import yaml

from bot.commands import run_command
from bot.core.noise import noise_for
from bot.render.text import reply_to_text
from tests.conftest import DATA


def questions(benchmark: str) -> int:
    rows = yaml.safe_load((DATA / "benchmark_noise.yaml").read_text())["benchmarks"]
    return next(r["questions"] for r in rows if r["benchmark"] == benchmark)


def tied_by_hand(a: float, b: float, n: int) -> bool:
    se = [math.sqrt(p / 100 * (1 - p / 100) / n) * 100 for p in (a, b)]
    return abs(a - b) <= 1.96 * math.sqrt(se[0] ** 2 + se[1] ** 2)


def test_the_band_is_the_binomial_interval() -> None:
    mmlu = noise_for("MMLU", "%")
    assert mmlu is not None and mmlu.questions == questions("MMLU")
    for a, b in ((85.0, 84.0), (85.0, 84.5), (50.0, 48.5), (90.0, 80.0)):
        assert mmlu.tied(a, b) is tied_by_hand(a, b, mmlu.questions)
    aime = noise_for("AIME 2024", "%")
    assert aime is not None and aime.tied(90.0, 80.0)  # 30 problems: ten points is noise
    assert noise_for("MT-Bench", "/10") is None  # not in the file: never called tied
    assert noise_for("MMLU", "/10") is None  # not a share of questions


async def test_compare_says_tied_instead_of_a_trophy(services) -> None:
    result, reply = await run_command(
        services, "compare", {"model1": "Qwen3.5-Omni", "model2": "GPT-4o", "benchmark": "MMMU"}
    )
    (row,) = result.rows
    values = [cell[0].value for cell in row.cells]
    assert tied_by_hand(*values, questions("MMMU"))
    assert row.tied and row.winner is None
    text = reply_to_text(reply)
    assert "Statistically tied (≈)" in text and "🏆" not in text


async def test_a_benchmark_without_a_band_keeps_its_winner(services) -> None:
    result = await services.lookups.compare(["Qwen3.5-Omni", "GPT-4o"], "LibriSpeech WER")
    (row,) = result.rows
    assert row.winner is not None and not row.tied and row.noise == ""


async def test_leaderboard_marks_rows_tied_with_a_better_one(services) -> None:
    board = await services.lookups.leaderboard("GPQA", limit=25)
    n = questions("GPQA")
    for row in board.rows:
        expected = next(
            (
                r.rank
                for r in board.rows
                if r.rank < row.rank and tied_by_hand(r.best.value, row.best.value, n)
            ),
            None,
        )
        assert row.tied_with == expected, row.model
    assert any(r.tied_with for r in board.rows) and board.noise.startswith("95% interval")
    text = reply_to_text((await run_command(services, "leaderboard", {"benchmark": "GPQA"}))[1])
    assert "≈ statistically tied with #1" in text and "198 questions" in text
