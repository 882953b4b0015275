"""clean_text: the one check of free text every service applies."""
import pytest

from marketplace.core.errors import ValidationFailed
from marketplace.core.validation import clean_text, filter_text


def test_text_is_stripped_and_blank_optional_text_becomes_empty():
    assert clean_text("  合唱团  ", "name", 10) == "合唱团"
    assert clean_text(None, "note", 10) == ""


@pytest.mark.parametrize("value, kwargs, message", [
    ("   ", {"required": "请填写团队名称"}, "请填写团队名称"),
    ("长" * 11, {}, "不能超过10个字"),
    ("长" * 11, {"too_long": "团队名称不能超过10个字"}, "团队名称不能超过10个字"),
    (42, {}, "应为文本"),
    (["合唱团"], {}, "应为文本"),
])
def test_refusals_name_the_field_and_say_why(value, kwargs, message):
    with pytest.raises(ValidationFailed) as refused:
        clean_text(value, "name", 10, **kwargs)
    assert refused.value.field == "name" and str(refused.value.message) == message


def test_exactly_the_limit_is_accepted():
    assert clean_text("长" * 10, "name", 10) == "长" * 10


@pytest.mark.parametrize("value, expected", [("  李阿姨 ", "李阿姨"), ("李\x00阿姨", "李阿姨"), ("   ", None), (None, None),
                                             (["李"], None), ("长" * 60, "长" * 50)])
def test_filter_words_are_stripped_of_nul_cut_to_the_limit_and_none_when_empty(value, expected):
    assert filter_text(value, 50) == expected
