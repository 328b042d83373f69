"""An alert is one message that fits Discord's limits: shortened, never paged, and never
silently cut (what is left out is counted as '+N more')."""

from __future__ import annotations

import dataclasses
import random
import string

import pytest

from bot.render import limits
from bot.render.alerts import render_alert
from bot.render.cards import Reply
from bot.render.discord_embed import card_to_embed
from bot.render.fit import fit_card, fit_lines
from bot.render.outbox_marker import read_outbox_id, stamp
from bot.watch.alerts import AlertView
from tests.standin import validation
from tests.unit.test_render import assert_fits


async def _reports(services, count: int):
    reports = []
    for entry in services.lookups.models.entries[:count]:
        report = await services.lookups.report(entry.id)
        reports.append(report)
    return tuple(reports)


def _discord_accepts(card) -> None:
    embed = card_to_embed(card).to_dict()
    assert validation.check_message({"embeds": [embed]}) == {}


async def test_a_huge_alert_is_one_message_that_fits_and_says_what_it_left_out(services) -> None:
    reports = await _reports(services, 3)
    long_models = tuple(
        dataclasses.replace(
            r, name="M" * 300, credits=tuple(f"Credit {i} " * 20 for i in range(30))
        )
        for r in reports
    )
    alert = AlertView(
        1,
        "Big news " * 60,
        "https://vendor.example/big",
        "2026-04-02T10:00:00",
        "release",
        "Summary " * 200,
        tuple((f"Source number {i} " * 5, f"https://s{i}.example/post/{i}") for i in range(80)),
        long_models,
    )
    reply = render_alert(alert)
    assert len(reply.pages) == 1
    card = reply.pages[0]
    assert_fits(reply)
    _discord_accepts(card)
    assert "Page" not in card.footer
    reported = next(f for f in card.fields if f.name == "Reported by")
    shown = reported.value.count("https://s")
    assert f"+{80 - shown} more" in reported.value
    assert len(card.fields) == 1 + len(long_models)  # every model keeps its field


async def test_an_ordinary_alert_is_shown_whole(services) -> None:
    reports = await _reports(services, 2)
    alert = AlertView(
        2,
        "Gemma 4",
        "https://g.example/g4",
        None,
        "release",
        "A new open model.",
        (("Google", "https://g.example/g4"), ("News", None)),
        reports,
    )
    card = render_alert(alert).pages[0]
    assert "more" not in "".join(f.value for f in card.fields)
    assert card.fields[0].value == "[Google](https://g.example/g4)\nNews"
    assert [f.name for f in card.fields[1:]] == [
        r.name + (f" · {r.org}" if r.org else "") for r in reports
    ]


def test_the_same_input_gives_the_same_card() -> None:
    fields = [(f"F{i}", [f"line {j} " * 30 for j in range(20)]) for i in range(40)]
    first = fit_card("T", ["d" * 5000], fields, "footer")
    assert first == fit_card("T", ["d" * 5000], fields, "footer")
    assert len(first.fields) == limits.EMBED_FIELDS
    assert first.fields[-1].name == "More (16)" and first.fields[-1].value.startswith("F24\nF25")
    assert first.size() <= limits.EMBED_TOTAL
    _discord_accepts(first)


def test_fields_over_the_total_shrink_largest_first() -> None:
    small = ("Small", ["tiny"])
    big = [(f"Big {i}", [f"{i}-{j} " + "x" * 90 for j in range(10)]) for i in range(8)]
    card = fit_card("T", ["desc"], [small, *big])
    assert card.fields[0].value == "tiny"  # the small field is untouched
    assert card.size() <= limits.EMBED_TOTAL
    assert all("more" in f.value for f in card.fields[1:])


def test_fit_lines_keeps_whole_lines_and_counts_the_rest() -> None:
    assert fit_lines(["a" * 10, "b" * 10, "c" * 10], 25) == "a" * 10 + "\n… +2 more"
    assert fit_lines(["a" * 10, "b" * 10], 21) == "a" * 10 + "\n" + "b" * 10
    assert fit_lines([], 10) == "—"
    single = fit_lines(["z" * 50], 20)
    assert len(single) <= 20 and single.endswith("…")


def test_untrusted_text_in_an_alert_cannot_mention() -> None:
    card = fit_card("@everyone", ["<@&1> @here"], [("<@2>", ["@everyone"])])
    text = card.title + card.description + card.fields[0].name + card.fields[0].value
    assert "@everyone" not in text and "<@" not in text and "@here" not in text


@pytest.mark.parametrize(
    ("name", "values"), [("", ["x"]), (" ", [" "]), ("n", [""]), ("n", ["  \n  "]), ("n", [])]
)
def test_a_field_that_would_show_nothing_gets_a_dash(name, values) -> None:
    card = fit_card("t", [], [(name, values)])
    (field,) = card.fields
    assert field.name.strip() and field.value.strip()
    assert (field.name == "—") == (not name.strip())
    _discord_accepts(card)


def test_any_fitted_alert_is_one_message_discord_takes_stamped() -> None:
    """Untrusted text of any size and shape, empty and blank parts included: the fitted card,
    stamped with its outbox id, passes the stand-in's own validator."""
    rng = random.Random(5)
    alphabet = string.ascii_letters + " \n@<>[]()*_`~|\u200b"

    def text(most: int) -> str:
        size = rng.choice([0, 1, rng.randint(0, most), most])
        return "".join(rng.choices(alphabet, k=size))

    for _ in range(150):
        fields = [
            (text(400), [text(1500) for _ in range(rng.randint(0, 10))])
            for _ in range(rng.randint(0, 40))
        ]
        lines = [text(3000) for _ in range(rng.randint(0, 20))]
        card = fit_card(text(400), lines, fields, footer=text(3000))
        outbox_id = rng.randint(0, 2**43 - 1)
        stamped = stamp(Reply([card]), outbox_id).pages[0]
        _discord_accepts(stamped)
        assert read_outbox_id(stamped.footer) == outbox_id
