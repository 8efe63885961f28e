"""Today keeps its board right without a reload: after a touch logged with the quick entry (n),
and when an action reaches the daily goal."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qs, urlsplit

import pytest

from crm.db import db
from crm.forms import ContactInput
from crm.models import set_setting
from crm.services import contacts, signals
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _people(app, goal):
    with app.app_context():
        db.connect(reuse_if_open=True)
        set_setting("daily_goal", goal)
        made = {}
        for first, kind in (("Ada", "pricing_request"), ("Ben", "funding_round"), ("Cy", "hiring")):
            c = contacts.create_contact(
                ContactInput(first_name=first, last_name="Lovelace", company="Globex")
            )
            signals.record_signal(c.id, kind)
            made[first] = c.id
        db.close()
    return made


def _listed(page):
    return page.locator(".today-list .today-row .name").all_inner_texts()


def _quick_touch(page, typed, text):
    page.keyboard.press("n")
    page.locator("#quick-entry").wait_for(state="visible")
    # wait for the matches for all that was typed, not a slower answer to its first letters
    with page.expect_response(lambda r: parse_qs(urlsplit(r.url).query).get("contact_q") == [typed]):
        page.keyboard.type(typed)
    page.locator("#qe-contact:not(.htmx-request)").wait_for()
    page.locator("#qe-matches input[type=radio]:checked").wait_for()
    page.fill("#qe-text", text)
    page.keyboard.press("Control+Enter")
    page.locator("#quick-entry").wait_for(state="hidden")


def _reached(page):
    """What the page shows for a reached goal, in place or after a reload."""
    caught = page.locator(".today-caught-up")
    return {
        "listed": _listed(page),
        "caught_up": caught.inner_text().split("\n")[0] if caught.is_visible() else None,
        "keep_going": page.locator("a", has_text="Keep going: 5 more").is_visible(),
        "more_waiting": page.locator(".end-note").count(),
        "progress": " ".join(page.locator("#today-progress").inner_text().split()),
        "nav_count_shown": page.locator("#nav-count-today").is_visible(),
        "done": sorted(page.locator("#today-done-list .done-row .name").all_inner_texts()),
    }


def test_a_quick_entry_touch_updates_today_like_the_rows_own_log(page, server, live_app):
    """Found by QA: a touch logged with `n` while on Today left the person listed and the goal
    unmoved until a reload; now the board is fetched again, as the row's own Log does in place."""
    made = _people(live_app, 3)
    log_in(page, server)
    assert _listed(page) == ["Ada Lovelace", "Ben Lovelace", "Cy Lovelace"]
    page.evaluate("window.__noReload = 'still here'")

    page.locator("h1").click()
    _quick_touch(page, "ben lov", "Congratulated Ben on the round")
    page.locator(f"#done-row-{made['Ben']}").wait_for()
    assert page.locator(f"#today-row-{made['Ben']}").count() == 0
    assert _listed(page) == ["Ada Lovelace", "Cy Lovelace"]
    page.locator("#today-progress", has_text="1 of 3").wait_for()
    assert page.locator("#nav-count-today").inner_text() == "2"
    assert "Congratulated Ben" in page.locator(f"#done-row-{made['Ben']}").inner_text()
    assert page.evaluate("window.__noReload") == "still here"

    # Logged on the focused person, the keyboard keeps its place: the next person is focused.
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"today-row-{made['Ada']}"
    _quick_touch(page, "ada lov", "Sent Ada the pricing")
    page.locator(f"#done-row-{made['Ada']}").wait_for()
    page.locator("#today-progress", has_text="2 of 3").wait_for()
    assert _listed(page) == ["Cy Lovelace"]
    page.locator(f"#today-row-{made['Cy']}:focus").wait_for()

    # The same after a reload: the board in place was the board as the server sees it.
    shown = _reached(page)
    page.reload()
    assert _reached(page) == shown


def test_reaching_the_goal_in_place_shows_what_a_reload_shows(page, server, live_app):
    """Found by QA: the action that reached the daily goal left 'You're all caught up' and 'More
    people are waiting beyond today's goal' on the page; a reload said 'Daily goal reached' and
    offered five more. The quick entry that reaches the goal does the same."""
    made = _people(live_app, 2)
    log_in(page, server)
    assert _listed(page) == ["Ada Lovelace", "Ben Lovelace"]
    assert page.locator(".end-note").is_visible()
    page.evaluate("window.__noReload = 'still here'")

    first = page.locator(f"#today-row-{made['Ada']}")
    first.locator("summary", has_text="Log a touch").click()
    first.locator("button", has_text="Save touch").click()
    page.locator("#today-progress", has_text="1 of 2").wait_for()
    second = page.locator(f"#today-row-{made['Ben']}")
    second.locator("summary", has_text="Log a touch").click()
    second.locator("textarea[name=text]").fill("Sent the deck")
    second.locator("button", has_text="Save touch").click()

    page.locator(".today-caught-up h2", has_text="Daily goal reached").wait_for()
    page.locator("#toast", has_text="Touch logged.").wait_for()
    in_place = _reached(page)
    assert in_place == {
        "listed": [],
        "caught_up": "Daily goal reached",
        "keep_going": True,
        "more_waiting": 0,
        "progress": "2 of 2 done today · goal reached",
        "nav_count_shown": False,
        "done": ["Ada Lovelace", "Ben Lovelace"],
    }
    assert page.evaluate("window.__noReload") == "still here"
    page.reload()
    assert _reached(page) == in_place

    # Keep going lists five more; a quick-entry touch past the goal keeps them listed.
    page.click("text=Keep going: 5 more")
    page.locator(f"#today-row-{made['Cy']}").wait_for()
    assert page.url.endswith("/?more=5")
    page.locator("h1").click()
    _quick_touch(page, "ada lov", "And a follow-up call")
    page.locator("#today-progress", has_text="2 of 2").wait_for()
    page.locator("#toast", has_text="Saved.").wait_for()
    assert _listed(page) == ["Cy Lovelace"]
    conn = sqlite3.connect(live_app.config["CRM"]["DATABASE"])
    touches = conn.execute(
        "SELECT ac.contact_id, a.kind, a.body FROM activity a"
        " JOIN activity_contact ac ON ac.activity_id = a.id WHERE a.kind IN ('message', 'note') ORDER BY a.id"
    ).fetchall()
    assert touches == [
        (made["Ada"], "message", ""),
        (made["Ben"], "message", "Sent the deck"),
        (made["Ada"], "note", "And a follow-up call"),
    ]
