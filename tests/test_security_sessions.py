"""Sessions and login (P19–P25): cookie flags, rotation, revocation, throttling, redirects, logging."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from http.cookies import SimpleCookie

from crm import create_app, migrations
from crm.db import db
from crm.services import auth
from tests.conftest import PASSWORD, csrf_from, login, soup
from tests.security_payloads import OPEN_REDIRECTS, OPEN_REDIRECTS_RAW


def _make_app(tmp_path, password: str | None = PASSWORD, **overrides):
    path = tmp_path / "rapport.sqlite3"
    migrations.migrate(str(path))
    settings = {
        "TESTING": True,
        "DATA_DIR": str(tmp_path),
        "DATABASE": str(path),
        "SECRET_KEY": "test-secret-key-0123456789abcdef",
        "TIMEZONE": "UTC",
        **overrides,
    }
    app = create_app(settings)
    if password:
        with app.app_context():
            db.connect(reuse_if_open=True)
            auth.set_password(password)
            db.close()
    return app


def _cookie_header(response) -> tuple[str, SimpleCookie]:
    headers = response.headers.getlist("Set-Cookie")
    assert len(headers) == 1, headers
    jar = SimpleCookie()
    jar.load(headers[0])
    return headers[0], jar


def test_session_cookie_is_locked_down_in_production_settings(tmp_path):
    app = _make_app(tmp_path, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "crm.example.com"})
    response = login(client)
    assert response.status_code == 303
    raw, jar = _cookie_header(response)
    (name,) = jar.keys()
    morsel = jar[name]
    assert name.startswith("__Host-")
    assert morsel["secure"] and morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert not morsel["domain"] and "domain=" not in raw.lower()
    assert morsel["expires"] or morsel["max-age"], raw
    import datetime as dt
    from email.utils import parsedate_to_datetime

    expires = parsedate_to_datetime(morsel["expires"])
    lifetime = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=13, hours=23) < lifetime <= dt.timedelta(days=14, minutes=1)


def test_development_cookie_keeps_the_other_flags(anon):
    response = login(anon)
    raw, jar = _cookie_header(response)
    (name,) = jar.keys()
    assert not name.startswith("__Host-")
    assert jar[name]["httponly"] and jar[name]["samesite"] == "Lax" and jar[name]["path"] == "/"


def _session_cookie(client) -> str:
    cookies = {c.key: c.value for c in client._cookies.values()}
    return cookies["rapport"]


def test_session_id_rotates_on_login(app):
    client = app.test_client()
    client.get("/login")
    before = _session_cookie(client)
    login(client)
    after = _session_cookie(client)
    assert before != after
    attacker = app.test_client()
    attacker.set_cookie("rapport", before)
    assert attacker.get("/contacts/").status_code == 302


def _replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("rapport", cookie)
    return other.get("/contacts/")


def test_a_cookie_captured_before_logout_stops_working(app, client):
    captured = _session_cookie(client)
    assert _replay(app, captured).status_code == 200
    html = client.get("/contacts/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_from(html)}).status_code == 303
    replay = _replay(app, captured)
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_a_cookie_stops_working_after_crm_set_password(app, client, tmp_path):
    captured = _session_cookie(client)
    assert _replay(app, captured).status_code == 200
    env = {
        "CRM_DATA_DIR": str(tmp_path),
        "CRM_DATABASE": app.config["CRM"]["DATABASE"],
        "CRM_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from crm.cli import main; main()", "set-password", "--password-stdin"],
        input="a brand new passphrase\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert _replay(app, captured).status_code == 302
    assert client.get("/contacts/").status_code == 302
    assert login(app.test_client(), "a brand new passphrase").status_code == 303
    assert login(app.test_client(), PASSWORD).status_code == 401


def test_stored_hash_is_memory_hard(app, database):
    from crm.models import get_setting

    stored = get_setting("password_hash")
    assert stored.startswith(("scrypt:", "$argon2id$"))
    assert PASSWORD not in stored


def _fail(client, addr: str | None = None, headers: dict | None = None):
    environ = {"REMOTE_ADDR": addr} if addr else {}
    page = client.get("/login", environ_base=environ)
    return client.post(
        "/login",
        data={"password": "wrong guess", "csrf_token": csrf_from(page.get_data(as_text=True))},
        environ_base=environ,
        headers=headers or {},
    )


def _succeed(client, addr: str, headers: dict | None = None):
    page = client.get("/login", environ_base={"REMOTE_ADDR": addr})
    return client.post(
        "/login",
        data={"password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))},
        environ_base={"REMOTE_ADDR": addr},
        headers=headers or {},
    )


def test_failed_logins_are_throttled_per_client(app):
    attacker = app.test_client()
    for _ in range(10):
        assert _fail(attacker, "203.0.113.9").status_code == 401
    throttled = _fail(attacker, "203.0.113.9")
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    # The right password from the throttled address waits too (no guessing through the limit) ...
    assert _succeed(app.test_client(), "203.0.113.9").status_code == 429
    # ... while the owner elsewhere logs in at once.
    assert _succeed(app.test_client(), "198.51.100.7").status_code == 303


def test_spoofed_forwarded_for_on_a_direct_connection_does_not_reset_the_throttle(app):
    attacker = app.test_client()
    for i in range(10):
        assert _fail(attacker, "203.0.113.9", {"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 401
    for i in range(3):
        response = _fail(attacker, "203.0.113.9", {"X-Forwarded-For": f"10.9.9.{i}"})
        assert response.status_code == 429


def test_behind_one_proxy_the_forwarded_address_is_the_client(tmp_path):
    app = _make_app(tmp_path, PROXY_COUNT=1, SESSION_COOKIE_SECURE=False)
    attacker = app.test_client()
    for i in range(10):
        # The client prepends junk; the proxy appends the real peer (rightmost hop).
        headers = {"X-Forwarded-For": f"10.0.0.{i}, 203.0.113.9"}
        assert _fail(attacker, "127.0.0.1", headers).status_code == 401
    assert _fail(attacker, "127.0.0.1", {"X-Forwarded-For": "10.1.1.1, 203.0.113.9"}).status_code == 429
    owner = {"X-Forwarded-For": "198.51.100.7"}
    assert _succeed(app.test_client(), "127.0.0.1", owner).status_code == 303


def test_throttle_survives_a_restart(app, tmp_path):
    attacker = app.test_client()
    for _ in range(10):
        _fail(attacker, "203.0.113.9")
    again = create_app({**app.config["CRM"], "TESTING": True})
    assert _fail(again.test_client(), "203.0.113.9").status_code == 429


def test_without_a_password_nobody_can_log_in_or_claim_the_instance(tmp_path):
    app = _make_app(tmp_path, password=None, SESSION_COOKIE_SECURE=False)
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    assert "crm set-password" in page.get_data(as_text=True)
    assert soup(page).find("input", {"type": "password"}) is None
    token = csrf_from(page.get_data(as_text=True))
    for password in ("", "x", PASSWORD, "not-the-password-" + "x" * 16):
        response = client.post("/login", data={"password": password, "csrf_token": token})
        assert response.status_code in (401, 429)
    assert client.get("/contacts/").status_code == 302
    for path in ("/setup", "/install", "/register", "/signup", "/admin", "/console", "/init"):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"csrf_token": token, "password": "taken over!!"}).status_code in (
            401,
            404,
            405,
        )
    conn = sqlite3.connect(app.config["CRM"]["DATABASE"])
    assert conn.execute("SELECT count(*) FROM setting WHERE key='password_hash'").fetchone()[0] == 0


def test_login_redirects_only_to_local_paths(app):
    """Every payload, raw and encoded: after a fresh login and when already logged in."""
    from crm.security import safe_next

    for target in OPEN_REDIRECTS:
        _assert_local(safe_next(target))
    client = app.test_client()
    for target in OPEN_REDIRECTS_RAW:
        page = client.get("/login", query_string={"next": target})
        assert page.status_code == 200
        token = csrf_from(page.get_data(as_text=True))
        response = client.post("/login", data={"password": PASSWORD, "csrf_token": token, "next": target})
        assert response.status_code == 303, target
        _assert_local(response.headers["Location"])
        client.post(
            "/logout", data={"csrf_token": csrf_from(client.get("/contacts/new").get_data(as_text=True))}
        )
    login(client)
    for target in OPEN_REDIRECTS:
        again = client.get("/login", query_string={"next": target})
        assert again.status_code == 302, target
        _assert_local(again.headers["Location"])
        raw = client.get("/login?next=" + target)
        _assert_local(raw.headers["Location"])


def test_a_path_that_looks_like_a_host_does_not_leave_the_site(anon, client):
    for path in ("//evil.com/", "//evil.com/login", "/\\evil.com/", "///evil.com/"):
        for c in (anon, client):
            response = c.get(path)
            if "Location" in response.headers:
                _assert_local(response.headers["Location"])


def _assert_local(location: str) -> None:
    from urllib.parse import urljoin, urlsplit

    resolved = urlsplit(urljoin("https://crm.example.com/login", location))
    assert resolved.scheme == "https" and resolved.netloc == "crm.example.com", location
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location


def test_a_local_next_is_kept(app):
    client = app.test_client()
    page = client.get("/login?next=/contacts/%3Fq%3Dada")
    form = soup(page).find("input", {"name": "next"})
    assert form["value"] == "/contacts/?q=ada"
    response = client.post(
        "/login",
        data={
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "next": form["value"],
        },
    )
    assert response.headers["Location"] == "/contacts/?q=ada"


def test_a_protected_page_sends_its_path_as_next(anon):
    response = anon.get("/contacts/?q=ada")
    assert response.headers["Location"] == "/login?next=/contacts/?q%3Dada"


def test_logs_never_contain_the_password_or_cookie(app, caplog):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    _fail(client, "203.0.113.9")
    response = _succeed(client, "203.0.113.9")
    cookie = _session_cookie(client)
    client.get("/contacts/")
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "wrong guess" not in text and PASSWORD not in text
    assert cookie not in text and cookie.split(".")[0] not in text
    assert response.status_code == 303
    assert any("Failed login" in r.getMessage() and "203.0.113.9" in r.getMessage() for r in caplog.records)
    assert any("Logged in" in r.getMessage() for r in caplog.records)


def _missing_db_env(tmp_path) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return {**env, "CRM_DATA_DIR": str(tmp_path / "data"), "CRM_ENV": "development"}


def test_crm_run_with_a_missing_database_exits_naming_crm_init(tmp_path):
    from tests.live_server import ROOT, free_port

    done = subprocess.run(
        [sys.executable, "-c", "from crm.cli import main; main()", "run", "--port", str(free_port())],
        cwd=ROOT,
        env=_missing_db_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "crm init" in done.stderr
    assert not (tmp_path / "data").exists(), "nothing may be created"


def test_gunicorn_with_a_missing_database_exits_naming_crm_init(tmp_path):
    from tests.live_server import ROOT, free_port

    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{free_port()}", "wsgi:app"],
        cwd=ROOT,
        env=_missing_db_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "crm init" in done.stderr
    assert not (tmp_path / "data").exists(), "nothing may be created"


def test_production_without_a_secret_refuses_to_serve(tmp_path):
    from tests.live_server import ROOT, free_port

    migrations.migrate(str(tmp_path / "rapport.sqlite3"))
    env = {**_missing_db_env(tmp_path), "CRM_ENV": "production", "CRM_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{free_port()}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "CRM_SECRET_KEY_FILE" in done.stderr
    assert not (tmp_path / "secret_key").exists()
