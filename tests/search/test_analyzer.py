"""The analyzer cuts our text the way residents type it."""
import importlib.util
import json
import random
from pathlib import Path

from marketplace.search import analyzer
from marketplace.search.analyzer import index_terms, normalise_query, pinyin_terms, query_words, segment
from marketplace.search.queries import parse


def terms(text):
    return [term for term, _, _ in index_terms(text)]


def test_chinese_text_yields_search_mode_words():
    assert {"活动", "活动室", "党员"} <= set(terms("党员活动室"))


def test_a_dictionary_word_across_jiebas_cut_is_indexed_where_it_stands():
    assert "活动室" not in [word for word, _, _ in segment("免费亲子活动室")]  # jieba: 免费 / 亲子活动 / 室
    assert ("活动室", 4, 7) in index_terms("免费亲子活动室")


def test_numbers_and_single_latin_letters_are_kept():
    found = set(terms("A座3号楼"))
    assert {"a", "3"} <= found


def test_latin_words_are_lowercased_and_not_stemmed():
    assert "running" in terms("Running Club")
    assert "wifi" in terms("ＷｉＦｉ覆盖")


def test_offsets_point_into_the_original_text():
    text = "东大街ＷｉＦｉ覆盖"
    for term, start, end in index_terms(text):
        assert text[start:end].lower().replace("ｗｉｆｉ", "wifi") in (term, text[start:end].lower())


def test_pinyin_terms_carry_full_pinyin_and_initials():
    found = {term for term, _, _ in pinyin_terms("多功能活动室")}
    assert {"huodongshi", "hds", "huodong", "hd"} <= found


def test_pinyin_of_adjacent_words_covers_compounds_jieba_splits():
    found = {term for term, _, _ in pinyin_terms("作业辅导")}
    assert {"zuoyefudao", "zyfd"} <= found


def test_traditional_query_is_turned_simplified():
    assert normalise_query("會議室 書法教學") == "会议室 书法教学"


def test_query_syntax_and_control_characters_are_plain_separators():
    parsed = parse('"会议室 AND (书法\x00\x07 -理发')
    assert parsed.words == ["会议室", "and", "书法", "理发"]


def test_query_words_use_the_same_cut_as_the_text():
    assert query_words("党员活动室") == ["党员", "活动室"]


def test_dictionary_words_across_jiebas_cuts_are_indexed():
    # jieba cuts 每周 / 四 / 上午: 周四 lies across the cut.
    assert "周四" in terms("每周四上午，爱心理发师")


def test_a_building_number_with_its_unit_is_one_term_on_both_sides():
    assert {"3号楼", "3号院", "a座", "2单元"} <= set(terms("跃进路3号院3号楼A座2单元"))
    assert "3号楼" not in terms("13号楼")
    assert query_words("12号楼会议室") == ["12号楼", "会议室"]


def test_the_dictionary_loaded_word_by_word_cuts_as_rjiebas_own():
    """The analyzer's jieba holds jieba's dict.txt added word by word (less memory than rjieba's built-in
    dictionary): every word with the same frequency, so every cut the same, HMM on or off."""
    import rjieba

    ours, theirs = analyzer._jieba(), rjieba.Jieba()
    rng = random.Random(8)
    with open(Path(importlib.util.find_spec("jieba").origin).parent / "dict.txt", encoding="utf-8") as dictionary:
        words = [line.split(" ", 1)[0] for line in dictionary]
    assert all(ours.suggest_freq(word) == theirs.suggest_freq(word) for word in rng.sample(words, 20_000))
    assert all(theirs.has_word(word) for word in words[-1000:])
    characters = [chr(code) for code in range(0x4E00, 0x9FFF)]
    texts = ["每周四上午，爱心理发师为70岁以上老人免费理发。", "3号楼A座二单元的多功能活动室可容纳120人"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(2, 20))) for _ in range(1500)]
    texts += ["".join(rng.choice(characters) for _ in range(rng.randint(2, 30))) for _ in range(500)]
    for text in texts:
        assert ours.cut_all(text) == theirs.cut_all(text), text
        for hmm in (False, True):
            assert ours.cut(text, hmm=hmm) == theirs.cut(text, hmm=hmm), text
            assert ours.tokenize(text, mode="search", hmm=hmm) == theirs.tokenize(text, mode="search", hmm=hmm), text


def test_traditional_characters_turn_simplified_as_with_all_of_zhconvs_tables():
    """The analyzer decodes only the two tables of zhconv's file that mainland simplified needs; every phrase and
    character of the file converts as zhconv's own loader (all tables) converts it."""
    import zhconv.zhconv

    ours = analyzer._to_simplified()
    path = Path(zhconv.zhconv.__file__).parent / "zhcdict.json"
    tables = json.loads(path.read_text(encoding="utf-8"))
    texts = [key for table in tables.values() if isinstance(table, dict) for key in table] + [
        tables["TRADONLY"], tables["SIMPONLY"], "社區活動室的鋼琴課", "臺灣的「軟體」與香港的「軟件」"]
    converted = [ours(text) for text in texts]
    kept = {name: getattr(zhconv.zhconv, name) for name in ("zhcdicts", "dict_zhcn", "pfsdict")}
    try:
        zhconv.zhconv.zhcdicts, zhconv.zhconv.dict_zhcn, zhconv.zhconv.pfsdict = None, None, {}
        zhconv.zhconv.loaddict(str(path))
        assert converted == [zhconv.zhconv.convert(text, "zh-cn") for text in texts]
    finally:
        for name, value in kept.items():
            setattr(zhconv.zhconv, name, value)
    assert ours("社區活動室") == "社区活动室"
