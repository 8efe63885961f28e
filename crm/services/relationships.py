"""What a relationship is worth beyond revenue, the give/ask ledger, and the pre-call brief."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm.db import write
from crm.models import Activity, ActivityContact, Contact, FollowUp, Reciprocity, utcnow
from crm.services import derived, followups, signals

DIRECTIONS = {"gave": "I gave", "asked": "I asked"}
LEDGER_KINDS = {"introduction": "Introduction", "favour": "Favour", "referral": "Referral"}
MAX_DEAL = 1_000_000_000
GOAL_LIMIT = 2000


class RelationshipError(ValueError):
    """Input that cannot be saved, keyed by form field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Ledger:
    """The give/ask ledger of one contact with its totals."""

    entries: list[Reciprocity]
    gave: int = 0
    asked: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def lopsided(self) -> bool:
        """True when you asked far more than you gave (the same rule the score applies)."""
        w = derived.weights()
        return (
            self.asked >= w.reciprocity_min_asks
            and self.asked > self.gave
            and self.asked >= w.reciprocity_ratio * self.gave
        )


def parse_value(form) -> tuple[dict, dict[str, str]]:
    """Deal value, referrals, advocate and feedback from a form: (values, errors)."""
    errors = {}
    raw_deal = (form.get("value_deal") or "").strip().replace(",", "").replace("_", "")
    raw_refs = (form.get("value_referrals") or "").strip()
    deal = 0.0
    refs = 0
    try:
        deal = float(raw_deal) if raw_deal else 0.0
        if not 0 <= deal <= MAX_DEAL or deal != deal:
            raise ValueError
    except ValueError:
        errors["value_deal"] = "A deal value of 0 or more, e.g. 12000."
    if raw_refs:
        if raw_refs.isdigit() and int(raw_refs) <= 1000:
            refs = int(raw_refs)
        else:
            errors["value_referrals"] = "A whole number of referrals, 0 or more."
    values = {
        "value_deal": deal,
        "value_referrals": refs,
        "value_advocate": form.get("value_advocate") in ("1", "on", "true"),
        "value_feedback": form.get("value_feedback") in ("1", "on", "true"),
    }
    return values, errors


def save_value(contact: Contact, values: dict) -> Contact:
    """Store what the relationship is worth (validated by parse_value) and rescore."""
    with write():
        Contact.update(**values, updated_at=utcnow()).where(Contact.id == contact.id).execute()
        derived.refresh_contacts([contact.id])
    return Contact.get_by_id(contact.id)


def ledger(contact_id: int, limit: int = 50) -> Ledger:
    """Give/ask entries, newest first, with totals by direction and kind."""
    entries = list(
        Reciprocity.select()
        .where(Reciprocity.contact == contact_id)
        .order_by(Reciprocity.occurred_at.desc(), Reciprocity.id.desc())
    )
    out = Ledger(entries=entries[:limit])
    for e in entries:
        if e.direction in DIRECTIONS:
            setattr(out, e.direction, getattr(out, e.direction) + 1)
            out.by_kind.setdefault(e.kind, {"gave": 0, "asked": 0})[e.direction] += 1
    return out


def add_ledger_entry(contact_id: int, direction: str, kind: str, note: str = "") -> Reciprocity:
    """Record something you gave or asked (introduction, favour, referral) and rescore."""
    errors = {}
    if direction not in DIRECTIONS:
        errors["direction"] = "Did you give or ask?"
    if kind not in LEDGER_KINDS:
        errors["kind"] = "Pick an introduction, a favour or a referral."
    if not Contact.select().where(Contact.id == contact_id, Contact.deleted_at.is_null()).exists():
        errors["contact_id"] = "That contact no longer exists."
    if errors:
        raise RelationshipError(errors)
    with write():
        entry = Reciprocity.create(
            contact=contact_id, direction=direction, kind=kind, note=" ".join(note.split())[:200]
        )
        derived.refresh_contacts([contact_id])
    return entry


def delete_ledger_entry(contact_id: int, entry_id: int) -> bool:
    """Remove one ledger entry of this contact; False when there was none."""
    with write():
        gone = (
            Reciprocity.delete()
            .where(Reciprocity.id == entry_id, Reciprocity.contact == contact_id)
            .execute()
        )
        derived.refresh_contacts([contact_id])
    return bool(gone)


def save_brief_goal(contact: Contact, text: str) -> Contact:
    """Store what you want from the next conversation."""
    text = (text or "").strip()
    if len(text) > GOAL_LIMIT:
        raise RelationshipError({"brief_goal": f"Keep it under {GOAL_LIMIT} characters."})
    with write():
        Contact.update(brief_goal=text, updated_at=utcnow()).where(Contact.id == contact.id).execute()
    contact.brief_goal = text
    return contact


@dataclass
class Brief:
    """Everything to glance at before a call with one person."""

    contact: Contact
    touches: list[Activity]
    open_followups: list[FollowUp]
    active: list[signals.ActiveSignal]
    jobs: list
    ledger: Ledger
    reasons: list[dict]


def brief(contact: Contact, tz, *, now: dt.datetime | None = None) -> Brief:
    """The pre-call brief of a contact: last five touches, open promises, signals, value, reasons."""
    touches = list(
        Activity.select(Activity)
        .join(ActivityContact, on=ActivityContact.activity == Activity.id)
        .where(
            ActivityContact.contact == contact.id,
            Activity.deleted_at.is_null(),
            Activity.kind.in_(derived.TOUCH_ACTIVITY_KINDS),
        )
        .order_by(ActivityContact.occurred_at.desc())
        .limit(5)
    )
    sections = followups.sections(tz, contact_id=contact.id, now=now, upcoming=20)
    return Brief(
        contact=contact,
        touches=touches,
        open_followups=sections.overdue + sections.today + sections.upcoming,
        active=signals.active_signals([contact.id], now=now).get(contact.id, []),
        jobs=signals.job_history(contact.id),
        ledger=ledger(contact.id),
        reasons=list(contact.score_reasons or []),
    )
