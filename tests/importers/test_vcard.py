"""vCard 2.1 / 3.0 / 4.0 import: Apple quirks, encodings, company cards, hostile input."""

import base64
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.base import Birthday, ImportRejected, PersonRecord, Skipped
from importers.vcard import is_company_card, parse_vcard

SAMPLES = Path(__file__).parent / "samples" / "vcard"


def cards(data: bytes):
    return list(parse_vcard(data, "c.vcf"))


def test_apple_grouped_items_escapes_and_photo():
    ravi, acme, emeka = cards((SAMPLES / "apple.vcf").read_bytes())
    assert (ravi.first_name, ravi.last_name, ravi.full_name) == ("Ravi", "Gupta", "Ravi Gupta")
    assert ravi.emails == ("ravi@gupta.example",)
    assert ravi.phones == ("+91 98765 43210", "+91 11 2345 6789")
    assert ravi.linkedin_url == "https://www.linkedin.com/in/ravi-gupta"
    assert ravi.website == "https://ravi.example"
    assert ravi.company == "Company;, name" and ravi.title == "VP, Sales"
    assert ravi.notes == "Line one\nLine two, with comma; and semicolon \\ backslash"
    assert ravi.birthday == Birthday(7, 15, None) and ravi.tags == ("Clients", "VIP")
    assert ravi.location == "Bengaluru, KA, India" and ravi.row == 1
    assert not ravi.warnings and not is_company_card(ravi)
    assert is_company_card(acme) and acme.display_name == "Acme Labs" == acme.company
    assert emeka.linkedin_url == "https://www.linkedin.com/in/emeka-okafor"
    assert emeka.birthday == Birthday(4, 15, None)


def test_a_category_with_a_semicolon_becomes_two_tags():
    # ";" separates tags everywhere in Rapport (the contact form, CSV cells, our own export),
    # so a tag never contains one and the CSV export round trip stays lossless.
    data = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n"
        b"CATEGORIES:Clients,Gold\\;VIP\r\nEND:VCARD\r\n"
    )
    (ann,) = cards(data)
    assert ann.tags == ("Clients", "Gold", "VIP")


def test_vcard21_quoted_printable_with_charset():
    jurgen, rene = cards((SAMPLES / "v21_qp.vcf").read_bytes())
    assert (jurgen.first_name, jurgen.last_name) == ("Jürgen", "Müller")
    assert jurgen.notes.startswith("Erste Zeile\nZweite Zeile mit ä")
    assert jurgen.notes.endswith("langen Text der umbrochen wird")
    assert jurgen.birthday == Birthday(4, 3, 1975)
    assert (rene.first_name, rene.last_name) == ("René", "François")


def test_vcard40_lf_folding():
    (mei,) = cards((SAMPLES / "v40.vcf").read_bytes())
    assert mei.phones == ("+1-555-555-0123",) and mei.birthday == Birthday(12, 24, None)
    assert mei.linkedin_url == "https://www.linkedin.com/in/mei-chen-nova"
    assert "next line because vCard lines should stay under" in mei.notes


@pytest.mark.parametrize(
    "line,expected",
    [
        ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-02", Birthday(3, 2, None)),
        ("BDAY:1604-03-02", Birthday(3, 2, None)),
        ("BDAY;X-APPLE-OMIT-YEAR=1604:1980-03-02", Birthday(3, 2, 1980)),
        ("BDAY:--0302", Birthday(3, 2, None)),
        ("BDAY:--03-02", Birthday(3, 2, None)),
        ("BDAY:19800302", Birthday(3, 2, 1980)),
        ("BDAY:1980-03-02T00:00:00Z", Birthday(3, 2, 1980)),
        ("BDAY;VALUE=text:circa 1800", None),
    ],
)
def test_birthdays(line, expected):
    (rec,) = cards(f"BEGIN:VCARD\nVERSION:3.0\nFN:A B\n{line}\nEND:VCARD\n".encode())
    assert rec.birthday == expected


def test_non_linkedin_urls_never_become_linkedin():
    data = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\n"
        "X-SOCIALPROFILE;type=linkedin:javascript:alert(1)\n"
        "item1.URL:https://evil.example/in/a\nitem1.X-ABLabel:LinkedIn\nEND:VCARD\n"
    )
    (rec,) = cards(data.encode())
    assert rec.linkedin_url == "" and rec.website == "https://evil.example/in/a"


def test_broken_cards_are_skipped_not_fatal():
    data = (
        "BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nEND:VCARD\n"
        "garbage line without colon\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ok Person\nEMAIL:ok@x.example\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:Unclosed\n"
    )
    empty, ok, unclosed = cards(data.encode())
    assert isinstance(empty, Skipped) and empty.row == 1 and "line 1" in empty.reason
    assert ok.full_name == "Ok Person" and ok.row == 2
    assert unclosed.full_name == "Unclosed" and "not closed" in unclosed.warnings[0]


@pytest.mark.parametrize("data", [b"", b"First Name,Last Name\nA,B\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00"])
def test_non_vcard_rejected(data):
    with pytest.raises(ImportRejected):
        parse_vcard(data, "x.vcf")


def test_many_photos_stay_fast():
    photo = base64.b64encode(bytes(range(256)) * 400).decode()
    folded = "\r\n ".join(photo[i : i + 74] for i in range(0, len(photo), 74))
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P {n}\r\nPHOTO;ENCODING=b;TYPE=JPEG:{p}\r\nEND:VCARD\r\n"
    data = "".join(card.format(n=n, p=folded) for n in range(200)).encode()
    assert len(data) > 25_000_000
    start = time.perf_counter()
    records = cards(data)
    assert len(records) == 200 and all(r.full_name.startswith("P ") for r in records)
    assert time.perf_counter() - start < 10


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    try:
        records = cards(b"BEGIN:VCARD\n" + data)
    except ImportRejected:
        return
    assert all(isinstance(r, (PersonRecord, Skipped)) for r in records)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("BEGIN:VCARD\r\n;=,\\ .-0123FNTEL") + ["é"]), max_size=400))
def test_arbitrary_vcard_like_text(text):
    try:
        records = cards(("BEGIN:VCARD\n" + text).encode())
    except ImportRejected:
        return
    assert all(isinstance(r, (PersonRecord, Skipped)) for r in records)


def test_vcard40_kind_org_is_a_company_card():
    (card,) = cards(b"BEGIN:VCARD\nVERSION:4.0\nFN:Acme Labs\nORG:Acme Labs\nKIND:org\nEND:VCARD\n")
    assert is_company_card(card) and card.display_name == "Acme Labs" and not card.first_name
    (person,) = cards(b"BEGIN:VCARD\nVERSION:4.0\nFN:Ann Lee\nORG:Acme\nKIND:individual\nEND:VCARD\n")
    assert not is_company_card(person) and person.full_name == "Ann Lee"


def test_only_the_first_address_becomes_the_location():
    data = (
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nADR;type=WORK:;;1 Main St;Austin;TX;78701;USA\n"
        b"ADR;type=HOME:;;;Paris;;;France\nEND:VCARD\n"
    )
    (card,) = cards(data)
    assert card.location == "Austin, TX, USA"
