"""Cross-source match rate: a LinkedIn export's connections in the database, then a Google,
Outlook or vCard export sharing some of those people matched against them, checked with the
export's truth (tests/linkedin_export.py and tests/addressbook_export.py build both files).

Usage: python -m bench.match_cross_source [--seed 11] [--connections 3000] [--contacts 1500]
"""

from __future__ import annotations

import argparse
import time

from bench.common import scratch
from crm import migrations
from crm.db import db, init_database
from crm.models import Contact, ContactEmail
from crm.services import matching
from importers.base import PersonRecord, name_key
from importers.formats import parse_csv
from importers.linkedin import open_export
from importers.vcard import parse_vcard
from tests.addressbook_export import Known
from tests.addressbook_export import build as build_export
from tests.linkedin_export import build as build_linkedin


def load_linkedin(data: bytes) -> list[Known]:
    """Plain model inserts of every connection; returns them as people an export may share."""
    known = []
    with open_export(data, "Complete_LinkedInDataExport.zip") as export, db.atomic():
        for record in export.connections():
            if not isinstance(record, PersonRecord):
                continue
            full = record.display_name
            contact = Contact.create(
                first_name=record.first_name,
                last_name=record.last_name,
                full_name=full,
                name_key=name_key(full),
                linkedin_url=record.linkedin_url or None,
                title=record.title,
                source="linkedin",
                is_connection=True,
            )
            for position, email in enumerate(record.emails):
                ContactEmail.create(contact=contact, email=email, position=position)
            email = record.emails[0] if record.emails else ""
            url = record.linkedin_url
            known.append(
                Known(contact.id, record.first_name, record.last_name, email, "", url, record.company)
            )
    return known


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.match_cross_source", description=__doc__)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--connections", type=int, default=3000)
    parser.add_argument("--contacts", type=int, default=1500)
    args = parser.parse_args(argv)
    path = str(scratch("rapport-match-") / "db.sqlite3")
    migrations.migrate(path)
    init_database(path)
    db.connect()
    data, _truth = build_linkedin(args.connections, 0, 1, args.seed)
    known = load_linkedin(data)
    print(f"LinkedIn connections inserted: {len(known)}")
    index = matching.build_index()
    for kind in ("google", "outlook", "vcard"):
        data, truth = build_export(kind, args.contacts, known, seed=args.seed, share=0.3)
        parsed = parse_vcard(data, "x.vcf") if kind == "vcard" else parse_csv(data, f"{kind}.csv")
        records = [r for r in parsed.records() if isinstance(r, PersonRecord)]
        started = time.perf_counter()
        found = [matching.match_reason(r, index) for r in records]
        elapsed = time.perf_counter() - started
        expected = {o["row"]: o["key"] for o in truth["overlap"]}
        right = wrong = missed = 0
        reasons: dict[str, int] = {}
        for record, (contact_id, reason) in zip(records, found, strict=True):
            if contact_id is not None:
                reasons[reason] = reasons.get(reason, 0) + 1
                right += contact_id == expected.get(record.row)
                wrong += contact_id != expected.get(record.row)
            elif record.row in expected:
                missed += 1
        print(
            f"{kind}: {len(records)} records, {len(expected)} share an email or URL with a connection,"
            f" {len(truth['name_only'])} only a name -> matched {right} correctly"
            f" ({right / max(1, len(expected)):.1%}), {wrong} wrong, {missed} missed; on {reasons};"
            f" match time {elapsed * 1000:.1f} ms"
        )
    db.close()


if __name__ == "__main__":
    main()
