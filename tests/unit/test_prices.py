"""Prices: the store's history rules, the LiteLLM and genai-prices adapters (on the real bundled
files and on small hand-written ones), and the price lookups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.errors import ImportRejected, UserError
from bot.core.lookups import Lookups
from bot.core.prices import money
from bot.core.records import Batch, ModelRec, PriceRec, Provenance
from bot.importers.genai_prices import SOURCE as GENAI_SOURCE
from bot.importers.genai_prices import GenaiPricesAdapter, parse_genai_prices
from bot.importers.litellm import SOURCE as LITELLM_SOURCE
from bot.importers.litellm import LiteLLMAdapter, parse_litellm
from bot.importers.price_common import snapshot_meta
from bot.render.prices import render_price
from bot.render.text import reply_to_text
from bot.store import CatalogStore, Database
from bot.sync.adapter import Fetched, SyncAdapter
from tests.conftest import DATA, store_rows
from tests.unit.test_cli import run

LITELLM_FILE = DATA / "litellm" / "model_prices_and_context_window.json"
GENAI_FILE = DATA / "genai-prices" / "data.json"


def fetched(body: object, as_of: str = "2026-11-01") -> Fetched:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Fetched(raw, "https://example.test/prices.json", as_of)


def price(inp: float, out: float, as_of: str, **kw) -> PriceRec:
    return PriceRec("Test Model", "openai", inp, out, Provenance("litellm", as_of=as_of), **kw)


@pytest.fixture
async def store(tmp_path: Path):
    db = await Database.open(tmp_path / "p.db")
    store = CatalogStore(db)
    await store.apply(
        Batch(sources=[LITELLM_SOURCE, GENAI_SOURCE], models=[ModelRec("Test Model")])
    )
    yield store
    await db.close()


async def rows(store: CatalogStore) -> list[tuple]:
    found = await store.db.fetchall(
        "SELECT input_per_m, output_per_m, starts, ends, as_of FROM prices ORDER BY id"
    )
    return [tuple(r) for r in found]


# ---- the store's history rules -----------------------------------------------------------


async def test_a_later_price_closes_the_previous_one_and_the_same_price_is_a_no_op(store) -> None:
    first = await store.apply(Batch(prices=[price(5.0, 15.0, "2024-05-13")]))
    assert first.added["prices"] == 1
    again = await store.apply(Batch(prices=[price(5.0, 15.0, "2024-06-01")]))
    assert again.added.get("prices", 0) == 0 and again.added["unchanged prices"] == 1
    assert await rows(store) == [(5.0, 15.0, "2024-05-13", None, "2024-05-13")]
    cut = await store.apply(Batch(prices=[price(2.5, 10.0, "2024-08-06")]))
    assert cut.added["price changes"] == 1
    assert cut.notable == [
        "Test Model (openai): input $5.00 → $2.50, output $15.00 → $10.00 per 1M tokens"
        " on 2024-08-06"
    ]
    assert await rows(store) == [
        (5.0, 15.0, "2024-05-13", "2024-08-06", "2024-05-13"),
        (2.5, 10.0, "2024-08-06", None, "2024-08-06"),
    ]
    assert "changed 1 prices" in cut.describe()


async def test_an_older_snapshot_never_overwrites_a_newer_one(store) -> None:
    await store.apply(Batch(prices=[price(2.5, 10.0, "2024-08-06")]))
    old = await store.apply(Batch(prices=[price(5.0, 15.0, "2024-05-13")]))
    assert old.added["older prices kept"] == 1 and old.notable == []
    assert await rows(store) == [(2.5, 10.0, "2024-08-06", None, "2024-08-06")]
    current = await store.prices([1], current=True)
    assert [(p.input_per_m, p.source.key) for p in current] == [(2.5, "litellm")]


async def test_regions_and_sources_are_priced_apart(store) -> None:
    await store.apply(
        Batch(
            prices=[
                price(2.5, 10.0, "2024-08-06"),
                price(2.75, 11.0, "2024-08-06", region="eu"),
                PriceRec("Test Model", "openai", 3.0, 12.0, Provenance("genai-prices")),
            ]
        )
    )
    assert len(await rows(store)) == 3  # no period closed another


async def test_a_source_with_history_keeps_every_period(store) -> None:
    periods = [
        price(5.0, 15.0, "2026-11-01", ends="2024-08-06"),
        price(2.5, 10.0, "2026-11-01", starts="2024-08-06", ends="2025-01-01"),
        price(2.0, 8.0, "2026-11-01", starts="2025-01-01"),
    ]
    first = await store.apply(Batch(prices=periods))
    assert first.added["prices"] == 3
    assert await rows(store) == [
        (5.0, 15.0, None, "2024-08-06", "2026-11-01"),
        (2.5, 10.0, "2024-08-06", "2025-01-01", "2026-11-01"),
        (2.0, 8.0, "2025-01-01", None, "2026-11-01"),
    ]
    again = await store.apply(Batch(prices=periods))
    assert again.added == {"unchanged prices": 3}


async def test_a_price_of_a_model_the_catalog_lacks_is_skipped_not_created(store) -> None:
    rec = PriceRec("No Such Model", "openai", 1.0, 2.0, Provenance("litellm", as_of="2026-01-01"))
    summary = await store.apply(Batch(prices=[rec]))
    assert [r.reason for r in summary.skipped] == ["model not in the catalog"]
    assert (await store.counts())["models"] == 1 and await rows(store) == []


async def test_a_failed_batch_keeps_no_price(store) -> None:
    bad = PriceRec("Test Model", "openai", 1.0, 2.0, Provenance("unknown-source"))
    with pytest.raises(ImportRejected):
        await store.apply(Batch(prices=[price(1.0, 2.0, "2026-01-01"), bad]))
    assert await rows(store) == []


# ---- LiteLLM -----------------------------------------------------------------------------


def test_the_adapters_satisfy_the_sync_interface() -> None:
    adapters: list[SyncAdapter] = [LiteLLMAdapter(), GenaiPricesAdapter()]
    assert [a.key for a in adapters] == ["litellm", "genai-prices"]
    for adapter in adapters:
        assert adapter.default_url.startswith("https://raw.githubusercontent.com/")
        assert adapter.bundled and (DATA / adapter.bundled).exists()
        assert adapter.source.license == "MIT"
        folder = (DATA / adapter.bundled).parent  # credited: its license and version beside it
        assert "MIT License" in (folder / "LICENSE").read_text("utf-8")
        meta = snapshot_meta(DATA / adapter.bundled)
        assert meta["version"] and meta["license"] == "MIT" and meta["package"] == adapter.key


def test_litellm_maps_ids_prices_and_capabilities() -> None:
    body = {
        "sample_spec": {"mode": "one of: chat, embedding"},
        "gpt-4o": {
            "litellm_provider": "openai",
            "mode": "chat",
            "max_input_tokens": 128000,
            "max_output_tokens": 16384,
            "input_cost_per_token": 2.5e-06,
            "output_cost_per_token": 1e-05,
            "cache_read_input_token_cost": 1.25e-06,
            "supports_vision": True,
        },
        "azure/eu/gpt-4o-2024-08-06": {
            "litellm_provider": "azure",
            "mode": "chat",
            "input_cost_per_token": 2.75e-06,
            "output_cost_per_token": 1.1e-05,
        },
        "us.anthropic.claude-opus-4-6-v1": {
            "litellm_provider": "bedrock_converse",
            "mode": "chat",
            "input_cost_per_token": 5.5e-06,
            "output_cost_per_token": 2.75e-05,
        },
        "1024-x-1024/dall-e-3": {"litellm_provider": "openai", "mode": "image_generation"},
        "ft:gpt-4o-2024-08-06": {"litellm_provider": "openai", "mode": "chat"},
    }
    batch = parse_litellm(fetched(body))
    assert [m.name for m in batch.models] == ["gpt-4o"]  # only the vendor's own entry
    assert {(c.field, c.value) for c in batch.claims} == {
        ("context_window", "128000"),
        ("output_context", "16384"),
        ("capabilities", "chat: vision"),
    }
    got = {(p.model, p.provider, p.region, p.input_per_m, p.output_per_m) for p in batch.prices}
    assert got == {
        ("gpt-4o", "openai", "", 2.5, 10.0),
        ("gpt-4o (2024-08-06)", "azure", "eu", 2.75, 11.0),
        ("claude-opus-4-6", "bedrock", "us", 5.5, 27.5),
    }
    assert {p.cached_input_per_m for p in batch.prices if p.provider == "openai"} == {1.25}
    assert all(p.prov.as_of == "2026-11-01" and p.starts is None for p in batch.prices)
    skipped = {r.where.removeprefix("litellm "): r.reason for r in batch.skipped}
    assert set(skipped) == {"sample_spec", "1024-x-1024/dall-e-3", "ft:gpt-4o-2024-08-06"}


def test_litellm_bad_rows_are_skipped_with_why() -> None:
    body = {
        "negative": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": -1e-06,
            "output_cost_per_token": 1e-06,
        },
        "odd-provider/model-x": {"litellm_provider": "Not A Provider!", "mode": "chat"},
        "no-provider": {"mode": "chat", "input_cost_per_token": 1e-06},
        "huge": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 50.0,
            "output_cost_per_token": 1e-06,
        },
        # A renamed schema field: the price is not guessed from it.
        "groq/renamed-model": {
            "litellm_provider": "groq",
            "mode": "chat",
            "input_cost_per_1k_tokens": 0.001,
        },
    }
    batch = parse_litellm(fetched(body))
    assert batch.prices == [] and batch.models == []
    reasons = {r.where.removeprefix("litellm "): r.reason for r in batch.skipped}
    assert reasons["negative"] == "input_cost_per_token: negative price -1e-06"
    assert reasons["odd-provider/model-x"] == "unknown provider 'Not A Provider!'"
    assert reasons["no-provider"] == "unknown provider 'None'"
    assert "past any real price" in reasons["huge"]
    assert reasons["groq/renamed-model"] == "no price, and not the vendor's own entry"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"gpt-4o": {"litellm_provider": "openai", "mode": "ch', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_litellm_refuses_a_broken_file_whole(body: bytes, says: str) -> None:
    with pytest.raises(ImportRejected, match=says):
        parse_litellm(fetched(body))


async def test_the_bundled_litellm_prices_land_on_the_catalog_models(services) -> None:
    """gpt-4o prices GPT-4o and gpt-4o-2024-08-06 its snapshot, no duplicate made; the
    figures are the file's."""
    raw = json.loads(LITELLM_FILE.read_text("utf-8"))
    db = services.db
    for norm, key, parent in (
        ("gpt4o", "gpt-4o", None),
        ("gpt4o20240806", "gpt-4o-2024-08-06", "GPT-4o"),
    ):
        models = await db.fetchall(
            "SELECT m.id, p.name AS parent FROM models m LEFT JOIN models p ON p.id = m.parent_id"
            " WHERE m.norm = ? OR m.id IN (SELECT model_id FROM model_aliases WHERE norm = ?)",
            (norm, norm),
        )
        assert len({r["id"] for r in models}) == 1, norm
        assert models[0]["parent"] == parent
        found = await services.catalog.prices([models[0]["id"]], current=True)
        openai = [p for p in found if p.provider == "openai" and p.source.key == "litellm"]
        assert [(p.input_per_m, p.output_per_m) for p in openai] == [
            (raw[key]["input_cost_per_token"] * 1e6, raw[key]["output_cost_per_token"] * 1e6)
        ]
    claude = await services.catalog.find_model_id("claudeopus46")
    assert claude is not None
    bedrock = {
        p.region: p.input_per_m
        for p in await services.catalog.prices([claude], current=True)
        if p.provider == "bedrock" and p.source.key == "litellm"
    }
    assert bedrock["us"] == pytest.approx(
        raw["us.anthropic.claude-opus-4-6-v1"]["input_cost_per_token"] * 1e6
    )


def test_the_bundled_litellm_file_parses_with_its_skips_reported() -> None:
    raw = json.loads(LITELLM_FILE.read_text("utf-8"))
    batch = LiteLLMAdapter().parse(fetched(LITELLM_FILE.read_bytes()))
    assert len(batch.prices) > 2000
    accounted = len(batch.prices) + len(batch.skipped)
    assert accounted <= len(raw) and len(raw) - accounted < len(raw) // 4  # duplicates merged
    assert "sample_spec" in {r.where.removeprefix("litellm ") for r in batch.skipped}
    assert not any(m.name.startswith(("ft:", "1024-x-1024")) for m in batch.models)


# ---- genai-prices ------------------------------------------------------------------------


def test_genai_prices_keeps_each_period_with_its_dates() -> None:
    body = [
        {
            "id": "openai",
            "pricing_urls": ["https://openai.com/pricing"],
            "models": [
                {
                    "id": "gpt-4o",
                    "prices": [
                        {"constraint": None, "prices": {"input_mtok": 5, "output_mtok": 15}},
                        {
                            "constraint": {"start_date": "2024-08-06"},
                            "prices": {
                                "input_mtok": {"base": 2.5, "tiers": [{"start": 1, "price": 9}]},
                                "output_mtok": 10,
                                "cache_read_mtok": 1.25,
                            },
                        },
                        {
                            "constraint": {"start_time": "16:30", "end_time": "00:30"},
                            "prices": {"input_mtok": 1},
                        },
                    ],
                },
                {"id": "gpt-4o-mini", "prices": {"input_mtok": 0.15, "output_mtok": 0.6}},
                {"id": "bad", "prices": {"input_mtok": -2}},
                {"id": "tts-1", "prices": {"requests_kcount": 15}},
            ],
        },
        {"id": "Bad Provider!", "models": []},
        {"name": "no models"},
    ]
    batch = parse_genai_prices(fetched(body))
    got = [(p.model, p.input_per_m, p.output_per_m, p.starts, p.ends) for p in batch.prices]
    assert got == [
        ("gpt-4o", 5.0, 15.0, None, "2024-08-06"),
        ("gpt-4o", 2.5, 10.0, "2024-08-06", None),
        ("gpt-4o-mini", 0.15, 0.6, None, None),
    ]
    assert batch.prices[1].cached_input_per_m == 1.25
    assert {p.prov.url for p in batch.prices} == {"https://openai.com/pricing"}
    reasons = sorted(r.reason for r in batch.skipped)
    assert reasons == [
        "a provider without a models list",
        "negative price -2",
        "no token prices (priced per request or image)",
        "unknown provider 'Bad Provider!'",
    ]


def test_genai_prices_refuses_a_truncated_file() -> None:
    with pytest.raises(ImportRejected, match="not valid JSON"):
        parse_genai_prices(fetched(GENAI_FILE.read_bytes()[:5000]))
    with pytest.raises(ImportRejected, match="JSON list of providers"):
        parse_genai_prices(fetched({"providers": []}))


async def test_the_bundled_genai_prices_history_is_in_the_store(services) -> None:
    """A model the catalog knows with a dated price change in the bundled file: each period is
    stored with the file's dates and figures."""
    raw = json.loads(GENAI_FILE.read_text("utf-8"))
    checked = 0
    for provider in raw:
        for model in provider["models"]:
            prices = model.get("prices")
            if not isinstance(prices, list) or "/" in model["id"]:
                continue
            dated = [p for p in prices if (p.get("constraint") or {}).get("start_date")]
            if not dated:
                continue
            model_id = await services.catalog.find_model_id(model["id"].replace("-", ""))
            if model_id is None:
                continue
            stored = [
                p
                for p in await services.catalog.prices([model_id])
                if p.source.key == "genai-prices"
            ]
            starts = {p.starts for p in stored}
            assert {p["constraint"]["start_date"] for p in dated} <= starts, model["id"]
            checked += 1
    assert checked >= 3


# ---- lookups -----------------------------------------------------------------------------


async def test_price_answers_current_prices_cheapest_first_and_changes(store) -> None:

    await store.apply(Batch(prices=[price(5.0, 15.0, "2024-05-13")]))
    await store.apply(
        Batch(
            prices=[
                price(2.5, 10.0, "2024-08-06"),
                PriceRec(
                    "Test Model", "azure", 2.0, 9.0, Provenance("litellm", as_of="2024-08-06")
                ),
            ]
        )
    )
    lookups = Lookups(store)
    await lookups.refresh()
    report = await lookups.price("test model")
    assert [(q.provider, q.input_per_m) for q in report.current] == [
        ("azure", 2.0),
        ("openai", 2.5),
    ]

    text = reply_to_text(render_price(report))
    assert "input $5.00 → $2.50, output $15.00 → $10.00 per 1M tokens on 2024-08-06" in text
    assert text.index("**azure**") < text.index("**openai**")


async def test_price_of_a_model_with_none_names_the_sources_checked(store) -> None:

    await store.apply(Batch(models=[ModelRec("Other Model")], prices=[price(1, 2, "2026-01-01")]))
    lookups = Lookups(store)
    await lookups.refresh()
    text = reply_to_text(render_price(await lookups.price("other model")))
    assert "No price known for Other Model; sources checked:" in text
    assert LITELLM_SOURCE.name in text
    with pytest.raises(UserError, match="No model matches"):
        await lookups.price("zzzz qqqq")


# ---- through the command line ------------------------------------------------------------


def _raw_price(key: str) -> tuple[float, float]:
    entry = json.loads(LITELLM_FILE.read_text("utf-8"))[key]
    return entry["input_cost_per_token"] * 1e6, entry["output_cost_per_token"] * 1e6


def test_cli_price_shows_the_files_figures_and_refuses_bad_input(db_path: Path) -> None:
    inp, out = _raw_price("gpt-4o")
    answer = run(db_path, "ask", "price", "gpt-4o")
    assert answer.returncode == 0, answer.stderr
    assert f"**openai**: in {money(inp)} · out {money(out)}" in answer.stdout
    assert "LiteLLM model prices and context windows" in answer.stdout
    unknown = run(db_path, "ask", "price", "zzqx nonexistent")
    assert unknown.returncode == 1 and "No model matches 'zzqx nonexistent'" in unknown.stderr
    empty = run(db_path, "ask", "price")
    assert empty.returncode == 1 and "needs the option 'model'" in empty.stderr


def test_cli_leaderboard_cheapest_with_a_minimum_score(db_path: Path) -> None:
    out = run(db_path, "ask", "leaderboard", "GPQA", "min_score:70", "sort:price", "--json")
    assert out.returncode == 0, out.stderr
    board = json.loads(out.stdout)
    prices = [row["price"] for row in board["rows"]]
    assert len(prices) >= 3 and None not in prices and prices == sorted(prices)
    assert all(row["best"]["value"] >= 70 for row in board["rows"])
    capped = run(db_path, "ask", "leaderboard", "GPQA", f"max_price:{prices[1]}", "--json")
    kept = json.loads(capped.stdout)["rows"]
    assert kept and all(row["price"] <= prices[1] for row in kept)
    text = run(db_path, "ask", "leaderboard", "GPQA", "min_score:70", "sort:price").stdout
    assert "cheapest first · score ≥ 70" in text and "per 1M" in text


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("max_price:-3", "max_price must be a price in dollars per 1M tokens, above 0"),
        ("max_price:0", "above 0"),
        ("max_price:1e9", "at most 10,000"),
        ("max_price:cheap", "Option 'max_price' must be a number, got 'cheap'."),
        ("max_price:nan", "Option 'max_price' must be a number"),
        ("min_score:high", "Option 'min_score' must be a number"),
        ("sort:cheapest", "sort must be score or price, not 'cheapest'."),
    ],
)
def test_cli_leaderboard_bad_price_options(db_path: Path, option: str, says: str) -> None:
    out = run(db_path, "ask", "leaderboard", "GPQA", option)
    assert out.returncode == 1 and says in out.stderr, out.stderr


def test_cli_import_litellm_reports_changes_and_keeps_newer_prices(
    db_path: Path, tmp_path: Path
) -> None:
    inp, out = _raw_price("gpt-4o")
    entry = {"litellm_provider": "openai", "mode": "chat"}
    snapshot = tmp_path / "litellm.json"
    snapshot.write_text(
        json.dumps(
            {"gpt-4o": {**entry, "input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5}}
        )
    )
    first = run(db_path, "import", "litellm", str(snapshot), "--as-of", "2099-01-01")
    assert first.returncode == 0, first.stderr
    assert "changed 1 prices" in first.stdout
    assert f"input {money(inp)} → $3.00, output {money(out)} → $15.00" in first.stdout
    assert "on 2099-01-01" in first.stdout
    again = run(db_path, "import", "litellm", str(snapshot), "--as-of", "2099-02-01")
    assert "added nothing new; 1 prices unchanged" in again.stdout
    older = tmp_path / "older.json"
    older.write_text(json.dumps({"gpt-4o": {**entry, "input_cost_per_token": 9e-6}}))
    kept = run(db_path, "import", "litellm", str(older), "--as-of", "2098-01-01")
    assert "kept 1 stored prices newer than this snapshot" in kept.stdout
    history = run(db_path, "ask", "price", "gpt-4o").stdout
    assert f"input {money(inp)} → $3.00" in history and "on 2099-01-01" in history


def test_cli_import_price_files_bad_input(db_path: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "cut.json"
    truncated.write_bytes(LITELLM_FILE.read_bytes()[:10_000])
    out = run(db_path, "import", "litellm", str(truncated))
    assert out.returncode == 1 and "not valid JSON" in out.stderr
    assert "nothing was imported" in out.stderr
    bad_day = run(db_path, "import", "litellm", str(LITELLM_FILE), "--as-of", "2026-13-01")
    assert bad_day.returncode == 1 and "--as-of must be a date" in bad_day.stderr
    no_file = run(db_path, "import", "litellm")
    assert no_file.returncode == 2 and "needs the file" in no_file.stderr
    other = run(db_path, "import", "epoch", str(truncated), "--as-of", "2026-01-01")
    assert other.returncode == 2 and "--as-of is for the price sources" in other.stderr
    bundled = run(db_path, "import", "genai-prices")
    assert bundled.returncode == 0, bundled.stderr
    assert (
        "data.json: added nothing new;" in bundled.stdout and "prices unchanged" in bundled.stdout
    )


def _changed_and_unchanged(db: Path) -> tuple[str, str]:
    """A model some provider re-priced in the bundled data, and one nobody did."""
    changed = store_rows(
        db,
        "SELECT m.name FROM prices p JOIN models m ON m.id = p.model_id"
        " WHERE p.ends IS NOT NULL AND p.starts IS NOT NULL ORDER BY m.name LIMIT 1",
    )[0]["name"]
    steady = store_rows(
        db,
        "SELECT m.name FROM prices p JOIN models m ON m.id = p.model_id GROUP BY m.id, m.name"
        " HAVING MAX(p.ends) IS NULL ORDER BY m.name LIMIT 1",
    )[0]["name"]
    return changed, steady


def test_price_history_is_charted_and_a_steady_price_is_not(db_path: Path, tmp_path: Path) -> None:
    changed, steady = _changed_and_unchanged(db_path)
    chart = tmp_path / "price.png"
    out = run(db_path, "ask", "price", changed, "--chart", str(chart))
    assert out.returncode == 0, out.stderr
    png = chart.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    flat = tmp_path / "flat.png"
    out = run(db_path, "ask", "price", steady, "--chart", str(flat))
    assert out.returncode == 0, out.stderr
    assert not flat.exists()  # nothing changed: no chart, the text says so


def test_compare_says_plainly_when_a_model_has_no_price(db_path: Path) -> None:
    out = run(db_path, "ask", "compare", "model1=Qwen3.5-Omni", "model2=GPT-4o")
    assert out.returncode == 0, out.stderr
    prices = out.stdout.split("Price per 1M tokens (cheapest provider)", 1)[1]
    assert "**Qwen3.5-Omni**: — no price known" in prices
    assert "(no score)" not in prices.split("--", 1)[0]  # a missing price is not a missing score


def test_an_oversize_price_or_hub_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from bot.importers.price_common import MAX_BYTES, read_file
    from bot.sync.hub_run import load_hub_file
    from bot.sync.huggingface import MAX_BODY

    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:  # sparse: no disk is used for the hole
        out.truncate(max(MAX_BYTES, MAX_BODY) + 1)
    with pytest.raises(ImportRejected, match="larger than"):
        read_file(huge, "file:huge.json", "2026-12-01")
    with pytest.raises(ImportRejected, match="the limit is"):
        load_hub_file(huge)
