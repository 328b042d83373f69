"""/model and /license show a model's lineage and its base models' licenses, through real
discord.py and the stand-in: real chains of the bundled data, and a Hub sync's links."""

import pytest

from bot.sync.huggingface import HubAdapter, HubSettings, HubTarget, fetch_hub
from tests.hub_server import hub_server, recorded

pytestmark = pytest.mark.asyncio(loop_scope="module")


def section(text: str, title: str) -> str:
    return text.split(title, 1)[1]


async def test_model_shows_a_real_chain_with_its_sources(harness) -> None:
    resp = await harness.member.slash("model", name="GPT-4o (Mar 2025)")
    text = resp.text()
    assert "Lineage" in text
    lineage = section(text, "Lineage")
    assert "Fine-tune of **GPT-4o (2025-01-29)** (OpenAI)" in lineage
    assert "← GPT-4o (2024-08-06): fine-tune of **GPT-4o** (OpenAI)" in lineage
    assert "Epoch AI, 'Data on AI Models'" in text


async def test_license_shows_the_base_license_beside_the_models(harness) -> None:
    resp = await harness.member.slash("license", query="Llama 3.1 Nemotron 70B Instruct")
    text = resp.text()
    assert "Lineage" in text and "Base model licenses" in text
    bases = section(text, "Base model licenses")
    assert "Llama 3.1 70B Instruct" in bases and "Llama 3.1 Community License" in bases
    for message in resp.messages:
        assert message["allowed_mentions"] == {"parse": []}


async def test_a_hub_sync_adds_links_that_model_then_shows(harness) -> None:
    async with hub_server() as hub:
        body = recorded("distill-llama-8b")
        hub.model(body)
        settings = HubSettings(endpoint=hub.endpoint, timeout=10)
        fetched = await fetch_hub(settings, [HubTarget(body["id"], "R1 Distill Llama 8B")], False)
    await harness.services.catalog.apply(HubAdapter().parse(fetched))
    await harness.services.lookups.refresh()
    text = (await harness.member.slash("model", name="R1 Distill Llama 8B")).text()
    assert "Fine-tune of **meta-llama/Llama-3.1-8B** (not in the catalog)" in text
    assert "Hugging Face Hub" in text and f"{body['downloads']:,}" in text


async def test_model_bad_input_shows_no_lineage(harness) -> None:
    resp = await harness.member.slash("model", name="zzzz-no-such-model-qqqq")
    assert resp.ephemeral and "Lineage" not in resp.text()
