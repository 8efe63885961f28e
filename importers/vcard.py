"""vCard 2.1 / 3.0 / 4.0 import (Apple, Google, Android, Outlook) into PersonRecord.

Company cards (`X-ABShowAs:COMPANY`, or no person name but an ORG) come out as a PersonRecord
whose full_name and company are the ORG and whose warnings contain COMPANY_CARD.
"""

from __future__ import annotations

import functools
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .base import ImportRejected, PersonRecord, Skipped
from .csvfile import decode
from .fields import (
    NOTE_LIMIT,
    clean_name,
    fast_clean,
    parse_birthday,
    parse_emails,
    parse_phones,
    parse_tags,
    parse_urls,
)

COMPANY_CARD = "company card: import it as a company, not a person"
# Binary blobs are skipped without unfolding them, so photo-heavy files stay fast.
_BLOBS = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_NAME = re.compile(r"^(?:([A-Za-z0-9\-]+)\.)?([A-Za-z0-9\-]+)")
_TOKEN = re.compile(r"\\.|[;,]|[^\\;,]+", re.DOTALL)
_ESCAPES = {"n": "\n", "N": "\n"}
_NEVER = r"(?!)"
_TEL = re.compile(r"^tel:", re.IGNORECASE)


@dataclass
class Prop:
    """One unfolded content line: group, upper-case name, parameters, raw value."""

    group: str
    name: str
    params: dict[str, list[str]]
    value: str
    qp: bool = False  # quoted-printable
    binary: bool = False  # base64 / b encoded (photos and the like)

    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}


def is_company_card(record: PersonRecord) -> bool:
    """True when parse_vcard marked the record as a company card."""
    return COMPANY_CARD in record.warnings


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text, flags=re.DOTALL)


def _split(value: str, sep: str) -> list[str]:
    """Split on unescaped `sep`, then unescape each part."""
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
    head = line[:colon]
    parsed = _parse_head(head) if len(head) <= 300 else _parse_head.__wrapped__(head)
    if parsed is None:
        return None
    group, name, params, qp, binary = parsed
    return Prop(group, name, params, line[colon + 1 :], qp, binary)


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
    qp = "QUOTED-PRINTABLE" in encodings or "QUOTED-PRINTABLE" in {
        t.upper() for t in params.get("TYPE", [])
    }
    binary = (params.get("ENCODING") or [""])[0].upper() in ("B", "BASE64")
    return (match[1] or "").lower(), match[2].upper(), params, qp, binary


def _decode_value(prop: Prop) -> str:
    if prop.qp:
        raw = quopri.decodestring(prop.value.encode("utf-8", errors="replace"))
        charset = (prop.params.get("CHARSET") or ["utf-8"])[0]
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                return raw.decode("cp1252", errors="replace")
    return prop.value


@dataclass
class VcardImport:
    """A vCard file ready to import; iterate it (or call records()) for PersonRecord/Skipped."""

    file: str
    lines: list[str] = field(repr=False)
    notices: list[str] = field(default_factory=list)
    format: str = "vcard"

    def __iter__(self) -> Iterator[PersonRecord | Skipped]:
        return self.records()

    def records(self) -> Iterator[PersonRecord | Skipped]:
        """One PersonRecord per card, or Skipped naming the card number and line."""
        card: list[Prop] | None = None
        number = start = 0
        for lineno, line in self._logical_lines():
            prop = _parse_line(line)
            if prop is None:
                continue
            if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
                if card is not None:
                    yield self._build(card, number, start, ["card was not closed (no END:VCARD)"])
                card, number, start = [], number + 1, lineno
            elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
                if card is not None:
                    yield self._build(card, number, start, [])
                card = None
            elif card is not None:
                card.append(prop)
        if card is not None:
            yield self._build(card, number, start, ["card was not closed (no END:VCARD)"])

    def _logical_lines(self) -> Iterator[tuple[int, str]]:
        """(1-based first line, unfolded line); blobs skipped, QP soft breaks joined."""
        lines, count, i = self.lines, len(self.lines), 0
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

    def _build(
        self, props: list[Prop], number: int, line: int, warnings: list[str]
    ) -> PersonRecord | Skipped:
        try:
            return _card(props, self.file, number, line, warnings)
        except Exception as exc:  # one broken card must not stop the others
            return Skipped(self.file, number, f"card at line {line} could not be read ({exc})")


def _card(
    props: list[Prop], file: str, number: int, line: int, warnings: list[str]
) -> PersonRecord | Skipped:
    labels = {p.group: _unescape(_decode_value(p)).lower() for p in props if p.name == "X-ABLABEL"}
    values: dict[str, list[str]] = {}
    linkedin: list[str] = []
    websites: list[str] = []
    name_parts: list[str] = []
    birthday = None
    show_as = ""
    for prop in props:
        if prop.binary:
            continue
        value = _decode_value(prop)
        name = prop.name
        if name == "N":
            name_parts = [clean_name(p) for p in _split(value, ";")]
        elif name == "ORG":
            values.setdefault("ORG", []).append(_split(value, ";")[0])
        elif name == "CATEGORIES":
            values.setdefault("CATEGORIES", []).extend(_split(value, ","))
        elif name == "ADR" and "ADR" not in values:
            parts = _split(value, ";") + [""] * 7
            values["ADR"] = [parts[3], parts[4], parts[6]]
        elif name == "X-SOCIALPROFILE":
            kind = prop.types() | {v.lower() for v in prop.params.get("X-SERVICE-TYPE", [])}
            text = _unescape(value)
            if "linkedin" in kind or "linkedin.com" in text.lower():
                user = (prop.params.get("X-USER") or [""])[0]
                if "linkedin.com" not in text.lower() and user:
                    text = f"https://www.linkedin.com/in/{user}"
                linkedin.append(text)
        elif name == "URL":
            text = _unescape(value)
            is_linkedin = "linkedin" in labels.get(prop.group, "") or "linkedin" in prop.types()
            (linkedin if is_linkedin else websites).append(text)
        elif name == "BDAY" and birthday is None:
            birthday = _bday(prop, value, warnings)
        elif name == "X-ABSHOWAS":
            show_as = value.strip().upper()
        elif name == "TEL":
            values.setdefault("TEL", []).append(_TEL.sub("", _unescape(value)))
        else:
            values.setdefault(name, []).append(_unescape(value))
    emails, found = parse_emails(values.get("EMAIL", []))
    warnings += found
    phones, found = parse_phones(values.get("TEL", []))
    warnings += found
    profile, website, found = parse_urls(linkedin, websites)
    warnings += found
    name_parts += [""] * (5 - len(name_parts))
    last, first = name_parts[0], name_parts[1]
    full = next((clean_name(v) for v in values.get("FN", []) if v.strip()), "")
    company = next((clean_name(v) for v in values.get("ORG", []) if v.strip()), "")
    if company and (show_as == "COMPANY" or not (first or last or full)):
        first, last, full = "", "", company
        warnings.append(COMPANY_CARD)
    if not (first or last or full or emails or phones or profile):
        return Skipped(file, number, f"card at line {line} has no name, email, phone or URL")
    location = ", ".join(p for p in map(clean_name, values.get("ADR", [])) if p)
    title = next((clean_name(v) for v in values.get("TITLE", []) + values.get("ROLE", [])), "")
    return PersonRecord(
        source="vcard",
        file=file,
        row=number,
        first_name=first,
        last_name=last,
        full_name=full,
        linkedin_url=profile,
        emails=tuple(emails),
        phones=tuple(phones),
        company=company,
        title=title,
        location=location,
        website=website,
        birthday=birthday,
        notes="\n\n".join(fast_clean(n, NOTE_LIMIT) for n in values.get("NOTE", []) if n.strip()),
        tags=tuple(parse_tags(values.get("CATEGORIES", []), _NEVER)),
        warnings=tuple(warnings),
    )


def _bday(prop: Prop, value: str, warnings: list[str]):
    text = _unescape(value).strip()
    if prop.params.get("VALUE", [""])[0].lower() == "text":
        warnings.append(f"birthday {text[:40]!r} is free text and was left out")
        return None
    omit = (prop.params.get("X-APPLE-OMIT-YEAR") or [""])[0]
    birthday, found = parse_birthday(text)
    warnings += found
    if birthday and omit and str(birthday.year) == omit.strip():
        birthday = type(birthday)(birthday.month, birthday.day, None)
    return birthday


def parse_vcard(data: bytes, filename: str) -> VcardImport:
    """Check and decode a .vcf file; iterate the result for PersonRecord/Skipped."""
    text, _encoding, notices = decode(data, filename)
    head = text.lstrip()[:4096].upper()
    if not head.startswith("BEGIN:VCARD") and "BEGIN:VCARD" not in head:
        raise ImportRejected("This is not a vCard file (it has no BEGIN:VCARD).", file=filename)
    return VcardImport(filename, re.split(r"\r\n|\r|\n", text), notices)
