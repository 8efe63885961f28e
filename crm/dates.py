"""Natural-language dates, RFC 5545 recurrence and snooze presets, in the owner's time zone.

Pure functions: aware UTC datetimes in, aware UTC datetimes out; "today" is the owner's today.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as du_parser
from dateutil import rrule as du_rrule
from dateutil.relativedelta import relativedelta

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RRULE_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# "tonight" is a timed follow-up, not an all-day one: early evening is when people mean it.
TONIGHT = time(20, 0)
# Snoozed items come back at the start of a working day.
SNOOZE_MORNING = time(9, 0)
SNOOZE_LATER_TODAY_HOURS = 3
# "Later today" past this local hour rolls over to tomorrow morning rather than the small hours.
SNOOZE_LATER_TODAY_LATEST = time(21, 0)

_WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_UNITS = {
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "mo": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "year": "years", "years": "years",
}  # fmt: skip
_TIME_RE = re.compile(
    r"(?:(?:at|@)\s+)?(?:(?P<noon>noon|midday|midnight)"
    r"|(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?)"
)
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?)?")
_IN_RE = re.compile(r"in\s+(?P<n>\d+|an?)\s+(?P<unit>[a-z]+)")
_AGO_RE = re.compile(r"(?P<n>\d+|an?)\s+(?P<unit>[a-z]+)\s+ago")


class DateParseError(ValueError):
    """A date or recurrence the owner typed that we do not understand; the message says why."""


@dataclass(frozen=True)
class When:
    """A parsed moment: `at` in UTC, `local` in the owner's zone; all-day if no time was given."""

    at: datetime
    all_day: bool
    local: datetime


def to_local(dt_utc: datetime, tz: ZoneInfo) -> datetime:
    """Convert an aware datetime to the owner's time zone."""
    _require_aware(dt_utc)
    return dt_utc.astimezone(tz)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """The owner's calendar date at `now`."""
    return to_local(now, tz).date()


def start_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day`, as an aware UTC datetime."""
    return _local_to_utc(day, time(0, 0), tz)


def span(days: int) -> str:
    """A stretch of days in words, the same on every page and in every reason: '1 day',
    '19 days', then months from 60 days ('3 months') and years from two years ('2 years')."""
    if days < 60:
        return "1 day" if days == 1 else f"{days} days"
    if days < 730:
        return f"{days // 30} months"
    return f"{days // 365} years"


def days_ago(days: int) -> str:
    """How long ago, in the one wording every page and reason uses: 'today', 'yesterday',
    '19 days ago', '3 months ago'; a day still to come is 'tomorrow' or 'in 3 days'."""
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days == -1:
        return "tomorrow"
    if days < 0:
        return f"in {-days} days"
    return f"{span(days)} ago"


def relative_days(day: date, today: date) -> str:
    """A date relative to today: 'today', 'tomorrow', 'in 3 days', '2 days ago' (`days_ago`)."""
    return days_ago((today - day).days)


def describe(when: When | datetime, tz: ZoneInfo, now: datetime) -> str:
    """Short echo of a moment before saving: 'Tue 1 Dec', 'Tue 1 Dec, 09:00', 'Wed 1 Dec 2027'."""
    if isinstance(when, When):
        local, all_day = to_local(when.at, tz), when.all_day
    else:
        local = to_local(when, tz)
        all_day = local.time() == time(0, 0)
    text = f"{local:%a} {local.day} {local:%b}"
    if local.year != local_today(now, tz).year:
        text += f" {local.year}"
    if not all_day:
        text += f", {local:%H:%M}"
    return text


def parse_when(
    text: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    dayfirst: bool = False,
    default_time: time | None = None,
    past: bool = False,
) -> When:
    """Parse what the owner typed ("tomorrow 9am", "next fri", "in 2 weeks", "12/1") into a When.

    Readings chosen on purpose:
    - a bare weekday ("fri") is the next such day after today; today never counts ("today" does);
    - "this fri" is the coming Friday, today included; "last fri" is the most recent before today;
    - "next fri" is the Friday of next week (Mon-Sun weeks), matching "next week" = next Monday;
    - "next month" is the 1st of next month, "end of week" the coming Friday (today included);
    - a date without a year ("dec 1", "12/1") is in the owner's current year, even if passed;
    - a date without a time is all-day at local midnight, or at `default_time` if given;
    - a wall time that does not exist (DST gap) moves forward by the gap.

    With `past=True` (something that already happened, like a touch) a bare weekday ("fri",
    "mon 10:30") is the most recent such day instead: today if it is that day and the moment
    has passed, otherwise the one before.
    """
    _require_aware(now)
    cleaned = " ".join(text.strip().lower().rstrip(".!").split())
    if not cleaned:
        raise DateParseError("Type a date, like “tomorrow”, “next fri 9am” or “2026-12-01”.")
    today = local_today(now, tz)

    if cleaned == "now":
        return _when_exact(now, tz)
    exact = _parse_duration(cleaned, now, tz)
    if exact is not None:
        return exact

    day, clock = _split_time(cleaned)
    if day is not None:
        target = _parse_relative_day(day, today) if day else today
        if target is None:
            target, parsed_clock = _parse_absolute(day, today, dayfirst)
            clock = clock or parsed_clock
        if clock is None and day == "tonight":
            clock = TONIGHT
        if past and day in _WEEKDAYS:
            target = today - timedelta(days=(today.weekday() - _WEEKDAYS[day]) % 7)
        if clock is not None:
            when = _when_local(target, clock, tz, all_day=False)
        else:
            when = _when_local(target, default_time or time(0, 0), tz, all_day=True)
        if past and day in _WEEKDAYS and when.at > now:
            return _when_local(
                target - timedelta(days=7), clock or default_time or time(0, 0), tz, all_day=clock is None
            )
        return when
    target, clock = _parse_absolute(cleaned, today, dayfirst)
    if clock is not None:
        return _when_local(target, clock, tz, all_day=False)
    return _when_local(target, default_time or time(0, 0), tz, all_day=True)


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("expected an aware datetime (UTC), got a naive one")


def _local_to_utc(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _when_exact(at: datetime, tz: ZoneInfo) -> When:
    at = at.astimezone(UTC)
    return When(at=at, all_day=False, local=at.astimezone(tz))


def _when_local(day: date, clock: time, tz: ZoneInfo, *, all_day: bool) -> When:
    at = _local_to_utc(day, clock, tz)
    return When(at=at, all_day=all_day, local=at.astimezone(tz))


def _count(word: str) -> int:
    return 1 if word in ("a", "an") else int(word)


def _duration(text: str) -> tuple[str, int] | None:
    """('days', -3) for '3 days ago', ('hours', 2) for 'in 2 hours'; None if not a duration."""
    match = _IN_RE.fullmatch(text) or _AGO_RE.fullmatch(text)
    if match is None:
        return None
    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise DateParseError(f"I don't know the unit “{match['unit']}”; try days, weeks or months.")
    return unit, _count(match["n"]) * (1 if text.startswith("in ") else -1)


def _parse_duration(text: str, now: datetime, tz: ZoneInfo) -> When | None:
    """'in 2 hours' is an exact moment from now; day-sized durations are handled as days."""
    duration = _duration(text)
    if duration is None or duration[0] not in ("minutes", "hours"):
        return None
    unit, n = duration
    return _when_exact(now + timedelta(**{unit: n}), tz)


def _parse_clock(text: str) -> time | None:
    match = _TIME_RE.fullmatch(text)
    if match is None:
        return None
    if match["noon"]:
        return time(0, 0) if match["noon"] == "midnight" else time(12, 0)
    has_at = text.startswith(("at", "@"))
    if not (match["m"] or match["ampm"] or has_at):
        return None  # a bare number is a day, not an hour
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise DateParseError(f"“{text}” is not a time on a 12-hour clock.")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DateParseError(f"“{text}” is not a time of day.")
    return time(hour, minute)


def _is_day_phrase(text: str) -> bool:
    # Any reference date will do: only whether the words are a relative day matters here.
    return _parse_relative_day(text, date(2000, 1, 3)) is not None


def _split_time(text: str) -> tuple[str | None, time | None]:
    """Split a trailing or leading time off a relative day phrase; day None if none matched."""
    clock = _parse_clock(text)
    if clock is not None:
        return "", clock
    words = text.split()
    for cut in range(1, min(3, len(words)) + 1):
        head, tail = " ".join(words[:-cut]), " ".join(words[-cut:])
        clock = _parse_clock(tail)
        if clock is not None and _is_day_phrase(head):
            return head, clock
        head, tail = " ".join(words[cut:]), " ".join(words[:cut])
        clock = _parse_clock(tail)
        if clock is not None and _is_day_phrase(head):
            return head, clock
    if _is_day_phrase(text):
        return text, None
    return None, None


def _parse_relative_day(text: str, today: date) -> date | None:
    """Relative day words ("tomorrow", "next fri", "end of month"); None if not one of them."""
    if text in ("today", "tonight"):
        return today
    if text in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1)
    if text == "yesterday":
        return today - timedelta(days=1)
    duration = _duration(text)
    if duration is not None and duration[0] not in ("minutes", "hours"):
        return today + relativedelta(**{duration[0]: duration[1]})
    if text in _WEEKDAYS:
        return today + timedelta(days=(_WEEKDAYS[text] - today.weekday() - 1) % 7 + 1)
    first, _, rest = text.partition(" ")
    if first == "this" and rest in _WEEKDAYS:
        return today + timedelta(days=(_WEEKDAYS[rest] - today.weekday()) % 7)
    if first == "last" and rest in _WEEKDAYS:
        return today - timedelta(days=(today.weekday() - _WEEKDAYS[rest] - 1) % 7 + 1)
    if first == "next":
        next_monday = today + timedelta(days=7 - today.weekday())
        if rest in _WEEKDAYS:
            return next_monday + timedelta(days=_WEEKDAYS[rest])
        if rest == "week":
            return next_monday
        if rest == "month":
            return today.replace(day=1) + relativedelta(months=1)
        if rest == "year":
            return date(today.year + 1, 1, 1)
        if rest:
            raise DateParseError(f"I don't know “next {rest}”; try “next friday” or “next week”.")
    if text in ("end of week", "eow"):
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if text in ("end of month", "eom"):
        return today + relativedelta(day=31)
    if text in ("end of year", "eoy"):
        return date(today.year, 12, 31)
    return None


def _parse_absolute(text: str, today: date, dayfirst: bool) -> tuple[date, time | None]:
    """Calendar dates via ISO or dateutil's strict (never fuzzy) parser; a day is required."""
    if _ISO_RE.fullmatch(text):
        try:
            parsed = datetime.fromisoformat(text.upper())
        except ValueError as err:
            raise DateParseError(f"“{text}” is not a real date.") from err
        has_time = len(text) > 10
        return parsed.date(), parsed.time().replace(second=0) if has_time else None
    if text.isdigit():
        raise DateParseError(f"“{text}” on its own is ambiguous; add a month, like “dec {text}”.")
    try:
        # Only dateutil's own warning (an unknown zone name such as "EST") means "not understood";
        # turning every warning into an error would also catch unrelated ones raised meanwhile.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", du_parser.UnknownTimezoneWarning)
            first = du_parser.parse(text, default=datetime(2000, 1, 1), dayfirst=dayfirst)
            second = du_parser.parse(text, default=datetime(2004, 2, 2, 1, 1), dayfirst=dayfirst)
        if any(issubclass(w.category, du_parser.UnknownTimezoneWarning) for w in caught):
            raise ValueError("unknown time zone")
    except (ValueError, OverflowError) as err:
        raise DateParseError(
            f"I don't understand “{text}”; try “tomorrow 9am”, “next fri”, “in 2 weeks”, "
            "“dec 1” or “2026-12-01”."
        ) from err
    if first.tzinfo is not None or second.tzinfo is not None:
        raise DateParseError("Leave out the time zone; dates are read in your own time zone.")
    if first.month != second.month or first.day != second.day:
        raise DateParseError(f"“{text}” needs a day and a month, like “dec 1”.")
    year = first.year if first.year == second.year else today.year
    try:
        day = date(year, first.month, first.day)
    except ValueError as err:
        raise DateParseError(f"{first:%B} {first.day} does not exist in {year}.") from err
    clock = time(first.hour, first.minute) if first.hour == second.hour else None
    return day, clock


@dataclass(frozen=True)
class _Rule:
    freq: str
    interval: int
    byday: tuple[int, ...]
    bymonthday: int | None


_FREQS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month"}
_UNIT_FREQ = {unit: freq for freq, unit in _FREQS.items()}
_MAX_INTERVAL = 999


def make_rrule(every: int, unit: str, *, weekday: int | None = None, monthday: int | None = None) -> str:
    """RRULE text for "every N days/weeks/months" (weekday 0=Mon..6=Sun; monthday 1..31 or -1)."""
    if unit not in _UNIT_FREQ:
        raise DateParseError(f"Repeat unit must be day, week or month, not “{unit}”.")
    if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= _MAX_INTERVAL:
        raise DateParseError(f"Repeat every 1 to {_MAX_INTERVAL} {unit}s.")
    parts = [f"FREQ={_UNIT_FREQ[unit]}", f"INTERVAL={every}"]
    if weekday is not None:
        if unit != "week" or weekday not in range(7):
            raise DateParseError("A weekday (0=Monday..6=Sunday) only goes with a weekly repeat.")
        parts.append(f"BYDAY={RRULE_DAY_CODES[weekday]}")
    if monthday is not None:
        if unit != "month" or not (1 <= monthday <= 31 or monthday == -1):
            raise DateParseError("A day of the month (1..31, or -1 for last) goes with monthly.")
        parts.append(f"BYMONTHDAY={monthday}")
    return ";".join(parts)


def _parse_rule(rule: str) -> _Rule:
    """Validate the RRULE subset we write: FREQ, INTERVAL, BYDAY (weekly), BYMONTHDAY (monthly)."""
    text = rule.strip().upper().removeprefix("RRULE:")
    fields: dict[str, str] = {}
    for part in filter(None, text.split(";")):
        key, sep, value = part.partition("=")
        if not sep or not value or key in fields:
            raise DateParseError(f"Malformed recurrence rule “{rule}”.")
        fields[key] = value
    unknown = set(fields) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY"}
    if unknown:
        raise DateParseError(f"Unsupported recurrence part(s): {', '.join(sorted(unknown))}.")
    freq = fields.get("FREQ")
    if freq not in _FREQS:
        raise DateParseError(f"Recurrence must be daily, weekly or monthly (got “{rule}”).")
    interval_text = fields.get("INTERVAL", "1")
    if not interval_text.isdigit() or not 1 <= int(interval_text) <= _MAX_INTERVAL:
        raise DateParseError(f"Bad recurrence interval “{interval_text}”.")
    byday: tuple[int, ...] = ()
    if "BYDAY" in fields:
        codes = fields["BYDAY"].split(",")
        if freq != "WEEKLY" or any(code not in RRULE_DAY_CODES for code in codes):
            raise DateParseError(f"Unsupported BYDAY “{fields['BYDAY']}”.")
        byday = tuple(sorted({RRULE_DAY_CODES.index(code) for code in codes}))
    bymonthday = None
    if "BYMONTHDAY" in fields:
        value = fields["BYMONTHDAY"]
        if freq != "MONTHLY" or not re.fullmatch(r"-1|[1-9]|[12]\d|3[01]", value):
            raise DateParseError(f"Unsupported BYMONTHDAY “{value}”.")
        bymonthday = int(value)
    return _Rule(freq, int(interval_text), byday, bymonthday)


def validate_rrule(rule: str) -> str:
    """Return the rule in canonical form, or raise DateParseError if we do not support it."""
    parsed = _parse_rule(rule)
    parts = [f"FREQ={parsed.freq}", f"INTERVAL={parsed.interval}"]
    if parsed.byday:
        parts.append("BYDAY=" + ",".join(RRULE_DAY_CODES[d] for d in parsed.byday))
    if parsed.bymonthday is not None:
        parts.append(f"BYMONTHDAY={parsed.bymonthday}")
    return ";".join(parts)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_rrule(rule: str) -> str:
    """Plain words for a rule: 'Every 2 weeks', 'Weekly on Friday', 'Monthly on day 31'."""
    parsed = _parse_rule(rule)
    unit, n = _FREQS[parsed.freq], parsed.interval
    adverb = {"day": "Daily", "week": "Weekly", "month": "Monthly"}[unit]
    if parsed.byday:
        on = " on " + _join([WEEKDAY_NAMES[d] for d in parsed.byday])
    elif parsed.bymonthday == -1:
        on = " on the last day"
    elif parsed.bymonthday is not None:
        on = f" on day {parsed.bymonthday}"
    else:
        on = ""
    if n == 1:
        return adverb + on if on else f"Every {unit}"
    return f"Every {n} {unit}s{on}"


def next_occurrence(rule: str, after: datetime, dtstart: datetime, tz: ZoneInfo) -> datetime:
    """First occurrence strictly after `after`, expanded in local wall time; returned in UTC.

    Expanding in wall time keeps 09:00 at 09:00 across DST. Monthly on day 29-31 falls on the
    last day of shorter months (a person means "end of month"; RFC 5545 would skip them), and a
    monthly rule without a day repeats on the day of the month of `dtstart`, clamped the same way.
    """
    _require_aware(after)
    _require_aware(dtstart)
    parsed = _parse_rule(rule)
    start = to_local(dtstart, tz).replace(tzinfo=None, microsecond=0)
    kwargs: dict[str, object] = {"interval": parsed.interval, "dtstart": start}
    if parsed.byday:
        kwargs["byweekday"] = parsed.byday
    if parsed.freq == "MONTHLY":
        monthday = parsed.bymonthday or start.day
        if monthday > 28:
            kwargs["bymonthday"] = tuple(range(28, monthday + 1))
            kwargs["bysetpos"] = -1
        else:
            kwargs["bymonthday"] = monthday
    freq = {"DAILY": du_rrule.DAILY, "WEEKLY": du_rrule.WEEKLY, "MONTHLY": du_rrule.MONTHLY}
    recurrence = du_rrule.rrule(freq[parsed.freq], **kwargs)
    after_local = to_local(after, tz).replace(tzinfo=None) - timedelta(hours=3)
    for candidate in recurrence.xafter(max(after_local, start - timedelta(seconds=1))):
        at = candidate.replace(tzinfo=tz).astimezone(UTC)
        if at > after:
            return at
    raise DateParseError(f"Recurrence “{rule}” has no further occurrences.")


def snooze_until(preset: str, now: datetime, tz: ZoneInfo) -> datetime:
    """When a snooze preset ends, in UTC.

    later_today: +3 hours, or tomorrow 09:00 if that would be after 21:00 local;
    tomorrow: 09:00 tomorrow; next_week: 09:00 next Monday (a week on, if today is Monday);
    next_month: 09:00 on the same day next month (clamped to month end) - a snooze is a span.
    """
    today = local_today(now, tz)
    if preset == "later_today":
        later = now + timedelta(hours=SNOOZE_LATER_TODAY_HOURS)
        local = to_local(later, tz)
        if local.date() == today and local.time() <= SNOOZE_LATER_TODAY_LATEST:
            return later.astimezone(UTC)
        return _local_to_utc(today + timedelta(days=1), SNOOZE_MORNING, tz)
    if preset == "tomorrow":
        return _local_to_utc(today + timedelta(days=1), SNOOZE_MORNING, tz)
    if preset == "next_week":
        return _local_to_utc(today + timedelta(days=7 - today.weekday()), SNOOZE_MORNING, tz)
    if preset == "next_month":
        return _local_to_utc(today + relativedelta(months=1), SNOOZE_MORNING, tz)
    raise DateParseError(f"Unknown snooze preset “{preset}”.")
