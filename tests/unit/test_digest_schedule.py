"""Digest slots in local time zones, across both daylight-saving transitions."""

from datetime import UTC, datetime, time

import pytest

from bot.core.errors import UserError
from bot.digest.schedule import Schedule, parse_schedule


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Berlin", utc(2026, 11, 23, 8, 0)),  # CET, UTC+1
        ("America/New_York", utc(2026, 11, 23, 14, 0)),  # EST, UTC-5
        ("Asia/Kolkata", utc(2026, 11, 23, 3, 30)),  # IST, UTC+5:30
    ],
)
def test_daily_slot_in_three_zones(zone: str, expected: datetime) -> None:
    schedule = Schedule("daily", time(9, 0), zone)
    assert schedule.next_after(utc(2026, 11, 22, 23, 0)) == expected


def test_weekly_monday_morning() -> None:
    schedule = Schedule("weekly", time(9, 0), "Europe/Berlin", weekday=0)
    first = schedule.next_after(utc(2026, 11, 22, 12, 0))  # a Sunday
    assert first == utc(2026, 11, 23, 8, 0)
    assert schedule.next_after(first) == utc(2026, 11, 30, 8, 0)


def slots(schedule: Schedule, start: datetime, count: int) -> list[datetime]:
    out, moment = [], start
    for _ in range(count):
        moment = schedule.next_after(moment)
        out.append(moment)
    return out


def test_spring_forward_neither_skips_nor_doubles() -> None:
    # Europe/Berlin goes from UTC+1 to UTC+2 on 2026-03-29.
    schedule = Schedule("daily", time(9, 0), "Europe/Berlin")
    got = slots(schedule, utc(2026, 3, 27, 12, 0), 3)
    assert got == [utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0), utc(2026, 3, 30, 7, 0)]
    local_days = [s.astimezone(schedule.tz).date().day for s in got]
    assert local_days == [28, 29, 30]


def test_a_slot_inside_the_gap_moves_forward() -> None:
    schedule = Schedule("daily", time(2, 30), "Europe/Berlin")
    got = slots(schedule, utc(2026, 3, 28, 12, 0), 2)
    assert got[0] == utc(2026, 3, 29, 1, 30)  # 03:30 local, just after the gap
    assert got[1] == utc(2026, 3, 30, 0, 30)  # 02:30 local again


def test_fall_back_neither_skips_nor_doubles() -> None:
    # America/New_York goes from UTC-4 to UTC-5 on 2026-11-01; 01:30 happens twice that night.
    schedule = Schedule("daily", time(1, 30), "America/New_York")
    got = slots(schedule, utc(2026, 10, 31, 12, 0), 3)
    assert got == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30), utc(2026, 11, 3, 6, 30)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("hourly", "09:00", "UTC"), "daily or weekly"),
        (("daily", "9am", "UTC"), "24-hour"),
        (("daily", "25:00", "UTC"), "24-hour"),
        (("daily", "09:00", "Mars/Olympus"), "IANA"),
        (("weekly", "09:00", "UTC", "Funday"), "weekday"),
    ],
)
def test_bad_schedules(args, message) -> None:
    with pytest.raises(UserError, match=message):
        parse_schedule(*args)


def test_good_schedule() -> None:
    schedule = parse_schedule("Weekly", "07:05", "America/New_York", "fri")
    assert (schedule.weekday, schedule.at) == (4, time(7, 5))
    assert schedule.describe() == "every Friday at 07:05 (America/New_York)"
