"""The sync adapters on recorded bodies (tests/data/sync, written from each documented format):
what they map, and what a body they cannot read gives (a refusal naming why, or skipped rows)."""

import json

import pytest

from bot.core.errors import ImportRejected
from bot.sync.adapter import Fetched
from bot.sync.epoch import EpochAdapter
from bot.sync.openrouter import OpenRouterAdapter
from bot.sync.registry import ADAPTERS
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "data" / "sync"


def fetched(name: str, body: bytes | None = None) -> Fetched:
    data = (FIXTURES / name).read_bytes() if body is None else body
    return Fetched(data, f"https://example.test/{name}", "2026-11-01")


def facts(batch, model: str) -> dict[str, str]:
    return {c.field: c.value for c in batch.claims if c.model == model}


def test_the_registry_has_every_adapter_by_its_key() -> None:
    assert ADAPTERS["epoch"].default_url == "https://epoch.ai/data/notable_ai_models.csv"
    assert ADAPTERS["openrouter"].default_url == "https://openrouter.ai/api/v1/models"
    assert all(key == adapter.key == adapter.source.key for key, adapter in ADAPTERS.items())


def test_openrouter_maps_prices_per_million_context_modalities_and_release_date() -> None:
    raw = json.loads((FIXTURES / "openrouter-1.json").read_text())["data"]
    batch = OpenRouterAdapter().parse(fetched("openrouter-1.json"))
    sonnet = next(e for e in raw if e["id"] == "anthropic/claude-sonnet-4.5")
    names = {m.name: m for m in batch.models}
    assert names["Claude Sonnet 4.5"].org == "Anthropic"
    assert "anthropic/claude-sonnet-4.5" in names["Claude Sonnet 4.5"].aliases
    got = facts(batch, "Claude Sonnet 4.5")
    assert got["context_window"] == str(sonnet["context_length"])
    assert got["output_context"] == str(sonnet["top_provider"]["max_completion_tokens"])
    assert got["modality"] == "text,image"
    assert got["release_date"] == "2025-09-29"  # 1759161676 is 2025-09-29 UTC
    price = next(p for p in batch.prices if p.model == "Claude Sonnet 4.5")
    assert price.input_per_m == pytest.approx(float(sonnet["pricing"]["prompt"]) * 1e6)
    assert price.output_per_m == pytest.approx(float(sonnet["pricing"]["completion"]) * 1e6)
    assert price.cached_input_per_m == pytest.approx(0.3)
    assert price.provider == "openrouter" and price.prov.as_of == "2026-11-01"


def test_openrouter_free_variant_is_a_price_of_its_model_and_a_router_has_none() -> None:
    batch = OpenRouterAdapter().parse(fetched("openrouter-1.json"))
    llama = [p for p in batch.prices if p.model == "Llama 3.3 70B Instruct"]
    assert sorted(p.region for p in llama) == ["", "free"]
    assert [m.name for m in batch.models].count("Llama 3.3 70B Instruct") == 1
    assert not [p for p in batch.prices if p.model == "Auto Router"]  # "-1": it varies


def test_openrouter_truncated_json_is_refused_naming_where() -> None:
    body = (FIXTURES / "openrouter-1.json").read_bytes()[:700]
    with pytest.raises(ImportRejected, match=r"not valid JSON .*truncated"):
        OpenRouterAdapter().parse(fetched("x.json", body))


def test_openrouter_without_a_data_list_is_not_its_model_list() -> None:
    with pytest.raises(ImportRejected, match=r"no 'data' list.*found: models"):
        OpenRouterAdapter().parse(fetched("x.json", b'{"models": []}'))


def test_openrouter_changed_schema_field_skips_the_entry_or_refuses_the_whole() -> None:
    data = json.loads((FIXTURES / "openrouter-1.json").read_text())
    data["data"][0]["pricing"]["input"] = data["data"][0]["pricing"].pop("prompt")
    batch = OpenRouterAdapter().parse(fetched("x.json", json.dumps(data).encode()))
    assert any("lacks 'prompt'" in s.reason for s in batch.skipped)
    assert not [p for p in batch.prices if p.model == "Claude Sonnet 4.5"]
    for entry in data["data"]:
        entry["model_id"] = entry.pop("id")  # every entry renamed: nothing readable
    with pytest.raises(ImportRejected, match=r"none of its 6 entries could be read"):
        OpenRouterAdapter().parse(fetched("x.json", json.dumps(data).encode()))


def test_epoch_adapter_wraps_the_importer() -> None:
    batch = EpochAdapter().parse(fetched("epoch-1.csv"))
    assert [m.name for m in batch.models] == [
        "Radar Test Alpha",
        "Radar Test Beta",
        "Radar Test Gamma",
    ]
    assert facts(batch, "Radar Test Alpha")["params"] == "7000000000"
    with pytest.raises(ImportRejected, match="no 'Model' column"):
        EpochAdapter().parse(fetched("x.csv", b"Name,Org\nA,B\n"))
