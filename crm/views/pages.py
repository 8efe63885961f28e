"""Screens that later work fills in; until then each says what is coming."""

from __future__ import annotations

from flask import Blueprint, render_template

from crm.services.contacts import count_contacts

bp = Blueprint("pages", __name__)

SOON = {
    "today": ("Today", "A ranked, explained list of who to contact today."),
}


def _soon(area: str):
    title, blurb = SOON[area]
    return render_template("pages/soon.html", title=title, blurb=blurb, area=area, contacts=count_contacts())


@bp.get("/")
def today():
    """The home page."""
    return _soon("today")


