"""The rendering layer keeps every reply inside Discord's limits without cutting items."""

import random
import re

import pytest

from bot.core.errors import ImportRejected, UserError
from bot.core.results import LicenseListing, SourceRef
from bot.core.urls import checked_url
from bot.core.vocab import Openness
from bot.digest.builder import DigestItem
from bot.render import limits
from bot.render.alerts import render_alert
from bot.render.cards import Card, CardBuilder, Field, Reply, clip
from bot.render.digest import _item
from bot.render.discord_embed import card_to_embed
from bot.render.lookups import render_license_listing, render_model
from bot.render.outbox_marker import outbox_marker, read_outbox_id, stamp
from bot.render.safe import link, safe_text, user_error_text
from bot.render.text import reply_to_text
from bot.watch.alerts import AlertView
from tests.standin import validation


def assert_fits(reply: Reply) -> None:
    for card in reply.pages:
        assert len(card.title) <= limits.EMBED_TITLE
        assert len(card.description) <= limits.EMBED_DESCRIPTION
        assert len(card.fields) <= limits.EMBED_FIELDS
        assert len(card.footer) <= limits.FOOTER
        for field in card.fields:
            assert 0 < len(field.name) <= limits.FIELD_NAME
            assert 0 < len(field.value) <= limits.FIELD_VALUE
        assert card.size() <= limits.EMBED_TOTAL


def test_long_content_pages_without_splitting_lines() -> None:
    builder = CardBuilder("T" * 400, footer="Data: someone")
    lines = [f"item {i:04d} " + "x" * 80 for i in range(400)]
    for line in lines:
        builder.line(line)
    for i in range(60):
        builder.field(f"Field {i}", [f"value {i} " + "y" * 300 for _ in range(5)])
    reply = builder.build()
    assert len(reply.pages) > 3
    assert_fits(reply)
    described = "\n".join(p.description for p in reply.pages if p.description).split("\n")
    assert described == lines  # every line whole, in order, none lost
    assert reply.pages[0].footer.startswith(f"Page 1/{len(reply.pages)}")


def test_untrusted_text_cannot_ping() -> None:
    builder = CardBuilder("@everyone release")
    builder.line("hello @here and <@123> and <@&456>")
    card = builder.build().pages[0]
    assert "@everyone" not in card.title
    assert "@here" not in card.description
    assert "<@" not in card.description


def test_big_listing_is_paged_within_limits() -> None:
    source = SourceRef(
        "llmstats",
        "LLM Stats",
        "dataset",
        credit="LLM Stats (CC BY 4.0)",
        url="https://example.org/" + "p" * 200,
    )
    listing = LicenseListing(
        "Big",
        "MIT",
        True,
        Openness.OPEN_PERMISSIVE,
        True,
        None,
        tuple((f"Model {i}", source) for i in range(500)),
        ("LLM Stats (CC BY 4.0)",),
    )
    reply = render_license_listing(listing)
    assert len(reply.pages) > 1
    assert_fits(reply)
    assert all("LLM Stats (CC BY 4.0)" in p.footer for p in reply.pages)


async def test_every_bundled_model_renders_within_limits(services) -> None:
    for entry in services.lookups.models.entries[:: max(1, len(services.lookups.models) // 150)]:
        assert_fits(render_model(await services.lookups.model(entry.name)))


def test_error_reply_is_ephemeral() -> None:
    reply = Reply.error("nope @everyone")
    assert reply.ephemeral
    assert isinstance(reply.pages[0], Card) and "@everyone" not in reply.pages[0].description


def test_the_outbox_marker_is_invisible_and_reads_back() -> None:
    reply = Reply([Card("Title", "Body", footer="Sources: Vendor")])
    stamped = stamp(reply, 123456)
    footer = stamped.pages[0].footer
    assert footer.startswith("Sources: Vendor") and footer != "Sources: Vendor"
    assert not any(ch.isprintable() and not ch.isspace() for ch in footer[len("Sources: Vendor") :])
    assert read_outbox_id(footer) == 123456
    assert reply.pages[0].footer == "Sources: Vendor"  # the shared rendering is not changed
    assert read_outbox_id(stamp(Reply([Card("t", "d")]), 0).pages[0].footer) == 0


def test_a_full_embed_keeps_its_limits_when_stamped() -> None:
    card = Card("t" * 256, "d" * 4096, footer="f" * 1640)  # 5,992 characters: 8 left
    stamped = stamp(Reply([card]), 2**40).pages[0]
    assert stamped.size() <= limits.EMBED_TOTAL and len(stamped.footer) <= limits.FOOTER
    assert read_outbox_id(stamped.footer) == 2**40
    brimful = Card("t" * 256, "d" * 4096, [Field("n" * 256, "v" * 1024), Field("m", "w" * 367)])
    assert brimful.size() == limits.EMBED_TOTAL
    stamped = stamp(Reply([brimful]), 99).pages[0]
    assert stamped.size() == limits.EMBED_TOTAL and read_outbox_id(stamped.footer) == 99
    long_footer = stamp(Reply([Card("t", "d", footer="f" * limits.FOOTER)]), 7).pages[0]
    assert len(long_footer.footer) <= limits.FOOTER and read_outbox_id(long_footer.footer) == 7


def test_clip_with_no_room_is_empty() -> None:
    assert clip("text", 0) == "" and clip("text", -5) == ""
    assert clip("text", 1) == "…" and clip("text", 4) == "text"


def assert_discord_takes_it_stamped(card: Card, outbox_id: int) -> None:
    """Stamped, the card is an embed the stand-in's own validator accepts, naming the row."""
    stamped = stamp(Reply([card]), outbox_id).pages[0]
    embed = card_to_embed(stamped).to_dict()
    assert validation.check_message({"embeds": [embed]}) == {}, card
    assert read_outbox_id(embed["footer"]["text"]) == outbox_id


def test_a_full_embed_of_fields_gives_the_marker_room_from_its_last_field() -> None:
    """No description to shorten: the excess comes out of the last field."""
    fields = [Field("n" * 256, "v" * 1024) for _ in range(4)]
    full = Card("T", "", [*fields, Field("n" * 100, "v" * (6000 - 1 - 4 * 1280 - 100))])
    assert full.size() == limits.EMBED_TOTAL
    assert_discord_takes_it_stamped(full, 2**40 + 12345)
    footed = Card("T", "", [*fields, Field("n" * 100, "v" * 769)], footer="f" * 10)
    assert footed.size() == limits.EMBED_TOTAL
    assert_discord_takes_it_stamped(footed, 2**40 + 12345)
    # the last fields have nothing to give (one character each): an earlier one gives it
    tiny = Card("t" * 256, "", [*fields, Field("n" * 256, "v" * 330), *[Field("n", "v")] * 19])
    assert tiny.size() == limits.EMBED_TOTAL
    assert_discord_takes_it_stamped(tiny, 2**42)


def _random_card(rng: random.Random) -> Card:
    """A card within every limit, often at or near the 6,000 total."""

    def text(limit: int, low: int = 0) -> str:
        return "x" * rng.choice([low, low + 1, rng.randint(low, limit), limit])

    fields = [Field(text(256, 1), text(1024, 1)) for _ in range(rng.randint(0, 25))]
    card = Card(text(256), text(4096), fields, footer=text(2048))
    while card.size() > limits.EMBED_TOTAL:  # trim back under the total, as a renderer would
        over = card.size() - limits.EMBED_TOTAL
        if card.footer:
            card.footer = card.footer[: max(0, len(card.footer) - over)]
        elif card.description:
            card.description = card.description[: max(0, len(card.description) - over)]
        else:
            card.fields.pop()
    return card


def test_any_card_within_the_limits_stays_within_them_when_stamped() -> None:
    rng = random.Random(11)
    for _ in range(500):
        assert_discord_takes_it_stamped(_random_card(rng), rng.randint(0, 2**43 - 1))


@pytest.mark.parametrize(
    "footer",
    [None, "", "Sources: Vendor", "#o123", "\u2060\u2060", "\u2060\u200bx\u2060", "\u2060\u200c"],
)
def test_a_footer_without_a_whole_marker_names_no_row(footer) -> None:
    assert read_outbox_id(footer) is None


def test_a_negative_outbox_id_is_refused() -> None:
    with pytest.raises(ValueError):
        outbox_marker(-1)


# ---- untrusted text and links -------------------------------------------------------------

HOSTILE_LINK = "https://vendor.example/x) [Free Nitro](https://evil.example/"
# A masked link Discord would render: '[label](http...' with neither bracket escaped.
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(\s*<?https?:")


def alert(**changes) -> AlertView:
    values = {
        "entry_id": 1,
        "title": "Gemma 4 # is **out**",
        "link": "https://g.example/gemma-4",
        "published": "2026-11-22T10:00:00+00:00",
        "type": "release",
        "summary": "Get it: [download](https://evil.example/x) or \\[mirror](https://evil.example/y)",
        "sources": (("Google", "https://g.example/gemma-4"),),
        "models": (),
    }
    return AlertView(**(values | changes))


def test_feed_text_cannot_make_masked_links_or_markdown() -> None:
    card = render_alert(alert()).pages[0]
    assert not MASKED_LINK.search(card.title + card.description)
    assert "\\[download\\](https://evil.example/x)" in card.description  # target in plain view
    assert card.title == "Gemma 4 # is \\*\\*out\\*\\*"
    assert card.fields[0].value == "[Google](https://g.example/gemma-4)"  # the bot's own link
    # On the command line the escapes are undone: the text reads as the feed wrote it.
    assert "Get it: [download](https://evil.example/x)" in reply_to_text(render_alert(alert()))


def test_safe_text_escapes_markdown_and_keeps_plain_links() -> None:
    assert safe_text("# Heading") == "\\# Heading"
    assert safe_text("-# small\n> quote\n1. item") == "\\-# small\n\\> quote\n1\\. item"
    assert safe_text("||spoiler|| ~~x~~ `code` __u__") == (
        "\\|\\|spoiler\\|\\| \\~\\~x\\~\\~ \\`code\\` \\_\\_u\\_\\_"
    )
    assert safe_text("see https://a.example/x_y_z.") == "see https://a.example/x_y_z."
    assert "<@" not in safe_text("<@123> <@&4> <#5> <t:1:R>")
    assert "@everyone" not in safe_text("@everyone")
    # A backslash in the text cannot undo an escape.
    assert not MASKED_LINK.search(safe_text("\\[a](https://evil.example/)"))
    # A link that fails the check is inert text: Discord does not see 'https\://' as a link.
    assert safe_text("https://a.example/[x]") == "https\\://a.example/\\[x\\]"


def test_links_the_bot_makes_are_checked_and_never_disguised() -> None:
    assert link("Google", "https://g.example/") == "[Google](https://g.example/)"
    assert link("Google", HOSTILE_LINK) == "Google"
    assert link("[x](y)", None) == "\\[x\\](y)"
    # A label that reads as an address shows the real target too.
    assert link("discord.com/nitro", "https://evil.example/") == (
        "discord.com/nitro · https://evil.example/"
    )


@pytest.mark.parametrize(
    "url",
    [
        HOSTILE_LINK,
        "https://a.example/x y",
        "https://a.example/(x)",
        "https://a.example/<x>",
        "https://a.example/\u200bx",
        "https://a.example/\x07",
        "javascript:alert(1)",
        "ftp://a.example/",
        "https:///path",
        "https://user:pass@a.example/",
        "https://a.example:99999/",
        "https://a..example/",
        "https://a.example/" + "x" * 2100,
        "",
        None,
    ],
)
def test_bad_urls_are_refused(url: str | None) -> None:
    assert checked_url(url) is None


@pytest.mark.parametrize(
    "url",
    ["https://g.example/gemma-4?utm=x#top", "http://10.0.0.1:8080/feed", "https://пример.рф/a"],
)
def test_good_urls_pass_unchanged(url: str) -> None:
    assert checked_url(url) == url


def test_a_bad_link_never_becomes_an_embed_url() -> None:
    card = render_alert(alert(link=HOSTILE_LINK, sources=(("Google", HOSTILE_LINK),))).pages[0]
    assert card.url is None
    assert card.fields[0].value == "Google"
    stored = Card("Old", "stored before links were checked", url=HOSTILE_LINK)
    assert card_to_embed(stored).url is None


def test_digest_items_link_only_to_checked_targets() -> None:
    item = DigestItem(
        1,
        "[Free Nitro](https://evil.example/)",
        HOSTILE_LINK,
        "2026-11-22",
        "release",
        "Org **x**",
        (),
        "unknown",
        ("Feed",),
    )
    assert not MASKED_LINK.search(_item(item))


@pytest.mark.parametrize(
    "label",
    [
        "github\u3002com/openai",  # ideographic full stop
        "github\uff0ecom",  # fullwidth full stop
        "github\u2024com",  # one dot leader
        "github\u200b.com",  # a zero-width space before the dot
        "\uff45\uff56\uff49\uff4c\uff0e\uff43\uff4f\uff4d",  # fullwidth letters
    ],
)
def test_a_label_that_reads_as_an_address_however_spelt_shows_the_target(label: str) -> None:
    shown = link(label, "https://evil.example/")
    assert not MASKED_LINK.search(shown), shown
    assert shown.endswith(" · https://evil.example/"), shown


def test_link_targets_show_their_host_as_dns_spells_it() -> None:
    # 'аpple.com' with a Cyrillic 'а' is another host than apple.com: the target shows so.
    assert link("Click", "https://\u0430pple.com/x") == "[Click](https://xn--pple-43d.com/x)"
    assert safe_text("log in at https://\u0430pple.com:8443/login?a=1") == (
        "log in at https://xn--pple-43d.com:8443/login?a=1"
    )
    assert safe_text("https://a.example/x") == "https://a.example/x"  # ASCII hosts as written


def test_safe_text_drops_characters_that_hide_or_reorder_text() -> None:
    assert safe_text("x\u202eevil\u202c") == "xevil"  # right-to-left override
    assert safe_text("a\u2066b\u2069\u200e") == "ab"  # bidi isolates and marks
    assert safe_text("a\u200b\u2060\ufeff[b](https://e.example/)") == (
        "a\\[b\\](https://e.example/)"
    )
    assert safe_text("\u30c6\u30b9\u30c8\u3002 \U0001f44d") == "\u30c6\u30b9\u30c8\u3002 \U0001f44d"


def test_a_refusal_shows_the_bots_wording_and_the_users_input_as_written() -> None:
    error = UserError("No model is named '{}'. See `/models`.", "[x](https://evil.example/)")
    assert str(error) == "No model is named '[x](https://evil.example/)'. See `/models`."
    assert user_error_text(error) == (
        "No model is named '\\[x\\](https://evil.example/)'. See `/models`."
    )
    assert user_error_text(UserError("Plain {braces} stay, `/cmd` too.")) == (
        "Plain {braces} stay, `/cmd` too."
    )
    rejected = ImportRejected("f.yaml: 2 problem(s).", ["# [a](https://e.example/)", "{b}"])
    assert str(rejected) == "f.yaml: 2 problem(s).\n- # [a](https://e.example/)\n- {b}"
    assert user_error_text(rejected) == (
        "f.yaml: 2 problem(s).\n- \\# \\[a\\](https://e.example/)\n- {b}"
    )
