"""Curator interactions as a busy real Discord delivers them: two curators' forms open at
once, a double-clicked Confirm, a view left to expire, a long import, a crash inside undo."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import CuratorConfig
from bot.discordbot.cogs import admin as admin_cog
from tests.e2e.conftest import Harness, confirmed, running_bot
from tests.standin import Response, StandIn
from tests.store_faults import allow, refuse

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_harness(module_db: Path) -> AsyncIterator[Harness]:
    """The usual harness, with a second curator: the guild's admin (besides the owner)."""
    standin = StandIn()
    await standin.start()
    admin = int(standin.member("admin")["user"]["id"])
    try:
        async with running_bot(
            standin, module_db, curators=CuratorConfig(users=frozenset({admin}))
        ) as running:
            yield running
    finally:
        await standin.stop()


async def audit_rows(harness: Harness) -> list[dict]:
    rows = await harness.services.db.fetchall("SELECT * FROM audit_log ORDER BY id")
    return [dict(r) for r in rows]


async def edit_form(user, model: str) -> Response:
    opened = await user.slash("admin model edit", name=model)
    assert opened.type == 9, opened.text()
    return opened


# ---- forms ------------------------------------------------------------------------------------


async def test_two_curators_forms_submitted_in_crossed_order_change_their_own_models(
    harness,
) -> None:
    first = await edit_form(harness.owner, "GPT-4o")
    second = await edit_form(harness.admin, "Gemma 4")
    details = "Parameters, context window, link"
    saved_first = await harness.owner.submit_modal(first, {details: "context: 111K"})
    saved_second = await harness.admin.submit_modal(second, {details: "context: 222K"})
    assert "new facts for GPT-4o" in saved_first.text(), saved_first.text()
    assert "new facts for Gemma 4" in saved_second.text(), saved_second.text()
    gpt = (await harness.member.slash("model", name="GPT-4o")).text()
    gemma = (await harness.member.slash("model", name="Gemma 4")).text()
    assert "111K" in gpt and "222K" not in gpt
    assert "222K" in gemma and "111K" not in gemma
    assert first.modal["custom_id"] != second.modal["custom_id"]


async def test_a_form_is_submitted_only_by_the_curator_who_opened_it(harness) -> None:
    opened = await edit_form(harness.owner, "GPT-4o")
    before = await audit_rows(harness)
    crafted = await harness.admin.submit_modal(
        opened, {"Parameters, context window, link": "context: 333K"}
    )
    assert crafted.ephemeral and "curator who opened it" in crafted.text(), crafted.text()
    assert await audit_rows(harness) == before


# ---- Confirm ----------------------------------------------------------------------------------


async def test_double_clicked_confirm_removes_once_and_its_undo_restores(harness) -> None:
    asked = await harness.owner.slash("admin model remove", name="Gemma 4")
    before = await audit_rows(harness)
    clicks = await asyncio.gather(
        harness.owner.click(asked, "Confirm"), harness.owner.click(asked, "Confirm")
    )
    assert not any(c.failed for c in clicks)
    edited = [c for c in clicks if c.type == 7]
    told = [c for c in clicks if c.type == 4]
    assert len(edited) == 1 and len(told) == 1, [c.type for c in clicks]
    assert told[0].ephemeral and "already answered" in told[0].text()
    done = await edited[0].until(lambda r: "…" not in r.text())
    assert done.buttons() and all(b.get("disabled") for b in done.buttons())
    added = (await audit_rows(harness))[len(before) :]
    assert [r["action"] for r in added] == ["model remove"]
    assert f"Change **{added[0]['id']}**" in done.text()
    undone = await harness.owner.slash("admin undo", change_id=added[0]["id"])
    assert "undid change" in undone.text(), undone.text()
    assert harness.services.lookups.models.exact("Gemma 4") is not None


async def test_confirm_on_a_model_removed_meanwhile_changes_nothing(harness) -> None:
    first = await harness.owner.slash("admin model remove", name="Gemma 4 31B")
    second = await harness.admin.slash("admin model remove", name="Gemma 4 31B")
    removed = await confirmed(harness.owner, first)
    assert "Removed" in removed.text()
    before = await audit_rows(harness)
    late = await confirmed(harness.admin, second)
    assert "Nothing changed" in late.text() and "Gemma 4 31B" in late.text(), late.text()
    assert await audit_rows(harness) == before
    change_id = int(removed.text().split("**")[1])
    await harness.owner.slash("admin undo", change_id=change_id)


async def test_an_expired_confirmation_is_disabled(harness, monkeypatch) -> None:
    monkeypatch.setattr(admin_cog, "CONFIRM_TIMEOUT", 0.3)
    before = await audit_rows(harness)
    asked = await harness.owner.slash("admin model remove", name="GPT-4o")
    assert asked.buttons() and not any(b.get("disabled") for b in asked.buttons())
    await asked.until(lambda r: all(b.get("disabled") for b in r.buttons()), timeout=10)
    assert "Expired" in asked.text()
    assert await audit_rows(harness) == before
    assert harness.services.lookups.models.exact("GPT-4o") is not None


async def test_cancel_changes_nothing_and_later_clicks_are_told(harness) -> None:
    asked = await harness.owner.slash("admin model remove", name="GPT-4o")
    cancelled = await harness.owner.click(asked, "Cancel")
    assert "Cancelled" in cancelled.text()
    assert all(b.get("disabled") for b in cancelled.buttons())
    late = await harness.owner.click(asked, "Confirm", force=True)  # already under way
    assert late.ephemeral and "already answered" in late.text()
    assert harness.services.lookups.models.exact("GPT-4o") is not None


# ---- a long import ----------------------------------------------------------------------------

IMPORT_ROWS = 2000  # takes well over Discord's 3-second window to apply on this hardware


def epoch_csv(rows: int, prefix: str = "Radar Bulk") -> bytes:
    lines = ["Model,Organization,Publication date,Parameters,Model accessibility"]
    lines += [
        f"{prefix} {i},Mistral AI,2025-01-{1 + i % 28:02d},{1e9 + i:.1f},Open weights (unrestricted)"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


async def test_a_long_import_is_acknowledged_at_once_and_others_are_answered_meanwhile(
    harness,
) -> None:
    asked = await harness.owner.slash(
        "admin import", file=("bulk.csv", epoch_csv(IMPORT_ROWS)), timeout=120
    )
    assert asked.buttons(), asked.text()
    clicked = await harness.owner.click(asked, "Confirm")
    assert clicked.type == 7 and not clicked.failed  # acknowledged within the window
    assert "Importing" in clicked.text()
    other = await harness.member.slash("model", name="GPT-4o")
    assert other.type == 4 and not other.failed and "GPT-4o" in other.text()
    assert "Importing" in clicked.text(), "the import should still be running"
    done = await clicked.until(lambda r: "…" not in r.text(), timeout=300)
    assert "Imported" in done.text() and "Change **" in done.text(), done.text()
    assert harness.services.lookups.models.exact(f"Radar Bulk {IMPORT_ROWS - 1}") is not None


async def test_write_commands_during_a_long_import_are_acknowledged_then_answered(
    harness,
) -> None:
    """While an import applies (holding the database's write lock), another curator's
    `/watch remove` and `/admin alias add` are acknowledged within Discord's window and
    answered once they could write: before they deferred, they missed the window."""
    added = await harness.admin.slash("watch add", channel="releases")
    assert not added.failed, added.text()
    watch = harness.services.watch
    (sub,) = await watch.store.subscriptions(harness.admin.guild["id"])
    asked = await harness.owner.slash(
        "admin import", file=("bulk.csv", epoch_csv(IMPORT_ROWS, "Radar Meanwhile")), timeout=120
    )
    clicked = await harness.owner.click(asked, "Confirm")
    assert "Importing" in clicked.text()
    standin = harness.standin
    known = set(standin.interactions)
    removing = asyncio.create_task(harness.admin.slash("watch remove", id=sub.id, timeout=300))
    aliasing = asyncio.create_task(
        harness.admin.slash(
            "admin alias add", model="GPT-4o", alias="Radar Meanwhile Alias", timeout=300
        )
    )
    for _ in range(200):  # until both are acknowledged (the stand-in fails them after 3 s)
        new = [i for key, i in standin.interactions.items() if key not in known]
        if len(new) == 2 and all(i.callback_type is not None for i in new):
            break
        await asyncio.sleep(0.05)
    assert [(i.callback_type, i.failed) for i in new] == [(5, False), (5, False)]
    assert "Importing" in clicked.text(), "the import should still be running"
    removed, aliased = await removing, await aliasing
    await removed.until(lambda r: "Subscription removed" in r.text(), timeout=300)
    await aliased.until(lambda r: "Saved" in r.text(), timeout=300)
    done = await clicked.until(lambda r: "…" not in r.text(), timeout=300)
    assert "Imported" in done.text(), done.text()
    assert await watch.store.subscriptions(harness.admin.guild["id"]) == []
    assert harness.services.lookups.models.exact("Radar Meanwhile Alias") is not None
    assert not any(i.failed for i in harness.standin.interactions.values())


# ---- undo is one transaction -------------------------------------------------------------------


async def test_a_crash_between_revert_and_mark_leaves_catalog_and_log_as_they_were(
    harness,
) -> None:
    saved = await harness.owner.slash("admin alias add", model="GPT-4o", alias="Radar Undo Alias")
    change_id = int(saved.text().split("**")[1])
    db = harness.services.db
    before_log = await audit_rows(harness)
    before_counts = await harness.services.catalog.counts()
    await refuse(db, "refuse_mark", "audit_log", "UPDATE OF undone_by", "injected failure")
    try:
        failed = await harness.owner.slash("admin undo", change_id=change_id)
    finally:
        await allow(db, "refuse_mark", "audit_log")
    assert failed.ephemeral and "went wrong" in failed.text(), failed.text()
    assert await audit_rows(harness) == before_log
    assert await harness.services.catalog.counts() == before_counts
    alias = await db.fetchall("SELECT * FROM model_aliases WHERE alias = 'Radar Undo Alias'")
    assert len(alias) == 1
    undone = await harness.owner.slash("admin undo", change_id=change_id)
    assert "undid change" in undone.text(), undone.text()
    assert harness.services.lookups.models.exact("Radar Undo Alias") is None


async def test_a_confirmation_whose_click_fails_gets_a_private_error_answer(harness) -> None:
    """The Cancel callback's answer is refused: the curator is told privately (the view's
    errors go through the same answer as a command's), not "This interaction failed"."""
    asked = await harness.owner.slash("admin model remove", name="GPT-4o")
    harness.standin.fail(r"POST /interactions/\d+/[^/]+/callback", 400, code=50035)
    clicked = await harness.owner.click(asked, "Cancel")
    assert not clicked.failed
    assert clicked.ephemeral and "went wrong on our side" in clicked.text()
    assert harness.services.lookups.models.exact("GPT-4o") is not None
