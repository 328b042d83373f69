"""SQLite-style SQL as PostgreSQL reads it: the stores write each statement once, with `?`
placeholders; `translate` rewrites it mechanically (see PG_CONTRACT.md) and caches the result
per statement text. Only code is rewritten: string literals, quoted identifiers and comments
pass through untouched."""

from __future__ import annotations

import functools
import re

# A piece of SQL that is not code: a string literal ('it''s'), a quoted identifier ("a""b"),
# a line comment or a block comment. Unterminated ones run to the end (the server reports them).
_NOT_CODE = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|--[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_PARAM = re.compile(r"\?(\d*)")
_INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_LIKE = re.compile(r"\bLIKE\b", re.I)
_CHAR = re.compile(r"\bchar\s*\(", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)


def _pieces(sql: str) -> list[tuple[bool, str]]:
    """`sql` split into (is_code, text) pieces, in order."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for match in _NOT_CODE.finditer(sql):
        if match.start() > at:
            pieces.append((True, sql[at : match.start()]))
        pieces.append((False, match.group()))
        at = match.end()
    if at < len(sql):
        pieces.append((True, sql[at:]))
    return pieces


class _Numbering:
    """SQLite's placeholder numbering: `?N` is parameter N; a bare `?` is one more than the
    largest number given so far."""

    def __init__(self) -> None:
        self.largest = 0

    def __call__(self, match: re.Match[str]) -> str:
        number = int(match.group(1)) if match.group(1) else self.largest + 1
        if number < 1:
            raise ValueError(f"placeholder ?{match.group(1)} is out of range (they start at ?1)")
        self.largest = max(self.largest, number)
        return f"${number}"


def _code(text: str, numbering: _Numbering) -> str:
    text = _PARAM.sub(numbering, text)
    text = _INSERT_OR_IGNORE.sub("INSERT INTO", text)
    text = _LIKE.sub("ILIKE", text)
    return _CHAR.sub("chr(", text)


def _on_conflict_do_nothing(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Add ON CONFLICT DO NOTHING before the statement's RETURNING clause, else at its end
    (before a trailing semicolon)."""
    for index in range(len(pieces) - 1, -1, -1):
        is_code, text = pieces[index]
        found = list(_RETURNING.finditer(text)) if is_code else []
        if found:
            at = found[-1].start()
            pieces[index] = (True, f"{text[:at]}ON CONFLICT DO NOTHING {text[at:]}")
            return pieces
    for index in range(len(pieces) - 1, -1, -1):
        is_code, text = pieces[index]
        if not is_code:
            if text.startswith(("--", "/*")):
                continue  # a trailing comment: the clause goes before it
            pieces.insert(index + 1, (True, " ON CONFLICT DO NOTHING"))
            return pieces
        body = text.rstrip().removesuffix(";").rstrip()
        if body:
            pieces[index] = (True, f"{body} ON CONFLICT DO NOTHING{text[len(body) :]}")
            return pieces
    return pieces


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """`sql` (SQLite style) as PostgreSQL statement text: `?`/`?N` → `$N`, `INSERT OR IGNORE
    INTO` → `INSERT INTO ... ON CONFLICT DO NOTHING`, `LIKE` → `ILIKE` (SQLite's LIKE ignores
    ASCII case), `char(` → `chr(`. One statement per call."""
    numbering = _Numbering()
    pieces = [(code, _code(text, numbering) if code else text) for code, text in _pieces(sql)]
    if any(code and _INSERT_OR_IGNORE.search(text) for code, text in _pieces(sql)):
        pieces = _on_conflict_do_nothing(pieces)
    return "".join(text for _, text in pieces)
