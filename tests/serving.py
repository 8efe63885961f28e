"""Helpers for tests that start a real server process and talk to it over HTTP."""

from __future__ import annotations

import http.client
import http.cookies
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(
    base: str, proc: subprocess.Popen, timeout: float = 60, headers: dict | None = None
) -> str:
    """Poll /healthz until it answers 200 and return the body; fail fast on any other answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"server exited with {proc.returncode}:\n{out}")
        request = urllib.request.Request(base + "/healthz", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.read().decode()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"/healthz answered {exc.code}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"{base}/healthz did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> str:
    """SIGTERM the server (gunicorn shuts down gracefully) and return what it printed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.stdout.read() if proc.stdout else ""


def start(args: list[str], *, env: dict, cwd) -> subprocess.Popen:
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def clean_env(**extra: str) -> dict:
    """The environment minus anything that would point Python at the source checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


class Browser:
    """A tiny HTTP client that keeps cookies itself, so it can also act as the HTTPS proxy.

    With `proxy_headers` it sends what nginx or Caddy would (X-Forwarded-Proto: https and the
    public host), and it returns Secure cookies to the app the way a browser on HTTPS does.
    """

    def __init__(self, base: str, proxy_headers: dict | None = None):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.headers = dict(proxy_headers or {})
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> dict:
        headers = dict(self.headers)
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return {
            "status": response.status,
            "headers": response.headers,
            "text": data.decode("utf-8", "replace"),
            "size": len(data),
        }


def log_in_and_browse(base: str, password: str, proxy_headers: dict | None = None) -> dict:
    """Log in through the real form, then load Today and a static file."""
    browser = Browser(base, proxy_headers)
    page = browser.request("GET", "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page["text"]).group(1)
    login = browser.request("POST", "/login", {"password": password, "csrf_token": token})
    today = browser.request("GET", "/")
    css = browser.request("GET", "/static/css/app.css")
    return {"login": login, "today": today, "css": css, "cookies": dict(browser.cookies)}
