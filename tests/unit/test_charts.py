"""Charts: valid PNGs of bounded size and the stated dimensions, drawn off the event loop and
cached by content, marking self-reported and disputed values; and the config switch."""

import struct
import subprocess
import sys
import threading
from datetime import date

import pytest

from bot.app import open_services
from bot.commands import run_command
from bot.config import ChartsConfig, ConfigError, parse_config
from bot.render import charts
from bot.render.charts import (
    DPI,
    WIDTH_IN,
    Bar,
    BarChart,
    BarGroup,
    ChartRenderer,
    LineChart,
    comparison_chart,
    leaderboard_chart,
    render_chart,
)
from tests.conftest import make_config

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DISCORD_LIMIT = 10 * 1024 * 1024


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (which must come first)."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def rows(n: int) -> BarChart:
    groups = tuple(
        BarGroup(f"{i + 1}. Model number {i}", (Bar(90 - i, i % 2 == 0, i % 5 == 0),))
        for i in range(n)
    )
    return BarChart("MMLU (%, ↑ higher is better)", ("MMLU",), groups, horizontal=True)


def test_a_25_row_chart_is_a_valid_png_within_discords_limit() -> None:
    data = render_chart(rows(25))
    width, height = png_size(data)
    assert width == WIDTH_IN * DPI
    assert height == round((0.35 * 25 + 1.6) * DPI)
    assert len(data) < DISCORD_LIMIT and len(data) < 1024 * 1024


def test_a_dated_line_chart_is_a_png() -> None:
    points = ((date(2025, 1, 1), 15.0), (date(2025, 6, 1), 10.0), (date(2025, 3, 1), 12.5))
    spec = LineChart("GPT-4o price", "$ per 1M input tokens", (("OpenAI", points),))
    width, height = png_size(render_chart(spec))
    assert (width, height) == (WIDTH_IN * DPI, 5 * DPI)
    # An empty series list still draws (axes only), rather than failing.
    assert png_size(render_chart(LineChart("none", "$", ()))) == (width, height)


async def test_renders_off_the_event_loop_and_caches_by_content(monkeypatch) -> None:
    renderer = ChartRenderer(cache_entries=2)
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def traced(spec):  # the real renderer, noting the thread it runs in
        threads.append(threading.get_ident())
        return render_chart(spec)

    monkeypatch.setattr(charts, "render_chart", traced)
    spec = rows(3)
    first, second = await renderer.render(spec), await renderer.render(spec)
    assert first == second and renderer.renders == 1 and len(threads) == 1
    assert threads[0] != loop_thread
    await renderer.render(rows(4))
    await renderer.render(rows(5))  # the cache keeps two: rows(3) is dropped
    await renderer.render(spec)
    assert renderer.renders == 4


async def test_a_chart_over_the_byte_limit_is_left_out() -> None:
    assert await ChartRenderer(max_bytes=100).render(rows(2)) is None


async def test_compare_chart_marks_self_reported_and_disputed(services) -> None:
    result, reply = await run_command(
        services,
        "compare",
        {"model1": "Llama 3.1 70B Instruct", "model2": "Qwen2.5 72B Instruct"},
        charts=True,
    )
    spec = comparison_chart(result)
    assert spec is not None and spec.series == result.models
    for row, group in zip(result.rows, spec.groups, strict=False):
        assert "higher is better" in group.label or "lower is better" in group.label
        for cell, bar in zip(row.cells, group.bars, strict=True):
            if cell:
                assert bar.self_reported is any(
                    c.source.self_reported for c in cell if c.value == bar.value
                )
                assert bar.disputed is (len({c.value for c in cell}) > 1)
    assert reply.files and reply.files[0].filename == "chart.png"
    png_size(reply.files[0].data)
    text_only = (await run_command(services, "compare", {"model1": "GPT-4o", "model2": "o1"}))[1]
    assert text_only.files == ()  # the command line and tests without charts: text only


async def test_leaderboard_chart_has_a_bar_per_row(services) -> None:
    result, reply = await run_command(
        services, "leaderboard", {"benchmark": "MMLU", "limit": 25}, charts=True
    )
    spec = leaderboard_chart(result)
    assert spec is not None and len(spec.groups) == len(result.rows) == 25
    assert [b.bars[0].value for b in spec.groups] == [r.best.value for r in result.rows]
    assert png_size(reply.files[0].data)[1] == round((0.35 * 25 + 1.6) * DPI)


async def test_charts_can_be_turned_off(services) -> None:
    services.charts.enabled = False
    try:
        _, reply = await run_command(services, "leaderboard", {"benchmark": "MMLU"}, charts=True)
    finally:
        services.charts.enabled = True
    assert reply.files == ()


def test_charts_config() -> None:
    assert parse_config({}).charts.enabled is True
    assert parse_config({"charts": {"enabled": False}}).charts.enabled is False
    with pytest.raises(ConfigError, match=r"charts\.enabled"):
        parse_config({"charts": {"enabled": "no"}})
    with pytest.raises(ConfigError, match=r"charts\.max_bytes"):
        parse_config({"charts": {"max_bytes": 50 * 1024 * 1024}})
    with pytest.raises(ConfigError, match=r"unknown key 'charts\.colour'"):
        parse_config({"charts": {"colour": "red"}})


async def test_the_config_switch_reaches_the_renderer(db_path) -> None:
    async with open_services(make_config(db_path, charts=ChartsConfig(enabled=False))) as sv:
        _, reply = await run_command(sv, "leaderboard", {"benchmark": "MMLU"}, charts=True)
    assert sv.charts.enabled is False and reply.files == ()


def test_matplotlib_is_imported_on_the_first_chart_not_at_start_up() -> None:
    """A cold start (the bot, the CLI) does not pay matplotlib's import; a chart does."""
    code = (
        "import sys, bot.app, bot.cli, bot.commands, bot.services, bot.render.charts as c\n"
        "print('matplotlib' in sys.modules)\n"
        "c.render_chart(c.BarChart('t', ('a',), (c.BarGroup('m', (c.Bar(1.0),)),)))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_warm_loads_matplotlib_only_when_charts_are_on() -> None:
    """The bot warms the renderer while it starts, so the first chart is not slow."""
    code = (
        "import asyncio, sys\n"
        "from bot.render.charts import ChartRenderer\n"
        "asyncio.run(ChartRenderer(enabled=False).warm())\n"
        "print('matplotlib' in sys.modules)\n"
        "asyncio.run(ChartRenderer().warm())\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
