"""Domain types of a result: what a selection run returns to the CLI, notebooks and reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["optimal", "feasible", "infeasible", "unknown"]  # of a pool, a result, any solve


def has_slate(status: str) -> bool:
    """A slate was found: proven optimal, or feasible (the time limit stopped the proof)."""
    return status in ("optimal", "feasible")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AwardResult(_Model):
    award: str
    name_zh: str
    seats: int
    merit: str  # exact sum of the selected scores, as text (scores may have decimals)
    selected: list[str]  # candidate ids, in pool order
    special: list[str] | None = None  # for a top award: the ids of its subset awards (the special class)


class RuleResult(_Model):
    id: str
    clause: str
    text: str
    award: str
    hard: bool
    required: str
    achieved: str
    ok: bool
    short: int  # people short of the bound (soft rules may be > 0)
    count: int = 0  # members of the rule's group in the slate, as the verifier counted them
    whole: int | None = None  # the count of the share's whole (`of`) in the slate; None for a count rule
    least: int | None = None  # the bound in whole people for that whole (reading/kinds.bound): at least ...
    most: int | None = None  # ... and at most; both None for a rule held in each unit (its bound differs by unit)


class UnitResult(_Model):
    award: str
    unit: str
    quota: int | None
    filled: int


class PoolResult(_Model):
    pool: str
    status: Status
    objective: str | None  # stage 1 objective (merit less soft penalties), exact
    bound: str | None  # proven upper bound on it
    gap: float | None
    unique: bool | None  # proven that no other slate ties on merit, special merit and tie-break
    wall_time: float
    candidates: int
    eligible: int


class UnitScreening(_Model):
    """Eligibility screening of one unit's submissions for one award (E1-E10, C4, T2)."""

    pool: str
    award: str
    unit: str
    submitted: int
    eligible: int
    quota: int | None  # None: the award has no quota column
    shortfall: int | None  # max(0, quota - eligible): seats the unit cannot fill from its eligible candidates


class ScreenedOut(_Model):
    """A candidate the notice excludes, with every reason: 'E5 八.1 ...: grassroots_vote 79% < 80%'."""

    id: str
    pool: str
    unit: str
    reasons: list[str]


class ScreeningSummary(_Model):
    units: list[UnitScreening]
    screened_out: list[ScreenedOut]


class SelectionResult(_Model):
    status: Status  # the worst over the pools
    ruleset: str
    awards: dict[str, AwardResult]
    rules: list[RuleResult]
    units: list[UnitResult]
    pools: dict[str, PoolResult]
    verified: bool  # the independent verifier passed every hard rule
    violations: list[str]
    wall_time: float
    tie_break: str
    screening: ScreeningSummary | None = None  # eligibility screening before the model, when run
    preferences: list[dict] = []  # issue 14, 1: per preference, held / most / what each extra one costs
