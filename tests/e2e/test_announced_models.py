"""Done when: a vendor feed item announcing an unknown model, served by the local HTTP server,
makes `/model` find it through the stand-in within the same poll; its alert says what is new
to the catalog in its first line, and `/watch add new_only:yes` gets only such alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import pytest_asyncio

from bot.store.watch import SourceDef
from tests.conftest import FEEDS
from tests.feed_server import feed_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

REAL_MISTRAL = (FEEDS / "real" / "feed_mistral.xml").read_text(encoding="utf-8")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def feeds():
    async with feed_server() as server:
        yield server


def with_new_items(feed: str, *items: tuple[str, str, str]) -> str:
    """The real feed with (title, guid, description) items put in front, dated now."""
    now = format_datetime(datetime.now(UTC))
    added = "".join(
        f"<item><title>{title}</title><link>https://mistral.example/news/{guid}</link>"
        f"<guid>{guid}</guid><description>{text}</description><pubDate>{now}</pubDate></item>"
        for title, guid, text in items
    )
    return feed.replace("<item>", added + "<item>", 1)


def alerts_in(harness, channel: str) -> list[dict]:
    return harness.standin.messages[harness.standin.channel(channel)["id"]]


async def test_an_announced_model_is_found_by_model_within_the_same_poll(harness, feeds) -> None:
    watch = harness.services.watch
    url = feeds.serve("/mistral.xml", REAL_MISTRAL)
    await watch.store.add_source(
        SourceDef("mistral-live", "Mistral AI News", url, "rss", "Mistral AI", 30), "t"
    )
    assert (await watch.poller.poll_key("mistral-live")).ok  # the first poll: a baseline
    before = await harness.member.slash("model", name="mistral large 9")
    assert "Mistral Large 9" not in before.text().split("\n")[0]  # not known yet

    only_new = await harness.admin.slash("watch add", channel="releases", new_only="yes")
    assert "new to catalog only" in only_new.text()
    await harness.admin.slash("watch add", channel="general")
    listing = await harness.admin.slash("watch list")
    assert "new to catalog only" in listing.text()

    feeds.serve(
        "/mistral.xml",
        with_new_items(
            REAL_MISTRAL,
            (
                "Introducing Mistral Large 9",
                "large-9",
                "Mistral Large 9 is a 675B-parameter model with a 256K-token context window.",
            ),
            ("Mistral opens an office in Oslo", "oslo", "We are hiring."),
        ),
    )
    assert (await watch.poller.poll_key("mistral-live")).ok
    found = await harness.member.slash("model", name="mistral large 9")
    text = found.text()
    assert "Mistral Large 9" in text.split("\n")[0] and "did you mean" not in text.casefold()
    assert "Provisional: announced" in text and "not yet in any dataset" in text
    assert "675B" in text or "675" in text
    choices = await harness.member.autocomplete("model", "name", "mistral large 9")
    assert "Mistral Large 9" in [c["name"] for c in choices][:3]

    await watch.drain()
    (alert,) = alerts_in(harness, "releases")  # only the entry new to the catalog
    embed = alert["embeds"][0]
    assert embed["title"] == "Introducing Mistral Large 9"
    assert embed["description"].splitlines()[0] == (
        "🆕 New to the catalog: **Mistral Large 9** (new model)"
    )
    titles = sorted(m["embeds"][0]["title"] for m in alerts_in(harness, "general"))
    assert titles == ["Introducing Mistral Large 9", "Mistral opens an office in Oslo"]


async def test_a_bad_new_only_is_refused_and_nothing_is_stored(harness) -> None:
    resp = await harness.admin.slash("watch add", channel="releases", new_only="maybe", force=True)
    assert resp.ephemeral and "`new_only` must be yes or no, not 'maybe'" in resp.text()
    assert await harness.services.watch.store.subscriptions() == []
