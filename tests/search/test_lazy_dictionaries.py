"""The analyzer's dictionaries load when text is first cut, not with the app: a worker serving only listing
pages does without jieba's, and one whose queries have no pinyin does without the pinyin table; none loads pypinyin."""
from __future__ import annotations

import subprocess
import sys

from marketplace.config import PROJECT_ROOT

# jieba's dictionary is not a module of its own (the analyzer loads rjieba's extension without its package).
LOADED = ("import sys\n"
          "analyzer = sys.modules.get('marketplace.search.analyzer')\n"
          "jieba = ['rjieba'] if analyzer and analyzer._load_jieba.cache_info().currsize else []\n"
          "reader = sys.modules.get('marketplace.search.pinyin')\n"
          "table = ['pinyin-table'] if reader and reader._load.cache_info().currsize else []\n"
          "print(' '.join(jieba + table + [m for m in ('pypinyin', 'zhconv') if m in sys.modules]))")


def modules_loaded_after(code: str, tmp_path) -> set[str]:
    """The dictionary modules a fresh interpreter holds after building the app and running ``code``."""
    script = (f"from marketplace import create_app\n"
              f"create_app({{'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x', 'SEARCH_INDEX_DIR': {str(tmp_path)!r}}})\n"
              f"{code}\n{LOADED}")
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=True, env={"MARKETPLACE_INSTANCE": str(tmp_path), "PATH": ""})
    return set(done.stdout.split())


def test_building_the_app_loads_no_dictionary(tmp_path):
    assert modules_loaded_after("", tmp_path) == set()


def test_highlighting_chinese_words_needs_no_pinyin(tmp_path):
    code = ("from marketplace.search.highlight import highlight_title, snippet\n"
            "assert 'mark' in highlight_title('党员活动室', frozenset({'活动室'}))\n"
            "assert 'mark' in snippet('宽敞明亮的活动室', frozenset({'活动室'}))")
    assert modules_loaded_after(code, tmp_path) == {"rjieba"}


def test_a_pinyin_query_still_lights_up_its_word(tmp_path):
    code = ("from marketplace.search.highlight import highlight_title\n"
            "assert '>活动室</mark>' in highlight_title('党员活动室', frozenset({'hds'}))")
    assert modules_loaded_after(code, tmp_path) == {"rjieba", "pinyin-table"}
