"""Every figure on the contact page (and the pre-call brief) is current after an action done in
place with htmx: the cards that show a figure reload on an event the action's answer sends."""

from __future__ import annotations

import datetime as dt
import json

from crm.models import Activity, Contact, FollowUp, Reciprocity, Signal
from crm.services import activities, derived
from tests.conftest import soup, token

HX = {"HX-Request": "true"}


def _text(element) -> str:
    return " ".join(element.get_text().split())


def _cards(page) -> dict:
    return {el["id"]: el for el in page.select("main section[id], main div[id=brief-grid]")}


def _events(response) -> set[str]:
    header = response.headers.get("HX-Trigger", "")
    if not header:
        return set()
    return set(json.loads(header)) if header.startswith("{") else {header}


def _listens(card, events: set[str]) -> bool:
    parts = [p.strip() for p in card.get("hx-trigger", "").split(",")]
    return any(f"{event} from:body" in parts for event in events)


def assert_fresh_after(client, url: str, action, answer_in: str = "") -> set[str]:
    """Do `action` in place, then play what htmx does (the answer replaces its own element, the
    cards listening to an event it sends reload) and compare every card with a reload of `url`.
    `answer_in`: the card holding the answer's element when a reload does not show it (the
    'moved to the trash, undo' line)."""
    before = _cards(soup(client.get(url)))
    response = action()
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    events = _events(response)
    root = soup(response).find(True)  # the element the answer swaps in (a card, or a part of one)
    answer_id = root.get("id") if root is not None else None
    replaced = {answer_id} & before.keys()
    patched = {cid for cid, card in before.items() if answer_id and card.find(id=answer_id)} | {answer_in}
    shown = {}
    for cid, card in before.items():
        if _listens(card, events):
            # htmx would send this GET before swapping the answer: a card both replaced by the
            # answer and reloading would swap into a detached element.
            assert cid not in replaced, f"#{cid} reloads on its own answer"
            fragment = soup(client.get(card["hx-get"], headers=HX)).find(id=cid)
            shown[cid] = _text(fragment)
        elif cid not in replaced | patched:
            shown[cid] = _text(card)
    fresh = {cid: _text(card) for cid, card in _cards(soup(client.get(url))).items()}
    for cid, text in shown.items():
        assert text == fresh[cid], f"#{cid} is stale after the action (events sent: {sorted(events)})"
    return events


def _post(client, path, **data):
    return lambda: client.post(path, data={"csrf_token": token(client), **data}, headers=HX)


def test_every_in_place_action_leaves_no_stale_figure_on_the_contact_page(client, database):
    long_ago = dt.datetime(2025, 1, 1)
    ann = Contact.create(full_name="Ann Lee", first_name="Ann", name_key="ann lee", cadence_days=7,
                         created_at=long_ago)  # fmt: skip
    activities.log_touch(
        [ann.id], kind="call", text="Intro call", occurred_at=long_ago.replace(tzinfo=dt.UTC)
    )
    derived.refresh_contacts([ann.id])
    url = f"/contacts/{ann.id}"
    page = soup(client.get(url))
    assert "late" in _text(page.select_one("#contact-rhythm"))

    assert_fresh_after(
        client, url, _post(client, f"{url}/touches", kind="call", text="Talked pricing", when="now")
    )
    # The timeline's own Edit / Delete / Undo move the last touch too.
    latest = Activity.select().where(Activity.summary == "Talked pricing").get()
    assert_fresh_after(client, url, _post(client, f"/stream/{latest.id}", kind="call", text="Talked pricing",
                                          when="2025-06-01 10:00"))  # fmt: skip
    assert_fresh_after(client, url, _post(client, f"/stream/{latest.id}/delete"))
    assert_fresh_after(client, url, _post(client, f"/stream/{latest.id}/restore"), answer_in="timeline-panel")

    quick = _post(
        client, "/stream/touches", contact_id=ann.id, kind="note", text="Met at the fair", when="now",
        fu_title="Send deck", fu_due="yesterday",
    )  # fmt: skip
    assert_fresh_after(client, url, quick)
    add = _post(
        client, "/followups/", contact_id=ann.id, title="Call back", due="in 3 days", **{"from": "contact"}
    )
    assert_fresh_after(client, url, add)
    deck = FollowUp.get(FollowUp.title == "Send deck")
    call = FollowUp.get(FollowUp.title == "Call back")
    assert_fresh_after(client, url, _post(client, f"/followups/{call.id}/snooze", preset="next_week"))
    assert_fresh_after(client, url, _post(client, f"/followups/{deck.id}/done"))
    assert_fresh_after(client, url, _post(client, f"/followups/{call.id}/delete"))

    assert_fresh_after(client, url, _post(client, f"{url}/signals", kind="funding_round", note="Series B"))
    signal = Signal.get()
    assert_fresh_after(client, url, _post(client, f"{url}/signals/{signal.id}/dismiss"))
    assert_fresh_after(client, url, _post(client, f"{url}/signals/{signal.id}/restore"))
    assert_fresh_after(client, url, _post(client, f"{url}/value", value_deal="50000", value_advocate="1"))
    assert_fresh_after(client, url, _post(client, f"{url}/ledger", direction="asked", kind="introduction"))
    entry = Reciprocity.get()
    assert_fresh_after(client, url, _post(client, f"{url}/ledger/{entry.id}/delete"))


def test_the_pre_call_brief_is_current_after_a_quick_entry_on_it(client, database):
    ann = Contact.create(full_name="Ann Lee", first_name="Ann", name_key="ann lee")
    url = f"/contacts/{ann.id}/brief"
    assert "No touches yet" in _text(soup(client.get(url)).select_one("#brief-grid"))
    assert_fresh_after(client, url, _post(client, "/stream/touches", contact_id=ann.id, kind="call",
                                          text="Discussed the pilot", when="now", fu_title="Send deck",
                                          fu_due="tomorrow"))  # fmt: skip
    grid = soup(client.get(url, headers=HX)).select_one("#brief-grid")
    assert "Discussed the pilot" in _text(grid) and "Send deck" in _text(grid)


def test_an_age_is_worded_the_same_in_the_priority_reasons_and_on_the_cards(client, database):
    """Found by QA: the reasons said a job change came '2 weeks ago' and the last touch '1 year'
    ago, while the cards beside them said '19 days ago' and '13 months ago'. One wording now."""
    now = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    worded = {}
    for days in (19, 45, 400, 800):
        at = now - dt.timedelta(days=days)
        ann = Contact.create(full_name=f"Ann {days}", name_key=f"ann {days}", cadence_days=7, created_at=at)
        activities.log_touch([ann.id], kind="call", text="Intro", occurred_at=at)
        Signal.create(contact=ann.id, kind="job_change", weight=40, half_life_days=10_000, observed_at=at,
                      details={"new_title": "CMO", "new_company": "Globex"})  # fmt: skip
        derived.refresh_contacts([ann.id])
        page = soup(client.get(f"/contacts/{ann.id}"))
        card = _text(page.select_one("#contact-rhythm dt:-soup-contains('Last touch') + dd"))
        signal_meta = _text(page.select_one("#contact-signals .signal-item .meta")).split(" · ")[0]
        reasons = [r["text"] for r in Contact.get_by_id(ann.id).score_reasons]
        assert card == signal_meta
        assert f"Every 7 days; last touch {card}" in reasons, (card, reasons)
        assert any(r.startswith("Changed jobs") and r.endswith(f"({card})") for r in reasons), (card, reasons)
        worded[days] = card
    assert worded == {19: "19 days ago", 45: "45 days ago", 400: "13 months ago", 800: "2 years ago"}
