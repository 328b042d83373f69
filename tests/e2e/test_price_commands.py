"""/price and the price-aware leaderboard through real discord.py and the local stand-in."""

import json

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.asyncio(loop_scope="module")
LITELLM_FILE = DATA / "litellm" / "model_prices_and_context_window.json"


async def test_price_lists_providers_with_sources(harness) -> None:
    entry = json.loads(LITELLM_FILE.read_text("utf-8"))["gpt-4o"]
    resp = await harness.member.slash("price", model="gpt 4o")
    assert resp.type == 4 and not resp.ephemeral
    text = resp.text()
    assert "Prices of GPT-4o" in text and "**openai**" in text
    assert f"out ${entry['output_cost_per_token'] * 1e6:,.2f}" in text
    assert "LiteLLM" in text and "genai-prices" in text
    for message in resp.messages:
        assert message["allowed_mentions"] == {"parse": []}


async def test_model_and_compare_show_prices(harness) -> None:
    model = (await harness.member.slash("model", name="GPT-4o")).text()
    assert "Prices per 1M tokens, cheapest first" in model
    compare = await harness.member.slash("compare", model1="GPT-4o", model2="Claude Opus 4.6")
    assert "Price per 1M tokens (cheapest provider)" in compare.text()


async def test_leaderboard_sorts_by_price_over_a_minimum_score(harness) -> None:
    resp = await harness.member.slash(
        "leaderboard", benchmark="GPQA", sort="price", min_score=70.0, limit=5
    )
    assert not resp.ephemeral, resp.text()
    text = resp.text()
    assert "cheapest first · score ≥ 70" in text and text.count(" per 1M") >= 5


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("price", {"model": "zzqx nonexistent"}, "No model matches"),
        ("leaderboard", {"benchmark": "GPQA", "max_price": -1.0}, "above 0"),
        ("leaderboard", {"benchmark": "GPQA", "max_price": 1e12}, "at most 10,000"),
    ],
)
async def test_price_errors_are_short_private_messages(harness, command, options, message) -> None:
    resp = await harness.member.slash(command, **options)
    assert resp.ephemeral, resp.text()
    assert message in resp.text() and "Traceback" not in resp.text()
