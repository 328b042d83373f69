"""Numbered references: each source of a reply is listed once and cited as [n] on its lines.

A renderer registers every claim's source (with the claim's own marks: its note, whether it
is self-reported) in reading order, then writes each line with `cite`. A mark that every claim
of one source shares is said once, in the reference; the others stay on their lines, and a
note already shown in the reply is not shown again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# A citation the bot wrote: '[12]' not escaped and not a masked link's label ('[12](...)').
CITATION = re.compile(r"(?<!\\)\[(\d+)\](?!\()")


@dataclass
class _Reference:
    label: str
    marks: list[tuple[str, ...]] = field(default_factory=list)

    def shared(self) -> tuple[str, ...]:
        """The marks every claim citing this reference has."""
        if not self.marks:
            return ()
        first, *rest = self.marks
        return tuple(m for m in first if all(m in other for other in rest))


class References:
    """The sources of one reply, numbered in the order they are first registered."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._refs: list[_Reference] = []
        self._shown: set[str] = set()

    def register(self, label: str, flags: Sequence[str] = (), note: str = "") -> int:
        """Count one claim of the source `label` (its rendered, linked name) with its flags
        ('self-reported') and note."""
        marks = (*flags, note)
        number = self._numbers.get(label)
        if number is None:
            self._refs.append(_Reference(label))
            number = self._numbers[label] = len(self._refs)
        self._refs[number - 1].marks.append(tuple(m for m in marks if m))
        return number

    def cite(self, label: str, flags: Sequence[str] = (), note: str = "") -> str:
        """'[n]' for the source, followed by the claim's flags and note that the reference does
        not carry (a note already shown in this reply is left out). Registers the source if
        it was not."""
        number = self._numbers.get(label) or self.register(label, flags, note)
        shared = self._refs[number - 1].shared()
        own = [f for f in flags if f and f not in shared]
        if note and note not in shared and note not in self._shown:
            self._shown.add(note)
            own.append(note)
        return f"[{number}]" + "".join(f" · {m}" for m in own)

    def line(self, number: int) -> str:
        """The reference as listed: '[n] label · shared marks'."""
        ref = self._refs[number - 1]
        return " · ".join((f"[{number}] {ref.label}", *ref.shared()))

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and 1 <= number <= len(self._refs)

    def __len__(self) -> int:
        return len(self._refs)


def cited(text: str, refs: References) -> set[int]:
    """The reference numbers `text` cites."""
    numbers = {int(m.group(1)) for m in CITATION.finditer(text)}
    return {n for n in numbers if n in refs}
