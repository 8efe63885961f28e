"""The vCard reader's fast path (card by card, regular expressions) gives exactly what the
line-by-line reader gives, on plain files and on every oddity that sends it back to that reader."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from importers import vcard
from importers.base import ImportRejected
from importers.vcard import parse_vcard
from tests.addressbook_export import build

LINES = [
    "VERSION:3.0",
    "N:Gupta;Ravi;;;",
    "N:O\\;Brien\\, Jr;Ann\\nMarie;;;",
    "FN:Ravi Gupta",
    "FN:",
    "ORG:Acme\\, Inc.;Sales",
    "ORG:Acme Labs;",
    "TITLE:VP\\, Sales",
    "ROLE:Buyer",
    "item1.EMAIL;type=INTERNET;type=pref:ravi@gupta.example",
    "item1.X-ABLabel:_$!<Other>!$_",
    "item2.URL:https://www.linkedin.com/in/ravi",
    "item2.X-ABLabel:LinkedIn",
    "EMAIL:RAVI@Gupta.example",
    "TEL;type=CELL:+1 555 0100",
    "TEL;VALUE=uri:tel:+1-555-0101",
    "ADR;type=WORK:;;1 Main St;Austin;TX;78701;USA",
    "ADR;type=HOME:;;;Paris;;;France",
    "X-SOCIALPROFILE;type=linkedin:https://www.linkedin.com/in/ravi-g",
    "X-SOCIALPROFILE;x-user=ravig;type=linkedin:x-apple:ravig",
    "URL;TYPE=linkedin:https://linkedin.com/in/Ravi/",
    "URL:https://ravi.example",
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-02",
    "BDAY:19800302",
    "BDAY;VALUE=text:circa 1800",
    "CATEGORIES:Clients,VIP\\,Gold",
    "NOTE:Line one\\nLine two\\, with comma",
    "NOTE:",
    'NOTE;X-Q="a:b":quoted parameter',
    'NOTE:a value with "quotes" in it',
    "X-ABShowAs:COMPANY",
    "KIND:org",
    "KIND:individual",
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg==",
    "item3.PHOTO;ENCODING=BASE64:AAAA",
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;",
    "NOTE;ENCODING=QUOTED-PRINTABLE:Erste Zeile=0D=0A=",
    "Zweite Zeile=",
    "FN;QUOTED-PRINTABLE:Ren=C3=A9",
    "X-CUSTOM:whatever",
    "no colon here",
    "TITLE",  # a property name alone, no colon: no property (else it would hide a ROLE)
    ":empty head",
    "END;x=y:other",
    "begin:vcard",
    "End:VCARD",
    "item9.END:VCARD",
    " continuation line",
    "\tcontinuation:with colon",
    "",
    "   ",
    "\x0b",
    "=",
    "BEGIN:VCARD",
    "END:VCARD",
]
FOLDABLE = "NOTE:" + "a long note, folded " * 6


def fold(line: str, at: int, tab: bool) -> str:
    return line[:at] + ("\n\t" if tab else "\n ") + line[at:]


line = st.one_of(
    st.sampled_from(LINES),
    st.builds(
        fold,
        st.sampled_from([FOLDABLE, "TEL;type=CELL:+1 555 0100", "BEGIN:VCARD"]),
        st.integers(1, 20),
        st.booleans(),
    ),  # fmt: skip
)
card = st.builds(
    lambda lines, end, gap: "BEGIN:VCARD\n" + "".join(f"{x}\n" for x in lines) + end + gap,
    st.lists(line, max_size=10),
    st.sampled_from(["END:VCARD\n", "END:VCARD\n", "END:VCARD\n", "", "END:VCARD\n \n", "end:vcard\n"]),
    st.sampled_from(["", "", "\n", "garbage\n", " \n", "NOTE;ENCODING=QUOTED-PRINTABLE:x=\n"]),
)


def both(data: bytes) -> tuple[list, list]:
    try:
        source = parse_vcard(data, "x.vcf")
    except ImportRejected:  # control characters enough to look binary
        return [], []
    return list(source.records()), list(source._lines_records(0, 0))


PLAIN = "BEGIN:VCARD\nFN:A\nEND:VCARD\n"
ODD = [
    "BEGIN:VCARD\n continuation line\nFN:B\nEND:VCARD\n",  # BEGIN folded: no boundary
    "BEGIN:VCARD\nFN:B\nEND:VCARD\n more\n",  # END folded (still a boundary)
    "BEGIN:VCARD\nFN:B\n\n\tTEL:1\nEND:VCARD\n",  # a blank line, then a continuation
    'BEGIN:VCARD\nNOTE;X="a:b":c\nEND:VCARD\n',  # a colon in a quoted parameter
    "BEGIN:VCARD\nFN\n :B\nEND:VCARD\n",  # a folded property name
    "BEGIN:VCARD\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\nEND:VCARD\n",  # soft break into END
    "BEGIN:VCARD\nFN:B\nBEGIN:VCARD\nFN:C\nEND:VCARD\n",  # not closed
    "begin:vcard\nFN:B\nEnd:VCARD\n",  # boundaries in other cases
    "BEGIN:VCARD\nFN:B\nEND:VCARD\ngarbage\nNOTE;QUOTED-PRINTABLE:x=\n",  # after the cards
    "BEGIN:VCARD\nFN:B\n",  # no END
    "BEGIN:VCARD\nitem1.END;x=1:VCARD\nFN:B\nEND:VCARD\n",  # a grouped boundary
    "BEGIN:VCARD\nPHOTO;ENCODING=b:AAA\n\n BBB:C\nFN:B\nEND:VCARD\n",  # a blob, blank, more
    "BEGIN:VCARD\nTITLE\nROLE:Buyer\nFN:B\nEND:VCARD\n",  # no colon: no TITLE to hide the ROLE
]


@settings(max_examples=400, deadline=None)
@given(st.lists(card, min_size=1, max_size=5), st.sampled_from(["\n", "\r\n", "\r"]))
@example([PLAIN, *ODD], "\n")
@example([PLAIN, *ODD], "\r\n")
def test_fast_reader_equals_the_line_by_line_reader(cards, newline):
    text = "".join(cards).replace("\n", newline)
    fast, general = both(text.encode())
    assert fast == general


def test_each_oddity_alone_and_after_a_plain_card():
    for odd in ODD:
        for text in (odd, PLAIN + odd, PLAIN + odd + PLAIN):
            fast, general = both(text.encode())
            assert fast == general, text


def test_plain_files_take_the_fast_path(monkeypatch):
    data, truth = build("vcard", 400, seed=2)
    fast, general = both(data)
    assert fast == general and len(fast) == 400
    monkeypatch.setattr(vcard.VcardImport, "_lines_records", lambda *a: iter(["line by line"]))
    assert "line by line" not in list(parse_vcard(data, "x.vcf").records())


def test_a_soft_break_into_end_leaves_the_rest_to_the_line_by_line_reader():
    text = (
        "BEGIN:VCARD\nFN:One\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:Two\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:Three\nEND:VCARD\n"
    )
    fast, general = both(text.encode())
    assert fast == general
    assert [r.full_name for r in fast] == ["One", "Two", "Three"]  # END went into the note
    assert "not closed" in fast[1].warnings[0]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab:"\n \t\x0b\x0c\r;')), max_size=30))
def test_irregular_bodies_are_those_of_the_multi_line_pattern(body):
    # the pattern before it was anchored on line breaks (searched after a "\n", as _card_props does)
    multi_line = re.compile(r'^[^ \t\n:][^:\n"]*(?:"|\n[ \t])|\n(?:[^\S \t\n][^\S\n]*)?\n[ \t]', re.MULTILINE)
    text = "\n" + body
    assert bool(vcard._IRREGULAR.search(text)) == bool(multi_line.search(text))
