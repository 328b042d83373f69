"""Lineage (base-model chains) and Epoch's training columns: stored, chained, shown."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from bot.core.lookups import Lookups
from bot.core.records import Batch, LineageRec, ModelRec, Provenance, SourceRec
from bot.importers.epoch import parse_epoch_csv
from bot.importers.llmstats import load_llmstats
from bot.render.lookups import render_model, render_model_licenses
from bot.render.text import reply_to_text
from bot.store import CatalogStore, Database
from bot.store.catalog_lineage import LineageLink
from tests.conftest import DATA
from tests.unit.test_cli import run

EPOCH_CSV = DATA / "epoch" / "notable_ai_models.csv"
TEST_SOURCE = SourceRec("lineage-test", "Lineage test source", "curator")


def epoch_rows() -> list[dict[str, str]]:
    with EPOCH_CSV.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
async def store(tmp_path: Path):
    db = await Database.open(tmp_path / "lineage.db")
    try:
        yield CatalogStore(db)
    finally:
        await db.close()


def link(model: str, base: str, relation: str = "finetune") -> LineageRec:
    return LineageRec(model, base, relation, Provenance("lineage-test", url="https://example.org"))


async def chain_of(store: CatalogStore, name: str):
    lookups = Lookups(store)
    await lookups.refresh()
    entry, _ = lookups.resolve_model(name)
    return await lookups.lineage(entry.id, entry.name)


# ---- Epoch's columns on real rows ---------------------------------------------------------


def test_epoch_training_compute_hardware_and_base_model_come_from_the_real_csv() -> None:
    rows = [r for r in epoch_rows() if r["Training compute (FLOP)"] and r["Training hardware"]]
    rows = [r for r in rows if r["Base model"]][:3]
    assert rows, "the bundled CSV has rows with compute, hardware and a base model"
    batch = parse_epoch_csv(EPOCH_CSV.read_bytes())
    facts = {(c.field, c.value) for c in batch.claims}
    links = {(rec.base, rec.relation) for rec in batch.lineage}
    for row in rows:
        flop = float(row["Training compute (FLOP)"])
        assert ("training_compute", f"{flop:.4g}") in facts
        assert ("training_hardware", row["Training hardware"].strip()) in facts
        for base in row["Base model"].split(","):
            assert (base.strip(), "finetune") in links


def test_epoch_bad_compute_is_a_skipped_row_and_the_rest_is_kept() -> None:
    header = "Model,Organization,Training compute (FLOP),Training hardware,Base model\n"
    data = header + "Good,Lab,3.8e25,NVIDIA H100,Base A\nBad,Lab,lots,TPU v4,\n"
    batch = parse_epoch_csv(data.encode())
    assert ("Good", "training_compute", "3.8e+25") in {
        (c.model, c.field, c.value) for c in batch.claims
    }
    assert ("Bad", "training_hardware", "TPU v4") in {
        (c.model, c.field, c.value) for c in batch.claims
    }
    assert not any(c.field == "training_compute" and c.model == "Bad" for c in batch.claims)
    assert any("training compute 'lots'" in s.reason for s in batch.skipped)
    assert [rec.base for rec in batch.lineage] == ["Base A"]


def test_llmstats_fine_tuned_from_becomes_a_lineage_link() -> None:
    batch = load_llmstats(DATA / "llmstats")
    stated = {
        path.parts[-2]
        for path in (DATA / "llmstats" / "models").glob("*/*/model.json")
        if '"fine_tuned_from_model_id": "' in path.read_text(encoding="utf-8")
    }
    assert len(batch.lineage) == len(stated) > 0
    assert all(
        rec.relation == "finetune" and rec.prov.source == "llmstats" for rec in batch.lineage
    )


# ---- chains ---------------------------------------------------------------------------------


async def test_a_chain_follows_bases_and_keeps_an_unknown_one_by_name(store) -> None:
    await store.apply(
        Batch(
            sources=[TEST_SOURCE],
            models=[ModelRec("Child"), ModelRec("Parent", org="Lab"), ModelRec("Root")],
            lineage=[
                link("Child", "Parent", "adapter"),
                link("Parent", "Root", "merge"),
                link("Root", "Never Heard Of"),
            ],
        )
    )
    steps = await chain_of(store, "Child")
    assert [(s.model, s.base, s.relation, s.depth, s.resolved) for s in steps] == [
        ("Child", "Parent", "adapter", 1, True),
        ("Parent", "Root", "merge", 2, True),
        ("Root", "Never Heard Of", "finetune", 3, False),
    ]
    assert steps[0].base_org == "Lab"
    assert all(s.sources[0].key == "lineage-test" for s in steps)


async def test_a_cycle_is_shown_once_and_not_followed(store) -> None:
    await store.apply(
        Batch(
            sources=[TEST_SOURCE],
            models=[ModelRec("A"), ModelRec("B"), ModelRec("C")],
            lineage=[link("A", "B"), link("B", "C"), link("C", "A")],
        )
    )
    steps = await chain_of(store, "A")
    assert [(s.model, s.base, s.cycle) for s in steps] == [
        ("A", "B", False),
        ("B", "C", False),
        ("C", "A", True),
    ]
    text = reply_to_text(render_model(await Lookups_report(store, "A")))
    assert "↺" in text


async def test_a_chain_stops_after_eight_hops(store) -> None:
    names = [f"M{i}" for i in range(12)]
    await store.apply(
        Batch(
            sources=[TEST_SOURCE],
            models=[ModelRec(n) for n in names],
            lineage=[link(a, b) for a, b in itertools.pairwise(names)],
        )
    )
    steps = await chain_of(store, "M0")
    assert len(steps) == 8 and steps[-1].base == "M8"


async def test_bad_lineage_input_is_skipped_with_the_reason(store) -> None:
    summary = await store.apply(
        Batch(
            sources=[TEST_SOURCE],
            models=[ModelRec("Self"), ModelRec("Other")],
            lineage=[link("Self", "Self"), link("Other", "Self", "borrowed"), link("Other", "  ")],
        )
    )
    reasons = [s.reason for s in summary.skipped]
    assert any("names itself as its base" in r for r in reasons)
    assert any("relation 'borrowed'" in r for r in reasons)
    ids = [await store.find_model_id(n) for n in ("self", "other")]
    assert await store.lineage_links([i for i in ids if i is not None]) == []


async def test_a_base_imported_later_resolves_by_name(store) -> None:
    await store.apply(
        Batch(
            sources=[TEST_SOURCE],
            models=[ModelRec("Late Child")],
            lineage=[link("Late Child", "Late Base")],
        )
    )
    assert (await chain_of(store, "Late Child"))[0].resolved is False
    await store.apply(Batch(sources=[TEST_SOURCE], models=[ModelRec("Late Base")]))
    step = (await chain_of(store, "Late Child"))[0]
    assert step.resolved and step.base == "Late Base"


async def Lookups_report(store: CatalogStore, name: str):
    lookups = Lookups(store)
    await lookups.refresh()
    return await lookups.model(name)


async def test_license_shows_the_base_models_license_beside_the_models(store) -> None:
    await store.apply(
        Batch(
            sources=[TEST_SOURCE],
            models=[ModelRec("Tuned"), ModelRec("NC Base")],
            lineage=[link("Tuned", "NC Base")],
        )
    )
    from bot.importers.common import BatchBuilder

    builder = BatchBuilder(TEST_SOURCE)
    prov = Provenance("lineage-test")
    builder.license_claim("Tuned", "MIT", None, prov)
    builder.license_claim("NC Base", "CC-BY-NC-4.0", None, prov)
    await store.apply(builder.batch)
    lookups = Lookups(store)
    await lookups.refresh()
    answer = await lookups.license("Tuned")
    text = reply_to_text(render_model_licenses(answer))
    assert "MIT" in text and "Base model licenses" in text
    assert "NC Base" in text and "CC-BY-NC-4.0" in text and "commercial use: no" in text


def test_lineage_links_are_typed_records() -> None:
    assert LineageLink.__dataclass_fields__.keys() >= {"base_name", "base_id", "relation"}


# ---- real chains through the offline CLI ----------------------------------------------------


def epoch_chain(rows: list[dict[str, str]], start: str) -> list[str]:
    """Epoch's own 'Base model' chain from `start`, as the raw CSV gives it."""
    by_name = {r["Model"].strip(): r for r in rows}
    chain, name = [], start
    while name in by_name and by_name[name]["Base model"].strip() and len(chain) < 8:
        name = by_name[name]["Base model"].split(",")[0].strip()
        chain.append(name)
    return chain


def test_real_chains_answer_through_ask_model(db_path: Path) -> None:
    rows = epoch_rows()
    chain = epoch_chain(rows, "GPT-4o (Mar 2025)")
    assert len(chain) >= 3  # Epoch chains GPT-4o's dated releases
    out = run(db_path, "ask", "model", "GPT-4o (Mar 2025)")
    assert out.returncode == 0, out.stderr
    lineage = out.stdout.split("-- Lineage --")[1].split("\n-- ")[0]
    assert lineage.count("Fine-tune of") + lineage.count("fine-tune of") == len(chain)
    assert "**GPT-4o** (OpenAI)" in lineage
    # LLM Stats' fine_tuned_from and Epoch's Base model for the same link: both cited.
    r1 = run(db_path, "ask", "model", "DeepSeek-R1")
    assert "Fine-tune of **DeepSeek-V3** (DeepSeek)" in r1.stdout
    section = r1.stdout.split("-- Lineage --")[1].split("\n-- ")[0]
    assert section.count("[") >= 2


def test_ask_model_shows_epoch_compute_as_flop_and_hardware(db_path: Path) -> None:
    row = next(r for r in epoch_rows() if r["Model"].strip() == "EXAONE Deep 32B")
    mantissa, _, exponent = f"{float(row['Training compute (FLOP)']):.3g}".partition("e")
    out = run(db_path, "ask", "model", "EXAONE Deep 32B")
    assert out.returncode == 0, out.stderr
    compute = out.stdout.split("-- Training compute --\n")[1].splitlines()[0]
    assert compute.startswith(f"{mantissa}e{int(exponent)} FLOP [")
    hardware = out.stdout.split("-- Training hardware --\n")[1].splitlines()[0]
    assert hardware.startswith(row["Training hardware"].strip())
    assert "Fine-tune of **" + row["Base model"].strip() in out.stdout


def test_ask_license_shows_the_base_license_and_bad_input(db_path: Path) -> None:
    out = run(db_path, "ask", "license", "Llama 3.1 Nemotron 70B Instruct")
    assert out.returncode == 0, out.stderr
    assert "-- Lineage --" in out.stdout and "-- Base model licenses --" in out.stdout
    assert "Llama 3.1 70B Instruct" in out.stdout
    bad = run(db_path, "ask", "license", "x" * 300)
    assert bad.returncode == 1 and "Lineage" not in bad.stdout


async def test_removing_a_model_and_undoing_keeps_its_lineage(services) -> None:
    from bot.curation.forms import Actor

    lookups = services.lookups
    await lookups.refresh()
    entry, _ = lookups.resolve_model("DeepSeek-R1")
    before = await lookups.lineage(entry.id, entry.name)
    assert before
    curator = Actor("1", "curator", "10")
    change = await services.curation.remove_model(curator, entry.name)
    assert await services.catalog.lineage_links([entry.id]) == []
    await services.curation.undo(curator, change.id)
    await lookups.refresh()
    assert await lookups.lineage(entry.id, entry.name) == before


def test_a_models_own_snapshots_are_versions_not_lineage(db_path: Path) -> None:
    """Epoch names each GPT-4o release's 'Base model' as the release before: asked for the
    release, that chain shows; asked for GPT-4o, whose facts are its latest snapshot's, the link
    to its own earlier snapshot is not a lineage."""
    rows = {r["Model"].strip(): r for r in epoch_rows()}
    assert rows["GPT-4o (Mar 2025)"]["Base model"].strip() == "GPT-4o (Jan 2025)"
    model = run(db_path, "ask", "model", "GPT-4o")
    assert model.returncode == 0, model.stderr
    assert "Snapshots (" in model.stdout and "-- Lineage --" not in model.stdout
