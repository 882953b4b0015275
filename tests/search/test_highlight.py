"""Snippets: whole phrases around the matches, never the same text twice."""
import re

from marketplace.search.highlight import PHRASE_END, snippet

HAIRCUT = ("每周四上午，爱心理发师为70岁以上老人免费理发。行动不便的老人可以联系居委会安排上门。"
           "理发前请先洗头，自带毛巾；理发师会在活动室等候，每次约半小时，请提前一天预约以便安排人手。")
ROOM = ("跃进路3号院内的活动室，可容纳40人，老年合唱团和腰鼓队常在这里活动。室内有音响和一面舞蹈镜，"
        "工作日晚上和周六上午也可预约。活动结束后请关闭电源、带走垃圾，桌椅恢复原样，钥匙交还门卫室，谢谢配合。")


def passages(marked) -> list[str]:
    return re.sub(r"</?mark[^>]*>", "", str(marked)).split("…")


def test_snippets_begin_and_end_at_phrase_boundaries():
    for text, words in ((ROOM, {"活动室"}), (ROOM, {"预约"}), (HAIRCUT, {"老人", "以上"}), (HAIRCUT, {"预约"})):
        for passage in passages(snippet(text, frozenset(words))):
            start = text.index(passage)
            assert start == 0 or PHRASE_END.match(text[start - 1]), passage
            end = start + len(passage)
            assert end == len(text) or PHRASE_END.match(text[end - 1]), passage


def test_snippet_passages_never_repeat_text():
    found = passages(snippet(HAIRCUT, frozenset({"以上", "老人", "理发"}), length=30))
    for first, second in zip(found, found[1:]):
        assert HAIRCUT.index(first) + len(first) < HAIRCUT.index(second), found


def test_a_text_without_matches_shows_its_first_whole_phrases():
    assert str(snippet(ROOM, frozenset(), length=30)) == "跃进路3号院内的活动室，可容纳40人，…"
