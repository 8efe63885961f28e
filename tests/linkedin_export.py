"""A small deterministic LinkedIn data-export builder for tests and the import benchmark.

`build(connections, messages, snapshot, seed)` returns the ZIP bytes and a truth dict saying
exactly what an importer must recover. Snapshot 2 is the same network three months later.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass, replace

OWNER = ("Morgan", "Reyes", "https://www.linkedin.com/in/morgan-reyes-00aa11")
FIRST = [
    "Ada", "Omar", "Ana", "José", "Priya", "Lars", "Zoë", "Mateo", "Ines", "Emeka", "Sara",
    "Hiro", "Chloé", "Arjun", "Noor", "Tomás", "Björn", "Mia", "Kwame", "Yuki", "Léa", "Ivan",
]  # fmt: skip
LAST = [
    "Lovelace", "Becker", "Jansen", "Fernández", "Wójcik", "Schmidt", "Okafor", "Ivanova",
    "Gonzalez", "Smith", "山田", "Dubois", "Olsen", "Haddad", "Müller", "Brennan, CFA", "Rossi",
    "Kowalski", "Nakamura", "Mensah", "Ødegaard", "Petrov",
]  # fmt: skip
COMPANIES = [
    "Acme", "Globex", "Initech", "Umbrella Labs", "Contoso, Ltd.", "Lantern Bio AB",
    "Polaris Systems S.A.", "Cedar Logistics, Inc.", "Helix Labs", "Redwood Partners GmbH",
]  # fmt: skip
TITLES = [
    "VP Sales", "CMO", "CFO", "Account Executive", "Head of IT", "Founder",
    "Director of Demand Generation", "Sales Development Representative", "Engineer",
]  # fmt: skip
TEXTS = [
    "Could you send pricing for 25 seats?",
    'He said, "let\'s revisit after the board meeting", so next month then.',
    "Great to meet you at the conference.\nHere is the deck.",
    "Not a priority right now, but keep me posted.",
    "Merci beaucoup, à bientôt ! 🎉",
]
HTML = "<p>Hi {first},</p><p>Loved your post on <b>pipeline hygiene</b> &amp; more.</p>"
EXPORTED = {1: dt.datetime(2026, 6, 1, 9, 0), 2: dt.datetime(2026, 9, 1, 9, 0)}
NOTES = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email '
    'addresses are missing."\n\n'
)
MESSAGE_HEADER = [
    "CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
    "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS",
    "IS MESSAGE DRAFT",
]  # fmt: skip


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    url: str
    company: str
    title: str
    connected_on: dt.date
    email: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def _people(n: int, rng: random.Random, tag: str, offset: int = 0) -> list[Person]:
    """n people; names repeat only every 484 people (same name, different person)."""
    out = []
    for i in range(n):
        at = i + offset
        first, last = FIRST[at % len(FIRST)], LAST[(at // len(FIRST)) % len(LAST)]
        slug = f"{first}-{last.split(',')[0]}-{tag}{i:05x}".lower().replace(" ", "-")
        days = rng.randrange(60, 3000)
        out.append(
            Person(
                first,
                last,
                f"https://www.linkedin.com/in/{slug}",
                rng.choice(COMPANIES),
                rng.choice(TITLES),
                (EXPORTED[1] - dt.timedelta(days=days)).date(),
                f"{slug}@example.com" if i % 7 == 0 else "",
            )
        )
    return out


def _network(connections: int, seed: int, snapshot: int):
    """Connections of the snapshot, outsiders, and what changed between the snapshots."""
    rng = random.Random(seed)
    base = _people(connections, rng, "c")
    outsiders = _people(max(2, connections // 20), rng, "o", offset=300)
    changes: dict[str, list] = {"job_changes": [], "promotions": [], "removed": [], "added": []}
    if snapshot == 1:
        return base, outsiders, changes
    people = list(base)
    fresh_count = max(1, connections // 50)
    for _ in range(fresh_count):  # as many leave as join, so a full network stays at the cap
        changes["removed"].append(people.pop().url)
    step = max(5, connections // 10)
    for i in range(1, len(people), step):  # a new company every `step` people
        p = people[i]
        new = COMPANIES[(COMPANIES.index(p.company) + 1) % len(COMPANIES)]
        title = TITLES[(TITLES.index(p.title) + 1) % len(TITLES)]
        people[i] = replace(p, company=new, title=title)
        changes["job_changes"].append({"url": p.url, "from": [p.title, p.company], "to": [title, new]})
    for i in range(3, len(people), step):  # a new title at the same company
        p = people[i]
        title = TITLES[(TITLES.index(p.title) + 2) % len(TITLES)]
        people[i] = replace(p, title=title)
        changes["promotions"].append({"url": p.url, "company": p.company, "to": title})
    for p in _people(fresh_count, rng, "n", offset=250):
        fresh = replace(p, connected_on=(EXPORTED[2] - dt.timedelta(days=5)).date())
        people.append(fresh)
        changes["added"].append(fresh.url)
    return people, outsiders, changes


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def build(connections: int = 50, messages: int = 400, snapshot: int = 1, seed: int = 7):
    """(zip bytes, truth) for one export; snapshot 2 holds snapshot 1's messages and more."""
    people, outsiders, changes = _network(connections, seed, snapshot)
    owner_first, owner_last, owner_url = OWNER
    owner = f"{owner_first} {owner_last}"
    conn_rows = [["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]]
    for i, p in enumerate(people):
        if i % 40 == 5:
            conn_rows.append([""] * 7)  # LinkedIn's comma-only rows
        conn_rows.append(
            [p.first, p.last, p.url, p.email, p.company, p.title, p.connected_on.strftime("%d %b %Y")]
        )
    connections_text = NOTES + _csv(conn_rows)

    # Messages: the first `messages` rows of one long deterministic history; snapshot 2 adds
    # a quarter more (newer) rows, so every snapshot-1 row is present again unchanged.
    total = messages if snapshot == 1 else messages + messages // 4
    rng = random.Random(seed + 1)
    # snapshot 1's people (names unchanged), so the old rows are identical in both snapshots
    s1_people = _network(connections, seed, 1)[0]
    talk_to = s1_people[: max(1, len(s1_people) * 9 // 10)]
    counts = {"real": 0, "outsider": 0, "sponsored": 0, "system": 0, "draft": 0, "html": 0, "group": 0}
    last_touch: dict[str, str] = {}
    outsiders_messaged: set[str] = set()
    rows = [MESSAGE_HEADER]
    start = EXPORTED[1] - dt.timedelta(days=1000)
    span = (EXPORTED[1] - start).total_seconds()
    for i in range(total):
        later = i >= messages
        frac = i / max(1, messages)
        when = start + dt.timedelta(seconds=int(frac * span) + rng.randrange(0, 3600))
        if later:
            when = EXPORTED[1] + dt.timedelta(seconds=(i - messages + 1) * 60)
        kind = i % 50
        if kind == 7:
            rows.append(
                [f"2-sp{i:06d}", "Sponsored Conversation", "LinkedIn Member", "", owner, owner_url,
                 _stamp(when), "", '<p class="spinmail-quill-editor__spin-break">Try Premium</p>',
                 "INBOX", "", "No"]
            )  # fmt: skip
            counts["sponsored"] += 1
            continue
        outsider = kind == 11
        other = outsiders[(i // 50) % len(outsiders)] if outsider else talk_to[(i * 7919) % len(talk_to)]
        convo = "2-" + other.url[-8:]
        if kind == 13:
            rows.append(
                [convo, "", other.name, other.url, owner, owner_url, _stamp(when), "",
                 "Message request accepted", "INBOX", "", "No"]
            )  # fmt: skip
            counts["system"] += 1
            continue
        outgoing = i % 3 == 0
        if kind == 17:
            body = HTML.format(first=other.first)
            counts["html"] += 1
        else:
            body = TEXTS[i % len(TEXTS)] + f" #{i}"
        draft = "Yes" if kind == 19 else "No"
        if outgoing:
            row = [convo, "", owner, owner_url, other.name, other.url]
        else:
            row = [convo, "", other.name, other.url, owner, owner_url]
        rows.append(row + [_stamp(when), "", body, "INBOX", "", draft])
        if draft == "Yes":
            counts["draft"] += 1
            if kind == 17:
                counts["html"] -= 1
            continue
        counts["real"] += 1
        if outsider:
            counts["outsider"] += 1
            outsiders_messaged.add(other.url)
        iso = when.isoformat()
        if iso > last_touch.get(other.url, ""):
            last_touch[other.url] = iso
    if total >= 60:  # one group chat, recipients split by ";" then ","
        a, b = talk_to[0], talk_to[-1]
        when = start + dt.timedelta(days=3, seconds=17)
        rows.append(
            ["2-group0001", "Deal room", owner, owner_url, f"{a.name}; {b.name}",
             f"{a.url};{b.url}", _stamp(when), "", "Kick-off at 10?", "INBOX", "", "No"]
        )  # fmt: skip
        counts["real"] += 1
        counts["group"] += 1
        for p in (a, b):
            if when.isoformat() > last_touch.get(p.url, ""):
                last_touch[p.url] = when.isoformat()
    body_rows = rows[1:]
    rng.shuffle(body_rows)  # real exports are not in chronological order
    messages_text = _csv([MESSAGE_HEADER, *body_rows])

    inv_rows = [["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"]]
    invited = people[: min(len(people), 6)]
    for j, p in enumerate(invited):
        sent = dt.datetime.combine(p.connected_on, dt.time(9 + j, 40))
        stamp = f"{sent.month}/{sent.day}/{sent.strftime('%y')}, {sent.strftime('%-I:%M %p')}"
        if j % 2:
            inv_rows.append([owner, p.name, stamp, "", "OUTGOING", owner_url, p.url])
        else:
            inv_rows.append(
                [p.name, owner, stamp, f"Hi {owner_first}, let's connect", "INCOMING", p.url, owner_url]
            )
    endo_rows = [["Endorsement Date", "Skill Name", "Endorser First Name", "Endorser Last Name",
                  "Endorser Public Url", "Endorsement Status"]]  # fmt: skip
    for j, p in enumerate(people[2:5]):
        endo_rows.append([f"2025/0{j + 1}/14 12:18:19 UTC", "Negotiation", p.first, p.last,
                          p.url.replace("https://", ""), "ACCEPTED"])  # fmt: skip
    reco_rows = [["First Name", "Last Name", "Company", "Job Title", "Text", "Creation Date", "Status"]]
    if people:
        p = people[0]
        reco_rows.append([p.first, p.last, p.company, p.title, "Morgan is <b>great</b> to work with.",
                          "07/21/25, 12:11 PM", "VISIBLE"])  # fmt: skip
    profile = _csv(
        [["First Name", "Last Name", "Maiden Name", "Address", "Birth Date", "Headline", "Summary"],
         [owner_first, owner_last, "", "", "Oct 18", "Account Executive", ""]]
    )  # fmt: skip
    files = {
        "Connections.csv": connections_text,
        "messages.csv": messages_text,
        "Invitations.csv": _csv(inv_rows),
        "Endorsement_Received_Info.csv": _csv(endo_rows),
        "Recommendations_Received.csv": _csv(reco_rows),
        "Profile.csv": profile,
        "Jobs/Saved Jobs.csv": "Saved Date,Job Url\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    truth = {
        "snapshot": snapshot,
        "exported_at": EXPORTED[snapshot].isoformat(),
        "zip_name": f"Complete_LinkedInDataExport_{EXPORTED[snapshot]:%m-%d-%Y}.zip",
        "owner_url": owner_url,
        "connections": len(people),
        "connections_blank_rows": sum(1 for r in conn_rows[1:] if not any(r)),
        "message_rows": len(body_rows),
        "messages": counts,
        "outsiders_messaged": sorted(outsiders_messaged),
        "invitations": len(inv_rows) - 1,
        "endorsements": len(endo_rows) - 1,
        "recommendations": len(reco_rows) - 1,
        "last_touch": last_touch,
        **changes,
    }
    return buf.getvalue(), truth
