"""Login limits: counted per account identity, exact across processes, aimed at the attacker's (account, address)
pair rather than at the owner, the same cost for unknown logins, and a 429 that says how long to wait."""
from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import LoginAttempt
from marketplace.accounts.throttle import RETENTION
from marketplace.core import clock
from tests.accounts.login_workers import try_passwords
from tests.conftest import PASSWORD, Factory

ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
OWNER_AT_HOME = {"REMOTE_ADDR": "198.51.100.20"}
OFFICE = {"REMOTE_ADDR": "192.0.2.50"}


def token(client, login, password, address=ATTACKER):
    return client.post("/api/v1/auth/tokens", json={"login": login, "password": password}, environ_base=address)


def form_login(client, login, password, address=ATTACKER):
    return client.post("/login", data={"login": login, "password": password}, environ_base=address)


def fail_five_times(client, login, address=ATTACKER):
    for _ in range(5):
        assert token(client, login, "wrong-pass", address).status_code == 401


def test_every_spelling_of_a_phone_number_counts_against_one_account(client, factory):
    user = factory.user(phone="13800000040")
    fail_five_times(client, "13800000040")
    assert token(client, "138-0000-0040", "wrong-pass").status_code == 429
    assert token(client, "+8613800000040", PASSWORD).status_code == 429
    assert token(client, " 138 0000 0040 ", PASSWORD).status_code == 429
    assert user.id  # the account exists: the refusal is the limit, not an unknown login


def test_spellings_of_an_unknown_login_share_one_count_too(client, session):
    fail_five_times(client, "NoBody@Example.org")
    assert token(client, "nobody@example.org", "wrong-pass").status_code == 429


def test_limits_hold_exactly_across_two_processes_with_their_own_apps(app, committed_db):
    # Several accounts, each a separate chance for two unserialised checks to both see the count below the limit.
    factory = Factory(committed_db)
    logins = [factory.user().phone for _ in range(8)]
    config = {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
              "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    context = multiprocessing.get_context("spawn")
    barrier, statuses = context.Barrier(2), context.Queue()
    workers = [context.Process(target=try_passwords, args=(config, logins, "wrong-pass", 4, barrier, statuses))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    answers = {login: [] for login in logins}
    for _ in range(2 * 4 * len(logins)):
        login, status = statuses.get(timeout=300)
        answers[login].append(status)
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert {login: sorted(got) for login, got in answers.items()} == {
        login: [401] * 5 + [429] * 3 for login in logins}


def test_the_owner_from_another_address_signs_in_while_the_attacker_is_refused(client, factory):
    owner = factory.user()
    fail_five_times(client, owner.phone)
    assert token(client, owner.phone, PASSWORD).status_code == 429
    assert token(client, owner.phone, PASSWORD, OWNER_AT_HOME).status_code == 201
    assert form_login(client, owner.phone, PASSWORD, OWNER_AT_HOME).status_code == 302


def test_a_correct_password_from_a_pair_clears_its_failures(client, factory):
    user = factory.user()
    for _ in range(4):
        assert token(client, user.phone, "wrong-pass").status_code == 401
    assert token(client, user.phone, PASSWORD).status_code == 201
    fail_five_times(client, user.phone)
    assert token(client, user.phone, "wrong-pass").status_code == 429


def test_an_office_desk_where_many_residents_mistype_once_is_not_blocked(client, factory):
    residents = [factory.user() for _ in range(40)]
    for resident in residents:
        assert form_login(client, resident.phone, "wrong-pass", OFFICE).status_code == 422
        assert form_login(client, resident.phone, PASSWORD, OFFICE).status_code == 302
        client.post("/logout")


def test_one_address_failing_for_many_accounts_is_refused(client, session):
    for n in range(20):
        assert token(client, f"1370000{n:04d}", "wrong-pass", OFFICE).status_code == 401
    assert token(client, "13700009999", "wrong-pass", OFFICE).status_code == 429
    assert token(client, "13700009999", "wrong-pass", OWNER_AT_HOME).status_code == 401


def test_an_unknown_login_costs_the_same_password_check_as_a_wrong_password(client, factory, monkeypatch):
    user = factory.user()
    verified = []
    real_check = accounts.check_password_hash

    def counting_check(password_hash, password):
        verified.append(password_hash.split("$")[0])
        return real_check(password_hash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting_check)
    assert token(client, user.phone, "wrong-pass").status_code == 401
    known = list(verified)
    verified.clear()
    assert token(client, "13999999999", "wrong-pass").status_code == 401
    assert verified == known == [accounts.PASSWORD_HASH_METHOD]


@pytest.mark.parametrize("language, expected", [("zh_CN", "请在 11 分钟后再试"),
                                                ("en", "Please try again in 11 min.")])
def test_the_429_page_says_how_long_to_wait_in_the_reader_s_language(client, factory, language, expected):
    clock.travel_to(clock.now())
    user = factory.user()
    client.post(f"/language/{language}")
    fail_five_times(client, user.phone)
    clock.advance(timedelta(minutes=4, seconds=10))
    response = form_login(client, user.phone, "wrong-pass")
    assert response.status_code == 429
    assert expected in response.data.decode()
    assert int(response.headers["Retry-After"]) == 10 * 60 + 50


def test_once_limited_every_attempt_is_429_until_the_window_passes(client, factory):
    clock.travel_to(clock.now())
    user = factory.user()
    for _ in range(5):
        assert form_login(client, user.phone, "wrong-pass").status_code == 422
    waits = []
    for password in ["wrong-pass", PASSWORD] * 5:
        response = form_login(client, user.phone, password)
        assert response.status_code == 429
        waits.append(int(response.headers["Retry-After"]))
        clock.advance(timedelta(minutes=1))
    assert waits == sorted(waits, reverse=True) and waits[0] == 15 * 60
    clock.advance(timedelta(minutes=5))
    assert form_login(client, user.phone, PASSWORD).status_code == 302


def test_the_owner_is_told_of_wrong_passwords_tried_on_their_account(client, factory):
    clock.travel_to(clock.now())
    owner = factory.user()
    for _ in range(3):
        assert token(client, owner.phone, "wrong-pass").status_code == 401
    clock.advance(timedelta(hours=1))
    response = form_login(client, owner.phone, PASSWORD, OWNER_AT_HOME)
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")
    notice = client.get("/profile").data.decode()
    assert "有人用错误的密码尝试登录你的账号 3 次" in notice

    headers = {"Authorization": f"Bearer {token(client, owner.phone, PASSWORD, OWNER_AT_HOME).json['token']}"}
    failed = client.get("/api/v1/me", headers=headers).json["failed_logins"]
    assert failed["count"] == 3
    assert datetime.fromisoformat(failed["last_at"]) == clock.now() - timedelta(hours=1)


def test_the_owner_s_own_corrected_typo_is_not_reported(client, factory):
    owner = factory.user()
    assert form_login(client, owner.phone, "wrong-pass", OWNER_AT_HOME).status_code == 422
    response = form_login(client, owner.phone, PASSWORD, OWNER_AT_HOME)
    assert response.status_code == 302 and not response.headers["Location"].endswith("/profile")
    assert 'data-testid="failed-logins"' not in client.get("/profile").data.decode()


def test_attempts_older_than_the_retention_are_pruned_by_later_logins(client, factory, session):
    clock.travel_to(clock.now())
    user = factory.user()
    assert token(client, user.phone, "wrong-pass").status_code == 401
    clock.advance(RETENTION + timedelta(minutes=1))
    assert token(client, user.phone, PASSWORD, OWNER_AT_HOME).status_code == 201
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 1


def test_a_very_long_unknown_login_is_refused_plainly_on_both_faces(client):
    login = "x" * 250 + "@example.org"
    assert client.post("/api/v1/auth/tokens", json={"login": login[:254], "password": "wrong-password"}).status_code == 401
    assert client.post("/login", data={"login": login[:254], "password": "wrong-password"}).status_code == 422
