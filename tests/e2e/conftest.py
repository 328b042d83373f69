"""End-to-end fixtures: the stand-in and the real bot, started once per test module."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import Services, open_services
from bot.config import DiscordConfig
from bot.discordbot.client import ReleaseRadarBot, point_discord_at
from tests.conftest import make_config
from tests.standin import TOKEN, DiscordUser, StandIn

# Discord bans an IP at 10,000 invalid requests (401, 403, 429) in 10 minutes; a module's whole
# session, faults and closed channels included, must stay far below that.
INVALID_REQUEST_BUDGET = 50


@dataclass
class Harness:
    standin: StandIn
    bot: ReleaseRadarBot
    services: Services
    admin: DiscordUser
    member: DiscordUser
    owner: DiscordUser


async def wait_ready(bot: ReleaseRadarBot, task: asyncio.Task, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not bot.is_ready():
        if task.done():
            task.result()  # raises the start-up error
        if loop.time() > deadline:
            raise TimeoutError("the bot did not become ready against the stand-in")
        await asyncio.sleep(0.02)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def harness(
    bundled_db: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """The bot against the stand-in. Its config opts in to feeds on 127.0.0.1 (make_config); a
    test module sets `HARNESS_CONFIG = {...}` (make_config keywords) to run it otherwise."""
    standin = StandIn()
    await standin.start()
    db = tmp_path_factory.mktemp("e2e") / "catalog.db"
    shutil.copy(bundled_db, db)
    config = make_config(
        db,
        dev_guild_ids=(int(standin.guild["id"]),),
        discord=DiscordConfig(api_base=standin.api_base, gateway_url=standin.gateway_url),
        owners=frozenset({int(standin.member("owner")["user"]["id"])}),
        token=TOKEN,
        **getattr(request.module, "HARNESS_CONFIG", {}),
    )
    point_discord_at(config.discord)
    async with open_services(config) as services:
        bot = ReleaseRadarBot(services, guild_ready_timeout=0.05)
        task = asyncio.create_task(bot.start(TOKEN))
        try:
            await wait_ready(bot, task)
            yield Harness(
                standin,
                bot,
                services,
                admin=DiscordUser(standin, "admin"),
                member=DiscordUser(standin, "member"),
                owner=DiscordUser(standin, "owner"),
            )
        finally:
            await bot.close()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    invalid = standin.invalid_requests
    await standin.stop()
    assert invalid < INVALID_REQUEST_BUDGET, f"{invalid} invalid requests in one session"
