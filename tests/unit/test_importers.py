"""Importers against the real Epoch and LLM Stats files bundled in data/, and against broken ones."""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from bot.core.errors import ImportRejected
from bot.core.records import Batch, ClaimRec, ModelRec, Provenance, SourceRec
from bot.importers.catalog_yaml import load_catalog_files, load_yaml_text, parse_catalog
from bot.importers.epoch import parse_epoch_csv
from bot.importers.llmstats import load_llmstats
from bot.store import CatalogStore, Database
from tests.conftest import DATA

EPOCH = DATA / "epoch" / "notable_ai_models.csv"
LLMSTATS = DATA / "llmstats"


@pytest.fixture
async def empty_store(tmp_path: Path):
    db = await Database.open(tmp_path / "empty.db")
    yield CatalogStore(db)
    await db.close()


async def test_epoch_real_file_imports_and_is_idempotent(empty_store: CatalogStore) -> None:
    batch = parse_epoch_csv(EPOCH.read_bytes())
    first = await empty_store.apply(batch)
    assert first.added["models"] > 1000
    assert first.added["facts"] > 2000
    again = await empty_store.apply(parse_epoch_csv(EPOCH.read_bytes()))
    assert again.total_added == 0
    pro = await empty_store.find_model_id("deepseekv4pro")
    facts = {(r.field, r.value) for r in await empty_store.model_claims(pro)}
    assert ("params", "1600000000000") in facts
    assert ("active_params", "49000000000") in facts
    assert ("release_date", "2026-04-24") in facts


def _rewrite(columns_drop: set[str], extra: str | None = None) -> bytes:
    rows = list(csv.DictReader(io.StringIO(EPOCH.read_text(encoding="utf-8"))))[:50]
    header = [h for h in rows[0] if h not in columns_drop]
    if extra:
        header.insert(2, extra)
    out = io.StringIO()
    writer = csv.DictWriter(out, header, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, extra or "": "x"} if extra else row)
    return out.getvalue().encode()


def test_epoch_other_snapshots_map_columns_by_header() -> None:
    batch = parse_epoch_csv(_rewrite({"Parameters", "Domain", "Link"}, extra="Brand new column"))
    assert len(batch.models) == 50
    assert not any(c.field in ("params", "modality") for c in batch.claims)
    assert any(c.field == "release_date" for c in batch.claims)


def test_epoch_reports_skipped_rows_with_reasons() -> None:
    text = "Model,Publication date,Parameters\nGood,2026-01-02,7e9\n,2026-01-02,1\nBad date,2026-13-45,1\nShort row\n"
    batch = parse_epoch_csv(text.encode())
    reasons = " | ".join(f"{s.where}: {s.reason}" for s in batch.skipped)
    assert "row 3: no model name" in reasons
    assert "Bad date" in reasons and "not a date" in reasons
    assert "row 5" in reasons and "truncated or corrupt" in reasons
    assert [m.name for m in batch.models] == ["Good", "Bad date"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Name,Date\nx,y\n", "no 'Model' column"),
        (b"", "no header"),
        (b"Model\n\xff\xfe\x00bad", "not UTF-8"),
        (b"Model,Date\nA\x00B,2020\n", "NUL"),
    ],
)
def test_epoch_rejects_files_that_are_not_epoch_csv(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        parse_epoch_csv(data)


def test_epoch_truncated_mid_quote_skips_the_broken_row() -> None:
    data = EPOCH.read_bytes()[:20000]  # cut inside a quoted abstract
    batch = parse_epoch_csv(data)
    assert batch.models
    assert batch.skipped and "truncated or corrupt" in batch.skipped[-1].reason


async def test_llmstats_real_data_gpt4o_ids_are_snapshots_of_one_model(empty_store) -> None:
    summary = await empty_store.apply(load_llmstats(LLMSTATS))
    assert summary.added["scores"] > 1500
    model = await empty_store.find_model_id("gpt4o")
    snapshots = await empty_store.snapshots(model)
    assert [(s.name, s.date) for s in snapshots] == [
        ("GPT-4o (2024-05-13)", "2024-05-13"),
        ("GPT-4o (2024-08-06)", "2024-08-06"),
    ]
    for snap, output in zip(snapshots, ("4096", "16384"), strict=True):
        claims = await empty_store.model_claims(snap.id)
        assert {c.value for c in claims if c.field == "release_date"} == {snap.date}
        assert {c.value for c in claims if c.field == "output_context"} == {output}
    assert await empty_store.find_model_id("gpt4o20240806") == snapshots[1].id


def test_llmstats_scores_become_percentages_and_odd_scales_are_kept_apart(tmp_path: Path) -> None:
    model = tmp_path / "models" / "openai" / "m1"
    model.mkdir(parents=True)
    metrics = [
        {"dataset_name": "MMLU", "score": 0.857, "is_self_reported": True},
        {"dataset_name": "MBPP", "score": 81.4},
        {"dataset_name": "CodeForces", "score": 1977},
    ]
    (model / "model.json").write_text(
        json.dumps({"name": "M1", "license": "apache-2.0", "qualitative_metrics": metrics})
    )
    batch = load_llmstats(tmp_path)
    scores = {(s.benchmark, s.value) for s in batch.scores}
    assert scores == {("MMLU", 85.7), ("MBPP", 81.4), ("CodeForces (rating)", 1977)}
    assert batch.license_claims[0].license == "Apache-2.0"


def test_llmstats_broken_json_is_skipped_not_fatal(tmp_path: Path) -> None:
    shutil.copytree(
        LLMSTATS / "models" / "openai" / "o3-mini", tmp_path / "models" / "openai" / "o3-mini"
    )
    bad = tmp_path / "models" / "openai" / "broken"
    bad.mkdir()
    (bad / "model.json").write_text('{"name": "Broken", "qualitative_metrics": [')
    batch = load_llmstats(tmp_path)
    assert [m.name for m in batch.models] == ["o3-mini"]
    assert batch.skipped[0].where == "openai/broken"


def test_bundled_catalog_is_valid_and_keeps_disagreements() -> None:
    batch = load_catalog_files(sorted((DATA / "catalog").glob("*.yaml")))
    omni = [c for c in batch.license_claims if c.model == "Qwen3.5-Omni"]
    assert {c.openness for c in omni} == {"api_only", "open_permissive"}
    sources = {s.key for s in batch.sources}
    assert sources == {"seed-000", "seed-001", "seed-002", "seed-003"}
    assert all(c.prov.source in sources for c in batch.claims)


def source_doc(**extra) -> dict:
    return {"sources": [{"key": "s", "name": "S", "kind": "article"}], **extra}


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (
            {
                "models": [
                    {
                        "name": "M",
                        "facts": [{"field": "relase_date", "value": "2026", "source": "s"}],
                    }
                ]
            },
            "'field' 'relase_date'",
        ),
        (
            {
                "models": [
                    {
                        "name": "M",
                        "facts": [{"field": "release_date", "value": "2026-02-30", "source": "s"}],
                    }
                ]
            },
            "not a date",
        ),
        (
            {"models": [{"name": "M", "facts": [{"field": "params", "value": -4, "source": "s"}]}]},
            "positive number",
        ),
        (
            {
                "models": [
                    {"name": "M", "facts": [{"field": "params", "value": "9e30", "source": "s"}]}
                ]
            },
            "implausibly large",
        ),
        (
            {
                "models": [
                    {"name": "M", "scores": [{"benchmark": "Nope", "value": 1, "source": "s"}]}
                ]
            },
            "benchmark 'Nope'",
        ),
        (
            {"models": [{"name": "M", "licenses": [{"license": "MIT", "source": "other"}]}]},
            "source 'other'",
        ),
        (
            {"models": [{"name": "M", "licenses": [{"openness": "sort of", "source": "s"}]}]},
            "openness",
        ),
        ({"models": [{"name": "\u200b"}]}, "letters or digits"),
        ({"models": [{"name": "M", "colour": "red"}]}, "unknown key 'colour'"),
        ({"events": [{"kind": "party", "title": "x", "source": "s"}]}, "'kind' 'party'"),
        (
            {
                "models": [
                    {
                        "name": "M",
                        "facts": [
                            {
                                "field": "note",
                                "value": "x",
                                "source": "s",
                                "url": "javascript:alert(1)",
                            }
                        ],
                    }
                ]
            },
            "not an http",
        ),
    ],
)
def test_catalog_validation_names_the_place_and_the_problem(doc: dict, problem: str) -> None:
    with pytest.raises(ImportRejected) as err:
        parse_catalog(source_doc(**doc))
    assert problem in str(err.value)


def test_yaml_bomb_and_broken_yaml_are_refused() -> None:
    bomb = 'a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    with pytest.raises(ImportRejected, match="anchors or aliases"):
        load_yaml_text(bomb, "bomb.yaml")
    # 40 levels: 9**40 "lol"s if anything walked it; refused at the first shared list.
    levels = ['l0: &l0 ["lol"]'] + [
        f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 40)
    ]
    with pytest.raises(ImportRejected, match="anchors or aliases"):
        load_yaml_text("\n".join(levels), "laughs.yaml")
    # An alias of a plain value shares nothing that could grow: harmless.
    assert load_yaml_text("a: &x hello\nb: *x\n", "scalar.yaml") == {"a": "hello", "b": "hello"}
    with pytest.raises(ImportRejected, match="not valid YAML at line"):
        load_yaml_text("models:\n  - name: [unclosed\n", "broken.yaml")
    with pytest.raises(ImportRejected, match="larger than"):
        load_yaml_text("x" * (6 * 1024 * 1024), "huge.yaml")


def scored(value: object, unit: str = "%") -> dict:
    return source_doc(
        benchmarks=[{"name": "Radar Bench", "unit": unit}],
        models=[
            {"name": "M", "scores": [{"benchmark": "Radar Bench", "value": value, "source": "s"}]}
        ],
    )


@pytest.mark.parametrize(
    ("value", "unit", "problem"),
    [
        ("1e300", "%", "1e+300% is not a percentage between 0 and 100"),
        (250, "%", "250% is not a percentage between 0 and 100"),
        (-50, "%", "-50% is not a percentage between 0 and 100"),
        (-5, "ms", "-5 is not a plausible Radar Bench score"),
        (1e300, "ms", "1e+300 is not a plausible Radar Bench score"),
        (8000, "Elo", "8000 is not an Elo rating between 0 and 5,000"),
        (11, "/10", "11 is not a score out of 10 (Radar Bench is scored in /10)"),
        (0, "rank", "0 is not a rank (1 or more)"),
    ],
)
def test_scores_follow_the_curators_rule(value: object, unit: str, problem: str) -> None:
    with pytest.raises(ImportRejected) as err:
        parse_catalog(scored(value, unit))
    assert f"models[0].scores[0]: {problem}" in str(err.value)


def test_scores_in_range_are_taken() -> None:
    batch = parse_catalog(scored("99.5"))
    assert [s.value for s in batch.scores] == [99.5]


async def test_a_score_is_checked_against_the_stored_unit(empty_store: CatalogStore) -> None:
    await empty_store.apply(parse_catalog(scored(50)))
    before = await empty_store.counts()
    # The file calls the benchmark Elo, but the store measures it in %: the store's unit rules.
    with pytest.raises(ImportRejected, match="250% is not a percentage") as err:
        await empty_store.apply(parse_catalog(scored(250, "Elo")))
    assert "M, Radar Bench" in str(err.value)
    assert await empty_store.counts() == before


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("sources: []\nmodels: [{name: A}]\nbenchmarks: []\nmodels: [{name: B}]\n", "line 4"),
        ("models:\n  - name: A\n    aliases: [a]\n    aliases: [b]\n", "line 4"),
    ],
)
def test_duplicate_yaml_keys_are_refused_naming_key_and_line(text: str, where: str) -> None:
    with pytest.raises(ImportRejected) as err:
        load_yaml_text(text, "dup.yaml")
    message = str(err.value)
    assert "duplicate key" in message and where in message
    assert ("'models'" in message) or ("'aliases'" in message)


async def test_colliding_aliases_are_reported_not_dropped(empty_store: CatalogStore) -> None:
    doc = source_doc(
        models=[
            {"name": "Alpha", "aliases": ["shared", "alpha one"]},
            {"name": "Beta", "aliases": ["Shared", "Alpha", "beta one"]},
        ]
    )
    summary = await empty_store.apply(parse_catalog(doc))
    reasons = {(row.where, row.reason) for row in summary.skipped}
    assert reasons == {
        ("model Beta", "alias 'Shared' not added: it already means Alpha"),
        ("model Beta", "alias 'Alpha' not added: it already means Alpha"),
    }
    assert "skipped 2 rows" in summary.describe()
    beta = await empty_store.find_model_id("beta")
    assert await empty_store.aliases(beta) == ["beta one"]
    # Against what the store already holds, too; re-importing the same names is not a clash.
    again = await empty_store.apply(
        parse_catalog(
            source_doc(models=[{"name": "Gamma", "aliases": ["alpha one"]}, doc["models"][0]])
        )
    )
    assert [(r.where, r.reason) for r in again.skipped] == [
        ("model Gamma", "alias 'alpha one' not added: it already means Alpha")
    ]


async def test_duplicate_model_records_are_merged_and_counted(empty_store: CatalogStore) -> None:
    record = {
        "name": "Dup Model",
        "aliases": ["dm"],
        "facts": [{"field": "params", "value": "7B", "source": "s"}],
        "scores": [{"benchmark": "Radar Bench", "value": 50, "source": "s"}],
    }
    doc = source_doc(
        benchmarks=[{"name": "Radar Bench", "unit": "%"}],
        models=[
            {"name": "Other", "aliases": ["o"]},
            record,
            {**record, "name": "dup model", "aliases": ["dm", "dm2"], "org": "Mistral AI"},
            {"name": "Other"},
            record,
        ],
    )
    batch = parse_catalog(doc)
    assert [(m.name, m.aliases, m.org) for m in batch.models] == [
        ("Other", ("o",), None),
        ("Dup Model", ("dm", "dm2"), "Mistral AI"),
    ]
    summary = await empty_store.apply(batch)
    assert summary.merged == 3 and "merged 3 repeated model records" in summary.describe()
    assert summary.added["models"] == 2 and summary.added["aliases"] == 3
    assert summary.added["facts"] == 1 and summary.added["scores"] == 1  # repeats add nothing
    assert summary.skipped == []


async def test_one_batch_links_what_it_adds_itself(empty_store: CatalogStore) -> None:
    """The bulk write path: models, snapshots, aliases and facts that name each other within
    one batch are linked as a row-by-row import links them, clashes still reported."""
    prov = Provenance("bulk", as_of="2026-01-01")
    first = await empty_store.apply(Batch(models=[ModelRec("Old Kappa")]))
    assert first.added["models"] == 1
    batch = Batch(
        sources=[SourceRec("bulk", "Bulk test source", "dataset")],
        models=[
            ModelRec("Kappa 2025-05-01", "Kappa Labs", aliases=("kappa-0501",), parent="Kappa"),
            ModelRec("Kappa", family="Kappa Family"),
            ModelRec("Lambda", aliases=("kappa", "old kappa", "lambda one")),
        ],
        claims=[
            ClaimRec("kappa-0501", "context_window", "1000", prov),
            ClaimRec("lambda one", "context_window", "2000", prov),
        ],
    )
    summary = await empty_store.apply(batch)
    assert summary.added["models"] == 3 and summary.added["facts"] == 2
    assert {(r.where, r.reason) for r in summary.skipped} == {
        ("model Lambda", "alias 'kappa' not added: it already means Kappa"),
        ("model Lambda", "alias 'old kappa' not added: it already means Old Kappa"),
    }
    snap = await empty_store.find_model_id("kappa0501")
    kappa = await empty_store.find_model_id("kappa")
    old = await empty_store.find_model_id("oldkappa")
    assert snap is not None and kappa is not None and old is not None
    assert snap == await empty_store.find_model_id("kappa20250501")
    info = await empty_store.model(snap)
    assert info is not None and (info.parent_id, info.org) == (kappa, "Kappa Labs")
    parent = await empty_store.model(kappa)
    assert parent is not None and parent.family == "Kappa Family"
    assert len({old, kappa, snap}) == 3
    assert [c.value for c in await empty_store.model_claims(snap)] == ["1000"]
    lam = await empty_store.find_model_id("lambdaone")
    assert lam is not None and [c.value for c in await empty_store.model_claims(lam)] == ["2000"]
