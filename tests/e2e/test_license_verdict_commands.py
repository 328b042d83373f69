"""/license answers 'can I use it commercially?' through real discord.py and the stand-in:
real chains of the bundled data, a license listing's terms, and bad input."""

import json

import pytest

from bot.core.license_terms import terms_for
from bot.core.licenses import normalize_license
from tests.conftest import DATA

pytestmark = pytest.mark.asyncio(loop_scope="module")


def raw_license(path: str) -> str:
    model = DATA / "llmstats" / "models" / path / "model.json"
    return json.loads(model.read_text(encoding="utf-8"))["license"]


async def test_license_gives_a_verdict_with_the_llama_terms(harness) -> None:
    stated = raw_license("nvidia/llama-3.1-nemotron-70b-instruct")
    verdict = terms_for(normalize_license(stated).id).commercial
    resp = await harness.member.slash("license", query="Llama 3.1 Nemotron 70B Instruct")
    text = resp.text()
    assert f"**Commercial use: {verdict.label}** — {stated}" in text
    assert "700 million monthly active users" in text and "beginning with 'Llama'" in text
    assert "Not legal advice" in text
    for message in resp.messages:
        assert message["allowed_mentions"] == {"parse": []}


async def test_a_noncommercial_model_says_no(harness) -> None:
    stated = raw_license("cohere/command-r-plus-04-2024")
    assert terms_for(normalize_license(stated).id).commercial.value == "no"
    text = (await harness.member.slash("license", query="Command R+ (2024-04)")).text()
    assert "**Commercial use: no**" in text and "Non-commercial only" in text


async def test_a_license_listing_shows_its_commercial_terms(harness) -> None:
    text = (await harness.member.slash("license", query="Llama 3.1 Community License")).text()
    assert "Commercial use: yes, with conditions" in text and "700 million" in text
    assert "Its terms bind models made from it" in text


async def test_bad_license_input_gets_no_verdict(harness) -> None:
    resp = await harness.member.slash("license", query="zzzz-no-such-model-qqqq" * 10)
    assert resp.ephemeral and "Commercial use" not in resp.text()


async def test_the_commercial_filter_through_the_standin(harness) -> None:
    text = (await harness.member.slash("license", query="open", commercial="no")).text()
    assert "Only claims whose commercial use reads: no" in text
    assert "Command R+ (2024-04)" in text
    bad = await harness.member.slash("license", query="open", commercial="perhaps")
    assert bad.ephemeral and "commercial must be yes, conditions, no or unknown" in bad.text()
