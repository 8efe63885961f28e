"""The private calendar feed (no login: the secret token in the URL is the key)."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, request

from crm.services import calendar as service
from crm.web import owner_tz

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.get("/<token>.ics")
def feed(token: str):
    """Open follow-ups and birthdays as iCalendar; 404 for any wrong token."""
    if not service.token_matches(token):
        abort(404)
    response = make_response(service.build_feed(owner_tz(), host=request.host.split(":")[0] or "rapport"))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="rapport.ics"'
    return response
