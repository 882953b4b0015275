"""Text analysis built for our listings: Chinese words, single characters, pinyin, no stemming.

jieba's stock Whoosh analyzer stems with an English stemmer and drops one-character tokens, so
"3号楼" and "A座" would never be found. Ours:

* segments with jieba's dictionary (rjieba, the Rust port: same dictionary, same cuts, several
  times faster) in search mode, so "活动室" also yields "活动", and adds every dictionary word
  found across jieba's cuts (周四 inside 每周四), so a word in the text is found however it was cut;
* keeps a building or unit number with its unit as one term (3号楼, 5号院, A座, 2单元);
* lets one CJK character find every word that contains it, so 书 finds 书法 and 琴 finds 钢琴;
* keeps numbers and one-letter Latin tokens, lowercases Latin text and does not stem it;
* for the pinyin field, turns each Chinese word into its full pinyin and its initials
  ("活动室" → "huodongshi", "hds").

The query side uses the same functions (see ``query_words``), so both sides cut text alike.
HMM guessing of unknown words is off on both sides: an unknown word then falls apart into single
characters, which are indexed anyway, instead of being cut differently in different contexts.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import re
import sys
import threading
import unicodedata
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer

from marketplace.search import pinyin

CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD_CHARS = re.compile(r"[\w]", re.UNICODE)
ASCII_LETTERS = re.compile(r"^[a-z]+$")
# A number or one letter with the unit it counts (3号楼, 跃进路3号院, a座, 2单元), not glued to more
# digits or letters: 3号楼 is not inside 13号楼. Runs on folded (lowercased, half-width) text.
PLACE_NUMBER = re.compile(r"(?<![0-9a-z])(?:[0-9]+|[a-z])(?:号楼|号院|单元|栋|幢|座|号|楼|层|室)")


# The dictionaries are loaded on first use, not at import: a worker that only serves listing pages would
# otherwise hold jieba's (about 25 MB) and zhconv's (10 MB); the pinyin table (search/pinyin.py, 1 MB) is needed only
# to index and to light up a pinyin query.
_ZHCONV_IMPORT = threading.Lock()
_JIEBA_LOAD = threading.Lock()


def _jieba():
    """The one jieba of the process, loaded by the first thread that asks while the others wait (lru_cache would
    let a worker's threads each build their own at once on its first searches)."""
    with _JIEBA_LOAD:
        return _load_jieba()


@lru_cache(maxsize=None)
def _load_jieba():
    """A jieba (rjieba) holding jieba's dictionary: the same words and frequencies, so the same cuts.

    rjieba's package builds its default instance from the dictionary compiled into its extension as it is
    imported, and that instance holds about 33 MB; the same 349,046 words added one by one from jieba's
    own dict.txt, without their part-of-speech tags (we never tag), hold about 25 MB. So the extension is
    loaded without its package (tests/search/test_analyzer.py checks both cut alike)."""
    package = importlib.util.find_spec("rjieba")
    extension = importlib.machinery.FileFinder(
        package.submodule_search_locations[0],
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES)).find_spec("rjieba.rjieba")
    rjieba = importlib.util.module_from_spec(extension)
    extension.loader.exec_module(rjieba)
    jieba = rjieba.Jieba.empty()
    with open(os.path.join(os.path.dirname(importlib.util.find_spec("jieba").origin), "dict.txt"),
              encoding="utf-8") as dictionary:
        for line in dictionary:
            word, frequency = line.split(" ", 2)[:2]
            jieba.add_word(word, int(frequency), None)
    return jieba


@lru_cache(maxsize=None)
def _to_simplified():
    # zhconv imports pkg_resources (setuptools: 12 MB and 130 ms) only to find its own data file, and opens it
    # directly when that import fails: make it fail for that one import. The lock: a worker's threads may all
    # ask at once (lru_cache does not make them wait), and each must put sys.modules back as it found it.
    with _ZHCONV_IMPORT:
        pkg_resources = sys.modules.pop("pkg_resources", None)
        sys.modules["pkg_resources"] = None
        try:
            import zhconv.zhconv
        finally:
            if pkg_resources is None:
                sys.modules.pop("pkg_resources", None)
            else:
                sys.modules["pkg_resources"] = pkg_resources
        # zhconv's own loader keeps every table of its file (to traditional, Hong Kong, Taiwan: about 2 MB more
        # per worker) and then a merged copy of the two that mainland simplified reads. Only those two are
        # decoded here, merged as zhconv merges them for "zh-cn" (zh2CN over zh2Hans), and kept once.
        if zhconv.zhconv.zhcdicts is None:
            with open(os.path.join(os.path.dirname(zhconv.__file__), "zhcdict.json"), encoding="utf-8") as file:
                text = file.read()
            decoder = json.JSONDecoder()
            mainland, overrides = (decoder.raw_decode(text, text.index(f'"{name}": ') + len(name) + 4)[0]
                                   for name in ("zh2Hans", "zh2CN"))
            mainland.update(overrides)
            zhconv.zhconv.dict_zhcn = mainland
            zhconv.zhconv.zhcdicts = {}  # not None: zhconv would load its whole file
    return lambda text: zhconv.zhconv.convert(text, "zh-cn")


def all_cjk(text: str) -> bool:
    return all(CJK_CHAR.match(ch) for ch in text)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch


def fold(text: str) -> str:
    """Full-width → half-width and lowercase, one character for one, so offsets still point into the original."""
    return "".join(_fold_char(ch) for ch in text)


def normalise_query(text: str) -> str:
    """What a user typed, folded like indexed text, with traditional characters turned simplified."""
    return _to_simplified()(fold(text))


def segment(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for each jieba search-mode word that carries letters, digits or characters."""
    return [(word, start, end) for word, start, end in _jieba().tokenize(text, mode="search", hmm=False)
            if WORD_CHARS.search(word)]


def crossing_words(text: str) -> list[tuple[str, int, int]]:
    """Dictionary words of two or more characters found anywhere in the text, even across the cut.

    jieba cuts 每周四上午 as 每周 / 四 / 上午 and 免费亲子活动室 as 免费 / 亲子活动 / 室, so 周四 and
    活动室 would be missed; the full scan finds them (about 5 % more terms than the cut alone).
    """
    found = []
    start = 0
    for word in _jieba().cut_all(text):
        start = text.find(word, start)
        if len(word) >= 2 and WORD_CHARS.search(word):
            found.append((word, start, start + len(word)))
    return found


def place_numbers(text: str) -> list[tuple[str, int, int]]:
    """Building and unit numbers with their unit (3号楼, a座), each as one term."""
    return [(match.group(), match.start(), match.end()) for match in PLACE_NUMBER.finditer(text)]


def index_terms(text: str) -> list[tuple[str, int, int]]:
    """The tokens of the text fields: jieba search-mode words, dictionary words across its cuts and
    building numbers, lowercased.

    With HMM off, precise-mode words cover every character of the text, so every character lies
    inside some indexed word: a one-character query is answered by the indexed words that contain
    it (see ``queries.Lexicon``) rather than by indexing each character again, which would double
    the postings and halve indexing speed.
    """
    text = fold(text)
    terms = segment(text)
    seen = {(word, start) for word, start, _ in terms}
    for term in crossing_words(text) + place_numbers(text):
        if (term[0], term[1]) not in seen:
            seen.add((term[0], term[1]))
            terms.append(term)
    return terms


@lru_cache(maxsize=200_000)
def word_pinyin(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese word: 活动室 → ("huodongshi", "hds")."""
    return pinyin.table().read(word)


def pinyin_terms(text: str) -> list[tuple[str, int, int]]:
    """Full pinyin and initials of every Chinese word of two or more characters, and of adjacent word pairs."""
    text = fold(text)
    terms = []
    for word, start, end in segment(text):
        if len(word) > 1 and all_cjk(word):
            full, initials = word_pinyin(word)
            terms.append((full, start, end))
            terms.append((initials, start, end))
    # Adjacent word pairs too: people type "zyfd" for 作业辅导, which jieba cuts as 作业 + 辅导.
    words = [(word, start, end) for word, start, end in _jieba().tokenize(text, hmm=False)]
    for (first, start, _), (second, _, end) in zip(words, words[1:]):
        if all_cjk(first + second):
            full, initials = word_pinyin(first + second)
            terms.append((full, start, end))
            terms.append((initials, start, end))
    return terms


def query_words(text: str) -> list[str]:
    """Cut one query term the way a listing's text is cut, keeping the longest words (precise mode);
    a building number with its unit stays one word."""
    words = []
    start = 0
    for match in PLACE_NUMBER.finditer(text):
        words += [word for word in _jieba().cut(text[start:match.start()], hmm=False) if WORD_CHARS.search(word)]
        words.append(match.group())
        start = match.end()
    return words + [word for word in _jieba().cut(text[start:], hmm=False) if WORD_CHARS.search(word)]


def looks_like_pinyin(text: str) -> bool:
    return bool(ASCII_LETTERS.match(text))


class _TermsTokenizer(Tokenizer):
    """Wraps a ``text → [(term, start, end)]`` function (``terms_of``, set by each subclass) as a Whoosh tokenizer."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        for position, (term, start, end) in enumerate(self.terms_of(value)):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class ChineseTokenizer(_TermsTokenizer):
    """Words and single characters of Chinese text (see the module docstring)."""

    terms_of = staticmethod(index_terms)


class PinyinTokenizer(_TermsTokenizer):
    """Full pinyin and initials of the Chinese words of a text."""

    terms_of = staticmethod(pinyin_terms)


class HighlightTokenizer(_TermsTokenizer):
    """Both of the above over one text, so a pinyin match ("hds") lights up the word it came from."""

    terms_of = staticmethod(lambda text: sorted(index_terms(text) + pinyin_terms(text), key=lambda t: (t[1], -t[2])))


def chinese_analyzer():
    return ChineseTokenizer()


def pinyin_analyzer():
    return PinyinTokenizer()


def highlight_analyzer():
    return HighlightTokenizer()
