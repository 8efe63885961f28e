"""Security headers on every response, errors included (P26, P27, P28); host and proxy handling."""

from __future__ import annotations

import pytest

from crm import create_app, migrations
from crm.db import db
from crm.security import CSP
from crm.services import auth
from tests.conftest import PASSWORD, csrf_from, login
from tests.security_helpers import PUBLIC_ENDPOINTS, seed, url_for_rule

EXPECTED = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
EXACT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def make_app(tmp_path, **overrides):
    path = tmp_path / "rapport.sqlite3"
    migrations.migrate(str(path))
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "DATABASE": str(path),
            "SECRET_KEY": "test-secret-key-0123456789abcdef",
            "SESSION_COOKIE_SECURE": False,
            "MAX_UPLOAD_MB": 1,
            **overrides,
        }
    )

    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("secret internals: /etc/passwd")

    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        db.close()
    return app


@pytest.fixture
def harness(tmp_path):
    app = make_app(tmp_path)
    ids = seed(app)
    client = app.test_client()
    login(client)
    return app, client, ids


DOWNLOAD_CSP = "sandbox; default-src 'none'"


def assert_headers(response, *, private: bool = True) -> None:
    # Downloads (user data served as a file) get an even stricter, sandboxing policy.
    download = "attachment" in response.headers.get("Content-Disposition", "")
    csp = DOWNLOAD_CSP if download else EXACT_CSP
    for name, value in {**EXPECTED, "Content-Security-Policy": csp}.items():
        assert response.headers.get(name) == value, (name, response.status_code, response.headers)
    if private:
        assert "no-store" in response.headers.get("Cache-Control", ""), response.status_code
        assert "HX-Request" in response.headers.get("Vary", ""), response.status_code


def assert_no_internals(response) -> None:
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "Werkzeug Debugger", "secret internals", 'File "', "RuntimeError"):
        assert leak not in body, leak


def test_every_route_sends_the_headers(harness):
    app, client, ids = harness
    anon = app.test_client()
    seen = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/_test"):
            continue
        url = url_for_rule(rule, ids)
        for c in (client, anon):
            for hx in ({}, {"HX-Request": "true"}):
                assert_headers(c.get(url, headers=hx))
                seen += 1
    assert seen >= 20


def test_error_responses_send_the_headers_and_no_internals(harness):
    app, client, ids = harness
    token = csrf_from(client.get("/contacts/new").get_data(as_text=True))
    cases = {
        404: client.get("/no/such/page"),
        "404 anon": app.test_client().get("/no/such/page"),
        "404 missing id": client.get("/contacts/987654"),
        405: client.get("/logout"),
        413: client.post(
            "/contacts/", data={"csrf_token": token, "notes": "x" * (2 * 1024 * 1024), "first_name": "Big"}
        ),
        "413 anon": app.test_client().post("/contacts/", data={"notes": "x" * (2 * 1024 * 1024)}),
        "413 htmx": client.post(
            "/contacts/",
            data={"csrf_token": token, "notes": "x" * (2 * 1024 * 1024)},
            headers={"HX-Request": "true"},
        ),
        500: client.get("/_test/boom"),
        "500 htmx": client.get("/_test/boom", headers={"HX-Request": "true"}),
        "400 csrf": client.post("/contacts/", data={"first_name": "No token"}),
        "400 csrf htmx": client.post("/contacts/", data={"first_name": "x"}, headers={"HX-Request": "true"}),
        401: app.test_client().post("/contacts/", data={"first_name": "Anon"}),
    }
    expected_codes = {404: 404, 405: 405, 413: 413, 500: 500, 401: 401}
    for label, response in cases.items():
        code = expected_codes.get(label) or int(str(label).split()[0])
        assert response.status_code == code, (label, response.status_code)
        assert_headers(response)
        assert_no_internals(response)


def test_throttled_login_sends_the_headers(harness):
    app, _, _ = harness
    client = app.test_client()
    for _ in range(11):
        page = client.get("/login")
        response = client.post(
            "/login", data={"password": "nope", "csrf_token": csrf_from(page.get_data(as_text=True))}
        )
    assert response.status_code == 429
    assert response.headers["Retry-After"].isdigit()
    assert_headers(response)
    assert_no_internals(response)


def test_static_files_send_the_headers(harness):
    app, client, _ = harness
    for c in (client, app.test_client()):
        response = c.get("/static/css/app.css")
        assert response.status_code == 200
        assert_headers(response, private=False)
        response.close()
    missing = client.get("/static/nope.css")
    assert missing.status_code == 404
    assert_headers(missing)


def test_production_ignores_debug_switches(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("CRM_ENV", "production")
    app = make_app(tmp_path, ENV="production", SESSION_COOKIE_SECURE=True)
    assert app.debug is False
    client = app.test_client()
    login(client)
    assert client.get("/console").status_code == 404
    response = client.get("/_test/boom")
    assert response.status_code == 500
    assert_no_internals(response)


def test_only_configured_host_names_are_answered(tmp_path):
    app = make_app(tmp_path, ALLOWED_HOSTS=["crm.example.com"])
    client = app.test_client()
    good = client.get("/login", headers={"Host": "crm.example.com"})
    assert good.status_code == 200
    for host in ("evil.com", "crm.example.com.evil.com", "evil.com:80"):
        bad = client.get("/login", headers={"Host": host})
        assert bad.status_code == 400, host
        assert "evil" not in bad.get_data(as_text=True)
        assert_headers(bad)
        assert_no_internals(bad)
        assert client.post("/login", headers={"Host": host}, data={"password": PASSWORD}).status_code == 400


def test_forwarded_proto_makes_external_urls_https_behind_one_proxy(tmp_path):
    from flask import url_for

    app = make_app(tmp_path, PROXY_COUNT=1)
    seen = {}

    @app.get("/_test/external")
    def external():
        from flask import request

        seen["url"] = url_for("auth.login", _external=True)
        seen["addr"] = request.remote_addr
        return "ok"

    client = app.test_client()
    login(client)
    client.get(
        "/_test/external",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "crm.example.com",
            "X-Forwarded-For": "1.2.3.4, 5.6.7.8",
        },
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen["url"] == "https://crm.example.com/login"
    assert seen["addr"] == "5.6.7.8"


def test_without_a_proxy_forwarded_headers_are_ignored(tmp_path):
    from flask import request, url_for

    app = make_app(tmp_path)
    seen = {}

    @app.get("/_test/external")
    def external():
        seen["url"] = url_for("auth.login", _external=True)
        seen["addr"] = request.remote_addr
        return "ok"

    client = app.test_client()
    login(client)
    client.get(
        "/_test/external",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.com", "X-Forwarded-For": "1.2.3.4"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    assert seen == {"url": "http://localhost/login", "addr": "192.0.2.1"}


def test_public_endpoints_are_the_documented_ones():
    from crm import security

    assert security.PUBLIC_ENDPOINTS == set(PUBLIC_ENDPOINTS)


def test_hsts_only_over_https(tmp_path):
    app = make_app(tmp_path, PROXY_COUNT=1)
    client = app.test_client()
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers
