"""In-memory name index: exact, prefix and fuzzy lookups for models and benchmarks.

Autocomplete must answer within milliseconds at 100,000 names, so it never scans every name:
it bisects the sorted word-start keys, and only scores the few hundred candidates that share a
prefix with the query, or with a one-edit variant of its first letters (a typo in the first two
characters still finds the name). Resolving a typed name (a command, not a keystroke) may
afford a full fuzzy scan.

Memory: the keys are not strings. Every normalised name and alias is one segment of a single
bytes blob, and a key is an offset into it (a 4-byte array item, not a 60-byte str), kept
sorted by the bytes it starts; exact lookups bisect the segments sorted the same way.
"""

from __future__ import annotations

import gc
import heapq
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.names import clean_text, normalize, word_starts

AUTOCOMPLETE_LIMIT = 25
_POOL = 400  # candidates scored per keystroke at most
_FUZZY_CUTOFF = 60.0
_PREFIX_SCORE = 86.0
_SHORT_PREFIX = 8  # a family name typed whole ranks its variants just under a near-exact hit
_CLOSE_SPELLING = 80.0  # a fuzzy-only alternative is offered only when spelled this close
_ORG_MATCH = 95.0  # an organisation's name followed by one of its model's names
_WORDS = re.compile(r"\w+")
_RUNS = re.compile(r"[^\W\d_]+|\d+")  # as `word_starts` splits a name
_SORT_BYTES = 24  # keys are ordered by their first bytes; longer queries filter the range
_OWNER_BITS = 26  # up to 67 million entries per index
_RECENT = 100  # the newest entries kept for an empty query
_STRIDE = 32  # every 32nd sorted key is sampled (as bytes) to bisect in C first
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SEP = b"\0"


@dataclass(frozen=True, slots=True)
class NameEntry:
    id: int
    name: str
    org: str | None = None
    family: str | None = None
    released: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """The outcome of resolving typed text: the best entry, how sure, and close alternatives."""

    entry: NameEntry
    exact: bool
    score: float
    alternatives: tuple[NameEntry, ...] = ()


class NameIndex:
    """Names and aliases of one kind of thing (models, benchmarks) with fast lookups."""

    def __init__(
        self, entries: Iterable[NameEntry], org_aliases: Mapping[str, str] | None = None
    ) -> None:
        """`org_aliases` maps other names of an organisation (any spelling) to its name."""
        self.entries: list[NameEntry] = [_interned(e) for e in entries]
        self._keys = _Keys(self.entries)
        self._org_members = _org_members(self.entries, org_aliases or {})
        # Newest first for an empty query: what people most likely want to look up.
        # (A heap, not a sort of every entry: no single long call holds the interpreter.)
        recent = heapq.nlargest(
            _RECENT, range(len(self.entries)), key=lambda i: self.entries[i].released or ""
        )
        self._recent = array("i", recent)

    def __len__(self) -> int:
        return len(self.entries)

    def exact(self, text: str) -> NameEntry | None:
        return self.by_key(normalize(text))

    def by_key(self, key: str) -> NameEntry | None:
        """The entry whose name or alias normalises to `key` (already normalised)."""
        i = self._keys.exact(key)
        return None if i is None else self.entries[i]

    def is_prefix(self, key: str) -> bool:
        """Whether some name or alias key starts with `key` (already normalised)."""
        return self._keys.is_prefix(key)

    def org_members(self, text: str) -> list[NameEntry]:
        """The models of the organisation `text` spells (its name, first word or an alias)."""
        return [self.entries[i] for i in self._org_members.get(normalize(text), ())]

    def autocomplete(self, text: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[NameEntry]:
        """Up to `limit` entries for a partly typed name, best first."""
        query = normalize(text)
        if not query:
            return [self.entries[i] for i in self._recent[:limit]]
        ranked = self._prefix_candidates(query, limit)
        if len(ranked) < limit:
            ranked.extend(i for i in self._typo_candidates(query, limit) if i not in ranked)
        return [self.entries[i] for i in ranked[:limit]]

    def resolve(self, text: str, alternatives: int = 5) -> Match | None:
        """The entry `text` most likely means, or None if nothing is close enough.

        Alternatives ("did you mean") are offered only when they help: names that start with
        what was typed (whole numbers: 'r1' is not 'R101'), variants of the best match, or
        names spelled almost the same.
        """
        query = normalize(text)
        if not query:
            return None
        exact = self._keys.exact(query)
        if exact is not None:
            others = [
                i for i in self._prefix_candidates(query, alternatives + 1, True) if i != exact
            ]
            return Match(self.entries[exact], True, 100.0, self._pick(others[:alternatives]))
        by_org = self._resolve_in_org(text, alternatives)
        if by_org is not None:
            return by_org
        scores: dict[int, float] = {}
        norms = self._keys.all_norms()
        for norm, score, pos in process.extract(
            query,
            norms,
            scorer=fuzz.ratio,
            limit=alternatives * 4,
            score_cutoff=_FUZZY_CUTOFF,
        ):
            owner = self._keys.owner_of_segment(pos)
            scores[owner] = max(scores.get(owner, 0.0), score - 0.01 * abs(len(norm) - len(query)))
        prefixed = self._prefix_candidates(query, alternatives * 4, True)
        for i in prefixed:
            scores[i] = max(scores.get(i, 0.0), _PREFIX_SCORE)
        if not scores:
            return None
        order = sorted(scores, key=lambda i: (-scores[i], len(self.entries[i].name)))
        best = order[0]
        helpful = set(prefixed) | {i for i in order if scores[i] >= _CLOSE_SPELLING}
        helpful |= set(self._variants_of(best, order))
        others = [i for i in order[1:] if i in helpful]
        return Match(self.entries[best], False, scores[best], self._pick(others[:alternatives]))

    def _variants_of(self, best: int, candidates: Iterable[int]) -> list[int]:
        """Candidates of the best match's family, or named as the best match plus more."""
        entry, norm = self.entries[best], self._keys.name_norm(best)
        family = normalize(entry.family or "")
        return [
            i
            for i in candidates
            if self._keys.name_norm(i).startswith(norm)
            or (family and normalize(self.entries[i].family or "") == family)
        ]

    def _resolve_in_org(self, text: str, alternatives: int) -> Match | None:
        """'openai sora': an organisation's name, then a name among that organisation's models."""
        words = _WORDS.findall(text)
        for cut in range(len(words) - 1, 0, -1):
            members = self._org_members.get(normalize("".join(words[:cut])))
            rest = normalize("".join(words[cut:]))
            if not members or not rest:
                continue
            ranked = self._rank_within(rest, members)
            if ranked:
                best, *others = ranked
                return Match(
                    self.entries[best], False, _ORG_MATCH, self._pick(others[:alternatives])
                )
        return None

    def _rank_within(self, query: str, members: list[int]) -> list[int]:
        """Members named `query` exactly, then those with a word starting with it, then spelled
        closely; empty if none is close."""
        exact, prefixed = [], []
        for i in members:
            entry = self.entries[i]
            norms = [normalize(n) for n in (entry.name, *entry.aliases)]
            if query in norms:
                exact.append(i)
            elif any(
                _starts_whole(key, query)
                for n in (entry.name, *entry.aliases)
                for key in word_starts(n)
            ):
                prefixed.append(i)
        prefixed.sort(key=lambda i: (len(self.entries[i].name), _invert(self.entries[i].released)))
        if exact or prefixed:
            return exact + prefixed
        names = [self._keys.name_norm(i) for i in members]
        close = process.extract(
            query, names, scorer=fuzz.ratio, limit=5, score_cutoff=_CLOSE_SPELLING
        )
        return [members[j] for _, _, j in close]

    def _pick(self, indexes: Iterable[int]) -> tuple[NameEntry, ...]:
        return tuple(self.entries[i] for i in indexes)

    def _prefix_candidates(self, query: str, limit: int, whole_numbers: bool = False) -> list[int]:
        """Entries with a word starting with `query`; whole-name prefixes and short names first.

        With `whole_numbers`, a query ending in a digit does not match inside a longer number.
        """
        keys = self._keys
        seen: dict[int, tuple[int, int, str]] = {}
        for pos in keys.matching(query, _POOL):
            owner = keys.owner(pos)
            if owner in seen or (whole_numbers and not _starts_whole(keys.key(pos, query), query)):
                continue
            entry = self.entries[owner]
            whole = 0 if keys.name_starts(owner, query) else 1
            seen[owner] = (whole, len(entry.name), _invert(entry.released))
        return sorted(seen, key=seen.__getitem__)[:limit]

    def _typo_candidates(self, query: str, limit: int) -> list[int]:
        """Entries with a key one edit from the query's start (where its longest known prefix
        ends, or in its first two characters), ranked by similarity to the query."""
        keys = self._keys
        cut = keys.longest_prefix(query)
        spans = [
            span
            for variant in _edits(query, sorted({0, 1, max(cut - 1, 0), cut}))
            if keys.is_key_head(variant) and (span := keys.span(variant))[0] < span[1]
        ]
        if not spans and cut >= 2:  # two typos: score what shares the longest prefix
            spans = [keys.span(query[:cut])]
        positions = _round_robin(spans, _POOL)
        texts = [keys.key(pos, query)[: len(query)] for pos in positions]
        scores: dict[int, float] = {}
        for _, score, j in process.extract(
            query, texts, scorer=fuzz.ratio, limit=None, score_cutoff=_FUZZY_CUTOFF
        ):
            owner = keys.owner(positions[j])
            scores[owner] = max(scores.get(owner, 0.0), score)
        order = sorted(
            scores,
            key=lambda i: (
                -scores[i],
                len(self.entries[i].name),
                _invert(self.entries[i].released),
            ),
        )
        return order[: limit * 2]


def _round_robin(spans: list[tuple[int, int]], limit: int) -> list[int]:
    """Up to `limit` positions taken in turn from each span, so no one span crowds out the rest."""
    out: list[int] = []
    depth = 0
    while len(out) < limit:
        taken = False
        for lo, hi in spans:
            if lo + depth < hi:
                out.append(lo + depth)
                taken = True
        if not taken:
            break
        depth += 1
    return out[:limit]


class _Keys:
    """The normalised names and aliases as one bytes blob, with sorted offset arrays.

    A segment is one normalised name or alias; a key starts at one of its word starts and
    runs to the segment's end. `_order` holds key offsets sorted by their bytes, `_whole` the
    segments' offsets sorted by the whole segment (exact lookups), `_heads` every key's first 1-3 bytes (to
    drop typo variants that start no key without a bisect), `_short` hashes of every
    segment's first 1-8 characters (running-text words are checked against names often).
    """

    def __init__(self, entries: list[NameEntry]) -> None:
        parts: list[bytes] = []
        starts = array("I")
        owners = array("i")
        name_segment = array("i")
        keys: list[int] = []  # (offset << _OWNER_BITS) | owner, for each word start
        wholes: list[int] = []  # the same for each segment's start
        offset = 0
        for i, entry in enumerate(entries):
            name_segment.append(len(owners))
            for name in (entry.name, *entry.aliases):
                text = name.lower() if name.isascii() else clean_text(name).casefold()
                runs = [r.encode() for r in _RUNS.findall(text)]
                seg = b"".join(runs)
                starts.append(offset)
                owners.append(i)
                parts.append(seg)
                wholes.append((offset << _OWNER_BITS) | i)
                at = offset
                for run in runs:
                    keys.append((at << _OWNER_BITS) | i)
                    at += len(run)
                offset += len(seg) + 1
        starts.append(offset)
        self._blob = blob = _SEP.join(parts) + _SEP
        self._starts, self._owners, self._name_segment = starts, owners, name_segment
        self._heads: set[bytes] = set()
        self._order, self._key_owner = _sorted_offsets(blob, keys, _SORT_BYTES, self._heads)
        self._whole, self._whole_owner = _sorted_offsets(blob, wholes, None, set())
        self._sample = [blob[o : o + _SORT_BYTES] for o in self._order[::_STRIDE]]
        self._short = _ShortPrefixes(parts)

    # ---- segments -------------------------------------------------------------------------

    def segment(self, s: int) -> bytes:
        return self._blob[self._starts[s] : self._starts[s + 1] - 1]

    def owner_of_segment(self, s: int) -> int:
        return self._owners[s]

    def name_norm(self, entry: int) -> str:
        """The normalised name (not alias) of an entry."""
        return self.segment(self._name_segment[entry]).decode()

    def name_starts(self, entry: int, text: str) -> bool:
        """Whether the entry's normalised name starts with `text`."""
        return self._blob.startswith(text.encode(), self._starts[self._name_segment[entry]])

    def all_norms(self) -> list[str]:
        """Every segment, decoded (a full scan: for resolving a command, not per keystroke)."""
        return self._blob.decode().split("\0")[:-1]

    def exact(self, norm: str) -> int | None:
        """The first entry with a name or alias normalising to `norm`."""
        target = norm.encode()
        i = bisect_left(self._whole, target, key=self._segment_at)
        if i < len(self._whole) and self._segment_at(self._whole[i]) == target:
            return self._whole_owner[i]
        return None

    def _segment_at(self, offset: int) -> bytes:
        return self._blob[offset : self._blob.index(_SEP, offset)]

    def is_prefix(self, norm: str) -> bool:
        """Whether some whole name or alias starts with `norm`."""
        if len(norm) <= _SHORT_PREFIX:
            return norm in self._short
        target = norm.encode()
        i = bisect_left(self._whole, target, key=self._segment_at)
        return i < len(self._whole) and self._blob.startswith(target, self._whole[i])

    # ---- word-start keys ------------------------------------------------------------------

    def is_key_head(self, text: str) -> bool:
        """Whether some key may start with `text` (its first three bytes start a key)."""
        return text.encode()[:3] in self._heads

    def longest_prefix(self, text: str) -> int:
        """The length of the longest start of `text` that starts some key."""
        lo, hi = 0, len(text)  # prefix existence only shrinks as the prefix grows
        while lo < hi:
            mid = (lo + hi + 1) // 2
            a, b = self.span(text[:mid])
            lo, hi = (mid, hi) if a < b else (lo, mid - 1)
        return lo

    def span(self, text: str) -> tuple[int, int]:
        """The sorted positions [lo, hi) of the keys whose first bytes are `text`'s (cut to the
        sort width: longer texts are filtered by `matching`)."""
        head = text.encode()[:_SORT_BYTES]
        cut = len(head)
        blob, order, sample = self._blob, self._order, self._sample

        def bytes_at(o: int) -> bytes:
            return blob[o : o + cut]

        # The sample (every _STRIDE-th key's first bytes, a list of bytes) narrows the search
        # in C; the offsets are bisected within one stride.
        size = len(order)
        block = bisect_left(sample, head)
        start, stop = max(0, (block - 1) * _STRIDE), min(size, block * _STRIDE + 1)
        lo = bisect_left(order, head, start, stop, key=bytes_at)
        block = bisect_right(sample, head + b"\xff" * (_SORT_BYTES - cut + 1))
        start, stop = max(lo, (block - 1) * _STRIDE), min(size, block * _STRIDE + 1)
        hi = bisect_right(order, head, start, stop, key=bytes_at)
        return lo, hi

    def matching(self, text: str, limit: int) -> list[int]:
        """Up to `limit` key positions (indexes into the sorted keys) that start with `text`."""
        target = text.encode()
        lo, hi = self.span(text)
        if len(target) <= _SORT_BYTES:
            return list(range(lo, min(hi, lo + limit)))
        found = []
        for pos in range(lo, hi):
            if self._blob.startswith(target, self._order[pos]):
                found.append(pos)
                if len(found) >= limit:
                    break
        return found

    def key(self, pos: int, query: str) -> str:
        """The key at a sorted position, cut a few characters past the query's length."""
        o = self._order[pos]
        raw = self._blob[o : o + len(query.encode()) + 8]
        return raw.split(_SEP, 1)[0].decode(errors="ignore")

    def owner(self, pos: int) -> int:
        return self._key_owner[pos]


class _ShortPrefixes:
    """Hashes of every segment's first 1-8 characters, bucketed and sorted in an array: a
    membership test without a set of millions of small strings."""

    _BUCKETS = 4096

    def __init__(self, segments: list[bytes]) -> None:
        buckets: list[set[int]] = [set() for _ in range(self._BUCKETS)]
        for seg in segments:
            text = seg.decode()
            for n in range(1, min(len(text), _SHORT_PREFIX) + 1):
                h = hash(text[:n])
                buckets[h % self._BUCKETS].add(h)
        self._hashes = array("q")
        self._bounds = array("I", [0])
        for bucket in buckets:
            self._hashes.extend(sorted(bucket))
            self._bounds.append(len(self._hashes))

    def __contains__(self, text: object) -> bool:
        h = hash(text)
        b = h % self._BUCKETS
        lo, hi = self._bounds[b], self._bounds[b + 1]
        i = bisect_left(self._hashes, h, lo, hi)
        return i < hi and self._hashes[i] == h


def _sorted_offsets(
    blob: bytes, packed: list[int], width: int | None, heads: set[bytes]
) -> tuple[array[int], array[int]]:
    """Offsets (packed with their owner) sorted by the bytes they start (the first `width`, or
    up to the separator), as two arrays: offsets and owners. Sorted bucket by bucket (by first
    three bytes; each bucket's head and its prefixes noted in `heads`) so that no single sort
    holds the interpreter long while the bot answers others. Stable: equal segments keep
    their order."""
    buckets: dict[bytes, list[int]] = {}
    for v in packed:
        o = v >> _OWNER_BITS
        buckets.setdefault(blob[o : o + 3].split(_SEP, 1)[0], []).append(v)
    offsets, owners = array("I"), array("i")
    mask = (1 << _OWNER_BITS) - 1
    for head in sorted(buckets):
        heads.update((head, head[:2], head[:1]))
        group = buckets[head]
        if width is None:
            group.sort(key=lambda v: blob[v >> _OWNER_BITS : blob.index(_SEP, v >> _OWNER_BITS)])
        else:
            group.sort(key=lambda v: blob[v >> _OWNER_BITS : (v >> _OWNER_BITS) + width])
        offsets.extend(v >> _OWNER_BITS for v in group)
        owners.extend(v & mask for v in group)
    heads.discard(b"")
    return offsets, owners


def _edits(query: str, positions: Iterable[int]) -> list[str]:
    """One-edit variants of `query` at the given positions: substitute, insert, delete, swap."""
    out: dict[str, None] = {}
    for i in positions:
        if i > len(query):
            continue
        head, tail = query[:i], query[i:]
        for c in _ALPHABET:
            out[head + c + tail] = None
            if tail:
                out[head + c + tail[1:]] = None
        if tail:
            out[head + tail[1:]] = None
        if len(tail) >= 2:
            out[head + tail[1] + tail[0] + tail[2:]] = None
    out.pop(query, None)
    return [v for v in out if v]


def _interned(entry: NameEntry) -> NameEntry:
    """The entry with its organisation, family and date strings shared across entries."""
    org, family, released = entry.org, entry.family, entry.released
    if org is None and family is None and released is None:
        return entry
    return NameEntry(
        entry.id,
        entry.name,
        sys.intern(org) if org else org,
        sys.intern(family) if family else family,
        entry.released and sys.intern(entry.released),
        entry.aliases,
    )


@contextmanager
def paused_collection() -> Iterator[None]:
    """Cyclic garbage collection off for the block (if it was on), back on after."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def keep_out_of_collections() -> None:
    """Move every object alive now (the indexes just built, the catalog read at start-up)
    out of the cyclic collector's generations (`gc.freeze`). They live until the next
    refresh and hold no garbage cycles, yet each full collection walked all of them: at
    100k models a collection triggered by an export's allocations held the interpreter,
    and so the event loop, for seconds. Frozen objects are still freed when their last
    reference goes (the old indexes after a refresh)."""
    gc.freeze()


def _starts_whole(key: str, query: str) -> bool:
    """`key` starts with `query`, and not in the middle of a number ('r101' for 'r1')."""
    if not key.startswith(query):
        return False
    return not (query[-1:].isdigit() and key[len(query) : len(query) + 1].isdigit())


def _org_members(entries: list[NameEntry], org_aliases: Mapping[str, str]) -> dict[str, list[int]]:
    """Each spelling of an organisation (its name, its first word, its aliases) -> its models."""
    by_org: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        if entry.org:
            by_org.setdefault(entry.org, []).append(i)
    members: dict[str, list[int]] = {}
    spellings = [(org, org) for org in by_org] + [
        (a, o) for a, o in org_aliases.items() if o in by_org
    ]
    for spelling, org in spellings:
        words = _WORDS.findall(spelling)
        for key in {normalize(spelling), normalize(words[0]) if words else ""} - {""}:
            members.setdefault(key, []).extend(by_org[org])
    return {key: sorted(set(owners)) for key, owners in members.items()}


def _invert(date: str | None) -> str:
    """A sort key that puts later dates first."""
    if not date:
        return "~"
    return "".join(chr(0x7E - ord(c) + 0x20) if c.isdigit() else c for c in date)
