"""What the stand-in's own tests share when they talk to it as raw HTTP (no discord.py)."""

from __future__ import annotations

from tests.standin.common import TOKEN

AUTH = {"Authorization": f"Bot {TOKEN}"}


def first_error(body: dict, *path: str) -> dict:
    """The first of Discord's field errors at `path` in a 400's body."""
    node = body["errors"]
    for key in path:
        node = node[key]
    return node["_errors"][0]
