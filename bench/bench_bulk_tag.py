"""Bulk tagging "all matching" through the web app at 30,000 contacts / 300,000 activities.

Usage: python -m bench.bench_bulk_tag [--contacts 30000]   (prints numbers; never asserts)
Each action is the contact list's bulk form posted as the owner does it, answered by htmx: asked
first (the question counts whom it changes), then confirmed (the transaction, the cadence-driven
rescore of every changed contact, the list re-rendered).
"""

from __future__ import annotations

import argparse
import re

from bench.builder import build
from bench.common import bench_app, logged_in, ok, scratch, sizes_for, timed

ACTIONS = (
    ("add a new tag to every contact", "/contacts/bulk-tag", {"action": "add", "add_tag": "Bench"}),
    ("add it again (nothing changes)", "/contacts/bulk-tag", {"action": "add", "add_tag": "Bench"}),
    ("remove it from every contact", "/contacts/bulk-tag", {"action": "remove", "remove_tag": "Bench"}),
    ("add a 30-day cadence tag to every contact", "/contacts/bulk-tag",
     {"action": "add", "add_tag": "Customers"}),
    ("add a tag to a 3,000-contact search (company 1..)", "/contacts/bulk-tag?q=company+1",
     {"action": "add", "add_tag": "Search"}),
)  # fmt: skip


def act(client, url: str, form: dict) -> None:
    """One action: the question, then its answer (an action that changes nobody is not asked)."""
    asked = ok(client.post(url, data=form, headers=HTMX))
    number = re.search(r'name="confirm" value="(\d+)"', asked.get_data(as_text=True))
    if number:
        ok(client.post(url, data={**form, "confirm": number[1]}, headers=HTMX))


HTMX = {"HX-Request": "true"}


def main(contacts: int) -> None:
    folder = scratch()
    path = str(folder / "bench.sqlite3")
    print(f"building {contacts:,} contacts …", flush=True)
    build(path, **sizes_for(contacts))
    client, csrf = logged_in(bench_app(path, str(folder)))
    for label, url, fields in ACTIONS:
        form = {"csrf_token": csrf, "scope": "all", **fields}
        seconds = timed(lambda: act(client, url, form))  # noqa: B023
        print(f"{label:<52} {seconds:6.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=30_000)
    main(parser.parse_args().contacts)
