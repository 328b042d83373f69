"""Epoch AI's 'Data on AI Models' CSV as a sync source (the bundled importer's parser)."""

from __future__ import annotations

from bot.core.records import Batch
from bot.importers.common import EPOCH_SOURCE
from bot.importers.epoch import parse_epoch_csv
from bot.sync.adapter import Fetched


class EpochAdapter:
    key = "epoch"
    source = EPOCH_SOURCE
    default_url = "https://epoch.ai/data/notable_ai_models.csv"
    bundled: str | None = "epoch/notable_ai_models.csv"

    def parse(self, fetched: Fetched) -> Batch:
        return parse_epoch_csv(fetched.body, origin=fetched.url)
