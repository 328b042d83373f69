"""/fit through real discord.py and the local Discord stand-in."""

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_fit_answers_with_the_verdict_and_sources(harness) -> None:
    resp = await harness.member.slash("fit", model="Llama 3.1 70B Instruct", gpu="4090")
    assert resp.type == 4 and not resp.ephemeral
    text = resp.text()
    assert "Will Llama 3.1 70B Instruct fit?" in text
    assert "**RTX 4090** (24 GiB): ✗ does not fit" in text
    assert "**H200** (141 GiB): ✓ fits at" in text
    assert "80 layers × 8 KV heads × head size 128" in text
    assert "huggingface.co/meta-llama/Llama-3.1-70B-Instruct" in text
    assert harness.standin.validation_errors == []


async def test_fit_bad_input_is_a_private_message(harness) -> None:
    resp = await harness.member.slash("fit", model="Llama 3.1 8B Instruct", gpu="rtx 4099")
    assert resp.ephemeral
    assert "Unknown GPU 'rtx 4099'" in resp.text() and "RTX 4090" in resp.text()
    none = await harness.member.slash("fit", model="GPT-4o")
    assert none.ephemeral and "No parameter count known" in none.text()


async def test_leaderboard_fits_through_discord(harness) -> None:
    resp = await harness.member.slash("leaderboard", benchmark="MMLU", fits="24GB")
    assert resp.type == 4 and not resp.ephemeral
    assert "Only models whose weights fit in 24 GiB" in resp.text()
    assert "Llama 3.1 405B" not in resp.text()
    bad = await harness.member.slash("leaderboard", benchmark="MMLU", fits="banana")
    assert bad.ephemeral and "Unknown GPU 'banana'" in bad.text()


def attached_png(resp) -> bytes:
    """The PNG the interaction response uploaded, as the stand-in received it (multipart)."""
    message = resp.message
    assert [a["filename"] for a in message["attachments"]] == ["chart.png"]
    (part,) = message["_files"]
    assert part["name"] == "files[0]" and part["filename"] == "chart.png"
    assert part["data"][:8] == b"\x89PNG\r\n\x1a\n"
    return part["data"]


async def test_compare_and_leaderboard_attach_a_chart_beside_the_text(harness) -> None:
    resp = await harness.member.slash(
        "compare", model1="Llama 3.1 70B Instruct", model2="Qwen2.5 72B Instruct"
    )
    assert resp.type == 4 and "higher is better" in resp.text()  # the text answer stays
    assert len(attached_png(resp)) < harness.standin.attachment_size_limit
    board = await harness.member.slash("leaderboard", benchmark="MMLU", limit=25)
    assert "1. **" in board.text()
    attached_png(board)
    assert harness.standin.validation_errors == []


async def test_a_chart_over_the_guilds_limit_is_left_out_and_the_text_sent(harness) -> None:
    harness.standin.attachment_size_limit = 2048  # restored by the harness reset (disarm)
    resp = await harness.member.slash("leaderboard", benchmark="MMLU")
    assert resp.type == 4 and not resp.failed and "1. **" in resp.text()
    assert resp.message["attachments"] == []


async def test_charts_off_answers_with_text_only(harness) -> None:
    harness.services.charts.enabled = False
    try:
        resp = await harness.member.slash("leaderboard", benchmark="MMLU")
    finally:
        harness.services.charts.enabled = True
    assert "1. **" in resp.text() and resp.message["attachments"] == []
