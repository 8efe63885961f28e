"""Rapport: a personal social-selling CRM. `create_app` builds the Flask application."""

from __future__ import annotations

from flask import Flask
from flask_htmx import HTMX
from werkzeug.middleware.proxy_fix import ProxyFix

from crm import config as config_module
from crm import migrations, serverlock
from crm.db import db, init_database
from crm.paths import resource_dir

htmx = HTMX()


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app from CRM_* settings (plus `overrides`); refuse a missing or stale database."""
    if (overrides or {}).get("CHECK_SCHEMA", True):
        # Fail closed before anything is written: a missing database must not leave behind a
        # fresh data directory with a new secret key in it.
        migrations.check(config_module.load(overrides, with_secret=False)["DATABASE"])
    settings = config_module.load(overrides)
    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(config_module.flask_settings(settings))
    app.config["CRM"] = settings
    app.config["TESTING"] = bool(settings.get("TESTING"))
    app.debug = False
    if settings.get("SERVER_LOCK", True):
        # Tells `crm restore` a server has this database open (released when the process exits).
        app.extensions["crm_server_lock"] = serverlock.hold_shared(settings["DATABASE"])
    init_database(settings["DATABASE"])

    @app.before_request
    def open_connection():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def close_connection(exc):
        if not db.is_closed():
            db.close()

    htmx.init_app(app)
    if settings["PROXY_COUNT"] > 0:
        count = settings["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from crm import security, web
    from crm.views import register_blueprints

    security.init_app(app)
    web.init_app(app)
    register_blueprints(app)
    return app
