"""A regular (non-editable) install of the wheel serves the app, templates and static files included.

Builds the wheel, installs it into a fresh virtual environment (dependencies from PyPI), and
from a folder outside the checkout runs crm init, crm set-password and the documented gunicorn
command, then logs in over HTTP. Needs PyPI; skipped (loudly) when it cannot be reached, except
in CI (CI=1), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests import serving

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "wheel install password"

pytestmark = pytest.mark.slow


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


def sh(args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the built wheel installed; returns (venv, wheel)."""
    if not pypi_reachable():
        if os.environ.get("CI"):
            pytest.fail("PyPI is not reachable from CI")
        pytest.skip("PyPI is not reachable: cannot build the wheel in isolation or install its dependencies")
    work = tmp_path_factory.mktemp("packaging")
    # Build from a copy of what is tracked, so no build/ or stale files of the checkout leak in.
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("crm", "importers", "templates", "static"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    wheelhouse = work / "wheels"
    sh(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheelhouse), str(source)],
        env=serving.clean_env(PATH=os.environ["PATH"]),
    )
    wheel = next(wheelhouse.glob("rapport-*.whl"))
    venv = work / "venv"
    sh([sys.executable, "-m", "venv", str(venv)])
    sh(
        [str(venv / "bin" / "pip"), "install", "-q", str(wheel)],
        env=serving.clean_env(PATH=os.environ["PATH"]),
    )
    return venv, wheel


def test_the_wheel_carries_templates_static_files_and_migrations(installed):
    _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "crm/templates/base.html",
        "crm/templates/auth/login.html",
        "crm/static/css/app.css",
        "crm/static/vendor/htmx-2.0.11.min.js",
        "crm/migrations/0001_initial.sql",
        "crm/gunicorn_conf.py",
    ):
        assert name in names, name
    assert not any(n.startswith(("tests/", "docs/")) for n in names)


def test_an_installed_wheel_serves_the_app_from_outside_the_checkout(installed, tmp_path):
    venv, _ = installed
    bin_dir = venv / "bin"
    port = serving.free_port()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = serving.clean_env(
        PATH=f"{bin_dir}:/usr/bin:/bin",
        CRM_DATA_DIR=str(outside / "data"),
        CRM_SECURE_COOKIES="false",  # plain http on loopback in this test
        CRM_BIND=f"127.0.0.1:{port}",
    )
    where = sh([str(bin_dir / "python"), "-c", "import crm, sys; print(crm.__file__)"], env=env, cwd=outside)
    assert where.stdout.strip().startswith(str(venv)), "crm must come from the installed wheel"
    assert "0001_initial" in sh([str(bin_dir / "crm"), "init"], env=env, cwd=outside).stdout
    sh(
        [str(bin_dir / "crm"), "set-password", "--password-stdin"],
        env=env,
        cwd=outside,
        input=PASSWORD + "\n",
    )
    proc = serving.start(
        [str(bin_dir / "gunicorn"), "-c", "python:crm.gunicorn_conf", "crm:create_app()"],
        env=env,
        cwd=outside,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert '"ok"' in serving.wait_for_health(base, proc)
        visit = serving.log_in_and_browse(base, PASSWORD)
        assert visit["login"]["status"] == 303
        page = BeautifulSoup(visit["today"]["text"], "html.parser")
        assert visit["today"]["status"] == 200 and "Today" in page.title.get_text()
        assert page.select_one("script[src*='htmx']") is not None
        assert visit["css"]["status"] == 200 and visit["css"]["headers"]["Content-Type"].startswith(
            "text/css"
        )
    finally:
        output = serving.stop(proc)
    assert "Booting worker" in output
    assert (outside / "data" / "rapport.sqlite3").exists()
