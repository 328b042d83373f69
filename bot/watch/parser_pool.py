"""Feed parsing in worker processes that are replaced when one dies or hangs.

A process pool whose worker is killed (the out-of-memory killer, a crash in a C extension) is
broken for good: every later job fails at once; and a job that never ends holds its worker,
and the poll waiting for it, forever. Either would stop the release watch until a restart.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import TypeVar

from bot.watch.parse import warm_up

log = logging.getLogger(__name__)

T = TypeVar("T")


# A feed that takes longer than this to parse is given up on (its worker is killed), so it
# cannot hold up every later poll; real feeds of the 5 MB cap parse in well under a second.
PARSE_TIMEOUT = 60.0


class ParserDied(Exception):
    """The parser process stopped while running this job (twice in a row), or the job ran
    past the time limit."""


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
