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
from array import array
from bisect import bisect_left
from functools import lru_cache

TABLE = os.path.join(os.path.dirname(__file__), "pinyin_table.tsv")
_LOAD = threading.Lock()


class PinyinTable:
    """Characters (code points sorted, their readings in one string) and phrases, as read from the table."""

    def __init__(self, path: str = TABLE):
        self.codes = array("I")
        self.offsets = array("I", [0])
        readings: list[str] = []
        length = 0
        self.phrases: dict[str, tuple[str, str]] = {}
        with open(path, encoding="utf-8") as lines:
            self.chinese_runs = re.compile(f"(?:{next(lines).rstrip(chr(10)).split(chr(9), 1)[1]})+")
            for line in lines:
                text, full, initials = line.rstrip("\n").split("\t")
                if len(text) == 1:
                    self.codes.append(ord(text))
                    readings.append(f"{full} {initials}")
                    length += len(readings[-1])
                    self.offsets.append(length)
                else:
                    self.phrases[text] = (full, initials)
        self.readings = "".join(readings)
        self.prefixes = {phrase[:end] for phrase in self.phrases for end in range(1, len(phrase) + 1)}

    def character(self, ch: str) -> tuple[str, str]:
        """A character's reading, or the character itself where it has none (as pypinyin leaves it)."""
        code = ord(ch)
        index = bisect_left(self.codes, code)
        if index == len(self.codes) or self.codes[index] != code:
            return ch, ch
        full, initials = self.readings[self.offsets[index]:self.offsets[index + 1]].split(" ")
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
            while end < len(run) and run[start:end + 1] in self.prefixes:
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
                reading = self.phrases.get(piece) if len(piece) > 1 else None
                if reading is None:
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
