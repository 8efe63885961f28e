"""Shared fixtures: a real SQLite file per test, the real app, a logged-in test client."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from crm import create_app, migrations
from crm.db import db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(tmp_path):
    """The real app on a freshly migrated SQLite file in a temp dir, with an owner password."""
    path = tmp_path / "rapport.sqlite3"
    migrations.migrate(str(path))
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "DATABASE": str(path),
            "SECRET_KEY": "test-secret-key-0123456789abcdef",
            "SESSION_COOKIE_SECURE": False,
            "TIMEZONE": "UTC",
        }
    )
    from crm.services import auth

    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        db.close()
    yield app
    if not db.is_closed():
        db.close()
    # Release the server lock now rather than whenever the collector finds the app (a late
    # close is reported as an unraisable ResourceWarning inside some unrelated test).
    lock = app.extensions.pop("crm_server_lock", None)
    if lock is not None:
        lock.close()


@pytest.fixture
def database(app):
    """An open connection for tests that call services directly."""
    db.connect(reuse_if_open=True)
    yield db
    if not db.is_closed():
        db.close()


@pytest.fixture
def anon(app):
    return app.test_client()


@pytest.fixture
def client(app):
    """A test client logged in as the owner (through the real login form)."""
    client = app.test_client()
    login(client)
    return client


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'"X-CSRF-Token": "([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, password: str = PASSWORD):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"password": password, "csrf_token": token})


def token(client) -> str:
    """The CSRF token of the client's session (read from a page)."""
    return csrf_from(client.get("/contacts/new").get_data(as_text=True))


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")
