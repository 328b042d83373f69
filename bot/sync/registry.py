"""Every sync source by its key. Adding a source is one line: its adapter in `_ALL`."""

from __future__ import annotations

from bot.importers.genai_prices import GenaiPricesAdapter
from bot.importers.litellm import LiteLLMAdapter
from bot.importers.lmarena import LMArenaAdapter
from bot.sync.adapter import SyncAdapter
from bot.sync.epoch import EpochAdapter
from bot.sync.huggingface import HubAdapter
from bot.sync.openrouter import OpenRouterAdapter

_ALL: tuple[SyncAdapter, ...] = (
    EpochAdapter(),
    OpenRouterAdapter(),
    LiteLLMAdapter(),
    GenaiPricesAdapter(),
    HubAdapter(),
    LMArenaAdapter(),  # optional: not in the default sources, and it needs a url
)
ADAPTERS: dict[str, SyncAdapter] = {adapter.key: adapter for adapter in _ALL}
