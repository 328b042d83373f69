"""Personal watchlists' config keys and the DM's rendering within Discord's limits."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, FollowConfig, parse_config
from bot.core.errors import UserError
from bot.follow.service import parse_what
from bot.render import limits
from bot.render.follow import render_follow_dm
from bot.render.outbox_marker import MARKER_ROOM


def test_follow_keys_are_read() -> None:
    config = parse_config({"follow": {"max_per_user": 10, "batch_minutes": 30, "tick_seconds": 5}})
    assert config.follow == FollowConfig(max_per_user=10, batch_minutes=30.0, tick_seconds=5.0)
    assert parse_config({}).follow == FollowConfig()


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"max_per_user": 0}, "follow.max_per_user"),
        ({"max_per_user": 2.5}, "follow.max_per_user"),
        ({"batch_minutes": 0}, "follow.batch_minutes"),
        ({"tick_seconds": "soon"}, "follow.tick_seconds"),
        ({"batch_size": 3}, "follow.batch_size"),
    ],
)
def test_bad_follow_values_name_the_key(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        parse_config({"follow": raw})


def test_what_is_checked() -> None:
    assert parse_what(None) == ("license", "price", "scores", "releases")
    assert parse_what(" Price , license ") == ("license", "price")
    with pytest.raises(UserError, match="'rumours' is not one of"):
        parse_what("license,rumours")


def test_a_huge_batch_fits_one_message() -> None:
    changes = [
        {"target": f"Model @everyone {i}", "what": "releases", "title": "x" * 400, "link": None}
        for i in range(300)
    ]
    follows = [[i, "n" * 200] for i in range(40)]
    reply = render_follow_dm({"user_id": "42", "changes": changes, "follows": follows})
    assert reply is not None and len(reply.pages) == 1
    card = reply.pages[0]
    assert len(card.description) <= limits.EMBED_DESCRIPTION
    assert card.size() <= limits.EMBED_TOTAL - MARKER_ROOM
    assert "+" in card.description.splitlines()[-1]  # what did not fit is counted
    assert "@everyone" not in card.description
    assert len(reply.actions) == 25
    assert all(len(a.label) <= 80 and len(a.custom_id) <= 100 for a in reply.actions)
    assert reply.actions[0].custom_id == "rr-unfollow:0:42"


def test_an_empty_batch_sends_nothing() -> None:
    assert render_follow_dm({"user_id": "42", "changes": []}) is None
