"""Marking the query's words in titles and descriptions, safely.

Whoosh's HtmlFormatter escapes the text between and inside matches (``&``, ``<``, ``>``), so only
the ``<mark>`` tags it adds are markup; the result is wrapped in ``Markup`` for Jinja on that basis
(tested with a listing titled ``<script>``).
"""
from __future__ import annotations

from markupsafe import Markup, escape
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight

from marketplace.search.analyzer import highlight_analyzer

SNIPPET_CHARS = 80

_analyzer = highlight_analyzer()


def _formatter() -> HtmlFormatter:
    return HtmlFormatter(tagname="mark", classname="hit", termclass="term", between="…")


def highlight_title(text: str, words: frozenset[str]) -> Markup:
    """The whole title with matched words in <mark>, escaped."""
    marked = highlight(text, words, _analyzer, WholeFragmenter(), _formatter(), top=1) if words else ""
    return Markup(marked) if marked else escape(text)


def snippet(text: str, words: frozenset[str], length: int = SNIPPET_CHARS) -> Markup:
    """Up to two passages of the text around matched words, or its beginning when nothing matched."""
    marked = ""
    if words:
        fragmenter = ContextFragmenter(maxchars=length, surround=length // 3)
        marked = highlight(text, words, _analyzer, fragmenter, _formatter(), top=2)
    if marked:
        return Markup(marked)
    return escape(text[:length] + ("…" if len(text) > length else ""))
