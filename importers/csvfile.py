"""Read any CSV a person might have: guess its encoding, delimiter and header line.

Pure: bytes in, rows of trimmed strings out; the mapping to our fields lives in formats.py.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .base import ImportRejected, Skipped

MAX_FIELD = 1 << 20
MAX_COLUMNS = 1000
HEADER_SCAN = 20
DELIMITERS = (",", ";", "\t")
SENTINELS = frozenset({"0/0/00", "0000-00-00", "0000-00-00 00:00:00", "unspecified", "n/a"})
_SENTINEL_FIRST = frozenset(s[0] for s in SENTINELS) | frozenset(s[0].upper() for s in SENTINELS)

# A few names any contact list is likely to use; formats.py passes its much larger set.
BASIC_HEADERS = frozenset(
    {"first name", "last name", "name", "full name", "email", "e mail", "email address"}
    | {"e mail address", "phone", "company", "title", "position", "url", "connected on"}
)


def header_key(name: str) -> str:
    """Header name compared loosely: lower-cased, `_`/`-`/spaces collapsed, BOM dropped."""
    text = name.replace("\ufeff", "").strip().casefold()
    return " ".join(re.sub(r"[\s_\-]+", " ", text).split())


def is_sentinel(value: str) -> bool:
    """True for values exporters write to mean "empty" (`0/0/00`, `Unspecified`, `N/A`...)."""
    return value.casefold() in SENTINELS


def decode(data: bytes, filename: str) -> tuple[str, str, list[str]]:
    """Text, encoding name and notices for CSV bytes; binary input is rejected."""
    notices: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8-sig", data
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, body = "utf-16", data
    else:
        encoding, body = _guess_nul_encoding(data[:4096]), data
    if encoding is None:
        raise ImportRejected("This is not a text file (it holds binary data).", file=filename)
    if encoding == "":
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            encoding = "cp1252"
            notices.append(
                "The file is not UTF-8; it was read as Windows-1252 (Western European). "
                "Check accented letters in the preview."
            )
    else:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ImportRejected(f"The file is not valid {encoding} text.", file=filename) from exc
    text = text.lstrip("\ufeff")
    sample = text[:8192]
    controls = sum(1 for c in sample if c < " " and c not in "\t\r\n")
    if "\x00" in sample or controls > max(2, len(sample) // 100):
        raise ImportRejected("This is not a text file (it holds binary data).", file=filename)
    return text, encoding, notices


def _guess_nul_encoding(head: bytes) -> str | None:
    """ "" for no NULs, a UTF-16 codec when NULs alternate like UTF-16, None for binary."""
    if b"\x00" not in head:
        return ""
    even, odd = head[0::2], head[1::2]
    even_nul = even.count(0) / max(1, len(even))
    odd_nul = odd.count(0) / max(1, len(odd))
    if odd_nul > 0.4 and even_nul < 0.1:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.1:
        return "utf-16-be"
    return None


@dataclass
class CsvTable:
    """A decoded CSV: its header (deduplicated), where it sits, and its data rows.

    A row with more fields than the header is skipped, or with `keep_long_rows` read without
    the extra fields (which the contact importer then reports).
    """

    file: str
    header: list[str]
    header_row: int
    encoding: str
    delimiter: str
    text: str = field(repr=False)
    notices: list[str] = field(default_factory=list)
    # a repeated column name: {index: (the name as in the file, the notice about it)}
    duplicates: dict[int, tuple[str, str]] = field(default_factory=dict)
    keep_long_rows: bool = False

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, raw values) of every record after the header, blank ones included.

        One generator rather than _numbered, _checked and a filter stacked (a row costs a few
        microseconds less, on every row of every import); the same errors, rows and numbers.
        """
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        number, header = 0, self.header_row
        try:
            for number, record in enumerate(reader, 1):
                if number <= header:
                    continue
                if len(record) > MAX_COLUMNS:
                    raise ImportRejected(
                        f"This row has {len(record)} fields; at most {MAX_COLUMNS} are supported.",
                        file=self.file,
                        row=number,
                    )
                yield number, record
        except csv.Error as exc:
            raise unreadable(exc, self.file, number + 1) from exc

    def rows(self, *, sentinels: bool = True) -> Iterator[tuple[int, list[str]] | Skipped]:
        """(row number, values padded to the header) per non-blank row, or Skipped."""
        csv.field_size_limit(MAX_FIELD)
        width = len(self.header)
        for number, raw in self.records():
            if sentinels:  # one pass: trim, and blank the sentinel words (cheap first-letter test)
                values = [
                    "" if v[:1] in _SENTINEL_FIRST and v.casefold() in SENTINELS else v
                    for v in map(str.strip, raw)
                ]
            else:
                values = [v.strip() for v in raw]
            if not any(values):
                continue
            if len(values) > width:
                if any(values[width:]) and not self.keep_long_rows:
                    yield Skipped(
                        self.file,
                        number,
                        f"has {len(values)} fields but the header has {width}",
                    )
                    continue
                values = values[:width]
            elif len(values) < width:
                values.extend([""] * (width - len(values)))
            yield number, values


def read_table(
    data: bytes, filename: str, known_headers: Iterable[str] = BASIC_HEADERS, *, keep_long_rows: bool = False
) -> CsvTable:
    """Decode, sniff the delimiter, find the header line and return the table."""
    csv.field_size_limit(MAX_FIELD)
    text, encoding, notices = decode(data, filename)
    if not text or text.isspace():  # not text.strip(), which copies the whole file
        raise ImportRejected("The file is empty.", file=filename)
    known = frozenset(header_key(h) for h in known_headers)
    delimiter, header_index = _find_header(text, known, filename)
    # Only the header and the first row after it are read here: lines cut as they are reached
    # instead of an io.StringIO of the whole text (which copies it, four bytes a character).
    reader = _numbered(csv.reader(_lines(text), delimiter=delimiter), filename)
    header_raw: list[str] = []
    for number, record in reader:
        if number == header_index:
            header_raw = record
            break
    if len(header_raw) > MAX_COLUMNS:
        raise ImportRejected(
            f"The header has {len(header_raw)} columns; at most {MAX_COLUMNS} are supported.",
            file=filename,
            row=header_index,
        )
    header, duplicates = _dedupe([h.replace("\ufeff", "").strip() for h in header_raw])
    notices += [note for _name, note in duplicates.values()]
    if not any(any(v.strip() for v in r) for _, r in _checked(reader, filename)):
        raise ImportRejected("The file has a header but no rows.", file=filename)
    return CsvTable(
        filename, header, header_index, encoding, delimiter, text, notices, duplicates, keep_long_rows
    )


_LINE_END = re.compile(r"\r\n?|\n")


def _lines(text: str) -> Iterator[str]:
    """The lines io.StringIO(text, newline="") gives, ends kept (\n, \r\n or a lone \r), cut lazily."""
    start = 0
    for match in _LINE_END.finditer(text):
        end = match.end()
        yield text[start:end]
        start = end
    if start < len(text):
        yield text[start:]


def _numbered(reader: Iterator[list[str]], filename: str) -> Iterator[tuple[int, list[str]]]:
    """Records with their spreadsheet row number; csv errors become ImportRejected."""
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise unreadable(exc, filename, number) from exc
        yield number, record


def unreadable(exc: csv.Error, filename: str, row: int) -> ImportRejected:
    """The csv module's error at a row, said in plain words (its own are for programmers)."""
    text = str(exc)
    if "field limit" in text:
        why = f"A cell is longer than {MAX_FIELD >> 20} MiB (a stray quote, or not a contacts file?)."
    else:
        why = f"The CSV cannot be read from here on ({text}); a stray quote is the usual cause."
    return ImportRejected(f"{why} Nothing was imported.", file=filename, row=row)


def _checked(rows: Iterator[tuple[int, list[str]]], filename: str) -> Iterator[tuple[int, list[str]]]:
    for number, record in rows:
        if len(record) > MAX_COLUMNS:
            raise ImportRejected(
                f"This row has {len(record)} fields; at most {MAX_COLUMNS} are supported.",
                file=filename,
                row=number,
            )
        yield number, record


def _dedupe(names: list[str]) -> tuple[list[str], dict[int, tuple[str, str]]]:
    """Unique column names ("Email", "Email__2"), and each renamed column's name and notice."""
    seen: dict[str, int] = {}
    out = []
    duplicates: dict[int, tuple[str, str]] = {}
    for index, name in enumerate(names):
        name = name or f"(column {index + 1})"
        count = seen.get(name, 0) + 1
        seen[name] = count
        if count > 1:
            renamed = f"{name}__{count}"
            duplicates[index] = (name, f'The column "{name}" appears more than once; kept as "{renamed}".')
            name = renamed
        out.append(name)
    return out, duplicates


def _first_records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    """Up to `limit` records; a parse error just ends the sample."""
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""), delimiter=delimiter)
    out = []
    try:
        for record in itertools.islice(reader, limit):
            out.append(record)
    except csv.Error:
        pass
    return out


def _find_header(text: str, known: frozenset[str], filename: str) -> tuple[str, int]:
    """(delimiter, 1-based row) of the header: a row of known names, else the table's first row."""
    samples = {d: _first_records(text, d, HEADER_SCAN + 5) for d in DELIMITERS}
    best: tuple[int, int, str] | None = None
    for delimiter, records in samples.items():
        for index, record in enumerate(records[:HEADER_SCAN], start=1):
            score = sum(1 for cell in record if header_key(cell) in known)
            if score >= 2 and (best is None or score > best[0]):
                best = (score, index, delimiter)
    if best:
        return best[2], best[1]
    scores = []
    for delimiter, records in samples.items():
        index = _table_start(records[:HEADER_SCAN])
        if index is None:
            continue
        width = len(records[index - 1])
        body = [r for r in records[index:] if any(c.strip() for c in r)][:5]
        consistent = sum(1 for r in body if len(r) == width)
        scores.append((width > 1, consistent, width, delimiter, index))
    if not scores:
        raise ImportRejected("No header line was found.", file=filename)
    _wide, _consistent, _width, delimiter, index = max(scores)
    return delimiter, index


def _table_start(records: list[list[str]]) -> int | None:
    """1-based index of the header among the first records of an unknown layout: the first
    record that is not blank, past any line of one cell ("My export from ToolX") before a record
    of several cells; None when all are blank."""
    first = None
    for index, record in enumerate(records, start=1):
        filled = sum(1 for cell in record if cell.strip())
        if filled > 1:
            return index
        if filled and first is None:
            first = index
    return first
