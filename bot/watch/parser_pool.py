"""Feed parsing in worker processes that are replaced when one dies or hangs.

A process pool whose worker is killed (the out-of-memory killer, a crash in a C extension) is
broken for good: every later job fails at once; and a job that never ends holds its worker,
and the poll waiting for it, forever. Either would stop the release watch until a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from multiprocessing.process import BaseProcess
from typing import Any, Protocol, TypeVar

from bot.watch.parse import warm_up

log = logging.getLogger(__name__)

T = TypeVar("T")


# A feed that takes longer than this to parse is given up on (its worker is killed), so it
# cannot hold up every later poll; real feeds of the 5 MB cap parse in well under a second.
PARSE_TIMEOUT = 60.0
# Parse threads (`parse_workers: 0`) alive at once, counting those given up on at the limit.
MAX_PARSE_THREADS = 4


class ParserDied(Exception):
    """The parser process stopped while running this job (twice in a row), or the job ran
    past the time limit."""


class Parser(Protocol):
    """Runs a parse job within the time limit, raising `ParserDied` past it."""

    timeout: float

    async def run(self, job: Callable[[], T]) -> T: ...

    def shutdown(self) -> None: ...


def make_parser(workers: int, timeout: float = PARSE_TIMEOUT) -> Parser:
    """Worker processes (`workers` > 0), or a thread per job (0): both under the same limit."""
    return ParserPool(workers, timeout) if workers > 0 else ThreadParser(timeout)


class ThreadParser:
    """Parsing without worker processes (`parse_workers: 0`, the command line): each job in
    a thread of its own, given up after the time limit like the pool's. A thread cannot be
    stopped, so a job past the limit runs on unattended (a daemon, gone with the process);
    nothing waits for it.

    At most `max_threads` parse threads are alive at once, counting those given up on: a feed
    that hangs every parse would otherwise leave one more live thread at every poll. A job
    waits for a thread while some are busy with jobs still awaited (they end, or are given up,
    within the time limit); when every thread is held by a parse given up on, it is refused at
    once (`ParserDied`), failing that poll only."""

    def __init__(
        self, timeout: float = PARSE_TIMEOUT, max_threads: int = MAX_PARSE_THREADS
    ) -> None:
        self.timeout = timeout
        self.max_threads = max_threads
        self._alive = 0
        self._abandoned = 0  # of the alive, those given up on
        self._count = threading.Lock()  # the parse threads lower the counts as they end
        self._waiting: list[asyncio.Future[None]] = []

    @property
    def alive(self) -> int:
        """Parse threads still running, whether or not anything waits for them."""
        return self._alive

    async def run(self, job: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        await self._take_thread(loop)
        future: asyncio.Future[T] = loop.create_future()
        state = _ThreadState()
        # Not the loop's default executor: a stuck job would hold one of its few threads,
        # which name lookups need.
        threading.Thread(
            target=_run_into,
            args=(job, loop, future, partial(self._ended, state, loop)),
            name="feed-parse",
            daemon=True,
        ).start()
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            log.warning("a feed took too long to parse; its thread is left to finish")
            with self._count:
                if not state.ended:
                    state.abandoned = True
                    self._abandoned += 1
            self._wake_waiting()  # a waiting job may now have to be refused
            raise ParserDied(f"parsing took longer than {self.timeout:g} s") from None

    async def _take_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        """Count a new parse thread, once one is free; `ParserDied` when all are stuck."""
        while True:
            with self._count:
                if self._alive < self.max_threads:
                    self._alive += 1
                    return
                stuck = self._abandoned >= self.max_threads
            if stuck:
                raise ParserDied("too many parses still running")
            waiter = loop.create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiting:
                    self._waiting.remove(waiter)

    def _ended(self, state: _ThreadState, loop: asyncio.AbstractEventLoop) -> None:
        """In the parse thread, as its job ends."""
        with self._count:
            state.ended = True
            self._alive -= 1
            if state.abandoned:
                self._abandoned -= 1
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
            loop.call_soon_threadsafe(self._wake_waiting)

    def _wake_waiting(self) -> None:
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(None)
        self._waiting.clear()

    def shutdown(self) -> None:
        pass


@dataclass
class _ThreadState:
    ended: bool = False
    abandoned: bool = False


def _run_into(
    job: Callable[[], T],
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[T],
    ended: Callable[[], None],
) -> None:
    """In the parse thread: `job()`'s result or exception into `future`, if still awaited.
    `ended` is called once the job is over, before the result is handed on, so that the next
    job of an awaiting poll never finds this thread still counted."""
    try:
        settle = partial(_settle, future, job(), None)
    except Exception as exc:
        settle = partial(_settle, future, None, exc)
    finally:
        ended()
    with contextlib.suppress(RuntimeError):  # the loop closed while the job ran: nobody waits
        loop.call_soon_threadsafe(settle)


def _settle(future: asyncio.Future[Any], result: object, error: Exception | None) -> None:
    if future.done():  # given up on at the time limit
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class ParserPool:
    """`workers` processes, started on first use (a CLI lookup never starts one); 'forkserver'
    forks them from a clean process, not from the bot and its threads."""

    def __init__(self, workers: int, timeout: float = PARSE_TIMEOUT) -> None:
        self.workers = workers
        self.timeout = timeout
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        # The fork server loads only the parser, not the bot's main module (discord.py and
        # all): workers forked from it start at once and stay small.
        context.set_forkserver_preload([__name__])
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_start_worker
        )

    async def run(self, job: Callable[[], T]) -> T:
        """`job()` in a worker process. If the pool is broken, it is replaced and the job tried
        once more; a job that breaks the fresh pool too, or runs past the time limit, raises
        `ParserDied`."""
        try:
            return await self._run_once(job)
        except BrokenProcessPool:
            pass  # a worker died, maybe over another job: a fresh pool gets one more try
        try:
            return await self._run_once(job)
        except BrokenProcessPool:
            raise ParserDied("the feed parser process stopped while reading this feed") from None

    async def _run_once(self, job: Callable[[], T]) -> T:
        pool = self._pool
        try:
            return await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(pool, job), self.timeout
            )
        except TimeoutError:
            self._replace(pool, "a feed took too long to parse")
            raise ParserDied(f"parsing took longer than {self.timeout:g} s") from None
        except BrokenProcessPool:
            self._replace(pool, "a feed parser process died")
            raise

    def _replace(self, pool: ProcessPoolExecutor, why: str) -> None:
        """Kill `pool`'s workers and start new ones, unless another job already did."""
        if pool is not self._pool:
            return
        log.warning("%s; starting new parser processes", why)
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _start_worker() -> None:
    """In each new worker: warm the parser, and end with the bot. A worker waits for jobs on
    a pipe it also holds the other end of, so it would outlive a bot that is killed (and keep
    the fork server alive too) unless it watches the bot itself."""
    warm_up()
    bot = multiprocessing.parent_process()
    if bot is not None:
        threading.Thread(target=_exit_with, args=(bot,), daemon=True).start()


def _exit_with(bot: BaseProcess) -> None:
    bot.join()  # returns once the bot process is gone, however it ended
    os._exit(0)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's processes at once, even one busy with a job that will not end."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14 and later
    if kill is not None:
        kill()
        return
    # Earlier versions offer no public way; the pool keeps its processes here since 3.2.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
