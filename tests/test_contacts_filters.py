"""The Contacts "Due for a touch" checkbox filters like the other controls."""

from __future__ import annotations

from tests.conftest import soup


def _trigger_sources(form) -> list[str]:
    return [part.split("from:", 1)[1].strip() for part in form["hx-trigger"].split(",") if "from:" in part]


def test_due_checkbox_triggers_the_filter_form(client, database):
    page = soup(client.get("/contacts/"))
    form = page.select_one("form.filters")
    box = form.select_one('input[type=checkbox][name="due"]')
    assert box is not None
    triggered = any(box in page.select(selector) for selector in _trigger_sources(form))
    assert triggered, f"no hx-trigger in {form['hx-trigger']!r} fires when the due checkbox changes"


def test_due_checkbox_shows_checked_from_the_url(client, database):
    assert soup(client.get("/contacts/?due=1")).select_one('input[name="due"]').has_attr("checked")
    assert not soup(client.get("/contacts/")).select_one('input[name="due"]').has_attr("checked")


def test_do_not_contact_is_never_due_nor_late(client, database):
    import datetime as dt

    from crm.models import Contact
    from crm.services import derived

    long_ago = dt.datetime(2025, 1, 1)
    due = Contact.create(full_name="Keep Warm", name_key="keep warm", cadence_days=7, created_at=long_ago)
    dnc = Contact.create(
        full_name="Leave Alone", name_key="leave alone", cadence_days=7, created_at=long_ago,
        stage="do_not_contact",
    )  # fmt: skip
    derived.refresh_contacts([due.id, dnc.id])
    assert Contact.get_by_id(dnc.id).next_touch_due is None
    listed = client.get("/contacts/?due=1").get_data(as_text=True)
    assert "Keep Warm" in listed and "Leave Alone" not in listed
    page = soup(client.get(f"/contacts/{dnc.id}"))
    assert "late" not in page.select_one("#contact-rhythm").get_text()
    assert "late" in soup(client.get(f"/contacts/{due.id}")).select_one("#contact-rhythm").get_text()
