"""Two guilds on one bot: no id one guild gives reaches the other guild's data.

Guild B has a subscription with queued and held alerts, a digest with a held digest, and a
curator change. Guild A's admin and owner try every command that takes an id (or a channel)
from the user, and the autocomplete that offers ids: B's data stays exactly as it was and A
is told there is no such thing here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import CuratorConfig, WatchConfig
from bot.core.errors import UserError
from bot.digest.schedule import parse_schedule
from bot.watch.filters import Filters
from tests.conftest import NO_FEEDS, copied_store
from tests.e2e.conftest import Harness, running_bot
from tests.standin import DiscordUser, StandIn

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class TwoGuilds:
    a: Harness  # the first guild's users: admin, member, owner (the bot's owner)
    admin_b: DiscordUser
    owner_b: DiscordUser  # a curator, in guild B


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def guilds(
    bundled_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[TwoGuilds]:
    standin = StandIn()
    standin.add_guild("b")
    await standin.start()
    curator_b = int(standin.member("owner-b")["user"]["id"])
    try:
        async with (
            copied_store(bundled_db, tmp_path_factory.mktemp("guilds")) as db,
            running_bot(
                standin,
                db,
                # No watch loop: queued alerts stay queued, so any change to them is the commands'.
                watch=WatchConfig(enabled=False, feeds_file=NO_FEEDS, tick_seconds=0.1),
                curators=CuratorConfig(users=frozenset({curator_b})),
            ) as harness,
        ):
            yield TwoGuilds(
                harness, DiscordUser(standin, "admin-b"), DiscordUser(standin, "owner-b")
            )
    finally:
        await standin.stop()


def guild_id(user: DiscordUser) -> str:
    return user.guild["id"]


async def guild_data(harness: Harness, guild: str) -> dict[str, list[dict[str, Any]]]:
    """Everything stored for one guild: subscriptions, their and its channels' outbox rows,
    digest schedules, and the curator changes made there."""
    db = harness.services.db
    channels = [c["id"] for g in harness.standin.guilds if g["id"] == guild for c in g["channels"]]
    marks = ",".join("?" * len(channels))
    queries = {
        "subscriptions": ("SELECT * FROM subscriptions WHERE guild_id = ?", (guild,)),
        "outbox": (
            "SELECT * FROM outbox WHERE subscription_id IN"
            f" (SELECT id FROM subscriptions WHERE guild_id = ?) OR channel_id IN ({marks})",
            (guild, *channels),
        ),
        "digests": ("SELECT * FROM digest_schedules WHERE guild_id = ?", (guild,)),
        "audit": ("SELECT * FROM audit_log WHERE guild_id = ?", (guild,)),
    }
    return {
        name: [dict(r) for r in await db.fetchall(sql + " ORDER BY id", params)]
        for name, (sql, params) in queries.items()
    }


async def set_up_guild_b(g: TwoGuilds, tag: str) -> tuple[int, int]:
    """B's subscription (a queued and a held alert, keys `<tag>-queued`, `<tag>-held`),
    digest (a held digest, `<tag>-digest`) and curator change (the alias `Alias <tag>`);
    returns (subscription id, change id)."""
    harness = g.a
    store = harness.services.outbox.store
    added = await g.admin_b.slash("watch add", channel="releases-b", keywords=tag)
    assert "Release alerts on" in added.text(), added.text()
    sub_id = int(added.text().split("**")[1])
    releases_b = harness.standin.channel("releases-b")["id"]
    digest_b = harness.standin.channel("digest-b")["id"]
    now = "2026-01-01T00:00:00Z"
    async with store.transaction():
        await store.enqueue(f"{tag}-queued", "alert", releases_b, now, subscription_id=sub_id)
        await store.enqueue(
            f"{tag}-held", "alert", releases_b, now, subscription_id=sub_id, status="held"
        )
    scheduled = await g.admin_b.slash(
        "digest set", channel="digest-b", frequency="daily", time="09:00", timezone="UTC"
    )
    assert "Digest scheduled" in scheduled.text(), scheduled.text()
    async with store.transaction():  # as if the digest's channel had failed since
        await store.enqueue(f"{tag}-digest", "digest", digest_b, now, payload={}, status="held")
    change = await g.owner_b.slash("admin alias add", model="GPT-4o", alias=f"Alias {tag}")
    assert "Saved" in change.text(), change.text()
    return sub_id, int(change.text().split("**")[1])


async def test_no_id_from_guild_a_reaches_guild_b(guilds: TwoGuilds) -> None:
    harness = guilds.a
    sub_b, change_b = await set_up_guild_b(guilds, "crossed")
    before = await guild_data(harness, guild_id(guilds.admin_b))
    assert {"crossed-queued", "crossed-held", "crossed-digest"} <= {
        r["dedupe_key"] for r in before["outbox"]
    }
    assert before["digests"]

    attempts = {
        ("watch remove", harness.admin): ({"id": sub_b}, f"no subscription {sub_b}"),
        ("watch resume", harness.admin): ({"id": sub_b}, f"no subscription {sub_b}"),
        # discord.py already refuses another guild's channel as an option value.
        ("digest off", harness.admin): ({"channel": "digest-b"}, "not valid for this option"),
        ("admin undo", harness.owner): ({"change_id": change_b}, f"no change {change_b}"),
    }
    for (command, user), (options, refusal) in attempts.items():
        resp = await user.slash(command, **options)
        assert resp.ephemeral and refusal in resp.text(), (command, resp.text())

    # Past that check, the service refuses it too: the store names the guild.
    with pytest.raises(UserError, match="has no digest"):
        await harness.services.digests.off(
            guild_id(harness.admin), harness.standin.channel("digest-b")["id"]
        )
    assert await guild_data(harness, guild_id(guilds.admin_b)) == before
    assert before["audit"] and harness.services.lookups.models.exact("Alias crossed") is not None

    # What guild A is offered or shown never names guild B's ids.
    for command in ("watch remove", "watch resume"):
        offered = await harness.admin.autocomplete(command, "id", "")
        assert sub_b not in [c["value"] for c in offered], offered
        assert sub_b in [c["value"] for c in await guilds.admin_b.autocomplete(command, "id", "")]
    history = await harness.owner.slash("admin history")
    assert "Alias crossed" not in history.text()
    assert "Alias crossed" in (await guilds.owner_b.slash("admin history")).text()
    await guilds.admin_b.slash("digest off", channel="digest-b")
    await guilds.a.services.watch.unsubscribe(guild_id(guilds.admin_b), sub_b)


async def test_each_guild_still_manages_its_own(guilds: TwoGuilds) -> None:
    harness = guilds.a
    sub_b, change_b = await set_up_guild_b(guilds, "own")
    resumed = await guilds.admin_b.slash("watch resume", id=sub_b)
    assert "1 held alert(s)" in resumed.text(), resumed.text()
    removed = await guilds.admin_b.slash("watch remove", id=sub_b)
    assert "Subscription removed" in removed.text()
    assert await statuses(harness, "own") == {
        "own-queued": "dropped",
        "own-held": "dropped",
        "own-digest": "held",
    }
    off = await guilds.admin_b.slash("digest off", channel="digest-b")
    assert "no more digests" in off.text()
    assert (await statuses(harness, "own"))["own-digest"] == "dropped"
    undone = await guilds.owner_b.slash("admin undo", change_id=change_b)
    assert "undid change" in undone.text(), undone.text()
    assert harness.services.lookups.models.exact("Alias own") is None


async def statuses(harness: Harness, tag: str) -> dict[str, str]:
    rows = await harness.services.db.fetchall(
        "SELECT dedupe_key, status FROM outbox WHERE dedupe_key LIKE ?", (f"{tag}-%",)
    )
    return {r["dedupe_key"]: r["status"] for r in rows}


async def test_bad_ids_change_nothing(guilds: TwoGuilds) -> None:
    harness = guilds.a
    sub_b, _ = await set_up_guild_b(guilds, "bad")
    before = await guild_data(harness, guild_id(guilds.admin_b))
    for command, options, refusal in (
        ("watch remove", {"id": 0}, "no subscription 0"),
        ("watch resume", {"id": -5}, "no subscription -5"),
        ("admin undo", {"change_id": 10**12}, "no change"),
    ):
        resp = await guilds.owner_b.slash(command, **options)
        assert resp.ephemeral and refusal in resp.text(), (command, resp.text())
    assert await guild_data(harness, guild_id(guilds.admin_b)) == before
    await guilds.admin_b.slash("digest off", channel="digest-b")
    await harness.services.watch.unsubscribe(guild_id(guilds.admin_b), sub_b)


async def test_digest_set_cannot_take_over_another_guilds_channel(guilds: TwoGuilds) -> None:
    # discord.py refuses another guild's channel as an option value; the service and the store
    # refuse it too, so guild B's schedule and its held digest stay exactly as they were.
    harness = guilds.a
    sub_b, _ = await set_up_guild_b(guilds, "takeover")
    before = await guild_data(harness, guild_id(guilds.admin_b))
    with pytest.raises(UserError, match="belongs to another server"):
        await harness.services.digests.set(
            guild_id(harness.admin),
            harness.standin.channel("digest-b")["id"],
            parse_schedule("weekly", "03:00", "UTC", day="fri"),
            Filters(),
            "skip",
            harness.admin.id,
            notify_channel_id=harness.standin.channel("releases")["id"],
        )
    assert await guild_data(harness, guild_id(guilds.admin_b)) == before
    assert (await statuses(harness, "takeover"))["takeover-digest"] == "held"
    await guilds.admin_b.slash("digest off", channel="digest-b")
    await harness.services.watch.unsubscribe(guild_id(guilds.admin_b), sub_b)
