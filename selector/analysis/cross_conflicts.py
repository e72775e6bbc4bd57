"""Explaining pools tied by a rule across awards (issue 14, 5: `cross_rules`).

The explainer's questions (conflicts.py, relaxations.py, next_steps.py) are asked per pool, on each pool's
own rules: they do not see a rule across awards. This module asks the one question that needs the pools
together: when every tied pool has a slate alone, but not together, which rules conflict. It takes the
joint model of engine/joint.py (plain, per candidate) with every rule of every tied pool and every rule
across them behind a literal, and shrinks the set of rules assumed by deletion until dropping any one
leaves a slate: a minimal conflict, in which the rule across awards appears whenever it is needed.
Relaxations, prices and next steps are not computed across pools; explain_inputs says so.
"""

from __future__ import annotations

import dataclasses

from selector.engine.joint import build_joint
from selector.engine.session import Session, SolverSettings
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet


def tied_conflict(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas,
                  eligible: dict[str, list[bool] | None] | None = None, fixed: dict[str, bool] | None = None,
                  time_limit: float = 20.0, settings: SolverSettings | None = None) -> list[str] | None:
    """A minimal conflict among the rules of tied pools and the rules across them (rule ids; a unit quota as
    `quota:<award>:<unit>`), or None when slates exist together (or the question was not decided in time).
    `settings`: the run's (seed, workers; its time limit when it has one), one worker as for a shown answer."""
    m, sms, cross = build_joint(ruleset, pools, quotas, eligible, fixed, with_literals=True)
    literals = dict(cross)  # the rules across awards first: deletion then tries them first
    for sm in sms.values():
        for rid, lit in sm.literals.items():
            one = rid.startswith("quota:") and rid.count(":") == 1  # the pool's first title: name its award
            literals[f"quota:{sm.top.id}:{rid[6:]}" if one else rid] = lit
    given = settings or SolverSettings()
    session = Session(dataclasses.replace(given, workers=1, time_limit=given.time_limit or time_limit))

    def none_exists(names: list[str]) -> bool:
        m.clear_assumptions()
        m.add_assumptions([literals[n] for n in names])
        return session.solve(m).status == "infeasible"

    core = list(literals)
    if not none_exists(core):
        return None
    i = 0
    while i < len(core):  # deletion: a rule stays only if dropping it lets slates exist
        trial = core[:i] + core[i + 1:]
        if none_exists(trial):
            core = trial
        else:
            i += 1
    return core
