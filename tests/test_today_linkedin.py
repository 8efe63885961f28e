"""Full stack: import LinkedIn snapshot 1 then 2, then `crm today --date` the day after the export."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json

import pytest

from crm.cli import cli
from crm.db import db

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("crm.services.linkedin_import") is None,
    reason="the LinkedIn import (branch imports) is not merged yet",
)


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)


def _awaiting(as_of: str) -> set[str]:
    """Profile URLs of people whose latest message before `as_of` is theirs (read from the data)."""
    rows = db.execute_sql(
        """SELECT c.linkedin_url,
                  MAX(CASE WHEN a.direction = 'in' THEN ac.occurred_at END),
                  MAX(CASE WHEN a.direction = 'out' THEN ac.occurred_at END)
           FROM contact c JOIN activity_contact ac ON ac.contact_id = c.id
           JOIN activity a ON a.id = ac.activity_id
           WHERE a.kind = 'message' AND a.deleted_at IS NULL AND ac.occurred_at <= ?
                 AND c.deleted_at IS NULL
           GROUP BY c.id""",
        (as_of,),
    ).fetchall()
    return {url for url, last_in, last_out in rows if last_in and (last_out is None or last_in > last_out)}


def test_job_changes_and_awaiting_replies_rank_above_people_with_no_reasons(app, tmp_path):
    from tests.linkedin_export import build

    first, _ = build(connections=60, messages=400, snapshot=1)
    second, truth = build(connections=60, messages=400, snapshot=2)
    for n, data in ((1, first), (2, second)):
        path = tmp_path / f"export-{n}.zip"
        path.write_bytes(data)
        result = run(app, "import", "linkedin", str(path))
        assert result.exit_code == 0, result.output
    day = (dt.datetime.fromisoformat(truth["exported_at"]) + dt.timedelta(days=1)).date()
    listed = json.loads(run(app, "today", "--date", day.isoformat(), "--limit", "10000", "--json").output)

    db.connect(reuse_if_open=True)
    everyone = {u for (u,) in db.execute_sql("SELECT linkedin_url FROM contact WHERE deleted_at IS NULL")}
    waiting = _awaiting(f"{day} 08:00:00")
    db.close()
    changed = {c["url"] for c in truth["job_changes"]} | {c["url"] for c in truth["promotions"]}
    assert changed and waiting

    by_url = {row["linkedin_url"]: row for row in listed}
    ranks = {row["linkedin_url"]: i for i, row in enumerate(listed)}
    assert all(row["reasons"] and row["score"] > 0 for row in listed)
    assert [r["score"] for r in listed] == sorted((r["score"] for r in listed), reverse=True)
    for url in changed:
        assert {"job_change", "promotion"} & {r["code"] for r in by_url[url]["reasons"]}, url
    for url in waiting:
        assert "awaiting_reply" in {r["code"] for r in by_url[url]["reasons"]}, url
    unlisted = everyone - set(by_url)
    assert unlisted, "some people have no reason to be contacted"
    last_wanted = max(ranks[u] for u in changed | waiting)
    assert last_wanted < len(listed)  # all above everyone with no reasons, who are not listed at all
