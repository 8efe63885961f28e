"""The address-book import's fast paths give exactly what the slow, general code gives."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.services import matching
from importers.base import PersonRecord, name_key, normalize_email, normalize_phone

ascii_text = st.text(alphabet=st.characters(max_codepoint=127))
phone_like = st.text(alphabet=st.sampled_from(list("+0123456789 ()-./x٣²")), max_size=20)
email_like = st.text(alphabet=st.sampled_from(list("aZé.@<> \tmailto:-_'\"")), max_size=16)


def general_name_key(*parts: str) -> str:
    text = unicodedata.normalize("NFKD", " ".join(p for p in parts if p).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def general_phone(value: str) -> str:
    text = (value or "").strip()
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < 6:
        return ""
    return ("+" if text.startswith("+") or text.startswith("00") else "") + digits.lstrip("0")


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), ascii_text), st.one_of(st.text(), ascii_text))
def test_name_key_ascii_path_matches_the_general_code(first, last):
    assert name_key(first, last) == general_name_key(first, last)


@settings(max_examples=500, deadline=None)
@given(st.one_of(phone_like, ascii_text, st.text()))
def test_phone_key_ascii_path_matches_the_general_code(value):
    assert normalize_phone(value) == general_phone(value)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(email_like, st.emails()), max_size=4), st.lists(phone_like, max_size=3))
def test_record_keys_equal_normalising_every_value(emails, phones):
    record = PersonRecord("csv", "x.csv", 2, emails=tuple(emails), phones=tuple(phones))
    _url, email_keys, phone_keys = matching.record_keys(record)
    assert email_keys == tuple(dict.fromkeys(e for e in map(normalize_email, emails) if e))
    expected = {}
    for phone in phones:
        expected.setdefault(normalize_phone(phone), phone)
    assert phone_keys == tuple((p, k) for k, p in expected.items() if k)
