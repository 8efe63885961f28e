"""Parsers only ever fail with our own error (issue 8, promise 9), whatever the bytes.

Hypothesis feeds every importer arbitrary bytes and mutations of real-shaped files (byte flips,
truncation, inserted quotes, NULs, line breaks, BOMs and huge fields). Each must give records
or Skipped rows with clean text, or raise ImportRejected; nothing else.

CI budget: 50 examples per parser. More: CRM_HARDENING_FULL=1 (1,000 each).
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.base import ActivityRecord, ImportRejected, PersonRecord, Skipped
from importers.formats import FORMATS, parse_csv
from importers.linkedin import open_export
from importers.safezip import open_source
from importers.vcard import parse_vcard
from tests.linkedin_export import build

EXAMPLES = 1000 if os.environ.get("CRM_HARDENING_FULL") == "1" else 50
BUDGET = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SAMPLES = Path(__file__).parent / "samples"
EXPORT_ZIP, _ = build(6, 80, 2, seed=11)
with zipfile.ZipFile(io.BytesIO(EXPORT_ZIP)) as _zf:
    MEMBERS = {name: _zf.read(name) for name in _zf.namelist() if name.endswith(".csv")}
LINKEDIN_FILES = [n for n in MEMBERS if "/" not in n]
CSV_SAMPLES = sorted(p for p in SAMPLES.rglob("*.csv"))
VCARD_SAMPLES = sorted(p for p in SAMPLES.rglob("*.vcf"))
INSERTS = [b'"', b'""', b"\x00", b"\r", b"\n", b"\r\n", b",", b";", b"\t", b"\xef\xbb\xbf",
           b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"=", b"BEGIN:VCARD\r\n", b"END:VCARD\r\n",
           b"A" * 200_000, b'"' + b"x," * 70_000, b"=\r\n", b";CHARSET=utf-16:"]  # fmt: skip


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A real-shaped input with a few byte-level mutations."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "dup"]))
        at = draw(st.integers(0, max(0, len(data))))
        if op == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS) | st.binary(max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
    return bytes(data)


def inputs(seeds: list[bytes]):
    return st.one_of(st.binary(max_size=4096), mutated(seeds))


def check_record(item) -> None:
    """Records and skips only, and their text is valid Unicode without NULs."""
    assert isinstance(item, PersonRecord | ActivityRecord | Skipped), type(item)
    for f in fields(item):
        values = getattr(item, f.name)
        for value in values if isinstance(values, list | tuple) else [values]:
            if isinstance(value, str):
                assert "\x00" not in value, (f.name, value[:80])
                value.encode("utf-8")  # no lone surrogates


def drain(records) -> None:
    for item in records:
        check_record(item)


def run_export(data: bytes, filename: str) -> None:
    try:
        with open_export(data, filename) as export:
            for gen in (
                export.connections, export.messages, export.invitations, export.endorsements,
                export.recommendations,
            ):  # fmt: skip
                drain(gen())
    except ImportRejected as exc:
        assert str(exc).strip()


@pytest.mark.parametrize("name", LINKEDIN_FILES)
@BUDGET
@given(data=st.data())
def test_linkedin_member_files(name, data):
    run_export(data.draw(inputs([MEMBERS[name]])), name.rsplit("/", 1)[-1])


@BUDGET
@given(blob=inputs([EXPORT_ZIP]))
def test_linkedin_zip(blob):
    run_export(blob, "Complete_LinkedInDataExport.zip")


@BUDGET
@given(blob=inputs([EXPORT_ZIP]))
def test_zip_opener(blob):
    try:
        with open_source(blob, "export.zip") as source:
            for name in source.names:
                with source.open_text(name) as text:
                    while text.read(65536):
                        pass
    except ImportRejected as exc:
        assert str(exc).strip()


@pytest.mark.parametrize("fmt", ["auto", *FORMATS])
@BUDGET
@given(data=st.data())
def test_parse_csv_each_format(fmt, data):
    blob = data.draw(inputs([p.read_bytes() for p in CSV_SAMPLES]))
    try:
        drain(parse_csv(blob, "contacts.csv", format=fmt).records())
    except ImportRejected as exc:
        assert str(exc).strip()


@BUDGET
@given(blob=inputs([p.read_bytes() for p in VCARD_SAMPLES]))
def test_parse_vcard(blob):
    try:
        drain(parse_vcard(blob, "contacts.vcf").records())
    except ImportRejected as exc:
        assert str(exc).strip()
