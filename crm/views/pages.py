"""The home page: Today (its row actions live in crm/views/today.py)."""

from __future__ import annotations

from flask import Blueprint

from crm.views import today as today_views

bp = Blueprint("pages", __name__)


@bp.get("/")
def today():
    """The home page: who to contact today, and why."""
    return today_views.page()
