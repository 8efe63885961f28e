"""The parser's fast paths give exactly what the slow, general code gives."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st

from importers import linkedin, textutil

TAGS = ["p", "br", "b", "i", "em", "strong", "span", "a", "div", "li", "ul", "h2", "img", "script"]
piece = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab é&;<>\n\t\xa0#x1")), max_size=6),
    st.sampled_from(["&amp;", "&lt;", "&nbsp;", "&#233;", "&bogus;", "  "]),
    st.builds(
        lambda t, close, attr: f"<{'/' if close else ''}{t}{attr}>",
        st.sampled_from(TAGS),
        st.booleans(),
        st.sampled_from(["", ' class="x"', " href='y'", "/", ' data-a="1" ']),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(piece, max_size=12).map("".join))
@example("<b><p></b>1</p>1")  # crossed tags: html.parser moves the text, so the fast path must not
def test_simple_html_matches_beautifulsoup(body):
    fast = textutil._simple_html(textutil.clean_text(body))
    if fast is not None:
        expected = textutil._soup_text(textutil.clean_text(body))
        assert textutil._tidy(textutil.clean_text(fast.replace("\xa0", " "))) == expected


def test_simple_html_takes_the_common_shapes():
    body = "<p>Hi Ann,</p><p>Loved your post on <b>pipeline</b> &amp; more.</p><br/>Bye"
    assert textutil._simple_html(body) is not None
    assert (
        textutil.html_to_text(body)
        == textutil._soup_text(body)
        == ("Hi Ann,\nLoved your post on pipeline & more.\n\nBye")
    )
    assert textutil._simple_html("<p>x<script>alert(1)</script></p>") is None
    assert textutil.html_to_text("<p>x<script>alert(1)</script></p>") == "x"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_plain_body_fast_paths_match_general_code(text):
    body = linkedin._body(text)
    assert body == textutil.clean_text(text)
    assert linkedin._text(body) == textutil.html_to_text(body)
    assert linkedin._excerpt(linkedin._text(body)) == textutil.excerpt(textutil.html_to_text(body))


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_fast_datetime_matches_parse_datetime(when):
    text = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert linkedin._fast_datetime(text) == textutil.parse_datetime(text)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)), st.booleans())
def test_fast_date_matches_parse_date(day, padded):
    text = day.strftime("%d %b %Y") if padded else f"{day.day} {day:%b %Y}"
    assert linkedin._fast_date(text) == textutil.parse_date(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.text(max_size=24), st.sampled_from(["https://www.linkedin.com/in/", "https://www.linkedin.com/in/a"])
)
def test_canonical_url_fast_path_matches_the_normaliser(slug, prefix):
    from importers.base import normalize_linkedin_url

    value = prefix + slug
    assert linkedin.normalize_linkedin_url(value) == normalize_linkedin_url(value)


def test_fast_activity_records_are_complete_and_equal_to_normal_ones():
    from importers.base import ActivityRecord

    values = {f: None for f in linkedin._ACTIVITY_FIELDS} | {"source_key": "k", "people": ("a",)}
    fast = linkedin._activity(values)
    assert fast == ActivityRecord(**values) and hash(fast) == hash(ActivityRecord(**values))
    assert set(vars(fast)) == linkedin._ACTIVITY_FIELDS


@settings(max_examples=1500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab é\u0301\u00a0&<p>\n\t🎉\x85 ")), max_size=30)
    | st.text(max_size=30)
)
def test_message_content_fast_path_matches_the_general_code(raw):
    content = textutil.clean_text(raw)
    text = textutil.html_to_text(content)
    cleaned, plain = linkedin._content(raw)
    # text and summary are worked out when first read (a re-import reads neither)
    message = linkedin._message({"_content": cleaned, "_plain": plain, "_subject": "", "_attachments": ""})
    assert (cleaned, message.text, message.summary) == (content, text, textutil.excerpt(text) or "(no text)")


def test_a_link_keeps_its_address_as_text():
    """Found by QA: "Sharing the link: case study" lost https://example.com/case-study."""
    body = '<p>Sharing the link: <a href="https://example.com/case-study">case study</a></p>'
    assert textutil.html_to_text(body) == "Sharing the link: case study (https://example.com/case-study)"
    assert (
        textutil.html_to_text('<p>See <a href="https://x.io/a">https://x.io/a</a></p>')
        == "See https://x.io/a"
    )
    assert textutil.html_to_text('<p><a href="mailto:ann@x.io">Mail Ann</a></p>') == "Mail Ann (ann@x.io)"
    assert textutil.html_to_text('<p><a href="javascript:alert(1)">click</a></p>') == "click"
