"""Journey: on a contact page, the figures follow what is done in place (no reload): the keep-in-
touch clock, the priority and its live reasons, the timeline; and the pre-call brief after `n`."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.db import db
from crm.models import Contact, FollowUp
from crm.services import activities, derived
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _late_contact(live_app, first: str, last: str, *, followup: str = "") -> int:
    """A contact on a 7-day cadence last touched (a call) in January 2025, with an overdue
    follow-up if named; returns its id."""
    long_ago = dt.datetime(2025, 1, 1)
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        contact = Contact.create(first_name=first, last_name=last, full_name=f"{first} {last}",
                                 name_key=f"{first} {last}".lower(), cadence_days=7,
                                 created_at=long_ago)  # fmt: skip
        activities.log_touch(
            [contact.id], kind="call", text="Intro", occurred_at=long_ago.replace(tzinfo=dt.UTC)
        )
        if followup:
            FollowUp.create(contact=contact.id, title=followup, due_at=dt.datetime(2026, 1, 1), all_day=True)
        derived.refresh_contacts([contact.id])
        db.close()
    return contact.id


def test_contact_page_figures_follow_touches_follow_ups_signals_and_value(page, server, live_app):
    ann_id = _late_contact(live_app, "Ann", "Lee")
    log_in(page, server)
    page.goto(f"{server.url}/contacts/{ann_id}")
    rhythm = page.locator("#contact-rhythm")
    signals = page.locator("#contact-signals")
    assert "late" in rhythm.inner_text()
    assert "Every 7 days; last touch" in signals.inner_text()  # a live reason, with its points
    priority = signals.locator(".score-badge").inner_text()

    page.fill("#touch-text", "Talked pricing")
    page.click("#timeline-panel button:has-text('Save')")
    page.locator("#timeline-panel .timeline >> text=Talked pricing").wait_for()
    page.locator("#contact-rhythm .badge.late").wait_for(state="detached")
    assert "today" in rhythm.inner_text()
    page.wait_for_function(
        "() => !document.querySelector('#contact-signals').innerText.includes('Every 7 days')"
    )
    assert (
        signals.locator(".score-badge").count() == 0
        or signals.locator(".score-badge").inner_text() != priority
    )

    # A follow-up due yesterday, then done from its panel: it counts as a touch on the timeline.
    page.click("#contact-followups summary:has-text('Add a follow-up')")
    page.fill(f"#fu-title-{ann_id}", "Send deck")
    page.fill(f"#fu-due-{ann_id}", "yesterday")
    page.click("#contact-followups button:has-text('Add follow-up')")
    page.locator("#contact-followups .followup-title >> text=Send deck").wait_for()
    page.wait_for_function("() => document.querySelector('#contact-signals .score-badge') !== null")
    with_followup = signals.locator(".score-badge").inner_text()
    page.click("#contact-followups button:has-text('Done')")
    page.locator("#timeline-panel >> text=Done: Send deck").wait_for()
    page.wait_for_function(
        "(p) => (document.querySelector('#contact-signals .score-badge') || {}).innerText !== p",
        arg=with_followup,
    )

    # A recorded signal shows on the timeline; deal value lifts the priority shown.
    page.check("#contact-signals input[value=funding_round]")
    page.fill("#signal-note", "Series B")
    page.click("#contact-signals button:has-text('Record signal')")
    page.locator("#timeline-panel >> text=Series B").wait_for()
    before_value = signals.locator(".score-badge").inner_text()
    page.fill("#v-deal", "500000")
    page.check("#contact-value input[name=value_advocate]")
    page.click("#contact-value button:has-text('Save value')")
    page.locator("#contact-value .saved").wait_for()
    page.wait_for_function(
        "(p) => document.querySelector('#contact-signals .score-badge').innerText !== p", arg=before_value
    )

    # The pre-call brief follows a touch logged there with `n`.
    page.goto(f"{server.url}/contacts/{ann_id}/brief")
    page.keyboard.press("n")
    page.locator("#quick-entry").wait_for(state="visible")
    page.keyboard.type("ann")
    page.locator("#qe-matches input[type=radio]:checked").wait_for()
    page.fill("#qe-text", "Agreed on a pilot")
    page.click("#quick-entry-form button[type=submit]")
    page.locator("#brief-grid >> text=Agreed on a pilot").wait_for()


def test_menu_badges_follow_what_is_done_on_a_contact_page(page, server, live_app):
    """The menu's Today and Follow-ups badges kept their numbers until a reload."""
    bo_id = _late_contact(live_app, "Bo", "Park", followup="Send deck")
    log_in(page, server)
    page.goto(f"{server.url}/contacts/{bo_id}")
    assert page.locator("#nav-count-followups").inner_text() == "1"
    assert page.locator("#nav-count-today").inner_text() == "1"

    page.click("#contact-followups button:has-text('Done')")
    page.locator("#nav-count-followups").wait_for(state="hidden")
    page.fill("#touch-text", "Sent the deck")
    page.click("#timeline-panel button:has-text('Save')")
    page.locator("#nav-count-today").wait_for(state="hidden")
    page.reload()
    assert not page.locator("#nav-count-today").is_visible()
    assert not page.locator("#nav-count-followups").is_visible()


def test_an_entry_edited_on_the_timeline_takes_its_place_as_a_timeline_entry(page, server, live_app):
    """Found by QA: after its date moved to 2015 the edited entry stayed on top, showing the
    person's own name as a link, until a reload."""
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        ann = Contact.create(full_name="Ann Lee", first_name="Ann", name_key="ann lee")
        for day, text in ((3, "Coffee meeting"), (2, "Sent the deck"), (1, "Pilot call")):
            when = dt.datetime(2026, 3, day, 10, tzinfo=dt.UTC)
            activities.log_touch([ann.id], kind="note", text=text, occurred_at=when)
        db.close()
    log_in(page, server)
    page.goto(f"{server.url}/contacts/{ann.id}")
    entries = page.locator("#timeline-panel li.entry")
    coffee = entries.filter(has_text="Coffee meeting")
    coffee.get_by_role("link", name="Edit").click()
    page.locator("#timeline-panel li.editing input[name=when]").fill("2015-01-01 10:00")
    page.locator("#timeline-panel li.editing").get_by_role("button", name="Save").click()
    texts = page.locator("#timeline-panel li.entry .prewrap")
    last = "#timeline-panel li.entry:last-child .prewrap"
    page.wait_for_function(f"() => document.querySelector('{last}').innerText === 'Coffee meeting'")
    assert texts.all_inner_texts() == ["Sent the deck", "Pilot call", "Coffee meeting"]
    assert page.locator("#timeline-panel .entry-who").count() == 0
    assert coffee.locator("time").inner_text() == "1 Jan 2015, 10:00"
