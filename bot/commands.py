"""The lookup commands as data: name, options, the core call and the renderer.

Slash commands (the cogs) and the offline command line both answer through `run_command`, so
the two always say the same thing. A test checks the cogs declare exactly these options.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.results import LicenseListing
from bot.digest.schedule import available_zones
from bot.render import lookups as render
from bot.render.cards import Attachment, Reply
from bot.render.charts import (
    CHART_FILENAME,
    ChartSpec,
    comparison_chart,
    leaderboard_chart,
    price_chart,
)
from bot.render.gpu_fit import render_fit
from bot.render.prices import render_price
from bot.watch.filters import parse_filters

if TYPE_CHECKING:
    from bot.services import Services

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Option:
    name: str
    description: str
    required: bool = False
    kind: type = str
    autocomplete: str | None = None  # 'model' or 'benchmark'


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    options: tuple[Option, ...]
    run: Callable[[Services, dict[str, Any]], Awaitable[Any]]
    render: Callable[[Any], Reply]
    chart: Callable[[Any], ChartSpec | None] | None = None  # a picture beside the text


def _render_license(result: Any) -> Reply:
    if isinstance(result, LicenseListing):
        return render.render_license_listing(result)
    return render.render_model_licenses(result)


async def _about(services: Services, options: dict[str, Any]) -> Any:
    about = await services.lookups.about()
    about = replace(about, syncs=tuple(await services.sync.summaries()))
    if "guild_id" in options:  # asked in Discord ("" in a DM): which shard answers there
        about = replace(about, scope=services.outbox.scope, guild_id=options["guild_id"])
    leadership = services.leadership
    if leadership is None:
        return about
    return replace(about, process=leadership.process, leader=await leadership.leader())


async def _digest(services: Services, options: dict[str, Any]) -> Reply:
    """A digest for a window: the last `days` (default 7) or since/until dates."""
    zone = options.get("timezone") or "UTC"
    if zone not in available_zones():
        raise UserError(
            "'{}' is not an IANA time zone name (for example Europe/Berlin).", zone[:60]
        )
    tz = ZoneInfo(zone)
    # A date alone is a whole day where the reader is: until=2026-04-26 includes the 26th.
    until = _date_option(options, "until", tz, end=True) or services.digests.clock()
    days = options.get("days", 7)
    if not 1 <= days <= 366:
        raise UserError("days must be between 1 and 366.")
    since = _date_option(options, "since", tz) or until - timedelta(days=days)
    if since >= until:
        raise UserError("since must be before until.")
    filters = parse_filters(
        options.get("orgs"), options.get("openness"), options.get("modality"), options.get("types")
    )
    return await services.digests.window(since, until, filters, zone)


def _date_option(
    options: dict[str, Any], key: str, tz: tzinfo = UTC, end: bool = False
) -> datetime | None:
    """The option as a moment in `tz`; a date alone is its midnight, or with `end` the next
    midnight (the day included, as people read 'until the 26th')."""
    text = options.get(key)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError("{} must be a date like 2026-04-01, got '{}'.", key, text[:30]) from None
    if _DATE_ONLY.fullmatch(text.strip()):
        day = datetime.combine(moment.date(), time(), tz)
        return day + timedelta(days=1) if end else day
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


COMMANDS: dict[str, Command] = {
    cmd.name: cmd
    for cmd in (
        Command(
            "model",
            "Facts about a model, each with its source",
            (Option("name", "Model name (typos are fine)", True, autocomplete="model"),),
            lambda sv, o: sv.lookups.model(o.get("name")),
            render.render_model,
        ),
        Command(
            "license",
            "A model's license and openness, or the models under a license",
            (
                Option(
                    "query",
                    "A model, a license (Apache-2.0) or a class (api_only)",
                    True,
                    autocomplete="model",
                ),
                Option("commercial", "List only models whose license reads: yes, conditions, no"),
            ),
            lambda sv, o: sv.lookups.license(o.get("query"), o.get("commercial")),
            _render_license,
        ),
        Command(
            "compare",
            "Compare two to four models on the benchmarks they share",
            (
                Option("model1", "First model", True, autocomplete="model"),
                Option("model2", "Second model", True, autocomplete="model"),
                Option("model3", "Third model", autocomplete="model"),
                Option("model4", "Fourth model", autocomplete="model"),
                Option("benchmark", "Only this benchmark", autocomplete="benchmark"),
            ),
            lambda sv, o: sv.lookups.compare(
                [o.get("model1"), o.get("model2"), o.get("model3"), o.get("model4")],
                o.get("benchmark"),
            ),
            render.render_comparison,
            comparison_chart,
        ),
        Command(
            "leaderboard",
            "Top models on a benchmark",
            (
                Option("benchmark", "Benchmark name", True, autocomplete="benchmark"),
                Option(
                    "openness", "Only this openness class (open, api_only, open_permissive ...)"
                ),
                Option("limit", "How many rows (1-25, default 10)", kind=int),
                Option("setting", "Evaluation setting (pass@1, cons@64, 5-shot ...)"),
                Option("sort", "score (best first, the default) or price (cheapest first)"),
                Option("min_score", "Only models scoring at least this", kind=float),
                Option(
                    "max_price",
                    "Only models at most this blended $ per 1M tokens (3 in : 1 out)",
                    kind=float,
                ),
                Option("fits", "Only models whose weights fit: a GPU (RTX 4090) or memory (24GB)"),
            ),
            lambda sv, o: sv.lookups.leaderboard(
                o.get("benchmark"),
                o.get("openness"),
                o.get("limit"),
                o.get("setting"),
                o.get("sort"),
                o.get("min_score"),
                o.get("max_price"),
                o.get("fits"),
            ),
            render.render_leaderboard,
            leaderboard_chart,
        ),
        Command(
            "price",
            "A model's prices per provider, and how they changed",
            (Option("model", "Model name (typos are fine)", True, autocomplete="model"),),
            lambda sv, o: sv.lookups.price(o.get("model")),
            render_price,
            price_chart,
        ),
        Command(
            "search",
            "Search models, organisations and events",
            (Option("text", "What to look for", True),),
            lambda sv, o: sv.lookups.search(o.get("text")),
            render.render_search,
        ),
        Command("about", "Data sources, credits and catalog size", (), _about, render.render_about),
        Command(
            "fit",
            "Will a model run on a GPU? Memory per quantization, with sources",
            (
                Option("model", "Model name (typos are fine)", True, autocomplete="model"),
                Option("gpu", "A GPU (RTX 4090, H100, Mac 64GB) or memory like 24GB"),
                Option("context", "Context in tokens, like 8192 or 32k (default 8192)"),
                Option("quantization", "Only this one: FP16, FP8, Q8_0, Q6_K, Q5_K_M, Q4_K_M"),
            ),
            lambda sv, o: sv.fit.fit(
                o.get("model"), o.get("gpu"), o.get("context"), o.get("quantization")
            ),
            render_fit,
        ),
    )
}


# Commands only the offline command line has (the Discord side is /digest preview).
OFFLINE_COMMANDS: dict[str, Command] = {
    "digest": Command(
        "digest",
        "Preview a digest for a window of time",
        (
            Option("days", "The last N days (default 7)", kind=int),
            Option("since", "Start date, like 2026-04-01"),
            Option("until", "End date (default now)"),
            Option("timezone", "IANA time zone for dates shown (default UTC)"),
            Option("orgs", "Organisations, comma-separated"),
            Option("openness", "Openness classes, comma-separated"),
            Option("modality", "Modalities, comma-separated"),
            Option("types", "Entry types, comma-separated"),
        ),
        _digest,
        lambda reply: reply,
    )
}
ALL_COMMANDS = {**COMMANDS, **OFFLINE_COMMANDS}


def parse_options(command: Command, raw: dict[str, str]) -> dict[str, Any]:
    """Check option names and convert values as Discord would; errors name the option."""
    known = {o.name: o for o in command.options}
    options: dict[str, Any] = {}
    for key, value in raw.items():
        option = known.get(key)
        if option is None:
            names = ", ".join(known) or "none"
            raise UserError("/{} has no option '{}' (options: {}).", command.name, key, names)
        if option.kind is int:
            try:
                options[key] = int(value)
            except ValueError:
                raise UserError(
                    "Option '{}' must be a whole number, got '{}'.", key, value[:40]
                ) from None
        elif option.kind is float:
            options[key] = _number(key, value)
        else:
            options[key] = value
    for option in command.options:
        if option.required and option.name not in options:
            raise UserError("/{} needs the option '{}'.", command.name, option.name)
    return options


def _number(key: str, value: str) -> float:
    """A number option as Discord would send it: finite, '$' and ',' allowed ('$2.50')."""
    try:
        number = float(value.strip().lstrip("$").replace(",", ""))
    except ValueError:
        raise UserError("Option '{}' must be a number, got '{}'.", key, value[:40]) from None
    if not math.isfinite(number):
        raise UserError("Option '{}' must be a number, got '{}'.", key, value[:40])
    return number


async def run_command(
    services: Services, name: str, options: dict[str, Any], *, charts: bool = False
) -> tuple[Any, Reply]:
    """Run a command: the core result and its rendered reply, or a UserError. With `charts`
    (and charts on in the config) a command that has one attaches its chart."""
    command = ALL_COMMANDS.get(name)
    if command is None:
        raise UserError("Unknown command '{}'. Commands: {}.", name[:40], ", ".join(ALL_COMMANDS))
    result = await command.run(services, options)
    reply = command.render(result)
    if charts and command.chart is not None and services.charts.enabled:
        spec = command.chart(result)
        png = await services.charts.render(spec) if spec is not None else None
        if png is not None:
            reply.files = (Attachment(CHART_FILENAME, png, "Chart of the answer above"),)
    return result, reply
