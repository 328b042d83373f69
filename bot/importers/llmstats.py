"""LLM Stats' JSON: one `models/<org>/<id>/model.json` per model, scores as fractions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.core.errors import ImportRejected
from bot.core.hub import hf_repo_id
from bot.core.identity import snapshot_date, snapshot_name
from bot.core.names import benchmark_key, clean_text
from bot.core.records import Batch, BenchmarkRec, ModelRec, Provenance, SkippedRow
from bot.core.scores import parse_setting
from bot.core.vocab import Openness
from bot.importers.common import LLMSTATS_SOURCE, BatchBuilder, parse_date, parse_number
from bot.importers.crosswalk import Crosswalk, load_crosswalk

MAX_FILE_BYTES = 2 * 1024 * 1024
# LLM Stats' organisation folders -> organisation names as the catalog knows them.
ORG_FOLDERS = {
    "ai21": "AI21 Labs",
    "amazon": "Amazon",
    "anthropic": "Anthropic",
    "cohere": "Cohere",
    "deepseek": "DeepSeek",
    "google": "Google",
    "ibm": "IBM",
    "meta": "Meta",
    "microsoft": "Microsoft",
    "mistral": "Mistral AI",
    "moonshotai": "Moonshot AI",
    "nvidia": "NVIDIA",
    "openai": "OpenAI",
    "qwen": "Alibaba",
    "xai": "xAI",
}
# Benchmarks rated out of 10 (identity keys, `benchmark_key`), not as percentages.
OUT_OF_TEN = frozenset({"mtbench", "mmmtbench"})
# Benchmarks whose figures are error rates or ranks: lower wins.
LOWER_IS_BETTER = ("wer", "commonvoice", "librispeech", "errorrate")


def load_llmstats(path: Path, crosswalk: Crosswalk | None = None) -> Batch:
    """Import a LLM Stats checkout (its root or `models/` folder) or a single model.json;
    records map to models and snapshots by the identity rules and the crosswalk (the bundled
    one unless given)."""
    crosswalk = load_crosswalk() if crosswalk is None else crosswalk
    if path.is_file():
        files = [path]
    else:
        root = path / "models" if (path / "models").is_dir() else path
        files = sorted(root.glob("*/*/model.json"))
        if not files:
            raise ImportRejected(f"{path} holds no models/<org>/<id>/model.json files.")
    builder = BatchBuilder(LLMSTATS_SOURCE)
    for file in files:
        where = "/".join(file.parts[-3:-1])
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES:,} bytes")
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            builder.batch.skipped.append(SkippedRow(where, f"unreadable JSON: {exc}"))
            continue
        org_folder = file.parts[-3] if len(file.parts) >= 3 else ""
        _convert_model(builder, data, file.parts[-2], ORG_FOLDERS.get(org_folder), where, crosswalk)
    return builder.batch


def llmstats_record(
    name: str, model_id: str, org: str | None, released: str | None, crosswalk: Crosswalk
) -> ModelRec:
    """The catalog record of one LLM Stats model: a dated snapshot when its id carries a date
    (`gpt-4o-2024-08-06` is GPT-4o's snapshot of that day), else the model itself."""
    target = crosswalk.target("llmstats", model_id) or crosswalk.target("llmstats", name)
    if target is not None:
        snap = target.as_snapshot()
        if snap is None:
            return ModelRec(target.model, org=org, aliases=(name, model_id))
        return ModelRec(snap.name, org, aliases=(model_id,), parent=snap.model, snapshot=snap.date)
    dated = snapshot_date(model_id, released)
    if dated is None:
        return ModelRec(name, org=org, aliases=(model_id,))
    date = dated[1]
    return ModelRec(snapshot_name(name, date), org, aliases=(model_id,), parent=name, snapshot=date)


def _convert_model(
    builder: BatchBuilder,
    data: Any,
    model_id: str,
    org: str | None,
    where: str,
    crosswalk: Crosswalk,
) -> None:
    skipped = builder.batch.skipped
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        skipped.append(SkippedRow(where, "not a model object with a 'name'"))
        return
    date = parse_date(data.get("release_date") or "")
    rec = llmstats_record(clean_text(data["name"])[:200], model_id, org, date, crosswalk)
    builder.model(rec)
    name = rec.name
    link = data.get("scorecard_blog_link") or data.get("paper_link") or data.get("api_ref_link")
    prov = Provenance("llmstats", url=link if isinstance(link, str) else None, note=model_id)
    if date:
        builder.fact(name, "release_date", date, prov)
    for key, field in (
        ("input_context_size", "context_window"),
        ("output_context_size", "output_context"),
        ("param_count", "params"),
    ):
        number = parse_number(data.get(key))
        if number and number > 0:
            builder.fact(name, field, int(number), prov)
    if isinstance(data.get("multimodal"), bool):
        builder.fact(name, "modality", "multimodal" if data["multimodal"] else "language", prov)
    if isinstance(data.get("license"), str) and data["license"].strip():
        has_weights = bool(data.get("weights_link"))
        openness = None
        if data["license"].strip().casefold() == "proprietary":
            openness = Openness.API_ONLY
        builder.license_claim(name, data["license"], openness, prov)
        if has_weights and openness is Openness.API_ONLY:
            skipped.append(SkippedRow(where, "proprietary license but a weights link; kept both"))
    base = data.get("fine_tuned_from_model_id")
    if isinstance(base, str) and base.strip():
        builder.lineage(name, clean_text(base), "finetune", prov)
    weights = data.get("weights_link")
    repo = hf_repo_id(weights) if isinstance(weights, str) else None
    if repo:
        builder.fact(name, "hf_repo", repo, prov)
    for metric in data.get("qualitative_metrics") or []:
        _convert_score(builder, name, metric, where)


def _convert_score(builder: BatchBuilder, model: str, metric: Any, where: str) -> None:
    if not isinstance(metric, dict) or not isinstance(metric.get("dataset_name"), str):
        builder.batch.skipped.append(SkippedRow(where, "a score without a dataset_name"))
        return
    value = parse_number(metric.get("score"))
    bench = clean_text(metric["dataset_name"])[:100]
    if value is None or value < 0:
        builder.batch.skipped.append(SkippedRow(where, f"{bench}: score {metric.get('score')!r}"))
        return
    # Fractions become percentages (or scores out of 10, for the benchmarks rated so). A few
    # rows give a percentage already (kept, with a note) or a rating such as a Codeforces Elo
    # (kept apart, so it never ranks against percentages).
    method = metric.get("analysis_method")
    note = method if isinstance(method, str) else None
    setting = parse_setting(note).label
    converted = _scaled(bench, value)
    if isinstance(converted, str):
        builder.batch.skipped.append(SkippedRow(where, f"{bench}: {converted}"))
        return
    bench, value, unit, given = converted
    if given:
        note = "; ".join(filter(None, [note, given]))
    lower = any(key in bench.casefold().replace(" ", "") for key in LOWER_IS_BETTER)
    builder.benchmark(BenchmarkRec(bench, unit, higher_is_better=not lower))
    link = metric.get("source_link")
    prov = Provenance(
        "llmstats",
        url=link if isinstance(link, str) and link.startswith("http") else None,
        as_of=parse_date(metric.get("date_recorded") or ""),
        self_reported=bool(metric.get("is_self_reported")),
        note=note,
    )
    builder.score(model, bench, value, prov, setting)


def _scaled(bench: str, value: float) -> tuple[str, float, str, str | None] | str:
    """The score in its benchmark's unit: (benchmark, value, unit, how it was given), or why
    it cannot be one. LLM Stats gives fractions; scores out of 10 appear as fractions of 10 or
    as the rating itself (Nemotron 70B's MT-Bench 8.99)."""
    if benchmark_key(bench) in OUT_OF_TEN:
        if value <= 1.0:
            return bench, round(value * 10, 4), "/10", None
        if value <= 10:
            return bench, value, "/10", f"given as {value} in the source, read as out of 10"
        return f"score {value:g} is not a score out of 10 (nor a fraction of 10); not imported"
    if value <= 1.0:
        return bench, round(value * 100, 4), "%", None
    if value <= 100:
        return bench, value, "%", f"given as {value} in the source, read as a percentage"
    return f"{bench} (rating)", value, "score", None
