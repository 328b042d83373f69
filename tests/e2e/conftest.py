"""End-to-end fixtures: the stand-in and the real bot, started once per test module."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import open_services
from bot.config import DiscordConfig
from bot.discordbot.client import ReleaseRadarBot, point_discord_at
from bot.services import Services
from tests import pg_switch
from tests.conftest import make_config
from tests.standin import TOKEN, DiscordUser, Response, StandIn
from tests.standin.plugin import running_standin

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


async def confirmed(user, asked, timeout: float = 10.0) -> Response:
    """Click Confirm: acknowledged at once (buttons disabled), then edited with the result."""
    done = await user.click(asked, "Confirm")
    assert done.type == 7 and not done.failed, done.text()
    assert all(b.get("disabled") for b in done.buttons())
    return await done.until(lambda r: "…" not in r.text(), timeout)


async def wait_ready(bot: ReleaseRadarBot, task: asyncio.Task, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not bot.is_ready():
        if task.done():
            task.result()  # raises the start-up error
        if loop.time() > deadline:
            raise TimeoutError("the bot did not become ready against the stand-in")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running_bot(standin: StandIn, db: Path, **config: Any) -> AsyncIterator[Harness]:
    """The real bot against a started stand-in, with commands synced to every stand-in guild;
    `config` overrides the test config (owners default to the first guild's owner; `discord`
    is a dict of DiscordConfig keywords besides where it connects)."""
    config.setdefault("owners", frozenset({int(standin.member("owner")["user"]["id"])}))
    # Guild sync by default (instant); `dev_guild_ids=()` syncs globally (user installs).
    config.setdefault("dev_guild_ids", tuple(int(g["id"]) for g in standin.guilds))
    discord_options = config.pop("discord", {})
    settings = make_config(
        db,
        discord=DiscordConfig(
            api_base=standin.api_base, gateway_url=standin.gateway_url, **discord_options
        ),
        token=TOKEN,
        **config,
    )
    point_discord_at(settings.discord)
    async with open_services(settings) as services:
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


async def reset(harness: Harness) -> None:
    """Put back what one test may leave behind in a module's shared bot and stand-in (even if
    it failed half-way): faults and knobs, closed channels, channel overwrites and messages,
    subscriptions, digest schedules, feed sources and queued posts. The catalog's contents
    stay: tests that need a model add it when missing (see test_admin_commands.ensure_model)."""
    standin, services = harness.standin, harness.services
    standin.disarm()
    for guild in standin.guilds:
        for channel in guild["channels"]:
            for overwrite in list(channel.get("permission_overwrites") or []):
                await standin.set_overwrite(channel["id"], overwrite["id"])
        guild_id = guild["id"]
        for schedule in await services.digests.schedules(guild_id):
            await services.digests.off(guild_id, schedule.channel_id)
    for row in await services.watch.store.subscriptions():
        await services.watch.unsubscribe(row.guild_id, row.id)
    for source in await services.watch.store.sources():
        await services.watch.store.remove_source(source.key)
    async with services.db.transaction():  # notices and digests no subscription owns
        await services.db.execute(
            "UPDATE outbox SET status = 'dropped' WHERE status IN ('pending', 'held')"
        )
    await services.watch.drain()  # waits for a round already under way: it posts no more
    standin.messages.clear()
    standin.edits.clear()


@pytest.fixture(scope="module")
def module_db(
    bundled_db: Path | pg_switch.PgDsn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path | pg_switch.PgDsn]:
    """A module's own copy of the bundled store: an SQLite file, or on PostgreSQL a database
    made from the template (dropped after the module)."""
    if isinstance(bundled_db, pg_switch.PgDsn):
        dsn = pg_switch.create_database(template=bundled_db.name)
        yield dsn
        pg_switch.drop_database(dsn)
        return
    db = tmp_path_factory.mktemp("e2e") / "catalog.db"
    shutil.copy(bundled_db, db)
    yield db


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_harness(module_db: Path, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """The bot against the stand-in, shared by a module's tests (connecting once is what keeps
    the suite quick). Its config opts in to feeds on 127.0.0.1 (make_config); a test module
    sets `HARNESS_CONFIG = {...}` (make_config keywords) to run it otherwise. The module's
    whole session must stay far below Discord's invalid-request ban."""
    async with running_standin() as standin:
        async with running_bot(
            standin, module_db, **getattr(request.module, "HARNESS_CONFIG", {})
        ) as harness:
            yield harness
        invalid = standin.invalid_requests
        assert invalid < INVALID_REQUEST_BUDGET, f"{invalid} invalid requests in one session"


@pytest_asyncio.fixture(loop_scope="module")
async def harness(module_harness: Harness) -> Harness:
    """The module's shared bot, reset before each test (`reset`), so that every test passes
    alone and in any order: a test relies on nothing an earlier one did or left armed."""
    await reset(module_harness)
    return module_harness
