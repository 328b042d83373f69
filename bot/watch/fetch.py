"""Fetching feeds over HTTP: conditional GET, a timeout, a size cap, and retries with jitter.

Unless private hosts are allowed, a fetch goes only to public addresses (see `addresses`):
redirects are followed by hand and every target is checked, and the session's resolver checks
every address a connection is made to. Errors name a category (timed out, could not connect,
HTTP status, address not allowed), never what a host answered, so `/feeds status` cannot be
used to probe hosts or ports.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.watch.addresses import NOT_ALLOWED, AddressNotAllowed, PublicOnlyResolver, url_refusal

log = logging.getLogger(__name__)

USER_AGENT = "ReleaseRadar/0.1 (+https://github.com/release-radar; feed reader)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
COULD_NOT_CONNECT = "could not connect"


class FetchError(Exception):
    """A fetch that failed; `retryable` says whether trying again soon may help."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    body: bytes | None  # None for 304 Not Modified
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def feed_session(
    *, allow_private: bool, resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """The session feeds are fetched with. Unless private hosts are allowed, its connector
    resolves through `PublicOnlyResolver`, so no connection reaches a private address even when
    a name changes its answer between the check and the connect (DNS rebinding)."""
    if not allow_private:
        resolver = PublicOnlyResolver(resolver)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver))


class Fetcher:
    """One shared aiohttp session; each fetch is bounded in time and size.

    With `allow_private=False` the session should come from `feed_session(allow_private=False)`:
    the fetcher checks each URL and redirect target, the session's resolver each connection.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout: float = 20.0,
        max_bytes: int = 5 * 1024 * 1024,
        retries: int = 2,
        backoff: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        allow_private: bool = False,
    ) -> None:
        self.session = session
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._jitter = jitter

    async def read(self, source: str) -> FetchResult:
        """Fetch `source` if it is an http(s) URL, else read it as a local file (the CLI)."""
        if source.startswith(("http://", "https://")):
            return await self.fetch(source)
        return self._read_file(source)

    async def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`, retrying transient failures with backoff."""
        attempt = 0
        while True:
            try:
                return await self._get(url, etag, last_modified)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
            delay = self.backoff * (2**attempt) * (0.5 + self._jitter())
            attempt += 1
            await self._sleep(delay)

    async def _get(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._check(url)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(URL(url), headers, etag, last_modified)
        except TimeoutError as exc:
            raise FetchError(f"timed out after {self.timeout:g} s", retryable=True) from exc
        except aiohttp.ClientError as exc:
            if _refused_address(exc):
                raise FetchError(NOT_ALLOWED, retryable=False) from exc
            log.info("fetching %s failed: %r", url, exc)  # the detail stays in the log
            raise FetchError(COULD_NOT_CONNECT, retryable=True) from exc

    async def _follow(
        self, url: URL, headers: dict[str, str], etag: str | None, last_modified: str | None
    ) -> FetchResult:
        """GET `url`, following up to MAX_REDIRECTS redirects, each target checked first."""
        for _ in range(MAX_REDIRECTS + 1):
            async with self.session.get(url, headers=headers, allow_redirects=False) as resp:
                if resp.status not in REDIRECT_STATUSES:
                    return await self._result(resp, etag, last_modified)
                url = _redirect_target(resp)
            self._check(str(url))
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", retryable=False)

    def _check(self, url: str) -> None:
        refusal = url_refusal(url, allow_private=self.allow_private)
        if refusal == NOT_ALLOWED:
            raise FetchError(NOT_ALLOWED, retryable=False)
        if refusal is not None:
            raise FetchError(f"the URL {refusal}", retryable=False)

    async def _result(
        self, resp: aiohttp.ClientResponse, etag: str | None, last_modified: str | None
    ) -> FetchResult:
        url = str(resp.url)
        if resp.status == 304:
            return FetchResult(url, 304, None, etag, last_modified)
        if resp.status in RETRY_STATUSES:
            raise FetchError(f"HTTP {resp.status}", retryable=True)
        if resp.status >= 400:
            raise FetchError(f"HTTP {resp.status}", retryable=False)
        declared = resp.content_length
        if declared is not None and declared > self.max_bytes:
            raise FetchError(f"body is over the {self.max_bytes:,}-byte cap", retryable=False)
        body = await self._read_capped(resp)
        return FetchResult(
            url, resp.status, body, resp.headers.get("ETag"), resp.headers.get("Last-Modified")
        )

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"body is over the {self.max_bytes:,}-byte cap", retryable=False)
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_file(self, path: str) -> FetchResult:
        file = Path(path.removeprefix("file://"))
        try:
            size = file.stat().st_size
            if size > self.max_bytes:
                raise FetchError(
                    f"file of {size:,} bytes is over the {self.max_bytes:,}-byte cap",
                    retryable=False,
                )
            return FetchResult(str(file), 200, file.read_bytes())
        except OSError as exc:
            raise FetchError(f"cannot read {file}: {exc.strerror}", retryable=False) from exc


def _redirect_target(resp: aiohttp.ClientResponse) -> URL:
    location = resp.headers.get("Location")
    if not location:
        raise FetchError("a redirect without a target", retryable=False)
    try:
        return resp.url.join(URL(location))
    except ValueError as exc:
        raise FetchError("a redirect to an invalid URL", retryable=False) from exc


def _refused_address(exc: BaseException) -> bool:
    """Whether the connector refused the address (`PublicOnlyResolver`), anywhere in the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AddressNotAllowed):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
