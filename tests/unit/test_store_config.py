"""The `store:` section of the config: which backend, where PostgreSQL is, its password from
the environment; and the factory that opens the chosen store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from bot.config import Config, ConfigError, StoreConfig, load_config, parse_config
from bot.store import migrate
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.errors import StoreError
from bot.store.pg import PgDatabase
from tests.conftest import make_config

DSN = "postgresql://radar@db:5432/radar"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_sqlite_stays_the_default() -> None:
    assert parse_config({}).store == StoreConfig()
    assert parse_config({}).store.backend == "sqlite"


def test_a_postgresql_store_is_read_with_its_password_from_the_environment(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"store:\n  backend: postgresql\n  dsn: {DSN}\n  pool_size: 20\n")
    store = load_config(path, env={"RADAR_DB_PASSWORD": "s3cret"}).store
    assert (store.backend, store.dsn, store.pool_size, store.password) == (
        "postgresql",
        DSN,
        20,
        "s3cret",
    )
    assert "s3cret" not in repr(store)  # never in a log line of the config


def test_the_password_variable_can_be_renamed_or_turned_off(tmp_path: Path) -> None:
    path = write(tmp_path, f"store:\n  backend: postgresql\n  dsn: {DSN}\n  password_env: PGPW\n")
    assert load_config(path, env={"PGPW": "x"}).store.password == "x"
    path = write(tmp_path, f"store:\n  backend: postgresql\n  dsn: {DSN}\n  password_env: null\n")
    assert load_config(path, env={}).store.password is None


def test_a_missing_password_variable_fails_start_up_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, f"store:\n  backend: postgresql\n  dsn: {DSN}\n")
    with pytest.raises(ConfigError, match=r"environment variable RADAR_DB_PASSWORD .*not set"):
        load_config(path, env={"RADAR_DB_PASSWORD": ""})
    # SQLite needs none.
    assert (
        load_config(write(tmp_path, "store:\n  backend: sqlite\n"), env={}).store.password is None
    )


@pytest.mark.parametrize(
    ("store", "message"),
    [
        ({"backend": "mysql"}, "key 'store.backend' must be sqlite or postgresql, got 'mysql'"),
        ({"backend": "postgresql"}, "key 'store.dsn' is required when store.backend is postgresql"),
        (
            {"backend": "postgresql", "dsn": "mysql://db/radar"},
            "key 'store.dsn' must be a postgresql://",
        ),
        ({"backend": "postgresql", "dsn": 5432}, "key 'store.dsn' must be a postgresql://"),
        (
            {"backend": "postgresql", "dsn": "postgresql://radar@db:5432"},
            "must name a host and a database",
        ),
        (
            {"backend": "postgresql", "dsn": "postgresql:///radar"},
            "must name a host and a database",
        ),
        ({"backend": "postgresql", "dsn": "postgresql://radar@db:99999/radar"}, "not a valid URL"),
        ({"dsn": DSN}, "key 'store.dsn' is set but store.backend is sqlite"),
        (
            {"backend": "postgresql", "dsn": DSN, "pool_size": 0},
            "key 'store.pool_size' must be a whole number from 1 to 200",
        ),
        ({"backend": "postgresql", "dsn": DSN, "pool_size": 2.5}, "key 'store.pool_size'"),
        (
            {"backend": "postgresql", "dsn": DSN, "password_env": "MY-VAR"},
            "key 'store.password_env' must name",
        ),
        (
            {"backend": "postgresql", "dsn": DSN, "password_env": 5},
            "key 'store.password_env' must name",
        ),
        ({"url": DSN}, "unknown key 'store.url'"),
    ],
)
def test_bad_store_values_name_the_key(store: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_config({"store": store})


def test_a_password_in_the_dsn_is_refused_without_repeating_it() -> None:
    dsn = "postgresql://radar:hunter2@db:5432/radar"
    with pytest.raises(ConfigError) as caught:
        parse_config({"store": {"backend": "postgresql", "dsn": dsn}})
    assert "key 'store.dsn' holds a password" in str(caught.value)
    assert "store.password_env" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ConfigError) as caught:  # nor in a URL of the wrong scheme
        parse_config({"store": {"backend": "postgresql", "dsn": "mysql://u:hunter2@db/x"}})
    assert "hunter2" not in str(caught.value)


def test_the_db_flag_is_for_sqlite_only(tmp_path: Path) -> None:
    assert load_config(None, env={}, database=tmp_path / "x.db").database == tmp_path / "x.db"
    path = write(tmp_path, f"store:\n  backend: postgresql\n  dsn: {DSN}\n  password_env: null\n")
    with pytest.raises(
        ConfigError, match=r"--db names an SQLite file, but store\.backend is postgresql"
    ):
        load_config(path, env={}, database=tmp_path / "x.db")


async def test_the_factory_opens_the_configured_sqlite_store(tmp_path: Path) -> None:
    db = await open_database(make_config(tmp_path / "a.db"))
    try:
        assert isinstance(db, Database) and db.dialect == "sqlite"
        assert await db.schema_version() >= 25
    finally:
        await db.close()


def with_store(config: Config, store: StoreConfig) -> Config:
    return replace(config, store=store)


@pytest.mark.postgresql
async def test_the_factory_opens_the_configured_postgresql_store(
    pg_session, pg_dsn: str, tmp_path: Path
) -> None:
    config = make_config(tmp_path / "unused.db")
    missing = StoreConfig(
        backend="postgresql", dsn=pg_session.get().dsn("no_such_db"), password_env=None
    )
    with pytest.raises(StoreError, match=r"no_such_db: the database does not exist"):
        await open_database(with_store(config, missing))
    store = StoreConfig(backend="postgresql", dsn=pg_dsn, password_env=None, pool_size=2)
    baseline = (migrate.bundled() / "postgresql" / "0025_baseline.sql").read_text()
    if "PLACEHOLDER" in baseline:  # until pgschema's baseline is merged (branch pgcore)
        with pytest.raises(asyncpg.RaiseError, match="placeholder"):
            await open_database(with_store(config, store))
        return
    db = await open_database(with_store(config, store))
    try:
        assert isinstance(db, PgDatabase) and db.dialect == "postgresql"
        assert await db.schema_version() >= 25
    finally:
        await db.close()
