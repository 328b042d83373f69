"""The store's backend as the config chooses it: the composition root (bot/app.py) opens the
database here and nothing else outside bot/store knows which one runs."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bot.store.db import AnyDatabase as AnyDatabase
from bot.store.db import Database
from bot.store.errors import StoreError
from bot.store.pg import PgDatabase


class StoreSettings(Protocol):
    """What the factory reads of `bot.config.StoreConfig` (the store reads no config module:
    the config imports the importers, which import the store)."""

    @property
    def backend(self) -> str: ...
    @property
    def dsn(self) -> str | None: ...
    @property
    def password(self) -> str | None: ...
    @property
    def pool_size(self) -> int: ...


class Settings(Protocol):
    """What the factory reads of `bot.config.Config`."""

    @property
    def database(self) -> Path: ...
    @property
    def database_busy_timeout(self) -> float: ...
    @property
    def store(self) -> StoreSettings: ...


async def open_database(config: Settings) -> AnyDatabase:
    """Open (and migrate) the configured store: the SQLite file `config.database`, or the
    PostgreSQL database at `config.store.dsn` with its pool and password."""
    store = config.store
    if store.backend == "sqlite":
        return await Database.open(config.database, busy_timeout=config.database_busy_timeout)
    if store.dsn is None:  # the config refuses this; a Config built in code may not
        raise StoreError("store.backend is postgresql but store.dsn is not set")
    return await PgDatabase.open(store.dsn, password=store.password, pool_size=store.pool_size)


async def open_existing_database(config: Settings) -> AnyDatabase | None:
    """The configured store if there is one to read, else None: an SQLite file is never
    created here (a missing file is None); a PostgreSQL database is the server's, opened."""
    if config.store.backend == "sqlite" and not config.database.exists():
        return None
    return await open_database(config)
