"""/admin merge and /admin split through the stand-in: curators only, audited, undone exactly."""

from __future__ import annotations

import json

import pytest

from bot.importers.common import parse_date
from tests.conftest import DATA

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Every table a merge or split may touch, compared whole before and after.
TABLES = (
    "models",
    "model_aliases",
    "model_claims",
    "license_claims",
    "scores",
    "events",
    "entry_models",
)


async def catalog_state(harness) -> dict[str, list[tuple]]:
    db = harness.services.db
    return {
        t: [tuple(r) for r in await db.fetchall(f"SELECT rowid, * FROM {t} ORDER BY rowid")]
        for t in TABLES
    }


async def audit_count(harness) -> int:
    return (await harness.services.db.fetchrow("SELECT COUNT(*) FROM audit_log"))[0]


def change_id(response) -> int:
    return int(response.text().split("**")[1])


def llmstats(name: str) -> dict:
    return json.loads((DATA / "llmstats/models/openai" / name / "model.json").read_text("utf-8"))


async def test_non_curators_are_refused_and_nothing_changes(harness) -> None:
    before = await catalog_state(harness)
    merge = await harness.member.slash(
        "admin merge", force=True, model="GPT-4o (2024-05-13)", duplicate="GPT-4o (2024-08-06)"
    )
    assert "curators" in merge.text()
    admin = await harness.admin.slash("admin split", model="GPT-4o", record="gpt-4o-2024-08-06")
    assert "curators" in admin.text()
    assert await catalog_state(harness) == before


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        (
            "admin merge",
            {"model": "GPT-4o", "duplicate": "Radar No Such Model"},
            "No model is named",
        ),
        (
            "admin merge",
            {"model": "Radar No Such Model", "duplicate": "GPT-4o"},
            "No model is named",
        ),
        ("admin merge", {"model": "GPT-4o", "duplicate": "GPT 4o"}, "already one record"),
        (
            "admin split",
            {"model": "Radar No Such Model", "record": "x-2024-01-01"},
            "No model is named",
        ),
        (
            "admin split",
            {"model": "GPT-4o", "record": "radar-unknown-2024-01-01"},
            "Nothing of GPT-4o",
        ),
        ("admin split", {"model": "GPT-4o", "record": "gpt-4o"}, "carries no date"),
        ("admin split", {"model": "GPT-4o", "record": "x", "date": "soon"}, "is not a date"),
        ("admin split", {"model": "GPT-4o", "record": "gpt-4o-2024-08-06"}, "already exists"),
    ],
)
async def test_bad_merges_and_splits_are_refused_with_nothing_changed(
    harness, command, options, message
) -> None:
    before, audited = await catalog_state(harness), await audit_count(harness)
    refused = await harness.owner.slash(command, **options)
    assert message in refused.text(), refused.text()
    assert await catalog_state(harness) == before
    assert await audit_count(harness) == audited


async def test_merge_moves_everything_keeps_the_name_and_undo_restores_exactly(harness) -> None:
    before = await catalog_state(harness)
    done = await harness.owner.slash(
        "admin merge", model="Llama 3.1 405B Instruct", duplicate="Llama 3.1-405B"
    )
    assert "merged Llama 3.1-405B into Llama 3.1 405B Instruct" in done.text(), done.text()
    shown = await harness.member.slash("model", name="Llama 3.1-405B")
    text = shown.text()
    assert (
        text.startswith("Llama 3.1 405B Instruct")
        or "Llama 3.1 405B Instruct" in text.split("\n")[0]
    )
    assert "Llama 3.1-405B" in text  # an alias now
    assert "Epoch AI" in text and "LLM Stats" in text
    history = await harness.owner.slash("admin history", model="Llama 3.1 405B Instruct")
    assert "model merge" in history.text() or "merged Llama 3.1-405B" in history.text()
    undone = await harness.owner.slash("admin undo", change_id=change_id(done))
    assert "undid change" in undone.text(), undone.text()
    assert await catalog_state(harness) == before
    assert harness.services.lookups.models.exact("Llama 3.1-405B").name == "Llama 3.1-405B"


async def test_a_wrong_merge_is_split_back_and_both_undo_exactly(harness) -> None:
    """Merge two GPT-4o snapshots (a wrong merge), split the August one back out by its LLM
    Stats id, then undo the split and the merge: each step restores the state before it."""
    original = await catalog_state(harness)
    merged = await harness.owner.slash(
        "admin merge", model="GPT-4o (2024-05-13)", duplicate="GPT-4o (2024-08-06)"
    )
    assert "merged" in merged.text(), merged.text()
    wrong = await harness.member.slash("model", name="GPT-4o (2024-05-13)")
    assert "sources disagree" in wrong.text()  # the two snapshots' facts, set against each other
    after_merge = await catalog_state(harness)

    split = await harness.owner.slash(
        "admin split", model="GPT-4o (2024-05-13)", record="gpt-4o-2024-08-06"
    )
    assert "split GPT-4o (2024-08-06) out of GPT-4o (2024-05-13)" in split.text(), split.text()
    august = await harness.services.lookups.model("gpt-4o-2024-08-06")
    assert august.name == "GPT-4o (2024-08-06)" and august.snapshot_of == "GPT-4o"
    output = {c.value for g in august.facts if g.field == "output_context" for c in g.claims}
    assert output == {str(llmstats("gpt-4o-2024-08-06")["output_context_size"])}
    may = await harness.services.lookups.model("gpt-4o-2024-05-13")
    output = {c.value for g in may.facts if g.field == "output_context" for c in g.claims}
    assert output == {str(llmstats("gpt-4o-2024-05-13")["output_context_size"])}
    assert parse_date(august.snapshot) == "2024-08-06"

    blocked = await harness.owner.slash("admin undo", change_id=change_id(merged))
    assert "depend on change" in blocked.text()
    await harness.owner.slash("admin undo", change_id=change_id(split))
    assert await catalog_state(harness) == after_merge
    await harness.owner.slash("admin undo", change_id=change_id(merged))
    assert await catalog_state(harness) == original
