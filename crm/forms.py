"""Form parsing: request data in, typed values and per-field errors out (no database)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from crm.models import STAGES
from importers.base import normalize_email, normalize_linkedin_url, normalize_phone

MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}


@dataclass
class ContactInput:
    """A contact form's values after parsing."""

    first_name: str = ""
    last_name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str = ""
    title: str = ""
    location: str = ""
    website: str = ""
    linkedin_url: str | None = None
    birthday: tuple[int | None, int, int] | None = None
    stage: str = "lead"
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    cadence_days: int | None = None


def split_values(text: str) -> list[str]:
    """Values typed one per line or separated by commas/semicolons, blanks dropped."""
    return [v.strip() for v in re.split(r"[\n,;]+", text or "") if v.strip()]


MAX_TAG_LENGTH = 60


def parse_tags(text: str) -> tuple[list[str], str | None]:
    """Tag names typed comma separated (blanks and repeats, capitals aside, dropped), and what is
    wrong, if anything."""
    first: dict[str, str] = {}
    for tag in split_values(text):
        first.setdefault(tag.casefold(), tag)
    tags = list(first.values())
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            return tags, f"A tag can be at most {MAX_TAG_LENGTH} characters; “{tag[:24]}…” has {len(tag)}."
    return tags, None


def parse_tag_name(text: str) -> tuple[str, str | None]:
    """One tag name (the contact list's bulk tagging), by the contact form's rules for tags."""
    tags, error = parse_tags(text)
    if error:
        return "", error
    if not tags:
        return "", "Type a tag name."
    if len(tags) > 1:
        return "", "One tag at a time: a comma or semicolon separates tags, so a name cannot contain one."
    return tags[0], None


def parse_birthday(text: str) -> tuple[int | None, int, int] | None:
    """'1987-09-07', '09-07', '--09-07', '7 Sep', '7 Sep 1987' -> (year|None, month, day)."""
    text = (text or "").strip().lower().lstrip("-").strip()
    if not text:
        return None
    year = None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})-(\d{1,2})", text):
        month, day = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{1,2})\s+([a-z]{3})[a-z]*\.?(?:\s+(\d{4}))?", text):
        day, month = int(m[1]), MONTHS.get(m[2], 0)
        year = int(m[3]) if m[3] else None
    elif m := re.fullmatch(r"([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?", text):
        month, day = MONTHS.get(m[1], 0), int(m[2])
        year = int(m[3]) if m[3] else None
    else:
        raise ValueError("Use a date like 1987-09-07, or 7 Sep when the year is unknown.")
    try:
        dt.date(year or 2000, month, day)
    except ValueError:
        raise ValueError("That is not a real date.") from None
    if year and not 1900 <= year <= dt.date.today().year:
        raise ValueError("That year looks wrong.")
    return (year, month, day)


def website_error(url: str) -> str | None:
    """What is wrong with a typed website address, in words; None when it will do."""
    if not re.match(r"^https?://", url):
        return "Give a full web address starting with https://"
    if re.search(r"[\s<>\"']", url):
        return "A web address cannot contain spaces or the characters < > \" '; remove them."
    if not re.match(r"^https?://[^\s<>\"']+$", url):
        return "Add the site's address after https://, like https://example.com"
    return None


def linkedin_url_error(url: str) -> str:
    """Why a typed address is not a person's LinkedIn profile, in words."""
    page = re.search(r"linkedin\.com/+(company|school|showcase)/", url, re.IGNORECASE)
    if page:
        return (
            f"That is a LinkedIn {page[1].lower()} page, not a person's profile: use the person's"
            " address, like https://www.linkedin.com/in/name"
        )
    return "Use a LinkedIn profile address like https://www.linkedin.com/in/name"


def parse_contact(form) -> tuple[ContactInput, dict[str, str]]:
    """Parse a submitted contact form; errors are keyed by field name."""
    data, errors = ContactInput(), {}
    data.first_name = form.get("first_name", "").strip()[:200]
    data.last_name = form.get("last_name", "").strip()[:200]
    if not data.first_name and not data.last_name:
        errors["first_name"] = "Give at least a first or a last name."
    for raw in split_values(form.get("emails", "")):
        email = normalize_email(raw)
        if not email:
            errors["emails"] = f"“{raw}” is not an email address."
            break
        if email not in data.emails:
            data.emails.append(email)
    for raw in split_values(form.get("phones", "").replace(",", "\n")):
        if not normalize_phone(raw):
            errors["phones"] = f"“{raw}” does not look like a phone number."
            break
        data.phones.append(raw)
    data.company = form.get("company", "").strip()[:200]
    data.title = form.get("title", "").strip()[:200]
    data.location = form.get("location", "").strip()[:200]
    data.website = form.get("website", "").strip()[:300]
    if data.website:
        error = website_error(data.website)
        if error:
            errors["website"] = error
    url = form.get("linkedin_url", "").strip()
    if url:
        data.linkedin_url = normalize_linkedin_url(url)
        if not data.linkedin_url:
            errors["linkedin_url"] = linkedin_url_error(url)
    try:
        data.birthday = parse_birthday(form.get("birthday", ""))
    except ValueError as exc:
        errors["birthday"] = str(exc)
    data.stage = form.get("stage", "lead")
    if data.stage not in STAGES:
        errors["stage"] = "Pick a stage from the list."
    data.tags, error = parse_tags(form.get("tags", ""))
    if error:
        errors["tags"] = error
    data.notes = form.get("notes", "").strip()[:100_000]
    cadence = form.get("cadence_days", "").strip()
    if cadence:
        if not cadence.isdigit() or not 1 <= int(cadence) <= 3650:
            errors["cadence_days"] = "A number of days between 1 and 3650, or empty."
        else:
            data.cadence_days = int(cadence)
    return data, errors
