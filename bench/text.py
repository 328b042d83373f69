"""Benchmark: `html_to_text` on hostile feed text, against the floor of one linear pass.

For each pathological input (a piece repeated to N characters: 80k '<' was 1.7 s with the
old regex stripper), the time of `html_to_text` is set against `html.unescape` plus
`clean_text` on the same text: work that reads every character once, the least any
converter must do. The standard library's html.parser is timed too, on a smaller input
(TEXT_PARSER_N), since in Python 3.11 it is quadratic on some of these.

Prints a table, then one JSON line. TEXT_N sets the size (80,000 characters).
Target (issue 11): every input within a small constant of the floor, at any size.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser

from bot.core.names import clean_text
from bot.watch.clean import html_to_text

N = int(os.environ.get("TEXT_N", "80000"))
PARSER_N = int(os.environ.get("TEXT_PARSER_N", "20000"))
PIECES = ["<", "<a", "<br", "<!--", "</", "<!", "<script>", "</script", "&#", '<a x="', "<p>x</p>"]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_parser(text: str) -> str:
    parser = _Text()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def floor(text: str) -> str:
    return clean_text(unescape(text))


def best(convert: Callable[[str], str], text: str, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        convert(text)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rows = []
    print(
        f"{'input':>12} {'html_to_text':>13} {'floor':>9} {'ratio':>6} {'html.parser@' + str(PARSER_N):>20}"
    )
    for piece in PIECES:
        text = (piece * (N // len(piece) + 1))[:N]
        ours, base = best(html_to_text, text), best(floor, text)
        stdlib = best(html_parser, text[:PARSER_N], rounds=1)
        rows.append(
            {"input": piece, "html_to_text_s": ours, "floor_s": base, "html_parser_s": stdlib}
        )
        print(f"{piece!r:>12} {ours:13.4f} {base:9.4f} {ours / base:6.1f} {stdlib:20.4f}")
    worst = max(r["html_to_text_s"] for r in rows)
    print(json.dumps({"n": N, "worst_html_to_text_s": round(worst, 4), "rows": rows}))


if __name__ == "__main__":
    main()
