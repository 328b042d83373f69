"""Parsing, cleaning, identities, classification and model linking of feed entries."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.watch.classify import classify
from bot.watch.clean import absolute_link, cap, html_to_text, utc_date
from bot.watch.identity import identities, normalize_link
from bot.watch.items import FeedItem
from bot.watch.linking import link_models, models_named
from bot.watch.parse import _SAMPLE, parse_feed
from tests.conftest import FEEDS
from tests.feed_server import rss

REAL = sorted((FEEDS / "real").glob("*.xml"))
ILLFORMED = sorted(
    p for p in (FEEDS / "illformed").rglob("*") if p.is_file() and p.name != "LICENSE"
)


def parse(data: bytes, url: str = "https://vendor.example/feed.xml"):
    return parse_feed(data, url=url, source_key="t", source_name="Test")


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_vendor_feeds(path: Path) -> None:
    result = parse(path.read_bytes())
    assert result.problem is None
    assert len(result.items) >= 10
    for item in result.items:
        assert item.title and "<" not in item.title
        assert item.link is None or item.link.startswith("https://")
        assert item.published is None or item.published.endswith("+00:00")


@pytest.mark.parametrize("path", ILLFORMED, ids=lambda p: p.name)
def test_illformed_corpus_never_crashes_and_says_why(path: Path) -> None:
    result = parse(path.read_bytes())
    # usable entries, a stated reason, or a recognised feed that is simply empty
    assert result.items or result.problem or result.version
    assert not (result.items and result.problem)


def test_xml_errors_name_the_line() -> None:
    broken = b'<?xml version="1.0"?>\n<rss version="2.0"><channel>\n<title>t</title>\n<item'
    assert parse(broken).problem == "not a feed: line 4: unclosed token"


def test_garbage_and_empty_bodies() -> None:
    assert parse(b"").problem
    assert parse(b"\x00\xff\xfe garbage").problem
    assert parse(b"<html><body>Not a feed</body></html>").problem


def test_html_is_stripped_lengths_capped_and_links_resolved() -> None:
    body = rss(
        [
            {
                "title": "&lt;b&gt;Gemma 4&lt;/b&gt; is out",
                "link": "/news/gemma-4",
                "description": "&lt;p&gt;Hello &lt;script&gt;alert(1)&lt;/script&gt;&lt;a href='x'&gt;world&lt;/a&gt;&lt;/p&gt;"
                + "y" * 3000,
                "date": "Thu, 02 Apr 2026 10:00:00 +0200",
            }
        ]
    )
    item = parse(body.encode()).items[0]
    assert item.title == "Gemma 4 is out"
    assert item.summary.startswith("Hello world") and "alert" not in item.summary
    assert len(item.summary) <= 1000 and item.summary.endswith("…")
    assert item.link == "https://vendor.example/news/gemma-4"
    assert item.published == "2026-04-02T08:00:00+00:00"


def test_impossible_and_missing_dates() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert utc_date(time.strptime("1970-01-01", "%Y-%m-%d"), now) is None
    assert utc_date(time.strptime("2031-01-01", "%Y-%m-%d"), now) is None
    assert utc_date(None, now) is None
    assert utc_date(time.strptime("2026-04-02", "%Y-%m-%d"), now) == "2026-04-02T00:00:00+00:00"
    body = rss(
        [
            {"title": "No date", "link": "https://a.example/x"},
            {"title": "Bad", "link": "https://a.example/y", "date": "Mon, 99 Foo 2026"},
        ]
    )
    items = parse(body.encode()).items
    assert [i.published for i in items] == [None, None]


def test_cleaning_helpers() -> None:
    assert html_to_text("a<br>b &amp; <i>c</i>") == "a b & c"
    assert cap("word " * 100, 50).endswith("…") and len(cap("word " * 100, 50)) <= 50
    assert absolute_link("javascript:alert(1)", "https://x.example/") is None
    assert absolute_link("../a", "https://x.example/b/c/") == "https://x.example/b/a"


def test_html_to_text_keeps_what_a_browser_shows() -> None:
    assert html_to_text("<p>Hello <b>Gem</b>ma</p><p>next</p>") == "Hello Gemma next"
    assert html_to_text("a < b and 3<4 > 2") == "a < b and 3<4 > 2"
    assert html_to_text("x<!-- hidden -->y<SCRIPT type=x>alert(1)</script >z") == "xyz"
    assert html_to_text("<title>T</title><style>p{}</style>body<br/>end") == "body end"
    assert html_to_text("text<script>never closed") == "text"
    assert html_to_text("text<!-- never closed") == "text"
    assert html_to_text('<a title="x">link</a>') == "link"


def test_links_that_could_break_out_of_markdown_are_dropped_at_ingest() -> None:
    hostile = "https://vendor.example/x) [Free Nitro](https://evil.example/"
    body = rss(
        [
            {"title": "Hostile", "link": hostile.replace("&", "&amp;"), "guid": "h"},
            {"title": "Spaced", "link": "https://vendor.example/a b", "guid": "s"},
            {"title": "Long", "link": "https://vendor.example/" + "x" * 2100, "guid": "l"},
            {"title": "Fine", "link": "/news/fine?a=1&amp;b=2", "guid": "f"},
        ]
    )
    links = {i.title: i.link for i in parse(body.encode()).items}
    assert links == {
        "Hostile": None,
        "Spaced": None,
        "Long": None,  # dropped, not cut: a shortened link leads somewhere else
        "Fine": "https://vendor.example/news/fine?a=1&b=2",
    }


# Inputs that make a naive tag stripper (or html.parser in Python 3.11) quadratic.
PATHOLOGICAL = ["<", "<a", "<br", "<!--", "</", "<!", "<script>", "</script", "&#", '<a x="']


@pytest.mark.parametrize("piece", PATHOLOGICAL)
def test_html_to_text_on_pathological_input_is_linear(piece: str) -> None:
    """CPU time for 8x the input stays near 8x (quadratic would be 64x); the best of three
    runs each, on this thread's clock, so other processes' load does not count."""

    def cost(n: int) -> float:
        text = piece * n
        best = float("inf")
        for _ in range(3):
            start = time.thread_time()
            html_to_text(text)
            best = min(best, time.thread_time() - start)
        return best

    small, large = cost(10_000), cost(80_000)
    assert large < 24 * max(small, 1e-4)


def test_html_to_text_output_on_pathological_input() -> None:
    assert html_to_text("<" * 80_000) == "<" * 80_000
    assert html_to_text("a" + "<a" * 80_000) == "a"  # an unclosed tag runs to the end
    assert html_to_text("b<br>" * 1000) == ("b " * 1000).strip()
    assert html_to_text("&amp;" * 1000) == "&" * 1000


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.Example.com/post/?utm_source=x&utm_medium=y", "http://example.com/post"),
        ("https://example.com/post#comments", "https://example.com/post/"),
        ("https://example.com:443/p?b=2&a=1&fbclid=z", "https://example.com/p?a=1&b=2"),
    ],
)
def test_link_normalisation(a: str, b: str) -> None:
    assert normalize_link(a) == normalize_link(b)


def test_identity_prefers_guid_and_link_then_title_and_date() -> None:
    item = FeedItem(
        "T", "https://x.example/a/", "", "2026-04-02T00:00:00+00:00", "g1", "src", "Src"
    )
    assert identities(item) == ["guid:src:g1", "link:x.example/a"]
    bare = FeedItem("Hello World", None, "", "2026-04-02T08:00:00+00:00", None, "src", "Src")
    assert identities(bare) == ["title:src:helloworld:2026-04-02"]


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Introducing Gemma 4", "release"),
        ("Sora will be shut down in April", "shutdown"),
        ("Gemma moves to the Apache 2.0 license", "license_change"),
        ("New pricing: 50% cheaper per million tokens", "price_change"),
        ("A paper on scaling laws", "research"),
        ("Emmi joins Mistral", "other"),
    ],
)
def test_classification(title: str, kind: str) -> None:
    assert classify(title) == kind


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("Ships", "release"),
        ("shipping costs rise", "other"),  # 'ship' counts only as a whole word
        ("We meet again", "release"),
        ("A meeting", "other"),
        ("Re-release of Gemma 4", "release"),
        ("GPT5release notes", "release"),  # a stem after digits still starts a word
        ("Deprecated, and then relaunched", "shutdown"),  # the earlier kind wins
        ("Gemma licensing", "license_change"),
    ],
)
def test_classification_by_word_stems(word: str, kind: str) -> None:
    assert classify(word) == kind


def test_feed_items_are_classified_when_parsed_from_the_summary_opening() -> None:
    items = [
        {"title": "Gemma 4", "link": "https://a.example/1", "description": "Introducing Gemma 4."},
        {
            "title": "A day at the lab",
            "link": "https://a.example/2",
            "description": "x " * 150 + "We are releasing a model.",  # past the opening
        },
    ]
    parsed = parse(rss(items).encode())
    assert [i.type for i in parsed.items] == ["release", "other"]


def test_parser_process_warm_up_sample_is_a_feed() -> None:
    # Every parser process parses this when it starts; a broken sample would break the pool.
    result = parse(_SAMPLE)
    assert result.problem is None and [i.title for i in result.items] == ["Warm-up & test"]


async def test_linking_finds_named_models_through_aliases(services) -> None:
    index = services.lookups.models
    found = [
        e.name
        for e in link_models(index, "Introducing Gemma 4 and Qwen 3.5 Omni, compared with gpt-4o")
    ]
    assert found == ["Gemma 4", "Qwen3.5-Omni", "GPT-4o"]
    assert link_models(index, "an atlas of results with sora-like quality") == []


async def test_linking_takes_the_longest_name_once_and_stops_at_the_limit(services) -> None:
    index = services.lookups.models
    text = "Qwen3.5-Omni-Plus beats Qwen3.5-Omni; Gemma 4, Gemma 4 again, GPT-4o"
    names = [e.name for e in link_models(index, text)]
    assert names == ["Qwen3.5-Omni-Plus", "Qwen3.5-Omni", "Gemma 4", "GPT-4o"]
    assert [e.name for e in link_models(index, text, limit=2)] == names[:2]
    # A name inside a longer one is not found again: Med-PaLM 2 is not also PaLM 2.
    assert [e.name for e in link_models(index, "Med-PaLM 2 is out")] == ["Med-PaLM 2"]
    # Only the opening of a summary is searched, as for the entry's type.
    assert models_named(index, "News", "x " * 150 + "Gemma 4") == []
    assert [e.name for e in models_named(index, "News", "About Gemma 4")] == ["Gemma 4"]


# ---- Atom, RSS 1.0 (RDF) and JSON Feed ---------------------------------------------------------

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Vendor blog</title><link href="https://vendor.example/"/>
  <id>urn:vendor</id><updated>2026-04-02T10:00:00Z</updated>
  <entry>
    <title type="html">Introducing &lt;b&gt;Gemma 4&lt;/b&gt;</title>
    <link rel="alternate" href="/blog/gemma-4"/>
    <id>urn:vendor:gemma-4</id>
    <published>2026-04-02T12:00:00+02:00</published><updated>2026-04-03T00:00:00Z</updated>
    <summary>Open weights under Apache 2.0.</summary>
  </entry>
  <entry>
    <title>Only updated</title><link href="https://vendor.example/blog/u"/>
    <id>urn:vendor:u</id><updated>2026-04-05T00:00:00Z</updated>
    <content type="html">&lt;p&gt;Body text&lt;/p&gt;</content>
  </entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://lab.example/"><title>Lab</title><link>https://lab.example/</link>
    <description>d</description></channel>
  <item rdf:about="https://lab.example/p/1">
    <title>A paper on scaling laws</title><link>https://lab.example/p/1</link>
    <description>We show things.</description><dc:date>2026-03-01T09:30:00Z</dc:date>
  </item>
</rdf:RDF>"""


def json_feed(items: list, **top) -> bytes:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "J", **top, "items": items}
    return json.dumps(document).encode()


def test_atom_entries() -> None:
    result = parse(ATOM)
    assert result.problem is None and result.version == "atom10"
    first, second = result.items
    assert first.title == "Introducing Gemma 4" and first.type == "release"
    assert first.link == "https://vendor.example/blog/gemma-4"
    assert first.guid == "urn:vendor:gemma-4" and first.published == "2026-04-02T10:00:00+00:00"
    assert second.summary == "Body text" and second.published == "2026-04-05T00:00:00+00:00"


def test_rss_1_0_rdf_entries() -> None:
    result = parse(RDF)
    assert result.problem is None and result.version == "rss10"
    (item,) = result.items
    assert item.title == "A paper on scaling laws" and item.type == "research"
    assert item.link == "https://lab.example/p/1" and item.published == "2026-03-01T09:30:00+00:00"


def test_json_feed_entries() -> None:
    body = json_feed(
        [
            {
                "id": "1",
                "url": "/posts/gemma-4",
                "title": "Introducing Gemma 4",
                "content_html": "<p>Open <b>weights</b></p>",
                "date_published": "2026-04-02T12:00:00+02:00",
            },
            {"id": 2, "external_url": "https://x.example/b", "content_text": "Plain text only"},
            {
                "id": "3",
                "title": "Bad date",
                "url": "https://x.example/c",
                "date_published": "soon",
            },
            "not an object",
        ],
        home_page_url="https://vendor.example/",
    )
    result = parse(body)
    assert result.problem is None and result.version == "json11"
    first, second, third = result.items
    assert first.link == "https://vendor.example/posts/gemma-4" and first.summary == "Open weights"
    assert first.published == "2026-04-02T10:00:00+00:00" and first.type == "release"
    assert second.guid == "2" and second.title == "Plain text only"
    assert third.published is None and result.skipped == 1


def test_json_feed_is_told_apart_by_its_body_not_a_wrong_content_type() -> None:
    rss_body = rss([{"title": "T", "link": "https://x.example/t"}]).encode()
    as_json = parse_feed(
        rss_body, url=None, content_type="application/json", source_key="t", source_name="T"
    )
    assert as_json.problem is None and as_json.items[0].title == "T"
    body = json_feed([{"id": "1", "title": "J", "url": "https://x.example/j"}])
    as_xml = parse_feed(body, url=None, content_type="text/xml", source_key="t", source_name="T")
    assert as_xml.problem is None and as_xml.items[0].title == "J"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"{" * 100_000, "invalid JSON"),  # nesting too deep for the decoder
        (b'{"title": "no version", "items": []}', "no jsonfeed.org version"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "'items' list"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": [1, 2]}', "none with a title"),
        ('{"title": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
    ],
)
def test_broken_json_feeds_say_why(body: bytes, reason: str) -> None:
    result = parse(body)
    assert result.problem and reason in result.problem and not result.items
