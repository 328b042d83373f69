"""The leader lease over one store shared by two processes (two connections to one SQLite
file, each its own writer), and the leadership loop that renews it and steps down in time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, parse_config
from bot.core.clock import iso
from bot.core.leadership import Leadership
from bot.store import Database
from bot.store.leases import LEADER, LeaseStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return iso(T0 + timedelta(seconds=seconds))


@pytest.fixture
def two_stores(two_databases):
    first, second = two_databases
    return LeaseStore(first), LeaseStore(second)


async def test_the_first_takes_the_lease_and_renews_it_the_second_is_refused(two_stores):
    a, b = two_stores
    assert await a.acquire(LEADER, "a", at(0), at(20))
    assert not await b.acquire(LEADER, "b", at(1), at(21))
    assert await a.acquire(LEADER, "a", at(5), at(25))  # a renewal
    assert not await b.acquire(LEADER, "b", at(24), at(44))  # still a's, renewed to 25
    held = await b.holder(LEADER, at(24))
    assert held is not None and (held.holder, held.expires_at) == ("a", at(25))


async def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew_it(two_stores):
    a, b = two_stores
    assert await a.acquire(LEADER, "a", at(0), at(20))
    assert await b.holder(LEADER, at(20)) is None  # ran out: nobody leads
    assert await b.acquire(LEADER, "b", at(20), at(40))
    # The old holder comes back (it was paused, not dead): it must not lead beside b.
    assert not await a.acquire(LEADER, "a", at(21), at(41))
    assert (await a.holder(LEADER, at(21))).holder == "b"


async def test_never_two_holders_when_both_try_at_once(two_stores):
    a, b = two_stores
    for round_ in range(10):  # each round the lease has just run out for both
        now, until = at(round_ * 30), at(round_ * 30 + 20)
        won = await asyncio.gather(
            a.acquire(LEADER, "a", now, until), b.acquire(LEADER, "b", now, until)
        )
        assert sorted(won) == [False, True], won


async def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(two_stores):
    a, b = two_stores
    assert await a.acquire(LEADER, "a", at(0), at(20))
    assert not await b.release(LEADER, "b")  # not b's: kept
    assert (await b.holder(LEADER, at(1))).holder == "a"
    assert await a.release(LEADER, "a")
    assert await b.acquire(LEADER, "b", at(1), at(21))


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class SlowStore(LeaseStore):
    """A store whose renewals hang (a locked or unreachable database) once `hang` is set."""

    hang = False

    async def acquire(self, name: str, holder: str, now: str, until: str) -> bool:
        if self.hang:
            await asyncio.sleep(3600)
        return await super().acquire(name, holder, now, until)


async def test_the_loop_gains_leadership_and_a_follower_takes_over_after_it_stops(two_stores):
    a, b = two_stores
    clock = FakeClock()
    first = Leadership(a, "a", clock, lease_seconds=20, renew_seconds=5)
    second = Leadership(b, "b", clock, lease_seconds=20, renew_seconds=5)
    seen: list[tuple[str, bool]] = []

    async def note(leader: bool, name: str = "b") -> None:
        seen.append((name, leader))

    second.on_change(note)
    assert await first.step() and first.is_leader and first.leading.is_set()
    assert not await second.step()
    assert await second.leader() == "a"
    clock.now += timedelta(seconds=21)  # a died without a word: its lease runs out
    assert await second.step()
    assert seen == [("b", True)]
    assert not await first.step()  # a wakes: refused, and stops leading at once
    assert not first.is_leader and not first.leading.is_set()


async def test_a_leader_whose_renewal_hangs_steps_down_before_its_lease_runs_out(tmp_path):
    db = await Database.open(tmp_path / "shared.db")
    try:
        store = SlowStore(db)
        leadership = Leadership(store, "a", FakeClock(), lease_seconds=2, renew_seconds=0.5)
        assert await leadership.step()
        store.hang = True
        started = asyncio.get_running_loop().time()
        assert not await leadership.step()
        took = asyncio.get_running_loop().time() - started
        # Stepped down by lease - renew after the last renewal, before the lease (2 s) ends.
        assert not leadership.is_leader and took < 2.0
    finally:
        await db.close()


async def test_a_renewal_that_fails_loses_leadership_at_once(tmp_path):
    db = await Database.open(tmp_path / "shared.db")
    leadership = Leadership(LeaseStore(db), "a", FakeClock())
    assert await leadership.step()
    await db.close()  # every statement fails from now on
    assert not await leadership.step()
    assert not leadership.is_leader


async def test_run_resigns_on_stop_so_another_takes_over_at_once(two_stores):
    a, b = two_stores
    clock = FakeClock()
    first = Leadership(a, "a", clock, lease_seconds=20, renew_seconds=5)
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(stop))
    await asyncio.wait_for(first.leading.wait(), 10)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert not first.is_leader
    assert await Leadership(b, "b", clock).step()  # no wait for the lease to run out


@pytest.mark.parametrize(
    ("scale", "key"),
    [
        ({"lease_seconds": 0}, "scale.lease_seconds"),
        ({"lease_seconds": "20"}, "scale.lease_seconds"),
        ({"lease_seconds": 10, "lease_renew_seconds": 6}, "scale.lease_renew_seconds"),
        ({"process_name": "a b"}, "scale.process_name"),
        ({"process_name": ""}, "scale.process_name"),
        ({"claim_seconds": 1}, "scale.claim_seconds"),
        ({"catalog_poll_seconds": -1}, "scale.catalog_poll_seconds"),
        ({"lease_second": 20}, "scale.lease_second"),
        ({"enabled": "yes"}, "scale.enabled"),
    ],
)
def test_a_bad_scale_setting_fails_start_up_naming_its_key(scale, key):
    with pytest.raises(ConfigError, match=f"'{key}'"):
        parse_config({"scale": scale})


def test_the_scale_defaults():
    scale = parse_config({}).scale
    assert (scale.enabled, scale.lease_seconds, scale.lease_renew_seconds) == (False, 20, 5)
    assert scale.process_name is None  # hostname-pid
    named = parse_config({"scale": {"process_name": "bot-1", "lease_seconds": 30}}).scale
    assert (named.process_name, named.lease_seconds) == ("bot-1", 30)
