"""The set-based engine returns what Whoosh's own search returns, with the same scores."""
from __future__ import annotations

import gc
import weakref

import pytest
from whoosh.query import Term

from marketplace.listings import services as listings
from marketplace.search import engine
from marketplace.search.queries import parse, text_query

QUERIES = ["活动室", "书", "琴", "会议室 3号楼", "hds", "huodongshi", "lf", "老年 理发", "A座", "党员 活动", "不存在的词"]


@pytest.fixture
def varied(factory, session, index):
    org = factory.organisation()
    actor = next(m.user for m in org.memberships)
    texts = [("党员活动室", "可容纳30人，位于3号楼。"), ("多功能活动室", "A座二楼，有钢琴。"),
             ("老年人爱心理发", "每周四免费理发。"), ("书法班", "退休教师教书法。"), ("社区会议室", "3号楼一层会议室。"),
             ("图书室", "读书会每周六活动。"), ("亲子活动室", "老年人和儿童都可以来活动。")]
    made = [factory.listing(organisation=org, title=t, description=d) for t, d in texts]
    # Edits leave deleted documents behind in the older segments: the engine must skip them too.
    for listing in made[:3]:
        data = listings.listing_data(listing)
        data.description += "欢迎预约。"
        listings.update_listing(session, actor, listing, data)
        session.commit()
    return made


@pytest.mark.parametrize("text", QUERIES)
def test_engine_matches_whoosh(varied, index, text):
    searcher = index.searcher()
    lexicon = index.lexicon(searcher)
    parsed = parse(text)
    expected = searcher.search(text_query(parsed, lexicon), limit=None)
    best, total = engine.search(searcher, index.postings, index.reputation_factors,
                                engine.query_terms(parsed, lexicon), limit=None)
    assert total == len(expected)
    assert [docnum for _, docnum in best] == [hit.docnum for hit in expected]
    assert [score for score, _ in best] == pytest.approx([hit.score for hit in expected])


def test_engine_applies_filters_like_whoosh(varied, index):
    searcher = index.searcher()
    lexicon = index.lexicon(searcher)
    parsed = parse("活动室")
    restriction = Term("kind", "space")
    expected = searcher.search(text_query(parsed, lexicon), filter=restriction, limit=3)
    best, total = engine.search(searcher, index.postings, index.reputation_factors,
                                engine.query_terms(parsed, lexicon), allowed=restriction, limit=3)
    assert total == len(expected)
    assert [docnum for _, docnum in best] == [hit.docnum for hit in expected]


def test_the_posting_cache_does_not_keep_the_readers_of_replaced_segments_alive(varied, index, session):
    searcher = index.searcher()
    avgfl = searcher.avg_field_length("text")
    readers = [weakref.ref(sub.reader()) for sub, _ in searcher.leaf_searchers()]
    assert any([index.postings.tf_parts(reader(), "text", "活动室", avgfl) for reader in readers])
    del searcher
    index.rebuild(session)  # every segment replaced
    index.lexicon(index.searcher())
    gc.collect()
    assert [reader() for reader in readers] == [None] * len(readers)


def test_cached_scores_share_one_float_per_distinct_value(varied, index):
    searcher = index.searcher()
    avgfl = searcher.avg_field_length("text")
    parts = [part for sub, _ in searcher.leaf_searchers() for word in index.lexicon(searcher).words
             for part in index.postings.tf_parts(sub.reader(), "text", word, avgfl).values()]
    assert len(parts) > len(set(parts))
    assert len({id(part) for part in parts}) == len(set(parts))


def test_the_posting_cache_keeps_to_a_budget_sized_by_the_index_dropping_the_least_recently_used(varied, index,
                                                                                                 monkeypatch):
    monkeypatch.setattr(engine, "CACHE_MIN_ENTRIES", 0)
    searcher = index.searcher()
    leaf = next(sub.reader() for sub, _ in searcher.leaf_searchers())
    avgfl = searcher.avg_field_length("text")
    cache = engine.PostingCache(index._weighting)
    cache.fit(2)
    budget = 2 * engine.CACHE_ENTRIES_PER_DOCUMENT
    words = sorted(word for word in index.lexicon(searcher).words if ("text", word.encode()) in leaf)
    first = min(words, key=lambda word: leaf.doc_frequency("text", word))
    others = [word for word in words if word != first]
    read, first_reads = {}, []
    for word in others:
        first_reads.append(cache.tf_parts(leaf, "text", first, avgfl))  # used before each other word
        read[word] = cache.tf_parts(leaf, "text", word, avgfl)
    assert sum(len(parts) for parts in read.values()) > budget  # more than fits
    assert 0 < cache.size <= budget
    assert all(parts is first_reads[0] for parts in first_reads)  # never dropped, so read from the index once
    kept = {text for _, _, text in cache._postings}
    assert {first, others[-1]} <= kept and others[0] not in kept

    engine.search(searcher, cache, index.reputation_factors, engine.query_terms(parse("活动室"), index.lexicon(searcher)))
    assert cache.budget == engine.CACHE_ENTRIES_PER_DOCUMENT * searcher.doc_count_all()
