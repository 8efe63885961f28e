"""Contact list, contact search and contact page latency; the suite (`python -m bench`) calls `cases`."""

from __future__ import annotations

import itertools

from bench.common import ok


def cases(client, contacts: int) -> dict:
    """The contact pages' timed requests, by table row name."""
    # Walk through different people so the figure is not one cached page.
    people = itertools.cycle(range(1, contacts + 1, max(1, contacts // 97)))
    return {
        "contact list": lambda: ok(client.get("/contacts/")),
        # Search as you type: a first name shared by ~1 in 30 contacts.
        "contact list search": lambda: ok(client.get("/contacts/?q=pricing", headers={"HX-Request": "true"})),
        "contact page": lambda: ok(client.get(f"/contacts/{next(people)}")),
    }
