"""A minimal builder for benchmark databases: N contacts with emails, phones, companies and a
few planted duplicates (nicknames, accents, initials, shared emails, an old employer that a job
change left). Deterministic per seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3

from crm import migrations
from importers.base import name_key, normalize_phone

FIRST = (
    "Robert William James John Michael David Daniel Thomas Christopher Katherine Elizabeth "
    "Alexander Samuel Joseph Matthew Nicholas Anthony Steven Edward Andrew Benjamin Jennifer "
    "Susan Patricia Margaret Richard Charles Gregory Jonathan Peter Timothy Victoria Ada Aiko "
    "Amara Anders Arjun Astrid Beatriz Bram Camila Chen Chiara Dana Darius Elena Elif Emeka Fatima "
    "Felix Freya Giulia Hana Hiroshi Ines Ingrid Ivan Jamal Javier Jin Jonas José Kai Kenji Kofi "
    "Laila Lars Leila Lina Lucas Łukasz Maja Mariana Mateo Mei Mina Nadia Naomi Nora Olga Omar "
    "Priya Rafael Ravi Rosa Ruth Sakura Samir Sara Sean Siobhan Sofia Sven Tariq Tomás Wei Yara "
    "Yusuf Zanele Zoë Zofia"
).split()
LAST = (
    "Abara Adeyemi Ahmed Alvarez Andersson Bauer Becker Bianchi Brennan Brown Castillo Chen Costa "
    "Dubois Dumont Eriksen Fernández Fischer García Gonzalez Gupta Haddad Hansen Hoffmann Hughes "
    "Ivanova Jansen Jensen Kaur Kelly Khan Kim Kowalski Kumar Larsen Lee Lindqvist Lopez Martin "
    "Meyer Moreau Müller Murphy Nakamura Nguyen Nielsen Novak O'Brien O'Connor Okafor Olsen Park "
    "Patel Petrov Popescu Reyes Rossi Russo Sato Schmidt Schneider Silva Singh Smith Suzuki "
    "Svensson Tanaka Taylor Wagner Walsh Wang Weber Williams Wójcik Yamamoto Yilmaz Zhang Ødegaard"
).split()
NICK = {"Robert": "Bob", "William": "Bill", "James": "Jim", "Michael": "Mike", "Thomas": "Tom"}
STEMS = "Acme Apex Atlas Aurora Beacon Birch Cascade Cedar Cobalt Delta Echo Ember Falcon Helix".split()
SUFFIX = "Labs Systems Analytics Health Software Partners Robotics Capital Media Cloud".split()


def _variant(rng: random.Random, first: str, last: str) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.3 and first in NICK:
        return NICK[first], last
    if roll < 0.5:
        return first[0] + ".", last
    if roll < 0.7:
        return first.upper(), last.lower()
    return first, last


def build(path: str, n: int = 30_000, seed: int = 1, duplicate_share: float = 0.02) -> int:
    """Create a migrated database at `path` holding n contacts; returns the number written."""
    migrations.migrate(path)
    rng = random.Random(seed)
    companies = [f"{s} {x}" for s in STEMS for x in SUFFIX]
    conn = sqlite3.connect(path)
    now = dt.datetime(2025, 1, 1).isoformat(sep=" ")
    conn.executemany(
        "INSERT INTO company (id, name, name_key, website, notes, created_at) VALUES (?,?,?,?,?,?)",
        [(i + 1, c, name_key(c), "", "", now) for i, c in enumerate(companies)],
    )
    contacts, emails, phones, signals = [], [], [], []

    def job_change(cid: int, old: int, new: int) -> None:
        role, old_name, new_name = "Account Executive", companies[old - 1], companies[new - 1]
        details = {"from": f"{role} at {old_name}", "to": f"{role} at {new_name}", "old_company": old_name}
        signals.append((cid, json.dumps(details), now))

    previous: list[tuple[str, str, int, str, int]] = []
    for cid in range(1, n + 1):
        copy = bool(previous) and rng.random() < duplicate_share  # from an address book: no URL
        if copy:
            first, last, company, email, original = rng.choice(previous)
            first, last = _variant(rng, first, last)
            roll = rng.random()
            if roll < 0.2:  # an address book still has them at the company they left
                moved_from = company % len(companies) + 1
                job_change(original, moved_from, company)
                company = moved_from
            elif roll > 0.8:
                company = None
            email = email if rng.random() < 0.3 else ""
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = rng.randrange(len(companies)) + 1
            domain = name_key(companies[company - 1]).replace(" ", "")
            email = f"{name_key(first)}.{name_key(last)}{cid}@{domain}.example".replace(" ", "")
            previous.append((first, last, company, email, cid))
            if rng.random() < 0.05:  # job changes nobody else shares
                job_change(cid, rng.randrange(len(companies)) + 1, company)
        full = f"{first} {last}"
        url = f"https://www.linkedin.com/in/p{cid}" if rng.random() < 0.8 and not copy else None
        contacts.append((cid, first, last, full, name_key(full), url, company, now, now))
        if email:
            emails.append((cid, email, "", 0))
        if rng.random() < 0.5:
            phone = f"+1 555 {rng.randrange(10**7):07d}"
            phones.append((cid, phone, normalize_phone(phone), "", 0))
    conn.executemany(
        "INSERT INTO contact (id, first_name, last_name, full_name, name_key, linkedin_url, company_id,"
        " title, location, website, notes, stage, source, is_connection, connected, value_deal,"
        " value_referrals, value_advocate, value_feedback, created_at, updated_at, score, score_reasons)"
        " VALUES (?,?,?,?,?,?,?,'','','','','lead','bench',1,0,0,0,0,0,?,?,0,'[]')",
        contacts,
    )
    conn.executemany(
        "INSERT OR IGNORE INTO contact_email (contact_id, email, label, position) VALUES (?,?,?,?)", emails
    )
    conn.executemany(
        "INSERT OR IGNORE INTO contact_phone (contact_id, phone, phone_key, label, position)"
        " VALUES (?,?,?,?,?)",
        phones,
    )
    conn.executemany(
        "INSERT INTO signal (contact_id, kind, weight, half_life_days, observed_at, details, note,"
        " created_at) VALUES (?1, 'job_change', 40, 30, ?3, ?2, '', ?3)",
        signals,
    )
    conn.commit()
    conn.close()
    return n
