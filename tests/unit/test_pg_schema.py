"""The PostgreSQL baseline (bot/store/migrations/postgresql/0025_baseline.sql) against SQLite's
migrations 0001-0025: the same tables, columns, keys and indexes, and the same behaviour of the
triggers, ids, compat functions and word search, on a throwaway server (tests/pg_server.py).

The baseline is applied with plain asyncpg, so these tests do not depend on PgDatabase. When no
server can be started the tests FAIL with the reason, unless RR_NO_POSTGRES=1 says PostgreSQL
tests are deliberately not run here."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from bot.store.catalog_reads import SEARCH_HITS_PG, CatalogReads
from bot.store.copy import NOT_CARRIED
from bot.store.curation import ROWID_IS_ID, plain_row, restore_statements
from bot.store.db import Database
from tests import pg_server

PG_MIGRATIONS = Path(__file__).resolve().parents[2] / "bot/store/migrations/postgresql"
BASELINE = PG_MIGRATIONS / "0025_baseline.sql"


def with_later_migrations(baseline: str) -> str:
    """`baseline`, then every PostgreSQL migration after it, as one script (the schema a store
    migrated to the newest version has, as the SQLite side's)."""
    later = sorted(p for p in PG_MIGRATIONS.glob("*.sql") if p.name > BASELINE.name)
    return "\n".join([baseline, *(p.read_text(encoding="utf-8") for p in later)])


# SQLite's own tables behind FTS5 and AUTOINCREMENT: nothing of ours.
SQLITE_ONLY = {"sqlite_sequence"} | {
    f"catalog_search_{part}" for part in ("data", "idx", "content", "docsize", "config")
}
# Columns PostgreSQL adds: `rowid` where the store addresses rows by rowid, and the search
# table's tsvector. Listed here so that any other difference fails.
ROWID_TABLES = {
    "sources", "organisations", "organisation_aliases", "models", "model_aliases",
    "model_claims", "licenses", "license_aliases", "license_claims", "benchmarks",
    "benchmark_aliases", "events", "entries", "entry_identities", "entry_sources",
    "entry_models", "scores", "model_lineage", "entry_news",
}  # fmt: skip
PG_EXTRA_COLUMNS = {t: ["rowid"] for t in ROWID_TABLES} | {"catalog_search": ["rowid", "doc"]}
PG_EXTRA_INDEXES = {"catalog_search_doc"}
_KINDS = {0: "model", 1: "model", 2: "organisation", 3: "organisation", 4: "event"}
TYPES = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "BLOB": "bytea"}
ON_DELETE = {"a": "NO ACTION", "c": "CASCADE", "n": "SET NULL", "r": "RESTRICT", "d": "SET DEFAULT"}


@dataclass
class Schema:
    """What a schema comparison looks at, per table."""

    columns: dict[str, list[tuple[str, str, bool, str | None]]] = field(default_factory=dict)
    unique: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    indexes: dict[str, tuple[str, tuple[str, ...], bool]] = field(default_factory=dict)
    foreign: dict[str, set[tuple[tuple[str, ...], str, tuple[str, ...], str]]] = field(
        default_factory=dict
    )


@pytest.fixture(scope="module")
def server() -> Iterator[pg_server.PgServer]:
    reason = pg_server.unavailable_reason()
    if reason and os.environ.get("RR_NO_POSTGRES") == "1":
        pytest.skip(f"PostgreSQL tests not run (RR_NO_POSTGRES=1): {reason}")
    if reason:
        pytest.fail(f"PostgreSQL tests cannot run: {reason} (set RR_NO_POSTGRES=1 to not run)")
    running = pg_server.start()
    yield running
    running.stop()


_names = itertools.count()


async def fresh_database(server: pg_server.PgServer, script: str) -> str:
    """A new database on `server` with `script` applied; its name."""
    name = f"schema_{os.getpid()}_{next(_names)}"
    await server.new_database(name, script)
    return name


@pytest.fixture(scope="module")
def baseline_template(server: pg_server.PgServer) -> str:
    """A database with the baseline applied, built once; each test gets a copy."""
    return asyncio.run(fresh_database(server, with_later_migrations(BASELINE.read_text())))


@pytest.fixture
async def pg(
    server: pg_server.PgServer, baseline_template: str
) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a fresh database with the baseline applied (a copy of the template)."""
    name = f"{baseline_template}_{next(_names)}"
    admin = await asyncpg.connect(server.dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{baseline_template}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(server.dsn(name))
    yield conn
    await conn.close()


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh SQLite store with every migration applied."""
    db = await Database.open(tmp_path / "fresh.db")
    await db.migrate()
    yield db
    await db.close()


def sqlite_schema(path: Path) -> Schema:
    """The schema of the SQLite file at `path`, read from its PRAGMAs."""
    conn = sqlite3.connect(path)
    schema = Schema()
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0] not in SQLITE_ONLY
    ]
    for table in tables:
        info = conn.execute(f"PRAGMA table_info('{table}')").fetchall()
        schema.columns[table] = [(c[1], c[2].upper(), bool(c[3]) or c[5] > 0, c[4]) for c in info]
        unique = set()
        key = tuple(c[1] for c in sorted(info, key=lambda c: c[5]) if c[5] > 0)
        if key:
            unique.add(key)
        for index in conn.execute(f"PRAGMA index_list('{table}')"):
            columns = tuple(
                r[2] or "<expr>" for r in conn.execute(f"PRAGMA index_xinfo('{index[1]}')") if r[5]
            )
            if index[2]:
                unique.add(columns)
            if index[3] == "c":  # made by CREATE INDEX, not by a constraint
                schema.indexes[index[1]] = (table, columns, bool(index[4]))
        schema.unique[table] = unique
        foreign: dict[int, list] = {}
        for fk in conn.execute(f"PRAGMA foreign_key_list('{table}')"):
            foreign.setdefault(fk[0], []).append(fk)
        schema.foreign[table] = {
            (tuple(f[3] for f in fks), fks[0][2], tuple(f[4] for f in fks), fks[0][6])
            for fks in foreign.values()
        }
    conn.close()
    return schema


async def pg_schema(conn: asyncpg.Connection) -> Schema:
    """The schema of the PostgreSQL database on `conn`, read from its catalogs."""
    schema = Schema()
    rows = await conn.fetch(
        "SELECT table_name, column_name, data_type, is_nullable = 'NO' AS not_null,"
        " column_default, collation_name FROM information_schema.columns"
        " WHERE table_schema = 'public'"
        " ORDER BY table_name, ordinal_position"
    )
    for r in rows:
        kind = r["data_type"]
        if kind == "text" and r["collation_name"] != "C":  # SQLite's BINARY order is C's
            kind += f" collated {r['collation_name'] or 'as the database'}"
        schema.columns.setdefault(r["table_name"], []).append(
            (r["column_name"], kind, r["not_null"], r["column_default"])
        )
    indexes = await conn.fetch(
        "SELECT t.relname AS tbl, i.relname AS name, x.indisunique AS uniq,"
        " x.indpred IS NOT NULL AS partial, c.contype,"
        " ARRAY(SELECT COALESCE(a.attname, '<expr>') FROM unnest(x.indkey) WITH ORDINALITY"
        "  AS k(num, pos) LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.num"
        "  ORDER BY k.pos) AS columns"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
        " LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid"
        " WHERE n.nspname = 'public'"
    )
    for r in indexes:
        columns = tuple(r["columns"])
        if r["uniq"]:
            schema.unique.setdefault(r["tbl"], set()).add(columns)
        if r["contype"] is None:
            schema.indexes[r["name"]] = (r["tbl"], columns, r["partial"])
    foreign = await conn.fetch(
        "SELECT t.relname AS tbl, f.relname AS ref, c.confdeltype,"
        " ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(num, pos)"
        "  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num"
        "  ORDER BY k.pos) AS cols,"
        " ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(num, pos)"
        "  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num"
        "  ORDER BY k.pos) AS refcols"
        " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " JOIN pg_class f ON f.oid = c.confrelid WHERE c.contype = 'f'"
    )
    for r in foreign:
        schema.foreign.setdefault(r["tbl"], set()).add(
            (tuple(r["cols"]), r["ref"], tuple(r["refcols"]), ON_DELETE[r["confdeltype"].decode()])
        )
    return schema


def _literal_default(pg_default: str | None) -> str | None:
    """A PostgreSQL column default as SQLite writes the same literal ('x'::text -> 'x')."""
    if pg_default is None:
        return None
    return re.sub(r"::(text|bigint|integer|double precision)$", "", pg_default)


def _column_differences(table: str, lite: list, pg: list) -> list[str]:
    found = []
    extra = PG_EXTRA_COLUMNS.get(table, [])
    pg_names = [c[0] for c in pg if c[0] not in extra]
    lite_names = [c[0] for c in lite]
    if pg_names != lite_names:
        found.append(f"{table}: columns {lite_names} on SQLite, {pg_names} on PostgreSQL")
    missing_extra = [e for e in extra if e not in [c[0] for c in pg]]
    if missing_extra:
        found.append(f"{table}: PostgreSQL lacks {missing_extra}")
    pg_by_name = {c[0]: c for c in pg}
    for name, lite_type, lite_not_null, lite_default in lite:
        if name not in pg_by_name:
            continue
        _, pg_type, pg_not_null, pg_default = pg_by_name[name]
        if lite_type and TYPES.get(lite_type) != pg_type:
            found.append(f"{table}.{name}: {lite_type} on SQLite, {pg_type} on PostgreSQL")
        if lite_not_null != pg_not_null:
            found.append(f"{table}.{name}: NOT NULL {lite_not_null} / {pg_not_null}")
        ids = pg_default and ("rr_next_id(" in pg_default or "nextval(" in pg_default)
        if ids or (lite_default and "strftime" in lite_default and "to_char" in pg_default):
            continue  # ids and the timestamp default: written differently, tested by behaviour
        if lite_default != _literal_default(pg_default):
            found.append(f"{table}.{name}: DEFAULT {lite_default} / {pg_default}")
    return found


def schema_differences(lite: Schema, pg: Schema) -> list[str]:
    """Every way the PostgreSQL schema differs from SQLite's, beyond the listed extras."""
    found = []
    if set(lite.columns) != set(pg.columns):
        found.append(f"tables: {sorted(set(lite.columns) ^ set(pg.columns))} not on both")
    for table in sorted(set(lite.columns) & set(pg.columns)):
        found += _column_differences(table, lite.columns[table], pg.columns[table])
        extra = set(PG_EXTRA_COLUMNS.get(table, []))
        pg_unique = {u for u in pg.unique.get(table, set()) if not set(u) & extra}
        if lite.unique.get(table, set()) != pg_unique:
            found.append(f"{table}: unique {lite.unique.get(table)} / {pg_unique}")
        if lite.foreign.get(table, set()) != pg.foreign.get(table, set()):
            found.append(
                f"{table}: foreign keys {lite.foreign.get(table)} / {pg.foreign.get(table)}"
            )
    pg_indexes = {k: v for k, v in pg.indexes.items() if k not in PG_EXTRA_INDEXES}
    if lite.indexes != pg_indexes:
        differ = set(lite.indexes.items()) ^ set(pg_indexes.items())
        found.append(f"indexes differ: {sorted(differ)}")
    return found


async def test_the_baseline_has_sqlites_schema(lite: Database, pg: asyncpg.Connection) -> None:
    assert schema_differences(sqlite_schema(lite.path), await pg_schema(pg)) == []


@pytest.mark.parametrize(
    "cut, put, named",
    [
        ("    snapshot    TEXT COLLATE \"C\",\n", "", "models"),  # a column dropped
        ("    ci_low        DOUBLE PRECISION,\n", "", "scores"),
        (",\n    UNIQUE (follow_id, origin)\n", "\n", "follow_changes"),  # a unique key
        ("entries(id) ON DELETE CASCADE,\n    model_id BIGINT NOT NULL",
         "entries(id),\n    model_id BIGINT NOT NULL", "entry_models"),
        ("CREATE INDEX outbox_entry ON outbox(entry_id);\n", "", "outbox_entry"),
        ("    kind        TEXT COLLATE \"C\" NOT NULL,\n    target_key",
         "    kind        TEXT NOT NULL,\n    target_key", "follows.kind"),  # locale order
        ("    paused       BIGINT NOT NULL DEFAULT 0,\n    pause_reason TEXT COLLATE \"C\",\n"
         "    last_dm_at", "    paused       BIGINT NOT NULL,\n    pause_reason TEXT COLLATE"
         " \"C\",\n    last_dm_at", "follow_users.paused"),  # a default
    ],
)  # fmt: skip
async def test_a_baseline_missing_part_of_the_schema_is_caught(
    lite: Database, server: pg_server.PgServer, cut: str, put: str, named: str
) -> None:
    text = BASELINE.read_text()
    assert text.count(cut) == 1
    script = with_later_migrations(text.replace(cut, put))
    conn = await asyncpg.connect(server.dsn(await fresh_database(server, script)))
    try:
        differences = schema_differences(sqlite_schema(lite.path), await pg_schema(conn))
    finally:
        await conn.close()
    assert differences and all(named in d for d in differences), differences


async def _catalog(conn: asyncpg.Connection) -> None:
    """A source, two organisations, three models and two benchmarks."""
    await conn.execute(
        "INSERT INTO sources(key, name, kind) VALUES ('seed', 'Seed', 'dataset');"
        "INSERT INTO organisations(name, norm) VALUES ('Mistral', 'mistral'),"
        " ('Société Générale', 'societe generale');"
        "INSERT INTO models(name, norm, org_id) VALUES ('Mistral Large', 'mistral large', 1),"
        " ('Mixtral 8x7B', 'mixtral 8x7b', 1), ('Lumière', 'lumiere', 2);"
        "INSERT INTO benchmarks(name, norm, unit) VALUES ('MMLU', 'mmlu', '%'), ('GPQA', 'gpqa', '%')"
    )


async def _counts(conn: asyncpg.Connection) -> tuple[dict[int, int], dict[int, int]]:
    """benchmark_models as the triggers kept it, and as counting the scores gives it."""
    kept = {r[0]: r[1] for r in await conn.fetch("SELECT * FROM benchmark_models") if r[1]}
    truth = await conn.fetch(
        "SELECT benchmark_id, COUNT(DISTINCT model_id) FROM scores GROUP BY benchmark_id"
    )
    return kept, {r[0]: r[1] for r in truth}


async def test_benchmark_model_counts_follow_inserts_deletes_and_moves(
    pg: asyncpg.Connection,
) -> None:
    await _catalog(pg)
    insert = "INSERT INTO scores(model_id, benchmark_id, value, source_id) VALUES "
    # One statement with two rows of the same pair counts the pair once.
    await pg.execute(insert + "(1, 1, 80, 1), (1, 1, 81, 1), (2, 1, 70, 1), (3, 2, 50, 1)")
    kept, truth = await _counts(pg)
    assert kept == truth == {1: 2, 2: 1}
    await pg.execute(insert + "(2, 1, 71, 1)")  # a second score of a counted pair
    assert (await _counts(pg))[0] == {1: 2, 2: 1}
    # Many rows deleted by one statement: the pair uncounts once, when its last row goes.
    await pg.execute("DELETE FROM scores WHERE model_id = 1")
    kept, truth = await _counts(pg)
    assert kept == truth == {1: 1, 2: 1}
    await pg.execute("UPDATE scores SET benchmark_id = 2 WHERE model_id = 2")  # moved
    kept, truth = await _counts(pg)
    assert kept == truth == {2: 2}
    await pg.execute("UPDATE scores SET model_id = 3 WHERE model_id = 2")  # merged into a pair
    kept, truth = await _counts(pg)
    assert kept == truth == {2: 1}
    await pg.execute("DELETE FROM models WHERE id = 3")  # cascades
    assert await _counts(pg) == ({}, {})


async def test_a_duplicate_score_is_refused_and_counts_nothing(pg: asyncpg.Connection) -> None:
    await _catalog(pg)
    row = "INSERT INTO scores(model_id, benchmark_id, value, source_id) VALUES (1, 1, 80, 1)"
    await pg.execute(row)
    await pg.execute(row + " ON CONFLICT DO NOTHING")  # INSERT OR IGNORE, translated
    with pytest.raises(asyncpg.UniqueViolationError):
        await pg.execute(row)
    with pytest.raises(asyncpg.ForeignKeyViolationError):  # no such benchmark: nothing kept
        await pg.execute(
            "INSERT INTO scores(model_id, benchmark_id, value, source_id) VALUES (2, 9, 1, 1)"
        )
    kept, truth = await _counts(pg)
    assert kept == truth == {1: 1}


async def test_ids_are_max_plus_one_as_on_sqlite(pg: asyncpg.Connection) -> None:
    await _catalog(pg)
    assert [r[0] for r in await pg.fetch("SELECT id FROM models ORDER BY id")] == [1, 2, 3]
    await pg.execute("DELETE FROM models WHERE id = 3")
    new = await pg.fetchval("INSERT INTO models(name, norm) VALUES ('A', 'a') RETURNING id")
    assert new == 3  # the top id is reused, as SQLite's INTEGER PRIMARY KEY does
    await pg.execute("INSERT INTO models(id, name, norm) VALUES (10, 'B', 'b')")
    many = await pg.fetch(
        "INSERT INTO models(name, norm) SELECT 'm' || n, 'm' || n FROM generate_series(1, 3) n"
        " RETURNING id"
    )
    assert [r[0] for r in many] == [11, 12, 13]
    # Tables without an integer key get a rowid the same way; rowid is id where SQLite's is.
    await pg.execute(
        "INSERT INTO model_aliases(norm, alias, model_id) VALUES ('x', 'X', 1), ('y', 'Y', 1)"
    )
    await pg.execute("DELETE FROM model_aliases WHERE norm = 'y'")
    await pg.execute("INSERT INTO model_aliases(norm, alias, model_id) VALUES ('z', 'Z', 2)")
    aliases = await pg.fetch("SELECT norm, rowid FROM model_aliases ORDER BY rowid")
    assert [tuple(r) for r in aliases] == [("x", 1), ("z", 2)]
    assert await pg.fetchval("SELECT rowid FROM models WHERE id = 12") == 12


async def test_identity_ids_are_never_reused_and_rr_next_id_refuses_unknown_tables(
    pg: asyncpg.Connection,
) -> None:
    follow = (
        "INSERT INTO follows(user_id, kind, target_key, target_name, what, created_at)"
        " VALUES ($1, 'model', '1', 'M', 'scores', 'now') RETURNING id"
    )
    first = await pg.fetchval(follow, "u1")
    await pg.execute("DELETE FROM follows")
    assert await pg.fetchval(follow, "u1") == first + 1  # AUTOINCREMENT: never reused
    with pytest.raises(asyncpg.UndefinedTableError):
        await pg.fetchval("SELECT rr_next_id('no_such_table', 'id')")
    with pytest.raises(asyncpg.GeneratedAlwaysError):  # rowid IS id where SQLite's is
        await pg.execute("UPDATE models SET rowid = 5")


def _positional(sql: str) -> str:
    """SQLite-style `?` to asyncpg's $N, as PgDatabase's translator does (no `?` in literals
    here)."""
    numbers = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


async def _search(
    pg: asyncpg.Connection, *words: str, limit: int = 200
) -> list[tuple[int, int, str]]:
    rows = await pg.fetch(_positional(SEARCH_HITS_PG), list(words), limit)
    return [(r["kind"], r["ref"], r["body"]) for r in rows]


async def test_search_finds_models_aliases_organisations_and_events_without_accents(
    pg: asyncpg.Connection,
) -> None:
    await _catalog(pg)
    await pg.execute(
        "INSERT INTO model_aliases(norm, alias, model_id) VALUES ('le chat', 'Le Chat', 1);"
        "INSERT INTO organisation_aliases(norm, alias, org_id) VALUES ('sg', 'SocGen', 2);"
        "INSERT INTO events(kind, title, detail, model_id, source_id) VALUES"
        " ('release', 'Sortie de Lumière', 'Un modèle français', 3, 1)"
    )
    assert await _search(pg, "mistral") == [(0, 1, "Mistral Large"), (2, 1, "Mistral")][::-1]
    assert await _search(pg, "chat") == [(1, 1, "Le Chat")]
    assert await _search(pg, "societe") == [(2, 2, "Société Générale")]
    assert await _search(pg, "socg") == [(3, 2, "SocGen")]  # a prefix
    assert {h[:2] for h in await _search(pg, "lumiere")} == {(0, 3), (4, 1)}
    assert await _search(pg, "MODELE") == [(4, 1, "Sortie de Lumière Un modèle français")]
    assert {h[:2] for h in await _search(pg, "mixtral", "chat")} == {(0, 2), (1, 1)}  # OR
    assert await _search(pg, "8x7") == [(0, 2, "Mixtral 8x7B")]
    # Writes keep the index: a rename, an alias edit, a deleted organisation.
    await pg.execute("UPDATE models SET name = 'Mistral Medium' WHERE id = 1")
    await pg.execute("UPDATE model_aliases SET alias = 'Le Chien' WHERE norm = 'le chat'")
    await pg.execute("DELETE FROM organisations WHERE id = 2")
    assert await _search(pg, "large") == []
    assert await _search(pg, "chat") == []
    assert await _search(pg, "medium") == [(0, 1, "Mistral Medium")]
    assert await _search(pg, "societe") == await _search(pg, "socgen") == []
    assert await pg.fetchval("SELECT COUNT(*) FROM catalog_search") == 6


async def test_search_words_that_look_like_query_syntax_are_only_words(
    pg: asyncpg.Connection,
) -> None:
    await _catalog(pg)
    for words in (["it's"], ["a:*", "|"], ["\\", "'"], ["!mistral"], ["", " "], ["&", "(", ")"]):
        hits = await _search(pg, *words)
        assert hits == ([] if words != ["!mistral"] else await _search(pg, "mistral"))


async def test_search_ranks_as_sqlite_for_the_same_rows(
    lite: Database, pg: asyncpg.Connection
) -> None:
    names = ["GPT-4o", "GPT-4o mini", "GPT", "Gemma 2 9B", "Gemini 1.5 Pro", "Gémeaux"]
    await pg.execute("INSERT INTO sources(key, name, kind) VALUES ('s', 'S', 'dataset')")
    for i, name in enumerate(names, 1):
        sql = "INSERT INTO models(id, name, norm) VALUES (?, ?, ?)"
        await pg.execute(_positional(sql), i, name, name.lower())
        async with lite.transaction():
            await lite.execute(sql, (i, name, name.lower()))
    reads = CatalogReads(lite)
    for words in (["gpt"], ["gem"], ["gpt", "mini"], ["4o"], ["geme"]):
        on_lite = [(h.kind, h.ref) for h in await reads.search_hits(words)]
        on_pg = [("model", r) for k, r, _ in await _search(pg, *words) if k == 0]
        assert on_pg == on_lite, words


@pytest.mark.parametrize(
    "query",
    [
        "SELECT group_concat(alias, {sep}) FROM (SELECT alias FROM model_aliases"
        " WHERE model_id = 1 ORDER BY rowid) AS a",
        "SELECT group_concat(model_id) FROM model_aliases",
        "SELECT group_concat(alias) FROM model_aliases WHERE model_id = 3",
        "SELECT m.id, (SELECT group_concat(DISTINCT a.model_id) FROM model_aliases a"
        " WHERE a.model_id = m.id) FROM models m ORDER BY m.id",
        "SELECT json_group_array(model_id) FROM (SELECT model_id FROM model_aliases"
        " ORDER BY rowid) AS a",
        "SELECT json_group_array(x) FROM (SELECT x FROM (SELECT alias AS x FROM model_aliases"
        " UNION ALL SELECT NULL) AS u ORDER BY x IS NOT NULL, x) AS a",  # SQLite: NULL first
        "SELECT json_group_array(name) FROM models WHERE id > 99",
        "SELECT a.id FROM audit_log a, json_each(a.model_ids) j WHERE j.value = {two}"
        " ORDER BY a.id",
        'SELECT j.key, j.value FROM json_each(\'{{"k": "v", "n": 1}}\') j ORDER BY j.key',
        "SELECT j.key, j.value FROM json_each('[\"a\", 2, null]') j ORDER BY j.key",
        "SELECT COUNT(*) FROM json_each(NULL)",
    ],
)
async def test_compat_functions_answer_as_sqlite(
    lite: Database, pg: asyncpg.Connection, query: str
) -> None:
    rows = [
        "INSERT INTO models(id, name, norm) VALUES (1, 'M1', 'm1'), (2, 'M \"2\"', 'm2'),"
        " (3, 'M3', 'm3')",
        "INSERT INTO model_aliases(norm, alias, model_id) VALUES ('b', 'Bé', 1), ('a', 'A,1', 1),"
        " ('c', 'C', 2)",
        "INSERT INTO audit_log(id, at, user_id, user_name, action, target, summary, model_ids,"
        " effects) VALUES (1, 't', 'u', 'n', 'a', 't', 's', '[1,2]', '{}'),"
        " (2, 't', 'u', 'n', 'a', 't', 's', '[3]', '{}'), (3, 't', 'u', 'n', 'a', 't', 's',"
        " '[2]', '{}')",
    ]
    async with lite.transaction():
        for sql in rows:
            await lite.execute(sql)
            await pg.execute(sql)
    lite_sql = query.format(sep="char(31)", two="?")
    on_lite = [tuple(r) for r in await lite.fetchall(lite_sql, (2,) if "?" in lite_sql else ())]
    pg_sql = query.format(sep="chr(31)", two="$1::text")
    on_pg = [tuple(r) for r in await pg.fetch(pg_sql, *(["2"] if "$1" in pg_sql else []))]
    # json_each's value is text on PostgreSQL (SQLite's is typed): compare as text.
    as_text = [tuple(None if v is None else str(v) for v in r) for r in on_lite]
    assert on_pg in (on_lite, as_text)


async def test_malformed_json_is_an_error_on_both(lite: Database, pg: asyncpg.Connection) -> None:
    with pytest.raises(sqlite3.OperationalError):
        await lite.fetchall("SELECT * FROM json_each('[1,')")
    with pytest.raises(asyncpg.InvalidTextRepresentationError):
        await pg.fetch("SELECT * FROM json_each('[1,')")


async def test_schema_migrations_default_is_sqlites_iso_time(
    lite: Database, pg: asyncpg.Connection
) -> None:
    await pg.execute("INSERT INTO schema_migrations(version, name) VALUES (99, 'x')")
    at = await pg.fetchval("SELECT applied_at FROM schema_migrations WHERE version = 99")
    lite_at = (await lite.fetchrow("SELECT applied_at FROM schema_migrations LIMIT 1"))[0]
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(pattern, at) and re.fullmatch(pattern, lite_at)


async def test_undo_restores_a_removed_model_with_its_index_and_counts(
    pg: asyncpg.Connection,
) -> None:
    await _catalog(pg)
    await pg.execute(
        "INSERT INTO model_aliases(norm, alias, model_id) VALUES ('other', 'Other', 2),"
        " ('le chat', 'Le Chat', 1);"
        "INSERT INTO scores(model_id, benchmark_id, value, source_id) VALUES (1, 1, 80, 1)"
    )
    saved = {}
    for table, where in (("models", "id = 1"), ("model_aliases", "model_id = 1"),
                         ("scores", "model_id = 1")):  # fmt: skip
        rows = await pg.fetch(f"SELECT rowid AS _rowid, * FROM {table} WHERE {where}")
        saved[table] = [plain_row(r) for r in rows]
    assert "rowid" not in saved["model_aliases"][0] and saved["model_aliases"][0]["_rowid"] == 2
    await pg.execute("DELETE FROM models WHERE id = 1")  # cascades to the alias and the score
    assert await _search(pg, "chat") == [] and (await _counts(pg))[0] == {}
    for table, rows in saved.items():
        for row in rows:
            for sql, params in restore_statements(table, row, "postgresql"):
                await pg.execute(_positional(sql), *params)
    assert await _search(pg, "chat") == [(1, 1, "Le Chat")]
    assert await _search(pg, "large") == [(0, 1, "Mistral Large")]
    assert await pg.fetchval("SELECT rowid FROM model_aliases WHERE norm = 'le chat'") == 2
    kept, truth = await _counts(pg)
    assert kept == truth == {1: 1}
    # Restoring a row that is still there replaces it (its delete triggers fire first).
    for sql, params in restore_statements("scores", saved["scores"][0], "postgresql"):
        await pg.execute(_positional(sql), *params)
    assert (await _counts(pg))[0] == {1: 1}
    # A restored row that clashes on another unique key is refused, not silently replaced.
    await pg.execute("DELETE FROM model_aliases WHERE norm = 'le chat'")
    await pg.execute(  # the first takes the freed rowid 2, the clash gets 3
        "INSERT INTO model_aliases(norm, alias, model_id) VALUES ('f', 'F', 2), ('le chat', 'C', 2)"
    )
    with pytest.raises(asyncpg.UniqueViolationError):
        for sql, params in restore_statements(
            "model_aliases", saved["model_aliases"][0], "postgresql"
        ):
            await pg.execute(_positional(sql), *params)


async def test_the_baseline_applies_as_the_databases_owner_and_not_without_rights(
    server: pg_server.PgServer,
) -> None:
    """An installation's store user owns its database and is no superuser: the baseline
    (unaccent is a trusted extension) applies. A user without rights is refused, nothing kept."""
    text = BASELINE.read_text()
    suffix = f"{os.getpid()}_{next(_names)}"
    admin = await asyncpg.connect(server.dsn())
    try:
        await admin.execute(f"CREATE ROLE owner_{suffix} LOGIN; CREATE ROLE guest_{suffix} LOGIN")
        await admin.execute(f"CREATE DATABASE own_{suffix} OWNER owner_{suffix}")
        await admin.execute(f"CREATE DATABASE other_{suffix}")
    finally:
        await admin.close()
    base = server.dsn().rsplit("/", 1)[0].replace("postgres@", "{user}@")
    owner = await asyncpg.connect(f"{base.format(user='owner_' + suffix)}/own_{suffix}")
    try:
        await owner.execute(text)
        assert await owner.fetchval("SELECT COUNT(*) FROM catalog_search") == 0
    finally:
        await owner.close()
    guest = await asyncpg.connect(f"{base.format(user='guest_' + suffix)}/other_{suffix}")
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await guest.execute(text)
        kept = await guest.fetchval(
            "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public'"
        )
        assert kept == 0
    finally:
        await guest.close()


def _copied_tables(conn: sqlite3.Connection) -> list[str]:
    """The bundled store's tables in creation order (parents first), but for the ones the
    triggers fill and those of the installation rather than its data."""
    skip = SQLITE_ONLY | {"catalog_search", "benchmark_models"} | NOT_CARRIED
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
    return [r[0] for r in rows if r[0] not in skip]


async def test_the_bundled_catalog_fits_and_the_triggers_index_it_as_sqlite(
    bundled_db: Path, tmp_path: Path, pg: asyncpg.Connection
) -> None:
    lite_conn = sqlite3.connect(bundled_db)
    for table in _copied_tables(lite_conn):
        columns = [c[1] for c in lite_conn.execute(f"PRAGMA table_info('{table}')")]
        if table in ROWID_TABLES and table not in ROWID_IS_ID:
            columns.append("rowid")
        order = "id" if "id" in columns and table != "licenses" else "rowid"
        records = lite_conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
        await pg.copy_records_to_table(table, records=list(records), columns=columns)
    for query in (
        "SELECT rowid, body FROM catalog_search ORDER BY rowid",
        "SELECT benchmark_id, models FROM benchmark_models WHERE models > 0 ORDER BY 1",
    ):
        on_lite = [tuple(r) for r in lite_conn.execute(query)]
        assert [tuple(r) for r in await pg.fetch(query)] == on_lite and on_lite
    lite_conn.close()
    lite = await Database.open(bundled_db)
    try:
        reads = CatalogReads(lite)
        for words in (["llama"], ["gpt", "4o"], ["mistral", "large"], ["qwen"], ["deep"]):
            # No limit reached: the two rankings differ, the hits must not.
            on_lite = {(h.kind, h.ref) for h in await reads.search_hits(words, limit=10_000)}
            on_pg = {(_KINDS[k], r) for k, r, _ in await _search(pg, *words, limit=10_000)}
            assert on_pg == on_lite and on_lite, words
    finally:
        await lite.close()
