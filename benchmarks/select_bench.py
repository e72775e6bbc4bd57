"""Where a whole `selector select` spends its time on a large pool: one line per step, as it finishes.

Runs the CLI's own `select` in this process on a generated pool (benchmarks/generate.py, the Fuxin rule set at
--rows candidates, 3,000 labour-model seats, 120 units), with a timer around each step the command takes:
reading, screening, solving, the slate tables, screening.csv, the reserve list, plots, forms/, the summary
tables and budget, the report, audit.json, and then `selector verify` on the folder. Each line is printed
(flushed) the moment its step ends, so a run stopped by --budget still shows where the time went.

`--compare` measures, in the same run and on the same pool, what selector/outputs/bounds.py saves: the
same select with the bound lifted (LARGE_POOL set above the pool: the reserve list, the screening sheet
in slate.xlsx and every candidate's forms, as `select` wrote them on any pool before), and prints the
ratios. Each select runs in a child process of its own, stopped after --budget seconds (its steps not
reached then are printed as such, and the ratio as "more than").

Speed is not a test: nothing here asserts. Usage:
  python benchmarks/select_bench.py [--rows 200000] [--seed 1] [--case DIR] [--plots] [--compare] [--budget 900]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import queue
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# (where it is defined, function, label): the steps of `selector select` in the order they run. Each function is
# found in the first module of its tuple that has it (modules move between releases) and replaced by a timed
# twin in every selector module that holds it, so the timers follow any import.
STEPS = [
    (("selector.reading.inputs", "selector.pipeline"), "load_inputs", "read the pools"),
    (("selector.pipeline",), "screen_inputs", "screening"),
    (("selector.pipeline",), "select", "solving (and the verifier)"),
    (("selector.outputs.slates", "selector.outputs.report"), "slate_tables", "slate tables (CSV, XLSX)"),
    (("selector.outputs.slates", "selector.outputs.report"), "write_screening", "screening.csv"),
    (("selector.analysis.reserve",), "reserve_list", "reserve list (computed)"),
    (("selector.analysis.reserve",), "write_reserve", "reserve.xlsx (written)"),
    (("selector.outputs.plots",), "write_selection_plots", "plots"),
    (("selector.outputs.forms",), "write_forms", "forms/"),
    (("selector.outputs.folders", "selector.outputs.paperwork"), "write_tables_and_budget",
     "summary tables and budget"),
    (("selector.outputs.render", "selector.outputs.document", "selector.outputs.paperwork"), "write_report",
     "report.md/html"),
    (("selector.outputs.record", "selector.outputs.audit"), "build_audit", "audit record (built)"),
    (("selector.outputs.record", "selector.outputs.audit"), "write_audit", "audit.json (hashes)"),
    (("selector.outputs.terminal", "selector.outputs.report"), "format_screening", "terminal: screening"),
    (("selector.outputs.terminal", "selector.outputs.report"), "format_result", "terminal: result"),
    # the steps only `selector verify` takes (it also regenerates the tables, report and forms/ above)
    (("selector.outputs.recheck",), "_check_outputs", "verify: output hashes"),
    (("selector.outputs.recheck",), "_check_slate", "verify: slate, screening, rules"),
    (("selector.outputs.recheck_numbers",), "check_numbers", "verify: objective, bound, swaps"),
]

RUN = """
import sys, json
sys.path.insert(0, sys.argv[1])
import select_bench
select_bench.timed_select(json.loads(sys.argv[2]), sys.argv[3], sys.argv[5:], unbounded=sys.argv[4] == "1")
"""


_OUT = sys.stdout  # the step lines; the command's own output goes to /dev/null


def _time_everywhere(where: tuple[str, ...], name: str, wrap) -> None:
    import importlib

    for module in where:
        try:
            fn = getattr(importlib.import_module(module), name)
            break
        except (ImportError, AttributeError):
            continue
    else:
        print(f"  (no {name} in {', '.join(where)}: not timed)", file=_OUT, flush=True)
        return
    timed = wrap(fn)
    for mod in [m for n, m in sys.modules.items() if n.startswith("selector") and m is not None]:
        for attr, value in list(vars(mod).items()):
            if value is fn:
                setattr(mod, attr, timed)


def _wrap(times: list, label: str, name: str):
    return lambda fn: _timed(times, label, fn)


def _timed(times: list, label: str, fn):
    @functools.wraps(fn)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            took = time.perf_counter() - start
            times.append((label, took))
            print(f"  {label:<32} {took:8.1f} s   peak RSS so far {_peak_mb():.0f} MB", file=_OUT, flush=True)

    return timed


def _peak_mb() -> float:
    """This process's peak resident memory so far (the step where it rises is the one that holds it)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_select(case: dict, out: str, extra: list[str], unbounded: bool = False) -> None:
    """`selector select` on the case, in this process, each step timed; then `selector verify`.
    `unbounded`: as before the bound (selector/outputs/bounds.py: LARGE_POOL above any pool)."""
    from selector.i18n import set_lang

    if unbounded:
        from selector.outputs import bounds

        bounds.LARGE_POOL = 10**12

    set_lang("zh")
    times: list = []
    from selector.interfaces import cli  # loads every module the command uses

    for where, name, label in STEPS:
        _time_everywhere(where, name, _wrap(times, label, name))
    start = time.perf_counter()
    args = ["select", "--rules", case["rules"], "--individuals", case["individuals"], "--collectives",
            case["collectives"], "--out", out, *extra]
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        code = _run(cli, args)
    whole = time.perf_counter() - start
    print(f"  {'select (whole command)':<32} {whole:8.1f} s   exit {code}, peak RSS {_peak_mb():.0f} MB", flush=True)
    start = time.perf_counter()
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        vcode = _run(cli, ["verify", out])
    print(f"  {'verify (whole command)':<32} {time.perf_counter() - start:8.1f} s   exit {vcode}, peak RSS of "
          f"select and verify {_peak_mb():.0f} MB", flush=True)
    files = sorted(p for p in Path(out).rglob("*") if p.is_file())
    print(f"  output: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB", flush=True)


def _run(cli, args: list[str]) -> int:
    try:
        code = cli.app(args, standalone_mode=False)
        return int(code or 0)
    except SystemExit as e:  # typer.Exit inside standalone_mode=False arrives as its code
        return int(e.code or 0)
    except Exception as e:  # noqa: BLE001 - a bench reports, it does not crash
        code = getattr(e, "exit_code", None)
        if code is None:
            print(f"  error: {type(e).__name__}: {e}", flush=True)
            return 3
        return int(code)


def _child(case: dict, out: Path, extra: list[str], budget: float, unbounded: bool = False
           ) -> tuple[list[tuple[str, float]], bool]:
    """One timed select in a child process (its own memory, its own clock), its step lines echoed."""
    import json

    mode = "1" if unbounded else "0"
    proc = subprocess.Popen([sys.executable, "-c", RUN, str(HERE), json.dumps(case), str(out), mode, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    steps: list[tuple[str, float]] = []
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout] + [lines.put(None)],  # type: ignore
                     daemon=True).start()
    deadline = time.monotonic() + budget
    timed_out = False
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            proc.kill()
            timed_out = True
            print(f"  (stopped after the budget of {budget:.0f} s)", flush=True)
            break
        if line is None:
            break
        print(line, end="", flush=True)
        step = re.match(r"  (\S.*?)\s+(\d+\.\d) s", line)
        if step:  # a step line: label, seconds
            steps.append((step.group(1), float(step.group(2))))
    proc.wait()
    return steps, timed_out


def _total(steps: list[tuple[str, float]], labels: tuple[str, ...]) -> float:
    return sum(t for label, t in steps if label.startswith(labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--case", type=Path, help="a folder generate.py wrote (reused, not generated again)")
    parser.add_argument("--plots", action="store_true", help="draw the plots too (select's default)")
    parser.add_argument("--compare", action="store_true",
                        help="also run select with the bound lifted (as before) for the ratios")
    parser.add_argument("--budget", type=float, default=900, help="seconds allowed to each select (default 900)")
    args = parser.parse_args()
    import generate

    with tempfile.TemporaryDirectory() as d:
        if args.case is not None:
            folder = args.case
        else:
            folder = Path(d) / "case"
            generate.generate(generate.Size(f"{args.rows}", args.rows, 3000, 120), args.seed, folder)
        forms = generate.BASE_RULES.parent / "fuxin-2021-forms"  # the rule set's templates, beside it
        if not (folder / forms.name).exists():
            shutil.copytree(forms, folder / forms.name)
        case = {k: str(folder / f) for k, f in (("rules", "rules.toml"), ("individuals", "individuals.csv"),
                                                 ("collectives", "collectives.csv"))}
        rows = sum(1 for _ in open(case["individuals"], encoding="utf-8")) - 1
        print(f"pool: {rows:,} candidates ({Path(case['individuals']).stat().st_size / 1e6:.1f} MB CSV), "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
        plots = [] if args.plots else ["--no-plots"]
        print("select, as it runs by default now:", flush=True)
        now, now_out = _child(case, Path(d) / "now", plots, args.budget)
        if not args.compare:
            return
        print("select with the bound lifted (reserve list, screening sheet, every candidate's forms: as before):",
              flush=True)
        old, old_out = _child(case, Path(d) / "old", plots, args.budget, unbounded=True)
        print("ratios (old / now):", flush=True)
        for labels, what in [(("reserve",), "reserve list"), (("screening.csv",), "screening (CSV, sheet)"),
                             (("forms/",), "forms/"), (("select (whole",), "whole select"),
                             (("verify (whole",), "verify")]:
            a, b = _total(old, labels), _total(now, labels)
            more = ">" if old_out else ""
            ratio = f"{more}{a / b:.1f}x" if b > 0.05 else f"{more}{a:.1f} s vs {b:.2f} s"
            print(f"  {what:<32} {more}{a:8.1f} s / {b:8.1f} s = {ratio}", flush=True)


if __name__ == "__main__":
    main()
