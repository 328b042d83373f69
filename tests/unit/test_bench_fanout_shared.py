"""bench/fanout_shared.py: two processes on two shards drain one PostgreSQL outbox sharing the
global budget; a small run reports every channel served once, each row by its shard's process."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO


def run_bench(channels: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FANOUT_CHANNELS": channels,
        "FANOUT_LATENCY": "0.02",
        "PYTHONPATH": str(REPO),
    }
    env.pop("BENCH_DSN", None)
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / "fanout_shared.py")],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )


@pytest.mark.postgresql
def test_two_processes_share_the_outbox_and_the_budget() -> None:
    done = run_bench("40")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "sent 40, outbox {'sent': 40}" in out
    assert "lost 0, duplicated 0" in out
    for shard in (0, 1):  # guilds alternate between the shards: half each, none of the other's
        assert f"bench-shard-{shard}: sent 20, of them its own shard's 20, another's 0" in out
    assert "SUMMARY figure=fanout_shared_wrong_process target=0 measured=0" in out
    floor = re.search(r"floor (\d+\.\d) s", out)
    assert floor and float(floor.group(1)) == 0.8  # 40 rows at Discord's 50 a second


def test_fewer_channels_than_shards_stops_it_before_it_starts() -> None:
    done = run_bench("1")
    assert done.returncode == 1
    assert "FANOUT_CHANNELS=1: 2 shards need at least 2" in done.stderr
    assert "SUMMARY" not in done.stdout
