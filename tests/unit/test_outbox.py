"""The outbox's post kinds on a real store (SQLite, or PostgreSQL under RR_TEST_BACKEND): only
a registered kind is queued, and a registered kind's renderer and channel handler are the ones the sender uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.outbox.outbox import Outbox, UnknownPostKind
from bot.outbox.sender import ChannelUnavailable
from bot.render.cards import Card, Reply
from bot.store.backends import open_database
from bot.store.outbox import OutboxStore
from tests.conftest import make_config

NOW = "2026-11-23T07:00:00Z"


def clock() -> datetime:
    return datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


class Poster:
    """Discord's side, as the sender meets it: records posts, or refuses the channel."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.posted: list[tuple[str, Reply]] = []

    async def post(
        self, channel_id: str, reply: Reply, *, nonce: str, role_id: str | None = None
    ) -> str:
        if self.refuse is not None:
            raise ChannelUnavailable(self.refuse)
        self.posted.append((channel_id, reply))
        return str(1000 + len(self.posted))

    async def find_posted(self, channel_id: str, since: datetime) -> dict[int, str]:
        return {}

    async def until_clear(self) -> bool:
        return False


@pytest.fixture
async def outbox(db_path: Path):
    db = await open_database(make_config(db_path))
    try:
        yield Outbox(OutboxStore(db), clock)
    finally:
        await db.close()


async def statuses(outbox: Outbox) -> list[tuple[str, str]]:
    rows = await outbox.store.db.fetchall("SELECT dedupe_key, status FROM outbox ORDER BY id")
    return [(r[0], r[1]) for r in rows]


async def greeting(row) -> Reply:
    return Reply([Card(f"Hello {row.payload['name']}")])


async def test_an_unregistered_kind_is_refused_and_nothing_is_queued(outbox):
    with pytest.raises(UnknownPostKind, match="greeting"):
        await outbox.enqueue("g:1", "greeting", "100", NOW, payload={"name": "Ada"})
    assert await statuses(outbox) == []


async def test_a_row_of_an_unregistered_kind_is_dropped_not_posted(outbox):
    poster = Poster()
    outbox.attach_poster(poster)
    async with outbox.store.transaction():  # past `Outbox.enqueue`, as an older version might
        await outbox.store.enqueue("g:1", "greeting", "100", NOW, payload={"name": "Ada"})
        await outbox.notice("after", "100", NOW, "Still sent", "The channel's next post.")
    assert await outbox.drain() == 1
    assert [reply.pages[0].title for _, reply in poster.posted] == ["Still sent"]
    assert await statuses(outbox) == [("g:1", "dropped"), (f"notice:after:{NOW}", "sent")]


async def test_a_registered_kinds_render_is_what_is_posted(outbox):
    outbox.register("greeting", greeting)
    poster = Poster()
    outbox.attach_poster(poster)
    async with outbox.store.transaction():
        assert await outbox.enqueue("g:1", "greeting", "100", NOW, payload={"name": "Ada"})
        assert not await outbox.enqueue("g:1", "greeting", "100", NOW, payload={"name": "Ada"})
    assert await outbox.drain() == 1
    assert [(channel, reply.pages[0].title) for channel, reply in poster.posted] == [
        ("100", "Hello Ada")
    ]
    assert await statuses(outbox) == [("g:1", "sent")]


async def test_a_registered_kinds_on_unavailable_handles_its_closed_channel(outbox):
    handled: list[tuple[str, str]] = []

    async def hold_it(row, reason: str) -> None:
        handled.append((row.dedupe_key, reason))
        await outbox.hold(row.channel_id, row.kind)

    outbox.register("greeting", greeting, hold_it)
    outbox.attach_poster(Poster(refuse="Missing Access"))
    async with outbox.store.transaction():
        await outbox.enqueue("g:1", "greeting", "100", NOW, payload={"name": "Ada"})
    assert await outbox.drain() == 0
    assert handled == [("g:1", "Missing Access")]
    assert await statuses(outbox) == [("g:1", "held")]


async def test_a_kind_without_on_unavailable_is_dropped_when_its_channel_is_closed(outbox):
    outbox.register("greeting", greeting)
    outbox.attach_poster(Poster(refuse="Unknown Channel"))
    async with outbox.store.transaction():
        await outbox.enqueue("g:1", "greeting", "100", NOW, payload={"name": "Ada"})
    await outbox.drain()
    assert await statuses(outbox) == [("g:1", "dropped")]


async def test_notices_are_a_kind_of_the_outbox_itself(outbox):
    poster = Poster()
    outbox.attach_poster(poster)
    async with outbox.store.transaction():
        assert await outbox.notice("hi", "100", NOW, "Heads up", "Feed {} is back.", ["<x>"])
    assert await outbox.drain() == 1
    card = poster.posted[0][1].pages[0]
    assert card.title == "Heads up"
    assert "Feed" in card.description and "is back" in card.description
    assert await statuses(outbox) == [(f"notice:hi:{NOW}", "sent")]
