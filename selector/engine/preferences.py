"""Preferences without numbers (issue 14, 1): 优先推荐, 注意推荐, 侧重, 应占一定比例.

The meaning (rules.Preference, documented in models/README.md): a lexicographic stage after merit.
Among the slates of greatest merit (or within the preference's `tolerance` in merit points) the slate
holds as many members of the preferred group as it can (selector/engine/solve.py solves it). This module reports,
for a solved slate, how many members it holds, how many any slate meeting the rules could hold, and what
each further member would cost: the best merit of a slate holding k more, by solving with that floor.
"""

from __future__ import annotations

from decimal import Decimal

from selector.engine.model import build_model
from selector.engine.session import Session, Solved, SolverSettings
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet

EXTRA = 3  # how many further members are priced
TIME_LIMIT = 10.0


def _solve(model) -> Solved:
    return Session(SolverSettings(time_limit=TIME_LIMIT)).solve(model)  # each question its own time limit


def preference_report(ruleset: RuleSet, pool: Pool, quotas: Quotas, slate: dict[str, list[str]],
                      eligible: list[bool] | None = None, fixed: dict[str, bool] | None = None) -> list[dict]:
    """Per preference of the pool: {id, clause, text, group (label), held, most, merit, extra: [{k, merit,
    cost}]}; merit exact as text (stage 1's: every top-level award of the pool, as selector/engine/solve.py counts it);
    an extra's merit None when no slate holds that many (or not proven in time)."""
    out = []
    top = ruleset.top_award(pool.kind)
    ids = list(pool.table["id"])
    scores = dict(zip(ids, pool.table["score"]))
    merit = sum((Decimal(str(scores[c])) for t in ruleset.top_awards(pool.kind) for c in slate.get(t.id, [])),
                Decimal(0))
    for p in ruleset.preferences_of_pool(pool.kind):
        chosen = set(slate.get(p.award, []))
        mask = ruleset.group_mask(p.group, pool.table)
        held = sum(1 for i, c in enumerate(ids) if mask[i] and c in chosen)
        sm = build_model(ruleset.model_copy(update={"preferences": []}), pool, quotas, eligible, fixed=fixed)
        count = sm.count_of(p.award, p.group)  # type: ignore[misc]
        sm.model.maximize(count)
        got = _solve(sm.model)
        most = got.value(count) if got.optimal else None
        extra = []
        for k in range(1, EXTRA + 1):
            if most is None or held + k > most:
                break
            trial = build_model(ruleset.model_copy(update={"preferences": []}), pool, quotas, eligible, fixed=fixed)
            trial.model.add(trial.count_of(p.award, p.group) >= held + k)  # type: ignore[misc]
            trial.model.maximize(trial.merit[top.id] - trial.penalty)
            got = _solve(trial.model)
            if not got.optimal:
                extra.append({"k": k, "merit": None, "cost": None})
                continue
            best = Decimal(sum(trial.scaled_scores[i] for t in ruleset.top_awards(pool.kind)
                               for i, v in enumerate(trial.x[t.id]) if got.solver.boolean_value(v))) / trial.scale
            extra.append({"k": k, "merit": str(best), "cost": str(merit - best)})
        out.append({"id": p.id, "clause": p.clause, "text": p.text, "group": ruleset.group_label(p.group),
                    "held": held, "most": most, "merit": str(merit), "extra": extra})
    return out
