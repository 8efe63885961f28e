"""Owner login and logout (there is no sign-up page: the password is set with the CLI)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import TooManyRequests

from crm import security
from crm.services import auth

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on POST check the password, throttled per client address."""
    next_url = security.safe_next(request.values.get("next"))
    if request.method == "GET":
        if security.is_logged_in():
            return redirect(next_url)
        return render_template("auth/login.html", next=next_url, has_password=auth.has_password())
    settings = current_app.config["CRM"]
    client = request.remote_addr or "unknown"
    wait = auth.throttle_wait(
        client, burst=settings["LOGIN_BURST"], window_seconds=settings["LOGIN_WINDOW_SECONDS"]
    )
    if wait:
        error = TooManyRequests(f"Too many failed logins. Try again in {wait} seconds.")
        error.retry_after = wait
        raise error
    pending = security.pending_from_login_form()
    resubmit_url = request.form.get("_resubmit_url")
    if not auth.verify_password(request.form.get("password", "")):
        auth.record_failure(client)
        current_app.logger.warning("Failed login from %s", client)
        return render_template(
            "auth/login.html",
            next=next_url,
            has_password=auth.has_password(),
            error="That password is not right.",
            pending=pending,
            resubmit_url=resubmit_url,
        ), 401
    auth.clear_failures(client)
    security.log_in()
    current_app.logger.info("Logged in from %s", client)
    if pending and resubmit_url:
        return render_template(
            "errors/resubmit.html",
            fields=pending,
            action=security.safe_next(resubmit_url),
            logged_in=True,
        )
    return redirect(next_url, code=303)


@bp.post("/logout")
def logout():
    """Sign out (every copy of the session stops working)."""
    security.log_out()
    current_app.logger.info("Logged out from %s (every session revoked)", request.remote_addr)
    return redirect(url_for("auth.login"), code=303)
