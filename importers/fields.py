"""Value parsers shared by the CSV and vCard importers: dates, phones, emails, tags, URLs.

Each returns the parsed value plus warnings a person can read in the preview.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import Counter

from .base import Birthday, clean_text, normalize_email, normalize_linkedin_url

NAME_LIMIT = 1024
NOTE_LIMIT = 1 << 20
# Google's own system groups; other `* name` labels are groups the person made or sees.
DROPPED_LABELS = frozenset({"mycontacts", "my contacts", "starred"})
COURTESY_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "prof", "m", "mme", "mlle", "herr", "frau", "sr", "sra"}
)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?e\+?\d+$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T.*)?$")
_YEARLESS = re.compile(r"^--(\d{2})-?(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})(?:\2(\d{4}|\d{2}))?\.?$")
_TEXT_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")
_TEXT_YEARLESS = ("%d %b", "%d %B", "%b %d", "%B %d")
_MONTHS = ("January February March April May June July August September October November December").split()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DIGIT = re.compile(r"\d")
_WEB = re.compile(r"^(https?://|www\.)", re.IGNORECASE)


def fast_clean(value: str, limit: int = NOTE_LIMIT) -> str:
    """base.clean_text, with a fast path for the usual text without control characters."""
    if not value:
        return ""
    if _CONTROL.search(value):
        return clean_text(value, limit)
    text = value if value.isascii() else unicodedata.normalize("NFC", value)
    return text[:limit].strip()


def clean_name(value: str) -> str:
    """A name-sized text field: cleaned, one line, at most 1 KiB."""
    # Names, companies and titles repeat a lot within a file: short ones are memoised.
    if len(value) <= 200:
        return _clean_short(value)
    return " ".join(fast_clean(value, NAME_LIMIT).split())


@functools.lru_cache(maxsize=1 << 16)
def _clean_short(value: str) -> str:
    # Printable ASCII has no control characters and is already NFC: only whitespace to fold.
    if value.isascii() and value.isprintable():
        return " ".join(value.split())
    return " ".join(fast_clean(value, NAME_LIMIT).split())


def _full_year(year: int, digits: int) -> int:
    if digits > 2:
        return year
    this_year = dt.date.today().year
    return 2000 + year if 2000 + year <= this_year else 1900 + year


def _birthday(year: int | None, month: int, day: int) -> Birthday | None:
    if year in (0, 1604):
        year = None
    try:
        dt.date(year or 2000, month, day)
    except ValueError:
        return None
    return Birthday(month, day, year)


def describe_birthday(b: Birthday) -> str:
    """A birthday as a contact's page shows it: "4 November 1980", or "4 November" without a year."""
    text = f"{b.day} {_MONTHS[b.month - 1]}"
    return f"{text} {b.year}" if b.year else text


class AmbiguousDate(str):
    """The warning for a day/month date that reads either way: `value` is the date as written,
    `order` how it was read ("day first" or "month first"). An import sums these up in one note
    instead of a line each."""

    value: str
    order: str


def parse_birthday(
    value: str, *, dayfirst: bool = False, orders: Counter | None = None
) -> tuple[Birthday | None, list[str]]:
    """A Birthday from the common export spellings; ambiguous D/M is flagged (AmbiguousDate).

    `orders`, when given, counts the numeric dates that can only be read one way ("day first"
    or "month first"): the evidence of how the file writes its dates."""
    birthday, warnings, order = _parse_birthday_cached(value, dayfirst)
    if birthday and birthday.year and dt.date(birthday.year, birthday.month, birthday.day) > dt.date.today():
        return None, [f"birthday {value.strip()!r} is in the future and was left out"]
    if order and orders is not None:
        orders[order] += 1
    return birthday, list(warnings)


@functools.lru_cache(maxsize=1 << 14)
def _parse_birthday_cached(value: str, dayfirst: bool) -> tuple[Birthday | None, tuple[str, ...], str]:
    birthday, warnings, order = _parse_birthday(value, dayfirst=dayfirst)
    return birthday, tuple(warnings), order


def _parse_birthday(value: str, *, dayfirst: bool = False) -> tuple[Birthday | None, list[str], str]:
    """(birthday, warnings, the order a numeric date can only be read in, else "")."""
    text = value.strip()
    if not text or set(text) <= set("0/-.: "):
        return None, [], ""
    result: Birthday | None = None
    warnings: list[str] = []
    order = ""
    if match := _ISO.match(text) or _COMPACT.match(text):
        result = _birthday(int(match[1]), int(match[2]), int(match[3]))
    elif match := _YEARLESS.match(text):
        result = _birthday(None, int(match[1]), int(match[2]))
    elif match := _NUMERIC.match(text):
        a, sep, b, year_text = int(match[1]), match[2], int(match[3]), match[4]
        year = _full_year(int(year_text), len(year_text)) if year_text else None
        if sep == "." or a > 12:
            day, month = a, b
            order = "day first" if sep != "." else ""
        elif b > 12 or a == b:
            month, day = a, b
            order = "month first" if b > 12 else ""
        else:
            day, month = (a, b) if dayfirst else (b, a)
            result = _birthday(year, month, day)
            if result:
                read = "day first" if dayfirst else "month first"
                warning = AmbiguousDate(
                    f"birthday {text!r} is ambiguous; read as {describe_birthday(result)} ({read})"
                )
                warning.value, warning.order = text, read
                warnings.append(warning)
        result = result or _birthday(year, month, day)
    else:
        result = _parse_text_date(text)
    if result is None:
        return None, [f"birthday {text!r} was not understood and was left out"], ""
    return result, warnings, order


def _parse_text_date(text: str) -> Birthday | None:
    cleaned = " ".join(text.replace(".", " ").split())
    for pattern in _TEXT_FORMATS:
        try:
            day = dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
        return _birthday(day.year, day.month, day.day)
    for pattern in _TEXT_YEARLESS:
        try:
            day = dt.datetime.strptime(f"2000 {cleaned}", f"%Y {pattern}").date()
        except ValueError:
            continue
        return _birthday(None, day.month, day.day)
    return None


def parse_date(value: str) -> dt.date | None:
    """A full date (`15 Mar 2024`, ISO, `3/15/2024`); None when there is no full date."""
    text = value.strip()
    if not text:
        return None
    birthday = _parse_birthday_cached(text, False)[0]
    if birthday is None or birthday.year is None:
        return None
    return dt.date(birthday.year, birthday.month, birthday.day)


@functools.cache
def _splitter(separators: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(split pattern, quick test for any separator) for a separators regex."""
    return re.compile(rf"\s*(?:{separators})\s*"), re.compile(separators)


def split_values(value: str, separators: str = r":::|;") -> list[str]:
    """Parts of a multi-value cell, trimmed, blanks dropped."""
    pattern, probe = _splitter(separators)
    if probe.search(value) is None:  # the usual single value
        value = value.strip()
        return [value] if value else []
    return [p.strip() for p in pattern.split(value) if p.strip()]


# A cell holding one address already in normal form: lower-case ASCII, no space, bracket, quote
# or separator. split_values gives it back whole and normalize_email unchanged, so one match stands
# for both (most cells of an export; tests/importers/test_addressbook_fast_paths.py holds them equal).
_PLAIN_EMAIL = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9._%+\-]+\.[a-z0-9._%+\-]+")
# Separators that cannot match inside such a cell (no ":", ";" or "," in it).
_PLAIN_EMAIL_SEPARATORS = frozenset({r":::|;|,", ","})


def parse_emails(values: list[str], separators: str = r":::|;|,") -> tuple[list[str], list[str]]:
    """Normalised, de-duplicated addresses and a warning per invalid one; each value is split at
    `separators` (a regex)."""
    emails: list[str] = []
    warnings: list[str] = []
    plain = _PLAIN_EMAIL.fullmatch if separators in _PLAIN_EMAIL_SEPARATORS else None
    for cell in values:
        if plain is not None and plain(cell):
            if cell not in emails:
                emails.append(cell)
            continue
        for part in split_values(cell, separators):
            email = normalize_email(part)
            if not email:
                warnings.append(f"{clean_name(part)[:80]!r} is not an email address; left out")
            elif email not in emails:
                emails.append(email)
    return emails, warnings


# A cell holding one number as exports write it ("+1 (415) 555-0100"): digits and punctuation,
# single spaces inside. It is its own clean_name (printable ASCII, nothing to trim or fold), has a
# digit and no "e" (not Excel's scientific notation) and no separator, so parse_phones keeps it as is.
_PLAIN_PHONE = re.compile(r"[+(]?[0-9][0-9()./+\-]*(?: [0-9()./+\-]+)*")
_PLAIN_PHONE_SEPARATORS = frozenset({r":::|;", None})  # none can match inside such a cell


def parse_phones(values: list[str], separators: str | None = r":::|;") -> tuple[list[str], list[str]]:
    """Phones kept as text; Excel's scientific notation and digit-less values are flagged. Each
    value is split at `separators` (a regex; None: each value is one number)."""
    phones: list[str] = []
    warnings: list[str] = []
    plain = _PLAIN_PHONE.fullmatch if separators in _PLAIN_PHONE_SEPARATORS else None
    for cell in values:
        if plain is not None and len(cell) <= NAME_LIMIT and plain(cell):
            if cell not in phones:
                phones.append(cell)
            continue
        for part in split_values(cell, separators) if separators else (cell,):
            phone = clean_name(part)
            if _SCIENTIFIC.match(phone):
                warnings.append(
                    f"phone {phone!r} looks rewritten by Excel (scientific notation); "
                    "its last digits may be lost"
                )
            if _DIGIT.search(phone) is None:
                warnings.append(f"phone {phone[:80]!r} has no digits; left out")
            elif phone not in phones:
                phones.append(phone)
    return phones, warnings


def parse_tags(values: list[str], separators: str = r":::|;") -> list[str]:
    """Tags from label cells, Google's `* ` marker stripped and its system labels dropped."""
    if len(values) == 1 and len(values[0]) <= 200:  # label cells repeat: memoised
        return list(_parse_tag_cell(values[0], separators))
    return _parse_tags(values, separators)


def tag_tuple(values: list[str], separators: str = r":::|;") -> tuple[str, ...]:
    """parse_tags as a tuple; a memoised label cell's tuple is shared, not copied (records hold
    tuples, and Google's few label sets repeat on every row)."""
    if len(values) == 1 and len(values[0]) <= 200:
        return _parse_tag_cell(values[0], separators)
    return tuple(_parse_tags(values, separators))


@functools.lru_cache(maxsize=1 << 12)
def _parse_tag_cell(value: str, separators: str) -> tuple[str, ...]:
    return tuple(_parse_tags([value], separators))


def _parse_tags(values: list[str], separators: str) -> list[str]:
    tags: list[str] = []
    for cell in values:
        for part in split_values(cell, separators):
            tag = clean_name(part.removeprefix("*").strip())
            if tag and tag.casefold() not in DROPPED_LABELS and tag not in tags:
                tags.append(tag)
    return tags


def parse_title(values: list[str]) -> str:
    """The first job title that is not a courtesy title such as `Mr.` or `Mme`."""
    if len(values) == 1 and len(values[0]) <= 200:  # one title a row, and titles repeat: memoised
        return _title_cell(values[0])
    return _parse_title(values)


@functools.lru_cache(maxsize=1 << 12)
def _title_cell(value: str) -> str:
    return _parse_title([value])


def _parse_title(values: list[str]) -> str:
    for value in values:
        title = clean_name(value)
        if title and title.casefold().rstrip(".") not in COURTESY_TITLES:
            return title
    return ""


def parse_urls(linkedin: list[str], websites: list[str]) -> tuple[str, str, list[str]]:
    """(linkedin_url, website, warnings): only real LinkedIn profile URLs become linkedin_url."""
    profile, site, warnings = "", "", []
    for value in dict.fromkeys(linkedin + websites):  # one address in two fields: one warning
        text = clean_name(value)
        url = normalize_linkedin_url(text)
        if url:
            profile = profile or url
            continue
        is_web = _WEB.match(text) is not None
        if value in linkedin or "linkedin.com/" in text.lower():  # a company page, say
            kept = "; kept as the website" if is_web and not site else ""
            warnings.append(f"{text[:80]!r} is not a LinkedIn profile URL{kept}")
        if is_web:
            site = site or text
        elif value in websites and text:
            warnings.append(f"website {text[:80]!r} is not a web address; left out")
    return profile, site, warnings
