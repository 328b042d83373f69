"""Lookups through the real store with the bundled catalog: what users ask, and bad input."""

import gc
import sqlite3

import asyncpg
import pytest

from bot.core.errors import UserError
from bot.core.results import LicenseListing, ModelLicenses, ModelReport
from bot.core.vocab import Openness
from tests import pg_switch


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gema4", "Gemma 4"),
        ("qwen 3.5 omni", "Qwen3.5-Omni"),
        ("gpt4o", "GPT-4o"),
        ("GPT-4O", "GPT-4o"),
        ("Qwen 3.6 Plus", "Qwen3.6-Plus"),
        ("Gem\u200bma 4", "Gemma 4"),
        ("  deepseek   v4 ", "DeepSeek V4"),
        ("gpt-4o-2024-08-06", "GPT-4o (2024-08-06)"),
    ],
)
async def test_model_fuzzy_matching(services, typed: str, expected: str) -> None:
    report = await services.lookups.model(typed)
    assert report.name == expected


async def test_unsure_match_offers_alternatives(services) -> None:
    report = await services.lookups.model("gema4")
    assert not report.match.exact
    assert "Gemma 4 31B" in report.match.alternatives


async def test_variants_stay_distinct_but_are_found_from_the_family(services) -> None:
    family = await services.lookups.model("DeepSeek V4")
    assert set(family.variants) == {"DeepSeek-V4-Pro", "DeepSeek-V4-Flash"}
    pro = await services.lookups.model("DeepSeek-V4-Pro")
    flash = await services.lookups.model("DeepSeek-V4-Flash")
    assert pro.name != flash.name
    omni = await services.lookups.model("Qwen3.5-Omni")
    assert {"Qwen3.5-Omni-Plus", "Qwen3.5-Omni-Flash", "Qwen3.5-Omni-Light"} <= set(omni.variants)


async def test_one_model_gathers_claims_from_every_source(services) -> None:
    report = await services.lookups.model("GPT-4o")
    snapshot = await services.lookups.model("gpt-4o-2024-08-06")

    def sources(r: ModelReport) -> set[str]:
        return {c.source.key for g in r.scores for c in g} | {
            c.source.key for g in r.facts for c in g.claims
        }

    assert {"seed-002", "epoch"} <= sources(report)  # the model's own and its latest snapshot's
    assert {"epoch", "llmstats"} <= sources(snapshot)  # Epoch's (Aug 2024) row, LLM Stats' id
    assert "Epoch AI, 'Data on AI Models' (CC BY 4.0)" in snapshot.credits
    assert "LLM Stats (CC BY 4.0)" in snapshot.credits


async def test_disagreeing_release_dates_are_both_shown(services) -> None:
    report = await services.lookups.model("Qwen3.6-Plus")
    released = next(g for g in report.facts if g.field == "release_date")
    assert released.disputed
    assert {(c.value, c.source.key) for c in released.claims} >= {
        ("2026-04-02", "seed-000"),
        ("2026-04-01", "epoch"),
    }


async def test_compatible_partial_dates_are_not_a_disagreement(services) -> None:
    report = await services.lookups.model("Voxtral TTS")
    released = next(g for g in report.facts if g.field == "release_date")
    assert not released.disputed


async def test_license_disagreement_keeps_every_claim(services) -> None:
    result = await services.lookups.license("Qwen3.5-Omni")
    assert isinstance(result, ModelLicenses)
    assert result.disputed
    assert {c.openness for c in result.claims} == {Openness.API_ONLY, Openness.OPEN_PERMISSIVE}


async def test_license_for_gemma4_is_apache(services) -> None:
    result = await services.lookups.license("gemma 4")
    assert [c.license_id for c in result.claims] == ["Apache-2.0"]
    assert result.claims[0].commercial is True


async def test_license_listing_by_id_and_by_class(services) -> None:
    listing = await services.lookups.license("Apache 2.0")
    assert isinstance(listing, LicenseListing)
    assert listing.spdx and "Gemma 4" in {m for m, _ in listing.models}
    api = await services.lookups.license("api_only")
    assert isinstance(api, LicenseListing)
    assert "Qwen3.5-Omni-Plus" in {m for m, _ in api.models}


async def test_compare_marks_winner_by_direction_and_shows_gaps(services) -> None:
    result = await services.lookups.compare(["Qwen3.5-Omni", "GPT-4o", "Gemma 4"])
    rows = {r.benchmark: r for r in result.rows}
    wer = rows["LibriSpeech WER"]
    assert not wer.higher_is_better
    assert result.models[wer.winner] == "Qwen3.5-Omni"  # 1.7 beats 2.2: lower wins
    assert wer.cells[2] == ()  # Gemma 4 has no score: missing, not zero
    mmmu = rows["MMMU"]
    # GPT-4o's 79.5 (article) is not set against its 2024-08-06 snapshot's 68.7 (LLM Stats).
    assert not mmmu.disputed
    # 82 vs 79.5 on MMMU's 900 questions is within the 95% sampling interval (see
    # data/benchmark_noise.yaml): no winner, a statistical tie (tests/unit/test_ties.py).
    assert mmmu.winner is None and mmmu.tied


async def test_compare_single_benchmark(services) -> None:
    result = await services.lookups.compare(["Qwen3.5-Omni", "GPT-4o"], "MMMU")
    assert [r.benchmark for r in result.rows] == ["MMMU"]
    assert result.only_benchmark == "MMMU"


async def test_compare_with_nothing_shared(services) -> None:
    result = await services.lookups.compare(["Sora", "Avocado"])
    assert result.rows == ()
    assert result.benchmark_counts == (0, 0)


@pytest.mark.parametrize(
    ("models", "benchmark", "message"),
    [
        (["GPT-4o"], None, "at least two"),
        (["GPT-4o", None], None, "at least two"),
        (["GPT-4o", "gpt4o"], None, "named twice"),
        (["GPT-4o", "zzzzqqqq xxyy"], None, "No model matches"),
        (["GPT-4o", "Qwen3.5-Omni"], "Bogus Bench 9000", "benchmark"),
    ],
)
async def test_compare_bad_input(services, models, benchmark, message) -> None:
    with pytest.raises(UserError, match=message):
        await services.lookups.compare(models, benchmark)


async def test_leaderboard_ranks_and_filters(services) -> None:
    board = await services.lookups.leaderboard("GPQA", None, 5)
    values = [r.best.value for r in board.rows]
    assert values == sorted(values, reverse=True) and len(values) == 5
    open_board = await services.lookups.leaderboard("GPQA", "open", 25)
    assert open_board.rows
    assert all(any(o.is_open_weights for o in r.openness) for r in open_board.rows)
    wer = await services.lookups.leaderboard("LibriSpeech", None, 10)
    assert [r.model for r in wer.rows] == ["Qwen3.5-Omni", "GPT-4o"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("GPQA", "sort of open", 5), "Unknown openness"),
        (("GPQA", None, 0), "between 1 and 25"),
        (("GPQA", None, 500), "between 1 and 25"),
        (("", None, 5), "Please give"),
    ],
)
async def test_leaderboard_bad_input(services, args, message) -> None:
    with pytest.raises(UserError, match=message):
        await services.lookups.leaderboard(*args)


async def test_search_finds_models_orgs_and_events(services) -> None:
    result = await services.lookups.search("sora")
    assert "Sora" in [m for m, _ in result.models]
    assert any("goes dark" in e.title for e in result.events)
    orgs = await services.lookups.search("alibaba")
    assert orgs.organisations[0][0] == "Alibaba"


async def test_search_treats_like_wildcards_literally(services) -> None:
    literal = await services.lookups.search("34%")
    assert any("34%" in e.title for e in literal.events)
    # Search is by words: '%' and '_' separate words, they are never wildcards.
    wildcard = await services.lookups.search("4_%")
    assert not any("34%" in e.title for e in wildcard.events)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please give"),
        ("\u200b\u200b", "Please give"),
        ("x" * 1000, "1,000 characters"),
        ("'; DROP TABLE models; --", "No model matches"),
    ],
)
async def test_model_bad_input_is_a_clear_message(services, text, message) -> None:
    with pytest.raises(UserError, match=message):
        await services.lookups.model(text)
    assert (await services.catalog.counts())["models"] > 1000


async def test_about_credits_the_datasets(services) -> None:
    about = await services.lookups.about()
    credits = {s.credit for s in about.sources if s.credit}
    assert credits == {
        "Epoch AI, 'Data on AI Models' (CC BY 4.0)",
        "LLM Stats (CC BY 4.0)",
        "LiteLLM, model_prices_and_context_window.json (MIT)",
        "genai-prices by Pydantic (MIT)",
    }
    assert about.counts["models"] > 1000


async def test_a_refresh_takes_the_new_indexes_out_of_the_collectors_generations(services) -> None:
    """The name indexes live until the next refresh: frozen (`gc.freeze`), a full collection
    does not walk them (at 100k models one such walk held the event loop for seconds), and the
    answers are the same."""
    gc.unfreeze()  # as if nothing had been frozen yet
    await services.lookups.refresh()
    entry = services.lookups.models.entries[0]
    assert gc.is_tracked(entry) and gc.get_freeze_count() > len(services.lookups.models)
    tracked = {id(o) for o in gc.get_objects()}
    assert id(entry) not in tracked and id(services.lookups.models) not in tracked
    assert gc.isenabled()
    assert services.lookups.resolve_model("gpt 4o")[0].name == "GPT-4o"


# What each backend's driver raises for a table that is not there.
MISSING_TABLE = (
    asyncpg.exceptions.UndefinedTableError if pg_switch.ON_POSTGRESQL else sqlite3.OperationalError
)


async def test_a_failed_refresh_keeps_the_old_indexes_and_the_collector_on(services) -> None:
    """Bad input for a refresh: a store that cannot be read. The error reaches the caller,
    the indexes already in use stay, and cyclic collection is still on."""
    before = services.lookups.models
    await services.db.execute("ALTER TABLE models RENAME TO models_gone")
    try:
        with pytest.raises(MISSING_TABLE):
            await services.lookups.refresh()
    finally:
        await services.db.execute("ALTER TABLE models_gone RENAME TO models")
    assert services.lookups.models is before and gc.isenabled()


async def test_an_open_boards_count_is_kept_until_the_catalog_changes(services) -> None:
    """The openness-filtered count reads every score of the benchmark: it is read once and
    kept until the next refresh (every catalog change refreshes), then read again."""
    first = await services.lookups.leaderboard("GPQA", "open", 5)
    ranked = first.rows[0].model
    async with services.db.transaction():  # behind the catalog's back: no refresh
        await services.db.execute(
            "DELETE FROM license_claims WHERE model_id = (SELECT id FROM models WHERE name = ?)",
            (ranked,),
        )
    kept = await services.lookups.leaderboard("GPQA", "open", 5)
    assert kept.total_models == first.total_models
    await services.lookups.refresh()
    recounted = await services.lookups.leaderboard("GPQA", "open", 5)
    assert recounted.total_models == first.total_models - 1
    assert ranked not in [r.model for r in recounted.rows]
