"""Run in a subprocess by tests/test_hostile_uploads.py: upload each file through the real web flow.

Prints one JSON object per file: the job's message, seconds until refused, and the growth of
peak RSS (VmHWM, reset before each file through /proc/self/clear_refs) over the RSS before.
usage: python -m tests.hostile_probe DATA_DIR FILE...
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

from crm import create_app
from crm.db import db
from crm.services import auth
from tests.conftest import PASSWORD, login, token


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def main(data_dir: str, files: list[str]) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": data_dir,
            "DATABASE": str(Path(data_dir) / "rapport.sqlite3"),
            "SECRET_KEY": "probe-secret-0123456789abcdef0123",
            "SESSION_COOKIE_SECURE": False,
            "TIMEZONE": "UTC",
        }
    )
    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(PASSWORD)
        db.close()
    client = app.test_client()
    login(client)
    csrf = token(client)
    for path in files:
        body = Path(path).read_bytes()
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = _status_kb("VmRSS")
        started = time.perf_counter()
        response = client.post(
            "/imports",
            data={"file": (__import__("io").BytesIO(body), Path(path).name), "csrf_token": csrf},
            content_type="multipart/form-data",
        )
        location = response.headers.get("Location", "")
        html, state = "", "no job"
        while location and time.perf_counter() - started < 30:
            html = client.get(location + "/status", headers={"HX-Request": "true"}).get_data(as_text=True)
            if 'hx-trigger="every 1s"' not in html:
                state = "ready" if "/commit" in html else "failed"
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        text = " ".join(
            BeautifulSoup(html or response.get_data(as_text=True), "html.parser").get_text().split()
        )
        print(
            json.dumps(
                {
                    "file": Path(path).name,
                    "status": response.status_code,
                    "state": state,
                    "seconds": seconds,
                    "growth_mb": (_status_kb("VmHWM") - before) / 1024,
                    "text": text,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
