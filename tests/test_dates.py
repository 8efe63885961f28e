"""Natural dates, recurrence and snooze presets, across time zones, DST and month ends."""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crm.dates import (
    DateParseError,
    When,
    describe,
    describe_rrule,
    local_today,
    make_rrule,
    next_occurrence,
    parse_when,
    relative_days,
    snooze_until,
    start_of_local_day,
    to_local,
    validate_rrule,
)

ROOT = Path(__file__).resolve().parents[1]
UTC_TZ = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
ZONES = [UTC_TZ, BERLIN, NEW_YORK, AUCKLAND]
# Monday 2026-11-23 10:00 UTC: still Monday in New York (05:00) and Auckland (23:00).
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

ALL_DAY = None
# text, expected local date, expected local time (None = all-day), for every zone at NOW.
FORMS = [
    ("today", date(2026, 11, 23), ALL_DAY),
    ("Today", date(2026, 11, 23), ALL_DAY),
    ("tonight", date(2026, 11, 23), time(20, 0)),
    ("tomorrow", date(2026, 11, 24), ALL_DAY),
    ("yesterday", date(2026, 11, 22), ALL_DAY),
    ("yesterday 3pm", date(2026, 11, 22), time(15, 0)),
    ("tomorrow 9:30", date(2026, 11, 24), time(9, 30)),
    ("tomorrow at 9", date(2026, 11, 24), time(9, 0)),
    ("9am tomorrow", date(2026, 11, 24), time(9, 0)),
    ("fri", date(2026, 11, 27), ALL_DAY),
    ("friday", date(2026, 11, 27), ALL_DAY),
    ("mon", date(2026, 11, 30), ALL_DAY),
    ("this mon", date(2026, 11, 23), ALL_DAY),
    ("last fri", date(2026, 11, 20), ALL_DAY),
    ("next friday", date(2026, 12, 4), ALL_DAY),
    ("next fri 9am", date(2026, 12, 4), time(9, 0)),
    ("next friday 9am", date(2026, 12, 4), time(9, 0)),
    ("next week", date(2026, 11, 30), ALL_DAY),
    ("next month", date(2026, 12, 1), ALL_DAY),
    ("next year", date(2027, 1, 1), ALL_DAY),
    ("in 2 weeks", date(2026, 12, 7), ALL_DAY),
    ("in 3 days", date(2026, 11, 26), ALL_DAY),
    ("in a week", date(2026, 11, 30), ALL_DAY),
    ("in 1 month", date(2026, 12, 23), ALL_DAY),
    ("3 days ago", date(2026, 11, 20), ALL_DAY),
    ("in 3 days 9am", date(2026, 11, 26), time(9, 0)),
    ("in 2 weeks at 10:30", date(2026, 12, 7), time(10, 30)),
    ("end of month", date(2026, 11, 30), ALL_DAY),
    ("end of week", date(2026, 11, 27), ALL_DAY),
    ("2026-12-01", date(2026, 12, 1), ALL_DAY),
    ("2026-12-01 14:00", date(2026, 12, 1), time(14, 0)),
    ("2026-12-01T14:00", date(2026, 12, 1), time(14, 0)),
    ("12/1", date(2026, 12, 1), ALL_DAY),
    ("1/12", date(2026, 1, 12), ALL_DAY),
    ("1 dec", date(2026, 12, 1), ALL_DAY),
    ("dec 1", date(2026, 12, 1), ALL_DAY),
    ("dec 1 3pm", date(2026, 12, 1), time(15, 0)),
    ("December 1st 2027", date(2027, 12, 1), ALL_DAY),
    ("3pm", date(2026, 11, 23), time(15, 0)),
    ("15:45", date(2026, 11, 23), time(15, 45)),
    ("noon", date(2026, 11, 23), time(12, 0)),
]


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize(("text", "day", "clock"), FORMS, ids=[f[0] for f in FORMS])
def test_parse_when_reads_each_form_in_the_owners_zone(text, day, clock, tz):
    when = parse_when(text, NOW, tz)
    assert when.local.date() == day
    assert when.all_day is (clock is None)
    assert when.local.time() == (clock or time(0, 0))
    assert when.at.tzinfo == UTC
    assert when.at == when.local
    assert when.local.utcoffset() == when.local.astimezone(tz).utcoffset()


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_now_and_in_hours_are_exact_moments(tz):
    assert parse_when("now", NOW, tz).at == NOW
    assert parse_when("in 2 hours", NOW, tz) == When(
        at=NOW + timedelta(hours=2), all_day=False, local=(NOW + timedelta(hours=2)).astimezone(tz)
    )
    assert parse_when("in 30 minutes", NOW, tz).at == NOW + timedelta(minutes=30)


def test_today_follows_the_owners_date_not_utcs():
    late_utc = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already Tuesday in Berlin
    assert parse_when("today", late_utc, BERLIN).local.date() == date(2026, 11, 24)
    assert parse_when("today", late_utc, NEW_YORK).local.date() == date(2026, 11, 23)
    assert parse_when("today", NOW, AUCKLAND).at == datetime(2026, 11, 22, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("12/1", False, date(2026, 12, 1)),
        ("12/1", True, date(2026, 1, 12)),
        ("1/12", False, date(2026, 1, 12)),
        ("1/12", True, date(2026, 12, 1)),
        ("2026-12-01", True, date(2026, 12, 1)),
        ("2026-12-01", False, date(2026, 12, 1)),
        ("25/12", True, date(2026, 12, 25)),
        ("dec 1", True, date(2026, 12, 1)),
    ],
)
def test_dayfirst_decides_numeric_dates_but_never_iso(text, dayfirst, expected):
    assert parse_when(text, NOW, UTC_TZ, dayfirst=dayfirst).local.date() == expected


def test_default_time_places_all_day_dates():
    when = parse_when("tomorrow", NOW, BERLIN, default_time=time(9, 0))
    assert when.all_day is True
    assert when.local == datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
    assert parse_when("tomorrow 3pm", NOW, BERLIN, default_time=time(9, 0)).local.hour == 15


@pytest.mark.parametrize(
    ("now", "tz", "text", "expected_utc"),
    [
        # New York springs forward on Sunday 2026-03-08.
        (datetime(2026, 3, 7, 15, tzinfo=UTC), NEW_YORK, "tomorrow 9am", datetime(2026, 3, 8, 13)),
        (datetime(2026, 3, 7, 15, tzinfo=UTC), NEW_YORK, "tomorrow", datetime(2026, 3, 8, 5)),
        # Berlin falls back on Sunday 2026-10-25.
        (datetime(2026, 10, 24, 8, tzinfo=UTC), BERLIN, "tomorrow 9am", datetime(2026, 10, 25, 8)),
        (datetime(2026, 10, 24, 8, tzinfo=UTC), BERLIN, "in 3 days", datetime(2026, 10, 26, 23)),
        (datetime(2026, 10, 24, 8, tzinfo=UTC), BERLIN, "in 2 hours", datetime(2026, 10, 24, 10)),
    ],
)
def test_wall_clock_times_survive_dst_changes(now, tz, text, expected_utc):
    assert parse_when(text, now, tz).at == expected_utc.replace(tzinfo=UTC)


def test_a_time_in_the_spring_forward_gap_moves_forward():
    now = datetime(2026, 3, 7, 15, tzinfo=UTC)
    assert parse_when("tomorrow 2:30am", now, NEW_YORK).local.hour == 3


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (datetime(2027, 1, 31, 12, tzinfo=UTC), "in 1 month", date(2027, 2, 28)),
        (datetime(2028, 1, 31, 12, tzinfo=UTC), "in 1 month", date(2028, 2, 29)),
        (datetime(2026, 3, 31, 12, tzinfo=UTC), "in 1 month", date(2026, 4, 30)),
        (datetime(2028, 2, 10, 12, tzinfo=UTC), "end of month", date(2028, 2, 29)),
        (datetime(2026, 12, 15, 12, tzinfo=UTC), "next month", date(2027, 1, 1)),
        (datetime(2028, 2, 10, 12, tzinfo=UTC), "feb 29", date(2028, 2, 29)),
    ],
)
def test_month_ends_clamp_like_a_calendar(now, text, expected):
    assert parse_when(text, now, UTC_TZ).local.date() == expected


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2026, 11, 27), "fri", date(2026, 12, 4)),  # today never counts for a bare weekday
        (date(2026, 11, 27), "this fri", date(2026, 11, 27)),
        (date(2026, 11, 26), "fri", date(2026, 11, 27)),
        (date(2026, 11, 26), "next fri", date(2026, 12, 4)),
        (date(2026, 11, 29), "next week", date(2026, 11, 30)),
        (date(2026, 11, 28), "end of week", date(2026, 12, 4)),
        (date(2026, 11, 27), "end of week", date(2026, 11, 27)),
    ],
)
def test_weekday_readings(today, text, expected):
    now = datetime.combine(today, time(12), tzinfo=UTC)
    assert parse_when(text, now, UTC_TZ).local.date() == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "banana", "32/13", "next blursday", "blursday", "5", "2026", "dec", "dec 2027",
     "feb 29", "13pm", "25:00", "in 3 bananas", "2026-02-30", "tomorrow banana", "12/1 EST",
     "today is a good day"],
)  # fmt: skip
def test_unparseable_input_is_an_error_never_a_guess(text):
    with pytest.raises(DateParseError) as err:
        parse_when(text, NOW, BERLIN)
    assert str(err.value)
    assert isinstance(err.value, ValueError)


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        parse_when("today", datetime(2026, 11, 23), UTC_TZ)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (parse_when("dec 1", NOW, BERLIN), "Tue 1 Dec"),
        (parse_when("dec 1 9am", NOW, BERLIN), "Tue 1 Dec, 09:00"),
        (parse_when("December 1st 2027", NOW, BERLIN), "Wed 1 Dec 2027"),
        (parse_when("tomorrow", NOW, BERLIN, default_time=time(9)), "Tue 24 Nov"),
        (datetime(2026, 12, 1, 8, tzinfo=UTC), "Tue 1 Dec, 09:00"),
        (datetime(2026, 11, 30, 23, tzinfo=UTC), "Tue 1 Dec"),
    ],
)
def test_describe_echoes_briefly(when, expected):
    assert describe(when, BERLIN, NOW) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), "today"),
        (date(2026, 11, 24), "tomorrow"),
        (date(2026, 11, 22), "yesterday"),
        (date(2026, 11, 26), "in 3 days"),
        (date(2026, 11, 21), "2 days ago"),
    ],
)
def test_relative_days(day, expected):
    assert relative_days(day, date(2026, 11, 23)) == expected


def test_local_day_helpers():
    assert local_today(NOW, AUCKLAND) == date(2026, 11, 23)
    assert local_today(datetime(2026, 11, 23, 12, tzinfo=UTC), AUCKLAND) == date(2026, 11, 24)
    assert to_local(NOW, NEW_YORK).hour == 5
    assert start_of_local_day(date(2026, 11, 23), BERLIN) == datetime(2026, 11, 22, 23, tzinfo=UTC)
    assert start_of_local_day(date(2026, 3, 8), NEW_YORK) == datetime(2026, 3, 8, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "kwargs", "rule", "words"),
    [
        ((1, "day"), {}, "FREQ=DAILY;INTERVAL=1", "Every day"),
        ((3, "day"), {}, "FREQ=DAILY;INTERVAL=3", "Every 3 days"),
        ((1, "week"), {}, "FREQ=WEEKLY;INTERVAL=1", "Every week"),
        ((2, "week"), {}, "FREQ=WEEKLY;INTERVAL=2", "Every 2 weeks"),
        ((1, "week"), {"weekday": 4}, "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR", "Weekly on Friday"),
        ((2, "week"), {"weekday": 0}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "Every 2 weeks on Monday"),
        ((1, "month"), {}, "FREQ=MONTHLY;INTERVAL=1", "Every month"),
        ((1, "month"), {"monthday": 31}, "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=31",
         "Monthly on day 31"),
        ((3, "month"), {"monthday": 15}, "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15",
         "Every 3 months on day 15"),
        ((1, "month"), {"monthday": -1}, "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=-1",
         "Monthly on the last day"),
    ],
)  # fmt: skip
def test_rrule_round_trip(args, kwargs, rule, words):
    assert make_rrule(*args, **kwargs) == rule
    assert describe_rrule(rule) == words
    assert validate_rrule(rule.lower()) == rule
    assert validate_rrule("RRULE:" + rule) == rule


def test_describe_rrule_with_several_weekdays():
    assert describe_rrule("FREQ=WEEKLY;BYDAY=FR,MO") == "Weekly on Monday and Friday"
    assert validate_rrule("FREQ=WEEKLY;BYDAY=FR,MO") == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,FR"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0, "day"), {}),
        ((-1, "week"), {}),
        ((True, "week"), {}),
        ((1, "year"), {}),
        ((1, "day"), {"weekday": 4}),
        ((1, "week"), {"weekday": 7}),
        ((1, "week"), {"monthday": 3}),
        ((1, "month"), {"monthday": 32}),
        ((1, "month"), {"monthday": 0}),
    ],
)
def test_make_rrule_rejects_nonsense(args, kwargs):
    with pytest.raises(DateParseError):
        make_rrule(*args, **kwargs)


@pytest.mark.parametrize(
    "rule",
    ["", "banana", "FREQ=YEARLY", "FREQ=HOURLY;INTERVAL=1", "FREQ=DAILY;COUNT=3",
     "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=x", "FREQ=WEEKLY;BYDAY=XX",
     "FREQ=WEEKLY;BYDAY=1FR", "FREQ=DAILY;BYDAY=FR", "FREQ=MONTHLY;BYMONTHDAY=32",
     "FREQ=MONTHLY;BYMONTHDAY=-2", "FREQ=WEEKLY;FREQ=DAILY", "FREQ", "INTERVAL=2"],
)  # fmt: skip
def test_unsupported_or_garbage_rules_are_rejected(rule):
    with pytest.raises(DateParseError):
        describe_rrule(rule)
    with pytest.raises(DateParseError):
        next_occurrence(rule, NOW, NOW, UTC_TZ)


def _series(rule, dtstart, tz, n):
    out, at = [], dtstart
    for _ in range(n):
        at = next_occurrence(rule, at, dtstart, tz)
        out.append(at.astimezone(tz))
    return out


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months():
    start = datetime(2027, 1, 31, 9, tzinfo=NEW_YORK).astimezone(UTC)
    series = _series("FREQ=MONTHLY;BYMONTHDAY=31", start, NEW_YORK, 4)
    assert [d.date() for d in series] == [
        date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31)
    ]  # fmt: skip
    assert {d.time() for d in series} == {time(9, 0)}


def test_monthly_without_a_day_keeps_dtstarts_day_in_a_leap_year():
    start = datetime(2028, 1, 30, 9, tzinfo=BERLIN).astimezone(UTC)
    series = _series("FREQ=MONTHLY", start, BERLIN, 3)
    assert [d.date() for d in series] == [date(2028, 2, 29), date(2028, 3, 30), date(2028, 4, 30)]


def test_weekly_keeps_nine_oclock_across_dst():
    start = datetime(2026, 10, 16, 9, tzinfo=BERLIN).astimezone(UTC)  # Friday, summer time
    series = _series("FREQ=WEEKLY;BYDAY=FR", start, BERLIN, 3)
    assert [d.date() for d in series] == [date(2026, 10, 23), date(2026, 10, 30), date(2026, 11, 6)]
    assert {d.time() for d in series} == {time(9, 0)}
    assert series[0].utcoffset() != series[1].utcoffset()


def test_daily_across_new_york_spring_forward():
    start = datetime(2026, 3, 6, 9, tzinfo=NEW_YORK).astimezone(UTC)
    series = _series("FREQ=DAILY;INTERVAL=1", start, NEW_YORK, 3)
    assert [d.astimezone(UTC).hour for d in series] == [14, 13, 13]
    assert {d.time() for d in series} == {time(9, 0)}


def test_next_occurrence_before_the_start_is_the_start_and_is_strictly_after():
    start = datetime(2026, 12, 4, 8, tzinfo=UTC)  # a Friday
    rule = "FREQ=WEEKLY;BYDAY=FR"
    assert next_occurrence(rule, NOW, start, UTC_TZ) == start
    assert next_occurrence(rule, start, start, UTC_TZ) == start + timedelta(weeks=1)
    assert next_occurrence("FREQ=WEEKLY;INTERVAL=2", start, start, UTC_TZ) == start + timedelta(weeks=2)


@pytest.mark.parametrize(
    ("preset", "now", "tz", "expected_local"),
    [
        ("later_today", NOW, BERLIN, datetime(2026, 11, 23, 14, 0)),
        ("later_today", datetime(2026, 11, 23, 19, tzinfo=UTC), BERLIN, datetime(2026, 11, 24, 9)),
        ("later_today", NOW, AUCKLAND, datetime(2026, 11, 24, 9)),
        ("tomorrow", NOW, BERLIN, datetime(2026, 11, 24, 9)),
        ("tomorrow", NOW, AUCKLAND, datetime(2026, 11, 24, 9)),
        ("next_week", NOW, NEW_YORK, datetime(2026, 11, 30, 9)),
        ("next_week", datetime(2026, 11, 29, 12, tzinfo=UTC), NEW_YORK, datetime(2026, 11, 30, 9)),
        ("next_month", NOW, BERLIN, datetime(2026, 12, 23, 9)),
        ("next_month", datetime(2027, 1, 31, 12, tzinfo=UTC), BERLIN, datetime(2027, 2, 28, 9)),
        ("tomorrow", datetime(2026, 3, 7, 15, tzinfo=UTC), NEW_YORK, datetime(2026, 3, 8, 9)),
    ],
)
def test_snooze_presets(preset, now, tz, expected_local):
    until = snooze_until(preset, now, tz)
    assert until.tzinfo == UTC
    assert until.astimezone(tz).replace(tzinfo=None) == expected_local
    assert until > now


def test_unknown_snooze_preset():
    with pytest.raises(DateParseError):
        snooze_until("someday", NOW, UTC_TZ)
