"""/digest through the stand-in, and scheduled digests posted exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.service import DigestService
from bot.outbox.sender import OutboxSender
from tests.standin import CommandHidden

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Killed(Exception):
    pass


def channel_id(harness, name: str) -> str:
    return harness.standin.channel(name)["id"]


def digests_in(harness, name: str) -> list[dict]:
    return [
        m
        for m in harness.standin.messages[channel_id(harness, name)]
        if m["embeds"] and "AI releases" in m["embeds"][0]["title"]
    ]


async def test_digest_is_for_admins(harness) -> None:
    with pytest.raises(CommandHidden):
        await harness.member.slash("digest list")
    forced = await harness.member.slash(
        "digest set", force=True, channel="digest", frequency="daily", time="09:00", timezone="UTC"
    )
    assert forced.ephemeral and "Manage Server" in forced.text()
    assert await harness.services.digests.store.for_guild(harness.standin.guild["id"]) == []


async def test_bad_input_is_clear(harness) -> None:
    for options, message in (
        ({"time": "9am", "timezone": "UTC"}, "24-hour"),
        ({"time": "09:00", "timezone": "Mars/Base"}, "IANA"),
        ({"time": "09:00", "timezone": "UTC", "types": "gossip"}, "Unknown type"),
    ):
        resp = await harness.admin.slash(
            "digest set", channel="digest", frequency="daily", **options
        )
        assert resp.ephemeral and message in resp.text()
    off = await harness.admin.slash("digest off", channel="releases")
    assert off.ephemeral and "has no digest" in off.text()


async def test_timezone_autocomplete(harness) -> None:
    choices = await harness.admin.autocomplete(
        "digest set", "timezone", "berl", channel="digest", frequency="daily", time="09:00"
    )
    assert choices[0]["name"] == "Europe/Berlin" and len(choices) <= 25


async def test_set_list_preview_now_off(harness) -> None:
    resp = await harness.admin.slash(
        "digest set",
        channel="digest",
        frequency="weekly",
        day="monday",
        time="09:00",
        timezone="Europe/Berlin",
    )
    assert "every Monday at 09:00 (Europe/Berlin)" in resp.text()
    listing = await harness.admin.slash("digest list")
    assert "every Monday" in listing.text()
    preview = await harness.admin.slash("digest preview", channel="digest")
    assert preview.ephemeral and "This week in AI releases" in preview.text()
    assert digests_in(harness, "digest") == []
    now = await harness.admin.slash("digest now", channel="digest")
    assert "message(s)" in now.text()
    posted = digests_in(harness, "digest")
    assert len(posted) >= 1 and posted[0]["allowed_mentions"] == {"parse": []}
    off = await harness.admin.slash("digest off", channel="digest")
    assert "no more digests" in off.text()
    harness.standin.messages[channel_id(harness, "digest")].clear()


async def test_scheduled_digest_with_a_crash_between_posting_and_recording(harness) -> None:
    guild = harness.standin.guild["id"]
    await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone="America/New_York"
    )
    row = await harness.services.digests.store.for_channel(guild, channel_id(harness, "digest"))
    clock = Clock()
    clock.now = datetime.fromisoformat(row.next_run) + timedelta(seconds=1)  # the slot arrives
    scheduler = DigestService(harness.services.digests.store, harness.services.watch, clock)
    assert await scheduler.run_due() == 1
    watch = harness.services.watch
    crashing = OutboxSender(
        watch.outbox.store, watch.outbox.sender.poster, watch.outbox.render, watch.clock
    )

    async def die(_row) -> None:
        raise Killed

    crashing.after_post = die
    async with watch.outbox.sender._lock:
        with pytest.raises(ExceptionGroup):
            await crashing.drain()
    await watch.drain()
    assert len(digests_in(harness, "digest")) == 1  # posted, crashed, re-sent with its nonce: once
    assert await scheduler.run_due() == 0
    clock.now += timedelta(days=1)
    assert await scheduler.run_due() == 1
    await watch.drain()
    assert len(digests_in(harness, "digest")) == 2
    await harness.admin.slash("digest off", channel="digest")
    harness.standin.messages[channel_id(harness, "digest")].clear()


async def daily_digests_two_days_on(harness, *names: str) -> tuple[Clock, DigestService]:
    """Daily digests for the named channels, and a scheduler whose clock is two days on."""
    for name in names:
        await harness.admin.slash(
            "digest set", channel=name, frequency="daily", time="09:00", timezone="UTC"
        )
    clock = Clock()
    clock.now += timedelta(days=2)
    return clock, DigestService(harness.services.digests.store, harness.services.watch, clock)


async def test_a_closed_channel_pauses_its_digest_tells_admins_and_resumes(harness) -> None:
    standin = harness.standin
    watch = harness.services.watch
    # Earlier tests' digests for the channel stay in the outbox (sent or dropped): not ours.
    (start,) = await watch.store.db.fetchrow("SELECT COALESCE(MAX(id), 0) FROM outbox")
    # set from #general: that is where the admins hear of trouble
    clock, scheduler = await daily_digests_two_days_on(harness, "releases", "general")
    closed = channel_id(harness, "releases")
    standin.forbidden_channels.add(closed)
    assert await scheduler.run_due() == 2
    await watch.drain()
    await watch.drain()  # the notice goes out on the next round
    assert digests_in(harness, "releases") == []
    assert len(digests_in(harness, "general")) == 1  # the other channel is not held up
    notices = [
        m
        for m in standin.messages[channel_id(harness, "general")]
        if m["embeds"][0]["title"] == "Digests paused"
    ]
    assert len(notices) == 1 and f"<#{closed}>" in notices[0]["embeds"][0]["description"]
    listing = await harness.admin.slash("digest list")
    assert "paused" in listing.text() and "missing permission" in listing.text()
    # paused: later slots are not built, and nothing is dropped
    clock.now += timedelta(days=1)
    assert await scheduler.run_due() == 1  # only #general
    held = await watch.store.db.fetchall(
        "SELECT status FROM outbox WHERE kind = 'digest' AND channel_id = ? AND id > ?",
        (closed, start),
    )
    assert [r["status"] for r in held] == ["held"]
    # the admins fix the permission and set the digest again: the held digest follows, once
    standin.forbidden_channels.clear()
    resumed = await harness.admin.slash(
        "digest set", channel="releases", frequency="daily", time="09:00", timezone="UTC"
    )
    assert "1 held digest(s) follow" in resumed.text()
    await watch.drain()
    assert len(digests_in(harness, "releases")) == 1
    for name in ("releases", "general"):
        await harness.admin.slash("digest off", channel=name)
    standin.messages[channel_id(harness, "general")].clear()
    standin.messages[closed].clear()


async def test_digest_off_drops_what_a_paused_digest_held(harness) -> None:
    standin = harness.standin
    watch = harness.services.watch
    (start,) = await watch.store.db.fetchrow("SELECT COALESCE(MAX(id), 0) FROM outbox")
    _, scheduler = await daily_digests_two_days_on(harness, "releases")
    gone = channel_id(harness, "releases")
    standin.deleted_channels.add(gone)
    assert await scheduler.run_due() == 1
    await watch.drain()
    off = await harness.admin.slash("digest off", channel="releases")
    assert "no more digests" in off.text()
    rows = await watch.store.db.fetchall(
        "SELECT status FROM outbox"
        " WHERE kind = 'digest' AND channel_id = ? AND status != 'sent' AND id > ?",
        (gone, start),
    )
    assert rows and all(r["status"] == "dropped" for r in rows)
    standin.deleted_channels.clear()
    await watch.drain()
    assert digests_in(harness, "releases") == []


async def test_no_unknown_routes(harness) -> None:
    assert harness.standin.unknown_routes == []
    assert harness.standin.validation_errors == []


@pytest.mark.parametrize(
    ("zone", "before_dst", "after_dst"),
    [
        # (zone, a moment before its transition, the local day after it)
        ("Europe/Berlin", datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "2026-03-30"),
        ("America/New_York", datetime(2026, 10, 31, 12, 0, tzinfo=UTC), "2026-11-02"),
        ("Asia/Kolkata", datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "2026-03-30"),
    ],
)
async def test_schedules_fire_at_local_nine_across_dst(
    harness, zone, before_dst, after_dst
) -> None:
    """Daily 09:00 in three zones, through a DST change: one digest per local day, each at
    09:00 local, posted through the stand-in."""
    from zoneinfo import ZoneInfo

    guild = harness.standin.guild["id"]
    channel = channel_id(harness, "digest")
    clock = Clock()
    clock.now = before_dst
    scheduler = DigestService(harness.services.digests.store, harness.services.watch, clock)
    from bot.digest.schedule import parse_schedule
    from bot.watch.filters import Filters

    await scheduler.set(
        guild, channel, parse_schedule("daily", "09:00", zone), Filters(), "line", "1"
    )
    fired_at = []
    for _ in range(3 * 24 * 4):  # three days in 15-minute steps
        clock.now += timedelta(minutes=15)
        if await scheduler.run_due():
            fired_at.append(clock.now.astimezone(ZoneInfo(zone)))
    await harness.services.watch.drain()
    assert len(fired_at) == 3
    assert all(moment.hour == 9 and moment.minute < 15 for moment in fired_at), fired_at
    assert len({moment.date() for moment in fired_at}) == 3
    assert after_dst in {moment.date().isoformat() for moment in fired_at}
    assert len(digests_in(harness, "digest")) == 3
    await harness.admin.slash("digest off", channel="digest")
    harness.standin.messages[channel].clear()
