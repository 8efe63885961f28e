"""Signals: the owner records them in two clicks, dismisses them, and sees the active ones.

Job changes, promotions and new connections arrive as Signal rows from the LinkedIn import.
Awaiting a reply, going quiet, cadence overdue, birthdays and anniversaries are states of the
facts, not events: scoring derives them every time, so they show as reasons and are never
stored as rows that could go stale.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from crm import scoring
from crm.db import write
from crm.models import Activity, ActivityContact, Contact, Signal, utcnow
from crm.services import derived

OWNER_KINDS = {kind: spec.label for kind, spec in scoring.SIGNAL_KINDS.items() if spec.owner_recorded}
IMPORTED_KINDS = ("job_change", "promotion", "new_connection")
NOTE_LIMIT = 500


class SignalError(ValueError):
    """A signal that cannot be recorded, keyed by form field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class ActiveSignal:
    """A stored signal as shown on a contact: its words and what it is worth today."""

    signal: Signal
    label: str
    text: str
    points: float
    fading: bool


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow().replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def label_of(kind: str) -> str:
    """The plain-words name of a signal kind."""
    spec = scoring.SIGNAL_KINDS.get(kind)
    return spec.label if spec else kind.replace("_", " ").capitalize()


def record_signal(
    contact_id: int,
    kind: str,
    note: str = "",
    *,
    observed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Signal:
    """Record an owner signal (funding round, pricing request...) with a stream entry; rescore."""
    note = " ".join((note or "").split())[:NOTE_LIMIT]
    errors = {}
    if kind not in OWNER_KINDS:
        errors["kind"] = "Pick what happened."
    elif kind == "custom" and not note:
        errors["note"] = "Say what happened, e.g. “Spoke at our meetup”."
    if not Contact.select().where(Contact.id == contact_id, Contact.deleted_at.is_null()).exists():
        errors["contact_id"] = "That contact no longer exists."
    if errors:
        raise SignalError(errors)
    now = _now(now)
    when = _naive(observed_at or now)
    weight, half_life, label = scoring.signal_defaults(kind)
    with write():
        activity = Activity.create(
            kind="signal",
            occurred_at=when,
            origin="system",
            source="signal",
            summary=f"{label}: {note}"[:140] if note else label,
            body=f"{label}: {note}" if note else "",
        )
        ActivityContact.create(activity=activity, contact=contact_id, occurred_at=when)
        signal = Signal.create(
            contact=contact_id,
            kind=kind,
            weight=weight,
            half_life_days=half_life or 0,
            observed_at=when,
            details={"note": note} if note else {},
            note=note,
            activity=activity,
        )
        derived.refresh_contacts([contact_id], now=now)
    return signal


def get_signal(signal_id: int) -> Signal | None:
    """A signal by id (None when missing)."""
    return Signal.get_or_none(Signal.id == signal_id)


def dismiss_signal(signal: Signal, *, now: dt.datetime | None = None) -> Signal:
    """Stop a signal from counting (kept, and restorable)."""
    with write():
        signal.dismissed_at = _naive(_now(now))
        signal.save()
        derived.refresh_contacts([signal.contact_id], now=now)
    return signal


def restore_signal(signal: Signal, *, now: dt.datetime | None = None) -> Signal:
    """Undo a dismissal; a signal dismissed by putting its Stream entry in the trash brings the
    entry back too (the two go together, as they went)."""
    with write():
        if signal.activity_id and signal.dismissed_at is not None:
            Activity.update(deleted_at=None).where(
                Activity.id == signal.activity_id, Activity.deleted_at == signal.dismissed_at
            ).execute()
        signal.dismissed_at = None
        signal.save()
        derived.refresh_contacts([signal.contact_id], now=now)
    return signal


def _describe(signal: Signal, now: dt.datetime, w: scoring.Weights):
    """(text, points today) for one stored signal, worded like its reason on Today."""
    spec = scoring.SIGNAL_KINDS.get(signal.kind, scoring.SIGNAL_KINDS["custom"])
    weight = signal.weight
    if weight == spec.default_weight and spec.weight_name:
        weight = getattr(w, spec.weight_name)
    half_life = signal.half_life_days or spec.half_life_days or scoring.CUSTOM_SIGNAL_HALF_LIFE_DAYS
    observed = signal.observed_at.replace(tzinfo=dt.UTC)
    age = max(0.0, (now - observed).total_seconds() / 86400)
    points = max(0.0, weight) * math.pow(0.5, age / half_life)
    details = signal.details or {}
    label = label_of(signal.kind)
    if signal.kind in ("job_change", "promotion"):
        role = details.get("new_title") or details.get("title") or ""
        company = details.get("new_company") or details.get("company") or ""
        moved = " at ".join(p for p in (role, company) if p)
        if not moved and details.get("to"):
            moved = str(details["to"])
        text = f"{label}: {moved}" if moved else label
        if details.get("from") or details.get("old_company"):
            text += f" (was {details.get('from') or details.get('old_company')})"
    else:
        note = signal.note or details.get("note") or ""
        text = f"{label}: {note}" if note else label
    return text, points


def active_signals(
    contact_ids: list[int], *, now: dt.datetime | None = None
) -> dict[int, list[ActiveSignal]]:
    """Undismissed signals of these contacts that still count, strongest first (one query)."""
    if not contact_ids:
        return {}
    now = _now(now)
    w = derived.weights()
    out: dict[int, list[ActiveSignal]] = {}
    query = (
        Signal.select()
        .where(
            Signal.contact.in_(list(contact_ids)),
            Signal.dismissed_at.is_null(),
            Signal.observed_at <= _naive(now),
        )
        .order_by(Signal.observed_at.desc())
    )
    for signal in query:
        text, points = _describe(signal, now, w)
        if points < w.min_signal_points:
            continue
        out.setdefault(signal.contact_id, []).append(
            ActiveSignal(signal, label_of(signal.kind), text, round(points, 1), points < signal.weight / 2)
        )
    for items in out.values():
        items.sort(key=lambda a: -a.points)
    return out


def recent_signals(contact_id: int, limit: int = 20) -> list[Signal]:
    """Every stored signal of a contact, newest first, dismissed ones included (for history)."""
    return list(
        Signal.select().where(Signal.contact == contact_id).order_by(Signal.observed_at.desc()).limit(limit)
    )


def job_history(contact_id: int) -> list[tuple[dt.datetime, str]]:
    """(when, "Initech → CMO at Globex") for each job change or promotion, oldest first."""
    out = []
    for signal in (
        Signal.select()
        .where(Signal.contact == contact_id, Signal.kind.in_(("job_change", "promotion")))
        .order_by(Signal.observed_at)
    ):
        d = signal.details or {}
        before = d.get("from") or d.get("old_company") or ""
        after = d.get("to") or " at ".join(
            x for x in (d.get("new_title") or d.get("title"), d.get("new_company") or d.get("company")) if x
        )
        text = f"{before} → {after}" if before and after else after or before or label_of(signal.kind)
        out.append((signal.observed_at, f"{label_of(signal.kind)}: {text}"))
    return out
