"""Plain-text and JSON renderings for the offline command line."""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from typing import Any

from bot.render.cards import Reply

# A markdown escape (`bot.render.safe`): on a terminal the character shows as written.
_ESCAPE = re.compile(r"\\([^A-Za-z0-9\s])")


def reply_to_text(reply: Reply) -> str:
    """What the bot would post, as plain text: every page, title, description, fields, footer
    (markdown escapes undone, as Discord shows them)."""
    blocks = []
    for page in reply.pages:
        lines = [f"== {page.title} =="]
        if page.description:
            lines.append(page.description)
        for field in page.fields:
            lines.append(f"-- {field.name} --")
            lines.append(field.value)
        if page.footer:
            lines.append(f"({page.footer})")
        blocks.append("\n".join(lines))
    return _ESCAPE.sub(r"\1", "\n\n".join(blocks))


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, tuples and dicts as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def to_json(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)
