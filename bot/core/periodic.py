"""Running a step again and again until told to stop; a failing round is logged, not fatal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def run_periodically(
    step: Callable[[], Awaitable[object]],
    interval: float,
    stop: asyncio.Event,
    *,
    wake: asyncio.Event | None = None,
    label: str = "round",
) -> None:
    """Run `step` every `interval` seconds (sooner when `wake` is set) until `stop` is set."""
    while not stop.is_set():
        try:
            await step()
        except Exception:  # one bad round must not end the loop
            log.exception("%s failed", label)
        waits = [asyncio.ensure_future(stop.wait())]
        if wake is not None:
            wake.clear()
            waits.append(asyncio.ensure_future(wake.wait()))
        await asyncio.wait(waits, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
