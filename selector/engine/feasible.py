"""The exact test behind `selector check` (issue 14): does any slate meet every hard rule together?

supply.py's arithmetic tests necessary conditions one rule at a time: rules that interact (a frontline
share and a leader cap that together need 75 non-leaders of 60) pass it and still rule every slate out.
This asks CP-SAT for any slate, with no objective, on the model of interchangeable classes (classes.py:
candidates with the same unit and the same membership in every group a rule reads are alike, so keeping
`class_limit` of each class keeps a slate if one exists). The model is model.build_model's, so it is
the very set of rules `select` solves. A small pool answers in well under a second; when the time
limit runs out the answer is None and `check` says it tested necessary conditions only.
Pools tied by a rule across awards (issue 14, 5) are tested once more together (tied_slate_exists), on the
plain model of engine/joint.py with every cross rule: the classes of one pool cannot see the others' counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from selector.engine.classes import build_pruned, prune
from selector.engine.joint import build_joint
from selector.engine.model import build_model
from selector.engine.session import Session, SolverSettings
from selector.i18n import _
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
    classes: bool = True  # tested on the model of interchangeable classes; False: the plain model (tied pools)


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


def tied_slate_exists(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas,
                      eligible: dict[str, list[bool] | None] | None = None, fixed: dict[str, bool] | None = None,
                      time_limit: float = TIME_LIMIT) -> Feasibility:
    """Whether slates of all these pools exist together that meet every hard rule of each and every rule
    across awards over them (issue 14, 5): one CP-SAT model, plain (per candidate)."""
    m, _sms, _lits = build_joint(ruleset, pools, quotas, eligible, fixed or None)
    got = Session(SolverSettings(time_limit=time_limit)).solve(m)
    ids = [c.id for c in ruleset.cross_rules if {ruleset.award(a).pool for a in c.awards} <= set(pools)]
    exists = True if got.found else False if got.status == "infeasible" else None
    name = _("{pools} together, with {rules}", pools="+".join(pools), rules=", ".join(ids))
    return Feasibility(name, exists, sum(len(p) for p in pools.values()), got.solver.wall_time, classes=False)
