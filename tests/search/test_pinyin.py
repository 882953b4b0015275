"""Pinyin from our table (search/pinyin.py, written by scripts/pinyin-table from pypinyin): every word reads exactly as
pypinyin with its whole dictionary reads it, and a process reading pinyin does without pypinyin."""
from __future__ import annotations

import json
import subprocess
import sys

from marketplace.config import PROJECT_ROOT

WHOLE_DICTIONARY = """
import importlib.util, json, os, sys
import pypinyin
from pypinyin.constants import PHRASES_DICT
with open(os.path.join(os.path.dirname(importlib.util.find_spec("jieba").origin), "dict.txt"), encoding="utf-8") as f:
    jieba_words = [line.split(" ", 1)[0] for line in f]
words = sorted({w for w in (*jieba_words, *PHRASES_DICT) if len(w) > 1})
json.dump({w: ["".join(pypinyin.lazy_pinyin(w)), "".join(pypinyin.lazy_pinyin(w, style=pypinyin.Style.FIRST_LETTER))]
           for w in words}, sys.stdout, ensure_ascii=False)
"""

ANALYZER = """
import json, sys
from marketplace.search.analyzer import word_pinyin
words = json.load(sys.stdin)
json.dump({w: list(word_pinyin(w)) for w in words}, sys.stdout, ensure_ascii=False)
print("\\n" + " ".join(m for m in sys.modules if m.startswith("pypinyin")), file=sys.stderr)
"""


def run(code: str, given: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], input=given, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, check=True)


def test_every_word_of_both_dictionaries_reads_as_with_pypinyins_whole_phrase_dictionary():
    expected = json.loads(run(WHOLE_DICTIONARY).stdout)
    analyzed = run(ANALYZER, json.dumps(list(expected), ensure_ascii=False))
    got = json.loads(analyzed.stdout)
    wrong = {word: (got[word], reading) for word, reading in expected.items() if got[word] != reading}
    assert len(expected) > 340_000 and not wrong, list(wrong.items())[:20]
    assert ["yinhang", "yh"] == got["银行"] and ["hangzhang", "hz"] == got["行长"]
    assert analyzed.stderr.split() == []  # pypinyin (about 50 MB once loaded) was not imported


def test_text_that_is_not_chinese_stays_as_it_is_around_the_words_read():
    from marketplace.search.analyzer import word_pinyin
    assert word_pinyin("3号楼活动室") == ("3haolouhuodongshi", "3hlhds")
    assert word_pinyin("AA制") == ("AAzhi", "AAz")
    assert word_pinyin("维修wifi") == ("weixiuwifi", "wxwifi")
    assert word_pinyin("银行，行长") == ("yinhang，hangzhang", "yh，hz")
