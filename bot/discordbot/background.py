"""A task that runs beside the bot from its set-up to its close (see the client)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class BackgroundTask:
    def __init__(
        self, name: str, body: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
    ) -> None:
        self.name = name
        self._body = body
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._body(self._stop), name=self.name)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
