"""Cards (one embed each) and a builder that pages content without cutting an item in half."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.urls import checked_url
from bot.render import limits
from bot.render.refs import References, cited

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


@dataclass(frozen=True)
class Action:
    """A button the message carries whose click is handled after restarts too (its
    `custom_id` holds what the click is about)."""

    label: str
    custom_id: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (a chart): its name and bytes."""

    filename: str
    data: bytes
    description: str = ""


@dataclass
class Reply:
    """What the bot answers: one or more pages, whether only the asker sees it, and files
    attached beside the text (a chart; the text says the same for readers and search)."""

    pages: list[Card]
    ephemeral: bool = False
    actions: tuple[Action, ...] = ()  # persistent buttons under the message
    # For a post in a forum or a thread per post: its title (bot.render.threads), and the
    # labels (organisation, openness, type) forum tags are chosen from.
    post_title: str | None = None
    labels: tuple[str, ...] = ()
    files: tuple[Attachment, ...] = ()

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
    """Adds lines and fields to pages, starting a new page before any limit would be passed.

    With `refs`, every page ends with a "Sources" field listing the references its lines
    cite ([n]), so each page can be read on its own."""

    def __init__(
        self, title: str, footer: str = "", url: str | None = None, refs: References | None = None
    ) -> None:
        self.title = clip(neutralise(title), limits.EMBED_TITLE)
        self.footer = footer
        self.url = checked_url(url)  # a card's link is followed from its title: checked
        self.refs = refs
        self.pages: list[Card] = []
        self._cited: list[set[int]] = []  # per page, the references its content cites
        self._next_page()

    def _next_page(self) -> None:
        self.pages.append(Card(self.title, url=self.url))
        self._cited.append(set())

    @property
    def page(self) -> Card:
        return self.pages[-1]

    def _citations(self, text: str) -> set[int]:
        return cited(text, self.refs) if self.refs else set()

    def _fits(self, extra: int, fields: int, citing: set[int]) -> bool:
        """Whether `extra` characters in `fields` new fields, citing `citing`, fit the page
        with its sources list and the footer (filled in when the reply is built)."""
        sources = self._sources(self._cited[-1] | citing)
        size = (
            self.page.size()
            + extra
            + sum(len(f.name) + len(f.value) for f in sources)
            + min(len(self.footer) + 40, limits.FOOTER)
        )
        count = len(self.page.fields) + fields + len(sources)
        return size <= limits.EMBED_TOTAL and count <= limits.EMBED_FIELDS

    def _sources(self, numbers: set[int]) -> list[Field]:
        """The "Sources" field(s) listing these references, each line whole."""
        if not self.refs or not numbers:
            return []
        lines = [clip(neutralise(self.refs.line(n)), limits.FIELD_VALUE) for n in sorted(numbers)]
        return [Field(name, "\n".join(chunk)) for name, chunk in _chunks("Sources", lines)]

    def _is_empty(self) -> bool:
        return not self.page.description and not self.page.fields

    def line(self, *parts: str | Mention) -> None:
        """One line of description; a line never splits across pages. Text parts are
        neutralised, Mention parts kept as mentions."""
        text = clip(
            "".join(str(p) if isinstance(p, Mention) else neutralise(p) for p in parts), 1000
        )
        citing = self._citations(text)
        joined = f"{self.page.description}\n{text}" if self.page.description else text
        if not self._is_empty() and (
            len(joined) > limits.EMBED_DESCRIPTION or not self._fits(len(text) + 1, 0, citing)
        ):
            self._next_page()
            joined = text
        self.page.description = joined
        self._cited[-1] |= citing

    def field(self, name: str, lines: list[str], inline: bool = False) -> None:
        """A field; values longer than 1,024 characters continue in further fields. The whole
        field starts a new page when it does not fit on this one but would on a new one."""
        self.field_groups(name, [[line] for line in lines], inline)

    def field_groups(self, name: str, groups: list[list[str]], inline: bool = False) -> None:
        """A field of groups of lines (one fact and its claims): a group is never split
        between two fields or pages unless it alone is longer than a field."""
        name = clip(neutralise(name), limits.FIELD_NAME)
        texts = [[clip(neutralise(raw), limits.FIELD_VALUE) for raw in group] for group in groups]
        chunks = _chunks(name, _grouped(texts))
        whole = sum(len(n) + len("\n".join(c)) for n, c in chunks)
        citing = set().union(*(self._citations(t) for g in texts for t in g))
        if not self._is_empty() and not self._fits(whole, len(chunks), citing):
            self._next_page()
        for part_name, chunk in chunks:
            self._add_field(part_name, chunk, inline)

    def _add_field(self, name: str, lines: list[str], inline: bool) -> None:
        value = "\n".join(lines)
        citing = self._citations(value)
        if not self._is_empty() and not self._fits(len(name) + len(value), 1, citing):
            self._next_page()
        self.page.fields.append(Field(name, value, inline))
        self._cited[-1] |= citing

    def build(self, ephemeral: bool = False) -> Reply:
        total = len(self.pages)
        for number, page in enumerate(self.pages, start=1):
            page.fields.extend(self._sources(self._cited[number - 1]))
            if not page.description and not page.fields:
                page.description = "(nothing to show)"
            marker = f"Page {number}/{total}" if total > 1 else ""
            page.footer = clip(" · ".join(p for p in (marker, self.footer) if p), limits.FOOTER)
        return Reply(self.pages, ephemeral)


def _grouped(groups: list[list[str]]) -> list[list[str]]:
    """Groups as units for chunking: a group longer than one field falls apart into lines."""
    units: list[list[str]] = []
    for group in groups:
        if len("\n".join(group)) <= limits.FIELD_VALUE:
            units.append(group)
        else:
            units.extend([line] for line in group)
    return units


def _chunks(name: str, units: list[list[str]] | list[str]) -> list[tuple[str, list[str]]]:
    """Units of lines packed into field values of at most 1,024 characters, named `name`,
    then `name (cont.)`."""
    chunks: list[list[str]] = []
    size = 0
    for unit in units:
        lines = [unit] if isinstance(unit, str) else unit
        length = len("\n".join(lines))
        if chunks and chunks[-1] and size + 1 + length <= limits.FIELD_VALUE:
            chunks[-1].extend(lines)
            size += 1 + length
        else:
            chunks.append(list(lines))
            size = length
    cont = clip(f"{name} (cont.)", limits.FIELD_NAME)
    return [(name if i == 0 else cont, chunk) for i, chunk in enumerate(chunks)]
