"""Reading announcements: the one model a title introduces and the facts its text states, on
the real vendor feeds bundled in tests/data/feeds/real and on entries written to mislead."""

from __future__ import annotations

import pytest

from bot.watch.announce import StatedFact, announced_name, stated_facts
from bot.watch.parse import parse_feed
from tests.conftest import FEEDS


def real_items(name: str):
    data = (FEEDS / "real" / f"feed_{name}.xml").read_bytes()
    return parse_feed(data, url=None, source_key=name, source_name=name.title()).items


def test_on_the_real_vendor_feeds_only_numbered_launch_titles_name_a_model() -> None:
    found = {}
    for feed in ("mistral", "meta_ai", "openai_research", "google_ai"):
        for item in real_items(feed):
            name = announced_name(item.title)
            if name is not None:
                found[item.title] = name
    for title, name in found.items():
        assert name in title  # read from the title, as written
    assert found["Introducing Mistral Small 4"] == "Mistral Small 4"
    assert found["Introducing Muse Spark 1.1"] == "Muse Spark 1.1"
    assert found["Sora 2 is here"] == "Sora 2"
    # "... and the Complete Mistral Coding Stack": a phrase, not a second model
    assert (
        found["Announcing Codestral 25.08 and the Complete Mistral Coding Stack for Enterprise"]
        == "Codestral 25.08"
    )
    # Products, programmes, benchmarks and two-name titles introduce no model.
    for title in (
        "Introducing Forge",
        "Introducing Mistral AI Studio.",
        "Introducing Le Chat Enterprise",
        "Introducing the Llama Startup Program",
        "Introducing GeneBench-Pro",
        "Introducing Muse Image and Muse Video",
        "Introducing: Devstral 2 and Mistral Vibe CLI.",
        "Announcing AI for Citizens",
        "Introducing Credentio: Open Source C++ Library for C2PA Content Credentials from Google",
        "GPT-5.2 derives a new result in theoretical physics",
    ):
        assert title not in found
    assert len(found) < 12  # of 346 items: conservative


def test_the_real_pixtral_announcement_states_its_license() -> None:
    (pixtral,) = [i for i in real_items("mistral") if i.title == "Announcing Pixtral 12B"]
    stated = stated_facts(f"{pixtral.title}\n{pixtral.summary}")
    assert stated.license == "Apache-2.0"
    assert stated.facts == ()  # "12B" in a name is no statement of its parameters


@pytest.mark.parametrize(
    "title",
    [
        "How Claude Opus 6 compares with our models",  # a competitor's model, no launch
        "Introducing Claude Opus 6 support in Le Chat",  # a competitor's model, in a phrase
        "Ten new models this week: Gemma 5, Qwen 4, Llama 6, Phi 5, Nova 3",  # a roundup
        "Introducing Gemma 5, Qwen 4, Llama 6 and seven more",  # a roundup with a launch word
        "Introducing Gemma 5 and Qwen 4",
        "Introducing https://vendor.example/models/claude-opus-6",  # a name inside a link
        "Introducing [our new page](https://vendor.example/claude-opus-6)",
        "Introducing v2.1.3",  # a version number
        "Introducing SDK 2.1",
        "Introducing Python SDK 1.4 with streaming",
        "Announcing version 2.5 of the API",
        "Announcing Summit 2026",
        "Introducing ten new models",
        "",
    ],
)
def test_misleading_titles_name_no_model(title: str) -> None:
    assert announced_name(title) is None


def test_a_plain_announcement_is_read() -> None:
    assert announced_name("Introducing Claude Opus 6") == "Claude Opus 6"
    assert announced_name("Meet o5-mini: reasoning for less") == "o5-mini"
    assert announced_name("Announcing Qwen 4 for agents") == "Qwen 4"


def test_facts_stated_once_are_kept_with_their_qualifier() -> None:
    stated = stated_facts(
        "A 24B-parameter model with a context window of up to 256K tokens, released under the"
        " Apache 2.0 license. $0.10 per million input tokens and $0.30 per million output tokens."
    )
    assert set(stated.facts) == {
        StatedFact("params", "24000000000"),
        StatedFact("context_window", "256000", "up to"),
    }
    assert stated.license == "Apache-2.0"
    assert (stated.input_per_m, stated.output_per_m) == (0.10, 0.30)


def test_active_and_total_parameters_are_two_facts() -> None:
    stated = stated_facts("It has 17B active parameters and 400B total parameters.")
    assert set(stated.facts) == {
        StatedFact("active_params", "17000000000"),
        StatedFact("params", "400000000000"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Priced at €2 per million input tokens and £8 per million output tokens.",
        "From A$3 per million input tokens.",
        "From HK$3 per million input tokens.",
    ],
)
def test_a_price_in_another_currency_is_no_dollar_price(text: str) -> None:
    assert not stated_facts(text).priced


def test_two_values_for_one_fact_state_none() -> None:
    stated = stated_facts(
        "Our 8B model has a 128K context window; the 70B a 1M-token context."
        " Unlike Llama it is not under Apache 2.0."
    )
    assert stated.facts == () and stated.license is None


def test_numbers_inside_links_are_not_stated() -> None:
    stated = stated_facts("Details: https://vendor.example/24b-parameters-128k-context-window")
    assert stated.facts == ()
