"""The exact fast path: solve a much smaller model that provably has the same canonical slate.

Two reductions, both exact, then selector.engine.solve on what is left.

1. Interchangeable classes (before any model is built). Call two eligible candidates interchangeable
   when they have the same unit and the same membership in every group that a rule of the pool reads (as
   `group` or `of`). Every constraint of the model — seats, unit quotas, open seats, share and count rules,
   hard or soft, on the top award or a subset award — counts candidates only through their unit and those
   memberships, so putting one member of a class in another's place keeps every constraint as it was.
   Order each class best first: score descending, then the tie-break order (the rule set's keys, then the
   smaller id). In a slate optimal for the three objectives of selector.engine.solve (merit, then subset merit,
   then tie-break weight) each class holds a prefix of its order: were j in and a better i out, i in j's
   place (and in j's subset seat) would raise the merit, or keep it and raise the tie-break weight, of
   which every candidate earlier in the order has strictly more. The subset award (the special class)
   likewise holds a prefix of each class. Hence a class never places more than `class_limit` candidates
   (the award's seats, the unit's quota plus open seats, the maximum of a hard count rule on a group the
   class is in): the rest are dropped; within a class choosing the (k+1)-th implies choosing the k-th
   (`chains`), and past its own limit a candidate never holds the subset award (`allowed`). Stage-3 weights
   stay those of the whole pool, so the optimal slates of the small model are exactly those of the plain
   model, and so are the uniqueness proof and the first slate in tie-break order among ties.

2. Reduced-cost fixing (with a bound that holds exactly). The LP relaxation of the model (every linear
   constraint model.py posts; the rest dropped, which only loosens it) is solved with GLOP, and its duals,
   rounded, give a Lagrangian bound B computed in integers, valid whatever the LP's own rounding, with a
   reduced cost d_j per candidate: no slate that takes candidate j against the sign of d_j can score more
   than B - |d_j|. So for a threshold T every slate scoring >= T keeps every candidate with B - |d_j| < T
   on its side. The model with those candidates fixed (in: forced in; out: dropped) holds every slate
   >= T; if its optimum z >= T, z is the optimum of the whole model and every optimal slate is in it, so
   stages 2 and 3, uniqueness and the tie-break give the same slate. If z < T, z is a lower bound and
   the model fixed at T = z is exact; if none exists, T is lowered. The LP is built from a model of one
   representative per class (classes have identical columns), expanded to the members.

Ineligible candidates are dropped outright; a what-if candidate forced in or out is a class of its own.
The plain per-candidate model stays reachable (SolverSettings(fast=False)) as the reference the tests
compare against.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
from ortools.sat.python import cp_model

from selector.engine import solve as _solve
from selector.engine.model import SelectionModel, build_model, members, score_scale, tie_break_order
from selector.engine.solve import PoolSolution, SolverSettings, _Clock, _values, solve_model
from selector.reading import kinds
from selector.reading.pool import Pool, Quotas
from selector.reading.rules import Award, RuleSet


def rule_groups(ruleset: RuleSet, pool_kind: str) -> list[str]:
    """The groups any rule of the pool reads, as its group or its denominator ('all' left out)."""
    groups: list[str] = []
    for r in ruleset.rules_of_pool(pool_kind):
        for g in kinds.counted_groups(r):
            if g not in groups:
                groups.append(g)
    # issue 14: the carve-out seats' group and the preferred groups are counted by the model too
    extra = [a.open_group for a in ruleset.awards_of_pool(pool_kind)] + [
        p.group for p in ruleset.preferences_of_pool(pool_kind)]
    return groups + [g for g in dict.fromkeys(extra) if g is not None and g not in groups]


def tie_break_weights(ruleset: RuleSet, pool: Pool) -> list[int]:
    """Per candidate n - rank in the tie-break order, as model.build_model computes them."""
    n = len(pool)
    weight = [0] * n
    for rank, i in enumerate(tie_break_order(ruleset, pool)):
        weight[i] = n - rank
    return weight


@dataclass(frozen=True)
class Classes:
    """The eligible candidates of a pool in interchangeable classes, each best first."""

    classes: list[list[int]]  # positions in the pool
    keys: list[tuple]  # per class: (unit, membership bits[, id of a what-if candidate])
    groups: list[str]  # the groups of the membership bits
    tie_break_weight: list[int]  # per candidate of the pool: n - tie-break rank (as model.build_model)


def interchangeable_classes(ruleset: RuleSet, pool: Pool, eligible: list[bool] | None = None,
                            fixed: dict[str, bool] | None = None) -> Classes:
    """Classes of candidates that every rule treats alike, each sorted by score desc, then tie-break order.
    Ineligible candidates and those a what-if keeps out are in no class; one forced in is alone in its class."""
    groups = rule_groups(ruleset, pool.kind)
    masks = [members(ruleset, pool, g) for g in groups]
    weight = tie_break_weights(ruleset, pool)
    units = list(pool.table["unit"])
    ids = list(pool.table["id"])
    scores = list(pool.table["score"])
    by_key: dict[tuple, list[int]] = {}
    for i, bits in enumerate(zip(*masks) if masks else ((),) * len(pool)):
        if eligible is not None and not eligible[i]:
            continue
        forced = fixed.get(ids[i]) if fixed else None
        if forced is False:
            continue
        key: tuple = (units[i], tuple(bits)) if forced is None else (units[i], tuple(bits), ids[i])
        by_key.setdefault(key, []).append(i)
    keys = list(by_key)
    classes = [sorted(by_key[k], key=lambda i: (-scores[i], -weight[i])) for k in keys]
    return Classes(classes, keys, groups, weight)


def class_limit(ruleset: RuleSet, award: Award, quotas: Quotas, unit: str, inside: dict[str, bool]) -> int:
    """At most how many of one class any slate can give `award`: its seats, the unit's quota (plus open
    seats) and the maximum of every hard count rule on the award whose group the class is in."""
    limit = award.seats
    by_unit = quotas.of(award.id)
    if award.quota != "none" and by_unit is not None and unit in quotas.units:
        limit = min(limit, by_unit.get(unit, 0) + award.open_seats)
    for r in ruleset.rules:
        fixed = kinds.fixed_bound(r, award.seats) if r.award == award.id and r.hard else None
        if fixed is not None and fixed.high is not None:  # a count's maximum, a share's cap of the whole slate
            if r.group == "all" or inside.get(r.group, False):
                limit = min(limit, fixed.high)
    return max(0, limit)


@dataclass(frozen=True)
class Pruned:
    """The pool cut down to the candidates an optimal slate can hold, with what the model needs."""

    pool: Pool  # the kept candidates, in pool order, renumbered 0..m-1
    kept: list[int]  # position in the original pool of each kept candidate
    classes: list[list[int]]  # per class with a kept member: kept positions, best first
    allowed: dict[str, list[bool]]  # subset award id -> may this kept candidate hold it
    tie_break_weight: list[int]  # per kept candidate, its weight in the whole pool
    original_size: int = 0

    @property
    def chains(self) -> list[list[int]]:
        return [c for c in self.classes if len(c) > 1]


def _subpool(pool: Pool, positions: list[int]) -> Pool:
    table = pool.table.iloc[positions].reset_index(drop=True)
    return Pool(pool.kind, pool.source, table, [pool.rows[i] for i in positions], list(pool.extra_columns))


def prune(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
          fixed: dict[str, bool] | None = None) -> Pruned:
    """Keep the best `class_limit` of every interchangeable class (see the module's docstring)."""
    cl = interchangeable_classes(ruleset, pool, eligible, fixed)
    awards = sorted(ruleset.awards_of_pool(pool.kind), key=lambda a: a.parent is not None)
    top, subsets = awards[0], awards[1:]
    chosen: list[list[int]] = []
    sub_limits: list[dict[str, int]] = []
    for key, cls in zip(cl.keys, cl.classes):
        inside = dict(zip(cl.groups, key[1]))
        k = class_limit(ruleset, top, quotas, key[0], inside)
        if len(key) > 2:  # a what-if candidate forced in stays, whatever its limit (the model then decides)
            k = 1
        if k > 0:
            chosen.append(cls[:k])
            sub_limits.append({a.id: class_limit(ruleset, a, quotas, key[0], inside) for a in subsets})
    kept = sorted(i for cls in chosen for i in cls)
    new_pos = {i: j for j, i in enumerate(kept)}
    classes = [[new_pos[i] for i in cls] for cls in chosen]
    allowed = {a.id: [True] * len(kept) for a in subsets}
    for cls, limits in zip(classes, sub_limits):
        for a in subsets:
            for j in cls[limits[a.id]:]:
                allowed[a.id][j] = False
    return Pruned(_subpool(pool, kept), kept, classes, allowed, [cl.tie_break_weight[i] for i in kept], len(pool))


def restrict(pruned: Pruned, keep: list[bool]) -> Pruned:
    """The pruned pool with only the candidates `keep` marks (classes and limits follow)."""
    positions = [j for j in range(len(keep)) if keep[j]]
    new = {j: k for k, j in enumerate(positions)}
    classes = [c for c in ([new[j] for j in cls if j in new] for cls in pruned.classes) if c]
    allowed = {a: [v[j] for j in positions] for a, v in pruned.allowed.items()}
    return Pruned(_subpool(pruned.pool, positions), [pruned.kept[j] for j in positions], classes, allowed,
                  [pruned.tie_break_weight[j] for j in positions], pruned.original_size)


def build_pruned(ruleset: RuleSet, pruned: Pruned, quotas: Quotas,
                 fixed: dict[str, bool] | None = None) -> SelectionModel:
    """The model of the pruned pool, with chains, subset limits and the whole pool's tie-break weights."""
    return build_model(ruleset, pruned.pool, quotas, fixed=fixed or None, chains=pruned.chains,
                       allowed=pruned.allowed, tie_break_weight=pruned.tie_break_weight)


# ------------------------------------------------------------------------ LP bound and reduced-cost fixing
_K = 1 << 24  # duals are rounded to multiples of 1/_K, so that the bound is computed exactly in integers
_INF = 2**62


@dataclass(frozen=True)
class LpBound:
    """A Lagrangian bound of stage 1 (merit less penalties) over the pruned pool, exact, in units of
    1/(_K * scale): `bound` >= the stage-1 objective of every slate; a slate that gives candidate j the
    value 1 - lean[j] scores at most bound - cost[j] (lean -1: no such information)."""

    bound: int
    lean: list[int]
    cost: list[int]
    scale: int  # scores times this are integers
    lp_value: float  # the LP optimum, in scaled units (for reports)

    def threshold_fixing(self, threshold: int) -> tuple[list[bool], list[bool]]:
        """(keep, force_in) for a stage-1 threshold in scaled units: every slate scoring >= threshold
        keeps out the candidates with keep False and holds those with force_in True."""
        t = threshold * _K
        keep, force = [], []
        for lean, cost in zip(self.lean, self.cost):
            settled = lean >= 0 and self.bound - cost < t
            keep.append(not (settled and lean == 0))
            force.append(settled and lean == 1)
        return keep, force


def lp_bound(ruleset: RuleSet, pruned: Pruned, quotas: Quotas, fixed: dict[str, bool] | None = None,
             time_limit: float | None = None) -> LpBound | None:
    """The LP relaxation of the pruned model, built from the model of one representative per class and
    expanded to every kept candidate (members of a class have identical columns: model.py's rows are sums
    over units and groups), solved with GLOP; its duals made into an exact bound. None if the LP is not
    solved to optimality (the caller then solves the pruned model as it is)."""

    reps = [cls[0] for cls in pruned.classes]
    rep_pool = _subpool(pruned.pool, reps)
    ids = list(pruned.pool.table["id"])
    rep_fixed = {ids[j]: v for j in reps if fixed and (v := fixed.get(ids[j])) is not None}
    sm = build_model(ruleset, rep_pool, quotas, fixed=rep_fixed or None)
    sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
    proto = sm.model.proto
    soft = [Decimal(str(r.weight)) for r in ruleset.rules_of_pool(pruned.pool.kind) if not r.hard]
    scores = list(pruned.pool.table["score"])
    scale = score_scale(scores + soft)
    factor = scale // sm.scale  # both powers of ten; the representatives' scores are among the kept ones

    # LP columns: every kept candidate (top award), then the model's other variables (one per representative
    # and subset award, holding the class's count, and the counts, slacks and open seats).
    n = len(ids)
    top_index = {v.index: c for c, v in enumerate(sm.x[sm.top.id])}
    domains = [list(v.domain) for v in proto.variables]
    others = [i for i in range(len(domains)) if i not in top_index]
    column = {i: n + k for k, i in enumerate(others)}
    lo = np.zeros(n + len(others))
    hi = np.ones(n + len(others))
    for j in range(n):
        if fixed and fixed.get(ids[j]) is True:
            lo[j] = 1
    count_seats = {v.index: ruleset.award(award).seats for (award, _), v in sm.counts.items()}
    sub_index = {v.index: (a.id, c) for a in sm.awards[1:] for c, v in enumerate(sm.x[a.id])}
    for i in others:
        lo[column[i]], hi[column[i]] = domains[i][0], domains[i][-1]
        if i in count_seats:  # a count of the representatives: any slate's count is at most the seats
            hi[column[i]] = count_seats[i]
        elif i in sub_index:
            award, c = sub_index[i]
            hi[column[i]] = sum(pruned.allowed[award][j] for j in pruned.classes[c])
    objective = np.zeros(n + len(others), dtype=object)
    for j in range(n):
        objective[j] = int(scores[j] * scale)
    sign = -1 if proto.objective.scaling_factor < 0 else 1  # a maximisation is stored negated
    for i, coef in zip(proto.objective.vars, proto.objective.coeffs):
        if i not in top_index:
            objective[column[i]] = sign * coef * factor
    offset = sign * int(proto.objective.offset) * factor
    members_of = [np.array(cls, dtype=np.int64) for cls in pruned.classes]
    rows = []
    for ct in proto.constraints:
        if not ct.has_linear() or len(ct.enforcement_literal):
            continue  # implications and chains: dropping them only loosens the relaxation
        cols, coefs = [], []
        for i, a in zip(ct.linear.vars, ct.linear.coeffs):
            if i in top_index:
                block = members_of[top_index[i]]
                cols.append(block)
                coefs.append(np.full(len(block), a, dtype=np.int64))
            else:
                cols.append(np.array([column[i]], dtype=np.int64))
                coefs.append(np.array([a], dtype=np.int64))
        domain = list(ct.linear.domain)
        rows.append((np.concatenate(cols), np.concatenate(coefs), domain[0], domain[-1]))

    got = _solve_lp(rows, lo, hi, objective, offset, time_limit)
    if got is None:
        return None
    bound, reduced, value = got
    lean, cost = [], []
    for j in range(n):
        r = int(reduced[j])
        free = lo[j] < hi[j]
        lean.append((1 if r > 0 else 0 if r < 0 else -1) if free else -1)
        cost.append(abs(r))
    return LpBound(bound, lean, cost, scale, value)


def _solve_lp(rows, lo, hi, objective, offset, time_limit: float | None = None):
    """Maximise objective.x + offset over lo <= x <= hi and the rows (cols, coefs, low, high) with GLOP;
    (exact bound times _K, exact reduced costs times _K, LP value) or None if not solved to optimality."""
    from ortools.linear_solver.python import model_builder as mb

    lp = mb.Model()
    h = lp.helper
    h.add_var_array_with_bounds(lo.astype(float), hi.astype(float), np.zeros(len(lo), dtype=bool), "v")
    variables = [lp.var_from_index(k) for k in range(len(lo))]
    for cols, coefs, rlo, rhi in rows:
        r = h.add_linear_constraint()
        h.add_terms_to_constraint(r, [variables[k] for k in cols], coefs.astype(float).tolist())
        h.set_constraint_lower_bound(r, -np.inf if rlo <= -_INF else float(rlo))
        h.set_constraint_upper_bound(r, np.inf if rhi >= _INF else float(rhi))
    h.set_objective_coefficients(list(range(len(lo))), [float(c) for c in objective])
    h.set_objective_offset(float(offset))
    h.set_maximize(True)
    solver = mb.Solver("glop")
    solver.set_solver_specific_parameters("use_dual_simplex: true")
    if time_limit is not None:
        solver.set_time_limit_in_seconds(time_limit)
    if solver.solve(lp) != mb.SolveStatus.OPTIMAL:
        return None
    duals = np.array(solver.dual_values(lp.get_linear_constraints()), dtype=float)
    bound, reduced = min((_lagrangian(y, rows, objective, lo, hi, offset) for y in (duals, -duals)),
                         key=lambda got: got[0])  # whichever sign convention GLOP uses: both bounds are valid
    return bound, reduced, float(solver.objective_value)


def _proto_rows(proto) -> list[tuple]:
    """The linear constraints of a CP-SAT model as rows, and its implications a => b as x_a - x_b <= 0
    (literals may be negated: not x is 1 - x). Other constraints are left out (the relaxation only loosens)."""
    rows = []
    for ct in proto.constraints:
        enforcement = list(ct.enforcement_literal)
        if ct.has_linear() and not enforcement:
            domain = list(ct.linear.domain)
            rows.append((np.array(ct.linear.vars, dtype=np.int64), np.array(ct.linear.coeffs, dtype=np.int64),
                         domain[0], domain[-1]))
        elif ct.has_bool_and() and len(enforcement) == 1:
            for lit in ct.bool_and.literals:
                # a - b <= 0 over literals; a literal -i-1 is 1 - x_i
                terms = {}
                constant = 0
                for sign, literal in ((1, enforcement[0]), (-1, lit)):
                    if literal >= 0:
                        terms[literal] = terms.get(literal, 0) + sign
                    else:
                        terms[-literal - 1] = terms.get(-literal - 1, 0) - sign
                        constant += sign
                rows.append((np.array(list(terms), dtype=np.int64), np.array(list(terms.values()), dtype=np.int64),
                             -_INF, -constant))
    return rows


def narrow_by_lp(sm: SelectionModel, objective, value: int, candidates_only: bool = True, stage1: bool = False) -> int:
    """Fix, in `sm.model`, every Boolean that has the same value in every solution whose `objective` is at
    least `value`, as far as the LP relaxation (exact Lagrangian bound) shows it. Returns how many. With
    `stage1` (the objective is stage 1's), top-award candidates fixed out go to `sm.out_at_optimum`."""
    m = sm.model
    m.maximize(objective)
    proto = m.proto
    domains = [list(v.domain) for v in proto.variables]
    lo = np.array([d[0] for d in domains], dtype=np.int64)
    hi = np.array([d[-1] for d in domains], dtype=np.int64)
    sign = -1 if proto.objective.scaling_factor < 0 else 1
    c = np.zeros(len(domains), dtype=object)
    for i, coef in zip(proto.objective.vars, proto.objective.coeffs):
        c[i] += sign * coef
    offset = sign * int(proto.objective.offset)
    m.clear_objective()
    rows = _proto_rows(proto)
    got = _solve_lp(rows, lo.astype(float), hi.astype(float), c, offset)
    if got is None:
        return 0
    bound, reduced, _ = got
    target = value * _K
    fixed = 0
    variables = [v for a in sm.awards for v in sm.x[a.id]] if candidates_only else None
    top_index = {v.index: k for k, v in enumerate(sm.x[sm.top.id])} if stage1 else {}
    for v in variables:
        i = v.index
        if lo[i] == hi[i]:
            continue
        r = int(reduced[i])
        if r != 0 and bound - abs(r) * int(hi[i] - lo[i]) < target:
            m.add(v == (int(hi[i]) if r > 0 else int(lo[i])))
            fixed += 1
            if r < 0 and v.index in top_index:
                sm.out_at_optimum.add(top_index[v.index])
    return fixed


def _lagrangian(y, rows, objective, lo, hi, offset) -> tuple[int, np.ndarray]:
    """max over the box of c.x + sum_r y_r (side_r - a_r.x), times _K, in exact integers: an upper bound
    of the objective over every point meeting the rows, for any multipliers y. Each y_r is rounded to a
    multiple of 1/_K and set to 0 where the side it would use is infinite."""
    total = 0
    reduced = objective * _K  # Python integers (object array)
    for (cols, coefs, rlo, rhi), yr in zip(rows, y):
        q = int(round(float(yr) * _K))
        side = rhi if q > 0 else rlo
        if q == 0 or abs(side) >= _INF:
            continue
        total += q * int(side)
        np.subtract.at(reduced, cols, q * coefs.astype(object))
    lo_i = np.asarray(lo).astype(np.int64).astype(object)
    hi_i = np.asarray(hi).astype(np.int64).astype(object)
    box = np.where(reduced > 0, reduced * hi_i, reduced * lo_i)
    total += int(box.sum()) + offset * _K
    return total, reduced


# ---------------------------------------------------------------------------------------- the fast path
SMALL_POOL = 1500  # up to this many kept candidates the pruned model is solved as it is (city: 0.06 s against
# 0.17 s through the LP rounds); above, the LP bound settles candidates first. Tests set it to 0 to check that path.
def _stage1(sm: SelectionModel, settings: SolverSettings, time_limit: float | None, first: list[float],
            start: float, work_limit: float | None = None):
    """Stage 1 alone on a (small) model: (status, value, values). `first` gets the time of the first slate."""

    class _First(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if not first:
                first.append(time.perf_counter() - start)

    stage1 = sm.merit[sm.top.id] - sm.penalty
    sm.model.maximize(stage1)
    solver = _solve._solver(settings, _Clock(time_limit))
    if work_limit is not None:  # CP-SAT's deterministic time: the same cut-off however loaded the machine is
        solver.parameters.max_deterministic_time = work_limit
    status = solver.solve(sm.model, _First())
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, int(solver.value(stage1)), _values(sm, solver), solver
    return status, None, None, solver


def subset_dominance(ruleset: RuleSet, pruned: Pruned, quotas: Quotas, forced: list[bool]) -> dict[str, list[bool]]:
    """Who may still hold each subset award of the top award, once `forced` candidates are known to be in
    every slate worth considering. Sort the candidates that every rule on the subset award treats alike (same
    membership in its rules' groups, same unit if it has quotas) best first; a candidate preceded by at least
    `class_limit` forced ones never holds it in an optimal slate: one of those is left out, and would take
    its seat with a higher subset merit, or the same merit and a higher tie-break weight."""
    table = pruned.pool.table
    scores = list(table["score"])
    units = list(table["unit"])
    allowed = {a: list(v) for a, v in pruned.allowed.items()}
    top = ruleset.top_award(pruned.pool.kind)
    for a in ruleset.awards_of_pool(pruned.pool.kind):
        if a.parent != top.id:
            continue
        groups: list[str] = []
        for r in ruleset.rules:
            if r.award == a.id:
                groups += kinds.counted_groups(r)
        groups = list(dict.fromkeys(groups))
        masks = [members(ruleset, pruned.pool, g) for g in groups]
        by_unit = a.quota != "none" and quotas.of(a.id) is not None
        keys: dict[tuple, list[int]] = {}
        for j in range(len(scores)):
            keys.setdefault((units[j] if by_unit else None, *(m[j] for m in masks)), []).append(j)
        for key, js in keys.items():
            inside = dict(zip(groups, key[1:]))
            limit = class_limit(ruleset, a, quotas, key[0] if by_unit else "", inside) if by_unit else \
                class_limit(ruleset, a, Quotas("", [], {}), "", inside)
            ahead = 0
            for j in sorted(js, key=lambda j: (-scores[j], -pruned.tie_break_weight[j])):
                if ahead >= limit:
                    allowed[a.id][j] = False
                if forced[j]:
                    ahead += 1
    return allowed


def _subset_start(sm: SelectionModel, slate: dict[str, list[int]], settings: SolverSettings, clock: _Clock):
    """A start for stage 2: the stage-1 slate's top award as it is, the subset awards chosen best for it
    (a small solve: the top award fixed). Measured: stage 2 at 100,000 candidates took 104 s from the
    stage-1 slate's own subset choice."""
    probe = sm.model.clone()
    for v, val in zip(sm.x[sm.top.id], slate[sm.top.id]):
        probe.add(probe.get_bool_var_from_proto_index(v.index) == val)
    subsets = sm.awards[1:]
    probe.maximize(sum(cp_model.LinearExpr.weighted_sum(
        [probe.get_bool_var_from_proto_index(v.index) for v in sm.x[a.id]], sm.scaled_scores) for a in subsets))
    probe.clear_hints()
    solver = _solve._solver(settings, clock)
    if solver.solve(probe) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out = dict(slate)
    for a in subsets:
        out[a.id] = [int(solver.boolean_value(probe.get_bool_var_from_proto_index(v.index))) for v in sm.x[a.id]]
    return out


def _fix_at_optimum(sm: SelectionModel, small: Pruned, pruned: Pruned, lp: LpBound, optimum: int) -> int:
    """Fix in `sm` (the model of `small`, a part of `pruned`) the top-award choice of every candidate that the
    LP bound of `pruned` settles for slates reaching `optimum` (stage 1, proven): the rounds fixed them only
    for their own, lower, threshold. Returns how many were fixed."""
    keep, force = lp.threshold_fixing(optimum * (lp.scale // sm.scale))
    where = {p: j for j, p in enumerate(pruned.kept)}
    fixed = 0
    x = sm.x[sm.top.id]
    for k, p in enumerate(small.kept):
        j = where[p]
        if not keep[j]:
            sm.model.add(x[k] == 0)
            sm.out_at_optimum.add(k)
            fixed += 1
        elif force[j]:
            sm.model.add(x[k] == 1)
            fixed += 1
    return fixed


def solve_pool(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
               settings: SolverSettings = SolverSettings(), fixed: dict[str, bool] | None = None,
               merit_only: bool = False) -> PoolSolution:
    """The canonical slate of one pool: the exact fast path by default, the plain model with fast=False.
    Positions in the returned solution are those of `pool`, whichever path ran. `merit_only` (fast path,
    for sweeps): stop once the merit is proven optimal, with a slate reaching it (not the tie-break's)."""
    if not settings.fast or len(ruleset.top_awards(pool.kind)) > 1:  # disjoint titles (issue 14, 4): the classes'
        # limits assume one top award, so these pools take the plain model
        return solve_model(build_model(ruleset, pool, quotas, eligible=eligible, fixed=fixed), settings)
    start = time.perf_counter()
    clock = _Clock(settings.time_limit)
    timings: dict[str, float] = {}
    first: list[float] = []

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - since
        return now

    def reduced(threshold: int):
        """The pruned pool with what the LP settles for slates >= threshold: (pool, forced, model, anything
        settled)."""
        keep, force = lp.threshold_fixing(threshold)
        settled = not all(keep) or any(force)
        small = restrict(pruned, keep)
        in_small = [force[j] for j in range(len(keep)) if keep[j]]
        user = [bool(fixed) and fixed.get(i) is True for i in small.pool.table["id"]]  # type: ignore[union-attr]
        in_small = [a or b for a, b in zip(in_small, user)]
        small = replace(small, allowed=subset_dominance(ruleset, small, quotas, in_small))
        ids = list(small.pool.table["id"])
        forced = {ids[k]: True for k in range(len(ids)) if in_small[k]}
        return small, sum(in_small), build_pruned(ruleset, small, quotas, (fixed or {}) | forced), settled

    if fixed and eligible is not None and any(fixed.get(i) is True and not ok for i, ok in zip(pool.ids, eligible)):
        # a what-if forces in a candidate the notice excludes: no slate (the plain model finds the same)
        return PoolSolution("infeasible", wall_time=time.perf_counter() - start, timings=timings)
    t = start
    pruned = prune(ruleset, pool, quotas, eligible, fixed)
    t = lap("prune", t)
    timings["candidates"], timings["kept"] = len(pool), len(pruned.kept)
    final = None
    found = None
    lp = None
    tolerant = any(p.tolerance_value > 0 for p in ruleset.preferences_of_pool(pool.kind))  # issue 14, 1: LP
    # fixing keeps only slates of the optimal merit; a preference's tolerance needs the others too
    if len(pruned.kept) <= SMALL_POOL or tolerant:  # small pools: the pruned model, the LP only between stages
        sm = build_pruned(ruleset, pruned, quotas, fixed)
        t = lap("build", t)
        status, value, values, _ = _stage1(sm, settings, clock.remaining(), first, start)
        t = lap("search", t)
        if status == cp_model.INFEASIBLE:
            return PoolSolution("infeasible", scale=sm.scale, wall_time=time.perf_counter() - start, timings=timings)
        if status == cp_model.OPTIMAL:
            final = (pruned, sm, value, values, len(pruned.kept))
    elif pruned.kept:
        lp = lp_bound(ruleset, pruned, quotas, fixed, clock.remaining())
        t = lap("lp", t)
    if lp is not None:
        top = lp.bound // _K  # objectives are integers
        # Thresholds just under the bound give small models: solve them (a second each at most) with the
        # threshold lowered until one holds a slate; its value is then a floor, and the model fixed for the
        # floor is exact (the last round, with no time cap of its own).
        delta = max(1, top // 200_000)
        floor: Fraction | None = None
        found = None  # the best slate seen, for a time limit
        while final is None:
            threshold = top - delta
            exact = floor is not None and threshold <= floor
            if exact:
                threshold = int(floor)  # type: ignore[arg-type]
            small, n_forced, sm, settled = reduced(threshold)
            exact = exact or not settled  # nothing settled: this is the pruned model itself
            t = lap("build", t)
            left = clock.remaining()
            # A round that is not exact only looks for a floor: a short cap in CP-SAT's deterministic time
            # (wall-clock caps made the path depend on the machine's load: at national size with ties, a
            # loaded machine found no slate within 1 s and the rounds fell through to the whole pruned
            # model, 41-160 s instead of 4), longer for a larger model.
            work = None if exact else 1.0 + min(7.0, (len(small.kept) - n_forced) / 4000)
            status, value, values, _ = _stage1(sm, settings, left, first, start, work)
            t = lap("search", t)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                z = Fraction(value, sm.scale) * lp.scale  # exact: sm.scale divides lp.scale
                if status == cp_model.OPTIMAL and (z >= threshold or not settled):
                    final = (small, sm, value, values, len(small.kept) - n_forced)
                    break
                if floor is None or z > floor:
                    floor, found = z, (small, sm, value, values)
                if status == cp_model.FEASIBLE:
                    if exact:
                        break  # out of time: the pruned model below, for a slate with its gap
                    delta = top - int(floor) + 1  # out of the short time: go to the floor
                    continue
            elif status == cp_model.INFEASIBLE and not settled:
                return PoolSolution("infeasible", scale=sm.scale, wall_time=time.perf_counter() - start,
                                    timings=timings)
            elif exact:
                break  # out of time: the pruned model below
            if clock.remaining() is not None and clock.remaining() < 0.01:
                break
            delta *= 4
            timings["rounds"] = timings.get("rounds", 0) + 1
    if final is None and lp is not None and found is not None and clock.remaining() is not None \
            and clock.remaining() <= 0.01:  # out of time: the best slate seen, with the LP's bound (gap)
        small, sm, value, values = found
        selected = {a: [small.kept[j] for j, b in enumerate(v) if b] for a, v in values.items()}
        bound = lp.bound // _K // (lp.scale // sm.scale)
        return PoolSolution("feasible", selected, value, max(value, bound), sm.scale, None,
                            time.perf_counter() - start, timings=timings)
    if final is None:  # no LP, no time, or no slate: the pruned model as it is
        sol = solve_model(build_pruned(ruleset, pruned, quotas, fixed),
                          replace(settings, time_limit=clock.remaining()))
        sol.selected = {a: [pruned.kept[j] for j in pos] for a, pos in sol.selected.items()}
        lap("search", t)
        sol.wall_time = time.perf_counter() - start
        sol.timings = timings
        return sol
    small, sm, value, values, free = final
    timings["free"] = free
    if first:
        timings["first_slate"] = first[0]
    if merit_only:
        selected = {a: [small.kept[j] for j, b in enumerate(v) if b] for a, v in values.items()}
        return PoolSolution("optimal", selected, value, value, sm.scale, None, time.perf_counter() - start,
                            timings=timings)

    def narrow(sm_: SelectionModel, stage: int, objective, optimum: int, slate):
        if stage > 1 or lp is None:
            timings[f"fixed{stage}"] = narrow_by_lp(sm_, objective, optimum, stage1=stage == 1)
        elif stage == 1:  # the whole pool's LP bound at the proven optimum: what every optimal slate holds
            timings["fixed1"] = _fix_at_optimum(sm_, small, pruned, lp, optimum)
        if stage == 1 and len(sm_.awards) > 1:
            return _subset_start(sm_, slate, settings, clock)
        return None

    sol = solve_model(sm, replace(settings, time_limit=clock.remaining()), (value, values), narrow)
    lap("stages", t)
    if sm.special_by_argument is not None:
        timings["special_by_argument"] = int(sm.special_by_argument)
    sol.selected = {a: [small.kept[j] for j in pos] for a, pos in sol.selected.items()}
    sol.wall_time = time.perf_counter() - start
    sol.timings = timings
    return sol
