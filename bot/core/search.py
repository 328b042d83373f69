"""Word search over the catalog: models, organisations, events and event details, ranked.

A hit that holds more of the query's words ranks first, then by FTS5's rank; of each kind only
the hits holding the most words are kept (a model's organisation counts as its words, so
"openai sora" finds Sora, not every OpenAI model). An organisation
named by the whole query brings its latest models and events to the top ("openai" lists
OpenAI's recent releases, not its 2017 Dota bots).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.catalog_reader import CatalogReader
from bot.core.index import NameIndex
from bot.core.names import clean_text
from bot.core.results import EventItem, SearchResults
from bot.store.catalog_records import EventRecord, SearchHit

MODELS_SHOWN = 10
ORGS_SHOWN = 10
EVENTS_SHOWN = 10
MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 tokenizer splits


def search_words(text: str) -> list[str]:
    """The query's distinct words, case-folded, as the search index splits text."""
    words: dict[str, None] = {}
    for word in _WORD.findall(clean_text(text).casefold()):
        words.setdefault(word, None)
    return list(words)[:MAX_WORDS]


def coverage(words: list[str], body: str) -> int:
    """How many of `words` start a word of `body`."""
    tokens = _WORD.findall(body.casefold())
    return sum(1 for w in words if any(t.startswith(w) for t in tokens))


async def search(store: CatalogReader, index: NameIndex, query: str) -> SearchResults:
    """Models, organisations and events for `query` (already cleaned), best first."""
    words = search_words(query)
    hits = sorted(await store.search_hits(words), key=lambda h: (-coverage(words, h.body), h.rank))
    named_orgs = _ids(h for h in hits if h.kind == "organisation" and _whole(words, h))
    org_ids = _ids(_most_words(words, [h for h in hits if h.kind == "organisation"]))
    models = await _models(store, index, query, named_orgs, hits)
    orgs = {o.id: o for o in await store.organisations_by_ids(org_ids)} if org_ids else {}
    events = await _events(store, words, named_orgs, hits)
    return SearchResults(
        query,
        tuple(models),
        tuple((orgs[i].name, orgs[i].models) for i in org_ids[:ORGS_SHOWN] if i in orgs),
        tuple(events),
    )


def _most_words(words: list[str], hits: list[SearchHit]) -> list[SearchHit]:
    """The hits (already ranked) that hold the most query words."""
    most = max((coverage(words, h.body) for h in hits), default=0)
    return [h for h in hits if coverage(words, h.body) == most]


def _whole(words: list[str], hit: SearchHit) -> bool:
    """Every query word is in the hit and the hit has no other words ('OpenAI' for 'openai')."""
    return coverage(words, hit.body) == len(words) == len(_WORD.findall(hit.body))


def _ids(hits: Iterable[SearchHit]) -> list[int]:
    seen: dict[int, None] = {}
    for hit in hits:
        seen.setdefault(hit.ref, None)
    return list(seen)


async def _models(
    store: CatalogReader,
    index: NameIndex,
    query: str,
    named_orgs: list[int],
    hits: list[SearchHit],
) -> list[tuple[str, str | None]]:
    """The named organisations' latest models, then the models holding the most words (with
    their organisation's name), else, when no word is found anywhere, names that start like the
    query (the autocomplete's answer, typos included)."""
    words = search_words(query)
    found: dict[int, tuple[str, str | None]] = {}
    if named_orgs:
        for m in await store.organisation_models(named_orgs, MODELS_SHOWN):
            found.setdefault(m.id, (m.name, m.org))
    model_hits = [h for h in hits if h.kind == "model"]
    by_id = {m.id: m for m in await store.models_by_ids(_ids(model_hits))} if model_hits else {}
    covered: dict[int, int] = {}
    for hit in model_hits:
        model = by_id.get(hit.ref)
        if model is not None:
            got = coverage(words, f"{hit.body} {model.org or ''}")
            covered[hit.ref] = max(covered.get(hit.ref, 0), got)
    most = max(covered.values(), default=0)
    for model_id, got in sorted(covered.items(), key=lambda kv: -kv[1]):
        if got == most:
            found.setdefault(model_id, (by_id[model_id].name, by_id[model_id].org))
    if not found and not hits:  # names only when no word is found anywhere, not beside events
        for entry in index.autocomplete(query, limit=MODELS_SHOWN):
            found.setdefault(entry.id, (entry.name, entry.org))
    return list(found.values())[:MODELS_SHOWN]


async def _events(
    store: CatalogReader, words: list[str], named_orgs: list[int], hits: list[SearchHit]
) -> list[EventItem]:
    """The named organisations' latest events, then events matching the most words."""
    found: dict[int, EventRecord] = {}
    if named_orgs:
        found.update(await store.organisation_events(named_orgs, EVENTS_SHOWN))
    event_ids = _ids(_most_words(words, [h for h in hits if h.kind == "event"]))[:EVENTS_SHOWN]
    if event_ids:
        by_id = await store.events_by_ids(event_ids)
        for i in event_ids:
            if i in by_id:
                found.setdefault(i, by_id[i])
    return [
        EventItem(r.kind, r.date, r.title, r.model, r.source, r.detail)
        for r in list(found.values())[:EVENTS_SHOWN]
    ]
