"""Solving: lexicographic objectives on the model that model.py built, with a documented tie-break.

Stage 1 maximises merit of the top award (minus soft-rule penalties); stage 2, with that fixed,
the merit of the subset awards (the special class); stage 3, with both fixed, the tie-break weights
(rule set's `tie_break` keys, then the smaller id). The slate is then proven unique by asking for any
other slate with the same three objectives; if one exists, the lexicographically first slate in
tie-break order is fixed candidate by candidate. Hence the same inputs give the same slate whatever
the number of workers. Optimality is claimed only when CP-SAT proved it.

On the fast path (SolverSettings(fast=True)), a subset award that no rule or quota constrains (Fuxin's
special class, S2) has its stage 2 settled by an exact argument when it can be (_best_k_of_selected: the
best k of those who can be in a merit-optimal slate, if one slate holds them all) instead of a search with
stage 1 held as an equality; measured on the `ties` benchmark world (benchmarks/worlds.py) at national size,
stage 2 took 54 s as a search. The definition of the slate is unchanged; the plain model
(SolverSettings(fast=False)) always searches, and tests/test_fast_path.py compares the two.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from selector.engine.model import SelectionModel


@dataclass(frozen=True)
class SolverSettings:
    workers: int = 1  # on 2 cores, one worker was fastest (benchmark issue); any number gives the same slate
    time_limit: float | None = None  # seconds for the whole pool, all stages
    seed: int = 0
    fast: bool = True  # the exact fast path (selector/engine/prune.py); False: the plain per-candidate model


@dataclass
class PoolSolution:
    """What solving one pool's model gave."""

    status: str  # optimal | feasible | infeasible | unknown
    selected: dict[str, list[int]] = field(default_factory=dict)  # award id -> candidate positions
    objective: int | None = None  # stage 1, scaled (merit - penalty)
    bound: int | None = None  # stage 1 proven bound, scaled
    scale: int = 1
    unique: bool | None = None  # proven: no other slate ties on all three objectives
    wall_time: float = 0.0
    stage_times: list[float] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # the fast path's steps (selector/engine/prune.py), seconds

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return (self.bound - self.objective) / max(1, abs(self.bound))


class _Clock:
    def __init__(self, limit: float | None):
        self.start = time.perf_counter()
        self.limit = limit

    def remaining(self) -> float | None:
        if self.limit is None:
            return None
        return max(0.01, self.limit - (time.perf_counter() - self.start))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


class InterruptibleSolver(cp_model.CpSolver):
    """A CP-SAT solver that Ctrl-C stops with KeyboardInterrupt, as it would stop any other Python code.

    By default CP-SAT catches SIGINT itself: the search stops quietly and the caller gets FEASIBLE or
    UNKNOWN as if a time limit had run out (a slate would be written as if nothing happened), and
    SIGINT is left at its default action, so the next Ctrl-C kills the process before it can clean up.
    Here the search runs in a worker thread while the main thread waits, interruptibly: on Ctrl-C the
    search is stopped and KeyboardInterrupt raised, and the CLI exits 130 with nothing written."""

    def solve(self, model: cp_model.CpModel, solution_callback=None):  # type: ignore[override]
        self.parameters.catch_sigint_signal = False
        if threading.current_thread() is not threading.main_thread():
            return super().solve(model, solution_callback)  # only the main thread receives Ctrl-C
        outcome: dict = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["status"] = super(InterruptibleSolver, self).solve(model, solution_callback)
            except BaseException as e:  # handed to the caller below
                outcome["error"] = e
            finally:
                done.set()

        threading.Thread(target=run, name="cp-sat", daemon=True).start()
        try:
            while not done.wait(0.1):
                pass
        except KeyboardInterrupt:
            self.stop_search()
            while not done.wait(0.1):
                pass
            raise
        if "error" in outcome:
            raise outcome["error"]
        return outcome["status"]


def _solver(settings: SolverSettings, clock: _Clock) -> cp_model.CpSolver:
    s = InterruptibleSolver()
    s.parameters.num_workers = settings.workers
    s.parameters.random_seed = settings.seed
    s.parameters.linearization_level = 2  # tighter root bound on these cardinality models
    if settings.workers > 1:
        # With 2-7 workers CP-SAT's default portfolio leaves out max_lp; measured on the sample, stage 1
        # then took 13-28 s instead of 0.1 s. Name the subsolvers that work here.
        s.parameters.subsolvers.extend(["max_lp", "default_lp", "core", "quick_restart"])
    if settings.fast:  # every LP row from the start: the root bound is then the LP's (benchmark issue)
        s.parameters.add_lp_constraints_lazily = False
        s.parameters.cp_model_probing_level = 0  # national benchmark case: 14 s instead of 17 s in all
    left = clock.remaining()
    if left is not None:
        s.parameters.max_time_in_seconds = left
    return s


def _all_vars(sm: SelectionModel) -> list[cp_model.IntVar]:
    return [v for a in sm.awards for v in sm.x[a.id]]


def _hint(sm: SelectionModel, values: dict[str, list[int]]) -> None:
    sm.model.clear_hints()
    for a in sm.awards:
        for v, val in zip(sm.x[a.id], values[a.id]):
            sm.model.add_hint(v, val)


def _values(sm: SelectionModel, solver: cp_model.CpSolver) -> dict[str, list[int]]:
    return {a.id: [int(solver.boolean_value(v)) for v in sm.x[a.id]] for a in sm.awards}


def solve_model(sm: SelectionModel, settings: SolverSettings = SolverSettings(),
                proven: tuple[int, dict[str, list[int]]] | None = None, narrow=None) -> PoolSolution:
    """Solve the three stages in place on `sm.model` (it gains the stage-fixing constraints).
    `proven`: stage 1 was already solved to optimality on this very model (selector/engine/prune.py): its
    value and a slate reaching it; the stages after it run as usual. `narrow(sm, stage, objective, value,
    slate)` (selector/engine/prune.py), called once a stage's optimum is known and before it is fixed, may add
    constraints that every slate optimal so far meets (it must not cut any of them off); after stage 1 it
    may return a better slate of the same stage-1 value to start stage 2 from."""
    clock = _Clock(settings.time_limit)
    m = sm.model
    top = sm.top
    times: list[float] = []

    # Stage 1: merit of the top award, less soft-rule penalties.
    stage1 = sm.merit[top.id] - sm.penalty
    if proven is not None:
        return _after_stage1(sm, settings, clock, times, stage1, proven[0], proven[0], proven[1], narrow)
    m.maximize(stage1)
    solver = _solver(settings, clock)
    status = solver.solve(m)
    times.append(solver.wall_time)
    if status == cp_model.INFEASIBLE:
        return PoolSolution("infeasible", scale=sm.scale, wall_time=clock.elapsed(), stage_times=times)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PoolSolution("unknown", scale=sm.scale, wall_time=clock.elapsed(), stage_times=times)
    best = int(solver.value(stage1))  # exact: objective_value is a float (255.99999999999997 for 256)
    bound = best if status == cp_model.OPTIMAL else math.floor(solver.best_objective_bound + 1e-6)
    values = _values(sm, solver)
    if status != cp_model.OPTIMAL:  # out of time: the slate found, labelled feasible, with its gap
        return _finish(sm, values, "feasible", best, bound, None, clock, times)
    return _after_stage1(sm, settings, clock, times, stage1, best, bound, values, narrow)


def _after_stage1(sm: SelectionModel, settings: SolverSettings, clock: _Clock, times: list[float], stage1,
                  best: int, bound: int, values: dict[str, list[int]], narrow=None) -> PoolSolution:
    """Stages 2 and 3, the uniqueness proof and the tie-break, once stage 1 is proven optimal at `best`."""
    m = sm.model
    subsets = [a for a in sm.awards[1:] if a.parent is not None]  # not the other disjoint titles (issue 14)
    tolerance = max((t for _, _, t in sm.preferred), default=0)
    if narrow is not None:  # a preference's merit tolerance widens what may not be cut off
        values = narrow(sm, 1, stage1, best - tolerance, values) or values
    if sm.preferred:
        got = _preference_stages(sm, settings, clock, times, stage1, best, tolerance, values)
        if got is None:
            return _finish(sm, values, "feasible", best, bound, None, clock, times)
        values, best = got
    m.add(stage1 == best)

    # Stage 2: merit of the subset awards (S2: the special class chosen on merit from the slate).
    settled = False
    if settings.fast and len(subsets) == 1 and subsets[0].id in sm.free_subsets:
        got = _best_k_of_selected(sm, values, best, settings, clock, times)
        sm.special_by_argument = got is not None
        if got is not None:
            settled, values = True, got
    if subsets and not settled:
        stage2 = sum(sm.merit[a.id] for a in subsets)
        _hint(sm, values)
        m.maximize(stage2)
        solver = _solver(settings, clock)
        status = solver.solve(m)
        times.append(solver.wall_time)
        if status != cp_model.OPTIMAL:
            return _finish(sm, values, "feasible", best, bound, None, clock, times,
                           stage_ok=status == cp_model.FEASIBLE)
        values = _values(sm, solver)
        if narrow is not None:
            narrow(sm, 2, stage2, solver.value(stage2), values)
        m.add(stage2 == solver.value(stage2))

    # Stage 3: the documented tie-break among equal-merit slates.
    stage3 = sum(cp_model.LinearExpr.weighted_sum(sm.x[a.id], sm.tie_break_weight) for a in sm.awards)
    _hint(sm, values)
    m.maximize(stage3)
    solver = _solver(settings, clock)
    status = solver.solve(m)
    times.append(solver.wall_time)
    if status != cp_model.OPTIMAL:
        # merit is proven; only the tie-break ran out of time, so the slate may not be unique
        return _finish(sm, values, "optimal", best, bound, None, clock, times)
    values = _values(sm, solver)
    if narrow is not None:
        narrow(sm, 3, stage3, solver.value(stage3), values)
    top3 = int(solver.value(stage3))
    before = m.clone() if settings.fast else None  # for the uniqueness question: stage 3 not yet held
    m.add(stage3 == top3)
    m.clear_objective()

    # Uniqueness: is there any other slate with the same three objectives?
    if settings.fast:  # the same answers, asked as optimisations (measured far faster: benchmark issue)
        t0 = time.perf_counter()
        unique = _is_only_solution_by_second_best(sm, before, stage3, top3, values, settings, clock)
        times.append(time.perf_counter() - t0)
        if unique is False:
            values = _lexicographic_first_by_blocks(sm, values, settings, clock)
        return _finish(sm, values, "optimal", best, bound, unique, clock, times)
    unique = _is_only_solution(sm, values, settings, clock)
    if unique is False:
        values = _lexicographic_first(sm, values, settings, clock)
    return _finish(sm, values, "optimal", best, bound, unique, clock, times)


def _preference_stages(sm: SelectionModel, settings: SolverSettings, clock: _Clock, times: list[float], stage1,
                       best: int, tolerance: int, values) -> tuple[dict[str, list[int]], int] | None:
    """Issue 14, 1 (rules.Preference): among slates with merit >= best - tolerance (the largest tolerance of
    the pool's preferences), the most members of each preferred group in turn, then the greatest merit
    among those. (values, that merit), or None when a stage is not solved to optimality in time."""
    m = sm.model
    m.add(stage1 >= best - tolerance)

    def maximise(objective):
        _hint(sm, values)
        m.maximize(objective)
        solver = _solver(settings, clock)
        status = solver.solve(m)
        times.append(solver.wall_time)
        return solver if status == cp_model.OPTIMAL else None

    for _pid, count, _t in sm.preferred:
        solver = maximise(count)
        if solver is None:
            return None
        values = _values(sm, solver)
        m.add(count >= int(solver.value(count)))
    if not tolerance:
        return values, best
    solver = maximise(stage1)
    return None if solver is None else (_values(sm, solver), int(solver.value(stage1)))


PROBES = 3  # at most this many solves settle stage 2 by the argument below, else the usual stage 2
PROBE_WORK = 0.3  # each within this much of CP-SAT's deterministic time


def _best_k_of_selected(sm: SelectionModel, values, best: int, settings: SolverSettings, clock: _Clock,
                        times: list[float]):
    """Stage 2 for a subset award that nothing but its seats constrains (model.free_subsets), settled by an
    exact argument instead of a search with stage 1 held as an equality.

    Let A be who may hold the subset award and may be in some slate of merit `best`, k its seats, T the best k
    of A (by score), v the k-th score, A> those of A scoring more than v (all in T) and m = k - |A>| the
    number of T scoring exactly v. No optimal slate's subset merit exceeds T's. A subset choice of k reaches
    it exactly when its multiset of scores is T's: it takes all of A>, m of A scoring v and nobody else. So
    if some slate of merit `best` holds A> and at least m of A scoring v (the stage-1 slate, or a stage-1
    solve with that required, which CP-SAT proves reaches `best`), stage 2's optimum is T's merit, and the
    slates optimal so far are exactly those of merit `best` whose subset choice is as described: posted here
    as constraints, in place of stage 2's equality. A starts as the subset's holders less those the LP bound
    proved out (`sm.out_at_optimum`); a candidate of A> (else of those scoring v) that no slate of merit
    `best` holds (asked one by one, a solve each, proven) leaves A and T is taken again. At most PROBES
    solves, each cut short at PROBE_WORK (deterministic time, so the path taken does not depend on the
    machine's load): the argument is worth trying only while it is cheap. Returns a slate
    meeting the constraints (its subset choice the best k of it, tie-break order among equal scores), or
    None when this does not settle it within a few rounds (stage 2 is then solved as usual)."""
    top, sub = sm.top, sm.awards[1]
    k = sub.seats
    score = sm.scaled_scores
    weight = sm.tie_break_weight
    x, y = sm.x[top.id], sm.x[sub.id]
    stage1 = sm.merit[top.id] - sm.penalty  # sm.model already holds stage1 == best
    out = set(sm.out_at_optimum)
    asked = len(times)

    def slate_with(required: list[int], at_least: tuple[list[int], int] | None = None):
        """A slate of merit `best` holding `required` (and at least n of a list), or None if none exists."""
        probe = sm.model.clone()
        for i in required:
            probe.add(probe.get_bool_var_from_proto_index(x[i].index) == 1)
        if at_least is not None:
            probe.add(sum(probe.get_bool_var_from_proto_index(x[i].index) for i in at_least[0]) >= at_least[1])
        probe.maximize(stage1)  # the same expression: its variables have the same indices in the clone
        if len(times) - asked >= PROBES:
            raise TimeoutError
        solver = _solver(settings, clock)
        solver.parameters.max_deterministic_time = PROBE_WORK  # a short cut-off, the same on any machine
        status = solver.solve(probe)
        times.append(solver.wall_time)
        if status == cp_model.INFEASIBLE:
            return None
        if status != cp_model.OPTIMAL or int(solver.value(stage1)) != best:
            raise TimeoutError
        return {a.id: [int(solver.boolean_value(probe.get_bool_var_from_proto_index(v_.index)))
                       for v_ in sm.x[a.id]] for a in sm.awards}

    for _ in range(4):
        pool = [i for i in range(len(score)) if sm.can_hold[sub.id][i] and i not in out]
        if len(pool) < k or k == 0:
            return None
        pool.sort(key=lambda i: (-score[i], -weight[i]))
        v = score[pool[k - 1]]
        above = [i for i in pool if score[i] > v]
        at = [i for i in pool if score[i] == v]
        m = k - len(above)
        try:
            if not (all(values[top.id][i] for i in above) and sum(values[top.id][i] for i in at) >= m):
                got = slate_with(above, (at, m))
                if got is None:
                    missing = ([i for i in above if not values[top.id][i]]
                               or [i for i in at if not values[top.id][i]])[:PROBES]
                    for i in missing:  # which of them no optimal slate holds
                        got = slate_with([i])
                        if got is None:
                            out.add(i)
                        else:
                            values = got
                    if not out.intersection(missing):
                        return None
                    continue
                values = got
        except TimeoutError:
            return None
        m_ = sm.model
        keep = set(above) | set(at)
        for i in range(len(score)):
            if i in above:
                m_.add(y[i] == 1)
            elif i not in keep:
                m_.add(y[i] == 0)
        m_.add(sum(y[i] for i in at) == m)
        chosen = set(above) | set(sorted((i for i in at if values[top.id][i]), key=lambda i: -weight[i])[:m])
        values = dict(values)
        values[sub.id] = [int(i in chosen) for i in range(len(score))]
        return values
    return None


def _is_only_solution(sm: SelectionModel, values, settings: SolverSettings, clock: _Clock) -> bool | None:
    probe = sm.model.clone()
    probe.add(_differs_in(probe, sm, values) >= 1)
    solver = _solver(settings, clock)
    status = solver.solve(probe)
    if status == cp_model.INFEASIBLE:
        return True
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    return None  # not decided in time


def _differs_in(model: cp_model.CpModel, sm: SelectionModel, values) -> cp_model.LinearExpr:
    """How many decisions of a slate in the clone `model` differ from `values` (>= 1: another slate)."""
    terms = []
    for v, val in zip(_all_vars(sm), [b for a in sm.awards for b in values[a.id]]):
        cv = model.get_bool_var_from_proto_index(v.index)
        terms.append(1 - cv if val else cv)
    return sum(terms)


def _lexicographic_first(sm: SelectionModel, values, settings: SolverSettings, clock: _Clock):
    """Several slates tie on every objective: take the first in tie-break order, candidate by candidate
    (top award, then subsets), keeping each choice that still admits a tied slate."""
    order = sorted(range(len(sm.pool)), key=lambda i: -sm.tie_break_weight[i])
    probe = sm.model.clone()
    for a in sm.awards:
        for i in order:
            v = probe.get_bool_var_from_proto_index(sm.x[a.id][i].index)
            if values[a.id][i]:
                probe.add(v == 1)
                continue
            trial = probe.clone()
            trial.add(trial.get_bool_var_from_proto_index(v.index) == 1)
            solver = _solver(settings, clock)
            if solver.solve(trial) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                values = {b.id: [int(solver.boolean_value(trial.get_bool_var_from_proto_index(w.index)))
                                 for w in sm.x[b.id]] for b in sm.awards}
                probe.add(v == 1)
            else:
                probe.add(v == 0)
    return values


class _StopAtOne(cp_model.CpSolverSolutionCallback):
    """Stops the search at the first solution whose objective is at least 1."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def on_solution_callback(self) -> None:
        if self.objective_value >= 0.5:
            self.found = True
            self.stop_search()


def _is_only_solution_by_second_best(sm: SelectionModel, before: cp_model.CpModel, stage3, top3: int, values,
                                     settings: SolverSettings, clock: _Clock) -> bool | None:
    """_is_only_solution asked as an optimisation: is the stage-3 optimum `top3` reached by `values` alone?
    The best stage-3 value of any other slate optimal for stages 1 and 2 (`before`: the model before stage 3
    was held), stopped as soon as one reaches `top3` (not unique) or the proven bound falls below it
    (unique). Its LP bound is the tie-break's, which prunes; asked as "the most decisions a tied slate can
    change" (the form before), the bound was useless. Measured on the `ties` world at national size: 4.3 s
    against 7.5 s; big-special at province: 0.6 s against 1.1 s."""
    probe = before.clone()
    probe.add(_differs_in(probe, sm, values) >= 1)
    probe.maximize(stage3)
    probe.clear_hints()
    solver = _solver(settings, clock)
    verdict: dict[str, bool] = {}

    class _Stop(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if self.objective_value >= top3 - 0.5:
                verdict["tie"] = True
                self.stop_search()

    def bound(b: float) -> None:
        if b < top3 - 0.5:
            verdict["below"] = True
            solver.stop_search()

    solver.best_bound_callback = bound
    status = solver.solve(probe, _Stop())
    if verdict.get("tie"):
        return False
    if verdict.get("below") or status == cp_model.INFEASIBLE:
        return True
    if status == cp_model.OPTIMAL:
        return solver.objective_value < top3 - 0.5
    return None


def _can_any_be_one(probe: cp_model.CpModel, variables: list, settings: SolverSettings, clock: _Clock):
    """(True, solver) if some slate of `probe` takes one of `variables`, (False, None) if none can;
    None when not decided in time. Asked as 'take as many as possible', stopped at the first."""
    trial = probe.clone()
    trial.maximize(sum(trial.get_bool_var_from_proto_index(v.index) for v in variables))
    solver = _solver(settings, clock)
    stop = _StopAtOne()
    status = solver.solve(trial, stop)
    if stop.found or (status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value >= 0.5):
        return True, solver, trial
    if status == cp_model.OPTIMAL:
        return False, None, None
    return None, None, None


def _lexicographic_first_by_blocks(sm: SelectionModel, values, settings: SolverSettings, clock: _Clock):
    """The slate _lexicographic_first picks, found with fewer solves. That procedure sets each candidate,
    in tie-break order, to 1 if some tied slate (with the earlier choices) takes it, else to 0; its result
    does not depend on the slate it starts from. Here a block of candidates none of which any tied slate
    can take is set to 0 in one solve; a block where some can is halved until it is one candidate, whose
    answer is then exactly the one-candidate question."""
    order = sorted(range(len(sm.pool)), key=lambda i: -sm.tie_break_weight[i])
    probe = sm.model.clone()
    for a in sm.awards:
        pos, size = 0, len(order)
        while pos < len(order):
            i = order[pos]
            if values[a.id][i]:
                probe.add(probe.get_bool_var_from_proto_index(sm.x[a.id][i].index) == 1)
                pos += 1
                continue
            size = max(1, min(size, len(order) - pos))
            block = order[pos:pos + size]
            zeros = [sm.x[a.id][j] for j in block if not values[a.id][j]]
            ok, solver, trial = _can_any_be_one(probe, zeros, settings, clock)
            if ok is None:
                return values  # out of time: the tied slate found so far
            if ok and size > 1:
                size //= 2
                continue
            if ok:  # size 1: candidate i can be taken
                values = {b.id: [int(solver.boolean_value(trial.get_bool_var_from_proto_index(w.index)))
                                 for w in sm.x[b.id]] for b in sm.awards}
                probe.add(probe.get_bool_var_from_proto_index(sm.x[a.id][i].index) == 1)
                pos += 1
                continue
            for j in block:  # none of the block can be taken: as the slate has them
                probe.add(probe.get_bool_var_from_proto_index(sm.x[a.id][j].index) == values[a.id][j])
            pos += size
            size *= 2
    return values


def _finish(sm, values, status, best, bound, unique, clock, times, stage_ok=True) -> PoolSolution:
    if not stage_ok:
        status = "feasible"
    selected = {a: [i for i, b in enumerate(vals) if b] for a, vals in values.items()}
    return PoolSolution(status, selected, best, bound, sm.scale, unique, clock.elapsed(), times)
