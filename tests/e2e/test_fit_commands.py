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
