"""A real HTTP server on 127.0.0.1 answering the Hugging Face Hub's model API as recorded.

`GET /api/models/{owner}/{name}` answers a repo's model info (or the error the Hub gives:
404 `RepoNotFound`, 401 `GatedRepo`, 500); `GET /api/models?author=X` lists an author's repos,
a page at a time with the Hub's `Link: <...>; rel="next"` header. The bodies are the JSON the Hub
documents (https://huggingface.co/docs/hub/api), written in tests/data/hub/.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.feed_server import serving

HUB_DATA = Path(__file__).parent / "data" / "hub"
ERROR_CODES = {404: "RepoNotFound", 401: "GatedRepo"}


def recorded(name: str) -> dict[str, Any]:
    """A recorded model-info body from tests/data/hub/ (by file stem)."""
    return json.loads((HUB_DATA / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class HubServer:
    port: int = 0
    infos: dict[str, tuple[int, Any]] = field(default_factory=dict)  # repo -> status, body
    authors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 2
    hits: Counter[str] = field(default_factory=Counter)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def model(self, body: dict[str, Any], status: int = 200) -> None:
        self.infos[body["id"]] = (status, body)

    def fail(self, repo: str, status: int) -> None:
        self.infos[repo] = (status, {"error": f"{status} for {repo}"})

    async def handle_info(self, request: web.Request) -> web.Response:
        repo = f"{request.match_info['owner']}/{request.match_info['name']}"
        self.hits[repo] += 1
        status, body = self.infos.get(repo, (404, {"error": "Repository not found"}))
        headers = {"X-Error-Code": ERROR_CODES[status]} if status in ERROR_CODES else {}
        if isinstance(body, bytes):
            return web.Response(status=status, body=body, content_type="application/json")
        return web.json_response(body, status=status, headers=headers)

    async def handle_list(self, request: web.Request) -> web.Response:
        author = request.query.get("author", "")
        self.hits[f"list:{author}"] += 1
        models = self.authors.get(author, [])
        start = int(request.query.get("skip", "0"))
        page = models[start : start + self.page_size]
        headers = {}
        if start + self.page_size < len(models):
            query = dict(request.query)
            query["skip"] = str(start + self.page_size)
            url = request.url.with_query(query)
            headers["Link"] = f'<{url}>; rel="next"'
        return web.json_response(page, headers=headers)


@asynccontextmanager
async def hub_server() -> AsyncIterator[HubServer]:
    server = HubServer()
    app = web.Application()
    app.router.add_get("/api/models", server.handle_list)
    app.router.add_get("/api/models/{owner}/{name}", server.handle_info)
    async with serving(app) as port:
        server.port = port
        yield server
