"""Reading a query in residents' own words: everyday phrasings, time words and place words.

The vocabulary (vocabulary.toml beside this file) is loaded once and applied at query time, so a
new phrasing needs no reindex. A phrasing found in the query becomes a word that matches the
concept's own words (剪头发 → 理发) at a lower weight than the words typed, so an exact match
stays first; time words become the free-at window, place words the place filter, and filler
words (想, 找个, 的) are dropped. Everything understood is reported with the span typed, so each
part can be undone.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from marketplace.places.directory import PlaceName
from marketplace.search.analyzer import PLACE_NUMBER, normalise_query, query_words
from marketplace.search.queries import ParsedQuery, parse, strip_control_characters
from marketplace.search.timewords import find_time

VOCABULARY = Path(__file__).with_name("vocabulary.toml")
# Words that carry no need of their own in a sentence ("这周六下午想找个能开会的地方").
FILLERS = frozenset("""我 我们 咱 咱们 想 想要 要 找 找个 找找 找一个 个 一个 一下 一些 些 能 能够 可以 可 的 地方 有 有没有
没有 哪里 哪儿 哪 哪个 在 请问 请 帮 帮我 麻烦 需要 吗 呢 啊 吧 呀 了 给 什么 谁 怎么 怎么办 如何 去 来 附近
这里 那里 一起 用 预约 约 时候 时间 点儿 有空 空闲 方便 这个 那个 社区里
我家 家 我爸 我妈 爸 妈 爸爸 妈妈 老伴 学 问问 问 事 事情 带""".split())
OWN_COMMUNITY = ("本社区", "我们社区", "我们小区", "本小区", "我家小区")
COMMUNITY_SUFFIX = "社区"


@dataclass(frozen=True)
class Concept:
    words: tuple[str, ...]  # as listings name it; the first is what the page shows
    phrases: tuple[tuple[str, ...], ...]  # each word cut as the search cuts it


@dataclass(frozen=True)
class Vocabulary:
    by_phrasing: dict[str, Concept]
    own_words: frozenset[str]  # the concepts' own words: typed, they are already exact
    longest_first: tuple[str, ...]

    @property
    def phrasing_count(self) -> int:
        return len(self.by_phrasing)


def read_vocabulary(path: Path) -> Vocabulary:
    """The concepts of a vocabulary file; ValueError when a phrasing belongs to two concepts or is a
    concept's own word (which, typed, is already what listings say)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    by_phrasing: dict[str, Concept] = {}
    own_words: set[str] = set()
    for entry in data["concept"]:
        words = tuple(normalise_query(word) for word in entry["words"])
        concept = Concept(words, tuple(tuple(query_words(word)) for word in words))
        own_words.update(words)
        for phrasing in entry.get("phrasings", []) + entry.get("problems", []):
            phrasing = normalise_query(phrasing)
            if phrasing in by_phrasing:
                raise ValueError(f"{phrasing} belongs to two concepts")
            by_phrasing[phrasing] = concept
    for phrasing in set(by_phrasing) & own_words:
        raise ValueError(f"{phrasing} is a concept's own word")
    longest = tuple(sorted(set(by_phrasing) | own_words, key=len, reverse=True))
    return Vocabulary(by_phrasing, frozenset(own_words), longest)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return read_vocabulary(VOCABULARY)


@dataclass(frozen=True)
class UnderstoodConcept:
    typed: str
    means: str
    phrases: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class UnderstoodTime:
    typed: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class UnderstoodPlace:
    typed: str
    place_id: int
    name: str


@dataclass
class Understanding:
    text: str  # the query as typed, normalised
    parsed: ParsedQuery
    concepts: list[UnderstoodConcept] = field(default_factory=list)
    time: UnderstoodTime | None = None
    place: UnderstoodPlace | None = None
    ignored: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.concepts or self.time or self.place)

    def without(self, typed: str) -> str:
        """The query with one understood part taken out (what "undo" searches for)."""
        return " ".join(self.text.replace(typed, " ", 1).split())


def _claim(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    if any(start < other_end and other_start < end for other_start, other_end in spans):
        return False
    spans.append((start, end))
    return True


def _find_place(text: str, spans: list[tuple[int, int]], places: list[PlaceName],
                home: PlaceName | None) -> tuple[UnderstoodPlace, tuple[int, int]] | None:
    """A community named by its name (幸福里社区, or 幸福里 when three characters or more), or 本社区
    for the resident's own, optionally followed by a building number (幸福里3号楼)."""
    communities: list[tuple[str, PlaceName]] = []
    for place in places:
        if place.kind == "community":
            communities.append((place.name, place))
            short = place.name.removesuffix(COMMUNITY_SUFFIX)
            if short != place.name and len(short) >= 3:
                communities.append((short, place))
    if home is not None:
        communities += [(word, home) for word in OWN_COMMUNITY]
    communities.sort(key=lambda pair: len(pair[0]), reverse=True)
    for name, community in communities:
        start = text.find(name)
        if start < 0:
            continue
        end = start + len(name)
        number = PLACE_NUMBER.match(text, end)
        if number:
            building = next((p for p in places if p.kind == "building" and p.community_id == community.id
                             and p.name.startswith(number.group())), None)
            if building is not None and _claim(spans, start, number.end()):
                return (UnderstoodPlace(text[start:number.end()], building.id, f"{community.name}{building.name}"),
                        (start, number.end()))
        if _claim(spans, start, end):
            return UnderstoodPlace(name, community.id, community.name), (start, end)
    return None


def understand(text: str | None, *, now: datetime, zone: str, places: list[PlaceName] = (),
               home: PlaceName | None = None, with_time: bool = True, with_place: bool = True,
               literal: frozenset[str] = frozenset()) -> Understanding:
    """What a query asks for: its words (phrasings standing for their concept's words), and the
    time and place it names. ``literal`` phrasings are searched as typed (the resident undid them);
    without ``with_time``/``with_place`` (a filter already set) time and place words stay words."""
    words = vocabulary()
    cleaned = " ".join(normalise_query(strip_control_characters(text or "")).split())
    spans: list[tuple[int, int]] = []
    concepts: dict[int, UnderstoodConcept] = {}
    for phrasing in words.longest_first:
        start = cleaned.find(phrasing)
        while start >= 0:
            end = start + len(phrasing)
            if _claim(spans, start, end) and phrasing in words.by_phrasing and phrasing not in literal:
                concept = words.by_phrasing[phrasing]
                concepts[start] = UnderstoodConcept(phrasing, concept.words[0], concept.phrases)
            start = cleaned.find(phrasing, end)
    understood = Understanding(cleaned, parse(""))
    taken_out = [(start, start + len(concept.typed)) for start, concept in concepts.items()]
    if with_time:
        masked = "".join(" " if any(s <= i < e for s, e in spans) else ch for i, ch in enumerate(cleaned))
        found = find_time(masked, now, zone)
        if found is not None and _claim(spans, found.start_char, found.end_char):
            understood.time = UnderstoodTime(cleaned[found.start_char:found.end_char], found.start, found.end)
            taken_out.append((found.start_char, found.end_char))
    if with_place:
        found_place = _find_place(cleaned, spans, list(places), home)
        if found_place is not None:
            understood.place = found_place[0]
            taken_out.append(found_place[1])
    understood.concepts = [concepts[start] for start in sorted(concepts)]
    understood.parsed = _parsed(cleaned, taken_out, concepts, understood)
    return understood


def _parsed(cleaned: str, taken_out: list[tuple[int, int]], concepts: dict[int, UnderstoodConcept],
            understood: Understanding) -> ParsedQuery:
    """The words to search for: the query less what was understood, each phrasing then added as one
    word standing for its concept, fillers dropped once anything was understood (or the query reads
    as a sentence), so a short exact query keeps all its words."""
    pieces = []
    position = 0
    for start, end in sorted(taken_out):
        pieces.append(cleaned[position:start])
        pieces.append(" ")
        position = end
    pieces.append(cleaned[position:])
    rest = "".join(pieces)
    drop_fillers = bool(understood.time or understood.place or concepts) or len(rest) > 6
    kept = []
    for chunk in re.split(r"\s+", rest):
        cut = query_words(chunk) if chunk else []
        words = [word for word in cut if not (drop_fillers and word in FILLERS)]
        understood.ignored += [word for word in cut if drop_fillers and word in FILLERS]
        if words:
            kept.append("".join(words))
    parsed = parse(" ".join(kept))
    for concept in concepts.values():
        if concept.typed not in parsed.words:
            parsed.words.append(concept.typed)
        parsed.related[concept.typed] = concept.phrases
    parsed.text = cleaned
    return parsed
