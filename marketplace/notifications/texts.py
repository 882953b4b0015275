"""What notifications say: short, friendly sentences naming the listing and the local time, rendered in the
recipient's language (their locale when the notification is made, Simplified Chinese by default).

Messages are lazy strings (``core.i18n._l``); :func:`render_in` turns one into text in a given locale, inside
the app context the scheduler (or a request) runs in.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale

from marketplace.core.i18n import _l
from marketplace.core.zones import to_local

DEFAULT_LOCALE = "zh_CN"


def render_in(locale: str | None, message) -> str:
    """The message as text in ``locale`` (the default one when the user chose none)."""
    with force_locale(locale or DEFAULT_LOCALE):
        return str(message)


def local_time(instant: datetime | str, zone: str) -> str:
    """2026-06-02 10:00: a moment as wall-clock time in the deployment's zone (ISO strings from payloads too)."""
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return f"{to_local(instant, zone):%Y-%m-%d %H:%M}"


def with_reason(message, reason: str | None):
    """The message, followed by the reason someone gave, when they gave one."""
    if not reason:
        return message
    return _l("%(message)s 原因：%(reason)s", message=message, reason=reason)


def email_subject(kind_label):
    return _l("社区资源超市：%(kind)s", kind=kind_label)


def email_body(text: str):
    return _l("%(text)s\n\n登录社区资源超市，在“通知”里查看详情。\n"
              "不想再收到这类邮件，可以在“我的账号”→“通知设置”里关闭。\n\n社区资源超市", text=text)


def digest_text(count: int, lines: list[str]):
    return _l("你有 %(count)d 个预约申请等待审批：\n%(lines)s", count=count, lines="\n".join(lines))


def digest_line(title: str, start: str, booker: str):
    return _l("「%(title)s」%(start)s，%(booker)s", title=title, start=start, booker=booker)
