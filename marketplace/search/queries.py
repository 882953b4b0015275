"""From what a resident typed to a Whoosh query, and "did you mean" from the index's vocabulary.

No query syntax is exposed: quotes, operators and brackets are plain text to us, so no input can
fail to parse. Every word must match (AND), in the listing's text or, for Latin letters, in the
pinyin of its words; matches in the title rank higher.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh.query import And, AndMaybe, Every, NullQuery, NumericRange, Or, Query, Term

from marketplace.search.analyzer import (CJK_CHAR, PLACE_NUMBER, all_cjk, looks_like_pinyin, normalise_query,
                                         query_words, word_pinyin)

MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 12
TITLE_BOOST = 3.0
PINYIN_BOOST = 2.0
# Weight of a concept's own words found for an everyday phrasing (剪头发 → 理发), against 1 for the
# words typed; the engine also ranks listings matching every typed word as typed first.
RELATED_WEIGHT = 0.5
# Characters that other engines treat as syntax; here they only separate words.
SYNTAX = re.compile(r"[\"'“”‘’()（）\[\]{}<>+\-*?~^:!|&/\\=,，。.;；、]")


@dataclass
class ParsedQuery:
    text: str
    words: list[str] = field(default_factory=list)
    # Words typed on their own (not cut out of a longer run of characters): only these may
    # stand for the longer words containing them (书 → 书法), see ``expand_word``.
    alone: set[str] = field(default_factory=set)
    # The runs of text between spaces and punctuation, as typed (after normalising).
    chunks: list[str] = field(default_factory=list)
    # Everyday phrasings (see ``understanding``): the word → the concept's own words, each cut
    # into the words that must all match (助餐 → (助, 餐)).
    related: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.words


def strip_control_characters(text: str) -> str:
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)


def parse(text: str | None) -> ParsedQuery:
    """Clean and cut a query; the caller checks its length first."""
    cleaned = normalise_query(strip_control_characters(text or "")).strip()
    words: list[str] = []
    alone: set[str] = set()
    chunks = SYNTAX.sub(" ", cleaned).split()
    for chunk in chunks:
        cut = query_words(chunk)
        if len(cut) == 1:
            alone.add(cut[0])
        for word in cut:
            if word not in words:
                words.append(word)
    words = words[:MAX_QUERY_WORDS]
    return ParsedQuery(text=" ".join(cleaned.split()), words=words, alone=alone & set(words), chunks=chunks)


class Lexicon:
    """The indexed words of the text fields, found by the characters they contain.

    It lets one character (书) match every word holding it (书法, 读书会) and lets a word jieba cut
    differently in a listing (议事厅 inside 新建议事厅) still match the longer words that contain it.
    Kept up to date segment by segment (see ``update``), so a commit costs only its new segment's words.
    """

    def __init__(self):
        self.words: set[str] = set()
        self.by_char: dict[str, set[str]] = {}
        self._segments: set[str] = set()
        self._containing: dict[str, list[str]] = {}
        self._pinyin: dict[str, str] | None = None
        self._searcher = None

    def update(self, searcher) -> None:
        """Add the words of segments not seen before. Words whose documents have gone may stay: a word
        the index no longer holds matches nothing."""
        self._searcher = searcher
        for leaf, _ in searcher.reader().leaf_readers():
            if leaf.segment() is None:  # an empty index
                continue
            segment = leaf.segment().segment_id()
            if segment in self._segments:
                continue
            self._segments.add(segment)
            for raw in leaf.lexicon("text"):
                word = raw.decode("utf-8")
                if word in self.words:
                    continue
                self.words.add(word)
                for char in set(word):
                    if CJK_CHAR.match(char):
                        self.by_char.setdefault(char, set()).add(word)
            self._containing.clear()
            self._pinyin = None

    def containing(self, word: str) -> list[str]:
        """Indexed words that contain ``word`` (itself included when indexed), most specific first."""
        cached = self._containing.get(word)
        if cached is None:
            candidates = None
            for char in set(word):
                having = self.by_char.get(char, set())
                candidates = having if candidates is None else candidates & having
            cached = sorted((w for w in candidates or () if word in w), key=lambda w: (len(w), w))
            if len(self._containing) < 10_000:
                self._containing[word] = cached
        return cached

    def word_for_pinyin(self, pinyin: str) -> str | None:
        """The most common indexed title word whose full pinyin is ``pinyin``.

        Residents type on pinyin keyboards, so a Chinese typo is nearly always a homophone
        (会义室 for 会议室): mapping through pinyin finds the word they meant.
        """
        if self._pinyin is None:
            reader = self._searcher.reader()
            best: dict[str, tuple[int, str]] = {}
            for word in self.words:
                if len(word) < 2 or not all_cjk(word) or not reader.doc_frequency("title", word):
                    continue
                frequency = reader.doc_frequency("title", word)
                full, _ = word_pinyin(word)
                if frequency > best.get(full, (0, ""))[0]:
                    best[full] = (frequency, word)
            self._pinyin = {full: word for full, (_, word) in best.items()}
        return self._pinyin.get(pinyin)


# A word held by more indexed words than this is common enough that its own postings suffice.
MAX_EXPANSIONS = 128


def expand_word(word: str, lexicon: Lexicon, *, alone: bool = True) -> list[str]:
    """The indexed words that stand for one query word.

    A Chinese word the index holds as it is stands for itself. One typed alone that the index does
    not hold, or a single character typed alone, stands for the indexed words containing it. A
    single character cut out of a longer run (助 in 助餐服务) stands for itself: the listing's text
    was cut the same way. A building number stands for the indexed ones it begins (3号 → 3号楼, 3号院),
    never for a longer number (13号楼).
    """
    if PLACE_NUMBER.fullmatch(word):
        return [w for w in lexicon.containing(word) if w.startswith(word)][:MAX_EXPANSIONS] or [word]
    if CJK_CHAR.search(word) and alone and (len(word) == 1 or word not in lexicon.words):
        return lexicon.containing(word)[:MAX_EXPANSIONS] or [word]
    return [word]


def word_alternatives(word: str, parsed: ParsedQuery, lexicon: Lexicon) -> list[tuple[tuple[str, ...], bool]]:
    """The ways one query word can match: (indexed words that must all match, whether it is a related
    word rather than what was typed). A phrasing matches as typed (its words together) or through
    its concept's words."""
    if word in parsed.related:
        alternatives = [(tuple(query_words(word)), False)] + [(phrase, True) for phrase in parsed.related[word]]
    else:
        alternatives = [((w,), False) for w in expand_word(word, lexicon, alone=word in parsed.alone)]
    return [(words, related) for words, related in alternatives if all(w in lexicon.words for w in words)]


def _any_of(queries: list[Query]) -> Query:
    if not queries:
        return NullQuery
    return queries[0] if len(queries) == 1 else Or(queries)


def text_query(parsed: ParsedQuery, lexicon: Lexicon) -> Query:
    """Every word must match the listing's text; matches in the title and pinyin add to the score.

    Matching runs on the one ``text`` field, so each word is a single posting list and the words
    intersect cheaply; the title is only consulted for documents that already match (AndMaybe).
    """
    if parsed.is_empty:
        return Every()
    required: list[Query] = []
    title_boosts: list[Query] = []
    for word in parsed.words:
        in_text = []
        for words, related in word_alternatives(word, parsed, lexicon):
            weight = RELATED_WEIGHT if related else 1.0
            terms = [Term("text", w, boost=weight) for w in words]
            in_text.append(terms[0] if len(terms) == 1 else And(terms))
            title_boosts.extend(Term("title", w, boost=TITLE_BOOST * weight) for w in words)
        if looks_like_pinyin(word) and len(word) > 1:
            in_text.append(Term("pinyin", word, boost=PINYIN_BOOST))
        required.append(_any_of(in_text))
    matching = required[0] if len(required) == 1 else And(required)
    if not title_boosts:
        return matching
    return AndMaybe(matching, _any_of(title_boosts))


@dataclass
class IndexFilters:
    kind: str | None = None
    place_id: int | None = None
    free_only: bool = False
    min_rating: float | None = None
    facilities: tuple[str, ...] = ()
    min_capacity: int | None = None

    @property
    def active(self) -> dict[str, object]:
        """The filters in use, by name (for "try without this filter")."""
        values = {"kind": self.kind, "place_id": self.place_id, "free_only": self.free_only or None,
                  "min_rating": self.min_rating, "facilities": self.facilities or None,
                  "min_capacity": self.min_capacity}
        return {name: value for name, value in values.items() if value is not None}


def filter_query(filters: IndexFilters) -> Query | None:
    clauses: list[Query] = []
    if filters.kind:
        clauses.append(Term("kind", filters.kind))
    if filters.place_id is not None:
        clauses.append(Term("places", str(filters.place_id)))
    if filters.free_only:
        clauses.append(Term("fee", "free"))
    if filters.min_rating is not None:
        clauses.append(NumericRange("rating", round(filters.min_rating * 100), None))
    for facility in filters.facilities:
        clauses.append(Term("facilities", facility))
    if filters.min_capacity is not None:
        clauses.append(NumericRange("people", filters.min_capacity, None))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else And(clauses)


def correct_chunk(searcher, lexicon: Lexicon, chunk: str) -> str | None:
    """A better-known spelling of a run of text the index does not hold as it is, or None.

    Chinese: the indexed word that sounds the same (会义室 → 会议室). Latin letters: the nearest
    pinyin the index holds, as its Chinese word (huodonshi → 活动室), else a near Latin word.
    """
    if CJK_CHAR.search(chunk):
        if len(chunk) < 2 or not all_cjk(chunk) or chunk in lexicon.words:
            return None
        replacement = lexicon.word_for_pinyin(word_pinyin(chunk)[0])
        return replacement if replacement != chunk else None
    if not looks_like_pinyin(chunk) or len(chunk) < 4:
        return None
    if searcher.doc_frequency("pinyin", chunk) or chunk in lexicon.words:
        return None
    for candidate in searcher.corrector("pinyin").suggest(chunk, limit=3, maxdist=2):
        chinese = lexicon.word_for_pinyin(candidate)
        if chinese:
            return chinese
    suggestions = searcher.corrector("text").suggest(chunk, limit=1, maxdist=1 if len(chunk) < 6 else 2)
    return suggestions[0] if suggestions else None


def did_you_mean(searcher, lexicon: Lexicon, parsed: ParsedQuery) -> str | None:
    """The query with misspelt runs replaced by known words, if that finds anything."""
    corrected = []
    changed = False
    for chunk in parsed.chunks:
        replacement = correct_chunk(searcher, lexicon, chunk)
        corrected.append(replacement or chunk)
        changed = changed or replacement is not None
    if not changed:
        return None
    suggestion = _join_words(corrected)
    if searcher.search(text_query(parse(suggestion), lexicon), limit=1).is_empty():
        return None
    return suggestion


def _join_words(words: list[str]) -> str:
    """Chinese words run together; a Latin word keeps a space on each side."""
    out = ""
    for word in words:
        if out and (not CJK_CHAR.match(word[0]) or not CJK_CHAR.match(out[-1])):
            out += " "
        out += word
    return out
