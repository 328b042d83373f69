"""The command line: run the bot, ask offline, use the console, import data."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TextIO

from bot.app import open_services, run_discord
from bot.commands import ALL_COMMANDS, parse_options, run_command
from bot.config import Config, ConfigError, load_config
from bot.core.errors import ImportRejected, UserError
from bot.core.index import NameIndex
from bot.core.lookups import Lookups
from bot.core.records import Batch, SkippedRow
from bot.curation.doctor import diagnose
from bot.curation.trust import ingest_runs
from bot.importers.catalog_yaml import load_catalog_files
from bot.importers.common import parse_date
from bot.importers.epoch import load_epoch_file
from bot.importers.genai_prices import DATA_FILE as GENAI_PRICES_FILE
from bot.importers.genai_prices import load_genai_prices_file
from bot.importers.litellm import load_litellm_file
from bot.importers.llmstats import load_llmstats
from bot.importers.lmarena import load_lmarena_file
from bot.logs import setup_logging
from bot.render.doctor import render_doctor
from bot.render.text import reply_to_text, to_json
from bot.services import Services
from bot.store import CatalogStore
from bot.store.backends import open_existing_database
from bot.store.catalog_doctor import CatalogDoctorReads
from bot.store.copy import (
    CopyFailed,
    CopyRefused,
    migrate_store,
    parse_store_url,
)
from bot.store.db import StoreError
from bot.sync.hub_run import load_hub_file
from bot.sync.huggingface import HubAdapter
from bot.watch.fetch import Fetcher, FetchError, feed_session
from bot.watch.identity import identities
from bot.watch.linking import models_named
from bot.watch.parse import parse_feed
from bot.watch.parser_pool import ParserDied, ThreadParser

NO_TOKEN_HELP = """\
DISCORD_TOKEN is not set, so the bot cannot connect to Discord.
To get a token: https://discord.com/developers/applications -> New Application -> Bot ->
Reset Token, then `export DISCORD_TOKEN=...` and run `make run` again. Invite the bot with the
'bot' and 'applications.commands' scopes (OAuth2 -> URL Generator).

Starting the offline console instead: type `/model gemma 4`, `help`, or `quit`.
"""
_OPTION = r"(?:^|\s)(?:([a-z][a-z0-9_]*)=|({}):)"
IMPORTERS: dict[str, Callable[[Path], Batch]] = {
    "epoch": load_epoch_file,
    "llmstats": load_llmstats,
    "catalog": lambda path: load_catalog_files(
        sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    ),
    "huggingface": lambda path: HubAdapter().parse(load_hub_file(path)),
    "lmarena": load_lmarena_file,
}
# Price sources: a snapshot's date matters (an older one never overwrites a newer), so they
# take --as-of; genai-prices defaults to its bundled file.
PRICE_IMPORTERS: dict[str, tuple[Callable[[Path, str | None], Batch], Path | None]] = {
    "litellm": (load_litellm_file, None),
    "genai-prices": (load_genai_prices_file, GENAI_PRICES_FILE),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Release Radar")
    parser.add_argument("--config", type=Path, help="config file (default: config.yaml if present)")
    parser.add_argument("--db", type=Path, help="database file (overrides the config)")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run", help="connect to Discord; without a token, start the console")
    ask = sub.add_parser("ask", help="answer one command offline, as the bot would")
    ask.add_argument("command", help=f"one of: {', '.join(ALL_COMMANDS)}")
    ask.add_argument("options", nargs="*", help="option=value pairs, or the main option's text")
    ask.add_argument("--json", action="store_true", help="print the structured result")
    ask.add_argument(
        "--chart", type=Path, help="write the answer's chart (compare, leaderboard) to this PNG"
    )
    sub.add_parser("console", help="read commands line by line")
    feeds = sub.add_parser("feeds", help="feed tools")
    feeds_sub = feeds.add_subparsers(dest="feeds_action", required=True)
    preview = feeds_sub.add_parser(
        "preview", help="print the entries a feed would give, store untouched"
    )
    preview.add_argument("source", help="a feed URL or a file")
    preview.add_argument("--json", action="store_true", help="one JSON object per line")
    catalog = sub.add_parser("catalog", help="catalog tools")
    catalog_sub = catalog.add_subparsers(dest="catalog_action", required=True)
    catalog_sub.add_parser(
        "doctor", help="list likely duplicates, wrong merges, unit anomalies, unsourced facts"
    )
    sync = sub.add_parser("sync", help="sync the live catalog sources now; print the change set")
    sync.add_argument("source", nargs="?", help="one source (default: every enabled one)")
    sync.add_argument("--from", dest="origin", help="a file or URL to sync from instead")
    sync.add_argument("--as-of", dest="as_of", help="the snapshot's date, YYYY-MM-DD")
    hub = sub.add_parser("hub", help="Hugging Face Hub tools")
    hub_sub = hub.add_subparsers(dest="hub_action", required=True)
    hub_sync = hub_sub.add_parser(
        "sync", help="the same as `sync huggingface`: read the Hub now, print the change set"
    )
    hub_sync.add_argument("--save", type=Path, help="also write the collected body to this file")
    imp = sub.add_parser("import", help="import a file into the store")
    imp.add_argument("kind", choices=sorted([*IMPORTERS, *PRICE_IMPORTERS]))
    imp.add_argument("path", type=Path, nargs="?", help="the file (genai-prices: the bundled one)")
    imp.add_argument(
        "--as-of",
        dest="as_of",
        help="the snapshot's date (litellm, genai-prices; default: its own)",
    )
    move = sub.add_parser(
        "migrate-store",
        help="copy this installation's SQLite store into an empty store and verify the copy",
    )
    move.add_argument("--from", dest="source", required=True, help="sqlite:PATH")
    move.add_argument(
        "--to",
        dest="dest",
        required=True,
        help="postgresql:DSN (password from the env var store.password_env names) or sqlite:PATH",
    )
    return parser


def parse_line(line: str) -> tuple[str, dict[str, str]]:
    """'/compare model1=Qwen3.5-Omni model2=GPT-4o' or '/model gemma 4' -> name and options.

    Discord's own syntax works too: `model1:Qwen3.5-Omni` or `model1: Qwen3.5-Omni`. A colon
    marks an option only after one of the command's option names, so 'https://...' stays text.
    """
    text = line.strip().lstrip("/")
    name, _, rest = text.partition(" ")
    command = ALL_COMMANDS.get(name.lower())
    if command is None:
        raise UserError("Unknown command '{}'. Commands: {}.", name[:40], ", ".join(ALL_COMMANDS))
    options: dict[str, str] = {}
    names = "|".join(re.escape(o.name) for o in command.options) or "(?!)"
    marks = list(re.finditer(_OPTION.format(names), rest))
    head = rest[: marks[0].start()] if marks else rest
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(rest)
        options[mark.group(1) or mark.group(2)] = rest[mark.end() : end].strip()
    if head.strip():
        first = next((o.name for o in command.options if o.required), None)
        if first is None or first in options:
            raise UserError(
                "/{} takes option=value pairs, not '{}'.", command.name, head.strip()[:40]
            )
        options[first] = head.strip()
    return command.name, options


async def answer(
    services: Services, line: str, as_json: bool = False, chart: Path | None = None
) -> str:
    """The command's answer as text (or JSON); with `chart`, its chart (if it has one) is
    written there as PNG and the text says so."""
    name, raw = parse_line(line)
    options = parse_options(ALL_COMMANDS[name], raw)
    result, reply = await run_command(services, name, options, charts=chart is not None)
    text = to_json(result) if as_json else reply_to_text(reply)
    if chart is not None and reply.files:
        chart.write_bytes(reply.files[0].data)
        if not as_json:
            text += f"\n(chart written to {chart})"
    return text


async def _ask(config: Config, line: str, as_json: bool, chart: Path | None = None) -> int:
    async with open_services(config) as services:
        try:
            print(await answer(services, line, as_json, chart))
        except UserError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    return 0


async def console(config: Config, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """A read-answer loop over stdin, for trying every command without Discord."""
    async with open_services(config) as services:
        interactive = stdin.isatty()
        while True:
            if interactive:
                stdout.write("radar> ")
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                return 0
            line = line.strip()
            if not line:
                continue
            if line in ("quit", "exit"):
                return 0
            if line in ("help", "?"):
                stdout.write(_console_help() + "\n")
                continue
            try:
                stdout.write(await answer(services, line) + "\n\n")
            except UserError as exc:
                stdout.write(f"! {exc}\n\n")
            stdout.flush()


def _console_help() -> str:
    lines = ["Commands (as in Discord):"]
    for cmd in ALL_COMMANDS.values():
        opts = " ".join(f"{o.name}=..." if o.required else f"[{o.name}=...]" for o in cmd.options)
        lines.append(f"  /{cmd.name} {opts} — {cmd.description}")
    lines.append("Example: /compare model1=Qwen3.5-Omni model2=GPT-4o benchmark=MMMU")
    lines.append("Discord's syntax works too: /compare model1:Qwen3.5-Omni model2: GPT-4o")
    return "\n".join(lines)


async def _import(config: Config, kind: str, path: Path | None, as_of: str | None = None) -> int:
    if path is None and kind in PRICE_IMPORTERS:
        path = PRICE_IMPORTERS[kind][1]
    if path is None:
        print(f"import {kind} needs the file to import.", file=sys.stderr)
        return 2
    if as_of is not None and kind not in PRICE_IMPORTERS:
        print(f"--as-of is for the price sources ({', '.join(PRICE_IMPORTERS)}).", file=sys.stderr)
        return 2
    if not path.exists():
        print(f"{path} does not exist.", file=sys.stderr)
        return 1
    try:
        if kind in PRICE_IMPORTERS:
            batch = PRICE_IMPORTERS[kind][0](path, as_of)
        else:
            batch = IMPORTERS[kind](path)
    except ImportRejected as exc:
        print(str(exc), file=sys.stderr)
        return 1
    async with open_services(config) as services:
        try:
            async with services.catalog.db.transaction():  # the scores and their entries
                summary = await services.catalog.apply(batch)
                runs = await ingest_runs(services.watch, summary.independent)
        except ImportRejected as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"{path.name}: {summary.describe()}.")
    if runs:
        print(f"  {runs} new watch entries for independent runs against a lab's claim")
    for line in summary.notable[:50]:
        print(f"  {line}")
    if kind in PRICE_IMPORTERS:  # thousands of rows: say why, with one example each
        _print_skip_reasons(summary.skipped)
        return 0
    for row in summary.skipped[:50]:
        print(f"  skipped {row.where}: {row.reason}")
    if len(summary.skipped) > 50:
        print(f"  ... and {len(summary.skipped) - 50} more skipped rows")
    return 0


async def sync_sources(
    config: Config,
    source: str | None,
    origin: str | None,
    as_of: str | None,
    save: Path | None = None,
) -> int:
    """Sync one source (or every enabled one) now and print each change set; `save` keeps the
    body fetched (one source)."""
    if origin and not source:
        print(
            "--from needs the source it is a snapshot of (e.g. `sync openrouter --from FILE`).",
            file=sys.stderr,
        )
        return 2
    if as_of is not None and (len(as_of) != 10 or parse_date(as_of) != as_of):
        print(f"--as-of {as_of!r} is not a date (YYYY-MM-DD).", file=sys.stderr)
        return 2
    async with open_services(config) as services:
        try:
            keys = [services.sync.adapter(source).key] if source else list(config.sync.sources)
        except UserError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        failed = False
        for key in keys:
            outcome = await services.sync.sync(key, origin=origin, as_of=as_of, save=save)
            print(outcome.describe(), file=sys.stdout if outcome.ok else sys.stderr)
            failed = failed or not outcome.ok
        await services.watch.drain()
    return 1 if failed else 0


async def _migrate_store(config: Config, source: str, dest: str) -> int:
    """Copy and verify (bot.store.copy); exit 2 when refused (nothing written), 1 when the
    copy did not verify (rolled back)."""
    try:
        report = await migrate_store(
            parse_store_url(source, "--from"),
            parse_store_url(dest, "--to"),
            config.store.password_env,
        )
    except CopyRefused as exc:
        print(f"migrate-store: {exc}", file=sys.stderr)
        return 2
    except CopyFailed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(report.table())
    rows = sum(check.dest_rows for check in report.checks)
    print(
        f"{rows} rows in {len(report.checks)} tables copied and verified in {report.seconds:.1f} s."
    )
    return 0


def _print_skip_reasons(skipped: list[SkippedRow]) -> None:
    reasons: dict[str, list[str]] = {}
    for row in skipped:
        reasons.setdefault(row.reason.split(":")[0], []).append(row.where)
    for reason, wheres in sorted(reasons.items(), key=lambda kv: -len(kv[1]))[:15]:
        print(f"  skipped {len(wheres)}: {reason} (e.g. {wheres[0]})")


async def _doctor(config: Config) -> int:
    """Print what curators should look at in the catalog (it is only read: no release
    watch start-up, whose curated entries could add provisional records)."""
    quiet = replace(config, watch=replace(config.watch, enabled=False))
    async with open_services(quiet) as services:
        report = await diagnose(CatalogDoctorReads(services.db))
    print(render_doctor(report))
    return 0


async def preview_feed(config: Config, source: str, as_json: bool, out: TextIO = sys.stdout) -> int:
    """Fetch and parse a feed as ingestion would (classified, linked), writing nothing."""
    index = await _read_only_index(config)
    allow_private = config.watch.allow_private_feed_hosts
    async with feed_session(allow_private=allow_private) as session:
        fetcher = Fetcher(
            session,
            timeout=config.watch.fetch_timeout,
            max_bytes=config.watch.max_feed_bytes,
            retries=0,
            allow_private=allow_private,
        )
        try:
            result = await fetcher.read(source)
        except FetchError as exc:
            print(f"Cannot fetch {source}: {exc}", file=sys.stderr)
            return 1
    job = partial(
        parse_feed,
        result.body or b"",
        url=source,
        content_type=result.content_type,
        source_key="preview",
        source_name=source,
    )
    try:  # under the bot's time limit; the process ends with the preview, a stuck parse too
        parsed = await ThreadParser(config.watch.parse_timeout).run(job)
    except ParserDied as exc:
        print(f"{source}: {exc}", file=sys.stderr)
        return 1
    if parsed.problem:
        print(f"{source}: {parsed.problem}", file=sys.stderr)
        return 1
    for item in parsed.items:
        models = [e.name for e in models_named(index, item.title, item.summary)] if index else []
        if as_json:
            record = {
                "title": item.title,
                "link": item.link,
                "published": item.published,
                "type": item.type,
                "models": models,
                "guid": item.guid,
                "identities": identities(item),
                "summary": item.summary,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            linked = f" [{', '.join(models)}]" if models else ""
            out.write(
                f"{(item.published or 'no date')[:10]}  {item.type or 'other':<16} {item.title}{linked}  {item.link or ''}\n"
            )
    if parsed.warning or parsed.skipped:
        print(
            f"({len(parsed.items)} entries; {parsed.skipped} skipped; {parsed.warning or 'no warnings'})",
            file=sys.stderr,
        )
    return 0


async def _read_only_index(config: Config) -> NameIndex | None:
    """The catalog's model names, if a store exists; the preview never creates or fills one."""
    db = await open_existing_database(config)
    if db is None:
        return None
    try:
        lookups = Lookups(CatalogStore(db))
        await lookups.refresh()
        return lookups.models
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except StoreError as exc:
        print(f"Database error: {exc}", file=sys.stderr)
        return 1


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config, database=args.db)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(config.log_level if args.action == "run" else "WARNING")
    if args.action == "ask":
        line = " ".join([args.command, *args.options])
        return asyncio.run(_ask(config, line, args.json, args.chart))
    if args.action == "console":
        return asyncio.run(console(config))
    if args.action == "import":
        return asyncio.run(_import(config, args.kind, args.path, args.as_of))
    if args.action == "sync":
        return asyncio.run(sync_sources(config, args.source, args.origin, args.as_of))
    if args.action == "catalog":
        return asyncio.run(_doctor(config))
    if args.action == "hub":
        return asyncio.run(sync_sources(config, "huggingface", None, None, args.save))
    if args.action == "feeds":
        return asyncio.run(preview_feed(config, args.source, args.json))
    if args.action == "migrate-store":
        return asyncio.run(_migrate_store(config, args.source, args.dest))
    if not config.token:
        print(NO_TOKEN_HELP)
        return asyncio.run(console(config))
    try:
        asyncio.run(run_discord(config))
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    return 0
