"""The home page (Today) and screens that later work fills in; until then each says what is coming."""

from __future__ import annotations

from flask import Blueprint, render_template

from crm.services.contacts import count_contacts
from crm.views import today as today_views

bp = Blueprint("pages", __name__)

SOON = {
    "imports": ("Import", "Bring in your LinkedIn export, address books and CSV files."),
}


def _soon(area: str):
    title, blurb = SOON[area]
    return render_template("pages/soon.html", title=title, blurb=blurb, area=area, contacts=count_contacts())


@bp.get("/")
def today():
    """The home page: who to contact today, and why."""
    return today_views.page()


@bp.get("/imports")
def imports():
    return _soon("imports")
