"""English, the second locale: a complete catalogue, intact placeholders, and both faces switching language."""
import re
from collections import Counter

import flask
import pytest
from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from marketplace.config import PROJECT_ROOT
from marketplace.extensions import select_locale

EN_PO = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The same keywords as `make translations` (BABEL_KEYWORDS in the Makefile): Babel's own plus the lazy ones.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_lp": ((1, "c"), 2)}
# %(name)s for gettext's formatting, {name} for the marshmallow messages formatted with str.format.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|\{\w*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Search tips quote real Chinese queries, which work whatever the interface language.
CHINESE_ON_PURPOSE = {"换个说法试试，例如“活动室”“理发”，或用拼音首字母“hds”。"}


def extracted_msgids() -> dict[tuple[str, str | None], str]:
    """Every (msgid, context) the source tree marks for translation, as `pybabel extract -F babel.cfg` finds them."""
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


def read_catalogue():
    with EN_PO.open("rb") as source:
        return read_po(source, locale="en")


def compiled_catalogue():
    with EN_PO.with_suffix(".mo").open("rb") as source:
        return read_mo(source)


def test_every_extracted_msgid_has_an_english_translation_in_the_compiled_catalogue():
    compiled = compiled_catalogue()  # compiling leaves out empty and fuzzy entries
    untranslated = []
    for (msgid, context), where in extracted_msgids().items():
        message = compiled.get(msgid, context)
        strings = () if message is None else message.string if isinstance(message.string, tuple) else (message.string,)
        if not strings or not all(string.strip() for string in strings):
            untranslated.append(f"{where}: {msgid}")
    assert not untranslated, "untranslated (run `make translations` and translate):\n" + "\n".join(untranslated)


def test_english_catalogue_has_no_fuzzy_or_empty_entries():
    catalogue = read_catalogue()
    doubtful = [m.id for m in catalogue if m.id and (m.fuzzy or not m.string)]
    assert not doubtful, doubtful
    assert len(catalogue) > 500


def test_english_translations_are_english():
    still_chinese = {m.id for m in read_catalogue() if m.id and HAN.search(str(m.string))}
    assert still_chinese <= CHINESE_ON_PURPOSE


def test_english_translations_keep_every_placeholder():
    mismatched = []
    for message in read_catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = Counter(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if Counter(PLACEHOLDER.findall(string)) != wanted:
                mismatched.append((message.id, string))
    assert not mismatched, mismatched


def test_placeholder_check_catches_a_dropped_or_renamed_placeholder():
    assert Counter(PLACEHOLDER.findall("%(n)s分钟")) != Counter(PLACEHOLDER.findall("minutes"))
    assert Counter(PLACEHOLDER.findall("不能超过{max}个字")) != Counter(PLACEHOLDER.findall("at most {maximum}"))


def switch_language(client, code, next_url="/"):
    response = client.post(f"/language/{code}", data={"next": next_url})
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def test_language_switch_renders_home_and_listing_in_english_and_back(client, factory):
    listing = factory.listing(title="幸福里多功能活动室")

    home = switch_language(client, "en")
    page = home.get_data(as_text=True)
    assert home.status_code == 200
    assert 'lang="en"' in page
    for words in ("Browse", "Organisations", "Log in", "Sign up", "Community Resource Marketplace"):
        assert words in page
    assert "找资源" not in page

    detail = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'lang="en"' in detail
    for words in ("Opening hours", "How it is booked", "Booking rules", "Mon", "Log in to book"):
        assert words in detail
    assert "幸福里多功能活动室" in detail  # people's own text stays as written
    assert "开放时间" not in detail

    back = switch_language(client, "zh_CN", f"/listings/{listing.id}").get_data(as_text=True)
    assert 'lang="zh-CN"' in back
    assert "开放时间" in back and "找资源" in back
    assert "Opening hours" not in back


def test_signed_in_user_keeps_the_chosen_language_on_their_account(client, factory, login, session):
    user = factory.user()
    login(user)

    page = switch_language(client, "en").get_data(as_text=True)

    session.refresh(user)
    assert user.locale == "en"
    assert "My bookings" in page and "Log out" in page


def test_the_language_chosen_is_the_locale_its_name_parses_to(app):
    """flask-babel is given Locale objects, so it never parses a name through babel's alias tables (global data that
    nothing else on a page reads); each is the very Locale that parsing the name gives."""
    for chosen, expected in ((None, "zh_CN"), ("en", "en"), ("zh_CN", "zh_CN"), ("xx", "zh_CN")):
        with app.test_request_context("/"):
            if chosen:
                flask.session["locale"] = chosen
            assert select_locale() == Locale.parse(expected)
    with app.app_context():
        assert select_locale() == Locale.parse("zh_CN")


def test_unknown_language_code_falls_back_to_chinese(client):
    page = switch_language(client, "xx").get_data(as_text=True)
    assert 'lang="zh-CN"' in page


@pytest.fixture
def english_user_headers(client, factory, api_token):
    user = factory.user()
    headers = api_token(user)
    response = client.patch("/api/v1/me", json={"locale": "en"}, headers=headers)
    assert response.status_code == 200 and response.json["locale"] == "en"
    return headers


def test_api_service_error_is_in_english_for_a_user_whose_language_is_english(client, factory,
                                                                            english_user_headers):
    listing = factory.listing()

    response = client.post("/api/v1/bookings", headers=english_user_headers, json={
        "listing_id": listing.id, "start": "2030-05-01T10:00:00+08:00", "end": "2030-05-01T09:00:00+08:00"})

    assert response.status_code == 422
    assert response.json["message"] == "The end must be after the start"


def test_api_validation_errors_are_in_english_for_a_user_whose_language_is_english(client, english_user_headers):
    response = client.patch("/api/v1/me", json={"display_name": 5, "nickname": "x"}, headers=english_user_headers)

    assert response.status_code == 422
    assert response.json["message"] == "The data sent is not valid; please check it and try again"
    assert response.json["errors"] == {"display_name": ["Must be text"], "nickname": ["Unknown field"]}


def test_api_errors_stay_chinese_for_a_user_without_a_language(client, factory, api_token):
    listing = factory.listing()

    response = client.post("/api/v1/bookings", headers=api_token(factory.user()), json={
        "listing_id": listing.id, "start": "2030-05-01T10:00:00+08:00", "end": "2030-05-01T09:00:00+08:00"})

    assert response.status_code == 422
    assert response.json["message"] == "结束时间必须晚于开始时间"


def test_the_english_catalogue_names_each_message_once():
    catalogue = (PROJECT_ROOT / "translations/en/LC_MESSAGES/messages.po").read_text("utf-8")
    ids = re.findall(r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"$', catalogue, re.M)
    assert [msgid for msgid, count in Counter(ids).items() if count > 1] == []
