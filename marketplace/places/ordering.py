"""The order people count places in: 第二网格 before 第十网格, 9号楼 before 10号楼.

Names sort as text would put 第一, 第三, 第二 and 10, 8, 9号楼 in that order; here every run of
digits or Chinese numerals (一二三…十百千, 两, 零/〇) counts as its number. Every list of places
goes through ``natural_key`` (see ``places.services``), so dropdowns, the tree and filters agree.
"""
from __future__ import annotations

import re

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                  "八": 8, "九": 9}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMBER_RUN = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十百千]+")


def chinese_number(run: str) -> int:
    """The value of a run of Chinese numerals: 十一 → 11, 二十 → 20, 一百零五 → 105, 二〇二六 → 2026."""
    if not any(ch in CHINESE_UNITS for ch in run):
        return int("".join(str(CHINESE_DIGITS[ch]) for ch in run))
    total, digit = 0, None
    for ch in run:
        if ch in CHINESE_UNITS:
            total += (1 if digit is None else digit) * CHINESE_UNITS[ch]
            digit = None
        else:
            digit = CHINESE_DIGITS[ch]
    return total + (digit or 0)


def natural_key(name: str) -> tuple:
    """A sort key for a place's name in which numbers, Arabic or Chinese, compare as numbers."""
    parts: list[tuple] = []
    start = 0
    for match in NUMBER_RUN.finditer(name):
        if match.start() > start:
            parts.append((1, 0, name[start:match.start()]))
        run = match.group()
        parts.append((0, int(run) if run.isdigit() else chinese_number(run), run))
        start = match.end()
    if start < len(name):
        parts.append((1, 0, name[start:]))
    return tuple(parts)
