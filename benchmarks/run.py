"""`make bench`: the slate selector at four sizes against a MIP solver, the floors, the plain model and the
nearest peer, in one run on this machine. Prints the ratio table; writes benchmarks/results.csv (a header
line names the machine) and benchmarks/results.png.

Cases come from benchmarks/generate.py (seeded, written to benchmarks/data/, which git ignores). For each
size, medians over the seeds of, per case, in a worker process of its own (so peak memory is the case's):
  ours      the exact fast path (selector/prune.py): prune, LP bound, CP-SAT model build and search, until the
            merit is proven optimal (`proven`); then the special class, the tie-break and the uniqueness
            proof (`slate`, what `selector select` does); the first rule-compliant slate; peak RSS.
  highs     the same instance (the plain per-candidate CP-SAT model's constraints, stage 1: merit) as a MIP
            in HiGHS (highspy), time to proven optimum, as a ratio to ours (`proven`).
  lp, read  the floors: its LP relaxation in HiGHS; parsing the pool CSV (csv module); as ratios.
  plain     the plain per-candidate model with CP-SAT's default settings, stage 1, as a ratio (what the
            fast path bought); capped, a capped run counts as the cap (the ratio is then a lower bound).
  peer      sortition-algorithms (maximin) on the part of the case its quota model can express (absolute
            min/max per value of unit, sector, gender, minority), ours on the same part, as a ratio;
            city size only (its maximin took minutes at 1,000 candidates), capped.
  explain   selector.explain.find_conflicts on an infeasible variant (agriculture raised to 50%, which
            with enterprise staff at 55% cannot fit), capped.
  sweep     20 what-if steps (the women's target from 20% to 39%), merit proven optimal at each step.
Eligibility screening (others' module) runs once per case before timing and is cached next to the data.

Usage: python benchmarks/run.py [--quick] [--sizes city,province] [--seeds 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

SEEDS = {"city": 5, "province": 3, "national": 3, "xl": 1}
PLAIN_CAP = {"city": 30.0, "province": 30.0, "national": 20.0, "xl": 15.0}
HIGHS_CAP = {"city": 60.0, "province": 60.0, "national": 60.0, "xl": 60.0}  # a capped run: its ratio is '>'
EXPLAIN_CAP = {"city": 30, "province": 15, "national": 10, "xl": 10}
PEER_CAP = 60.0
OURS_CAP = 600.0
SWEEP_SIZES = {"city", "province", "national"}  # on the first seed of each


# ------------------------------------------------------------------------------------------ the machine
def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (f"nproc={os.cpu_count()}; cpu={cpu}; ram={ram:.1f} GiB; python={platform.python_version()}; "
            f"load average at start={load:.2f}")


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("ortools", "highspy", "sortition-algorithms"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            out.append(f"{pkg} not installed")
    return "; ".join(out)


# ------------------------------------------------------------------------------------------- a case
def _load(folder: Path):
    from selector.pipeline import load_inputs

    inputs = load_inputs(folder / "rules.toml", {"individuals": folder / "individuals.csv",
                                                  "collectives": folder / "collectives.csv"})
    cache = folder / "eligible.json"
    if cache.exists():
        mask = json.loads(cache.read_text())
    else:
        from selector.eligibility import screen

        mask = screen(inputs.ruleset, {"individuals": inputs.pools["individuals"]}).masks["individuals"]
        cache.write_text(json.dumps(mask))
    return inputs, mask


def _mip_arrays(sm):
    """The plain model's stage-1 instance as arrays: every linear constraint and implication of its CP-SAT
    proto (the same constraints, from the one place rules become constraints), all variables integer."""
    import numpy as np

    from selector.prune import _INF, _proto_rows

    sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
    proto = sm.model.proto
    domains = [list(v.domain) for v in proto.variables]
    lo = np.array([d[0] for d in domains], dtype=float)
    hi = np.array([d[-1] for d in domains], dtype=float)
    sign = -1 if proto.objective.scaling_factor < 0 else 1
    c = np.zeros(len(domains))
    for i, coef in zip(proto.objective.vars, proto.objective.coeffs):
        c[i] += sign * coef
    rows = _proto_rows(proto)
    starts, index, value, rlo, rhi = [0], [], [], [], []
    for cols, coefs, a, b in rows:
        index.extend(cols.tolist())
        value.extend(coefs.astype(float).tolist())
        starts.append(len(index))
        rlo.append(-np.inf if a <= -_INF else float(a))
        rhi.append(np.inf if b >= _INF else float(b))
    return lo, hi, c, np.array(starts), np.array(index), np.array(value), np.array(rlo), np.array(rhi)


def _highs(sm, integer: bool, cap: float) -> dict:
    import highspy
    import numpy as np

    t = time.perf_counter()
    lo, hi, c, starts, index, value, rlo, rhi = _mip_arrays(sm)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", cap)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)  # proven optimal, as ours: HiGHS's default 1e-4 stopped 6 points short
    h.setOptionValue("mip_abs_gap", 0.5)  # the objective is an integer (scaled scores)
    h.addVars(len(lo), lo, hi)
    h.changeColsCost(len(c), np.arange(len(c), dtype=np.int32), c)
    h.addRows(len(rlo), rlo, rhi, len(index), starts[:-1].astype(np.int32), index.astype(np.int32), value)
    if integer:
        h.changeColsIntegrality(len(lo), np.arange(len(lo), dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * len(lo)))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    build = time.perf_counter() - t
    t = time.perf_counter()
    h.run()
    run = time.perf_counter() - t
    status = h.modelStatusToString(h.getModelStatus())
    return {"build": build, "time": run, "status": status,
            "objective": h.getInfo().objective_function_value / sm.scale}


def _plain_default(sm, cap: float) -> dict:
    from ortools.sat.python import cp_model

    sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = cap
    t = time.perf_counter()
    status = solver.solve(sm.model)
    return {"time": time.perf_counter() - t, "status": solver.status_name(status),
            "objective": solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None}


def _read_csv(path: Path) -> float:
    t = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows
    return time.perf_counter() - t


def _infeasible_variant(ruleset):
    rules = [r.model_copy(update={"share": "50%"}) if r.id == "R8" else r for r in ruleset.rules]
    return ruleset.model_copy(update={"rules": rules})


def _sweep(ruleset, pool, quotas, mask) -> dict:
    from selector.prune import solve_pool

    t = time.perf_counter()
    merits = []
    for pct in range(20, 40):
        rules = [r.model_copy(update={"share": f"{pct}%"}) if r.id == "R10-women" else r for r in ruleset.rules]
        sol = solve_pool(ruleset.model_copy(update={"rules": rules}), pool, quotas, mask, merit_only=True)
        merits.append(None if sol.objective is None else sol.objective / sol.scale)
    return {"time": time.perf_counter() - t, "merits": merits}


PEER_RULES = {"R1", "R6", "R8", "R10-women", "R10-minority"}  # absolute per-value minimums and maximums


def _peer_part(ruleset):
    """The case as sortition-algorithms can state it: quotas per unit, the share rules of the whole slate
    on one attribute's values (as absolute minimums and maximums); no nested shares, no special class."""
    rules = [r for r in ruleset.rules if r.id in PEER_RULES]
    awards = [a for a in ruleset.awards if a.parent is None]
    return ruleset.model_copy(update={"rules": rules, "awards": awards})


def _peer_features(ruleset, quotas, seats: int) -> list[dict]:
    import math

    def at_least(f):
        return math.ceil(f * seats)

    def at_most(f):
        return math.floor(f * seats)

    share = {r.id: r.fraction for r in ruleset.rules}
    rows = [{"feature": "unit", "value": u, "min": "0", "max": str(quotas.of("labour_model")[u])} for u in quotas.units]
    rows += [{"feature": "sector", "value": "enterprise", "min": str(at_least(share["R1"])), "max": str(seats)},
             {"feature": "sector", "value": "institution", "min": "0", "max": str(at_most(share["R6"]))},
             {"feature": "sector", "value": "agriculture", "min": str(at_least(share["R8"])), "max": str(seats)},
             {"feature": "sector", "value": "other", "min": "0", "max": str(seats)},
             {"feature": "gender", "value": "female", "min": str(at_least(share["R10-women"])), "max": str(seats)},
             {"feature": "gender", "value": "male", "min": "0", "max": str(seats)},
             {"feature": "minority", "value": "yes", "min": str(at_least(share["R10-minority"])), "max": str(seats)},
             {"feature": "minority", "value": "no", "min": "0", "max": str(seats)}]
    return rows


def peer_worker(folder: Path) -> dict:
    """sortition-algorithms' maximin on the part of the case its quota model expresses (run in a process
    of its own, killed at the cap)."""
    from sortition_algorithms.committee_generation import find_distribution_maximin  # noqa: F401
    from sortition_algorithms.core import find_random_sample
    from sortition_algorithms.features import read_in_features
    from sortition_algorithms.people import read_in_people
    from sortition_algorithms.settings import Settings

    inputs, mask = _load(folder)
    pool = inputs.pools["individuals"]
    seats = inputs.ruleset.top_award("individuals").seats
    feature_rows = _peer_features(inputs.ruleset, inputs.quotas, seats)
    features, _, _ = read_in_features(["feature", "value", "min", "max"], feature_rows, seats)
    table = pool.table
    people_rows = [{"id": str(table.at[i, "id"]), "unit": table.at[i, "unit"], "sector": table.at[i, "sector"],
                    "gender": table.at[i, "gender"], "minority": table.at[i, "minority"]}
                   for i in range(len(pool)) if mask[i]]
    settings = Settings(id_column="id", columns_to_keep=[], random_number_seed=1)
    people, _ = read_in_people(["id", "unit", "sector", "gender", "minority"], people_rows, features, settings)
    t = time.perf_counter()
    committees, _ = find_random_sample(features, people, seats, [], selection_algorithm="maximin")
    return {"time": time.perf_counter() - t, "panels": len(committees)}


def case_worker(folder: Path, size: str, first_seed: bool) -> dict:
    """Every measurement of one case, in this process (peak memory is taken right after ours)."""
    from selector.explain import find_conflicts
    from selector.model import build_model
    from selector.prune import solve_pool

    out: dict = {}
    t = time.perf_counter()
    inputs, mask = _load(folder)
    out["load"] = time.perf_counter() - t
    rs, pool, quotas = inputs.ruleset, inputs.pools["individuals"], inputs.quotas
    out["candidates"], out["eligible"] = len(pool), sum(mask)
    out["seats"] = rs.top_award("individuals").seats
    from selector.solve import SolverSettings

    sol = solve_pool(rs, pool, quotas, mask, SolverSettings(time_limit=OURS_CAP))
    tm = sol.timings
    out["ours"] = {"status": sol.status, "unique": sol.unique, "objective": sol.objective / sol.scale,
                   "slate": sol.wall_time, "prune": tm.get("prune"), "lp": tm.get("lp"), "build": tm.get("build"),
                   "search": tm.get("search"), "stages": tm.get("stages"), "first_slate": tm.get("first_slate"),
                   "kept": tm.get("kept"), "free": tm.get("free"),
                   "proven": sum(tm.get(k, 0.0) for k in ("prune", "lp", "build", "search"))}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["read"] = _read_csv(folder / "individuals.csv")
    t = time.perf_counter()
    sm = build_model(rs, pool, quotas, eligible=mask)  # the plain per-candidate model
    out["plain_build"] = time.perf_counter() - t
    out["highs"] = _highs(sm, True, HIGHS_CAP[size])
    out["lp"] = _highs(sm, False, HIGHS_CAP[size])
    out["plain"] = _plain_default(sm, PLAIN_CAP[size])
    del sm
    if size == "city":
        part = _peer_part(rs)
        sol = solve_pool(part, pool, quotas, mask)
        out["ours_peer_part"] = {"time": sol.wall_time, "status": sol.status}
    t = time.perf_counter()
    try:
        import signal

        def _cap(*_):
            raise TimeoutError

        signal.signal(signal.SIGALRM, _cap)
        signal.alarm(EXPLAIN_CAP[size])
        conflicts = find_conflicts(_infeasible_variant(rs), pool, quotas, mask)
        signal.alarm(0)
        out["explain"] = {"time": time.perf_counter() - t, "conflicts": conflicts}
    except TimeoutError:
        out["explain"] = {"time": None, "capped": EXPLAIN_CAP[size]}
    if first_seed and size in SWEEP_SIZES:
        out["sweep"] = _sweep(rs, pool, quotas, mask)
    return out


# ------------------------------------------------------------------------------------------ the driver
def _run_worker(args: list[str], timeout: float) -> dict | None:
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(v, digits=3):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="city and province, two seeds each")
    parser.add_argument("--sizes", default=None, help="comma-separated: city,province,national,xl")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per size (default per size)")
    parser.add_argument("--worker", nargs=3, metavar=("FOLDER", "SIZE", "FIRST"), help=argparse.SUPPRESS)
    parser.add_argument("--peer", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        folder, size, first = args.worker
        print(json.dumps(case_worker(Path(folder), size, first == "1"), default=str))
        return
    if args.peer:
        print(json.dumps(peer_worker(Path(args.peer))))
        return

    from generate import SIZES, generate

    started = time.perf_counter()
    sizes = args.sizes.split(",") if args.sizes else (["city", "province"] if args.quick else list(SIZES))
    header = machine()
    print(f"# {header}\n# {versions()}", flush=True)
    peer_ok = True
    try:
        import sortition_algorithms  # noqa: F401
    except ImportError:
        peer_ok = False
        print("# sortition-algorithms is not installed (pip install -e '.[bench]'): the peer column is empty")
    results: dict[str, list[dict]] = {}
    peers: dict[str, list] = {}
    for size in sizes:
        n_seeds = args.seeds or (2 if args.quick else SEEDS[size])
        results[size] = []
        peers[size] = []
        for seed in range(1, n_seeds + 1):
            paths = generate(size, seed)
            _load(paths.folder)  # screen once, cached: not timed
            t = time.perf_counter()
            got = _run_worker(["--worker", str(paths.folder), size, "1" if seed == 1 else "0"], 1800)
            print(f"  {size} seed {seed}: {time.perf_counter() - t:.0f} s"
                  + ("" if got else " (worker failed)"), flush=True)
            if got:
                results[size].append(got)
            if peer_ok and size == "city":
                t = time.perf_counter()
                peer = _run_worker(["--peer", str(paths.folder)], PEER_CAP)
                peers[size].append(peer["time"] if peer else f">{PEER_CAP:.0f}")
    rows = _table(results, peers)
    _write(rows, header)
    _print(rows)
    _plot(rows)
    print(f"\nmake bench took {time.perf_counter() - started:.0f} s", flush=True)


COLUMNS = ["size", "candidates", "seats", "seeds", "ours_proven_s", "ours_slate_s", "ours_prune_s", "ours_lp_s",
           "ours_build_s", "ours_search_s", "ours_stages_s", "first_slate_s", "kept", "free", "peak_mb", "unique",
           "highs_mip_s", "highs_status", "highs_over_ours", "lp_s", "lp_over_ours", "read_csv_s",
           "read_over_ours", "plain_default_s", "plain_status", "plain_over_ours", "peer_s", "ours_peer_part_s",
           "peer_over_ours", "explain_s", "sweep20_s", "load_s"]


def _table(results: dict[str, list[dict]], peers: dict[str, list]) -> list[dict]:
    rows = []
    for size, cases in results.items():
        if not cases:
            continue

        def med(get, cases=cases):
            return _median([get(c) for c in cases])

        proven = med(lambda c: c["ours"]["proven"])
        highs = med(lambda c: c["highs"]["time"])
        plain = med(lambda c: c["plain"]["time"])
        lp = med(lambda c: c["lp"]["time"])
        read = med(lambda c: c["read"])
        peer_times = [p for p in peers.get(size, []) if p is not None]
        capped_peer = any(isinstance(p, str) for p in peer_times)
        peer = None if not peer_times else (f">{PEER_CAP:.0f}" if capped_peer else _median(peer_times))
        ours_part = med(lambda c: c.get("ours_peer_part", {}).get("time"))
        explain = [c["explain"]["time"] for c in cases]
        sweep = next((c["sweep"]["time"] for c in cases if "sweep" in c), None)
        highs_status = sorted({c["highs"]["status"] for c in cases})
        plain_status = sorted({c["plain"]["status"] for c in cases})
        row = {
            "size": size, "candidates": cases[0]["candidates"], "seats": cases[0]["seats"], "seeds": len(cases),
            "ours_proven_s": proven, "ours_slate_s": med(lambda c: c["ours"]["slate"]),
            "ours_prune_s": med(lambda c: c["ours"]["prune"]), "ours_lp_s": med(lambda c: c["ours"]["lp"]),
            "ours_build_s": med(lambda c: c["ours"]["build"]), "ours_search_s": med(lambda c: c["ours"]["search"]),
            "ours_stages_s": med(lambda c: c["ours"]["stages"]),
            "first_slate_s": med(lambda c: c["ours"]["first_slate"]), "kept": med(lambda c: c["ours"]["kept"]),
            "free": med(lambda c: c["ours"]["free"]), "peak_mb": med(lambda c: c["peak_mb"]),
            "unique": "/".join(str(c["ours"]["unique"]) for c in cases),
            "highs_mip_s": highs, "highs_status": "/".join(highs_status),
            "highs_over_ours": highs / proven if highs and proven else None,
            "lp_s": lp, "lp_over_ours": lp / proven if lp and proven else None,
            "read_csv_s": read, "read_over_ours": read / proven if read and proven else None,
            "plain_default_s": plain, "plain_status": "/".join(plain_status),
            "plain_over_ours": plain / proven if plain and proven else None,
            "peer_s": peer, "ours_peer_part_s": ours_part,
            "peer_over_ours": (peer / ours_part if isinstance(peer, float) and ours_part else
                               (f">{PEER_CAP / ours_part:.0f}" if capped_peer and ours_part else None)),
            "explain_s": _median(explain) if all(e is not None for e in explain) else f">{EXPLAIN_CAP[size]}",
            "sweep20_s": sweep, "load_s": med(lambda c: c["load"]),
        }
        for c in cases:  # every solver must agree on the optimum (the MIP and the plain model, when proven)
            ours = c["ours"]["objective"]
            if c["highs"]["status"] == "Optimal" and abs(c["highs"]["objective"] - ours) > 1e-6:
                row["highs_status"] += " (DISAGREES)"
        rows.append(row)
    return rows


def _write(rows: list[dict], header: str) -> None:
    with open(HERE / "results.csv", "w", encoding="utf-8", newline="") as f:
        f.write(f"# {header}; {versions()}\n")
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in r.items()})


def _print(rows: list[dict]) -> None:
    print("\nMedians over the seeds; times in seconds; ratios are the other's time over ours (`proven`).")
    head = ["size", "cand", "seats", "ours proven", "ours slate", "1st slate", "peak MB", "HiGHS MIP", "x ours",
            "LP", "x", "read CSV", "x", "plain CP-SAT", "x", "peer", "x", "explain", "sweep 20"]
    table = [head]
    for r in rows:
        table.append([r["size"], str(r["candidates"]), str(r["seats"]), _fmt(r["ours_proven_s"]),
                      _fmt(r["ours_slate_s"]), _fmt(r["first_slate_s"]), _fmt(r["peak_mb"], 4),
                      _fmt(r["highs_mip_s"]) + ("" if r["highs_status"] == "Optimal" else "*"),
                      _fmt(r["highs_over_ours"]), _fmt(r["lp_s"]), _fmt(r["lp_over_ours"]),
                      _fmt(r["read_csv_s"]), _fmt(r["read_over_ours"]),
                      _fmt(r["plain_default_s"]) + ("" if r["plain_status"] == "OPTIMAL" else "*"),
                      _fmt(r["plain_over_ours"]), _fmt(r["peer_s"]), _fmt(r["peer_over_ours"]),
                      _fmt(r["explain_s"]), _fmt(r["sweep20_s"])])
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    print("* not proven optimal within its cap in at least one seed (the time is then the cap's, the ratio a"
          " lower bound). HiGHS ran with mip_rel_gap 0, one thread; its time excludes building its model.")
    print("ours proven: prune + LP bound + model build + search until the merit is proven optimal;"
          " ours slate: and the special class, tie-break and uniqueness proof (what `selector select` does).")
    for r in rows:
        print(f"{r['size']}: HiGHS {r['highs_status']}; plain {r['plain_status']}; unique {r['unique']};"
              f" kept {_fmt(r['kept'])} of {r['candidates']}, {_fmt(r['free'])} left free by the LP bound")


def _plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["size"] for r in rows]
    series = [("ours: merit proven", "ours_proven_s"), ("ours: whole slate", "ours_slate_s"),
              ("HiGHS MIP", "highs_mip_s"), ("plain CP-SAT (default)", "plain_default_s"),
              ("LP relaxation", "lp_s"), ("read CSV", "read_csv_s")]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, key in series:
        ys = [r[key] if isinstance(r[key], float) else None for r in rows]
        ax.plot(sizes, ys, marker="o", label=label)
    ax.set_yscale("log")
    ax.set_ylabel("seconds (median over seeds)")
    ax.set_title("Slate selection: time by pool size (capped runs shown at their cap)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "results.png", dpi=110)


if __name__ == "__main__":
    main()
