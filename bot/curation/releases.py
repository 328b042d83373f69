"""A curator's release: checked, and built as a feed item for the watch ingestor."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.errors import UserError
from bot.core.names import clean_text, normalize
from bot.core.vocab import EVENT_KINDS
from bot.curation.forms import Actor, is_link
from bot.importers.common import parse_date
from bot.watch.items import FeedItem

TITLE_MAX = 256  # as the error below says


def checked_release(
    title: str | None, link: str | None, when: str | None, kind: str, today: str
) -> tuple[str, str]:
    """The cleaned title and the day (`today` if none) of a curator's release, or a UserError."""
    title = clean_text(title or "")
    if not normalize(title) or len(title) > TITLE_MAX:
        raise UserError("A release needs a title of at most 256 characters.")
    if link and not is_link(link.strip()):
        raise UserError("'{}' is not an http(s) link.", link[:80])
    if kind not in EVENT_KINDS:
        raise UserError("Unknown type '{}'. Use: {}.", kind[:30], ", ".join(EVENT_KINDS))
    day = parse_date(when) if when else today
    if day is None or len(day) != 10:
        raise UserError("'{}' is not a date like 2026-04-02.", str(when)[:20])
    if day > today and kind != "expected_release":
        raise UserError(
            "{} is in the future; use the type expected_release for announced dates.", day
        )
    return title, day


def release_item(
    actor: Actor,
    title: str,
    link: str | None,
    day: str,
    kind: str,
    models: Sequence[str],
    stamp: str,
) -> FeedItem:
    """The feed item of a checked release, keyed by the curator, the moment and the title."""
    return FeedItem(
        title,
        link.strip() if link else None,
        "",
        f"{day}T00:00:00+00:00",
        f"curator:{actor.id}:{stamp}:{normalize(title)}",
        "curated",
        f"Curator {actor.name}",
        None,
        kind,
        tuple(models),
    )
