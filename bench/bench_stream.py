"""Stream and touch latency at 30,000 contacts / 300,000 activities versus 300 contacts.

Usage: python -m bench.bench_stream [--runs 40]   (prints numbers; never asserts)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.builder import build
from crm import create_app
from crm.db import db
from tests.conftest import PASSWORD, login, token


def _app(path: str, tmp: str):
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

    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        started = time.perf_counter()
        derived.refresh_all()
        print(f"  refresh_all: {time.perf_counter() - started:.2f} s")
        db.close()
    return app


def _measure(fn, runs: int) -> tuple[float, float]:
    for _ in range(5):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def run(contacts: int, runs: int) -> dict[str, tuple[float, float]]:
    tmp = tempfile.mkdtemp()
    path = f"{tmp}/bench.sqlite3"
    started = time.perf_counter()
    build(path, contacts=contacts, activities_per_contact=10, followups=contacts // 10, signals=contacts // 6)
    print(f"{contacts} contacts, {contacts * 10} activities: built in {time.perf_counter() - started:.1f} s")
    app = _app(path, tmp)
    client = app.test_client()
    login(client)
    csrf = token(client)
    counter = iter(range(10**9))

    def touch():
        n = next(counter)
        response = client.post(
            "/stream/touches",
            data={
                "csrf_token": csrf,
                "contact_id": str(n % contacts + 1),
                "kind": "call",
                "when": "now",
                "text": f"bench call {n}",
            },
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200, response.status_code

    def first_page():
        assert client.get("/stream/").status_code == 200

    def search():
        assert client.get("/stream/?q=topic42").status_code == 200

    def broad_search():
        # Two of the 30 filler words: each matches ~7% of all activities (worst case).
        assert client.get("/stream/?q=pricing+renewal").status_code == 200

    cases = (
        ("log a touch", touch),
        ("stream first page", first_page),
        ("stream search", search),
        ("broad search", broad_search),
    )
    results = {name: _measure(fn, runs) for name, fn in cases}
    for name, (median, p95) in results.items():
        print(f"  {name:<20} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--big", type=int, default=30_000)
    args = parser.parse_args()
    small = run(300, args.runs)
    big = run(args.big, args.runs)
    print(f"\nratio {args.big} vs 300 contacts (median):")
    for name in big:
        print(f"  {name:<20} {big[name][0] / small[name][0]:.2f}x")


if __name__ == "__main__":
    main()
