"""Health check for the reverse proxy and monitors."""

from __future__ import annotations

from flask import Blueprint, jsonify

from crm.db import db

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz():
    """200 with {"status": "ok"} when the database answers."""
    db.execute_sql("SELECT 1").fetchone()
    return jsonify(status="ok")
