"""The store layer: every SQL statement of the project lives in this package."""

from bot.store.catalog import CatalogStore
from bot.store.db import Database

__all__ = ["CatalogStore", "Database"]
