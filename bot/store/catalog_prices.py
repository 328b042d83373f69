"""Prices in the catalog: applying a batch's `PriceRec`s with history, and reading them back.

Per (model, provider, region, source) the rows are periods. A snapshot source (no `starts`)
states today's price: the same price again changes nothing; a different one closes the open
period on the snapshot's date and opens a new one; a snapshot older than the stored one
(earlier `as_of`) never overwrites it. A source with explicit history (`starts` given) keeps
every period it states, each closed by the next one's start.

The work is done in bulk (one read of the source's stored rows, then `executemany`), so a
4,000-entry snapshot costs a handful of statements, not thousands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from bot.core.records import PriceRec, SkippedRow
from bot.store.backends import AnyDatabase
from bot.store.catalog_reads import _board_filter, source_ref
from bot.store.catalog_records import PricedModel, PriceRecord

# The blended price the leaderboard sorts and filters by: 3 input tokens to 1 output token.
BLENDED = "((3 * {p}.input_per_m + {p}.output_per_m) / 4.0)"
_PRICE_COLUMNS = (
    "p.id, p.model_id, m.name AS model, p.provider, p.region, p.input_per_m, p.output_per_m,"
    " p.cached_input_per_m, p.currency, p.starts, p.ends, p.url, p.as_of,"
    " s.key AS source_key, s.name AS source_name, s.kind AS source_kind, s.outlet, s.credit,"
    " s.published, 0 AS self_reported, NULL AS note, NULL AS qualifier"
)
_INSERT = (
    "INSERT INTO prices(model_id, provider, region, input_per_m, output_per_m,"
    " cached_input_per_m, currency, starts, ends, source_id, url, as_of)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE prices SET input_per_m = ?, output_per_m = ?, cached_input_per_m = ?, currency = ?,"
    " ends = ?, url = ?, as_of = ? WHERE id = ?"
)


@dataclass
class _Row:
    """A stored (or about to be stored) price period, as the apply step works on it."""

    id: int | None
    input: float | None
    output: float | None
    cached: float | None
    currency: str
    starts: str | None
    ends: str | None
    url: str | None
    as_of: str | None
    dirty: bool = False

    def same_price(self, rec: PriceRec) -> bool:
        return (
            _same(self.input, rec.input_per_m)
            and _same(self.output, rec.output_per_m)
            and _same(self.cached, rec.cached_input_per_m)
            and self.currency == rec.currency
        )

    def take(self, rec: PriceRec) -> None:
        self.input, self.output = rec.input_per_m, rec.output_per_m
        self.cached, self.currency = rec.cached_input_per_m, rec.currency
        self.url, self.as_of = rec.prov.url, rec.prov.as_of
        if rec.ends:
            self.ends = rec.ends
        self.dirty = True


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


def _older(a: str | None, b: str | None) -> bool:
    """Whether snapshot date `a` is before `b` (an undated snapshot is older than any)."""
    return (a or "") < (b or "")


Key = tuple[int, str, str, int]  # model id, provider, region, source id


@dataclass
class PriceChange:
    """A price that changed: what the change set and the CLI report."""

    model: str
    provider: str
    region: str
    before: tuple[float | None, float | None]
    after: tuple[float | None, float | None]
    on: str | None


class PriceApply:
    """One batch's prices applied to the store, inside the caller's unit of work."""

    def __init__(self, db: AnyDatabase, added: Counter[str]) -> None:
        self.db = db
        self.added = added
        self.changes: list[PriceChange] = []
        self.skipped: list[SkippedRow] = []

    async def apply(self, recs: Sequence[tuple[PriceRec, int, int]]) -> None:
        """Apply (record, model id, source id) triples."""
        if not recs:
            return
        stored = await self._stored({source_id for _, _, source_id in recs})
        touched: set[Key] = set()
        new: list[tuple[Key, _Row]] = []
        done: set[tuple[Key, str | None]] = set()
        for rec, model_id, source_id in recs:
            key = (model_id, rec.provider, rec.region, source_id)
            if (key, rec.starts) in done:  # two ids of one model: the first one stands
                continue
            done.add((key, rec.starts))
            rows = stored.setdefault(key, [])
            history = rec.starts is not None or rec.ends is not None
            row = self._history(rec, rows) if history else self._snapshot(rec, rows, key)
            if row is not None:
                rows.append(row)
                new.append((key, row))
                touched.add(key)
            elif any(r.dirty for r in rows):
                touched.add(key)
        for key in touched:
            _close_periods(stored[key])
        await self._write(stored, touched, new)

    def _history(self, rec: PriceRec, rows: list[_Row]) -> _Row | None:
        """A period from a source with history: kept as stated, matched by its start."""
        same = next((r for r in rows if r.starts == rec.starts), None)
        if same is None:
            self.added["prices"] += 1
            return _new_row(rec, rec.starts)
        if same.same_price(rec) and (not rec.ends or same.ends == rec.ends):
            self.added["unchanged prices"] += 1
        elif _older(rec.prov.as_of, same.as_of):
            self.added["older prices kept"] += 1
        else:
            same.take(rec)
            self.added["price changes"] += 1
        return None

    def _snapshot(self, rec: PriceRec, rows: list[_Row], key: Key) -> _Row | None:
        """Today's price from a snapshot source: new, unchanged, older, or a change."""
        open_row = max(
            (r for r in rows if r.ends is None), key=lambda r: r.starts or "", default=None
        )
        day = rec.prov.as_of
        if open_row is None:
            self.added["prices"] += 1
            return _new_row(rec, day)
        if open_row.same_price(rec):
            self.added["unchanged prices"] += 1
            return None
        if _older(day, open_row.as_of):
            self.added["older prices kept"] += 1
            return None
        self.changes.append(
            PriceChange(
                rec.model,
                rec.provider,
                rec.region,
                (open_row.input, open_row.output),
                (rec.input_per_m, rec.output_per_m),
                day,
            )
        )
        self.added["price changes"] += 1
        if open_row.starts == day:  # a second price the same day replaces the first
            open_row.take(rec)
            return None
        open_row.ends, open_row.dirty = day, True
        return _new_row(rec, day)

    async def _stored(self, source_ids: set[int]) -> dict[Key, list[_Row]]:
        marks = ",".join("?" * len(source_ids))
        rows = await self.db.fetchall(
            "SELECT id, model_id, provider, region, source_id, input_per_m, output_per_m,"
            " cached_input_per_m, currency, starts, ends, url, as_of FROM prices"
            f" WHERE source_id IN ({marks})",
            tuple(source_ids),
        )
        stored: dict[Key, list[_Row]] = {}
        for r in rows:
            key = (r["model_id"], r["provider"], r["region"], r["source_id"])
            stored.setdefault(key, []).append(
                _Row(
                    r["id"],
                    r["input_per_m"],
                    r["output_per_m"],
                    r["cached_input_per_m"],
                    r["currency"],
                    r["starts"],
                    r["ends"],
                    r["url"],
                    r["as_of"],
                )
            )
        return stored

    async def _write(
        self, stored: dict[Key, list[_Row]], touched: set[Key], new: list[tuple[Key, _Row]]
    ) -> None:
        fresh = {id(row) for _, row in new}
        updates = [
            (r.input, r.output, r.cached, r.currency, r.ends, r.url, r.as_of, r.id)
            for key in touched
            for r in stored[key]
            if r.dirty and id(r) not in fresh
        ]
        if updates:
            await self.db.executemany(_UPDATE, updates)
        if new:
            await self.db.executemany(
                _INSERT,
                [
                    (
                        key[0],
                        key[1],
                        key[2],
                        r.input,
                        r.output,
                        r.cached,
                        r.currency,
                        r.starts,
                        r.ends,
                        key[3],
                        r.url,
                        r.as_of,
                    )
                    for key, r in new
                ],
            )


def _new_row(rec: PriceRec, starts: str | None) -> _Row:
    return _Row(
        None,
        rec.input_per_m,
        rec.output_per_m,
        rec.cached_input_per_m,
        rec.currency,
        starts,
        rec.ends,
        rec.prov.url,
        rec.prov.as_of,
        dirty=True,
    )


def _close_periods(rows: list[_Row]) -> None:
    """Each period ends where the next one starts (a later price closes the previous one)."""
    rows.sort(key=lambda r: r.starts or "")
    for prev, nxt in pairwise(rows):
        if nxt.starts and (prev.ends is None or prev.ends > nxt.starts):
            prev.ends, prev.dirty = nxt.starts, True


class PriceReads:
    """The catalog's price reads (mixed into `CatalogStore`)."""

    db: AnyDatabase

    async def prices(self, model_ids: Sequence[int], current: bool = False) -> list[PriceRecord]:
        """The price periods of these models (only the open ones with `current`), oldest first."""
        if not model_ids:
            return []
        marks = ",".join("?" * len(model_ids))
        only_open = " AND p.ends IS NULL" if current else ""
        rows = await self.db.fetchall(
            f"SELECT {_PRICE_COLUMNS} FROM prices p JOIN models m ON m.id = p.model_id"
            f" JOIN sources s ON s.id = p.source_id WHERE p.model_id IN ({marks}){only_open}"
            " ORDER BY p.model_id, p.provider, p.region, s.key, COALESCE(p.starts, ''), p.id",
            tuple(model_ids),
        )
        return [_price_record(r) for r in rows]

    async def price_sources(self) -> list[str]:
        """The names of the sources that price models (what a 'no price known' checked)."""
        rows = await self.db.fetchall(
            "SELECT s.name FROM sources s WHERE EXISTS"
            " (SELECT 1 FROM prices p WHERE p.source_id = s.id) ORDER BY s.name"
        )
        return [r[0] for r in rows]

    async def priced_board(
        self,
        benchmark_id: int,
        setting_key: str,
        higher_is_better: bool,
        openness: tuple[str, ...] | None,
        min_score: float | None,
        max_price: float | None,
        by_price: bool,
        limit: int,
    ) -> tuple[list[PricedModel], int]:
        """Models on a benchmark and setting (each by its best claim) with their cheapest current
        blended price, filtered by score and price, ranked by price or score; and how many
        models pass the filters."""
        where, params = _board_filter(benchmark_id, setting_key, openness)
        best = "MAX(c.value)" if higher_is_better else "MIN(c.value)"
        filters, args = [], []
        if min_score is not None:
            filters.append("b.v >= ?" if higher_is_better else "b.v <= ?")
            args.append(min_score)
        if max_price is not None:
            filters.append("price IS NOT NULL AND price <= ?")
            args.append(max_price)
        if by_price:
            filters.append("price IS NOT NULL")
        cond = " WHERE " + " AND ".join(filters) if filters else ""
        score_order = "b.v DESC" if higher_is_better else "b.v ASC"
        order = f"price, {score_order}" if by_price else f"{score_order}, price"
        blended = BLENDED.format(p="p")
        sql = (
            f"WITH b AS (SELECT c.model_id, {best} AS v FROM scores c WHERE {where}"
            " GROUP BY c.model_id),"
            f" cheap AS (SELECT p.model_id, MIN({blended}) AS price FROM prices p"
            " WHERE p.ends IS NULL AND p.input_per_m IS NOT NULL AND p.output_per_m IS NOT NULL"
            " GROUP BY p.model_id),"
            " ranked AS (SELECT b.model_id, b.v, COALESCE(c1.price, c2.price) AS price FROM b"
            " JOIN models m ON m.id = b.model_id"
            " LEFT JOIN cheap c1 ON c1.model_id = b.model_id"
            " LEFT JOIN cheap c2 ON c2.model_id = m.parent_id)"
            f" SELECT b.model_id, b.v, price, COUNT(*) OVER () AS total FROM ranked b{cond}"
            f" ORDER BY {order}, b.model_id LIMIT ?"
        )
        rows = await self.db.fetchall(sql, (*params, *args, limit))
        total = int(rows[0]["total"]) if rows else 0
        return [PricedModel(r["model_id"], r["v"], r["price"]) for r in rows], total


def _price_record(row: Any) -> PriceRecord:
    return PriceRecord(
        row["model_id"],
        row["model"],
        row["provider"],
        row["region"],
        row["input_per_m"],
        row["output_per_m"],
        row["cached_input_per_m"],
        row["currency"],
        row["starts"],
        row["ends"],
        source_ref(row),
    )
