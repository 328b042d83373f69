"""What users wrote stays apart from the bot's wording in every refusal: no `UserError` is
built from an f-string that puts a value into its message (the value could carry markdown
or a masked link; as one of the error's parts it is shown escaped)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.core.errors import UserError, channel_ref
from bot.render.safe import user_error_text

ROOT = Path(__file__).resolve().parents[2]


def formatted_user_errors(source: str, filename: str = "<source>") -> list[int]:
    """Lines where `UserError(...)`'s first argument is an f-string with a value in it."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        first = node.args[0]
        if (
            name == "UserError"
            and isinstance(first, ast.JoinedStr)
            and any(isinstance(v, ast.FormattedValue) for v in first.values)
        ):
            lines.append(node.lineno)
    return lines


def test_the_check_finds_an_f_string_message() -> None:
    source = (
        'raise UserError(f"No model matches {query}.")\n'
        'raise errors.UserError(f"Unknown {kind!r}", 1)\n'
        'raise UserError(f"plain text only")\n'
        'raise UserError("No model matches {}.", query)\n'
    )
    assert formatted_user_errors(source) == [1, 2]


def test_no_user_error_message_is_an_f_string() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for line in formatted_user_errors(path.read_text(encoding="utf-8"), str(path))
    ]
    assert found == [], "pass what users wrote as parts: UserError('... {} ...', value)"


def test_parts_are_escaped_and_the_wording_is_kept() -> None:
    error = UserError("No **model** matches '{}'. See `/model`.", "[x](https://evil.example/)")
    assert user_error_text(error) == (
        "No **model** matches '\\[x\\](https://evil.example/)'. See `/model`."
    )
    assert str(error) == "No **model** matches '[x](https://evil.example/)'. See `/model`."


def test_a_channel_mention_stays_a_mention() -> None:
    error = UserError(channel_ref(42) + " has no digest for '{}'.", "<#7>")
    assert user_error_text(error).startswith("<#42> has no digest for '\\<#7\\>'")
    assert channel_ref("{0}") == "<#{{0}}>"


def test_a_part_inside_a_sentence_is_not_a_line_start() -> None:
    error = UserError("No subscription {}. Also '{}'\n{}\n- {}", "-5", "# hi", "# top", "# item")
    assert user_error_text(error) == "No subscription -5. Also '# hi'\n\\# top\n- \\# item"
    assert user_error_text(UserError("{}", "1. first\n- second")) == "1\\. first\n\\- second"
    assert user_error_text(UserError("Got '{}'", "a\n# b")) == "Got 'a\n\\# b'"
