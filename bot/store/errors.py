"""The store's errors, for both backends."""

from __future__ import annotations

import sqlite3

import asyncpg


class StoreError(Exception):
    """The database cannot do what was asked (read-only, full, unreadable, unreachable),
    worded for the operator. The change that met it was rolled back whole."""


# What a caller outside bot/store catches when a unit of work fails for the database's sake,
# whichever backend runs (it stays backend-blind): the drivers' errors and ours.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    StoreError,
)
