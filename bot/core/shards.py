"""Which guilds a process serves: Discord's shards, known to the core without Discord.

Discord puts a guild on shard `(guild_id >> 22) % shard_count`; direct messages (and rows that
belong to no guild, such as operator notices) go to shard 0. A process runs some of the shards
(`shard_ids`); its `ShardScope` says which guilds' work is its own.
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int | str | None, shard_count: int) -> int:
    """The shard that holds `guild_id` among `shard_count` (DMs and no guild: shard 0)."""
    if guild_id is None or guild_id == "":
        return 0
    return (int(guild_id) >> 22) % shard_count


def _ranges(ids: list[int]) -> list[str]:
    """Sorted ids as "0-3", "5", "7-8" runs."""
    runs: list[list[int]] = []
    for shard in ids:
        if runs and shard == runs[-1][1] + 1:
            runs[-1][1] = shard
        else:
            runs.append([shard, shard])
    return [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]


@dataclass(frozen=True)
class ShardScope:
    """The shards one process runs: `shard_ids` out of `shard_count`."""

    shard_count: int
    shard_ids: frozenset[int]

    def __post_init__(self) -> None:
        if self.shard_count < 1:
            raise ValueError(f"shard_count must be at least 1, got {self.shard_count}")
        if not self.shard_ids:
            raise ValueError("a shard scope holds at least one shard")
        stray = sorted(s for s in self.shard_ids if not 0 <= s < self.shard_count)
        if stray:
            raise ValueError(f"shard ids {stray} are not below shard_count {self.shard_count}")

    @classmethod
    def everything(cls) -> ShardScope:
        """One process, no sharding: every guild and every DM."""
        return cls(1, frozenset({0}))

    @classmethod
    def of(cls, shard_count: int, shard_ids: list[int] | tuple[int, ...] | None) -> ShardScope:
        """`shard_ids` of `shard_count`; None means all of them (discord.py's default)."""
        ids = range(shard_count) if shard_ids is None else shard_ids
        return cls(shard_count, frozenset(ids))

    @property
    def is_everything(self) -> bool:
        return len(self.shard_ids) == self.shard_count

    def shard_of(self, guild_id: int | str | None) -> int:
        """The shard (of this installation's count) that holds `guild_id`."""
        return shard_of(guild_id, self.shard_count)

    def holds(self, guild_id: int | str | None) -> bool:
        """Whether this process serves `guild_id` (None: a DM or guild-less row, shard 0)."""
        return self.shard_of(guild_id) in self.shard_ids

    def describe(self) -> str:
        """For logs and /about: "shards 0-1 of 4", "shard 2 of 4", "shard 0 of 1"."""
        ids = sorted(self.shard_ids)
        noun = "shard" if len(ids) == 1 else "shards"
        return f"{noun} {', '.join(_ranges(ids))} of {self.shard_count}"
