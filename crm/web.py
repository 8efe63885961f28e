"""Rendering helpers shared by the views: page-or-fragment responses, filters, error pages."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from flask import Flask, current_app, make_response, redirect, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

from crm import dates, htmx

log = logging.getLogger("crm")

# The event a change made in place sends when it moves a contact's figures (last touch, next due,
# the score and its reasons): the contact page's cards and the menu's numbers reload on it.
CONTACT_CHANGED = "contact-changed"


def wants_fragment() -> bool:
    """htmx swaps get the fragment; boosted and history-restore requests get the full page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page_template: str, fragment: str | None = None, /, status: int = 200, **context):
    """The fragment for an htmx request, otherwise the full page (which includes it)."""
    template = fragment if fragment and wants_fragment() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def see_other(url: str):
    """After a successful form: a 303 for a plain request, a full navigation for htmx."""
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def owner_tz() -> ZoneInfo:
    """The owner's time zone (CRM_TIMEZONE, or the one chosen in settings), read once a request."""
    from flask import g

    from crm.models import get_setting

    if "owner_tz" not in g:
        g.owner_tz = ZoneInfo(get_setting("timezone") or current_app.config["CRM"]["TIMEZONE"])
    return g.owner_tz


def local(value: dt.datetime | None, fmt: str = "%-d %b %Y, %H:%M") -> str:
    """A stored UTC time shown in the owner's zone."""
    if value is None:
        return ""
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return aware.astimezone(owner_tz()).strftime(fmt)


def ago(value: dt.datetime | dt.date | None) -> str:
    """'3 days ago', 'today', 'in 2 days' relative to the owner's today, worded as the score's
    reasons word it (`dates.days_ago`)."""
    if value is None:
        return "never"
    tz = owner_tz()
    today = dt.datetime.now(tz).date()
    if isinstance(value, dt.datetime):
        aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
        day = aware.astimezone(tz).date()
    else:
        day = value
    return dates.relative_days(day, today)


def init_app(app: Flask) -> None:
    """Template filters and error pages (with the same headers as every page)."""
    from crm.services.stream import entry_label

    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["entry_label"] = entry_label

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        from crm import security

        if isinstance(exc, security.CSRFError) or exc.code == 401:
            return _resubmit(exc)
        if request.headers.get("HX-Request") and exc.code not in (404,):
            response = make_response(exc.description or exc.name, exc.code)
        else:
            response = _error_page(exc, exc.code or 500)
        if exc.code == 429 and getattr(exc, "retry_after", None):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _error_page(None, 500)


def _error_page(error: HTTPException | None, status: int):
    """The friendly error page; plain text when the page itself cannot be built.

    A request for an untrusted host has no URL adapter (links cannot be built), and a broken
    database can break the layout: the answer must still be an error with our headers.
    """
    if request.headers.get("HX-Request") and status >= 500:
        return make_response("Something went wrong; nothing was saved. Try again.", status)
    if request_ctx.url_adapter is not None:
        try:
            from crm import security

            page = render_template("errors/error.html", error=error, logged_in=security.is_logged_in())
            return make_response(page, status)
        except Exception:  # noqa: BLE001 — an error page must never fail itself
            log.exception("Error page failed to render")
    if request_ctx.url_adapter is None:
        # Never echo the untrusted Host back.
        text = "This server does not answer to that host name."
    else:
        text = f"{error.name}: {error.description}" if error else "Something went wrong."
    response = make_response(text, status)
    response.mimetype = "text/plain"
    return response


def _resubmit(exc: HTTPException):
    """A stale form or an ended session: show the user's text back so nothing typed is lost."""
    from crm import security

    try:
        fields = security.pending_fields()
    except HTTPException as unreadable:
        # A body too large (413) or malformed: answer that, there is no text to keep.
        return _error_page(unreadable, unreadable.code or 400)
    if request.headers.get("HX-Request"):
        message = (
            "Not saved: your session has ended. Log in again in a new tab, then retry."
            if exc.code == 401
            else "Not saved: the page was out of date. Reload it and try again."
        )
        response = make_response(message, exc.code)
        response.mimetype = "text/plain"
        if exc.code == 400 and security.is_logged_in():
            # The session is fine, only the page's token is stale: hand the page the current
            # one so app.js can retry the same save once (nothing was saved by this request).
            response.headers["X-CSRF-Token"] = security.csrf_token()
        return response
    return make_response(
        render_template(
            "errors/resubmit.html",
            fields=fields,
            action=security.safe_next(request.full_path.rstrip("?")),
            logged_in=security.is_logged_in(),
            code=exc.code,
        ),
        exc.code,
    )
