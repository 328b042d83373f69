"""Benchmark: drawing the /leaderboard chart for 25 rows and the /compare chart for four
models on twelve benchmarks (PNG, Agg), each after a warm-up draw (the first pays matplotlib's
font loading once per process).

Prints the median wall and CPU time of 5 draws per chart and its size, then SUMMARY lines
(wall time).
Target (issue 16): well under a second for 25 rows.
"""

from __future__ import annotations

import statistics
import time

from bot.render.charts import Bar, BarChart, BarGroup, render_chart

ROUNDS = 5


def leaderboard_spec() -> BarChart:
    groups = tuple(
        BarGroup(
            f"{i + 1}. Model {i} Instruct (2025-0{i % 9 + 1})",
            (Bar(90 - i * 0.7, i % 2 == 0, i % 7 == 0),),
        )
        for i in range(25)
    )
    return BarChart("MMLU (%, ↑ higher is better)", ("MMLU",), groups, horizontal=True)


def compare_spec() -> BarChart:
    models = ("Model A", "Model B", "Model C", "Model D")
    groups = tuple(
        BarGroup(
            f"Benchmark {b}\n(%, ↑ higher is better)",
            tuple(Bar(50 + (b * 7 + m * 11) % 45, m % 2 == 1, b == m) for m in range(4)),
        )
        for b in range(12)
    )
    return BarChart(" vs ".join(models), models, groups)


def timed(spec: BarChart) -> tuple[float, float, int]:
    """Median wall and CPU seconds of a draw, and the PNG's size. The CPU time is what the
    draw itself costs: on a loaded machine the wall time also counts waiting for a core."""
    render_chart(spec)  # warm-up
    walls, cpus, size = [], [], 0
    for _ in range(ROUNDS):
        start, cpu = time.perf_counter(), time.process_time()
        size = len(render_chart(spec))
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), size


def main() -> None:
    for name, spec in (
        ("leaderboard_25_rows", leaderboard_spec()),
        ("compare_4x12", compare_spec()),
    ):
        seconds, cpu, size = timed(spec)
        print(f"{name}: {seconds:.3f} s wall, {cpu:.3f} s CPU (median of {ROUNDS}), {size:,} bytes")
        print(
            f"SUMMARY figure=chart_{name}_s target=1.0 measured={seconds:.3f}"
            f" ratio={seconds / 1.0:.2f}"
        )


if __name__ == "__main__":
    main()
