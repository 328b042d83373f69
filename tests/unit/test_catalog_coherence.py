"""Two processes on one store (two `open_services` on one SQLite file): a curator's change
through one reaches the other's in-memory name index within the catalog poll period."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import open_services
from bot.core.errors import UserError
from bot.curation.forms import Actor
from tests.conftest import make_config

CURATOR = Actor("1", "curator", "10")
ALIAS = "Radar Coherence Alias"


async def resolves(lookups, name: str) -> bool:
    try:
        lookups.resolve_model(name)
    except UserError:
        return False
    return True


async def test_a_curators_alias_in_one_process_is_answered_by_the_other(db_path: Path):
    async with (
        open_services(make_config(db_path)) as first,
        open_services(make_config(db_path)) as second,
    ):
        stop = asyncio.Event()
        follow = asyncio.create_task(second.lookups.follow_catalog(0.2, stop))
        try:
            entry, _ = second.lookups.resolve_model("DeepSeek-R1")
            assert not await resolves(second.lookups, ALIAS)
            await first.curation.add_alias(CURATOR, entry.name, ALIAS)
            assert await resolves(first.lookups, ALIAS)  # its own index, at once
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10  # the poll period is 0.2 s: a generous margin
            while not await resolves(second.lookups, ALIAS):
                assert loop.time() < deadline, "the other process never saw the alias"
                await asyncio.sleep(0.05)
            assert second.lookups.resolve_model(ALIAS)[0].id == entry.id
            # The writer's own refresh already saw the new version: no second rebuild.
            assert not await first.lookups.refresh_if_changed()
        finally:
            stop.set()
            await follow


async def test_a_refused_change_moves_no_version_and_rebuilds_nothing(db_path: Path):
    async with (
        open_services(make_config(db_path)) as first,
        open_services(make_config(db_path)) as second,
    ):
        entry, _ = first.lookups.resolve_model("DeepSeek-R1")
        other, _ = first.lookups.resolve_model("GPT-4o")
        before = await first.catalog.catalog_version()
        with pytest.raises(UserError):  # the name is another model's already
            await first.curation.add_alias(CURATOR, entry.name, other.name)
        assert await first.catalog.catalog_version() == before
        assert not await second.lookups.refresh_if_changed()


async def test_every_name_change_moves_the_version(db_path: Path):
    async with open_services(make_config(db_path)) as services:
        entry, _ = services.lookups.resolve_model("DeepSeek-R1")
        versions = [await services.catalog.catalog_version()]
        await services.curation.add_alias(CURATOR, entry.name, ALIAS)
        versions.append(await services.catalog.catalog_version())
        await services.curation.remove_alias(CURATOR, entry.name, ALIAS)
        versions.append(await services.catalog.catalog_version())
        assert versions[0] < versions[1] < versions[2]
