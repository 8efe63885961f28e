"""vCard 2.1 / 3.0 / 4.0 import (Apple, Google, Android, Outlook) into PersonRecord.

Company cards (`X-ABShowAs:COMPANY`, `KIND:org`, or no person name but an ORG) come out as a
PersonRecord whose full_name and company are the ORG and whose warnings contain COMPANY_CARD.
Plain cards are read card by card with regular expressions, anything odd line by line.
"""

from __future__ import annotations

import functools
import quopri
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from .base import ImportRejected, PersonRecord, Skipped, person_record
from .csvfile import decode
from .fields import (
    NOTE_LIMIT,
    clean_name,
    fast_clean,
    parse_birthday,
    parse_emails,
    parse_phones,
    parse_urls,
    tag_tuple,
)

COMPANY_CARD = "company card: import it as a company, not a person"
# Binary blobs are skipped without unfolding them, so photo-heavy files stay fast.
_BLOBS = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_NAME = re.compile(r"^(?:([A-Za-z0-9\-]+)\.)?([A-Za-z0-9\-]+)")
_TOKEN = re.compile(r"\\.|[;,]|[^\\;,]+", re.DOTALL)
_ESCAPES = {"n": "\n", "N": "\n"}
_TEL = re.compile(r"^tel:", re.IGNORECASE)


# One content line, parsed: ((group, upper-case name, parameters, quoted-printable, binary), raw
# value). The head part is shared between equal heads and must not be changed.
Prop = tuple[tuple[str, str, dict[str, list[str]], bool, bool], str]


def is_company_card(record: PersonRecord) -> bool:
    """True when parse_vcard marked the record as a company card."""
    return COMPANY_CARD in record.warnings


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text, flags=re.DOTALL)


def _split(value: str, sep: str) -> list[str]:
    """Split on unescaped `sep`, then unescape each part."""
    if "\\" not in value:
        return value.split(sep)
    parts, buf = [], []
    for token in _TOKEN.findall(value):
        if token == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(token)
    parts.append("".join(buf))
    return [_unescape(p) for p in parts]


def _parse_line(line: str) -> Prop | None:
    colon = line.find(":")
    if colon < 0:
        return None
    if '"' in line[:colon]:
        quoted = False
        for i, c in enumerate(line):
            if c == '"':
                quoted = not quoted
            elif c == ":" and not quoted:
                colon = i
                break
    return _prop(line[:colon], line[colon + 1 :])


def _prop(head: str, value: str) -> Prop | None:
    parsed = _parse_head(head) if len(head) <= 300 else _parse_head.__wrapped__(head)
    return None if parsed is None else (parsed, value)


@functools.lru_cache(maxsize=4096)
def _parse_head(head: str) -> tuple[str, str, dict[str, list[str]], bool, bool] | None:
    """Group, name, parameters and encoding flags of a property head (heads repeat: memoised).

    The returned params dict is shared between properties and must not be changed.
    """
    match = _NAME.match(head)
    if not match:
        return None
    params: dict[str, list[str]] = {}
    for part in head[match.end() :].split(";")[1:]:
        key, eq, val = part.partition("=")
        if not eq:
            key, val = "TYPE", key
        items = [v.strip().strip('"') for v in val.split(",") if v.strip()]
        params.setdefault(key.strip().upper(), []).extend(items)
    encodings = {e.upper() for e in params.get("ENCODING", [])}
    qp = "QUOTED-PRINTABLE" in encodings or "QUOTED-PRINTABLE" in {t.upper() for t in params.get("TYPE", [])}
    binary = (params.get("ENCODING") or [""])[0].upper() in ("B", "BASE64")
    return (match[1] or "").lower(), match[2].upper(), params, qp, binary


def _decode_qp(value: str, params: dict[str, list[str]]) -> str:
    raw = quopri.decodestring(value.encode("utf-8", errors="replace"))
    charset = (params.get("CHARSET") or ["utf-8"])[0]
    try:
        return raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")


def _types(params: dict[str, list[str]]) -> set[str]:
    return {t.lower() for t in params.get("TYPE", [])}


# In a card's body after a "\n", what the fast reader leaves to the line-by-line one: a quote before
# a line's first colon, a property name folded over two lines, a blank line then a continuation
# line. Every branch starts at a "\n" (not at ^ of a multi-line pattern) so that the search skips
# from one line break to the next instead of trying every character (photos are long).
_IRREGULAR = re.compile(r'\n(?:[^ \t\n:][^:\n"]*(?:"|\n[ \t])|(?:[^\S \t\n][^\S\n]*)?\n[ \t])')
# A line that could be a card boundary (the fast reader takes only exact BEGIN:VCARD / END:VCARD).
_BOUNDARY = re.compile(r"^(?:[a-z0-9-]+\.)?(?:begin|end)(?![a-z0-9-])", re.MULTILINE | re.IGNORECASE)
_FOLD = re.compile(r"\n[ \t]")


@dataclass
class VcardImport:
    """A vCard file ready to import; iterate it (or call records()) for PersonRecord/Skipped."""

    file: str
    text: str = field(repr=False)  # line breaks as \n
    notices: list[str] = field(default_factory=list)
    format: str = "vcard"
    dayfirst: bool = False  # how to read a BDAY like 3/4/1980 (the standard form is 1980-04-03)
    # numeric birthdays that can only be read one way, by that way: how the file writes dates
    date_orders: Counter = field(default_factory=Counter)

    def __iter__(self) -> Iterator[PersonRecord | Skipped]:
        return self.records()

    def records(self) -> Iterator[PersonRecord | Skipped]:
        """One PersonRecord per card, or Skipped naming the card number and line.

        Plain cards (each boundary an exact line of its own, only blank lines between cards) are
        read card by card with a few regular expressions; from the first card that is not plain
        on, the file is read line by line (_lines_records). Both give the same records
        (tests/importers/test_vcard_fast.py).
        """
        self.date_orders.clear()  # counted afresh by each read
        chunks = ("\n" + self.text).split("\nBEGIN:VCARD\n")
        if chunks[0].strip() or len(chunks) == 1:
            yield from self._lines_records(0, 0)
            return
        begin = chunks[0].count("\n")  # line index of the first BEGIN:VCARD
        for number, chunk in enumerate(chunks[1:], 1):
            body, end, rest = ("\n" + chunk).partition("\nEND:VCARD")
            props = None
            if end and not rest.strip() and rest[:2] not in ("\n ", "\n\t"):
                props = _card_props(body[1:])
            if props is None:
                yield from self._lines_records(begin, number - 1)
                return
            yield self._build(props, number, begin + 1, [])
            begin += chunk.count("\n") + 2

    def _lines_records(self, first: int, number: int) -> Iterator[PersonRecord | Skipped]:
        """The general reader, from physical line index `first` after `number` cards."""
        card: list[Prop] | None = None
        start = 0
        for lineno, line in _logical_lines(self.text.split("\n"), first):
            prop = _parse_line(line)
            if prop is None:
                continue
            name = prop[0][1]
            if name == "BEGIN" and prop[1].strip().upper() == "VCARD":
                if card is not None:
                    yield self._build(card, number, start, ["card was not closed (no END:VCARD)"])
                card, number, start = [], number + 1, lineno
            elif name == "END" and prop[1].strip().upper() == "VCARD":
                if card is not None:
                    yield self._build(card, number, start, [])
                card = None
            elif card is not None:
                card.append(prop)
        if card is not None:
            yield self._build(card, number, start, ["card was not closed (no END:VCARD)"])

    def _build(
        self, props: list[Prop], number: int, line: int, warnings: list[str]
    ) -> PersonRecord | Skipped:
        try:
            return _card(props, self.file, number, line, warnings, self.dayfirst, self.date_orders)
        except Exception as exc:  # one broken card must not stop the others
            return Skipped(self.file, number, f"card at line {line} could not be read ({exc})")


def _logical_lines(lines: list[str], first: int = 0) -> Iterator[tuple[int, str]]:
    """(1-based first line, unfolded line) from index `first`; blobs skipped, QP soft breaks joined."""
    count, i = len(lines), first
    while i < count:
        start, line = i, lines[i]
        i += 1
        if not line.strip():
            continue
        match = _NAME.match(line)
        if match and match[2].upper() in _BLOBS:
            while i < count and (lines[i][:1] in (" ", "\t") or not lines[i].strip()):
                i += 1
            continue
        if i < count and lines[i][:1] in (" ", "\t"):
            parts = [line]
            while i < count and lines[i][:1] in (" ", "\t"):
                parts.append(lines[i][1:])
                i += 1
            line = "".join(parts)
        if "QUOTED-PRINTABLE" in line.split(":", 1)[0].upper():
            while line.endswith("=") and i < count:
                line = line[:-1] + lines[i]
                i += 1
        yield start + 1, line


def _card_props(body: str) -> list[Prop] | None:
    """The properties of one card's body, or None when only the line-by-line reader reads it
    right: a line that could be a boundary, a quote in a head, odd folding, or a
    quoted-printable soft break running on into END:VCARD."""
    upper = body.upper()
    if body[:1] in (" ", "\t") or (
        ("BEGIN" in upper or "END" in upper) and _BOUNDARY.search(body)  # searched when it may be
    ):
        return None
    folded = "\n " in body or "\n\t" in body
    if (folded or '"' in body) and _IRREGULAR.search("\n" + body):
        return None
    if "QUOTED-PRINTABLE" in upper:  # what _logical_lines joins, it joins here too
        lines = list(_logical_lines([*body.split("\n"), "END:VCARD"]))
        if not lines or lines[-1][1] != "END:VCARD":
            return None
        return [p for _, line in lines[:-1] if (p := _parse_line(line)) is not None]
    if folded:
        body = _FOLD.sub("", body)
    props = []
    heads = _HEADS
    # Each line holding a colon, cut at its first colon: what re.findall(r"^([^:\n]*):(.*)$")
    # gave, for less (the expression tried every character of the body, photos included).
    for line in body.split("\n"):
        head, colon, value = line.partition(":")
        if not colon:
            continue
        parsed = heads.get(head)
        if parsed is None:
            parsed = _parse_head(head) if len(head) <= 300 else _parse_head.__wrapped__(head)
            if parsed is None:
                continue
            if len(heads) < 4096:
                heads[head] = parsed
        if parsed[1] in _READ:
            props.append((parsed, value))
    return props


_HEADS: dict[str, tuple] = {}  # parsed heads of the fast reader (a file repeats a few dozen)
# The properties _card looks at (it ignores the others, so the fast reader leaves them out).
_READ = frozenset(
    {"N", "FN", "ORG", "TITLE", "ROLE", "EMAIL", "TEL", "ADR", "URL", "X-SOCIALPROFILE", "BDAY"}
    | {"CATEGORIES", "NOTE", "X-ABLABEL", "X-ABSHOWAS", "KIND"}
)


_KEPT = frozenset({"EMAIL", "FN", "TITLE", "ROLE", "NOTE"})  # read as they are (unescaped)


def _card(
    props: list[Prop], file: str, number: int, line: int, warnings: list[str], dayfirst: bool, orders: Counter
) -> PersonRecord | Skipped:
    labels = None
    values: dict[str, list[str]] = {}
    linkedin: list[str] = []
    websites: list[str] = []
    name_parts: list[str] = []
    birthday = None
    show_as = ""
    for (group, name, params, qp, binary), value in props:
        if binary:
            continue
        if qp:
            value = _decode_qp(value, params)
        if name in _KEPT:
            found = values.get(name)
            text = _unescape(value) if "\\" in value else value
            if found is None:
                values[name] = [text]
            else:
                found.append(text)
        elif name == "TEL":
            text = _unescape(value) if "\\" in value else value
            values.setdefault("TEL", []).append(_TEL.sub("", text) if text[3:4] == ":" else text)
        elif name == "N":  # family; given; (middle; prefix; suffix: not kept)
            name_parts = _split(value, ";")
        elif name == "ORG":
            values.setdefault("ORG", []).append(_split(value, ";")[0])
        elif name == "CATEGORIES":
            values.setdefault("CATEGORIES", []).extend(_split(value, ","))
        elif name == "ADR":
            if "ADR" not in values:  # the first address only: city, region, country
                parts = _split(value, ";") + [""] * 7
                values["ADR"] = [parts[3], parts[4], parts[6]]
        elif name == "X-SOCIALPROFILE":
            kind = _types(params) | {v.lower() for v in params.get("X-SERVICE-TYPE", [])}
            text = _unescape(value)
            if "linkedin" in kind or "linkedin.com" in text.lower():
                user = (params.get("X-USER") or [""])[0]
                if "linkedin.com" not in text.lower() and user:
                    text = f"https://www.linkedin.com/in/{user}"
                linkedin.append(text)
        elif name == "URL":
            if labels is None:  # Apple names a grouped URL in an X-ABLabel of the same group
                labels = {
                    head[0]: _unescape(_decode_qp(v, head[2]) if head[3] else v).lower()
                    for head, v in props
                    if head[1] == "X-ABLABEL"
                }
            text = _unescape(value)
            is_linkedin = "linkedin" in labels.get(group, "") or "linkedin" in _types(params)
            (linkedin if is_linkedin else websites).append(text)
        elif name == "BDAY":
            if birthday is None:
                birthday = _bday(params, value, warnings, dayfirst, orders)
        elif name == "X-ABSHOWAS":
            show_as = value.strip().upper()
        elif name == "KIND":  # vCard 4.0's company card
            if value.strip().lower() == "org":
                show_as = "COMPANY"
    emails = phones = ()
    if "EMAIL" in values:
        emails, found = parse_emails(values["EMAIL"])
        warnings += found
    if "TEL" in values:
        phones, found = parse_phones(values["TEL"])
        warnings += found
    profile, website, found = parse_urls(linkedin, websites) if linkedin or websites else ("", "", [])
    warnings += found
    last = clean_name(name_parts[0]) if name_parts else ""
    first = clean_name(name_parts[1]) if len(name_parts) > 1 else ""
    full = _first_filled(values.get("FN"))
    company = _first_filled(values.get("ORG"))
    if company and (show_as == "COMPANY" or not (first or last or full)):
        first, last, full = "", "", company
        warnings.append(COMPANY_CARD)
    if not (first or last or full or emails or phones or profile):
        return Skipped(file, number, f"card at line {line} has no name, email, phone or URL")
    record = {
        "source": "vcard", "file": file, "row": number, "first_name": first, "last_name": last,
        "full_name": full, "linkedin_url": profile, "emails": tuple(emails), "phones": tuple(phones),
        "company": company, "website": website, "birthday": birthday,
    }  # fmt: skip
    if "ADR" in values:
        record["location"] = ", ".join(p for p in map(clean_name, values["ADR"]) if p)
    if "TITLE" in values or "ROLE" in values:
        record["title"] = clean_name((values.get("TITLE") or values["ROLE"])[0])
    if "NOTE" in values:
        record["notes"] = "\n\n".join(fast_clean(n, NOTE_LIMIT) for n in values["NOTE"] if n.strip())
    if "CATEGORIES" in values:
        # ";" separates tags everywhere in Rapport, so no tag holds one (even an escaped "\;")
        record["tags"] = tag_tuple(values["CATEGORIES"], ";")
    if warnings:
        record["warnings"] = tuple(warnings)
    return person_record(record)


def _first_filled(texts: list[str] | None) -> str:
    """The first of a card's values that is not blank, as a name-sized text."""
    for text in texts or ():
        if text.strip():
            return clean_name(text)
    return ""


def _bday(params: dict[str, list[str]], value: str, warnings: list[str], dayfirst: bool, orders: Counter):
    text = _unescape(value).strip()
    if params.get("VALUE", [""])[0].lower() == "text":
        warnings.append(f"birthday {text[:40]!r} is free text and was left out")
        return None
    omit = (params.get("X-APPLE-OMIT-YEAR") or [""])[0]
    birthday, found = parse_birthday(text, dayfirst=dayfirst, orders=orders)
    warnings += found
    if birthday and omit and str(birthday.year) == omit.strip():
        birthday = type(birthday)(birthday.month, birthday.day, None)
    return birthday


def parse_vcard(data: bytes, filename: str, dayfirst: bool = False) -> VcardImport:
    """Check and decode a .vcf file; iterate the result for PersonRecord/Skipped."""
    text, _encoding, notices = decode(data, filename)
    head = text.lstrip()[:4096].upper()
    if not head.startswith("BEGIN:VCARD") and "BEGIN:VCARD" not in head:
        raise ImportRejected("This is not a vCard file (it has no BEGIN:VCARD).", file=filename)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return VcardImport(filename, text, notices, dayfirst=dayfirst)
