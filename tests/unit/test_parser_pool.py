"""Feed parsing in worker processes: a dead worker is replaced, a job that kills it fails alone."""

import asyncio
import os
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from bot.app import open_services
from bot.config import WatchConfig
from bot.store.watch import SourceDef
from bot.watch.parser_pool import ParserDied, ParserPool, ThreadParser
from tests.conftest import NO_FEEDS, make_config
from tests.feed_server import feed_server, rss, slow_feed


def pid() -> int:
    return os.getpid()


def die_now() -> None:
    os._exit(1)


def die_soon() -> int:
    """Answer, then die while idle (as when the out-of-memory killer picks the process)."""
    threading.Timer(0.1, os._exit, (1,)).start()
    return os.getpid()


def hang(pid_file: str) -> None:
    """Note the worker's pid, then never finish (as a parser stuck on a pathological feed)."""
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(3600)


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # no such file, or the process vanished while it was read
        return True
    return "State:\tZ" in state  # killed, not yet reaped


@pytest.fixture
def pool():
    pool = ParserPool(1)
    yield pool
    pool.shutdown()


async def test_jobs_run_in_another_process(pool) -> None:
    assert await pool.run(pid) != os.getpid()


async def test_a_worker_that_died_while_idle_is_replaced_without_failing_the_next_job(
    pool,
) -> None:
    first = await pool.run(die_soon)
    await asyncio.sleep(0.5)
    second = await pool.run(pid)
    assert second != first


async def test_a_job_that_kills_its_worker_fails_alone(pool) -> None:
    with pytest.raises(ParserDied, match="stopped while reading this feed"):
        await pool.run(die_now)
    assert await pool.run(pid) != os.getpid()  # the next job runs on fresh workers


async def test_a_parse_that_never_ends_is_stopped_and_its_worker_killed(tmp_path) -> None:
    pool = ParserPool(1, timeout=60)
    try:
        # The worker starts (and warms up) under a generous limit before the hanging job is
        # timed: under load a cold start alone outlasts 2 s (seen at a load average of 10).
        await pool.run(pid)
        pool.timeout = 2
        pid_file = tmp_path / "pid"
        started = time.monotonic()
        with pytest.raises(ParserDied, match=r"longer than 2 s"):
            await pool.run(partial(hang, str(pid_file)))
        assert time.monotonic() - started < 10
        stuck = int(pid_file.read_text())
        for _ in range(50):
            if gone(stuck):
                break
            await asyncio.sleep(0.1)
        assert gone(stuck)
        pool.timeout = 60  # the fresh worker's cold start, too, may take more than 2 s
        assert await pool.run(pid) not in (stuck, os.getpid())  # fresh workers take over
    finally:
        pool.shutdown()


async def test_polling_goes_on_after_the_parser_process_died(services) -> None:
    watch = services.watch
    assert watch.poller.parser is not None  # as the bot runs: parsing in worker processes
    await watch.poller.parser.run(die_soon)
    await asyncio.sleep(0.5)
    async with feed_server() as server:
        url = server.serve("/f.xml", rss([{"title": "Gemma 4", "link": "https://g.example/4"}]))
        await watch.store.add_source(SourceDef("g", "G", url, "rss", None, 30), "test")
        outcome = await watch.poller.poll_key("g")
    assert outcome.ok and outcome.new == 1


async def test_a_thread_parser_gives_up_at_the_time_limit_and_goes_on() -> None:
    parser = ThreadParser(timeout=0.3)
    with pytest.raises(ParserDied, match=r"longer than 0\.3 s"):
        await parser.run(partial(time.sleep, 3600))  # a daemon thread, gone with the tests
    assert await parser.run(threading.get_ident) != threading.get_ident()


async def test_parsing_in_the_event_loop_has_the_time_limit_too(db_path) -> None:
    """`parse_workers: 0` gives up on a feed that parses too long, as the pool does; the
    other feeds of the poll are read as usual."""
    watch_config = WatchConfig(
        feeds_file=NO_FEEDS, parse_workers=0, parse_timeout=0.3, allow_private_feed_hosts=True
    )
    async with open_services(make_config(db_path, watch=watch_config)) as services:
        watch = services.watch
        async with feed_server() as server:
            slow = server.serve("/slow.xml", slow_feed())
            fine = server.serve("/fine.xml", rss([{"title": "Gemma 4", "link": "https://g/4"}]))
            await watch.store.add_source(SourceDef("slow", "Slow", slow, "rss", None, 30), "t")
            await watch.store.add_source(SourceDef("fine", "Fine", fine, "rss", None, 30), "t")
            outcomes = {o.key: o for o in await watch.poller.poll_due()}
    assert not outcomes["slow"].ok
    assert outcomes["slow"].error == "parsing took longer than 0.3 s"
    assert outcomes["fine"].ok and outcomes["fine"].new == 1


async def test_a_thread_parser_caps_its_live_threads_and_refuses_past_the_cap_at_once() -> None:
    """Jobs that never end leave at most `max_threads` threads behind (200 before); past the
    cap a job is refused at once, and once the stuck threads end, jobs run again."""
    parser = ThreadParser(timeout=0.05, max_threads=3)
    stuck = threading.Event()
    errors = []
    for _ in range(20):
        with pytest.raises(ParserDied) as raised:
            await parser.run(stuck.wait)
        errors.append(str(raised.value))
    assert errors[:3] == ["parsing took longer than 0.05 s"] * 3
    assert set(errors[3:]) == {"too many parses still running"}
    assert parser.alive == 3
    assert sum(t.name == "feed-parse" and t.is_alive() for t in threading.enumerate()) >= 3
    stuck.set()
    for _ in range(100):
        if parser.alive == 0:
            break
        await asyncio.sleep(0.05)
    assert parser.alive == 0
    parser.timeout = 30
    assert await parser.run(threading.get_ident) != threading.get_ident()


async def test_a_thread_parser_runs_more_jobs_than_threads_by_waiting_for_one() -> None:
    """Jobs past the cap that are not stuck wait for a thread: ten at once on two threads all
    give their answer, never more than two threads at a time."""
    parser = ThreadParser(timeout=30, max_threads=2)
    running, most = 0, 0
    guard = threading.Lock()

    def job(n: int) -> int:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with guard:
            running -= 1
        return n

    assert await asyncio.gather(*(parser.run(partial(job, n)) for n in range(10))) == list(
        range(10)
    )
    assert most <= 2


async def test_a_thread_parser_refusal_is_that_sources_poll_failure(db_path) -> None:
    """With every parse thread held by hung parses, a poll fails with the reason, recorded on
    its source; the stuck threads counted until they end."""
    watch_config = WatchConfig(
        feeds_file=NO_FEEDS, parse_workers=0, parse_timeout=0.3, allow_private_feed_hosts=True
    )
    stuck = threading.Event()
    async with open_services(make_config(db_path, watch=watch_config)) as services:
        watch = services.watch
        parser = watch.poller.parser
        try:
            while parser.alive < parser.max_threads:
                with pytest.raises(ParserDied):
                    await parser.run(stuck.wait)
            async with feed_server() as server:
                url = server.serve("/f.xml", rss([{"title": "Gemma 4", "link": "https://g/4"}]))
                await watch.store.add_source(SourceDef("f", "F", url, "rss", None, 30), "t")
                outcome = await watch.poller.poll_key("f")
            assert not outcome.ok and outcome.error == "too many parses still running"
            assert (await watch.store.source("f")).last_error == "too many parses still running"
        finally:
            stuck.set()
