"""In-memory name index: exact, prefix and fuzzy lookups for models and benchmarks.

Autocomplete must answer within milliseconds at 100,000 names, so it never scans every name:
it bisects a sorted list of word-start keys, and only scores the few hundred candidates that
share a prefix with the query. Resolving a typed name (a command, not a keystroke) may afford
a full fuzzy scan.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.names import normalize, word_starts

AUTOCOMPLETE_LIMIT = 25
_POOL = 400  # candidates scored per keystroke at most
_FUZZY_CUTOFF = 60.0
_PREFIX_SCORE = 86.0
_SHORT_PREFIX = 8  # a family name typed whole ranks its variants just under a near-exact hit
_CLOSE_SPELLING = 80.0  # a fuzzy-only alternative is offered only when spelled this close
_ORG_MATCH = 95.0  # an organisation's name followed by one of its model's names
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
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
        self.entries: list[NameEntry] = list(entries)
        self._exact: dict[str, int] = {}
        pairs: list[tuple[str, int]] = []
        for i, entry in enumerate(self.entries):
            for name in (entry.name, *entry.aliases):
                norm = normalize(name)
                if norm:
                    self._exact.setdefault(norm, i)
                for key in word_starts(name):
                    pairs.append((key, i))
        pairs.sort()
        self._keys = [key for key, _ in pairs]
        self._owners = [i for _, i in pairs]
        self._name_norms = [normalize(entry.name) for entry in self.entries]
        self._norms = list(self._exact)
        self._sorted_norms = sorted(self._exact)
        self._short_prefixes: set[str] | None = None
        self._norm_owner = list(self._exact.values())
        self._org_members = _org_members(self.entries, org_aliases or {})
        # Newest first for an empty query: what people most likely want to look up.
        self._recent = sorted(
            range(len(self.entries)), key=lambda i: self.entries[i].released or "", reverse=True
        )

    def __len__(self) -> int:
        return len(self.entries)

    def exact(self, text: str) -> NameEntry | None:
        return self.by_key(normalize(text))

    def by_key(self, key: str) -> NameEntry | None:
        """The entry whose name or alias normalises to `key` (already normalised)."""
        i = self._exact.get(key)
        return None if i is None else self.entries[i]

    def is_prefix(self, key: str) -> bool:
        """Whether some name or alias key starts with `key` (already normalised).

        Short keys (most words of running text) are answered from a set built on first use;
        longer ones by bisecting the sorted keys.
        """
        if len(key) <= _SHORT_PREFIX:
            if self._short_prefixes is None:
                self._short_prefixes = {
                    norm[:n]
                    for norm in self._sorted_norms
                    for n in range(1, min(len(norm), _SHORT_PREFIX) + 1)
                }
            return key in self._short_prefixes
        i = bisect_left(self._sorted_norms, key)
        return i < len(self._sorted_norms) and self._sorted_norms[i].startswith(key)

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
        exact = self._exact.get(query)
        if exact is not None:
            others = [
                i for i in self._prefix_candidates(query, alternatives + 1, True) if i != exact
            ]
            return Match(self.entries[exact], True, 100.0, self._pick(others[:alternatives]))
        by_org = self._resolve_in_org(text, alternatives)
        if by_org is not None:
            return by_org
        scores: dict[int, float] = {}
        for norm, score, pos in process.extract(
            query,
            self._norms,
            scorer=fuzz.ratio,
            limit=alternatives * 4,
            score_cutoff=_FUZZY_CUTOFF,
        ):
            owner = self._norm_owner[pos]
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
        entry, norm = self.entries[best], self._name_norms[best]
        family = normalize(entry.family or "")
        return [
            i
            for i in candidates
            if self._name_norms[i].startswith(norm)
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
        names = [self._name_norms[i] for i in members]
        close = process.extract(
            query, names, scorer=fuzz.ratio, limit=5, score_cutoff=_CLOSE_SPELLING
        )
        return [members[j] for _, _, j in close]

    def _pick(self, indexes: Iterable[int]) -> tuple[NameEntry, ...]:
        return tuple(self.entries[i] for i in indexes)

    def _range(self, prefix: str) -> range:
        lo = bisect_left(self._keys, prefix)
        hi = bisect_left(self._keys, prefix + "\U0010ffff", lo)
        return range(lo, hi)

    def _prefix_candidates(self, query: str, limit: int, whole_numbers: bool = False) -> list[int]:
        """Entries with a word starting with `query`; whole-name prefixes and short names first.

        With `whole_numbers`, a query ending in a digit does not match inside a longer number.
        """
        span = self._range(query)
        seen: dict[int, tuple[int, int, str]] = {}
        for pos in span[:_POOL]:
            owner = self._owners[pos]
            if owner in seen or (whole_numbers and not _starts_whole(self._keys[pos], query)):
                continue
            entry = self.entries[owner]
            whole = 0 if self._name_norms[owner].startswith(query) else 1
            seen[owner] = (whole, len(entry.name), _invert(entry.released))
        return sorted(seen, key=seen.__getitem__)[:limit]

    def _typo_candidates(self, query: str, limit: int) -> list[int]:
        """Entries whose keys share a shorter prefix with `query`, ranked by similarity."""
        for cut in range(len(query) - 1, 1, -1):
            span = self._range(query[:cut])
            if not span:
                continue
            pool = span[:_POOL]
            keys = [self._keys[pos][: len(query) + 4] for pos in pool]
            ranked = process.extract(
                query, keys, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=_FUZZY_CUTOFF
            )
            out: list[int] = []
            for _, _, j in ranked:
                owner = self._owners[pool[j]]
                if owner not in out:
                    out.append(owner)
            return out
        return []


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
