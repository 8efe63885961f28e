"""The Today priority score: a pure function of one contact's facts and "now".

Reasons add points; stage, value and reciprocity then scale the sum, each shown as a reason too.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from crm.dates import days_ago, local_today, span, start_of_local_day, to_local

# A new role is the strongest buying trigger; it matters most in the first weeks.
JOB_CHANGE_WEIGHT = 40.0
JOB_CHANGE_HALF_LIFE_DAYS = 30.0
# A promotion brings budget and a fresh mandate, a little less than a new company.
PROMOTION_WEIGHT = 30.0
PROMOTION_HALF_LIFE_DAYS = 30.0
# A fresh connection remembers you for about a week.
NEW_CONNECTION_WEIGHT = 15.0
NEW_CONNECTION_HALF_LIFE_DAYS = 7.0
# Money just raised gets spent within a quarter.
FUNDING_ROUND_WEIGHT = 30.0
FUNDING_ROUND_HALF_LIFE_DAYS = 30.0
# Hiring means growth and new problems, but it is a weaker signal.
HIRING_WEIGHT = 15.0
HIRING_HALF_LIFE_DAYS = 21.0
# A new initiative needs help for a month or two.
NEW_INITIATIVE_WEIGHT = 20.0
NEW_INITIATIVE_HALF_LIFE_DAYS = 30.0
# A public complaint is a short window to be useful.
PAIN_POST_WEIGHT = 25.0
PAIN_POST_HALF_LIFE_DAYS = 7.0
# Asking for pricing is the hottest signal there is, and it cools fast.
PRICING_REQUEST_WEIGHT = 45.0
PRICING_REQUEST_HALF_LIFE_DAYS = 7.0
# A warm introduction should be followed up within a couple of weeks.
REFERRAL_WEIGHT = 35.0
REFERRAL_HALF_LIFE_DAYS = 14.0
# Meeting in person is remembered for about ten days.
EVENT_MET_WEIGHT = 20.0
EVENT_MET_HALF_LIFE_DAYS = 10.0
# Owner notes are worth a look but we cannot know how much.
CUSTOM_SIGNAL_WEIGHT = 15.0
CUSTOM_SIGNAL_HALF_LIFE_DAYS = 14.0
# Below this a faded signal is noise on the Today page.
MIN_SIGNAL_POINTS = 0.5

# Someone waiting on you is the most basic courtesy; it gets worse each day. A message left
# unanswered for months is no longer a reason for today: past a month it fades (halves every
# month), or years-old silences rank with this week's.
AWAITING_REPLY_BASE = 25.0
AWAITING_REPLY_PER_DAY = 3.0
AWAITING_REPLY_MAX = 50.0
AWAITING_REPLY_FADES_AFTER_DAYS = 30.0
AWAITING_REPLY_HALF_LIFE_DAYS = 30.0
# A promise you made and missed costs trust, more the longer it slips.
FOLLOWUP_OVERDUE_BASE = 30.0
FOLLOWUP_OVERDUE_PER_DAY = 2.0
FOLLOWUP_OVERDUE_MAX = 60.0
# Due today is the plan for today, slightly below a missed promise.
FOLLOWUP_DUE_TODAY = 25.0
# The owner chose this rhythm; lateness is measured in cadences so 14 and 90 days compare.
CADENCE_BASE = 15.0
CADENCE_PER_CADENCE_LATE = 20.0
CADENCE_MAX = 45.0
# Going quiet is inferred, so it needs a real habit (several touches) and a long silence.
GOING_QUIET_MIN_TOUCHES = 4.0
GOING_QUIET_FACTOR = 3.0
GOING_QUIET_MIN_DAYS = 14.0
GOING_QUIET_BASE = 15.0
GOING_QUIET_PER_GAP = 2.0
GOING_QUIET_MAX = 35.0
# A birthday greeting is cheap and welcome; a few days ahead leaves time to plan.
BIRTHDAY_TODAY = 25.0
BIRTHDAY_PER_DAY_AHEAD = 3.0
BIRTHDAY_LOOKAHEAD_DAYS = 7.0
# A connection anniversary is a light excuse to say hello.
ANNIVERSARY = 8.0
ANNIVERSARY_WINDOW_DAYS = 3.0

# Deal size counts by orders of magnitude, so one big deal does not swamp everything.
VALUE_DEAL_PER_TENFOLD = 0.1
VALUE_DEAL_UNIT = 1000.0
VALUE_DEAL_MAX = 0.3
# A client who refers others is worth more than their own revenue.
VALUE_PER_REFERRAL = 0.1
VALUE_REFERRALS_MAX = 0.3
# Advocates and references sell for you.
VALUE_ADVOCATE = 0.15
# Product feedback is value too, if smaller.
VALUE_FEEDBACK = 0.05
# Value lifts priority but never outweighs timing entirely.
VALUE_MAX_MULTIPLIER = 1.6

# An open opportunity is money on the table.
STAGE_OPPORTUNITY = 1.3
# Customers are kept warm: renewals, referrals and expansion come from them.
STAGE_CUSTOMER = 1.25
# Partners bring deals but are not deals themselves.
STAGE_PARTNER = 1.1

# Taking much more than you give sours a relationship: "give first" lowers the priority a bit.
RECIPROCITY_MIN_ASKS = 3.0
RECIPROCITY_RATIO = 2.0
RECIPROCITY_LOPSIDED = 0.85

# Stages that must never be suggested, whatever the signals say.
SILENT_STAGES = frozenset({"lost", "do_not_contact", "dnc", "unsubscribed"})


@dataclass(frozen=True)
class Weights:
    """Every tunable number of the score, defaulting to the module constants."""

    job_change: float = JOB_CHANGE_WEIGHT
    promotion: float = PROMOTION_WEIGHT
    new_connection: float = NEW_CONNECTION_WEIGHT
    funding_round: float = FUNDING_ROUND_WEIGHT
    hiring: float = HIRING_WEIGHT
    new_initiative: float = NEW_INITIATIVE_WEIGHT
    pain_post: float = PAIN_POST_WEIGHT
    pricing_request: float = PRICING_REQUEST_WEIGHT
    referral: float = REFERRAL_WEIGHT
    event_met: float = EVENT_MET_WEIGHT
    custom: float = CUSTOM_SIGNAL_WEIGHT
    min_signal_points: float = MIN_SIGNAL_POINTS
    awaiting_reply_base: float = AWAITING_REPLY_BASE
    awaiting_reply_per_day: float = AWAITING_REPLY_PER_DAY
    awaiting_reply_max: float = AWAITING_REPLY_MAX
    awaiting_reply_fades_after_days: float = AWAITING_REPLY_FADES_AFTER_DAYS
    awaiting_reply_half_life_days: float = AWAITING_REPLY_HALF_LIFE_DAYS
    followup_overdue_base: float = FOLLOWUP_OVERDUE_BASE
    followup_overdue_per_day: float = FOLLOWUP_OVERDUE_PER_DAY
    followup_overdue_max: float = FOLLOWUP_OVERDUE_MAX
    followup_due_today: float = FOLLOWUP_DUE_TODAY
    cadence_base: float = CADENCE_BASE
    cadence_per_cadence_late: float = CADENCE_PER_CADENCE_LATE
    cadence_max: float = CADENCE_MAX
    going_quiet_min_touches: float = GOING_QUIET_MIN_TOUCHES
    going_quiet_factor: float = GOING_QUIET_FACTOR
    going_quiet_min_days: float = GOING_QUIET_MIN_DAYS
    going_quiet_base: float = GOING_QUIET_BASE
    going_quiet_per_gap: float = GOING_QUIET_PER_GAP
    going_quiet_max: float = GOING_QUIET_MAX
    birthday_today: float = BIRTHDAY_TODAY
    birthday_per_day_ahead: float = BIRTHDAY_PER_DAY_AHEAD
    birthday_lookahead_days: float = BIRTHDAY_LOOKAHEAD_DAYS
    anniversary: float = ANNIVERSARY
    anniversary_window_days: float = ANNIVERSARY_WINDOW_DAYS
    value_deal_per_tenfold: float = VALUE_DEAL_PER_TENFOLD
    value_deal_unit: float = VALUE_DEAL_UNIT
    value_deal_max: float = VALUE_DEAL_MAX
    value_per_referral: float = VALUE_PER_REFERRAL
    value_referrals_max: float = VALUE_REFERRALS_MAX
    value_advocate: float = VALUE_ADVOCATE
    value_feedback: float = VALUE_FEEDBACK
    value_max_multiplier: float = VALUE_MAX_MULTIPLIER
    stage_opportunity: float = STAGE_OPPORTUNITY
    stage_customer: float = STAGE_CUSTOMER
    stage_partner: float = STAGE_PARTNER
    reciprocity_min_asks: float = RECIPROCITY_MIN_ASKS
    reciprocity_ratio: float = RECIPROCITY_RATIO
    reciprocity_lopsided: float = RECIPROCITY_LOPSIDED

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any]) -> Weights:
        """Defaults with the owner's overrides; unknown keys are ignored, bad values rejected."""
        names = {f.name for f in dataclasses.fields(cls)}
        changes: dict[str, float] = {}
        for name, raw in overrides.items():
            if name not in names:
                continue
            if isinstance(raw, bool):
                raise ValueError(f"{name}: expected a number, got {raw!r}")
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: expected a number, got {raw!r}") from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}: must be a finite number of zero or more, got {raw!r}")
            changes[name] = value
        return dataclasses.replace(cls(), **changes)


DEFAULT_WEIGHTS = Weights()

WEIGHT_HELP: dict[str, str] = {
    "job_change": "Points for a job change on the day it happens (halves every 30 days).",
    "promotion": "Points for a promotion on the day it happens (halves every 30 days).",
    "new_connection": "Points for a brand-new connection (halves every week).",
    "funding_round": "Points for a funding round you recorded (halves every 30 days).",
    "hiring": "Points for a company that is hiring (halves every 3 weeks).",
    "new_initiative": "Points for a new initiative you recorded (halves every 30 days).",
    "pain_post": "Points for a post about a pain you can solve (halves every week).",
    "pricing_request": "Points for a request for pricing (halves every week).",
    "referral": "Points for a referral or warm introduction (halves every 2 weeks).",
    "event_met": "Points for meeting at an event (halves every 10 days).",
    "custom": "Points for any other signal you record (halves every 2 weeks).",
    "min_signal_points": "Faded signals worth fewer points than this are dropped.",
    "awaiting_reply_base": "Points when someone wrote you and is waiting for a reply.",
    "awaiting_reply_per_day": "Extra points for each day they have been waiting.",
    "awaiting_reply_max": "Most points a waiting message can add.",
    "awaiting_reply_fades_after_days": "Days after which a message still waiting starts to fade.",
    "awaiting_reply_half_life_days": "Days in which its points then halve (0: it never fades).",
    "followup_overdue_base": "Points for a follow-up past its due date.",
    "followup_overdue_per_day": "Extra points for each day a follow-up is overdue.",
    "followup_overdue_max": "Most points an overdue follow-up can add.",
    "followup_due_today": "Points for a follow-up due today.",
    "cadence_base": "Points when a contact's touch cadence is due.",
    "cadence_per_cadence_late": "Extra points for each full cadence of lateness.",
    "cadence_max": "Most points an overdue cadence can add.",
    "going_quiet_min_touches": "Touches in the past 180 days needed before 'going quiet' applies.",
    "going_quiet_factor": "Quiet for this many usual gaps counts as going quiet.",
    "going_quiet_min_days": "Never call it going quiet before this many days.",
    "going_quiet_base": "Points when a regular relationship goes quiet.",
    "going_quiet_per_gap": "Extra points for each usual gap of silence beyond the threshold.",
    "going_quiet_max": "Most points going quiet can add.",
    "birthday_today": "Points for a birthday today.",
    "birthday_per_day_ahead": "Points taken off for each day until the birthday.",
    "birthday_lookahead_days": "How many days ahead a birthday shows up.",
    "anniversary": "Points for a connection anniversary this week.",
    "anniversary_window_days": "Days either side of the anniversary it shows up.",
    "value_deal_per_tenfold": "Value boost for each tenfold of deal size (above the deal unit).",
    "value_deal_unit": "Deal size that counts as the first step of value.",
    "value_deal_max": "Largest value boost from deal size.",
    "value_per_referral": "Value boost for each client they referred to you.",
    "value_referrals_max": "Largest value boost from referrals.",
    "value_advocate": "Value boost for an advocate or reference.",
    "value_feedback": "Value boost for someone who gives product feedback.",
    "value_max_multiplier": "Largest total value multiplier.",
    "stage_opportunity": "Multiplier for contacts in an open opportunity.",
    "stage_customer": "Multiplier for customers.",
    "stage_partner": "Multiplier for partners.",
    "reciprocity_min_asks": "Asks needed before a lopsided ledger is flagged.",
    "reciprocity_ratio": "Flag when you asked this many times more than you gave.",
    "reciprocity_lopsided": "Multiplier for a lopsided ledger (below 1 lowers priority).",
}


class SignalKind(NamedTuple):
    """What the app needs to know about a kind of signal."""

    label: str
    weight_name: str | None
    default_weight: float
    half_life_days: float | None
    owner_recorded: bool


SIGNAL_KINDS: dict[str, SignalKind] = {
    "job_change": SignalKind(
        "Changed jobs", "job_change", JOB_CHANGE_WEIGHT, JOB_CHANGE_HALF_LIFE_DAYS, False
    ),
    "promotion": SignalKind(
        "Promoted", "promotion", PROMOTION_WEIGHT, PROMOTION_HALF_LIFE_DAYS, False
    ),
    "new_connection": SignalKind(
        "New connection", "new_connection", NEW_CONNECTION_WEIGHT, NEW_CONNECTION_HALF_LIFE_DAYS,
        False,
    ),
    "awaiting_reply": SignalKind(
        "Waiting for your reply", "awaiting_reply_base", AWAITING_REPLY_BASE, None, False
    ),
    "going_quiet": SignalKind("Going quiet", "going_quiet_base", GOING_QUIET_BASE, None, False),
    "cadence_overdue": SignalKind("Cadence overdue", "cadence_base", CADENCE_BASE, None, False),
    "birthday": SignalKind("Birthday", "birthday_today", BIRTHDAY_TODAY, None, False),
    "anniversary": SignalKind("Connection anniversary", "anniversary", ANNIVERSARY, None, False),
    "funding_round": SignalKind(
        "Raised a funding round", "funding_round", FUNDING_ROUND_WEIGHT,
        FUNDING_ROUND_HALF_LIFE_DAYS, True,
    ),
    "hiring": SignalKind("Hiring", "hiring", HIRING_WEIGHT, HIRING_HALF_LIFE_DAYS, True),
    "new_initiative": SignalKind(
        "Started a new initiative", "new_initiative", NEW_INITIATIVE_WEIGHT,
        NEW_INITIATIVE_HALF_LIFE_DAYS, True,
    ),
    "pain_post": SignalKind(
        "Posted about a pain", "pain_post", PAIN_POST_WEIGHT, PAIN_POST_HALF_LIFE_DAYS, True
    ),
    "pricing_request": SignalKind(
        "Asked for pricing", "pricing_request", PRICING_REQUEST_WEIGHT,
        PRICING_REQUEST_HALF_LIFE_DAYS, True,
    ),
    "referral": SignalKind(
        "Referral", "referral", REFERRAL_WEIGHT, REFERRAL_HALF_LIFE_DAYS, True
    ),
    "event_met": SignalKind(
        "Met at an event", "event_met", EVENT_MET_WEIGHT, EVENT_MET_HALF_LIFE_DAYS, True
    ),
    "custom": SignalKind(
        "Signal", "custom", CUSTOM_SIGNAL_WEIGHT, CUSTOM_SIGNAL_HALF_LIFE_DAYS, True
    ),
}  # fmt: skip

_DECAYING_KINDS = ("job_change", "promotion", "new_connection") + tuple(
    kind for kind, spec in SIGNAL_KINDS.items() if spec.owner_recorded
)


def signal_defaults(kind: str) -> tuple[float, float | None, str]:
    """Default (weight, half-life in days or None, label) of a signal kind."""
    try:
        spec = SIGNAL_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown signal kind {kind!r}") from None
    return spec.default_weight, spec.half_life_days, spec.label


@dataclass(frozen=True)
class SignalFact:
    """One stored signal; weight/half_life None means the kind's default."""

    kind: str
    observed_at: datetime
    weight: float | None = None
    half_life_days: float | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    dismissed: bool = False


@dataclass(frozen=True)
class FollowUpFact:
    """One open follow-up."""

    title: str
    due_at: datetime
    all_day: bool = True


@dataclass(frozen=True)
class ValueFacts:
    """Relationship value beyond revenue, and the give/ask ledger."""

    deal_value: float = 0.0
    referrals_given: int = 0
    is_advocate: bool = False
    gives_feedback: bool = False
    gave: int = 0
    asked: int = 0


@dataclass(frozen=True)
class ContactFacts:
    """Everything the score needs about one contact; datetimes are aware UTC.

    awaiting_reply_since: their message is the last in a conversation and has no reply.
    cadence_days: the effective cadence (the contact's own, else its tags').
    touches_in_window: touches in the 180 days before the last touch (for going quiet).
    usual_gap_days: the typical gap between those touches.
    birthday: (month, day), year not needed.
    """

    name: str
    company: str = ""
    title: str = ""
    stage: str = ""
    created_at: datetime | None = None
    connected_on: date | None = None
    last_touch_at: datetime | None = None
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None
    awaiting_reply_since: datetime | None = None
    cadence_days: int | None = None
    touches_in_window: int = 0
    usual_gap_days: float | None = None
    birthday: tuple[int, int] | None = None
    followups: tuple[FollowUpFact, ...] = ()
    signals: tuple[SignalFact, ...] = ()
    value: ValueFacts = ValueFacts()
    snoozed_until: datetime | None = None


@dataclass(frozen=True)
class Reason:
    """One line of explanation: a stable code, plain words, and the points it adds."""

    code: str
    text: str
    points: float


@dataclass(frozen=True)
class Score:
    """The priority: value == round(sum of reason points, 1)."""

    value: float
    reasons: tuple[Reason, ...]


ZERO = Score(0.0, ())


def score(facts: ContactFacts, now: datetime, tz: ZoneInfo, weights: Weights = DEFAULT_WEIGHTS) -> Score:
    """Priority of one contact at `now`, with its reasons, highest points first."""
    if facts.snoozed_until is not None and facts.snoozed_until > now:
        return ZERO
    stage = facts.stage.strip().lower().replace(" ", "_").replace("-", "_")
    if stage in SILENT_STAGES:
        return ZERO
    today = local_today(now, tz)
    reasons = [
        *_signal_reasons(facts, now, today, tz, weights),
        *_awaiting_reply(facts, now, today, tz, weights),
        *_followup_reasons(facts, today, tz, weights),
        *_rhythm_reasons(facts, today, tz, weights),
        *_birthday(facts, today, weights),
        *_anniversary(facts, today, weights),
    ]
    if not reasons:
        return ZERO
    total = sum(r.points for r in reasons)
    for code, text, multiplier in _multipliers(stage, facts.value, weights):
        added = total * (multiplier - 1)
        reasons.append(Reason(code, f"{text} (×{_num(multiplier, 2)})", added))
        total += added
    reasons.sort(key=lambda r: (-r.points, r.code, r.text))
    return Score(max(0.0, round(sum(r.points for r in reasons), 1)), tuple(reasons))


def _num(value: float, places: int = 1) -> str:
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def _days(n: int, unit: str = "day") -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _local_date(dt: datetime, tz: ZoneInfo) -> date:
    return to_local(dt, tz).date()


def _fresh_days(weight: float, half_life: float, floor: float) -> float:
    """Age in days after which a signal of this weight has faded below the floor (plus a day)."""
    if weight <= 0:
        return -1.0
    if floor <= 0:
        return math.inf
    return half_life * math.log2(max(weight / floor, 1.0)) + 1


def _signal_reasons(
    facts: ContactFacts, now: datetime, today: date, tz: ZoneInfo, w: Weights
) -> list[Reason]:
    """Decayed stored signals, strongest one per kind (a newer job change supersedes)."""
    signals = list(facts.signals)
    # Skip building the connection signal when it has long faded (most contacts, every rescore).
    if facts.connected_on is not None and (today - facts.connected_on).days <= _fresh_days(
        w.new_connection, NEW_CONNECTION_HALF_LIFE_DAYS, w.min_signal_points
    ):
        signals.append(SignalFact("new_connection", start_of_local_day(facts.connected_on, tz)))
    best: dict[str, Reason] = {}
    for signal in signals:
        if signal.dismissed or signal.observed_at > now:
            continue
        spec = SIGNAL_KINDS.get(signal.kind, SIGNAL_KINDS["custom"])
        if signal.kind in SIGNAL_KINDS and signal.kind not in _DECAYING_KINDS:
            continue  # derived from the facts themselves, never from a stored row
        weight = signal.weight if signal.weight is not None else getattr(w, spec.weight_name)
        half_life = spec.half_life_days or CUSTOM_SIGNAL_HALF_LIFE_DAYS
        if signal.half_life_days is not None and signal.half_life_days > 0:
            half_life = signal.half_life_days
        age_days = (now - signal.observed_at).total_seconds() / 86400
        points = max(0.0, weight) * 0.5 ** (age_days / half_life)
        if points < w.min_signal_points or points <= 0:
            continue
        ago = days_ago((today - _local_date(signal.observed_at, tz)).days)
        reason = _signal_reason(signal, spec, facts, ago, points)
        if signal.kind not in best or points > best[signal.kind].points:
            best[signal.kind] = reason
    return list(best.values())


def _role(title: str, company: str) -> str:
    return " at ".join(part for part in (title, company) if part)


def _signal_reason(
    signal: SignalFact, spec: SignalKind, facts: ContactFacts, ago: str, points: float
) -> Reason:
    details = signal.details
    if signal.kind == "job_change":
        role = _role(details.get("new_title") or facts.title, details.get("new_company") or facts.company)
        head = f"Changed jobs: now {role}" if role else "Changed jobs"
        return Reason("job_change", f"{head} ({ago})", points)
    if signal.kind == "promotion":
        role = _role(details.get("new_title") or facts.title, details.get("new_company") or facts.company)
        head = f"Promoted to {role}" if role else "Promoted"
        return Reason("promotion", f"{head} ({ago})", points)
    if signal.kind == "new_connection":
        return Reason("new_connection", f"New connection ({ago})", points)
    label = spec.label if signal.kind in SIGNAL_KINDS else signal.kind.replace("_", " ").title()
    note = str(details.get("note") or "").strip()
    text = f"{label} ({ago}): {note}" if note else f"{label} ({ago})"
    return Reason("custom_signal", text, points)


def _awaiting_reply(
    facts: ContactFacts, now: datetime, today: date, tz: ZoneInfo, w: Weights
) -> list[Reason]:
    since = facts.awaiting_reply_since
    if since is None or since > now:
        return []
    days = (today - _local_date(since, tz)).days
    points = min(w.awaiting_reply_max, w.awaiting_reply_base + w.awaiting_reply_per_day * days)
    late = days - w.awaiting_reply_fades_after_days
    if late > 0 and w.awaiting_reply_half_life_days > 0:
        points *= 0.5 ** (late / w.awaiting_reply_half_life_days)
        if points < w.min_signal_points:
            return []
    return [Reason("awaiting_reply", f"Wrote you {days_ago(days)}, no reply yet", points)]


def _followup_reasons(facts: ContactFacts, today: date, tz: ZoneInfo, w: Weights) -> list[Reason]:
    """The most overdue follow-up and the first one due today; the rest are counted in words."""
    overdue: list[tuple[int, FollowUpFact]] = []
    due_today: list[FollowUpFact] = []
    for followup in facts.followups:
        late = (today - _local_date(followup.due_at, tz)).days
        if late > 0:
            overdue.append((late, followup))
        elif late == 0:
            due_today.append(followup)
    reasons = []
    if overdue:
        late, followup = max(overdue, key=lambda pair: (pair[0], pair[1].title))
        points = min(w.followup_overdue_max, w.followup_overdue_base + w.followup_overdue_per_day * late)
        more = f" (+{len(overdue) - 1} more)" if len(overdue) > 1 else ""
        text = f"Follow-up '{followup.title}' overdue by {_days(late)}{more}"
        reasons.append(Reason("followup_overdue", text, points))
    if due_today:
        followup = min(due_today, key=lambda f: (f.due_at, f.title))
        at = "" if followup.all_day else f" at {to_local(followup.due_at, tz):%H:%M}"
        more = f" (+{len(due_today) - 1} more)" if len(due_today) > 1 else ""
        text = f"Follow-up '{followup.title}' due today{at}{more}"
        reasons.append(Reason("followup_due", text, w.followup_due_today))
    return reasons


def _rhythm_reasons(facts: ContactFacts, today: date, tz: ZoneInfo, w: Weights) -> list[Reason]:
    """Cadence overdue, or, only when the owner set no cadence, an inferred habit going quiet."""
    if facts.cadence_days is not None and facts.cadence_days > 0:
        cadence = facts.cadence_days
        reference = facts.last_touch_at or facts.created_at
        if reference is None:
            return []
        days = (today - _local_date(reference, tz)).days
        if days < cadence:
            return []
        points = min(w.cadence_max, w.cadence_base + w.cadence_per_cadence_late * (days - cadence) / cadence)
        every = "Every day" if cadence == 1 else f"Every {cadence} days"
        if facts.last_touch_at is not None:
            text = f"{every}; last touch {days_ago(days)}"
        else:
            text = f"{every}; never touched (added {days_ago(days)})"
        return [Reason("cadence_overdue", text, points)]
    gap = facts.usual_gap_days
    if (
        facts.last_touch_at is None
        or gap is None
        or gap <= 0
        or facts.touches_in_window < w.going_quiet_min_touches
    ):
        return []
    quiet = (today - _local_date(facts.last_touch_at, tz)).days
    threshold = max(w.going_quiet_min_days, w.going_quiet_factor * gap)
    if quiet < threshold:
        return []
    points = min(w.going_quiet_max, w.going_quiet_base + w.going_quiet_per_gap * (quiet - threshold) / gap)
    text = f"Used to talk every ~{_days(max(1, round(gap)))}; quiet for {span(quiet)}"
    return [Reason("going_quiet", text, points)]


def _on_or_clamped(year: int, month: int, day: int) -> date:
    """The date, with 29 February falling on the 28th in common years."""
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return date(year, 2, 28)
    return date(year, month, day)


def _birthday(facts: ContactFacts, today: date, w: Weights) -> list[Reason]:
    if facts.birthday is None:
        return []
    month, day = facts.birthday
    try:
        upcoming = _on_or_clamped(today.year, month, day)
        if upcoming < today:
            upcoming = _on_or_clamped(today.year + 1, month, day)
    except (ValueError, TypeError):
        return []
    days = (upcoming - today).days
    if days > w.birthday_lookahead_days:
        return []
    points = w.birthday_today - w.birthday_per_day_ahead * days
    if points <= 0:
        return []
    text = {0: "Birthday today", 1: "Birthday tomorrow"}.get(days, f"Birthday in {days} days")
    return [Reason("birthday", text, points)]


def _anniversary(facts: ContactFacts, today: date, w: Weights) -> list[Reason]:
    connected = facts.connected_on
    if connected is None or w.anniversary <= 0:
        return []
    for year in (today.year - 1, today.year, today.year + 1):
        years = year - connected.year
        if years < 1:
            continue
        anniversary = _on_or_clamped(year, connected.month, connected.day)
        if abs((anniversary - today).days) <= w.anniversary_window_days:
            text = f"Connected {_days(years, 'year')} ago this week"
            return [Reason("anniversary", text, w.anniversary)]
    return []


_STAGE_LABELS = {
    "opportunity": ("Open opportunity", "stage_opportunity"),
    "customer": ("Customer", "stage_customer"),
    "partner": ("Partner", "stage_partner"),
}


def _multipliers(stage: str, value: ValueFacts, w: Weights) -> list[tuple[str, str, float]]:
    """(code, words, multiplier) for stage, relationship value and a lopsided give/ask ledger."""
    out = []
    if stage in _STAGE_LABELS:
        label, name = _STAGE_LABELS[stage]
        multiplier = getattr(w, name)
        if multiplier != 1:
            out.append(("stage", label, multiplier))
    parts: list[str] = []
    boost = 0.0
    if value.deal_value > 0 and w.value_deal_unit > 0:
        deal = min(
            w.value_deal_max,
            w.value_deal_per_tenfold * math.log10(1 + value.deal_value / w.value_deal_unit),
        )
        if deal >= 0.005:
            boost += deal
            parts.append(f"deal worth {value.deal_value:,.0f}")
    if value.referrals_given > 0:
        boost += min(w.value_referrals_max, w.value_per_referral * value.referrals_given)
        parts.append(f"referred {_days(value.referrals_given, 'client')}")
    if value.is_advocate:
        boost += w.value_advocate
        parts.append("advocate")
    if value.gives_feedback:
        boost += w.value_feedback
        parts.append("gives feedback")
    multiplier = min(1 + boost, max(1.0, w.value_max_multiplier))
    if parts and multiplier > 1:
        out.append(("value", "High value: " + ", ".join(parts), multiplier))
    if (
        value.asked >= w.reciprocity_min_asks
        and value.asked > value.gave
        and value.asked >= w.reciprocity_ratio * value.gave
        and w.reciprocity_lopsided != 1
    ):
        text = f"Give first: you asked {_days(value.asked, 'time')} and gave {_days(value.gave, 'time')}"
        out.append(("reciprocity", text, w.reciprocity_lopsided))
    return out
