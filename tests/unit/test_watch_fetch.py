"""Fetching over a real HTTP server on 127.0.0.1: conditional GET, retries, caps, timeouts."""

import asyncio

import aiohttp
import pytest

from bot.watch.fetch import Fetcher, FetchError
from tests.feed_server import feed_server


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


async def test_conditional_get_costs_a_304(session) -> None:
    async with feed_server() as server:
        url = server.serve("/f.xml", "<rss/>", etag='"v1"')
        fetcher = Fetcher(session, allow_private=True, sleep=no_sleep)
        first = await fetcher.fetch(url)
        assert first.status == 200 and first.etag == '"v1"'
        again = await fetcher.fetch(url, etag=first.etag)
        assert again.not_modified and again.body is None
        assert server.conditional_hits["/f.xml"] == 1


async def test_5xx_is_retried_with_backoff_and_jitter(session) -> None:
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    async with feed_server() as server:
        url = server.serve("/f.xml", "<rss/>", fail_times=2)
        fetcher = Fetcher(
            session, allow_private=True, retries=2, backoff=1.0, sleep=record, jitter=lambda: 0.5
        )
        result = await fetcher.fetch(url)
        assert result.status == 200 and server.hits["/f.xml"] == 3
        assert delays == [1.0, 2.0]


async def test_retries_run_out(session) -> None:
    async with feed_server() as server:
        url = server.serve("/f.xml", "<rss/>", fail_times=10)
        with pytest.raises(FetchError, match="HTTP 500"):
            await Fetcher(session, allow_private=True, retries=2, sleep=no_sleep).fetch(url)
        assert server.hits["/f.xml"] == 3


async def test_404_is_not_retried(session) -> None:
    async with feed_server() as server:
        with pytest.raises(FetchError) as err:
            await Fetcher(session, allow_private=True, sleep=no_sleep).fetch(
                server.url("/missing.xml")
            )
        assert not err.value.retryable and server.hits["/missing.xml"] == 1


async def test_timeout(session) -> None:
    async with feed_server() as server:
        url = server.serve("/slow.xml", "<rss/>", delay=2.0)
        with pytest.raises(FetchError, match="timed out"):
            await Fetcher(session, allow_private=True, timeout=0.2, retries=0).fetch(url)


async def test_never_ending_body_is_cut_off(session) -> None:
    async with feed_server() as server:
        url = server.serve("/endless.xml", b"", endless=True)
        with pytest.raises(FetchError, match="cap"):
            await asyncio.wait_for(
                Fetcher(session, allow_private=True, max_bytes=1_000_000, retries=0).fetch(url), 10
            )


async def test_50_mb_body_is_refused(session) -> None:
    big = b"<rss>" + b"x" * (50 * 1024 * 1024)
    async with feed_server() as server:
        declared = server.serve("/big.xml", big)
        with pytest.raises(FetchError, match="cap") as err:
            await Fetcher(session, allow_private=True, retries=0).fetch(declared)
        assert not err.value.retryable
        chunked = server.serve("/big-chunked.xml", big, chunked=True)
        with pytest.raises(FetchError, match="cap"):
            await Fetcher(session, allow_private=True, retries=0).fetch(chunked)


async def test_local_files_and_missing_files(session, tmp_path) -> None:
    path = tmp_path / "f.xml"
    path.write_text("<rss/>")
    assert (await Fetcher(session, allow_private=True).read(str(path))).body == b"<rss/>"
    with pytest.raises(FetchError, match="cannot read"):
        await Fetcher(session, allow_private=True).read(str(tmp_path / "nope.xml"))
