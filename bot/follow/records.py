"""What the watchlist service answers (rendered by bot/render/follow.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.follows import FollowRecord, FollowUser


@dataclass(frozen=True)
class Followed:
    follow_id: int
    kind: str
    target: str
    what: tuple[str, ...]
    new: bool
    resumed: bool


@dataclass(frozen=True)
class Watchlist:
    follows: tuple[FollowRecord, ...]
    user: FollowUser | None
    waiting: int  # changes not yet sent
    resumed: bool  # this look unpaused the user's DMs
    limit: int
