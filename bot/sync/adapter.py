"""The one interface every sync source implements: where to fetch, how to parse, whom to credit.

An adapter does no I/O: the sync engine fetches (conditional GET, content hash, backoff) and
hands the body to `parse`, which maps it to a `Batch` of claims with provenance. Parsing the same
body twice gives the same batch, so an adapter is tested on recorded bodies alone.

A source that is not one URL (the Hugging Face Hub: one request per repo, through its own
client) is a `CollectingAdapter`: the engine calls its `collect` in place of the conditional
GET, then hashes, parses, diffs and applies the body like any other. An adapter may also name
the change kinds that become release-watch entries (`announces`; default: all of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeGuard

from bot.core.records import Batch, SourceRec

if TYPE_CHECKING:
    from bot.store.catalog import CatalogStore


@dataclass(frozen=True)
class Fetched:
    """A source body as fetched (or read from a file), with what the sync engine learnt of it."""

    body: bytes
    url: str
    as_of: str  # ISO date the data describes (the snapshot's date, or the fetch day)
    etag: str | None = None
    last_modified: str | None = None
    version: str | None = None  # e.g. the package version a bundled snapshot came from


class SyncAdapter(Protocol):
    """A maintained public source, mapped to catalog claims."""

    key: str  # stable handle, also the catalog source key: 'litellm', 'genai-prices', 'epoch'
    source: SourceRec  # name, link, license and the credit shown with its facts
    default_url: str  # where the sync loop fetches it when the network is there
    bundled: str | None  # path under data/ of the offline snapshot, if one ships

    def parse(self, fetched: Fetched) -> Batch:
        """Map one body to a batch; raise `ImportRejected` naming what is wrong with it."""
        ...


class SourceUnavailable(Exception):
    """A collecting source answered nothing: a failed fetch (backoff, pause, one notice)."""


class CollectingAdapter(SyncAdapter, Protocol):
    """A source that fetches for itself: `collect` does the I/O and returns one body."""

    async def collect(self, catalog: CatalogStore, as_of: str) -> Fetched:
        """Read the source for what `catalog` holds, as of `as_of`; raise `SourceUnavailable`
        when nothing answered."""
        ...


def collects(adapter: SyncAdapter) -> TypeGuard[CollectingAdapter]:
    """Whether the engine must let `adapter` fetch for itself."""
    return callable(getattr(adapter, "collect", None))
