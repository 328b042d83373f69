"""Feed parsing in worker processes that are replaced when one dies.

A process pool whose worker is killed (the out-of-memory killer, a crash in a C extension) is
broken for good: every later job fails at once. Without a replacement the release watch would
stop until the bot restarts.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot.watch.parse import warm_up

log = logging.getLogger(__name__)

T = TypeVar("T")


class ParserDied(Exception):
    """The parser process stopped while running this job, twice in a row."""


class ParserPool:
    """`workers` processes, started on first use (a CLI lookup never starts one); 'forkserver'
    forks them from a clean process, not from the bot and its threads."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        # The fork server loads only the parser, not the bot's main module (discord.py and
        # all): workers forked from it start at once and stay small.
        context.set_forkserver_preload([warm_up.__module__])
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=warm_up
        )

    async def run(self, job: Callable[[], T]) -> T:
        """`job()` in a worker process. If the pool is broken, it is replaced and the job tried
        once more; a job that breaks the fresh pool too raises `ParserDied`."""
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
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except BrokenProcessPool:
            if pool is self._pool:  # the first job to notice replaces it
                log.warning("a feed parser process died; starting new ones")
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start()
            raise

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
