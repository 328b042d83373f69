"""The Hugging Face Hub adapter against a local Hub (tests/hub_server.py): collect through the
real `huggingface_hub` client, parse, apply, and answer /model and /license offline."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import ImportRejected
from bot.core.hub import base_model_tags, hf_repo_id
from bot.core.lookups import Lookups
from bot.store import CatalogStore, Database
from bot.sync.adapter import Fetched
from bot.sync.huggingface import (
    HubAdapter,
    HubSettings,
    HubTarget,
    HubUnavailable,
    fetch_hub,
    hub_targets,
)
from tests.conftest import DATA, REPO
from tests.hub_server import HUB_DATA, HubServer, hub_server, recorded

DISTILL = "distill-llama-8b"
NEMOTRON = "nemotron-70b"
META_70B = "meta-llama-3.1-70b-instruct"
QWEN = "qwen3-32b"


@pytest.fixture
async def hub():
    async with hub_server() as server:
        yield server


async def collect_from(
    hub: HubServer, targets: list[HubTarget], orgs: dict[str, str] | None = None
) -> Fetched:
    settings = HubSettings(endpoint=hub.endpoint, organisations=orgs or {}, timeout=10)
    return await fetch_hub(settings, targets, token=False)


def target(name: str, model: str = "") -> HubTarget:
    body = recorded(name)
    return HubTarget(body["id"], model or body["id"].partition("/")[2])


def entries(fetched: Fetched) -> dict[str, dict[str, Any]]:
    return {e["repo"]: e for e in json.loads(fetched.body)["repos"]}


async def test_200_maps_license_base_model_gated_counts_and_params(hub) -> None:
    body = recorded(DISTILL)
    hub.model(body)
    fetched = await collect_from(hub, [target(DISTILL, "Distill 8B")])
    batch = HubAdapter().parse(fetched)
    facts = {c.field: c.value for c in batch.claims}
    assert facts["hf_repo"] == body["id"]
    assert facts["downloads"] == str(body["downloads"])
    assert facts["likes"] == str(body["likes"])
    assert facts["params"] == str(body["safetensors"]["total"])
    assert facts["gated"] == "false"
    [lic] = batch.license_claims
    assert lic.license == "MIT" and lic.commercial is True
    base = next(t.split(":")[2] for t in body["tags"] if t.startswith("base_model:finetune:"))
    assert [(r.base, r.relation) for r in batch.lineage] == [(base, "finetune")]
    prov = batch.claims[0].prov
    assert prov.source == "huggingface" and prov.url == f"https://huggingface.co/{body['id']}"
    assert prov.as_of == fetched.as_of
    assert HubAdapter().parse(fetched) == batch  # pure: the same body, the same batch


async def test_404_401_gated_and_500_are_recorded_and_the_rest_is_kept(hub) -> None:
    hub.model(recorded(QWEN))
    hub.fail("google/gemma-2-9b-it", 401)
    hub.fail("Qwen/QwQ-32B", 500)
    targets = [
        target(QWEN),
        HubTarget("google/gemma-2-9b-it", "Gemma 2 9B"),
        HubTarget("Qwen/QwQ-32B", "QwQ-32B"),
        HubTarget("nobody/no-such-model", "Nothing"),
    ]
    fetched = await collect_from(hub, targets)
    status = {repo: e["status"] for repo, e in entries(fetched).items()}
    assert status == {
        "Qwen/Qwen3-32B": "ok",
        "google/gemma-2-9b-it": "gated",
        "Qwen/QwQ-32B": "server",
        "nobody/no-such-model": "not_found",
    }
    batch = HubAdapter().parse(fetched)
    assert {c.model for c in batch.claims} == {"Qwen3-32B"}
    reasons = {s.where: s.reason for s in batch.skipped}
    assert "gated" in reasons["repo google/gemma-2-9b-it"]
    assert "HTTP 500" in reasons["repo Qwen/QwQ-32B"]
    assert "no such repo" in reasons["repo nobody/no-such-model"]


async def test_a_hub_that_answers_nothing_is_unavailable(hub) -> None:
    hub.fail("Qwen/Qwen3-32B", 500)
    with pytest.raises(HubUnavailable, match="HTTP 500"):
        await collect_from(hub, [HubTarget("Qwen/Qwen3-32B", "Qwen3 32B")])
    settings = HubSettings(endpoint="http://127.0.0.1:9", timeout=2)
    with pytest.raises(HubUnavailable):
        await fetch_hub(settings, [HubTarget("Qwen/Qwen3-32B", "Qwen3 32B")], token=False)


async def test_a_changed_schema_field_is_skipped_not_fatal(hub) -> None:
    renamed = copy.deepcopy(recorded(META_70B))
    renamed["safetensors"] = {"parameters": {"BF16": 1}, "count": 1}  # 'total' renamed
    odd = copy.deepcopy(recorded(DISTILL))
    odd["downloads"] = "1.2M"
    odd["gated"] = True
    odd["cardData"]["license"] = ["mit", "apache-2.0"]  # a list where a string was
    hub.model(renamed)
    hub.model(odd)
    fetched = await collect_from(hub, [target(META_70B), target(DISTILL)])
    assert entries(fetched)[renamed["id"]]["status"] == "unreadable"
    batch = HubAdapter().parse(fetched)
    reasons = [s.reason for s in batch.skipped]
    assert any("downloads '1.2M' is not a count" in r for r in reasons)
    assert any("gated True is not" in r for r in reasons)
    assert any(r.startswith("KeyError") for r in reasons)
    assert [lc.license for lc in batch.license_claims] == ["MIT"]
    assert "downloads" not in {c.field for c in batch.claims}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (
            ["base_model:finetune:meta-llama/Llama-3.1-8B"],
            [("meta-llama/Llama-3.1-8B", "finetune")],
        ),
        (["base_model:a/b", "base_model:merge:a/b"], [("a/b", "merge")]),
        (["base_model:c/d"], [("c/d", "finetune")]),
        (
            [
                42,
                "base_model:",
                "base_model:weird:e/f",
                "base_model:adapter:not a repo",
                "base_model:quantized:g/h/i",
                "base_model:adapter:x/y",
            ],
            [("x/y", "adapter")],
        ),
        ("base_model:finetune:a/b", []),
        (None, []),
    ],
)
def test_base_model_tags_and_malformed_ones(tags: object, expected: list) -> None:
    assert base_model_tags(tags) == expected


async def test_malformed_tags_through_the_adapter(hub) -> None:
    body = copy.deepcopy(recorded(QWEN))
    body["tags"] = ["base_model:", "base_model:finetune:", "base_model:adapter:a b/c", 7]
    hub.model(body)
    batch = HubAdapter().parse(await collect_from(hub, [target(QWEN)]))
    assert batch.lineage == [] and batch.claims


async def test_watched_organisations_are_listed_page_by_page(hub) -> None:
    listed = json.loads((HUB_DATA / "list-qwen.json").read_text(encoding="utf-8"))
    hub.authors["Qwen"] = listed
    hub.model(recorded(QWEN))
    fetched = await collect_from(hub, [target(QWEN, "Qwen3 32B")], {"Qwen": "Alibaba"})
    assert hub.hits["list:Qwen"] == 2  # two pages of two, followed by the client
    batch = HubAdapter().parse(fetched)
    new = {m.name: m for m in batch.models}
    assert set(new) == {"Qwen3 32B", "Qwen3-32B-AWQ", "Qwen3-32B-Research-LoRA"}
    assert (
        new["Qwen3-32B-AWQ"].org == "Alibaba"
        and "Qwen/Qwen3-32B-AWQ" in new["Qwen3-32B-AWQ"].aliases
    )
    # A base that is a catalog model's repo is named as the catalog names it.
    assert {(r.model, r.base, r.relation) for r in batch.lineage} == {
        ("Qwen3-32B-AWQ", "Qwen3 32B", "quantized"),
        ("Qwen3-32B-Research-LoRA", "Qwen3 32B", "adapter"),
    }
    lora = next(lc for lc in batch.license_claims if lc.model == "Qwen3-32B-Research-LoRA")
    assert lora.license == "CC-BY-NC-4.0" and lora.commercial is False  # license: other + name
    assert "license link: https://creativecommons.org" in (lora.prov.note or "")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>", "not JSON"),
        (b'{"repos": []}', "not a collected Hub snapshot"),
        (b'{"format": 1, "repos": {}}', "no 'repos' list"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_a_body_that_is_not_a_hub_snapshot_is_rejected(body: bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        HubAdapter().parse(Fetched(body=body, url="file:x", as_of="2026-12-01"))


@pytest.mark.parametrize(
    ("link", "repo"),
    [
        ("https://huggingface.co/Qwen/QwQ-32B", "Qwen/QwQ-32B"),
        ("https://huggingface.co/Qwen/QwQ-32B/", "Qwen/QwQ-32B"),
        ("https://huggingface.co/deepseek-ai/DeepSeek-V4-Pro/blob/main/DeepSeek_V4.pdf", None),
        ("https://huggingface.co/LGAI-EXAONE", None),
        ("https://huggingface.co/spaces/bigcode/license", None),
        ("https://github.com/Qwen/QwQ-32B", None),
        ("not a url at all", None),
        (None, None),
    ],
)
def test_hf_repo_ids_from_links(link: str | None, repo: str | None) -> None:
    assert hf_repo_id(link) == repo


async def test_catalog_repos_come_from_the_bundled_links(services) -> None:
    """Every LLM Stats weights link on huggingface.co is a repo the adapter reads."""
    links = set()
    for path in (DATA / "llmstats" / "models").glob("*/*/model.json"):
        repo = hf_repo_id(json.loads(path.read_text(encoding="utf-8")).get("weights_link"))
        if repo:
            links.add(repo)
    repos = {
        t.repo for t in hub_targets((r.model, r.repo) for r in await services.catalog.hub_repos())
    }
    assert links and links <= repos


# ---- applied to the bundled catalog, answered offline ---------------------------------------


async def run_cli(*args: str, cwd: Path = REPO) -> tuple[int, str, str]:
    """`python -m bot ...` as a subprocess, without blocking the loop the local Hub runs on."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "HF_TOKEN")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_hub_sync_then_ask_model_and_license(hub, db_path: Path, tmp_path: Path) -> None:
    for name in (NEMOTRON, META_70B, DISTILL, QWEN):
        hub.model(recorded(name))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"huggingface:\n  endpoint: {hub.endpoint}\n  timeout: 10\n", encoding="utf-8"
    )
    saved = tmp_path / "hub.json"
    code, out, err = await run_cli(
        "--config", str(config), "--db", str(db_path), "hub", "sync", "--save", str(saved)
    )
    assert code == 0, err
    # `hub sync` is `sync huggingface`: the sync engine's change set, the first one a baseline.
    assert out.startswith("huggingface (as of ") and "first sync" in out, out
    assert "could not be read and were left out" in out  # the catalog's other repos: 404 here
    assert saved.exists() and json.loads(saved.read_bytes())["endpoint"] == hub.endpoint
    code, again, err = await run_cli(
        "--config", str(config), "--db", str(db_path), "sync", "huggingface"
    )
    assert code == 0 and "the same content as last time" in again, err
    code, again, err = await run_cli(
        "--db", str(db_path), "sync", "huggingface", "--from", str(saved)
    )
    assert code == 0 and "the same content as last time" in again, err  # the saved body, offline
    code, out, err = await run_cli(
        "--db", str(db_path), "ask", "model", "Llama 3.1 Nemotron 70B Instruct"
    )
    assert code == 0, err
    lineage = out.split("-- Lineage --")[1].split("\n-- ")[0]
    # The Hub's base_model tag resolves to the catalog's Llama 3.1 70B Instruct, and its own
    # Hub base (not in the catalog) follows, by repo name.
    assert "Fine-tune of **Llama 3.1 70B Instruct** (Meta)" in lineage
    assert "meta-llama/Llama-3.1-70B** (not in the catalog)" in lineage
    assert "Hugging Face Hub" in out and "-- Downloads (last 30 days) --" in out
    code, out, err = await run_cli(
        "--db", str(db_path), "ask", "license", "Llama 3.1 Nemotron 70B Instruct"
    )
    bases = out.split("-- Base model licenses --")[1].split("\n-- ")[0]
    assert "**Llama 3.1 70B Instruct**" in bases and "Llama 3.1 Community License" in bases
    # The saved body imports again, offline, and adds nothing new.
    code, out, err = await run_cli("--db", str(db_path), "import", "huggingface", str(saved))
    assert code == 0, err
    assert "added nothing new" in out


async def test_hub_sync_bad_input(db_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("huggingface:\n  endpoint: ftp://hub\n", encoding="utf-8")
    code, _, err = await run_cli("--config", str(config), "--db", str(db_path), "hub", "sync")
    assert code == 2 and "huggingface.endpoint" in err
    config.write_text("huggingface:\n  endpoint: http://127.0.0.1:9\n  timeout: 2\n", "utf-8")
    code, _, err = await run_cli("--config", str(config), "--db", str(db_path), "hub", "sync")
    assert code == 1 and "huggingface: sync failed: no answer from http://127.0.0.1:9" in err
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    code, _, err = await run_cli("--db", str(db_path), "import", "huggingface", str(bad))
    assert code == 1 and "not a collected Hub snapshot" in err


async def test_an_applied_hub_batch_is_one_unit_of_work(hub, tmp_path: Path) -> None:
    hub.model(recorded(DISTILL))
    batch = HubAdapter().parse(await collect_from(hub, [target(DISTILL, "Distill 8B")]))
    db = await Database.open(tmp_path / "hub.db")
    try:
        store = CatalogStore(db)
        summary = await store.apply(batch)
        assert summary.added["lineage links"] == 1
        again = await store.apply(batch)
        assert again.added.get("lineage links", 0) == 0 and again.added.get("facts", 0) == 0
        lookups = Lookups(store)
        await lookups.refresh()
        [step] = await lookups.lineage(*(await _id(store, "Distill 8B")))
        assert step.base == "meta-llama/Llama-3.1-8B" and not step.resolved
    finally:
        await db.close()


async def _id(store: CatalogStore, name: str) -> tuple[int, str]:
    from bot.core.names import normalize

    model_id = await store.find_model_id(normalize(name))
    assert model_id is not None
    return model_id, name
