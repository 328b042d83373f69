"""Discord's payload validation, reproduced from its documented limits.

Each check returns a nested `errors` mapping in Discord's own shape
(`{"content": {"_errors": [{"code": ..., "message": ...}]}}`); an empty mapping means valid.
"""

from __future__ import annotations

import re
from typing import Any

import yarl

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
    """A message body: content, embeds (sizes and URLs) and components."""
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
    check_components(payload.get("components"), errors, ["components"])
    if total > EMBED_TOTAL_MAX and "embeds" not in errors:
        _set(
            errors,
            ["embeds", "0"],
            error("BASE_TYPE_MAX_LENGTH", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"),
        )
    return errors


def _check_embed(embed: dict[str, Any], errors: Errors, path: list[str]) -> int:
    _check_embed_urls(embed, errors, path)
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
        _check_installs(command, errors, path)
        _check_options(command.get("options") or [], errors, [*path, "options"])
    return errors


INTEGRATION_TYPES = (0, 1)  # guild install, user install
CONTEXTS = (0, 1, 2)  # guild, the bot's DM, other private channels


def _check_installs(command: dict[str, Any], errors: Errors, path: list[str]) -> None:
    """`integration_types` and `contexts`: when given, non-empty lists of known values, each
    once (Discord answers 50035 otherwise)."""
    for key, allowed in (("integration_types", INTEGRATION_TYPES), ("contexts", CONTEXTS)):
        value = command.get(key)
        if value is None:
            continue
        if (
            not isinstance(value, list)
            or not value
            or len(set(value)) != len(value)
            or any(v not in allowed for v in value)
        ):
            _set(
                errors,
                [*path, key],
                error("BASE_TYPE_CHOICES", f"Value must be a non-empty list of {allowed}."),
            )


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


# ---- empty messages, embed URLs -----------------------------------------------------------------

URL_MAX = 2048
IMAGE_SCHEMES = ("http", "https", "attachment")


def is_empty_message(payload: dict[str, Any]) -> bool:
    """Discord refuses (50006) a new message with nothing to show."""
    content = payload.get("content") or ""
    return not (
        content.strip()
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("_files")
        or payload.get("attachments")
        or payload.get("sticker_ids")
        or payload.get("poll")
    )


def _bad_url(value: Any, schemes: tuple[str, ...]) -> bool:
    """Not a well-formed absolute URL with one of `schemes` (parsed as Discord would)."""
    if not isinstance(value, str) or not value or len(value) > URL_MAX:
        return True
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return True
    try:
        url = yarl.URL(value)
    except ValueError:
        return True
    if url.scheme not in schemes:
        return True
    return url.scheme != "attachment" and not url.host


def _check_embed_urls(embed: dict[str, Any], errors: Errors, path: list[str]) -> None:
    invalid = error("URL_TYPE_INVALID_URL", "Not a well formed URL.")
    places: list[tuple[list[str], Any, tuple[str, ...]]] = [
        (["url"], embed.get("url"), ("http", "https"))
    ]
    for key in ("thumbnail", "image"):
        if isinstance(embed.get(key), dict):
            places.append(([key, "url"], embed[key].get("url"), IMAGE_SCHEMES))
    for key, sub in (("author", "url"), ("author", "icon_url"), ("footer", "icon_url")):
        if isinstance(embed.get(key), dict):
            schemes = ("http", "https") if sub == "url" else IMAGE_SCHEMES
            places.append(([key, sub], embed[key].get(sub), schemes))
    for where, value, schemes in places:
        if value is not None and _bad_url(value, schemes):
            _set(errors, [*path, *where], invalid)


# ---- message components -------------------------------------------------------------------------

ROWS_MAX = 5
ROW_WIDTH = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_MAX = 100
PLACEHOLDER_MAX = 150
SELECT_TYPES = (3, 5, 6, 7, 8)
LINK_STYLE = 5
PREMIUM_STYLE = 6


def check_components(components: Any, errors: Errors, path: list[str]) -> None:
    """Legacy message components: at most 5 action rows of 5 buttons or one select menu."""
    if not isinstance(components, list):
        return
    if len(components) > ROWS_MAX:
        _set(errors, path, too_long(ROWS_MAX))
    seen: set[str] = set()
    for i, row in enumerate(components):
        rpath = [*path, str(i)]
        if row.get("type") != 1:
            _set(errors, [*rpath, "type"], error("UNION_TYPE_CHOICES", "Value must be one of {1}."))
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= ROW_WIDTH:
            _set(
                errors,
                [*rpath, "components"],
                error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {ROW_WIDTH} in length."),
            )
        if any(c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
            _set(
                errors,
                [*rpath, "components"],
                error(
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                ),
            )
        for j, child in enumerate(children):
            _check_component(child, errors, [*rpath, "components", str(j)], seen)


def _check_component(
    component: dict[str, Any], errors: Errors, path: list[str], seen: set[str]
) -> None:
    kind = component.get("type")
    needs_id = not (kind == 2 and component.get("style") in (LINK_STYLE, PREMIUM_STYLE))
    _check_custom_id(component.get("custom_id"), needs_id, errors, path, seen)
    if kind == 2:
        label = component.get("label")
        if label is not None and len(label) > BUTTON_LABEL_MAX:
            _set(errors, [*path, "label"], too_long(BUTTON_LABEL_MAX))
        if component.get("style") != PREMIUM_STYLE and not (label or component.get("emoji")):
            _set(
                errors,
                [*path, "label"],
                error("BUTTON_COMPONENT_INVALID", "A button needs a label or an emoji."),
            )
        if component.get("style") == LINK_STYLE and _bad_url(
            component.get("url"), ("http", "https")
        ):
            _set(errors, [*path, "url"], error("URL_TYPE_INVALID_URL", "Not a well formed URL."))
    elif kind in SELECT_TYPES:
        placeholder = component.get("placeholder") or ""
        if len(placeholder) > PLACEHOLDER_MAX:
            _set(errors, [*path, "placeholder"], too_long(PLACEHOLDER_MAX))
        options = component.get("options") or []
        if kind == 3:
            _check_select_options(options, errors, [*path, "options"])
        _check_select_values(component, len(options) if kind == 3 else None, errors, path)
    else:
        _set(
            errors,
            [*path, "type"],
            error("UNION_TYPE_CHOICES", "Value must be a message component."),
        )


def _check_custom_id(
    custom_id: Any, required: bool, errors: Errors, path: list[str], seen: set[str]
) -> None:
    if custom_id is None:
        if required:
            _set(
                errors, [*path, "custom_id"], error("BASE_TYPE_REQUIRED", "This field is required")
            )
        return
    if not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
        _set(
            errors,
            [*path, "custom_id"],
            error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CUSTOM_ID_MAX} in length."),
        )
    elif custom_id in seen:
        _set(
            errors,
            [*path, "custom_id"],
            error("COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"),
        )
    seen.add(custom_id)


def _check_select_options(options: list[dict[str, Any]], errors: Errors, path: list[str]) -> None:
    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        _set(
            errors,
            path,
            error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {SELECT_OPTIONS_MAX} in length."),
        )
    for k, option in enumerate(options):
        for key in ("label", "value", "description"):
            text = option.get(key)
            if key != "description" and not text:
                _set(
                    errors,
                    [*path, str(k), key],
                    error(
                        "BASE_TYPE_BAD_LENGTH",
                        f"Must be between 1 and {SELECT_OPTION_MAX} in length.",
                    ),
                )
            elif text is not None and len(text) > SELECT_OPTION_MAX:
                _set(errors, [*path, str(k), key], too_long(SELECT_OPTION_MAX))


def _check_select_values(
    component: dict[str, Any], options: int | None, errors: Errors, path: list[str]
) -> None:
    """min_values 0-25, max_values 1-25, min_values <= max_values, and for a string select
    max_values no more than its options."""
    low, high = component.get("min_values", 1), component.get("max_values", 1)
    if not 0 <= low <= SELECT_OPTIONS_MAX:
        _set(errors, [*path, "min_values"], error("NUMBER_TYPE_MAX", "Must be 25 or less."))
    if not 1 <= high <= SELECT_OPTIONS_MAX:
        _set(errors, [*path, "max_values"], error("NUMBER_TYPE_MAX", "Must be 25 or less."))
    elif low > high:
        _set(
            errors,
            [*path, "min_values"],
            error("SELECT_COMPONENT_MIN_VALUES_GREATER", "min_values must be at most max_values"),
        )
    elif options is not None and high > options:
        _set(
            errors,
            [*path, "max_values"],
            error("SELECT_COMPONENT_MAX_VALUES_EXCEEDED", "max_values must be at most the options"),
        )


# ---- modals -------------------------------------------------------------------------------------

MODAL_TITLE_MAX = 45
MODAL_INPUTS_MAX = 5
INPUT_LABEL_MAX = 45
INPUT_VALUE_MAX = 4000
INPUT_PLACEHOLDER_MAX = 100


def check_modal(data: dict[str, Any]) -> Errors:
    """A MODAL callback: a 1-45 character title and 1-5 inputs within their limits."""
    errors: Errors = {}
    title = data.get("title") or ""
    if not 1 <= len(title) <= MODAL_TITLE_MAX:
        errors["title"] = error(
            "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MODAL_TITLE_MAX} in length."
        )
    _check_custom_id(data.get("custom_id"), True, errors, [], set())
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_INPUTS_MAX:
        errors["components"] = error(
            "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MODAL_INPUTS_MAX} in length."
        )
    seen: set[str] = set()
    for i, row in enumerate(components):
        path = ["components", str(i)]
        if row.get("type") == 18:  # a Label wrapping one component
            _check_input_label(row.get("label"), errors, [*path, "label"], required=True)
            inner = row.get("component") or {}
            _check_input(inner, errors, [*path, "component"], seen)
        elif row.get("type") == 1 and len(row.get("components") or []) == 1:
            inner = row["components"][0]
            _check_input_label(
                inner.get("label"), errors, [*path, "components", "0", "label"], required=True
            )
            _check_input(inner, errors, [*path, "components", "0"], seen)
        else:
            _set(
                errors,
                path,
                error("BASE_TYPE_BAD_LENGTH", "An action row in a modal holds one text input."),
            )
    return errors


def _check_input_label(label: Any, errors: Errors, path: list[str], required: bool = False) -> None:
    if label is None and not required:
        return
    if not isinstance(label, str) or not 1 <= len(label) <= INPUT_LABEL_MAX:
        _set(
            errors,
            path,
            error("BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {INPUT_LABEL_MAX} in length."),
        )


def _check_input(
    component: dict[str, Any], errors: Errors, path: list[str], seen: set[str]
) -> None:
    _check_custom_id(component.get("custom_id"), True, errors, path, seen)
    if component.get("type") != 4:
        return
    value = component.get("value")
    if value is not None and len(value) > INPUT_VALUE_MAX:
        _set(errors, [*path, "value"], too_long(INPUT_VALUE_MAX))
    placeholder = component.get("placeholder")
    if placeholder is not None and len(placeholder) > INPUT_PLACEHOLDER_MAX:
        _set(errors, [*path, "placeholder"], too_long(INPUT_PLACEHOLDER_MAX))
    for key, least in (("min_length", 0), ("max_length", 1)):
        length = component.get(key)
        if length is not None and not least <= length <= INPUT_VALUE_MAX:
            _set(
                errors,
                [*path, key],
                error("NUMBER_TYPE_MAX", f"Must be between {least} and {INPUT_VALUE_MAX}."),
            )
    low, high = component.get("min_length"), component.get("max_length")
    if low is not None and high is not None and low > high:
        _set(
            errors,
            [*path, "min_length"],
            error("TEXT_INPUT_MIN_LENGTH_GREATER", "min_length must be at most max_length"),
        )


# ---- uploaded files (multipart) -----------------------------------------------------------------

FILE_PART = re.compile(r"^files\[(\d+)\]$")


def too_large(payload: dict[str, Any], limit: int) -> bool:
    """Discord refuses (413, 40005) a request with a file over the attachment size limit
    (10 MiB, more in a boosted guild; the interaction's `attachment_size_limit`)."""
    return any(f["size"] > limit for f in payload.get("_files", []))


def check_files(payload: dict[str, Any]) -> Errors:
    """The multipart shape discord.py and Discord agree on: each file part is `files[n]`, and
    each `attachments` entry of payload_json names an uploaded part by that n."""
    errors: Errors = {}
    uploaded = set()
    for i, part in enumerate(payload.get("_files", [])):
        match = FILE_PART.match(part.get("name") or "")
        if match is None:
            _set(errors, ["files", str(i)], error("FILE_PART_INVALID", "Must be files[n]."))
        else:
            uploaded.add(int(match[1]))
    if not payload.get("_files"):
        return errors
    for i, entry in enumerate(payload.get("attachments") or []):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(entry_id, int) or entry_id not in uploaded:
            _set(errors, ["attachments", str(i), "id"], error("ATTACHMENT_NOT_FOUND", "Unknown."))
    return errors
