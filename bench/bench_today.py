"""Today page latency and `crm rescore` time at 30,000 contacts / 300,000 activities versus 300.

Usage: python -m bench.bench_today [--runs 200] [--cache DIR]   (prints numbers; never asserts)
--cache keeps the built databases in DIR and copies them, so a second run skips the build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.builder import build
from crm import create_app, migrations
from crm.db import db
from tests.conftest import PASSWORD, login

SIZES = {300: (10, 30, 50), 30_000: (10, 3_000, 5_000)}


def _database(contacts: int, tmp: str, cache: str | None) -> str:
    per, followups, signals = SIZES[contacts]
    path = f"{tmp}/bench-{contacts}.sqlite3"
    cached = Path(cache or "", f"today-{contacts}-{dt.date.today()}.sqlite3")
    if cache and cached.exists():
        shutil.copy(cached, path)
        migrations.migrate(path)
        return path
    started = time.perf_counter()
    # History ends yesterday, so nobody counts as done today and Today shows a full list.
    yesterday = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
    build(
        path,
        contacts=contacts,
        activities_per_contact=per,
        followups=followups,
        signals=signals,
        now=yesterday,
    )
    print(f"  built in {time.perf_counter() - started:.1f} s")
    if cache:
        Path(cache).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, cached)
    return path


def _rescore(label: str, now: dt.datetime | None = None) -> float:
    from crm.services import derived

    started = time.perf_counter()
    count = derived.refresh_all(now=now)
    took = time.perf_counter() - started
    print(f"  crm rescore ({label}): {count} contacts in {took:.2f} s")
    return took


def _measure(fn, runs: int) -> tuple[float, float]:
    for _ in range(20):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def run(contacts: int, runs: int, cache: str | None) -> dict[str, float]:
    print(f"{contacts} contacts, {contacts * SIZES[contacts][0]} activities, {SIZES[contacts][2]} signals")
    tmp = tempfile.mkdtemp()
    path = _database(contacts, tmp, cache)
    app = create_app(
        {
            "DATA_DIR": tmp,
            "DATABASE": path,
            "SECRET_KEY": "b" * 40,
            "SESSION_COOKIE_SECURE": False,
            "TESTING": True,
        }
    )
    from crm.services import auth

    out: dict[str, float] = {}
    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        out["rescore_first"] = _rescore("first: every score written")
        out["rescore_again"] = _rescore("again the same day: nothing changed")
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        out["rescore_nightly"] = _rescore("next night: decay changes many", tomorrow)
        db.close()
    with app.app_context():
        db.connect(reuse_if_open=True)
        from crm.services import derived

        derived.refresh_all()
        due = db.execute_sql("SELECT COUNT(*) FROM contact WHERE score > 0").fetchone()[0]
        db.close()
    print(f"  contacts with a score: {due}")
    client = app.test_client()
    login(client)

    def today():
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    median, p95 = _measure(today, runs)
    print(f"  Today page: median {median:.1f} ms, p95 {p95:.1f} ms ({runs} runs after 20 warm-up)")
    out.update(median=median, p95=p95)
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cache", default=None)
    args = parser.parse_args()
    small = run(300, args.runs, args.cache)
    big = run(30_000, args.runs, args.cache)
    print()
    print(f"Today median: {small['median']:.1f} ms at 300 → {big['median']:.1f} ms at 30,000 "
          f"(ratio {big['median'] / small['median']:.2f}x; target < 50 ms and ≤ 1.5x)")  # fmt: skip
    print(f"Today p95:    {small['p95']:.1f} ms at 300 → {big['p95']:.1f} ms at 30,000")
    print(
        f"crm rescore at 30,000: first {big['rescore_first']:.2f} s, same day {big['rescore_again']:.2f} s,"
        f" next night {big['rescore_nightly']:.2f} s (target < 10 s)"
    )


if __name__ == "__main__":
    main()
