"""Benchmark: the fan-out of bench/fanout.py drained by TWO bot processes sharing one
PostgreSQL store and the bot-wide request budget, as two processes on shard ranges do.

One release is queued for FANOUT_CHANNELS channels (4,000 by default; 10,000 is the issue's
size) in guilds spread evenly over two shards. Then two OS processes, each with its own
PgDatabase, its shard (`Claims` with `ShardScope(2, {n})`: it claims only its guilds' rows,
FOR UPDATE SKIP LOCKED) and the shared budget (bot/outbox/budget.py `SharedBudget`: tokens of
`discord.max_requests_per_second` a second for both together), drain the outbox at the same
time against the stand-in (in a process of its own, Discord's latency, global limit and
per-channel buckets as in bench/fanout.py). Discord's limit is per bot, so the floor does not
move with two processes: still rows / 50 s. Prints the total time against that floor, the 429
share, that every channel got the alert exactly once (the stand-in's messages) and that each
row was sent by the process whose shard holds its guild (the outbox); `SUMMARY` lines named
fanout_shared_*. Needs PostgreSQL (a throwaway server, or BENCH_DSN: bench/_backend.py); where
none can be started it says so and is not run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from _backend import fresh_database, postgresql_server
from fanout import (
    CHANNELS,
    bench_config,
    default_pacing,
    login,
    print_results,
    queue_release,
    serve_standin,
)

from bot.app import open_services
from bot.core.shards import ShardScope
from bot.discordbot.poster import DiscordPoster
from bot.outbox.budget import shared_budget
from bot.outbox.sender import Claims
from tests.pg_server import unavailable_reason

SHARDS = 2


def guild_on(i: int) -> str:
    """Channel `i`'s guild: its own, on shard i % 2 (Discord: shard = (id >> 22) % count)."""
    return str(((1000 + i) << 22) + 4242)


def process_name(shard: int) -> str:
    return f"bench-shard-{shard}"


# ---- one bot process: its shard's rows, the shared budget ----------------------------------


def sender_process(conn: Connection, api_base: str, gateway_url: str, dsn: str, shard: int) -> None:
    asyncio.run(_send(conn, api_base, gateway_url, dsn, shard))


async def _send(conn: Connection, api_base: str, gateway_url: str, dsn: str, shard: int) -> None:
    """Ready once connected; on "go", drain the rows of `shard`'s guilds; reply with the count."""
    client = await login(api_base, gateway_url)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with open_services(bench_config(tmp, dsn)) as services:
                pacing = default_pacing()
                budget = shared_budget(services.db, pacing.requests_per_second)
                assert budget is not None, "the budget is shared on PostgreSQL"
                claims = Claims(process_name(shard), ShardScope(SHARDS, frozenset({shard})))
                services.outbox.attach_poster(DiscordPoster(client), pacing, claims, budget)
                conn.send("ready")
                conn.recv()  # go
                conn.send(await services.outbox.drain())
    finally:
        await client.close()


# ---- the run -------------------------------------------------------------------------------


def main() -> None:
    if CHANNELS < SHARDS:
        raise SystemExit(f"FANOUT_CHANNELS={CHANNELS}: {SHARDS} shards need at least {SHARDS}")
    reason = None if os.environ.get("BENCH_DSN") else unavailable_reason()
    if reason:  # `make bench` goes on without it, and says so
        print(f"fanout_shared not run: no PostgreSQL server can be started here: {reason}")
        return
    with postgresql_server() as server:

        async def on_fresh_database() -> None:
            async with fresh_database(server, f"rr_fanout_shared_{os.getpid()}") as dsn:
                await asyncio.to_thread(run_once, dsn)

        asyncio.run(on_fresh_database())


def run_once(dsn: str) -> None:
    """The stand-in and the two senders in processes of their own; the outbox filled here."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    discord_side = context.Process(target=serve_standin, args=(theirs, CHANNELS), daemon=True)
    discord_side.start()
    senders: list[multiprocessing.process.BaseProcess] = []
    try:
        api_base, gateway_url, ids = ours.recv()
        asyncio.run(fill(dsn, ids))
        pipes = []
        for shard in range(SHARDS):  # one after the other: each opens (and checks) the store
            mine, its = context.Pipe()
            process = context.Process(
                target=sender_process, args=(its, api_base, gateway_url, dsn, shard), daemon=True
            )
            process.start()
            senders.append(process)
            assert mine.recv() == "ready"
            pipes.append(mine)
        ours.send("mark")
        mark = ours.recv()
        start = time.monotonic()  # system-wide: the stand-in's times are on this clock
        for pipe in pipes:
            pipe.send("go")
        sent = [pipe.recv() for pipe in pipes]
        elapsed = time.monotonic() - start
        ours.send(("report", mark))
        seen = ours.recv()
        counts, by_process = asyncio.run(outcome(dsn))
    finally:
        for process in [*senders, discord_side]:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    print_results(
        sum(sent), counts, default_pacing(), elapsed, seen, start, "postgresql", "fanout_shared"
    )
    print_shares(sent, by_process)


async def fill(dsn: str, ids: list[str]) -> None:
    """The store migrated, the bundled catalog in, and the release queued for every channel."""
    with tempfile.TemporaryDirectory() as tmp:
        async with open_services(bench_config(tmp, dsn)) as services:
            await queue_release(services.watch, ids, guild_on)


async def outcome(dsn: str) -> tuple[dict[str, int], Counter[tuple[str, bool]]]:
    """The outbox's counts by status, and its sent rows by (claimer, whether the claimer's
    shard holds the row's guild)."""
    with tempfile.TemporaryDirectory() as tmp:
        async with open_services(bench_config(tmp, dsn)) as services:
            counts = dict(await services.outbox.store.counts())
            rows = await services.db.fetchall(
                "SELECT claimed_by, guild_id FROM outbox WHERE status = 'sent'"
            )
    scopes = {process_name(s): ShardScope(SHARDS, frozenset({s})) for s in range(SHARDS)}
    return counts, Counter(
        (row[0], row[0] in scopes and scopes[row[0]].holds(row[1])) for row in rows
    )


def print_shares(sent: list[int], by_process: Counter[tuple[str, Any]]) -> None:
    """Each process's share, and whether every row went out from the right process."""
    for shard, count in enumerate(sent):
        name = process_name(shard)
        print(
            f"{name}: sent {count}, of them its own shard's {by_process[(name, True)]},"
            f" another's {by_process[(name, False)]}"
        )
    wrong = sum(n for (_, right), n in by_process.items() if not right)
    print(f"rows sent by a process whose shard does not hold their guild: {wrong} (target 0)")
    print(
        f"SUMMARY figure=fanout_shared_wrong_process target=0 measured={wrong}"
        f" ratio={'0.000' if wrong == 0 else 'inf'}"
    )


if __name__ == "__main__":
    main()
