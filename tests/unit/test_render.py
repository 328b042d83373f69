"""The rendering layer keeps every reply inside Discord's limits without cutting items."""

from bot.core.results import LicenseListing, SourceRef
from bot.core.vocab import Openness
from bot.render import limits
from bot.render.cards import Card, CardBuilder, Reply
from bot.render.lookups import render_license_listing, render_model


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
