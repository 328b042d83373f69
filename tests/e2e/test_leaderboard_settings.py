"""/leaderboard's evaluation setting and openness marks through real discord.py and the stand-in."""

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_leaderboard_setting_option_ranks_that_setting_only(harness) -> None:
    board = await harness.member.slash(
        "leaderboard", benchmark="AIME 2024", setting="cons@64", limit=5
    )
    text = board.text()
    assert "Leaderboard: AIME 2024 · cons@64" in text
    assert "1. **" in text and "(cons@64)" in text
    refused = await harness.member.slash("leaderboard", benchmark="AIME 2024", setting="loudly")
    assert "Unknown setting 'loudly'" in refused.text()


async def test_disputed_openness_is_marked_through_discord(harness) -> None:
    board = await harness.member.slash("leaderboard", benchmark="MMMU", openness="open", limit=3)
    assert "filter: open weights (any terms)" in board.text()
    assert "⚠ openness disputed" in board.text()
