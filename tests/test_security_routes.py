"""Route audit from the app's URL map: login everywhere, CSRF on every unsafe method, GET never writes."""

from __future__ import annotations

import pytest

from tests.conftest import login, soup
from tests.security_helpers import (
    PUBLIC_ENDPOINTS,
    UNSAFE_METHODS,
    audited_rules,
    db_checksum,
    seed,
    url_for_rule,
)


@pytest.fixture
def seeded(app):
    return seed(app)


def _db(app) -> str:
    return app.config["CRM"]["DATABASE"]


def test_the_audit_covers_the_app(app):
    rules = audited_rules(app)
    endpoints = {r.endpoint for r in rules}
    assert {"contacts.index", "contacts.create", "contacts.log_touch", "auth.logout"} <= endpoints
    assert not set(PUBLIC_ENDPOINTS) & endpoints
    assert "setup" not in " ".join(r.rule for r in app.url_map.iter_rules())


def test_every_rule_needs_login(app, anon, seeded):
    """GET goes to the login page (htmx gets 401 + HX-Redirect); unsafe methods get 401."""
    before = db_checksum(_db(app))
    checked = 0
    for rule in audited_rules(app):
        url = url_for_rule(rule, seeded)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anon.open(url, method=method)
            if method in UNSAFE_METHODS:
                assert response.status_code == 401, (method, url)
            else:
                assert response.status_code == 302, (method, url)
                assert response.headers["Location"].startswith("/login"), (method, url)
                htmx = anon.open(url, method=method, headers={"HX-Request": "true"})
                assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login", url
            checked += 1
    assert checked >= 10
    assert db_checksum(_db(app)) == before


def test_a_revoked_session_is_treated_as_anonymous(app, client, seeded):
    from crm.db import db
    from crm.services import auth

    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.revoke_sessions()
        db.close()
    for rule in audited_rules(app):
        if "GET" in rule.methods:
            response = client.get(url_for_rule(rule, seeded))
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("bad", [None, "", "wrong-token", "x" * 43])
def test_every_unsafe_route_rejects_a_missing_or_wrong_csrf_token(app, client, seeded, bad):
    before = db_checksum(_db(app))
    checked = 0
    for rule in audited_rules(app):
        url = url_for_rule(rule, seeded)
        for method in sorted(rule.methods & set(UNSAFE_METHODS)):
            form = {"text": "should not be saved", "kind": "note", "first_name": "Mallory"}
            headers = {}
            if bad is not None:
                form["csrf_token"] = bad
                headers["X-CSRF-Token"] = bad
            for hx in ({}, {"HX-Request": "true"}):
                response = client.open(url, method=method, data=form, headers={**headers, **hx})
                assert response.status_code == 400, (method, url, hx)
            checked += 1
    assert checked >= 5
    assert db_checksum(_db(app)) == before


def test_a_token_from_another_session_is_refused(app, client, seeded):
    other = app.test_client()
    login(other)
    from tests.conftest import token

    foreign = token(other)
    before = db_checksum(_db(app))
    response = client.post(
        f"/contacts/{seeded['contact_id']}/touches", data={"text": "x", "csrf_token": foreign}
    )
    assert response.status_code == 400
    assert db_checksum(_db(app)) == before


def test_login_itself_needs_the_token(app, anon):
    from tests.conftest import PASSWORD

    anon.get("/login")
    response = anon.post("/login", data={"password": PASSWORD})
    assert response.status_code == 400
    assert anon.get("/contacts/").status_code == 302


def test_every_get_route_leaves_the_database_unchanged(app, client, seeded):
    before = db_checksum(_db(app))
    for rule in audited_rules(app) + [r for r in app.url_map.iter_rules() if r.endpoint in PUBLIC_ENDPOINTS]:
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = url_for_rule(rule, seeded)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
    assert db_checksum(_db(app)) == before


def test_an_error_page_shows_the_menu_only_to_the_owner(app):
    """Found by QA: a 404 or 'too many failed logins' shown to someone logged out carried the
    whole menu, '+ Log' and 'Log out', each leading to the login page."""
    visitor = app.test_client()
    out = visitor.get("/no-such-page")
    assert out.status_code == 404
    assert soup(out).select_one("nav.mainnav") is None and soup(out).select_one("form.logout") is None
    login(visitor)
    inside = soup(visitor.get("/no-such-page"))
    assert inside.select_one("nav.mainnav") is not None and inside.select_one("form.logout") is not None
