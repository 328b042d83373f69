"""LMArena's published leaderboard: ratings with their 95% CI and votes, bad rows skipped with
their reasons, and overlapping intervals told as statistical ties on /leaderboard and /compare."""

import json
from pathlib import Path

import pytest

from bot.core.errors import ImportRejected
from bot.importers.lmarena import BENCHMARK, load_lmarena_file, parse_lmarena
from tests.unit.test_cli import run

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "lmarena" / "leaderboard.csv"


def raw_rows() -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(FIXTURE.open(encoding="utf-8")))


def test_csv_rows_carry_rating_interval_and_votes() -> None:
    batch = load_lmarena_file(FIXTURE)
    scores = {s.model: s for s in batch.scores}
    for row in raw_rows()[:3]:
        score = scores[row["Model"]]
        assert score.value == float(row["Arena Score"])
        assert score.votes == int(row["Votes"])
        assert score.ci_low is not None and score.ci_high is not None
        assert score.ci_low < score.value < score.ci_high
        assert not score.prov.self_reported  # crowd votes, not a lab's claim
    assert scores["GPT-4o"].ci_low == 1281 and scores["GPT-4o"].ci_high == 1289  # +4/-4
    reasons = {s.reason for s in batch.skipped}
    assert reasons == {
        "Radar No Interval: no 95% CI",
        "Radar Negative Votes: votes '-3' is not a count (0 or more)",
    }


def test_dataset_json_shape_and_its_bad_rows() -> None:
    rows = [
        {
            "model_name": "m-good",
            "rating": 1200.5,
            "rating_lower": 1195.0,
            "rating_upper": 1206.0,
            "vote_count": 800,
            "organization": "Lab",
            "category": "text",
        },
        {
            "model_name": "m-off",
            "rating": 1230,
            "rating_lower": 1300,
            "rating_upper": 1310,
            "vote_count": 5,
        },
        {
            "model_name": "m-coding",
            "rating": 1250,
            "rating_lower": 1240,
            "rating_upper": 1260,
            "category": "coding",
        },
        {"model_name": "m-huge", "rating": 90000, "rating_lower": 1, "rating_upper": 99999},
        {"rating": 1000, "rating_lower": 990, "rating_upper": 1010},
    ]
    batch = parse_lmarena(json.dumps({"rows": [{"row": r} for r in rows]}).encode())
    (score,) = batch.scores
    assert (score.model, score.value, score.ci_low, score.ci_high, score.votes) == (
        "m-good",
        1200.5,
        1195.0,
        1206.0,
        800,
    )
    reasons = [s.reason for s in batch.skipped]
    assert reasons[0] == "m-off: 95% CI 1300–1310 is not around the rating 1230"
    assert "only the overall text board" in reasons[1]
    assert reasons[2].startswith("m-huge: ") and "Elo" in reasons[2]
    assert reasons[3] == "no model name"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name_of_thing,score\nx,1\n", "no model column"),
        (b"{not json", "not valid JSON"),
        (b'{"rows": 3}', "no list of leaderboard rows"),
        ("Model,Score\nx,1\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        parse_lmarena(data, "board.csv")


def test_cli_import_and_interval_ties_on_leaderboard_and_compare(db_path: Path) -> None:
    out = run(db_path, "import", "lmarena", str(FIXTURE))
    assert out.returncode == 0, out.stderr
    assert "skipped row 4: Radar No Interval: no 95% CI" in out.stdout, out.stdout
    board = run(db_path, "ask", "leaderboard", f"benchmark={BENCHMARK.name}")
    assert board.returncode == 0, board.stderr
    lines = board.stdout.splitlines()
    gpt = next(line for line in lines if "GPT-4o" in line)
    qwen = next(line for line in lines if "Qwen2.5 72B Instruct" in line)
    low = next(line for line in lines if "Radar Arena Low" in line)
    # 1285 (1281-1289) and 1281 (1276-1286) overlap; 1250 (1246-1254) overlaps neither.
    assert "statistically tied with #1" in qwen and "statistically tied" not in gpt + low
    assert "confidence intervals overlap" in board.stdout
    tied = run(
        db_path,
        "ask",
        "compare",
        "model1=GPT-4o",
        "model2=Qwen2.5 72B Instruct",
        f"benchmark={BENCHMARK.name}",
    )
    assert tied.returncode == 0, tied.stderr
    assert "≈" in tied.stdout and "🏆" not in tied.stdout, tied.stdout
    clear = run(
        db_path,
        "ask",
        "compare",
        "model1=GPT-4o",
        "model2=Radar Arena Low",
        f"benchmark={BENCHMARK.name}",
    )
    assert "🏆" in clear.stdout and "Statistically tied" not in clear.stdout, clear.stdout


def test_optional_sync_source_needs_a_url(db_path: Path, tmp_path: Path) -> None:
    none = run(db_path, "sync", "lmarena")
    assert none.returncode != 0 and "has no default URL" in none.stdout + none.stderr
    config = tmp_path / "config.yaml"
    config.write_text("sync:\n  sources:\n    lmarena: {cadence_hours: 24}\n")
    bad = run(db_path, "--config", str(config), "ask", "about")
    assert bad.returncode != 0 and "'sync.sources.lmarena.url' is required" in bad.stderr
    synced = run(db_path, "sync", "lmarena", "--from", str(FIXTURE), "--as-of", "2026-11-01")
    assert synced.returncode == 0, synced.stderr
    board = run(db_path, "ask", "leaderboard", f"benchmark={BENCHMARK.name}")
    assert "statistically tied with #1" in board.stdout, board.stdout


def test_a_sync_bringing_an_independent_run_makes_one_entry(db_path: Path, tmp_path: Path) -> None:
    claim = tmp_path / "lab.yaml"
    claim.write_text(
        "sources: [{key: lab-blog, name: Lab blog, kind: vendor}]\n"
        f"benchmarks: [{{name: {BENCHMARK.name}, unit: Elo}}]\n"
        f"models: [{{name: GPT-4o, scores: [{{benchmark: {BENCHMARK.name}, value: 1300,"
        " source: lab-blog, self_reported: true}]}]\n"
    )
    assert run(db_path, "import", "catalog", str(claim)).returncode == 0
    later = tmp_path / "later.csv"  # a later snapshot: another row moved, GPT-4o's the same
    later.write_text(FIXTURE.read_text(encoding="utf-8").replace("1250,±4", "1252,±4"))
    for origin, day in ((FIXTURE, "2026-11-01"), (later, "2026-11-02")):
        out = run(db_path, "sync", "lmarena", "--from", str(origin), "--as-of", day)
        assert out.returncode == 0, out.stderr
    digest = run(db_path, "ask", "digest", "days=1").stdout
    assert digest.count("GPT-4o on LMArena Elo: independent run: 1285 Elo vs 1300 Elo claimed") == 1
    assert "Qwen2.5 72B Instruct on LMArena Elo" not in digest  # no lab claim there
