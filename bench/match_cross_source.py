"""Cross-source match rate: a LinkedIn export's connections in the database, then a Google,
Outlook or vCard export of the same --seed matched against them, checked with its truth file.

Usage: python -m bench.match_cross_source [--seed 11] [--connections 3000] [--contacts 1500]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crm import migrations
from crm.db import db, init_database
from crm.models import Contact, ContactEmail
from crm.services import matching
from importers.base import PersonRecord, name_key
from importers.formats import parse_csv
from importers.linkedin import open_export
from importers.vcard import parse_vcard

MAKE = "/work/shared/datagen/make_exports.py"


def load_linkedin(path: Path) -> int:
    """Plain model inserts of every connection (the LinkedIn import flow is built elsewhere)."""
    with open_export(str(path)) as export, db.atomic():
        count = 0
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
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--connections", type=int, default=3000)
    parser.add_argument("--contacts", type=int, default=1500)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    common = ["--seed", str(args.seed), "--connections", str(args.connections)]
    for kind, name in (("linkedin", "li.zip"), ("google", "g.csv"), ("outlook", "o.csv"), ("vcard", "v.vcf")):
        subprocess.run(
            [sys.executable, MAKE, kind, str(tmp / name), *common, "--contacts", str(args.contacts)],
            check=True,
            capture_output=True,
        )
    migrations.migrate(str(tmp / "db.sqlite3"))
    init_database(str(tmp / "db.sqlite3"))
    db.connect()
    print(f"LinkedIn connections inserted: {load_linkedin(tmp / 'li.zip')}")
    by_url = dict(Contact.select(Contact.linkedin_url, Contact.id).tuples())
    index = matching.build_index()
    for name in ("g.csv", "o.csv", "v.vcf"):
        data = (tmp / name).read_bytes()
        parsed = parse_vcard(data, name) if name.endswith(".vcf") else parse_csv(data, name)
        records = [r for r in parsed.records() if isinstance(r, PersonRecord)]
        truth = json.loads((tmp / f"{name}.truth.json").read_text())
        started = time.perf_counter()
        found = [matching.match_reason(r, index) for r in records]
        elapsed = time.perf_counter() - started
        overlap = {o["email"]: o for o in truth["overlap"]}
        matchable = {e for e, o in overlap.items() if o["url_in_file"] or o["linkedin_shows_email"]}
        right = wrong = missed = 0
        reasons: dict[str, int] = {}
        for record, (contact_id, reason) in zip(records, found, strict=True):
            person = next((overlap[e] for e in record.emails if e in overlap), None)
            expected = by_url.get(person["linkedin_url"]) if person else None
            if contact_id is not None:
                reasons[reason] = reasons.get(reason, 0) + 1
                right += contact_id == expected
                wrong += contact_id != expected
            elif person and person["email"] in matchable:
                missed += 1
        print(
            f"{name}: {len(records)} records, {len(overlap)} also on LinkedIn, {len(matchable)} matchable"
            f" -> matched {right} correctly ({right / max(1, len(matchable)):.1%} of matchable),"
            f" {wrong} wrong, {missed} missed; on {reasons}; match time {elapsed * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
