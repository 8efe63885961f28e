"""Blueprints, one per area; the blueprint name matches its URL prefix and template folder."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every area's blueprint."""
    from crm.views import (
        auth,
        calendar,
        companies,
        contacts,
        duplicates,
        followups,
        imports,
        pages,
        relationships,
        settings,
        stream,
        system,
        today,
    )

    for module in (
        auth,
        system,
        pages,
        today,
        contacts,
        relationships,
        companies,
        stream,
        followups,
        settings,
        calendar,
        duplicates,
        imports,
    ):
        app.register_blueprint(module.bp)
