"""Peewee models for the whole product map, and a few small query helpers.

The schema itself is created by the ordered migrations in crm/migrations; a test checks that
the migrated schema matches these models. Timestamps are naive UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
import json

from peewee import (
    SQL,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from crm.db import BaseModel

STAGES = (
    "lead",
    "prospect",
    "opportunity",
    "customer",
    "partner",
    "friend",
    "lost",
    "do_not_contact",
)
STAGE_LABELS = {
    "lead": "Lead",
    "prospect": "Prospect",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "partner": "Partner",
    "friend": "Friend",
    "lost": "Lost",
    "do_not_contact": "Do not contact",
}
ACTIVITY_KINDS = (
    "note",
    "call",
    "email",
    "meeting",
    "message",
    "invitation",
    "endorsement",
    "recommendation",
    "other",
    "stage_change",
    "followup_done",
    "signal",
    "job_change",
    "import",
)
TOUCH_KINDS = ("note", "call", "email", "meeting", "message", "other")


def utcnow() -> dt.datetime:
    """The current time as a naive UTC datetime (how every timestamp is stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class JSONField(TextField):
    """A JSON document stored as text."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class Setting(BaseModel):
    """Owner settings and app state (password hash, session generation, goals, weights)."""

    key = CharField(primary_key=True)
    value = JSONField()


class Company(BaseModel):
    name = CharField()
    name_key = CharField(unique=True)
    website = CharField(default="")
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    deleted_at = DateTimeField(null=True)


class ImportRun(BaseModel):
    """One import: what was read, what it changed (ImportChange rows), and whether it was undone."""

    source = CharField()
    file_name = CharField()
    file_hash = CharField(index=True)
    status = CharField(default="running")  # running, committed, failed, undone
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    undone_at = DateTimeField(null=True)
    counts = JSONField(default=dict)
    problems = JSONField(default=list)
    notices = JSONField(default=list)


# Contact columns that only change together, a name's parts and keys and a birthday's (an undo
# puts each group back whole or not at all).
CONTACT_GROUPS = (
    frozenset({"first_name", "last_name", "full_name", "name_key"}),
    frozenset({"birthday_month", "birthday_day", "birthday_year"}),
)


class Contact(BaseModel):
    first_name = CharField(default="")
    last_name = CharField(default="")
    full_name = CharField()
    name_key = CharField(index=True)
    linkedin_url = CharField(null=True, unique=True)
    company = ForeignKeyField(Company, null=True, backref="contacts", on_delete="SET NULL", index=False)
    title = CharField(default="")
    location = CharField(default="")
    website = CharField(default="")
    birthday_month = IntegerField(null=True)
    birthday_day = IntegerField(null=True)
    birthday_year = IntegerField(null=True)
    notes = TextField(default="")
    stage = CharField(default="lead", index=True)
    source = CharField(default="manual")
    connected_on = DateField(null=True)
    is_connection = BooleanField(default=False)
    connected = BooleanField(default=False)
    cadence_days = IntegerField(null=True)
    value_deal = FloatField(default=0)
    value_referrals = IntegerField(default=0)
    value_advocate = BooleanField(default=False)
    value_feedback = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    deleted_at = DateTimeField(null=True)
    # Denormalised for the Today page and lists (kept current by the services).
    last_touch_at = DateTimeField(null=True, index=True)
    next_touch_due = DateField(null=True, index=True)
    snoozed_until = DateTimeField(null=True, index=True)
    snoozed_at = DateTimeField(null=True)
    score = FloatField(default=0)  # indexed with deleted_at (Meta)
    score_reasons = JSONField(default=list)
    score_updated_at = DateTimeField(null=True)
    import_run = ForeignKeyField(ImportRun, null=True, on_delete="SET NULL")
    # The pre-call brief: what the owner wants from the next conversation.
    brief_goal = TextField(default="")
    # What the last LinkedIn import said of the job (None: none has yet): the next export's job
    # change or promotion is judged against it, whatever company and title the owner keeps.
    linkedin_company = TextField(null=True)
    linkedin_title = TextField(null=True)

    class Meta:
        indexes = ((("deleted_at", "score"), False), (("company", "deleted_at"), False))

    @property
    def birthday_text(self) -> str:
        if not self.birthday_month:
            return ""
        base = dt.date(2000, self.birthday_month, self.birthday_day).strftime("%-d %B")
        return f"{base} {self.birthday_year}" if self.birthday_year else base


class ContactEmail(BaseModel):
    # No index on contact alone: (contact, email) serves it (migration 0007); the same below.
    contact = ForeignKeyField(Contact, backref="emails", on_delete="CASCADE", index=False)
    email = CharField(index=True)
    label = CharField(default="")
    position = IntegerField(default=0)

    class Meta:
        indexes = ((("contact", "email"), True),)


class ContactPhone(BaseModel):
    contact = ForeignKeyField(Contact, backref="phones", on_delete="CASCADE", index=False)
    phone = CharField()
    phone_key = CharField(index=True)
    label = CharField(default="")
    position = IntegerField(default=0)

    class Meta:
        indexes = ((("contact", "phone_key"), True),)


class Tag(BaseModel):
    name = CharField(unique=True, collation="NOCASE")  # "VIP" and "vip" are one tag (0013)
    cadence_days = IntegerField(null=True)


class ContactTag(BaseModel):
    contact = ForeignKeyField(Contact, backref="tag_links", on_delete="CASCADE", index=False)
    tag = ForeignKeyField(Tag, backref="contact_links", on_delete="CASCADE", index=False)

    class Meta:
        indexes = ((("contact", "tag"), True), (("tag", "contact"), False))


class TagAction(BaseModel):
    """A bulk tag action, with the contacts it changed (TagActionContact), so it can be undone."""

    tag = ForeignKeyField(Tag, on_delete="CASCADE")
    added = BooleanField()
    created_tag = BooleanField()  # it made the tag: its undo removes the tag if nothing else holds it
    created_at = DateTimeField(default=utcnow)
    undone_at = DateTimeField(null=True)


class TagActionContact(BaseModel):
    action = ForeignKeyField(TagAction, backref="contacts", on_delete="CASCADE", index=False)
    contact = ForeignKeyField(Contact, on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("action", "contact")


class Activity(BaseModel):
    """One entry in the stream: a touch, an imported message, or something the system did."""

    kind = CharField()
    occurred_at = DateTimeField(index=True)
    direction = CharField(null=True)  # in, out or None
    origin = CharField(default="logged")  # logged, imported, system
    source = CharField(default="manual")
    source_key = CharField(null=True, unique=True)
    summary = CharField(default="")
    body = TextField(default="")
    import_run = ForeignKeyField(ImportRun, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    deleted_at = DateTimeField(null=True)


class ActivityContact(BaseModel):
    """Which contacts an activity involves; occurred_at is copied here for per-contact timelines."""

    # No single-column indexes: each is the prefix of one of the two composite indexes below,
    # and keeping them made writing an import's links three times slower (migration 0005).
    activity = ForeignKeyField(Activity, backref="contact_links", on_delete="CASCADE", index=False)
    contact = ForeignKeyField(Contact, backref="activity_links", on_delete="CASCADE", index=False)
    occurred_at = DateTimeField()
    # What scoring needs of the activity, so it never reads the activity table (migration 0006):
    # derived.TOUCH_* values; left at TOUCH_UNKNOWN, a trigger fills it in from the activity.
    touch = IntegerField(default=-1)

    class Meta:
        indexes = ((("activity", "contact"), True), (("contact", "occurred_at", "touch"), False))


class FollowUp(BaseModel):
    contact = ForeignKeyField(Contact, backref="followups", null=True, on_delete="CASCADE")
    title = CharField()
    due_at = DateTimeField(index=True)
    all_day = BooleanField(default=True)
    rrule = CharField(null=True)
    snoozed_until = DateTimeField(null=True)
    done_at = DateTimeField(null=True, index=True)
    done_activity = ForeignKeyField(Activity, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    deleted_at = DateTimeField(null=True)


class Signal(BaseModel):
    """A buying or relationship signal on a contact; its weight fades with its half-life."""

    contact = ForeignKeyField(Contact, backref="signals", on_delete="CASCADE")
    kind = CharField(index=True)
    weight = FloatField()
    half_life_days = FloatField()
    observed_at = DateTimeField(index=True)
    details = JSONField(default=dict)
    note = TextField(default="")
    dismissed_at = DateTimeField(null=True)
    source_key = CharField(null=True, unique=True)
    import_run = ForeignKeyField(ImportRun, null=True, on_delete="SET NULL")
    activity = ForeignKeyField(Activity, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class Reciprocity(BaseModel):
    """The give/ask ledger: introductions, favours and referrals in each direction."""

    contact = ForeignKeyField(Contact, backref="ledger", on_delete="CASCADE")
    direction = CharField()  # gave (owner gave) or asked (owner asked / received)
    kind = CharField()  # introduction, favour, referral
    note = CharField(default="")
    occurred_at = DateTimeField(default=utcnow)


class ImportChange(BaseModel):
    """What an import did to one row, so the import can be undone exactly."""

    run = ForeignKeyField(ImportRun, backref="changes", on_delete="CASCADE", index=False)
    table = CharField()
    row_id = IntegerField()
    action = CharField()  # created or updated
    before = JSONField(null=True)
    after = JSONField(null=True)  # what the import wrote (migration 0015); None in older runs

    class Meta:
        indexes = ((("run", "table"), False),)


class Merge(BaseModel):
    """A duplicate merge, with a snapshot of both contacts so it can be undone."""

    kept = ForeignKeyField(Contact, on_delete="CASCADE")
    merged_id = IntegerField()
    snapshot = JSONField()
    created_at = DateTimeField(default=utcnow)
    undone_at = DateTimeField(null=True)
    batch_id = IntegerField(null=True, index=True)  # the first merge of a merge-all batch


class DuplicateDismissal(BaseModel):
    """A pair of contacts the owner said are not the same person (contact_a < contact_b)."""

    contact_a = ForeignKeyField(Contact, on_delete="CASCADE", index=False)
    contact_b = ForeignKeyField(Contact, on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("contact_a", "contact_b"), True),)


class ColumnMapping(BaseModel):
    """A CSV column mapping the owner chose, remembered by the file's header."""

    header_key = CharField(unique=True)
    mapping = JSONField()
    updated_at = DateTimeField(default=utcnow)


class LoginAttempt(BaseModel):
    """Failed logins per client address, for throttling (shared by all workers)."""

    client = CharField(index=True)
    at = DateTimeField(index=True)


MODELS = (
    Setting,
    Company,
    ImportRun,
    Contact,
    ContactEmail,
    ContactPhone,
    Tag,
    ContactTag,
    TagAction,
    TagActionContact,
    Activity,
    ActivityContact,
    FollowUp,
    Signal,
    Reciprocity,
    ImportChange,
    Merge,
    DuplicateDismissal,
    ColumnMapping,
    LoginAttempt,
)

ALIVE = SQL("deleted_at IS NULL")


def get_setting(key: str, default=None):
    """A setting's value, or the default when unset."""
    row = Setting.get_or_none(Setting.key == key)
    return default if row is None else row.value


def set_setting(key: str, value) -> None:
    """Store a setting (the caller owns the transaction)."""
    Setting.insert(key=key, value=value).on_conflict_replace().execute()
