"""Every sync source by its key. Adding a source is one line: its adapter in `_ALL`."""

from __future__ import annotations

from bot.sync.adapter import SyncAdapter
from bot.sync.epoch import EpochAdapter
from bot.sync.openrouter import OpenRouterAdapter

_ALL: tuple[SyncAdapter, ...] = (
    EpochAdapter(),
    OpenRouterAdapter(),
)
ADAPTERS: dict[str, SyncAdapter] = {adapter.key: adapter for adapter in _ALL}
