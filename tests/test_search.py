"""Stream search is exact: the matching, non-deleted activities, newest first, page after page."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from crm.db import db
from crm.models import Activity, ActivityContact, Company, Contact, ContactTag, Tag
from crm.services import activities, search, stream
from importers.base import name_key
from tests.conftest import soup
from tests.search_helpers import index_drift, matches, order_key, tokens

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
WORDS = (
    "pricing proposal procurement prize renewal budget coffee demo deal summary near "
    "café Zoë naïve Ärger über"
).split()
QUERIES = (
    "pricing", "pr", "PRICING renewal", "renew", "café", "CAF", "Zoë", "nai", "über", "ÄR",
    "deal deal", "summary:pricing", 'near("coffee" demo)', "zz", "p", "coffee demo pr",
)  # fmt: skip


def drift() -> dict:
    return index_drift(db.connection())


def person(name, **fields) -> Contact:
    return Contact.create(full_name=name, name_key=name_key(name), **fields)


def add(at: dt.datetime, text: str, contacts: list[Contact], kind: str = "message", summary=None):
    activity = Activity.create(
        kind=kind, occurred_at=at, origin="imported", source="test", summary=summary or text[:30], body=text
    )
    for c in contacts:
        ActivityContact.create(activity=activity, contact=c, occurred_at=at)
    return activity


@pytest.fixture
def world(database):
    """~300 activities with clashing times, ids out of time order, some in the trash."""
    rng = random.Random(5)
    acme, globex = (
        Company.create(name="Acme", name_key="acme"),
        Company.create(name="Globex", name_key="globex"),
    )
    vip = Tag.create(name="VIP")
    people = [
        person(
            f"Person {i}", stage=("lead", "customer", "partner")[i % 3], company=(acme, globex, None)[i % 3]
        )
        for i in range(8)
    ]
    for c in people[::2]:
        ContactTag.create(contact=c, tag=vip)
    base = dt.datetime(2025, 6, 1, 12)
    stamps = [base - dt.timedelta(hours=rng.randrange(0, 24 * 90)) for _ in range(40)]
    # Fractions inside one second, and instants outside the key's range.
    stamps += [base.replace(microsecond=m) for m in (0, 1, 500_000, 999_999)]
    stamps += [dt.datetime(1965, 5, 5), dt.datetime(1970, 1, 1), dt.datetime(2200, 1, 1, 0, 0, 0, 5)]
    made = []
    for n in range(300):
        # Later inserts reuse earlier instants: equal timestamps, ids out of time order.
        at = rng.choice(stamps) if n % 3 else base - dt.timedelta(minutes=rng.randrange(0, 200_000))
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 7)))
        summary = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 3)))
        linked = rng.sample(people, rng.choice((1, 1, 2)))
        made.append(add(at, text, linked, kind=rng.choice(("message", "call", "note")), summary=summary))
    for a in rng.sample(made, 30):
        Activity.update(deleted_at=base).where(Activity.id == a.id).execute()
    return {"people": people, "acme": acme, "vip": vip}


def day_start(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)


def expected(q: str, f: stream.StreamFilters, tz: ZoneInfo) -> list[int]:
    """A brute-force search over every activity, in the order the stream promises."""
    links: dict[int, list[Contact]] = {}
    for link in ActivityContact.select(ActivityContact, Contact).join(Contact):
        links.setdefault(link.activity_id, []).append(link.contact)
    tagged = {ct.contact_id for ct in ContactTag.select().join(Tag).where(Tag.name == f.tag)}
    out = []
    for a in Activity.select().where(Activity.deleted_at.is_null()):
        people = links.get(a.id, [])
        if not matches(q, tokens(a.summary, a.body)):
            continue
        if f.kind and a.kind != f.kind:
            continue
        if f.contact_id and f.contact_id not in [c.id for c in people]:
            continue
        who = [
            c
            for c in people
            if (not f.stage or c.stage == f.stage)
            and (not f.company_id or c.company_id == f.company_id)
            and (not f.tag or c.id in tagged)
        ]
        if (f.stage or f.company_id or f.tag) and not who:
            continue
        if f.start and a.occurred_at < day_start(f.start, tz):
            continue
        if f.end and a.occurred_at >= day_start(f.end + dt.timedelta(days=1), tz):
            continue
        out.append(a)
    out.sort(key=lambda a: order_key(a.occurred_at, a.id), reverse=True)
    return [a.id for a in out]


def every_page(f: stream.StreamFilters, tz: ZoneInfo, per_page: int = 7) -> list[int]:
    seen, cursor = [], None
    for _ in range(200):
        page = stream.list_stream(f, tz, cursor, per_page=per_page)
        assert len(page.entries) <= per_page
        seen += [e.activity.id for e in page.entries]
        cursor = page.cursor
        if not cursor:
            return seen
    raise AssertionError("the pages never end")


def filter_sets(world) -> list[tuple[dict, ZoneInfo]]:
    people = world["people"]
    return [
        ({}, UTC),
        ({"kind": "call"}, UTC),
        ({"tag": "VIP"}, UTC),
        ({"stage": "customer"}, UTC),
        ({"contact_id": people[3].id}, UTC),
        ({"company_id": world["acme"].id}, UTC),
        ({"start": dt.date(2025, 4, 1), "end": dt.date(2025, 5, 15)}, BERLIN),
        ({"end": dt.date(1969, 12, 31)}, UTC),
        ({"start": dt.date(2025, 6, 1), "end": dt.date(2025, 6, 1)}, UTC),
        ({"contact_id": people[0].id, "start": dt.date(2025, 5, 1)}, UTC),
        ({"tag": "VIP", "kind": "message", "stage": "lead"}, UTC),
    ]


PLANS = {
    "probe": {"PROBE_BUDGET": 10**9},
    "scan": {"PROBE_BUDGET": 0, "SCAN_BUDGET": 10**9},
    "gather": {"PROBE_BUDGET": 0, "SCAN_BUDGET": 0},
}


@pytest.mark.parametrize("plan", PLANS)
def test_search_pages_are_exactly_the_matches_newest_first_with_every_filter(world, monkeypatch, plan):
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(stream, name, value)
    assert stream._contact_plan(world["people"][0].id, '"pricing"') == plan
    assert drift() == {}
    checked = 0
    for q in QUERIES:
        for fields, tz in filter_sets(world):
            f = stream.StreamFilters(q=q, **fields)
            want = expected(q, f, tz)
            assert every_page(f, tz) == want, (q, fields)
            checked += bool(want)
    assert checked > 60  # most combinations find something, so order and paging are exercised


def test_search_orders_one_second_by_id_and_clamps_out_of_range_instants(world):
    got = every_page(stream.StreamFilters(q="pr"), UTC, per_page=30)
    rows = {a.id: a for a in Activity.select().where(Activity.id.in_(got))}
    keys = [order_key(rows[i].occurred_at, i) for i in got]
    assert keys == sorted(keys, reverse=True)
    # The same second with different fractions is ordered by id, not by the fraction.
    same = [i for i in got if rows[i].occurred_at.replace(microsecond=0) == dt.datetime(2025, 6, 1, 12)]
    assert len({rows[i].occurred_at for i in same}) > 1 and same == sorted(same, reverse=True)
    # 2200 clamps to the last key second (first), 1965 and 1970 to second 0 (last), each by id.
    assert rows[got[0]].occurred_at.year == 2200
    assert {rows[i].occurred_at.year for i in got[-3:]} <= {1965, 1970}


def test_index_keys_follow_the_documented_formula(database):
    c = person("Key Person")
    cases = {
        dt.datetime(2024, 3, 4, 5, 6, 7, 999_999): 1709528767,
        dt.datetime(1970, 1, 1, 0, 0, 1): 1,
        dt.datetime(1969, 12, 31, 23, 59, 59, 999_999): 0,
        dt.datetime(1901, 1, 1): 0,
        dt.datetime(2106, 2, 7, 6, 28, 15): 2**32 - 1,
        dt.datetime(9999, 12, 31, 23, 59, 59): 2**32 - 1,
    }
    for at, seconds in cases.items():
        a = add(at, f"keyword{seconds}", [c])
        assert search.search_key(at, a.id) == seconds * 2**31 + a.id
        key = db.execute_sql(
            "SELECT rowid FROM activity_search WHERE activity_search MATCH ?", (f"keyword{seconds}",)
        ).fetchall()
        assert (seconds * 2**31 + a.id,) in key
    assert drift() == {}


def test_edits_trash_restore_and_hard_deletes_keep_search_exact(client, world):
    people = world["people"]
    a = activities.log_touch(
        [people[1].id], "note", "Quarterly pricing talk", occurred_at=dt.datetime(2024, 1, 2, 3, 4, 5)
    )
    f = stream.StreamFilters(q="quarterly")
    assert every_page(f, UTC) == [a.id]
    activities.update_activity(
        a, kind="note", direction=None, text="Yearly budget talk", occurred_at=dt.datetime(2025, 7, 1, 9)
    )
    assert every_page(f, UTC) == []
    assert every_page(stream.StreamFilters(q="yearly"), UTC) == [a.id]
    assert every_page(stream.StreamFilters(q="yearly", start=dt.date(2025, 7, 1)), UTC) == [a.id]
    assert every_page(stream.StreamFilters(q="yearly", end=dt.date(2025, 6, 30)), UTC) == []
    assert drift() == {}
    activities.delete_activity(Activity.get_by_id(a.id))
    assert every_page(stream.StreamFilters(q="yearly"), UTC) == []
    activities.restore_activity(Activity.get_by_id(a.id))
    assert every_page(stream.StreamFilters(q="yearly"), UTC) == [a.id]
    # Direct writes go through the triggers too: a new time alone, a new body alone, a delete.
    some = list(Activity.select().order_by(Activity.id).limit(40))
    for n, row in enumerate(some[:20]):
        Activity.update(occurred_at=row.occurred_at - dt.timedelta(days=n, microseconds=n)).where(
            Activity.id == row.id
        ).execute()
    for row in some[20:30]:
        Activity.update(body=row.body + " extra pricing").where(Activity.id == row.id).execute()
    Activity.delete().where(Activity.id.in_([r.id for r in some[30:]])).execute()
    assert drift() == {}
    for q in ("pricing", "pr", "extra"):
        for fields, tz in filter_sets(world)[:3]:
            f = stream.StreamFilters(q=q, **fields)
            assert every_page(f, tz) == expected(q, f, tz), (q, fields)


def test_hostile_queries_never_error(client, world):
    hostile = (
        '"', '""', "'", "*", "pr*", '"pricing', 'pricing"', "NEAR(pricing demo", "pricing OR demo",
        "NOT pricing", "-pricing", "^pricing", "summary:pricing", "{summary body}: pricing", "body : x",
        "a" * 300, "x " * 50, "日本語", "😀 pricing", "Zoë\u0301", "pricing\x00demo", "%", "_", "pri_ci",
        "AND", "OR OR OR", "(", ")", "pricing)", "+", "[", "\\", "café's", "🙂",
    )  # fmt: skip
    for q in hostile:
        for url in ("/stream/", "/stream/page"):
            response = client.get(url, query_string={"q": q})
            assert response.status_code == 200, (url, q)
    page = soup(client.get("/stream/", query_string={"q": "NEAR(pricing demo"}))
    want = expected("NEAR(pricing demo", stream.StreamFilters(), UTC)
    assert [e["id"] for e in page.select("#stream-results .entry")] == [f"activity-{i}" for i in want[:30]]


def test_bad_cursors_start_over_instead_of_failing(client, world):
    first = stream.list_stream(stream.StreamFilters(q="pr"), UTC, per_page=30)
    for cursor in (
        "2025-01-01T00:00:00_99999999999999999999999",
        "2025-01-01T00:00:00_-5",
        "2025-01-01T00:00:00+05:00_10",
        "nonsense",
        "9999-12-31T23:59:59_3",
    ):
        response = client.get("/stream/page", query_string={"q": "pr", "cursor": cursor})
        assert response.status_code == 200, cursor
    aware = stream.list_stream(stream.StreamFilters(q="pr"), UTC, "2025-06-01T14:00:00+02:00_1", per_page=30)
    naive = stream.list_stream(stream.StreamFilters(q="pr"), UTC, "2025-06-01T12:00:00_1", per_page=30)
    assert [e.activity.id for e in aware.entries] == [e.activity.id for e in naive.entries]
    assert first.entries and first.cursor


def test_a_prefix_with_no_indexed_term_answers_without_searching(world):
    assert search.match_expression("pricing zzzq") is search.NO_MATCH
    assert every_page(stream.StreamFilters(q="pricing zzzq"), UTC) == []
    assert search.match_expression("PRICING Prop") == '"PRICING" AND ("proposal")'
    # Non-ASCII last words are left to FTS5's own prefix query, which folds them itself.
    assert search.match_expression("caf ÄR") == '"caf" "ÄR"*'
    assert search.match_expression("   ") == ""
