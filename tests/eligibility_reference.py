"""The row-by-row eligibility screening, kept as the reference the vectorised selector.reading.eligibility.screen is
checked against (tests/test_eligibility.py). The per-rule checks (_applies, _failure, _preferences) are the
module's own; what differs is only how rows reach them: here one at a time, there once per distinct value.
"""

from __future__ import annotations

from selector.domain import UnitScreening
from selector.errors import InputErrors, InputProblem
from selector.reading.eligibility import (
    CalendarError,
    Reason,
    ScreenedCandidate,
    Screening,
    _applies,
    _failure,
    _preferences,
    _unit_summary,
)
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet


def screen_row_by_row(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas | None = None) -> Screening:
    """selector.reading.eligibility.screen as it was before it was vectorised: one candidate at a time, every rule.

    A date the official calendar cannot classify is bad input: every such cell is collected with its
    file, row and column and raised once as InputErrors.
    """
    problems: list[InputProblem] = []
    candidates: list[ScreenedCandidate] = []
    masks: dict[str, list[bool]] = {}
    units: list[UnitScreening] = []
    for kind, pool in pools.items():
        spec = ruleset.pools[kind]
        rules = [e for e in ruleset.eligibility if kind in e.pools]
        tops = [a for a in ruleset.awards_of_pool(kind) if a.parent is None]
        award = tops[0] if tops else None
        mask: list[bool] = []
        for i, row in enumerate(pool.table.to_dict("records")):
            reasons = []
            for e in rules:
                if not _applies(ruleset, e, row):
                    continue
                try:
                    failed = _failure(e, spec, row)
                except CalendarError as err:
                    column = e.start if err.day == row.get(e.start) else e.end  # type: ignore[arg-type]
                    problems.append(InputProblem(pool.source, str(err), row=pool.rows[i], column=column, rule=e.id))
                    continue
                if failed is not None:
                    reasons.append(Reason(e.id, e.clause, e.text, failed))
            mask.append(not reasons)
            candidates.append(ScreenedCandidate(
                id=str(row["id"]), name=str(row["name"]), unit=str(row["unit"]), pool=kind,
                award=award.id if award else "", eligible=not reasons, reasons=tuple(reasons),
                preferences=_preferences(ruleset, spec, kind, row)))
        masks[kind] = mask
        if award is not None:
            units += _unit_summary(kind, award.id, pool, mask,
                                   quotas.of(award.id) if quotas is not None and award.quota != "none" else None,
                                   quotas.units if quotas is not None else [])
    if problems:
        raise InputErrors(problems)
    return Screening(candidates, units, masks)
