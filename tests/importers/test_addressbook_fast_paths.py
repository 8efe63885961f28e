"""The address-book import's fast paths give exactly what the slow, general code gives."""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.services import matching
from importers import fields, formats
from importers.base import PersonRecord, Skipped, name_key, normalize_email, normalize_phone, person_record
from importers.formats import CsvImport, parse_csv
from importers.spreadsheet import unneutralize

ascii_text = st.text(alphabet=st.characters(max_codepoint=127))
phone_like = st.text(alphabet=st.sampled_from(list("+0123456789 ()-./x٣²")), max_size=20)
email_like = st.text(alphabet=st.sampled_from(list("aZé.@<> \tmailto:-_'\"")), max_size=16)


def general_name_key(*parts: str) -> str:
    text = unicodedata.normalize("NFKD", " ".join(p for p in parts if p).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def general_phone(value: str) -> str:
    text = (value or "").strip()
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < 6:
        return ""
    return digits.lstrip("0")


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), ascii_text), st.one_of(st.text(), ascii_text))
def test_name_key_ascii_path_matches_the_general_code(first, last):
    assert name_key(first, last) == general_name_key(first, last)


@settings(max_examples=500, deadline=None)
@given(st.one_of(phone_like, ascii_text, st.text()))
def test_phone_key_ascii_path_matches_the_general_code(value):
    assert normalize_phone(value) == general_phone(value)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(email_like, st.emails()), max_size=4), st.lists(phone_like, max_size=3))
def test_record_keys_equal_normalising_every_value(emails, phones):
    record = PersonRecord("csv", "x.csv", 2, emails=tuple(emails), phones=tuple(phones))
    _url, email_keys, phone_keys = matching.record_keys(record)
    assert email_keys == tuple(dict.fromkeys(e for e in map(normalize_email, emails) if e))
    expected = {}
    for phone in phones:
        expected.setdefault(normalize_phone(phone), phone)
    assert phone_keys == tuple((p, k) for k, p in expected.items() if k)


def whole_row_records(source: CsvImport) -> list:
    """What records() gives when every cell of every row is trimmed and checked first (the
    general path: CsvTable.rows), for comparison with the mapped-cells-only fast path."""
    out: list = []
    for row in source.table.rows(sentinels=source.fmt.sentinels):
        if isinstance(row, Skipped):
            out.append(row)
            continue
        number, values = row
        if source.fmt.unescape:
            values = [unneutralize(v) for v in values]
        cells = {
            name: found
            for name, indices in source.plan.items()
            if name != "location" and (found := [values[i] for i in indices if i >= 0 and values[i]])
        }
        place = formats._location(values, source.plan.get("location", []), False, False)
        record = source._record(number, cells, place)
        out.append(record or Skipped(source.table.file, number, "no name, email, phone or LinkedIn URL"))
    return out


CELLS = ["", " ", "Ann", " Lee ", "N/A", "unspecified", "0/0/00", "a@b.example", "=1+2", "'=1+2",
         "+1 555 0100", "* myContacts ::: Friends", "https://www.linkedin.com/in/ann", "1980-02-03",
         "Berlin", "x\ny"]  # fmt: skip
HEADERS = {
    "google": ["First Name", "Last Name", "Labels", "E-mail 1 - Value", "Phone 1 - Value",
               "Address 1 - City", "Address 1 - Country", "Birthday", "Notes", "Website 1 - Value"],
    "outlook_desktop": ["First Name", "Last Name", "E-mail Address", "E-mail Type", "Business City",
                        "Home City", "Mobile Phone", "Categories", "Job Title", "Birthday"],
    "rapport": ["id", "full_name", "linkedin_url", "emails", "phones", "stage", "source", "tags",
                "notes", "first_name"],
}  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(HEADERS)),
    st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=13), min_size=1, max_size=8),
)
def test_mapped_cells_fast_path_equals_reading_whole_rows(layout, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS[layout], *rows, ["Zoe", "Ray"]])
    source = parse_csv(buffer.getvalue().encode(), "x.csv", format=layout)
    assert list(source.records()) == whole_row_records(source)


@given(
    st.fixed_dictionaries(
        {"source": st.text(max_size=5), "file": st.text(max_size=5), "row": st.integers(0, 9)},
        optional={
            "first_name": st.text(max_size=5),
            "emails": st.lists(st.text(max_size=5), max_size=2).map(tuple),
            "is_connection": st.booleans(),
            "warnings": st.lists(st.text(max_size=5), max_size=2).map(tuple),
        },
    )
)
def test_person_record_without_init_equals_the_dataclass(values):
    fast = person_record(values)
    assert fast == PersonRecord(**values) and hash(fast) == hash(PersonRecord(**values))
    assert type(fast) is PersonRecord and fast.display_name == PersonRecord(**values).display_name


def general_emails(values: list[str], separators: str) -> tuple[list[str], list[str]]:
    """parse_emails without its whole-cell fast path: every part split and normalised."""
    emails: list[str] = []
    warnings: list[str] = []
    for part in (p for cell in values for p in fields.split_values(cell, separators)):
        email = normalize_email(part)
        if not email:
            warnings.append(f"{fields.clean_name(part)[:80]!r} is not an email address; left out")
        elif email not in emails:
            emails.append(email)
    return emails, warnings


def general_phones(values: list[str], separators: str | None) -> tuple[list[str], list[str]]:
    """parse_phones without its whole-cell fast path: every part cleaned and checked."""
    phones: list[str] = []
    warnings: list[str] = []
    for cell in values:
        for part in fields.split_values(cell, separators) if separators else (cell,):
            phone = fields.clean_name(part)
            if re.match(r"^[+-]?\d+(?:[.,]\d+)?e\+?\d+$", phone, re.IGNORECASE):
                warnings.append(
                    f"phone {phone!r} looks rewritten by Excel (scientific notation); "
                    "its last digits may be lost"
                )
            if not re.search(r"\d", phone):
                warnings.append(f"phone {phone[:80]!r} has no digits; left out")
            elif phone not in phones:
                phones.append(phone)
    return phones, warnings


email_cells = st.one_of(
    st.emails(),
    st.text(alphabet=st.sampled_from(list("ab.@-_+%Z9 ,;:<>'\"\té\n")), max_size=24),
    st.builds(lambda a, b: f"{a}@{b}.example", st.from_regex(r"[A-Za-z0-9.+%_-]{1,8}", fullmatch=True),
              st.from_regex(r"[A-Za-z0-9.-]{1,8}", fullmatch=True)),
)  # fmt: skip
phone_cells = st.one_of(
    phone_like,
    st.text(alphabet=st.sampled_from(list("+0123456789 ()-./eE:;,\t\n٣x")), max_size=24),
    st.from_regex(r"[+(]?[0-9][0-9()./+-]{0,12}(?: [0-9()./+-]{1,5}){0,3}", fullmatch=True),
    st.builds(lambda n: "1" * n, st.integers(1000, 1100)),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(email_cells, max_size=4), st.sampled_from([r":::|;|,", ",", ";"]))
def test_plain_email_cells_equal_the_general_code(values, separators):
    assert fields.parse_emails(values, separators) == general_emails(values, separators)


@settings(max_examples=500, deadline=None)
@given(st.lists(phone_cells, max_size=4), st.sampled_from([r":::|;", None, r"\+"]))
def test_plain_phone_cells_equal_the_general_code(values, separators):
    assert fields.parse_phones(values, separators) == general_phones(values, separators)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), ascii_text, st.sampled_from([",,,", "-", " Ann  Lee ", "x" * 300])))
def test_memoised_names_equal_the_general_code(value):
    name = fields.clean_name(value)
    assert formats._name([value]) == (name if any(c.isalnum() for c in name) else "")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CELLS + ["* starred ::: Friends", "a;b;a", "x" * 250]), max_size=3))
def test_tag_tuples_equal_parse_tags(values):
    for separators in (r":::|;", ":::", ";"):
        assert fields.tag_tuple(values, separators) == tuple(fields.parse_tags(values, separators))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12), st.sampled_from(["Mr.", " mme ", "CFO", "Dr", "x" * 250])))
def test_memoised_titles_equal_the_general_code(value):
    assert fields.parse_title([value]) == fields._parse_title([value])
