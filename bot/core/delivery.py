"""How a post reaches a channel of each kind (no Discord here: the poster acts on it).

A target is a text channel, an announcement channel (optionally publishing each post to the
servers that follow it), a thread, or a forum (each post a new forum post, tagged from the
post's labels). Alerts in a text channel may each open a thread for discussion."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TARGET_KINDS = ("text", "announcement", "thread", "forum")
PURPOSES = ("alert", "digest")
MAX_FORUM_TAGS = 5  # Discord's limit of applied tags on one forum post


@dataclass(frozen=True)
class Delivery:
    """A channel's way of taking one purpose's posts (alerts or digests)."""

    channel_id: str
    kind: str = "text"  # one of TARGET_KINDS
    publish: bool = False  # announcement channels: crosspost each post
    thread_per_alert: bool = False  # text and announcement channels: a thread per post
    tag_map: Mapping[str, str] = field(default_factory=dict)  # label -> forum tag name
    guild_id: str = ""
    purpose: str = "alert"

    @property
    def plain(self) -> bool:
        """Posted as a message and nothing more (what every post did before targets)."""
        return self.kind in ("text", "thread") and not self.thread_per_alert


def tag_key(name: str) -> str:
    """A label or tag name as compared: case and punctuation aside ("API only" = "api_only")."""
    return re.sub(r"[\W_]+", "", name.casefold())


def parse_tag_map(text: str | None) -> dict[str, str]:
    """`label=Tag name, label2=Other` as a mapping; ValueError naming a bad pair."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        label, sep, tag = part.partition("=")
        if not sep or not tag_key(label) or not tag_key(tag):
            raise ValueError(part.strip())
        mapping[label.strip()] = tag.strip()
    return mapping


def choose_tags(
    labels: Iterable[str],
    available: Mapping[str, int],
    tag_map: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> list[int]:
    """The forum tag ids for a post's labels, in the labels' order, at most five: a label
    goes through the target's mapping, then the configured one, then names itself;
    `available` maps the forum's tag names to ids. Labels without a matching tag are left."""
    by_key = {tag_key(name): tag_id for name, tag_id in available.items()}
    maps = [{tag_key(k): v for k, v in (m or {}).items()} for m in (tag_map, defaults)]
    chosen: list[int] = []
    for label in labels:
        key = tag_key(label)
        name = next((m[key] for m in maps if key in m), label)
        tag_id = by_key.get(tag_key(name))
        if tag_id is not None and tag_id not in chosen:
            chosen.append(tag_id)
        if len(chosen) == MAX_FORUM_TAGS:
            break
    return chosen
