"""The Hub adapter's settings from the config, and a saved Hub body read back (the sync
engine runs the sync itself: `python -m bot sync huggingface`)."""

from __future__ import annotations

from pathlib import Path

from bot.config import Config, HubConfig
from bot.core.errors import ImportRejected
from bot.sync.adapter import Fetched, SyncAdapter
from bot.sync.huggingface import MAX_BODY, HubAdapter, HubSettings
from bot.sync.registry import ADAPTERS


def hub_settings(config: HubConfig) -> HubSettings:
    """The adapter's settings from the `huggingface:` config."""
    return HubSettings(
        endpoint=config.endpoint,
        organisations=dict(config.organisations),
        per_organisation=config.per_organisation,
        timeout=config.timeout,
    )


def load_hub_file(path: Path) -> Fetched:
    """A saved Hub body, dated by the file's modification day."""
    import datetime as dt

    stat = path.stat()
    if stat.st_size > MAX_BODY:  # refused before it is read into memory
        raise ImportRejected(f"{path.name} is {stat.st_size:,} bytes; the limit is {MAX_BODY:,}.")
    day = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).date().isoformat()
    return Fetched(body=path.read_bytes(), url=path.as_uri(), as_of=day)


def configured_adapters(config: Config) -> dict[str, SyncAdapter]:
    """The adapters with their settings from the config (the Hub's endpoint and organisations).

    Here, not in the registry: the config checks its sync sources against the registry."""
    return {**ADAPTERS, "huggingface": HubAdapter(hub_settings(config.huggingface))}
