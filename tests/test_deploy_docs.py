"""docs/deploy.md cannot drift: its gunicorn command, settings file and units are run or checked."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests import serving

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDE = (DOCS / "deploy.md").read_text()
PASSWORD = "a long enough deploy password"
BIN = Path(sys.executable).parent


def marked_command(marker: str) -> str:
    """The first line of the code block right after `<!-- test:marker -->` in the guide."""
    match = re.search(rf"<!-- test:{marker} -->\s*```sh\n(.+?)\n```", GUIDE, re.S)
    assert match, f"deploy.md has no block marked test:{marker}"
    return match.group(1).strip()


def guide_commands() -> list[str]:
    """Every command line in the guide's sh blocks."""
    lines = []
    for block in re.findall(r"```sh\n(.+?)\n```", GUIDE, re.S):
        lines += [line.strip() for line in block.splitlines() if line.strip()]
    return lines


def env_file() -> dict:
    values = {}
    for line in (DOCS / "rapport.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert re.fullmatch(r"CRM_[A-Z_]+", key) and " " not in value, line
            values[key] = value
    return values


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DOCS / name).read_text())
    return parser


def production_env(tmp_path, port: int) -> dict:
    """docs/rapport.env as installed, with the data and secret moved into the temp dir."""
    secret = tmp_path / "secret_key"
    secret.write_text(os.urandom(32).hex() + "\n")
    secret.chmod(0o600)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    settings = env_file()
    settings.update(CRM_DATA_DIR=str(data), CRM_SECRET_KEY_FILE=str(secret), CRM_BIND=f"127.0.0.1:{port}")
    return serving.clean_env(PYTHONPATH=str(ROOT), PATH=f"{BIN}:{os.environ['PATH']}", **settings)


def crm(env: dict, cwd, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "crm") if (BIN / "crm").exists() else sys.executable,
            *([] if (BIN / "crm").exists() else ["-c", "from crm.cli import main; main()"]),
            *args,
        ],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_gunicorn_command_serves_the_app_behind_a_proxy(tmp_path):
    """The exact command and settings from the guide: init, password, serve, health, login, Today."""
    command = marked_command("gunicorn")
    assert command == "gunicorn -c python:crm.gunicorn_conf 'crm:create_app()'"
    port = serving.free_port()
    env = production_env(tmp_path, port)
    assert env["CRM_ENV"] == "production" and env["CRM_PROXY_COUNT"] == "1"
    assert crm(env, tmp_path, "init").returncode == 0
    done = crm(env, tmp_path, "set-password", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    argv = shlex.split(command)
    argv[0] = str(BIN / argv[0])
    proc = serving.start(argv, env=env, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        # The guide's local check: curl -s -H 'Host: crm.example.com' http://127.0.0.1:8000/healthz
        curl = marked_command("health")
        assert curl == "curl -s -H 'Host: crm.example.com' http://127.0.0.1:8000/healthz"
        health = serving.wait_for_health(base, proc, headers={"Host": "crm.example.com"})
        assert json.loads(health) == {"status": "ok"}
        # What Caddy or nginx add in front (CRM_PROXY_COUNT=1, CRM_ALLOWED_HOSTS=crm.example.com).
        proxy = {
            "Host": "crm.example.com",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Host": "crm.example.com",
        }
        visit = serving.log_in_and_browse(base, PASSWORD, proxy)
        assert visit["login"]["status"] == 303
        assert list(visit["cookies"]) == ["__Host-rapport"]  # Secure cookie, only sent over HTTPS
        today = BeautifulSoup(visit["today"]["text"], "html.parser")
        assert visit["today"]["status"] == 200
        assert "Today" in today.title.get_text()
        assert today.select_one("form[action='/logout'], form[action$='logout']") is not None
        assert visit["css"]["status"] == 200 and visit["css"]["size"] > 1000
        # A host the proxy would not forward is refused (CRM_ALLOWED_HOSTS).
        stranger = serving.Browser(
            base, {**proxy, "Host": "evil.example", "X-Forwarded-Host": "evil.example"}
        )
        assert stranger.request("GET", "/login")["status"] == 400
    finally:
        output = serving.stop(proc)
    assert "203.0.113.9" in output, "the access log should show the client address the proxy sent"
    assert PASSWORD not in output


def test_the_service_unit_is_hardened_and_runs_the_documented_command():
    service = unit("rapport.service")["Service"]
    assert service["ExecStart"] == "/opt/rapport/venv/bin/" + marked_command("gunicorn")
    assert service["ExecStartPre"] == "/opt/rapport/venv/bin/crm init"
    assert service["User"] == "rapport" and service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/rapport/rapport.env"
    for key, value in {
        "ProtectSystem": "strict",
        "ReadWritePaths": "/var/lib/rapport",
        "NoNewPrivileges": "true",
        "PrivateTmp": "true",
        "ProtectHome": "true",
        "UMask": "0077",
    }.items():
        assert service[key] == value, key


def test_the_backup_timer_runs_crm_backup_daily_as_the_service_user():
    service = unit("rapport-backup.service")["Service"]
    assert service["User"] == "rapport" and service["Type"] == "oneshot"
    assert shlex.split(service["ExecStart"])[:2] == ["/opt/rapport/venv/bin/crm", "backup"]
    assert service["ReadWritePaths"] == "/var/lib/rapport"
    timer = unit("rapport-backup.timer")["Timer"]
    assert timer["OnCalendar"].startswith("*-*-* ") and timer["Persistent"] == "true"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit_files(tmp_path):
    for name in ("rapport.service", "rapport-backup.service", "rapport-backup.timer"):
        shutil.copy(DOCS / name, tmp_path / name)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[str(p) for p in sorted(tmp_path.iterdir())]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Paths of this machine (no rapport user, no /opt/rapport) are expected to be missing; the
    # syntax and every key name must be understood.
    problems = [
        line
        for line in result.stderr.splitlines()
        if re.search(r"Unknown (key|section)|Failed to parse|bad unit|Invalid", line, re.I)
    ]
    assert not problems, result.stderr


def test_the_proxy_examples_overwrite_forwarded_headers_and_allow_import_uploads():
    settings = env_file()
    nginx = (DOCS / "nginx.conf").read_text()
    limit = int(settings["CRM_MAX_UPLOAD_MB"])
    assert f"client_max_body_size {limit}m;" in nginx
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "X-Forwarded-Host $host"):
        assert f"proxy_set_header {header};" in nginx
    assert "proxy_pass http://127.0.0.1:8000;" in nginx and "ssl_certificate " in nginx
    caddy = (DOCS / "Caddyfile").read_text()
    assert f"max_size {limit}MB" in caddy and "reverse_proxy 127.0.0.1:8000" in caddy
    assert settings["CRM_PROXY_COUNT"] == "1"


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_example(tmp_path):
    site = (DOCS / "nginx.conf").read_text()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=crm.example.com",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    site = site.replace("/etc/letsencrypt/live/crm.example.com/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/crm.example.com/privkey.pem", str(key))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n{site}\n}}\n")
    result = subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_crm_command_in_the_guide_exists_with_its_options():
    """Each `crm ...` / `rapport-crm ...` line names a real command and real options."""
    from click.testing import CliRunner

    from crm.cli import cli

    seen = set()
    for line in guide_commands():
        words = shlex.split(line.split("|")[0].split(">")[0].split("&&")[0])
        for tool in ("rapport-crm", "crm"):
            if tool in words:
                args = words[words.index(tool) + 1 :]
                break
        else:
            continue
        command = cli
        path = []
        while args and hasattr(command, "commands") and args[0] in command.commands:
            command = command.commands[args[0]]
            path.append(args.pop(0))
        assert path, f"unknown crm command in the guide: {line}"
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in args:
            if word.startswith("--"):
                assert word.split("=")[0] in known, f"{line}: {word} is not an option of crm {' '.join(path)}"
        assert CliRunner().invoke(cli, [*path, "--help"]).exit_code == 0
        seen.add(" ".join(path))
    assert {"init", "set-password", "check", "backup", "restore", "export json"} <= seen


def test_the_rapport_crm_helper_runs_crm_with_the_settings_file(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("runuser needs root")
    env_file_path = tmp_path / "rapport.env"
    data = tmp_path / "data"
    env_file_path.write_text(
        (DOCS / "rapport.env")
        .read_text()
        .replace("CRM_DATA_DIR=/var/lib/rapport", f"CRM_DATA_DIR={data}")
        .replace("CRM_SECRET_KEY_FILE=/etc/rapport/secret_key", f"CRM_SECRET_KEY_FILE={tmp_path / 'key'}")
    )
    (tmp_path / "key").write_text("k" * 64)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    # Stand-in for /opt/rapport/venv/bin/crm: this checkout's crm.
    (venv / "bin" / "crm").write_text(
        f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -c 'from crm.cli import main; main()' \"$@\"\n"
    )
    (venv / "bin" / "crm").chmod(0o755)
    env = serving.clean_env(RAPPORT_ENV_FILE=str(env_file_path), RAPPORT_VENV=str(venv), RAPPORT_USER="root")
    result = subprocess.run([str(DOCS / "rapport-crm"), "init"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (data / "rapport.sqlite3").exists()
    shown = subprocess.run([str(DOCS / "rapport-crm"), "config"], env=env, capture_output=True, text=True)
    assert "ENV = production" in shown.stdout and "PROXY_COUNT = 1" in shown.stdout
