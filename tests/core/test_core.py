import ast
import pathlib
from datetime import datetime, timedelta, timezone

import pytest
from flask import request
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.groups.models import Group
from marketplace.places.models import Place, PlaceKind

MARKETPLACE = pathlib.Path(__file__).resolve().parents[2] / "marketplace"
FORBIDDEN_IN_SERVICES = {"flask", "flask_login", "werkzeug.exceptions"}


def _imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


# The faces and adapters that may use the request, the app or the logged-in user: everything else is domain
# code, which takes a session and plain values.
WEB_FACING = {"views.py", "api.py", "forms.py", "schemas.py", "cli.py", "feeds_api.py", "present.py", "widget.py",
              "subscribers.py"}  # subscribers read the deployment's settings for the service they call
ADAPTERS = {"core/http.py", "accounts/signin.py", "accounts/mail.py", "waitlist/settings.py", "scheduler/runner.py",
            "search/sync.py",  # keeps the app's index in step after its sessions commit
            "core/pagecache.py",  # keeps anonymous responses
            "core/assets.py",  # versions the static URLs and lets browsers keep those
            "accounts/models.py"}  # User is Flask-Login's user (UserMixin)


def test_domain_modules_never_import_the_web_layer():
    domain = [path for path in sorted(MARKETPLACE.glob("*/**/*.py"))
              if path.name not in WEB_FACING and path.name != "__init__.py"
              and str(path.relative_to(MARKETPLACE)) not in ADAPTERS]
    assert len(domain) > 40 and any(path.name == "services.py" for path in domain)
    offenders = {
        str(path.relative_to(MARKETPLACE)): sorted(_imported_modules(path) & FORBIDDEN_IN_SERVICES)
        for path in domain
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_naive_datetimes_are_refused_by_the_database_layer(session):
    from marketplace.accounts.models import ApiToken

    token = ApiToken(user_id=1, token_hash="x" * 64, created_at=datetime(2026, 1, 1, 12, 0))
    session.add(token)
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()
    session.rollback()


def test_the_clock_can_be_moved_and_reset():
    instant = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
    clock.travel_to(instant)
    assert clock.now() == instant
    clock.advance(timedelta(hours=2))
    assert clock.now() == instant + timedelta(hours=2)
    clock.reset()
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_created_at_is_stored_and_read_back_in_utc(factory, session):
    clock.travel_to(datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc))
    user = factory.user()
    session.expire_all()
    assert user.created_at == datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)


def test_every_page_carries_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_http_only_and_same_site(client, factory):
    user = factory.user()
    response = client.post("/login", data={"login": user.phone, "password": "correct-horse-9"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_without_csrf_token_are_refused_when_csrf_is_on(app, client, session):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/register", data={"phone": "13700000001", "display_name": "某", "password": "x" * 10})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "页面已过期" in response.data.decode()
    assert session.scalar(select(User).where(User.phone == "13700000001")) is None


def test_api_with_bearer_token_needs_no_csrf_token(app, client, factory, api_token):
    user = factory.user()
    headers = api_token(user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.patch("/api/v1/me", json={"display_name": "新名字"}, headers=headers)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert response.json["display_name"] == "新名字"


def test_unknown_pages_get_a_chinese_404_page_not_a_traceback(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "找不到" in response.data.decode()


def test_unknown_api_paths_get_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["message"]


def test_subtree_of_a_community_includes_its_grids_and_buildings(factory, session):
    from marketplace.places.services import subtree_ids

    tree = factory.place_tree()
    ids = set(subtree_ids(session, tree["c1"].id))
    assert {tree["c1"].id, tree["c1_grid"].id, tree["c1_building"].id} <= ids
    assert tree["c2"].id not in ids and tree["street"].id not in ids
    assert session.get(Place, tree["c1_building"].id).kind is PlaceKind.building


def test_a_nul_character_anywhere_in_the_input_is_a_400_and_writes_nothing(client, factory, login, api_token, session):
    user = factory.user()
    headers = api_token(user)
    login(user)

    form = client.post("/groups/", data={"name": "合\x00唱团"})
    api = client.post("/api/v1/groups", json={"name": "合唱团", "description": "\x00"}, headers=headers)
    path = client.get("/calendar/%00.ics")

    assert (form.status_code, api.status_code, path.status_code) == (400, 400, 400)
    assert api.json["message"] == "请求格式不正确"
    assert session.scalar(select(func.count()).select_from(Group)) == 0



def address_seen(tmp_path, **config) -> str:
    """The client address the app sees for a request from 10.0.0.2 that says it was forwarded for 203.0.113.7."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x", **config})
    seen = {}

    @app.route("/whoami")
    def whoami():
        seen["address"] = request.remote_addr
        return ""

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    return seen["address"]


def test_behind_a_trusted_proxy_the_client_address_comes_from_its_header(tmp_path):
    assert address_seen(tmp_path, TRUSTED_PROXIES=1) == "203.0.113.7"


def test_without_trusted_proxies_a_forwarded_header_is_ignored(tmp_path):
    assert address_seen(tmp_path) == "10.0.0.2"


def sqlite_setting(tmp_path, pragma: str, **config) -> int:
    """A PRAGMA's value on the app's SQLite connections."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x", **config})
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                return connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
        finally:
            db.engine.dispose()


def synchronous_mode(tmp_path, **config) -> int:
    """SQLite's synchronous setting on the app's connections (1 NORMAL, 2 FULL, 3 EXTRA)."""
    return sqlite_setting(tmp_path, "synchronous", **config)


def test_each_sqlite_connection_keeps_a_small_page_cache_of_its_own_unless_told_otherwise(tmp_path):
    assert sqlite_setting(tmp_path, "cache_size") == -256  # KiB; SQLite's own default is -2000
    assert sqlite_setting(tmp_path, "cache_size", SQLITE_CACHE_KB=1024) == -1024


def test_sqlite_commits_without_waiting_for_the_disk_unless_told_to(tmp_path):
    assert synchronous_mode(tmp_path) == 1
    assert synchronous_mode(tmp_path, SQLITE_SYNCHRONOUS="FULL") == 2


def test_a_sqlite_synchronous_mode_that_can_corrupt_the_database_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        synchronous_mode(tmp_path, SQLITE_SYNCHRONOUS="OFF")
