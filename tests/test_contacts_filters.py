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


def _form_fields(page) -> dict[str, str]:
    """What the filter form sends (what search-as-you-type and the sort select submit)."""
    form = page.select_one("form.filters")
    fields = {}
    for field in form.select("input[name], select[name]"):
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            fields[field["name"]] = chosen["value"]
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                fields[field["name"]] = field["value"]
        else:
            fields[field["name"]] = field.get("value", "")
    return {name: value for name, value in fields.items() if value}


def _names(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.select(".contact-row .name")]


def _make(first, company="", tags=()):
    from crm.forms import ContactInput
    from crm.services import contacts

    return contacts.create_contact(
        ContactInput(first_name=first, company=company, tags=list(tags), stage="lead")
    )


def test_company_filter_shows_a_chip_naming_the_company_that_removes_only_it(client, database):
    ann = _make("Ann Acme", company="Acme Rockets")
    _make("Bob Acme", company="Acme Rockets")
    _make("Ann Globex", company="Globex")
    page = soup(client.get(f"/contacts/?company={ann.company_id}&q=ann&sort=added"))
    assert _names(page) == ["Ann Acme"]
    chip = page.select_one("#contact-results .filter-chip")
    assert chip is not None and "Acme Rockets" in chip.get_text()
    remove = chip.select_one("a")
    assert "Acme Rockets" in remove["aria-label"]

    # One click on it: every company, the search and the sort kept.
    after = soup(client.get(remove["href"]))
    assert _names(after) == ["Ann Globex", "Ann Acme"]
    assert after.select_one(".filter-chip") is None
    assert _form_fields(after) == {"q": "ann", "sort": "added"}


def test_company_filter_is_kept_by_search_as_you_type_sorting_and_paging(client, database):
    acme = _make("Zed", company="Acme")
    for i in range(54):
        _make(f"Acme{i:02d}", company="Acme")
    _make("Acme Fan", company="Globex")
    page = soup(client.get(f"/contacts/?company={acme.company_id}"))
    fields = _form_fields(page)
    assert fields["company"] == str(acme.company_id)

    # What the form sends on a keystroke or a new sort: still that company only, chip shown.
    typed = client.get("/contacts/", query_string={**fields, "q": "acme", "sort": "recent"},
                       headers={"HX-Request": "true"})  # fmt: skip
    typed_page = soup(typed)
    assert "Acme Fan" not in _names(typed_page) and len(_names(typed_page)) == 50
    assert "Acme" in typed_page.select_one(".filter-chip").get_text()
    # The chip, rendered with the results, keeps the new search when removed.
    assert "q=acme" in typed_page.select_one(".filter-chip a")["href"]

    next_page = soup(client.get(typed_page.select_one(".pager a[rel=next]")["href"]))
    assert len(_names(next_page)) == 5 and "Acme Fan" not in _names(next_page)  # Zed works at Acme
    assert next_page.select_one(".filter-chip") is not None


def test_open_followup_filter_has_a_checkbox_kept_by_search_and_paging(client, database):
    import zoneinfo

    from crm.services import followups

    utc = zoneinfo.ZoneInfo("UTC")
    for i in range(52):
        followups.create_followup(_make(f"Promised{i:02d}").id, "Send deck", "tomorrow", utc)
    _make("Promised Nothing")
    page = soup(client.get("/contacts/?followup=1"))
    box = page.select_one('form.filters input[type=checkbox][name="followup"]')
    assert box is not None and box.has_attr("checked")
    label = box.find_parent("label")
    assert "open follow-up" in label.get_text()
    form = page.select_one("form.filters")
    assert any(box in page.select(s) for s in _trigger_sources(form)), form["hx-trigger"]
    assert _form_fields(page)["followup"] == "1"

    typed = soup(client.get("/contacts/", query_string={**_form_fields(page), "q": "promised"}))
    assert "Promised Nothing" not in _names(typed) and len(_names(typed)) == 50
    second = soup(client.get(typed.select_one(".pager a[rel=next]")["href"]))
    assert _names(second) == ["Promised50", "Promised51"]
    # Unticked, everyone is back.
    assert "Promised Nothing" in _names(soup(client.get("/contacts/?q=nothing")))
    assert not soup(client.get("/contacts/")).select_one('input[name="followup"]').has_attr("checked")


def test_a_quiet_days_or_tag_typed_in_the_url_shows_in_its_select(client, database):
    _make("Ann", tags=["Customers"])
    page = soup(client.get("/contacts/?quiet=45&tag=Partners"))
    quiet = page.select_one("#f-quiet option[selected]")
    assert quiet is not None and quiet["value"] == "45" and "45 days" in quiet.get_text()
    tag = page.select_one("#f-tag option[selected]")
    assert tag is not None and tag["value"] == "Partners"
    assert _names(page) == []
    # Choosing "All" in each select is one step back to everyone.
    assert page.select_one("#f-quiet option")["value"] == ""
    assert page.select_one("#f-tag option")["value"] == ""
