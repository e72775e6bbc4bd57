"""Pools tied by a rule across awards (issue 14, 5: `cross_rules`), solved together in one CP-SAT model.

The joint objective, lexicographic like solve.py's for one pool:
  1. the greatest total merit over the tied pools (each pool's stage 1: merit of its top award(s) less
     soft-rule penalties, brought to one score scale), every rule of every pool and every cross rule held;
  2. with that total held, each pool's own stage-1 merit in turn, greatest first, in the rule set's order
     of the pools (so that how the total splits between pools is defined, not left to the search);
  3. then, pool by pool in the same order, that pool's later canonical stages exactly as solve.py runs them
     for one pool (preferences, the subset awards, the tie-break, the uniqueness proof and the first slate in
     tie-break order), on the shared model: the cross rules and the other pools' merits stay held, and each
     pool's slate, once chosen, is fixed for the pools after it.
Each stage's optimum is a number that does not depend on the search, and the slate chosen in 3 is unique or
the first in tie-break order, so the same inputs give the same slates whatever the number of workers.
"optimal" only when every stage was proven; a stage out of time leaves the slate found, labelled feasible.

The exact fast path (prune.py, classes.py) is not used here: its classes of interchangeable candidates and its
LP bound are built from one pool's rules and cannot see a cross rule's counts in other pools, so a tied
component takes the plain per-candidate model (as disjoint titles do, issue 14, 4).
"""

from __future__ import annotations

from dataclasses import replace

from ortools.sat.python import cp_model

from selector.engine.model import SelectionModel, build_model, post_cross_rules
from selector.engine.session import Session, SolverSettings
from selector.engine.solve import PoolSolution, slate_ids, solve_after_stage1
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet


def build_joint(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas,
                eligible: dict[str, list[bool] | None] | None = None, fixed: dict[str, bool] | None = None,
                with_literals: bool = False) -> tuple[cp_model.CpModel, dict[str, SelectionModel], dict]:
    """One CP-SAT model holding every pool of `pools` and the cross rules over them: (the model, each pool's
    SelectionModel in it, the cross rules' literals when `with_literals`)."""
    m = cp_model.CpModel()
    sms = {k: build_model(ruleset, p, quotas, eligible=(eligible or {}).get(k), fixed=fixed, model=m,
                          with_literals=with_literals) for k, p in pools.items()}
    return m, sms, post_cross_rules(m, ruleset, sms, with_literals)


def solve_tied(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas,
               eligible: dict[str, list[bool] | None] | None = None, settings: SolverSettings = SolverSettings(),
               fixed: dict[str, bool] | None = None, before=None, record: dict | None = None
               ) -> dict[str, PoolSolution]:
    """The canonical slates of pools tied by rules across awards (module docstring), per pool kind.
    `before(sms)` (engine/stable.py: fewest changes first): (name, expression) stages minimised in order, each
    held, before the merit stages; `record[name]` gets each one's optimum, `record["proven"]` whether all were."""
    session = Session(replace(settings, fast=False))
    m, sms, _lits = build_joint(ruleset, pools, quotas, eligible, fixed)
    record = {} if record is None else record
    record["proven"] = True
    for name, expr in before(sms) if before is not None else []:
        m.minimize(expr)
        got = session.solve(m)
        if not got.found:
            return {k: PoolSolution(got.status, scale=sms[k].scale, wall_time=session.elapsed()) for k in pools}
        record[name] = got.value(expr)
        if not got.optimal:  # out of time: the slates found, labelled feasible
            record["proven"] = False
            return {k: PoolSolution("feasible", slate_ids(sm, got.decisions(sm)), got.value(sm.merit[sm.top.id]
                                    - sm.penalty), None, sm.scale, None, session.elapsed()) for k, sm in sms.items()}
        m.add(expr == record[name])
    kinds = list(pools)
    stage1 = {k: sm.merit[sm.top.id] - sm.penalty for k, sm in sms.items()}
    scale = max(sm.scale for sm in sms.values())  # powers of ten: each pool's merit brought to the finest
    total = sum((scale // sms[k].scale) * stage1[k] for k in kinds)
    times: list[float] = []

    def solve(objective):
        m.maximize(objective)
        got = session.solve(m)
        times.append(got.solver.wall_time)
        return got

    def hint(values) -> None:
        m.clear_hints()
        for k in kinds:
            for a in sms[k].awards:
                for v, val in zip(sms[k].x[a.id], values[k][a.id]):
                    m.add_hint(v, val)

    got = solve(total)
    if not got.found:
        return {k: PoolSolution(got.status, scale=sms[k].scale, wall_time=session.elapsed(), stage_times=times)
                for k in kinds}
    values = {k: got.decisions(sms[k]) for k in kinds}
    found = {k: got.value(stage1[k]) for k in kinds}  # each pool's merit in the slates `values`
    best: dict[str, int] = {}
    if got.optimal:
        m.add(total == got.value(total))
        for k in kinds:  # how the total splits: each pool's merit in turn, the rule set's order
            hint(values)
            got = solve(stage1[k])
            if not got.optimal:
                break
            values = {j: got.decisions(sms[j]) for j in kinds}
            found = {j: got.value(stage1[j]) for j in kinds}
            best[k] = found[k]
            m.add(stage1[k] == best[k])
    if len(best) < len(kinds):  # out of time: the slates found, labelled feasible, no proven bound
        return {k: PoolSolution("feasible", slate_ids(sms[k], values[k]), found[k], None, sms[k].scale,
                                None, session.elapsed(), list(times)) for k in kinds}
    out: dict[str, PoolSolution] = {}
    for k in kinds:  # each pool's later stages; its slate then held for the pools after it
        sm = sms[k]
        sol = solve_after_stage1(sm, session, times, stage1[k], best[k], values[k])
        sol = out[k] = replace(sol, stage_times=list(times))
        ids = [str(i) for i in sm.pool.table["id"]]
        for a in sm.awards:
            held = set(map(str, sol.selected.get(a.id, [])))
            for v, cid in zip(sm.x[a.id], ids):
                m.add(v == int(cid in held))
    return out
