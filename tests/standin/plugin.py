"""The stand-in as a pytest plugin (registered in tests/conftest.py through `pytest_plugins`).

`standin` is a started stand-in, stopped after the test; a module or test overrides the
`standin_guild` fixture to host another guild than the default. Module-scoped fixtures (the
e2e `harness`) use `running_standin()` directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
import pytest_asyncio

from tests.standin.guilds import GuildSpec
from tests.standin.server import StandIn


@asynccontextmanager
async def running_standin(guild: GuildSpec | None = None) -> AsyncIterator[StandIn]:
    """A started stand-in hosting `guild` (default: GuildSpec()), stopped on exit."""
    standin = StandIn(guild=guild)
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
def standin_guild() -> GuildSpec | None:
    """The guild the `standin` fixture hosts; override it to change channels, roles, members."""
    return None


@pytest_asyncio.fixture
async def standin(standin_guild: GuildSpec | None) -> AsyncIterator[StandIn]:
    """A raw stand-in, started on a random local port and stopped after the test."""
    async with running_standin(standin_guild) as server:
        yield server


@pytest.fixture
async def http(standin: StandIn) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw HTTP client on the stand-in, for the stand-in's own tests."""
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{standin.port}") as session:
        yield session
