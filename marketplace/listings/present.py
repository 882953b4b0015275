"""Web helpers for showing listings: the placeholder icon of a listing without a photo, and durations as
people say them. Registered as template globals and filters by listings.views; no business rules here."""
from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from markupsafe import Markup

from marketplace.config import PROJECT_ROOT
from marketplace.places.models import PlaceKind

ICON_FOLDER = PROJECT_ROOT / "marketplace" / "static" / "icons"

# Words in a listing's title or tags → the icon that pictures it; the first rule that matches wins, so the
# specific come before the general ("党员活动室" is a flag, not a room). Icons are Lucide's (ISC), vendored.
ICON_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("法律", "律师", "文书", "调解"), "scale"),
    (("医生", "血压", "血糖", "护理", "健康", "养生", "中医", "义诊"), "stethoscope"),
    (("理发", "缝补", "裁缝"), "scissors"),
    (("心理", "陪伴", "探访", "关爱"), "heart-handshake"),
    (("诈骗", "安全", "防范"), "shield-check"),
    (("手机", "电脑", "数码"), "smartphone"),
    (("摄影", "拍照"), "camera"),
    (("钢琴", "合唱", "音乐", "舞蹈", "唱歌"), "music"),
    (("书法", "书画", "绘画", "美术"), "paintbrush"),
    (("英语", "外语", "口语"), "languages"),
    (("厨房", "助餐", "食堂", "烹饪"), "utensils"),
    (("维修", "小修", "工具", "修理"), "wrench"),
    (("电影", "放映"), "film"),
    (("健身", "乒乓", "篮球", "操场", "太极", "运动"), "dumbbell"),
    (("棋牌", "象棋", "围棋"), "dices"),
    (("花园", "种植", "绿化"), "sprout"),
    (("儿童", "亲子", "少儿", "绘本", "四点半"), "baby"),
    (("阅览", "图书", "自习", "读书", "作业"), "book-open"),
    (("党员", "党群", "党课", "党日"), "flag"),
    (("会议", "研讨", "培训", "教室", "讲座", "课堂"), "presentation"),
    (("大厅", "多功能厅", "议事厅", "活动中心", "礼堂"), "landmark"),
    (("会客", "驿站", "休息"), "sofa"),
)
KIND_ICONS = {"space": "door-open", "skill": "graduation-cap", "service": "hand-helping"}


def listing_icon(listing) -> str:
    """The name of the icon that pictures a listing: from its title and tags, else from its kind."""
    text = " ".join([listing.title, *(listing.tags or [])])
    for words, icon in ICON_RULES:
        if any(word in text for word in words):
            return icon
    return KIND_ICONS[listing.kind.value]


@lru_cache(maxsize=64)
def _svg(name: str) -> str:
    svg = (ICON_FOLDER / f"{name}.svg").read_text(encoding="utf-8")
    return svg[svg.index("<svg"):]


def icon(name: str, css_class: str = "icon") -> Markup:
    """A vendored icon inlined as SVG (so it takes the text colour), hidden from screen readers."""
    svg = _svg(name).replace(f'class="lucide lucide-{name}"',
                             f'class="{css_class}" data-icon="{name}" aria-hidden="true" focusable="false"', 1)
    return Markup(svg)


def duration_label(minutes: int) -> str:
    """"1小时30分钟", "2天", "无": a duration as people say it."""
    if minutes == 0:
        return _("无")
    if minutes % 1440 == 0:
        return _("%(n)s天", n=minutes // 1440)
    if minutes % 60 == 0:
        return _("%(n)s小时", n=minutes // 60)
    if minutes > 60:
        return _("%(h)s小时%(m)s分钟", h=minutes // 60, m=minutes % 60)
    return _("%(n)s分钟", n=minutes)


def duration_range_label(shortest: int, longest: int) -> str:
    """"固定30分钟" when a booking's length cannot vary, else "30分钟 至 2小时"."""
    if shortest == longest:
        return _("固定%(duration)s", duration=duration_label(shortest))
    return _("%(min)s 至 %(max)s", min=duration_label(shortest), max=duration_label(longest))


def place_label(place) -> str:
    """Where a listing is, as a resident recognises it: "幸福里社区 · 3号楼" rather than a bare "3号楼"."""
    community = place.parent
    while community is not None and community.kind is not PlaceKind.community:
        community = community.parent
    if place.kind in (PlaceKind.street, PlaceKind.community) or community is None:
        return place.name
    return f"{community.name} · {place.name}"
