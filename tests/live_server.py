"""The real production server (gunicorn) on loopback, plus a small HTTP client that logs in.

Used by the crash tests now and by the import chaos and upload tests later. The server runs in
its own process group so a test can SIGKILL master and workers together.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.serving import free_port

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "crm" / "gunicorn_conf.py"


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers, a worker's import process)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def production_site(tmp_path: Path, password: str, seed=None) -> tuple[dict[str, str], Path, object]:
    """A migrated database with an owner password and a 0600 secret key file, ready for gunicorn.

    Returns the CRM_* environment of a production configuration, the database path and what
    `seed(app)` returned (None without a seed function).
    """
    from crm import create_app, migrations
    from crm.db import db
    from crm.services import auth

    data = tmp_path / "data"
    data.mkdir()
    database = data / "rapport.sqlite3"
    secret = tmp_path / "secret_key"
    secret.write_text(os.urandom(32).hex())
    secret.chmod(0o600)
    migrations.migrate(str(database))
    app = create_app({"DATA_DIR": str(data), "DATABASE": str(database), "SECRET_KEY": secret.read_text()})
    seeded = seed(app) if seed else None
    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.set_password(password)
        db.close()
    env = {
        "CRM_ENV": "production",
        "CRM_DATA_DIR": str(data),
        "CRM_DATABASE": str(database),
        "CRM_SECRET_KEY_FILE": str(secret),
    }
    return env, database, seeded


class Gunicorn:
    """gunicorn serving `crm:create_app()` on 127.0.0.1 with the given CRM_* environment.

    crm/gunicorn_conf.py is used when the branch has it (the command-line bind wins), so the
    tests exercise the settings production runs with.
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 1,
        threads: int = 4,
        log_path: Path | None = None,
        extra: tuple[str, ...] = (),
    ):
        self.env = {k: v for k, v in os.environ.items() if k != "CRM_SECRET_KEY"} | env
        self.extra = extra
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "gunicorn"]
        if GUNICORN_CONF.exists():
            cmd += ["-c", str(GUNICORN_CONF)]
        cmd += [
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--threads", str(self.threads),
            "--graceful-timeout", "2",
            *self.extra,
            "crm:create_app()",
        ]  # fmt: skip
        return cmd

    def start(self, timeout: float = 20.0) -> Gunicorn:
        self.port = free_port()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die at once, nothing is flushed."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """A tiny HTTP client with a cookie jar and the page's CSRF token (no redirects followed).

    Not a browser: it sends the session cookie even when it is marked Secure, so a production
    configuration can be driven over plain http on loopback.
    """

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0):
        self.port = port
        self.host = host
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def upload(self, path: str, file_name: str, data: bytes):
        """POST one file as multipart/form-data (field `file`) with the CSRF token."""
        boundary = "rapporttest" + os.urandom(8).hex()
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.csrf}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def start_import(self, data: bytes, file_name: str = "export.zip") -> str:
        """Upload a file on the import page; returns the job's path (/imports/jobs/...)."""
        self.request("GET", "/imports")
        status, headers, body = self.upload("/imports", file_name, data)
        if status != 303:
            raise RuntimeError(f"the upload answered {status}: {body[:300]}")
        return re.sub(r"^https?://[^/]+", "", headers["Location"])

    def request(self, method: str, path: str, form: dict | bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            all_headers = {"Host": self.host, **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if isinstance(form, bytes):
                body = form
            elif form is not None:
                body = urlencode(form)
                all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
            for header in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            token = re.search(r'name="csrf_token" value="([^"]+)"', data)
            if token:
                self.csrf = token.group(1)
            return response.status, dict(response.getheaders()), data
        finally:
            conn.close()

    def log_in(self, password: str) -> None:
        self.request("GET", "/login")
        status, headers, _ = self.request("POST", "/login", {"password": password, "csrf_token": self.csrf})
        if status != 303:
            raise RuntimeError(f"login failed with {status}")
        self.request("GET", headers["Location"])

    def post(self, path: str, form: dict, headers: dict | None = None):
        return self.request("POST", path, {**form, "csrf_token": self.csrf}, headers)
