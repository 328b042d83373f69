"""Fetching feeds over HTTP: conditional GET, a timeout, a size cap, and retries with jitter."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

USER_AGENT = "ReleaseRadar/0.1 (+https://github.com/release-radar; feed reader)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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


class Fetcher:
    """One shared aiohttp session; each fetch is bounded in time and size."""

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
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._jitter = jitter

    async def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url` (or read a local file path), retrying transient failures with backoff."""
        if not url.startswith(("http://", "https://")):
            return self._read_file(url)
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
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self.session.get(
                url, headers=headers, timeout=timeout, allow_redirects=True
            ) as resp:
                if resp.status == 304:
                    return FetchResult(url, 304, None, etag, last_modified)
                if resp.status in RETRY_STATUSES:
                    raise FetchError(f"HTTP {resp.status}", retryable=True)
                if resp.status >= 400:
                    raise FetchError(f"HTTP {resp.status}", retryable=False)
                declared = resp.content_length
                if declared is not None and declared > self.max_bytes:
                    raise FetchError(
                        f"body of {declared:,} bytes is over the {self.max_bytes:,}-byte cap",
                        retryable=False,
                    )
                body = await self._read_capped(resp)
                return FetchResult(
                    url,
                    resp.status,
                    body,
                    resp.headers.get("ETag"),
                    resp.headers.get("Last-Modified"),
                )
        except TimeoutError as exc:
            raise FetchError(f"timed out after {self.timeout:g} s", retryable=True) from exc
        except aiohttp.ClientError as exc:
            raise FetchError(f"connection failed: {type(exc).__name__}", retryable=True) from exc

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
