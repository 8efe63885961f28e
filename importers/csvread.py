"""CSV rows mapped by header name, found past any preamble, with errors that name file and row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator

from importers.base import ImportRejected
from importers.safezip import bad_utf8_line

FIELD_LIMIT = 1 << 20
HEADER_SCAN_ROWS = 20


def column_key(name: str) -> str:
    """Header name compared loosely: "CONVERSATION ID", "Conversation_Id" -> "conversationid"."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


class Row:
    """One data row: `get(key)` by normalised column name, "" when absent."""

    __slots__ = ("cells", "line", "_index")

    def __init__(self, cells: list[str], line: int, index: dict[str, int]):
        self.cells = cells
        self.line = line
        self._index = index

    def get(self, key: str) -> str:
        i = self._index.get(key)
        return self.cells[i].strip() if i is not None and i < len(self.cells) else ""

    def raw(self, key: str) -> str:
        i = self._index.get(key)
        return self.cells[i] if i is not None and i < len(self.cells) else ""


def read_rows(
    text: io.TextIOWrapper,
    file: str,
    required: Iterable[str],
    max_rows: int = 1_000_000,
    reopen: Callable[[], io.RawIOBase] | None = None,
) -> Iterator[Row | None]:
    """Data rows after the header holding the `required` column names; None for blank rows."""
    names = list(required)
    need = {column_key(n) for n in names}
    csv.field_size_limit(FIELD_LIMIT)
    # strict: a stray quote that runs to the end of the file, or closes in the middle of a field,
    # is an error instead of one huge cell that swallows the rows after it
    reader = csv.reader(text, strict=True)
    index: dict[str, int] | None = None
    scanned = 0
    rows = 0
    last_line = 0
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if index is None:
                if not any(c.strip() for c in cells):
                    continue
                scanned += 1
                keys = [column_key(c) for c in cells]
                if need <= set(keys):
                    index = {}
                    for i, key in enumerate(keys):
                        index.setdefault(key, i)  # a duplicate header name never overwrites
                elif scanned >= HEADER_SCAN_ROWS:
                    break
                continue
            if not any(map(str.strip, cells)):
                yield None
                continue
            rows += 1
            if rows > max_rows:
                raise ImportRejected(f"more than {max_rows:,} rows", file=file, row=start)
            yield Row(cells, start, index)
    except UnicodeDecodeError:
        row = bad_utf8_line(reopen) if reopen else last_line + 1
        raise ImportRejected(
            "the file is not valid UTF-8 (re-saved in another encoding?)", file=file, row=row
        ) from None
    except csv.Error as exc:
        if "end of data" in str(exc):
            why = "a quote opened here is never closed, so it would swallow the rest of the file"
        elif "field limit" in str(exc):
            why = f"a cell is longer than {FIELD_LIMIT >> 20} MiB (a stray quote, or not an export file?)"
        elif "expected after" in str(exc):
            why = f"a quote opened here closes in the middle of a field, on line {reader.line_num}"
        else:
            why = f"unreadable CSV ({exc})"
        raise ImportRejected(f"{why}; nothing was imported", file=file, row=last_line + 1) from None
    if index is None and scanned:
        wanted = ", ".join(names)
        raise ImportRejected(f"no header row with the columns {wanted}", file=file)
