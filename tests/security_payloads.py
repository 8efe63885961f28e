"""Hostile inputs shared by the security tests (and, later, the import and XSS tests).

Keep each list flat and documented so new attack shapes are one line to add.
"""

from __future__ import annotations

from urllib.parse import quote

# After login the app must only ever redirect to a local path (P25).
OPEN_REDIRECTS_RAW = [
    "//evil.com",
    "//evil.com/",
    "/\\evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "/a/../\\evil.com",
    "/a/..//evil.com",
    "https://evil.com",
    "http:evil.com",
    "HTTPS://evil.com",
    "https:/evil.com",
    "%2F%2Fevil.com",
    "%2f%2fevil.com",
    "/%2F/evil.com",
    "%5C%5Cevil.com",
    "/%5Cevil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%09/evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "\t//evil.com",
    " //evil.com",
    "///evil.com",
    "////evil.com",
    "/ /evil.com",
    "//evil.com@good.example",
    "/\u3002/evil.com",
    "\uff0f\uff0fevil.com",
    "/\x7f/evil.com",
]
# Each payload also once and twice URL-encoded (a proxy or a careless decode may unwrap it).
OPEN_REDIRECTS = sorted(
    set(OPEN_REDIRECTS_RAW)
    | {quote(p, safe="") for p in OPEN_REDIRECTS_RAW}
    | {quote(quote(p, safe=""), safe="") for p in OPEN_REDIRECTS_RAW}
)

# Text that must always be shown as text (P15): used on forms now, on every import path later.
XSS_PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><script>window.__xss=1</script>',
    "<img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1>",
    "javascript:window.__xss=1",
    "data:text/html,<script>window.__xss=1</script>",
    '<a hx-get="/logout" hx-trigger="load">x</a>',
    '<div hx-post="/contacts/1/delete" hx-trigger="load"></div>',
    "{{7*7}}",
    "{% raw %}{{ config }}{% endraw %}",
    "${7*7}",
    "<style>body{display:none}</style>",
    '<div style="background:url(https://evil.com/x)">',
    "</textarea><script>window.__xss=1</script>",
    "'-alert(1)-'",
    "\u202egnp.exe",
]
