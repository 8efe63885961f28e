"""Known CSV layouts recognised by header, the mapping screen, and value quirks."""

import datetime as dt
from pathlib import Path

import pytest

from importers.base import Birthday, ImportRejected, PersonRecord, Skipped, normalize_linkedin_url
from importers.formats import FIELDS, NeedsMapping, detect_format, parse_csv, suggest_mapping

SAMPLES = Path(__file__).parent / "samples"


def load(rel: str, **kwargs):
    imp = parse_csv((SAMPLES / rel).read_bytes(), Path(rel).name, **kwargs)
    return imp, list(imp.records())


@pytest.mark.parametrize(
    "rel,fmt",
    [
        ("google/current.csv", "google"),
        ("google/legacy.csv", "google_legacy"),
        ("google/outlook_option.csv", "google_outlook"),
        ("outlook/desktop_en.csv", "outlook_desktop"),
        ("outlook/outlook_com.csv", "outlook_com"),
        ("outlook/desktop_de.csv", "outlook_de"),
        ("outlook/desktop_fr.csv", "outlook_fr"),
        ("hubspot/labels.csv", "hubspot"),
        ("hubspot/internal.csv", "hubspot"),
        ("salesforce/report.csv", "salesforce_report"),
        ("salesforce/api.csv", "salesforce_api"),
        ("linkedin/Connections.csv", "linkedin_connections"),
    ],
)
def test_detected_and_every_row_a_person(rel, fmt):
    imp, records = load(rel)
    assert imp.format == fmt
    assert records and all(isinstance(r, PersonRecord) for r in records)
    assert all(r.display_name for r in records)


def test_google_current():
    imp, (jurgen, ana, phone_only) = load("google/current.csv")
    assert jurgen.emails == ("juergen.mueller@nordwind.example", "juergen@home.example")
    assert jurgen.phones == ("+49 151 2345678", "+49 30 1234567")
    assert jurgen.tags == ("Clients",)
    assert jurgen.notes == "Met at SaaStr.\nWants the analytics add-on."
    assert jurgen.birthday == Birthday(9, 7, 1987) and jurgen.company == "Nordwind, GmbH"
    assert jurgen.linkedin_url == "https://www.linkedin.com/in/juergen-mueller"
    assert ana.birthday == Birthday(12, 25, None) and ana.tags == ()
    assert ana.phones == ("4.47E+11",) and any("scientific" in w for w in ana.warnings)
    assert ana.linkedin_url == "" and ana.website == ""
    assert (ana.row, phone_only.row) == (3, 5)
    assert imp.mapping["E-mail 2 - Value"] == "email"


def test_google_legacy_and_outlook_option():
    _, (grace,) = load("google/legacy.csv")
    assert grace.full_name == "Grace Hopper" and grace.tags == ("University", "School")
    assert (grace.company, grace.title) == ("US Navy", "Rear Admiral")
    _, (lin,) = load("google/outlook_option.csv")
    assert lin.tags == ("Restored from Samsung - SM-G950F",) and lin.birthday is None


def test_outlook_desktop_english():
    _, (tom, nina) = load("outlook/desktop_en.csv")
    assert tom.tags == ("Clients", "Prospects") and tom.title == "VP Sales"
    assert tom.location == "Dublin, Ireland" and tom.company == "Contoso, Ltd."
    assert tom.notes == "Call before the renewal.\nBudget owner."
    assert nina.emails == () and any("not an email" in w for w in nina.warnings)
    assert nina.birthday is None


@pytest.mark.parametrize("dayfirst,expected", [(False, Birthday(3, 4, 1980)), (True, Birthday(4, 3, 1980))])
def test_ambiguous_date_both_ways(dayfirst, expected):
    _, (tom, _) = load("outlook/desktop_en.csv", dayfirst=dayfirst)
    assert tom.birthday == expected
    assert any("ambiguous" in w for w in tom.warnings)


def test_unambiguous_day_first_date_has_no_warning():
    _, (sara,) = load("outlook/outlook_com.csv")
    assert sara.birthday == Birthday(12, 25, 1990) and not sara.warnings
    assert sara.website == "https://khan.example" and sara.location == "Leeds"


def test_german_and_french_outlook():
    imp, (joerg,) = load("outlook/desktop_de.csv")
    assert imp.table.delimiter == ";"
    assert (joerg.first_name, joerg.last_name, joerg.company) == (
        "Jörg",
        "Weiß",
        "Bäckerei Süß GmbH",
    )
    assert joerg.title == "Geschäftsführer" and joerg.birthday == Birthday(4, 3, 1975)
    assert joerg.tags == ("Kunden", "Lieferanten") and joerg.notes == "Mag Brezn;\nsehr wichtig"
    assert joerg.phones == ("+49 170 1234567", "+49 89 1234567")
    _, (etienne,) = load("outlook/desktop_fr.csv")
    assert etienne.title == "Directeur commercial" and etienne.emails == ("etienne@exemple.example",)
    assert etienne.birthday == Birthday(4, 5, 1982) and etienne.location == "Paris, France"


def test_crm_exports():
    _, (priya,) = load("hubspot/labels.csv")
    assert (priya.company, priya.title, priya.emails) == (
        "Apex Labs",
        "Head of Growth",
        ("priya@apex.example",),
    )
    _, (omar,) = load("hubspot/internal.csv")
    assert omar.phones == ("+971 50 555 0101",) and omar.title == "CRO"
    _, (kofi,) = load("salesforce/report.csv")
    assert (kofi.company, kofi.location) == ("Polaris Energy", "Accra, Ghana")
    _, (astrid,) = load("salesforce/api.csv")
    assert astrid.birthday == Birthday(2, 28, 1979) and astrid.notes == "Met at Slush"


def test_linkedin_connections_with_preamble():
    _, (mark, zoe) = load("linkedin/Connections.csv")
    assert mark.row == 5 and mark.is_connection and mark.source == "linkedin"
    assert mark.connected_on == dt.date(2024, 3, 15) and mark.emails == ()
    assert mark.linkedin_url == "https://www.linkedin.com/in/mark-lenmar-1a2b3c"
    assert zoe.emails == ("zoe@fjord.example",) and zoe.connected_on == dt.date(2023, 5, 1)


def test_unknown_layout_needs_mapping_then_works():
    data = (SAMPLES / "generic/unknown.csv").read_bytes()
    with pytest.raises(NeedsMapping) as err:
        parse_csv(data, "unknown.csv")
    assert err.value.header == ["Kontakt", "Mail", "Handy", "Arbeitgeber"]
    assert err.value.samples[0]["Mail"] == "ada@engine.example"
    assert err.value.suggestion["Mail"] == "email"
    mapping = {"Kontakt": "full_name", "Mail": "email", "Handy": "phone", "Arbeitgeber": "company"}
    imp = parse_csv(data, "unknown.csv", mapping=mapping)
    assert imp.format == "custom" and imp.sample_rows(1)[0]["Kontakt"] == "Ada Lovelace"
    (ada,) = imp.records()
    assert (ada.full_name, ada.emails, ada.company) == (
        "Ada Lovelace",
        ("ada@engine.example",),
        "Analytical Engines",
    )


def test_mapping_that_maps_nothing_useful_is_rejected():
    data = (SAMPLES / "generic/unknown.csv").read_bytes()
    with pytest.raises(ImportRejected, match="at least one column"):
        parse_csv(data, "unknown.csv", mapping={"Arbeitgeber": "company", "Mail": "ignore"})
    with pytest.raises(ImportRejected, match="not a field"):
        parse_csv(data, "unknown.csv", mapping={"Mail": "password"})


def test_suggest_mapping_and_fields():
    header = ["Full Name", "E-mail 2", "Mobile Phone", "LinkedIn Profile", "Organisation", "Foo"]
    assert suggest_mapping(header) == {
        "Full Name": "full_name",
        "E-mail 2": "email",
        "Mobile Phone": "phone",
        "LinkedIn Profile": "linkedin_url",
        "Organisation": "company",
        "Foo": "ignore",
    }
    assert set(suggest_mapping(header).values()) <= set(FIELDS)
    assert detect_format(["Foo", "Bar"]) is None


def test_a_header_no_layout_uses_is_guessed_from_its_words():
    header = ["Complete name", "E-mail address (work)", "Whatever column", "Telephone (home)", "Company name"]
    header += ["Job title", "Date of birth", "Comments", "LinkedIn page", "Shoe size"]
    assert suggest_mapping(header) == {
        "Complete name": "full_name",
        "E-mail address (work)": "email",
        "Whatever column": "ignore",
        "Telephone (home)": "phone",
        "Company name": "company",
        "Job title": "title",
        "Date of birth": "birthday",
        "Comments": "notes",
        "LinkedIn page": "linkedin_url",
        "Shoe size": "ignore",
    }


def test_linkedin_url_never_accepts_other_urls():
    text = "Name,LinkedIn,Email\nA,javascript:alert(1),a@x.example\nB,https://evil.example/in/x,b@x.example\n"
    imp = parse_csv(
        text.encode(),
        "x.csv",
        mapping={"Name": "full_name", "LinkedIn": "linkedin_url", "Email": "email"},
    )
    a, b = imp.records()
    assert a.linkedin_url == b.linkedin_url == "" and a.website == ""
    assert b.website == "https://evil.example/in/x"
    assert all(any("not a LinkedIn" in w for w in r.warnings) for r in (a, b))


@pytest.mark.parametrize(
    ("typed", "profile"),
    [
        ("https://de.linkedin.com/in/Ann-Lee/?trk=x", "https://www.linkedin.com/in/ann-lee"),
        (
            "linkedin.com/pub/Olga-Oldtimer/1a/2b3/4c5/",
            "https://www.linkedin.com/pub/olga-oldtimer/1a/2b3/4c5",
        ),
        ("https://www.linkedin.com/pub/olga-oldtimer", "https://www.linkedin.com/pub/olga-oldtimer"),
        ("https://www.linkedin.com/pub/dir/Olga/Oldtimer", ""),  # a name search, not a person
        ("https://www.linkedin.com/pub/", ""),
        ("https://www.linkedin.com/company/acme/", ""),
        ("https://www.linkedin.com/school/mit", ""),
    ],
)
def test_profile_urls_are_in_and_the_older_public_pub_form(typed, profile):
    """Found by QA: /pub/ (LinkedIn's older public profile address) was refused as 'not a profile',
    so contacts saved with one by an earlier version could not be edited any more."""
    assert normalize_linkedin_url(typed) == profile


def test_rows_without_identity_are_skipped():
    text = "First Name,Last Name,Labels\n,,Clients\nAda,,\n"
    records = list(parse_csv(text.encode(), "g.csv").records())
    assert isinstance(records[0], Skipped) and records[0].row == 2
    assert records[1].first_name == "Ada"


def test_a_whole_name_column_is_a_full_name_before_the_name_words_it_holds():
    """ "Nom complet" holds "nom" (last name in French): the whole-name words are tried first."""
    header = ["Nom complet", "Vollständiger Name", "Display Name (Outlook)", "Full name (as shown)"]
    header += ["Contact full name", "Nombre completo", "Complete Name", "Nom", "Prénom", "Nom de famille"]
    header += ["Vorname", "Last name (family)", "Company full name", "Étiquettes", "Remarque"]
    assert suggest_mapping(header) == {
        "Nom complet": "full_name",
        "Vollständiger Name": "full_name",
        "Display Name (Outlook)": "full_name",
        "Full name (as shown)": "full_name",
        "Contact full name": "full_name",
        "Nombre completo": "full_name",
        "Complete Name": "full_name",
        "Nom": "last_name",
        "Prénom": "first_name",
        "Nom de famille": "last_name",
        "Vorname": "first_name",
        "Last name (family)": "last_name",
        "Company full name": "company",
        "Étiquettes": "tags",
        "Remarque": "notes",
    }


def test_a_linkedin_page_that_is_not_a_profile_is_named_once_and_kept_as_the_website():
    """Found by QA: a vCard giving one company page in two fields was warned about twice, and a
    Google 'Website' holding a company page became the website without a word."""
    from importers.vcard import parse_vcard

    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cy Park\r\nN:Park;Cy;;;\r\n"
        "X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/company/globex\r\n"
        "URL:https://www.linkedin.com/company/globex\r\nEND:VCARD\r\n"
    )
    (cy,) = parse_vcard(card.encode(), "c.vcf").records()
    assert cy.website == "https://www.linkedin.com/company/globex" and cy.linkedin_url == ""
    assert [w for w in cy.warnings if "LinkedIn" in w] == [
        "'https://www.linkedin.com/company/globex' is not a LinkedIn profile URL; kept as the website"
    ]
    google = "First Name,Last Name,Labels,E-mail 1 - Value,Website 1 - Type,Website 1 - Value\n"
    google += "Di,Ross,* myContacts,di@globex.example,Work,https://www.linkedin.com/company/globex\n"
    (di,) = parse_csv(google.encode(), "g.csv").records()
    assert di.website == "https://www.linkedin.com/company/globex"
    assert any("is not a LinkedIn profile URL; kept as the website" in w for w in di.warnings)
