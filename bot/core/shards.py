"""Which guilds a process serves: Discord puts a guild on shard (guild_id >> 22) % shard_count;
DMs and rows of no guild go to shard 0."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShardScope:
    """The shards one process runs, out of `shard_count`."""

    shard_count: int
    shard_ids: frozenset[int]

    @classmethod
    def everything(cls) -> ShardScope:
        """One process, no sharding: every guild and every DM."""
        return cls(1, frozenset({0}))

    @property
    def is_everything(self) -> bool:
        return self.shard_ids >= frozenset(range(self.shard_count))

    def holds(self, guild_id: str | None) -> bool:
        """Whether the guild (None: a DM) is on one of this process's shards."""
        return shard_of(guild_id, self.shard_count) in self.shard_ids


def shard_of(guild_id: str | None, shard_count: int) -> int:
    """The shard Discord puts the guild on (DMs: shard 0)."""
    if guild_id is None:
        return 0
    return (int(guild_id) >> 22) % shard_count
