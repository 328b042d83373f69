"""What the price sources (LiteLLM, genai-prices) share: reading a bundled snapshot, turning
a source's model id into catalog names, provider keys, and checking a price figure."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import yaml

from bot.core.errors import ImportRejected
from bot.core.identity import snapshot_date, snapshot_name
from bot.core.prices import MAX_PRICE
from bot.core.records import ModelRec
from bot.importers.common import parse_date, parse_number
from bot.sync.adapter import Fetched

MAX_BYTES = 64 * 1024 * 1024
_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,40}$")
# One provider under one key whichever source names it (LiteLLM's and genai-prices' ids).
PROVIDER_KEYS = {
    "bedrock_converse": "bedrock",
    "bedrock_mantle": "bedrock",
    "aws": "bedrock",
    "text-completion-openai": "openai",
    "cohere_chat": "cohere",
    "gemini": "google",
    "x-ai": "xai",
    "together": "together_ai",
    "fireworks": "fireworks_ai",
    "moonshotai": "moonshot",
}


def provider_key(raw: object) -> str | None:
    """The normalised provider key ('vertex_ai-anthropic_models' -> 'vertex_ai'), or None
    when the value is no provider name."""
    if not isinstance(raw, str):
        return None
    key = raw.strip().lower()
    if key.startswith("vertex_ai"):
        key = "vertex_ai"
    key = PROVIDER_KEYS.get(key, key)
    return key if _PROVIDER.match(key) else None


def catalog_model(model_id: str, org: str | None = None) -> ModelRec:
    """The catalog record a source's bare model id names: a dated id is that day's snapshot
    of its model (`gpt-4o-2024-08-06`), else the model itself."""
    dated = snapshot_date(model_id)
    if dated is None or not dated[0]:
        return ModelRec(model_id, org=org)
    base, date = dated
    return ModelRec(snapshot_name(base, date), org, aliases=(model_id,), parent=base, snapshot=date)


def per_million(value: object, per: float) -> float | str | None:
    """A price figure as dollars per 1M tokens (`value` × `per`), None when absent, or the
    reason it is no price (negative, not a number, absurdly large)."""
    if value is None:
        return None
    number = parse_number(value)
    if number is None:
        return f"price {str(value)[:30]!r} is not a number"
    if number < 0:
        return f"negative price {number:g}"
    figure = round(number * per, 6)
    if figure > MAX_PRICE:
        return f"price ${figure:,.2f} per 1M tokens is past any real price"
    return figure


def load_json(fetched: Fetched, what: str) -> Any:
    """The body as JSON, or `ImportRejected` saying why not (truncated, not JSON, too big)."""
    if len(fetched.body) > MAX_BYTES:
        raise ImportRejected(f"{what}: larger than {MAX_BYTES:,} bytes; nothing was imported.")
    try:
        return json.loads(fetched.body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportRejected(
            f"{what} is not valid JSON (truncated?): {exc}; nothing was imported."
        ) from exc


def read_file(path: Path, url: str, as_of: str | None, version: str | None = None) -> Fetched:
    """A file as the sync engine would hand it over; `as_of` defaults to the file's own day
    (its SOURCE.yaml beside it for a bundled snapshot, else its modification date)."""
    if path.stat().st_size > MAX_BYTES:  # refused before it is read into memory
        raise ImportRejected(f"{path.name}: larger than {MAX_BYTES:,} bytes; nothing was imported.")
    meta = snapshot_meta(path)
    day = as_of or meta.get("as_of")
    if day is None:
        day = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    checked = parse_date(day)
    if checked is None or len(checked) != 10:
        raise ImportRejected(f"--as-of must be a date like 2026-04-01, got '{str(day)[:30]}'.")
    return Fetched(path.read_bytes(), url, checked, version=version or meta.get("version"))


def snapshot_meta(path: Path) -> dict[str, str]:
    """The SOURCE.yaml beside a bundled snapshot (version, as_of), if there is one."""
    meta = path.parent / "SOURCE.yaml"
    if not meta.exists():
        return {}
    data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if v is not None}
