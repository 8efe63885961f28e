"""Duplicates, merge, undo and the CSV download through the real app; the CLI through click."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from crm.cli import cli
from crm.models import Contact, DuplicateDismissal, Merge, Signal
from crm.services import activities
from crm.services import merge as merging
from tests.conftest import soup, token
from tests.dedupe_helpers import at, person


@pytest.fixture
def bobs(database):
    keep = person("Bob", "Smith", company="Acme", emails=["bob@acme.com"], title="CTO")
    other = person("Robert", "Smith", company="Acme", emails=["robert@acme.com"], title="VP Engineering")
    activities.log_touch([other], "call", "Called Robert")
    return keep, other


def test_duplicates_page_shows_pairs_side_by_side_with_the_reason(client, bobs):
    page = soup(client.get("/duplicates/"))
    pair = page.select_one(f"#pair-{bobs[0]}-{bobs[1]}")
    assert (
        pair.select_one(".dup-reason").get_text(strip=True)
        == "Similar names (Bob / Robert) at the same company"
    )
    assert [a.get_text() for a in pair.select(".dup-side a.name")] == ["Bob Smith", "Robert Smith"]
    merge_link = pair.select_one("a.button.primary")["href"]
    assert merge_link == f"/duplicates/merge?keep={bobs[0]}&other={bobs[1]}"


def test_a_pair_split_by_a_job_change_keeps_the_one_at_the_new_job_by_default(client, database):
    old = person("Ann", "Lee", company="Acme")  # added first: the address book's copy
    moved = person("Ann", "Lee", company="Globex")
    Signal.create(contact=moved, kind="job_change", weight=40, half_life_days=30, observed_at=at(1),
                  details={"from": "CFO at Acme", "to": "CFO at Globex", "old_company": "Acme"})  # fmt: skip
    pair = soup(client.get("/duplicates/")).select_one(f"#pair-{old}-{moved}")
    assert pair.select_one(".dup-reason").get_text(strip=True) == "Same name; Ann Lee used to work at Acme"
    assert pair.select_one("a.button.primary")["href"] == f"/duplicates/merge?keep={moved}&other={old}"
    screen = soup(client.get(f"/duplicates/merge?keep={moved}&other={old}"))
    kept = screen.select_one("input[name=choice-company][value=keep]")
    assert kept.has_attr("checked") and "Globex" in kept.parent.get_text()


def test_contacts_page_links_to_duplicates_and_export_but_the_nav_does_not(client, database):
    page = soup(client.get("/contacts/"))
    assert page.select_one(".page-head a[href='/duplicates/']").get_text() == "Duplicates"
    assert page.select_one(".page-head a[href='/contacts/export.csv']") is not None
    assert page.select_one(".mainnav a[href='/duplicates/']") is None


def test_empty_state_tells_what_happens(client, database):
    page = soup(client.get("/duplicates/"))
    assert page.select_one(".card.empty h2").get_text() == "No duplicates found"
    assert "same company" in page.select_one(".card.empty").get_text()


def test_not_a_duplicate_removes_the_pair_for_good(client, bobs):
    response = client.post(
        "/duplicates/dismiss",
        data={"a": bobs[1], "b": bobs[0]},
        headers={"HX-Request": "true", "X-CSRF-Token": token(client)},
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "pair-dismissed"
    fragment = soup(response)
    assert fragment.select_one("#duplicate-list") and not fragment.select(".dup-pair")
    assert DuplicateDismissal.select().count() == 1
    assert not soup(client.get("/duplicates/")).select(".dup-pair")


def test_merge_screen_offers_a_choice_only_where_the_fields_differ(client, bobs):
    page = soup(client.get(f"/duplicates/merge?keep={bobs[0]}&other={bobs[1]}"))
    radios = {r["name"] for r in page.select("input[type=radio]")}
    assert radios == {"choice-name", "choice-title"}
    assert page.select_one("input[name=choice-name][value=keep]").has_attr("checked")
    assert "bob@acme.com" in page.get_text() and "robert@acme.com" in page.get_text()
    assert "1 activities" in page.get_text()
    assert client.get("/duplicates/merge?keep=1&other=999").status_code == 404
    assert client.get("/duplicates/merge?keep=1").status_code == 400


def test_merge_then_undo_through_the_pages(client, bobs):
    keep, other = bobs
    response = client.post(
        "/duplicates/merge",
        data={
            "keep": keep,
            "other": other,
            "choice-name": "other",
            "choice-title": "keep",
            "csrf_token": token(client),
        },
    )
    assert response.status_code == 303 and response.location.endswith(f"/contacts/{keep}?merged=1")
    shown = soup(client.get(response.location))
    assert shown.select_one("h1").get_text() == "Robert Smith"
    assert "CTO" in shown.select_one(".meta").get_text()
    assert "Called Robert" in shown.get_text() and "Undo it" in shown.select_one(".notice").get_text()
    assert client.get(f"/contacts/{other}").status_code == 404
    # A merged-away contact is not in the trash: restoring it directly would leave two copies.
    restore = client.post(f"/contacts/{other}/restore", data={"csrf_token": token(client)})
    assert restore.status_code == 404 and Contact.get_by_id(other).deleted_at is not None
    merge_id = Merge.get().id
    listing = soup(client.get("/duplicates/"))
    undo_link = listing.select_one(".dup-merges a[href$='/undo']")["href"]
    assert undo_link == f"/duplicates/merges/{merge_id}/undo"
    confirm = soup(client.get(undo_link))
    assert confirm.select_one("main form button").get_text() == "Undo the merge"
    assert Merge.get().undone_at is None  # GET never writes
    done = client.post(undo_link, data={"csrf_token": token(client)})
    assert done.status_code == 303 and done.location.endswith(f"?undone={merge_id}")
    assert Contact.get_by_id(keep).full_name == "Bob Smith"
    assert Contact.get_by_id(other).deleted_at is None
    again = client.post(undo_link, data={"csrf_token": token(client)})
    assert again.status_code == 409 and "already been undone" in again.get_data(as_text=True)


def test_merge_with_htmx_redirects_and_errors_come_back_422(client, bobs):
    headers = {"HX-Request": "true", "X-CSRF-Token": token(client)}
    bad = client.post("/duplicates/merge", data={"keep": bobs[0], "other": bobs[0]}, headers=headers)
    assert bad.status_code == 404
    ok = client.post("/duplicates/merge", data={"keep": bobs[0], "other": bobs[1]}, headers=headers)
    assert ok.headers["HX-Redirect"] == f"/contacts/{bobs[0]}?merged=1"
    assert Contact.get_by_id(bobs[0]).full_name == "Bob Smith"


@pytest.fixture
def twins(database):
    """LinkedIn's copy and an address book's copy of one person: nothing differs between them."""
    linked = person(
        "Ann", "Lee", company="Acme", title="CFO", linkedin_url="https://www.linkedin.com/in/ann-lee"
    )
    booked = person("Ann", "Lee", company="Acme", emails=["ann@acme.example"], phones=["+1 555 0100"])
    activities.log_touch([booked], "call", "Called Ann")
    return linked, booked


def test_a_pair_where_nothing_differs_merges_in_one_click_from_the_list(client, twins):
    linked, booked = twins
    pair = soup(client.get("/duplicates/")).select_one(f"#pair-{linked}-{booked}")
    assert pair.select_one(".dup-differs").get_text() == "Nothing differs: a merge keeps every value of both."
    form = pair.select_one("form:has(input[name=from])")
    assert form.select_one("button").get_text() == "Merge into Ann Lee"
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]") if i["name"] != "csrf_token"}
    assert fields == {"keep": str(linked), "other": str(booked), "from": "list"}
    headers = {"HX-Request": "true", "X-CSRF-Token": token(client)}
    response = client.post("/duplicates/merge", data=fields, headers=headers)
    assert response.status_code == 200
    fragment = soup(response)
    merge_id = Merge.get().id
    notice = fragment.select_one("#duplicate-list .notice")
    assert notice.get_text(" ", strip=True) == "Merged the two Ann Lee contacts into one. Undo"
    assert notice.select_one("a")["href"] == f"/contacts/{linked}"
    assert notice.select_one("a[href$='/undo']")["href"] == f"/duplicates/merges/{merge_id}/undo"
    assert not fragment.select(".dup-pair")
    kept = Contact.get_by_id(linked)
    assert [e.email for e in kept.emails] == ["ann@acme.example"] and kept.title == "CFO"
    assert kept.linkedin_url == "https://www.linkedin.com/in/ann-lee"
    assert Contact.get_by_id(booked).deleted_at is not None
    assert "Called Ann" in client.get(f"/contacts/{linked}").get_data(as_text=True)


def test_the_one_click_merge_without_htmx_comes_back_to_the_list_with_its_undo(client, twins):
    linked, booked = twins
    data = {"keep": linked, "other": booked, "from": "list", "csrf_token": token(client)}
    response = client.post("/duplicates/merge", data=data)
    merge_id = Merge.get().id
    assert response.status_code == 303 and response.location.endswith(f"/duplicates/?merged={merge_id}")
    notice = soup(client.get(response.location)).select_one(".notice")
    assert notice.select_one("a[href$='/undo']")["href"] == f"/duplicates/merges/{merge_id}/undo"


def test_a_one_click_merge_from_a_stale_list_says_so_and_shows_the_list_as_it_is(client, twins):
    linked, booked = twins
    third = person("Ann", "Lee", company="Acme", phones=["+1 555 0100"])  # the same phone as booked
    merging.merge_contacts(linked, booked)  # in another tab
    headers = {"HX-Request": "true", "X-CSRF-Token": token(client)}
    data = {"keep": third, "other": booked, "from": "list"}
    response = client.post("/duplicates/merge", data=data, headers=headers)
    assert response.status_code == 422
    fragment = soup(response)
    assert fragment.select_one("#duplicate-list .error").get_text() == (
        f"Not merged: Contact {booked} does not exist or is in the trash. The list below is up to date."
    )
    assert [p["id"] for p in fragment.select(".dup-pair")] == [f"pair-{linked}-{third}"]
    assert Merge.select().count() == 1 and Contact.get_by_id(third).deleted_at is None


def test_a_pair_whose_fields_differ_asks_on_the_merge_screen_even_when_posted_from_the_list(client, bobs):
    pair = soup(client.get("/duplicates/")).select_one(f"#pair-{bobs[0]}-{bobs[1]}")
    assert pair.select_one(".dup-differs").get_text() == "Name, Title differ: compare to choose."
    assert not pair.select("input[name=from]")
    # a stale list (someone edited a title in another tab) posts the one-click merge anyway
    data = {"keep": bobs[0], "other": bobs[1], "from": "list", "csrf_token": token(client)}
    response = client.post("/duplicates/merge", data=data)
    assert response.status_code == 303
    assert response.location.endswith(f"/duplicates/merge?keep={bobs[0]}&other={bobs[1]}")
    assert Merge.select().count() == 0 and Contact.get_by_id(bobs[1]).deleted_at is None


@pytest.fixture
def three_twins(database, twins):
    """Three pairs where nothing differs (Ann Lee's from `twins` among them) and one that differs."""
    pairs = [twins]
    for name in ("Kai", "Lea"):
        linked = person(
            name, "Park", company="Globex", linkedin_url=f"https://www.linkedin.com/in/{name}-park"
        )
        pairs.append((linked, person(name, "Park", company="Globex", emails=[f"{name}@globex.example"])))
    person("Bob", "Smith", company="Acme", title="CTO")
    person("Robert", "Smith", company="Acme", title="VP Engineering")
    return pairs


def _merge_all_form(client):
    page = soup(client.get("/duplicates/"))
    return page, page.select_one(".dup-bulk form")


def test_merge_all_merges_every_pair_where_nothing_differs_and_one_undo_splits_them(client, three_twins):
    page, form = _merge_all_form(client)
    assert (
        page.select_one(".dup-bulk p")
        .get_text(" ", strip=True)
        .startswith(
            "3 pairs are sure and have nothing to choose: each shares an email address, a phone number, or"
            " the full name at the same company or email domain; no field differs; and neither contact is in"
            " another pair."
        )
    )
    assert form.select_one("button").get_text() == "Merge all 3 pairs"
    pairs = form.select_one("input[name=pairs]")["value"]
    assert sorted(pairs.split(",")) == sorted(f"{k}-{o}" for k, o in three_twins)
    assert len(page.select(".dup-pair")) == 4
    headers = {"HX-Request": "true", "X-CSRF-Token": token(client)}
    response = client.post(form["action"], data={"pairs": pairs}, headers=headers)
    assert response.status_code == 200
    fragment = soup(response)
    batch_id = Merge.select().order_by(Merge.id).first().id
    notice = fragment.select_one("#duplicate-list .notice")
    assert notice.get_text(" ", strip=True) == "Merged 3 pairs in which nothing differed. Undo all"
    assert notice.select_one("a")["href"] == f"/duplicates/batches/{batch_id}/undo"
    assert [p["id"] for p in fragment.select(".dup-pair")] == ["pair-7-8"]  # Bob / Robert: differs
    assert not fragment.select(".dup-bulk")
    aside = fragment.select_one(".dup-merges li").get_text(" ", strip=True)
    assert aside.startswith("3 pairs merged at once") and aside.endswith("· Undo all")
    for keep, other in three_twins:
        assert Contact.get_by_id(other).deleted_at is not None and Contact.get_by_id(keep).deleted_at is None

    confirm = soup(client.get(f"/duplicates/batches/{batch_id}/undo"))
    assert confirm.select_one("h1").get_text() == "Undo these 3 merges?"
    assert [li.get_text() for li in confirm.select(".dup-batch-pairs li")] == [
        f"{name} ← {name} · Undo only this one" for name in ("Ann Lee", "Kai Park", "Lea Park")
    ]
    # one pair of the batch split on its own; "Undo all" then takes the other two
    one = confirm.select(".dup-batch-pairs a")[1]["href"]
    assert one == f"/duplicates/merges/{batch_id + 1}/undo"
    assert client.post(one, data={"csrf_token": token(client)}).status_code == 303
    assert Contact.get_by_id(three_twins[1][1]).deleted_at is None
    assert Contact.get_by_id(three_twins[0][1]).deleted_at is not None
    confirm = soup(client.get(f"/duplicates/batches/{batch_id}/undo"))
    assert confirm.select_one("h1").get_text() == "Undo these 2 merges?"
    assert "2 merges undone" not in confirm.get_text() and len(confirm.select(".dup-batch-pairs li")) == 2
    undone = client.post(f"/duplicates/batches/{batch_id}/undo", data={"csrf_token": token(client)})
    assert undone.status_code == 303 and undone.location.endswith(f"/duplicates/?undone_batch={batch_id}")
    after = soup(client.get(undone.location))
    assert after.select_one("#duplicate-list .notice").get_text() == (
        "Undone: the 3 pairs merged at once are two contacts each again, as before."
    )
    assert len(after.select(".dup-pair")) == 4
    assert Contact.select().where(Contact.deleted_at.is_null()).count() == 8
    assert "undone" in after.select_one(".dup-merges li").get_text()
    again = client.post(f"/duplicates/batches/{batch_id}/undo", data={"csrf_token": token(client)})
    assert again.status_code == 409 and "These merges have already been undone." in again.get_data(
        as_text=True
    )


def test_merge_all_without_htmx_and_with_pairs_that_changed_meanwhile(client, three_twins):
    _page, form = _merge_all_form(client)
    pairs = form.select_one("input[name=pairs]")["value"]
    (ann, ann_booked), (kai, kai_booked), _lea = three_twins
    Contact.update(title="CFO").where(Contact.id == kai).execute()  # edited in another tab
    Contact.update(title="CEO").where(Contact.id == kai_booked).execute()
    response = client.post(form["action"], data={"pairs": pairs, "csrf_token": token(client)})
    batch_id = Merge.select().order_by(Merge.id).first().id
    assert response.status_code == 303
    assert response.location.endswith(f"/duplicates/?batch={batch_id}&skipped=1")
    notice = soup(client.get(response.location)).select_one(".notice").get_text(" ", strip=True)
    assert notice == (
        "Merged 2 pairs in which nothing differed. 1 had changed since the list was shown and was not"
        " merged. Undo all"
    )
    assert Contact.get_by_id(kai_booked).deleted_at is None
    # everything changed: nothing merged, and the list says so
    headers = {"HX-Request": "true", "X-CSRF-Token": token(client)}
    stale = client.post(form["action"], data={"pairs": pairs}, headers=headers)
    assert (
        soup(stale).select_one(".error").get_text().startswith("Nothing was merged: every pair had changed")
    )


@pytest.mark.parametrize("pairs", ["", "1-2,", "1-2;3-4", "a-b", "-1-2", "1-2," * 10_000 + "1-2"])
def test_merge_all_refuses_a_malformed_list_and_changes_nothing(client, three_twins, pairs):
    response = client.post("/duplicates/merge-all", data={"pairs": pairs, "csrf_token": token(client)})
    assert response.status_code == 400 and Merge.select().count() == 0


def test_a_contact_in_two_pairs_is_never_merged_in_one_click(client, three_twins):
    """An address book's Bjorn Zhang beside the connection at the same company and a namesake
    met in messages (another profile, no company): nothing differs in either pair, but which
    one is the same person is the owner's choice."""
    booked = person("Bjorn", "Zhang", company="Initech", emails=["bjorn@initech.example"])
    linked = person("Bjorn", "Zhang", company="Initech", linkedin_url="https://www.linkedin.com/in/bjorn-z")
    namesake = person("Bjorn", "Zhang", linkedin_url="https://www.linkedin.com/in/bjorn-zhang-other")
    page, form = _merge_all_form(client)
    for a, b in ((booked, linked), (booked, namesake)):
        pair = page.select_one(f"#pair-{a}-{b}")
        assert pair.select_one(".dup-differs").get_text() == (
            "Nothing differs, but Bjorn Zhang is in another suggested pair too: compare to choose."
        )
        assert (
            not pair.select("input[name=from]")
            and pair.select_one("a.primary").get_text() == "Compare and merge"
        )
    pairs = form.select_one("input[name=pairs]")["value"].split(",")
    assert sorted(pairs) == sorted(f"{k}-{o}" for k, o in three_twins)
    # a list posted before the namesake arrived: that pair is left alone
    data = {"pairs": f"{linked}-{booked}", "csrf_token": token(client)}
    response = client.post("/duplicates/merge-all", data=data)
    assert response.location.endswith("/duplicates/?skipped=1")
    assert Merge.select().count() == 0 and Contact.get_by_id(booked).deleted_at is None


def test_a_pair_only_a_name_joins_merges_in_one_click_but_not_unseen(client, three_twins):
    met = person("Mia", "Ruiz", linkedin_url="https://www.linkedin.com/in/mia-ruiz")  # from messages
    booked = person("Mia", "Ruiz", company="Umbrella", emails=["mia@umbrella.example"])
    page, form = _merge_all_form(client)
    pair = page.select_one(f"#pair-{met}-{booked}")
    assert pair.select_one(".dup-reason").get_text() == "Same name and one has no company"
    assert pair.select_one("form:has(input[name=from]) button").get_text() == "Merge into Mia Ruiz"
    assert f"{met}-{booked}" not in form.select_one("input[name=pairs]")["value"].split(",")
    data = {"pairs": f"{met}-{booked}", "csrf_token": token(client)}
    assert client.post("/duplicates/merge-all", data=data).location.endswith("/duplicates/?skipped=1")
    assert Merge.select().count() == 0


def test_a_single_pair_where_nothing_differs_gets_no_merge_all(client, twins):
    assert soup(client.get("/duplicates/")).select_one(".dup-bulk") is None


def test_csv_download_is_an_attachment_with_a_sandbox(client, bobs):
    response = client.get("/contacts/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="rapport-contacts-')
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith('\ufeff"id",')
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["full_name"] for r in rows] == ["Bob Smith", "Robert Smith"]


@pytest.fixture
def run(app, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", app.config["CRM"]["DATA_DIR"])
    monkeypatch.setenv("CRM_DATABASE", app.config["CRM"]["DATABASE"])
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        return result

    return invoke


def test_cli_duplicates_merge_and_undo(run, bobs, tmp_path):
    listed = run("duplicates", "--json")
    assert json.loads(listed.output) == [
        {"contact_ids": list(bobs), "reason": "Similar names (Bob / Robert) at the same company"}
    ]
    merged = run("merge", str(bobs[0]), str(bobs[1]), "--take-other", "title")
    assert merged.exit_code == 0
    merge_id = int(merged.output)
    assert Contact.get_by_id(bobs[0]).title == "VP Engineering"
    assert run("duplicates").output == "No duplicates found.\n"
    undone = run("merge", "undo", str(merge_id))
    assert undone.exit_code == 0 and "separate again" in undone.output
    assert Contact.get_by_id(bobs[0]).title == "CTO"
    assert run("merge", "undo", str(merge_id)).exit_code == 1
    assert "Unknown field" in run("merge", "1", "2", "--take-other", "shoe").output
    assert "merge KEEP_ID OTHER_ID [--take-other FIELD]... | undo MERGE_ID" in run("merge", "--help").output


def test_cli_merge_identical_and_undo_the_batch(run, three_twins):
    dry = run("merge", "identical", "--dry-run", "--json")
    assert json.loads(dry.output) == {"batch_id": None, "merged": 0, "skipped": 0, "would_merge": 3}
    assert Merge.select().count() == 0
    done = run("merge", "identical")
    batch_id = Merge.select().order_by(Merge.id).first().id
    assert done.output == (
        f"Merged 3 pairs in which nothing differed. Batch {batch_id}: `crm merge undo-batch {batch_id}`"
        " splits them again.\n"
    )
    assert json.loads(run("merge", "identical", "--json").output) == {
        "batch_id": None,
        "merged": 0,
        "skipped": 0,
    }
    undone = run("merge", "undo-batch", str(batch_id))
    assert undone.output == f"Undid 3 merges of batch {batch_id}: each pair is two contacts again.\n"
    assert Contact.select().where(Contact.deleted_at.is_null()).count() == 8
    failed = run("merge", "undo-batch", str(batch_id))
    assert failed.exit_code == 1 and "already undone" in failed.output
    assert "identical | undo-batch BATCH_ID" in run("merge", "--help").output


def test_cli_export_csv(run, bobs, tmp_path):
    result = run("export", "csv", str(tmp_path / "out"))
    assert result.exit_code == 0 and "Wrote 2 contacts" in result.output
    data = (tmp_path / "out" / "contacts.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")


def test_the_merge_screen_keeps_a_connections_linkedin_role_by_default(client, database):
    book = person("Joao", "Zhang", company="Atlas Foods AB", title="Senior PM", emails=["j@home.example"])
    linked = person("Joao", "Zhang", company="Atlas Media", title="Product Manager",
                    linkedin_url="https://www.linkedin.com/in/joao")  # fmt: skip
    Contact.update(is_connection=True, connected=True).where(Contact.id == linked).execute()
    page = soup(client.get(f"/duplicates/merge?keep={book}&other={linked}"))
    checked = {r["name"]: r["value"] for r in page.select("input[type=radio][checked]")}
    assert (checked["choice-company"], checked["choice-title"]) == ("other", "other")
    page = soup(client.get(f"/duplicates/merge?keep={linked}&other={book}"))
    checked = {r["name"]: r["value"] for r in page.select("input[type=radio][checked]")}
    assert (checked["choice-company"], checked["choice-title"]) == ("keep", "keep")


def test_the_merge_screen_warns_when_both_have_a_linkedin_profile(client, database):
    a = person("Ann", "Lee", company="Acme", linkedin_url="https://www.linkedin.com/in/ann-lee")
    b = person("Ann", "Lee", company="Acme", linkedin_url="https://www.linkedin.com/in/ann-lee-2")
    c = person("Ann", "Lee", company="Acme")
    warning = soup(client.get(f"/duplicates/merge?keep={a}&other={b}")).select_one("#two-profiles")
    assert "different LinkedIn profiles" in warning.get_text()
    assert soup(client.get(f"/duplicates/merge?keep={a}&other={c}")).select_one("#two-profiles") is None


def test_the_merge_screen_says_a_lost_letter_copy_of_an_address_is_left_out(client, database):
    intact = person("Łukasz", "Kelly", company="Lighthouse", emails=["łukasz@lighthouse.example"])
    lost = person(
        "?ukasz", "Kelly", company="Lighthouse", emails=["?ukasz@lighthouse.example", "lk@home.example"]
    )
    note = soup(client.get(f"/duplicates/merge?keep={lost}&other={intact}")).select_one("#lost-letter-copies")
    assert "Left out: ?ukasz@lighthouse.example, the same address as one kept" in " ".join(
        note.get_text().split()
    )
    response = client.post(
        "/duplicates/merge", data={"csrf_token": token(client), "keep": lost, "other": intact}
    )
    assert response.status_code in (200, 303)
    emails = [e.email for e in Contact.get_by_id(lost).emails]
    assert sorted(emails) == ["lk@home.example", "łukasz@lighthouse.example"]
    other = person("Ann", "Lee", emails=["ann@x.example"])
    assert (
        soup(client.get(f"/duplicates/merge?keep={intact}&other={other}")).select_one("#lost-letter-copies")
        is None
    )
