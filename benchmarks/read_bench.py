"""Reading a large pool: how long `load_inputs` takes and how much memory it holds, and (with --select)
the whole `selector select` run, on a pool generated in a temporary folder (nothing big is committed).

The pool comes from benchmarks/generate.py (the Fuxin rule set, seeded, every attribute and about 2%
eligibility defects), at --rows candidates (default 200,000). Each measurement runs in a child process of
its own, so its peak RSS is its own. Prints one line per measurement; no assertion (speed is not a test).

Usage: python benchmarks/read_bench.py [--rows 200000] [--seed 1] [--select] [--xlsx]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

READ = """
import sys, time, resource
from selector.pipeline import load_inputs
start = time.perf_counter()
inputs = load_inputs(sys.argv[1], {"individuals": sys.argv[2], "collectives": sys.argv[3]})
took = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(inputs.pools['individuals'])} {took:.2f} {rss:.0f}")
"""


def to_xlsx(csv_path: Path, xlsx_path: Path) -> None:
    import csv

    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("个人")
    with csv_path.open(encoding="utf-8") as f:
        for row in csv.reader(f):
            ws.append(row)
    wb.save(xlsx_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--select", action="store_true", help="also time `selector select` end to end")
    parser.add_argument("--xlsx", action="store_true", help="also read the pool saved as XLSX")
    args = parser.parse_args()
    import generate

    with tempfile.TemporaryDirectory() as d:
        size = generate.Size(f"{args.rows}", args.rows, 3000, 120)
        case = generate.generate(size, args.seed, Path(d) / "case")
        print(f"pool: {args.rows:,} candidates, {case.individuals.stat().st_size / 1e6:.1f} MB CSV")
        pools = [("csv", case.individuals)]
        if args.xlsx:
            xlsx = case.individuals.with_suffix(".xlsx")
            to_xlsx(case.individuals, xlsx)
            pools.append(("xlsx", xlsx))
        for kind, pool in pools:
            res = subprocess.run([sys.executable, "-c", READ, str(case.rules), str(pool), str(case.collectives)],
                                 capture_output=True, text=True, check=True)
            n, took, rss = res.stdout.split()
            print(f"read ({kind}): {int(n):,} candidates in {float(took):.1f} s, peak RSS {float(rss):.0f} MB")
        if args.select:
            out = Path(d) / "out"
            start = time.perf_counter()
            res = subprocess.run([sys.executable, "-m", "selector.interfaces.cli", "select", "--rules", str(case.rules),
                                  "--pool", f"individuals={case.individuals}",
                                  "--pool", f"collectives={case.collectives}", "--out", str(out), "--no-plots"],
                                 capture_output=True, text=True)
            took = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"select: exit {res.returncode} in {took:.1f} s, peak RSS of the largest child {rss:.0f} MB")
            if res.returncode not in (0, 1):
                print(res.stderr[-2000:])


if __name__ == "__main__":
    main()
