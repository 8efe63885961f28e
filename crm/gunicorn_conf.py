"""Gunicorn settings for a 1 vCPU / 1 GB server: `gunicorn -c python:crm.gunicorn_conf 'crm:create_app()'`.

One worker process with four threads. SQLite takes one writer at a time whatever the process
count, a second process buys no CPU on one core but doubles memory (~80 MB each), and one
process keeps in-memory state (import progress, the password-hashing limit) in one place.
Threads keep pages answering while a long import or upload runs.
"""

from __future__ import annotations

import os

bind = os.environ.get("CRM_BIND", "127.0.0.1:8000")  # loopback: the reverse proxy is the front door
workers = 1
worker_class = "gthread"
threads = 4
timeout = 120  # a large LinkedIn export upload and import must not be killed mid-way
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle the worker now and then to bound slow memory growth
max_requests_jitter = 200  # (never while an import runs or waits: see pre_request below)
preload_app = False  # each worker opens its own database connections after the fork
forwarded_allow_ips = "127.0.0.1"  # only the local proxy may claim https / client addresses
accesslog = "-"  # stdout: systemd's journal keeps it (journalctl -u rapport)
errorlog = "-"
# The access log shows the client address the proxy reports, never cookies or query secrets.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "rapport"
# Gunicorn 25+ opens a control socket in $HOME, which the hardened unit makes read-only; we
# manage the process with systemd instead (older gunicorn ignores this name).
control_socket_disable = True


def on_starting(server):
    """Hold the server lock in the master too, so a worker restart never opens a gap for restore."""
    from crm import config, serverlock

    try:
        settings = config.load()
    except config.ConfigError:
        return  # the worker reports the problem clearly when it builds the app
    server.crm_server_lock = serverlock.hold_shared(settings["DATABASE"])


def pre_request(worker, req):
    """Hold off the max_requests recycle around imports: never on a request to the import pages
    (the upload that starts one, its commit), nor while one runs or waits for confirmation.

    An import belongs to this worker: the job lives in its memory, and the child process that
    holds the previewed plan and writes it dies with the worker. Recycling the worker would roll
    the import back and lose the preview, and the progress page polls every second. Gunicorn
    counts the request right after this hook, so keeping the count two below the limit defers
    the recycle to the first ordinary request after the import.
    """
    from crm.services import import_jobs

    if worker.nr >= worker.max_requests - 2 and (
        req.path.startswith("/imports") or import_jobs.current() is not None
    ):
        worker.nr = worker.max_requests - 2
