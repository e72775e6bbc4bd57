"""`make bench`: the slate selector on several structurally different worlds and three sizes, against a MIP
solver, the floors, the plain model and the nearest peer, in one run on this machine. Prints the ratio table
per world and size and the worst case per size; writes benchmarks/results.csv (a header line names the
machine) and benchmarks/results.png.

Cases come from benchmarks/worlds.py (seeded, written to benchmarks/data/, which git ignores): the worlds
`base` (benchmarks/generate.py), `ties` (scores on a 0.05 grid, quota caps 1.1 x the seats), `small-units`
(one unit per 4 seats, tight quotas), `big-special` (a quarter of the seats special, 0.5 grid) and `flat` (every
score equal: only the rules and the tie-break choose). Per case,
in a worker process of its own (so peak memory is the case's):
  ours      the exact fast path (selector/engine/prune.py): prune, LP bound, CP-SAT model build and search, until the
            merit is proven optimal (`proven`, stage 1); then the special class, the tie-break and the
            uniqueness proof (`slate`: the whole canonical slate, what `selector select` does); the first
            rule-compliant slate; peak RSS; the whole slate again with CP-SAT's random seeds 1 and 2 (`any
            seed`: the worst of the three; the slate must be the same).
  highs     the same instance (the plain per-candidate CP-SAT model's constraints) as a MIP in HiGHS
            (highspy), one thread: stage 1 (merit) to proven optimum, as a ratio to ours `proven`; and stage 2
            (special-class merit with the stage-1 merit held), stage 1 + 2 as a ratio to ours `slate` (which
            also does the tie-break and the uniqueness proof, which HiGHS is not asked for).
  lp, read  the floors: its LP relaxation in HiGHS; parsing the pool CSV (csv module); as ratios.
  plain     the plain per-candidate model with CP-SAT's default settings, stage 1, as a ratio (what the
            fast path bought); capped, a capped run counts as the cap (the ratio is then a lower bound).
  peer      sortition-algorithms (maximin) on the part of the case its quota model can express (absolute
            min/max per value of unit, sector, gender, minority), ours on the same part, as a ratio;
            city size, base world only (its maximin took minutes at 1,000 candidates), capped.
  explain   the whole explanation of an infeasible round, as `selector explain` computes it
            (explain.explain_inputs with prices: minimal conflicts, loosest values, pool additions, cheapest
            combined relaxations, the units', office's and leadership group's next steps, each checked by
            solving), in a process of its own, in CPU seconds (wall time under load measures the load),
            capped (a capped run is reported as '>cap'). Two kinds of
            infeasible variant: `explain` agriculture raised to 50% (with enterprise staff at 55% it cannot
            fit); `explain special` two rules on the special class that cannot hold together (enterprise
            staff at least 55% and agriculture at least 50% of it).
  sweep     20 what-if steps (the women's target from 20% to 39%), merit proven optimal at each step; base
            world, first seed, city and province.
Eligibility screening runs once per case before timing and is cached next to the data (its own speed:
benchmarks/worlds.py pools through selector.reading.eligibility.screen, in `screen_s`).

Usage: python benchmarks/run.py [--quick] [--sizes city,province] [--worlds base,ties] [--seeds 3] [--merge]
(--merge: keep results.csv's rows of the other sizes, e.g. after `--sizes xl --merge`)
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

SOLVER_SEEDS = (1, 2)  # ours again with these CP-SAT random seeds (the main run: seed 0)
SEEDS = {"city": 3, "county": 2, "province": 2, "national": 1, "xl": 1}  # per world: 5 worlds x 8 cases
SIZES_DEFAULT = ["city", "county", "province", "national"]  # xl (100,000) with --sizes xl
PLAIN_CAP = {"city": 5.0, "county": 5.0, "province": 5.0, "national": 5.0, "xl": 5.0}
# a capped run: its ratio is '>'
HIGHS_CAP = {"city": 30.0, "county": 30.0, "province": 30.0, "national": 30.0, "xl": 30.0}
# the whole explanation
EXPLAIN_CAP = {"city": 120.0, "county": 120.0, "province": 120.0, "national": 120.0, "xl": 120.0}
PEER_CAP = 60.0
OURS_CAP = 600.0
SWEEP_SIZES = {"city", "province"}  # on the first seed of the base world


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
        from selector.reading.eligibility import screen

        t = time.perf_counter()
        mask = screen(inputs.ruleset, {"individuals": inputs.pools["individuals"]}).masks["individuals"]
        (folder / "screen_s.txt").write_text(f"{time.perf_counter() - t:.4f}")
        cache.write_text(json.dumps(mask))
    return inputs, mask


def _mip_arrays(sm, stage2_held: int | None = None):
    """The plain model's stage-1 instance as arrays: every linear constraint and implication of its CP-SAT
    proto (the same constraints, from the one place rules become constraints), all variables integer. With
    `stage2_held` (a proven stage-1 value): stage 2, the subset awards' merit with stage 1 held at it."""
    import numpy as np

    from selector.engine.lp import _INF, _proto_rows

    if stage2_held is not None:
        sm = _fresh(sm)
        sm.model.add(sm.merit[sm.top.id] - sm.penalty == stage2_held)
        sm.model.maximize(sum(sm.merit[a.id] for a in sm.awards[1:]))
    else:
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


def _fresh(sm):
    """The same plain model again (stage constraints are added to a model in place)."""
    from selector.engine.model import build_model

    return build_model(*sm._bench_args)


def _highs(sm, integer: bool, cap: float, stage2_held: int | None = None) -> dict:
    import highspy
    import numpy as np

    t = time.perf_counter()
    lo, hi, c, starts, index, value, rlo, rhi = _mip_arrays(sm, stage2_held)
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


def _infeasible_variant(ruleset, kind: str = "agriculture"):
    """An infeasible round: agriculture raised to 50% (R8, against R1's 55% enterprise staff), or (`special`)
    two rules on the special class that cannot hold together: enterprise staff >= 55% and agriculture >= 50%
    of it."""
    if kind == "special":
        special = next(a.id for a in ruleset.awards if a.parent is not None)
        r1, r8 = (next(r for r in ruleset.rules if r.id == rid) for rid in ("R1", "R8"))
        extra = [r1.model_copy(update={"id": "SP-enterprise", "award": special}),
                 r8.model_copy(update={"id": "SP-agriculture", "award": special, "share": "50%"})]
        return ruleset.model_copy(update={"rules": [*ruleset.rules, *extra]})
    rules = [r.model_copy(update={"share": "50%"}) if r.id == "R8" else r for r in ruleset.rules]
    return ruleset.model_copy(update={"rules": rules})


EXPLAIN_VARIANTS = {"explain": "agriculture", "explain_special": "special"}


def explain_worker(folder: Path, kind: str) -> dict:
    """The whole explanation of one infeasible variant (what `selector explain` computes), timed (wall and
    CPU) after loading; the individuals' screening from the cache, the collectives' screened here."""
    import dataclasses

    from selector.analysis.explain import explain_inputs
    from selector.reading.eligibility import screen

    inputs, mask = _load(folder)
    inputs = dataclasses.replace(inputs, ruleset=_infeasible_variant(inputs.ruleset, kind))
    masks = {k: mask if k == "individuals" else screen(inputs.ruleset, {k: p}).masks[k]
             for k, p in inputs.pools.items()}
    t, cpu = time.perf_counter(), time.process_time()
    exp = explain_inputs(inputs, eligible=masks, prices=True)
    return {"time": time.perf_counter() - t, "cpu": time.process_time() - cpu,
            "conflicts": exp["individuals"].conflicts, "undecided": exp["individuals"].undecided,
            "relaxations": len(exp["individuals"].relaxations), "actions": len(exp["individuals"].actions)}


def _sweep(ruleset, pool, quotas, mask) -> dict:
    from selector.engine.prune import solve_pool

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


def case_worker(folder: Path, size: str, first_seed: bool, world: str = "base") -> dict:
    """Every measurement of one case, in this process (peak memory is taken right after ours)."""
    from selector.engine.model import build_model
    from selector.engine.prune import solve_pool

    out: dict = {}
    t = time.perf_counter()
    inputs, mask = _load(folder)
    out["load"] = time.perf_counter() - t
    rs, pool, quotas = inputs.ruleset, inputs.pools["individuals"], inputs.quotas
    out["candidates"], out["eligible"] = len(pool), sum(mask)
    out["seats"] = rs.top_award("individuals").seats
    from selector.engine.session import SolverSettings

    sol = solve_pool(rs, pool, quotas, mask, SolverSettings(time_limit=OURS_CAP))
    tm = sol.timings
    out["ours"] = {"status": sol.status, "unique": sol.unique, "objective": sol.objective / sol.scale,
                   "slate": sol.wall_time, "prune": tm.get("prune"), "lp": tm.get("lp"), "build": tm.get("build"),
                   "search": tm.get("search"), "stages": tm.get("stages"), "first_slate": tm.get("first_slate"),
                   "kept": tm.get("kept"), "free": tm.get("free"),
                   "proven": sum(tm.get(k, 0.0) for k in ("prune", "lp", "build", "search"))}
    out["ours"]["special_by_argument"] = tm.get("special_by_argument")
    subsets = [a for a in rs.awards_of_pool("individuals") if a.parent is not None]
    out["special_seats"] = sum(a.seats for a in subsets)
    scores = dict(zip(pool.table["id"], pool.table["score"]))
    out["ours"]["special"] = float(sum(scores[c] for a in subsets for c in sol.selected.get(a.id, [])))
    out["ours"]["stage_times"] = sol.stage_times
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the same case with other random seeds of CP-SAT: solve times are heavy-tailed in the seed, and the slate
    # must not depend on it (determinism)
    again = [solve_pool(rs, pool, quotas, mask, SolverSettings(time_limit=OURS_CAP, seed=k)) for k in SOLVER_SEEDS]
    out["ours"]["seed_slates"] = [s.wall_time for s in again]
    out["ours"]["same_slate"] = all(s.selected == sol.selected and s.status == sol.status for s in again)
    out["read"] = _read_csv(folder / "individuals.csv")
    screen_file = folder / "screen_s.txt"
    out["screen"] = float(screen_file.read_text()) if screen_file.exists() else None
    t = time.perf_counter()
    sm = build_model(rs, pool, quotas, eligible=mask)  # the plain per-candidate model
    sm._bench_args = (rs, pool, quotas, mask)
    out["plain_build"] = time.perf_counter() - t
    out["highs"] = _highs(sm, True, HIGHS_CAP[size])
    if len(sm.awards) > 1 and sol.status == "optimal":  # stage 2 with the (proven) stage-1 merit held
        out["highs2"] = _highs(sm, True, HIGHS_CAP[size], stage2_held=sol.objective * sm.scale // sol.scale)
    out["lp"] = _highs(sm, False, HIGHS_CAP[size])
    out["plain"] = _plain_default(_fresh(sm), PLAIN_CAP[size])
    del sm
    if size == "city" and world == "base":
        part = _peer_part(rs)
        sol = solve_pool(part, pool, quotas, mask)
        out["ours_peer_part"] = {"time": sol.wall_time, "status": sol.status}
    for name, kind in EXPLAIN_VARIANTS.items():  # each in a process of its own: a capped run is ended cleanly
        # The cap is on the explanation's CPU seconds (one solver worker, so CPU is about wall time on an idle
        # machine): wall time under load measured the load too (small-units national: 513 s wall, 220 s CPU).
        got = _run_worker(["--explain", str(folder), kind], 3 * EXPLAIN_CAP[size] + 120)  # + loading the case
        if got is None or got["cpu"] > EXPLAIN_CAP[size]:
            out[name] = {"time": None, "capped": EXPLAIN_CAP[size]}
        else:
            out[name] = got
    if first_seed and size in SWEEP_SIZES and world == "base":
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
    parser.add_argument("--quick", action="store_true", help="city and province, one seed each")
    parser.add_argument("--sizes", default=None, help="comma-separated: city,province,national,xl")
    parser.add_argument("--worlds", default=None, help="comma-separated: base,ties,small-units,big-special")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per world and size (default per size)")
    parser.add_argument("--merge", action="store_true",
                        help="keep results.csv's rows of the sizes not run here (a run of --sizes xl joins the rest)")
    parser.add_argument("--worker", nargs=4, metavar=("FOLDER", "SIZE", "FIRST", "WORLD"), help=argparse.SUPPRESS)
    parser.add_argument("--peer", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--explain", nargs=2, metavar=("FOLDER", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.explain:
        print(json.dumps(explain_worker(Path(args.explain[0]), args.explain[1]), default=str), flush=True)
        return
    if args.worker:
        folder, size, first, world = args.worker
        print(json.dumps(case_worker(Path(folder), size, first == "1", world), default=str), flush=True)
        os._exit(0)  # do not wait for solver threads at exit
    if args.peer:
        print(json.dumps(peer_worker(Path(args.peer))))
        return

    from worlds import WORLDS, generate_world

    started = time.perf_counter()
    sizes = args.sizes.split(",") if args.sizes else (["city", "province"] if args.quick else SIZES_DEFAULT)
    worlds = args.worlds.split(",") if args.worlds else WORLDS
    header = machine()
    print(f"# {header}\n# {versions()}", flush=True)
    peer_ok = True
    try:
        import sortition_algorithms  # noqa: F401
    except ImportError:
        peer_ok = False
        print("# sortition-algorithms is not installed (pip install -e '.[bench]'): the peer column is empty")
    results: dict[tuple[str, str], list[dict]] = {}
    peers: dict[tuple[str, str], list] = {}
    for size in sizes:
        for world in worlds:
            n_seeds = args.seeds or (1 if args.quick else SEEDS[size])
            key = (world, size)
            results[key], peers[key] = [], []
            for seed in range(1, n_seeds + 1):
                paths = generate_world(world, size, seed)
                _load(paths.folder)  # screen once, cached: timed apart (screen_s)
                t = time.perf_counter()
                got = _run_worker(["--worker", str(paths.folder), size, "1" if seed == 1 else "0", world], 1800)
                print(f"  {world} {size} seed {seed}: {time.perf_counter() - t:.0f} s"
                      + (f" (ours {got['ours']['slate']:.2f} s, HiGHS 1+2 {_highs12(got)[0]:.2f} s)" if got
                         else " (worker failed)"), flush=True)
                if got:
                    results[key].append(got)
                if peer_ok and size == "city" and world == "base" and seed == 1:  # its maximin is slow: once
                    peer = _run_worker(["--peer", str(paths.folder)], PEER_CAP)
                    peers[key].append(peer["time"] if peer else f">{PEER_CAP:.0f}")
    rows = _table(results, peers)
    if args.merge:
        rows, header = _merged(rows, header, sizes)
    _write(rows, header)
    _print(rows)
    _plot(rows)
    print(f"\nmake bench took {time.perf_counter() - started:.0f} s", flush=True)


COLUMNS = ["world", "size", "candidates", "seats", "special", "seeds", "ours_proven_s", "ours_proven_max_s",
           "ours_slate_s", "ours_slate_max_s", "ours_slate_any_seed_max_s",
           "same_slate_every_seed", "ours_prune_s", "ours_lp_s", "ours_build_s", "ours_search_s",
           "ours_stages_s", "first_slate_s", "kept", "free", "special_by_argument", "peak_mb", "unique",
           "highs_mip_s", "highs_mip_max_s", "highs_status", "highs_over_ours", "highs_over_ours_min",
           "highs_stage2_s", "highs_12_s", "highs12_over_slate", "highs12_over_slate_min", "lp_s", "lp_over_ours",
           "read_csv_s", "read_over_ours", "screen_s", "plain_default_s", "plain_status", "plain_over_ours",
           "peer_s", "ours_peer_part_s", "peer_over_ours", "explain_s", "explain_special_s", "sweep20_s",
           "load_s"]


def _highs12(c: dict) -> tuple[float, bool]:
    """HiGHS stage 1 + stage 2 on a case, and whether both were proven optimal (else the time is a floor)."""
    h1, h2 = c["highs"], c.get("highs2")
    total = h1["time"] + (h2["time"] if h2 else 0.0)
    return total, h1["status"] == "Optimal" and (h2 is None or h2["status"] == "Optimal")


def _row(world: str, size: str, cases: list[dict], peers: list) -> dict:
    def med(get):
        return _median([get(c) for c in cases])

    def worst(get, pick=max):
        values = [v for v in (get(c) for c in cases) if v is not None]
        return pick(values) if values else None

    def ratio1(c):
        return c["highs"]["time"] / c["ours"]["proven"] if c["ours"]["proven"] else None

    def ratio12(c):
        return _highs12(c)[0] / c["ours"]["slate"] if c["ours"]["slate"] else None

    proven = med(lambda c: c["ours"]["proven"])
    peer_times = [p for p in peers if p is not None]
    capped_peer = any(isinstance(p, str) for p in peer_times)
    peer = None if not peer_times else (f">{PEER_CAP:.0f}" if capped_peer else _median(peer_times))
    ours_part = med(lambda c: c.get("ours_peer_part", {}).get("time"))
    def explained(name):  # the median over seeds, '>cap' when any seed hit the cap
        times = [c.get(name, {}).get("cpu") for c in cases]
        return _median(times) if all(e is not None for e in times) else f">{EXPLAIN_CAP[size]:.0f}"

    sweep = next((c["sweep"]["time"] for c in cases if "sweep" in c), None)
    highs_ok = all(c["highs"]["status"] == "Optimal" for c in cases)
    highs12_ok = all(_highs12(c)[1] for c in cases)
    mark = "" if highs_ok else ">"  # a capped HiGHS run: its ratio is a lower bound
    mark12 = "" if highs12_ok else ">"
    row = {
        "world": world, "size": size, "candidates": cases[0]["candidates"], "seats": cases[0]["seats"],
        "special": cases[0].get("special_seats"), "seeds": len(cases),
        "ours_proven_s": proven, "ours_proven_max_s": worst(lambda c: c["ours"]["proven"]),
        "ours_slate_s": med(lambda c: c["ours"]["slate"]), "ours_slate_max_s": worst(lambda c: c["ours"]["slate"]),
        "ours_slate_any_seed_max_s": worst(lambda c: max([c["ours"]["slate"]] + c["ours"].get("seed_slates", []))),
        "same_slate_every_seed": all(c["ours"].get("same_slate", True) for c in cases),
        "ours_prune_s": med(lambda c: c["ours"]["prune"]), "ours_lp_s": med(lambda c: c["ours"]["lp"]),
        "ours_build_s": med(lambda c: c["ours"]["build"]), "ours_search_s": med(lambda c: c["ours"]["search"]),
        "ours_stages_s": med(lambda c: c["ours"]["stages"]),
        "first_slate_s": med(lambda c: c["ours"]["first_slate"]), "kept": med(lambda c: c["ours"]["kept"]),
        "free": med(lambda c: c["ours"]["free"]),
        "special_by_argument": "/".join(str(c["ours"].get("special_by_argument")) for c in cases),
        "peak_mb": med(lambda c: c["peak_mb"]), "unique": "/".join(str(c["ours"]["unique"]) for c in cases),
        "highs_mip_s": med(lambda c: c["highs"]["time"]), "highs_mip_max_s": worst(lambda c: c["highs"]["time"]),
        "highs_status": "/".join(sorted({c["highs"]["status"] for c in cases}
                                        | {c["highs2"]["status"] for c in cases if c.get("highs2")})),
        "highs_over_ours": _tag(mark, med(ratio1)), "highs_over_ours_min": _tag(mark, worst(ratio1, min)),
        "highs_stage2_s": med(lambda c: c["highs2"]["time"] if c.get("highs2") else None),
        "highs_12_s": med(lambda c: _highs12(c)[0]),
        "highs12_over_slate": _tag(mark12, med(ratio12)), "highs12_over_slate_min": _tag(mark12, worst(ratio12, min)),
        "lp_s": med(lambda c: c["lp"]["time"]),
        "lp_over_ours": med(lambda c: c["lp"]["time"] / c["ours"]["proven"] if c["ours"]["proven"] else None),
        "read_csv_s": med(lambda c: c["read"]),
        "read_over_ours": med(lambda c: c["read"] / c["ours"]["proven"] if c["ours"]["proven"] else None),
        "screen_s": worst(lambda c: c.get("screen")),
        "plain_default_s": med(lambda c: c["plain"]["time"]),
        "plain_status": "/".join(sorted({c["plain"]["status"] for c in cases})),
        "plain_over_ours": med(lambda c: c["plain"]["time"] / c["ours"]["proven"] if c["ours"]["proven"] else None),
        "peer_s": peer, "ours_peer_part_s": ours_part,
        "peer_over_ours": (peer / ours_part if isinstance(peer, float) and ours_part else
                           (f">{PEER_CAP / ours_part:.0f}" if capped_peer and ours_part else None)),
        "explain_s": explained("explain"), "explain_special_s": explained("explain_special"),
        "sweep20_s": sweep, "load_s": med(lambda c: c["load"]),
    }
    for c in cases:  # every solver must agree on the optimum (the MIP and the plain model, when proven)
        if c["highs"]["status"] == "Optimal" and abs(c["highs"]["objective"] - c["ours"]["objective"]) > 1e-6:
            row["highs_status"] += " (STAGE 1 DISAGREES)"
        h2 = c.get("highs2")
        if h2 and h2["status"] == "Optimal" and abs(h2["objective"] - c["ours"]["special"]) > 1e-6:
            row["highs_status"] += " (STAGE 2 DISAGREES)"
    return row


def _tag(mark: str, v):
    return None if v is None else (f"{mark}{v:.3g}" if mark else v)


def _table(results: dict[tuple[str, str], list[dict]], peers: dict[tuple[str, str], list]) -> list[dict]:
    rows = []
    for size in dict.fromkeys(s for _, s in results):
        everyone = []
        for (world, s), cases in results.items():
            if s != size or not cases:
                continue
            rows.append(_row(world, size, cases, peers.get((world, s), [])))
            everyone += cases
        if everyone:  # the worst case of the size over every world and seed
            worst = _row("WORST", size, everyone, [])
            worst.update(candidates=max(c["candidates"] for c in everyone), seeds=len(everyone),
                         special="/".join(sorted({str(c.get("special_seats")) for c in everyone})))
            for key in ("ours_proven_s", "ours_slate_s", "highs_mip_s", "first_slate_s", "peak_mb", "read_csv_s",
                        "plain_default_s", "load_s"):
                worst[key] = max((r[key] for r in rows if r["size"] == size and isinstance(r[key], float)),
                                 default=None)
            rows.append(worst)
    return rows


def _number(text: str):
    """A results.csv cell as _table made it: an int, a float, None for an empty cell, else the text."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _merged(rows: list[dict], header: str, sizes: list[str]) -> tuple[list[dict], str]:
    """--merge: this run's rows, and the committed results.csv's rows of every other size, in size order;
    the header names both runs, so a reader knows which rows were measured when."""
    path = HERE / "results.csv"
    if not path.exists():
        return rows, header
    with open(path, encoding="utf-8") as f:
        first = f.readline().removeprefix("# ").strip()
        old = [{k: _number(v) for k, v in r.items()} for r in csv.DictReader(f) if r["size"] not in sizes]
    order = {s: k for k, s in enumerate(SIZES_DEFAULT + ["xl"])}
    together = sorted(old + rows, key=lambda r: order.get(r["size"], len(order)))  # stable: world order kept
    return together, f"{header}; rows of {', '.join(sizes)} from this run, the others from: {first}"


def _write(rows: list[dict], header: str) -> None:
    with open(HERE / "results.csv", "w", encoding="utf-8", newline="") as f:
        f.write(f"# {header}; {versions()}\n")
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in r.items()})


def _print(rows: list[dict]) -> None:
    print("\nPer world and size: medians over the seeds, then the worst seed (max time, min ratio); times in"
          " seconds;\nratios are HiGHS's time over ours (stage 1 over ours proven; HiGHS stage 1+2 over ours"
          " whole slate).\nWORST: every world and seed of the size.")
    head = ["world", "size", "cand", "seats", "spec", "ours proven", "worst", "ours slate", "worst", "any seed",
            "HiGHS 1",
            "x ours", "worst x", "HiGHS 1+2", "x slate", "worst x", "LP", "read CSV", "screen", "plain", "explain",
            "expl. spec", "special arg"]
    table = [head]
    for r in rows:
        table.append([r["world"], r["size"], str(r["candidates"]), str(r["seats"]), str(r["special"]),
                      _fmt(r["ours_proven_s"]), _fmt(r["ours_proven_max_s"]), _fmt(r["ours_slate_s"]),
                      _fmt(r["ours_slate_max_s"]),
                      _fmt(r.get("ours_slate_any_seed_max_s"))  # (rows merged from an older run: none)
                      + ("!" if r.get("same_slate_every_seed") in (False, "False") else ""),
                      _fmt(r["highs_mip_s"]), _fmt(r["highs_over_ours"]),
                      _fmt(r["highs_over_ours_min"]), _fmt(r["highs_12_s"]), _fmt(r["highs12_over_slate"]),
                      _fmt(r["highs12_over_slate_min"]), _fmt(r["lp_s"]), _fmt(r["read_csv_s"]),
                      _fmt(r["screen_s"]), _fmt(r["plain_default_s"]) + ("" if r["plain_status"] == "OPTIMAL" else "*"),
                      _fmt(r["explain_s"]), _fmt(r["explain_special_s"]),
                      str(r["special_by_argument"]) if r["world"] != "WORST" else ""])
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    print("'>' HiGHS hit its cap in at least one seed (the ratio is then a lower bound); * plain CP-SAT not proven"
          " within its cap. HiGHS: one thread, mip_rel_gap 0, its model build excluded; stage 2 holds the proven"
          " stage-1 merit. ours slate: merit, special class, tie-break and uniqueness proof (what `selector"
          " select` does); any seed: its worst over CP-SAT's random seeds 0, 1, 2 ('!': a seed gave another slate)."
          " special arg: 1 where stage 2 was settled by the exact best-k argument. explain / expl."
          f" spec: the whole explanation of two infeasible variants (agriculture 50%; rules on the special class),"
          f" in CPU seconds (wall time depends on the load), capped at {EXPLAIN_CAP['national']:.0f} s ('>').")
    for r in rows:
        print(f"{r['world']} {r['size']}: HiGHS {r['highs_status']}; plain {r['plain_status']}; unique {r['unique']};"
              f" kept {_fmt(r['kept'])} of {r['candidates']}, {_fmt(r['free'])} left free by the LP bound;"
              f" peer {_fmt(r['peer_s'])} (x{_fmt(r['peer_over_ours'])}); sweep {_fmt(r['sweep20_s'])}")


def _plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["world"] == "WORST"]
    sizes = [r["size"] for r in rows]
    series = [("ours: merit proven", "ours_proven_s"), ("ours: whole slate", "ours_slate_s"),
              ("HiGHS MIP stage 1", "highs_mip_s"), ("HiGHS MIP stage 1+2", "highs_12_s"),
              ("plain CP-SAT (default)", "plain_default_s"), ("LP relaxation", "lp_s"), ("read CSV", "read_csv_s")]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, key in series:
        ys = [r[key] if isinstance(r[key], float) else None for r in rows]
        ax.plot(sizes, ys, marker="o", label=label)
    ax.set_yscale("log")
    ax.set_ylabel("seconds (worst world and seed)")
    ax.set_title("Slate selection: worst case by pool size over every world (capped runs at their cap)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "results.png", dpi=110)


if __name__ == "__main__":
    main()
