"""Screenshot every main screen at desktop and phone width (a look before calling work done).

Usage: python -m tests.browser.screenshots OUTDIR [--demo]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import scratch
from crm import create_app, migrations
from crm.db import db
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, LiveServer
from tests.conftest import PASSWORD

PAGES = [
    "/",
    "/contacts/",
    "/contacts/1",
    "/contacts/1/edit",
    "/contacts/1/brief",
    "/contacts/new",
    "/companies/",
    "/companies/1",
    "/stream",
    "/followups",
    "/imports",
    "/settings",
    "/contacts/trash",
    "/stream/new",
    "/stream/trash",
    "/duplicates/",
]


# Elements wider than the viewport, widest first: a phone screen that scrolls sideways is broken.
_OVERFLOW = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => [Math.round(e.getBoundingClientRect().right),
             e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')])
  .sort((a, b) => b[0] - a[0]).slice(0, 5)"""


def shot(page, path: str, full_page: bool = True) -> None:
    """Screenshot the page, and say so if it is wider than the viewport (which elements)."""
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    if wide:
        print(f"WIDER THAN THE SCREEN: {Path(path).name}: {page.evaluate(_OVERFLOW)}", file=sys.stderr)
    page.screenshot(path=path, full_page=full_page)


def main(out: str, extra: list[str]) -> None:
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    tmp = str(scratch("rapport-shots-"))
    path = f"{tmp}/rapport.sqlite3"
    migrations.migrate(path)
    app = create_app(
        {"DATA_DIR": tmp, "DATABASE": path, "SECRET_KEY": "s" * 40, "SESSION_COOKIE_SECURE": False}
    )
    from crm.services import auth, demo

    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        demo.load_demo()
        db.close()
    with LiveServer(app) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        for name, size in (("desktop", (1280, 900)), ("phone", (390, 844))):
            ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
            page = ctx.new_page()
            page.on("console", lambda m: print("console", m.type, m.text) if m.type == "error" else None)
            page.goto(live.url + "/login")
            shot(page, str(outdir / f"{name}-login.png"), full_page=False)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            for url in PAGES + extra:
                page.goto(live.url + url)
                slug = url.strip("/").replace("/", "-").replace("?", "_") or "today"
                shot(page, str(outdir / f"{name}-{slug}.png"))
            page.goto(live.url + "/duplicates/")
            page.click("text=Compare and merge >> nth=-1")  # the demo's job-change pair
            shot(page, str(outdir / f"{name}-duplicates-merge.png"))
            page.goto(live.url + "/duplicates/")
            page.click("button:has-text('Merge into')")  # the pair where nothing differs
            page.wait_for_selector("#duplicate-list .notice")
            shot(page, str(outdir / f"{name}-duplicates-merged.png"))
            page.click("#duplicate-list .notice >> text=Undo")  # as it was, for the next width
            page.click("button:has-text('Undo the merge')")
            page.wait_for_url("**/duplicates/?undone=*")
            page.click(".dup-bulk button")  # the demo's two sure pairs where nothing differs
            page.wait_for_selector("#duplicate-list .notice")
            shot(page, str(outdir / f"{name}-duplicates-merged-all.png"))
            page.click("#duplicate-list .notice >> text=Undo all")
            shot(page, str(outdir / f"{name}-duplicates-undo-all.png"))
            page.click("button:has-text('Undo all')")
            page.wait_for_url("**/duplicates/?undone_batch=*")
            import_screens(page, live, outdir, name, tmp)
            ctx.close()
        browser.close()


def import_screens(page, live, outdir: Path, name: str, tmp: str) -> None:
    """The import flow: progress while reading, the preview, progress while saving, history, and
    an import whose process ended early. The import runs in its own process, so the export is
    big enough for each phase to last a few polls of the progress page."""
    import os
    import signal

    from crm.services import import_jobs
    from tests.linkedin_export import build

    data, truth = build(3000, 60000, 2)
    export = Path(tmp) / truth["zip_name"]
    export.write_bytes(data)
    page.goto(live.url + "/imports")
    page.set_input_files("#f-file", str(export))
    page.click("text=Upload and preview")
    page.wait_for_selector(".progress-card")
    shot(page, str(outdir / f"{name}-imports-progress.png"))
    page.wait_for_selector(".confirm-card", timeout=60_000)
    shot(page, str(outdir / f"{name}-imports-preview.png"))
    page.click("text=Import now")
    page.wait_for_selector("text=Saving…", timeout=60_000)
    shot(page, str(outdir / f"{name}-imports-saving.png"))
    page.wait_for_selector("text=Imported as", timeout=120_000)
    shot(page, str(outdir / f"{name}-imports-done.png"))
    page.goto(live.url + "/imports")
    shot(page, str(outdir / f"{name}-imports-history.png"))

    page.set_input_files("#f-file", str(export))
    page.click("text=Upload and preview")
    page.wait_for_selector(".confirm-card", timeout=60_000)
    job = import_jobs.get(page.url.rstrip("/").rsplit("/", 1)[-1])
    os.kill(job.pid, signal.SIGKILL)
    while job.state == "ready":
        page.wait_for_timeout(50)
    page.reload()
    shot(page, str(outdir / f"{name}-imports-stopped.png"))

    unknown = Path(tmp) / "Contacts from ToolX.csv"
    unknown.write_text(
        "Complete name,E-mail address (work),Whatever column,Telephone\n"
        "Ada Lovelace,ada@engines.example,38,+44 20 7946 0001\n"
        "Alan Turing,alan@bletchley.example,44,\n"
    )
    page.goto(live.url + "/imports")
    page.set_input_files("#f-file", str(unknown))
    page.click("text=Upload and preview")
    page.wait_for_selector(".mapping-form", timeout=60_000)
    shot(page, str(outdir / f"{name}-imports-mapping.png"))
    import_jobs.cancel(page.url.rstrip("/").rsplit("/", 1)[-1])  # the next width uploads again


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
