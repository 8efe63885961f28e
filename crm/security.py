"""Login required by default, CSRF on every unsafe request, security headers on every response."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, g, make_response, redirect, request, session, url_for
from werkzeug.exceptions import HTTPException

from crm.services import auth

PUBLIC_ENDPOINTS = {"auth.login", "static", "system.healthz", "calendar.feed"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: the CSRF check compares the Referer on HTTPS.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class CSRFError(HTTPException):
    """The form's security token is missing or stale; the user's input is shown back."""

    code = 400
    description = "This form's security check failed."


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def is_logged_in() -> bool:
    """True when the session belongs to the owner and has not been revoked."""
    if "owner" not in g:
        gen = session.get("gen")
        g.owner = gen is not None and gen == auth.session_generation()
    return g.owner


def log_in() -> None:
    """Start a fresh session (new id, new CSRF token) for the owner."""
    session.clear()
    session.permanent = True
    session["gen"] = auth.session_generation()
    session["sid"] = secrets.token_urlsafe(16)
    session["csrf"] = secrets.token_urlsafe(32)
    g.owner = True


def log_out() -> None:
    """End this session and revoke every other copy of it."""
    auth.revoke_sessions()
    session.clear()
    g.owner = False


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything that could leave the site becomes '/'."""
    if not target:
        return "/"
    target = target.strip()
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


PENDING_PREFIX = "_pending__"


def pending_fields() -> list[tuple[str, str]]:
    """The text fields of the current form (minus the token), to show back after a failure."""
    return [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token" and not k.startswith("_")]


def pending_from_login_form() -> list[tuple[str, str]]:
    """Form fields carried through the login page after a session ended mid-edit."""
    return [
        (k[len(PENDING_PREFIX) :], v)
        for k, v in request.form.items(multi=True)
        if k.startswith(PENDING_PREFIX)
    ]


def init_app(app: Flask) -> None:
    """Install the login, CSRF and header hooks."""

    @app.before_request
    def require_login_and_csrf():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            if request.method in UNSAFE_METHODS and request.endpoint == "auth.login":
                check_csrf()
            return None
        if not is_logged_in():
            if request.method in UNSAFE_METHODS:
                abort(401)
            return _to_login()
        if request.method in UNSAFE_METHODS:
            check_csrf()
        return None

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            # Only over https (behind the proxy, X-Forwarded-Proto with CRM_PROXY_COUNT set).
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Only a served static file may be cached; pages, fragments and errors never are.
        if request.endpoint != "static" or response.status_code >= 400:
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("HX-Request")
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token


def check_csrf() -> None:
    """Reject an unsafe request without the session's token (form field or X-CSRF-Token)."""
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        raise CSRFError()


def _to_login():
    """Send an anonymous visitor to the login page (htmx asks the browser to navigate)."""
    if request.headers.get("HX-Request"):
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
