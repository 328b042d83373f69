"""The curated catalog's YAML format (`data/catalog/*.yaml`): parsing and strict validation.

Every problem is reported with its place in the document; a document with any problem is
rejected whole, so a half-valid file never reaches the store.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.core.errors import ImportRejected
from bot.core.licenses import parse_openness
from bot.core.names import benchmark_key, clean_text, normalize
from bot.core.records import (
    Batch,
    BenchmarkRec,
    EventRec,
    LicenseRec,
    ModelRec,
    OrgRec,
    Provenance,
    SourceRec,
)
from bot.core.scores import MAX_SETTING, parse_setting, score_problem, setting_problem
from bot.core.vocab import (
    EVENT_KINDS,
    FACT_FIELDS,
    NUMERIC_FIELDS,
    QUALIFIERS,
    SOURCE_KINDS,
    STATUSES,
)
from bot.importers.common import BatchBuilder, parse_date, parse_number

MAX_BYTES = 5 * 1024 * 1024
# libyaml's safe loader when PyYAML was built with it (much faster), else the pure-Python one.
# Both share SafeLoader's constructor API, which is all _StrictLoader uses.
if TYPE_CHECKING:
    _LOADER = yaml.SafeLoader
else:
    _LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_TEXT = 1000
TOP_LEVEL = ("sources", "organisations", "licenses", "benchmarks", "models", "events")
_SUFFIX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT])\s*$", re.IGNORECASE)
_MULT = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
# Upper bounds past which a number is a typo rather than a model.
_MAX_NUMBER = {"params": 1e15, "active_params": 1e15, "context_window": 1e9, "output_context": 1e9}


class _StrictLoader(_LOADER):
    """The safe loader, refusing a key given twice in one mapping: plain YAML keeps the last
    and silently drops the other (a second `models:` would drop the first list)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: the base constructor words that error
                continue
            if repeated:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def safe_yaml(text: str) -> Any:
    """Plain data from YAML text, refusing duplicate keys; raises `yaml.YAMLError`."""
    return yaml.load(text, Loader=_StrictLoader)  # a safe loader: plain data only


def load_yaml_text(text: str, origin: str) -> dict[str, Any]:
    """Safe-load one YAML document, refusing aliased mappings and lists (the 'billion laughs'
    bomb: a few nodes that expand to billions when walked)."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ImportRejected(f"{origin} is larger than {MAX_BYTES // 1024 // 1024} MB.")
    try:
        data = safe_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise ImportRejected(f"{origin} is not valid YAML{where}: {problem}.") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ImportRejected(f"{origin} must be a mapping with keys such as 'models', not a list.")
    if _has_shared_containers(data):
        raise ImportRejected(f"{origin} uses YAML anchors or aliases, which are not accepted.")
    return data


def _has_shared_containers(data: Any) -> bool:
    """Whether a mapping or list appears twice: only an alias makes the loader share one."""
    seen: set[int] = set()
    pending = [data]
    while pending:
        node = pending.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                return True
            seen.add(id(node))
            pending.extend(node.values() if isinstance(node, dict) else node)
    return False


def load_catalog_files(paths: Iterable[Path]) -> Batch:
    """Merge several catalog files (their lists concatenated) and parse them as one."""
    merged: dict[str, list[Any]] = {key: [] for key in TOP_LEVEL}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportRejected(f"{path.name} cannot be read as UTF-8 text: {exc}") from exc
        doc = load_yaml_text(text, path.name)
        unknown = set(doc) - set(TOP_LEVEL)
        if unknown:
            raise ImportRejected(
                f"{path.name}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))};"
                f" expected {', '.join(TOP_LEVEL)}."
            )
        for key in TOP_LEVEL:
            value = doc.get(key) or []
            if not isinstance(value, list):
                raise ImportRejected(f"{path.name}: '{key}' must be a list.")
            merged[key].extend(value)
    return parse_catalog(merged, origin="catalog")


def parse_catalog(
    doc: dict[str, Any],
    origin: str = "catalog",
    known_sources: Iterable[str] = (),
    known_benchmarks: Iterable[str] = (),
) -> Batch:
    """Validate a catalog mapping and convert it to a batch, or raise with every problem."""
    parser = _Parser(set(known_sources), {benchmark_key(b) for b in known_benchmarks})
    parser.parse(doc)
    if parser.problems:
        raise ImportRejected(
            f"{origin} was not imported: {len(parser.problems)} problem(s).", parser.problems
        )
    return parser.builder.batch


class _Parser:
    def __init__(self, known_sources: set[str], known_benchmarks: set[str]) -> None:
        self.builder = BatchBuilder()
        self.problems: list[str] = []
        self.sources = set(known_sources)
        self.benchmarks = set(known_benchmarks)
        self.units: dict[str, str] = {}  # benchmarks defined here: their unit, by name

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    def parse(self, doc: dict[str, Any]) -> None:
        unknown = set(doc) - set(TOP_LEVEL)
        for key in sorted(map(str, unknown)):
            self.problem(key, f"unknown top-level key; expected one of {', '.join(TOP_LEVEL)}")
        for key in TOP_LEVEL:
            if not isinstance(doc.get(key) or [], list):
                self.problem(key, "must be a list")
        sections: dict[str, list[Any]] = {
            key: value if isinstance(value := doc.get(key), list) else [] for key in TOP_LEVEL
        }
        # Definitions first, so that references further down (or in another file) resolve.
        for key, handler in (
            ("sources", self.source),
            ("organisations", self.organisation),
            ("licenses", self.license),
            ("benchmarks", self.benchmark),
            ("models", self.model),
            ("events", self.event),
        ):
            for i, item in enumerate(sections[key]):
                where = f"{key}[{i}]"
                if not isinstance(item, dict):
                    self.problem(where, "must be a mapping")
                    continue
                handler(item, where)

    # ---- field readers --------------------------------------------------------------------

    def text(
        self,
        item: dict[str, Any],
        key: str,
        where: str,
        *,
        required: bool = False,
        limit: int = 200,
    ) -> str | None:
        value = item.get(key)
        if value is None:
            if required:
                self.problem(where, f"'{key}' is required")
            return None
        if isinstance(value, bool | dict | list):
            self.problem(where, f"'{key}' must be text, got {type(value).__name__}")
            return None
        cleaned = clean_text(str(value))
        if required and not normalize(cleaned):
            self.problem(where, f"'{key}' must contain letters or digits")
            return None
        if len(cleaned) > limit:
            self.problem(where, f"'{key}' is {len(cleaned)} characters; the limit is {limit}")
            return None
        return cleaned

    def names(self, item: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = item.get(key) or []
        if not isinstance(value, list):
            self.problem(where, f"'{key}' must be a list")
            return ()
        out = []
        for i, name in enumerate(value):
            if isinstance(name, bool | dict | list) or not normalize(str(name)):
                self.problem(where, f"'{key}[{i}]' must be a name")
            else:
                out.append(clean_text(str(name))[:200])
        return tuple(out)

    def url(self, item: dict[str, Any], where: str) -> str | None:
        value = self.text(item, "url", where, limit=500)
        if value is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
            self.problem(where, f"'url' {value!r} is not an http(s) URL")
            return None
        return value

    def date(self, item: dict[str, Any], key: str, where: str) -> str | None:
        if item.get(key) is None:
            return None
        date = parse_date(item[key])
        if date is None:
            self.problem(
                where, f"'{key}' {item[key]!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"
            )
        return date

    def flag(self, item: dict[str, Any], key: str, where: str) -> bool | None:
        value = item.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.problem(where, f"'{key}' must be true or false, got {value!r}")
        return None

    def provenance(self, item: dict[str, Any], where: str) -> Provenance | None:
        source = self.text(item, "source", where, required=True)
        if source is not None and source not in self.sources:
            self.problem(where, f"source '{source}' is not defined under 'sources'")
            source = None
        url = self.url(item, where)
        as_of = self.date(item, "as_of", where)
        note = self.text(item, "note", where, limit=MAX_TEXT)
        self_reported = self.flag(item, "self_reported", where)
        qualifier = self.qualifier(item, where)
        if source is None:
            return None
        return Provenance(source, url, as_of, bool(self_reported), note, qualifier)

    def qualifier(self, item: dict[str, Any], where: str) -> str | None:
        value = item.get("qualifier")
        if value is None or value in QUALIFIERS:
            return value
        self.problem(where, f"'qualifier' {value!r} must be one of: {', '.join(QUALIFIERS)}")
        return None

    # ---- sections -------------------------------------------------------------------------

    def source(self, item: dict[str, Any], where: str) -> None:
        key = self.text(item, "key", where, required=True, limit=80)
        name = self.text(item, "name", where, required=True, limit=300)
        kind = self.text(item, "kind", where, required=True)
        if kind is not None and kind not in SOURCE_KINDS:
            self.problem(where, f"'kind' {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
            return
        url = self.url(item, where)
        published = self.date(item, "published", where)
        outlet = self.text(item, "outlet", where)
        license_ = self.text(item, "license", where)
        credit = self.text(item, "credit", where, limit=300)
        if key and name and kind:
            self.sources.add(key)
            self.builder.batch.sources.append(
                SourceRec(key, name, kind, url, outlet, published, license_, credit)
            )

    def organisation(self, item: dict[str, Any], where: str) -> None:
        name = self.text(item, "name", where, required=True)
        aliases = self.names(item, "aliases", where)
        country = self.text(item, "country", where)
        if name:
            self.builder.batch.orgs.append(OrgRec(name, aliases, country))

    def license(self, item: dict[str, Any], where: str) -> None:
        id_ = self.text(item, "id", where, required=True, limit=80)
        name = self.text(item, "name", where, required=True)
        openness = parse_openness(str(item.get("openness", "")))
        if openness is None:
            self.problem(where, f"'openness' {item.get('openness')!r} is not an openness class")
        commercial = self.flag(item, "commercial", where)
        spdx = self.flag(item, "spdx", where)
        url = self.url(item, where)
        aliases = self.names(item, "aliases", where)
        if id_ and name and openness:
            self.builder.batch.licenses.append(
                LicenseRec(id_, name, openness.value, commercial, bool(spdx), url, aliases)
            )

    def benchmark(self, item: dict[str, Any], where: str) -> None:
        name = self.text(item, "name", where, required=True, limit=100)
        unit = self.text(item, "unit", where, required=False, limit=20) or ""
        higher = self.flag(item, "higher_is_better", where)
        aliases = self.names(item, "aliases", where)
        description = self.text(item, "description", where, limit=MAX_TEXT)
        if not unit:
            self.problem(where, "'unit' is required (for example %, Elo, ms, rank)")
        if name and unit:
            self.benchmarks.update(benchmark_key(n) for n in (name, *aliases))
            self.units.update((benchmark_key(n), unit) for n in (name, *aliases))
            self.builder.benchmark(
                BenchmarkRec(name, unit, True if higher is None else higher, aliases, description)
            )

    def model(self, item: dict[str, Any], where: str) -> None:
        name = self.text(item, "name", where, required=True)
        org = self.text(item, "org", where)
        family = self.text(item, "family", where)
        aliases = self.names(item, "aliases", where)
        parent = self.text(item, "snapshot_of", where)  # a dated snapshot of that model
        snapshot = self.date(item, "snapshot", where)
        if snapshot and not parent:
            self.problem(where, "'snapshot' needs 'snapshot_of', the model it is a snapshot of")
        unknown = set(item) - {"name", "org", "family", "aliases", "facts", "licenses", "scores"}
        for key in sorted(map(str, unknown - {"snapshot_of", "snapshot"})):
            self.problem(where, f"unknown key '{key}'")
        if not name:
            return
        self.builder.model(ModelRec(name, org, family, aliases, parent, snapshot))
        for i, fact in enumerate(self.items(item, "facts", where)):
            self.fact(name, fact, f"{where}.facts[{i}]")
        for i, lic in enumerate(self.items(item, "licenses", where)):
            self.license_claim(name, lic, f"{where}.licenses[{i}]")
        for i, score in enumerate(self.items(item, "scores", where)):
            self.score(name, score, f"{where}.scores[{i}]")

    def items(self, item: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        value = item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(where, f"'{key}' must be a list of mappings")
            return []
        return value

    def fact(self, model: str, item: dict[str, Any], where: str) -> None:
        field = item.get("field")
        if field not in FACT_FIELDS:
            self.problem(where, f"'field' {field!r} is not one of {', '.join(FACT_FIELDS)}")
            return
        value = self.fact_value(field, item.get("value"), where)
        prov = self.provenance(item, where)
        if value is not None and prov is not None:
            self.builder.fact(model, field, value, prov)

    def fact_value(self, field: str, value: Any, where: str) -> str | None:
        if value is None or value == "":
            self.problem(where, "'value' is required")
            return None
        if field == "release_date":
            date = parse_date(value)
            if date is None:
                self.problem(where, f"'value' {value!r} is not a date")
            return date
        if field == "status":
            if not isinstance(value, str) or value not in STATUSES:
                self.problem(where, f"status {value!r} is not one of {', '.join(STATUSES)}")
                return None
            return value
        if field in NUMERIC_FIELDS:
            number = _count(value)
            if number is None or number <= 0:
                self.problem(where, f"{field} {value!r} must be a positive number (4e9, 4B, 256K)")
                return None
            if number > _MAX_NUMBER[field]:
                self.problem(where, f"{field} {value!r} is implausibly large")
                return None
            return str(int(number))
        if isinstance(value, bool | dict | list):
            self.problem(where, f"'value' must be text, got {type(value).__name__}")
            return None
        text = clean_text(str(value))
        if len(text) > MAX_TEXT:
            self.problem(where, f"'value' is {len(text)} characters; the limit is {MAX_TEXT}")
            return None
        return text

    def license_claim(self, model: str, item: dict[str, Any], where: str) -> None:
        license_text = self.text(item, "license", where, limit=100)
        openness = None
        if item.get("openness") is not None:
            openness = parse_openness(str(item["openness"]))
            if openness is None:
                self.problem(where, f"'openness' {item['openness']!r} is not an openness class")
                return
        if license_text is None and openness is None:
            self.problem(where, "needs a 'license', an 'openness', or both")
            return
        prov = self.provenance(item, where)
        if prov is None:
            return
        self.builder.license_claim(model, license_text, openness, prov)

    def score(self, model: str, item: dict[str, Any], where: str) -> None:
        bench = self.text(item, "benchmark", where, required=True, limit=100)
        if bench is not None and benchmark_key(bench) not in self.benchmarks:
            self.problem(where, f"benchmark '{bench}' is not defined under 'benchmarks'")
            bench = None
        value = parse_number(item.get("value"))
        if value is None:
            self.problem(where, f"'value' {item.get('value')!r} is not a number")
        elif bench is not None:
            problem = score_problem(value, self.units.get(benchmark_key(bench)), bench)
            if problem:
                self.problem(where, problem)
                value = None
        setting = self.setting(item, where)
        prov = self.provenance(item, where)
        if bench and value is not None and prov and setting is not None:
            self.builder.score(model, bench, value, prov, setting)

    def setting(self, item: dict[str, Any], where: str) -> str | None:
        """A score's evaluation setting as its label ('' when none is stated); None if bad."""
        text = self.text(item, "setting", where, limit=MAX_SETTING)
        if text is None:
            return None if item.get("setting") is not None else ""
        problem = setting_problem(text)
        if problem:
            self.problem(where, problem)
            return None
        return parse_setting(text).label

    def event(self, item: dict[str, Any], where: str) -> None:
        kind = item.get("kind")
        if kind not in EVENT_KINDS:
            self.problem(where, f"'kind' {kind!r} is not one of {', '.join(EVENT_KINDS)}")
            return
        title = self.text(item, "title", where, required=True, limit=256)
        date = self.date(item, "date", where)
        model = self.text(item, "model", where)
        org = self.text(item, "org", where)
        detail = self.text(item, "detail", where, limit=MAX_TEXT)
        prov = self.provenance(item, where)
        if title and prov:
            self.builder.batch.events.append(EventRec(kind, title, prov, date, model, org, detail))


def _count(value: Any) -> float | None:
    """Numbers with an optional K/M/B/T suffix: 4e9, '4B', '256K'."""
    if isinstance(value, str):
        match = _SUFFIX.match(value)
        if match:
            return float(match[1]) * _MULT[match[2].upper()]
    number = parse_number(value)
    return number if number is not None and math.isfinite(number) else None
