"""Shared fixtures: a real SQLite store in a temp dir, built from the bundled data once."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import open_services
from bot.config import Config, SyncConfig, WatchConfig
from bot.services import Services
from bot.store.backends import AnyDatabase, open_database
from bot.store.db import Database
from tests import pg_server, pg_switch

# The stand-in's fixtures (`standin`, `standin_guild`); see tests/standin/plugin.py.
pytest_plugins = ["tests.standin.plugin"]

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"
# Real vendor feeds and feedparser's ill-formed corpus, with their licenses (see tests/README.md).
FEEDS = REPO / "tests" / "data" / "feeds"


def make_config(database: Path | str, **changes) -> Config:
    """A config for tests: the given database, and no feed sources that would reach the internet.

    `database` is what `db_path`/`bundled_db` give: an SQLite file's Path, or on PostgreSQL
    (RR_TEST_BACKEND=postgresql) the dsn of the test's own database.
    Tests' feeds are served on 127.0.0.1, so the config opts in to private feed hosts; pass
    `watch=` to test the default, which refuses them. The catalog sync is off (`sync=`)."""
    watch = changes.pop(
        "watch",
        WatchConfig(feeds_file=NO_FEEDS, tick_seconds=0.1, allow_private_feed_hosts=True),
    )
    # The live catalog sync never reaches the internet from a test: off unless a test turns
    # it on (pointed at 127.0.0.1).
    changes.setdefault("sync", SyncConfig(enabled=False, allow_private_hosts=True))
    if isinstance(database, pg_switch.PgDsn):
        changes.setdefault("store", pg_switch.store_config(database))
        return Config(watch=watch, **changes)
    return Config(database=Path(database), watch=watch, **changes)


async def open_store(database: Path | str) -> AnyDatabase:
    """Open a test's store (`db_path`: an SQLite file or a PostgreSQL dsn) on its backend."""
    return await open_database(make_config(database))


def store_rows(database: Path | str, sql: str, params: tuple = ()) -> list[dict]:
    """One query's rows, read from a test's store (`db_path`: an SQLite file or a PostgreSQL
    dsn) behind the bot's back, through the backend's own store class."""

    async def read() -> list[dict]:
        db = await open_store(database)
        try:
            return [dict(row) for row in await db.fetchall(sql, params)]
        finally:
            await db.close()

    return asyncio.run(read())


def store_execute(database: Path | str, sql: str, params: tuple = ()) -> None:
    """Change a test's store behind the bot's back: one statement in one unit of work."""

    async def change() -> None:
        db = await open_store(database)
        try:
            async with db.transaction():
                await db.execute(sql, params)
        finally:
            await db.close()

    asyncio.run(change())


@pytest.fixture(scope="session")
def bundled_db(
    tmp_path_factory: pytest.TempPathFactory, pg_session: pg_switch.Server
) -> Iterator[Path | pg_switch.PgDsn]:
    """A store with the bundled data imported, built once; tests copy it (on PostgreSQL: a
    template database)."""
    if pg_switch.ON_POSTGRESQL:
        template = pg_switch.create_database(name=pg_switch.TEMPLATE)
        _build(template)
        yield template
        pg_switch.drop_database(template)
        return
    path = tmp_path_factory.mktemp("template") / "catalog.db"
    _build(path)
    yield path


def _build(database: Path | str) -> None:
    async def build() -> None:
        async with open_services(make_config(database)):
            pass

    asyncio.run(build())


@pytest.fixture
def db_path(bundled_db: Path | str, tmp_path: Path) -> Iterator[Path | pg_switch.PgDsn]:
    """This test's own store, a copy of the bundled one: an SQLite file, or on PostgreSQL a
    database made from the template (dropped after the test)."""
    if isinstance(bundled_db, pg_switch.PgDsn):
        dsn = pg_switch.create_database(template=bundled_db.name)
        yield dsn
        pg_switch.drop_database(dsn)
        return
    path = tmp_path / "catalog.db"
    shutil.copy(bundled_db, path)
    yield path


@asynccontextmanager
async def copied_store(
    bundled_db: Path | str, folder: Path
) -> AsyncIterator[Path | pg_switch.PgDsn]:
    """A copy of the bundled store for a fixture wider than one test (a module's bot): a file
    in `folder`, or on PostgreSQL a database made from the template, dropped at the end."""
    if isinstance(bundled_db, pg_switch.PgDsn):
        dsn = await asyncio.to_thread(pg_switch.create_database, template=bundled_db.name)
        try:
            yield dsn
        finally:
            await asyncio.to_thread(pg_switch.drop_database, dsn)
        return
    path = folder / "catalog.db"
    shutil.copy(bundled_db, path)
    yield path


@pytest.fixture
async def services(db_path: Path) -> AsyncIterator[Services]:
    async with open_services(make_config(db_path)) as services:
        yield services


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: needs a PostgreSQL test server")
    config.addinivalue_line(
        "markers",
        "sqlite_only: tests SQLite's own behaviour (left out on RR_TEST_BACKEND=postgresql)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL server here, its tests are left out, and the run says why. On
    PostgreSQL, the tests of SQLite's own behaviour are left out."""
    if pg_switch.ON_POSTGRESQL:
        sqlite_only = [item for item in items if item.get_closest_marker("sqlite_only")]
        if sqlite_only:
            config.hook.pytest_deselected(items=sqlite_only)
            items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]
    reason = pg_server.unavailable_reason()
    if reason is None:
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        print(f"\nPostgreSQL tests not run: {reason} ({len(left_out)} left out)")


@pytest.fixture(scope="session")
def pg_session() -> Iterator[pg_switch.Server]:
    """The session's PostgreSQL server, stopped (and its files removed) at the end."""
    yield pg_switch.SERVER
    pg_switch.SERVER.stop()


@pytest.fixture
def pg_dsn(pg_session: pg_switch.Server) -> Iterator[pg_switch.PgDsn]:
    """A new empty PostgreSQL database for one test, dropped after it."""
    dsn = pg_switch.create_database()
    yield dsn
    pg_switch.drop_database(dsn)


@pytest.fixture
async def two_databases(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections to one new SQLite store, as two processes on one file have."""
    path = tmp_path / "shared.db"
    first = await Database.open(path)
    second = await Database.open(path)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
