"""The inbox on both faces: the unread count in the header, the list (newest first, unread marked), opening one
(marks it read, goes to its subject), mark all read, the API with its unread filter, the preferences; nobody reads
or marks another person's notifications, and bad input is a clear 4xx."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from marketplace.core import clock
from marketplace.core.i18n import _l
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Kind
from marketplace.notifications.services import Message
from tests.notifications.conftest import inbox_of


def told(session, user, *texts: str, kind=Kind.decisions, subject_id=1):
    """Notifications for ``user``, one a minute, as the subscribers make them (here without an event)."""
    made = []
    for text in texts:
        made.append(notifications.notify(session, user, Message(kind, ("booking", subject_id), _l(text),
                                                                f"/bookings/{subject_id}"), event_id=None))
        clock.advance(timedelta(minutes=1))
    session.commit()
    return made


@pytest.fixture
def resident(factory, session, now):
    return factory.user(name="王阿姨")


def test_the_header_shows_the_unread_count_on_every_page(client, login, session, resident):
    told(session, resident, "一", "二", "三")
    login(resident)
    for path in ("/", "/bookings", "/favourites/"):
        page = client.get(path).get_data(as_text=True)
        assert 'data-testid="unread-count"' in page and ">3</span>" in page, path
    notifications.mark_read(session, resident, None, now=clock.now())
    session.commit()
    assert 'data-testid="unread-count"' not in client.get("/").get_data(as_text=True)


def test_the_badge_costs_a_signed_in_page_one_count_and_a_visitor_none(client, login, session, resident):
    told(session, resident, "一")

    def counts(path):
        sent = []
        listener = lambda _c, _cur, statement, *_a: sent.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return [s for s in sent if "notifications" in s]

    assert counts("/help") == []
    login(resident)
    [count] = counts("/help")
    assert count.lstrip().upper().startswith("SELECT COUNT(*)")


def test_the_list_is_newest_first_with_unread_marked_and_paged(client, login, session, resident):
    first, second, third = told(session, resident, "最早的", "中间的", "最新的")
    notifications.open_notification(session, resident, second.id, now=clock.now())
    session.commit()
    login(resident)
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.index("最新的") < page.index("中间的") < page.index("最早的")
    assert page.count('class="notification unread"') == 2
    paged = client.get("/notifications/?per_page=2&page=2").get_data(as_text=True)
    assert "最早的" in paged and "最新的" not in paged


def test_opening_a_notification_marks_it_read_and_goes_to_its_subject(client, login, session, resident):
    [notification] = told(session, resident, "你的预约已确认", subject_id=42)
    login(resident)
    response = client.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/bookings/42"
    [read] = inbox_of(session, resident)
    assert read.read_at == clock.now()


def test_nobody_opens_or_marks_another_persons_notification(client, login, factory, session, resident, api_token):
    [theirs] = told(session, resident, "别人的通知")
    stranger = factory.user()
    login(stranger)
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert client.post("/notifications/read-all").status_code == 302
    headers = api_token(stranger)
    response = client.post("/api/v1/notifications/read", json={"ids": [theirs.id]}, headers=headers)
    assert response.status_code == 200 and response.json == {"marked": 0, "unread": 0}
    assert client.get("/api/v1/notifications", headers=headers).json["items"] == []
    assert inbox_of(session, resident)[0].read_at is None


def test_mark_all_read_on_the_page(client, login, session, resident):
    told(session, resident, "一", "二")
    login(resident)
    assert client.post("/notifications/read-all").headers["Location"] == "/notifications/"
    assert all(n.read_at is not None for n in inbox_of(session, resident))


def test_a_visitor_is_sent_to_log_in(client):
    assert "/login" in client.get("/notifications/").headers["Location"]
    assert client.get("/api/v1/notifications").status_code == 401


def test_the_api_lists_mine_newest_first_with_the_unread_filter(client, session, resident, api_token):
    first, second = told(session, resident, "旧的", "新的", subject_id=9)
    notifications.mark_read(session, resident, [first.id], now=clock.now())
    session.commit()
    headers = api_token(resident)
    body = client.get("/api/v1/notifications", headers=headers).json
    assert body["total"] == 2 and [item["text"] for item in body["items"]] == ["新的", "旧的"]
    assert body["items"][0] == {"id": second.id, "kind": "decisions", "text": "新的", "link": "/bookings/9",
                                "subject": {"type": "booking", "id": 9}, "read": False,
                                "created_at": second.created_at.isoformat()}
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json
    assert [item["id"] for item in unread["items"]] == [second.id]
    read = client.get("/api/v1/notifications?unread=false", headers=headers).json
    assert [item["id"] for item in read["items"]] == [first.id]


def test_the_api_marks_some_or_all_read(client, session, resident, api_token):
    first, second, third = told(session, resident, "一", "二", "三")
    headers = api_token(resident)
    response = client.post("/api/v1/notifications/read", json={"ids": [first.id, first.id]}, headers=headers)
    assert response.json == {"marked": 1, "unread": 2}
    response = client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert response.json == {"marked": 2, "unread": 0}


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["1"]}, {"ids": [1], "all": True}, {"all": False},
                                  {"all": "yes"}, {"ids": [0]}, {"everything": True}])
def test_the_api_refuses_a_mark_read_body_it_cannot_follow_in_chinese(client, resident, api_token, body):
    response = client.post("/api/v1/notifications/read", json=body, headers=api_token(resident))
    assert response.status_code == 422
    assert response.json["message"]


def test_preferences_default_to_email_on_reminders_on_and_no_digest(client, resident, api_token):
    body = client.get("/api/v1/me/notification-preferences", headers=api_token(resident)).json
    assert body == {"reminders": {"enabled": True, "email": True}, "decisions": {"email": True},
                    "waitlist": {"email": True}, "messages": {"email": True},
                    "requests": {"email": True, "digest": False}, "reviews": {"email": True},
                    "feedback": {"email": True}, "wishes": {"email": True},
                    "lotteries": {"email": True}, "invitations": {"email": True},
                    "webhooks": {"email": True}}


def test_a_put_changes_only_the_preferences_it_names(client, session, resident, api_token):
    headers = api_token(resident)
    response = client.put("/api/v1/me/notification-preferences", headers=headers,
                          json={"reminders": {"enabled": False}, "requests": {"digest": True}})
    assert response.status_code == 200
    assert response.json["reminders"] == {"enabled": False, "email": True}
    assert response.json["requests"] == {"email": True, "digest": True}
    session.expire_all()
    stored = notifications.preferences_of(session, resident.id)
    assert (stored.reminders, stored.requests_digest, stored.decisions_email) == (False, True, True)


@pytest.mark.parametrize("body", [{}, {"reminders": {"enabled": "no"}}, {"decisions": {"digest": True}},
                                  {"sms": {"email": True}}, {"reminders": True}])
def test_a_put_of_preferences_it_cannot_follow_is_a_422(client, resident, api_token, body):
    response = client.put("/api/v1/me/notification-preferences", json=body, headers=api_token(resident))
    assert response.status_code == 422 and response.json["message"]


def test_the_preferences_page_saves_the_boxes(client, login, session, resident):
    login(resident)
    assert "通知设置" in client.get("/notifications/preferences").get_data(as_text=True)
    assert 'href="/notifications/preferences"' in client.get("/profile").get_data(as_text=True)
    response = client.post("/notifications/preferences", data={"reminders": "y", "decisions_email": "y"})
    assert response.status_code == 302
    session.expire_all()
    stored = notifications.preferences_of(session, resident.id)
    assert (stored.reminders, stored.reminders_email, stored.decisions_email, stored.waitlist_email) == (
        True, False, True, False)


def test_the_inbox_page_speaks_english_to_whoever_chose_it(client, login, session, resident):
    resident.locale = "en"
    session.commit()
    told(session, resident, "x")
    login(resident)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Mark all as read" in page and "Unread" in page
