"""`python -m bench`: every benchmark at 300, 3,000 and 30,000 contacts (one table, JSON in bench/results/).

`--quick` runs tiny sizes (a smoke test); `--compare OLD.json` prints deltas; `--load` also runs
the loopback load test (bench/load.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few runs (smoke test)")
    parser.add_argument("--sizes", help="comma-separated contact counts (default 300,3000,30000)")
    parser.add_argument("--runs", type=int, help="timed runs per figure (default 30; 5 with --quick)")
    parser.add_argument("--out", type=Path, default=suite.RESULTS, help="folder for the JSON results")
    parser.add_argument("--compare", type=Path, metavar="OLD.json", help="print deltas against a run")
    parser.add_argument("--load", action="store_true", help="then run the load test (bench/load.py)")
    args = parser.parse_args(argv)
    if args.sizes:
        sizes = tuple(int(s) for s in args.sizes.split(","))
    else:
        sizes = suite.QUICK_SIZES if args.quick else suite.SIZES
    runs = args.runs or (5 if args.quick else 30)
    old = json.loads(args.compare.read_text()) if args.compare else None
    report, _path = suite.run(sizes, runs, args.out)
    if old:
        print(suite.compare(old, report))
    if args.load:
        from bench import load

        load.main([*(["--quick"] if args.quick else []), "--out", str(args.out)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
