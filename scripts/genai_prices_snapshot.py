"""One-off: read genai-prices' generated data.py (a Python literal of Provider(...) calls) with
`ast` -- no import, no pydantic -- and write the providers and their model prices as JSON in
the shape of upstream's prices/data.json (id, name, pricing_urls, models[id, name,
context_window, deprecated, prices: {..} or [{constraint: {start_date}, prices: {..}}]])."""
import ast, json, sys
from decimal import Decimal

KEEP_PROVIDER = {"id", "name", "pricing_urls", "models"}
KEEP_MODEL = {"id", "name", "context_window", "deprecated", "prices"}

def conv(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [conv(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {conv(k): conv(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call):
        fname = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if fname == "Decimal":
            return float(Decimal(conv(node.args[0])))
        if fname in ("datetime.date", "date"):
            y, m, d = (conv(a) for a in node.args)
            return f"{y:04d}-{m:02d}-{d:02d}"
        if fname in ("datetime.time", "time"):
            parts = [conv(a) for a in node.args]
            return ":".join(f"{p:02d}" for p in parts[:3])
        kw = {k.arg: conv(k.value) for k in node.keywords if k.arg}
        if fname == "Provider":
            return {k: v for k, v in kw.items() if k in KEEP_PROVIDER}
        if fname == "ModelInfo":
            return {k: v for k, v in kw.items() if k in KEEP_MODEL and v is not None}
        if fname == "StartDateConstraint":
            return {"start_date": kw["start_date"]}
        if fname == "TimeOfDateConstraint":
            return {"start_time": kw.get("start_time"), "end_time": kw.get("end_time")}
        if fname == "ModelPrice":
            return {k: v for k, v in kw.items() if v is not None}
        if fname in ("ConditionalPrice", "TieredPrices", "Tier"):
            return kw
        return None  # match clauses, extractors: not needed for prices
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -conv(node.operand)
    raise ValueError(ast.dump(node)[:200])

tree = ast.parse(open(sys.argv[1]).read())
for stmt in tree.body:
    if isinstance(stmt, ast.AnnAssign) and stmt.target.id == "providers":
        data = conv(stmt.value)
json.dump(data, open(sys.argv[2], "w"), indent=1, sort_keys=False)
print(len(data), "providers", sum(len(p["models"]) for p in data), "models")
