"""SSRF through the feeds, end to end with the DEFAULT config (no private feed hosts): `/feeds add`
refuses internal addresses, nothing is fetched from one, and `/feeds status` tells members only
"address not allowed" or a generic category, never what a host answered or whether a port is open.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from bot.config import WatchConfig
from bot.store.watch import SourceDef
from bot.watch.sources import validate_source
from tests.conftest import NO_FEEDS
from tests.feed_server import feed_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The default watch config, except that no round runs by itself: a public URL added here must
# never be polled (that would leave 127.0.0.1). Tests poll with `poller.poll_key`.
HARNESS_CONFIG = {"watch": WatchConfig(feeds_file=NO_FEEDS, enabled=False)}
SECRET = '{"access_token": "ya29.internal-secret", "port": "open"}'


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def feeds():
    async with feed_server() as server:
        yield server


def refused_urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/secret.json",
        "http://localhost/f.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/f.xml",
        "http://[fd00::1]/f.xml",
        "http://[::ffff:127.0.0.1]/f.xml",
        "http://10.0.0.5/f.xml",
        "http://192.168.1.1/f.xml",
        "http://100.64.0.1/f.xml",
        "http://0x7f000001/f.xml",
        "http://2130706433/f.xml",
        "http://127.1/f.xml",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata/f.xml",
    ]


async def test_the_default_config_refuses_private_hosts(harness) -> None:
    assert harness.services.config.watch.allow_private_feed_hosts is False


async def test_feeds_add_refuses_every_internal_address_form(harness, feeds) -> None:
    for number, url in enumerate(refused_urls(feeds.port)):
        resp = await harness.owner.slash(
            "feeds add", key=f"int{number}", name="Internal", url=url, kind="rss"
        )
        assert resp.ephemeral and "address not allowed" in resp.text(), (url, resp.text())
        assert await harness.services.watch.store.source(f"int{number}") is None, url
    assert sum(feeds.hits.values()) == 0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://user:pass@feeds.example/f.xml", "user name or password"),
        ("ftp://feeds.example/f.xml", "http(s)"),
        ("http://999.1.1.1/f.xml", "real host"),
        ("http://feeds.example:99999/f.xml", "not a valid URL"),
    ],
)
async def test_feeds_add_refuses_malformed_urls(harness, url: str, reason: str) -> None:
    resp = await harness.owner.slash("feeds add", key="bad", name="Bad", url=url, kind="rss")
    assert resp.ephemeral and reason in resp.text(), resp.text()
    assert await harness.services.watch.store.source("bad") is None


async def test_feeds_add_accepts_a_public_host(harness) -> None:
    resp = await harness.owner.slash(
        "feeds add", key="public", name="Public", url="https://feeds.example/f.xml", kind="rss"
    )
    assert "Feed added" in resp.text(), resp.text()
    removed = await harness.owner.slash("feeds remove", key="public")
    assert "no longer polled" in removed.text()


async def test_feeds_add_without_an_interval_polls_as_a_listed_feed_does(harness) -> None:
    """One default poll interval: a source from the feeds file without `poll_minutes` and one
    added with `/feeds add` without the option are polled alike."""
    raw = {"key": "plain", "name": "Plain", "url": "https://plain.example/f.xml", "kind": "rss"}
    listed = validate_source(raw, "feed")
    resp = await harness.owner.slash("feeds add", **raw)
    try:
        assert f"polled every {listed.poll_minutes} min" in resp.text(), resp.text()
        row = await harness.services.watch.store.source("plain")
        assert (
            row.poll_minutes == listed.poll_minutes == SourceDef("k", "n", "u", "rss").poll_minutes
        )
    finally:
        await harness.services.watch.store.remove_source("plain")


async def test_a_source_on_an_internal_address_is_never_fetched(harness, feeds) -> None:
    """A row that got in before the check (an operator's feeds file, an older version): the poll
    refuses it, and `/feeds status` cannot tell an open port from a closed one."""
    store = harness.services.watch.store
    url = feeds.serve("/secret.json", SECRET, content_type="application/json")
    closed = "http://127.0.0.1:1/secret.json"
    for key, target in (("open", url), ("closed", closed)):
        await store.add_source(SourceDef(key, key.title(), target, "rss", None, 30), "test")
        outcome = await harness.services.watch.poller.poll_key(key)
        assert not outcome.ok and outcome.error == "address not allowed"
    assert feeds.hits["/secret.json"] == 0

    status = (await harness.member.slash("feeds status")).text()
    states = [
        line.split(" — ", 1)[1]
        for line in status.splitlines()
        if "`open`" in line or "`closed`" in line
    ]
    assert len(states) == 2 and states[0] == states[1] and "address not allowed" in states[0]
    assert "secret" not in status and "access_token" not in status
    for key in ("open", "closed"):
        await store.remove_source(key)
