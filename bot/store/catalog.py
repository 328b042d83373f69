"""The catalog store: its reads (`catalog_reads`) and writes (`catalog_writes`) behind one
object; the export's reads are `catalog_export.CatalogExport`."""

from __future__ import annotations

from bot.store.catalog_lineage import CatalogLineage
from bot.store.catalog_prices import PriceReads
from bot.store.catalog_reads import CatalogReads
from bot.store.catalog_writes import CatalogWrites


class CatalogStore(CatalogReads, PriceReads, CatalogWrites, CatalogLineage):
    """The catalog's SQL. Callers get typed records (`catalog_records`); they never build queries."""

    async def catalog_version(self) -> int:
        """A counter every change of the catalog's names moves, in the change's own unit of
        work (0026's triggers): a process whose indexes were built at another version is stale."""
        row = await self.db.fetchone("SELECT version FROM catalog_version WHERE id = 1")
        return 0 if row is None else int(row[0])
