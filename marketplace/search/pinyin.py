"""Pinyin of Chinese words, read as pypinyin reads them, from a table of about 1 MB instead of pypinyin's 50 MB.

pypinyin holds every character's readings and 47,000 phrases as Python objects in each process that asks it once
(a web worker highlighting a pinyin query, or indexing an edited listing). We need two styles of one reading:
the full pinyin without tones and the initials. ``scripts/pinyin-table`` asks pypinyin for them, for every
character it knows and for the 3,644 phrases that do not read as their characters alone (or that keep a word
from being cut the wrong way), and writes ``pinyin_table.tsv``. A word is cut here as pypinyin cuts it (longest
phrase first, over runs of Chinese characters), so every word of jieba's and pypinyin's dictionaries reads
exactly as pypinyin reads it (tests/search/test_pinyin.py).
"""
from __future__ import annotations

import os
import re
import threading
from bisect import bisect_left
from functools import lru_cache

TABLE = os.path.join(os.path.dirname(__file__), "pinyin_table.tsv")
_LOAD = threading.Lock()


class PinyinTable:
    """Characters (one sorted string) with their readings (fixed-width slots of one string), and phrases."""

    def __init__(self, path: str = TABLE):
        with open(path, encoding="utf-8") as lines:
            self.chinese_runs = re.compile("(?:" + next(lines).rstrip("\n").split("\t")[1] + ")+")
            self.characters = next(lines).rstrip("\n").split("\t")[1]
            _, width, self.readings = next(lines).rstrip("\n").split("\t")
            self.width = int(width)
            # phrase → "full<tab>initials": one string each (3,644 tuples of two weigh more than all the characters)
            self.phrases = dict(line.rstrip("\n").split("\t", 1) for line in lines)
        self.sorted_phrases = sorted(self.phrases)

    def is_prefix(self, text: str) -> bool:
        """Whether some phrase starts with ``text`` (the first phrase not sorting before it does, if any)."""
        index = bisect_left(self.sorted_phrases, text)
        return index < len(self.sorted_phrases) and self.sorted_phrases[index].startswith(text)

    def character(self, ch: str) -> tuple[str, str]:
        """A character's reading, or the character itself where it has none (as pypinyin leaves it)."""
        index = bisect_left(self.characters, ch)
        if index == len(self.characters) or self.characters[index] != ch:
            return ch, ch
        full, initials = self.readings[index * self.width:(index + 1) * self.width].rstrip().split(" ")
        return full, initials

    def cut(self, run: str) -> list[str]:
        """A run of Chinese characters cut as pypinyin's phrase segmenter cuts it: at each place the longest phrase
        reached through known prefixes, else one character; where the prefixes reach the run's end without a
        phrase, the rest goes character by character."""
        pieces = []
        start = 0
        while start < len(run):
            longest = 0
            end = start
            while end < len(run) and self.is_prefix(run[start:end + 1]):
                end += 1
                if run[start:end] in self.phrases:
                    longest = end - start
            if longest:
                pieces.append(run[start:start + longest])
                start += longest
            elif end == len(run) and end > start:
                pieces.extend(run[start:])
                break
            else:
                pieces.append(run[start])
                start += 1
        return pieces

    def read(self, text: str) -> tuple[str, str]:
        """(full pinyin, initials) of ``text``; what is not Chinese stays as it is."""
        full, initials = [], []
        position = 0
        for run in self.chinese_runs.finditer(text):
            full.append(text[position:run.start()])
            initials.append(text[position:run.start()])
            for piece in self.cut(run.group()):
                phrase = self.phrases.get(piece) if len(piece) > 1 else None
                if phrase is not None:
                    reading = phrase.split("\t")
                else:
                    readings = [self.character(ch) for ch in piece]
                    reading = ("".join(r[0] for r in readings), "".join(r[1] for r in readings))
                full.append(reading[0])
                initials.append(reading[1])
            position = run.end()
        full.append(text[position:])
        initials.append(text[position:])
        return "".join(full), "".join(initials)


def table() -> PinyinTable:
    with _LOAD:
        return _load()


@lru_cache(maxsize=None)
def _load() -> PinyinTable:
    return PinyinTable()
