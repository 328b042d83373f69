"""Cards (one embed each) and a builder that pages content without cutting an item in half."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.urls import checked_url
from bot.render import limits

ELLIPSIS = "…"
COLOR = 0x5865F2
ERROR_COLOR = 0xED4245
# Zero-width space after '@' so that '@everyone' typed into a feed or a name stays inert text,
# on top of every message being sent with mentions disabled.
_MENTION_BREAK = "@\u200b"


def neutralise(text: str) -> str:
    """Break @everyone, @here and <@...> mention syntax in untrusted text."""
    text = text.replace("@everyone", _MENTION_BREAK + "everyone")
    text = text.replace("@here", _MENTION_BREAK + "here")
    return text.replace("<@", "<\u200b@")


@dataclass(frozen=True)
class Mention:
    """Mention markup the bot writes itself (a role it was told to ping): shown as a mention,
    not neutralised like untrusted text. Messages still go out with mentions disabled."""

    kind: str  # "role", "user" or "channel"
    id: int

    def __str__(self) -> str:
        prefix = {"role": "@&", "user": "@", "channel": "#"}[self.kind]
        return f"<{prefix}{int(self.id)}>"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in an ellipsis when cut ("" if no room)."""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass
class Card:
    title: str
    description: str = ""
    fields: list[Field] = field(default_factory=list)
    footer: str = ""
    url: str | None = None
    color: int = COLOR

    def size(self) -> int:
        """Characters that count towards Discord's 6,000 per-embed total."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


@dataclass
class Reply:
    """What the bot answers: one or more pages, and whether only the asker sees it."""

    pages: list[Card]
    ephemeral: bool = False

    @classmethod
    def note(cls, title: str, text: str, *, ephemeral: bool = True) -> Reply:
        """A short titled message, private to the asker by default."""
        return cls(
            [
                Card(
                    clip(neutralise(title), limits.EMBED_TITLE),
                    clip(neutralise(text), limits.EMBED_DESCRIPTION),
                )
            ],
            ephemeral,
        )

    @classmethod
    def error(cls, message: str) -> Reply:
        return cls(
            [Card("Sorry", clip(neutralise(message), limits.EMBED_DESCRIPTION), color=ERROR_COLOR)],
            True,
        )


class CardBuilder:
    """Adds lines and fields to pages, starting a new page before any limit would be passed."""

    def __init__(self, title: str, footer: str = "", url: str | None = None) -> None:
        self.title = clip(neutralise(title), limits.EMBED_TITLE)
        self.footer = footer
        self.url = checked_url(url)  # a card's link is followed from its title: checked
        self.pages: list[Card] = [self._new_page()]

    def _new_page(self) -> Card:
        return Card(self.title, url=self.url)

    @property
    def page(self) -> Card:
        return self.pages[-1]

    def _room(self) -> int:
        # Reserve space for the footer, which is filled in when the reply is built.
        return limits.EMBED_TOTAL - self.page.size() - min(len(self.footer) + 40, limits.FOOTER)

    def line(self, *parts: str | Mention) -> None:
        """One line of description; a line never splits across pages. Text parts are
        neutralised, Mention parts kept as mentions."""
        text = clip(
            "".join(str(p) if isinstance(p, Mention) else neutralise(p) for p in parts), 1000
        )
        joined = f"{self.page.description}\n{text}" if self.page.description else text
        if len(joined) > limits.EMBED_DESCRIPTION or len(text) + 1 > self._room():
            self.pages.append(self._new_page())
            joined = text
        self.page.description = joined

    def field(self, name: str, lines: list[str], inline: bool = False) -> None:
        """A field; values longer than 1,024 characters continue in further fields."""
        name = clip(neutralise(name), limits.FIELD_NAME)
        chunk: list[str] = []
        size = 0
        part = 0
        for raw in lines:
            text = clip(neutralise(raw), limits.FIELD_VALUE)
            if chunk and size + len(text) + 1 > limits.FIELD_VALUE:
                self._add_field(
                    name if part == 0 else clip(f"{name} (cont.)", limits.FIELD_NAME), chunk, inline
                )
                part += 1
                chunk, size = [], 0
            chunk.append(text)
            size += len(text) + 1
        if chunk:
            self._add_field(
                name if part == 0 else clip(f"{name} (cont.)", limits.FIELD_NAME), chunk, inline
            )

    def _add_field(self, name: str, lines: list[str], inline: bool) -> None:
        value = "\n".join(lines)
        if len(self.page.fields) >= limits.EMBED_FIELDS or len(name) + len(value) > self._room():
            self.pages.append(self._new_page())
        self.page.fields.append(Field(name, value, inline))

    def build(self, ephemeral: bool = False) -> Reply:
        total = len(self.pages)
        for number, page in enumerate(self.pages, start=1):
            if not page.description and not page.fields:
                page.description = "(nothing to show)"
            marker = f"Page {number}/{total}" if total > 1 else ""
            page.footer = clip(" · ".join(p for p in (marker, self.footer) if p), limits.FOOTER)
        return Reply(self.pages, ephemeral)
