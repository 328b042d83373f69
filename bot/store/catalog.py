"""The catalog store: its reads (`catalog_reads`) and writes (`catalog_writes`) behind one
object; the export's reads are `catalog_export.CatalogExport`."""

from __future__ import annotations

from bot.store.catalog_lineage import CatalogLineage
from bot.store.catalog_prices import PriceReads
from bot.store.catalog_reads import CatalogReads
from bot.store.catalog_writes import CatalogWrites


class CatalogStore(CatalogReads, PriceReads, CatalogWrites, CatalogLineage):
    """The catalog's SQL. Callers get typed records (`catalog_records`); they never build queries."""
