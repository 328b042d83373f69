"""Finding the right model (issue 13): organisation + model name, helpful "did you mean",
word search over models, organisations, events and their details. Real store, bundled data."""

import re

import pytest

from bot.core.errors import UserError
from bot.core.index import NameEntry, NameIndex
from bot.core.names import normalize
from bot.core.records import Batch, EventRec, Provenance, SourceRec
from bot.core.search import coverage
from bot.render.lookups import render_search
from bot.render.text import reply_to_text


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


async def test_search_by_words_finds_the_price_rise_event(services) -> None:
    result = await services.lookups.search("alibaba cloud price")
    assert result.events
    first = result.events[0]
    assert first.kind == "price_change" and "34%" in first.title
    # Only events holding every word are listed; the Alibaba Cloud alias finds Alibaba.
    for event in result.events:
        assert coverage(["alibaba", "cloud", "price"], f"{event.title} {event.detail or ''}") == 3
    assert result.organisations[0][0] == "Alibaba"


async def test_search_for_an_organisation_lists_its_latest_models_and_events(services) -> None:
    result = await services.lookups.search("openai")
    openai = [e for e in services.lookups.models.entries if e.org == "OpenAI"]
    latest = max(e.released or "" for e in openai)
    assert all(org == "OpenAI" for _, org in result.models)
    first = next(e for e in openai if e.name == result.models[0][0])
    assert first.released == latest
    assert not any("DOTA" in name or "Five" in name for name, _ in result.models)
    dated = [e.date for e in result.events if e.date]
    assert dated and dated == sorted(dated, reverse=True)
    assert result.events[0].date == dated[0]


async def test_event_details_are_searchable_and_shown(services) -> None:
    result = await services.lookups.search("disney")
    event = next(e for e in result.events if e.detail and "Disney" in e.detail)
    assert "$1 billion" in event.detail
    text = reply_to_text(render_search(result))
    assert "$1 billion" in text


async def test_words_found_elsewhere_list_no_lookalike_models(services) -> None:
    # 'disney' is an organisation and in an event's details: names that merely start like it
    # (DistBelief ...) are not results; a word found nowhere still gets the name guesses.
    found = await services.lookups.search("disney")
    assert found.events and not found.models
    typo = await services.lookups.search("gemmma")
    assert any("Gemma" in name for name, _ in typo.models)


async def test_search_sees_new_catalog_rows_at_once(services) -> None:
    batch = Batch(sources=[SourceRec("t-src", "Test source", "curator")])
    batch.events = [
        EventRec(
            "funding",
            "Zephyrine Labs raises a seed round",
            Provenance("t-src"),
            detail="Led by Quokka Ventures",
        )
    ]
    await services.catalog.apply(batch)
    result = await services.lookups.search("quokka seed")
    assert [e.title for e in result.events] == ["Zephyrine Labs raises a seed round"]


@pytest.mark.parametrize(
    "text", ['sora" OR *', "NEAR(sora gemma)", "sora -gemma", "sora AND", "^sora"]
)
async def test_search_text_is_never_query_syntax(services, text) -> None:
    result = await services.lookups.search(text)
    assert "Sora" in [name for name, _ in result.models]


@pytest.mark.parametrize("text", ["%", "_", '"*"', "\u200b", "x" * 101])
async def test_search_bad_input_is_a_clear_message(services, text) -> None:
    with pytest.raises(UserError, match=r"Please give|characters long"):
        await services.lookups.search(text)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Xwen3.5-Omni", "Qwen3.5-Omni"),  # first character wrong
        ("Wqen3.5-Omni", "Qwen3.5-Omni"),  # first two swapped
        ("wen3.5-Omni", "Qwen3.5-Omni"),  # first character missing
        ("Gmema 4", "Gemma 4"),  # second and third swapped
        ("Geemma 4", "Gemma 4"),  # a letter too many
        ("Hemma 4", "Gemma 4"),
    ],
)
async def test_autocomplete_survives_a_typo_in_the_first_characters(
    services, typed, expected
) -> None:
    names = [e.name for e in services.lookups.models.autocomplete(typed)]
    assert expected in names[:5], names


@pytest.mark.parametrize("typed", ["\u200b", "!!!", "x" * 300, "zzqxjvv"])
async def test_autocomplete_odd_input_answers_without_error(services, typed) -> None:
    names = services.lookups.models.autocomplete(typed)
    assert len(names) <= 25


def test_name_index_keys_are_compact_and_exact() -> None:
    index = NameIndex(
        [
            NameEntry(1, "Qwen3-235B-A22B-Instruct-2507", "Alibaba", released="2025-07"),
            NameEntry(2, "Élan Ünicode 2", "Org", aliases=("ÉU2",)),
            NameEntry(3, "Qwen3-235B-A22B-Instruct-2507", "Other"),  # the same name again
        ]
    )
    assert index.exact("qwen3 235b a22b instruct 2507").id == 1  # the first of equal names
    assert index.exact("élan ünicode 2").id == 2 and index.exact("éu2").id == 2
    assert index.exact("qwen3") is None
    assert index.is_prefix("qwen3235b") and index.is_prefix("qwen3235ba22binstruct")
    assert not index.is_prefix("instruct")  # whole names only; words inside are keys
    assert [e.id for e in index.autocomplete("instruct")][:1] in ([1], [3])
    assert [e.id for e in index.autocomplete("ünicode")] == [2]
