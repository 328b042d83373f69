"""The identity rules (bot/core/identity.py) on real names from data/, and the crosswalk."""

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.core.errors import ImportRejected
from bot.core.identity import (
    epoch_snapshot,
    match_keys,
    snapshot_date,
    vendor_stripped,
    without_org,
)
from bot.core.names import normalize
from bot.importers.crosswalk import CROSSWALK_FILE, load_crosswalk, parse_crosswalk
from tests.conftest import DATA

LLMSTATS = sorted((DATA / "llmstats" / "models").glob("*/*/model.json"))
EPOCH_ROWS = list(
    csv.DictReader(io.StringIO((DATA / "epoch" / "notable_ai_models.csv").read_text("utf-8-sig")))
)


@pytest.mark.parametrize(
    ("model_id", "released", "expected"),
    [
        ("gpt-4o-2024-08-06", "2024-08-06", ("gpt-4o", "2024-08-06")),
        ("gpt-4o-2024-05-13", "2024-05-13", ("gpt-4o", "2024-05-13")),
        ("claude-3-5-sonnet-20241022", "2024-10-22", ("claude-3-5-sonnet", "2024-10-22")),
        ("claude-3-5-sonnet-20240620", "2024-06-21", ("claude-3-5-sonnet", "2024-06-20")),
        ("gpt-4-0613", "2023-06-13", ("gpt-4", "2023-06-13")),
        ("gpt-3.5-turbo-0125", "2023-03-21", ("gpt-3.5-turbo", "2024-01-25")),  # next year
        ("deepseek-v3-0324", "2025-03-25", ("deepseek-v3", "2025-03-24")),  # a day before
        ("mistral-large-2-2407", "2024-07-24", ("mistral-large-2", "2024-07")),  # YYMM
        ("ministral-8b-instruct-2410", "2024-10-16", ("ministral-8b-instruct", "2024-10")),
        ("command-r-plus-04-2024", "2024-08-30", ("command-r-plus", "2024-04")),
        ("claude-3-5-sonnet@20240620", None, ("claude-3-5-sonnet", "2024-06-20")),
        ("gpt-4o", "2024-05-13", None),
        ("gemma-3-27b-it", "2025-03-12", None),
        ("qwen3-235b-a22b", "2025-04-29", None),
        ("llama-3.1-nemotron-nano-8b-v1", "2025-03-18", None),
        ("gpt-4o-2024-13-45", "2024-05-13", None),  # not a date
        ("model-9999", "2024-05-13", None),  # neither MMDD nor YYMM
    ],
)
def test_snapshot_date_reads_every_suffix_form(model_id, released, expected) -> None:
    assert snapshot_date(model_id, released) == expected


def test_every_real_llmstats_snapshot_is_dated_near_its_release() -> None:
    """Over all bundled LLM Stats ids: a suffix read as a date is within a year of the
    release the file states (a misread year would be off by one or more)."""
    dated = 0
    for path in LLMSTATS:
        data = json.loads(path.read_text("utf-8"))
        found = snapshot_date(path.parent.name, data.get("release_date"))
        if found is None:
            continue
        dated += 1
        date, released = found[1], data["release_date"]
        first = dt.date.fromisoformat(date if len(date) == 10 else f"{date}-01")
        assert abs((first - dt.date.fromisoformat(released)).days) < 366, path.parent.name
    assert dated >= 20


def test_every_labelled_epoch_row_is_a_snapshot_of_its_month() -> None:
    labelled = [r for r in EPOCH_ROWS if r["Model"].rstrip().endswith(("2023)", "2024)", "2025)"))]
    snaps = [(r, epoch_snapshot(r["Model"], r["Publication date"][:10])) for r in labelled]
    snaps = [(r, s) for r, s in snaps if s is not None]
    assert len(snaps) >= 15
    for row, snap in snaps:
        assert row["Model"].startswith(snap.model)
        assert snap.name != row["Model"] and "(" not in snap.model
        assert snap.date[:7] == row["Publication date"][:7]  # the label's month
    names = {s.name for _, s in snaps}
    assert {"GPT-4o (2024-08-06)", "GPT-4 (2023-06-13)", "DeepSeek-V3 (2025-03-24)"} <= names
    assert epoch_snapshot("DeepSeek-V2 (MoE-236B)", "2024-05-07") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022"),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet-20250219"),
        ("openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
        ("meta.llama3-1-405b-instruct-v1:0", "llama3-1-405b-instruct"),
        ("amazon.nova-pro-v1:0", "nova-pro"),
        ("GPT-4o", "GPT-4o"),
        ("DeepSeek-V3", "DeepSeek-V3"),  # a name, not a versioned deployment id
        ("Llama 3.1 Nemotron Nano 8B V1", "Llama 3.1 Nemotron Nano 8B V1"),
        ("ViT-G/14", "ViT-G/14"),  # nothing but a number behind the slash
        ("Claude 3.5 Sonnet", "Claude 3.5 Sonnet"),
    ],
)
def test_vendor_ids_lose_router_vendor_and_version(text, expected) -> None:
    assert vendor_stripped(text) == expected


def test_organisation_prefix_rules() -> None:
    assert without_org("Amazon Nova Pro", ["Amazon"]) == "Nova Pro"
    assert without_org("IBM Granite 4.0 Tiny Preview", ["IBM"]) == "Granite 4.0 Tiny Preview"
    assert without_org("Nova Pro", ["Amazon"]) is None
    assert without_org("Mistral 7B", ["Mistral AI", "Mistral"]) is None  # only a number left
    assert without_org("Amazonian", ["Amazon"]) is None
    keys = match_keys("Nova Pro", ["Amazon"])
    assert normalize("Amazon Nova Pro") in keys and normalize("Nova Pro") not in keys


def test_bundled_crosswalk_loads_and_names_real_rows() -> None:
    crosswalk = load_crosswalk(CROSSWALK_FILE)
    epoch_names = {normalize(r["Model"]) for r in EPOCH_ROWS}
    assert crosswalk.entries
    for (source, name), target in crosswalk.entries.items():
        assert source == "epoch" and name in epoch_names
        assert target.snapshot is None or len(target.snapshot) == 10
    gpt4o = crosswalk.target("epoch", "GPT-4o")
    assert gpt4o is not None and gpt4o.name == "GPT-4o (2024-05-13)"


GOOD = """entries:
  - source: epoch
    name: X
    model: Y
    why: checked
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            GOOD.replace("    why: checked\n", "    why: checked\n    colour: red\n"),
            "line 6: unknown key 'colour'",
        ),
        ("entries:\n  source: epoch\n", "line 2: 'entries' must be a list"),
        ("items: []\n", "line 1: unknown key 'items'"),
        ("- a\n", "line 1: the file must be a mapping"),
        (GOOD.replace("    why: checked\n", ""), "line 2: missing why"),
        (GOOD.replace("source: epoch", "source: wikipedia"), "line 2: unknown source 'wikipedia'"),
        (GOOD + "    snapshot: June\n", "line 2: snapshot 'June' is not an ISO date"),
        (GOOD + GOOD.removeprefix("entries:\n"), "line 6: epoch 'X' is mapped twice"),
        (GOOD.replace("name: X", "name: [X]"), "line 3: 'name' must be non-empty text"),
        ("entries:\n  - just text\n", "line 2: each entry must be a mapping"),
        ("entries: [\n", "not valid YAML"),
    ],
)
def test_a_bad_crosswalk_is_refused_with_file_and_line(text, problem) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_crosswalk(text, "crosswalk.yaml")
    assert str(caught.value).startswith("crosswalk.yaml")
    assert problem in str(caught.value)


def test_a_bad_crosswalk_file_stops_the_import(tmp_path: Path) -> None:
    from bot.importers.epoch import parse_epoch_csv

    path = tmp_path / "crosswalk.yaml"
    path.write_text(GOOD.replace("why:", "reason:"), encoding="utf-8")
    with pytest.raises(ImportRejected, match=r"crosswalk.yaml, line 5: unknown key 'reason'"):
        parse_epoch_csv(b"Model\nA\n", crosswalk=load_crosswalk(path))


async def test_export_keeps_snapshots_and_imports_back(services, tmp_path: Path) -> None:
    from bot.curation.export import export_catalog
    from bot.importers.catalog_yaml import load_yaml_text, parse_catalog
    from bot.store import CatalogStore, Database
    from bot.store.catalog_export import CatalogExport

    exported = await export_catalog(CatalogExport(services.db), curated_only=False)
    fresh = await Database.open(tmp_path / "fresh.db")
    try:
        store = CatalogStore(fresh)
        await store.apply(parse_catalog(load_yaml_text(exported, "all.yaml")))
        model = await store.find_model_id(normalize("GPT-4o"))
        original = await services.catalog.snapshots(
            await services.catalog.find_model_id(normalize("GPT-4o"))
        )
        again = await store.snapshots(model)
        assert [(s.name, s.date) for s in again] == [(s.name, s.date) for s in original]
    finally:
        await fresh.close()


def test_a_catalog_snapshot_needs_its_model() -> None:
    from bot.importers.catalog_yaml import parse_catalog

    doc = {"models": [{"name": "X (2024-01-02)", "snapshot": "2024-01-02"}]}
    with pytest.raises(ImportRejected) as caught:
        parse_catalog(doc)
    assert "'snapshot' needs 'snapshot_of'" in " ".join(caught.value.problems)
    bad = {"models": [{"name": "X (2024)", "snapshot_of": "X", "snapshot": "soon"}]}
    with pytest.raises(ImportRejected) as caught:
        parse_catalog(bad)
    assert "'snapshot' 'soon' is not a date" in " ".join(caught.value.problems)
