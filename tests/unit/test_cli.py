"""The offline command line, end to end as a subprocess, against a temp store."""

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from bot.cli import console, parse_line
from bot.core.errors import UserError
from tests import pg_switch
from tests.conftest import DATA, FEEDS, NO_FEEDS, REPO, make_config, open_store
from tests.feed_server import feed_server, slow_feed
from tests.standin import StandIn


def run(
    db: Path, *args: str, stdin: str = "", env: dict | None = None
) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | (env or {})
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run(
            [sys.executable, "-m", "bot", *store_args(db, list(args), Path(scratch))],
            cwd=REPO,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env=environment,
        )


def store_args(db: Path | str, args: list[str], scratch: Path) -> list[str]:
    """The command line reaching the test's store: `--db FILE` on SQLite; on PostgreSQL a
    config file with the `store:` section (added to the test's own `--config`, written beside
    it so its relative paths still hold; a config that is not a YAML mapping, or that has its
    own store section, is the test's and passed as it is)."""
    if not isinstance(db, pg_switch.PgDsn):
        return ["--db", str(db), *args]
    raw: object = {}
    target = scratch / "store.yaml"
    if "--config" in args:
        given = Path(args[args.index("--config") + 1])
        try:
            raw = yaml.safe_load(given.read_text()) or {}
        except (OSError, yaml.YAMLError):
            return args
        if not isinstance(raw, dict) or "store" in raw:
            return args
        target = given.with_name(f".pg-{given.name}")
        args = [
            a for i, a in enumerate(args) if a != "--config" and args[i - 1 : i] != ["--config"]
        ]
    assert isinstance(raw, dict)
    raw["store"] = {"backend": "postgresql", "dsn": str(db), "password_env": None, "pool_size": 2}
    target.write_text(yaml.safe_dump(raw))
    return ["--config", str(target), *args]


def test_ask_compare_prints_what_the_bot_would_post(db_path: Path) -> None:
    out = run(db_path, "ask", "compare", "model1=Qwen3.5-Omni", "model2=GPT-4o", "benchmark=MMMU")
    assert out.returncode == 0, out.stderr
    assert "Qwen3.5-Omni vs GPT-4o" in out.stdout
    assert "82%" in out.stdout and "79.5%" in out.stdout
    # 68.7% is the 2024-08-06 snapshot's (LLM Stats), not the model's: no false disagreement.
    assert "68.7%" not in out.stdout and "sources disagree" not in out.stdout
    snapshot = run(db_path, "ask", "compare", "model1=Qwen3.5-Omni", "model2=gpt-4o-2024-08-06")
    assert snapshot.returncode == 0, snapshot.stderr
    assert "68.7%" in snapshot.stdout and "LLM Stats (CC BY 4.0)" in snapshot.stdout


def test_ask_json_is_the_structured_result(db_path: Path) -> None:
    out = run(db_path, "ask", "model", "gemma 4", "--json")
    data = json.loads(out.stdout)
    assert data["name"] == "Gemma 4"
    assert data["licenses"][0]["license_id"] == "Apache-2.0"


def test_ask_bad_input_exits_1_with_a_message(db_path: Path) -> None:
    out = run(db_path, "ask", "compare", "model1=GPT-4o")
    assert out.returncode == 1
    assert "needs the option 'model2'" in out.stderr
    out = run(db_path, "ask", "frobnicate")
    assert out.returncode == 1 and "Unknown command" in out.stderr
    out = run(db_path, "ask", "leaderboard", "benchmark=GPQA", "limit=ten")
    assert out.returncode == 1 and "whole number" in out.stderr


def test_first_start_imports_bundled_data(tmp_path: Path) -> None:
    out = run(tmp_path / "fresh.db", "ask", "about")
    assert out.returncode == 0, out.stderr
    assert "Epoch AI, 'Data on AI Models'" in out.stdout


def test_run_without_token_explains_and_starts_the_console(db_path: Path) -> None:
    out = run(db_path, "run", stdin="/model gemma 4\n/model\nquit\n")
    assert out.returncode == 0, out.stderr
    assert "DISCORD_TOKEN is not set" in out.stdout
    assert "== Gemma 4 ==" in out.stdout
    assert "! /model needs the option 'name'" in out.stdout


def test_bad_config_fails_naming_the_key(tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("log_level: LOUD\n")
    out = run(db_path, "--config", str(bad), "ask", "about")
    assert out.returncode == 2
    assert "'log_level'" in out.stderr


def test_import_commands(db_path: Path, tmp_path: Path) -> None:
    epoch = DATA / "epoch" / "notable_ai_models.csv"
    out = run(db_path, "import", "epoch", str(epoch))
    assert out.returncode == 0, out.stderr
    assert "added nothing new" in out.stdout  # already bundled: idempotent
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Date\nx,y\n")
    out = run(db_path, "import", "epoch", str(bad))
    assert out.returncode == 1 and "no 'Model' column" in out.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "sources: [{key: s, name: S, kind: article}]\nmodels: [{name: New One, facts: [{field: params, value: -1, source: s}]}]\n"
    )
    out = run(db_path, "import", "catalog", str(broken))
    assert out.returncode == 1 and "positive number" in out.stderr
    check = run(db_path, "ask", "model", "New One")
    assert "New One" not in check.stdout.split("\n")[0]  # nothing was half-written


async def test_console_reads_commands_line_by_line(db_path: Path) -> None:
    stdin = io.StringIO("help\n/license gemma 4\nsearch text=sora\n/nope\nquit\n")
    stdout = io.StringIO()
    assert await console(make_config(db_path), stdin, stdout) == 0
    text = stdout.getvalue()
    assert "/compare model1=..." in text
    assert "License of Gemma 4" in text
    assert "goes dark" in text
    assert "! Unknown command 'nope'" in text


def test_parse_line_forms() -> None:
    assert parse_line("/model gemma 4") == ("model", {"name": "gemma 4"})
    assert parse_line("compare model1=Qwen 3.5 Omni model2=GPT-4o") == (
        "compare",
        {"model1": "Qwen 3.5 Omni", "model2": "GPT-4o"},
    )
    with pytest.raises(UserError, match="option=value"):
        parse_line("/about something")


def test_ask_accepts_discords_option_syntax(db_path: Path) -> None:
    out = run(
        db_path, "ask", "compare", "model1:Qwen3.5-Omni", "model2:", "GPT-4o", "benchmark:MMMU"
    )
    assert out.returncode == 0, out.stderr
    assert "Qwen3.5-Omni vs GPT-4o" in out.stdout and "79.5%" in out.stdout
    mixed = run(db_path, "ask", "compare", "model1=Qwen3.5-Omni", "model2: GPT-4o")
    assert mixed.returncode == 0, mixed.stderr
    assert "Qwen3.5-Omni vs GPT-4o" in mixed.stdout


def test_discord_syntax_bad_input_names_the_problem(db_path: Path) -> None:
    out = run(db_path, "ask", "compare", "model1:GPT-4o")
    assert out.returncode == 1 and "needs the option 'model2'" in out.stderr
    out = run(db_path, "ask", "compare", "model1:GPT-4o", "model2:")
    assert out.returncode == 1 and "at least two models" in out.stderr
    out = run(db_path, "ask", "compare", "model1:GPT-4o", "model2:Gemma 4", "colour=red")
    assert out.returncode == 1 and "has no option 'colour'" in out.stderr


def test_parse_line_colon_only_after_an_option_name() -> None:
    assert parse_line("/compare model1: Qwen 3.5 Omni model2:GPT-4o") == (
        "compare",
        {"model1": "Qwen 3.5 Omni", "model2": "GPT-4o"},
    )
    # A colon elsewhere (a URL, a ratio) is part of the text, not an option.
    assert parse_line("/search text: sora 16:9 https://x.ai") == (
        "search",
        {"text": "sora 16:9 https://x.ai"},
    )


def test_feeds_preview_prints_entries_and_touches_nothing(tmp_path: Path, db_path: Path) -> None:
    feed = FEEDS / "real" / "feed_mistral.xml"
    missing_db = tmp_path / "never-created.db"
    out = run(missing_db, "feeds", "preview", str(feed))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 54 and "https://mistral.ai/news/" in lines[0]
    assert not missing_db.exists()
    before = fingerprint(db_path)
    as_json = run(db_path, "feeds", "preview", str(feed), "--json")
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(records) == 54
    voxtral = next(r for r in records if r["link"].endswith("/voxtral-tts"))
    assert voxtral["models"] == ["Voxtral TTS"] and voxtral["identities"]
    assert fingerprint(db_path) == before


def fingerprint(db: Path | str) -> object:
    """What shows a store was written: an SQLite file's mtime; on PostgreSQL every table's
    row count."""
    if not isinstance(db, pg_switch.PgDsn):
        return Path(db).stat().st_mtime_ns

    async def counts() -> dict[str, int]:
        store = await open_store(db)
        try:
            tables = await store.fetchall(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
            return {t[0]: (await store.fetchone(f"SELECT COUNT(*) FROM {t[0]}"))[0] for t in tables}
        finally:
            await store.close()

    return asyncio.run(counts())


def test_feeds_preview_of_a_broken_feed_says_why(tmp_path: Path) -> None:
    broken = FEEDS / "illformed" / "rss_empty_document.xml"
    out = run(tmp_path / "x.db", "feeds", "preview", str(broken))
    assert out.returncode == 1 and "not a feed" in out.stderr
    out = run(tmp_path / "x.db", "feeds", "preview", str(tmp_path / "nope.xml"))
    assert out.returncode == 1 and "cannot read" in out.stderr
    not_a_feed = tmp_path / "data.json"
    not_a_feed.write_text('{"rows": [1, 2, 3]}')
    out = run(tmp_path / "x.db", "feeds", "preview", str(not_a_feed))
    assert out.returncode == 1 and "not a JSON Feed" in out.stderr


def test_feeds_preview_reads_a_json_feed(tmp_path: Path, db_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "home_page_url": "https://g.example/",'
        ' "items": [{"id": "1", "url": "/gemma-4", "title": "Introducing Gemma 4",'
        ' "date_published": "2026-04-02T10:00:00Z"}]}'
    )
    out = run(db_path, "feeds", "preview", str(feed), "--json")
    assert out.returncode == 0, out.stderr
    (record,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert record["link"] == "https://g.example/gemma-4" and record["type"] == "release"
    assert record["models"] == ["Gemma 4"] and record["published"].startswith("2026-04-02")


def test_ask_digest_previews_a_window(db_path: Path) -> None:
    out = run(db_path, "ask", "digest", "since=2020-01-01", "timezone=Europe/Berlin")
    assert out.returncode == 0, out.stderr
    assert "AI releases" in out.stdout and "Heads-up" in out.stdout and "Sora" in out.stdout
    weekly = run(db_path, "ask", "digest", "days=7", "types=shutdown")
    assert "== This week in AI releases ==" in weekly.stdout
    for args, message in (
        (["days=0"], "between 1 and 366"),
        (["since=yesterday"], "must be a date"),
        (["timezone=Mars/Base"], "IANA"),
        (["since=2026-05-01", "until=2026-04-01"], "before until"),
    ):
        bad = run(db_path, "ask", "digest", *args)
        assert bad.returncode == 1 and message in bad.stderr, (args, bad.stderr)


def private_hosts_config(tmp_path: Path) -> Path:
    """A config that opts in to feeds on private hosts (the test server is on 127.0.0.1)."""
    path = tmp_path / "config.yaml"
    path.write_text("watch:\n  allow_private_feed_hosts: true\n")
    return path


async def test_feeds_preview_fetches_a_url(tmp_path: Path) -> None:
    feed = FEEDS / "real" / "feed_google_ai.xml"
    opt_in = ("--config", str(private_hosts_config(tmp_path)), "feeds", "preview")
    async with feed_server() as server:
        url = server.serve("/google.xml", feed.read_bytes())
        missing = server.url("/nope.xml")
        found = await asyncio.to_thread(run, tmp_path / "x.db", *opt_in, url, "--json")
        gone = await asyncio.to_thread(run, tmp_path / "x.db", *opt_in, missing)
    assert found.returncode == 0, found.stderr
    records = [json.loads(line) for line in found.stdout.splitlines()]
    assert len(records) >= 10 and all(r["link"].startswith("https://") for r in records)
    assert gone.returncode == 1 and "Cannot fetch" in gone.stderr and "404" in gone.stderr
    assert not (tmp_path / "x.db").exists()  # a preview touches no store


async def test_feeds_preview_refuses_a_private_address_by_default(tmp_path: Path) -> None:
    async with feed_server() as server:
        url = server.serve("/secret.json", '{"access_token": "internal-secret"}')
        refused = await asyncio.to_thread(run, tmp_path / "x.db", "feeds", "preview", url)
        hits = server.hits["/secret.json"]
    assert refused.returncode == 1 and "address not allowed" in refused.stderr
    assert hits == 0 and "internal-secret" not in refused.stderr + refused.stdout


def test_feeds_preview_gives_up_on_a_feed_that_parses_too_long(tmp_path: Path) -> None:
    """The preview has the bot's parse time limit (`watch.parse_timeout`)."""
    config = tmp_path / "config.yaml"
    config.write_text("watch: {parse_timeout: 0.3}\n")
    feed = tmp_path / "slow.xml"
    feed.write_text(slow_feed())
    out = run(tmp_path / "x.db", "--config", str(config), "feeds", "preview", str(feed))
    assert out.returncode == 1
    assert "parsing took longer than 0.3 s" in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize(
    ("watch", "named"),
    [
        ({"parse_workers": 2.7}, "'watch.parse_workers' must be a whole number"),
        ({"feeds_file": "/nonexistent/feeds.yaml"}, "'watch.feeds_file'"),
        ({"feeds_file": "BAD"}, "'watch.feeds_file': feeds.yaml"),
        ({"releases_dir": "FILE"}, "'watch.releases_dir'"),
    ],
)
def test_run_with_a_bad_config_prints_one_line(
    tmp_path: Path, db_path: Path, watch: dict, named: str
) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("sources: [{key: x, name: X, url: 'not a url', kind: rss}]\n")
    watch = {k: str(feeds) if v in ("BAD", "FILE") else v for k, v in watch.items()}
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"watch: {json.dumps(watch)}\n")
    out = run(db_path, "--config", str(bad), "run", env={"DISCORD_TOKEN": "x.y.z"})
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and named in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_run_with_a_non_ascii_owner_id_prints_one_line(tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("owners: ['²']\n")
    out = run(db_path, "--config", str(bad), "run")
    assert out.returncode == 2
    assert (
        out.stderr
        == "Configuration error: key 'owners' holds '²', which is not a Discord id (digits)\n"
    )


def test_token_with_a_line_break_is_refused_before_use(db_path: Path) -> None:
    out = run(db_path, "run", env={"DISCORD_TOKEN": "abc\r\nX-Evil: 1"})
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "DISCORD_TOKEN was refused" in out.stderr
    assert "X-Evil" not in out.stderr and "Traceback" not in out.stderr


async def test_token_discord_rejects_gives_one_line(
    tmp_path: Path, db_path: Path, standin: StandIn
) -> None:
    config = tmp_path / "config.yaml"
    discord = {"api_base": standin.api_base, "gateway_url": standin.gateway_url}
    config.write_text(json.dumps({"discord": discord, "watch": {"feeds_file": str(NO_FEEDS)}}))
    out = await asyncio.to_thread(
        run, db_path, "--config", str(config), "run", env={"DISCORD_TOKEN": "not-the-token"}
    )
    assert out.returncode == 2
    assert "DISCORD_TOKEN was refused by Discord" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert [r for r in standin.requests if r.path.endswith("/users/@me")]


@pytest.mark.parametrize("value", ["1e300", "250", "-50"])
def test_import_catalog_refuses_impossible_percentages(
    db_path: Path, tmp_path: Path, value: str
) -> None:
    doc = tmp_path / "scores.yaml"
    doc.write_text(
        "sources: [{key: s, name: S, kind: article}]\n"
        "models: [{name: Radar Topper, scores: [{benchmark: GPQA, value: "
        + value
        + ", source: s}]}]\n"
        "benchmarks: [{name: GPQA, unit: '%'}]\n"
    )
    out = run(db_path, "import", "catalog", str(doc))
    assert out.returncode == 1 and "is not a percentage between 0 and 100" in out.stderr
    board = run(db_path, "ask", "leaderboard", "benchmark=GPQA")
    assert board.returncode == 0 and "Radar Topper" not in board.stdout


def test_import_catalog_refuses_duplicate_keys(db_path: Path, tmp_path: Path) -> None:
    doc = tmp_path / "dup.yaml"
    doc.write_text(
        "sources: [{key: s, name: S, kind: article}]\nmodels: [{name: Radar A}]\nmodels: [{name: Radar B}]\n"
    )
    out = run(db_path, "import", "catalog", str(doc))
    assert out.returncode == 1
    assert "dup.yaml is not valid YAML at line 3, column 1: duplicate key 'models'" in out.stderr


def test_ask_finds_the_right_model_and_searches_by_words(db_path: Path) -> None:
    sora = run(db_path, "ask", "model", "openai sora")
    assert sora.returncode == 0, sora.stderr
    assert sora.stdout.startswith("== Sora ==")
    price = run(db_path, "ask", "search", "alibaba cloud price")
    assert price.returncode == 0, price.stderr
    assert "raises cloud and storage prices by up to 34%" in price.stdout
    disney = run(db_path, "ask", "search", "disney")
    assert "$1 billion" in disney.stdout


# ---- one real model, several records (issue 13) --------------------------------------------


def _ask_json(db_path: Path, *args: str) -> dict:
    out = run(db_path, "ask", "model", *args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _facts(report: dict, field: str) -> set[tuple[str, str]]:
    groups = [g for g in report["facts"] if g["field"] == field]
    return {(c["value"], c["source"]["key"]) for g in groups for c in g["claims"]}


def _gpt4o_dates() -> dict[str, str]:
    """GPT-4o's snapshots as the raw files date them: LLM Stats ids, Epoch's labelled rows."""
    dates = {}
    for path in (DATA / "llmstats" / "models" / "openai").glob("gpt-4o-20*/model.json"):
        dates[path.parent.name.removeprefix("gpt-4o-")] = path.parent.name
    text = (DATA / "epoch" / "notable_ai_models.csv").read_text("utf-8-sig")
    for row in csv.DictReader(io.StringIO(text)):
        if row["Model"] == "GPT-4o" or row["Model"].startswith("GPT-4o ("):
            dates.setdefault(row["Publication date"][:10], row["Model"])
    return dates


def test_ask_model_answers_for_the_model_with_its_snapshots(db_path: Path) -> None:
    dates = _gpt4o_dates()
    latest = max(dates)
    report = _ask_json(db_path, "GPT-4o")
    assert [d for _, d in report["snapshots"]] == sorted(dates)
    assert report["facts_from"] == f"GPT-4o ({latest})"
    assert {v for v, _ in _facts(report, "release_date")} == {latest}
    assert not any(g["disputed"] for g in report["facts"])
    text = run(db_path, "ask", "model", "GPT-4o").stdout
    assert f"Snapshots ({len(dates)}): GPT-4o ({min(dates)})" in text
    assert "latest snapshot's, GPT-4o" in text


def test_ask_model_answers_for_one_snapshot_alone(db_path: Path) -> None:
    raw = {}
    for name in ("gpt-4o-2024-05-13", "gpt-4o-2024-08-06"):
        path = DATA / "llmstats" / "models" / "openai" / name / "model.json"
        raw[name] = json.loads(path.read_text("utf-8"))["output_context_size"]
    assert len(set(raw.values())) == 2  # the two snapshots really differ
    for name, output in raw.items():
        report = _ask_json(db_path, name)
        assert report["snapshot_of"] == "GPT-4o" and report["snapshot"] == name[-10:]
        facts = _facts(report, "output_context")  # LiteLLM states it too, and agrees
        assert (str(output), "llmstats") in facts and {v for v, _ in facts} == {str(output)}
        assert {v for v, _ in _facts(report, "release_date")} == {name[-10:]}
    text = run(db_path, "ask", "model", "gpt-4o-2024-08-06").stdout
    assert "Snapshot of GPT-4o, dated 2024-08-06: its facts alone." in text
    assert "sources disagree" not in text.split("-- License")[0]


def test_ask_model_claude_35_sonnet_june_and_october_are_snapshots(db_path: Path) -> None:
    folder = DATA / "llmstats" / "models" / "anthropic"
    ids = sorted(p.name for p in folder.glob("claude-3-5-sonnet-*"))
    report = _ask_json(db_path, "Claude 3.5 Sonnet")
    assert len(report["snapshots"]) == len(ids) == 2
    june = _ask_json(db_path, ids[0])
    assert {s for _, s in _facts(june, "release_date")} == {"epoch", "llmstats"}  # crosswalk
    assert june["name"] != _ask_json(db_path, ids[1])["name"]


@pytest.mark.parametrize(
    ("one", "other"),
    [("Nova Pro", "Amazon Nova Pro"), ("gpt-4-0613", "GPT-4 (Jun 2023)")],
)
def test_ask_model_one_record_for_the_same_model_from_two_sources(
    db_path: Path, one: str, other: str
) -> None:
    first, second = _ask_json(db_path, one), _ask_json(db_path, other)
    assert first["name"] == second["name"]
    assert first["match"]["exact"] and second["match"]["exact"]
    assert {s for _, s in _facts(first, "release_date")} == {"epoch", "llmstats"}


def test_ask_model_by_vendor_deployment_id(db_path: Path) -> None:
    report = _ask_json(db_path, "bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0")
    assert report["name"] == "Claude 3.5 Sonnet (2024-10-22)" and report["match"]["exact"]
    out = run(db_path, "ask", "model", "bedrock/")
    assert out.returncode in (0, 1) and "Traceback" not in out.stderr


def test_ask_license_of_a_model_is_its_latest_snapshots(db_path: Path) -> None:
    folder = DATA / "llmstats" / "models" / "anthropic"
    latest = max(p.name for p in folder.glob("claude-3-5-sonnet-*"))
    raw = json.loads((folder / latest / "model.json").read_text("utf-8"))["license"]
    out = run(db_path, "ask", "license", "Claude 3.5 Sonnet")
    assert out.returncode == 0, out.stderr
    assert raw.casefold() in out.stdout.casefold() and latest in out.stdout


def test_ask_fit_in_discords_syntax(db_path: Path) -> None:
    out = run(db_path, "ask", "fit", "llama", "3.1", "70b", "instruct", "gpu:4090")
    assert out.returncode == 0, out.stderr
    assert "**RTX 4090** (24 GiB): ✗ does not fit" in out.stdout
    assert "Q4_K_M:" in out.stdout and "Facts used" in out.stdout
    bad = run(db_path, "ask", "fit", "llama 3.1 70b instruct", "gpu:0")
    assert bad.returncode == 1 and "Memory must be more than 0" in bad.stderr


def test_ask_writes_the_chart_when_asked(db_path: Path, tmp_path: Path) -> None:
    chart = tmp_path / "board.png"
    out = run(db_path, "ask", "leaderboard", "benchmark=MMLU", "--chart", str(chart))
    assert out.returncode == 0, out.stderr
    assert f"(chart written to {chart})" in out.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plain = run(db_path, "ask", "fit", "llama 3.1 8b instruct", "--chart", str(tmp_path / "x.png"))
    assert plain.returncode == 0 and not (tmp_path / "x.png").exists()  # /fit has no chart


def test_import_of_an_independent_run_makes_one_watch_entry(db_path: Path, tmp_path: Path) -> None:
    doc = tmp_path / "rerun.yaml"
    doc.write_text(
        "sources: [{key: rerun, name: Radar reruns, kind: dataset}]\n"
        "benchmarks: [{name: MMLU-Pro, unit: '%'}]\n"
        "models: [{name: Qwen2.5 72B Instruct, scores: [{benchmark: MMLU-Pro, value: 60.5,"
        " source: rerun}, {benchmark: MMLU-Pro, value: 99.0, source: rerun, self_reported: true}]}]\n"
    )
    first = run(db_path, "import", "catalog", str(doc))
    assert first.returncode == 0, first.stderr
    assert "1 new watch entries for independent runs" in first.stdout, first.stdout
    again = run(db_path, "import", "catalog", str(doc))
    assert again.returncode == 0 and "independent runs" not in again.stdout, again.stdout
    digest = run(db_path, "ask", "digest", "days=1")
    # The lab's own claim (LLM Stats, self-reported) is 71.1%; the file's own self-reported
    # figure is from the same source as the run, so it is not "the lab's claim" against it.
    assert "independent run: 60.5% vs 71.1% claimed" in digest.stdout, digest.stdout
    assert digest.stdout.count("independent run: 60.5%") == 1
