"""Search and discovery.

analyzer (jieba words, pinyin) → index (schema, documents, writing under Whoosh's lock) → sync (the
index follows each commit) → queries and engine (matching, ranking with reputation) → services
(search, did-you-mean, for-you) → views and api (the two faces), cli (`flask search reindex`).
"""
