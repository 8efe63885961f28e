"""Locale-free date parsing for export formats, HTML-to-text conversion and one-line excerpts."""

from __future__ import annotations

import datetime as dt
import html
import re
import warnings

from importers.base import clean_text

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
_ZONE = r"\s*(?P<zone>UTC|GMT|Z|[+-]\d{2}:?\d{2})?"
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?"
_PATTERNS = [
    # 2021-11-17 18:14:58 UTC, 2019-11-06T02:08:20, 2021/09/14 12:18:19 UTC
    re.compile(rf"(?P<y>\d{{4}})[-/](?P<m>\d{{1,2}})[-/](?P<d>\d{{1,2}})(?:[ T]+{_TIME}{_ZONE})?"),
    # 4/13/18, 2:52 AM (US order, 2- or 4-digit year)
    re.compile(rf"(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})/(?P<y>\d{{2}}|\d{{4}})(?:,?\s+{_TIME}{_ZONE})?"),
    # 17 Nov 2021
    re.compile(
        rf"(?P<d>\d{{1,2}})[ -](?P<mon>[A-Za-z]{{3,9}})\.?[ -](?P<y>\d{{4}})"
        rf"(?:,?\s+{_TIME}{_ZONE})?"
    ),
    # January 5, 2017, 3:04 PM
    re.compile(
        rf"(?P<mon>[A-Za-z]{{3,9}})\.? (?P<d>\d{{1,2}}),? (?P<y>\d{{4}})"
        rf"(?:,?\s+(?:at\s+)?{_TIME}{_ZONE})?"
    ),
    # Tue Sep 28 09:08:27 UTC 2021
    re.compile(rf"[A-Za-z]{{3}} (?P<mon>[A-Za-z]{{3}}) (?P<d>\d{{1,2}}) {_TIME}{_ZONE} (?P<y>\d{{4}})"),
]


def parse_datetime(value: str) -> dt.datetime | None:
    """Aware UTC datetime from any LinkedIn date form; times without a zone are taken as UTC."""
    text = " ".join((value or "").split())
    if not text or len(text) > 64:
        return None
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _build(match.groupdict())
    return None


def _build(g: dict[str, str | None]) -> dt.datetime | None:
    if g.get("mon"):
        month = _MONTHS.get(g["mon"].lower())  # type: ignore[union-attr]
        if month is None:
            return None
    else:
        month = int(g["m"])  # type: ignore[arg-type]
    year = int(g["y"])  # type: ignore[arg-type]
    if year < 100:
        year += 2000  # LinkedIn dates are all after 2003
    hour = int(g.get("H") or 0)
    minute = int(g.get("M") or 0)
    second = int(g.get("S") or 0)
    ampm = (g.get("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        stamp = dt.datetime(year, month, int(g["d"]), hour, minute, second)  # type: ignore[arg-type]
    except ValueError:
        return None
    zone = g.get("zone") or ""
    offset = dt.timedelta(0)
    if zone[:1] in "+-" and zone:
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    return (stamp - offset).replace(tzinfo=dt.UTC)


def parse_date(value: str) -> dt.date | None:
    """Calendar date from any LinkedIn date form."""
    stamp = parse_datetime(value)
    return stamp.date() if stamp else None


_HTML_HINT = re.compile(
    r"<\s*/?\s*(p|br|div|span|a|b|i|u|em|strong|ul|ol|li|script|style|img|h[1-6]|table|tr|td"
    r"|blockquote|pre|code|font|hr)\b[^>]*>|&(?:[a-z]{2,8}|#\d{1,6}|#x[0-9a-f]{1,6});",
    re.IGNORECASE,
)
_BLOCK_TAGS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre")


_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})"
    r"((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))?)*)\s*(/?)>"
)
_SILENT = frozenset(
    ("b", "i", "u", "em", "strong", "span", "font", "code", "small", "sup", "sub", "ul", "ol")
)
_BLOCKS = frozenset(_BLOCK_TAGS)
_ODD_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp|#\d{1,5});)")


def _simple_html(text: str) -> str | None:
    """What BeautifulSoup's get_text gives for plain formatting markup, or None to ask it.

    Only well-formed paragraphs, line breaks and inline emphasis qualify; anything else
    (scripts, comments, images, unbalanced blocks, stray "<") goes to the real parser.
    A property test checks this against BeautifulSoup.
    """
    if "&" in text and _ODD_ENTITY.search(text):
        return None
    out: list[str] = []
    open_tags: list[str] = []  # must nest exactly: html.parser restructures anything else
    pos = 0
    for match in _TAG.finditer(text):
        chunk = text[pos : match.start()]
        if "<" in chunk:
            return None
        out.append(chunk)
        closing, name, _attrs, selfclose = match.groups()
        name = name.lower()
        if name == "br":
            if closing:
                return None
            out.append("\n")
        elif (name not in _BLOCKS and name not in _SILENT) or selfclose:
            return None
        elif not closing:
            open_tags.append(name)
        elif open_tags and open_tags[-1] == name:
            open_tags.pop()
            if name in _BLOCKS:
                out.append("\n")
        else:
            return None
        pos = match.end()
    tail = text[pos:]
    if "<" in tail or open_tags:
        return None
    out.append(tail)
    return html.unescape("".join(out))


def html_to_text(value: str) -> str:
    """Plain text from a message body that may be HTML; script and style content is dropped."""
    text = clean_text(value)
    if not text or not _HTML_HINT.search(text):
        return _tidy(text)
    simple = _simple_html(text)
    if simple is not None:
        return _tidy(clean_text(simple.replace("\xa0", " ")))
    return _soup_text(text)


def _soup_text(text: str) -> str:
    from bs4 import BeautifulSoup  # imported late: most bodies are plain text

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "html.parser")
        for tag in soup(["script", "style", "head", "title", "template", "noscript"]):
            tag.decompose()
        for tag in soup.find_all("br"):
            tag.replace_with("\n")
        for tag in soup.find_all(_BLOCK_TAGS):
            tag.insert_after("\n")
        for link in soup.find_all("a", href=True):  # "case study" alone loses where it pointed
            href = str(link["href"]).strip()
            target = href.removeprefix("mailto:")
            if href.lower().startswith(("http://", "https://", "mailto:")) and target not in link.get_text():
                link.append(f" ({target})")
        out = soup.get_text()
    return _tidy(clean_text(out.replace("\xa0", " ")))


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def excerpt(text: str, limit: int = 140) -> str:
    """One line of at most `limit` characters, ending in an ellipsis when cut."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
