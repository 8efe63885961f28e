"""A believable small network for a first look: contacts, companies, history, follow-ups, signals."""

from __future__ import annotations

import datetime as dt
import random

from crm import scoring
from crm.db import db, write
from crm.models import (
    Activity,
    ActivityContact,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    FollowUp,
    Reciprocity,
    Signal,
    Tag,
    set_setting,
    utcnow,
)
from crm.services import derived
from crm.services.contacts import company_for
from importers.base import name_key, normalize_phone


class NotEmpty(Exception):
    """Demo data only goes into an empty database."""


FIRST = (
    "Amara Lukas Priya Mateo Sofia Kenji Elena Omar Freya Ravi Chloe Jonas Yara Noah "
    "Ingrid Tariq Mei Gabriel Zanele Oscar Nadia Felix Aiko Samir Astrid Daniel Leila Bram "
    "Camila Hiroshi Ines Malik Julia Arjun Siobhan Kofi"
).split()
LAST = (
    "Okafor Becker Patel García Rossi Tanaka Petrov Haddad Larsen Kumar Dubois Jensen "
    "Ahmed Brown Lindqvist Khan Chen Silva Nkosi Novak Moreau Fischer Sato Yilmaz Eriksen "
    "Walsh Hughes Van_der_Berg Reyes Nakamura Costa Murphy Wagner Gupta O'Brien Mensah"
)
LAST = [name.replace("_", " ") for name in LAST.split()]
COMPANIES = [
    "Northwind Analytics",
    "Globex Systems",
    "Acme Robotics",
    "Brightline Health",
    "Cobalt Logistics",
    "Helix Bio",
    "Lumen Media",
    "Polaris Capital",
    "Redwood Software",
    "Sapphire Retail",
    "Vertex Cloud",
    "Willow Foods",
]
TITLES = [
    "VP Sales",
    "Head of Growth",
    "CMO",
    "Founder & CEO",
    "Head of Revenue Operations",
    "Director of Demand Generation",
    "Procurement Manager",
    "CTO",
    "Customer Success Manager",
    "Head of Partnerships",
    "Account Executive",
    "Product Manager",
]
NOTES = [
    "Call about the Q3 renewal; budget owner is the CFO.",
    "Met at SaaStr. Interested in the analytics add-on.",
    "Sent the case study; they liked the onboarding numbers.",
    "Asked for pricing for 25 seats.",
    "Intro'd them to Priya at Helix, who solved the same churn problem.",
    "Quick catch-up over coffee. Hiring two SDRs next quarter.",
    "Demo went well. Next step: security review.",
    "They are evaluating two other vendors; decision by end of month.",
]
MESSAGES_IN = [
    "Thanks for connecting! Would love to hear how you handle onboarding.",
    "Could you send pricing for 25 seats? Our renewal is in June.",
    "Saw your post about churn, it resonated with what we're seeing too.",
    "We're reviewing budgets next quarter, ping me in March.",
]
MESSAGES_OUT = [
    "Congrats on the new role! Happy to share what we learned rolling out a similar project.",
    "Great to meet you at the conference. Here is the deck I promised.",
    "Following up on pricing: I've attached the proposal.",
]
TAGS = {"Customers": 30, "Prospects": 14, "Partners": 45, "Investors": None}


_DEMO_IDS = "(SELECT id FROM contact WHERE source = 'demo')"  # the people the demo made


def demo_people() -> int:
    """How many contacts the demo network put in (trashed ones too); 0 once it is removed."""
    return Contact.select().where(Contact.source == "demo").count()


def remove_demo() -> dict[str, int]:
    """Delete the demo network for good, in one transaction: its people (with their emails,
    phones, tags, follow-ups, signals and ledger), every stream entry that is only about them,
    and the demo's companies and tags that nobody else uses. People added by hand or by an
    import stay, and so do entries that are also about them.

    Import runs and merges that touched a demo person forget those rows, so an undo later can
    never reach a row that reuses one of their ids. Returns what was removed."""
    with write():
        people = demo_people()
        if not people:
            return {"contacts": 0, "activities": 0, "companies": 0, "tags": 0}
        # Rows that go with the people (ON DELETE CASCADE): imports that logged them forget them.
        for table in ("contact_email", "contact_phone", "contact_tag", "signal"):
            db.execute_sql(
                f'DELETE FROM import_change WHERE "table" = ? AND row_id IN'  # noqa: S608
                f' (SELECT id FROM "{table}" WHERE contact_id IN {_DEMO_IDS})',
                (table,),
            )
        db.execute_sql(f"DELETE FROM import_change WHERE \"table\" = 'contact' AND row_id IN {_DEMO_IDS}")
        db.execute_sql(f'DELETE FROM "merge" WHERE merged_id IN {_DEMO_IDS}')
        activities = db.execute_sql(
            "DELETE FROM activity WHERE id IN (SELECT activity_id FROM activity_contact"
            f" WHERE contact_id IN {_DEMO_IDS}) AND NOT EXISTS (SELECT 1 FROM activity_contact o"
            f" WHERE o.activity_id = activity.id AND o.contact_id NOT IN {_DEMO_IDS})"
        ).rowcount
        db.execute_sql(f"DELETE FROM contact WHERE id IN {_DEMO_IDS}")
        companies = (
            Company.delete()
            .where(
                Company.name_key.in_([name_key(name) for name in COMPANIES]),
                Company.id.not_in(Contact.select(Contact.company).where(Contact.company.is_null(False))),
            )
            .execute()
        )
        tags = (
            Tag.delete()
            .where(Tag.name.in_(list(TAGS)), Tag.id.not_in(ContactTag.select(ContactTag.tag)))
            .execute()
        )
    return {"contacts": people, "activities": activities, "companies": companies, "tags": tags}


def has_contacts() -> bool:
    """True when the database already holds contacts (demo data is only for empty ones)."""
    return Contact.select().exists()


def load_demo(seed: int = 7, now: dt.datetime | None = None) -> dict[str, int]:
    """Fill an empty database with a small demo network; returns what was created."""
    if has_contacts():
        raise NotEmpty("The database already has contacts; demo data only goes into an empty one.")
    rng = random.Random(seed)
    now = now or utcnow()
    counts = {"contacts": 0, "activities": 0, "followups": 0, "signals": 0}
    with write():
        tags = {name: Tag.create(name=name, cadence_days=days) for name, days in TAGS.items()}
        companies = [company_for(name) for name in COMPANIES]
        people = []
        for i, (first, last) in enumerate(zip(FIRST, LAST, strict=False)):
            company = companies[i % len(companies)]
            full = f"{first} {last}"
            slug = name_key(full).replace(" ", "-")
            stage = rng.choice(["lead", "prospect", "prospect", "opportunity", "customer", "partner"])
            contact = Contact.create(
                first_name=first,
                last_name=last,
                full_name=full,
                name_key=name_key(full),
                linkedin_url=f"https://www.linkedin.com/in/{slug}-{rng.getrandbits(20):05x}",
                company=company,
                title=rng.choice(TITLES),
                location=rng.choice(["Berlin", "London", "New York", "Lisbon", "Toronto", "Singapore"]),
                stage=stage,
                source="demo",
                is_connection=True,
                connected=True,
                connected_on=(now - dt.timedelta(days=rng.randrange(20, 2000))).date(),
                birthday_month=rng.randrange(1, 13) if i % 3 == 0 else None,
                birthday_day=rng.randrange(1, 29) if i % 3 == 0 else None,
                created_at=now - dt.timedelta(days=rng.randrange(30, 400)),
            )
            domain = name_key(company.name).split()[0]
            ContactEmail.create(contact=contact, email=f"{slug}@{domain}.example")
            phone = f"+1 415-555-{1000 + i:04d}"
            ContactPhone.create(contact=contact, phone=phone, phone_key=normalize_phone(phone))
            tag = {"customer": "Customers", "partner": "Partners"}.get(stage, "Prospects")
            ContactTag.create(contact=contact, tag=tags[tag])
            people.append(contact)
            counts["contacts"] += 1
        for contact in people:
            last_touch = None
            for _ in range(rng.randrange(1, 7)):
                when = now - dt.timedelta(days=rng.randrange(1, 240), hours=rng.randrange(0, 10))
                kind = rng.choice(["note", "call", "email", "meeting", "message", "message"])
                direction = rng.choice(["in", "out"]) if kind in ("message", "email") else None
                text = (
                    rng.choice(MESSAGES_IN if direction == "in" else MESSAGES_OUT)
                    if kind == "message"
                    else rng.choice(NOTES)
                )
                activity = Activity.create(
                    kind=kind,
                    occurred_at=when,
                    direction=direction,
                    origin="imported" if kind == "message" else "logged",
                    source="demo",
                    summary=text[:140],
                    body=text,
                )
                ActivityContact.create(activity=activity, contact=contact, occurred_at=when)
                last_touch = max(last_touch or when, when)
                counts["activities"] += 1
            contact.last_touch_at = last_touch
            contact.save()
        titles = [
            "Send pricing",
            "Book the security review",
            "Share the case study",
            "Check in after the demo",
        ]
        for offset, contact in zip((-3, -1, 0, 2, 5, 9, 14), people[::5], strict=False):
            FollowUp.create(
                contact=contact,
                title=rng.choice(titles),
                due_at=(now + dt.timedelta(days=offset)).replace(hour=9, minute=0, second=0, microsecond=0),
            )
            counts["followups"] += 1
        recurring = [
            ("Monthly check-in", "FREQ=MONTHLY;INTERVAL=1"),
            ("Send the weekly update", "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"),
        ]
        for (title, rule), contact in zip(recurring, people[3::11], strict=False):
            FollowUp.create(
                contact=contact,
                title=title,
                due_at=(now + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0),
                all_day=False,
                rrule=rule,
            )
            counts["followups"] += 1
        # A few relationships that used to be lively and went silent: "going quiet".
        for contact in people[4::9]:
            for week in range(8):
                when = now - dt.timedelta(days=95 + 9 * week, hours=week)
                activity = Activity.create(
                    kind="message", occurred_at=when, direction="in" if week % 2 else "out",
                    origin="imported", source="demo", summary="Quick catch-up", body="Quick catch-up",
                )  # fmt: skip
                ActivityContact.create(activity=activity, contact=contact, occurred_at=when)
                counts["activities"] += 1
            Activity.delete().where(
                Activity.id.in_(
                    ActivityContact.select(ActivityContact.activity).where(
                        ActivityContact.contact == contact,
                        ActivityContact.occurred_at > now - dt.timedelta(days=90),
                    )
                )
            ).execute()
        set_setting("stage_cadences", {"opportunity": 10, "lead": 60})
        moves = []
        for contact in people[1::6]:
            old, new = contact.company, rng.choice([c for c in companies if c.id != contact.company_id])
            when = now - dt.timedelta(days=rng.randrange(1, 20))
            Signal.create(
                contact=contact,
                kind="job_change",
                weight=40,
                half_life_days=30,
                observed_at=when,
                activity=_job_entry(
                    contact,
                    when,
                    f"Moved from {contact.title} at {old.name} to {contact.title} at {new.name}",
                ),
                details={  # as the LinkedIn import writes them
                    "from": f"{contact.title} at {old.name}",
                    "to": f"{contact.title} at {new.name}",
                    "old_company": old.name,
                    "company": new.name,
                    "title": contact.title,
                },
            )
            Contact.update(company=new).where(Contact.id == contact.id).execute()
            moves.append((contact, old))
            counts["signals"] += 1
        counts["contacts"] += _address_book_copies(*moves[0], known=people[3], twins=(people[6], people[8]))
        counts["signals"] += _today_moments(people, now)
    derived.refresh_all(now=now.replace(tzinfo=dt.UTC))
    return counts


def _address_book_copies(moved: Contact, old_company, known: Contact, twins: tuple[Contact, ...]) -> int:
    """People an address book brought in twice, so Duplicates has something to show: one still
    at the company a job change left, one under an initial with the same email, and two whose
    copies only add a personal email and phone (nothing differs: merged in one click, or both
    at once)."""
    copies = (
        (moved.first_name, moved.last_name, old_company, f"{name_key(moved.first_name)}@home.example", ""),
        (f"{known.first_name[0]}.", known.last_name, None, known.emails[0].email, ""),
        *((twin.first_name, twin.last_name, twin.company_id, f"{name_key(twin.first_name)}@personal.example",
           f"+1 415-555-01{99 - i}") for i, twin in enumerate(twins)),
    )  # fmt: skip
    for first, last, company, email, phone in copies:
        full = f"{first} {last}"
        copy = Contact.create(first_name=first, last_name=last, full_name=full, name_key=name_key(full),
                              company=company, title="", source="demo")  # fmt: skip
        ContactEmail.create(contact=copy, email=email)
        if phone:
            ContactPhone.create(contact=copy, phone=phone, phone_key=normalize_phone(phone))
    return len(copies)


def _today_moments(people: list[Contact], now: dt.datetime) -> int:
    """What makes a first look at Today rich: every kind of reason, value and a lopsided ledger."""
    waiting = people[2]
    when = now - dt.timedelta(days=2, hours=3)
    activity = Activity.create(
        kind="message", occurred_at=when, direction="in", origin="imported", source="demo",
        summary="Could you send pricing for 25 seats? Our renewal is in June.",
        body="Could you send pricing for 25 seats? Our renewal is in June.",
    )  # fmt: skip
    ActivityContact.create(activity=activity, contact=waiting, occurred_at=when)
    tomorrow = (now + dt.timedelta(days=1)).date()
    Contact.update(birthday_month=tomorrow.month, birthday_day=tomorrow.day).where(
        Contact.id == people[7].id
    ).execute()
    Contact.update(connected_on=(now - dt.timedelta(days=2)).date()).where(
        Contact.id == people[20].id
    ).execute()
    Contact.update(value_deal=48000, value_advocate=True, stage="customer").where(
        Contact.id == people[0].id
    ).execute()
    Contact.update(value_referrals=2, value_feedback=True).where(Contact.id == people[5].id).execute()
    for direction, kind, note, days in (
        ("gave", "introduction", "Intro to Priya at Helix about churn", 40),
        ("gave", "referral", "Referred a friend who needed analytics", 12),
        ("asked", "favour", "Asked for a reference call", 5),
    ):
        Reciprocity.create(contact=people[0], direction=direction, kind=kind, note=note,
                           occurred_at=now - dt.timedelta(days=days))  # fmt: skip
    for kind, note, days in (
        ("introduction", "Asked for an intro to their CFO", 60),
        ("favour", "Asked to review our pricing page", 30),
        ("referral", "Asked for a referral to Globex", 9),
    ):
        Reciprocity.create(contact=people[8], direction="asked", kind=kind, note=note,
                           occurred_at=now - dt.timedelta(days=days))  # fmt: skip
    recorded = 0
    for contact, kind, note, days in (
        (people[10], "funding_round", "Series B, $30M led by Polaris", 3),
        (people[13], "pricing_request", "Asked for pricing after the webinar", 1),
        (people[16], "event_met", "Met at SaaStr, keen on the analytics add-on", 4),
    ):
        weight, half_life, label = scoring.signal_defaults(kind)
        when = now - dt.timedelta(days=days)
        activity = Activity.create(kind="signal", occurred_at=when, origin="system", source="signal",
                                   summary=f"{label}: {note}"[:140], body=f"{label}: {note}")  # fmt: skip
        ActivityContact.create(activity=activity, contact=contact, occurred_at=when)
        Signal.create(contact=contact, kind=kind, weight=weight, half_life_days=half_life or 0,
                      observed_at=when, details={"note": note}, note=note, activity=activity)  # fmt: skip
        recorded += 1
    promoted = people[15]
    when = now - dt.timedelta(days=6)
    summary = f"Promoted from Director of Sales to {promoted.title} at {promoted.company.name}"
    Signal.create(
        contact=promoted, kind="promotion", weight=scoring.PROMOTION_WEIGHT,
        half_life_days=scoring.PROMOTION_HALF_LIFE_DAYS, observed_at=when,
        activity=_job_entry(promoted, when, summary),
        details={"from": "Director of Sales", "to": promoted.title, "company": promoted.company.name},
    )  # fmt: skip
    return recorded + 1


def _job_entry(contact: Contact, when: dt.datetime, summary: str) -> Activity:
    """The stream entry of a job change or promotion, as the LinkedIn import writes it."""
    activity = Activity.create(kind="job_change", occurred_at=when, origin="imported", source="linkedin",
                               summary=summary, body="")  # fmt: skip
    ActivityContact.create(activity=activity, contact=contact, occurred_at=when)
    return activity
