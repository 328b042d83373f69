"""Provisional catalog records: a release entry that names a model the catalog does not know
makes it findable at once.

The record holds what the entry says, each fact a claim of the entry itself (a source of kind
'feed' keyed `announce:<entry id>`) noted as extracted from an announcement: status
'announced' as of the entry's date, and the facts `announce.stated_facts` finds. Resolution
goes through the identity rules (the catalog writer's `match_keys`), so a later sync or
curator record of the same model lands on this record, and these claims stay theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.identity import match_keys, snapshot_date, snapshot_name
from bot.core.index import NameEntry, NameIndex
from bot.core.licenses import KNOWN_LICENSES
from bot.core.names import normalize
from bot.core.records import (
    Batch,
    ClaimRec,
    EventRec,
    LicenseClaimRec,
    LicenseRec,
    ModelRec,
    PriceRec,
    Provenance,
    SourceRec,
)
from bot.core.vocab import ANNOUNCE_PREFIX
from bot.store.catalog import CatalogStore
from bot.watch.announce import announced_name, new_license, stated_facts
from bot.watch.items import FeedItem

log = logging.getLogger(__name__)

ANNOUNCED_NOTE = "extracted from an announcement"
# Entry types whose models may be new: a research post or a shutdown announces none.
ANNOUNCING = frozenset({"release", "announcement", "expected_release"})


@dataclass(frozen=True)
class NewModel:
    """A record an entry added to the catalog, and the line its alert opens with."""

    model_id: int
    name: str
    line: str  # "New to the catalog: Claude Opus 6 (new model)"


def announcement_key(entry_id: int) -> str:
    """The catalog source key of an entry's claims."""
    return f"{ANNOUNCE_PREFIX}{entry_id}"


def known_model(index: NameIndex, name: str, orgs: list[str]) -> NameEntry | None:
    """The catalog's record of `name` by the identity rules (spelling, vendor ids, the
    organisation in front), or None."""
    found = index.exact(name)
    for key in match_keys(name, orgs) if found is None else ():
        found = index.by_key(key)
        if found is not None:
            break
    return found


def competitor(index: NameIndex, name: str, org: str) -> bool:
    """Whether `name` reads as another organisation's model: it starts with another
    organisation's name, or with a family only other organisations' models carry."""
    first = name.split()[0]
    own = normalize(org)
    members = index.org_members(first)
    if members and all(normalize(m.org or "") != own for m in members):
        return True
    head = normalize(first)
    family = [e for e in index.autocomplete(first) if normalize(e.name).startswith(head)]
    return bool(family) and all(normalize(e.org or "") != own for e in family)


class ProvisionalRecords:
    """Writes provisional records of the models release entries announce (in the caller's
    unit of work: an ingest)."""

    def __init__(self, catalog: CatalogStore, models: Callable[[], NameIndex]) -> None:
        self.catalog = catalog
        self._models = models

    def names(self, item: FeedItem, org: str | None) -> list[str]:
        """The names of `item` that are new to the catalog: a curated entry's listed models
        the catalog lacks, else the one model a feed item's title introduces, if it is of the
        source's organisation."""
        index = self._models()
        if not len(index):
            return []  # no catalog yet (not imported): every name would be unknown
        orgs = [o for o in (org, item.org) if o]
        if item.models:
            return [n for n in item.models if known_model(index, n, orgs) is None]
        name = announced_name(item.title)
        if name is None or not org or known_model(index, name, orgs) is not None:
            return []
        if competitor(index, name, org):
            log.info("entry %r names %s, not of %s: no provisional record", item.title, name, org)
            return []
        return [name]

    async def record(
        self, item: FeedItem, entry_id: int, org: str | None, names: list[str], today: str
    ) -> list[NewModel]:
        """Add a provisional record of each name, with the facts the entry states when it
        names just one model; an undated entry is dated `today` (when it was first seen)."""
        if not names:
            return []
        batch = self._batch(item, entry_id, org, names, today)
        await self.catalog.apply(batch)
        created = []
        for model in batch.models:
            model_id = await self.catalog.find_model_id(normalize(model.name))
            if model_id is not None:
                line = f"new snapshot of {model.parent}" if model.parent else "new model"
                created.append(NewModel(model_id, model.name, line))
        return created

    def _batch(
        self, item: FeedItem, entry_id: int, org: str | None, names: list[str], today: str
    ) -> Batch:
        source, prov = _entry_source(item, entry_id, today)
        day = prov.as_of
        batch = Batch(sources=[source])
        index = self._models()
        for name in names:
            model = _model_rec(index, name, org)
            batch.models.append(model)
            batch.claims.append(ClaimRec(model.name, "status", "announced", prov))
            batch.events.append(
                EventRec("announcement", item.title[:200], prov, day, model.name, org)
            )
        if len(names) == 1:
            _add_facts(batch, batch.models[0].name, f"{item.title}\n{item.summary}", prov, org)
        return batch

    async def license_change(
        self, item: FeedItem, entry_id: int, model_ids: list[int], today: str
    ) -> list[NewModel]:
        """A license-change entry of one known model that plainly states a license other than
        the one every source in the catalog gives: the entry's claim is added (its own, noted
        as extracted) and the alert says 'license changed from X to Y'."""
        if len(model_ids) != 1:
            return []
        stated = new_license(f"{item.title}\n{item.summary}")
        if stated is None or stated not in KNOWN_LICENSES:
            return []
        model_id = model_ids[0]
        held = {c.license_id: c.license_name for c in await self.catalog.license_claims(model_id)}
        if len(held) != 1 or stated in held:
            return []
        (old_id, old_name), lic = next(iter(held.items())), KNOWN_LICENSES[stated]
        model = await self.catalog.model(model_id)
        if model is None or old_id is None:
            return []
        source, prov = _entry_source(item, entry_id, today)
        await self.catalog.apply(
            Batch(
                sources=[source],
                licenses=[LicenseRec(lic.id, lic.name, lic.openness, lic.commercial, lic.spdx)],
                license_claims=[
                    LicenseClaimRec(model.name, lic.id, lic.openness, lic.commercial, prov)
                ],
            )
        )
        line = f"license changed from {old_name or old_id} to {lic.name}"
        return [NewModel(model_id, model.name, line)]


def _entry_source(item: FeedItem, entry_id: int, today: str) -> tuple[SourceRec, Provenance]:
    """The catalog source of an entry's claims, and their provenance (its link and date; an
    undated entry is dated `today`, when it was first seen)."""
    key = announcement_key(entry_id)
    day = item.published[:10] if item.published else today
    source = SourceRec(
        key, item.title[:200], "feed", url=item.link, outlet=item.source_name, published=day
    )
    return source, Provenance(key, url=item.link, as_of=day, note=ANNOUNCED_NOTE)


def _model_rec(index: NameIndex, name: str, org: str | None) -> ModelRec:
    """A new record; a dated name of a known model ('gpt-4o-2026-11-20') is its snapshot,
    named as the catalog names snapshots ('GPT-4o (2026-11-20)'), the entry's name an alias."""
    dated = snapshot_date(name)
    if dated is not None:
        base = known_model(index, dated[0], [org] if org else [])
        if base is not None:
            return ModelRec(
                snapshot_name(base.name, dated[1]),
                base.org or org,
                base.family,
                aliases=(name,),
                parent=base.name,
                snapshot=dated[1],
            )
    return ModelRec(name, org)


def _add_facts(batch: Batch, name: str, text: str, prov: Provenance, org: str | None) -> None:
    stated = stated_facts(text)
    for fact in stated.facts:
        claim_prov = Provenance(prov.source, prov.url, prov.as_of, True, prov.note, fact.qualifier)
        batch.claims.append(ClaimRec(name, fact.field, fact.value, claim_prov))
    if stated.license is not None and stated.license in KNOWN_LICENSES:
        lic = KNOWN_LICENSES[stated.license]
        batch.licenses.append(
            LicenseRec(lic.id, lic.name, lic.openness, lic.commercial, lic.spdx, lic.url)
        )
        batch.license_claims.append(
            LicenseClaimRec(name, lic.id, lic.openness, lic.commercial, prov)
        )
    if stated.priced and org:
        batch.prices.append(
            PriceRec(name, normalize(org), stated.input_per_m, stated.output_per_m, prov)
        )
