"""Choosing forum tags and titling forum posts and threads (bot.core.delivery,
bot.render.threads), and the watch.forum_tags setting."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_config
from bot.core.delivery import choose_tags, parse_tag_map
from bot.render.threads import thread_title

TAGS = {"Google": 1, "API only": 2, "Release": 3, "Open": 4, "Shutdown": 5, "Meta": 6, "New": 7}


def test_tags_match_labels_by_name_case_and_punctuation_aside() -> None:
    assert choose_tags(["google", "api_only", "release"], TAGS) == [1, 2, 3]


def test_labels_without_a_tag_are_left_and_no_tag_twice() -> None:
    assert choose_tags(["Alibaba", "google", "Google", "research"], TAGS) == [1]


def test_at_most_five_tags() -> None:
    labels = ["Google", "api_only", "release", "open", "shutdown", "meta"]
    assert choose_tags(labels, TAGS) == [1, 2, 3, 4, 5]


def test_the_targets_mapping_comes_before_the_configured_one() -> None:
    assert choose_tags(["release"], TAGS, {"release": "New"}, {"release": "Open"}) == [7]
    assert choose_tags(["release"], TAGS, {}, {"Release": "Open"}) == [4]
    # a mapping to a tag the forum lacks leaves the label out
    assert choose_tags(["release"], TAGS, {"release": "Missing"}) == []


@pytest.mark.parametrize("text", ["nonsense", "=Tag", "label=", "a=b, =c"])
def test_a_bad_tag_mapping_names_the_pair(text: str) -> None:
    with pytest.raises(ValueError):
        parse_tag_map(text)


def test_a_tag_mapping() -> None:
    assert parse_tag_map(" api_only = Closed , Google=Alphabet,") == {
        "api_only": "Closed",
        "Google": "Alphabet",
    }
    assert parse_tag_map(None) == {}


def test_a_title_is_one_line_of_at_most_100_characters() -> None:
    title = thread_title("Gemma\n\t4   ships " + "x" * 200)
    assert len(title) == 100 and title.startswith("Gemma 4 ships x") and title.endswith("…")
    assert thread_title("Short") == "Short"
    assert thread_title(" \n\u200b ") == "Release Radar"  # nothing left: the fallback


def test_a_title_is_never_cut_inside_an_emoji_sequence_or_an_accent() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji of five code points
    title = thread_title("a" * 96 + family + "tail")
    assert title == "a" * 96 + "…"
    accented = thread_title("b" * 98 + "e\u0301" + "more")
    assert accented == "b" * 98 + "…"
    assert len(thread_title("c" * 100)) == 100


def test_forum_tags_setting_is_checked_at_start_up(tmp_path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("watch:\n  forum_tags: {api_only: Closed}\n")
    assert load_config(path).watch.forum_tags == {"api_only": "Closed"}
    for bad in ("[Closed]", "{api_only: ''}", "{api_only: " + "x" * 21 + "}"):
        path.write_text(f"watch:\n  forum_tags: {bad}\n")
        with pytest.raises(ConfigError, match=r"watch\.forum_tags"):
            load_config(path)
