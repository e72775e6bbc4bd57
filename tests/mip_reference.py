"""An independent reference for the selection: a MIP in HiGHS (highspy) and a brute force, both written
from the rule set's data alone. Nothing here uses selector.engine.model or selector.engine.solve: group membership,
score scaling, quotas, open seats, shares, counts, soft targets and the tie-break order are re-derived.

Scores are scaled by the least common multiple of their denominators (not a power of ten, as the product
does), and every value handed back is an exact Fraction computed from the integral solution.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import highspy

from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet


# ------------------------------------------------------------------------------------------ groups
def in_group(ruleset: RuleSet, group: str, row: dict) -> bool:
    """A row is in a group when it matches the group's own filter and every group it is `within`."""
    if group == "all":
        return True
    g = ruleset.groups[group]
    for column, allowed in g.where.items():
        if row.get(column) not in allowed:
            return False
    return all(in_group(ruleset, inner, row) for inner in g.within)


def group_members(ruleset: RuleSet, pool: Pool, group: str) -> list[int]:
    rows = pool.table.to_dict("records")
    return [i for i, row in enumerate(rows) if in_group(ruleset, group, row)]


def tie_break_weights(ruleset: RuleSet, pool: Pool) -> list[int]:
    """Per candidate n - rank, ranks by the rule set's tie-break keys (earlier value first), then id."""
    rows = pool.table.to_dict("records")
    keys = ruleset.tie_break.pools.get(pool.kind, [])

    def rank(i: int) -> tuple:
        r = rows[i]
        return (*[k.values.index(r[k.attribute]) if r[k.attribute] in k.values else len(k.values) for k in keys],
                str(r["id"]))

    order = sorted(range(len(rows)), key=rank)
    w = [0] * len(rows)
    for pos, i in enumerate(order):
        w[i] = len(rows) - pos
    return w


# -------------------------------------------------------------------------------------------- data
@dataclass
class Instance:
    """The selection for one pool, in plain numbers."""

    ids: list[str]
    scores: list[Fraction]
    units: list[str]
    eligible: list[bool]
    top: str  # the top award's id
    top_seats: int
    subsets: dict[str, int]  # subset award id -> seats
    quota_units: list[str]
    quotas: dict[str, dict[str, int]]  # award -> unit -> seats (awards with a binding table only)
    quota_mode: dict[str, str]  # award -> cap | exact
    open_seats: dict[str, int]
    # (rule id, award, kind, members, whole members or None, op, fraction, min, max, hard, weight)
    rules: list[tuple] = field(default_factory=list)
    tie_weight: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None) -> Instance:
        rows = pool.table.to_dict("records")
        awards = [a for a in ruleset.awards if a.pool == pool.kind]
        top = next(a for a in awards if a.parent is None)
        inst = cls(
            ids=[str(r["id"]) for r in rows],
            scores=[Fraction(str(r["score"])) for r in rows],
            units=[str(r["unit"]) for r in rows],
            eligible=list(eligible) if eligible is not None else [True] * len(rows),
            top=top.id, top_seats=top.seats,
            subsets={a.id: a.seats for a in awards if a.parent is not None},
            quota_units=list(quotas.units),
            quotas={a.id: dict(quotas.of(a.id)) for a in awards
                    if a.quota != "none" and quotas.of(a.id) is not None},
            quota_mode={a.id: a.quota for a in awards},
            open_seats={a.id: a.open_seats for a in awards},
            tie_weight=tie_break_weights(ruleset, pool),
        )
        for r in ruleset.rules:
            if ruleset.award(r.award).pool != pool.kind:
                continue
            part = group_members(ruleset, pool, r.group)
            whole = group_members(ruleset, pool, r.of) if r.kind == "share" else None
            frac = Fraction(r.share.strip().rstrip("%")) / (100 if r.share.strip().endswith("%") else 1) \
                if r.kind == "share" else None
            inst.rules.append((r.id, r.award, r.kind, part, whole, r.op, frac, r.min, r.max, r.hard,
                               Fraction(str(r.weight))))
        return inst

    @property
    def awards(self) -> list[str]:
        return [self.top, *self.subsets]

    def seats(self, award: str) -> int:
        return self.top_seats if award == self.top else self.subsets[award]

    def scale(self) -> int:
        dens = [s.denominator for s in self.scores] + [r[10].denominator for r in self.rules if not r[9]]
        return math.lcm(*dens) if dens else 1

    # ---------------------------------------------------------------------- a slate's exact values
    def shortfall(self, rule: tuple, chosen: set[int]) -> int:
        """People short of a rule's bound on a slate (0 when met)."""
        _, _, kind, part, whole, op, frac, lo, hi, _, _ = rule
        n = sum(1 for i in part if i in chosen)
        if kind == "share":
            w = sum(1 for i in whole if i in chosen)
            if op == ">=":
                return max(0, math.ceil(frac * w) - n)
            return max(0, n - math.floor(frac * w))
        return max(0, (lo or 0) - n) + (max(0, n - hi) if hi is not None else 0)

    def feasible(self, slate: dict[str, set[int]]) -> bool:
        """Every hard rule of the selection on a slate (award -> candidate positions)."""
        top = slate[self.top]
        if any(len(slate[a]) != self.seats(a) for a in self.awards):
            return False
        if any(not self.eligible[i] for a in self.awards for i in slate[a]):
            return False
        if any(not slate[a] <= top for a in self.subsets):
            return False
        for a, table in self.quotas.items():
            filled = {u: sum(1 for i in slate[a] if self.units[i] == u) for u in self.quota_units}
            if sum(max(0, filled[u] - table.get(u, 0)) for u in self.quota_units) > self.open_seats[a]:
                return False
            if self.quota_mode[a] == "exact" and any(filled[u] < table.get(u, 0) for u in self.quota_units):
                return False
        return all(self.shortfall(r, slate[r[1]]) == 0 for r in self.rules if r[9])

    def stage1(self, slate: dict[str, set[int]]) -> Fraction:
        merit = sum((self.scores[i] for i in slate[self.top]), Fraction(0))
        return merit - sum((r[10] * self.shortfall(r, slate[r[1]]) for r in self.rules if not r[9]), Fraction(0))

    def stage2(self, slate: dict[str, set[int]]) -> Fraction:
        return sum((self.scores[i] for a in self.subsets for i in slate[a]), Fraction(0))

    def stage3(self, slate: dict[str, set[int]]) -> int:
        return sum(self.tie_weight[i] for a in self.awards for i in slate[a])


# --------------------------------------------------------------------------------------------- MIP
@dataclass
class RefSolution:
    status: str  # optimal | infeasible
    slate: dict[str, set[int]] | None = None
    stage1: Fraction | None = None
    stage2: Fraction | None = None
    stage3: int | None = None


class ReferenceMip:
    """The selection as a MIP. `solve()` maximises stage 1 (merit less soft penalties), then with it
    fixed the subset awards' merit; `solve(fix=..., differ_from=...)` asks other questions."""

    def __init__(self, inst: Instance, time_limit: float = 60.0):
        self.inst = inst
        self.time_limit = time_limit

    def _model(self):
        inst = self.inst
        n = len(inst.ids)
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.0)
        h.setOptionValue("time_limit", self.time_limit)
        h.setOptionValue("threads", 1)
        v = {a: [h.addIntegral(lb=0, ub=1 if inst.eligible[i] else 0) for i in range(n)] for a in inst.awards}
        for a in inst.awards:
            h.addConstr(h.qsum(v[a]) == inst.seats(a))
        for a in inst.subsets:
            for i in range(n):
                h.addConstr(v[a][i] - v[inst.top][i] <= 0)
        for a, table in inst.quotas.items():
            over = []
            for u in inst.quota_units:
                filled = h.qsum([v[a][i] for i in range(n) if inst.units[i] == u])  # empty: zero
                # seats beyond the unit's quota: over_u >= filled_u - q_u, and all of them <= open seats
                o = h.addIntegral(lb=0, ub=inst.seats(a))
                over.append(o)
                h.addConstr(filled - o <= table.get(u, 0))
                if inst.quota_mode[a] == "exact":
                    h.addConstr(filled + 0 * o >= table.get(u, 0))
            h.addConstr(h.qsum(over) <= inst.open_seats[a])
        short = {}
        for rule in inst.rules:
            rid, award, kind, part, whole, op, frac, lo, hi, hard, _ = rule
            # people short of the bound; fixed at 0 for a hard rule
            s = short[rid] = h.addIntegral(lb=0, ub=0 if hard else inst.seats(award) + 1)
            p = h.qsum([v[award][i] for i in part])
            if kind == "share":
                w = h.qsum([v[award][i] for i in whole])
                num, den = frac.numerator, frac.denominator
                if op == ">=":
                    h.addConstr(den * p + den * s - num * w >= 0)
                else:
                    h.addConstr(den * p - den * s - num * w <= 0)
            else:
                if lo is not None:
                    h.addConstr(p + s >= lo)
                if hi is not None:
                    h.addConstr(p - s <= hi)
        return h, v, short

    def _exprs(self, h, v, short):
        inst = self.inst
        k = inst.scale()
        n = len(inst.ids)
        s1 = h.qsum([int(inst.scores[i] * k) * v[inst.top][i] for i in range(n)])
        soft = [int(r[10] * k) * short[r[0]] for r in inst.rules if not r[9]]
        if soft:
            s1 = s1 - h.qsum(soft)
        s2 = h.qsum([int(inst.scores[i] * k) * v[a][i] for a in inst.subsets for i in range(n)]) \
            if inst.subsets else None
        s3 = h.qsum([inst.tie_weight[i] * v[a][i] for a in inst.awards for i in range(n)])
        return {"stage1": s1, "stage2": s2, "stage3": s3}, k

    def solve(self, objective: str = "stage1", fix: dict[str, Fraction | int] | None = None,
              differ_from: dict[str, set[int]] | None = None) -> RefSolution:
        """Maximise one stage with others fixed (exact values, as `RefSolution` gives them), optionally
        requiring a slate that differs from `differ_from` in at least one decision."""
        inst = self.inst
        h, v, short = self._model()
        exprs, k = self._exprs(h, v, short)
        for name, value in (fix or {}).items():
            if exprs[name] is None:
                continue
            scaled = value * (k if name != "stage3" else 1)
            assert Fraction(scaled).denominator == 1
            h.addConstr(exprs[name] == int(scaled))
        if differ_from is not None:
            terms = [(1 - v[a][i]) if i in differ_from[a] else v[a][i]
                     for a in inst.awards for i in range(len(inst.ids))]
            h.addConstr(h.qsum(terms) >= 1)
        if exprs[objective] is None:
            raise ValueError(f"no {objective} here: the pool has no subset award")
        h.maximize(exprs[objective])
        status = h.getModelStatus()
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return RefSolution("infeasible")  # every variable is bounded: never unbounded
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"reference MIP ended {h.modelStatusToString(status)}")
        slate = {a: {i for i, x in enumerate(h.vals(v[a])) if x > 0.5} for a in inst.awards}
        assert inst.feasible(slate), "the reference MIP's own slate breaks a rule of the reference checker"
        sol = RefSolution("optimal", slate, inst.stage1(slate), inst.stage2(slate), inst.stage3(slate))
        reported = Fraction(round(h.getInfo().objective_function_value))
        assert abs(h.getInfo().objective_function_value - float(reported)) < 1e-6
        exact = {"stage1": sol.stage1 * k, "stage2": sol.stage2 * k, "stage3": sol.stage3}[objective]
        assert exact == reported, (exact, reported)
        for name, value in (fix or {}).items():
            assert getattr(sol, name) == value, (name, getattr(sol, name), value)
        return sol

    def optimise(self) -> RefSolution:
        """Stage 1, then stage 2 with stage 1 fixed (the values, not the slate, are the reference)."""
        first = self.solve("stage1")
        if first.status != "optimal" or not self.inst.subsets:
            return first
        return self.solve("stage2", fix={"stage1": first.stage1})


# ------------------------------------------------------------------------------------- brute force
def brute_force_slates(inst: Instance) -> list[dict[str, set[int]]]:
    """Every feasible slate (top award and subset awards) by enumeration: for about ten candidates."""
    n = len(inst.ids)
    out = []
    for top in itertools.combinations(range(n), inst.top_seats):
        top_set = set(top)
        subset_choices = [[set(c) for c in itertools.combinations(top, inst.subsets[a])] for a in inst.subsets]
        for combo in itertools.product(*subset_choices):
            slate = {inst.top: top_set, **dict(zip(inst.subsets, combo))}
            if inst.feasible(slate):
                out.append(slate)
    return out


def preferred_slate(inst: Instance, slates: list[dict[str, set[int]]]) -> tuple[dict[str, set[int]], int]:
    """The documented choice among feasible slates: greatest stage 1, then stage 2, then stage 3; among
    slates still tied, the first in tie-break order (award by award, most preferred candidate first,
    selected before not). Returns it and how many slates tie on all three stages."""
    best = max((inst.stage1(s), inst.stage2(s), inst.stage3(s)) for s in slates)
    tied = [s for s in slates if (inst.stage1(s), inst.stage2(s), inst.stage3(s)) == best]
    order = sorted(range(len(inst.ids)), key=lambda i: -inst.tie_weight[i])

    def key(s: dict[str, set[int]]) -> tuple:
        return tuple(1 if i in s[a] else 0 for a in inst.awards for i in order)

    return max(tied, key=key), len(tied)
