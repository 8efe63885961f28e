"""Shared pieces of the benchmarks: a logged-in app on a built database, and timing of repeated runs.

Page figures go through the Flask test client (the whole app and templates, no sockets).
"""

from __future__ import annotations

import atexit
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from crm import create_app
from crm.db import db
from tests.conftest import PASSWORD, login, token

WARMUP = 5


def scratch(prefix: str = "rapport-bench-") -> Path:
    """A fresh temporary folder, removed when the benchmark exits (a full-size run leaves ~400 MB)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def sizes_for(contacts: int) -> dict[str, int]:
    """The builder arguments for one size: ten activities each, proportional follow-ups and signals."""
    return {
        "contacts": contacts,
        "activities_per_contact": 10,
        "followups": max(1, contacts // 10),
        "signals": max(1, contacts // 6),
    }


def bench_app(path: str, data_dir: str):
    """A testing app on `path` with the bench password set (no derived refresh)."""
    app = create_app(
        {
            "DATA_DIR": data_dir,
            "DATABASE": path,
            "SECRET_KEY": "b" * 40,
            "SESSION_COOKIE_SECURE": False,
            "TESTING": True,
        }
    )
    from crm.services import auth

    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        db.close()
    return app


def logged_in(app):
    """A Flask test client that is logged in, and its CSRF token."""
    client = app.test_client()
    login(client)
    return client, token(client)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(fn: Callable[[], object], runs: int, warmup: int = WARMUP) -> dict:
    """Median and p95 in milliseconds over `runs` calls after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = sorted(timed(fn) * 1000 for _ in range(runs))
    return summary(times)


def summary(times_ms: list[float]) -> dict:
    """Median, p95, p99 (nearest rank) and count of a list of milliseconds."""
    times = sorted(times_ms)
    if not times:
        return {"median": None, "p95": None, "p99": None, "runs": 0}

    def rank(q: float) -> float:
        return times[min(len(times) - 1, max(0, int(round(q * len(times))) - 1))]

    return {
        "median": round(statistics.median(times), 2),
        "p95": round(rank(0.95), 2),
        "p99": round(rank(0.99), 2),
        "runs": len(times),
    }


def ok(response, expected: int = 200):
    """Fail the benchmark loudly when a request does not answer as expected."""
    if response.status_code != expected:
        raise RuntimeError(f"{response.request.path} answered {response.status_code}")
    return response
