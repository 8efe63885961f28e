"""Contacts and companies through the real app: forms, search, filters, trash, the contact page."""

from __future__ import annotations

import json

from crm.forms import ContactInput
from crm.models import Activity, Company, Contact, ContactEmail, Tag
from crm.services import contacts as service
from tests.conftest import soup, token


def add(client, **fields):
    data = {"csrf_token": token(client), "stage": "lead", **fields}
    return client.post("/contacts/", data=data)


def test_adding_a_contact_saves_every_field_and_redirects_to_its_page(client, database):
    response = add(
        client,
        first_name="Ada",
        last_name="Lovelace",
        emails="ADA@Example.com\nada@example.com\nada.l@analytical.example",
        phones="+44 20 7946 0958",
        company="Analytical Engines",
        title="CTO",
        linkedin_url="http://linkedin.com/in/Ada-Lovelace/?trk=x",
        birthday="10 Dec",
        tags="Customers, London",
        notes="Met at the Royal Society.",
        stage="customer",
    )
    assert response.status_code == 303
    contact = Contact.get(Contact.full_name == "Ada Lovelace")
    assert response.headers["Location"].endswith(f"/contacts/{contact.id}")
    assert contact.linkedin_url == "https://www.linkedin.com/in/ada-lovelace"
    assert contact.company.name == "Analytical Engines"
    assert (contact.birthday_year, contact.birthday_month, contact.birthday_day) == (None, 12, 10)
    assert service.emails_of(contact) == ["ada@example.com", "ada.l@analytical.example"]
    assert service.tags_for([contact.id])[contact.id] == ["Customers", "London"]
    page = soup(client.get(f"/contacts/{contact.id}"))
    assert page.select_one("h1").get_text(strip=True) == "Ada Lovelace"
    assert "10 December" in page.select_one("#contact-details").get_text()


def test_invalid_contact_form_returns_422_with_input_kept_and_errors_by_the_fields(client, database):
    response = add(client, first_name="", last_name="", emails="not-an-email", title="CEO", birthday="31 Feb")
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#f-title")["value"] == "CEO"
    assert page.select_one("#f-emails").get_text() == "not-an-email"
    assert "not an email address" in page.select_one("#e-emails").get_text()
    assert page.select_one("#e-first_name") is not None
    assert page.select_one("#e-birthday") is not None
    assert page.select_one("#f-emails")["aria-invalid"] == "true"
    assert Contact.select().count() == 0


def test_htmx_form_errors_swap_only_the_form_fragment(client, database):
    data = {"csrf_token": token(client), "first_name": "", "stage": "lead"}
    response = client.post("/contacts/", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("html") is None
    assert page.select_one("form#contact-form") is not None
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_success_navigates_to_the_contact(client, database):
    data = {"csrf_token": token(client), "first_name": "Grace", "stage": "lead"}
    response = client.post("/contacts/", data=data, headers={"HX-Request": "true"})
    contact = Contact.get(Contact.first_name == "Grace")
    assert response.headers["HX-Redirect"].endswith(f"/contacts/{contact.id}")


def test_a_linkedin_profile_belongs_to_one_contact(client, database):
    add(client, first_name="Ada", linkedin_url="https://www.linkedin.com/in/ada")
    response = add(client, first_name="Other", linkedin_url="linkedin.com/in/ADA/")
    assert response.status_code == 422
    assert "already has this LinkedIn profile" in soup(response).select_one("#e-linkedin_url").get_text()
    assert Contact.select().count() == 1


def test_non_linkedin_urls_are_refused_as_profiles(client, database):
    response = add(client, first_name="Eve", linkedin_url="javascript:alert(1)//linkedin.com/in/x")
    assert response.status_code == 422
    assert Contact.select().count() == 0


def make(first, last="", company="", title="", tags=(), stage="lead", emails=()):
    data = ContactInput(
        first_name=first,
        last_name=last,
        company=company,
        title=title,
        tags=list(tags),
        stage=stage,
        emails=list(emails),
    )
    return service.create_contact(data)


def names(response):
    return [a.get_text(strip=True) for a in soup(response).select(".contact-row .name")]


def test_search_matches_name_company_title_and_email_ignoring_accents(client, database):
    make("José", "Núñez", company="Globex")
    make("Ann", "Lee", title="Head of Growth")
    make("Bob", "Stone", emails=["bob@initech.example"])
    make("Zoe", "Park", company="Acme")
    assert names(client.get("/contacts/?q=jose nunez")) == ["José Núñez"]
    assert names(client.get("/contacts/?q=globex")) == ["José Núñez"]
    assert names(client.get("/contacts/?q=growth")) == ["Ann Lee"]
    assert names(client.get("/contacts/?q=initech")) == ["Bob Stone"]
    empty = soup(client.get("/contacts/?q=nobody-like-this"))
    assert "No contacts match" in empty.select_one("#contact-results").get_text()


def test_search_as_you_type_returns_only_the_results_fragment(client, database):
    make("Ann", "Lee")
    response = client.get("/contacts/?q=ann", headers={"HX-Request": "true"})
    page = soup(response)
    assert page.select_one("html") is None
    assert page.select_one("#contact-results") is not None
    assert names(response) == ["Ann Lee"]
    boosted = client.get("/contacts/?q=ann", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert soup(boosted).select_one("html") is not None


def test_filters_by_tag_stage_and_company_and_sorting(client, database):
    a = make("Ann", tags=["Customers"], stage="customer", company="Acme")
    make("Bob", tags=["Prospects"], stage="prospect", company="Acme")
    make("Cid", tags=["Customers"], stage="prospect", company="Globex")
    assert names(client.get("/contacts/?tag=Customers")) == ["Ann", "Cid"]
    assert names(client.get("/contacts/?stage=prospect")) == ["Bob", "Cid"]
    assert names(client.get(f"/contacts/?company={a.company_id}")) == ["Ann", "Bob"]
    assert names(client.get("/contacts/?tag=Customers&stage=prospect")) == ["Cid"]
    assert names(client.get("/contacts/?sort=company")) == ["Ann", "Bob", "Cid"]


def test_pagination_keeps_filters_in_links(client, database):
    for i in range(55):
        make(f"Person{i:02d}", tags=["Bulk"])
    page1 = soup(client.get("/contacts/?tag=Bulk"))
    assert len(page1.select(".contact-row")) == 50
    next_link = page1.select_one(".pager a[rel=next]")["href"]
    assert "tag=Bulk" in next_link and "page=2" in next_link
    assert len(soup(client.get(next_link)).select(".contact-row")) == 5


def test_empty_database_tells_a_new_user_to_import(client, database):
    page = soup(client.get("/contacts/"))
    empty = page.select_one("#contact-results .empty")
    assert "Import your LinkedIn export" in empty.get_text()


def test_editing_keeps_input_on_error_then_saves(client, database):
    contact = make("Ann", "Lee", company="Acme")
    form = soup(client.get(f"/contacts/{contact.id}/edit"))
    assert form.select_one("#f-company")["value"] == "Acme"
    data = {
        "csrf_token": token(client),
        "first_name": "Ann",
        "last_name": "Lee",
        "emails": "nope",
        "stage": "lead",
    }
    bad = client.post(f"/contacts/{contact.id}", data=data)
    assert bad.status_code == 422
    assert soup(bad).select_one("#f-emails").get_text() == "nope"
    data["emails"] = "ann@acme.example"
    assert client.post(f"/contacts/{contact.id}", data=data).status_code == 303
    assert service.emails_of(Contact.get_by_id(contact.id)) == ["ann@acme.example"]


def test_delete_moves_to_trash_and_restore_brings_everything_back(client, database):
    contact = make("Ann", "Lee")
    client.post(
        f"/contacts/{contact.id}/touches",
        data={"csrf_token": token(client), "kind": "call", "text": "Called"},
    )
    assert (
        client.post(f"/contacts/{contact.id}/delete", data={"csrf_token": token(client)}).status_code == 303
    )
    assert client.get(f"/contacts/{contact.id}").status_code == 404
    assert names(client.get("/contacts/")) == []
    trash = soup(client.get("/contacts/trash"))
    assert "Ann Lee" in trash.get_text()
    client.post(f"/contacts/{contact.id}/restore", data={"csrf_token": token(client)})
    page = soup(client.get(f"/contacts/{contact.id}"))
    assert "Called" in page.select_one(".timeline").get_text()


def test_logging_a_touch_on_the_contact_page_updates_timeline_and_last_touch(client, database):
    contact = make("Ann", "Lee")
    response = client.post(
        f"/contacts/{contact.id}/touches",
        data={"csrf_token": token(client), "kind": "call", "text": "Talked pricing"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    events = json.loads(response.headers["HX-Trigger"])
    assert events == {"touch-logged": Activity.get().id, "contact-changed": contact.id}
    panel = soup(response)
    assert panel.select_one("#timeline-panel .timeline").get_text().count("Talked pricing") == 1
    assert Contact.get_by_id(contact.id).last_touch_at is not None
    assert Activity.select().count() == 1


def test_an_empty_note_is_a_422_with_an_error(client, database):
    contact = make("Ann")
    response = client.post(
        f"/contacts/{contact.id}/touches", data={"csrf_token": token(client), "kind": "note", "text": " "}
    )
    assert response.status_code == 422
    assert soup(response).select_one("#touch-error") is not None


def test_companies_list_counts_people_and_company_page_lists_them(client, database):
    make("Ann", company="Acme")
    make("Bob", company="ACME")
    make("Cid", company="Globex")
    page = soup(client.get("/companies/"))
    items = [li.get_text(" ", strip=True) for li in page.select(".company-list li")]
    assert items == ["Acme 2 people", "Globex 1 person"]
    acme = Company.get(Company.name == "Acme")
    people = soup(client.get(f"/companies/{acme.id}"))
    assert sorted(a.get_text(strip=True) for a in people.select(".contact-row .name")) == ["Ann", "Bob"]


def test_contact_list_query_count_does_not_grow_with_rows(client, database):
    from tests.querycount import count_queries

    for i in range(3):
        make(f"A{i}", company=f"Co{i}", tags=["T1", "T2"])
    with count_queries() as few:
        client.get("/contacts/")
    for i in range(40):
        make(f"B{i}", company=f"Co{i}", tags=["T1", "T2"], emails=[f"b{i}@x.example"])
    with count_queries() as many:
        client.get("/contacts/")
    assert many.count == few.count


def test_tags_and_emails_are_stored_once(database):
    contact = make("Ann", tags=["A", "A", "B"], emails=["a@x.example"])
    assert Tag.select().count() == 2
    assert ContactEmail.select().where(ContactEmail.contact == contact).count() == 1
