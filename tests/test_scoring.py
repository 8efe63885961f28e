"""The priority score: each reason alone and combined, decay, multipliers, weights, properties."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.scoring import (
    DEFAULT_WEIGHTS,
    JOB_CHANGE_WEIGHT,
    SIGNAL_KINDS,
    WEIGHT_HELP,
    ContactFacts,
    FollowUpFact,
    Reason,
    Score,
    SignalFact,
    ValueFacts,
    Weights,
    score,
    signal_defaults,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
TZ = ZoneInfo("Europe/Berlin")
BASE = ContactFacts(name="Ann Lee", company="Globex", title="CMO", created_at=NOW - timedelta(400))


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def facts(**changes) -> ContactFacts:
    return dataclasses.replace(BASE, **changes)


def job_change(age: float, **kw) -> SignalFact:
    details = {"old_company": "Initech", "new_company": "Globex", "new_title": "CMO"}
    return SignalFact("job_change", days_ago(age), details=details, **kw)


def codes(result: Score) -> list[str]:
    return [r.code for r in result.reasons]


ALONE = [
    ("job_change", facts(signals=(job_change(4),)), "Changed jobs: now CMO at Globex (4 days ago)"),
    (
        "promotion",
        facts(signals=(SignalFact("promotion", days_ago(14), details={"new_title": "VP Sales",
              "new_company": "Acme"}),)),
        "Promoted to VP Sales at Acme (14 days ago)",
    ),
    ("new_connection", facts(connected_on=date(2026, 11, 18)), "New connection (5 days ago)"),
    (
        "awaiting_reply",
        facts(awaiting_reply_since=days_ago(3)),
        "Wrote you 3 days ago, no reply yet",
    ),
    (
        "followup_overdue",
        facts(followups=(FollowUpFact("send pricing", days_ago(2)),)),
        "Follow-up 'send pricing' overdue by 2 days",
    ),
    (
        "followup_due",
        facts(followups=(FollowUpFact("send pricing", NOW - timedelta(hours=1)),)),
        "Follow-up 'send pricing' due today",
    ),
    (
        "cadence_overdue",
        facts(cadence_days=30, last_touch_at=days_ago(52)),
        "Every 30 days; last touch 52 days ago",
    ),
    (
        "going_quiet",
        facts(last_touch_at=days_ago(40), touches_in_window=8, usual_gap_days=12),
        "Used to talk every ~12 days; quiet for 40 days",
    ),
    ("birthday", facts(birthday=(11, 23)), "Birthday today"),
    ("birthday", facts(birthday=(11, 25)), "Birthday in 2 days"),
    ("anniversary", facts(connected_on=date(2021, 11, 25)), "Connected 5 years ago this week"),
    (
        "custom_signal",
        facts(signals=(SignalFact("funding_round", days_ago(3), details={"note": "Series B"}),)),
        "Raised a funding round (3 days ago): Series B",
    ),
    (
        "custom_signal",
        facts(signals=(SignalFact("pricing_request", days_ago(1)),)),
        "Asked for pricing (yesterday)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("code", "contact", "text"), ALONE, ids=[a[0] for a in ALONE])
def test_each_reason_alone(code, contact, text):
    result = score(contact, NOW, TZ)
    assert [(r.code, r.text) for r in result.reasons] == [(code, text)]
    assert result.value == round(result.reasons[0].points, 1) > 0


def test_no_facts_no_reasons_score_zero():
    assert score(BASE, NOW, TZ) == Score(0.0, ())


@pytest.mark.parametrize(
    ("kind", "note", "text"),
    [
        ("hiring", "", "Hiring (today)"),
        ("new_initiative", "AI rollout", "Started a new initiative (today): AI rollout"),
        ("pain_post", "", "Posted about a pain (today)"),
        ("referral", "via Bob", "Referral (today): via Bob"),
        ("event_met", "SaaStr", "Met at an event (today): SaaStr"),
        ("custom", "likes golf", "Signal (today): likes golf"),
        ("podcast_guest", "", "Podcast Guest (today)"),
    ],
)
def test_owner_recorded_signals_read_as_sentences(kind, note, text):
    signal = SignalFact(kind, NOW - timedelta(hours=1), details={"note": note} if note else {})
    (reason,) = score(facts(signals=(signal,)), NOW, TZ).reasons
    assert (reason.code, reason.text) == ("custom_signal", text)


def test_job_change_plus_awaiting_reply_ranks_above_either_alone():
    both = score(facts(signals=(job_change(4),), awaiting_reply_since=days_ago(3)), NOW, TZ)
    job = score(facts(signals=(job_change(4),)), NOW, TZ)
    reply = score(facts(awaiting_reply_since=days_ago(3)), NOW, TZ)
    assert both.value > max(job.value, reply.value)
    assert both.value == pytest.approx(job.value + reply.value, abs=0.1)
    assert codes(both) == ["job_change", "awaiting_reply"]


def test_a_message_waiting_for_months_fades_and_years_old_ones_are_no_reason():
    """Found by QA: 'waiting for your reply' grew to its cap and stayed there, so a message left
    unanswered eight years ago tied with one from last week at the top of Today."""

    def waiting(days: float) -> float:
        found = [r for r in score(facts(awaiting_reply_since=days_ago(days)), NOW, TZ).reasons]
        return found[0].points if found else 0.0

    week, month, two_months, half_year = waiting(9), waiting(30), waiting(60), waiting(180)
    assert week == month == DEFAULT_WEIGHTS.awaiting_reply_max  # grows to the cap, then holds a month
    assert two_months == pytest.approx(month / 2)  # then halves every month
    assert 0 < half_year < 2 and waiting(8 * 365) == 0
    assert score(facts(awaiting_reply_since=days_ago(75)), NOW, TZ).reasons[0].text == (
        "Wrote you 2 months ago, no reply yet"
    )
    never = Weights.from_overrides({"awaiting_reply_half_life_days": 0})
    assert score(facts(awaiting_reply_since=days_ago(8 * 365)), NOW, TZ, never).reasons[0].points == 50


def test_long_stretches_read_in_years():
    quiet = facts(cadence_days=30, last_touch_at=days_ago(1095), touches_in_window=0)
    assert "Every 30 days; last touch 3 years ago" in [r.text for r in score(quiet, NOW, TZ).reasons]
    recent = facts(cadence_days=30, last_touch_at=days_ago(52))
    assert "Every 30 days; last touch 52 days ago" in [r.text for r in score(recent, NOW, TZ).reasons]


def test_overdue_follow_up_grows_with_lateness_and_is_capped():
    def overdue(n):
        return score(facts(followups=(FollowUpFact("x", days_ago(n)),)), NOW, TZ).value

    assert overdue(1) < overdue(10) < overdue(100) == DEFAULT_WEIGHTS.followup_overdue_max
    assert overdue(1) > score(facts(followups=(FollowUpFact("x", NOW),)), NOW, TZ).value


def test_most_overdue_follow_up_is_named_and_others_counted():
    result = score(
        facts(
            followups=(
                FollowUpFact("call", days_ago(1)),
                FollowUpFact("send pricing", days_ago(5)),
                FollowUpFact("later", NOW + timedelta(days=3)),
                FollowUpFact("demo", NOW + timedelta(hours=3), all_day=False),
            )
        ),
        NOW,
        TZ,
    )
    assert [r.text for r in result.reasons] == [
        "Follow-up 'send pricing' overdue by 5 days (+1 more)",
        "Follow-up 'demo' due today at 14:00",
    ]


def test_follow_up_due_is_judged_on_the_owners_date():
    late_evening = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already the 24th in Berlin
    due = FollowUpFact("x", datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert codes(score(facts(followups=(due,)), late_evening, TZ)) == ["followup_overdue"]
    assert codes(score(facts(followups=(due,)), late_evening, UTC)) == ["followup_due"]


@pytest.mark.parametrize(("last", "shows"), [(20, False), (30, True), (45, True), (90, True)])
def test_cadence_due_from_the_day_it_falls_due(last, shows):
    result = score(facts(cadence_days=30, last_touch_at=days_ago(last)), NOW, TZ)
    assert (codes(result) == ["cadence_overdue"]) is shows


def test_cadence_overdue_grows_with_lateness():
    values = [score(facts(cadence_days=30, last_touch_at=days_ago(d)), NOW, TZ).value
              for d in (30, 45, 60, 365)]  # fmt: skip
    assert values == sorted(values) and len(set(values)) == 4
    assert values[-1] == DEFAULT_WEIGHTS.cadence_max


def test_cadence_without_any_touch_counts_from_creation():
    (reason,) = score(facts(cadence_days=14, created_at=days_ago(20)), NOW, TZ).reasons
    assert reason.text == "Every 14 days; never touched (added 20 days ago)"


@pytest.mark.parametrize(
    ("touches", "gap", "quiet", "shows"),
    [
        (8, 12, 40, True),
        (2, 12, 40, False),  # not a habit yet
        (8, 12, 30, False),  # under three usual gaps
        (8, 3, 10, False),  # never before two weeks
        (8, None, 40, False),
    ],
)
def test_going_quiet_only_after_a_real_habit(touches, gap, quiet, shows):
    contact = facts(last_touch_at=days_ago(quiet), touches_in_window=touches, usual_gap_days=gap)
    assert (codes(score(contact, NOW, TZ)) == ["going_quiet"]) is shows


def test_an_owner_cadence_replaces_going_quiet():
    contact = facts(last_touch_at=days_ago(40), touches_in_window=8, usual_gap_days=12, cadence_days=30)
    assert codes(score(contact, NOW, TZ)) == ["cadence_overdue"]
    assert codes(score(dataclasses.replace(contact, cadence_days=90), NOW, TZ)) == []


@pytest.mark.parametrize(
    ("birthday", "text"),
    [
        ((11, 23), "Birthday today"),
        ((11, 24), "Birthday tomorrow"),
        ((11, 26), "Birthday in 3 days"),
        ((11, 22), None),  # passed
        ((12, 5), None),  # too far ahead
        ((2, 30), None),  # not a date
    ],
)
def test_birthday_today_soon_or_passed(birthday, text):
    result = score(facts(birthday=birthday), NOW, TZ)
    assert [r.text for r in result.reasons] == ([text] if text else [])


def test_birthday_today_beats_birthday_in_three_days():
    assert score(facts(birthday=(11, 23)), NOW, TZ).value > score(facts(birthday=(11, 26)), NOW, TZ).value


def test_leap_day_birthday_is_celebrated_on_the_28th():
    now = datetime(2027, 2, 28, 10, tzinfo=UTC)
    assert [r.text for r in score(facts(birthday=(2, 29)), now, TZ).reasons] == ["Birthday today"]


@pytest.mark.parametrize(
    ("connected", "text"),
    [
        (date(2021, 11, 23), "Connected 5 years ago this week"),
        (date(2025, 11, 20), "Connected 1 year ago this week"),
        (date(2021, 11, 30), None),
        (date(2021, 10, 23), None),
    ],
)
def test_anniversary_this_week(connected, text):
    result = score(facts(connected_on=connected), NOW, TZ)
    assert [r.text for r in result.reasons] == ([text] if text else [])


def test_anniversary_across_new_year():
    now = datetime(2027, 1, 1, 10, tzinfo=UTC)
    texts = [r.text for r in score(facts(connected_on=date(2020, 12, 30)), now, TZ).reasons]
    assert texts == ["Connected 6 years ago this week"]


@pytest.mark.parametrize(("half_lives", "factor"), [(0, 1.0), (1, 0.5), (3, 0.125)])
def test_signals_halve_every_half_life(half_lives, factor):
    (reason,) = score(facts(signals=(job_change(30 * half_lives),)), NOW, TZ).reasons
    assert reason.points == pytest.approx(JOB_CHANGE_WEIGHT * factor)


def test_signal_weight_and_half_life_overrides():
    signal = SignalFact("custom", days_ago(10), weight=80, half_life_days=10)
    (reason,) = score(facts(signals=(signal,)), NOW, TZ).reasons
    assert reason.points == pytest.approx(40)


def test_very_old_signals_are_dropped():
    assert score(facts(signals=(job_change(400),)), NOW, TZ) == Score(0.0, ())


def test_dismissed_signal_contributes_nothing():
    assert score(facts(signals=(job_change(4, dismissed=True),)), NOW, TZ) == Score(0.0, ())


def test_future_dated_signal_is_ignored():
    assert score(facts(signals=(job_change(-2),)), NOW, TZ) == Score(0.0, ())


def test_the_newest_signal_of_a_kind_wins_and_others_are_not_added():
    result = score(facts(signals=(job_change(200), job_change(2), job_change(60))), NOW, TZ)
    assert codes(result) == ["job_change"]
    assert "(2 days ago)" in result.reasons[0].text


def test_a_connection_both_stored_and_dated_counts_once():
    stored = SignalFact("new_connection", days_ago(1))
    result = score(facts(signals=(stored,), connected_on=date(2026, 11, 22)), NOW, TZ)
    assert codes(result) == ["new_connection"]


def test_stored_rows_of_derived_kinds_are_ignored():
    assert score(facts(signals=(SignalFact("birthday", days_ago(1)),)), NOW, TZ).value == 0


def test_snoozed_contacts_score_zero_until_the_snooze_ends():
    busy = facts(signals=(job_change(1),), awaiting_reply_since=days_ago(2))
    assert score(dataclasses.replace(busy, snoozed_until=NOW + timedelta(hours=1)), NOW, TZ) == (
        Score(0.0, ())
    )
    assert score(dataclasses.replace(busy, snoozed_until=days_ago(1)), NOW, TZ).value > 0


@pytest.mark.parametrize("stage", ["lost", "Lost", "do not contact", "do-not-contact", "DNC"])
def test_silent_stages_never_show(stage):
    contact = facts(stage=stage, signals=(job_change(1),), awaiting_reply_since=days_ago(2))
    assert score(contact, NOW, TZ) == Score(0.0, ())


@pytest.mark.parametrize(
    ("stage", "text"),
    [("opportunity", "Open opportunity (×1.3)"), ("Customer", "Customer (×1.25)"),
     ("partner", "Partner (×1.1)"), ("lead", None), ("", None)],
)  # fmt: skip
def test_stage_multiplies_and_says_so(stage, text):
    plain = score(facts(awaiting_reply_since=days_ago(3)), NOW, TZ)
    staged = score(facts(stage=stage, awaiting_reply_since=days_ago(3)), NOW, TZ)
    stage_reasons = [r for r in staged.reasons if r.code == "stage"]
    if text is None:
        assert staged == plain
    else:
        assert [r.text for r in stage_reasons] == [text]
        assert staged.value > plain.value
        assert stage_reasons[0].points == pytest.approx(staged.value - plain.value, abs=0.1)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (ValueFacts(referrals_given=3), "High value: referred 3 clients (×1.3)"),
        (ValueFacts(is_advocate=True), "High value: advocate (×1.15)"),
        (ValueFacts(gives_feedback=True), "High value: gives feedback (×1.05)"),
        (ValueFacts(deal_value=99_000), "High value: deal worth 99,000 (×1.2)"),
        (
            ValueFacts(deal_value=10**9, referrals_given=9, is_advocate=True, gives_feedback=True),
            "High value: deal worth 1,000,000,000, referred 9 clients, advocate, gives feedback (×1.6)",
        ),
    ],
)
def test_value_multiplier_raises_the_score(value, text):
    plain = score(facts(awaiting_reply_since=days_ago(3)), NOW, TZ)
    valued = score(facts(value=value, awaiting_reply_since=days_ago(3)), NOW, TZ)
    assert valued.value > plain.value
    assert [r.text for r in valued.reasons if r.code == "value"] == [text]


def test_value_alone_is_not_a_reason_to_call():
    assert score(facts(value=ValueFacts(referrals_given=5), stage="customer"), NOW, TZ).value == 0


@pytest.mark.parametrize(
    ("gave", "asked", "lopsided"),
    [(0, 3, True), (1, 5, True), (0, 2, False), (3, 5, False), (5, 5, False), (9, 1, False)],
)
def test_a_lopsided_ledger_says_give_first_and_lowers_priority(gave, asked, lopsided):
    plain = score(facts(awaiting_reply_since=days_ago(3)), NOW, TZ)
    ledger = score(facts(value=ValueFacts(gave=gave, asked=asked), awaiting_reply_since=days_ago(3)), NOW, TZ)
    hints = [r for r in ledger.reasons if r.code == "reciprocity"]
    assert bool(hints) is lopsided
    if lopsided:
        assert hints[0].text.startswith(f"Give first: you asked {asked} times")
        assert hints[0].points < 0 and ledger.reasons[-1] == hints[0]
        assert 0 < ledger.value < plain.value
    else:
        assert ledger == plain


def test_weight_overrides_change_the_result():
    contact = facts(awaiting_reply_since=days_ago(3))
    heavier = Weights.from_overrides({"awaiting_reply_base": 100, "awaiting_reply_max": "200"})
    assert score(contact, NOW, TZ, heavier).value == 109.0
    assert score(contact, NOW, TZ).value == 34.0
    muted = Weights.from_overrides({"job_change": 0})
    assert score(facts(signals=(job_change(1),)), NOW, TZ, muted).value == 0


def test_weight_overrides_ignore_unknown_keys():
    assert Weights.from_overrides({"no_such_weight": 5, "csrf_token": "x"}) == DEFAULT_WEIGHTS


@pytest.mark.parametrize("bad", [-1, "abc", None, True, float("nan"), float("inf"), [1]])
def test_weight_overrides_reject_bad_values(bad):
    with pytest.raises(ValueError, match="job_change"):
        Weights.from_overrides({"job_change": bad})


def test_every_weight_has_help_text():
    names = {f.name for f in dataclasses.fields(Weights)}
    assert set(WEIGHT_HELP) == names
    assert all(text.endswith(".") for text in WEIGHT_HELP.values())


@pytest.mark.parametrize(
    "kind",
    ["job_change", "promotion", "new_connection", "awaiting_reply", "going_quiet",
     "cadence_overdue", "birthday", "anniversary", "funding_round", "hiring", "new_initiative",
     "pain_post", "pricing_request", "referral", "event_met", "custom"],
)  # fmt: skip
def test_signal_defaults_cover_every_kind(kind):
    weight, half_life, label = signal_defaults(kind)
    assert weight > 0 and label
    assert half_life is None or half_life > 0
    assert SIGNAL_KINDS[kind].label == label
    assert hasattr(DEFAULT_WEIGHTS, SIGNAL_KINDS[kind].weight_name)


def test_signal_defaults_reject_unknown_kinds():
    with pytest.raises(ValueError):
        signal_defaults("blursday")


def test_reasons_are_ordered_by_points_and_scoring_is_deterministic():
    contact = facts(
        stage="customer",
        connected_on=date(2021, 11, 25),
        signals=(job_change(4), SignalFact("hiring", days_ago(2), details={"note": "SDRs"})),
        awaiting_reply_since=days_ago(3),
        followups=(FollowUpFact("send pricing", days_ago(2)),),
        cadence_days=30,
        last_touch_at=days_ago(52),
        birthday=(11, 25),
        value=ValueFacts(referrals_given=2, asked=4),
    )
    first = score(contact, NOW, TZ)
    assert first == score(contact, NOW, TZ)
    points = [r.points for r in first.reasons]
    assert points == sorted(points, reverse=True)
    assert first.value == round(sum(points), 1)
    assert set(codes(first)) >= {"job_change", "awaiting_reply", "followup_overdue", "stage",
                                 "value", "reciprocity", "birthday", "anniversary"}  # fmt: skip


moments = st.integers(min_value=-400 * 24, max_value=400 * 24).map(lambda hours: NOW - timedelta(hours=hours))
signal_facts = st.builds(
    SignalFact,
    kind=st.sampled_from([*SIGNAL_KINDS, "mystery"]),
    observed_at=moments,
    weight=st.none() | st.floats(min_value=-10, max_value=100),
    half_life_days=st.none() | st.floats(min_value=-5, max_value=365),
    details=st.just({"note": "n", "new_title": "VP"}),
    dismissed=st.booleans(),
)
contact_facts = st.builds(
    ContactFacts,
    name=st.just("X"),
    stage=st.sampled_from(["", "lead", "customer", "opportunity", "partner", "lost", "weird"]),
    created_at=st.none() | moments,
    connected_on=st.none() | st.dates(date(2000, 1, 1), date(2027, 12, 31)),
    last_touch_at=st.none() | moments,
    awaiting_reply_since=st.none() | moments,
    cadence_days=st.none() | st.integers(min_value=-5, max_value=400),
    touches_in_window=st.integers(min_value=0, max_value=50),
    usual_gap_days=st.none() | st.floats(min_value=-1, max_value=200),
    birthday=st.none() | st.tuples(st.integers(1, 12), st.integers(1, 31)),
    followups=st.lists(
        st.builds(FollowUpFact, title=st.just("t"), due_at=moments, all_day=st.booleans()),
        max_size=3,
    ).map(tuple),
    signals=st.lists(signal_facts, max_size=4).map(tuple),
    value=st.builds(
        ValueFacts,
        deal_value=st.floats(min_value=0, max_value=1e9),
        referrals_given=st.integers(0, 20),
        is_advocate=st.booleans(),
        gives_feedback=st.booleans(),
        gave=st.integers(0, 20),
        asked=st.integers(0, 20),
    ),
    snoozed_until=st.none() | moments,
)


@settings(max_examples=300, deadline=None)
@given(contact=contact_facts, tz=st.sampled_from([TZ, UTC, ZoneInfo("Pacific/Auckland")]))
def test_score_is_never_negative_and_is_the_sum_of_its_reasons(contact, tz):
    result = score(contact, NOW, tz)
    assert result.value >= 0
    assert result.value == round(sum(r.points for r in result.reasons), 1)
    assert all(isinstance(r, Reason) and r.text for r in result.reasons)
    assert [r.points for r in result.reasons] == sorted((r.points for r in result.reasons), reverse=True)
    assert result == score(contact, NOW, tz)
    if not result.reasons:
        assert result.value == 0
