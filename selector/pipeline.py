"""The flow, as functions a notebook can call: read -> validate -> build -> solve -> verify -> result.

Reading is selector/reading/inputs.py (`Inputs`, `load_inputs`, re-exported here for notebooks); every
other module imports `Inputs` from there, not from the orchestrator. Library functions return results;
only the CLI prints.
"""

from __future__ import annotations

import time
from decimal import Decimal

from selector.analysis.supply import SupplyCheck, submission_findings, supply_findings
from selector.domain import AwardResult, PoolResult, RuleResult, SelectionResult, UnitResult, has_slate
from selector.engine.feasible import slate_exists, tied_slate_exists
from selector.engine.joint import solve_tied
from selector.engine.model import tied_pools
from selector.engine.preferences import preference_report
from selector.engine.prune import solve_pool
from selector.engine.session import SolverSettings
from selector.engine.solve import PoolSolution
from selector.i18n import _, label
from selector.reading import kinds
from selector.reading.eligibility import Screening, screen
from selector.reading.inputs import Inputs, fixed_in, load_inputs
from selector.verify import verify_slate

__all__ = ["Inputs", "load_inputs", "select", "select_screened", "screen_inputs", "check"]  # a notebook's steps

_STATUS_ORDER = ["optimal", "feasible", "unknown", "infeasible"]


def _exact(scaled: int | None, scale: int) -> str | None:
    return None if scaled is None else str(Decimal(scaled) / Decimal(scale))


def select(inputs: Inputs, settings: SolverSettings = SolverSettings(),
           eligible: dict[str, list[bool]] | None = None, pool_solver=None, progress=None) -> SelectionResult:
    """Solve every pool for the slate of greatest merit and verify it independently. `pool_solver` (same
    arguments as prune.solve_pool) replaces the objective order, e.g. fewest changes first
    (selector/analysis/adjust.py);
    `progress(pool)` is told as each pool's solve starts."""
    start = time.perf_counter()
    rs = inputs.ruleset
    pool_results: dict[str, PoolResult] = {}
    solutions: dict[str, PoolSolution] = {}
    slate: dict[str, list[str]] = {}
    ineligible: set[str] = set()
    joint = solve_tied if pool_solver is None else getattr(pool_solver, "tied", None)  # issue 14, 5
    tied = {k: group for group in tied_pools(rs, list(inputs.pools)) for k in group} if joint else {}
    for kind, pool in inputs.pools.items():
        mask = eligible.get(kind) if eligible else None
        if mask is not None:
            ineligible |= {pool.table.at[i, "id"] for i in range(len(pool)) if not mask[i]}
        # the exact fast path (selector/engine/prune.py); SolverSettings(fast=False) solves the plain model
        if progress is not None:
            progress(kind)
        if kind in tied:  # issue 14, 5: pools tied by a rule across awards, solved together (engine/joint.py)
            if kind not in solutions:
                solutions.update(joint(rs, {k: inputs.pools[k] for k in tied[kind]}, inputs.quotas,
                                       {k: eligible.get(k) if eligible else None for k in tied[kind]},
                                       settings, fixed=inputs.fixed or None))
            sol = solutions[kind]
        else:
            sol = (pool_solver or solve_pool)(rs, pool, inputs.quotas, mask, settings, fixed=inputs.fixed or None)
        solutions[kind] = sol
        slate.update(sol.selected)  # candidate ids, in pool order
        pool_results[kind] = PoolResult(
            pool=kind, status=sol.status, objective=_exact(sol.objective, sol.scale),
            bound=_exact(sol.bound, sol.scale), gap=sol.gap, unique=sol.unique,
            wall_time=round(sol.wall_time, 4), candidates=len(pool),
            eligible=sum(mask) if mask is not None else len(pool))
    status = max((p.status for p in pool_results.values()), key=_STATUS_ORDER.index)
    solved = [k for k, p in pool_results.items() if has_slate(p.status)]
    # every slate found is verified, also when another pool has none (its slate is still written)
    report = verify_slate(rs.of_pools(solved), {k: inputs.pools[k] for k in solved}, inputs.quotas, slate,
                          ineligible, fixed=fixed_in(inputs, solved)) if solved else None
    awards = {}
    for a in rs.awards:
        chosen = slate.get(a.id, [])
        scores = dict(zip(inputs.pools[a.pool].table["id"], inputs.pools[a.pool].table["score"]))
        awards[a.id] = AwardResult(award=a.id, name_zh=a.name_zh, seats=a.seats,
                                   merit=str(sum((scores[c] for c in chosen), Decimal(0))), selected=chosen,
                                   special=[c for sub in rs.awards if sub.parent == a.id
                                            for c in slate.get(sub.id, [])] or None)
    rules_out = []
    units_out = []
    if report is not None:
        by_id = {c.id: c for c in report.checks}
        verified = rs.of_pools(solved)
        for r in [*verified.rules, *verified.cross_rules]:  # a rule across awards (issue 14, 5): award a+b+c
            c = by_id[r.id]
            b = kinds.bound(r, c.whole) if not getattr(r, "scoped", False) else None
            rules_out.append(RuleResult(id=r.id, clause=r.clause, text=r.text, award=c.award, hard=c.hard,
                                        required=c.required, achieved=c.achieved, ok=c.ok, short=c.short,
                                        count=c.count, whole=c.whole, least=b.low if b else None,
                                        most=b.high if b else None))
        for award_id, fill in report.unit_fill.items():
            for unit, (filled, quota) in fill.items():
                units_out.append(UnitResult(award=award_id, unit=unit, quota=quota, filled=filled))
    preferences = []
    if rs.preferences and report is not None:  # issue 14, 1: what the slate holds, what more would cost
        for kind, pool in inputs.pools.items():
            top = [a for a in rs.awards_of_pool(kind) if a.parent is None]
            if top and rs.preferences_of_pool(kind):
                preferences += preference_report(rs, pool, inputs.quotas, slate,
                                                 eligible.get(kind) if eligible else None, inputs.fixed or None)
    return SelectionResult(
        preferences=preferences,
        status=status, ruleset=rs.id, awards=awards, rules=rules_out, units=units_out, pools=pool_results,
        verified=report.ok if report is not None else False,
        violations=report.violations if report is not None else [],
        wall_time=round(time.perf_counter() - start, 4), tie_break=rs.tie_break.wording)


# ---------------------------------------------------------------- eligibility screening (issue 3)
def screen_inputs(inputs: Inputs) -> Screening:
    """Screen every pool against the rule set's eligibility rules, before any model is built."""
    return screen(inputs.ruleset, inputs.pools, inputs.quotas)


def select_screened(inputs: Inputs, settings: SolverSettings = SolverSettings(), pool_solver=None, progress=None
                    ) -> tuple[Screening, SelectionResult]:
    """Screen, then select among the eligible only; the result carries the screening summary.
    `progress(step)` is told each step as it starts (the CLI shows it)."""
    tell = progress or (lambda _step: None)
    tell(_("screening eligibility"))
    screening = screen_inputs(inputs)
    result = select(inputs, settings, eligible=screening.masks, pool_solver=pool_solver, progress=lambda kind: tell(
        _("solving {pool} (merit, special class, tie-break, uniqueness)",
          pool=label(inputs.ruleset.pools[kind], kind))))
    return screening, result.model_copy(update={"screening": screening.summary()})


def check(inputs: Inputs) -> SupplyCheck:
    """Screen, then the supply arithmetic of every rule against the eligible candidates; no solving."""
    screening = screen_inputs(inputs)
    rs, masks = inputs.ruleset, screening.masks
    exact = [slate_exists(rs, pool, inputs.quotas, masks.get(kind), inputs.fixed or None)
             for kind, pool in inputs.pools.items()]  # the exact test where rules interact (issue 14)
    exact += [tied_slate_exists(rs, {k: inputs.pools[k] for k in group}, inputs.quotas,  # issue 14, 5: together
                                {k: masks.get(k) for k in group}, inputs.fixed or None)
              for group in tied_pools(rs, list(inputs.pools))]
    return SupplyCheck(screening, supply_findings(rs, inputs.pools, inputs.quotas, masks),
                       submission_findings(rs, inputs.pools, inputs.quotas, masks), exact)
