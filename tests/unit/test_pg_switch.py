"""The suite's PostgreSQL switch (tests/pg_switch.py, tests/conftest.py): per-test databases
copied from a template and dropped after, and `make_config` for either backend's store."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from tests import pg_switch
from tests.conftest import make_config


def test_make_config_takes_a_path_or_a_test_database_dsn(tmp_path: Path) -> None:
    sqlite = make_config(tmp_path / "a.db")
    assert (sqlite.store.backend, sqlite.database) == ("sqlite", tmp_path / "a.db")
    dsn = pg_switch.PgDsn("postgresql://postgres@127.0.0.1:5/t_1_2")
    pg = make_config(dsn)
    assert (pg.store.backend, pg.store.dsn, pg.store.password_env) == ("postgresql", dsn, None)
    assert dsn.name == "t_1_2"


def test_the_backend_is_read_from_the_variable_and_a_bad_name_is_refused() -> None:
    assert [pg_switch.backend(v) for v in (None, "", " PostgreSQL ")] == [
        "sqlite",
        "sqlite",
        "postgresql",
    ]
    with pytest.raises(RuntimeError, match="RR_TEST_BACKEND must be sqlite or postgresql"):
        pg_switch.backend("mysql")


async def rows(dsn: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        return [r[0] for r in await conn.fetch("SELECT x FROM t ORDER BY x")]
    finally:
        await conn.close()


async def fill(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE t (x BIGINT); INSERT INTO t VALUES (1), (2)")
    finally:
        await conn.close()


async def database_exists(name: str) -> bool:
    conn = await asyncpg.connect(pg_switch.SERVER.get().dsn())
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


@pytest.mark.postgresql
def test_a_test_database_is_a_copy_of_the_template_and_is_dropped(pg_session) -> None:
    import asyncio

    template = pg_switch.create_database()
    try:
        asyncio.run(fill(template))
        copy = pg_switch.create_database(template=template.name)
        assert asyncio.run(rows(copy)) == [1, 2]
        pg_switch.drop_database(copy)
        assert not asyncio.run(database_exists(copy.name))
    finally:
        pg_switch.drop_database(template)
