"""The reviewed crosswalk (`data/crosswalk.yaml`): identity decisions the name rules in
`bot.core.identity` cannot make, such as which snapshot Epoch's unlabelled 'GPT-4o' row is.

Each entry maps one source's record to the catalog's model (and, with `snapshot`, to that
model's dated snapshot). The file is checked when it is read: an unknown key, a missing one or
a wrong shape is refused naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.core.errors import ImportRejected
from bot.core.identity import Snapshot, snapshot_name
from bot.core.names import clean_text, normalize
from bot.importers.common import parse_date

CROSSWALK_FILE = Path(__file__).resolve().parents[2] / "data" / "crosswalk.yaml"
SOURCES = ("epoch", "llmstats")
KEYS = ("source", "name", "model", "snapshot", "why")
REQUIRED = ("source", "name", "model", "why")
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Target:
    """Where a source's record belongs: a model, or one dated snapshot of it."""

    model: str
    snapshot: str | None = None

    @property
    def name(self) -> str:
        return snapshot_name(self.model, self.snapshot) if self.snapshot else self.model

    def as_snapshot(self) -> Snapshot | None:
        return Snapshot(self.model, self.snapshot) if self.snapshot else None


class Crosswalk:
    """Lookups of (source, record name) in the reviewed crosswalk."""

    def __init__(self, entries: dict[tuple[str, str], Target] | None = None) -> None:
        self.entries = entries or {}

    def target(self, source: str, name: str) -> Target | None:
        return self.entries.get((source, normalize(name)))


def parse_crosswalk(text: str, origin: str) -> Crosswalk:
    """Validate crosswalk YAML; a problem is refused with `origin` and the line it is on."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _refused(origin, mark.line + 1 if mark else 1, "not valid YAML") from exc
    if root is None:
        return Crosswalk()
    if not isinstance(root, yaml.MappingNode):
        raise _refused(origin, _line(root), "the file must be a mapping with one key, 'entries'")
    entries: dict[tuple[str, str], Target] = {}
    for key, value in root.value:
        if key.value != "entries":
            raise _refused(origin, _line(key), f"unknown key '{key.value}'; expected 'entries'")
        if not isinstance(value, yaml.SequenceNode):
            raise _refused(origin, _line(value), "'entries' must be a list")
        for node in value.value:
            source, name, target = _entry(node, origin)
            if (source, normalize(name)) in entries:
                raise _refused(origin, _line(node), f"{source} '{name}' is mapped twice")
            entries[(source, normalize(name))] = target
    return Crosswalk(entries)


def _entry(node: yaml.Node, origin: str) -> tuple[str, str, Target]:
    if not isinstance(node, yaml.MappingNode):
        raise _refused(origin, _line(node), "each entry must be a mapping")
    fields: dict[str, str] = {}
    for key, value in node.value:
        if key.value not in KEYS:
            raise _refused(
                origin, _line(key), f"unknown key '{key.value}'; expected {', '.join(KEYS)}"
            )
        if key.value in fields:
            raise _refused(origin, _line(key), f"'{key.value}' is given twice")
        if not isinstance(value, yaml.ScalarNode) or not normalize(str(value.value)):
            raise _refused(origin, _line(value), f"'{key.value}' must be non-empty text")
        fields[key.value] = clean_text(str(value.value))
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise _refused(origin, _line(node), f"missing {', '.join(missing)}")
    if fields["source"] not in SOURCES:
        raise _refused(
            origin, _line(node), f"unknown source '{fields['source']}'; use {', '.join(SOURCES)}"
        )
    snapshot = fields.get("snapshot")
    if snapshot is not None and parse_date(snapshot) != snapshot:
        raise _refused(origin, _line(node), f"snapshot '{snapshot}' is not an ISO date")
    return fields["source"], fields["name"], Target(fields["model"], snapshot)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _refused(origin: str, line: int, problem: str) -> ImportRejected:
    return ImportRejected(f"{origin}, line {line}: {problem}.")


def load_crosswalk(path: Path = CROSSWALK_FILE) -> Crosswalk:
    """The crosswalk file at `path` (an absent file is an empty crosswalk)."""
    return _load(path.resolve())


@cache
def _load(path: Path) -> Crosswalk:
    if not path.exists():
        return Crosswalk()
    try:
        data = path.read_bytes()
        if len(data) > MAX_BYTES:
            raise ImportRejected(f"{path.name} is larger than {MAX_BYTES:,} bytes.")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRejected(f"{path.name} cannot be read as UTF-8 text: {exc}") from exc
    return parse_crosswalk(text, path.name)
