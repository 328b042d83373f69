"""A real HTTP server on 127.0.0.1 that serves feeds the way tests need them to misbehave."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    etag: str | None = None
    delay: float = 0.0
    endless: bool = False  # stream forever
    chunked: bool = False  # no Content-Length
    fail_times: int = 0  # answer 500 this many times first
    content_type: str = "application/rss+xml"
    redirect: str | None = None  # answer `status` (302 unless a 3xx is given) with this Location
    each: Callable[[int], str] | None = None  # the body of the n-th fetch (1, 2, ...), if set


@dataclass
class FeedServer:
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)
    conditional_hits: Counter = field(default_factory=Counter)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, **options) -> str:
        self.routes[path] = Route(body.encode() if isinstance(body, str) else body, **options)
        return self.url(path)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        route = self.routes.get(path)
        if route is None:
            return web.Response(status=404)
        if route.delay:
            await asyncio.sleep(route.delay)
        if route.fail_times > 0:
            route.fail_times -= 1
            return web.Response(status=500, text="boom")
        if route.etag and request.headers.get("If-None-Match") == route.etag:
            self.conditional_hits[path] += 1
            return web.Response(status=304, headers={"ETag": route.etag})
        if route.redirect is not None:
            status = route.status if 300 <= route.status < 400 else 302
            return web.Response(status=status, headers={"Location": route.redirect})
        if route.status != 200:
            return web.Response(status=route.status, text="no")
        headers = {"ETag": route.etag} if route.etag else {}
        if route.each is not None:
            route.body = route.each(self.hits[path]).encode()
        if route.endless or route.chunked:
            response = web.StreamResponse(headers={"Content-Type": route.content_type, **headers})
            response.enable_chunked_encoding()
            await response.prepare(request)
            chunk = route.body or b"<rss>" + b"x" * 65536
            try:
                if route.endless:
                    while True:
                        await response.write(chunk)
                        await asyncio.sleep(0)
                else:
                    await response.write(route.body)
            except (ConnectionResetError, RuntimeError):
                pass
            return response
        return web.Response(
            body=route.body, headers={"Content-Type": route.content_type, **headers}
        )


@asynccontextmanager
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", server.handle)
    async with serving(app) as port:
        server.port = port
        yield server


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[int]:
    """Serve `app` on a free loopback port (yielded) until the block ends."""
    # A handler stops when its client hangs up (a delayed answer nobody waits for any more
    # would hold up the shutdown).
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


class NameMap(AbstractResolver):
    """A resolver for tests: made-up names (`feeds.example`) answer the given addresses, so a
    fetch can reach the local feed server under a name; other names do not resolve."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.names:
            raise OSError(f"{host} does not resolve")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.names[host]
        ]

    async def close(self) -> None:
        return None


def rss(
    items: list[dict], title: str = "Test feed", link: str = "https://vendor.example/news"
) -> str:
    """A small RSS 2.0 document; each item: title, link, guid, date (RFC 822), description."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title><link>{link}</link><description>d</description>'
    ]
    for item in items:
        parts.append("<item>")
        for tag in ("title", "link", "guid", "description"):
            if item.get(tag) is not None:
                parts.append(f"<{tag}>{item[tag]}</{tag}>")
        if item.get("date"):
            parts.append(f"<pubDate>{item['date']}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts)


def slow_feed(entries: int = 10_000) -> str:
    """A feed that takes seconds to parse (2 MB, 10,000 entries), far past a test's short
    parse time limit; a healthy small feed parses in milliseconds."""
    return rss(
        [
            {"title": f"Item {i}", "link": f"https://s.example/{i}", "description": "x " * 50}
            for i in range(entries)
        ]
    )
