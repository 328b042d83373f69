"""/fit: memory figures checked against the formula worked by hand from its inputs (the raw
parameter counts in data/llmstats, the shapes in the models' config.json files, the bits per
weight llama.cpp documents), and every bad input's message."""

import json
import re

import pytest

from bot.commands import run_command
from bot.core.errors import UserError
from bot.core.fit import GIB, parse_context, parse_memory, parse_quant
from bot.render.text import reply_to_text
from tests.conftest import DATA

Q4_K_M_BITS = 4.84  # llama.cpp tools/quantize/README.md, Llama 2 7B table
FP16_BITS = 16
FIXED_OVERHEAD = 1 * GIB
OVERHEAD_SHARE = 0.05


def raw_params(path: str) -> int:
    """The parameter count as the bundled LLM Stats file states it."""
    return json.loads((DATA / "llmstats" / "models" / path / "model.json").read_text())[
        "param_count"
    ]


def by_hand(params: float, bits: float, layers: int, kv_heads: int, head: int, ctx: int) -> float:
    weights = params * bits / 8
    kv = 2 * layers * kv_heads * head * 2 * ctx  # K and V, FP16 cache
    return weights + kv + FIXED_OVERHEAD + OVERHEAD_SHARE * weights


def shown_total(text: str, quant: str) -> str:
    match = re.search(rf"^{re.escape(quant)}: .* = \*\*([\d,.]+) GiB\*\*$", text, re.MULTILINE)
    assert match, text
    return match[1]


async def ask(services, **options):
    result, reply = await run_command(services, "fit", options)
    return result, reply_to_text(reply)


async def test_dense_7b_at_q4(services) -> None:
    params = raw_params("qwen/qwen-2.5-7b-instruct")
    # Qwen2.5-7B-Instruct config.json: 28 layers, 4 KV heads, hidden 3584 / 28 heads = 128.
    expected = by_hand(params, Q4_K_M_BITS, 28, 4, 3584 // 28, 8192)
    result, text = await ask(
        services, model="Qwen2.5 7B Instruct", quantization="Q4_K_M", context="8192"
    )
    assert result.estimates[0].total == pytest.approx(expected)
    assert shown_total(text, "Q4_K_M") == f"{expected / GIB:,.1f}"
    assert "28 layers × 4 KV heads × head size 128" in text
    assert "estimated" not in text.split("Facts used")[1].split("Rules")[0]


async def test_70b_at_fp16(services) -> None:
    params = raw_params("meta/llama-3.1-70b-instruct")
    # Llama-3.1-70B config.json: 80 layers, 8 KV heads, hidden 8192 / 64 heads = 128.
    expected = by_hand(params, FP16_BITS, 80, 8, 8192 // 64, 8192)
    result, text = await ask(services, model="Llama 3.1 70B Instruct", quantization="fp16")
    assert result.estimates[0].total == pytest.approx(expected)
    assert shown_total(text, "FP16/BF16") == f"{expected / GIB:,.1f}"
    # 140 GiB does not fit an 80 GB H100 but does the 141 GB H200.
    verdict = {t.label: bool(t.fits) for t in result.targets}
    assert verdict["H100 80GB"] is (expected <= 80 * GIB)
    assert verdict["H200"] is (expected <= 141 * GIB)
    assert "Context: 8,192 tokens (default)" in text


async def test_moe_counts_total_not_active_parameters(services) -> None:
    params = raw_params("meta/llama-4-maverick")
    # Llama-4-Maverick config.json text_config: 48 layers, 8 KV heads, head_dim 128.
    expected = by_hand(params, Q4_K_M_BITS, 48, 8, 128, 32768)
    result, text = await ask(services, model="Llama 4 Maverick", quantization="q4", context="32k")
    assert result.estimates[0].total == pytest.approx(expected)
    assert result.active_params is not None and float(result.active_params.value) < params
    assert "every expert stays in memory" in text
    assert shown_total(text, "Q4_K_M") == f"{expected / GIB:,.1f}"
    # ~240 GiB: no single listed GPU holds it; the answer says so for each.
    assert all(not t.fits for t in result.targets if t.memory_gib < expected / GIB)


async def test_a_named_gpu_gets_its_own_verdict_first(services) -> None:
    result, text = await ask(services, model="Llama 3.1 8B Instruct", gpu="4090")
    assert result.asked is not None and result.asked.label == "RTX 4090"
    assert text.splitlines()[2].startswith("**RTX 4090** (24 GiB): ✓ fits at")
    apple = next(t for t in result.targets if t.label == "Mac 16GB")
    assert apple.usable_gib == pytest.approx(16 * 2 / 3) and "usable" in text


async def test_unknown_architecture_is_an_estimate_said_so(services) -> None:
    result, text = await ask(services, model="Gemma 3 27B")
    assert result.architecture_estimated
    assert "KV cache **estimated**" in text and "nearest listed size" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "GPT-4o"}, "No parameter count known: the catalog has none for GPT-4o"),
        ({"model": "zzqqxxnotamodel"}, "No model matches 'zzqqxxnotamodel'"),
        ({"model": "Llama 3.1 8B Instruct", "gpu": "0GB"}, "Memory must be more than 0"),
        ({"model": "Llama 3.1 8B Instruct", "gpu": "100000"}, "at most 2048 GiB"),
        ({"model": "Llama 3.1 8B Instruct", "gpu": "rtx 4099"}, "Unknown GPU 'rtx 4099'"),
        ({"model": "Llama 3.1 8B Instruct", "quantization": "q3"}, "Unknown quantization 'q3'"),
        ({"model": "Llama 3.1 8B Instruct", "context": "lots"}, "context must be a number"),
        (
            {"model": "Llama 3.1 8B Instruct", "context": "2M"},
            "A context of 2,097,152 tokens is more than Llama 3.1 8B Instruct's window of 131,072",
        ),
    ],
)
async def test_bad_input_is_told(services, options, message) -> None:
    with pytest.raises(UserError) as caught:
        await run_command(services, "fit", options)
    assert message in str(caught.value)


async def test_unknown_gpu_suggests_the_nearest_names(services) -> None:
    with pytest.raises(UserError) as caught:
        await run_command(services, "fit", {"model": "Llama 3.1 8B Instruct", "gpu": "rtx 4099"})
    assert "Did you mean" in str(caught.value) and "RTX 4090" in str(caught.value)


def test_option_parsers() -> None:
    assert parse_memory("24GB") == 24 and parse_memory("80 GiB") == 80
    assert parse_memory("RTX 4090") is None
    assert parse_context("32k") == 32768 and parse_context("1M") == 1048576
    assert parse_context("8192") == 8192
    assert parse_quant("bf16").name == parse_quant("FP16").name == "FP16/BF16"
    assert parse_quant("q4_k_m").name == "Q4_K_M" and parse_quant(None) is None


async def test_leaderboard_fits_keeps_only_models_whose_weights_fit(services) -> None:
    full = await services.lookups.leaderboard("MMLU", limit=25)
    board = await services.lookups.leaderboard("MMLU", limit=25, fits="24GB")
    assert board.fits == "24 GiB" and board.rows
    assert [r.rank for r in board.rows] == list(range(1, len(board.rows) + 1))
    kept = {r.model for r in board.rows}
    for row in full.rows:
        entry = services.lookups.models.exact(row.model)
        params = await services.fit.params_of(entry.id)
        if params is None:
            assert row.model not in kept
            continue
        smallest = float(params.value) * Q4_K_M_BITS / 8
        needed = smallest + FIXED_OVERHEAD + OVERHEAD_SHARE * smallest
        assert (row.model in kept) is (needed <= 24 * GIB), row.model
    text = reply_to_text(
        (await run_command(services, "leaderboard", {"benchmark": "MMLU", "fits": "RTX 4090"}))[1]
    )
    assert "Only models whose weights fit in RTX 4090 (24.0 GiB usable)" in text
    assert " · fits at " in text


@pytest.mark.parametrize(
    ("fits", "message"), [("banana", "Unknown GPU 'banana'"), ("0GB", "Memory must be more than 0")]
)
async def test_leaderboard_fits_bad_input(services, fits, message) -> None:
    with pytest.raises(UserError) as caught:
        await services.lookups.leaderboard("MMLU", fits=fits)
    assert message in str(caught.value)
