"""The contact form says what is wrong with a website or a tag, and its name label matches the rule."""

from __future__ import annotations

from crm.models import Contact
from tests.conftest import soup, token


def add(client, **fields):
    data = {"csrf_token": token(client), "stage": "lead", **fields}
    return client.post("/contacts/", data=data)


def test_website_with_forbidden_characters_says_so(client, database):
    response = add(client, first_name="Web", website="https://example.com/<a>\"x'")
    assert response.status_code == 422
    error = soup(response).select_one("#e-website").get_text()
    assert "starting with https://" not in error
    assert "cannot contain" in error and "<" in error


def test_website_without_a_scheme_still_asks_for_https(client, database):
    response = add(client, first_name="Web", website="example.com")
    assert response.status_code == 422
    assert "starting with https://" in soup(response).select_one("#e-website").get_text()


def test_website_with_only_the_scheme_asks_for_the_site(client, database):
    response = add(client, first_name="Web", website="https://")
    assert response.status_code == 422
    assert "after https://" in soup(response).select_one("#e-website").get_text()


def test_first_name_is_not_marked_required_when_a_last_name_is_enough(client, database):
    page = soup(client.get("/contacts/new"))
    label = page.select_one('label[for="f-first_name"]')
    assert label.select_one(".req") is None and "*" not in label.get_text()
    assert not page.select_one("#f-first_name").has_attr("required")
    assert "first or a last name" in page.select_one("#h-first_name").get_text()
    # What the label says is what the form does: a last name alone saves; no name at all does not.
    assert add(client, last_name="Onlylast").status_code == 303
    assert Contact.get(Contact.full_name == "Onlylast")
    none = add(client, company="Nameless Inc")
    assert none.status_code == 422
    assert "first or a last name" in soup(none).select_one("#e-first_name").get_text()


def test_a_linkedin_company_page_is_refused_as_a_profile_and_kept_in_the_field(client, database):
    """Found by QA: linkedin.com/company/acme was saved as the contact's LinkedIn profile (and a
    second person given the same company page was refused as 'already has this profile')."""
    response = add(client, first_name="Ann", linkedin_url="https://www.linkedin.com/company/acme/")
    assert response.status_code == 422
    page = soup(response)
    error = page.select_one("#e-linkedin_url").get_text()
    assert "company page, not a person's profile" in error and "linkedin.com/in/" in error
    assert page.select_one("#f-linkedin_url")["value"] == "https://www.linkedin.com/company/acme/"
    school = add(client, first_name="Ann", linkedin_url="linkedin.com/school/some-university")
    assert "school page, not a person's profile" in soup(school).select_one("#e-linkedin_url").get_text()
    assert Contact.select().count() == 0
    assert add(client, first_name="Ann", linkedin_url="de.linkedin.com/in/Ann-Lee/").status_code == 303
    assert Contact.get(Contact.first_name == "Ann").linkedin_url == "https://www.linkedin.com/in/ann-lee"


def test_a_tag_longer_than_60_characters_is_refused_not_cut(client, database):
    from crm.models import Tag

    long_tag = "Enterprise accounts in the northern region whose renewal falls in Q3"
    response = add(client, first_name="Tag", tags=f"Customers, {long_tag}")
    assert response.status_code == 422
    assert soup(response).select_one("#e-tags").get_text() == (
        "A tag can be at most 60 characters; “Enterprise accounts in t…” has 68."
    )
    assert soup(response).select_one("#f-tags")["value"] == f"Customers, {long_tag}"
    assert Contact.select().count() == 0 and Tag.select().count() == 0


def test_a_contact_with_an_older_pub_profile_address_can_still_be_edited(client, database):
    """Found by QA: an earlier version stored /pub/ addresses (LinkedIn's older public profiles);
    refusing /pub/ left such contacts uneditable ('Use a LinkedIn profile address…')."""
    olga = Contact.create(
        first_name="Olga", full_name="Olga Oldtimer", name_key="olga oldtimer",
        linkedin_url="https://www.linkedin.com/pub/olga-oldtimer",
    )  # fmt: skip
    form = soup(client.get(f"/contacts/{olga.id}/edit"))
    data = {i["name"]: i.get("value", "") for i in form.select("form input[name]")}
    data.update(csrf_token=token(client), stage="lead", title="Advisor")
    assert client.post(f"/contacts/{olga.id}", data=data).status_code == 303
    saved = Contact.get_by_id(olga.id)
    assert (saved.title, saved.linkedin_url) == ("Advisor", "https://www.linkedin.com/pub/olga-oldtimer")
    typed = add(client, first_name="Pat", linkedin_url="linkedin.com/pub/Pat-Doe/1a/2b3/4c5")
    assert typed.status_code == 303
    assert (
        Contact.get(Contact.first_name == "Pat").linkedin_url
        == "https://www.linkedin.com/pub/pat-doe/1a/2b3/4c5"
    )
