"""Reading everyday words: the vocabulary file, time words against the clock, place and filler words,
and how both faces report what was understood with one tap to undo each part."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from marketplace.core import clock, zones
from marketplace.search.analyzer import normalise_query, query_words
from marketplace.search.timewords import find_time
from marketplace.search.understanding import PlaceName, read_vocabulary, understand, vocabulary, VOCABULARY

from tests.core.test_core import FORBIDDEN_IN_SERVICES, _imported_modules

ZONE = "Asia/Shanghai"
MONDAY_10AM = datetime(2026, 4, 20, 2, tzinfo=timezone.utc)  # Monday 20 April 2026, 10:00 in Shanghai


def test_understanding_is_domain_code_without_the_web_layer():
    import marketplace.search.timewords as timewords
    import marketplace.search.understanding as understanding

    for module in (understanding, timewords):
        assert not _imported_modules(Path(module.__file__)) & FORBIDDEN_IN_SERVICES


def test_the_vocabulary_has_several_hundred_phrasings_each_for_one_concept():
    words = read_vocabulary(VOCABULARY)
    assert words.phrasing_count >= 300
    assert not set(words.by_phrasing) & words.own_words  # a concept's own word is never rewritten


def test_a_phrasing_listed_under_two_concepts_is_refused(tmp_path):
    path = tmp_path / "vocabulary.toml"
    path.write_text('[[concept]]\nwords = ["理发"]\nphrasings = ["剪头"]\n'
                    '[[concept]]\nwords = ["缝补"]\nphrasings = ["剪头"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="剪头"):
        read_vocabulary(path)


def test_each_concept_word_is_cut_into_words_the_index_can_hold():
    for concept in set(vocabulary().by_phrasing.values()):
        for word, phrase in zip(concept.words, concept.phrases):
            assert "".join(phrase) == word and phrase == tuple(query_words(normalise_query(word)))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return zones.to_utc(datetime(2026, 4, day, hour, minute), ZONE)


@pytest.mark.parametrize("text,typed,start,end", [
    ("今天下午", "今天下午", local(20, 13), local(20, 18)),
    ("明天", "明天", local(21, 8), local(21, 21)),
    ("后天上午9点半", "后天上午9点半", local(22, 9, 30), local(22, 10, 30)),
    ("这周六下午想开会", "这周六下午", local(25, 13), local(25, 18)),
    ("下周三晚上", "下周三晚上", local(29, 18), local(29, 21)),
    ("周末", "周末", local(25, 8), local(26, 21)),
    ("下周末", "下周末", datetime(2026, 5, 2, 0, tzinfo=timezone.utc), datetime(2026, 5, 3, 13, tzinfo=timezone.utc)),
    ("周四上午 理发", "周四上午", local(23, 8), local(23, 12)),
    ("今晚7点到9点", "今晚7点到9点", local(20, 19), local(20, 21)),
    ("三点", "三点", local(20, 15), local(20, 16)),
    ("星期天上午十点", "星期天上午十点", local(26, 10), local(26, 11)),
])
def test_time_words_resolve_against_the_clock_in_the_deployment_zone(text, typed, start, end):
    found = find_time(text, MONDAY_10AM, ZONE)
    assert (text[found.start_char:found.end_char], found.start, found.end) == (typed, start, end)


@pytest.mark.parametrize("text", ["理发 周四", "每周四上午", "会议室", "3号楼", "周六"])
def test_a_bare_weekday_or_no_time_word_is_not_a_window(text):
    if text == "每周四上午":  # what listings say: read as a window only with a part of the day, as here
        assert find_time(text, MONDAY_10AM, ZONE) is not None
    else:
        assert find_time(text, MONDAY_10AM, ZONE) is None


def test_this_week_means_the_week_the_clock_is_in():
    sunday = datetime(2026, 4, 26, 2, tzinfo=timezone.utc)
    assert find_time("这周六", sunday, ZONE).start == local(25, 8)  # already past: the resident asked for it
    assert find_time("下周六", sunday, ZONE).start == zones.to_utc(datetime(2026, 5, 2, 8), ZONE)


PLACES = [PlaceName(1, "幸福里社区", "community", None), PlaceName(2, "公园社区", "community", None),
          PlaceName(3, "3号楼", "building", 1), PlaceName(4, "3号楼", "building", 2)]


def test_a_sentence_is_read_as_concept_time_place_and_fillers():
    understood = understand("这周六下午想在幸福里找个能开会的地方", now=MONDAY_10AM, zone=ZONE, places=PLACES)
    assert [(c.typed, c.means) for c in understood.concepts] == [("能开会的地方", "会议室")]
    assert understood.time.typed == "这周六下午"
    assert (understood.place.typed, understood.place.place_id) == ("幸福里", 1)
    assert understood.parsed.words == ["能开会的地方"]
    assert {"想", "在", "找", "个"} <= set(understood.ignored)


def test_a_community_with_a_building_number_names_that_building():
    understood = understand("公园社区3号楼 活动室", now=MONDAY_10AM, zone=ZONE, places=PLACES)
    assert (understood.place.place_id, understood.place.name) == (4, "公园社区3号楼")
    assert understood.parsed.words == ["活动室"]


def test_own_community_needs_a_home_and_short_common_names_need_their_suffix():
    home = PLACES[1]
    assert understand("本社区 理发", now=MONDAY_10AM, zone=ZONE, places=PLACES, home=home).place.place_id == 2
    assert understand("公园 拍照", now=MONDAY_10AM, zone=ZONE, places=PLACES).place is None


def test_time_words_inside_a_phrasing_stay_in_it():
    understood = understand("四点半课堂", now=MONDAY_10AM, zone=ZONE)
    assert understood.time is None


def test_a_phrasing_undone_is_searched_as_typed():
    understood = understand("剪头发", now=MONDAY_10AM, zone=ZONE, literal=frozenset({"剪头发"}))
    assert not understood.concepts and understood.parsed.related == {}


def test_time_and_place_filters_already_set_keep_those_words_as_words():
    understood = understand("幸福里 周末", now=MONDAY_10AM, zone=ZONE, places=PLACES, with_time=False,
                            with_place=False)
    assert understood.time is None and understood.place is None


# -- both faces ----------------------------------------------------------------------------------

@pytest.fixture
def street(factory, index):
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1"], name="幸福里社区居委会")
    barber = factory.listing(organisation=org, kind="service", title="老年人爱心理发",
                             description="爱心理发师为老人免费理发。")
    room = factory.listing(organisation=org, title="幸福里会议室", description="可坐12人的会议室。",
                           place_id=tree["c1_grid"].id)
    return tree, barber, room


def test_the_api_says_how_it_understood_an_everyday_word_and_highlights_the_listing_word(client, street):
    _, barber, _ = street
    body = client.get("/api/v1/search", query_string={"q": "剪头发"}).json
    assert body["understood"]["concepts"][0]["means"] == "理发"
    assert body["understood"]["concepts"][0]["undo"] == {"q": "剪头发", "literal": ["剪头发"]}
    item = next(i for i in body["items"] if i["id"] == barber.id)
    assert '<mark class="hit term0">理发</mark>' in item["title_html"].replace("term1", "term0")
    undone = client.get("/api/v1/search", query_string={"q": "剪头发", "literal": "剪头发"}).json
    assert undone["understood"] is None and undone["total"] == 0


def test_the_api_turns_time_words_into_the_free_at_filter_with_an_undo(client, street):
    clock.travel_to(MONDAY_10AM)
    body = client.get("/api/v1/search", query_string={"q": "这周六下午3点到4点想找个会议室"}).json
    understood = body["understood"]
    assert understood["time"]["label"] == "周六 15:00–16:00"
    assert understood["time"]["start"] == "2026-04-25T15:00:00+08:00"
    assert understood["time"]["undo"] == {"q": "想找个会议室", "literal": []}
    explicit = client.get("/api/v1/search", query_string={
        "q": "会议室", "free_at_start": "2026-04-25T15:00:00+08:00", "free_at_end": "2026-04-25T16:00:00+08:00"}).json
    assert body["total"] == explicit["total"] == 1


def test_the_page_shows_how_it_understood_with_one_tap_to_undo_the_time(client, street):
    clock.travel_to(MONDAY_10AM)
    page = client.get("/search", query_string={"q": "这周六下午想找个能开会的地方"}).get_data(as_text=True)
    assert "「会议室」" in page and "周六 13:00–18:00" in page and "为你查找" in page
    assert 'data-testid="undo-time"' in page
    assert "q=%E6%83%B3%E6%89%BE%E4%B8%AA%E8%83%BD%E5%BC%80%E4%BC%9A%E7%9A%84%E5%9C%B0%E6%96%B9" in page  # 想找个能开会的地方


def test_try_without_the_time_drops_the_time_words_when_the_window_came_from_them(client, street):
    clock.travel_to(MONDAY_10AM)  # the room opens at 09:00: nothing is free at 07:00–09:00
    page = client.get("/search", query_string={"q": "明天早上想找个能开会的地方"}).get_data(as_text=True)
    empty = page[page.index('data-testid="search-empty"'):]
    assert "q=%E6%83%B3%E6%89%BE%E4%B8%AA%E8%83%BD%E5%BC%80%E4%BC%9A%E7%9A%84%E5%9C%B0%E6%96%B9" in empty


@pytest.mark.parametrize("text", ["明天3点99分", "明天3点75", "周六25点"])
def test_impossible_clock_times_are_not_read_as_times(text):
    assert find_time(text, MONDAY_10AM, ZONE) is None


def test_an_impossible_time_on_both_faces_is_a_plain_search_not_an_error(client):
    assert client.get("/search", query_string={"q": "明天3点99分 会议室"}).status_code == 200
    assert client.get("/api/v1/search", query_string={"q": "明天3点99分 会议室"}).status_code == 200
