"""A model's lineage: its base models, their bases, ... as the sources state them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.names import normalize
from bot.core.results import LineageStep, SourceRef
from bot.store.catalog_lineage import LineageLink

MAX_HOPS = 8


class LineageReader(Protocol):
    async def lineage_links(self, model_ids: Sequence[int]) -> list[LineageLink]: ...


@dataclass
class _Step:
    model: str
    link: LineageLink
    depth: int
    sources: list[SourceRef] = field(default_factory=list)
    cycle: bool = False


async def lineage_chain(
    store: LineageReader,
    model: str,
    model_ids: Sequence[int],
    max_hops: int = MAX_HOPS,
    own: frozenset[int] = frozenset(),
) -> tuple[LineageStep, ...]:
    """The chain of bases of `model` (its record `model_ids`: the model and, where it has one,
    its latest snapshot), breadth first, up to `max_hops` deep. A base met again (a cycle in
    the sources) is shown once more, marked, and not followed; a base the catalog does not
    know ends its branch, shown by the name its source gives. Links that several sources
    state are one step with every source. Links from the record to `own` (the model and its
    snapshots: one snapshot made from the one before) are its versions, not its lineage."""
    seen: set[int] = set(model_ids)
    frontier: list[tuple[str, list[int]]] = [(model, list(model_ids))]
    steps: dict[tuple[str, str, str], _Step] = {}
    for depth in range(1, max_hops + 1):
        names = {i: name for name, ids in frontier for i in ids}
        links = await store.lineage_links(list(names))
        following: dict[int, str] = {}
        for link in links:
            if depth == 1 and link.base_id in own:
                continue
            child = names[link.model_id]
            key = (child, _base_key(link), link.relation)
            step = steps.get(key)
            if step is None:
                step = steps[key] = _Step(child, link, depth)
            if link.source not in step.sources:
                step.sources.append(link.source)
            if link.base_id is None:
                continue
            if link.base_id in seen and link.base_id not in following:
                step.cycle = True
                continue
            following[link.base_id] = link.base_model or link.base_name
        if not following:
            break
        seen.update(following)
        frontier = [(name, [i]) for i, name in following.items()]
    return tuple(_result(s) for s in steps.values())


def _base_key(link: LineageLink) -> str:
    return f"#{link.base_id}" if link.base_id is not None else normalize(link.base_name)


def _result(step: _Step) -> LineageStep:
    link = step.link
    return LineageStep(
        model=step.model,
        base=link.base_model or link.base_name,
        base_org=link.base_org,
        relation=link.relation,
        depth=step.depth,
        sources=tuple(step.sources),
        resolved=link.base_id is not None,
        cycle=step.cycle,
        base_id=link.base_id,
    )
