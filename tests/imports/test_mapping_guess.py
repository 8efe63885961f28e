"""The mapping screen's guesses for a French contact list: "Nom complet" is the full name."""

from __future__ import annotations

from tests.conftest import soup
from tests.imports.test_addressbook_web import settle, upload

FRENCH_LIST = (
    "My export from ToolX\n\n"
    "Nom complet,Courriel,Téléphone,Entreprise,Anniversaire,Étiquettes,Remarque\n"
    'Jean Dupont,jean@ex.example,+33 1 23 45 67 89,ACME SA,3/4/1980,vip;client,"multi\nline"\n'
    "Marie Curie,marie@ex.example,+33 1 98 76 54 32,Radium SARL,5/6/1975,client,\n"
).encode()


def test_the_mapping_screen_preselects_full_name_for_nom_complet(client, app):
    _url, page = settle(client, upload(client, "unknown.csv", FRENCH_LIST))
    form = soup(page).select_one("form.mapping-form")
    chosen = {
        row.select_one("th label").get_text(strip=True): row.select_one("option[selected]")["value"]
        for row in form.select("table.mapping tbody tr")
    }
    assert chosen == {
        "Nom complet": "full_name",
        "Courriel": "email",
        "Téléphone": "phone",
        "Entreprise": "company",
        "Anniversaire": "birthday",
        "Étiquettes": "tags",
        "Remarque": "notes",
    }
