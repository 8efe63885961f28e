"""Bad uploads through the CLI and the web: one clear message, nothing written, app still up.

Also the CLI's JSON shape and the upload size limit.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from crm.cli import cli
from crm.db import db
from crm.models import ImportRun
from tests.conftest import soup, token
from tests.imports.conftest import dump, wait_for

CONNECTIONS = (
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada,,Acme,CEO,01 May 2024\n"
)


def make_zip(members: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, body in members.items():
            zf.writestr(name, body.encode() if isinstance(body, str) else body)
    return buf.getvalue()


def encrypted() -> bytes:
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS}))
    struct.pack_into("<H", data, 6, 1)
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 1)
    return bytes(data)


def bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("messages.csv", "w", force_zip64=False) as member:
            for _ in range(256):
                member.write(bytes(1 << 20))
    return buf.getvalue()


GOOD = make_zip({"Connections.csv": CONNECTIONS})
BAD = {
    "not-zip-or-csv": ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "zip"),
    "truncated-zip": ("export.zip", GOOD[: len(GOOD) // 2], "truncated"),
    "encrypted-zip": ("export.zip", encrypted(), "encrypted"),
    "zip-bomb": ("export.zip", bomb(), "zip bomb"),
    "path-traversal": ("export.zip", make_zip({"../evil/Connections.csv": CONNECTIONS}), "unsafe path"),
    "bzip2-member": ("export.zip", make_zip({"Connections.csv": CONNECTIONS}, zipfile.ZIP_BZIP2), "deflated"),
    "wrong-encoding": ("Connections.csv", CONNECTIONS.replace("Ada", "Adé").encode("utf-16"), "UTF-8"),
    "stray-quote-10mb-field": (
        "messages.csv",
        'CONVERSATION ID,FROM,DATE,CONTENT\n2-a,Ann,2024-01-01 10:00:00 UTC,"' + "x" * (10 << 20) + "\n",
        "stray quote",
    ),
    "stray-quote-to-the-end": (
        "Connections.csv",
        CONNECTIONS.replace("Ada,", 'Ada,"', 1) + "Bo,Chen,,,Acme,CTO,01 May 2024\n" * 50,
        "never closed, so it would swallow the rest of the file",
    ),
    "stray-quote-closed-mid-field": (
        "Connections.csv",
        CONNECTIONS.replace("Ada,", 'Ada,"', 1) + 'Bo,Chen,,,"Acme Labs",CTO,01 May 2024\n',
        "closes in the middle of a field",
    ),
    "nul-bytes": ("Connections.csv", CONNECTIONS.replace("CEO", "C\x00EO").encode(), "NUL"),
    "unknown-headers": ("Connections.csv", "Foo,Bar\n1,2\n", "no header row with the columns"),
    "no-linkedin-files": ("export.zip", make_zip({"notes.txt": "hello"}), "expected at least one of"),
}


def _bytes(body) -> bytes:
    return body if isinstance(body, bytes) else body.encode()


def invoke(app, *args: str):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


@pytest.mark.parametrize("case", BAD)
def test_cli_bad_input(app, tmp_path, case):
    name, body, fragment = BAD[case]
    path = tmp_path / name
    path.write_bytes(_bytes(body))
    db_path = app.config["CRM"]["DATABASE"]
    before = dump(db_path)
    result = invoke(app, "import", "linkedin", str(path), "--json")
    assert result.exit_code != 0
    message = result.stderr.strip()
    assert "\n" not in message and fragment.lower() in message.lower(), message
    assert result.stdout == ""
    assert dump(db_path) == before


@pytest.mark.parametrize("case", BAD)
def test_web_bad_input(client, app, case):
    name, body, fragment = BAD[case]
    db_path = app.config["CRM"]["DATABASE"]
    before = dump(db_path)
    response = client.post(
        "/imports",
        data={"csrf_token": token(client), "file": (io.BytesIO(_bytes(body)), name)},
        content_type="multipart/form-data",
    )
    if response.status_code == 303:
        page = wait_for(client, response.headers["Location"] + "/status")
        text = soup(page).get_text(" ")
        assert "could not be imported" in text and "Nothing was saved" in text
    else:
        assert response.status_code == 422
        text = soup(response).select_one(".error.summary").get_text()
    assert fragment.lower() in text.lower(), text
    assert dump(db_path) == before
    assert client.get("/contacts/").status_code == 200
    assert list((app.config["CRM"]["DATA_DIR"] / __import__("pathlib").Path("uploads")).glob("*")) == []


def test_upload_over_the_limit_says_so(tmp_path):
    from crm import create_app, migrations
    from tests.conftest import login

    path = tmp_path / "r.sqlite3"
    migrations.migrate(str(path))
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE": str(path), "MAX_UPLOAD_MB": 1,
         "SECRET_KEY": "test-secret-key-0123456789abcdef", "SESSION_COOKIE_SECURE": False}
    )  # fmt: skip
    from crm.db import db
    from crm.services import auth

    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password("correct horse battery staple")
        db.close()
    client = app.test_client()
    login(client)
    response = client.post(
        "/imports",
        data={"csrf_token": token(client), "file": (io.BytesIO(bytes(2 << 20)), "big.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "larger than the upload limit of 1 MB" in soup(response).select_one(".error").get_text()
    assert "CRM_MAX_UPLOAD_MB" in response.get_data(as_text=True)


def test_cli_json_shape_dry_run_and_undo(app, tmp_path, exports):
    data, truth = exports[1]
    path = tmp_path / truth["zip_name"]
    path.write_bytes(data)
    db_path = app.config["CRM"]["DATABASE"]
    empty = dump(db_path)
    dry = invoke(app, "import", "linkedin", str(path), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    shown = json.loads(dry.stdout)
    assert list(shown) == ["run_id", "dry_run", "contacts", "activities", "signals", "skipped"]
    assert shown["run_id"] is None and shown["dry_run"] is True
    assert list(shown["contacts"]) == ["created", "updated", "unchanged"]
    assert list(shown["activities"]) == ["created"]
    assert list(shown["signals"]) == ["job_change", "promotion", "new_connection"]
    assert all(list(s) == ["file", "row", "reason"] for s in shown["skipped"])
    assert dump(db_path) == empty
    real = invoke(app, "import", "linkedin", str(path), "--json")
    result = json.loads(real.stdout)
    assert result["run_id"] == 1 and result["dry_run"] is False
    assert {k: v for k, v in result.items() if k not in ("run_id", "dry_run")} == {
        k: v for k, v in shown.items() if k not in ("run_id", "dry_run")
    }
    assert result["contacts"]["created"] == truth["connections"] + len(truth["outsiders_messaged"])
    readable = invoke(app, "import", "linkedin", str(path))
    assert readable.exit_code == 0 and "Imported as run #2" in readable.stdout
    assert f"{truth['connections']:,} unchanged" in readable.stdout
    assert invoke(app, "import", "undo", "2").exit_code == 0
    assert invoke(app, "import", "undo", "1").exit_code == 0
    assert dump(db_path) == empty
    again = invoke(app, "import", "undo", "1")
    assert again.exit_code != 0 and "undone" in again.stderr


def test_cli_reads_an_extracted_folder_and_a_single_csv(app, tmp_path, exports):
    data, truth = exports[1]
    folder = tmp_path / "LinkedInDataExport"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            target = folder / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
    result = json.loads(invoke(app, "import", "linkedin", str(folder), "--json").stdout)
    assert result["activities"]["created"] > truth["messages"]["real"]
    single = json.loads(invoke(app, "import", "linkedin", str(folder / "Connections.csv"), "--json").stdout)
    assert single["contacts"] == {"created": 0, "updated": 0, "unchanged": truth["connections"]}


def test_unusual_skipped_rows_come_before_thousands_of_drafts(client, app):
    """60 drafts and then one row that needs a look: the preview's table and the stored run
    both start with the row that needs a look."""
    header = "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,DATE,CONTENT,IS MESSAGE DRAFT\n"
    row = "c{i},Ada Lovelace,https://www.linkedin.com/in/ada,Me,2024-05-0{d} 10:00:00 UTC,Hi {i},{draft}\n"
    drafts = "".join(row.format(i=i, d=1, draft="Yes") for i in range(60))
    odd = "c99,Ada Lovelace,https://www.linkedin.com/in/ada,Me,last Tuesday,Hi,No\n"
    real = row.format(i=100, d=2, draft="No")
    export = make_zip({"Connections.csv": CONNECTIONS, "messages.csv": header + drafts + odd + real})
    response = client.post(
        "/imports",
        data={"csrf_token": token(client), "file": (io.BytesIO(export), "export.zip")},
        content_type="multipart/form-data",
    )
    url = response.headers["Location"]
    page = soup(wait_for(client, url + "/status"))
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")] for tr in page.select("table.skipped tbody tr")
    ]
    assert len(rows) == 50 and rows[0] == ["messages.csv", "62", "unreadable date 'last Tuesday'"]
    assert {r[2] for r in rows[1:]} == {"draft"}
    assert "unusual reasons before drafts" in page.get_text(" ")
    assert page.select_one("details.skipped-rows") is None, "a row that needs a look is not tucked away"
    assert "left out by design" not in page.get_text(" ")
    assert client.post(url + "/commit", data={"csrf_token": token(client)}).status_code == 303
    assert "Imported as" in wait_for(client, url + "/status").get_data(as_text=True)
    db.connect(reuse_if_open=True)
    run = ImportRun.get()
    assert run.problems[0] == {"file": "messages.csv", "row": 62, "reason": "unreadable date 'last Tuesday'"}
    assert len(run.problems) == 61


def test_cli_summary_counts_every_kind_of_activity_it_made(app, tmp_path, exports):
    """The readable summary's breakdown adds up to its total: endorsements, recommendations and
    the job-change activities included, and only the kinds there are."""
    paths = []
    for n in (1, 2):
        data, truth = exports[n]
        paths.append(tmp_path / truth["zip_name"])
        paths[-1].write_bytes(data)
    first = invoke(app, "import", "linkedin", str(paths[0])).stdout
    truth1 = exports[1][1]
    assert "(3 people you messaged who are not connections)" in first
    assert f"{truth1['endorsements']:,} endorsements, 1 recommendation)" in first
    assert "job change" not in first.split("Signals:")[0]
    second = invoke(app, "import", "linkedin", str(paths[1])).stdout
    line = next(x for x in second.splitlines() if x.startswith("Activities:"))
    assert "20 job changes and promotions)" in line  # 10 of each in snapshot 2
    total = int(line.split()[1].replace(",", ""))
    parts = line.split("(", 1)[1].split(")")[0].split(", ")
    assert sum(int(p.split()[0].replace(",", "")) for p in parts) == total


def test_skipped_rows_that_are_all_drafts_are_said_once_and_listed_on_request(client, app):
    header = "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,DATE,CONTENT,IS MESSAGE DRAFT\n"
    row = "c{i},Ada Lovelace,https://www.linkedin.com/in/ada,Me,2024-05-0{d} 10:00:00 UTC,Hi {i},{draft}\n"
    drafts = "".join(row.format(i=i, d=1, draft="Yes") for i in range(3))
    export = make_zip(
        {"Connections.csv": CONNECTIONS, "messages.csv": header + drafts + row.format(i=9, d=2, draft="No")}
    )
    response = client.post(
        "/imports",
        data={"csrf_token": token(client), "file": (io.BytesIO(export), "export.zip")},
        content_type="multipart/form-data",
    )
    page = soup(wait_for(client, response.headers["Location"] + "/status"))
    assert "3 draft" in page.get_text(" ") and "left out by design" in page.get_text(" ")
    folded = page.select_one("details.skipped-rows")
    assert folded.select_one("summary").get_text(strip=True) == "Show the rows"
    assert [tr.select("td")[2].get_text() for tr in folded.select("table.skipped tbody tr")] == ["draft"] * 3
