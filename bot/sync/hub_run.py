"""One Hugging Face Hub sync, start to end: the catalog's repos, collect, parse, apply."""

from __future__ import annotations

from pathlib import Path

from bot.config import HubConfig
from bot.core.records import ImportSummary
from bot.store import CatalogStore
from bot.sync.adapter import Fetched
from bot.sync.huggingface import HubAdapter, HubSettings, fetch_hub, hub_targets


def hub_settings(config: HubConfig) -> HubSettings:
    """The adapter's settings from the `huggingface:` config."""
    return HubSettings(
        endpoint=config.endpoint,
        organisations=dict(config.organisations),
        per_organisation=config.per_organisation,
        timeout=config.timeout,
    )


async def sync_hub(
    catalog: CatalogStore, config: HubConfig, save: Path | None = None
) -> tuple[Fetched, ImportSummary]:
    """Read the Hub for every catalog model with a repo and the watched organisations, and
    apply the claims in one unit of work; `save` keeps the collected body (to import again
    with `python -m bot import huggingface FILE`)."""
    targets = hub_targets((r.model, r.repo) for r in await catalog.hub_repos())
    fetched = await fetch_hub(hub_settings(config), targets)
    if save is not None:
        save.write_bytes(fetched.body)
    batch = HubAdapter().parse(fetched)
    return fetched, await catalog.apply(batch)


def load_hub_file(path: Path) -> Fetched:
    """A saved Hub body, dated by the file's modification day."""
    import datetime as dt

    day = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    return Fetched(body=path.read_bytes(), url=path.as_uri(), as_of=day)
