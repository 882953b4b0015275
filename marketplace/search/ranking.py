"""Ranking: text relevance (BM25F) blended with the listing's reputation."""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from whoosh import scoring

# Stars on the 1–5 scale; a listing nobody has reviewed sits exactly in the middle.
NEUTRAL_STARS = 3.0
MIN_STARS, MAX_STARS = 1.0, 5.0


@dataclass(frozen=True)
class Reputation:
    stars: float
    reviews: int

    @property
    def rating(self) -> float | None:
        """The rating to show people: none until someone has reviewed."""
        return round(self.stars, 1) if self.reviews else None


def listing_reputation(listing) -> Reputation:
    """The listing's reputation (its figures kept by the reputation area); neutral until someone has reviewed it."""
    figures = listing.reputation
    if figures is None or figures.rating is None:
        return Reputation(stars=NEUTRAL_STARS, reviews=0)
    return Reputation(stars=figures.score, reviews=figures.review_count)


def reputation_factor(stars: float, weight: float) -> float:
    """Multiplier applied to a listing's text score; see ``ReputationWeighting``."""
    normalised = (min(max(stars, MIN_STARS), MAX_STARS) - MIN_STARS) / (MAX_STARS - MIN_STARS)
    return 1.0 - weight + 2.0 * weight * normalised


class ReputationWeighting(scoring.BM25F):
    """BM25F whose every term score is scaled by the document's reputation.

    score = BM25F × (1 − w + 2·w·r), with r ∈ [0, 1] the reputation normalised from stars and
    w = SEARCH_RANKING_REPUTATION_WEIGHT: a neutral listing (r = ½) keeps its text score, the best
    gains w, the worst loses w; w = 0 is pure text relevance. Text relevance stays the gate (no match,
    no score). Scaling each term keeps Whoosh's block-max skipping exact: a block's best score is
    bounded by its best BM25F times the segment's largest factor.
    """

    def __init__(self, reputation_weight: float, **kwargs):
        super().__init__(**kwargs)
        self.reputation_weight = reputation_weight
        self._factors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _segment_factors(self, reader) -> tuple[list[float], float]:
        cached = self._factors.get(reader)
        if cached is None:
            if reader.has_column("reputation"):
                stars = [hundredths / 100 for hundredths in reader.column_reader("reputation")]
            else:
                stars = [NEUTRAL_STARS] * reader.doc_count_all()
            factors = [reputation_factor(s, self.reputation_weight) for s in stars]
            cached = (factors, max(factors, default=1.0))
            self._factors[reader] = cached
        return cached

    def scorer(self, searcher, fieldname, text, qf=1):
        factors, best = self._segment_factors(searcher.reader())
        return ReputationScorer(super().scorer(searcher, fieldname, text, qf), factors, best)


class ReputationScorer(scoring.BaseScorer):
    def __init__(self, inner, factors: list[float], best_factor: float):
        self.inner = inner
        self.factors = factors
        self.best_factor = best_factor

    def supports_block_quality(self):
        return self.inner.supports_block_quality()

    def max_quality(self):
        return self.inner.max_quality() * self.best_factor

    def block_quality(self, matcher):
        return self.inner.block_quality(matcher) * self.best_factor

    def score(self, matcher):
        return self.inner.score(matcher) * self.factors[matcher.id()]
