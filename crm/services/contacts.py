"""Contacts and companies: list, search, create, edit, trash and restore."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from peewee import JOIN, fn

from crm.db import write
from crm.forms import ContactInput
from crm.models import (
    Activity,
    ActivityContact,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    FollowUp,
    Merge,
    Tag,
    TagAction,
    TagActionContact,
    utcnow,
)
from crm.services import activities, derived
from importers.base import name_key, normalize_phone

PER_PAGE = 50
SORTS = {
    "name": (Contact.name_key.asc(), Contact.id.asc()),
    "recent": (Contact.last_touch_at.desc(nulls="LAST"), Contact.id.desc()),
    "added": (Contact.created_at.desc(), Contact.id.desc()),
    "priority": (Contact.score.desc(), Contact.id.asc()),
    "company": (Company.name_key.asc(nulls="LAST"), Contact.name_key.asc()),
}
SORT_LABELS = {
    "name": "Name",
    "recent": "Last touch",
    "added": "Recently added",
    "priority": "Priority",
    "company": "Company",
}


class ValidationError(ValueError):
    """Input a service refuses, keyed by field name like a form error."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class ContactFilters:
    q: str = ""
    tag: str = ""
    stage: str = ""
    company_id: int | None = None
    sort: str = "name"
    page: int = 1
    quiet_days: int | None = None
    has_followup: bool = False
    due_by: dt.date | None = None  # due or overdue for a touch on this (owner's) day


@dataclass
class ContactPage:
    items: list[Contact]
    tags: dict[int, list[str]]
    total: int
    page: int
    pages: int


def _alive(query):
    return query.where(Contact.deleted_at.is_null())


def search_query(filters: ContactFilters):
    """The filtered (unsorted, unpaginated) contact query."""
    query = _alive(Contact.select(Contact, Company).join(Company, JOIN.LEFT_OUTER))
    if filters.q:
        text = filters.q.strip().lower()
        key = name_key(filters.q) or text
        # One narrow scan per field, unioned into a set of ids: a single OR across the company
        # join made SQLite read every contact row and look up its company (200 ms at 30,000).
        # SQLite's LIKE already ignores ASCII case, the same as lower() did.
        matching = (
            Contact.select(Contact.id).where(Contact.name_key.contains(key))
            | Contact.select(Contact.id).join(Company).where(Company.name_key.contains(key))
            | Contact.select(Contact.id).where(Contact.title.contains(text))
            | ContactEmail.select(ContactEmail.contact).where(ContactEmail.email.contains(text))
        )
        query = query.where(Contact.id.in_(matching))
    if filters.stage:
        query = query.where(Contact.stage == filters.stage)
    if filters.company_id:
        query = query.where(Contact.company == filters.company_id)
    if filters.tag:
        tag = find_tag(filters.tag)
        tagged = ContactTag.select(ContactTag.contact).where(ContactTag.tag == (tag.id if tag else None))
        query = query.where(Contact.id.in_(tagged))
    if filters.quiet_days:
        cutoff = utcnow() - dt.timedelta(days=filters.quiet_days)
        query = query.where(Contact.last_touch_at.is_null() | (Contact.last_touch_at < cutoff))
    if filters.due_by:
        query = query.where(Contact.next_touch_due <= filters.due_by)
    if filters.has_followup:
        open_followups = FollowUp.select(FollowUp.contact).where(
            FollowUp.done_at.is_null(), FollowUp.deleted_at.is_null()
        )
        query = query.where(Contact.id.in_(open_followups))
    return query


def list_contacts(filters: ContactFilters, per_page: int = PER_PAGE) -> ContactPage:
    """One page of contacts with their company and tags, in a constant number of queries."""
    query = search_query(filters)
    total = query.count()
    pages = max(1, -(-total // per_page))
    page = min(max(1, filters.page), pages)
    items = list(query.order_by(*SORTS.get(filters.sort, SORTS["name"])).paginate(page, per_page))
    return ContactPage(items, tags_for([c.id for c in items]), total, page, pages)


def tags_for(contact_ids: list[int]) -> dict[int, list[str]]:
    """Tag names per contact id, in one query."""
    result: dict[int, list[str]] = defaultdict(list)
    if not contact_ids:
        return result
    rows = (
        ContactTag.select(ContactTag.contact, Tag.name)
        .join(Tag)
        .where(ContactTag.contact.in_(contact_ids))
        .order_by(Tag.name)
        .tuples()
    )
    for contact_id, tag in rows:
        result[contact_id].append(tag)
    return result


def find_tag(name: str) -> Tag | None:
    """The tag with this name, capitals aside: "VIP" finds "vip" (and "ÉQUIPE" "équipe")."""
    tag = Tag.get_or_none(Tag.name == name)  # the column ignores the capitals of A to Z
    if tag is None and not name.isascii():
        folded = name.casefold()
        tag = next((t for t in Tag.select() if t.name.casefold() == folded), None)
    return tag


def tag_named(name: str) -> Tag:
    """The tag with this name, capitals aside and kept as first spelled; created if new."""
    return find_tag(name) or Tag.create(name=name)


def all_tags() -> list[Tag]:
    """Every tag, by name."""
    return list(Tag.select().order_by(Tag.name))


def tags_among(filters: ContactFilters) -> list[str]:
    """The names of the tags that contacts matching these filters have, by name."""
    matching = search_query(filters).select(Contact.id)
    held = ContactTag.select(ContactTag.id).where(ContactTag.tag == Tag.id, ContactTag.contact.in_(matching))
    return [name for (name,) in Tag.select(Tag.name).where(fn.EXISTS(held)).order_by(Tag.name).tuples()]


MAX_SELECTED = 1000  # contact ids one bulk action takes from a page (a page shows PER_PAGE)
_CHUNK = 2000  # ids per statement when a bulk action writes (well under SQLite's variable limit)
KEPT_ACTIONS = 20  # the latest bulk tag actions kept for their undo (each lists whom it changed)


@dataclass
class BulkTagResult:
    """What a bulk tag action did (or would do, or what its undo did): how many contacts it looked
    at and how many it changed; action_id is the action to undo, if it changed anyone."""

    tag: str
    added: bool
    matched: int
    changed: int
    action_id: int | None = None
    undone: bool = False

    def summary(self) -> str:
        """What was done, in words: "Added “VIP” to 12 contacts. 3 already had it."."""
        tag, n = f"“{self.tag}”", f"{self.matched:,}"
        people = f"{self.changed:,} contact{'' if self.changed == 1 else 's'}"
        if self.undone and not self.changed:
            return f"Nothing to undo: the {n} contacts it changed have been changed back since."
        if self.undone:
            if self.added:
                return f"Undone: {tag} is off the {people} it was added to."
            return f"Undone: {tag} is back on the {people} it was removed from."
        if not self.matched:
            return "No contacts matched: nothing changed."
        if not self.changed and self.added:
            return f"No change: {'the contact' if n == '1' else f'all {n}'} already had {tag}."
        if not self.changed:
            return f"No change: {'the contact did not have' if n == '1' else f'none of the {n} had'} {tag}."
        rest = self.matched - self.changed
        if self.added:
            return f"Added {tag} to {people}." + (f" {rest:,} already had it." if rest else "")
        return f"Removed {tag} from {people}." + (f" {rest:,} did not have it." if rest else "")


def _targets(ids: list[int] | None, filters: ContactFilters | None):
    if filters is not None:
        return search_query(filters).select(Contact.id)
    return _alive(Contact.select(Contact.id).where(Contact.id.in_(list(ids or []))))


def _tag_to_remove(name: str) -> Tag:
    tag = find_tag(name)
    if tag is None:
        raise ValidationError({"remove_tag": f"There is no tag “{name}”."})
    return tag


def preview_bulk_tag(name: str, *, add: bool, filters: ContactFilters) -> BulkTagResult:
    """What bulk_tag would do to every contact the filters match now, without doing it."""
    tag = find_tag(name) if add else _tag_to_remove(name)
    matched = search_query(filters).count()
    having = 0
    if tag is not None:
        holders = ContactTag.select(ContactTag.contact).where(ContactTag.tag == tag)
        having = search_query(filters).where(Contact.id.in_(holders)).count()
    return BulkTagResult(tag.name if tag else name, add, matched, matched - having if add else having)


def bulk_tag(
    name: str, *, add: bool, ids: list[int] | None = None, filters: ContactFilters | None = None
) -> BulkTagResult:
    """Add a tag to (or remove it from) the contacts with these ids, or every contact the filters
    match (read when it runs), in one transaction; their next touch and score follow the change.
    The contacts it changed are recorded, so undo_bulk_tag can change exactly them back.

    A new tag name creates the tag, as the contact form does; removing a tag that does not exist
    is refused (one that exists is kept when nobody has it any more, with its cadence).
    """
    if filters is None and len(ids or []) > MAX_SELECTED:
        raise ValidationError({"selection": f"At most {MAX_SELECTED:,} contacts by id at once."})
    with write():
        targets = [cid for (cid,) in _targets(ids, filters).tuples()]
        found = find_tag(name) if add else _tag_to_remove(name)
        tag = found or Tag.create(name=name)
        having = {
            cid for (cid,) in ContactTag.select(ContactTag.contact).where(ContactTag.tag == tag).tuples()
        }
        changed = [cid for cid in targets if (cid in having) != add]
        action = None
        if changed:
            action = TagAction.create(tag=tag, added=add, created_tag=found is None)
            TagAction.delete().where(TagAction.id <= action.id - KEPT_ACTIONS).execute()
        _retag(tag, changed, add, action)
    return BulkTagResult(tag.name, add, len(targets), len(changed), action.id if action else None)


def _retag(tag: Tag, contact_ids: list[int], add: bool, action: TagAction | None = None) -> None:
    """Give the tag to (or take it from) these contacts, who do not have (or have) it, noting them
    in the action; their next touch and score follow (the caller owns the transaction)."""
    now = utcnow()
    for start in range(0, len(contact_ids), _CHUNK):
        chunk = contact_ids[start : start + _CHUNK]
        if add:
            ContactTag.insert_many(
                [(cid, tag.id) for cid in chunk], fields=[ContactTag.contact, ContactTag.tag]
            ).execute()
        else:
            ContactTag.delete().where(ContactTag.tag == tag, ContactTag.contact.in_(chunk)).execute()
        if action is not None:
            TagActionContact.insert_many(
                [(action.id, cid) for cid in chunk],
                fields=[TagActionContact.action, TagActionContact.contact],
            ).execute()
        Contact.update(updated_at=now).where(Contact.id.in_(chunk)).execute()
    # A tag's cadence feeds the next touch due and the score; refresh_many's own batches
    # join this transaction, so the action is all or nothing.
    derived.refresh_many(contact_ids)


def undo_bulk_tag(action_id: int) -> BulkTagResult | None:
    """Take the tag off exactly the contacts a bulk action gave it to (or put it back on those it
    took it from) and, if the action made the tag and nothing else holds it now, remove the tag.
    None when the action is no longer kept or was undone already."""
    with write():
        action = TagAction.get_or_none(TagAction.id == action_id)
        if action is None or action.undone_at is not None:
            return None
        tag = action.tag
        noted = [cid for (cid,) in action.contacts.select(TagActionContact.contact).tuples()]
        having = {
            cid for (cid,) in ContactTag.select(ContactTag.contact).where(ContactTag.tag == tag).tuples()
        }
        # whoever had it changed by hand since is left as they are now
        changed = [cid for cid in noted if (cid in having) == action.added]
        _retag(tag, changed, not action.added)
        action.undone_at = utcnow()
        action.save()
        result = BulkTagResult(tag.name, action.added, len(noted), len(changed), action.id, undone=True)
        unused = not ContactTag.select().where(ContactTag.tag == tag).exists()
        if action.created_tag and unused and tag.cadence_days is None:
            tag.delete_instance()  # its actions go with it: there is nothing left to undo
    return result


def get_contact(contact_id: int, *, include_deleted: bool = False) -> Contact | None:
    """A contact by id (None when missing or in the trash)."""
    query = Contact.select(Contact, Company).join(Company, JOIN.LEFT_OUTER)
    query = query.where(Contact.id == contact_id)
    if not include_deleted:
        query = query.where(Contact.deleted_at.is_null())
    return query.get_or_none()


def company_for(name: str) -> Company | None:
    """The company with this name (matched case- and accent-insensitively), created if new."""
    name = (name or "").strip()
    if not name:
        return None
    key = name_key(name) or name.lower()
    company = Company.get_or_none(Company.name_key == key)
    if company is None:
        company = Company.create(name=name, name_key=key)
    elif company.deleted_at:
        company.deleted_at = None
        company.save()
    return company


def _check_unique_url(url: str | None, contact_id: int | None) -> None:
    if not url:
        return
    other = Contact.get_or_none(Contact.linkedin_url == url)
    if other and other.id != contact_id:
        where = " (in the trash)" if other.deleted_at else ""
        raise ValidationError(
            {"linkedin_url": f"{other.full_name}{where} already has this LinkedIn profile."}
        )


def _apply(contact: Contact, data: ContactInput) -> None:
    contact.first_name = data.first_name
    contact.last_name = data.last_name
    contact.full_name = " ".join(p for p in (data.first_name, data.last_name) if p)
    contact.name_key = name_key(contact.full_name)
    contact.company = company_for(data.company)
    contact.title = data.title
    contact.location = data.location
    contact.website = data.website
    contact.linkedin_url = data.linkedin_url
    year, month, day = data.birthday or (None, None, None)
    contact.birthday_year, contact.birthday_month, contact.birthday_day = year, month, day
    contact.stage = data.stage
    contact.notes = data.notes
    contact.cadence_days = data.cadence_days
    contact.updated_at = utcnow()


def create_contact(data: ContactInput, *, source: str = "manual") -> Contact:
    """Add a contact from form input."""
    with write():
        _check_unique_url(data.linkedin_url, None)
        contact = Contact(source=source)
        _apply(contact, data)
        contact.save()
        _set_lists(contact, data)
        derived.refresh_contacts([contact.id])
    return contact


def update_contact(contact: Contact, data: ContactInput) -> Contact:
    """Save edited fields, emails, phones and tags; a new stage is written in the stream."""
    with write():
        _check_unique_url(data.linkedin_url, contact.id)
        stage = contact.stage
        _apply(contact, data)
        contact.save()
        _set_lists(contact, data)
        if contact.stage != stage:
            activities.record_stage_change(contact.id, stage, contact.stage)
        # Stage, cadence, tags and birthday all weigh in the score.
        derived.refresh_contacts([contact.id])
    return contact


def _set_lists(contact: Contact, data: ContactInput) -> None:
    ContactEmail.delete().where(ContactEmail.contact == contact).execute()
    for position, email in enumerate(data.emails):
        ContactEmail.create(contact=contact, email=email, position=position)
    ContactPhone.delete().where(ContactPhone.contact == contact).execute()
    seen = set()
    for position, phone in enumerate(data.phones):
        key = normalize_phone(phone)
        if key in seen:
            continue
        seen.add(key)
        ContactPhone.create(contact=contact, phone=phone, phone_key=key, position=position)
    set_tags(contact, data.tags)


def set_tags(contact: Contact, names: list[str]) -> None:
    """Replace a contact's tags (the caller owns the transaction)."""
    ContactTag.delete().where(ContactTag.contact == contact).execute()
    for tag_name in names:
        ContactTag.get_or_create(contact=contact, tag=tag_named(tag_name))


def emails_of(contact: Contact) -> list[str]:
    return [e.email for e in contact.emails.order_by(ContactEmail.position)]


def phones_of(contact: Contact) -> list[str]:
    return [p.phone for p in contact.phones.order_by(ContactPhone.position)]


def form_values(contact: Contact) -> dict[str, str]:
    """A contact as the strings its edit form shows."""
    birthday = ""
    if contact.birthday_month:
        md = f"{contact.birthday_month:02d}-{contact.birthday_day:02d}"
        birthday = f"{contact.birthday_year}-{md}" if contact.birthday_year else md
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "emails": "\n".join(emails_of(contact)),
        "phones": "\n".join(phones_of(contact)),
        "company": contact.company.name if contact.company_id else "",
        "title": contact.title,
        "location": contact.location,
        "website": contact.website,
        "linkedin_url": contact.linkedin_url or "",
        "birthday": birthday,
        "stage": contact.stage,
        "tags": ", ".join(tags_for([contact.id]).get(contact.id, [])),
        "notes": contact.notes,
        "cadence_days": str(contact.cadence_days or ""),
    }


def delete_contact(contact: Contact) -> None:
    """Move a contact to the trash (restorable; its history is kept)."""
    with write():
        contact.deleted_at = utcnow()
        contact.save()


def restore_contact(contact: Contact) -> bool:
    """Bring a contact back from the trash; False for a merged-away contact (undo the merge)."""
    with write():
        if Merge.select().where(Merge.merged_id == contact.id, Merge.undone_at.is_null()).exists():
            return False
        contact.deleted_at = None
        contact.save()
        derived.refresh_contacts([contact.id])
    return True


def trash(limit: int = 200) -> list[Contact]:
    """Contacts in the trash, most recently deleted first (merged-away contacts are not shown)."""
    merged = Merge.select(Merge.merged_id).where(Merge.undone_at.is_null())
    return list(
        Contact.select()
        .where(Contact.deleted_at.is_null(False), Contact.id.not_in(merged))
        .order_by(Contact.deleted_at.desc())
        .limit(limit)
    )


def timeline(contact: Contact, limit: int = 50, before: dt.datetime | None = None) -> list[Activity]:
    """A contact's activities, newest first."""
    query = (
        Activity.select()
        .join(ActivityContact)
        .where(ActivityContact.contact == contact, Activity.deleted_at.is_null())
    )
    if before is not None:
        query = query.where(ActivityContact.occurred_at < before)
    return list(query.order_by(ActivityContact.occurred_at.desc()).limit(limit))


def count_contacts() -> int:
    """Contacts not in the trash."""
    return _alive(Contact.select()).count()


def list_companies(q: str = "", page: int = 1, per_page: int = PER_PAGE):
    """Companies with the number of people you know there, biggest first."""
    people = fn.COUNT(Contact.id)
    query = (
        Company.select(Company, people.alias("people"))
        .join(
            Contact,
            JOIN.LEFT_OUTER,
            on=(Contact.company == Company.id) & Contact.deleted_at.is_null(),
        )
        .where(Company.deleted_at.is_null())
        .group_by(Company.id)
    )
    if q:
        query = query.where(Company.name_key.contains(name_key(q) or q.lower()))
    total = query.count()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(query.order_by(people.desc(), Company.name_key).paginate(page, per_page))
    return items, total, page, pages


def company_named(name: str) -> Company | None:
    """The company with this name, matched as companies are (case and accents ignored)."""
    key = name_key(name) or name.strip().lower()
    return Company.get_or_none(Company.name_key == key, Company.deleted_at.is_null())


def get_company(company_id: int) -> Company | None:
    return Company.get_or_none(Company.id == company_id, Company.deleted_at.is_null())


def people_at(company: Company) -> list[Contact]:
    """Everyone you know at a company, by priority then name."""
    return list(
        _alive(Contact.select().where(Contact.company == company)).order_by(
            Contact.score.desc(), Contact.name_key
        )
    )
