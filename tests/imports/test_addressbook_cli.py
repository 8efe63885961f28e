"""`crm import csv` and `crm import vcard`: JSON shape, formats, mappings, bad input, round trip."""

from __future__ import annotations

import json

import pytest

from crm import create_app, migrations
from crm.db import db
from crm.services import csv_export
from tests.imports.conftest import dump
from tests.imports.test_addressbook import GOOGLE, OUTLOOK_CP1252, VCARD
from tests.imports.test_bad_input_and_cli import invoke

WIDE_HEADER = ",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("x" * 1 for _ in range(5000)) + "\n"
BAD = {
    "empty": (b"", "empty"),
    "binary": (bytes(range(256)) * 20, "not a text file"),
    "header-only": (b"First Name,Last Name,Labels\n", "header but no rows"),
    "5000-columns": (("First Name,Last Name,Labels\nA,B,x" + ",y" * 5000 + "\n").encode(), "at most"),
    "5000-column-header": (WIDE_HEADER.encode(), "at most"),
}


@pytest.mark.parametrize("case", BAD)
def test_cli_bad_input_writes_nothing(app, tmp_path, case):
    body, expected = BAD[case]
    path = tmp_path / "contacts.csv"
    path.write_bytes(body)
    before = dump(app.config["CRM"]["DATABASE"])
    result = invoke(app, "import", "csv", str(path), "--json")
    assert result.exit_code != 0
    assert expected in result.output and "contacts.csv" in result.output
    assert result.output.strip().count("\n") == 0  # one line
    assert dump(app.config["CRM"]["DATABASE"]) == before


def test_unknown_header_names_the_columns_then_a_mapping_imports(app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Who,Mail,Shoe size\nAda Lovelace,ada@x.example,38\n")
    result = invoke(app, "import", "csv", str(path))
    assert result.exit_code != 0
    assert "Who, Mail, Shoe size" in result.output and "--mapping" in result.output
    nothing = tmp_path / "nothing.json"
    nothing.write_text(json.dumps({"Shoe size": "notes"}))
    result = invoke(app, "import", "csv", str(path), "--mapping", str(nothing))
    assert result.exit_code != 0 and "Map at least one column" in result.output
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Who": "full_name", "Mail": "email", "Shoe size": "ignore"}))
    result = invoke(app, "import", "csv", str(path), "--mapping", str(mapping), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["contacts"] == {"created": 1, "updated": 0, "unchanged": 0} and out["run_id"] == 1


def test_json_shape_is_the_linkedin_one_and_dry_run_writes_nothing(app, tmp_path):
    path = tmp_path / "google.csv"
    path.write_text(GOOGLE)
    before = dump(app.config["CRM"]["DATABASE"])
    dry = json.loads(invoke(app, "import", "csv", str(path), "--dry-run", "--json").stdout)
    assert dump(app.config["CRM"]["DATABASE"]) == before
    assert set(dry) == {"run_id", "dry_run", "contacts", "activities", "signals", "skipped"}
    assert dry["run_id"] is None and dry["dry_run"] is True
    assert dry["contacts"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert {"file": "google.csv", "row": 4, "reason": "same person as row 2"} in dry["skipped"]
    real = json.loads(invoke(app, "import", "csv", str(path), "--format", "google", "--json").stdout)
    assert real["run_id"] == 1 and real["dry_run"] is False
    again = json.loads(invoke(app, "import", "csv", str(path), "--json").stdout)
    assert again["contacts"] == {"created": 0, "updated": 0, "unchanged": 2}
    wrong = invoke(app, "import", "csv", str(path), "--format", "outlook")
    assert (
        wrong.exit_code != 0 and "does not look like a outlook export (its header is google)" in wrong.output
    )


def test_outlook_and_vcard_from_the_cli(app, tmp_path):
    outlook = tmp_path / "outlook.csv"
    outlook.write_bytes(OUTLOOK_CP1252)
    text = invoke(app, "import", "csv", str(outlook), "--format", "outlook")
    assert text.exit_code == 0, text.output
    assert "1 new" in text.output and "Excel" in text.output
    card = tmp_path / "contacts.vcf"
    card.write_text(VCARD)
    result = json.loads(invoke(app, "import", "vcard", str(card), "--json").stdout)
    assert result["contacts"]["created"] == 1
    assert invoke(app, "import", "undo", str(result["run_id"])).exit_code == 0


def test_rapport_round_trip_into_a_fresh_database(app, tmp_path):
    source = tmp_path / "google.csv"
    source.write_text(GOOGLE)
    assert invoke(app, "import", "csv", str(source)).exit_code == 0
    card = tmp_path / "c.vcf"
    card.write_text(VCARD)
    assert invoke(app, "import", "vcard", str(card)).exit_code == 0
    assert invoke(app, "export", "csv", str(tmp_path / "out")).exit_code == 0
    db.connect(reuse_if_open=True)
    original = csv_export.contact_rows()
    db.close()
    fresh_path = tmp_path / "fresh" / "rapport.sqlite3"
    fresh_path.parent.mkdir()
    migrations.migrate(str(fresh_path))
    fresh = create_app(
        {"TESTING": True, "DATA_DIR": str(fresh_path.parent), "DATABASE": str(fresh_path),
         "SECRET_KEY": "test-secret-key-0123456789abcdef", "TIMEZONE": "UTC"}
    )  # fmt: skip
    exported = next((tmp_path / "out").glob("*.csv"))
    result = invoke(fresh, "import", "csv", str(exported), "--format", "rapport", "--json")
    assert result.exit_code == 0, result.output
    db.connect(reuse_if_open=True)
    copied = csv_export.contact_rows()
    db.close()

    def same(rows):  # ids are new; the source is where each contact first came from
        return sorted(tuple((k, v) for k, v in r.items() if k != "id") for r in rows)

    assert len(copied) == len(original) == 3
    assert same(copied) == same(original)


def test_date_order_option_overrides_the_setting_and_the_summary_says_how_to_use_it(app, tmp_path):
    """OUTLOOK_CP1252's birthday is 3/4/1980; the Settings default reads it month first."""
    from crm.models import Contact

    outlook = tmp_path / "outlook.csv"
    outlook.write_bytes(OUTLOOK_CP1252)
    dry = invoke(app, "import", "csv", str(outlook), "--dry-run")
    assert "it was read month first, as the date order in Settings says." in dry.stdout
    assert "To read those birthdays day first, run it again with --date-order day-first." in dry.stdout
    done = invoke(app, "import", "csv", str(outlook), "--date-order", "day-first")
    assert "it was read day first, as you chose." in done.stdout
    assert "undo it (crm import undo 1) and run it again with --date-order month-first." in done.stdout
    with app.app_context():
        db.connect(reuse_if_open=True)
        renee = Contact.get(Contact.last_name == "Dubois")
        assert (renee.birthday_day, renee.birthday_month, renee.birthday_year) == (3, 4, 1980)
        db.close()
    card = tmp_path / "a.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nBDAY:3/4/1980\r\nEND:VCARD\r\n")
    shown = invoke(app, "import", "vcard", str(card), "--date-order", "month-first", "--dry-run")
    assert "it was read month first" in shown.stdout and "--date-order day-first" in shown.stdout
    assert invoke(app, "import", "csv", str(outlook), "--date-order", "sideways").exit_code == 2


ANN_CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nORG:Acme\r\n"
    "EMAIL:ann@acme.example\r\nEND:VCARD\r\n"
)


def _linkedin_ann(app) -> int:
    """Ann Lee at Acme as a LinkedIn import leaves her: a profile URL and no email."""
    from tests.dedupe_helpers import person

    with app.app_context():
        db.connect(reuse_if_open=True)
        ann = person("Ann", "Lee", company="Acme", linkedin_url="https://www.linkedin.com/in/ann-lee")
        db.close()
    return ann


def test_the_summary_points_at_duplicates_the_import_brought_in(app, tmp_path):
    _linkedin_ann(app)
    card = tmp_path / "contacts.vcf"
    card.write_text(ANN_CARD)
    assert "duplicate" not in invoke(app, "import", "vcard", str(card), "--dry-run").stdout
    done = invoke(app, "import", "vcard", str(card))
    assert done.stdout.strip().endswith(
        "1 suggested duplicate pair has someone this import brought in or changed: see `crm duplicates`"
        " (`crm merge identical` merges the sure ones where nothing differs)."
    )
    again = invoke(app, "import", "vcard", str(card))  # changes nobody: nothing to point at
    assert "unchanged" in again.stdout and "duplicate" not in again.stdout
