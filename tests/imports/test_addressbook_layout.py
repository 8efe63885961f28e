"""Odd CSV shapes: a title line before an unknown header, a repeated column name, and a row with
more fields than the header (import-formats.md, CSV pitfalls)."""

from __future__ import annotations

import json

import pytest

from crm.models import Contact
from crm.services import addressbook_import, contacts, imports
from importers.formats import NeedsMapping
from tests.imports.test_bad_input_and_cli import invoke

PREAMBLE = (
    "My export from ToolX\n"
    "\n"
    "Nome Completo,Correio,Empresa,Whatever\n"
    "Maria Silva,maria@x.example,ACME,zz\n"
    "João Souza,joao@x.example,Beta,yy\n"
)
MAPPING = {"Nome Completo": "full_name", "Correio": "email", "Empresa": "company"}
# A Google export saved again by hand: a trailing comma in the header, an email column twice,
# and one row with two fields too many.
REPEATED = (
    "First Name ,Last Name, Labels,E-mail 1 - Value,E-mail 1 - Value,Phone 1 - Value,Organization Name,\n"
    "Ann,Lee,,a1@x.example,a2@x.example,+1 555 0100 100,Acme,\n"
    "\n"
    ",,,,,,,\n"
    "Bob,Ray,,bob@x.example\n"
    "Cy,Dee,,cy@x.example,,555-0101,Beta,extra,more,evenmore\n"
)


def commit(text: str, name: str = "contacts.csv", **kw):
    return imports.commit(addressbook_import.planner(text.encode(), name, "h", **kw))


def test_an_unknown_csv_after_a_title_line_shows_its_real_columns(database):
    with pytest.raises(NeedsMapping) as asked:
        addressbook_import.open_source(PREAMBLE.encode(), "toolx.csv", kind="csv")
    assert asked.value.header == ["Nome Completo", "Correio", "Empresa", "Whatever"]
    assert asked.value.samples[0]["Correio"] == "maria@x.example"
    _run, report = commit(PREAMBLE, "toolx.csv", mapping=MAPPING)
    assert report.contacts["created"] == 2 and not report.skipped
    maria = Contact.get(Contact.full_name == "Maria Silva")
    assert (maria.company.name, [e.email for e in maria.emails]) == ("ACME", ["maria@x.example"])


def test_cli_maps_an_unknown_csv_after_a_title_line(app, tmp_path):
    path, mapping = tmp_path / "unknown_preamble.csv", tmp_path / "map.json"
    path.write_text(PREAMBLE)
    mapping.write_text(json.dumps(MAPPING))
    result = invoke(app, "import", "csv", str(path), "--mapping", str(mapping), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["contacts"] == {"created": 2, "updated": 0, "unchanged": 0}


def test_a_known_layout_after_a_title_line_is_still_recognised(database):
    text = (
        "Contacts exported 2024-01-01\n\n"
        "First Name,Last Name,Labels,E-mail 1 - Value\nAnn,Lee,,ann@x.example\n"
    )
    source = addressbook_import.open_source(text.encode(), "g.csv", kind="csv")
    assert source.format == "google" and source.table.header_row == 3
    _run, report = commit(text)
    assert report.contacts["created"] == 1


def test_a_repeated_email_column_adds_its_addresses_and_the_note_says_so(database):
    _run, report = commit(REPEATED)
    ann = Contact.get(Contact.first_name == "Ann")
    assert contacts.emails_of(ann) == ["a1@x.example", "a2@x.example"]
    assert (
        'The column "E-mail 1 - Value" appears more than once; the values of column 5'
        ' ("E-mail 1 - Value__2") were read as email too.'
    ) in report.notices
    assert not any("kept as" in n for n in report.notices)


def test_a_repeated_column_of_a_one_value_field_is_ignored_and_the_note_says_so(database):
    text = (
        "First Name,Last Name,Organization Name,Organization Name,Labels\n"
        "Ann,Lee,,Globex,\nBo,Ray,Acme,Initech,\n"
    )
    _run, report = commit(text)
    assert (
        'The column "Organization Name" appears more than once;'
        ' column 4 ("Organization Name__2") was ignored.'
    ) in report.notices
    assert Contact.get(Contact.first_name == "Ann").company is None
    assert Contact.get(Contact.first_name == "Bo").company.name == "Acme"


def test_a_row_with_more_fields_than_the_header_is_imported_and_its_extras_named(database):
    _run, report = commit(REPEATED)
    assert [(s.row, s.reason) for s in report.skipped] == []
    cy = Contact.get(Contact.first_name == "Cy")
    assert (cy.last_name, cy.company.name) == ("Dee", "Beta")
    assert [e.email for e in cy.emails] == ["cy@x.example"] and [p.phone for p in cy.phones] == ["555-0101"]
    assert (
        "contacts.csv, row 6: has 10 fields but the header has 8; it was imported without the extra"
        " values ('more', 'evenmore')."
    ) in report.notices
    assert report.contacts["created"] == 3  # Ann, Bob (a short row, padded) and Cy


def test_several_long_rows_make_one_note_naming_their_rows(database):
    text = "First Name,Last Name,E-mail 1 - Value,Labels\nA,One,a@x.example,,x\nB,Two,b@x.example,,y,z\n"
    _run, report = commit(text)
    assert report.contacts["created"] == 2 and not report.skipped
    assert (
        "contacts.csv: 2 rows have more fields than the header's 4 (rows 2, 3); they were imported"
        " without the extra values (row 2: 'x')."
    ) in report.notices


def test_a_name_of_punctuation_is_no_name_and_a_birthday_in_the_future_is_left_out(database, app):
    """Found by QA: a row whose only cell was ",,," became a contact named ",,,", and a birthday
    of 1/1/2030 was taken without a word."""
    data = (
        b"First Name,Last Name,E-mail 1 - Value,Birthday,Labels\n"
        b'",,,",-,,,\n'
        b"Ann,Lee,ann@x.example,1/1/2999,\n"
    )
    _run, report = imports.commit(addressbook_import.planner(data, "google.csv", "h"))
    assert [(s.row, s.reason) for s in report.skipped] == [(2, "no name, email, phone or LinkedIn URL")]
    ann = Contact.get(Contact.first_name == "Ann")
    assert ann.birthday_year is None and ann.birthday_month is None
    assert "google.csv, row 3: birthday '1/1/2999' is in the future and was left out" in report.notices
    assert Contact.select().count() == 1
