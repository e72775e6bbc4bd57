"""The exact fast path: solve a much smaller model that provably has the same canonical slate.

Two reductions, both exact, then selector.engine.solve on what is left:

1. Interchangeable classes (selector/engine/classes.py), before any model is built: the best `class_limit`
   of every class of candidates that every rule treats alike, with chains and subset limits.
2. Reduced-cost fixing (selector/engine/lp.py): the LP bound settles candidates for slates scoring at least
   a threshold T. The model with those candidates fixed (in: forced in; out: dropped) holds every slate
   >= T; if its optimum z >= T, z is the optimum of the whole model and every optimal slate is in it, so
   stages 2 and 3, uniqueness and the tie-break give the same slate. If z < T, z is a lower bound and
   the model fixed at T = z is exact; if none exists, T is lowered.

The plain per-candidate model stays reachable (SolverSettings(fast=False)) as the reference the tests
compare against. Every solve runs in one session (selector/engine/session.py); slates come back in
candidate ids, whichever smaller pool they were solved on.
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction

from ortools.sat.python import cp_model

from selector.domain import has_slate
from selector.engine.classes import Pruned, build_pruned, prune, restrict, subset_dominance
from selector.engine.lp import LpBound, lp_bound, narrow_by_lp
from selector.engine.model import SelectionModel, build_model, without_free_subsets
from selector.engine.session import Session, SolverSettings, maximize
from selector.engine.solve import PoolSolution, slate_ids, solve_model
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet

# LEAN_STAGE1: the LP bound and the rounds of stage 1 (province and up) leave out a subset award only its seats
# constrain (model.without_free_subsets: the Fuxin special class); the final round's model is built again with
# every award. Measured, national, CPU s, whole slate, one run each (a test suite on the other core), the same
# slates: big-special (750 special) 17.3 -> 12.5 (stage 1's rounds 9.7 -> 3.1), ties 8.5 -> 6.9, small-units
# 6.5 -> 5.9, base 6.0 -> 6.1; province 0.5-1.1 s either way (the second build: 0.05 s).

# ---------------------------------------------------------------------------------------- the fast path
SMALL_POOL = 1500  # up to this many kept candidates the pruned model is solved as it is (city: 0.06 s against
# 0.17 s through the LP rounds); above, the LP bound settles candidates first. Tests set it to 0 to check that path.
NARROW_FROM = SMALL_POOL + 1  # a pruned model of fewer candidates than this (no LP rounds) skips the LP fixing
# between stages, solves without CP-SAT's presolve, and takes stages 2 and 3 as one objective (solve.py): each
# costs more than it saves there. City (378-395 kept of 400, four worlds): CPU, best of 3, whole slate 9.1 -> 3.2 s
# for 12 cases. It was 600 until 935-970 kept (1,000 candidates, 300 seats, four worlds x 2 seeds) were measured:
# 0.76-4.84 s CPU with presolve and the stages one by one, 0.30-1.52 s without, the same slates; those pools were
# slower than the 1,500-1,570 kept that take the LP rounds (0.7-2.2 s). Tests set it to 0 to check the fixing on
# small pools. Above SMALL_POOL (province and up, through the LP rounds) the fixing is kept.

PROOF_STEPS = 8  # _prove_floor only when the LP bound is at most this many values (lp.step) above the floor.
# Measured, CPU, best of 2, load 4-5: big-special (0.5 grid) is 4.6 steps above at national, 2 at province: the
# proof is faster (whole slate national 69.3 -> 61.2 s, province 3.79 -> 2.10 s); base, ties, small-units are
# 32-305 steps above, their floor's model solves in 1.3-2 s and the proof plus a second build cost 1.1-1.5 s more.

# LATER_STAGES: on an LP-round model (province and up) the stages after stage 1 (stage 2, stage 3, the
# uniqueness question, the tie-break) run without CP-SAT's presolve, and the LP fixing runs after stage 1 and
# stage 3 but not after stage 2. Measured, 1 worker, CPU, best of 2 (load 3-6), the same slates (digest of the
# selected ids), whole slate: big-special national 36.3 -> 25.7 s (stage 2 solve 8.2 -> 4.0 s and stage 3
# 6.0 -> 1.7 s replayed alone: presolve was most of each, three passes at 14,000 variables), base national
# 12.3 -> 7.6, small-units national 13.8 -> 10.8, ties national 9.2 -> 9.5 (its stage 3 slower, its uniqueness
# faster); province 0.84-1.53 -> 0.79-1.42 s; 100,000 candidates (one run) big-special 64.4 -> 53.1, base
# 16.6 -> 12.1, ties 14.9 -> 10.4, small-units 14.2 -> 14.5 (best of 2). Tried: no presolve also for stage 1's
# capped rounds (big-special national 17 s, but base province 1.2 -> 5.2 s: its first round no longer proved in
# its cap); no LP fixing after stage 3 either (ties national 9.2 -> 12.4 s, big-special province 1.5 -> 2.1 s:
# the uniqueness question needs it).


def _stage1(sm: SelectionModel, session: Session, first: list[float], start: float, work: float | None = None,
            hint: set[str] | None = None, lazy_lp: bool = False):
    """Stage 1 alone on a (small) model: (status, value, values). `first` gets the time of the first slate.
    `work`: a cut-off in CP-SAT's deterministic time, the same however loaded the machine is. `hint`: the
    candidate ids of a slate seen before (an earlier round's), to start from (it changes no result)."""

    class _First(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if not first:
                first.append(time.perf_counter() - start)

    stage1 = sm.merit[sm.top.id] - sm.penalty
    sm.model.clear_hints()
    if hint is not None:
        sm.model.proto.solution_hint.vars.extend([v.index for v in sm.x[sm.top.id]])
        sm.model.proto.solution_hint.values.extend([int(c in hint) for c in sm.pool.table["id"]])
    maximize(sm.model, stage1)
    got = session.solve(sm.model, work=work, callback=_First(), lazy_lp=lazy_lp)
    if got.found:
        return got.status, got.value(stage1), got.decisions(sm)
    return got.status, None, None


def _tie_break_start(sm: SelectionModel, session: Session, work: float):
    """(merit, slate) of a first slate for a round in which the LP settles nothing: the LP's optimum is then a
    whole face (every score equal, say), and a search steered by merit alone has nothing to steer by. Merit
    and the tie-break as one objective, stopped at the first slate, within `work` of CP-SAT's deterministic
    time; None if none is found in it. The caller takes it as proven when its merit reaches the LP bound (no
    search then), else starts the round's own solve from it; either way it starts stage 3 near the
    tie-break's best. Measured on the flat world (benchmarks/worlds.py), CPU, the same slates: 30,000
    candidates, stage 1 37 -> 6.6 s, stage 3 12.0 -> 4.6 s, whole slate 58 -> 19 s; 5,000: 8.8 -> 4.3 s. No
    round of the other four worlds settles nothing, so none of them takes it."""
    top = sm.top
    weights = sm.tie_break_weight
    # A perturbation, not an order: merit times n + 1 beside tie-break weights up to n. With merit's weight
    # above any tie-break sum (an exact order), the first slate took 45 s at 30,000.
    merit_weight = len(weights) + 1
    probe = sm.model.clone()
    probe.clear_hints()
    maximize(probe, merit_weight * (sm.merit[top.id] - sm.penalty)
             + cp_model.LinearExpr.weighted_sum(sm.x[top.id], weights))
    first = Session(replace(session.settings, time_limit=session.remaining()), tuned=True, first=True)
    got = first.solve(probe, work=work)
    if not got.found:
        return None
    return got.value(sm.merit[top.id] - sm.penalty), got.decisions(sm, probe)


def _free_subset_start(sm: SelectionModel, slate: dict[str, list[int]], chains: list[list[int]]):
    """_subset_start without a solve when the one subset award is free (model.free_subsets: nothing but its
    seats constrains it): the best `seats` of the slate who may hold it, by score then tie-break weight.
    None if that choice breaks a chain (x[after] => x[before]) or there are too few: then the solve. Measured on
    the big-special world at national size: the solve took 9.7 s (most of it CP-SAT's presolve)."""
    sub = sm.awards[1]
    top = slate[sm.top.id]
    holders = [i for i in range(len(top)) if top[i] and sm.can_hold[sub.id][i]]
    if len(holders) < sub.seats:
        return None
    holders.sort(key=lambda i: (-sm.scaled_scores[i], -sm.tie_break_weight[i]))
    chosen = [0] * len(top)
    for i in holders[:sub.seats]:
        chosen[i] = 1
    if any(chosen[after] > chosen[before] for chain in chains for before, after in zip(chain, chain[1:])):
        return None
    return dict(slate) | {sub.id: chosen}


def _subset_start(sm: SelectionModel, slate: dict[str, list[int]], session: Session):
    """A start for stage 2: the stage-1 slate's top award as it is, the subset awards chosen best for it
    (a small solve: the top award fixed). Measured: stage 2 at 100,000 candidates took 104 s from the
    stage-1 slate's own subset choice."""
    probe = sm.model.clone()
    for v, val in zip(sm.x[sm.top.id], slate[sm.top.id]):
        probe.add(probe.get_bool_var_from_proto_index(v.index) == val)
    subsets = sm.awards[1:]
    maximize(probe, sum(cp_model.LinearExpr.weighted_sum(
        [probe.get_bool_var_from_proto_index(v.index) for v in sm.x[a.id]], sm.scaled_scores) for a in subsets))
    probe.clear_hints()
    got = session.solve(probe)
    if not got.found:
        return None
    return dict(slate) | {a.id: v for a, v in zip(sm.awards, got.decisions(sm, probe).values()) if a in subsets}


def _prove_floor(found, floor: int, lp: LpBound, reduced, session: Session, first: list[float], start: float):
    """The exact round when a slate of stage-1 value `floor` (LP units) is known (`found`: small pool, model,
    value, values): instead of solving the model fixed at the floor to optimality, ask the smaller model fixed
    at the next value any slate can take (floor + lp.step) for a slate reaching it. Empty: the floor is the
    optimum, and the floor's model (which holds every slate reaching it) takes the found slate. Returns
    solve_pool's `final`, or None (then the usual round). Measured, big-special national (optimum 2.3 below
    the LP bound, 0.5 grid): the floor's model (7,100 kept) took 13-20 s CPU to solve, the one at floor + 0.5
    (6,037 kept) 4.3 s to prove empty."""
    above = floor + lp.step
    small, n_forced, sm, _ = reduced(above)
    stage1 = sm.merit[sm.top.id] - sm.penalty
    factor = lp.scale // sm.scale
    sm.model.add(stage1 >= -(-above // factor))  # in the model's units, rounded up
    status, value, values = _stage1(sm, session, first, start)
    if status == "optimal":  # a better slate, optimal in a model holding every slate >= above: exact
        return small, sm, value, values, len(small.kept) - n_forced
    if status != "infeasible":
        return None  # out of time
    small, n_forced, sm, _ = reduced(floor)  # holds every slate >= floor, the found one among them
    values = _moved(found, small, sm)
    if values is None:
        return None
    value = floor // (lp.scale // sm.scale)
    return small, sm, value, values, len(small.kept) - n_forced


def _moved(found, small: Pruned, sm: SelectionModel) -> dict[str, list[int]] | None:
    """The slate `found` (solved on another part of the pruned pool) in the positions of `small`'s model,
    checked there by a solve with every decision fixed (cheap: presolve settles it); None if it is not a
    slate of that model."""
    f_small, f_sm, _, f_values = found
    where = {c: k for k, c in enumerate(small.pool.ids)}
    values = {}
    for a, vals in slate_ids(f_sm, f_values).items():
        if any(c not in where for c in vals):
            return None
        chosen = {where[c] for c in vals}
        values[a] = [int(k in chosen) for k in range(len(small.pool.ids))]
    probe = sm.model.clone()
    for a in sm.awards:
        for v, b in zip(sm.x[a.id], values[a.id]):
            probe.add(probe.get_bool_var_from_proto_index(v.index) == b)
    probe.clear_hints()
    got = Session(SolverSettings(), tuned=True).solve(probe, work=1.0)
    return values if got.found else None


def _fix_at_optimum(sm: SelectionModel, small: Pruned, pruned: Pruned, lp: LpBound, optimum: int) -> int:
    """Fix in `sm` (the model of `small`, a part of `pruned`) the top-award choice of every candidate that the
    LP bound of `pruned` settles for slates reaching `optimum` (stage 1, proven): the rounds fixed them only
    for their own, lower, threshold. Returns how many were fixed."""
    keep, force = lp.threshold_fixing(optimum * (lp.scale // sm.scale))
    where = {c: j for j, c in enumerate(pruned.pool.ids)}
    fixed = 0
    x = sm.x[sm.top.id]
    for k, c in enumerate(small.pool.ids):
        j = where[c]
        if not keep[j]:
            sm.model.add(x[k] == 0)
            sm.out_at_optimum.add(k)
            fixed += 1
        elif force[j]:
            sm.model.add(x[k] == 1)
            fixed += 1
    return fixed


def solve_pool(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
               settings: SolverSettings = SolverSettings(), fixed: dict[str, bool] | None = None,
               merit_only: bool = False) -> PoolSolution:
    """The canonical slate of one pool: the exact fast path by default, the plain model with fast=False.
    The slate is in candidate ids, whichever smaller pool it was solved on. `merit_only` (fast path,
    for sweeps): stop once the merit is proven optimal, with a slate reaching it (not the tie-break's)."""
    if not settings.fast or len(ruleset.top_awards(pool.kind)) > 1:  # disjoint titles (issue 14, 4): the classes'
        # limits assume one top award, so these pools take the plain model
        return solve_model(build_model(ruleset, pool, quotas, eligible=eligible, fixed=fixed), settings)
    start = time.perf_counter()
    session = Session(settings, tuned=True)
    timings: dict[str, float] = {}
    first: list[float] = []

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - since
        return now

    # The LP rounds of stage 1 leave out a subset award only its seats constrain (model.without_free_subsets):
    # stage 1's merit is the top award's, and every slate of it holds one; the model of the final round is
    # then built again with every award for the stages after it (LEAN_STAGE1 above).
    lean = without_free_subsets(ruleset, pool.kind, quotas)
    made: dict[int, int] = {}  # id of a round's model -> its threshold, to build it again with every award

    def reduced(threshold: int, rules: RuleSet = lean):
        """The pruned pool with what the LP settles for slates >= threshold: (pool, forced, model, anything
        settled)."""
        keep, force = lp.threshold_fixing(threshold)
        settled = not all(keep) or any(force)
        small = restrict(pruned, keep)
        in_small = [force[j] for j in range(len(keep)) if keep[j]]
        user = [bool(fixed) and fixed.get(i) is True for i in small.pool.table["id"]]  # type: ignore[union-attr]
        in_small = [a or b for a, b in zip(in_small, user)]
        small = replace(small, allowed=subset_dominance(rules, small, quotas, in_small))
        ids = list(small.pool.table["id"])
        forced = {ids[k]: True for k in range(len(ids)) if in_small[k]}
        sm_ = build_pruned(rules, small, quotas, (fixed or {}) | forced)
        made[id(sm_)] = threshold
        return small, sum(in_small), sm_, settled

    def every_award(small: Pruned, sm_: SelectionModel, values):
        """A round's model and slate (of `lean`) as the model of the same round with every award, and the
        slate with its free subset award chosen (the best of the slate: _free_subset_start), or with the
        choice a small solve gives (_subset_start) when that breaks a chain, else the top award alone."""
        if lean is ruleset:
            return small, sm_, values
        small, _, full, _ = reduced(made[id(sm_)], ruleset)
        return small, full, _free_subset_start(full, values, small.chains) or _subset_start(full, values, session) \
            or values

    if fixed and eligible is not None and any(fixed.get(i) is True and not ok for i, ok in zip(pool.ids, eligible)):
        # a what-if forces in a candidate the notice excludes: no slate (the plain model finds the same)
        return PoolSolution("infeasible", wall_time=time.perf_counter() - start, timings=timings)
    t = start
    pruned = prune(ruleset, pool, quotas, eligible, fixed)
    t = lap("prune", t)
    timings["candidates"], timings["kept"] = len(pool), len(pruned.kept)
    final = None
    found = None
    lp = None
    tolerant = any(p.tolerance_value > 0 for p in ruleset.preferences_of_pool(pool.kind))  # issue 14, 1: LP
    # fixing keeps only slates of the optimal merit; a preference's tolerance needs the others too
    if len(pruned.kept) <= SMALL_POOL or tolerant:  # small pools: the pruned model, the LP only between stages
        sm = build_pruned(ruleset, pruned, quotas, fixed)
        t = lap("build", t)
        session.presolve = len(pruned.kept) >= NARROW_FROM  # small: presolve costs more than it saves
        status, value, values = _stage1(sm, session, first, start)
        t = lap("search", t)
        if status == "infeasible":
            return PoolSolution("infeasible", scale=sm.scale, wall_time=time.perf_counter() - start, timings=timings)
        if status == "optimal":
            final = (pruned, sm, value, values, len(pruned.kept))
    elif pruned.kept:
        lp = lp_bound(lean, pruned, quotas, fixed, session.remaining())
        t = lap("lp", t)
    if lp is not None:
        top = lp.ceiling
        # Thresholds just under the bound give small models: solve them (a second each at most) with the
        # threshold lowered until one holds a slate; its value is then a floor, and the model fixed for the
        # floor is exact (the last round, with no time cap of its own).
        delta = max(1, top // 200_000)
        floor: Fraction | None = None
        found = None  # the best slate seen, for a time limit
        while final is None:
            threshold = top - delta
            exact = floor is not None and threshold <= floor
            if exact:
                threshold = int(floor)  # type: ignore[arg-type]
            if exact and found is not None and top - int(floor) <= PROOF_STEPS * lp.step:  # type: ignore[arg-type]
                proved = _prove_floor(found, int(floor), lp, reduced, session, first, start)  # type: ignore[arg-type]
                t = lap("search", t)
                if proved is not None:
                    final = proved
                    timings["floor_proof"] = 1
                    break
            small, n_forced, sm, settled = reduced(threshold)
            exact = exact or not settled  # nothing settled: this is the pruned model itself
            t = lap("build", t)
            # A round that is not exact only looks for a floor: a short cap in CP-SAT's deterministic time
            # (wall-clock caps made the path depend on the machine's load: at national size with ties, a
            # loaded machine found no slate within 1 s and the rounds fell through to the whole pruned
            # model, 41-160 s instead of 4), longer for a larger model.
            work = None if exact else 1.0 + min(7.0, (len(small.kept) - n_forced) / 4000)
            hint = None if found is None else set(slate_ids(found[1], found[3])[found[1].top.id])
            steered = None
            if hint is None and not settled:  # the LP's optimum a whole face: steer the first slate (above)
                steered = _tie_break_start(sm, session, 4 * (1.0 + min(7.0, (len(small.kept) - n_forced) / 4000)))
            if steered is not None and Fraction(steered[0], sm.scale) * lp.scale >= top:
                status, (value, values) = "optimal", steered  # it reaches the LP bound: merit-optimal, no search
                if not first:
                    first.append(time.perf_counter() - start)
                timings["steered"] = 1
            else:
                hint = hint if steered is None else set(slate_ids(sm, steered[1])[sm.top.id])
                status, value, values = _stage1(sm, session, first, start, work, hint)
            if status == "unknown" and not exact:
                # Undecided in the short time: the same small model once more with four times the work
                # before a larger one (each larger model is harder still). Measured on the big-special world
                # at national size (heavy ties, LP bound 2.3 points above the optimum): the first round's
                # model (3,412 free) needed 6 units of work and held the optimum; growing instead went to
                # 13,408 and 23,275 free, and the whole pruned model took 152 s. The retry adds the LP rows
                # lazily (CP-SAT's default; session.Session.solver): that round's model (5,035 kept, 31,000
                # at-most-one rows after presolve) solved to optimality in 1.5 units of work against 3.9 with
                # every row from the start; the retry 12.5-15.7 -> 6.7 s CPU, whole slate 50-57 -> 44 s, the
                # same slate. Lazy rows for every solve made the first round stop at a worse floor (whole
                # slate 76-79 s), so only the retry.
                status, value, values = _stage1(sm, session, first, start, 4 * work, hint, lazy_lp=True)
                timings["retries"] = timings.get("retries", 0) + 1
            t = lap("search", t)
            if has_slate(status):
                z = Fraction(value, sm.scale) * lp.scale  # exact: sm.scale divides lp.scale
                if status == "optimal" and (z >= threshold or not settled):
                    final = (small, sm, value, values, len(small.kept) - n_forced)
                    break
                if floor is None or z > floor:
                    floor, found = z, (small, sm, value, values)
                if status == "feasible":
                    if exact:
                        break  # out of time: the pruned model below, for a slate with its gap
                    delta = top - int(floor) + 1  # out of the short time: go to the floor
                    continue
            elif status == "infeasible" and not settled:
                return PoolSolution("infeasible", scale=sm.scale, wall_time=time.perf_counter() - start,
                                    timings=timings)
            elif exact:
                break  # out of time: the pruned model below
            if session.remaining() is not None and session.remaining() < 0.01:
                break
            delta *= 4
            timings["rounds"] = timings.get("rounds", 0) + 1
    if final is None and lp is not None and found is not None and session.remaining() is not None \
            and session.remaining() <= 0.01:  # out of time: the best slate seen, with the LP's bound (gap)
        small, sm, value, values = found
        small, sm, values = every_award(small, sm, values)
        bound = lp.ceiling // (lp.scale // sm.scale)
        return PoolSolution("feasible", slate_ids(sm, values), value, max(value, bound), sm.scale, None,
                            time.perf_counter() - start, timings=timings)
    if final is None:  # no LP, no time, or no slate: the pruned model as it is
        sol = solve_model(build_pruned(ruleset, pruned, quotas, fixed),
                          replace(settings, time_limit=session.remaining()))
        lap("search", t)
        sol.wall_time = time.perf_counter() - start
        sol.timings = timings
        return sol
    small, sm, value, values, free = final
    timings["free"] = free
    if first:
        timings["first_slate"] = first[0]
    if merit_only:  # (a free subset award, left out of the rounds, is not chosen)
        return PoolSolution("optimal", slate_ids(sm, values), value, value, sm.scale, None, time.perf_counter() - start,
                            timings=timings)
    if lp is not None:
        t = time.perf_counter()
        small, sm, values = every_award(small, sm, values)
        lap("build", t)

    def narrow(sm_: SelectionModel, stage: int, objective, optimum: int, slate):
        t_ = time.perf_counter()
        if lp is None and len(sm_.pool) < NARROW_FROM:
            pass  # small: the LP fixing costs more than it saves (NARROW_FROM); it only ever narrows
        elif stage == 2 and lp is not None:
            pass  # LP-round models: the fixing after stage 2 cost more than stage 3 saved (LATER_STAGES)
        elif stage > 1 or lp is None:
            timings[f"fixed{stage}"] = narrow_by_lp(sm_, objective, optimum, stage1=stage == 1)
        elif stage == 1:  # the whole pool's LP bound at the proven optimum: what every optimal slate holds
            timings["fixed1"] = _fix_at_optimum(sm_, small, pruned, lp, optimum)
        lap("narrow", t_)
        if stage == 1 and len(sm_.awards) == 2 and sm_.awards[1].id in sm_.free_subsets:
            start_ = _free_subset_start(sm_, slate, small.chains)
            timings["free_subset_start"] = int(start_ is not None)
            if start_ is not None:
                return start_
        if stage == 1 and len(sm_.awards) > 1:
            return _subset_start(sm_, slate, session)
        return None

    sol = solve_model(sm, replace(settings, time_limit=session.remaining()), (value, values), narrow,
                      at_least=lp is not None,  # LP-round models only: solve._hold
                      small=lp is None and len(sm.pool) < NARROW_FROM,  # what narrow leaves alone
                      presolve=lp is None)  # LP-round models: the stages after stage 1 without it (LATER_STAGES)
    lap("stages", t)
    if sm.special_by_argument is not None:
        timings["special_by_argument"] = int(sm.special_by_argument)
        timings["probes"] = sm.probes
    timings["stages_23_as_one"] = int(sm.stages_23_as_one)
    sol.wall_time = time.perf_counter() - start
    sol.timings = timings
    return sol
