"""LinkedIn export parsing: every header version, date format, skip rule and input shape."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.base import ActivityRecord, ImportRejected, PersonRecord, Skipped
from importers.linkedin import open_export

UTC = dt.UTC
NOTES = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are '
    'missing. You can learn more here https://www.linkedin.com/help/linkedin/answer/261"\n\n'
)
ME = "https://www.linkedin.com/in/morgan-reyes"
PROFILE = (
    "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,"
    'Geo Location,Twitter Handles,Websites,Instant Messengers\nMorgan,Reyes,,,Oct 18,"AE, SaaS",'
    ",Software,,,,,\n"
)


def zip_of(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text.encode() if isinstance(text, str) else text)
    return buf.getvalue()


def records(gen) -> list:
    return [r for r in gen if not isinstance(r, Skipped)]


def one_file(name: str, text: str | bytes, **extra: str):
    return open_export(zip_of({name: text, **extra}), "export.zip")


# -- Connections ---------------------------------------------------------------------------

CONNECTION_VERSIONS = {
    "2023-7col-url": NOTES + "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    'Ada,Lovelace,https://de.linkedin.com/in/Ada-L/,ada@x.io,"Engines, Ltd.",Analyst,01 May 2024\n',
    "2019-6col": "First Name,Last Name,Email Address,Company,Position,Connected On\n"
    'Ada,Lovelace,ada@x.io,"Engines, Ltd.",Analyst,1 May 2024\n',
    "2021-6col-preamble": NOTES + "First Name,Last Name,Email Address,Company,Position,Connected On\n"
    'Ada,Lovelace,ada@x.io,"Engines, Ltd.",Analyst,01 May 2024\n',
    "2018-address": "First Name,Last Name,Address,Email Address,Company,Position,Connected On,"
    "Websites,Instant Messengers\n"
    'Ada,Lovelace,"1 Rd, London",ada@x.io,"Engines, Ltd.",Analyst,"5/1/24, 2:52 AM",'
    "https://ada.dev,\n",
}


@pytest.mark.parametrize("version", CONNECTION_VERSIONS)
def test_connections_every_header_version(version):
    with one_file("Connections.csv", CONNECTION_VERSIONS[version]) as export:
        (person,) = list(export.connections())
    assert isinstance(person, PersonRecord)
    assert (person.first_name, person.last_name) == ("Ada", "Lovelace")
    assert (person.company, person.title) == ("Engines, Ltd.", "Analyst")
    assert person.emails == ("ada@x.io",)
    assert person.connected_on == dt.date(2024, 5, 1)
    assert person.is_connection and person.source == "linkedin"
    if version == "2023-7col-url":
        assert person.linkedin_url == "https://www.linkedin.com/in/ada-l"
    if version == "2018-address":
        assert person.website == "https://ada.dev"


def test_connections_blank_rows_names_and_same_name_pair():
    text = (
        NOTES + "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        ",,,,,,\n"
        "Jane,Doe,https://www.linkedin.com/in/jane-doe-1,,A,CEO,02 Jan 2020\n"
        ",,,,,,\n"
        "Jane,Doe,https://www.linkedin.com/in/jane-doe-2,,B,CTO,03 Jan 2020\n"
        '"Dr. Anna Müller, PhD 🚀",Ødegaard,https://www.linkedin.com/in/anna,,,,04 Jan 2020\n'
        "李,小龙,https://www.linkedin.com/in/li,,,,05 Jan 2020\n"
        ",,,,Orphan Co,,06 Jan 2020\n"
    )
    with one_file("Connections.csv", text) as export:
        rows = list(export.connections())
        assert export.counts["connections.blank"] == 2
    people = [r for r in rows if isinstance(r, PersonRecord)]
    assert [p.linkedin_url[-10:] for p in people[:2]] == ["jane-doe-1", "jane-doe-2"]
    assert people[2].first_name == "Dr. Anna Müller, PhD 🚀"
    assert people[2].last_name == "Ødegaard"
    assert people[3].display_name == "李 小龙"
    (skipped,) = [r for r in rows if isinstance(r, Skipped)]
    assert skipped.file == "Connections.csv" and skipped.row == 11


# -- messages ------------------------------------------------------------------------------

H2025 = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,"
    "SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT\n"
)


def msg(convo, frm, frm_url, to, to_urls, date, content, title="", draft="No", subject=""):
    cells = [convo, title, frm, frm_url, to, to_urls, date, subject, content, "INBOX", "", draft]
    out = io.StringIO()
    import csv

    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def test_messages_2025_owner_direction_and_skips():
    a, b = "https://www.linkedin.com/in/ann", "https://www.linkedin.com/in/bob"
    text = H2025 + "".join(
        [
            msg("2-a", "Ann Lee", a, "Morgan Reyes", ME, "2025-01-02 10:00:00 UTC", "Hi, there"),
            msg("2-a", "Morgan Reyes", ME, "Ann Lee", a, "2025-01-02 11:00:00 UTC", "Hello Ann"),
            msg("2-b", "Morgan Reyes", ME, "Bob, Ann", f"{b};{a}", "2025-01-03 09:00:00 UTC", "All"),
            msg("2-b", "Morgan Reyes", ME, "Bob", b, "2025-01-04 09:00:00 UTC", "draft", draft="Yes"),
            msg(
                "2-c",
                "LinkedIn Member",
                "",
                "Morgan Reyes",
                ME,
                "2025-01-05 09:00:00 UTC",
                '<p class="spinmail-quill-editor__spin-break">Buy</p>',
                "Sponsored Conversation",
            ),
            msg(
                "2-a",
                "Ann Lee",
                a,
                "Morgan Reyes",
                ME,
                "2025-01-06 09:00:00 UTC",
                "Message request accepted",
            ),
            msg(
                "2-b",
                "Bob",
                b,
                "Morgan Reyes",
                ME,
                "2025-01-07 09:00:00 UTC",
                "A LinkedIn member left the conversation.",
            ),
            ",,,,,,,,,,,\n",
        ]
    )
    with one_file("messages.csv", text, **{"Profile.csv": PROFILE}) as export:
        assert export.owner_name == "Morgan Reyes"
        assert export.owner_url == ME
        rows = list(export.messages())
        assert export.counts["messages.draft"] == 1
        assert export.counts["messages.sponsored"] == 1
        assert export.counts["messages.system"] == 2
        assert export.counts["messages.blank"] == 1
        assert export.latest_seen_at == dt.datetime(2025, 1, 3, 9, tzinfo=UTC)
    got = records(rows)
    assert len(got) == 3 and len(rows) == 7
    first, second, group = got
    assert (first.direction, first.people, first.names) == ("in", (a,), ("Ann Lee",))
    assert first.occurred_at == dt.datetime(2025, 1, 2, 10, tzinfo=UTC)
    assert (second.direction, second.people, second.names) == ("out", (a,), ("Ann Lee",))
    assert group.people == (b, a) and group.names == ("Bob", "Ann")
    assert first.source_key.startswith("linkedin:message:")
    assert len({r.source_key for r in got}) == 3


def test_message_source_keys_stable_across_exports():
    row = msg("2-a", "Ann", "https://www.linkedin.com/in/ann", "Me", ME, "2025-01-02 10:00:00 UTC", "Hi")
    newer = msg(
        "2-a",
        "Me",
        ME,
        "Ann",
        "https://www.linkedin.com/in/ann",
        "2025-02-02 10:00:00 UTC",
        "Later",
    )
    with (
        one_file("messages.csv", H2025 + row) as old,
        one_file("messages.csv", H2025 + newer + row) as new,
    ):
        old_keys = {r.source_key for r in records(old.messages())}
        new_keys = {r.source_key for r in records(new.messages())}
    assert old_keys < new_keys


@pytest.mark.parametrize(
    ("header", "row", "when"),
    [
        (
            "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT,FOLDER\n",
            '2-x,,Ann,https://www.linkedin.com/in/ann,Morgan Reyes,2021-11-17 18:14:58 UTC,,"Hi, me",INBOX\n',
            dt.datetime(2021, 11, 17, 18, 14, 58, tzinfo=UTC),
        ),
        (
            "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
            "DATE,SUBJECT,CONTENT,FOLDER\n",
            f"2-x,,Ann,https://www.linkedin.com/in/ann,Morgan Reyes,{ME},2023-06-11 15:33:58 UTC,,Hi,INBOX\n",
            dt.datetime(2023, 6, 11, 15, 33, 58, tzinfo=UTC),
        ),
        (
            "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
            "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS\n",
            f"2-x,,Ann,https://www.linkedin.com/in/ann,"
            f"Morgan Reyes,{ME},2024-03-01 08:00:00 UTC,,Hi,INBOX,\n",
            dt.datetime(2024, 3, 1, 8, tzinfo=UTC),
        ),
        (
            H2025.replace("DRAFT\n", "DRAFT,IS CONVERSATION DRAFT\n"),
            f"2-x,,Ann,https://www.linkedin.com/in/ann,Morgan Reyes,{ME},"
            "2025-11-01 08:00:00 UTC,,Hi,INBOX,,No,No\n",
            dt.datetime(2025, 11, 1, 8, tzinfo=UTC),
        ),
        (
            "FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER\n",
            "Ann,Morgan Reyes,2019-11-06T02:08:20,,Hi,INCOMING,INBOX\n",
            dt.datetime(2019, 11, 6, 2, 8, 20, tzinfo=UTC),
        ),
        (
            "From,To,Date,Subject,Content,Direction,Folder\n",
            'Ann,Morgan Reyes,"4/13/18, 2:52 PM",,Hi,INCOMING,INBOX\n',
            dt.datetime(2018, 4, 13, 14, 52, tzinfo=UTC),
        ),
    ],
    ids=["2021", "2023", "2024", "2025-13col", "2020-iso", "2018"],
)
def test_messages_every_header_version(header, row, when):
    with one_file("messages.csv", header + row, **{"Profile.csv": PROFILE}) as export:
        (record,) = list(export.messages())
    assert isinstance(record, ActivityRecord)
    assert (record.occurred_at, record.direction, record.names) == (when, "in", ("Ann",))
    assert record.text.startswith("Hi") and record.kind == "message"


@pytest.mark.parametrize(
    ("to", "names"),
    [
        ('"Ann Lee, Bo Chen"', ("Ann Lee", "Bo Chen")),
        ("Ann Lee;Bo Chen", ("Ann Lee", "Bo Chen")),
        ('"Kai Silva, CFA"', ("Kai Silva, CFA",)),  # credentials, not a second person
        ('"Lee, Ann"', ("Lee, Ann",)),
    ],
)
def test_a_group_message_without_urls_names_each_recipient(to, names):
    text = "FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER\n"
    text += f"Morgan Reyes,{to},2020-03-07T02:08:20,,Hi all,OUTGOING,\n"
    with one_file("messages.csv", text, **{"Profile.csv": PROFILE}) as export:
        (record,) = list(export.messages())
    assert (record.direction, record.names, record.people) == ("out", names, ())


def test_without_profile_csv_the_owners_name_comes_with_their_profile_url():
    """The 2021 layout names recipients without URLs: once the owner's URL is known, the owner's
    name on a To must not read as a second person (it turned Ann Lee into "Ann", from her URL)."""
    text = (
        "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT,FOLDER\n"
        "2-a,,Ann Lee,https://www.linkedin.com/in/ann,Owen Owner,2021-11-17 18:14:58 UTC,,Hi,INBOX\n"
        "2-a,,Owen Owner,https://www.linkedin.com/in/owen,Ann Lee,2021-11-18 18:14:58 UTC,,Hi!,INBOX\n"
        "2-b,,Owen Owner,https://www.linkedin.com/in/owen,Bo Chen,2021-11-18 18:14:58 UTC,,Yo,INBOX\n"
    )
    with one_file("messages.csv", text) as export:
        first, reply, other = records(export.messages())
        assert (export.owner_url, export.owner_name) == ("https://www.linkedin.com/in/owen", "Owen Owner")
    assert (first.direction, first.people, first.names) == (
        "in",
        ("https://www.linkedin.com/in/ann",),
        ("Ann Lee",),
    )
    assert (reply.direction, reply.people, reply.names) == ("out", (), ("Ann Lee",))
    assert other.names == ("Bo Chen",)


def test_inbox_csv_era():
    text = (
        "From,To,Date,Subject,Content\n"
        '"Morgan Reyes","Ann Lee","January 5, 2017, 3:04 PM",,"See you"\n'
        '"Ann Lee","Morgan Reyes","January 6, 2017, 9:00 AM",,"Thanks"\n'
    )
    with one_file("LinkedInDataExport_07-28-2015/Inbox.csv", text, **{"Profile.csv": PROFILE}) as ex:
        out, back = records(ex.messages())
        assert ex.exported_at_hint == dt.date(2015, 7, 28)
    assert out.direction == "out" and out.names == ("Ann Lee",) and out.people == ()
    assert out.occurred_at == dt.datetime(2017, 1, 5, 15, 4, tzinfo=UTC)
    assert back.direction == "in" and back.names == ("Ann Lee",)


def test_html_bodies_become_plain_text():
    body = (
        "<p>Hi Ann,</p><p>Loved your <b>post</b>.<br/>Line two</p>"
        "<div>See you&nbsp;there &amp; thanks!</div><script>alert('x')</script>"
        "<style>p{color:red}</style>"
    )
    plain = "Line one,\nline two; <3 & more"
    text = H2025 + "".join(
        msg(
            "2-a",
            "Ann",
            "https://www.linkedin.com/in/ann",
            "Me",
            ME,
            f"2025-01-0{i} 10:00:00 UTC",
            content,
        )
        for i, content in enumerate([body, plain, "&lt;script&gt;x&lt;/script&gt;"], 1)
    )
    with one_file("messages.csv", text) as export:
        html, kept, escaped = records(export.messages())
    assert html.text == "Hi Ann,\nLoved your post.\nLine two\nSee you there & thanks!"
    assert "alert" not in html.text and "<" not in html.text and "color" not in html.text
    assert html.summary == "Hi Ann, Loved your post. Line two See you there & thanks!"
    assert kept.text == plain
    assert escaped.text == "<script>x</script>"  # inert text, escaped again when shown


def test_summary_is_one_short_line():
    long = "word " * 100
    with one_file(
        "messages.csv",
        H2025
        + msg(
            "2-a",
            "Ann",
            "https://www.linkedin.com/in/ann",
            "Me",
            ME,
            "2025-01-01 10:00:00 UTC",
            long,
        ),
    ) as ex:
        (record,) = records(ex.messages())
    assert len(record.summary) <= 140 and "\n" not in record.summary
    assert record.summary.endswith("…")


# -- invitations, endorsements, recommendations --------------------------------------------


def test_invitations_with_and_without_urls():
    old = (
        "From,To,Sent At,Message,Direction\n"
        'Morgan Reyes,Ann Lee,"11/16/21, 9:40 AM","Hi Ann, ""great"" talk",OUTGOING\n'
        'Bob Roe,Morgan Reyes,"1/2/22, 12:05 PM",,INCOMING\n'
    )
    new = old.replace("Direction\n", "Direction,inviterProfileUrl,inviteeProfileUrl\n")
    new = new.replace("OUTGOING\n", f"OUTGOING,{ME},https://www.linkedin.com/in/ann\n")
    new = new.replace("INCOMING\n", f"INCOMING,https://www.linkedin.com/in/bob,{ME}\n")
    with one_file("Invitations.csv", old) as a, one_file("Invitations.csv", new) as b:
        sent, got = records(a.invitations())
        sent2, got2 = records(b.invitations())
        assert b.owner_url == ME
    assert sent.direction == "out" and sent.names == ("Ann Lee",) and sent.people == ()
    assert sent.summary == 'Invitation sent: Hi Ann, "great" talk'
    assert sent.occurred_at == dt.datetime(2021, 11, 16, 9, 40, tzinfo=UTC)
    assert got.direction == "in" and got.summary == "Invitation received"
    assert got.occurred_at == dt.datetime(2022, 1, 2, 12, 5, tzinfo=UTC)
    assert sent2.people == ("https://www.linkedin.com/in/ann",)
    assert got2.people == ("https://www.linkedin.com/in/bob",) and got2.names == ("Bob Roe",)


@pytest.mark.parametrize("with_url", [False, True])
def test_endorsements(with_url):
    header = "Endorsement Date,Skill Name,Endorser First Name,Endorser Last Name,"
    header += "Endorser Public Url,Endorsement Status\n" if with_url else "Endorsement Status\n"
    url = "www.linkedin.com/in/Eve-X," if with_url else ""
    text = header + f"2021/09/14 12:18:19 UTC,Negotiation,Eve,X,{url}ACCEPTED\n"
    with one_file("Endorsement Received Info.csv", text) as export:
        (record,) = list(export.endorsements())
    assert record.kind == "endorsement" and record.direction == "in"
    assert record.summary == "Endorsed you for Negotiation" and record.names == ("Eve X",)
    assert record.people == (("https://www.linkedin.com/in/eve-x",) if with_url else ())
    assert record.occurred_at == dt.datetime(2021, 9, 14, 12, 18, 19, tzinfo=UTC)


def test_recommendations_received_and_given():
    header = "First Name,Last Name,Company,Job Title,Text,Creation Date,Status\n"
    files = {
        "Recommendations_Received.csv": header + 'Ann,Lee,A,CEO,"Great,\nreliable",'
        '"07/21/09, 12:11 PM",VISIBLE\n',
        "Recommendations Given.csv": header + 'Bob,Roe,B,CTO,Solid,"1/2/22, 1:00 AM",VISIBLE\n',
    }
    with open_export(zip_of(files), "x.zip") as export:
        received, given = records(export.recommendations())
    assert received.direction == "in" and received.text == "Great,\nreliable"
    assert received.summary == "Recommended you: Great, reliable"
    assert received.occurred_at == dt.datetime(2009, 7, 21, 12, 11, tzinfo=UTC)
    assert given.direction == "out" and given.summary == "You recommended Bob Roe: Solid"


# -- input shapes --------------------------------------------------------------------------

CONN = CONNECTION_VERSIONS["2023-7col-url"]


@pytest.mark.parametrize(
    "name",
    ["Connections.csv", "CONNECTIONS.CSV", "deep/er/con_nections.csv", "Con nections.csv"],
)
def test_file_names_any_case_any_depth(name):
    with one_file(name, CONN) as export:
        assert export.files_found == {"connections": name}
        assert len(records(export.connections())) == 1


def test_folder_input_and_export_date(tmp_path):
    root = tmp_path / "Complete_LinkedInDataExport_09-01-2026"
    (root / "inner").mkdir(parents=True)
    (root / "inner" / "Connections.csv").write_text(CONN, encoding="utf-8")
    (root / "Profile.csv").write_text(PROFILE, encoding="utf-8")
    with open_export(root) as export:
        assert export.exported_at_hint == dt.date(2026, 9, 1)
        assert export.owner_name == "Morgan Reyes"
        assert len(records(export.connections())) == 1


def test_single_csv_input(tmp_path):
    with open_export(CONN.encode("utf-8-sig"), "Connections.csv") as export:
        assert len(records(export.connections())) == 1
        assert export.exported_at_hint is None
    path = tmp_path / "my download (1).csv"
    path.write_text(CONN, encoding="utf-8")
    with open_export(path) as export:  # unknown name: recognised by its header
        assert export.files_found == {"connections": "my download (1).csv"}


def test_export_date_from_zip_name():
    with open_export(zip_of({"Connections.csv": CONN}), "Basic_LinkedInDataExport_12-05-2022.zip") as e:
        assert e.exported_at_hint == dt.date(2022, 12, 5)


def test_no_usable_files_names_expected_ones():
    with pytest.raises(ImportRejected, match="Connections.csv, messages.csv"):
        open_export(zip_of({"Ad_Targeting.csv": "Member Age\n25\n"}), "x.zip")


def test_an_export_zipped_again_says_to_upload_the_inner_zip():
    inner = zip_of({"Connections.csv": CONNECTION_VERSIONS["2023-7col-url"]})
    with pytest.raises(ImportRejected, match=r"holds another archive \(Basic_LinkedInDataExport.zip\)"):
        open_export(zip_of({"Basic_LinkedInDataExport.zip": inner}), "x.zip")


# -- damaged text --------------------------------------------------------------------------


def test_stray_quote_is_reported_with_file_and_row():
    filler = "".join(f"{random.Random(i).getrandbits(4000):x}\n" for i in range(1200))
    text = CONN + 'Bob,"Roe,,,,,01 May 2024\n' + filler
    with one_file("Connections.csv", text) as export, pytest.raises(ImportRejected) as info:
        list(export.connections())
    assert info.value.file == "Connections.csv" and info.value.row == 6


def test_a_renamed_single_file_with_a_stray_quote_is_named_with_its_row():
    """Sniffed by its header: the stray quote is the error, not "no LinkedIn export files"."""
    header = CONN.splitlines(keepends=True)[:-1]
    text = "".join(header) + 'Bob,"Roe,https://www.linkedin.com/in/bob,,Acme,CTO,01 May 2024\n'
    text += "Cy,Lee,,,B,C,\n" * 3
    with pytest.raises(ImportRejected, match="never closed") as info:
        with open_export(text.encode(), "download (1).csv") as export:
            list(export.connections())
    assert info.value.file == "download (1).csv" and info.value.row == len(header) + 1


def test_wrong_encoding_and_nul_bytes():
    latin = CONN.replace("Lovelace", "Lövelace").encode("latin-1")
    with one_file("Connections.csv", latin) as export, pytest.raises(ImportRejected) as info:
        list(export.connections())
    assert "UTF-8" in str(info.value) and info.value.row == 5
    with one_file("Connections.csv", CONN + "a\x00b,c,,,,,01 May 2024\n") as export:
        with pytest.raises(ImportRejected, match="NUL") as info:
            list(export.connections())
    assert info.value.row == CONN.count("\n") + 1


@pytest.mark.parametrize(
    "lines_before, tail",
    [(0, "\n"), (3, "\n"), (3, ""), (2000, "\n"), (2000, "")],
    ids=["first-line", "third-row", "last-line-no-newline", "past-first-chunk", "end-no-newline"],
)
def test_nul_byte_is_reported_on_its_line(lines_before, tail):
    """The NUL check runs per 64 KiB chunk, yet names the line, also past a chunk boundary."""
    rows = "".join(f"Name{i},Surname{i},,,Acme {'x' * 40},Seller,01 May 2024\n" for i in range(lines_before))
    text = CONN + rows + "a\x00b,c,,,,,01 May 2024" + tail
    assert len(text) > 64 << 10 or lines_before < 2000
    with one_file("Connections.csv", text) as export, pytest.raises(ImportRejected) as info:
        list(export.connections())
    assert "NUL" in str(info.value) and info.value.file == "Connections.csv"
    assert info.value.row == text.count("\n", 0, text.index("\x00")) + 1


def test_utf16_export_gets_the_encoding_error_not_the_nul_one():
    data = "\ufeff".encode("utf-16-le") + CONN.encode("utf-16-le")
    with one_file("Connections.csv", data) as export, pytest.raises(ImportRejected) as info:
        list(export.connections())
    assert "UTF-8" in str(info.value)


def test_header_missing_is_rejected():
    with one_file("Connections.csv", "foo,bar\n1,2\n") as export:
        with pytest.raises(ImportRejected, match="First Name, Last Name, Connected On"):
            list(export.connections())


# -- totality ------------------------------------------------------------------------------

PARSERS = ("connections", "messages", "invitations", "endorsements", "recommendations")
HEADERS = {
    "Connections.csv": CONN.split("First Name")[0] + "First Name,Last Name,URL,Connected On\n",
    "messages.csv": H2025,
    "Invitations.csv": "From,To,Sent At,Message,Direction\n",
}


def drain(export) -> None:
    for method in PARSERS:
        for item in getattr(export, method)():
            assert isinstance(item, PersonRecord | ActivityRecord | Skipped)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(HEADERS)),
    body=st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: t.encode()),
)
def test_arbitrary_member_bytes(name, body):
    data = zip_of({name: HEADERS[name].encode() + body})
    try:
        with open_export(data, "x.zip") as export:
            drain(export)
    except ImportRejected:
        pass


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=4000), filename=st.sampled_from(["x.zip", "messages.csv", "x.bin"]))
def test_arbitrary_upload(data, filename):
    try:
        with open_export(data, filename) as export:
            drain(export)
    except ImportRejected:
        pass
