"""Benchmark identity, evaluation settings, units and openness on leaderboards: importers and
the store as a real SQLite file, and the answers through `python -m bot ask` against the bundled
data (each expected figure is read from the raw files in data/, never written here)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import ImportRejected
from bot.core.names import benchmark_key
from bot.core.scores import parse_setting
from bot.importers.catalog_yaml import parse_catalog
from bot.importers.llmstats import load_llmstats
from bot.store import CatalogStore, Database
from tests.conftest import DATA
from tests.unit.test_cli import run

LLMSTATS = DATA / "llmstats" / "models"


def llmstats_scores(model: str) -> list[dict]:
    """A model's raw LLM Stats metrics, found by its name."""
    for path in LLMSTATS.glob("*/*/model.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["name"] == model:
            return data["qualitative_metrics"]
    raise LookupError(model)


def percent(fraction: float) -> str:
    return f"{round(fraction * 100, 4):.4g}%"


# ---- identity and settings as parsed --------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HumanEval+", "HumanEval"),
        ("MBPP+", "MBPP"),
        ("Graphwalks BFS <128k", "Graphwalks BFS >128k"),
        ("Codegolf v2.2", "Codegolf v22"),
        ("LiveCodeBench v5", "LiveCodeBench v6"),
    ],
)
def test_different_benchmarks_keep_different_keys(a: str, b: str) -> None:
    assert benchmark_key(a) != benchmark_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("MT-Bench", "MT-bench"),
        ("Graphwalks bfs <128k", "Graphwalks BFS <128k"),
        ("MM MT-Bench", "MM-MT-Bench"),
    ],
)
def test_spelling_of_one_benchmark_folds_to_one_key(a: str, b: str) -> None:
    assert benchmark_key(a) == benchmark_key(b)


@pytest.mark.parametrize(
    ("text", "label", "key"),
    [
        ("Cons@64", "cons@64", "cons@64"),
        ("Pass@1", "pass@1", ""),
        ("0-shot, pass@1", "0-shot, pass@1", ""),
        ("5 shot COT", "5-shot, CoT", "5-shot, CoT"),
        ("v5", "v5", "v5"),
        ("pass@1 (with python tool)", "pass@1, with tools", "with tools"),
        ("accuracy (no tools)", "", ""),
        ("Accuracy", "", ""),
        ("", "", ""),
    ],
)
def test_settings_are_read_from_free_text(text: str, label: str, key: str) -> None:
    setting = parse_setting(text)
    assert (setting.label, setting.key) == (label, key)


# ---- importers and the store ----------------------------------------------------------------


def write_llmstats(root: Path, metrics: list[dict]) -> Path:
    model = root / "models" / "nvidia" / "m1"
    model.mkdir(parents=True)
    (model / "model.json").write_text(
        json.dumps({"name": "M1", "license": "apache-2.0", "qualitative_metrics": metrics})
    )
    return root


def test_llmstats_keeps_settings_and_scores_out_of_ten(tmp_path: Path) -> None:
    batch = load_llmstats(
        write_llmstats(
            tmp_path,
            [
                {"dataset_name": "AIME 2024", "score": 0.71, "analysis_method": "Pass@1"},
                {"dataset_name": "AIME 2024", "score": 0.867, "analysis_method": "Cons@64"},
                {"dataset_name": "MT-Bench", "score": 8.99, "analysis_method": "Chat"},
                {"dataset_name": "MT-bench", "score": 0.902, "analysis_method": "Score"},
            ],
        )
    )
    assert {(s.benchmark, s.value, s.setting) for s in batch.scores} == {
        ("AIME 2024", 71.0, "pass@1"),
        ("AIME 2024", 86.7, "cons@64"),
        ("MT-Bench", 8.99, ""),
        ("MT-bench", 9.02, ""),
    }
    assert {b.unit for b in batch.benchmarks if benchmark_key(b.name) == "mtbench"} == {"/10"}


def test_llmstats_out_of_range_score_is_skipped_with_its_reason(tmp_path: Path) -> None:
    batch = load_llmstats(write_llmstats(tmp_path, [{"dataset_name": "MT-Bench", "score": 12.5}]))
    assert batch.scores == []
    assert [(r.where, r.reason) for r in batch.skipped] == [
        (
            "nvidia/m1",
            "MT-Bench: score 12.5 is not a score out of 10 (nor a fraction of 10); not imported",
        )
    ]


def yaml_doc(*scores: dict) -> dict:
    return {
        "sources": [{"key": "s", "name": "S", "kind": "article"}],
        "benchmarks": [
            {"name": "HumanEval", "unit": "%"},
            {"name": "HumanEval+", "unit": "%"},
            {"name": "MT-Bench", "unit": "/10"},
        ],
        "models": [{"name": "M", "scores": list(scores)}],
    }


def test_catalog_yaml_reads_a_setting_and_refuses_a_bad_one() -> None:
    batch = parse_catalog(
        yaml_doc({"benchmark": "HumanEval", "value": 90, "setting": "0-shot pass@1", "source": "s"})
    )
    assert [s.setting for s in batch.scores] == ["0-shot, pass@1"]
    with pytest.raises(ImportRejected) as err:
        parse_catalog(
            yaml_doc({"benchmark": "HumanEval", "value": 90, "setting": "loud", "source": "s"})
        )
    assert "setting 'loud' names no known part" in str(err.value)
    with pytest.raises(ImportRejected) as err:
        parse_catalog(yaml_doc({"benchmark": "MT-Bench", "value": 85, "source": "s"}))
    assert "85 is not a score out of 10" in str(err.value)


async def test_store_keeps_plus_benchmarks_and_settings_apart(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "catalog.db")
    try:
        store = CatalogStore(db)
        await store.apply(
            parse_catalog(
                yaml_doc(
                    {"benchmark": "HumanEval", "value": 83.5, "source": "s"},
                    {"benchmark": "HumanEval+", "value": 51.2, "source": "s"},
                    {"benchmark": "MT-Bench", "value": 8, "setting": "pass@1", "source": "s"},
                    {"benchmark": "MT-Bench", "value": 8, "setting": "cons@64", "source": "s"},
                )
            )
        )
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "catalog.db") as conn:
        rows = conn.execute(
            "SELECT b.name, s.value, s.setting, s.setting_key FROM scores s"
            " JOIN benchmarks b ON b.id = s.benchmark_id ORDER BY s.id"
        ).fetchall()
    assert rows == [
        ("HumanEval", 83.5, "", ""),
        ("HumanEval+", 51.2, "", ""),
        ("MT-Bench", 8.0, "pass@1", ""),
        ("MT-Bench", 8.0, "cons@64", "cons@64"),
    ]


# ---- the answers, through the offline CLI ---------------------------------------------------


def ask(db: Path, *args: str) -> str:
    out = run(db, "ask", *args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def board_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1].isdigit() and ". **" in line]


def test_humaneval_open_board_is_led_by_the_humaneval_leader_not_humaneval_plus(
    db_path: Path,
) -> None:
    coder = next(
        m for m in llmstats_scores("Qwen2.5-Coder 32B Instruct") if m["dataset_name"] == "HumanEval"
    )
    plus = next(m for m in llmstats_scores("Phi 4 Reasoning") if m["dataset_name"] == "HumanEval+")
    assert plus["score"] > coder["score"]  # the raw data: the merge put Phi 4 Reasoning first
    text = ask(db_path, "leaderboard", "benchmark=HumanEval", "openness=open")
    rows = board_lines(text)
    assert rows[0].startswith(f"1. **Qwen2.5-Coder 32B Instruct** — {percent(coder['score'])}")
    assert "Phi 4 Reasoning" not in text
    assert "filter: open weights (any terms)" in text
    assert "terms not stated" not in text
    plus_board = ask(db_path, "leaderboard", "benchmark=HumanEval+")
    assert board_lines(plus_board)[0].startswith(
        f"1. **Phi 4 Reasoning** — {percent(plus['score'])}"
    )


def test_qwen25_14b_humaneval_and_humaneval_plus_are_not_a_disagreement(db_path: Path) -> None:
    raw = {m["dataset_name"]: m["score"] for m in llmstats_scores("Qwen2.5 14B Instruct")}
    out = run(
        db_path, "ask", "compare", "model1=Qwen2.5 14B Instruct", "model2=Qwen2.5 32B Instruct"
    )
    assert out.returncode == 0, out.stderr
    assert "sources disagree" not in out.stdout
    assert percent(raw["HumanEval"]) in out.stdout and percent(raw["HumanEval+"]) in out.stdout
    assert "-- HumanEval+ (%" in out.stdout and "-- HumanEval (%" in out.stdout


def test_cons64_and_pass1_are_settings_not_a_disagreement(db_path: Path) -> None:
    raw = {
        m["analysis_method"]: m["score"]
        for m in llmstats_scores("DeepSeek R1 Zero")
        if m["dataset_name"] == "AIME 2024"
    }
    text = ask(db_path, "model", "name=DeepSeek R1 Zero")
    assert f"{percent(raw['Pass@1'])} (pass@1)" in text
    assert f"{percent(raw['Cons@64'])} (cons@64)" in text
    assert "**AIME 2024** · cons@64" in text
    assert "sources disagree" not in text
    board = ask(db_path, "leaderboard", "benchmark=AIME 2024", "setting=cons@64", "limit=25")
    assert "Leaderboard: AIME 2024 · cons@64" in board
    assert all("(cons@64)" in line for line in board_lines(board))
    standard = ask(db_path, "leaderboard", "benchmark=AIME 2024", "limit=25")
    assert "cons@64" not in "\n".join(board_lines(standard))
    assert "Other settings, ranked apart" in standard and "cons@64:" in standard


def test_leaderboard_setting_bad_input(db_path: Path) -> None:
    out = run(db_path, "ask", "leaderboard", "benchmark=AIME 2024", "setting=loudly")
    assert out.returncode == 1 and "Unknown setting 'loudly'" in out.stderr
    out = run(db_path, "ask", "leaderboard", "benchmark=HumanEval+", "setting=cons@64")
    assert out.returncode == 1 and "No HumanEval+ scores under the setting 'cons@64'" in out.stderr


def test_mt_bench_is_out_of_ten_and_ranks_by_it(db_path: Path) -> None:
    raw = {}
    for path in LLMSTATS.glob("*/*/model.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for m in data["qualitative_metrics"]:
            if benchmark_key(m["dataset_name"]) == "mtbench":
                raw[data["name"]] = m["score"] * 10 if m["score"] <= 1 else m["score"]
    text = ask(db_path, "leaderboard", "benchmark=MT-Bench", "limit=25")
    assert "/10, higher is better" in text
    shown = [line.split("— ")[1].split("/10")[0] for line in board_lines(text)]
    assert [float(v) for v in shown] == sorted((round(v, 4) for v in raw.values()), reverse=True)
    nemotron = next(
        line for line in board_lines(text) if "Nemotron-70B" in line or "Nemotron 70B" in line
    )
    assert "— 8.99/10" in nemotron and "%" not in nemotron.split(" · ")[0]


def test_disputed_openness_is_marked_on_both_boards(db_path: Path) -> None:
    for openness in ("open", "api_only"):
        text = ask(db_path, "leaderboard", "benchmark=MMMU", f"openness={openness}")
        omni = next(line for line in board_lines(text) if "**Qwen3.5-Omni**" in line)
        assert "⚠ openness disputed (2 API only, 1 open weights (permissive))" in omni
        assert "listed under every class a source claims for it" in text
        assert "only API only" not in text


def test_license_query_open_lists_every_open_class(db_path: Path) -> None:
    text = ask(db_path, "license", "query=open")
    assert text.startswith("== open weights (any terms) ==")
    for label in (
        "open weights (permissive)",
        "open weights (restricted)",
        "open weights (non-commercial)",
    ):
        assert f"· {label} [" in text


def test_compare_shows_each_scores_setting(db_path: Path) -> None:
    raw = [m for m in llmstats_scores("DeepSeek R1 Zero") if m["dataset_name"] == "AIME 2024"]
    text = ask(db_path, "compare", "model1=DeepSeek R1 Zero", "model2=DeepSeek-R1")
    pass1 = next(m for m in raw if m["analysis_method"] == "Pass@1")
    assert f"**DeepSeek R1 Zero**: {percent(pass1['score'])} (pass@1)" in text
    assert "sources disagree" not in text
