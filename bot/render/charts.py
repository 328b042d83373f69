"""Charts as PNG bytes (matplotlib, Agg backend): bars per benchmark for /compare and
/leaderboard, and a dated line chart (price history). The text answer always stays; a chart
is an attachment beside it.

Specs are frozen dataclasses so they can key a cache (`ChartRenderer`); figures are built
with `matplotlib.figure.Figure` (no pyplot global state), so renders may run in threads.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core.results import Comparison, Leaderboard, PriceReport, ScoreClaim

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

log = logging.getLogger(__name__)
CHART_FILENAME = "chart.png"
DPI = 100
WIDTH_IN = 10.0
SELF_HATCH = "//"
DISPUTED_EDGE = "#d62728"
_PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#8172b3")


@dataclass(frozen=True)
class Bar:
    value: float | None  # None: no score
    self_reported: bool = False
    disputed: bool = False  # the sources give different figures; the best is drawn


@dataclass(frozen=True)
class BarGroup:
    """One benchmark (or one ranked model): a label and one bar per series."""

    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class BarChart:
    title: str
    series: tuple[str, ...]  # the models, one colour each
    groups: tuple[BarGroup, ...]
    horizontal: bool = False  # a leaderboard: one bar per row, best at the top


@dataclass(frozen=True)
class LineChart:
    """Dated points per series (a price over time), in `unit`."""

    title: str
    unit: str
    series: tuple[tuple[str, tuple[tuple[date, float], ...]], ...]


ChartSpec = BarChart | LineChart


def direction_text(higher: bool) -> str:
    return "↑ higher is better" if higher else "↓ lower is better"


def _bar(cell: Sequence[ScoreClaim], higher: bool) -> Bar:
    if not cell:
        return Bar(None)
    best = max(cell, key=lambda c: c.value) if higher else min(cell, key=lambda c: c.value)
    return Bar(best.value, best.source.self_reported, len({c.value for c in cell}) > 1)


def comparison_chart(result: Comparison) -> BarChart | None:
    """Bars per shared benchmark, one per model; None without two scored rows' worth."""
    if not result.rows:
        return None
    groups = []
    for row in result.rows[:12]:
        unit = f"{row.unit}, " if row.unit else ""
        setting = f" · {row.setting}" if row.setting else ""
        label = f"{row.benchmark}{setting}\n({unit}{direction_text(row.higher_is_better)})"
        groups.append(BarGroup(label, tuple(_bar(c, row.higher_is_better) for c in row.cells)))
    return BarChart(" vs ".join(result.models), result.models, tuple(groups))


def leaderboard_chart(board: Leaderboard) -> BarChart | None:
    if not board.rows:
        return None
    unit = f"{board.unit}, " if board.unit else ""
    title = f"{board.benchmark} ({unit}{direction_text(board.higher_is_better)})"
    groups = tuple(
        BarGroup(
            f"{r.rank}. {r.model}",
            (Bar(r.best.value, r.best.source.self_reported, bool(r.others)),),
        )
        for r in board.rows
    )
    return BarChart(title, (board.benchmark,), groups, horizontal=True)


def load_matplotlib() -> None:
    """Import matplotlib (Agg). Not at import time: that is seconds of a cold start, which
    the CLI never needs; the bot calls `ChartRenderer.warm` while it starts instead."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory only
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import matplotlib.patches


def _figure(height: float) -> Figure:
    """An empty Agg figure."""
    load_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _legend_marks(spec: BarChart) -> list[Patch]:
    from matplotlib.patches import Patch

    bars = [b for g in spec.groups for b in g.bars]
    marks = []
    if any(b.self_reported for b in bars):
        marks.append(Patch(facecolor="white", edgecolor="black", hatch=SELF_HATCH))
    if any(b.disputed for b in bars):
        marks.append(Patch(facecolor="white", edgecolor=DISPUTED_EDGE, linewidth=2))
    return marks


def _legend_labels(spec: BarChart) -> list[str]:
    bars = [b for g in spec.groups for b in g.bars]
    labels = []
    if any(b.self_reported for b in bars):
        labels.append("self-reported")
    if any(b.disputed for b in bars):
        labels.append("sources disagree (best shown)")
    return labels


def render_bar_chart(spec: BarChart) -> bytes:
    """The chart as PNG bytes."""
    count = len(spec.groups)
    series = len(spec.series)
    height = max(3.0, 0.35 * count + 1.6) if spec.horizontal else 5.5
    fig = _figure(height)
    ax = fig.add_subplot()
    width = 0.8 / series
    for s, name in enumerate(spec.series):
        colour = _PALETTE[s % len(_PALETTE)]
        labelled = False
        for g, group in enumerate(spec.groups):
            bar = group.bars[s]
            if bar.value is None:
                continue
            pos = g + (s - (series - 1) / 2) * width
            style: dict[str, Any] = {
                "color": colour,
                "hatch": SELF_HATCH if bar.self_reported else None,
                "edgecolor": DISPUTED_EDGE if bar.disputed else "black",
                "linewidth": 2 if bar.disputed else 0.5,
                "label": None if labelled else name,
            }
            labelled = True
            if spec.horizontal:
                ax.barh(count - 1 - pos, bar.value, height=width, **style)
                ax.text(bar.value, count - 1 - pos, f" {bar.value:g}", va="center", fontsize=8)
            else:
                ax.bar(pos, bar.value, width=width, **style)
                ax.text(pos, bar.value, f"{bar.value:g}", ha="center", va="bottom", fontsize=7)
    labels = [g.label for g in spec.groups]
    if spec.horizontal:
        ax.set_yticks([count - 1 - i for i in range(count)], labels, fontsize=8)
    else:
        ax.set_xticks(range(count), labels, fontsize=7)
    ax.set_title(spec.title, fontsize=11)
    handles, names = ax.get_legend_handles_labels()
    if spec.horizontal:
        handles, names = [], []
    handles += _legend_marks(spec)
    names += _legend_labels(spec)
    if handles:
        ax.legend(handles, names, fontsize=8, loc="upper right")
    _margins(fig, spec, labels)
    return _png(fig)


def _margins(fig: Figure, spec: BarChart, labels: list[str]) -> None:
    """Room for the labels, worked out from their length: tight_layout would draw the whole
    figure once more just to measure them (a third of the render time)."""
    longest = max((len(line) for label in labels for line in label.split("\n")), default=0)
    if spec.horizontal:
        left = min(0.45, 0.02 + longest * 0.0062)  # 8 pt labels, ~0.062 in per character
        fig.subplots_adjust(
            left=left,
            right=0.96,
            top=1 - 0.4 / fig.get_figheight(),
            bottom=0.6 / fig.get_figheight(),
        )
    else:
        fig.subplots_adjust(left=0.06, right=0.98, top=0.93, bottom=0.14)


def price_chart(report: PriceReport) -> LineChart | None:
    """The input price over time as steps, one line per provider whose price changed (None
    when none did: a flat line says nothing the text does not). Each period is drawn from its
    start to its end day, where the source gives them as full dates."""
    series = []
    for history in report.history[:8]:
        points: list[tuple[date, float]] = []
        for quote in history.periods:
            if quote.input_per_m is None:
                continue
            for day in (quote.starts, quote.ends):
                if day and len(day) == 10:
                    points.append((date.fromisoformat(day), quote.input_per_m))
        if len({value for _, value in points}) >= 2:
            label = history.provider + (f" ({history.region})" if history.region else "")
            series.append((label, tuple(points)))
    if not series:
        return None
    return LineChart(f"{report.model}: input price", "$ per 1M tokens", tuple(series))


def render_line_chart(spec: LineChart) -> bytes:
    """Dated points as lines, one per series, as PNG bytes."""
    fig = _figure(5.0)
    ax = fig.add_subplot()
    for i, (name, points) in enumerate(spec.series):
        ordered = sorted(points, key=lambda point: point[0])  # stable: steps keep their order
        ax.plot(
            [_day_number(d) for d, _ in ordered],
            [v for _, v in ordered],
            marker="o",
            drawstyle="steps-post",
            color=_PALETTE[i % len(_PALETTE)],
            label=name,
        )
    ax.xaxis_date()
    ax.set_title(spec.title, fontsize=11)
    ax.set_ylabel(spec.unit)
    ax.grid(alpha=0.3)
    if spec.series:
        ax.legend(fontsize=8)
    fig.autofmt_xdate()
    fig.subplots_adjust(left=0.09, right=0.98, top=0.92, bottom=0.16)
    return _png(fig)


def _day_number(day: date) -> float:
    """Matplotlib's date number (days since its default epoch, 1970-01-01)."""
    return float(day.toordinal() - _EPOCH)


_EPOCH = date(1970, 1, 1).toordinal()


def render_chart(spec: ChartSpec) -> bytes:
    if isinstance(spec, LineChart):
        return render_line_chart(spec)
    return render_bar_chart(spec)


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


class ChartRenderer:
    """Renders charts in a worker thread (never on the event loop), keeping the last
    `cache_entries` PNGs by their spec (the same question twice is drawn once)."""

    def __init__(self, enabled: bool = True, cache_entries: int = 64, max_bytes: int = 0) -> None:
        self.enabled = enabled
        self.cache_entries = cache_entries
        self.max_bytes = max_bytes  # 0: no limit of our own (Discord's is checked by the caller)
        self._cache: OrderedDict[ChartSpec, bytes] = OrderedDict()
        self.renders = 0  # how many were drawn, not served from the cache

    async def warm(self) -> None:
        """Load matplotlib in a worker thread, so the first chart does not pay its import
        inside Discord's answer window (a no-op when charts are off)."""
        if self.enabled:
            await asyncio.to_thread(load_matplotlib)

    async def render(self, spec: ChartSpec) -> bytes | None:
        """The PNG, or None when it would be larger than `max_bytes`."""
        png = self._cache.get(spec)
        if png is None:
            png = await asyncio.to_thread(render_chart, spec)
            self.renders += 1
            self._cache[spec] = png
            while len(self._cache) > self.cache_entries:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(spec)
        if self.max_bytes and len(png) > self.max_bytes:
            log.warning(
                "chart of %d bytes is over the %d limit; sent without", len(png), self.max_bytes
            )
            return None
        return png
