"""Shared fixtures: a real SQLite store in a temp dir, built from the bundled data once."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import open_services
from bot.config import Config, SyncConfig, WatchConfig
from bot.services import Services

# The stand-in's fixtures (`standin`, `standin_guild`); see tests/standin/plugin.py.
pytest_plugins = ["tests.standin.plugin"]

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"
# Real vendor feeds and feedparser's ill-formed corpus, with their licenses (see tests/README.md).
FEEDS = REPO / "tests" / "data" / "feeds"


def make_config(database: Path, **changes) -> Config:
    """A config for tests: the given database, and no feed sources that would reach the internet.

    Tests' feeds are served on 127.0.0.1, so the config opts in to private feed hosts; pass
    `watch=` to test the default, which refuses them. The catalog sync is off (`sync=`)."""
    watch = changes.pop(
        "watch",
        WatchConfig(feeds_file=NO_FEEDS, tick_seconds=0.1, allow_private_feed_hosts=True),
    )
    # The live catalog sync never reaches the internet from a test: off unless a test turns
    # it on (pointed at 127.0.0.1).
    changes.setdefault("sync", SyncConfig(enabled=False, allow_private_hosts=True))
    return Config(database=database, watch=watch, **changes)


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the bundled data imported, built once; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "catalog.db"

    async def build() -> None:
        async with open_services(make_config(path)):
            pass

    asyncio.run(build())
    return path


@pytest.fixture
def db_path(bundled_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "catalog.db"
    shutil.copy(bundled_db, path)
    return path


@pytest.fixture
async def services(db_path: Path) -> AsyncIterator[Services]:
    async with open_services(make_config(db_path)) as services:
        yield services
