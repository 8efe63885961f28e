"""Check the search index against a fresh index of the activity table, and a Python reference search."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata

from crm.services.search import search_key

TOKENIZER = "unicode61 remove_diacritics 2"


def index_drift(conn: sqlite3.Connection) -> dict[str, tuple[list, list]]:
    """Terms whose indexed keys differ from a rebuild of the activity table (empty when exact).

    The rebuild uses FTS5's own tokenizer and the Python `search_key`, so stale keys (a missed
    delete, an edit the triggers did not follow, a key computed differently in SQL) all show.
    Also reports a term missing from the prefix vocabulary as ("<vocabulary>", [term], []).
    """
    ref = sqlite3.connect(":memory:")
    ref.execute(f"CREATE VIRTUAL TABLE r USING fts5(summary, body, content='', tokenize='{TOKENIZER}')")
    ref.execute("CREATE VIRTUAL TABLE rv USING fts5vocab(r, row)")
    rows = conn.execute("SELECT id, occurred_at, summary, body FROM activity").fetchall()
    ref.executemany(
        "INSERT INTO r (rowid, summary, body) VALUES (?, ?, ?)",
        [(search_key(dt.datetime.fromisoformat(at), ident), s, b) for ident, at, s, b in rows],
    )
    terms = {t for (t,) in ref.execute("SELECT term FROM rv")}
    vocabulary = {t for (t,) in conn.execute("SELECT term FROM activity_search_term")}
    drift = {}
    for term in sorted(terms | vocabulary):
        quoted = '"' + term.replace('"', '""') + '"'
        have = [k for (k,) in conn.execute("SELECT rowid FROM activity_search(?) ORDER BY rowid", (quoted,))]
        want = [k for (k,) in ref.execute("SELECT rowid FROM r(?) ORDER BY rowid", (quoted,))]
        if have != want:
            drift[term] = (have, want)
    if terms - vocabulary:
        drift["<vocabulary>"] = (sorted(terms - vocabulary), [])
    ref.close()
    return drift


def fold(word: str) -> str:
    """A word as the tokenizer stores it, for the plain Latin test texts: lowercase, no accents."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(*texts: str) -> set[str]:
    return {fold(w) for text in texts for w in re.findall(r"[^\W_]+", text)}


def matches(query: str, words_in_text: set[str]) -> bool:
    """The stream's search semantics: every typed word present, the last one as a prefix."""
    typed = re.findall(r"\w+", query)[:8]
    folded = [fold(w) for w in typed]
    for i, word in enumerate(folded):
        if i == len(folded) - 1 and len(typed[-1]) >= 2:
            if not any(t.startswith(word) for t in words_in_text):
                return False
        elif word not in words_in_text:
            return False
    return True


def order_key(at: dt.datetime, ident: int) -> tuple[int, int]:
    """Search order, written independently of search_key: whole seconds (1970..2106), then id."""
    seconds = (at - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1)
    return (min(max(seconds, 0), 2**32 - 1), ident)
