"""Marking the query's words in titles and descriptions, safely.

Whoosh's HtmlFormatter escapes the text between and inside matches (``&``, ``<``, ``>``), so only
the ``<mark>`` tags it adds are markup; the result is wrapped in ``Markup`` for Jinja on that basis
(tested with a listing titled ``<script>``).
"""
from __future__ import annotations

import re
from bisect import bisect_right

from markupsafe import Markup, escape
from whoosh.highlight import Fragment, Fragmenter, HtmlFormatter, WholeFragmenter, highlight

from marketplace.search.analyzer import chinese_analyzer, highlight_analyzer, looks_like_pinyin

SNIPPET_CHARS = 80
# Where a passage may begin or end: after Chinese (and Latin) sentence and phrase punctuation, or a line break.
PHRASE_END = re.compile(r"[。，；！？、,;!?\n]+")

_words_only = chinese_analyzer()
_with_pinyin = highlight_analyzer()


def _analyzer(words: frozenset[str]):
    """Pinyin terms are ASCII letters: unless a query word is too, none can match, and the text's pinyin (and
    the pinyin table) is not needed."""
    return _with_pinyin if any(looks_like_pinyin(word) for word in words) else _words_only


def _formatter() -> HtmlFormatter:
    return HtmlFormatter(tagname="mark", classname="hit", termclass="term", between="…")


def phrases(text: str) -> list[tuple[int, int]]:
    """(start, end) of each phrase of the text, its closing punctuation included."""
    spans = []
    start = 0
    for match in PHRASE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class PhraseFragmenter(Fragmenter):
    """Passages of whole phrases around the matches, at most ``maxchars`` each unless one phrase is
    longer; passages that overlap or touch become one, so no text shows twice."""

    def __init__(self, maxchars: int):
        self.maxchars = maxchars

    def _window(self, spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> tuple[int, int]:
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, max(end - 1, start)) - 1
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= self.maxchars:
            last += 1
        while first > 0 and spans[last][1] - spans[first - 1][0] <= self.maxchars:
            first -= 1
        begin, finish = spans[first][0], spans[last][1]
        if finish - begin > self.maxchars:  # one long phrase: a window of it around the match
            begin = max(begin, min(start - self.maxchars // 3, finish - self.maxchars))
            finish = min(finish, max(begin + self.maxchars, end))
        return begin, finish

    def fragment_tokens(self, text, tokens):
        matches = [token.copy() for token in tokens if token.matched]
        spans = phrases(text)
        starts = [start for start, _ in spans]
        windows = sorted(self._window(spans, starts, m.startchar, m.endchar) for m in matches)
        merged: list[list[int]] = []
        for begin, finish in windows:
            if merged and begin <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], finish)
            else:
                merged.append([begin, finish])
        for begin, finish in merged:
            inside = [m for m in matches if begin <= m.startchar and m.endchar <= finish]
            yield Fragment(text, inside, startchar=begin, endchar=finish)


def highlight_title(text: str, words: frozenset[str]) -> Markup:
    """The whole title with matched words in <mark>, escaped."""
    marked = highlight(text, words, _analyzer(words), WholeFragmenter(), _formatter(), top=1) if words else ""
    return Markup(marked) if marked else escape(text)


def beginning(text: str, length: int = SNIPPET_CHARS) -> str:
    """The text's first phrases up to ``length`` characters (cut inside the first if it is longer), with … if cut."""
    if len(text) <= length:
        return text
    end = max((finish for _, finish in phrases(text) if finish <= length), default=length)
    return text[:end] + "…"


def snippet(text: str, words: frozenset[str], length: int = SNIPPET_CHARS) -> Markup:
    """Up to two passages of whole phrases around matched words, or the text's beginning when nothing matched."""
    marked = highlight(text, words, _analyzer(words), PhraseFragmenter(length), _formatter(), top=2) if words else ""
    if marked:
        return Markup(marked)
    return escape(beginning(text, length))
