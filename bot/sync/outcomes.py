"""What a sync did, and each source's status: plain records the front ends render."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.sync import SyncState
from bot.sync.changes import ChangeSet


@dataclass(frozen=True)
class SyncOutcome:
    key: str
    ok: bool
    changes: ChangeSet | None = None
    error: str | None = None
    not_modified: bool = False  # 304
    unchanged: bool = False  # the same bytes as the snapshot applied: not parsed
    paused: bool = False
    resumed: bool = False
    entries: int = 0  # release-watch entries the change set added
    skipped: int = 0  # rows the adapter could not read

    def describe(self) -> str:
        if not self.ok:
            return f"{self.key}: sync failed: {self.error}" + (
                " (paused; it is still tried now and then)" if self.paused else ""
            )
        if self.not_modified or self.unchanged:
            how = "not modified (304)" if self.not_modified else "the same content as last time"
            return f"{self.key}: {how}; nothing changed."
        assert self.changes is not None
        text = self.changes.describe()
        if self.entries:
            text += f"\n{self.entries} entries added to the release watch."
        if self.skipped:
            text += f"\n{self.skipped} rows of the snapshot could not be read and were left out."
        return text


@dataclass(frozen=True)
class SyncStatus:
    key: str
    name: str
    enabled: bool
    url: str
    state: SyncState | None
