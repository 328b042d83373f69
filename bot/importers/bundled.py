"""The data that ships with the bot, imported the first time a store is opened empty."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.core.records import Batch, EventRec, ImportSummary, Provenance
from bot.importers.catalog_yaml import load_catalog_files
from bot.importers.epoch import load_epoch_file
from bot.importers.genai_prices import load_genai_prices_file
from bot.importers.litellm import load_litellm_file
from bot.importers.llmstats import load_llmstats
from bot.store.catalog import CatalogStore
from bot.watch.sources import CuratedEntry, load_curated

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def bundled_batch(data_dir: Path = DATA_DIR) -> Batch:
    """The curated catalog first (it defines organisation aliases), then Epoch, then LLM Stats,
    then the price sources (LiteLLM, genai-prices), which price the models before them.

    The curated release timeline (`data/releases/`) also becomes the catalog's events.
    """
    parts = [load_catalog_files(sorted((data_dir / "catalog").glob("*.yaml")))]
    timeline = load_curated(sorted((data_dir / "releases").glob("*.yaml")))
    parts.append(Batch(events=[_event(entry) for entry in timeline]))
    epoch = data_dir / "epoch" / "notable_ai_models.csv"
    if epoch.exists():
        parts.append(load_epoch_file(epoch))
    llmstats = data_dir / "llmstats"
    if llmstats.exists():
        parts.append(load_llmstats(llmstats))
    litellm = data_dir / "litellm" / "model_prices_and_context_window.json"
    if litellm.exists():
        parts.append(load_litellm_file(litellm))
    genai = data_dir / "genai-prices" / "data.json"
    if genai.exists():
        parts.append(load_genai_prices_file(genai))
    return merge_batches(parts)


def _event(entry: CuratedEntry) -> EventRec:
    model = entry.models[0] if entry.models else None
    return EventRec(
        entry.type,
        entry.title,
        Provenance(entry.source, entry.link),
        entry.date,
        model,
        entry.org,
        entry.detail,
    )


def merge_batches(parts: list[Batch]) -> Batch:
    merged = Batch()
    for part in parts:
        for name, value in vars(part).items():
            if isinstance(value, list):
                getattr(merged, name).extend(value)
        merged.merged += part.merged
    return merged


async def load_bundled_if_empty(
    store: CatalogStore, data_dir: Path = DATA_DIR
) -> ImportSummary | None:
    """Import the bundled data into an empty store, in one transaction; None if not empty."""
    if not await store.is_empty():
        return None
    summary = await store.apply(bundled_batch(data_dir))
    log.info("bundled data imported: %s", summary.describe())
    return summary
