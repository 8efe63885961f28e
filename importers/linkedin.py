"""LinkedIn "Get a copy of your data" export (ZIP, extracted folder or one CSV) to records.

Files are found by normalised base name at any depth and columns by header name, so every
header version LinkedIn has shipped since about 2017 reads the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields
from functools import lru_cache
from pathlib import PurePosixPath

from importers.base import (
    ActivityRecord,
    ImportRejected,
    PersonRecord,
    Skipped,
    clean_text,
    name_key,
    normalize_email,
)
from importers.base import normalize_linkedin_url as _normalize_url
from importers.csvread import Row, read_rows
from importers.safezip import Source, open_source
from importers.textutil import _HTML_HINT, _tidy, excerpt, html_to_text, parse_date, parse_datetime

SOURCE = "linkedin"
NAME_LIMIT = 1024
MAX_CONNECTIONS = 30_000
MAX_MESSAGES = 500_000
OWNER_SETTLED = 25

# kind -> accepted normalised base names, best first
FILE_NAMES: dict[str, tuple[str, ...]] = {
    "connections": ("connections",),
    "messages": ("messages", "inbox"),
    "invitations": ("invitations",),
    "profile": ("profile",),
    "endorsements": ("endorsementreceivedinfo", "endorsementsreceivedinfo"),
    "recommendations_received": ("recommendationsreceived",),
    "recommendations_given": ("recommendationsgiven",),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "connections": ("First Name", "Last Name", "Connected On"),
    "messages": ("From", "Date", "Content"),
    "invitations": ("From", "To", "Sent At", "Direction"),
    "profile": ("First Name", "Last Name", "Headline"),
    "endorsements": ("Endorsement Date", "Skill Name"),
    "recommendations_received": ("First Name", "Last Name", "Text", "Creation Date"),
    "recommendations_given": ("First Name", "Last Name", "Text", "Creation Date"),
}
EXPECTED = "Connections.csv, messages.csv, Invitations.csv, Endorsement_Received_Info.csv"
_EXPORT_DATE = re.compile(r"LinkedInDataExport_(\d{2})-(\d{2})-(\d{4})", re.IGNORECASE)
_SYSTEM = re.compile(
    r"(message request accepted|.{1,120} (left|joined) the conversation"
    r"|.{1,120} (added|removed) .{1,240} (to|from) the conversation"
    r"|.{1,120} named the conversation.{0,200}|you are now connected.{0,120})\.?",
    re.IGNORECASE,
)
_URL_SPLIT = re.compile(r"[,;\s]+")


_CANONICAL = "https://www.linkedin.com/in/"
_NOT_IN_SLUG = frozenset("/?#%<>\"' \t\\:@[]")


@lru_cache(maxsize=1 << 16)  # the same few thousand URLs recur on every message row
def normalize_linkedin_url(value: str) -> str:
    """normalize_linkedin_url, with URLs already in canonical form returned as they are."""
    if value.startswith(_CANONICAL):
        slug = value[len(_CANONICAL) :]
        if slug and slug.isprintable() and slug == slug.lower() and _NOT_IN_SLUG.isdisjoint(slug):
            return value
    return _normalize_url(value)


def normalise_file_name(path: str) -> str:
    """Base name compared loosely: "Endorsement Received Info.csv" -> "endorsementreceivedinfo"."""
    base = PurePosixPath(path.replace("\\", "/")).name.lower()
    base = base[:-4] if base.endswith(".csv") else base
    return base.replace(" ", "").replace("_", "")


def _key(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:20]


@lru_cache(maxsize=1 << 16)
def _name(value: str) -> str:
    return clean_text(value, NAME_LIMIT)


_name_key = lru_cache(maxsize=1 << 16)(name_key)


def _body(value: str) -> str:
    """clean_text for a message body, skipping the work when it is one plain ASCII line."""
    if value.isascii() and value.isprintable():
        return value.strip()
    return clean_text(value)


_NOT_PLAIN = ("<", "&", "\n", "  ", "\t")
_NOT_PLAIN_RE = re.compile(r"[<&\n\t]|  ")


def _text(content: str) -> str:
    """html_to_text of an already cleaned body, skipping what plain text does not need."""
    if content.isascii() and not any(c in content for c in _NOT_PLAIN):
        return content.strip()
    if not _HTML_HINT.search(content) and unicodedata.is_normalized("NFC", content):
        return _tidy(content)  # already clean: html_to_text would clean it again for nothing
    return html_to_text(content)


def _content(raw: str) -> tuple[str, bool]:
    """(cleaned body, whether it is one plain line already) of a message; a plain line costs little."""
    if (
        raw.isprintable()
        and not _NOT_PLAIN_RE.search(raw)
        and (raw.isascii() or unicodedata.is_normalized("NFC", raw))
    ):
        return raw.strip(), True
    return _body(raw), False


def _excerpt(text: str) -> str:
    if len(text) <= 140 and text.isascii() and not any(c in text for c in _NOT_PLAIN):
        return text.strip()
    return excerpt(text)


_MONTH = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
          "oct": 10, "nov": 11, "dec": 12}  # fmt: skip


_ACTIVITY_FIELDS = frozenset(f.name for f in fields(ActivityRecord))


def _activity(values: dict) -> ActivityRecord:
    """An ActivityRecord without the frozen-dataclass __init__ (5 µs a call, 300k calls)."""
    record = object.__new__(ActivityRecord)
    record.__dict__.update(values)
    return record


class _Message(ActivityRecord):
    """A message whose text and summary are worked out when first read, from the cleaned body
    (`_content`, `_plain`) and, for an empty one, the subject and attachments: a re-import
    never reads them for the messages it already has, and HTML to text is a row's costly part."""

    @functools.cached_property
    def text(self) -> str:
        content = self.__dict__["_content"]
        return content if self.__dict__["_plain"] else _text(content)

    @functools.cached_property
    def summary(self) -> str:
        text = self.text
        summary = (text if len(text) <= 140 and self.__dict__["_plain"] else _excerpt(text)) if text else ""
        return (
            summary
            or excerpt(_name(self.__dict__["_subject"].strip()))
            or ("(attachment)" if self.__dict__["_attachments"].strip() else "(no text)")
        )


def _message(values: dict) -> _Message:
    record = object.__new__(_Message)
    record.__dict__.update(values)
    return record


def _fast_date(value: str) -> dt.date | None:
    """Connected On as `17 Nov 2021` without regexes; anything else the general way."""
    parts = value.split(" ")
    if len(parts) == 3 and len(parts[2]) == 4 and parts[0].isdigit() and parts[2].isdigit():
        month = _MONTH.get(parts[1].lower())
        if month:
            try:
                return dt.date(int(parts[2]), month, int(parts[0]))
            except ValueError:
                return None
    return parse_date(value)


def _fast_datetime(value: str) -> dt.datetime | None:
    """The standard `YYYY-MM-DD HH:MM:SS UTC` without regexes; anything else the slow way."""
    if len(value) == 23 and value[19:] == " UTC" and value[4] == "-" and value[13] == ":":
        try:
            return dt.datetime(
                int(value[0:4]), int(value[5:7]), int(value[8:10]),
                int(value[11:13]), int(value[14:16]), int(value[17:19]), tzinfo=dt.UTC,
            )  # fmt: skip
        except ValueError:
            return None
    return parse_datetime(value)


class LinkedInExport:
    """An opened export; generators yield records or Skipped and may be run in any order."""

    def __init__(self, source: Source):
        self.source = source
        self.files_found: dict[str, str] = self._find_files()
        if not any(k != "profile" for k in self.files_found):
            if source.archives:
                raise ImportRejected(
                    f"this ZIP holds another archive ({source.archives[0]}) and no export files:"
                    " unzip it once and upload the ZIP that was inside",
                    file=source.label,
                )
            raise ImportRejected(
                f"no LinkedIn export files found; expected at least one of {EXPECTED}",
                file=source.label,
            )
        self.counts: Counter[str] = Counter()
        self.latest_seen_at: dt.datetime | None = None
        self.exported_at_hint: dt.date | None = self._export_date()
        self.owner_name: str = self._read_owner_name()
        self._owner_url: str | None = None

    # -- discovery -------------------------------------------------------------------------

    def _find_files(self) -> dict[str, str]:
        found: dict[str, tuple[int, int, str]] = {}
        for name in self.source.names:
            if not name.lower().endswith(".csv"):
                continue
            base = normalise_file_name(name)
            for kind, aliases in FILE_NAMES.items():
                if base in aliases:
                    rank = (name.count("/"), aliases.index(base), name)
                    if kind not in found or rank < found[kind]:
                        found[kind] = rank
        files = {kind: rank[2] for kind, rank in found.items()}
        if not files and len(self.source.names) == 1:
            kind = self._sniff(self.source.names[0])
            if kind:
                files[kind] = self.source.names[0]
        return files

    def _sniff(self, name: str) -> str | None:
        for kind in ("connections", "messages", "invitations", "endorsements"):
            try:
                with self.source.open_text(name) as text:
                    next(read_rows(text, name, REQUIRED[kind]), None)
                return kind
            except ImportRejected as exc:
                if exc.row is not None:  # broken at some row (a stray quote): say that, not "no files"
                    return kind
                continue
        return None

    def _export_date(self) -> dt.date | None:
        for candidate in [self.source.label, *self.source.names[:50]]:
            match = _EXPORT_DATE.search(candidate)
            if match:
                month, day, year = (int(g) for g in match.groups())
                try:
                    return dt.date(year, month, day)
                except ValueError:
                    continue
        return None

    def _rows(self, kind: str, max_rows: int = 1_000_000) -> Iterator[Row]:
        """Data rows of one file, counting blank ones."""
        name = self.files_found.get(kind)
        if not name:
            return
        with self.source.open_text(name) as text:
            reopen = lambda: self.source.open_binary(name)  # noqa: E731
            for row in read_rows(text, name, REQUIRED[kind], max_rows, reopen):
                if row is None:
                    self.counts[f"{kind}.blank"] += 1
                    continue
                yield row

    def _read_owner_name(self) -> str:
        for row in self._rows("profile"):
            return _name(" ".join(p for p in (row.get("firstname"), row.get("lastname")) if p))
        return ""

    def _seen(self, when: dt.datetime) -> None:
        if self.latest_seen_at is None or when > self.latest_seen_at:
            self.latest_seen_at = when

    def _reset(self, prefix: str) -> None:
        for key in [k for k in self.counts if k.startswith(prefix + ".")]:
            del self.counts[key]

    # -- owner -----------------------------------------------------------------------------

    @property
    def owner_url(self) -> str:
        """The owner's profile URL: the one present in the most conversations ("" if unknown)."""
        if self._owner_url is None:
            self._owner_url = self._guess_owner_url()
        return self._owner_url

    def _guess_owner_url(self) -> str:
        per_url: Counter[str] = Counter()
        as_owner: Counter[str] = Counter()
        sender_names: dict[str, str] = {}  # without Profile.csv the owner's name comes from here
        seen: set[tuple[str, str]] = set()
        convos: set[str] = set()
        owner_key = _name_key(self.owner_name)
        for row in self._rows("messages", MAX_MESSAGES):
            convo = row.get("conversationid") or row.get("to")
            convos.add(convo)
            sender = normalize_linkedin_url(row.get("senderprofileurl"))
            if sender and not owner_key:
                sender_names.setdefault(sender, row.get("from"))
            if sender and owner_key and _name_key(row.get("from")) == owner_key:
                as_owner[sender] += 1
                # the owner's name on a URL this often settles it without reading the whole file
                if as_owner[sender] >= OWNER_SETTLED and len(as_owner) == 1:
                    return sender
            urls = [
                sender,
                *map(normalize_linkedin_url, _URL_SPLIT.split(row.get("recipientprofileurls"))),
            ]
            for url in urls:
                if url and (convo, url) not in seen:
                    seen.add((convo, url))
                    per_url[url] += 1
        if as_owner:
            return as_owner.most_common(1)[0][0]
        if per_url:
            url, count = per_url.most_common(1)[0]
            # one-off URLs are other people; the owner is in (nearly) every conversation
            if count >= 2 and count * 2 > len(convos):
                # their replies' To (names only before 2023) must not read as a second person
                self.owner_name = self.owner_name or _name(sender_names.get(url, "").strip())
                return url
        for row in self._rows("invitations"):
            out = _direction(row.get("direction")) == "out"
            url = normalize_linkedin_url(row.get("inviterprofileurl" if out else "inviteeprofileurl"))
            if url:
                return url
        return ""

    def _is_owner(self, name: str, url: str) -> bool:
        if url and self.owner_url:
            return url == self.owner_url
        return bool(self.owner_name) and _name_key(name) == _name_key(self.owner_name)

    # -- connections -----------------------------------------------------------------------

    def connections(self) -> Iterator[PersonRecord | Skipped]:
        """One PersonRecord per connection (current employer and title)."""
        self._reset("connections")
        file = self.files_found.get("connections", "")
        for row in self._rows("connections", MAX_CONNECTIONS):
            first, last = _name(row.get("firstname")), _name(row.get("lastname"))
            raw_url = row.get("url") or row.get("profileurl")
            url = normalize_linkedin_url(raw_url)
            warnings: list[str] = []
            if raw_url and not url:
                warnings.append(f"not a LinkedIn profile URL: {raw_url[:200]}")
            if not (first or last or url):
                self.counts["connections.skipped"] += 1
                yield Skipped(file, row.line, "no name and no profile URL")
                continue
            if not (first or last):
                warnings.append("no name given: named after the profile address")
            emails = []
            for part in _URL_SPLIT.split(row.get("emailaddress") or row.get("emailaddresses")):
                if part and normalize_email(part):
                    emails.append(normalize_email(part))
                elif part:
                    warnings.append(f"not an email address: {part[:200]}")
            raw_date = row.get("connectedon")
            connected = _fast_date(raw_date)
            if raw_date and connected is None:
                warnings.append(f"unreadable Connected On date: {raw_date[:64]}")
            if connected:
                self._seen(dt.datetime.combine(connected, dt.time(), dt.UTC))
            yield PersonRecord(
                source=SOURCE,
                file=file,
                row=row.line,
                first_name=first,
                last_name=last,
                linkedin_url=url,
                emails=tuple(dict.fromkeys(emails)),
                company=_name(row.get("company")),
                title=_name(row.get("position")),
                website=_name(row.get("websites")),
                connected_on=connected,
                is_connection=True,
                warnings=tuple(warnings),
            )

    # -- messages --------------------------------------------------------------------------

    def newest_message_at(self) -> dt.datetime | None:
        """The latest date in messages.csv (a quick pass reading that one column), or None."""
        newest, seen = None, set()
        for row in self._rows("messages", MAX_MESSAGES):
            raw = (row.get("date") or "").strip()
            if raw and raw not in seen:  # many rows share a date string; parse each once
                seen.add(raw)
                when = _fast_datetime(raw)
                if when and (newest is None or when > newest):
                    newest = when
        return newest

    def messages(self) -> Iterator[ActivityRecord | Skipped]:
        """One ActivityRecord per real message; drafts, sponsored and system rows are Skipped."""
        self._reset("messages")
        file = self.files_found.get("messages", "")
        owner_url = self.owner_url  # first pass, before this one opens the file again
        counts = self.counts
        # The same participants recur on every row of a conversation: work them out once.
        participants: dict[tuple[str, ...], tuple] = {}
        ix: dict[str, int] = {}
        width = 0
        for row in self._rows("messages", MAX_MESSAGES):
            cells = row.cells
            if not ix:
                # every column we read, by position; a missing one points at a padding ""
                width = max(row._index.values(), default=0) + 2
                ix = {k: row._index.get(k, width - 1) for k in _MESSAGE_COLUMNS}
                i_date, i_content, i_convo = ix["date"], ix["content"], ix["conversationid"]
                i_dir = ix["direction"]
                i_who = (ix["from"], ix["senderprofileurl"], ix["to"], ix["recipientprofileurls"])
                at = tuple(ix[k] for k in _SKIP_COLUMNS)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            skip = _message_skip(cells, *at)
            if skip:
                counts[f"messages.{skip}"] += 1
                yield Skipped(file, row.line, skip)
                continue
            raw_date = cells[i_date].strip()
            if len(raw_date) == 23 and raw_date[19:] == " UTC" and raw_date[10] == " ":
                stamp = f"{raw_date[:10]}T{raw_date[11:19]}+00:00"  # == when.isoformat()
                try:
                    when = dt.datetime.fromisoformat(stamp)
                except ValueError:
                    when = None
            else:
                when = parse_datetime(raw_date)
                stamp = when.isoformat() if when else ""
            if when is None:
                counts["messages.skipped"] += 1
                yield Skipped(file, row.line, f"unreadable date {raw_date[:64]!r}")
                continue
            who = (cells[i_who[0]], cells[i_who[1]], cells[i_who[2]], cells[i_who[3]], cells[i_dir])
            found = participants.get(who)
            if found is None:
                found = participants[who] = self._participants(row, *who[:4], owner_url)
            sender, sender_url, to_raw, direction, people, names = found
            if not people and not names:
                counts["messages.skipped"] += 1
                yield Skipped(file, row.line, "no participant other than you")
                continue
            content, plain = _content(cells[i_content])
            convo = cells[i_convo].strip()
            latest = self.latest_seen_at
            if latest is None or when > latest:
                self.latest_seen_at = when
            party = sender_url or _name_key(sender)
            key = f"{convo}\x1f{stamp}\x1f{party}\x1f{'' if convo else _name_key(to_raw)}\x1f{content}"
            # time first: keys then sort like the rows, so index inserts append
            digest = hashlib.sha256(key.encode()).hexdigest()[:20]
            yield _message(
                {
                    "source": SOURCE,
                    "source_key": f"linkedin:message:{stamp[:19]}:{digest}",
                    "kind": "message",
                    "occurred_at": when,
                    "file": file,
                    "row": row.line,
                    "direction": direction,
                    "people": people,
                    "names": names,
                    "_content": content,
                    "_plain": plain,
                    "_subject": cells[ix["subject"]],
                    "_attachments": cells[ix["attachments"]],
                }
            )

    def _participants(self, row: Row, frm: str, frm_url: str, to: str, to_urls_raw: str, owner: str):
        """(sender, sender URL, To, direction, other people's URLs, their names) of a row."""
        sender = _name(frm.strip())
        sender_url = normalize_linkedin_url(frm_url.strip())
        raw_to = to_urls_raw.strip()
        to_urls = [normalize_linkedin_url(u) for u in _URL_SPLIT.split(raw_to) if u] if raw_to else []
        to_raw = _name(to.strip())
        to_names = [to_raw] if to_raw else []
        if len(to_urls) > 1:
            parts = [p.strip() for p in re.split(r"[,;]", to_raw) if p.strip()]
            if len(parts) == len(to_urls):
                to_names = parts
        elif not to_urls and to_raw:
            to_names = _group_names(to_raw)
        pairs = [(sender, sender_url)]
        if len(to_names) == len(to_urls):
            pairs += zip(to_names, to_urls, strict=True)
        else:
            pairs += [(n, "") for n in to_names] + [("", u) for u in to_urls]
        direction = self._message_direction(row, sender, sender_url, owner)
        others = [(n, u) for n, u in pairs if not self._is_owner(n, u)]
        people = tuple(dict.fromkeys(u for _, u in others if u))
        names = tuple(dict.fromkeys(n for n, _ in others if n))
        return sender, sender_url, to_raw, direction, people, names

    def _message_direction(self, row: Row, sender: str, sender_url: str, owner: str) -> str | None:
        if sender_url and owner:
            return "out" if sender_url == owner else "in"
        stated = _direction(row.get("direction"))
        if stated:
            return stated
        if self.owner_name:
            return "out" if name_key(sender) == name_key(self.owner_name) else "in"
        return None

    # -- invitations, endorsements, recommendations ----------------------------------------

    def invitations(self) -> Iterator[ActivityRecord | Skipped]:
        """One ActivityRecord per invitation sent or received."""
        self._reset("invitations")
        file = self.files_found.get("invitations", "")
        for row in self._rows("invitations"):
            direction = _direction(row.get("direction"))
            when = parse_datetime(row.get("sentat"))
            if direction is None or when is None:
                self.counts["invitations.skipped"] += 1
                yield Skipped(file, row.line, "unreadable date or direction")
                continue
            out = direction == "out"
            name = _name(row.get("to") if out else row.get("from"))
            url = normalize_linkedin_url(
                row.get("inviteeprofileurl") if out else row.get("inviterprofileurl")
            )
            message = clean_text(row.raw("message"))
            head = "Invitation sent" if out else "Invitation received"
            self._seen(when)
            yield ActivityRecord(
                source=SOURCE,
                source_key="linkedin:invitation:" + _key(when.isoformat(), direction, url or name_key(name)),
                kind="invitation",
                occurred_at=when,
                file=file,
                row=row.line,
                direction=direction,
                people=(url,) if url else (),
                names=(name,) if name else (),
                summary=excerpt(f"{head}: {message}" if message else head),
                text=message,
            )

    def endorsements(self) -> Iterator[ActivityRecord | Skipped]:
        """One ActivityRecord per endorsement received."""
        self._reset("endorsements")
        file = self.files_found.get("endorsements", "")
        for row in self._rows("endorsements"):
            status = _status_skip(row.get("endorsementstatus"), "accepted", "endorsement")
            if status:
                self.counts["endorsements.skipped"] += 1
                yield Skipped(file, row.line, status)
                continue
            when = parse_datetime(row.get("endorsementdate"))
            skill = _name(row.get("skillname"))
            if when is None:
                self.counts["endorsements.skipped"] += 1
                yield Skipped(file, row.line, "unreadable Endorsement Date")
                continue
            name = _name(f"{row.get('endorserfirstname')} {row.get('endorserlastname')}")
            url = normalize_linkedin_url(row.get("endorserpublicurl"))
            yield ActivityRecord(
                source=SOURCE,
                source_key="linkedin:endorsement:"
                + _key(when.isoformat(), name_key(skill), url or name_key(name)),
                kind="endorsement",
                occurred_at=when,
                file=file,
                row=row.line,
                direction="in",
                people=(url,) if url else (),
                names=(name,) if name else (),
                summary=excerpt(f"Endorsed you for {skill}" if skill else "Endorsed you"),
            )

    def recommendations(self) -> Iterator[ActivityRecord | Skipped]:
        """Recommendations received (direction "in") then given ("out")."""
        for kind, direction in (
            ("recommendations_received", "in"),
            ("recommendations_given", "out"),
        ):
            self._reset(kind)
            file = self.files_found.get(kind, "")
            for row in self._rows(kind):
                # a recommendation you hid (or have not accepted yet) is not on your profile; one you
                # gave is yours whatever the other person did with it
                status = direction == "in" and _status_skip(row.get("status"), "visible", "recommendation")
                if status:
                    self.counts[f"{kind}.skipped"] += 1
                    yield Skipped(file, row.line, status)
                    continue
                when = parse_datetime(row.get("creationdate"))
                if when is None:
                    self.counts[f"{kind}.skipped"] += 1
                    yield Skipped(file, row.line, "unreadable Creation Date")
                    continue
                name = _name(f"{row.get('firstname')} {row.get('lastname')}")
                text = html_to_text(row.raw("text"))
                head = "Recommended you" if direction == "in" else f"You recommended {name}"
                yield ActivityRecord(
                    source=SOURCE,
                    source_key="linkedin:recommendation:"
                    + _key(direction, when.isoformat(), name_key(name), text[:200]),
                    kind="recommendation",
                    occurred_at=when,
                    file=file,
                    row=row.line,
                    direction=direction,
                    names=(name,) if name else (),
                    summary=excerpt(f"{head}: {text}" if text else head),
                    text=text,
                )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the underlying archive or file."""
        self.source.close()

    def __enter__(self) -> LinkedInExport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_MESSAGE_COLUMNS = (
    "conversationid", "conversationtitle", "from", "senderprofileurl", "to",
    "recipientprofileurls", "date", "subject", "content", "attachments", "ismessagedraft",
    "isconversationdraft", "direction",
)  # fmt: skip


_SKIP_COLUMNS = (
    "ismessagedraft", "isconversationdraft", "content", "conversationtitle", "from", "senderprofileurl"
)  # fmt: skip


def _message_skip(cells: list[str], i_draft, i_other, i_content, i_title, i_from, i_url) -> str:
    """Why a message row is not a real message ("draft", "sponsored", "system"), or "" if it is."""
    draft, other = cells[i_draft], cells[i_other]
    if (draft and draft != "No" and draft.strip().lower() == "yes") or (
        other and other != "No" and other.strip().lower() == "yes"
    ):
        return "draft"
    content = cells[i_content].strip()
    title = cells[i_title]
    if (
        "spinmail" in content
        or (title and title.strip().casefold() == "sponsored conversation")
        or (cells[i_from].strip() == "LinkedIn Member" and not cells[i_url].strip())
    ):
        return "sponsored"
    if len(content) < 400:
        lowered = content.lower()
        hinted = "conversation" in lowered or lowered.startswith(("message request", "you are now"))
        if hinted and _SYSTEM.fullmatch(content):
            return "system"
    return ""


def _group_names(to: str) -> list[str]:
    """The people of a To cell without profile URLs (2018-2020 layouts): "Ann Lee; Bo Chen" or
    "Ann Lee, Bo Chen". A comma splits only between full names, so "Kai Silva, CFA" and
    "Lee, Ann" stay one person."""
    if ";" in to:
        return [p.strip() for p in to.split(";") if p.strip()]
    parts = [p.strip() for p in to.split(",") if p.strip()]
    if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
        return parts
    return [to]


def _status_skip(value: str, shown: str, what: str) -> str:
    """Why a row whose status is not `shown` is skipped ("rejected endorsement", "hidden
    recommendation"), or "" to import it: shown, or no status (older files have none)."""
    status = " ".join(_name(value).lower().split())[:40]
    return f"{status} {what}" if status and status != shown else ""


def _direction(value: str) -> str | None:
    text = value.strip().lower()
    if text.startswith(("out", "sent")):
        return "out"
    if text.startswith(("in", "received")):
        return "in"
    return None


def open_export(data: bytes | str | os.PathLike, filename: str = "") -> LinkedInExport:
    """Open a LinkedIn export (ZIP bytes or path, extracted folder, or one CSV)."""
    source = open_source(data, filename)
    try:
        return LinkedInExport(source)
    except BaseException:
        source.close()
        raise
