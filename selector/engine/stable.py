"""Fewest changes first: the objective order of `selector adjust` (after the public notice, 八.3), of the
stable what-ifs (`whatif --stable`, `sweep --stable`) and of the reserve list's replacements.

Against a base slate (award id -> ids, e.g. the published one), each stage proven optimal by CP-SAT (a stage
stopped by the time limit is labelled `feasible`, never `optimal`):

  A. fewest candidates leaving or entering the top award against the base slate (model.changes_from);
  B. with A fixed, fewest changes in the subset awards (the special class);
  C. then, as `selector select` does (solve.py): most merit less soft penalties, most special-class merit,
     the tie-break, the uniqueness proof.
Pools tied by a rule across awards (issue 14, 5) are solved together (StableSolver.tied): A and B summed over
them, then engine/joint.py's merit stages.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from selector.domain import has_slate
from selector.engine.classes import interchangeable_classes, subpool
from selector.engine.joint import solve_tied
from selector.engine.model import Reduction, build_model, changes_from
from selector.engine.session import Session, SolverSettings
from selector.engine.solve import PoolSolution, slate_ids, solve_model
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet

REDUCE_ABOVE = 1500  # pools larger than this are solved on the exact smaller pool (StableSolver._reduced);
# tests set it to 0 to check that path
OBJECTIVE_ORDER = ("A fewest changes in the top award against the base slate, B fewest changes in the subset "
                   "awards, then 1 merit (less soft penalties), 2 subset merit, 3 tie-break; then a uniqueness proof")


@dataclass
class StableSolver:
    """A pool solver (the arguments of prune.solve_pool, for pipeline.select) that puts fewest changes
    against `base` (award id -> ids) before the usual stages. `record[pool]` says what stages A and B
    reached: the changes, whether each was proven minimal, and the time."""

    base: dict[str, set[str]]
    record: dict[str, dict] = field(default_factory=dict)

    def __call__(self, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                 settings: SolverSettings = SolverSettings(), fixed: dict[str, bool] | None = None) -> PoolSolution:
        if len(pool) <= REDUCE_ABOVE:
            return self._solve(ruleset, pool, quotas, eligible, settings, fixed)
        return self._reduced(ruleset, pool, quotas, eligible, settings, fixed)

    def tied(self, ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas, eligible=None,
             settings: SolverSettings = SolverSettings(), fixed: dict[str, bool] | None = None
             ) -> dict[str, PoolSolution]:
        """Pools tied by a rule across awards (issue 14, 5), together in one model (engine/joint.py): A and B
        summed over the tied pools, then the joint merit stages; the plain model, never reduced."""
        rec: dict = {}

        def before(sms) -> list:
            ch = {k: changes_from(sm, self.base) for k, sm in sms.items()}
            stages = [("changes", sum(ch[k][sm.top.id] for k, sm in sms.items()))]
            subsets = [ch[k][a.id] for k, sm in sms.items() for a in sm.awards[1:]]
            return stages + ([("subset_changes", sum(subsets))] if subsets else [])

        start = time.perf_counter()
        sols = solve_tied(ruleset, pools, quotas, eligible, settings, fixed, before=before, record=rec)
        rec["time"] = round(time.perf_counter() - start, 4)
        for k in pools:
            self.record[k] = rec
        return sols

    def _reduced(self, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, settings, fixed) -> PoolSolution:
        """The same slate from a smaller pool (exact): every candidate of the base slate, every forced one,
        and the best k of each class of interchangeable others (classes.interchangeable_classes: same unit,
        same memberships of every rule's groups). Exchanging two such others changes no rule's count and
        not the number of changes, so an optimal slate's entrants of a class can be taken to be the class's
        best (score, then tie-break): a prefix. With e entrants in the small pool's optimum, no slate of the
        whole pool with fewer changes takes more than e of any class; so k >= e makes the small pool's
        answer the whole pool's, stage by stage (tie-break weights are the whole pool's)."""
        start = time.perf_counter()
        ids = [str(i) for i in pool.table["id"]]
        held = set().union(*self.base.values()) if self.base else set()
        classes = interchangeable_classes(ruleset, pool, eligible, fixed)
        keep = {i for i, c in enumerate(ids) if c in held or (fixed or {}).get(c) is True}
        k = 1
        while True:
            rows = sorted(keep | {j for c in classes.classes for j in [i for i in c if ids[i] not in held][:k]})
            left = None if settings.time_limit is None else max(0.01, settings.time_limit - (time.perf_counter()
                                                                                              - start))
            sol = self._solve(ruleset, subpool(pool, rows), quotas,
                              None if eligible is None else [eligible[i] for i in rows],
                              dataclasses.replace(settings, time_limit=left), fixed,
                              [classes.tie_break_weight[i] for i in rows])
            if not has_slate(sol.status):  # the small pool may lack what the whole has
                whole = self._solve(ruleset, pool, quotas, eligible, settings, fixed)
                self.record[pool.kind]["reduced"] = {"candidates": len(rows), "k": k, "fell_back": True}
                return whole
            top = ruleset.top_award(pool.kind).id
            entrants = sum(1 for c in sol.selected.get(top, []) if c not in held)
            if entrants <= k or len(rows) == len(pool):
                sol.wall_time = time.perf_counter() - start
                self.record[pool.kind]["reduced"] = {"candidates": len(rows), "k": k}
                return sol
            k = entrants

    def _solve(self, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, settings, fixed,
               tie_break_weight: list[int] | None = None) -> PoolSolution:
        start = time.perf_counter()
        session = Session(settings, tuned=settings.fast)
        sm = build_model(ruleset, pool, quotas, eligible=eligible, fixed=fixed,
                         reduction=Reduction(tie_break_weight=tie_break_weight))
        changes = changes_from(sm, self.base)
        rec: dict = {"proven": True}
        self.record[pool.kind] = rec
        ids = [str(i) for i in pool.table["id"]]
        hint = {a.id: [int(c in self.base.get(a.id, set()) and (fixed or {}).get(c) is not False) for c in ids]
                for a in sm.awards}
        stages = [("changes", changes[sm.top.id])]
        if len(sm.awards) > 1:
            stages.append(("subset_changes", sum(changes[a.id] for a in sm.awards[1:])))
            # B holds the subset awards to their fewest changes: no longer "nothing but their seats" constrains
            # them, so solve.py's best-k argument for a free subset award (its premise) does not apply
            sm.free_subsets = []
        values = None
        for name, expr in stages:
            sm.set_hint(values or hint)
            sm.model.minimize(expr)
            got = session.solve(sm.model)
            if not got.found:
                return PoolSolution(got.status, scale=sm.scale, wall_time=time.perf_counter() - start)
            values = got.decisions(sm)
            rec[name] = got.value(expr)
            if not got.optimal:  # out of time: the slate found, labelled feasible
                rec["proven"] = False
                stage1 = got.value(sm.merit[sm.top.id] - sm.penalty)
                return PoolSolution("feasible", slate_ids(sm, values), stage1, None, sm.scale, None,
                                    time.perf_counter() - start)
            sm.model.add(expr == rec[name])
        rec["time"] = round(time.perf_counter() - start, 4)
        sm.set_hint(values)  # type: ignore[arg-type]
        sol = solve_model(sm, dataclasses.replace(settings, time_limit=session.remaining()))
        sol.wall_time = time.perf_counter() - start
        return sol

