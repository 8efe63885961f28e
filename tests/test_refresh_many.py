"""derived.refresh_many (the bulk rescore after an import) writes exactly what refresh_contacts
writes, on a database that mixes contacts with and without history."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from zoneinfo import ZoneInfo

from crm.db import write
from crm.models import (
    Activity,
    ActivityContact,
    Contact,
    ContactTag,
    FollowUp,
    Reciprocity,
    Signal,
    Tag,
    set_setting,
)
from crm.services import derived

NOW = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)
TZ = ZoneInfo("Europe/Berlin")
DAY = dt.timedelta(days=1)
DERIVED = ("last_touch_at", "next_touch_due", "score", "score_reasons", "score_updated_at", "snoozed_until")


def mixed_database(n: int = 400, seed: int = 3) -> list[int]:
    """Contacts of every kind: bare ones (as an import makes them) with stages, cadences, tags,
    birthdays, connection dates, snoozes and value; others with touches, follow-ups, signals and
    ledger entries; a few deleted. Stored derived fields are stale on purpose."""
    rng = random.Random(seed)
    naive = NOW.replace(tzinfo=None)
    with write():
        set_setting("stage_cadences", {"customer": 30, "prospect": 14})
        weekly = Tag.create(name="Weekly", cadence_days=7)
        plain = Tag.create(name="Plain")
        quarterly = Tag.create(name="Quarterly", cadence_days=90)
        ids = []
        for i in range(n):
            created = naive - dt.timedelta(days=rng.choice((0, 0, 0, 3, 20, 200)), hours=rng.randrange(24))
            birthday = (NOW + dt.timedelta(days=rng.randrange(-3, 12))).date() if i % 5 == 0 else None
            connected = (
                (NOW - dt.timedelta(days=rng.choice((1, 4, 365, 730, 2000)))).date() if i % 3 == 0 else None
            )
            contact = Contact.create(
                first_name=f"P{i}", full_name=f"P{i} Q", name_key=f"p{i} q", title="CFO",
                stage=rng.choice(("lead", "lead", "prospect", "customer", "partner", "opportunity", "lost")),
                created_at=created, connected_on=connected,
                cadence_days=rng.choice((None, None, None, 10, 45)),
                birthday_month=birthday.month if birthday else None,
                birthday_day=birthday.day if birthday else None,
                value_deal=rng.choice((0, 0, 50_000)), value_referrals=rng.choice((0, 0, 2)),
                value_advocate=i % 11 == 0,
                snoozed_until=rng.choice((None, None, naive + DAY * 2, naive - DAY)),
                score=rng.choice((0, 0, 12.5)), score_reasons="[]",
                last_touch_at=rng.choice((None, naive - dt.timedelta(days=9))),
                next_touch_due=rng.choice((None, naive.date())),
                deleted_at=naive if i % 37 == 0 else None,
            )  # fmt: skip
            ids.append(contact.id)
            for tag in rng.sample((weekly, plain, quarterly), rng.randrange(0, 3)):
                ContactTag.create(contact=contact, tag=tag)
            history = i % 4
            if history == 1:
                for _ in range(rng.randrange(1, 6)):
                    at = naive - dt.timedelta(days=rng.randrange(1, 200))
                    kind = rng.choice(("message", "call", "note", "email"))
                    act = Activity.create(
                        kind=kind, occurred_at=at, direction=rng.choice(("in", "out", None))
                    )
                    ActivityContact.create(activity=act, contact=contact, occurred_at=at)
            elif history == 2 and i % 8 == 2:
                due = naive - dt.timedelta(days=rng.randrange(-2, 5))
                FollowUp.create(contact=contact, title="Call", due_at=due, done_at=rng.choice((None, naive)))
                Signal.create(
                    contact=contact,
                    kind=rng.choice(("job_change", "hiring")),
                    weight=40,
                    half_life_days=30,
                    observed_at=naive - dt.timedelta(days=3),
                    details={"new_title": "CEO"},
                    dismissed_at=rng.choice((None, naive)),
                )
            elif history == 2:  # four asks and no gift: "give first" lowers the score
                for _ in range(rng.choice((1, 4))):
                    Reciprocity.create(
                        contact=contact, direction=rng.choice(("asked", "asked", "gave")), kind="favour"
                    )
    return ids


def derived_columns(path: str) -> dict[int, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {
            r[0]: r[1:] for r in conn.execute(f"SELECT id, {', '.join(DERIVED)} FROM contact ORDER BY id")
        }
    finally:
        conn.close()


def restore(path: str, columns: dict[int, tuple]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            f"UPDATE contact SET {', '.join(f'{c} = ?' for c in DERIVED)} WHERE id = ?",
            [(*values, cid) for cid, values in columns.items()],
        )
    conn.close()


def test_refresh_many_equals_refresh_contacts_on_a_mixed_database(database, app):
    path = app.config["CRM"]["DATABASE"]
    ids = mixed_database()
    stale = derived_columns(path)

    derived.refresh_contacts(ids, now=NOW, tz=TZ)
    expected = derived_columns(path)
    restore(path, stale)
    assert derived_columns(path) == stale
    read = derived.refresh_many(ids, now=NOW, tz=TZ)

    assert derived_columns(path) == expected
    assert read == sum(1 for i, cid in enumerate(ids) if i % 37)  # the deleted are left alone
    # The comparison means something: many contacts changed, bare ones got real scores too.
    changed = [cid for cid in ids if expected[cid] != stale[cid]]
    assert len(changed) > len(ids) // 2
    bare_scored = [cid for i, cid in enumerate(ids) if i % 4 in (0, 3) and i % 37 and expected[cid][2] > 0]
    assert len(bare_scored) > 20
    codes = {"birthday", "cadence_overdue", "anniversary", "new_connection"}
    assert {code for cid in bare_scored for code in codes if code in expected[cid][3]} == codes


def test_refresh_many_takes_the_bulk_path_for_contacts_without_history(database, app, monkeypatch):
    ids = mixed_database(120)
    seen: list[int] = []
    facts = derived._facts

    def spy(where, params, now, as_of=False):
        seen.extend(params)
        return facts(where, params, now, as_of)

    monkeypatch.setattr(derived, "_facts", spy)
    derived.refresh_many(ids, now=NOW, tz=TZ)
    with_history = {
        c.id for c in Contact.select(Contact.id).where(
            Contact.id.in_(ActivityContact.select(ActivityContact.contact))
            | Contact.id.in_(Reciprocity.select(Reciprocity.contact))
            | Contact.id.in_(FollowUp.select(FollowUp.contact).where(FollowUp.done_at.is_null()))
            | Contact.id.in_(Signal.select(Signal.contact).where(Signal.dismissed_at.is_null()))
        )
    }  # fmt: skip
    deleted = {c.id for c in Contact.select(Contact.id).where(Contact.deleted_at.is_null(False))}
    assert with_history and set(seen) == with_history | deleted
