"""The exact test behind `selector check` (issue 14): does any slate meet every hard rule together?

supply.py's arithmetic tests necessary conditions one rule at a time: rules that interact (a frontline
share and a leader cap that together need 75 non-leaders of 60) pass it and still rule every slate out.
This asks CP-SAT for any slate, with no objective, on the model of interchangeable classes (classes.py:
candidates with the same unit and the same membership in every group a rule reads are alike, so keeping
`class_limit` of each class keeps a slate if one exists). The model is model.build_model's, so it is
the very set of rules `select` solves. A small pool answers in well under a second; when the time
limit runs out the answer is None and `check` says it tested necessary conditions only.
"""

from __future__ import annotations

from dataclasses import dataclass

from selector.engine.classes import build_pruned, prune
from selector.engine.model import build_model
from selector.engine.session import Session, SolverSettings
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet

TIME_LIMIT = 10.0  # seconds per pool


@dataclass(frozen=True)
class Feasibility:
    pool: str
    exists: bool | None  # True: a slate meets every hard rule; False: none can; None: not decided in time
    candidates: int  # in the class model
    wall_time: float


def slate_exists(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                 fixed: dict[str, bool] | None = None, time_limit: float = TIME_LIMIT) -> Feasibility:
    """Whether some slate meets every hard rule of the pool's awards (soft rules never rule one out)."""
    if fixed and eligible is not None and any(fixed.get(i) is True and not e for i, e in zip(pool.ids, eligible)):
        return Feasibility(pool.kind, False, 0, 0.0)  # a what-if forces in a candidate the notice excludes
    if len(ruleset.top_awards(pool.kind)) > 1:  # disjoint titles: the plain model (see prune.solve_pool)
        sm = build_model(ruleset, pool, quotas, eligible, fixed=fixed or None)
        kept = len(pool)
    else:
        pruned = prune(ruleset, pool, quotas, eligible, fixed or None)
        sm = build_pruned(ruleset, pruned, quotas, fixed or None)
        kept = len(pruned.kept)
    got = Session(SolverSettings(time_limit=time_limit)).solve(sm.model)
    exists = True if got.found else False if got.status == "infeasible" else None
    return Feasibility(pool.kind, exists, kept, got.solver.wall_time)
