"""Blueprints, one per area; the blueprint name matches its URL prefix and template folder."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every area's blueprint."""
    from crm.views import auth, companies, contacts, imports, pages, system

    for module in (auth, system, pages, contacts, companies, imports):
        app.register_blueprint(module.bp)
