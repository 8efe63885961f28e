"""Stream and touch latency at 30,000 contacts / 300,000 activities versus 300 contacts.

Usage: python -m bench.bench_stream [--runs 40]   (prints numbers; never asserts)
The suite (`python -m bench`) calls `cases` for its stream and log-a-touch rows.
"""

from __future__ import annotations

import argparse
import itertools
import time

from bench.builder import build
from bench.common import bench_app, logged_in, measure, ok, scratch, sizes_for
from crm.db import db


def refresh(app) -> float:
    """Compute every contact's derived fields (what the stream engineer's refresh does); seconds."""
    from crm.services import derived

    with app.app_context():
        db.connect(reuse_if_open=True)
        started = time.perf_counter()
        derived.refresh_all()
        seconds = time.perf_counter() - started
        db.close()
    return seconds


def cases(client, csrf: str, contacts: int) -> dict:
    """The stream's timed requests, by table row name, each a no-argument callable."""
    counter = itertools.count()

    def touch():
        n = next(counter)
        ok(
            client.post(
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
        )

    return {
        "log a touch": touch,
        "stream first page": lambda: ok(client.get("/stream/")),
        # One rare word (~60 matches at 30,000 contacts): the selective plan.
        "stream search (rare word)": lambda: ok(client.get("/stream/?q=topic42")),
        # Two of the 30 filler words: each matches ~7% of all activities (the worst case).
        "stream search (common words)": lambda: ok(client.get("/stream/?q=pricing+renewal")),
        # A two-letter prefix: every word starting with "pr" (pricing, proposal, procurement...).
        "stream search (prefix pr*)": lambda: ok(client.get("/stream/?q=pr")),
    }


def run(contacts: int, runs: int) -> dict[str, dict]:
    """Build a database of `contacts`, then time every case; prints and returns the figures."""
    tmp = str(scratch())
    path = f"{tmp}/bench.sqlite3"
    started = time.perf_counter()
    build(path, **sizes_for(contacts))
    print(f"{contacts} contacts, {contacts * 10} activities: built in {time.perf_counter() - started:.1f} s")
    app = bench_app(path, tmp)
    print(f"  refresh_all: {refresh(app):.2f} s")
    client, csrf = logged_in(app)
    results = {name: measure(fn, runs) for name, fn in cases(client, csrf, contacts).items()}
    for name, figures in results.items():
        print(f"  {name:<30} median {figures['median']:6.1f} ms   p95 {figures['p95']:6.1f} ms")
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
        print(f"  {name:<30} {big[name]['median'] / small[name]['median']:.2f}x")


if __name__ == "__main__":
    main()
