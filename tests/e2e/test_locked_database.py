"""Commands that write while another process holds the database: each is acknowledged inside
Discord's 3-second window and answers once its write has gone through."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.standin import Response

# SQLite's own lock: another connection's BEGIN IMMEDIATE on the file, the busy timeout.
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.sqlite_only]

# A write waits this long for another writer: far longer than the lock below is held.
HARNESS_CONFIG = {"database_busy_timeout": 60.0}
ANSWER_TIMEOUT = 60.0


async def saved(user, command: str, **options) -> int:
    """Run a curation command and return the change id it reports."""
    resp = await user.slash(command, **options)
    assert "Saved" in resp.text(), resp.text()
    return int(resp.text().split("**")[1])


async def test_every_writing_command_is_acknowledged_while_the_database_is_locked(harness) -> None:
    admin, owner, store = harness.admin, harness.owner, harness.services.watch.store
    for keywords in ("gemma", "qwen"):
        made = await admin.slash("watch add", channel="releases", keywords=keywords)
        assert "Release alerts on" in made.text(), made.text()
    gone, resumed = [row.id for row in await store.subscriptions()][-2:]
    digest = await admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert "Digest scheduled" in digest.text(), digest.text()
    added = await owner.slash(
        "feeds add", key="lockold", name="Old", url="https://old.example/f.xml", kind="rss"
    )
    assert "Feed added" in added.text(), added.text()
    await saved(owner, "admin benchmark add", name="Locked Bench", unit="%", higher_is_better=True)
    await saved(owner, "admin alias add", model="GPT-4o", alias="Locked Old Alias")
    undo_id = await saved(owner, "admin alias add", model="Qwen3.5-Omni", alias="Locked Undo Alias")
    form = await owner.slash("admin model add")
    assert form.type == 9, form.text()

    commands = [
        (admin, "watch remove", {"id": gone}, "Subscription removed"),
        (admin, "watch remove", {"id": 999_999}, "no subscription 999999"),  # bad input
        (admin, "watch resume", {"id": resumed}, "Subscription resumed"),
        (admin, "digest off", {"channel": "digest"}, "Digest off"),
        (
            owner,
            "feeds add",
            {"key": "locknew", "name": "New", "url": "https://new.example/f.xml", "kind": "rss"},
            "Feed added",
        ),
        (owner, "feeds remove", {"key": "lockold"}, "Feed removed"),
        (owner, "admin alias add", {"model": "GPT-4o", "alias": "Locked Alias"}, "Saved"),
        (owner, "admin alias remove", {"model": "GPT-4o", "alias": "Locked Old Alias"}, "Saved"),
        (
            owner,
            "admin score add",
            {"model": "GPT-4o", "benchmark": "Locked Bench", "value": 50.0, "source": "note"},
            "Saved",
        ),
        (
            owner,
            "admin benchmark add",
            {"name": "Locked Bench 2", "unit": "%", "higher_is_better": True},
            "Saved",
        ),
        (
            owner,
            "admin license set",
            {"model": "GPT-4o", "license": "api_only", "source": "Vendor FAQ"},
            "Saved",
        ),
        (owner, "admin undo", {"change_id": undo_id}, "undid change"),
    ]
    before = set(harness.standin.interactions)
    locker = sqlite3.connect(harness.services.config.database, timeout=30, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # another writer holds the database
        tasks = [
            asyncio.create_task(user.slash(command, timeout=ANSWER_TIMEOUT, **options))
            for user, command, options, _ in commands
        ]
        tasks.append(
            asyncio.create_task(
                owner.submit_modal(form, {"Name": "Locked Model"}, timeout=ANSWER_TIMEOUT)
            )
        )
        # Past the window, with the lock still held: all acknowledged, none answered yet.
        await asyncio.sleep(harness.standin.interaction_window + 1.5)
        await harness.standin.expire_unanswered()
        waiting = [i for k, i in harness.standin.interactions.items() if k not in before]
        assert len(waiting) == len(tasks)
        assert [(i.callback_type, i.failed, i.followups) for i in waiting] == [
            (5, False, [])
        ] * len(tasks)
    finally:
        locker.rollback()
        locker.close()
    answers: list[Response] = await asyncio.gather(*tasks)
    for (_, command, _, expected), resp in zip(commands, answers, strict=False):
        assert not resp.failed and resp.ephemeral, command
        assert expected in resp.text(), (command, resp.text())
    assert "Change **" in answers[-1].text(), answers[-1].text()
    # The writes went through once the other writer let go.
    assert [row.id for row in await store.subscriptions()][-1] == resumed
    assert await harness.services.digests.store.for_guild(harness.standin.guild["id"]) == []
    keys = {row.key for row in await store.sources()}
    assert "locknew" in keys and "lockold" not in keys
    models = harness.services.lookups.models
    assert models.exact("Locked Alias") is not None and models.exact("Locked Old Alias") is None
    assert models.exact("Locked Undo Alias") is None and models.exact("Locked Model") is not None
