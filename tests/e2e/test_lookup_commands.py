"""Every lookup slash command through real discord.py and the local Discord stand-in."""

import asyncio
import time

import pytest

from bot.discordbot import respond
from tests.standin import ButtonDisabled

pytestmark = pytest.mark.asyncio(loop_scope="module")


def assert_no_pings(resp) -> None:
    for message in resp.messages:
        assert message["allowed_mentions"] == {"parse": []}


async def test_commands_sync_without_validation_errors(harness) -> None:
    standin = harness.standin
    synced = {c["name"] for c in standin.guild_commands[standin.guild["id"]]}
    assert {
        "model",
        "license",
        "compare",
        "leaderboard",
        "search",
        "about",
        "watch",
        "feeds",
    } <= synced
    assert standin.validation_errors == []


async def test_model_answers_with_sources_and_did_you_mean(harness) -> None:
    resp = await harness.member.slash("model", name="gema4")
    assert resp.type == 4 and not resp.ephemeral
    text = resp.text()
    assert "Gemma 4" in text and "Did you mean" in text
    assert "Apache-2.0" in text and "Open Source AI Wins" in text
    assert_no_pings(resp)


async def test_model_shows_disagreement_and_credits(harness) -> None:
    resp = await harness.member.slash("model", name="qwen 3.6 plus")
    text = resp.text()
    assert "sources disagree" in text
    assert "2026-04-02" in text and "2026-04-01" in text
    assert "Epoch AI, 'Data on AI Models'" in text


async def test_license_for_a_model_and_for_a_class(harness) -> None:
    resp = await harness.member.slash("license", query="Qwen3.5-Omni")
    text = resp.text()
    assert "API only" in text and "Apache-2.0" in text and "sources disagree" in text
    listing = await harness.member.slash("license", query="api_only")
    assert "Qwen3.5-Omni-Plus" in listing.text() or len(listing.embeds) == 1


async def test_long_answers_page_with_buttons(harness) -> None:
    resp = await harness.member.slash("license", query="api_only")
    labels = [b["label"] for b in resp.buttons()]
    assert labels == ["Previous", "Next"]
    first = resp.embeds[0]["footer"]["text"]
    assert first.startswith("Page 1/")
    turned = await harness.member.click(resp, "Next")
    assert turned.type == 7
    assert turned.message["embeds"][0]["footer"]["text"].startswith("Page 2/")
    back = await harness.member.click(turned, "Previous")
    assert back.message["embeds"][0]["footer"]["text"].startswith("Page 1/")


async def test_only_the_asker_can_turn_pages(harness) -> None:
    resp = await harness.member.slash("license", query="api_only")
    other = await harness.admin.click(resp, "Next")
    assert other.ephemeral
    assert "Only the person who asked" in other.text()
    assert resp.message["embeds"][0]["footer"]["text"].startswith("Page 1/")


async def test_compare_side_by_side(harness) -> None:
    resp = await harness.member.slash(
        "compare", model1="Qwen3.5-Omni", model2="GPT-4o", benchmark="MMMU"
    )
    text = resp.text()
    assert "Qwen3.5-Omni vs GPT-4o" in text
    assert "82%" in text and "79.5%" in text
    # 2.5 points apart on 900 questions: within the noise, so no 🏆 but a stated tie.
    assert "🏆" not in text and "Statistically tied (≈)" in text and "900 questions" in text
    assert "68.7%" not in text  # the 2024-08-06 snapshot's score, not the model's
    snapshot = await harness.member.slash(
        "compare", model1="Qwen3.5-Omni", model2="gpt-4o-2024-08-06", benchmark="MMMU"
    )
    assert "68.7%" in snapshot.text() and "LLM Stats (CC BY 4.0)" in snapshot.text()
    wer = await harness.member.slash(
        "compare", model1="Qwen3.5-Omni", model2="GPT-4o", model3="Gemma 4"
    )
    assert "lower is better" in wer.text() and "no score" in wer.text()


async def test_leaderboard_and_search_and_about(harness) -> None:
    board = await harness.member.slash("leaderboard", benchmark="GPQA", openness="open", limit=5)
    assert "Leaderboard: GPQA" in board.text() and "5. **" in board.text()
    found = await harness.member.slash("search", text="sora")
    assert "goes dark" in found.text()
    about = await harness.member.slash("about")
    assert "LLM Stats (CC BY 4.0)" in about.text() and "CC BY 4.0" in about.text()


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("model", {"name": "zzqx vvvv kkkk"}, "No model matches"),
        ("model", {"name": "x" * 100 + "y" * 900}, "characters long"),
        ("compare", {"model1": "GPT-4o", "model2": "gpt4o"}, "named twice"),
        (
            "compare",
            {"model1": "GPT-4o", "model2": "Gemma 4", "benchmark": "Bogus Bench 9000"},
            "benchmark",
        ),
        ("leaderboard", {"benchmark": "GPQA", "openness": "sort of"}, "Unknown openness"),
        ("leaderboard", {"benchmark": "GPQA", "limit": 500}, "between 1 and 25"),
        ("search", {"text": "\u200b"}, "Please give"),
    ],
)
async def test_errors_are_short_private_messages(harness, command, options, message) -> None:
    resp = await harness.member.slash(command, **options)
    assert resp.ephemeral, resp.text()
    assert message in resp.text()
    assert "Traceback" not in resp.text()


async def test_a_crafted_call_missing_a_required_option_gets_a_message(harness) -> None:
    resp = await harness.member.slash("compare", force=True, model1="GPT-4o")
    assert resp.type == 4 and resp.ephemeral
    assert "options do not match" in resp.text()


async def test_autocomplete_models_and_benchmarks(harness) -> None:
    start = time.perf_counter()
    choices = await harness.member.autocomplete("model", "name", "gem")
    elapsed = time.perf_counter() - start
    names = [c["name"] for c in choices]
    assert names[0] == "Gemma 4" and len(names) <= 25
    assert elapsed < 1.0
    empty = await harness.member.autocomplete("compare", "model2", "", model1="GPT-4o")
    assert len(empty) == 25
    benchmarks = await harness.member.autocomplete(
        "compare", "benchmark", "mmm", model1="a", model2="b"
    )
    assert "MMMU" in [c["name"] for c in benchmarks]
    long = await harness.member.autocomplete("model", "name", "x" * 100)
    assert all(len(c["name"]) <= 100 for c in long)


async def test_a_429_during_the_response_is_retried(harness) -> None:
    harness.standin.fail(r"POST /interactions/\d+/[^/]+/callback", 429, retry_after=0.2)
    resp = await harness.member.slash("model", name="GPT-4o")
    assert resp.type == 4 and "GPT-4o" in resp.text()
    statuses = [r.status for r in harness.standin.requests if r.path.endswith("/callback")][-2:]
    assert statuses == [429, 200]


async def test_gateway_drop_and_resume_mid_session(harness) -> None:
    standin = harness.standin
    identifies, resumes = standin.identifies, standin.resumes
    await standin.drop_gateway(code=4000)
    resp = await harness.member.slash("model", name="Voxtral", timeout=10.0)
    assert "Voxtral TTS" in resp.text()  # dispatched while down: replayed on RESUME
    assert standin.resumes == resumes + 1 and standin.identifies == identifies
    await standin.request_reconnect()
    await asyncio.sleep(0.1)
    again = await harness.member.slash("model", name="Sora", timeout=10.0)
    assert "Sora" in again.text()
    assert standin.resumes == resumes + 2


async def test_no_unknown_routes_and_no_failed_interactions(harness) -> None:
    standin = harness.standin
    assert standin.unknown_routes == []
    assert not any(i.failed for i in standin.interactions.values())
    assert standin.validation_errors == []


async def test_an_expired_pager_has_its_buttons_disabled(harness, monkeypatch) -> None:
    """When a pager times out its buttons are disabled on its message, the page left as it
    was: they were left clickable, and a click then failed ("This interaction failed")."""
    monkeypatch.setattr(respond, "PAGE_TIMEOUT", 0.3)
    resp = await harness.member.slash("license", query="api_only")
    assert [b.get("disabled", False) for b in resp.buttons()] == [True, False]
    page = resp.embeds[0]
    await resp.until(lambda r: all(b.get("disabled") for b in r.buttons()), timeout=10)
    assert resp.embeds[0] == page
    with pytest.raises(ButtonDisabled):
        await harness.member.click(resp, "Next")
    assert not resp.failed
    assert not any(i.failed for i in harness.standin.interactions.values())
