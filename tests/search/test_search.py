"""Searching: Chinese words and characters, pinyin, traditional input, typos, filters, ranking, free-at."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from marketplace.core import clock, zones
from marketplace.core.errors import NotFound, ValidationFailed
from marketplace.search import index as search_index_module
from marketplace.search.ranking import Reputation
from marketplace.search.services import SearchFilters, search_listings

ZONE = "Asia/Shanghai"


@pytest.fixture
def street(factory, index):
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1"], name="幸福里社区居委会")
    other = factory.organisation(place=tree["c2"], name="建设路社区居委会")
    made = {
        "hall": factory.listing(organisation=org, title="党员活动室", place_id=tree["c1_grid"].id,
                                description="可容纳30人，配有投影仪。", facilities=["projector"], people=30),
        "calligraphy": factory.listing(organisation=org, kind="skill", title="老年书法班", tags=["书法", "兴趣班"],
                                       description="退休教师授课，楷书入门。", place_id=tree["c1_building"].id),
        "piano": factory.listing(organisation=org, kind="skill", title="儿童钢琴启蒙", description="教识谱和指法。",
                                 fee_type="money", fee_amount=50),
        "haircut": factory.listing(organisation=other, kind="service", title="老年人爱心理发",
                                   description="每周四上午免费理发。"),
        "meeting": factory.listing(organisation=other, title="建设路社区会议室", description="位于3号楼一层，A座入口。",
                                   people=10),
    }
    return tree, made


def test_a_chinese_word_finds_listings_containing_it(street, titles):
    assert titles("活动室") == ["党员活动室"]
    assert titles("理发") == ["老年人爱心理发"]


def test_one_character_finds_the_words_that_hold_it(street, titles):
    assert "老年书法班" in titles("书")
    assert "儿童钢琴启蒙" in titles("琴")


def test_full_pinyin_and_initials_find_the_chinese_words(street, titles):
    assert titles("huodongshi") == ["党员活动室"]
    assert titles("hds") == ["党员活动室"]
    assert titles("lifa") == ["老年人爱心理发"]
    assert titles("lf") == ["老年人爱心理发"]


def test_traditional_characters_match_simplified_text(street, titles):
    assert titles("會議室") == ["建设路社区会议室"]
    assert titles("書法") == ["老年书法班"]


def test_numbers_and_single_letters_are_searchable(street, titles):
    # The calligraphy class sits in the building called 3号楼; the meeting room says so in its text.
    assert set(titles("3号楼")) == {"建设路社区会议室", "老年书法班"}
    assert titles("A座") == ["建设路社区会议室"]


def test_a_listing_located_in_the_named_building_ranks_first(street, factory, titles):
    tree, made = street
    factory.listing(organisation=made["meeting"].organisation, title="3号楼楼下停车位",
                    description="3号楼东侧的停车位，3号楼住户优先。", place_id=tree["c2_grid"].id)
    found = titles("3号楼")
    assert found[0] == "老年书法班", found  # in the building called 3号楼, though its text never says so
    assert set(found) == {"老年书法班", "建设路社区会议室", "3号楼楼下停车位"}


def test_every_word_must_match(street, titles):
    assert titles("会议室 3号楼") == ["建设路社区会议室"]
    assert titles("会议室 书法") == []


def test_homophone_typo_suggests_the_indexed_word(street, session, index):
    results = search_listings(session, index, "会义室")
    assert results.total == 0
    assert results.suggestion == "会议室"


def test_pinyin_typo_suggests_the_chinese_word(street, session, index):
    assert search_listings(session, index, "huodonshi").suggestion == "活动室"


def test_a_query_that_finds_something_suggests_nothing(street, session, index):
    assert search_listings(session, index, "会议室").suggestion is None


def test_kind_filter(street, titles):
    assert set(titles("", kind="skill")) == {"儿童钢琴启蒙", "老年书法班"}
    assert titles("老年", kind="service") == ["老年人爱心理发"]


def test_community_filter_includes_its_grids_and_buildings(street, titles):
    tree, _ = street
    found = set(titles("", place_id=tree["c1"].id))
    assert {"党员活动室", "老年书法班", "儿童钢琴启蒙"} <= found
    assert "老年人爱心理发" not in found
    assert titles("", place_id=tree["c1_building"].id) == ["老年书法班"]


def test_free_capacity_and_facility_filters(street, titles):
    assert "儿童钢琴启蒙" not in titles("", free_only=True)
    assert set(titles("", min_capacity=20)) == {"党员活动室"}
    assert set(titles("", facilities=["projector"])) == {"党员活动室"}


def test_the_capacity_filter_counts_people_a_listing_holds_not_bookings_it_takes_at_once(factory, titles):
    factory.listing(title="多功能厅", description="可容纳120人。", people=120, capacity=1)
    factory.listing(title="自习室", description="共24个座位。", people=24, capacity=24)
    factory.listing(title="棋牌室", description="有6张牌桌，按桌预约。", people=24, capacity=6)
    factory.listing(title="未填人数的活动室", capacity=30)
    assert set(titles("", min_capacity=100)) == {"多功能厅"}
    assert set(titles("", min_capacity=20)) == {"多功能厅", "自习室", "棋牌室"}


def test_minimum_rating_excludes_listings_nobody_has_rated(street, titles):
    assert titles("", min_rating=1) == []


def test_bad_filters_are_refused_clearly(street, session, index):
    with pytest.raises(ValidationFailed) as error:
        search_listings(session, index, "", SearchFilters(kind="castle"))
    assert error.value.field == "kind"
    with pytest.raises(NotFound):
        search_listings(session, index, "", SearchFilters(place_id=999_999))
    with pytest.raises(ValidationFailed):
        search_listings(session, index, "", SearchFilters(facilities=["jacuzzi"]))
    with pytest.raises(ValidationFailed):
        search_listings(session, index, "书" * 101)


def test_free_at_window_end_before_start_is_refused(street, session, index):
    start = clock.now() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as error:
        search_listings(session, index, "", SearchFilters(free_at_start=start, free_at_end=start - timedelta(hours=1)))
    assert error.value.field == "free_at_end"


def test_title_matches_rank_above_description_matches(factory, index, titles):
    factory.listing(title="社区会客厅", description="适合举办书法展览。")
    factory.listing(title="书法教室", description="宽敞明亮。")
    assert titles("书法") == ["书法教室", "社区会客厅"]


def test_reputation_lifts_a_listing_among_equal_text_matches(factory, index, titles, monkeypatch, session):
    first = factory.listing(title="共享会议室", description="可坐10人。")
    second = factory.listing(title="共享会议室", description="可坐10人。")
    assert titles("会议室")[0] == first.title
    ranked = [hit.listing.id for hit in search_listings(session, index, "会议室").hits]
    assert ranked == [first.id, second.id]
    # A well-reviewed listing must come first once its reputation reaches the index.
    monkeypatch.setattr(search_index_module, "listing_reputation",
                        lambda listing: Reputation(4.8, 12) if listing.id == second.id else Reputation(3.0, 0))
    index.apply(lambda: Session(bind=session.get_bind()), [first.id, second.id])
    ranked = [hit.listing.id for hit in search_listings(session, index, "会议室").hits]
    assert ranked == [second.id, first.id]


def test_reputation_weight_zero_ranks_by_text_alone(factory, session, tmp_path, monkeypatch):
    first = factory.listing(title="共享会议室", description="可坐10人。")
    second = factory.listing(title="共享会议室", description="可坐10人。")
    monkeypatch.setattr(search_index_module, "listing_reputation",
                        lambda listing: Reputation(4.8, 12) if listing.id == second.id else Reputation(3.0, 0))
    plain = search_index_module.SearchIndex(str(tmp_path / "plain"), reputation_weight=0.0)
    plain.rebuild(session)
    ranked = search_listings(session, plain, "会议室").hits
    assert [hit.listing.id for hit in ranked] == [first.id, second.id]
    assert ranked[0].score == pytest.approx(ranked[1].score)


def _tomorrow(hour: int) -> datetime:
    day = zones.local_date(clock.now(), ZONE) + timedelta(days=1)
    return zones.to_utc(datetime.combine(day, time(hour)), ZONE)


def test_free_at_keeps_only_listings_bookable_for_the_whole_window(factory, index, session, titles):
    taken = factory.listing(title="小会议室甲", capacity=1)
    factory.listing(title="小会议室乙", capacity=1)
    factory.booking(listing=taken, start=_tomorrow(10), minutes=60)
    window = {"free_at_start": _tomorrow(10), "free_at_end": _tomorrow(11)}
    assert titles("会议室", **window) == ["小会议室乙"]
    late = {"free_at_start": _tomorrow(22), "free_at_end": _tomorrow(23)}
    assert titles("会议室", **late) == []
    results = search_listings(session, index, "会议室", SearchFilters(**late))
    assert results.alternatives[0].name == "free_at" and results.alternatives[0].count == 2


def test_empty_state_offers_dropping_a_filter_and_nearby_communities(street, session, index):
    tree, _ = street
    results = search_listings(session, index, "理发", SearchFilters(place_id=tree["c1"].id, free_only=True))
    assert results.total == 0
    offered = {(a.kind, a.name): a.count for a in results.alternatives}
    assert offered[("without_filter", "place_id")] == 1
    assert offered[("community", "建设路社区")] == 1
    assert ("without_filter", "free_only") not in offered


def test_pages_split_the_ranked_results(factory, index, session):
    for n in range(5):
        factory.listing(title=f"活动室{n}号")
    first = search_listings(session, index, "活动室", per_page=2, page=1)
    third = search_listings(session, index, "活动室", per_page=2, page=3)
    assert first.total == third.total == 5
    assert len(first.hits) == 2 and len(third.hits) == 1
    assert not {h.listing.id for h in first.hits} & {h.listing.id for h in third.hits}


def test_free_at_counts_a_fixed_length_skill_when_one_of_its_bookings_fits_inside_the_window(factory, titles):
    haircut = factory.listing(kind="service", title="老年人爱心理发", slot_minutes=30, min_duration_minutes=30,
                              max_duration_minutes=30, min_notice_minutes=0)
    factory.booking(listing=haircut, start=_tomorrow(9), minutes=30)
    morning = {"free_at_start": _tomorrow(9), "free_at_end": _tomorrow(10)}
    assert titles("理发", **morning) == ["老年人爱心理发"]
    factory.booking(listing=haircut, start=_tomorrow(9) + timedelta(minutes=30), minutes=30)
    assert titles("理发", **morning) == []


def test_free_at_counts_a_long_room_when_a_booking_of_its_shortest_length_covers_a_shorter_window(factory, titles):
    room = factory.listing(title="二楼会议室", slot_minutes=30, min_duration_minutes=60, max_duration_minutes=240,
                           min_notice_minutes=0)
    half_hour = {"free_at_start": _tomorrow(9), "free_at_end": _tomorrow(9) + timedelta(minutes=30)}
    assert titles("会议室", **half_hour) == ["二楼会议室"]
    factory.booking(listing=room, start=_tomorrow(9), minutes=60)
    assert titles("会议室", **half_hour) == []
    whole_morning = {"free_at_start": _tomorrow(8), "free_at_end": _tomorrow(13)}
    assert titles("会议室", **whole_morning) == []
    hours = {"free_at_start": _tomorrow(10), "free_at_end": _tomorrow(15)}
    assert titles("会议室", **hours) == ["二楼会议室"]


def test_free_at_uses_the_longest_booking_on_the_grid_when_the_maximum_is_off_it(factory, titles):
    factory.listing(title="三楼会议室", slot_minutes=60, min_duration_minutes=60, max_duration_minutes=90,
                    min_notice_minutes=0)
    assert titles("会议室", free_at_start=_tomorrow(9), free_at_end=_tomorrow(12)) == ["三楼会议室"]


def test_free_at_leaves_out_a_listing_whose_grid_cannot_fill_the_window_and_keeps_the_others(factory, titles):
    factory.listing(title="半点会议室", slot_minutes=30, min_duration_minutes=30, max_duration_minutes=240,
                    min_notice_minutes=0)
    factory.listing(title="一刻会议室", slot_minutes=15, min_duration_minutes=15, max_duration_minutes=240,
                    min_notice_minutes=0)
    three_quarters = {"free_at_start": _tomorrow(9), "free_at_end": _tomorrow(9) + timedelta(minutes=45)}
    assert titles("会议室", **three_quarters) == ["一刻会议室"]
