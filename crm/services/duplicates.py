"""Duplicate suggestions: pairs of contacts that look like one person, each with a reason.

Candidates are blocked first (same email, phone, last name + first initial, company + start of
the first name, same name tokens), so 30,000 contacts never need an all-pairs comparison.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from peewee import JOIN

from crm.db import db, write
from crm.models import Company, Contact, ContactEmail, ContactPhone, DuplicateDismissal
from crm.services.matching import lost_letters_of
from crm.services.merge import Batch, field_rows, merge_batch
from importers.base import name_key

# Reasons sure enough to merge a pair unseen (merge all): the same email address, the same phone
# number, or the same full name at the same company or email domain. "Same name, one has no
# company" is not: in the shared generator's seed-7 exports 4-5 of ~500 such pairs were an
# address-book person and a namesake met in LinkedIn messages.
SURE_RANK = 3
# Blocks bigger than this are too generic to mean anything (a shared info@ address, "J Lee").
MAX_BLOCK = 60
# Letters NFKD does not take apart, so "Ødegaard" and "Odegaard" still meet.
FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"})
_NICKNAMES = {
    "robert": "bob bobby rob robbie bert",
    "william": "bill billy will willy liam",
    "james": "jim jimmy jamie",
    "john": "jack johnny jon",
    "michael": "mike mikey mick",
    "david": "dave davy",
    "daniel": "dan danny",
    "thomas": "tom tommy",
    "christopher": "chris kit",
    "katherine": "kate katie kathy cathy catherine kathryn kat",
    "elizabeth": "liz lizzie beth betty eliza libby",
    "alexander": "alex sasha sandy",
    "alexandra": "alex sasha lexi",
    "samuel": "sam sammy",
    "samantha": "sam sammy",
    "joseph": "joe joey",
    "matthew": "matt matty",
    "nicholas": "nick nicky",
    "anthony": "tony",
    "steven": "steve stephen",
    "edward": "ed eddie ted ned",
    "andrew": "andy drew",
    "benjamin": "ben benny",
    "jennifer": "jen jenny",
    "susan": "sue susie",
    "patricia": "pat patty tricia",
    "patrick": "pat paddy",
    "margaret": "maggie meg peggy greta",
    "richard": "rich rick ricky dick",
    "charles": "charlie chuck chas",
    "gregory": "greg",
    "jonathan": "jon jonny",
    "nathan": "nate",
    "nathaniel": "nate nat",
    "peter": "pete",
    "ronald": "ron ronnie",
    "timothy": "tim timmy",
    "victoria": "vicky tori",
    "zachary": "zach zack",
    "kimberly": "kim",
    "abigail": "abby",
    "rebecca": "becky becca",
    "deborah": "deb debbie",
    "jessica": "jess jessie",
    "joshua": "josh",
    "frederick": "fred freddie",
    "lawrence": "larry",
    "leonard": "leo len lenny",
    "francis": "frank",
    "francisco": "paco pancho",
    "jose": "pepe",
    "alejandro": "alex",
    "mohammed": "mohamed muhammad mohammad",
    "dmitri": "dima dmitry",
    "ivan": "vanya",
    "nikolai": "kolya",
    "aleksandr": "sasha",
    "giuseppe": "beppe",
    "johannes": "hans jo",
    "wolfgang": "wolf",
    "isabela": "isabel bela",
    "valentina": "vale",
    "gabriel": "gabe",
    "raphael": "rafael rafa",
}
NICKNAMES = {nick: full for full, nicks in _NICKNAMES.items() for nick in nicks.split()}
FREE_MAIL = frozenset(
    "gmail.com googlemail.com yahoo.com yahoo.co.uk hotmail.com hotmail.co.uk outlook.com "
    "live.com msn.com icloud.com me.com mac.com aol.com proton.me protonmail.com gmx.de gmx.net "
    "web.de mail.com yandex.ru qq.com 163.com orange.fr free.fr t-online.de personal.example".split()
)


@dataclass(frozen=True)
class Suggestion:
    """Two contacts that may be one person (a < b), why, and how sure (lower rank = surer)."""

    a: int
    b: int
    reason: str
    rank: int
    keep: int | None = None  # the one to keep by default when one is clearly newer

    def as_json(self) -> dict:
        return {"contact_ids": [self.a, self.b], "reason": self.reason}


@dataclass
class _Person:
    id: int
    full: str
    display: str
    first: str
    last: str
    canon: str
    company: int | None
    domains: frozenset[str]
    profile: str | None  # LinkedIn URL: two different ones are two people, whatever their names


def canonical_first(first: str) -> str:
    """A first-name key with nicknames resolved ("bob" -> "robert")."""
    return NICKNAMES.get(first, first)


def _load() -> tuple[
    list[_Person], dict[str, list[int]], tuple[dict[str, list[int]], dict[str, str]], dict[int, list[str]]
]:
    """People, contacts by email, (contacts by phone key, each key as first written), and former
    employers."""
    # Plain cursors: for 30,000 contacts peewee's row objects would cost more than the matching.
    by_email: dict[str, list[int]] = defaultdict(list)
    domains: dict[int, set[str]] = defaultdict(set)
    for contact_id, email in db.execute_sql(
        "SELECT e.contact_id, lower(e.email) FROM contact_email e"
        " JOIN contact c ON c.id = e.contact_id WHERE c.deleted_at IS NULL"
    ):
        by_email[email].append(contact_id)
        domain = email.rpartition("@")[2]
        if domain not in FREE_MAIL:
            domains[contact_id].add(domain)
    by_phone: dict[str, list[int]] = defaultdict(list)
    written: dict[str, str] = {}  # a key (digits alone) as the first contact wrote it, for the reason
    for contact_id, key, phone in db.execute_sql(
        "SELECT p.contact_id, p.phone_key, p.phone FROM contact_phone p"
        " JOIN contact c ON c.id = p.contact_id WHERE c.deleted_at IS NULL AND p.phone_key != ''"
        " ORDER BY p.contact_id"
    ):
        by_phone[key].append(contact_id)
        written.setdefault(key, phone)
    people = []
    keys: dict[str, str] = {}
    empty: frozenset[str] = frozenset()
    for cid, full, display, first, last, company, profile in db.execute_sql(
        "SELECT id, name_key, full_name, first_name, last_name, company_id, linkedin_url FROM contact"
        " WHERE deleted_at IS NULL"
    ):
        full = full.translate(FOLD)
        tokens = full.split()
        if not tokens:
            continue
        first_key = _key(first, keys) if first else tokens[0]
        last_key = _key(last, keys) if last else (tokens[-1] if len(tokens) > 1 else "")
        first_key = first_key.split()[0] if first_key else ""
        shared = frozenset(domains[cid]) if cid in domains else empty
        people.append(
            _Person(
                cid, full, display, first_key, last_key, canonical_first(first_key), company, shared, profile
            )
        )
    return people, by_email, (by_phone, written), _former_employers()


def _former_employers() -> dict[int, list[str]]:
    """Per contact, what its job-change signals say it left: a company, or "Title at Company"."""
    former: dict[int, list[str]] = defaultdict(list)
    for contact_id, old_company, old_role in db.execute_sql(
        "SELECT contact_id, json_extract(details, '$.old_company'), json_extract(details, '$.from')"
        " FROM signal WHERE kind = 'job_change' AND json_valid(details)"
    ):
        former[contact_id] += [text for text in (old_company, old_role) if isinstance(text, str) and text]
    return former


def _left_for(a: _Person, b: _Person, former: dict[int, list[str]], companies: dict[int, str]) -> str:
    """The company of `b` if `a` has a job change away from it ("" if not), so a contact from an
    address book kept at someone's old employer still meets their LinkedIn record."""
    name = companies.get(b.company or 0, "")
    if not name or a.id not in former:
        return ""
    key = name_key(name)
    for text in former[a.id]:
        if text.endswith(f" at {name}") or name_key(text) == key:
            return name
    return ""


def _key(text: str, cache: dict[str, str]) -> str:
    found = cache.get(text)
    if found is None:
        found = cache[text] = name_key(text).translate(FOLD)
    return found


@functools.cache
def _first_relation(a: str, b: str) -> str:
    """How two first-name keys relate: same, nickname, initial, similar, or ""."""
    if a == b:
        return "same"
    if canonical_first(a) == canonical_first(b):
        return "nickname"
    if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return "initial"
    if min(len(a), len(b)) >= 3 and SequenceMatcher(None, a, b).ratio() >= 0.8:
        return "similar"
    return ""


def _context(a: _Person, b: _Person) -> tuple[str, int]:
    """What else the two share: (phrase, strength 2 = company or domain, 1 = one lacks company)."""
    if a.company and a.company == b.company:
        return "at the same company", 2
    shared = a.domains & b.domains
    if shared:
        return f"with the same email domain ({min(shared)})", 2
    if not a.company and not b.company:
        return "and neither has a company", 1
    if not a.company or not b.company:
        return "and one has no company", 1
    return "", 0


def _name_pair(a: _Person, b: _Person) -> tuple[str, int] | None:
    """(reason, rank) for two people with the same last name and first initial, or None."""
    context, strength = _context(a, b)
    if strength == 0:
        return None
    relation = _first_relation(a.first, b.first)
    exact = a.full == b.full or relation == "same"
    if not relation or (strength == 1 and not exact):
        return None
    return f"{_name_phrase(a, b, relation)} {context}", (3 if strength == 2 else 5) + (0 if exact else 1)


def _name_phrase(a: _Person, b: _Person, relation: str) -> str:
    if a.full == b.full:
        return "Same name" if a.display == b.display else "Same name apart from accents or case"
    if relation == "same":
        return "Same first and last name"
    if relation == "nickname":
        return f"Similar names ({_first_word(a)} / {_first_word(b)})"
    if relation == "initial":
        return "Same last name and matching initial"
    return "Similar names"


def _first_word(p: _Person) -> str:
    return p.display.split()[0] if p.display.split() else p.first


def find_duplicates(limit: int | None = None) -> list[Suggestion]:
    """Every suggested pair, surest first; pairs the owner dismissed are left out."""
    people, by_email, (by_phone, written), former = _load()
    companies = _company_names(former, people)
    found: dict[tuple[int, int], tuple[int, str, int | None]] = {}

    def offer(x: int, y: int, rank: int, reason: str, keep: int | None = None) -> None:
        key = (x, y) if x < y else (y, x)
        if x != y and (key not in found or rank < found[key][0]):
            found[key] = (rank, reason, keep)

    for email, ids in by_email.items():
        if 1 < len(set(ids)) <= MAX_BLOCK:
            for x, y in itertools.combinations(sorted(set(ids)), 2):
                offer(x, y, 1, f"Same email address ({email})")
    for key, ids in by_phone.items():
        if 1 < len(set(ids)) <= MAX_BLOCK:
            for x, y in itertools.combinations(sorted(set(ids)), 2):
                offer(x, y, 2, f"Same phone number ({written[key]})")

    by_name: dict[tuple[str, str], list[_Person]] = defaultdict(list)
    by_company: dict[tuple[int, str], list[_Person]] = defaultdict(list)
    by_tokens: dict[str, list[_Person]] = defaultdict(list)
    for p in people:
        if p.last:
            by_name[(p.last, p.canon[:1])].append(p)
        if p.company and p.canon:
            by_company[(p.company, p.canon[:3])].append(p)
        by_tokens[" ".join(sorted(p.full.split()))].append(p)

    for block in by_name.values():
        if 1 < len(block) <= MAX_BLOCK * 5:
            for a, b in _pairs(block):
                judged = _name_pair(a, b)
                if judged:
                    offer(a.id, b.id, judged[1], judged[0])
                elif companies and (relation := _first_relation(a.first, b.first)) in ("same", "nickname"):
                    for mover, stayer in ((a, b), (b, a)):
                        left = _left_for(mover, stayer, former, companies)
                        if left:
                            name = _name_phrase(a, b, relation)
                            reason = f"{name}; {mover.display} used to work at {left}"
                            offer(a.id, b.id, 4, reason, keep=mover.id)  # the current job
                            break
    for block in by_company.values():
        if 1 < len(block) <= MAX_BLOCK:
            for a, b in _pairs(block):
                if a.last == b.last or not a.last or not b.last:
                    continue
                tokens_a, tokens_b = set(a.full.split()), set(b.full.split())
                close = tokens_a < tokens_b or tokens_b < tokens_a
                if close or SequenceMatcher(None, a.full, b.full).ratio() >= 0.88:
                    offer(a.id, b.id, 4, "Similar names at the same company")
    for block in by_tokens.values():
        if 1 < len(block) <= MAX_BLOCK:
            for a, b in _pairs(block):
                if a.full != b.full and _context(a, b)[1] >= 1:
                    offer(a.id, b.id, 4, "Same name with first and last swapped")

    lost = [p for p in people if "?" in p.display]
    if lost:
        _lost_letter_pairs(people, lost, offer)

    dismissed = set(
        DuplicateDismissal.select(DuplicateDismissal.contact_a, DuplicateDismissal.contact_b).tuples()
    )
    out = [
        Suggestion(x, y, reason, rank, keep)
        for (x, y), (rank, reason, keep) in found.items()
        if (x, y) not in dismissed
    ]
    out.sort(key=lambda s: (s.rank, s.a, s.b))
    return out[:limit] if limit else out


def _lost_letter_pairs(people: list[_Person], lost: list[_Person], offer) -> None:
    """ "?ukasz Kelly" (an export in the Windows code page lost the "Ł") and "Łukasz Kelly": their
    name keys differ, so no name block holds both. Names are blocked by their shape with every
    letter beyond ASCII, and every "?", written as "?": "?ukasz kelly" both."""
    lost_shapes = {_shape(p.display) for p in lost}
    by_shape: dict[str, list[_Person]] = defaultdict(list)
    for p in people:
        if not p.display.isascii() or "?" in p.display:
            shape = _shape(p.display)
            if shape in lost_shapes:
                by_shape[shape].append(p)
    for block in by_shape.values():
        if len(block) > MAX_BLOCK * 5:
            continue  # a shape like "??" (a short name in another script): too common to tell
        for a, b in _pairs(block):
            lost, intact = (b, a) if lost_letters_of(b.display, a.display) else (a, b)
            if not lost_letters_of(lost.display, intact.display):
                continue
            context, strength = _context(lost, intact)
            if strength:
                names = f"{lost.display} / {intact.display}"
                reason = f"Same name but for letters an export lost ({names}) {context}"
                offer(a.id, b.id, 3 if strength == 2 else 5, reason, keep=intact.id)  # the intact spelling


def _shape(name: str) -> str:
    return "".join(c if c.isascii() and c != "?" else "?" for c in name.lower())


def _pairs(block: list[_Person]):
    """Pairs of a name block, less those with two different LinkedIn profiles: two people who
    share a name (real networks have them), not one person twice."""
    for a, b in itertools.combinations(block, 2):
        if not (a.profile and b.profile and a.profile != b.profile):
            yield a, b


def _company_names(former: dict[int, list[str]], people: list[_Person]) -> dict[int, str]:
    """Names of the companies people work at, when anyone has a job change to compare with."""
    if not former:
        return {}
    wanted = {p.company for p in people if p.company}
    return {cid: name for cid, name in db.execute_sql("SELECT id, name FROM company") if cid in wanted}


def dismiss(a: int, b: int) -> None:
    """Remember that two contacts are not the same person, so the pair is not suggested again."""
    low, high = min(a, b), max(a, b)
    with write():
        DuplicateDismissal.insert(contact_a=low, contact_b=high).on_conflict_ignore().execute()


def count_dismissed() -> int:
    """How many pairs the owner has marked "not a duplicate"."""
    return DuplicateDismissal.select().count()


@dataclass
class PairView:
    """A suggestion with both contacts loaded for the side-by-side screen."""

    suggestion: Suggestion
    a: Contact
    b: Contact
    lists: dict[int, dict[str, list[str]]]
    # contacts of this pair that another suggested pair has too ("Bjorn Zhang" at Acme beside
    # an address book's Bjorn Zhang, and a namesake met in messages): which pair is right is
    # for the owner to choose, so neither merges in one click
    shared: tuple[Contact, ...] = ()

    @property
    def keep(self) -> Contact:
        """The contact the merge keeps by default (the suggestion's pick, else the older one)."""
        return self.b if self.suggestion.keep == self.b.id else self.a

    @property
    def other(self) -> Contact:
        return self.a if self.keep is self.b else self.b

    @functools.cached_property
    def differs(self) -> list[str]:
        """Labels of the fields whose values differ: empty when a merge has nothing to ask."""
        return [row.label for row in field_rows(self.keep, self.other) if row.conflict]

    @property
    def one_click(self) -> bool:
        """Nothing to choose: no field differs and neither contact is in another pair."""
        return not self.differs and not self.shared

    @property
    def merge_unseen(self) -> bool:
        """One click's work, for a reason sure enough to merge without looking (merge all)."""
        return self.one_click and self.suggestion.rank <= SURE_RANK


@dataclass
class SuggestionPage:
    """The surest suggestions with their contacts, how many there are, and every pair the
    list can merge in one go."""

    pairs: list[PairView]
    total: int
    identical: list[tuple[int, int]]  # (keep, other) of each pair that "merge all" takes


IN_CHUNK = 900  # ids per IN (...): well under SQLite's limit on bound values


def _with_company(ids: list[int]) -> dict[int, Contact]:
    people = {}
    for at in range(0, len(ids), IN_CHUNK):
        query = (
            Contact.select(Contact, Company)
            .join(Company, JOIN.LEFT_OUTER)
            .where(Contact.id.in_(ids[at : at + IN_CHUNK]))
        )
        people.update((c.id, c) for c in query)
    return people


def _views() -> list[PairView]:
    found = find_duplicates()
    pairs_of = Counter(i for s in found for i in (s.a, s.b))
    people = _with_company(sorted(pairs_of))
    return [
        PairView(s, people[s.a], people[s.b], {}, tuple(people[i] for i in (s.a, s.b) if pairs_of[i] > 1))
        for s in found
    ]


def suggestion_page(limit: int = 50) -> SuggestionPage:
    """The surest `limit` suggestions with their contacts, the total, and the (keep, other)
    of every suggestion that merges unseen, in a number of queries that grows only with
    the pairs (one per 450) for the last."""
    views = _views()
    shown = views[:limit]
    lists = lists_for(sorted({i for v in shown for i in (v.a.id, v.b.id)}))
    for view in shown:
        view.lists = lists
    return SuggestionPage(shown, len(views), _unseen(views))


def _unseen(views: list[PairView]) -> list[tuple[int, int]]:
    return [(v.keep.id, v.other.id) for v in views if v.merge_unseen]


def unseen_pairs() -> list[tuple[int, int]]:
    """(keep, other) of every suggestion that may merge unseen ("merge all")."""
    return _unseen(_views())


def merge_unseen_pairs(pairs: list[tuple[int, int]] | None = None) -> Batch:
    """Merge, as one batch, the (keep, other) pairs given that may still merge unseen (all of
    them if None); the others are counted as skipped."""
    now = unseen_pairs()
    if pairs is None:
        return merge_batch(now)
    current = set(now)
    batch = merge_batch([pair for pair in pairs if pair in current])
    return dataclasses.replace(batch, skipped=batch.skipped + sum(pair not in current for pair in pairs))


def pairs_touching(contact_ids: list[int]) -> int:
    """How many suggested pairs have one of these contacts (an import's, after its commit)."""
    ids = set(contact_ids)
    return sum(1 for s in find_duplicates() if s.a in ids or s.b in ids)


def lists_for(contact_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """Emails, phones and tags per contact, for the merge screen."""
    from crm.services.contacts import tags_for

    out: dict[int, dict[str, list[str]]] = {
        cid: {"emails": [], "phones": [], "tags": []} for cid in contact_ids
    }
    for cid, email in (
        ContactEmail.select(ContactEmail.contact, ContactEmail.email)
        .where(ContactEmail.contact.in_(contact_ids))
        .order_by(ContactEmail.position)
        .tuples()
    ):
        out[cid]["emails"].append(email)
    for cid, phone in (
        ContactPhone.select(ContactPhone.contact, ContactPhone.phone)
        .where(ContactPhone.contact.in_(contact_ids))
        .order_by(ContactPhone.position)
        .tuples()
    ):
        out[cid]["phones"].append(phone)
    for cid, tags in tags_for(contact_ids).items():
        out[cid]["tags"] = tags
    return out
