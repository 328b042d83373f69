"""Refusals that quote what a member typed show it as written: no masked link, no markdown
the bot did not make, while the bot's own wording (its `commands`, channel mentions) renders."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

EVIL = "[x](https://evil.example/)"
EVIL_SHOWN = "\\[x\\](https://evil.example/)"  # as written, not a link
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(\s*<?https?:")


def refused(resp, wording: str, shown: str = EVIL_SHOWN) -> str:
    """The private refusal's text: `shown` (EVIL as written), no masked link, `wording` intact."""
    text = resp.text()
    assert resp.ephemeral, text
    assert not MASKED_LINK.search(text), text
    assert shown in text, text
    assert wording in text, text
    return text


async def test_an_unknown_model_name_is_quoted_inert(harness) -> None:
    resp = await harness.member.slash("model", name=EVIL)
    refused(resp, f"No model matches '{EVIL_SHOWN}'.")


async def test_a_bad_digest_time_zone_is_quoted_inert(harness) -> None:
    resp = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="09:00", timezone=EVIL
    )
    refused(resp, "is not an IANA time zone name (for example Europe/Berlin).")
    resp = await harness.admin.slash(
        "digest set", channel="digest", frequency="daily", time="[9](https://e.x)", timezone="UTC"
    )
    refused(resp, "is not a 24-hour time like 09:00.", shown="Time '\\[9\\](https://e.x)'")


async def test_watch_filters_are_quoted_inert(harness) -> None:
    resp = await harness.admin.slash("watch add", channel="releases", types=EVIL)
    refused(resp, f"Unknown type '{EVIL_SHOWN}'. Use: ")
    resp = await harness.admin.slash("watch add", channel="releases", openness=EVIL)
    refused(resp, f"Unknown openness '{EVIL_SHOWN}'. Use: ")
    resp = await harness.admin.slash("watch add", channel="releases", keywords=EVIL + "x" * 100)
    assert resp.text().endswith("Each of the keywords must be at most 100 characters."), resp.text()


async def test_a_role_named_with_markdown_is_quoted_inert(harness) -> None:
    role = await harness.standin.add_role(EVIL, mentionable=False)
    resp = await harness.admin.slash("watch add", channel="releases", role=role["id"])
    text = refused(resp, "it is not mentionable.")
    # The channel mention is the bot's own: it stays a mention.
    channel = harness.standin.channel("releases")["id"]
    assert f"in <#{channel}>:" in text, text
