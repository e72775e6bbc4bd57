"""Solving: lexicographic objectives on the model that model.py built, with a documented tie-break.

Stage 1 maximises merit of the top award (minus soft-rule penalties); stage 2, with that fixed,
the merit of the subset awards (the special class); stage 3, with both fixed, the tie-break weights
(rule set's `tie_break` keys, then the smaller id). The slate is then proven unique by asking for any
other slate with the same three objectives; if one exists, the lexicographically first slate in
tie-break order is taken (_lexicographic_first). Hence the same inputs give the same slate whatever
the number of workers. Optimality is claimed only when CP-SAT proved it. Every solver comes from one
session (selector/engine/session.py); the slate leaves as candidate ids (PoolSolution.selected).

On the fast path (SolverSettings(fast=True)), a subset award that no rule or quota constrains (Fuxin's
special class, S2) has its stage 2 settled by an exact argument when it can be (_best_k_of_selected: the
best k of those who can be in a merit-optimal slate, if one slate holds them all) instead of a search with
stage 1 held as an equality; measured on the `ties` benchmark world (benchmarks/worlds.py) at national size,
stage 2 took 54 s as a search. The definition of the slate is unchanged; the plain model
(SolverSettings(fast=False)) always searches, and tests/test_fast_path.py compares the two.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from selector.domain import Status
from selector.engine.model import SelectionModel
from selector.engine.session import Session, SolverSettings, maximize, status_of


@dataclass
class PoolSolution:
    """What solving one pool's model gave. The slate is in candidate ids: positions stay in the engine."""

    status: Status
    selected: dict[str, list[str]] = field(default_factory=dict)  # award id -> candidate ids, in pool order
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


def slate_ids(sm: SelectionModel, values: dict[str, list[int]]) -> dict[str, list[str]]:
    """The slate of model decisions (award id -> 0/1 per position) as candidate ids, in pool order."""
    ids = list(sm.pool.table["id"])
    return {a: [ids[i] for i, b in enumerate(vals) if b] for a, vals in values.items()}


def solve_model(sm: SelectionModel, settings: SolverSettings = SolverSettings(),
                proven: tuple[int, dict[str, list[int]]] | None = None, narrow=None,
                at_least: bool = False, small: bool = False, presolve: bool = True) -> PoolSolution:
    """Solve the three stages in place on `sm.model` (it gains the stage-fixing constraints).
    `proven`: stage 1 was already solved to optimality on this very model (selector/engine/prune.py): its
    value and a slate reaching it; the stages after it run as usual. `narrow(sm, stage, objective, value,
    slate)` (selector/engine/prune.py), called once a stage's optimum is known and before it is fixed, may add
    constraints that every slate optimal so far meets (it must not cut any of them off); after stage 1 it
    may return a better slate of the same stage-1 value to start stage 2 from. `at_least`: each stage is held
    as `>=` its optimum instead of `==` (_hold). `small` (the fast path's small pruned model, which no LP
    narrows: city size): every solve without CP-SAT's presolve, and stages 2 and 3 as one objective
    (_stage3_weight). `presolve` False: every solve without CP-SAT's presolve (engine/prune.py LATER_STAGES)."""
    session = Session(settings, tuned=settings.fast, presolve=presolve and not small)
    times: list[float] = []

    # Stage 1: merit of the top award, less soft-rule penalties.
    stage1 = sm.merit[sm.top.id] - sm.penalty
    if proven is not None:
        return _after_stage1(sm, session, times, stage1, proven[0], proven[0], proven[1], narrow, at_least, small)
    maximize(sm.model, stage1)
    got = session.solve(sm.model)
    times.append(got.solver.wall_time)
    if not got.found:
        return PoolSolution(got.status, scale=sm.scale, wall_time=session.elapsed(), stage_times=times)
    best = got.value(stage1)
    bound = best if got.optimal else math.floor(got.solver.best_objective_bound + 1e-6)
    values = got.decisions(sm)
    if not got.optimal:  # out of time: the slate found, labelled feasible, with its gap
        return _finish(sm, values, "feasible", best, bound, None, session, times)
    return _after_stage1(sm, session, times, stage1, best, bound, values, narrow, at_least, small)


def solve_after_stage1(sm: SelectionModel, session: Session, times: list[float], stage1, best: int,
                       values: dict[str, list[int]]) -> PoolSolution:
    """The stages after merit on `sm.model`, its stage 1 (`stage1`) proven optimal at `best` by `values` some
    other way (engine/joint.py: pools tied by a rule across awards, whose merit is settled together)."""
    return _after_stage1(sm, session, times, stage1, best, best, values)


LIGHT_LP_WORK = 0.2  # deterministic time for a later stage of the small model with the lighter LP (_maximise)


def _maximise(sm: SelectionModel, session: Session, times: list[float], objective, values, light: bool = False):
    """One stage: `objective` maximised from the slate `values`; the solve (its time recorded).
    `light` (the stages after stage 1 on the small pruned model, city and county size): first with CP-SAT's
    lighter linear relaxation (linearization_level 1), cut short at LIGHT_LP_WORK, then, if not proven by
    then, with the usual one. Stage 1 held as an equality leaves these stages little for the full relaxation
    and its cuts to do, and they cost more per node than they save: 24 city and county cases (four worlds x
    three seeds x two sizes, five solver seeds each), the stage 2 + 3 solve 1.48 -> 0.80 s in all, the largest
    0.41 -> 0.13 s, every one proven within 0.081 of deterministic time; the whole slate 6.15 -> 4.87 s. Stage 1
    itself needs the full relaxation (with level 1, none of six city and county stage-1 models was proven in
    5 s), and the cut-off bounds what a pool that needs it here too loses."""
    sm.set_hint(values)
    maximize(sm.model, objective)
    if light:
        got = session.solve(sm.model, work=LIGHT_LP_WORK, linearization=1)
        times.append(got.solver.wall_time)
        if got.optimal or got.status == "infeasible":
            return got
    got = session.solve(sm.model)
    times.append(got.solver.wall_time)
    return got


def _stage(sm: SelectionModel, session: Session, times: list[float], stage: int, objective, values, narrow,
           light: bool = False):
    """Stage 2 or 3: (its optimal slate, its optimum), told to `narrow` before the caller holds it; None
    when the optimum is not proven in time. `light`: as _maximise's."""
    got = _maximise(sm, session, times, objective, values, light)
    if not got.optimal:
        return None
    values, best = got.decisions(sm), got.value(objective)
    if narrow is not None:
        narrow(sm, stage, objective, best, values)
    return values, best


def _after_stage1(sm: SelectionModel, session: Session, times: list[float], stage1,
                  best: int, bound: int, values: dict[str, list[int]], narrow=None,
                  at_least: bool = False, small: bool = False) -> PoolSolution:
    """Stages 2 and 3, the uniqueness proof and the tie-break, once stage 1 is proven optimal at `best`."""
    m = sm.model
    subsets = [a for a in sm.awards[1:] if a.parent is not None]  # not the other disjoint titles (issue 14)
    tolerance = max((t for _, _, t in sm.preferred), default=0)
    if narrow is not None:  # a preference's merit tolerance widens what may not be cut off
        values = narrow(sm, 1, stage1, best - tolerance, values) or values
    if sm.preferred:
        preferred = _preference_stages(sm, session, times, stage1, best, tolerance, values)
        if preferred is None:
            return _finish(sm, values, "feasible", best, bound, None, session, times)
        values, best = preferred
    _hold(m, at_least, stage1, best)

    # Stage 2: merit of the subset awards (S2: the special class chosen on merit from the slate).
    settled = False
    stage3 = sum(cp_model.LinearExpr.weighted_sum(sm.x[a.id], sm.tie_break_weight) for a in sm.awards)
    if session.settings.fast and len(subsets) == 1 and subsets[0].id in sm.free_subsets:
        by_argument = _best_k_of_selected(sm, values, best, session, times, probes=0 if small else PROBES)
        sm.special_by_argument = by_argument is not None
        if by_argument is not None:
            settled, values = True, by_argument
    stage2 = sum(sm.merit[a.id] for a in subsets)
    if subsets and not settled and small and (weight := _stage3_weight(sm, subsets)) is not None:
        sm.stages_23_as_one = True
        got = _maximise(sm, session, times, weight * stage2 + stage3, values, light=True)
        if not got.optimal:
            return _finish(sm, values, "feasible", best, bound, None, session, times)
        values = got.decisions(sm)
        _hold(m, at_least, stage2, got.value(stage2))
        return _unique_or_first(sm, session, times, stage3, got.value(stage3), values, best, bound, at_least,
                                newcomers=True)
    if subsets and not settled:
        proved = _stage(sm, session, times, 2, stage2, values, narrow, light=small)
        if proved is None:
            return _finish(sm, values, "feasible", best, bound, None, session, times)
        values, top2 = proved
        _hold(m, at_least, stage2, top2)

    # Stage 3: the documented tie-break among equal-merit slates.
    proved = _stage(sm, session, times, 3, stage3, values, narrow, light=small)
    if proved is None:  # merit is proven; only the tie-break ran out of time, so the slate may not be unique
        return _finish(sm, values, "optimal", best, bound, None, session, times)
    values, top3 = proved
    return _unique_or_first(sm, session, times, stage3, top3, values, best, bound, at_least)


def _unique_or_first(sm: SelectionModel, session: Session, times: list[float], stage3, top3: int, values,
                     best: int, bound: int, at_least: bool, newcomers: bool = False) -> PoolSolution:
    """Stage 3 optimal at `top3` by `values`: hold it, prove the slate unique, else take the first in
    tie-break order. `newcomers`: ask the uniqueness question as _is_only_solution's `newcomers`."""
    m = sm.model
    before = m.clone()  # for the uniqueness question: stage 3 not yet held
    _hold(m, at_least, stage3, top3)
    m.clear_objective()

    # Uniqueness: is there any other slate with the same three objectives? If so, the first in tie-break order.
    t0 = time.perf_counter()
    unique = _is_only_solution(sm, before, stage3, top3, values, session, newcomers)
    times.append(time.perf_counter() - t0)
    if unique is False:
        values = _lexicographic_first(sm, values, session)
    return _finish(sm, values, "optimal", best, bound, unique, session, times)


LEXICOGRAPHIC_LIMIT = 2 ** 50  # the one objective's largest value stays well inside a double's exact integers


def _stage3_weight(sm: SelectionModel, subsets) -> int | None:
    """W such that maximising W x stage 2 + stage 3 is stages 2 and 3 in turn (lexicographic), or None when
    the objective could grow past LEXICOGRAPHIC_LIMIT. Stage 3's weights are positive and each award holds at
    most its seats, so stage 3 lies in [0, W) and one point of stage 2 outweighs any change in it. On the
    small pruned model (city size), one solve instead of stage 2's and stage 3's: CPU seconds, whole slate,
    12 city cases (4 worlds x 3 seeds), with presolve off in both: 4.2 -> 3.2 s, the same slates."""
    weights = sorted(sm.tie_break_weight, reverse=True)
    w = sum(sum(weights[:a.seats]) for a in sm.awards) + 1
    scores = sorted((abs(s) for s in sm.scaled_scores), reverse=True)
    top2 = sum(sum(scores[:a.seats]) for a in subsets)  # |stage 2| can be no larger
    return w if w * (top2 + 1) < LEXICOGRAPHIC_LIMIT else None


def _hold(model: cp_model.CpModel, at_least: bool, objective, optimum: int) -> None:
    """Hold a stage at its proven optimum for the stages after it. `optimum` is the most `objective` can
    reach, so `objective >= optimum` keeps exactly the slates that `==` keeps. On the fast path's LP-round
    models (engine/prune.py: province and national size) CP-SAT solves the later stages much faster with the
    inequality (CPU seconds, 2 cores: `ties` national 23.7 -> 13.3 s for the whole slate, its stage 3 18.0 ->
    4.9 s; `big-special` province 5.7-6.0 -> 4.6-4.8 s); on the small pruned model (city size) it made stage 3
    slower (`small-units` city, whole slate 0.22-0.29 -> 0.33-0.34 s), so there, in the plain model (the
    reference of tests/test_fast_path.py) and elsewhere the equality stays."""
    model.add(objective >= optimum if at_least else objective == optimum)


def _preference_stages(sm: SelectionModel, session: Session, times: list[float], stage1,
                       best: int, tolerance: int, values) -> tuple[dict[str, list[int]], int] | None:
    """Issue 14, 1 (rules.Preference): among slates with merit >= best - tolerance (the largest tolerance of
    the pool's preferences), the most members of each preferred group in turn, then the greatest merit
    among those. (values, that merit), or None when a stage is not solved to optimality in time."""
    m = sm.model
    m.add(stage1 >= best - tolerance)
    for _pid, count, _t in sm.preferred:
        got = _maximise(sm, session, times, count, values)
        if not got.optimal:
            return None
        values = got.decisions(sm)
        m.add(count >= got.value(count))
    if not tolerance:
        return values, best
    got = _maximise(sm, session, times, stage1, values)
    return (got.decisions(sm), got.value(stage1)) if got.optimal else None


PROBES = 3  # at most this many solves settle stage 2 by the argument below, else the usual stage 2
PROBE_WORK = 0.3  # each within this much of CP-SAT's deterministic time


def _best_k_of_selected(sm: SelectionModel, values, best: int, session: Session, times: list[float],
                        probes: int = PROBES):
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
    machine's load): the argument is worth trying only while it is cheap. When more candidates are missing
    than probes are left, it stops at once rather than ask some of them: each leaves A only by its own probe,
    so it could not settle it (measured, CPU: the big-special world, 11 of 40 missing at city and 22 of 183 at
    province, spent 0.17 s and 1.3 s on two probes that settled nothing; whole slate at city 0.56-0.79 -> 0.40 s).
    Returns a slate meeting the constraints (its subset choice the best k of it, tie-break order among equal
    scores), or None when this does not settle it within a few rounds (stage 2 is then solved as usual)."""
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
        maximize(probe, stage1)  # the same expression: its variables have the same indices in the clone
        if len(times) - asked >= probes:
            raise TimeoutError
        got = session.solve(probe, work=PROBE_WORK)  # a short cut-off, the same on any machine
        times.append(got.solver.wall_time)
        sm.probes += 1
        if got.status == "infeasible":
            return None
        if not got.optimal or got.value(stage1) != best:
            raise TimeoutError
        return got.decisions(sm, probe)

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
                               or [i for i in at if not values[top.id][i]])
                    if len(missing) > probes - (len(times) - asked):
                        return None  # more to ask than probes left: this cannot settle it
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


def _differs_in(model: cp_model.CpModel, sm: SelectionModel, values) -> cp_model.LinearExpr:
    """How many decisions of a slate in the clone `model` differ from `values` (>= 1: another slate)."""
    variables = [model.get_bool_var_from_proto_index(v.index) for a in sm.awards for v in sm.x[a.id]]
    taken = [b for a in sm.awards for b in values[a.id]]
    # sum of (1 - x) where the slate has 1, x where it has 0: one weighted sum (a Python sum of 800 terms
    # was a tenth of a city-size slate's time)
    return cp_model.LinearExpr.weighted_sum(variables, [-1 if b else 1 for b in taken]) + sum(taken)


def _newcomers_to(model: cp_model.CpModel, sm: SelectionModel, values) -> cp_model.LinearExpr | None:
    """How many award places of a slate in the clone `model` go to someone `values` leaves out (>= 1: another
    slate), or None unless every award holds exactly its seats (S1, S3: no seat total relaxed, none behind a
    literal). Then any other slate has a newcomer in some award, and `>= 1` is an LP bound twice as tight as
    _differs_in's (each newcomer is two changed decisions, one in and one out)."""
    if sm.literals or any(r.startswith("seats:") for r in sm.relaxed):
        return None
    return cp_model.LinearExpr.sum([model.get_bool_var_from_proto_index(v.index) for a in sm.awards
                                    for v, b in zip(sm.x[a.id], values[a.id]) if not b])


def _is_only_solution(sm: SelectionModel, before: cp_model.CpModel, stage3, top3: int, values,
                      session: Session, newcomers: bool = False) -> bool | None:
    """Is the stage-3 optimum `top3` reached by `values` alone? None when not decided in time.
    Asked as an optimisation: the best stage-3 value of any other slate optimal for stages 1 and 2 (`before`:
    the model before stage 3 was held), stopped as soon as one reaches `top3` (not unique) or the proven bound
    falls below it (unique). Its LP bound is the tie-break's, which prunes; asked as "the most decisions a
    tied slate can change", or as a feasibility question (tests/lexicographic_reference.py), the bound was
    useless. Measured on the `ties` world at national size: 4.3 s against 7.5 s; big-special at province:
    0.6 s against 1.1 s. `newcomers` (the small pruned model, city size): another slate is asked for as one
    with a newcomer (_newcomers_to). CP-SAT's deterministic time of the question, 12 city + 8 county cases
    (four worlds): 0.53 -> 0.47 in all, the largest 0.125 -> 0.088 (small-units city seed 2, whose question
    was a third of its slate); on the LP-round models (province and up) it was slower (big-special national
    2.3 -> 4.2, province 0.04 -> 0.50), so there the question keeps _differs_in. Asked in tries cut off
    short, each with another random seed (UNIQUE_FIRST): its time is heavy-tailed in the seed."""
    probe = before.clone()
    another = _newcomers_to(probe, sm, values) if newcomers else None
    probe.add((another if another is not None else _differs_in(probe, sm, values)) >= 1)
    maximize(probe, stage3)
    probe.clear_hints()
    for attempt in range(UNIQUE_TRIES + 1):
        work = UNIQUE_FIRST if attempt == 0 else UNIQUE_UNIT * luby(attempt - 1) if attempt < UNIQUE_TRIES \
            else None  # the last: the time left
        verdict = _ask_only(probe, top3, session.solver(work, seed=session.settings.seed + attempt))
        left = session.remaining()
        if verdict is not None or (left is not None and left <= 0.01):  # answered, or out of time
            return verdict
    return None


UNIQUE_FIRST, UNIQUE_UNIT, UNIQUE_TRIES = 1.0, 0.5, 20  # the uniqueness question's tries: the first cut off at
# UNIQUE_FIRST of CP-SAT's deterministic time, the k-th after it at UNIQUE_UNIT x luby(k), each with another
# random seed, then once uncut. The question's time is heavy-tailed in the random seed: deterministic time of
# 16 seeds on a flat-world province pool (every score equal) 0.06-2.75 and one over 30 (not answered in 30 s);
# 8 seeds on a ties-world national pool 0.33-6.24 (16 s). Simulated on these measured times, over every first
# seed, with 0.25 units per try for loading the model: mean 2.72 -> 0.90, worst > 30 -> 1.99 (flat province);
# mean 2.12 -> 1.96, worst 6.49 -> 4.70 (ties national). Luby's restarts from the first try (0.5 x luby(k))
# did as well on the first and cost the benchmark's ties national pool, whose first try needs 0.69, 4.8 ->
# 9.0 s; a first cut-off of 2 units did as well in the simulation but costs 4 s of wall time when it is spent
# (a unit took 1-2 s at province size). Every answer is proven, so the verdict, and the slate, is
# the same whichever try gives it.


def luby(k: int) -> int:
    """The k-th term (from 0) of Luby's sequence 1, 1, 2, 1, 1, 2, 4, 1, 1, 2, ..."""
    i = k + 1
    while True:
        n = i.bit_length()
        if i == (1 << n) - 1:
            return 1 << (n - 1)
        i -= (1 << (n - 1)) - 1


def _ask_only(probe: cp_model.CpModel, top3: int, solver: cp_model.CpSolver) -> bool | None:
    """One try at _is_only_solution's question: its verdict, or None if undecided."""
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
    status = status_of(solver.solve(probe, _Stop()))
    if verdict.get("tie"):
        return False
    if verdict.get("below") or status == "infeasible":
        return True
    if status == "optimal":
        return solver.objective_value < top3 - 0.5
    return None


LEX_BLOCK = 50  # candidates per solve of _lexicographic_first: weights 2^49 .. 1, exact in a double


def _lexicographic_first(sm: SelectionModel, values, session: Session):
    """Several slates tie on every objective: the first in tie-break order. Its definition: set each
    candidate, in tie-break order (top award, then subsets), to 1 if some tied slate (with the earlier
    choices) takes it, else to 0 (one solve per candidate: tests/lexicographic_reference.py); the result
    does not depend on the slate it starts from. Found here a block of LEX_BLOCK candidates at a time: among
    the tied slates with the earlier blocks as chosen, the one maximising sum 2^(B-1-k) x_k over the block's
    k-th candidate takes each candidate exactly when the definition does (a candidate outweighs all after it
    in the block), so one solve settles a block. Measured, CPU, flat world (every score equal) at city size,
    tied slates (the old way: 27 questions "can any of a block be taken", a block halved until one
    candidate answers) 0.91 -> 0.31 s in 16 solves; whole slate 0.96 -> 0.43 s, the same slate. No solve is
    needed for a candidate the current tied slate takes (it is such a slate), for a subset award's candidate
    outside its settled parent, nor once an award's seats are taken: flat city 0.39 -> 0.19 s (14 -> 5
    solves), flat county 1.15 -> 0.68 s (35 -> 11 solves), the same slates."""
    order = sorted(range(len(sm.pool)), key=lambda i: -sm.tie_break_weight[i])
    probe = sm.model.clone()
    settled: set[str] = set()
    for a in sm.awards:
        holders = [i for i in order if sm.can_hold[a.id][i]]
        if a.parent in settled:  # its parent's choices are fixed: only who holds the parent may hold it
            holders = [i for i in holders if values[a.parent][i]]
        settled.add(a.id)
        pos = taken = 0
        while pos < len(holders) and taken < a.seats:  # at its seats, no later candidate can hold it
            while pos < len(holders) and values[a.id][holders[pos]]:  # a tied slate with the choices so far
                probe.add(probe.get_bool_var_from_proto_index(sm.x[a.id][holders[pos]].index) == 1)  # takes it
                pos, taken = pos + 1, taken + 1
            block = holders[pos:pos + LEX_BLOCK]
            pos += len(block)
            if not block or taken >= a.seats:
                break
            variables = [probe.get_bool_var_from_proto_index(sm.x[a.id][i].index) for i in block]
            maximize(probe, cp_model.LinearExpr.weighted_sum(variables, [2 ** (len(block) - 1 - k)
                                                                         for k in range(len(block))]))
            probe.clear_hints()
            hint = probe.proto.solution_hint
            hint.vars.extend([v.index for b in sm.awards for v in sm.x[b.id]])
            hint.values.extend([int(val) for b in sm.awards for val in values[b.id]])
            got = session.solve(probe)
            if not got.optimal:
                return values  # out of time: the tied slate found so far
            values = got.decisions(sm, probe)
            for v, i in zip(variables, block):
                probe.add(v == values[a.id][i])
                taken += values[a.id][i]
    probe.clear_objective()
    return values


def _finish(sm: SelectionModel, values, status: Status, best, bound, unique, session: Session,
            times: list[float]) -> PoolSolution:
    return PoolSolution(status, slate_ids(sm, values), best, bound, sm.scale, unique, session.elapsed(), times)
