"""The stores a bench runs on: `BENCH_BACKEND=sqlite` (the default), `postgresql`, or both
(`sqlite,postgresql`, in that order, in one run). PostgreSQL is a throwaway server started with
tests/pg_server.py, or the server of `BENCH_DSN` (postgresql://user@host:port/db, the password
in RADAR_DB_PASSWORD; the user must be allowed to create databases). Each run gets a new
database of its own, dropped afterwards."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path

import yarl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.pg_server

from bot.config import Config

KNOWN = ("sqlite", "postgresql")
PASSWORD_ENV = "RADAR_DB_PASSWORD"


def backends() -> list[str]:
    """BENCH_BACKEND as a list; an unknown name stops the bench, naming it."""
    wanted = [b.strip() for b in os.environ.get("BENCH_BACKEND", "sqlite").split(",") if b.strip()]
    unknown = [b for b in wanted if b not in KNOWN]
    if unknown or not wanted:
        raise SystemExit(f"BENCH_BACKEND={unknown or wanted}: use sqlite, postgresql or both")
    return wanted


def suffix(backend: str) -> str:
    """What a figure's name gets on `backend` (SQLite's figures keep their names)."""
    return "" if backend == "sqlite" else f"_{backend}"


@contextmanager
def postgresql_server() -> Iterator[str]:
    """A server's DSN (any database on it): BENCH_DSN's, else a throwaway one's."""
    given = os.environ.get("BENCH_DSN")
    if given:
        yield given
        return
    from tests.pg_server import start, unavailable_reason

    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"BENCH_BACKEND=postgresql: no server can be started here: {reason}")
    server = start()
    try:
        yield server.dsn()
    finally:
        server.stop()


@asynccontextmanager
async def fresh_database(server_dsn: str, name: str) -> AsyncIterator[str]:
    """A new, empty database `name` on the server of `server_dsn`; its DSN. Dropped after."""
    import asyncpg

    password = os.environ.get(PASSWORD_ENV)
    admin = await asyncpg.connect(server_dsn, password=password)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield str(yarl.URL(server_dsn).with_path(f"/{name}"))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def on_postgresql(config: Config, dsn: str) -> Config:
    """`config` with its store on the PostgreSQL database `dsn`."""
    from bot.config import StoreConfig

    store = StoreConfig(
        backend="postgresql",
        dsn=dsn,
        password_env=PASSWORD_ENV,
        password=os.environ.get(PASSWORD_ENV) or None,  # load_config reads it; a Config in code not
    )
    return replace(config, store=store)
