"""The test suite on PostgreSQL: one throwaway server per session (tests/pg_server.py), the
bundled catalog built once as a template database, each test its own copy of it.

`RR_TEST_BACKEND=postgresql` switches the suite's store (tests/conftest.py `make_config`,
`bundled_db`, `db_path`) to it; tests marked `postgresql` (PgDatabase's own) use a server
whichever backend the suite runs on."""

from __future__ import annotations

import asyncio
import itertools
import os

import asyncpg

from bot.config import StoreConfig
from tests import pg_server


def backend(value: str | None) -> str:
    """The suite's backend from RR_TEST_BACKEND (unset or empty: sqlite)."""
    chosen = (value or "").strip().lower() or "sqlite"
    if chosen not in ("sqlite", "postgresql"):
        raise RuntimeError(f"RR_TEST_BACKEND must be sqlite or postgresql, got {value!r}")
    return chosen


BACKEND = backend(os.environ.get("RR_TEST_BACKEND"))
ON_POSTGRESQL = BACKEND == "postgresql"
TEMPLATE = "rr_template"

_numbers = itertools.count(1)


class PgDsn(str):
    """What `db_path` yields on PostgreSQL: the dsn of the test's own database (a str, so
    tests pass it to `make_config` as they pass the SQLite Path)."""

    @property
    def name(self) -> str:
        return self.rsplit("/", 1)[-1]


class Server:
    """The session's server, started on first use and stopped at the session's end."""

    def __init__(self) -> None:
        self._server: pg_server.PgServer | None = None

    def get(self) -> pg_server.PgServer:
        if self._server is None:
            reason = pg_server.unavailable_reason()
            if reason:
                raise RuntimeError(f"PostgreSQL tests not run: {reason}")
            self._server = pg_server.start()
        return self._server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


SERVER = Server()


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER.get().dsn("postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(template: str | None = None, name: str | None = None) -> PgDsn:
    """A new database on the session's server (a copy of `template` if given); its dsn."""
    name = name or f"t_{os.getpid()}_{next(_numbers)}"
    copy = f" TEMPLATE {template}" if template else ""
    asyncio.run(_admin(f"CREATE DATABASE {name}{copy}"))
    return PgDsn(SERVER.get().dsn(name))


def drop_database(dsn: PgDsn) -> None:
    """Drop a test's database (closing any connection a failed test left open)."""
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {dsn.name} WITH (FORCE)"))


def store_config(dsn: PgDsn) -> StoreConfig:
    """The store section of a test's config on PostgreSQL: trust login, a small pool (the
    test server takes 300 connections in all)."""
    return StoreConfig(backend="postgresql", dsn=str(dsn), password_env=None, pool_size=4)
