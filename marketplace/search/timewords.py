"""Time words in a query (明天下午, 这周六, 下周三晚上, 周末, 3点到5点) as a window in the deployment's zone.

Our own small parser for a bounded vocabulary rather than a library: chinesetimenlp and time-nlp
have had no release since 2021, and jionlp (maintained) is a whole NLP toolkit with tens of MB of
dictionaries and a slow import, to read a dozen words. Relative words resolve against the ``now``
the caller passes (core.clock.now() in the app), in the zone it names.

A weekday without 这/本/下 (周四) counts only with a part of the day or a clock time after it
(周四上午): on its own it is as often what a listing says (每周四) as when the resident wants to go.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from marketplace.core.zones import to_local, to_utc

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": None}
# Parts of the day: (start hour, end hour) in local time.
PARTS = {"早上": (7, 9), "早晨": (7, 9), "清晨": (6, 9), "上午": (8, 12), "中午": (11, 13), "下午": (13, 18),
         "傍晚": (17, 19), "晚上": (18, 21), "夜里": (18, 21)}
# A day named without a part of it: the hours community places are usually open.
DAYTIME = (8, 21)
NUMERALS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
            "十": 10, "十一": 11, "十二": 12}

_HOUR = r"(?:[0-9]{1,2}|十[一二]?|[一二两三四五六七八九])"


def _clock(name: str) -> str:
    return rf"(?P<{name}h>{_HOUR})[点时:：](?P<{name}m>半|[0-9]{{2}}分?|[一二三四五]十分?|一刻)?"


_PART = "|".join(sorted(PARTS, key=len, reverse=True))
_DAY = (r"(?P<day>今天|今日|明天|明日|后天)|(?P<tonight>今晚|明晚|明早)"
        r"|(?P<which>这个?|本|下个?)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天末])")
TIME_WORDS = re.compile(
    rf"(?:{_DAY})?(?P<part>{_PART})?"
    rf"(?:{_clock('a')}(?:(?:到|至|-|~|—|–)(?:{_PART})?{_clock('b')})?)?")


@dataclass(frozen=True)
class TimeWords:
    start_char: int
    end_char: int
    start: datetime  # UTC
    end: datetime  # UTC


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMERALS[text]


def _minutes(text: str | None) -> int:
    if not text:
        return 0
    if text == "半":
        return 30
    if text == "一刻":
        return 15
    text = text.rstrip("分")
    if text.isdigit():
        return int(text)
    tens, _, ones = text.partition("十")
    return NUMERALS[tens] * 10 + (NUMERALS[ones] if ones else 0)


def _is_clock_time(hour: str | None, minutes: str | None) -> bool:
    return hour is None or (_number(hour) <= 24 and _minutes(minutes) < 60)


def _hour(raw: str, part: str | None) -> int:
    hour = _number(raw)
    if part in ("下午", "傍晚", "晚上", "夜里") and hour < 12:
        return hour + 12
    if part is None and 1 <= hour <= 6:  # "3点" said plainly means the afternoon
        return hour + 12
    return hour


def _days(match: re.Match, today: date) -> tuple[date, date] | None:
    """The first and last day the words name, or None when they name no day."""
    if match["day"]:
        offset = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}[match["day"]]
        day = today + timedelta(days=offset)
        return day, day
    if match["tonight"]:
        day = today + timedelta(days=0 if match["tonight"] == "今晚" else 1)
        return day, day
    if match["weekday"]:
        monday = today - timedelta(days=today.weekday())
        if match["which"] and match["which"].startswith("下"):
            monday += timedelta(days=7)
        weekday = WEEKDAYS[match["weekday"]]
        if weekday is None:  # the weekend
            saturday = monday + timedelta(days=5)
            return max(saturday, today), saturday + timedelta(days=1)
        day = monday + timedelta(days=weekday)
        if not match["which"] and day < today:  # 周四上午 on a Friday: the next one
            day += timedelta(days=7)
        return day, day
    return None


def find_time(text: str, now: datetime, zone: str) -> TimeWords | None:
    """The first time expression in ``text`` (folded query text) and the window it names, or None."""
    today = to_local(now, zone).date()
    for match in TIME_WORDS.finditer(text):
        if not match.group():
            continue
        tonight = match["tonight"]
        part = match["part"] or {"今晚": "晚上", "明晚": "晚上", "明早": "早上"}.get(tonight or "")
        bare_weekday = match["weekday"] and not match["which"] and match["weekday"] != "末"
        if bare_weekday and not (part or match["ah"]):
            continue
        if not (match["day"] or tonight or match["weekday"] or part or match["ah"]):
            continue
        if not _is_clock_time(match["ah"], match["am"]) or not _is_clock_time(match["bh"], match["bm"]):
            continue  # "3点99分", "25点": not a time of day, so not read as one
        days = _days(match, today) or (today, today)
        first, last = days
        if match["ah"]:
            start_at = time(_hour(match["ah"], part) % 24, _minutes(match["am"]))
            if match["bh"]:
                end_at = time(_hour(match["bh"], part if _number(match["bh"]) < 12 else None) % 24,
                              _minutes(match["bm"]))
            else:
                end_at = time(min(start_at.hour + 1, 23), start_at.minute)
            last = first
        elif part:
            start_hour, end_hour = PARTS[part]
            start_at, end_at = time(start_hour), time(end_hour)
            last = first
        else:
            start_at, end_at = time(DAYTIME[0]), time(DAYTIME[1])
        start = to_utc(datetime.combine(first, start_at), zone, nonexistent="shift_forward")
        end = to_utc(datetime.combine(last, end_at), zone, nonexistent="shift_forward")
        if end <= start:
            continue
        return TimeWords(match.start(), match.end(), start, end)
    return None
