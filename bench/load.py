"""Load on loopback: the production gunicorn setup with 30,000 contacts, a page mix and a heavy import.

Run: python -m bench.load [--users 10] [--seconds 60] [--db PREBUILT.sqlite3]   (or python -m bench --load)
Prints requests per second, p50/p95/p99 per page, every error, peak memory per gunicorn process,
and whether every acknowledged touch is in the database afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

from bench import common, suite
from bench.builder import WORDS, build
from crm import migrations
from tests.conftest import PASSWORD
from tests.live_server import Gunicorn, child_pids

# The mix: (page, weight). A morning session: Today and people, some searching, some writing.
MIX = (
    ("Today", 15),
    ("contact list", 10),
    ("contact list search", 10),
    ("contact page", 20),
    ("stream", 15),
    ("stream search", 10),
    ("log a touch", 15),
    ("complete a follow-up", 5),
)
TOUCH_MARK = "load touch"


class PinnedGunicorn(Gunicorn):
    """The production server pinned to the given CPUs (`taskset`), like the 1 vCPU box."""

    def __init__(self, env: dict[str, str], cpus: set[int] | None, **kwargs):
        super().__init__(env, **kwargs)
        self.cpus = cpus

    def command(self) -> list[str]:
        if not self.cpus or not shutil.which("taskset"):
            return super().command()
        return ["taskset", "-c", ",".join(map(str, sorted(self.cpus))), *super().command()]


class KeepAliveClient:
    """One user's HTTP/1.1 connection (keep-alive), cookie jar and CSRF token; not a browser.

    It sends the Secure session cookie over plain http, which only a loopback test may do.
    """

    def __init__(self, port: int, cookies: dict | None = None, csrf: str = ""):
        self.port = port
        self.cookies = dict(cookies or {})
        self.csrf = csrf
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self.conn

    def close(self) -> None:
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        """(status, headers, body text); a GET is retried once on a connection the server closed."""
        all_headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if method != "GET" or attempt == 2:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', data)
        if token:
            self.csrf = token.group(1)
        return response.status, response.headers, data

    def request_bytes(self, method: str, path: str, body: bytes, content_type: str):
        """A request with a ready-made body (a multipart upload); no retry."""
        headers = {"Host": "127.0.0.1", "Content-Type": content_type}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = self._connection()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        return response.status, response.headers, data

    def log_in(self, password: str) -> None:
        self.request("GET", "/login")
        status, headers, _ = self.request("POST", "/login", {"password": password, "csrf_token": self.csrf})
        if status != 303:
            raise RuntimeError(f"login failed with {status}")
        self.request("GET", headers["Location"])
        self.request("GET", "/contacts/new")  # a page with a form: the CSRF token for the session


class Recorder:
    """Thread-safe latencies, errors and acknowledged touches."""

    def __init__(self, budget: int):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[dict] = []
        self.acknowledged: list[str] = []
        self.completed: list[int] = []
        self.left = budget

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True

    def record(self, page: str, ms: float, status: int | None, body: str, expected: int = 200) -> bool:
        with self.lock:
            self.times[page].append(ms)
            if status != expected:
                excerpt = re.sub(r"\s+", " ", body)[:240]
                self.errors.append({"page": page, "status": status, "ms": round(ms, 1), "body": excerpt})
                return False
            return True


def _user(port, cookies, csrf, contacts, followups, recorder, deadline, think, seed):
    """One simulated user: pick a page from the mix, request it, think, repeat until done."""
    rng = random.Random(seed)
    client = KeepAliveClient(port, cookies, csrf)
    pages, weights = zip(*MIX, strict=True)
    htmx = {"HX-Request": "true"}
    n = 0
    while time.monotonic() < deadline and recorder.take():
        page = rng.choices(pages, weights)[0]
        n += 1
        method, form, headers = "GET", None, None
        if page == "Today":
            path = "/"
        elif page == "contact list":
            path = f"/contacts/?page={rng.randint(1, 5)}"
        elif page == "contact list search":
            path, headers = "/contacts/?q=" + rng.choice(WORDS)[: rng.randint(2, 6)], htmx
        elif page == "contact page":
            path = f"/contacts/{rng.randint(1, contacts)}"
        elif page == "stream":
            path = "/stream/"
        elif page == "stream search":
            term = rng.choice([f"topic{rng.randrange(5000)}", rng.choice(WORDS), rng.choice(WORDS)[:3]])
            path = f"/stream/?q={term}"
        elif page == "log a touch":
            marker = f"{TOUCH_MARK} {seed}-{n}"
            method, path, headers = "POST", "/stream/touches", htmx
            form = {"contact_id": rng.randint(1, contacts), "kind": "call", "when": "now", "text": marker}
        else:
            with recorder.lock:
                followup = followups.pop() if followups else None
            if followup is None:
                continue
            method, path, headers = "POST", f"/followups/{followup}/done", htmx
            form = {}
        if form is not None:
            form["csrf_token"] = client.csrf
        started = time.perf_counter()
        try:
            status, _, body = client.request(method, path, form, headers)
        except (OSError, http.client.HTTPException) as exc:
            status, body = None, f"{type(exc).__name__}: {exc}"
            client.close()
        ok = recorder.record(page, (time.perf_counter() - started) * 1000, status, body)
        if ok and page == "log a touch":
            with recorder.lock:
                recorder.acknowledged.append(marker)
        elif ok and page == "complete a follow-up":
            with recorder.lock:
                recorder.completed.append(followup)
        if think:
            time.sleep(rng.uniform(0, 2 * think))
    client.close()


def simulated_import(path: str, messages: int, burst: int, seconds: float, out, cpus) -> None:
    """Heavy concurrent writes standing in for the import: `messages` activities, `burst` per write
    transaction (BEGIN IMMEDIATE, FTS triggers and links included), in a separate process."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("PRAGMA synchronous=full")
    contacts = con.execute("SELECT max(id) FROM contact").fetchone()[0]
    rng = random.Random(7)
    holds, done, started = [], 0, time.perf_counter()
    stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    while done < messages and time.perf_counter() - started < seconds:
        rows = []
        for i in range(done, min(messages, done + burst)):
            at = (stamp - dt.timedelta(minutes=rng.randrange(1, 10**6))).strftime("%Y-%m-%d %H:%M:%S.%f")
            text = " ".join(rng.choice(WORDS) for _ in range(12))
            rows.append((at, f"load-import-{i}", text[:140], text, at, at, rng.randint(1, contacts)))
        began = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        for at, key, summary, body, created, updated, contact in rows:
            cur = con.execute(
                "INSERT INTO activity (kind, occurred_at, direction, origin, source, source_key, summary,"
                " body, created_at, updated_at) VALUES ('message', ?, 'in', 'imported', 'linkedin', ?, ?,"
                " ?, ?, ?)",
                (at, key, summary, body, created, updated),
            )
            con.execute(
                "INSERT INTO activity_contact (activity_id, contact_id, occurred_at) VALUES (?, ?, ?)",
                (cur.lastrowid, contact, at),
            )
        con.execute("COMMIT")
        holds.append((time.perf_counter() - began) * 1000)
        done += len(rows)
        time.sleep(0.005)  # let a waiting writer in between bursts, as a chunked import would
    con.close()
    out.put(
        {
            "kind": "simulated",
            "messages": done,
            "seconds": round(time.perf_counter() - started, 1),
            "burst_rows": burst,
            "lock_hold_ms": common.summary(holds) | {"max": round(max(holds), 1) if holds else None},
        }
    )


class SimulatedImport:
    """The simulated import in its own process; `finish` waits for it and returns its figures."""

    def __init__(self, args, path: Path):
        self.args = args
        self.results: multiprocessing.Queue = multiprocessing.Queue()
        self.process = multiprocessing.Process(
            target=simulated_import,
            args=(str(path), args.messages, args.burst, args.seconds, self.results, args.server_cpus),
            daemon=True,
        )
        self.process.start()

    def finish(self) -> dict:
        self.process.join(timeout=max(5.0, self.args.seconds))
        if self.results.empty():
            return {"kind": "simulated", "unfinished": True}
        return self.results.get(timeout=5)


class WebImport:
    """The real LinkedIn import, uploaded through the web flow of the server under load.

    A thread uploads the export, waits for the preview, presses "Import now" and waits for the
    end; the timings are server-side phases as a user would see them.
    """

    def __init__(self, args, port: int, cookies: dict, export: Path):
        self.args, self.export = args, export
        self.client = KeepAliveClient(port, cookies)
        self.result: dict = {"kind": "web", "file_mb": round(export.stat().st_size / 1e6, 1)}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _wait(self, job_url: str, done_marker: str) -> str:
        deadline = time.monotonic() + self.args.import_timeout
        while time.monotonic() < deadline:
            status, _, body = self.client.request("GET", job_url + "/status", headers={"HX-Request": "true"})
            if status != 200 or 'data-state="failed"' in body:
                raise RuntimeError(f"import job answered {status}: {re.sub(r'<[^>]+>', ' ', body)[:300]}")
            peak = import_process_peak()
            if peak > self.result.get("process_peak_mb", 0):
                self.result["process_peak_mb"] = peak
            if done_marker in body:
                return body
            time.sleep(0.25)
        raise TimeoutError(f"import did not reach {done_marker!r} in {self.args.import_timeout} s")

    def _run(self) -> None:
        try:
            self.client.request("GET", "/imports")
            boundary = "rapportbench" + secrets.token_hex(8)
            body = (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                    f'{self.client.csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                    f'filename="{self.export.name}"\r\nContent-Type: application/zip\r\n\r\n'
                ).encode()
                + self.export.read_bytes()
                + f"\r\n--{boundary}--\r\n".encode()
            )
            started = time.perf_counter()
            status, headers, text = self.client.request_bytes(
                "POST", "/imports", body, f"multipart/form-data; boundary={boundary}"
            )
            if status != 303:
                raise RuntimeError(f"upload answered {status}: {text[:300]}")
            job_url = headers["Location"].replace("http://127.0.0.1", "")
            self.result["upload_s"] = round(time.perf_counter() - started, 2)
            self._wait(job_url, "Ready to import")
            self.result["preview_s"] = round(time.perf_counter() - started, 2)
            self.client.request("GET", job_url)
            committed = time.perf_counter()
            status, _, text = self.client.request(
                "POST", job_url + "/commit", {"csrf_token": self.client.csrf}
            )
            if status != 303:
                raise RuntimeError(f"commit answered {status}: {text[:300]}")
            self._wait(job_url, "Imported as #")
            self.result["commit_s"] = round(time.perf_counter() - committed, 2)
            self.result["seconds"] = round(time.perf_counter() - started, 2)
        except Exception as exc:  # reported, never hidden: the run goes on and says what failed
            self.result["error"] = f"{type(exc).__name__}: {exc}"

    def finish(self) -> dict:
        self.thread.join(timeout=self.args.import_timeout)
        if self.thread.is_alive():
            self.result["unfinished"] = True
        return self.result


def import_process_peak() -> float:
    """VmHWM in MB of the import's own process (crm.services.import_jobs), 0 when none runs."""
    peak = 0.0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"import child_main" not in cmdline.read_bytes():
                continue
            status = (cmdline.parent / "status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        if found:
            peak = max(peak, round(int(found[1]) / 1024, 1))
    return peak


def web_import_available() -> bool:
    """True once the LinkedIn import's web flow (branch imports) is in this checkout."""
    root = Path(__file__).resolve().parents[1]
    return (root / "crm" / "views" / "imports.py").exists() and (
        root / "tests" / "linkedin_export.py"
    ).exists()


def make_export(folder: Path, connections: int, messages: int) -> Path:
    """The import benchmark's deterministic LinkedIn export (snapshot 1) as a ZIP file."""
    from tests.linkedin_export import build as build_export

    data, truth = build_export(connections, messages, 1)
    path = folder / truth["zip_name"]
    path.write_bytes(data)
    return path


def floor_seconds(export: Path, folder: Path) -> float | None:
    """The stdlib csv→sqlite3 floor for the same export, in its own process (bench_import)."""
    try:
        from bench import bench_import
    except ImportError:
        return None
    return bench_import._child(["floor", str(export), str(folder / "floor.sqlite3")])["seconds"]


class NoImport:
    def finish(self) -> dict:
        return {"kind": "none"}


def start_import(args, path: Path, port: int = 0, cookies: dict | None = None, export: Path | None = None):
    """Start the concurrent import the run asks for: the real web upload when it exists."""
    if not args.messages:
        return NoImport()
    if export is not None:
        return WebImport(args, port, cookies or {}, export)
    return SimulatedImport(args, path)


def process_memory(master_pid: int) -> dict[str, dict]:
    """VmHWM (peak) and VmRSS of the gunicorn master and each of its workers, in MB."""
    pids = [master_pid, *child_pids(master_pid)]
    out = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        values = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.M))
        role = "master" if pid == master_pid else f"worker {pid}"
        out[role] = {k: round(int(v) / 1024, 1) for k, v in values.items()}
    return out


def prepare(folder: Path, prebuilt: Path | None, contacts: int) -> Path:
    """The database to serve: a copy of a prebuilt one, or a fresh build; derived fields computed."""
    path = folder / "rapport.sqlite3"
    if prebuilt:
        src = sqlite3.connect(prebuilt)
        dst = sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
        migrations.migrate(str(path))  # a database built by an older checkout gets newer migrations
    else:
        build(path, **common.sizes_for(contacts))
    from bench.bench_stream import refresh

    app = common.bench_app(str(path), str(folder))
    refresh(app)
    return path


def check_writes(path: Path, recorder: Recorder) -> dict:
    """Every acknowledged touch and follow-up completion is in the database afterwards."""
    con = sqlite3.connect(path)
    stored = {
        row[0]
        for row in con.execute(
            "SELECT body FROM activity WHERE body LIKE ? AND deleted_at IS NULL", (TOUCH_MARK + " %",)
        )
    }
    done = {row[0] for row in con.execute("SELECT id FROM follow_up WHERE done_at IS NOT NULL")}
    con.close()
    lost = [m for m in recorder.acknowledged if m not in stored]
    lost_done = [f for f in recorder.completed if f not in done]
    return {
        "touches_acknowledged": len(recorder.acknowledged),
        "touches_lost": lost,
        "followups_completed": len(recorder.completed),
        "followups_lost": lost_done,
    }


def run(args) -> dict:
    """Serve, load, import, measure, check; returns the report."""
    folder = Path(tempfile.mkdtemp(prefix="rapport-load-"))
    try:
        return _run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(args, folder: Path) -> dict:
    print(f"preparing {args.contacts:,} contacts in {folder} …")
    path = prepare(folder, args.db, args.contacts)
    secret = folder / "secret_key"
    secret.write_text(secrets.token_hex(32))
    secret.chmod(0o600)
    env = {
        "CRM_ENV": "production",
        "CRM_SECRET_KEY_FILE": str(secret),
        "CRM_DATA_DIR": str(folder),
        "CRM_DATABASE": str(path),
    }
    export, floor = None, None
    if args.messages and not args.simulate and web_import_available():
        export = make_export(folder, args.connections, args.messages)
        floor = floor_seconds(export, folder)
        print(f"export {export.name}: {export.stat().st_size / 1e6:.1f} MB; floor {floor:.2f} s")
    log_path = folder / "gunicorn.log"
    server = PinnedGunicorn(env, args.server_cpus, log_path=log_path).start()
    if args.client_cpus:
        os.sched_setaffinity(0, args.client_cpus)
    load_before = os.getloadavg()
    report: dict = {"started_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()}
    try:
        login = KeepAliveClient(server.port)
        login.log_in(PASSWORD)
        for _ in range(3):  # warm-up: templates compiled and caches filled before the clock starts
            for url in (
                "/",
                "/contacts/",
                "/contacts/?q=pr",
                "/contacts/1",
                "/stream/",
                "/stream/?q=pricing",
            ):
                login.request("GET", url)
        con = sqlite3.connect(path)
        open_followups = [r[0] for r in con.execute("SELECT id FROM follow_up WHERE done_at IS NULL")]
        con.close()
        random.Random(3).shuffle(open_followups)
        recorder = Recorder(args.requests)
        importer = start_import(args, path, server.port, login.cookies, export)
        started = time.monotonic()
        deadline = started + args.seconds
        users = [
            threading.Thread(
                target=_user,
                args=(server.port, login.cookies, login.csrf, args.contacts, open_followups, recorder,
                      deadline, args.think, seed),
            )
            for seed in range(args.users)
        ]  # fmt: skip
        for user in users:
            user.start()
        for user in users:
            user.join()
        elapsed = time.monotonic() - started
        imported = importer.finish()
        if floor and imported.get("seconds"):
            imported["floor_s"] = round(floor, 2)
            imported["x_floor"] = round(imported["seconds"] / floor, 2)
        memory = process_memory(server.proc.pid)
    finally:
        server.stop()
    log = log_path.read_text(errors="replace")
    total = sum(len(t) for t in recorder.times.values())
    report.update(
        {
            "machine": suite.machine(),
            "server": "gunicorn -c crm/gunicorn_conf.py (1 worker, 4 gthread threads), CRM_ENV=production, "
            f"127.0.0.1, pinned to CPU {sorted(args.server_cpus or [])} with the import, "
            f"client on CPU {sorted(args.client_cpus or [])}",
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
            "client": f"{args.users} threads, http.client keep-alive, "
            f"think time uniform 0–{2 * args.think:g} s, "
            f"budget {args.requests} requests, cap {args.seconds:g} s",
            "contacts": args.contacts,
            "seconds": round(elapsed, 1),
            "requests": total,
            "rps": round(total / elapsed, 1),
            "pages": {page: common.summary(times) for page, times in sorted(recorder.times.items())},
            "errors": recorder.errors,
            "import": imported,
            "memory_mb": memory,
            "writes": check_writes(path, recorder),
            "server_log": {
                "database is locked": log.count("database is locked"),
                "tracebacks": log.count("Traceback"),
                "500 responses": len(re.findall(r'" 500 ', log)),
            },
        }
    )
    return report


def render(report: dict) -> str:
    """The report as text (Markdown tables)."""
    lines = [
        f"Load: {report['requests']} requests in {report['seconds']} s = {report['rps']} req/s "
        f"({report['client']}; {report['server']})",
        "",
        "| page | requests | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for page, s in report["pages"].items():
        lines.append(f"| {page} | {s['runs']} | {s['median']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} |")
    imp = report["import"]
    lines.append("")
    if imp.get("kind") == "simulated":
        hold = imp.get("lock_hold_ms", {})
        lines.append(
            f"Import (simulated: a separate process writing {imp.get('messages')} messages in write "
            f"transactions of {imp.get('burst_rows')} rows): {imp.get('seconds')} s; write lock held "
            f"median {hold.get('median')} ms, max {hold.get('max')} ms per burst"
        )
    elif imp.get("kind") == "none":
        lines.append("Import: none (baseline run)")
    else:
        lines.append(
            f"Import (real, uploaded through the web flow while serving): {imp.get('file_mb')} MB export, "
            f"preview done after {imp.get('preview_s')} s, commit {imp.get('commit_s')} s, total "
            f"{imp.get('seconds')} s = {imp.get('x_floor')}x the csv→sqlite3 floor ({imp.get('floor_s')} s)"
            + (f"; import process peak {imp['process_peak_mb']} MB" if imp.get("process_peak_mb") else "")
            + (f"; ERROR {imp['error']}" if imp.get("error") else "")
            + ("; UNFINISHED" if imp.get("unfinished") else "")
        )
    mem = ", ".join(f"{role} peak {m.get('VmHWM')} MB" for role, m in report["memory_mb"].items())
    lines.append(f"Memory (VmHWM): {mem}")
    w = report["writes"]
    lines.append(
        f"Writes: {w['touches_acknowledged']} touches acknowledged, {len(w['touches_lost'])} lost; "
        f"{w['followups_completed']} follow-ups completed, {len(w['followups_lost'])} lost"
    )
    lines.append(f"Server log: {report['server_log']}")
    lines.append(
        f"Load average before/after (other work on the machine): {report['loadavg_before']} / "
        f"{report['loadavg_after']}"
    )
    lines.append(f"Errors: {len(report['errors'])}")
    for error in report["errors"][:50]:
        lines.append(f"  {error['page']}: {error['status']} after {error['ms']} ms: {error['body'][:160]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--db", type=Path, help="serve a copy of this prebuilt database instead of building")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between requests (s)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and client to CPUs")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--requests", type=int, default=20_000, help="request budget for the whole run")
    parser.add_argument("--messages", type=int, default=300_000, help="messages the import writes (0: none)")
    parser.add_argument("--connections", type=int, default=30_000, help="connections in the import")
    parser.add_argument(
        "--simulate", action="store_true", help="simulated import even if the real one exists"
    )
    parser.add_argument("--import-timeout", type=float, default=300.0, help="longest wait for the import (s)")
    parser.add_argument("--burst", type=int, default=2_000, help="rows per simulated import transaction")
    parser.add_argument("--quick", action="store_true", help="small and short (smoke test)")
    parser.add_argument("--out", type=Path, default=suite.RESULTS)
    args = parser.parse_args(argv)
    two = (os.cpu_count() or 1) >= 2 and not args.no_pin
    # Server and import share CPU 0 (the 1 vCPU box); the load generator gets CPU 1.
    args.server_cpus, args.client_cpus = ({0}, {1}) if two else (None, None)
    if args.quick:
        args.contacts, args.seconds, args.requests = 200, 5.0, 300
        args.connections, args.messages = 200, 2_000
    report = run(args)
    print(render(report))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"load-{report['started_at'].replace(':', '').replace('-', '')[:15]}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")
    return report


if __name__ == "__main__":
    main()
