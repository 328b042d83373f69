"""Finding the right model (issue 13): organisation + model name, helpful "did you mean",
word search over models, organisations, events and their details. Real store, bundled data."""

import re

import pytest

from bot.core.errors import UserError
from bot.core.names import normalize


@pytest.mark.parametrize(
    ("typed", "org", "starts"),
    [("openai sora", "OpenAI", "Sora"), ("mistral voxtral", "Mistral AI", "Voxtral")],
)
async def test_organisation_then_model_name(services, typed, org, starts) -> None:
    report = await services.lookups.model(typed)
    assert report.org == org
    assert report.name.startswith(starts)
    # The shortest of the organisation's names with that word wins ("Sora", not "Sora 2.0").
    same_word = [
        e.name
        for e in services.lookups.models.entries
        if e.org == org and normalize(e.name).startswith(normalize(starts))
    ]
    assert report.name == min(same_word, key=len)


async def test_organisation_alias_then_model_name(services) -> None:
    # 'Meta AI' is an alias of Meta in the bundled data; Llama 4 models are Meta's.
    report = await services.lookups.model("meta ai llama 4")
    assert report.org == "Meta" and report.name.startswith("Llama 4")


@pytest.mark.parametrize("typed", ["openai zzqxj", "openai", "mistral"])
async def test_organisation_without_a_known_model_falls_back(services, typed) -> None:
    try:
        report = await services.lookups.model(typed)
    except UserError as exc:
        assert "No model matches" in str(exc)
    else:
        assert not report.match.exact or normalize(report.name) == normalize(typed)
        assert report.name != "Sora"


async def test_did_you_mean_llama_4_offers_only_the_llama_4_models(services) -> None:
    report = await services.lookups.model("llama 4")
    llama4 = {
        e.name for e in services.lookups.models.entries if normalize(e.name).startswith("llama4")
    }
    assert report.name in llama4
    assert report.match.alternatives
    assert set(report.match.alternatives) <= llama4
    assert not {"LLaVA", "LaMDA", "LLaMA-65B"} & set(report.match.alternatives)


async def test_did_you_mean_r1_keeps_whole_numbers(services) -> None:
    report = await services.lookups.model("r1")
    assert "RetinaNet-R101" not in report.match.alternatives
    assert report.match.alternatives
    for name in (report.name, *report.match.alternatives):
        assert re.search(r"R1(?!\d)", name), name


async def test_did_you_mean_still_offers_variants_of_a_typo(services) -> None:
    report = await services.lookups.model("gema4")
    assert report.name == "Gemma 4"
    assert report.match.alternatives
    assert all(a.startswith("Gemma 4") for a in report.match.alternatives)
