"""The whole benchmark suite at three sizes: one table, one JSON file under bench/results/.

Run with `python -m bench` (see bench/__main__.py); each area's module supplies its timed cases.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import bench_pages, bench_stream
from bench.builder import build
from bench.common import bench_app, logged_in, measure, ok, sizes_for

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
SIZES = (300, 3_000, 30_000)
QUICK_SIZES = (20, 60, 200)
NA = "not available"

# Rows in table order: (name, unit). "s" rows are one timed run per size, "ms" rows median/p95.
ROWS = (
    ("build database (bench/builder.py)", "s"),
    ("import LinkedIn export", "s"),
    ("csv→sqlite3 floor", "s"),
    ("import / floor", "x"),
    ("import peak RSS", "MB"),
    ("re-import (snapshot 2)", "s"),
    ("re-import / its floor", "x"),
    ("import Google CSV", "s"),
    ("Google CSV import / floor", "x"),
    ("import vCard", "s"),
    ("vCard import / floor", "x"),
    ("Today page", "ms"),
    ("contact list", "ms"),
    ("contact list search", "ms"),
    ("contact page", "ms"),
    ("stream first page", "ms"),
    ("stream search (rare word)", "ms"),
    ("stream search (common words)", "ms"),
    ("stream search (prefix pr*)", "ms"),
    ("log a touch", "ms"),
    ("crm rescore", "s"),
    ("duplicate suggestions", "s"),
)


def _missing() -> dict[str, str]:
    """Rows whose code has not been merged yet, with the reason shown in the table."""
    out = {}
    if importlib.util.find_spec("bench.bench_import") is None:
        for row in (
            "import LinkedIn export",
            "csv→sqlite3 floor",
            "import / floor",
            "import peak RSS",
            "re-import (snapshot 2)",
            "re-import / its floor",
        ):
            out[row] = f"{NA}: LinkedIn import (branch imports) not merged yet"
    if importlib.util.find_spec("bench.bench_today") is None:
        out["Today page"] = f"{NA}: Today (branch today) not merged yet"
    return out


def machine() -> dict:
    """Where the figures come from: absolute times only compare on the same machine."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = None
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_mb": mem,
        "commit": commit,
        "loadavg": os.getloadavg(),
    }


def rescore_seconds(app, folder: Path, path: str) -> tuple[str, float]:
    """`crm rescore` (a real process, first run: every score written) when Today has landed;
    until then the stream's derived refresh that it runs."""
    if not (ROOT / "crm" / "commands" / "today.py").exists():
        return "derived.refresh_all (until crm rescore lands)", bench_stream.refresh(app)
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(folder),
        "CRM_DATABASE": path,
        "CRM_SECRET_KEY": "b" * 40,
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from crm.cli import main; main()", "rescore"],
        env=env,
        check=True,
        capture_output=True,
    )
    return "a crm rescore process, first run", time.perf_counter() - started


def duplicate_seconds(app) -> dict:
    """One pass of the duplicate suggestions (bench/bench_duplicates.py) over this database."""
    from bench import bench_duplicates
    from crm.db import db

    with app.app_context():
        db.connect(reuse_if_open=True)
        seconds, found = bench_duplicates.measure()
        db.close()
    return {"seconds": round(seconds, 4), "pairs": len(found)}


def import_figures(contacts: int, folder: Path) -> dict[str, dict]:
    """The import benchmark at this size (connections = contacts, ten messages each), into an empty
    database as bench/bench_import.py does: each snapshot against its own floor."""
    from bench import bench_import

    figures = bench_import.run(contacts, contacts * 10, folder)
    first, second = figures["import"], figures["reimport"]
    return {
        "csv→sqlite3 floor": {"seconds": round(figures["floor1"]["seconds"], 2)},
        "import LinkedIn export": {"seconds": round(first["seconds"], 2)},
        "import peak RSS": {"mb": round(first["peak_rss_mb"], 1)},
        "import / floor": {"ratio": round(first["seconds"] / figures["floor1"]["seconds"], 2)},
        "re-import (snapshot 2)": {"seconds": round(second["seconds"], 2)},
        "re-import / its floor": {"ratio": round(second["seconds"] / figures["floor2"]["seconds"], 2)},
        # no import can beat this: the rows written into the app's schema by SQL alone
        "schema floor / floor": {
            "ratio": round(figures["schema1"]["seconds"] / figures["floor1"]["seconds"], 2)
        },
    }


def addressbook_figures(contacts: int) -> dict[str, dict]:
    """bench/bench_csv_import.py in its own process: as many Google CSV rows and vCards as
    contacts, into a database of that many; the whole import (plan, write, rescore) each."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_csv_import", "--rows", str(contacts), "--existing",
         str(contacts), "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout)
    out = {}
    for label, name in (("Google CSV", "Google CSV"), ("vCard", "vCard")):
        f = figures[label]
        out[f"import {name}"] = {"seconds": round(f["full"], 2)}
        out[f"{name} import / floor"] = {"ratio": round(f["full"] / f["floor"], 2)}
    return out


def run_size(contacts: int, runs: int, workdir: Path) -> dict[str, dict]:
    """Every available row at one size; returns row -> figures."""
    folder = workdir / f"c{contacts}"
    folder.mkdir()
    path = str(folder / "rapport.sqlite3")
    out: dict[str, dict] = {}
    if "import LinkedIn export" not in _missing():
        imports_folder = folder / "import"
        imports_folder.mkdir()
        out.update(import_figures(contacts, imports_folder))
    out.update(addressbook_figures(contacts))
    started = time.perf_counter()
    # History ends yesterday (as in bench_today), so nobody counts as done today on Today.
    yesterday = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)
    build(path, **sizes_for(contacts), now=yesterday)
    out["build database (bench/builder.py)"] = {"seconds": round(time.perf_counter() - started, 2)}
    app = bench_app(path, str(folder))
    label, seconds = rescore_seconds(app, folder, path)
    out["crm rescore"] = {"seconds": round(seconds, 3), "what": label}
    out["duplicate suggestions"] = duplicate_seconds(app)
    client, csrf = logged_in(app)
    # Today first: the touches logged below would count towards the daily goal and shorten it.
    cases = {"Today page": lambda: ok(client.get("/"))} if "Today page" not in _missing() else {}
    cases.update(bench_pages.cases(client, contacts))
    cases.update(bench_stream.cases(client, csrf, contacts))
    for name, fn in cases.items():
        out[name] = measure(fn, runs)
    return out


def run(sizes=SIZES, runs: int = 30, out_dir: Path = RESULTS, log=print) -> tuple[dict, Path]:
    """Run the suite at `sizes`; print the table, write the JSON and return (report, path)."""
    began = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = {
        "started_at": started_at.isoformat(),
        "machine": machine(),
        "method": "Flask test client in one process (whole app and templates, no sockets); "
        f"median and p95 of {runs} runs after 5 warm-up runs",
        "sizes": list(sizes),
        "runs": runs,
        "missing": _missing(),
        "results": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    try:
        for contacts in sizes:
            log(f"… {contacts:,} contacts")
            report["results"][str(contacts)] = run_size(contacts, runs, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["ratios"] = ratios(report)
    report["seconds"] = round(time.perf_counter() - began, 1)
    report["loadavg_after"] = os.getloadavg()
    log(table(report))
    log(
        f"load average before/after: {report['machine']['loadavg']} / {report['loadavg_after']} "
        f"on {report['machine']['cpus']} CPUs (other work on the machine skews absolute times)"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-{started_at:%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"\nwrote {path} ({report['seconds']:.0f} s in all)")
    return report, path


def _main_figure(figures: dict | None) -> float | None:
    if not figures:
        return None
    for key in ("median", "seconds", "ratio", "mb"):
        if key in figures:
            return figures[key]
    return None


def ratios(report: dict) -> dict[str, float]:
    """Each figure's largest size over its smallest (median, or seconds)."""
    sizes = [str(s) for s in report["sizes"]]
    out = {}
    for name, _unit in ROWS:
        first = _main_figure(report["results"].get(sizes[0], {}).get(name))
        last = _main_figure(report["results"].get(sizes[-1], {}).get(name))
        if first and last:
            out[name] = round(last / first, 2)
    return out


def _cell(figures: dict | None) -> str:
    if not figures:
        return "–"
    if "median" in figures:
        return f"{figures['median']:.1f} / {figures['p95']:.1f}"
    if "ratio" in figures:
        return f"{figures['ratio']:.2f}x"
    if "mb" in figures:
        return f"{figures['mb']:.0f}"
    seconds = figures["seconds"]
    return f"{seconds:.3f}" if seconds < 0.1 else f"{seconds:.2f}"


def table(report: dict) -> str:
    """The results as a Markdown table: one row per figure, one column per size, then the ratio."""
    sizes = [str(s) for s in report["sizes"]]
    results = report["results"]
    head = ["figure (ms: median / p95; s: one run)"] + [f"{int(s):,} contacts" for s in sizes]
    head.append(f"{int(sizes[-1]):,} / {int(sizes[0]):,}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, unit in ROWS:
        if name in report.get("missing", {}):
            lines.append(f"| {name} | " + " | ".join([report["missing"][name]] + [""] * len(sizes)) + " |")
            continue
        cells = [results.get(s, {}).get(name) for s in sizes]
        if not any(cells):
            continue
        first, last = _main_figure(cells[0]), _main_figure(cells[-1])
        ratio = f"{last / first:.2f}x" if first and last else "–"
        label = name + (f" ({unit})" if unit != "x" else "")
        what = next((c["what"] for c in cells if c and c.get("what")), "")
        if what:
            label += f" — {what}"
        lines.append(f"| {label} | " + " | ".join(_cell(c) for c in cells) + f" | {ratio} |")
    return "\n".join(lines)


def compare(old: dict, new: dict) -> str:
    """Median (or seconds) deltas per figure and size between two reports."""
    lines = [f"compared with {old.get('started_at')} ({old.get('machine', {}).get('commit', '?')}):"]
    if old.get("machine", {}).get("cpu_model") != new.get("machine", {}).get("cpu_model"):
        lines.append("  note: different CPU; only the ratios compare")
    for name, _unit in ROWS:
        for size in new["sizes"]:
            before = _main_figure(old.get("results", {}).get(str(size), {}).get(name))
            after = _main_figure(new.get("results", {}).get(str(size), {}).get(name))
            if before is None or after is None:
                continue
            delta = (after - before) / before * 100 if before else 0.0
            lines.append(f"  {name:<36} {int(size):>7,}  {before:9.4g} → {after:9.4g}  {delta:+6.1f}%")
    if len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  note")):
        lines.append(f"  nothing to compare: no figure at the same size (old sizes {old.get('sizes')})")
    return "\n".join(lines)
