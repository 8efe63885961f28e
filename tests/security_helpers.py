"""Helpers for the security tests: route enumeration, URL arguments, a database fingerprint."""

from __future__ import annotations

import hashlib
import sqlite3

from werkzeug.routing import Rule

# Reachable without a session, each for a stated reason.
PUBLIC_ENDPOINTS = {
    "auth.login": "the login page itself",
    "static": "CSS, JS and icons",
    "system.healthz": "the reverse proxy's health check",
    "calendar.feed": "subscribed by calendar apps, protected by its own secret token",
}
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def db_checksum(path: str) -> str:
    """A fingerprint of every row in the database (a separate connection sees committed data)."""
    conn = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        for line in conn.iterdump():
            digest.update(line.encode())
        return digest.hexdigest()
    finally:
        conn.close()


def audited_rules(app) -> list[Rule]:
    """Every URL rule of the app except the public ones, from the URL map (not a hand list)."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS),
        key=lambda r: r.rule,
    )


def url_for_rule(rule: Rule, ids: dict[str, int]) -> str:
    """A concrete URL for a rule: int arguments get an existing id, strings a plain word."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        kind = type(converter).__name__
        if kind in ("IntegerConverter", "NumberConverter"):
            values[name] = ids.get(name, ids["default"])
        elif kind == "UUIDConverter":
            values[name] = "00000000-0000-0000-0000-000000000000"
        else:
            values[name] = ids.get(name, "x")
    if rule.defaults:
        values = {**rule.defaults, **values}
    url = rule.build(values, append_unknown=False)
    assert url is not None, f"cannot build {rule.rule}"
    return url[1]


def seed(app) -> dict[str, int]:
    """A contact with a company, an email and a note, so id-taking routes have something to show."""
    from crm.db import db
    from crm.forms import ContactInput
    from crm.services import activities, contacts

    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            contact = contacts.create_contact(
                ContactInput(first_name="Ada", last_name="Audit", company="Audit Ltd", emails=["a@x.io"])
            )
            note = activities.log_touch([contact.id], "note", "seed note")
            ids = {
                "default": contact.id,
                "contact_id": contact.id,
                "company_id": contact.company_id,
                "activity_id": note.id,
            }
        finally:
            db.close()
    return ids
