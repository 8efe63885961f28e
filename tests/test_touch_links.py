"""activity_contact.touch (migration 0006): scoring reads the touch history from the links alone,
so every way a link or its activity is written or changed must keep `touch` right. The oracle is
the query scoring used before, which joined every link to its activity."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest

from crm.db import db, write
from crm.models import ACTIVITY_KINDS, Activity, ActivityContact, Contact
from crm.services import activities, derived, imports, linkedin_import, merge
from crm.services.derived import TOUCH_IN, TOUCH_NONE, TOUCH_OTHER, TOUCH_OUT
from tests.linkedin_export import build

NOW = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)
KINDS = ", ".join(f"'{k}'" for k in derived.TOUCH_ACTIVITY_KINDS)
# The touch facts as scoring computed them from the activity table (before migration 0006).
ORACLE = f"""
    WITH agg AS MATERIALIZED (
        SELECT ac.contact_id AS cid, MAX(ac.occurred_at) AS last,
               MAX(CASE WHEN a.direction = 'in' THEN ac.occurred_at END) AS last_in,
               MAX(CASE WHEN a.direction = 'out' OR (a.direction IS NULL AND a.kind != 'note')
                   THEN ac.occurred_at END) AS last_out
        FROM activity_contact ac JOIN activity a ON a.id = ac.activity_id
        WHERE a.deleted_at IS NULL AND a.kind IN ({KINDS}) GROUP BY ac.contact_id)
    SELECT agg.cid, agg.last, agg.last_in, agg.last_out, COUNT(*),
           julianday(agg.last) - julianday(MIN(w.occurred_at))
    FROM agg JOIN activity_contact w ON w.contact_id = agg.cid
         AND w.occurred_at >= datetime(agg.last, '-{derived.QUIET_WINDOW_DAYS} days')
         AND w.occurred_at <= agg.last
    JOIN activity wa ON wa.id = w.activity_id
    WHERE wa.deleted_at IS NULL AND wa.kind IN ({KINDS})
    GROUP BY agg.cid"""


def oracle_facts(path: str) -> dict[int, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {r[0]: r[1:] for r in conn.execute(ORACLE)}
    finally:
        conn.close()


def stored_facts(ids: list[int]) -> dict[int, tuple]:
    """What scoring reads now, in the oracle's shape (naive UTC text, count, span)."""
    out = {}
    for cid, item in derived.score_in_memory(ids, now=NOW).items():
        facts = item[0]
        if facts.get("last") is None:
            continue
        text = [None if v is None else v.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                for v in (facts["last"], facts["last_in"], facts["last_out"])]  # fmt: skip
        out[cid] = (*text, facts["window"], facts["span_days"])
    return out


def normalised(facts: dict[int, tuple]) -> dict[int, tuple]:
    return {
        cid: (*(None if v is None else str(v)[:19] for v in row[:3]), row[3], round(row[4] or 0.0, 6))
        for cid, row in facts.items()
    }


def touches(activity_id: int) -> set[int]:
    rows = db.execute_sql("SELECT touch FROM activity_contact WHERE activity_id = ?", (activity_id,))
    return {r[0] for r in rows}


def rule(kind: str, direction: str | None, deleted: bool) -> int:
    """The rule in words, written out by hand."""
    if deleted or kind not in derived.TOUCH_ACTIVITY_KINDS:
        return TOUCH_NONE
    if direction == "in":
        return TOUCH_IN
    if direction == "out" or (direction is None and kind != "note"):
        return TOUCH_OUT
    return TOUCH_OTHER


@pytest.mark.parametrize("direction", [None, "in", "out"])
def test_every_kind_and_direction_gets_the_touch_of_the_rule(database, direction):
    ada = Contact.create(first_name="Ada", full_name="Ada L", name_key="ada l")
    with write():
        for kind in (*ACTIVITY_KINDS, "job_change"):
            for deleted in (False, True):
                act = Activity.create(
                    kind=kind, occurred_at=NOW, direction=direction, deleted_at=NOW if deleted else None
                )
                ActivityContact.create(activity=act, contact=ada, occurred_at=act.occurred_at)
                expected = rule(kind, direction, deleted)
                assert touches(act.id) == {expected}, (kind, direction, deleted)
                # The import's bulk path computes it with the same SQL as the triggers.
                sql = derived.touch_sql("?", "?", "?")
                args = (NOW if deleted else None, kind, direction, direction, direction, kind)
                assert db.execute_sql(f"SELECT {sql}", args).fetchone()[0] == expected
    assert {rule(k, d, False) for k in ACTIVITY_KINDS for d in (None, "in", "out")} == {
        TOUCH_NONE, TOUCH_IN, TOUCH_OUT, TOUCH_OTHER,
    }  # fmt: skip


def test_editing_deleting_and_restoring_an_activity_moves_its_links_touch(database):
    ada = Contact.create(first_name="Ada", full_name="Ada L", name_key="ada l")
    bob = Contact.create(first_name="Bob", full_name="Bob M", name_key="bob m")
    act = activities.log_touch([ada.id, bob.id], "call", "Rang", occurred_at=NOW, direction="in")
    assert touches(act.id) == {TOUCH_IN}
    activities.update_activity(act, kind="note", text="Wrote it down", occurred_at=None, direction=None)
    assert touches(act.id) == {TOUCH_OTHER}
    activities.update_activity(act, kind="email", text="Mailed", occurred_at=None, direction=None)
    assert touches(act.id) == {TOUCH_OUT}
    activities.delete_activity(act)
    assert touches(act.id) == {TOUCH_NONE}
    assert Contact.get_by_id(ada.id).last_touch_at is None
    activities.restore_activity(Activity.get_by_id(act.id))
    assert touches(act.id) == {TOUCH_OUT}
    assert Contact.get_by_id(ada.id).last_touch_at == NOW.replace(tzinfo=None)


def test_undoing_a_merge_asks_the_activity_again(database):
    ada = Contact.create(first_name="Ada", full_name="Ada L", name_key="ada l")
    twin = Contact.create(first_name="Ada", full_name="Ada L", name_key="ada l")
    act = activities.log_touch([twin.id], "message", "Hi", occurred_at=NOW, direction="out")
    done = merge.merge_contacts(ada.id, twin.id)
    assert touches(act.id) == {TOUCH_OUT}
    # After the merge the message turns out to be inbound; undo restores the old link row
    # (made when it was outbound) and must not bring the old touch back with it.
    with write():
        Activity.update(direction="in").where(Activity.id == act.id).execute()
    merge.undo_merge(done.id)
    links = ActivityContact.select().where(ActivityContact.activity == act.id)
    assert [(r.contact_id, r.touch) for r in links] == [(twin.id, TOUCH_IN)]


def test_scoring_reads_the_same_touch_facts_as_the_join_it_replaced(database, app, tmp_path, monkeypatch):
    """A LinkedIn import (bulk path, touch written by the import itself) plus hand-made history
    edited every way the app allows: the facts scoring reads equal the old join's."""
    monkeypatch.setattr(imports, "FTS_BULK_MIN", 1)  # the bulk path, as a big import takes
    path = app.config["CRM"]["DATABASE"]
    export = tmp_path / "export.zip"
    export.write_bytes(build(connections=60, messages=900, seed=5)[0])
    imports.commit(linkedin_import.planner(str(export), "export.zip", imports.file_sha256(export)))
    assert db.execute_sql("SELECT count(*) FROM activity_contact WHERE touch = -1").fetchone()[0] == 0
    rng = random.Random(11)
    ids = [r[0] for r in db.execute_sql("SELECT id FROM contact ORDER BY id")]
    logged = []
    for i in range(150):
        who = rng.sample(ids, rng.choice((1, 1, 2)))
        kind = rng.choice(("call", "note", "email", "meeting", "message", "other"))
        when = NOW - dt.timedelta(days=rng.randrange(0, 400), minutes=i)
        direction = rng.choice((None, "in", "out"))
        logged.append(activities.log_touch(who, kind, f"touch {i}", occurred_at=when, direction=direction))
    for act in rng.sample(logged, 30):
        activities.update_activity(
            act, kind=rng.choice(("call", "note", "email")), text="edited", occurred_at=None,
            direction=rng.choice((None, "in", "out")),
        )  # fmt: skip
    for act in rng.sample(logged, 20):
        activities.delete_activity(Activity.get_by_id(act.id))
    imported = [r[0] for r in db.execute_sql("SELECT id FROM activity WHERE origin = 'imported' LIMIT 40")]
    for aid in imported[:20]:
        activities.delete_activity(Activity.get_by_id(aid))
    for aid in imported[:10]:
        activities.restore_activity(Activity.get_by_id(aid))

    expected = oracle_facts(path)
    assert len(expected) > 40  # the comparison covers many people with history
    assert {row[1] is not None for row in expected.values()} == {True, False}  # some have inbound
    assert normalised(stored_facts(ids)) == normalised(expected)
