"""Epoch AI's 'Data on AI Models' CSV: columns mapped by header name, any snapshot."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from bot.core.errors import ImportRejected
from bot.core.hub import hf_repo_id
from bot.core.identity import epoch_snapshot
from bot.core.licenses import openness_from_epoch
from bot.core.names import clean_text, normalize
from bot.core.records import Batch, ModelRec, Provenance, SkippedRow
from bot.importers.common import EPOCH_SOURCE, BatchBuilder, parse_date, parse_number
from bot.importers.crosswalk import Crosswalk, load_crosswalk

MAX_BYTES = 20 * 1024 * 1024
# Our field -> Epoch's header (matched after normalisation, so case and punctuation do not matter).
COLUMNS = {
    "model": "Model",
    "org": "Organization",
    "date": "Publication date",
    "domain": "Domain",
    "params": "Parameters",
    "params_notes": "Parameters notes",
    "access": "Model accessibility",
    "link": "Link",
    "compute": "Training compute (FLOP)",
    "hardware": "Training hardware",
    "base": "Base model",
}
_ACTIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([BT])\s*active", re.IGNORECASE)
_MULTIPLIER = {"B": 1e9, "T": 1e12}


def parse_epoch_csv(
    data: bytes, origin: str = "Epoch CSV", crosswalk: Crosswalk | None = None
) -> Batch:
    """Validate and convert an Epoch CSV into a batch; a file that is not one is rejected.
    Rows map to models and snapshots by the identity rules and the crosswalk (the bundled one
    unless given)."""
    crosswalk = load_crosswalk() if crosswalk is None else crosswalk
    if len(data) > MAX_BYTES:
        raise ImportRejected(f"{origin} is {len(data):,} bytes; the limit is {MAX_BYTES:,}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            f"{origin} is not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from exc
    if "\x00" in text:
        raise ImportRejected(f"{origin} contains NUL bytes; it is not a CSV file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportRejected(f"{origin} has no header row.") from exc
    index = _map_columns(header, origin)
    builder = BatchBuilder(EPOCH_SOURCE)
    line = 1
    try:
        for line, row in enumerate(reader, start=2):
            _convert_row(builder, row, len(header), index, f"row {line}", crosswalk)
    except csv.Error as exc:
        raise ImportRejected(f"{origin} is corrupt near row {line + 1}: {exc}") from exc
    return builder.batch


def _map_columns(header: list[str], origin: str) -> dict[str, int]:
    by_norm = {normalize(name): i for i, name in enumerate(header)}
    index = {
        key: by_norm[normalize(col)] for key, col in COLUMNS.items() if normalize(col) in by_norm
    }
    if "model" not in index:
        shown = ", ".join(header[:8]) + (" ..." if len(header) > 8 else "")
        raise ImportRejected(
            f"{origin} has no 'Model' column, so it is not an Epoch models CSV (columns: {shown})."
        )
    return index


def epoch_record(
    name: str, org: str | None, published: str | None, crosswalk: Crosswalk
) -> ModelRec:
    """The catalog record of one Epoch row: 'GPT-4o (Aug 2024)' is GPT-4o's snapshot of
    2024-08-06 (its publication date); the crosswalk settles rows the label does not."""
    target = crosswalk.target("epoch", name)
    snap = target.as_snapshot() if target else epoch_snapshot(name, published)
    if snap is not None:
        # The row's own name is kept as an alias, unless it is the model's name.
        aliases = (name,) if normalize(name) != normalize(snap.model) else ()
        return ModelRec(snap.name, org, aliases=aliases, parent=snap.model, snapshot=snap.date)
    if target is not None:
        return ModelRec(target.model, org=org, aliases=(name,))
    return ModelRec(name, org=org)


def _convert_row(
    builder: BatchBuilder,
    row: list[str],
    width: int,
    index: dict[str, int],
    where: str,
    crosswalk: Crosswalk,
) -> None:
    skipped = builder.batch.skipped
    if not any(cell.strip() for cell in row):
        return
    if len(row) != width:
        skipped.append(
            SkippedRow(
                where, f"has {len(row)} fields, the header has {width} (truncated or corrupt)"
            )
        )
        return

    def cell(key: str) -> str:
        return clean_text(row[index[key]]) if key in index else ""

    name = cell("model")[:200]
    if not normalize(name):
        skipped.append(SkippedRow(where, "no model name"))
        return
    where = f"{where} ({name})"
    orgs = [o.strip() for o in cell("org").split(",") if o.strip()]
    date_text = cell("date")
    date = parse_date(date_text) if date_text else None
    rec = epoch_record(name, orgs[0] if orgs else None, date, crosswalk)
    builder.model(rec)
    name = rec.name
    prov = Provenance("epoch", url=_first_url(cell("link")))
    if date_text:
        if date is None:
            skipped.append(
                SkippedRow(where, f"publication date {date_text!r} is not a date; left out")
            )
        else:
            builder.fact(name, "release_date", date, prov)
    params = parse_number(cell("params"))
    if cell("params") and (params is None or params <= 0):
        skipped.append(SkippedRow(where, f"parameters {cell('params')!r} is not a positive number"))
    elif params:
        builder.fact(name, "params", int(params), prov)
    active = _ACTIVE.search(cell("params_notes"))
    if active:
        builder.fact(
            name, "active_params", int(float(active[1]) * _MULTIPLIER[active[2].upper()]), prov
        )
    if cell("domain"):
        modality = ",".join(d.strip().lower() for d in cell("domain").split(",") if d.strip())
        builder.fact(name, "modality", modality, prov)
    openness = openness_from_epoch(cell("access"))
    if openness is not None:
        builder.license_claim(name, None, openness, prov)
    _training_facts(builder, name, cell("compute"), cell("hardware"), where, prov)
    # Epoch's 'Base model' is the model this one was fine-tuned from; a model built on
    # several (a language model and a vision encoder) names each, comma-separated.
    for base in cell("base").split(","):
        builder.lineage(name, base, "finetune", prov)
    repo = hf_repo_id(_first_url(cell("link")))
    if repo:
        builder.fact(name, "hf_repo", repo, prov)


def _training_facts(
    builder: BatchBuilder, name: str, compute: str, hardware: str, where: str, prov: Provenance
) -> None:
    """Training compute in FLOP (kept to 4 significant digits, as Epoch estimates it) and the
    hardware it ran on."""
    flop = parse_number(compute)
    if compute and (flop is None or flop <= 0):
        builder.batch.skipped.append(
            SkippedRow(where, f"training compute {compute!r} is not a positive number")
        )
    elif flop:
        builder.fact(name, "training_compute", f"{flop:.4g}", prov)
    if hardware:
        builder.fact(name, "training_hardware", hardware[:200], prov)


def _first_url(text: str) -> str | None:
    for part in text.split():
        if part.startswith(("http://", "https://")):
            return part[:500]
    return None


def load_epoch_file(path: Path) -> Batch:
    return parse_epoch_csv(path.read_bytes(), origin=path.name)
