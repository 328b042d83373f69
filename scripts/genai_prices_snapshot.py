"""Write data/genai-prices/data.json from the genai-prices wheel's generated `data.py`.

The wheel ships its prices as a Python literal of `Provider(...)` calls (no JSON file), and
importing it needs pydantic, which the bot does not use. This reads the literal with `ast`
(nothing is imported or run) and writes the providers and their model prices in the shape of
upstream's prices/data.json: id, name, pricing_urls, models[id, name, context_window,
deprecated, prices: {...} or [{constraint: {start_date}, prices: {...}}]].

    cd /tmp && pip download --no-deps genai-prices && unzip genai_prices-*.whl
    python scripts/genai_prices_snapshot.py /tmp/genai_prices/data.py data/genai-prices/data.json

Then record the version in data/genai-prices/SOURCE.yaml.
"""

from __future__ import annotations

import ast
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

KEEP_PROVIDER = {"id", "name", "pricing_urls", "models"}
KEEP_MODEL = {"id", "name", "context_window", "deprecated", "prices"}


def convert(node: ast.AST) -> Any:
    """The JSON value of one literal node (calls become dicts of their keywords)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [convert(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {convert(k): convert(v) for k, v in zip(node.keys, node.values, strict=True) if k}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -convert(node.operand)
    if isinstance(node, ast.Call):
        return _call(node)
    raise ValueError(ast.dump(node)[:200])


def _call(node: ast.Call) -> Any:
    name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
    if name == "Decimal":
        return float(Decimal(convert(node.args[0])))
    if name in ("datetime.date", "date"):
        year, month, day = (convert(a) for a in node.args)
        return f"{year:04d}-{month:02d}-{day:02d}"
    if name in ("datetime.time", "time"):
        return ":".join(f"{convert(a):02d}" for a in node.args[:3])
    kw = {k.arg: convert(k.value) for k in node.keywords if k.arg}
    if name == "Provider":
        return {k: v for k, v in kw.items() if k in KEEP_PROVIDER}
    if name == "ModelInfo":
        return {k: v for k, v in kw.items() if k in KEEP_MODEL and v is not None}
    if name == "StartDateConstraint":
        return {"start_date": kw["start_date"]}
    if name == "TimeOfDateConstraint":
        return {"start_time": kw.get("start_time"), "end_time": kw.get("end_time")}
    if name == "ModelPrice":
        return {k: v for k, v in kw.items() if v is not None}
    if name in ("ConditionalPrice", "TieredPrices", "Tier"):
        return kw
    return None  # match clauses, usage extractors: not needed for prices


def main(source: Path, target: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == "providers"
            and stmt.value is not None
        ):
            data = convert(stmt.value)
            target.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            models = sum(len(p["models"]) for p in data)
            print(f"{len(data)} providers, {models} models -> {target}")
            return
    raise SystemExit(f"{source}: no 'providers' list found")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
