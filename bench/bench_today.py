"""Today page latency and `crm rescore` time at 30,000 contacts / 300,000 activities versus 300.

Usage: python -m bench.bench_today [--runs 200] [--cache DIR]   (prints numbers; never asserts)
--cache keeps the built databases in DIR and copies them, so a second run skips the build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import time
from pathlib import Path

from bench.builder import build
from bench.common import scratch
from crm import create_app, migrations
from crm.db import db, init_database
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


def prepare(contacts: int, cache: str | None):
    """Build (or copy) a database, time the rescore three ways, and log a client in."""
    print(f"{contacts} contacts, {contacts * SIZES[contacts][0]} activities, {SIZES[contacts][2]} signals")
    tmp = str(scratch())
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
    from crm.services import auth, derived

    out: dict[str, float] = {}
    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        out["rescore_first"] = _rescore("first: every score written")
        out["rescore_again"] = _rescore("again the same day: nothing changed")
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        out["rescore_nightly"] = _rescore("next night: decay changes many", tomorrow)
        derived.refresh_all()
        due = db.execute_sql("SELECT COUNT(*) FROM contact WHERE score > 0").fetchone()[0]
        db.close()
    print(f"  contacts with a score: {due}")
    client = app.test_client()
    login(client)
    return path, client, out


def page_times(sizes: dict, runs: int) -> dict[int, list[float]]:
    """Today page times per size, measured in alternating rounds so both see the same machine load."""
    times: dict[int, list[float]] = {n: [] for n in sizes}
    rounds = 10
    for path, client, _ in sizes.values():
        init_database(path)
        for _ in range(20):
            client.get("/")
    for _ in range(rounds):
        for n, (path, client, _) in sizes.items():
            init_database(path)  # the app opens the shared database object per request
            for _ in range(max(1, runs // rounds)):
                started = time.perf_counter()
                response = client.get("/")
                times[n].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cache", default=None)
    args = parser.parse_args()
    sizes = {n: prepare(n, args.cache) for n in (300, 30_000)}
    times = page_times(sizes, args.runs)
    stats = {}
    for n, values in times.items():
        values.sort()
        stats[n] = (statistics.median(values), values[max(0, int(len(values) * 0.95) - 1)])
        print(
            f"Today page at {n:,}: median {stats[n][0]:.1f} ms, p95 {stats[n][1]:.1f} ms ({len(values)} runs)"
        )
    small, big = stats[300], stats[30_000]
    print(f"Ratio 30,000 / 300: median {big[0] / small[0]:.2f}x, p95 {big[1] / small[1]:.2f}x"
          " (targets: median < 50 ms, ratio ≤ 1.5x)")  # fmt: skip
    r = sizes[30_000][2]
    print(
        f"crm rescore at 30,000: first {r['rescore_first']:.2f} s, same day {r['rescore_again']:.2f} s,"
        f" next night {r['rescore_nightly']:.2f} s (target < 10 s)"
    )


if __name__ == "__main__":
    main()
