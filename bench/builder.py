"""A fast synthetic Rapport database for benchmarks: real schema, executemany, one transaction.

from bench.builder import build
build("/tmp/big.sqlite3", contacts=30_000, activities_per_contact=10, followups=3_000, signals=5_000)
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from pathlib import Path

from crm import migrations

WORDS = (
    "pricing renewal budget onboarding churn demo security review proposal contract intro "
    "hiring roadmap analytics integration pilot seats discount timeline procurement invoice "
    "coffee conference webinar feedback referral expansion migration quarterly forecast"
).split()
STAGES = ("lead", "prospect", "prospect", "opportunity", "customer", "partner", "friend")
KINDS = ("note", "call", "email", "meeting", "message", "message", "message")
TAGS = {"Customers": 30, "Prospects": 14, "Partners": 45, "Investors": None, "Friends": None}


def _stamp(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(
    path: str | Path,
    *,
    contacts: int = 30_000,
    activities_per_contact: int = 10,
    followups: int = 3_000,
    signals: int = 5_000,
    companies: int | None = None,
    seed: int = 1,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Create (or replace) a migrated database at `path` filled with synthetic data; returns counts."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    migrations.migrate(str(path))
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    companies = companies or max(1, contacts // 10)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=off")
    with con:
        con.executemany(
            "INSERT INTO company (id, name, name_key, website, notes, created_at)"
            " VALUES (?, ?, ?, '', '', ?)",
            [(i, f"Company {i}", f"company {i}", _stamp(now)) for i in range(1, companies + 1)],
        )
        con.executemany("INSERT INTO tag (name, cadence_days) VALUES (?, ?)", list(TAGS.items()))
        people = []
        for i in range(1, contacts + 1):
            first, last = rng.choice(WORDS).capitalize(), f"Person{i}"
            created = now - dt.timedelta(days=rng.randrange(30, 1500))
            people.append(
                (i, first, last, f"{first} {last}", f"{first.lower()} {last.lower()}",
                 f"https://www.linkedin.com/in/p{i}", rng.randrange(1, companies + 1), "Head of Sales",
                 "", "", rng.randrange(1, 13) if i % 4 == 0 else None,
                 rng.randrange(1, 29) if i % 4 == 0 else None, "", rng.choice(STAGES), "bench",
                 (created.date()).isoformat(), 1, 1, 0, 0, 0, 0, _stamp(created), _stamp(created), 0, "[]")
            )  # fmt: skip
        con.executemany(
            "INSERT INTO contact (id, first_name, last_name, full_name, name_key, linkedin_url,"
            " company_id, title, location, website, birthday_month, birthday_day, notes, stage, source,"
            " connected_on, is_connection, connected, value_deal, value_referrals, value_advocate,"
            " value_feedback, created_at, updated_at, score, score_reasons)"
            " VALUES (" + ", ".join("?" * 26) + ")",
            people,
        )
        con.executemany(
            "INSERT INTO contact_tag (contact_id, tag_id) VALUES (?, ?)",
            [(i, rng.randrange(1, len(TAGS) + 1)) for i in range(1, contacts + 1) if i % 3],
        )
        activity_rows, links = [], []
        ident = 0
        for contact_id in range(1, contacts + 1):
            for _ in range(activities_per_contact):
                ident += 1
                at = _stamp(now - dt.timedelta(minutes=rng.randrange(1, 3 * 365 * 24 * 60)))
                kind = rng.choice(KINDS)
                direction = rng.choice(("in", "out")) if kind in ("message", "email") else None
                # Common words plus one rarer topic word, so searches span broad and selective.
                words = [rng.choice(WORDS) for _ in range(rng.randrange(4, 14))]
                words.insert(rng.randrange(len(words)), f"topic{rng.randrange(5000)}")
                text = " ".join(words)
                origin = "imported" if kind == "message" else "logged"
                activity_rows.append((ident, kind, at, direction, origin, "bench", text[:140], text, at, at))
                links.append((ident, contact_id, at))
        con.executemany(
            "INSERT INTO activity (id, kind, occurred_at, direction, origin, source, summary, body,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            activity_rows,
        )
        con.executemany(
            "INSERT INTO activity_contact (activity_id, contact_id, occurred_at) VALUES (?, ?, ?)", links
        )
        con.executemany(
            "INSERT INTO follow_up (contact_id, title, due_at, all_day, rrule, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (rng.randrange(1, contacts + 1), f"Follow up on {rng.choice(WORDS)}",
                 _stamp((now + dt.timedelta(days=rng.randrange(-20, 60))).replace(hour=9, minute=0)),
                 1, "FREQ=WEEKLY;INTERVAL=2" if n % 10 == 0 else None, _stamp(now))
                for n in range(followups)
            ],
        )  # fmt: skip
        kinds = ("job_change", "promotion", "new_connection", "hiring", "pricing_request")
        con.executemany(
            "INSERT INTO signal (contact_id, kind, weight, half_life_days, observed_at, details, note,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, '', ?)",
            [
                (rng.randrange(1, contacts + 1), kind, 30.0, 30.0,
                 _stamp(now - dt.timedelta(days=rng.randrange(0, 90))), json.dumps({}), _stamp(now))
                for kind in (rng.choice(kinds) for _ in range(signals))
            ],
        )  # fmt: skip
    con.execute("PRAGMA optimize")
    con.execute("ANALYZE")
    con.close()
    return {
        "contacts": contacts,
        "activities": contacts * activities_per_contact,
        "followups": followups,
        "signals": signals,
    }
