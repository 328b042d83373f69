"""Answers that fit a chat (issue 13): each source cited once, numbers as people know them,
qualifiers kept, key facts side by side, digest windows as people read them. Checked through
the offline command line against the bundled raw files."""

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.core.errors import ImportRejected
from bot.core.results import LicenseListing, MatchInfo, ModelReport, ScoreClaim, SourceRef
from bot.core.vocab import Openness
from bot.importers.catalog_yaml import load_catalog_files
from bot.render import limits
from bot.render.cards import CardBuilder
from bot.render.lookups import fact_value, named_score, render_license_listing, render_model
from bot.render.refs import CITATION
from tests.conftest import DATA
from tests.unit.test_cli import run
from tests.unit.test_render import assert_fits

LLMSTATS = DATA / "llmstats" / "models"
CATALOG = DATA / "catalog"


def llmstats(org: str, model: str) -> dict:
    return json.loads((LLMSTATS / org / model / "model.json").read_text())


def catalog_models() -> list[dict]:
    return yaml.safe_load((CATALOG / "10_models.yaml").read_text())["models"]


def page_blocks(text: str) -> list[str]:
    """The CLI's text, one block per page ('== title ==' starts each)."""
    return [b for b in re.split(r"\n\n(?===)", text) if b.strip()]


def assert_citations_listed(text: str) -> None:
    """Every [n] a page cites is listed under its own Sources on that page, once."""
    for block in page_blocks(text):
        body, _, sources = block.partition("-- Sources --")
        cited = {m.group(1) for m in CITATION.finditer(body)}
        listed = re.findall(r"^\[(\d+)\] ", sources, re.MULTILINE)
        assert len(listed) == len(set(listed)), block
        assert cited == set(listed), block


# ---- each source once ---------------------------------------------------------------------


def test_the_phi_4_card_cites_each_link_once(db_path: Path) -> None:
    raw = llmstats("microsoft", "phi-4")
    out = run(db_path, "ask", "model", "phi 4")
    assert out.returncode == 0, out.stderr
    page = out.stdout
    links = {raw["scorecard_blog_link"] or raw["paper_link"], raw["paper_link"]} - {None}
    for url in links:
        assert page.count(url) == 1, (url, page)
    assert page.count("_phi-4_") <= 1  # the row's note once, not on every line
    assert f"{raw['param_count'] / 1e9:.3g}B [1]" in page
    assert "(Data: LLM Stats (CC BY 4.0)" in page  # credits stay (the price sources' follow)
    assert_citations_listed(page)


@pytest.mark.parametrize(
    "args",
    [
        ("compare", "model1=Qwen2.5-Coder 32B Instruct", "model2=Mistral Large 2"),
        ("leaderboard", "benchmark=HumanEval"),
        ("license", "query=apache-2.0"),
    ],
)
def test_compare_leaderboard_and_license_cite_each_source_once(db_path: Path, args) -> None:
    out = run(db_path, "ask", *args)
    assert out.returncode == 0, out.stderr
    assert "-- Sources --" in out.stdout
    assert_citations_listed(out.stdout)
    refs = re.findall(r"^\[\d+\] (.*)$", out.stdout, re.MULTILINE)
    assert len(refs) == len(set(refs)), refs  # no source listed twice
    assert "(CC BY 4.0)" in out.stdout


def test_references_survive_pagination() -> None:
    def source(i: int) -> SourceRef:
        return SourceRef("llmstats", "LLM Stats", "dataset", url=f"https://e.org/{i}/" + "p" * 150)

    listing = LicenseListing(
        "Big",
        "MIT",
        True,
        Openness.OPEN_PERMISSIVE,
        True,
        None,
        tuple((f"Model {i}", source(i % 40)) for i in range(400)),
        ("LLM Stats (CC BY 4.0)",),
    )
    reply = render_license_listing(listing)
    assert len(reply.pages) > 1
    assert_fits(reply)
    for page in reply.pages:
        cited = {int(n) for n in CITATION.findall(page.description)}
        listed = "\n".join(f.value for f in page.fields if f.name.startswith("Sources"))
        assert cited and cited == {int(n) for n in re.findall(r"^\[(\d+)\]", listed, re.M)}
        assert "LLM Stats (CC BY 4.0)" in page.footer


def test_a_value_two_sources_give_is_one_line_citing_both(db_path: Path) -> None:
    record = next(m for m in catalog_models() if m["name"] == "Qwen3.5-Omni")
    dates = [f for f in record["facts"] if f["field"] == "release_date"]
    assert len(dates) == 2 and len({str(f["value"]) for f in dates}) == 1
    out = run(db_path, "ask", "model", "Qwen3.5-Omni")
    assert out.returncode == 0, out.stderr
    released = out.stdout.split("-- Released --\n")[1].split("\n--")[0]
    assert released.count(str(dates[0]["value"])) == 1
    assert re.fullmatch(r"\S+ \[\d+\] \[\d+\]", released.strip()), released
    notes = out.stdout.split("-- Notes --\n")[1].split("\n--")[0].splitlines()
    texts = [re.sub(r" \[\d+\].*$", "", line) for line in notes]
    assert len(texts) == len(set(texts)), notes  # no note twice


# ---- no split facts -----------------------------------------------------------------------


def test_a_fields_claims_move_to_the_next_page_together() -> None:
    card = CardBuilder("t")
    for size in (1000, 1000, 1000, 800):
        card.line("d" * size)
    card.field("filler", ["f" * 1000])  # about 1,150 characters left on this page
    card.field("Released", [f"claim {i} " + "x" * 80 for i in range(20)])  # two field values
    pages = card.build().pages
    holding = [p for p in pages if any(f.name.startswith("Released") for f in p.fields)]
    assert len(holding) == 1 and len(pages) == 2


def test_one_benchmarks_claims_stay_in_one_field() -> None:
    src = SourceRef("s", "Source", "article")
    scores = tuple(
        tuple(ScoreClaim(f"Bench {b}", "%", True, 50 + i, src) for i in range(60)) for b in range(5)
    )
    report = ModelReport(
        "M", None, None, (), (), (), (), False, scores, (), MatchInfo("M", "M", True), ()
    )
    fields = [f for p in render_model(report).pages for f in p.fields]
    parts = [f for f in fields if f.name.startswith("Headline scores")]
    assert len(parts) > 1
    for part in parts:
        assert part.value.startswith("**Bench"), part.value[:40]  # a group starts each part
        assert len(part.value) <= limits.FIELD_VALUE


# ---- numbers ------------------------------------------------------------------------------


def test_token_counts_read_as_people_know_them(db_path: Path) -> None:
    gpt = llmstats("openai", "gpt-4o-2024-05-13")
    qwen = llmstats("qwen", "qwen-2.5-14b-instruct")
    assert (gpt["output_context_size"], qwen["input_context_size"]) == (4096, 131072)
    out = run(db_path, "ask", "model", "gpt-4o-2024-05-13").stdout
    assert "4,096 tokens" in out and "4.1K" not in out
    out = run(db_path, "ask", "model", qwen["name"]).stdout
    assert "128K tokens" in out and "131K" not in out
    assert f"{qwen['output_context_size']:,} tokens" in out  # 8,192


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("output_context", "4096", "4,096 tokens"),
        ("context_window", "131072", "128K tokens"),
        ("context_window", "128000", "128K tokens"),
        ("context_window", "1048576", "1M tokens"),
        ("context_window", "123456", "123,456 tokens"),
        ("params", "14700000000", "14.7B"),
        ("params", "950", "950"),
    ],
)
def test_fact_values(field: str, value: str, shown: str) -> None:
    assert fact_value(field, value) == shown


def test_a_benchmark_named_for_its_unit_says_it_once(db_path: Path) -> None:
    claim = ScoreClaim("Codeforces Elo", "Elo", True, 2150, SourceRef("s", "S", "article"))
    assert named_score(claim) == "Codeforces Elo 2150"
    out = run(db_path, "ask", "compare", "model1=Gemma 4", "model2=Qwen3 32B").stdout
    assert "Elo Elo" not in out and "Codeforces Elo (Elo" not in out
    assert "-- Codeforces Elo (higher is better) --" in out


# ---- qualifiers ---------------------------------------------------------------------------


def test_under_150_ms_keeps_its_qualifier(db_path: Path) -> None:
    seed = next(m for m in catalog_models() if m["name"] == "Fish Audio S2 Pro")
    (score,) = seed["scores"]
    assert score["qualifier"] == "under"
    out = run(db_path, "ask", "model", "Fish Audio S2 Pro").stdout
    assert f"under {score['value']:g} ms" in out
    exported = run(db_path, "ask", "model", "Fish Audio S2 Pro", "--json").stdout
    (group,) = json.loads(exported)["scores"]
    assert group[0]["source"]["qualifier"] == "under"


def test_a_qualifier_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "sources: [{key: s, kind: article, name: S}]\n"
        "benchmarks: [{name: B, unit: ms, higher_is_better: false}]\n"
        "models: [{name: M, scores: [{benchmark: B, value: 1, source: s,"
        " qualifier: roughly}]}]\n"
    )
    with pytest.raises(ImportRejected) as refused:
        load_catalog_files([path])
    assert "qualifier" in str(refused.value) + " ".join(refused.value.problems)


# ---- compare without shared benchmarks ----------------------------------------------------


def test_compare_without_a_shared_benchmark_sets_key_facts_side_by_side(db_path: Path) -> None:
    models = {m["name"]: m for m in catalog_models()}
    voxtral, fish = models["Voxtral TTS"], models["Fish Audio S2 Pro"]
    out = run(db_path, "ask", "compare", "model1=Voxtral TTS", "model2=Fish Audio S2 Pro")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "share no benchmark" in text
    assert f"Time to first audio {voxtral['scores'][0]['value']:g} ms" in text
    assert f"Speech latency under {fish['scores'][0]['value']:g} ms" in text
    modality = text.split("-- Modality --")[1].split("--")[0]
    assert "**Voxtral TTS**" in modality and "**Fish Audio S2 Pro**" in modality
    assert_citations_listed(text)


# ---- digest windows -----------------------------------------------------------------------


def timeline() -> list[dict]:
    return yaml.safe_load((DATA / "releases" / "seed-timeline.yaml").read_text())["entries"]


def test_until_includes_its_day_and_a_past_window_is_not_today(db_path: Path) -> None:
    sora = next(e for e in timeline() if e["title"] == "OpenAI's Sora app goes dark")
    day = str(sora["date"])
    out = run(db_path, "ask", "digest", "since=2026-04-20", f"until={day}")
    assert out.returncode == 0, out.stderr
    assert sora["title"] in out.stdout
    assert "Today" not in out.stdout and "This week" not in out.stdout
    one_day = run(db_path, "ask", "digest", f"since={day}", f"until={day}")
    assert one_day.returncode == 0, one_day.stderr
    assert sora["title"] in one_day.stdout and "Today" not in one_day.stdout
    tokyo = run(db_path, "ask", "digest", f"since={day}", f"until={day}", "timezone=Asia/Tokyo")
    assert "(Asia/Tokyo)" in tokyo.stdout
    bad = run(db_path, "ask", "digest", f"since={day}", "until=2026-04-25")
    assert bad.returncode == 1 and "before until" in bad.stderr
    live = run(db_path, "ask", "digest", "days=1")
    assert "== Today in AI releases ==" in live.stdout


# ---- seed facts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "words", "source"),
    [
        ("Qwen", "113,000 derivative", "seed-003"),
        ("Qwen", "smaller open models", "seed-003"),
        ("Qwen3.6-Plus", "tool-calling", "seed-000"),
        ("Gemma 4", "Delangue", "seed-000"),
        ("Sora", "automated researchers", "seed-000"),
        ("Voxtral TTS", "single GPU", "seed-002"),
        ("Fish Audio S2 Pro", "ElevenLabs", "seed-000"),
        ("Avocado", "code generation", "seed-003"),
    ],
)
def test_seed_facts_are_in_the_catalog_and_answered(
    db_path: Path, model: str, words: str, source: str
) -> None:
    record = next(m for m in catalog_models() if m["name"] == model)
    (fact,) = [f for f in record["facts"] if words in str(f["value"])]
    assert fact["source"] == source  # each fact names its article
    out = run(db_path, "ask", "model", model)
    assert out.returncode == 0, out.stderr
    assert fact["value"] in out.stdout.replace("\n", " ")
