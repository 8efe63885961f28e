"""Reading any CSV: encodings, delimiters, preambles, broken and hostile files."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.base import ImportRejected, PersonRecord, Skipped
from importers.csvfile import _lines, read_table
from importers.formats import parse_csv

TEXT = "First Name,Last Name,Email\r\nJosé,Ødegaard,jose@fjord.example\r\n"


def table_rows(data: bytes, name: str = "t.csv"):
    table = read_table(data, name)
    return table, list(table.rows())


@pytest.mark.parametrize(
    "data,encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
    ],
)
def test_encodings(data, encoding):
    table, rows = table_rows(data)
    assert table.encoding == encoding and not table.notices
    assert table.header == ["First Name", "Last Name", "Email"]
    assert rows == [(2, ["José", "Ødegaard", "jose@fjord.example"])]


def test_cp1252_fallback_is_announced():
    data = "First Name,Last Name,Notes\r\nJürgen,Weiß,Q1 \u2013 Q2\r\n".encode("cp1252")
    table, rows = table_rows(data)
    assert table.encoding == "cp1252"
    assert "Windows-1252" in table.notices[0]
    assert rows[0][1] == ["Jürgen", "Weiß", "Q1 \u2013 Q2"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_sniffed_from_header(delimiter):
    text = delimiter.join(["Vorname", "Nachname", "Firma"]) + "\n"
    text += delimiter.join(["Jörg", "Weiß", '"Süß, GmbH"']) + "\n"
    table, rows = table_rows(text.encode())
    assert table.delimiter == delimiter
    assert rows[0][1] == ["Jörg", "Weiß", "Süß, GmbH"]


def test_unknown_header_delimiter_by_consistency():
    text = "alpha;beta;gamma\n1;2,5;3\n4;5;6\n"
    table, rows = table_rows(text.encode())
    assert table.delimiter == ";" and rows[0][1] == ["1", "2,5", "3"]


def test_preamble_and_spreadsheet_row_numbers():
    text = 'Notes:\n"Some, text"\n\nFirst Name,Last Name,URL\nA,B,\n\n,,\nC,"multi\nline",x\nE,F,\n'
    table, rows = table_rows(text.encode())
    assert table.header_row == 4
    assert [n for n, _ in rows] == [5, 8, 9]
    assert rows[1][1][1] == "multi\nline"


def test_fallback_to_first_non_blank_line():
    table, _ = table_rows(b"\n\nfoo,bar\n1,2\n")
    assert table.header == ["foo", "bar"] and table.header_row == 3


def test_header_trimmed_bom_and_duplicates():
    text = "\ufeff Name ,Name,,Email \nA,B,C,D\n"
    table, rows = table_rows(text.encode())
    assert table.header == ["Name", "Name__2", "(column 3)", "Email"]
    assert any("Name__2" in n for n in table.notices)


def test_ragged_rows_padded_and_long_rows_skipped():
    text = "A,B,C\n1\n1,2,3,,\n1,2,3,4\n"
    _, rows = table_rows(text.encode())
    assert rows[0] == (2, ["1", "", ""])
    assert rows[1] == (3, ["1", "2", "3"])
    assert isinstance(rows[2], Skipped) and rows[2].row == 4 and "4 fields" in rows[2].reason


def test_sentinels_become_empty():
    text = "A,B,C,D,E\n0/0/00,0000-00-00,Unspecified,N/A,kept\n"
    _, rows = table_rows(text.encode())
    assert rows[0][1] == ["", "", "", "", "kept"]


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"  \r\n\r\n", "empty"),
        (b"First Name,Last Name,Email\r\n", "no rows"),
        (b"First Name,Last Name,Email\r\n,,\r\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not a text file"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)), "not a text file"),
    ],
)
def test_rejected_files(data, message):
    with pytest.raises(ImportRejected, match=message):
        parse_csv(data, "contacts.csv")


def test_five_thousand_columns_rejected():
    header = "First Name,Last Name,Email\n"
    with pytest.raises(ImportRejected) as err:
        read_table((header + "a," * 5000 + "\n").encode(), "wide.csv")
    assert err.value.row == 2 and "5001 fields" in err.value.message
    with pytest.raises(ImportRejected, match="columns"):
        read_table((",".join(f"c{i}" for i in range(5000)) + "\n1\n").encode(), "wide.csv")


def test_huge_field_or_stray_quote_names_the_row():
    data = b'First Name,Last Name,Notes\nA,B,ok\nC,D,"' + b"x" * (10 << 20) + b'"\nE,F,ok\n'
    with pytest.raises(ImportRejected) as err:
        list(parse_csv(data, "big.csv").records())
    assert err.value.row == 3 and "stray quote" in err.value.message


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_only_reject_or_records(data):
    try:
        imp = parse_csv(data, "fuzz.csv", mapping=None)
        rows = list(imp.records())
    except ImportRejected:
        return
    assert all(isinstance(r, (PersonRecord, Skipped)) for r in rows)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,;\t"\r\n =@') + ["é"]), max_size=300))
def test_arbitrary_csv_text_with_generic_mapping(text):
    data = ("First Name,Email,Phone\n" + text).encode()
    try:
        imp = parse_csv(data, "fuzz.csv", mapping={"First Name": "first_name", "Email": "email"})
        rows = list(imp.records())
    except ImportRejected:
        return
    assert all(isinstance(r, (PersonRecord, Skipped)) for r in rows)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,"\r\n\x0b\x0c\x1c\x85\u2028 ')), max_size=40))
def test_header_lines_are_the_lines_of_a_string_io(text):
    # read_table reads the header through _lines instead of a copy of the file in io.StringIO
    assert list(_lines(text)) == io.StringIO(text, newline="").readlines()
