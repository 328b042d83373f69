"""The one interface every sync source implements: where to fetch, how to parse, whom to credit.

An adapter does no I/O: the sync engine fetches (conditional GET, content hash, backoff) and
hands the body to `parse`, which maps it to a `Batch` of claims with provenance. Parsing the same
body twice gives the same batch, so an adapter is tested on recorded bodies alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.records import Batch, SourceRec


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
