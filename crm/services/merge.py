"""Merging two contacts field by field, and undoing a merge exactly.

The other contact is moved to the trash (not deleted) so its id, and every row that pointed
at it, can be put back; the Merge row keeps a raw snapshot of both contacts and those rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from peewee import fn

from crm.db import db, write
from crm.models import (
    CONTACT_GROUPS,
    ActivityContact,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    FollowUp,
    ImportChange,
    ImportRun,
    Merge,
    Reciprocity,
    Signal,
    utcnow,
)
from crm.services import derived
from crm.services.derived import TOUCH_UNKNOWN
from crm.services.matching import lost_letters_of

# Scalar choices the owner makes, and the contact columns each one carries.
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("first_name", "last_name", "full_name", "name_key"),
    "company": ("company_id",),
    "title": ("title",),
    "location": ("location",),
    "website": ("website",),
    "linkedin_url": ("linkedin_url",),
    "birthday": ("birthday_year", "birthday_month", "birthday_day"),
    "stage": ("stage",),
    "notes": ("notes",),
    "cadence_days": ("cadence_days",),
    "connected_on": ("connected_on",),
}
LABELS = {
    "name": "Name",
    "company": "Company",
    "title": "Title",
    "location": "Location",
    "website": "Website",
    "linkedin_url": "LinkedIn profile",
    "birthday": "Birthday",
    "stage": "Stage",
    "notes": "Notes",
    "cadence_days": "Keep in touch every (days)",
    "connected_on": "Connected on",
}
CHOICES = ("keep", "other", "both")  # "both" only for notes: the two texts joined
# Rows that belong to a contact: (table, model, column that must stay unique per contact).
MOVED = (
    ("contact_email", ContactEmail, ContactEmail.email),
    ("contact_phone", ContactPhone, ContactPhone.phone_key),
    ("contact_tag", ContactTag, ContactTag.tag),
    ("activity_contact", ActivityContact, ActivityContact.activity),
    ("follow_up", FollowUp, None),
    ("signal", Signal, None),
    ("reciprocity", Reciprocity, None),
)


class MergeError(ValueError):
    """A merge or undo we refuse, with a message fit to show."""


@dataclass
class FieldRow:
    """One line of the merge screen."""

    name: str
    label: str
    keep: str
    other: str

    @property
    def conflict(self) -> bool:
        return bool(self.keep and self.other and self.keep != self.other)


def _load(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id, Contact.deleted_at.is_null())
    if contact is None:
        raise MergeError(f"Contact {contact_id} does not exist or is in the trash.")
    return contact


def _display(contact: Contact, name: str) -> str:
    if name == "name":
        return contact.full_name
    if name == "company":
        return contact.company.name if contact.company_id else ""
    if name == "birthday":
        return contact.birthday_text
    if name == "stage":
        from crm.models import STAGE_LABELS

        # "lead" is the default stage, so it never fights a real choice.
        return "" if contact.stage == "lead" else STAGE_LABELS.get(contact.stage, contact.stage)
    value = getattr(contact, name)
    return "" if value is None else str(value)


class MergedAgain(MergeError):
    """An undo refused because a later merge built on this one."""


class MergeNeedsChoices(MergeError):
    """A one-click merge found fields that differ: the merge screen must ask."""


def field_rows(keep: Contact, other: Contact) -> list[FieldRow]:
    """One FieldRow per mergeable field (no query when both were loaded with their company)."""
    return [FieldRow(n, LABELS[n], _display(keep, n), _display(other, n)) for n in FIELDS]


# What LinkedIn says of a connection's job: the role its next export is compared with.
LINKEDIN_ROLE = ("company", "title")


def linkedin_role(contact: Contact) -> tuple[str, str] | None:
    """(company, title) as LinkedIn last said them of a contact: recorded by the LinkedIn import,
    or for a connection from before it recorded them its own; None if LinkedIn never said."""
    if contact.linkedin_company is not None:
        return contact.linkedin_company, contact.linkedin_title or ""
    if contact.is_connection:
        return (contact.company.name if contact.company_id else ""), contact.title
    return None


def default_choices(keep: Contact, other: Contact) -> dict[str, str]:
    """The choices a merge makes unless told otherwise: keep's values, but a LinkedIn connection's
    company and title over an address book's (LinkedIn's is usually the current one; the next
    export is compared with what LinkedIn said, `linkedin_role`, whichever the owner keeps), and
    a birthday with its year over the same day without."""
    choices = {}
    if other.is_connection and not keep.is_connection:
        choices = dict.fromkeys(LINKEDIN_ROLE, "other")
    # the same day with its year over without ("3 July 1971" over "3 July")
    same_day = (keep.birthday_month, keep.birthday_day) == (other.birthday_month, other.birthday_day)
    if same_day and other.birthday_year and not keep.birthday_year:
        choices["birthday"] = "other"
    return choices


def compare(keep_id: int, other_id: int) -> tuple[Contact, Contact, list[FieldRow]]:
    """Both contacts and one FieldRow per mergeable field, for the merge screen."""
    if keep_id == other_id:
        raise MergeError("Pick two different contacts to merge.")
    keep, other = _load(keep_id), _load(other_id)
    return keep, other, field_rows(keep, other)


def _raw_rows(table: str, column: str, ids: tuple[int, ...]) -> list[dict]:
    marks = ",".join("?" * len(ids))
    cursor = db.execute_sql(f'SELECT * FROM "{table}" WHERE "{column}" IN ({marks}) ORDER BY id', ids)  # noqa: S608
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def merge_contacts(
    keep_id: int,
    other_id: int,
    choices: Mapping[str, str] | None = None,
    *,
    only_if_nothing_differs=False,
    rescore=True,
) -> Merge:
    """Merge `other` into `keep`; on a conflict `keep`'s value wins unless choices (or, for a
    connection's role, `default_choices`) says "other".

    Emails, phones and tags are united; activities, follow-ups, signals and ledger entries move,
    and `keep`'s last touch, next due date and score are worked out again from all of them
    (`rescore=False` leaves that to the caller, as a batch does once for all its merges).
    `only_if_nothing_differs` (the one-click merge of the duplicates list) refuses with
    MergeNeedsChoices when a field differs, checked inside the write transaction.
    """
    choices = dict(choices or {})
    for name, choice in choices.items():
        if name not in FIELDS or choice not in CHOICES or (choice == "both" and name != "notes"):
            raise MergeError(f"Unknown choice {choice!r} for {name!r}.")
    with write():
        keep, other, rows = compare(keep_id, other_id)
        choices = {**default_choices(keep, other), **choices}
        differ = [row.label for row in rows if row.conflict]
        if only_if_nothing_differs and differ:
            raise MergeNeedsChoices(f"{', '.join(differ)} differ: choose which to keep.")
        ids = (keep.id, other.id)
        snapshot = {
            "contacts": _raw_rows("contact", "id", ids),
            "rows": {table: _raw_rows(table, "contact_id", ids) for table, _m, _k in MOVED},
        }
        roles = (linkedin_role(keep), linkedin_role(other))
        url = None
        for row in rows:
            take_other = (not row.keep and row.other) or (row.conflict and choices.get(row.name) == "other")
            if row.name == "notes" and row.conflict and choices.get("notes") == "both":
                keep.notes = f"{keep.notes}\n\n{other.notes}"
            elif take_other:
                for column in FIELDS[row.name]:
                    setattr(keep, column, getattr(other, column))
                if row.name == "linkedin_url":
                    url = other.linkedin_url
        _combine_flags(keep, other)
        # linkedin_url is unique, even in the trash: the merged contact gives its URL up.
        Contact.update(linkedin_url=None, deleted_at=utcnow(), updated_at=utcnow()).where(
            Contact.id == other.id
        ).execute()
        if url:
            keep.linkedin_url = url
        # What LinkedIn said of the job goes with the profile kept: the next export is compared
        # with it, whichever company and title the owner chose to show.
        role = (roles[1] or roles[0]) if url else (roles[0] or roles[1])
        if role:
            keep.linkedin_company, keep.linkedin_title = role
        keep.updated_at = utcnow()
        keep.save()
        _move_rows(keep.id, other.id)
        # What the merge made of the survivor: its undo leaves what the owner changed after it.
        snapshot["after"] = _raw_rows("contact", "id", (keep.id,))[0]
        if rescore:
            derived.refresh_contacts([keep.id])
        return Merge.create(kept=keep.id, merged_id=other.id, snapshot=snapshot)


def _combine_flags(keep: Contact, other: Contact) -> None:
    keep.is_connection = keep.is_connection or other.is_connection
    keep.connected = keep.connected or other.connected
    keep.value_advocate = keep.value_advocate or other.value_advocate
    keep.value_feedback = keep.value_feedback or other.value_feedback
    keep.value_deal = max(keep.value_deal or 0, other.value_deal or 0)
    keep.value_referrals = max(keep.value_referrals or 0, other.value_referrals or 0)
    keep.score = max(keep.score or 0, other.score or 0)
    keep.created_at = min(keep.created_at, other.created_at)
    touches = [t for t in (keep.last_touch_at, other.last_touch_at) if t]
    keep.last_touch_at = max(touches) if touches else None
    if keep.next_touch_due is None:
        keep.next_touch_due = other.next_touch_due


def _move_rows(keep_id: int, other_id: int) -> None:
    """Re-point every row of `other` at `keep`; a row `keep` already has is dropped instead, and so
    is an email that is another of them with letters an export lost (the snapshot keeps both)."""
    for _table, model, unique in MOVED:
        if unique is not None:
            taken = model.select(unique).where(model.contact == keep_id)
            model.delete().where(model.contact == other_id, unique.in_(taken)).execute()
        if model in (ContactEmail, ContactPhone):
            start = model.select().where(model.contact == keep_id).count()
            for offset, row in enumerate(
                model.select().where(model.contact == other_id).order_by(model.position)
            ):
                model.update(contact=keep_id, position=start + offset).where(model.id == row.id).execute()
        else:
            model.update(contact=keep_id).where(model.contact == other_id).execute()
    ContactEmail.delete().where(ContactEmail.id.in_(lost_letter_emails(keep_id))).execute()


def lost_letter_emails(contact_id: int) -> list[int]:
    """Ids of a contact's emails that are another of its emails with letters an export lost."""
    emails = dict(
        ContactEmail.select(ContactEmail.email, ContactEmail.id)
        .where(ContactEmail.contact == contact_id)
        .tuples()
    )
    return [emails[email] for email in lost_letter_copies(emails)]


def lost_letter_copies(emails: Iterable[str]) -> list[str]:
    """The addresses among `emails` that are another of them with letters an export in the Windows
    code page lost ("?ukasz@…" beside "łukasz@…"): one address written twice, the copy of no use."""
    emails = list(dict.fromkeys(emails))
    intact = [email for email in emails if "?" not in email]
    return [email for email in emails if "?" in email and any(lost_letters_of(email, e) for e in intact)]


@dataclass
class Batch:
    """What a merge-all did: the batch id (None if nothing merged), merged and skipped pairs."""

    id: int | None
    merged: int
    skipped: int


def merge_batch(pairs: Iterable[tuple[int, int]]) -> Batch:
    """Merge each (keep, other) pair in which nothing differs, in one transaction, as one batch
    that `undo_batch` splits again.

    A pair that is no longer one click's work (a field differs by now, or one of the two was
    merged, by this batch too, or deleted) is skipped and counted; the list suggests it again.
    """
    done: list[int] = []
    kept: set[int] = set()
    skipped = 0
    with write():
        for keep_id, other_id in pairs:
            try:  # merge_contacts is a savepoint here: a refused pair leaves nothing behind
                done.append(merge_contacts(keep_id, other_id, only_if_nothing_differs=True, rescore=False).id)
            except MergeError:
                skipped += 1
            else:
                kept.add(keep_id)
        if done:
            Merge.update(batch_id=done[0]).where(Merge.id.in_(done)).execute()
            derived.refresh_contacts(kept)
    return Batch(done[0] if done else None, len(done), skipped)


def undo_batch(batch_id: int) -> int:
    """Undo every merge of a batch not undone yet, newest first, all or none; returns how many."""
    with write():
        ids = [
            m
            for (m,) in Merge.select(Merge.id)
            .where(Merge.batch_id == batch_id, Merge.undone_at.is_null())
            .order_by(Merge.id.desc())
            .tuples()
        ]
        if not ids:
            raise MergeError("Those merges do not exist or were already undone.")
        for merge_id in ids:
            try:
                undo_merge(merge_id)
            except MergedAgain:  # merged again after the batch: the whole batch stays
                name = get_merge(merge_id)["kept_name"]
                raise MergeError(
                    f"Nothing was undone: {name} was merged again after these merges; undo that merge first."
                ) from None
            except MergeError as exc:  # an import since changed one of them
                raise MergeError(f"Nothing was undone. {exc}") from None
    return len(ids)


def undo_merge(merge_id: int) -> Merge:
    """Put both contacts and every moved or dropped row back as they were, with what was added
    since staying on the survivor, and both contacts' last touch and score worked out again."""
    with write():
        merge = Merge.get_or_none(Merge.id == merge_id)
        if merge is None:
            raise MergeError("That merge does not exist.")
        if merge.undone_at:
            raise MergeError("That merge was already undone.")
        ids = (merge.kept_id, merge.merged_id)
        later = Merge.select().where(
            Merge.id > merge.id,
            Merge.undone_at.is_null(),
            Merge.kept.in_(ids) | Merge.merged_id.in_(ids),
        )
        if later.exists():
            raise MergedAgain("One of these contacts was merged again later; undo that merge first.")
        _refuse_if_imported_since(merge, ids)
        snapshot = merge.snapshot
        Contact.update(linkedin_url=None).where(Contact.id.in_(ids)).execute()
        for row in snapshot["contacts"]:
            columns = _restorable(row, snapshot.get("after") if row["id"] == merge.kept_id else None)
            assignments = ", ".join(f'"{c}" = ?' for c in columns)
            db.execute_sql(
                f'UPDATE "contact" SET {assignments} WHERE id = ?',  # noqa: S608
                [row[c] for c in columns] + [row["id"]],
            )
        for table, rows in snapshot["rows"].items():
            if table not in {t for t, _m, _k in MOVED}:
                raise MergeError("The merge record is damaged.")
            for row in rows:
                if table == "activity_contact":  # its activity may have changed since: ask again
                    row = {**row, "touch": TOUCH_UNKNOWN}
                columns = list(row)
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" * len(columns))
                db.execute_sql(
                    f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608
                    [row[c] for c in columns],
                )
        merge.undone_at = utcnow()
        merge.save()
        # The snapshot's last touch, due date and score predate anything logged since the merge
        # (a call on the survivor): work them out again. Unchanged values are not rewritten.
        derived.refresh_contacts(ids)
        return merge


# What an import writes that the undo works out again anyway (a new message's last touch).
_RECOMPUTED = {"last_touch_at", "updated_at"}
# The survivor's columns an undo puts back even when they changed after the merge (worked out
# again right after it; the LinkedIn URL is cleared first for its unique index).
_ALWAYS = frozenset(
    {"last_touch_at", "next_touch_due", "score", "score_reasons", "score_updated_at", "linkedin_url"}
)


def _restorable(before: dict, after: dict | None) -> list[str]:
    """The columns of a snapshot row an undo writes back: all of them, but on the survivor of a
    merge that recorded what it made of it (`after`) those the owner has not changed since."""
    columns = [c for c in before if c != "id"]
    if after is None:
        return columns
    now = _raw_rows("contact", "id", (before["id"],))[0]
    changed = {c for c in columns if c not in _ALWAYS and now.get(c) != after.get(c)}
    for group in CONTACT_GROUPS:
        if group & changed:
            changed |= group
    return [c for c in columns if c not in changed]


def _refuse_if_imported_since(merge: Merge, ids: tuple[int, int]) -> None:
    """Putting the snapshot back would undo what an import made since wrote on these contacts
    (a newer LinkedIn export's company and title): that import is undone first. New messages
    alone are no reason: they stay, and the last touch is worked out again."""
    changes = (
        ImportChange.select(ImportRun.id, ImportRun.file_name, ImportChange.before)
        .join(ImportRun, on=ImportChange.run == ImportRun.id)
        .where(
            ImportRun.status == "committed",
            ImportRun.started_at >= merge.created_at,
            ImportChange.table == "contact",
            ImportChange.row_id.in_(ids),
        )
        .order_by(ImportRun.id.desc())
        .tuples()
    )
    for run_id, file_name, before in changes:
        if set(before or {}) - _RECOMPUTED:
            raise MergeError(
                f"Import #{run_id} ({file_name}), made after this merge, changed these contacts: undo"
                " that import first (Import, under History), then this merge."
            )


def recent_merges(limit: int = 10) -> list[dict]:
    """The latest merges with both names, newest first, for the undo list; a merge-all batch
    is one entry (`batch` true, with its `count`)."""
    merges = list(Merge.select().where(Merge.batch_id.is_null()).order_by(Merge.id.desc()).limit(limit))
    names = dict(
        Contact.select(Contact.id, Contact.full_name)
        .where(Contact.id.in_([m.kept_id for m in merges] + [m.merged_id for m in merges]))
        .tuples()
    )
    out = []
    for m in merges:
        merged_name = next(
            (c["full_name"] for c in m.snapshot["contacts"] if c["id"] == m.merged_id),
            names.get(m.merged_id, "?"),
        )
        out.append(
            {
                "id": m.id,
                "batch": False,
                "kept_id": m.kept_id,
                "kept_name": names.get(m.kept_id, "?"),
                "merged_name": merged_name,
                "created_at": m.created_at,
                "undone_at": m.undone_at,
            }
        )
    batches = (
        Merge.select(Merge.batch_id).where(Merge.batch_id.is_null(False)).distinct()
        .order_by(Merge.batch_id.desc()).limit(limit).tuples()
    )  # fmt: skip
    out += [batch_summary(batch_id) for (batch_id,) in batches]
    return sorted(out, key=lambda entry: entry["id"], reverse=True)[:limit]


def batch_summary(batch_id: int) -> dict | None:
    """A merge-all batch as recent_merges shows it (its count, how many are still merged, when),
    without reading every merge's snapshot; None if there is no such batch."""
    count, left, created_at, undone_at = (
        Merge.select(
            fn.count(Merge.id), fn.count(Merge.id).filter(Merge.undone_at.is_null()),
            fn.min(Merge.created_at), fn.max(Merge.undone_at),
        )
        .where(Merge.batch_id == batch_id)
        .tuples()
        .get()
    )  # fmt: skip
    if not count:
        return None
    return {
        "id": batch_id,
        "batch": True,
        "count": count,
        "left": left,
        "created_at": Merge.created_at.python_value(created_at),
        "undone_at": None if left else Merge.undone_at.python_value(undone_at),
    }


def get_batch(batch_id: int) -> dict | None:
    """A merge-all batch as recent_merges shows it, with (merge id, kept name, merged name) of
    each merge still standing in `pairs`; None if there is no such batch."""
    merges = list(Merge.select().where(Merge.batch_id == batch_id).order_by(Merge.id))
    if not merges:
        return None
    pairs = []
    for m in merges:
        if m.undone_at is None:
            contacts = {c["id"]: c["full_name"] for c in m.snapshot["contacts"]}
            pairs.append((m.id, contacts.get(m.kept_id, "?"), contacts.get(m.merged_id, "?")))
    return batch_summary(batch_id) | {"pairs": pairs}


def get_merge(merge_id: int) -> dict | None:
    """One merge as recent_merges shows it."""
    merge = Merge.get_or_none(Merge.id == merge_id)
    if merge is None:
        return None
    contacts = {c["id"]: c["full_name"] for c in merge.snapshot["contacts"]}
    return {
        "id": merge.id,
        "kept_id": merge.kept_id,
        "kept_name": contacts.get(merge.kept_id, "?"),
        "merged_name": contacts.get(merge.merged_id, "?"),
        "created_at": merge.created_at,
        "undone_at": merge.undone_at,
    }


def moved_counts(contact_id: int) -> dict[str, int]:
    """What a contact would bring along in a merge (activities, follow-ups...)."""
    return {
        "activities": ActivityContact.select().where(ActivityContact.contact == contact_id).count(),
        "follow-ups": FollowUp.select().where(FollowUp.contact == contact_id).count(),
        "signals": Signal.select().where(Signal.contact == contact_id).count(),
        "ledger entries": Reciprocity.select().where(Reciprocity.contact == contact_id).count(),
    }


def merged_ids() -> list[int]:
    """Contacts that were merged into another (and not undone): they stay out of the trash list."""
    return [m for (m,) in Merge.select(Merge.merged_id).where(Merge.undone_at.is_null()).tuples()]
