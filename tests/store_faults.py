"""A store that refuses a write, for tests of what a failed unit of work keeps: a trigger that
aborts the statement, on either backend (SQLite's RAISE(ABORT), PostgreSQL's RAISE EXCEPTION)."""

from __future__ import annotations

from bot.store.db import AnyDatabase


async def refuse(
    db: AnyDatabase, name: str, table: str, event: str, message: str, when: str | None = None
) -> None:
    """Make `event` ("INSERT", "UPDATE OF col") on `table` fail with `message`, only for rows
    where `when` (a condition on NEW) holds if given; `allow` lifts it."""
    if db.dialect == "postgresql":
        await db.execute(
            f"CREATE FUNCTION {name}_refuse() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        condition = f" WHEN ({when})" if when else ""
        await db.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{condition}"
            f" EXECUTE FUNCTION {name}_refuse()"
        )
        return
    condition = f" WHEN {when}" if when else ""
    await db.execute(
        f"CREATE TRIGGER {name} BEFORE {event} ON {table}{condition}"
        f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


async def allow(db: AnyDatabase, name: str, table: str) -> None:
    """Lift the refusal `refuse` made."""
    if db.dialect == "postgresql":
        await db.execute(f"DROP TRIGGER {name} ON {table}")
        await db.execute(f"DROP FUNCTION {name}_refuse()")
        return
    await db.execute(f"DROP TRIGGER {name}")
