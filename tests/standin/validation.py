"""Discord's payload validation, reproduced from its documented limits.

Each check returns a nested `errors` mapping in Discord's own shape
(`{"content": {"_errors": [{"code": ..., "message": ...}]}}`); an empty mapping means valid.
"""

from __future__ import annotations

import re
from typing import Any

Errors = dict[str, Any]

NAME_RE = re.compile(r"^[-_\w]{1,32}$")
CONTENT_MAX = 2000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
EMBED_FIELDS_MAX = 25
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
OPTIONS_MAX = 25
DESCRIPTION_MAX = 100


def error(code: str, message: str) -> Errors:
    return {"_errors": [{"code": code, "message": message}]}


def too_long(limit: int) -> Errors:
    return error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def form_body(errors: Errors) -> dict[str, Any]:
    return {"message": "Invalid Form Body", "code": 50035, "errors": errors}


def _set(errors: Errors, path: list[str], value: Errors) -> None:
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def check_message(payload: dict[str, Any]) -> Errors:
    """A message body: content, embeds, and that it is not empty."""
    errors: Errors = {}
    content = payload.get("content")
    if content is not None and len(content) > CONTENT_MAX:
        errors["content"] = too_long(CONTENT_MAX)
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        errors["embeds"] = too_long(EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        size = _check_embed(embed, errors, ["embeds", str(i)])
        total += size
    if total > EMBED_TOTAL_MAX and "embeds" not in errors:
        _set(
            errors,
            ["embeds", "0"],
            error("BASE_TYPE_MAX_LENGTH", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"),
        )
    return errors


def _check_embed(embed: dict[str, Any], errors: Errors, path: list[str]) -> int:
    size = 0
    for key, limit in EMBED_LIMITS.items():
        value = embed.get(key) or ""
        size += len(value)
        if len(value) > limit:
            _set(errors, [*path, key], too_long(limit))
    footer = (embed.get("footer") or {}).get("text") or ""
    size += len(footer)
    if len(footer) > FOOTER_MAX:
        _set(errors, [*path, "footer", "text"], too_long(FOOTER_MAX))
    author = (embed.get("author") or {}).get("name") or ""
    size += len(author)
    if len(author) > AUTHOR_NAME_MAX:
        _set(errors, [*path, "author", "name"], too_long(AUTHOR_NAME_MAX))
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_MAX:
        _set(errors, [*path, "fields"], too_long(EMBED_FIELDS_MAX))
    for j, field in enumerate(fields):
        name, value = field.get("name") or "", field.get("value") or ""
        size += len(name) + len(value)
        if not name:
            _set(
                errors,
                [*path, "fields", str(j), "name"],
                error("BASE_TYPE_REQUIRED", "This field is required"),
            )
        elif len(name) > FIELD_NAME_MAX:
            _set(errors, [*path, "fields", str(j), "name"], too_long(FIELD_NAME_MAX))
        if not value:
            _set(
                errors,
                [*path, "fields", str(j), "value"],
                error("BASE_TYPE_REQUIRED", "This field is required"),
            )
        elif len(value) > FIELD_VALUE_MAX:
            _set(errors, [*path, "fields", str(j), "value"], too_long(FIELD_VALUE_MAX))
    if size > EMBED_TOTAL_MAX:
        _set(
            errors,
            path,
            error("BASE_TYPE_MAX_LENGTH", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"),
        )
    return size


def check_autocomplete(data: dict[str, Any]) -> Errors:
    errors: Errors = {}
    choices = data.get("choices")
    if not isinstance(choices, list):
        return {"choices": error("BASE_TYPE_REQUIRED", "This field is required")}
    if len(choices) > CHOICES_MAX:
        errors["choices"] = too_long(CHOICES_MAX)
    for i, choice in enumerate(choices):
        name = choice.get("name") or ""
        if not 1 <= len(name) <= CHOICE_NAME_MAX:
            _set(
                errors,
                ["choices", str(i), "name"],
                error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."),
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_NAME_MAX:
            _set(errors, ["choices", str(i), "value"], too_long(CHOICE_NAME_MAX))
    return errors


def check_commands(commands: list[dict[str, Any]]) -> Errors:
    """A bulk overwrite of application commands."""
    errors: Errors = {}
    seen: set[tuple[str, int]] = set()
    for i, command in enumerate(commands):
        path = [str(i)]
        kind = command.get("type", 1)
        name = command.get("name") or ""
        if (name, kind) in seen:
            _set(
                errors,
                [*path, "name"],
                error(
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {name}",
                ),
            )
        seen.add((name, kind))
        if kind == 1:
            _check_name(name, errors, [*path, "name"])
            _check_description(command.get("description"), errors, [*path, "description"])
        _check_options(command.get("options") or [], errors, [*path, "options"])
    return errors


def _check_name(name: str, errors: Errors, path: list[str]) -> None:
    if not NAME_RE.match(name) or name != name.lower():
        _set(
            errors,
            path,
            error("APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}"),
        )


def _check_description(description: Any, errors: Errors, path: list[str]) -> None:
    if not isinstance(description, str) or not 1 <= len(description) <= DESCRIPTION_MAX:
        _set(errors, path, error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))


def _check_options(options: list[dict[str, Any]], errors: Errors, path: list[str]) -> None:
    if len(options) > OPTIONS_MAX:
        _set(errors, path, too_long(OPTIONS_MAX))
    optional_seen = False
    names: set[str] = set()
    for j, option in enumerate(options):
        opath = [*path, str(j)]
        name = option.get("name") or ""
        _check_name(name, errors, [*opath, "name"])
        _check_description(option.get("description"), errors, [*opath, "description"])
        if name in names:
            _set(
                errors,
                [*opath, "name"],
                error(
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
                ),
            )
        names.add(name)
        if option.get("type") in (1, 2):
            _check_options(option.get("options") or [], errors, [*opath, "options"])
            continue
        if option.get("required"):
            if optional_seen:
                _set(
                    errors,
                    [*opath, "required"],
                    error(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    ),
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > CHOICES_MAX:
            _set(errors, [*opath, "choices"], too_long(CHOICES_MAX))
        if choices and option.get("autocomplete"):
            _set(
                errors,
                [*opath, "autocomplete"],
                error(
                    "AUTOCOMPLETE_CHOICES_INCOMPATIBLE", "Autocomplete cannot be set with choices"
                ),
            )
