"""Fetching over a real HTTP server on 127.0.0.1: conditional GET, retries, caps, timeouts, and
the address policy at every hop."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from bot.watch.fetch import COULD_NOT_CONNECT, MAX_REDIRECTS, Fetcher, FetchError, feed_session
from tests.feed_server import NameMap, feed_server

SECRET = '{"access_token": "ya29.internal-secret"}'


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


# ---- the address policy --------------------------------------------------------------------


async def refusal(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as err:
        await fetcher.fetch(url)
    return err.value


async def test_the_default_refuses_loopback_before_connecting() -> None:
    async with feed_server() as server, feed_session(allow_private=False) as session:
        url = server.serve("/secret.json", SECRET, content_type="application/json")
        fetcher = Fetcher(session, sleep=no_sleep)
        for target in (
            url,
            url.replace("127.0.0.1", "localhost"),
            url.replace("127.0.0.1", "[::1]"),
        ):
            error = await refusal(fetcher, target)
            assert str(error) == "address not allowed" and not error.retryable
        assert server.hits["/secret.json"] == 0
        allowed = Fetcher(session, allow_private=True)  # the opt-in; this session still refuses
        assert str(await refusal(allowed, url.replace("127.0.0.1", "localhost"))) == (
            "address not allowed"
        )


async def test_the_connection_refuses_a_name_that_resolves_to_a_private_address() -> None:
    """The check a redirect or DNS rebinding cannot get around: the connector's resolver."""
    async with feed_server() as server:
        server.serve("/secret.json", SECRET)
        names = NameMap(
            {
                "inside.example": ["127.0.0.1"],
                "rebind.example": ["93.184.216.34", "127.0.0.1"],
                "hex.example": ["::ffff:7f00:1"],
            }
        )
        async with feed_session(allow_private=False, resolver=names) as session:
            fetcher = Fetcher(session, sleep=no_sleep)
            for host in names.names:
                error = await refusal(fetcher, f"http://{host}:{server.port}/secret.json")
                assert str(error) == "address not allowed"
        assert server.hits["/secret.json"] == 0 and sorted(set(names.asked)) == sorted(names.names)


@asynccontextmanager
async def public_looking_host() -> AsyncIterator[tuple]:
    """The feed server under the name `feeds.example`, resolved without the policy: it stands for
    a public feed host whose redirects go wherever it likes."""
    names = NameMap({"feeds.example": ["127.0.0.1"]})
    async with (
        feed_server() as server,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=names)) as session,
    ):
        server.serve("/secret.json", SECRET, content_type="application/json")
        yield server, Fetcher(session, retries=0), f"http://feeds.example:{server.port}"


async def test_a_redirect_to_an_internal_address_is_refused_at_that_hop() -> None:
    async with public_looking_host() as (server, fetcher, public):
        port = server.port
        server.serve("/ok.xml", "<rss/>")
        server.serve("/moved.xml", b"", redirect="/ok.xml", status=301)
        followed = await fetcher.fetch(f"{public}/moved.xml")  # same public host: followed
        assert followed.body == b"<rss/>" and followed.url == f"{public}/ok.xml"
        for target in (
            f"http://127.0.0.1:{port}/secret.json",
            f"http://localhost:{port}/secret.json",
            f"http://[::1]:{port}/secret.json",
            f"http://0x7f000001:{port}/secret.json",
            f"http://2130706433:{port}/secret.json",
            f"http://[::ffff:127.0.0.1]:{port}/secret.json",
            "http://169.254.169.254/computeMetadata/v1/",
            "http://metadata.google.internal/computeMetadata/v1/",
        ):
            server.serve("/hop.xml", b"", redirect=target, status=307)
            error = await refusal(fetcher, f"{public}/hop.xml")
            assert str(error) == "address not allowed", target
        assert server.hits["/secret.json"] == 0


async def test_bad_redirects_are_refused_and_loops_are_capped() -> None:
    async with public_looking_host() as (server, fetcher, public):
        for target, reason in (
            ("ftp://feeds.example/f.xml", "http(s)"),
            (f"http://user:pw@feeds.example:{server.port}/secret.json", "user name or password"),
            ("file:///etc/passwd", "http(s)"),
            ("http://feeds.example:99999/x", "invalid"),
        ):
            server.serve("/hop.xml", b"", redirect=target)
            assert reason in str(await refusal(fetcher, f"{public}/hop.xml")), target
        server.serve("/loop.xml", b"", redirect="/loop.xml")
        error = await refusal(fetcher, f"{public}/loop.xml")
        assert str(error) == f"more than {MAX_REDIRECTS} redirects"
        assert server.hits["/loop.xml"] == MAX_REDIRECTS + 1 and server.hits["/secret.json"] == 0


async def garbage_server(handler) -> asyncio.Server:
    return await asyncio.start_server(handler, "127.0.0.1", 0)


async def test_connection_errors_are_one_category_so_status_is_no_port_scanner(session) -> None:
    """A closed port, a port that speaks something else and one that hangs up all read the same;
    nothing of what the other end said is in the error."""

    async def not_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.6 secret-banner\r\n")
        await writer.drain()
        writer.close()

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    fetcher = Fetcher(session, allow_private=True, retries=0)
    closed = await garbage_server(hang_up)
    closed_port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    errors = [str(await refusal(fetcher, f"http://127.0.0.1:{closed_port}/f.xml"))]
    for handler in (not_http, hang_up):
        server = await garbage_server(handler)
        port = server.sockets[0].getsockname()[1]
        try:
            errors.append(str(await refusal(fetcher, f"http://127.0.0.1:{port}/f.xml")))
        finally:
            server.close()
            await server.wait_closed()
    assert errors == [COULD_NOT_CONNECT] * 3
