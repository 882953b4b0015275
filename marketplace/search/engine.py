"""Running our queries on the Whoosh index with set arithmetic instead of Whoosh's matcher tree.

Whoosh walks posting lists one document at a time in Python; two common words together (党员 +
志愿服务: tens of thousands of postings each) then cost a few hundred milliseconds, and the total
count walks them all again. Here each term's postings are read once into a dict ``docnum → BM25
term-frequency part`` and kept in a bounded LRU cache per segment, so a query is a few set
intersections plus one sum per matching document.

Scores are exactly those of ``ReputationWeighting`` over ``queries.text_query`` (tested against
Whoosh's own search): for each query term t matching document d,
``boost × idf(t) × tf(K1+1) / (tf + K1·(1 − B + B·dl/avgdl)) × reputation_factor(d)``, summed.
"""
from __future__ import annotations

import heapq
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from marketplace.search.analyzer import looks_like_pinyin
from marketplace.search.queries import (PINYIN_BOOST, RELATED_WEIGHT, TITLE_BOOST, Lexicon, ParsedQuery,
                                        word_alternatives)
from marketplace.search.ranking import ReputationWeighting

# How many (document, term) entries the cache may hold per process: ~36 bytes each (a dict slot; the document numbers
# and the scores are shared), up to ten per indexed listing and never fewer than the minimum. The corpus's whole query
# mix needs about five per listing at 10,000 and at 100,000 listings; a fixed size either starves a large street (every
# common word read again from disk, ~10 ms at 10,000 listings) or lets a small street's workers grow for nothing.
CACHE_ENTRIES_PER_DOCUMENT = 10
CACHE_MIN_ENTRIES = 100_000
_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


@dataclass(frozen=True)
class QueryTerm:
    fieldname: str
    text: str
    boost: float
    required: bool  # part of the word's "must match" set (text, pinyin) or only a bonus (title)
    # Required terms of one word sharing an alternative must all match (the words of 助餐); a
    # related alternative is a concept's word found for an everyday phrasing, not what was typed.
    alternative: int = 0
    related: bool = False


def query_terms(parsed: ParsedQuery, lexicon: Lexicon) -> list[list[QueryTerm]]:
    """For each word, the terms that may match it (mirrors ``queries.text_query``)."""
    per_word = []
    for word in parsed.words:
        alternatives = word_alternatives(word, parsed, lexicon)
        terms = []
        for number, (words, related) in enumerate(alternatives):
            weight = RELATED_WEIGHT if related else 1.0
            terms += [QueryTerm("text", w, weight, True, number, related) for w in words]
        if looks_like_pinyin(word) and len(word) > 1:
            terms.append(QueryTerm("pinyin", word, PINYIN_BOOST, True, len(alternatives)))
        for number, (words, related) in enumerate(alternatives):
            weight = RELATED_WEIGHT if related else 1.0
            terms += [QueryTerm("title", w, TITLE_BOOST * weight, False, number, related) for w in words]
        per_word.append(terms)
    return per_word


class PostingCache:
    """Bounded LRU of ``(leaf reader, field, term) → {docnum: tf part}``, plus per-leaf lengths."""

    def __init__(self, weighting: ReputationWeighting):
        self.weighting = weighting
        self.budget = CACHE_MIN_ENTRIES
        self.size = 0
        self._postings: OrderedDict = OrderedDict()
        self._lengths: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._docnums: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._parts: dict[str, tuple[float, dict[float, float]]] = {}
        self._lock = threading.Lock()

    def fit(self, documents: int) -> None:
        """Size the budget to an index of ``documents`` documents (entries over it go at the next read)."""
        self.budget = max(CACHE_MIN_ENTRIES, CACHE_ENTRIES_PER_DOCUMENT * documents)

    def docnums(self, leaf) -> tuple[int, ...]:
        """The leaf's document numbers as one set of int objects, shared by every cached term's dict (Whoosh
        decodes each posting list into ints of its own: 32 bytes more per cached entry)."""
        numbers = self._docnums.get(leaf)
        if numbers is None:
            numbers = self._docnums.setdefault(leaf, tuple(range(leaf.doc_count_all())))
        return numbers

    def lengths(self, leaf, fieldname: str) -> list[int]:
        per_field = self._lengths.setdefault(leaf, {})
        if fieldname not in per_field:
            column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            per_field[fieldname] = ([_LENGTH_OF_BYTE[b] for b in column] if column is not None
                                    else [0] * leaf.doc_count_all())
        return per_field[fieldname]

    def tf_parts(self, leaf, fieldname: str, text: str, avgfl: float) -> dict[int, float]:
        key = (id(leaf), fieldname, text)
        with self._lock:
            cached = self._postings.get(key)
            if cached is not None and cached[0]() is leaf and cached[1] == avgfl:
                self._postings.move_to_end(key)
                return cached[2]
        parts = self._read(leaf, fieldname, text, avgfl)
        with self._lock:
            previous = self._postings.pop(key, None)
            if previous is not None:
                self.size -= len(previous[2])
            # The leaf held weakly: a segment merged away or replaced must not live on (with its open file) in here.
            self._postings[key] = (weakref.ref(leaf), avgfl, parts)
            self.size += len(parts)
            while self.size > self.budget and len(self._postings) > 1:
                _, (_, _, evicted) = self._postings.popitem(last=False)
                self.size -= len(evicted)
        return parts

    def shared_parts(self, fieldname: str, avgfl: float) -> dict[float, float]:
        """One float object per distinct score part of the field: a part depends only on a term's frequency in the
        document and the document's length, one of 256 steps, so a few hundred floats stand for every cached posting
        (24 bytes each saved)."""
        current = self._parts.get(fieldname)
        if current is None or current[0] != avgfl:
            current = self._parts[fieldname] = (avgfl, {})
        return current[1]

    def _read(self, leaf, fieldname: str, text: str, avgfl: float) -> dict[int, float]:
        btext = text.encode("utf-8")
        if (fieldname, btext) not in leaf:
            return {}
        weighting = self.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        lengths = self.lengths(leaf, fieldname)
        docnums = self.docnums(leaf)
        shared = self.shared_parts(fieldname, avgfl)
        matcher = leaf.postings(fieldname, btext)
        if isinstance(matcher, FilterMatcher):  # hides deleted documents; search() drops those itself
            matcher = matcher.child
        parts = {}
        # Whole blocks at a time: the ids and weights arrays Whoosh decodes for each block of postings.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            for docnum, tf in zip(matcher._ids, matcher._weights):
                part = tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * lengths[docnum] / avgfl))
                parts[docnums[docnum]] = shared.setdefault(part, part)
            matcher._next_block()
        return parts


def search(searcher, cache: PostingCache, factors_of, per_word: list[list[QueryTerm]],
           allowed=None, limit: int | None = 10, preferred=None) -> tuple[list[tuple[float, int]], int]:
    """The best ``limit`` (score, global docnum) pairs, best first, and how many documents match.

    ``allowed`` is a query restricting the documents (the filters) or None; documents matching the
    ``preferred`` query (listings in the building the resident named) come before all others, then
    documents matching every word as typed before those matched only through a related word.
    ``factors_of(leaf)`` gives the leaf's reputation factors by docnum.
    """
    if not per_word or any(not any(t.required for t in terms) for terms in per_word):
        return [], 0
    cache.fit(searcher.doc_count_all())
    idf = {(t.fieldname, t.text): searcher.idf(t.fieldname, t.text) for terms in per_word for t in terms}
    avgfl = {name: searcher.avg_field_length(name) or 1 for name in ("text", "title", "pinyin")}
    best: list[tuple[tuple[bool, bool], float, int]] = []
    total = 0
    for sub, offset in searcher.leaf_searchers():
        leaf = sub.reader()
        scored_terms = []
        matching = []
        as_typed = []
        for terms in per_word:
            # alternative → (the documents holding all its required terms, whether it is related)
            alternatives: dict[int, tuple[set[int] | None, bool]] = {}
            for term in terms:
                parts = cache.tf_parts(leaf, term.fieldname, term.text, avgfl[term.fieldname])
                if parts:
                    scored_terms.append((parts, term.boost * idf[(term.fieldname, term.text)]))
                if term.required:
                    docs, _ = alternatives.get(term.alternative, (None, term.related))
                    alternatives[term.alternative] = ((set(parts) if docs is None else docs & parts.keys()),
                                                      term.related)
            matching.append(set().union(*(docs for docs, _ in alternatives.values())))
            as_typed.append(set().union(*(docs for docs, related in alternatives.values() if not related)))
        typed_everywhere = set.intersection(*as_typed) if as_typed else set()
        matching.sort(key=len)
        candidates = matching[0].intersection(*matching[1:]) if matching else set()
        if candidates and leaf.has_deletions():
            candidates.difference_update(leaf._perdoc.deleted_docs())
        if candidates and allowed is not None:
            candidates.intersection_update(allowed.docs(sub))
        total += len(candidates)
        if not candidates or limit == 0:
            continue
        factors = factors_of(leaf)
        scores = dict.fromkeys(candidates, 0.0)
        for parts, weight in scored_terms:
            if len(parts) < len(scores):
                for docnum, part in parts.items():
                    if docnum in scores:
                        scores[docnum] += weight * part
            else:
                for docnum in scores:
                    part = parts.get(docnum)
                    if part is not None:
                        scores[docnum] += weight * part
        first = set(preferred.docs(sub)) if preferred is not None else ()
        ranked = [((docnum in first, docnum in typed_everywhere), score * factors[docnum], -(docnum + offset))
                  for docnum, score in scores.items()]
        best = heapq.nlargest(limit, best + ranked) if limit is not None else best + ranked
    best.sort(reverse=True)
    return [(score, -negated) for _, score, negated in best], total
