"""Reduced-cost fixing with a bound that holds exactly (the fast path's second reduction, prune.py).

The LP relaxation of the model (every linear constraint model.py posts; the rest dropped, which only loosens
it) is solved with GLOP, and its duals, rounded, give a Lagrangian bound B computed in integers, valid
whatever the LP's own rounding, with a reduced cost d_j per candidate: no slate that takes candidate j
against the sign of d_j can score more than B - |d_j|. So for a threshold T every slate scoring >= T keeps
every candidate with B - |d_j| < T on its side (LpBound.threshold_fixing). The LP is built from a model of
one representative per class (classes have identical columns), expanded to the members. `narrow_by_lp` does
the same on any model and objective, between the stages of solve.py.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from ortools.sat import cp_model_pb2

from selector.engine.classes import Pruned, subpool
from selector.engine.model import SelectionModel, build_model, score_scale
from selector.engine.session import maximize
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet

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
    step: int = 1  # every slate's stage-1 value is the same modulo this (the gcd of the objective's coefficients)

    @property
    def ceiling(self) -> int:
        """The bound as a stage-1 value (objectives are integers), in the LP's scaled units."""
        return self.bound // _K

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
    rep_pool = subpool(pruned.pool, reps)
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
    step = math.gcd(*(int(c) for c in objective if c)) or 1
    return LpBound(bound, lean, cost, scale, value, step)


def _solve_lp(rows, lo, hi, objective, offset, time_limit: float | None = None, work: float | None = None):
    """Maximise objective.x + offset over lo <= x <= hi and the rows (cols, coefs, low, high) with GLOP;
    (exact bound times _K, exact reduced costs times _K, LP value) or None if not solved to optimality.
    `work`: a cut-off in GLOP's deterministic time (the same on any machine)."""
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
    solver.set_solver_specific_parameters("use_dual_simplex: true"
                                          + (f", max_deterministic_time: {work}" if work is not None else ""))
    if time_limit is not None:
        solver.set_time_limit_in_seconds(time_limit)
    if solver.solve(lp) != mb.SolveStatus.OPTIMAL:
        return None
    duals = np.array(solver.dual_values(lp.get_linear_constraints()), dtype=float)
    bound, reduced = min((_lagrangian(y, rows, objective, lo, hi, offset) for y in (duals, -duals)),
                         key=lambda got: got[0])  # whichever sign convention GLOP uses: both bounds are valid
    return bound, reduced, float(solver.objective_value)


def _proto_copy(model) -> cp_model_pb2.CpModelProto:
    """The model's proto as a protobuf message, read in one go: walking the solver's own proto object field
    by field from Python (ortools >= 9.15 wraps the C++ message) took 0.2-0.4 s per fixing at 5,000
    candidates and 3.2 s at 30,000; exported and parsed it is read about four times faster."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pb")
        model.export_to_file(path)
        with open(path, "rb") as f:
            return cp_model_pb2.CpModelProto.FromString(f.read())


def _proto_rows(proto) -> list[tuple]:
    """The linear constraints of a CP-SAT model as rows, and its implications a => b as x_a - x_b <= 0
    (literals may be negated: not x is 1 - x). Other constraints are left out (the relaxation only loosens).
    `proto`: a protobuf copy (_proto_copy, fast) or the model's own proto object (benchmarks/run.py)."""
    copy = isinstance(proto, cp_model_pb2.CpModelProto)
    rows = []
    for ct in proto.constraints:
        kind = ct.WhichOneof("constraint") if copy else \
            "linear" if ct.has_linear() else "bool_and" if ct.has_bool_and() else None
        enforcement = list(ct.enforcement_literal)
        if kind == "linear" and not enforcement:
            linear = ct.linear
            domain = linear.domain
            low, high = domain[0], domain[len(domain) - 1]
            rows.append((np.array(linear.vars, dtype=np.int64), np.array(linear.coeffs, dtype=np.int64), low, high))
        elif kind == "bool_and" and len(enforcement) == 1:
            a = enforcement[0]
            for lit in ct.bool_and.literals:
                # a - b <= 0 over literals; a literal -i-1 is 1 - x_i
                terms = {}
                constant = 0
                for sign, literal in ((1, a), (-1, lit)):
                    if literal >= 0:
                        terms[literal] = terms.get(literal, 0) + sign
                    else:
                        terms[-literal - 1] = terms.get(-literal - 1, 0) - sign
                        constant += sign
                rows.append((np.array(list(terms), dtype=np.int64), np.array(list(terms.values()), dtype=np.int64),
                             -_INF, -constant))
    return rows


NARROW_LP_WORK = 4.0  # a cut-off in GLOP's deterministic time for narrow_by_lp's LP. Every score equal (the
# stage-1 optimum a whole face, stage 3's LP degenerate): at 30,000 candidates the stage-3 LP took 65 s (GLOP's
# dual simplex, 67,000 rows) and the whole slate 130 s; cut off, 58 s, the same slate, and the uniqueness
# question 1.1 -> 0.9 s without the fixing. The LPs of the four benchmark worlds at 30,000 and 100,000
# candidates finish within 2 units (0.5-1.9 s) and fix what they fixed before (the same counts, the same slates).


def narrow_by_lp(sm: SelectionModel, objective, value: int, candidates_only: bool = True, stage1: bool = False) -> int:
    """Fix, in `sm.model`, every candidate decision (with `candidates_only` False: every variable) that has
    the same value in every solution whose `objective` is at least `value`, as far as the LP relaxation
    (exact Lagrangian bound) shows it. Returns how many. With `stage1` (the objective is stage 1's),
    top-award candidates fixed out go to `sm.out_at_optimum`."""
    m = sm.model
    maximize(m, objective)
    proto = _proto_copy(m)
    m.clear_objective()
    domains = [v.domain for v in proto.variables]
    lo = np.array([d[0] for d in domains], dtype=np.int64)
    hi = np.array([d[len(d) - 1] for d in domains], dtype=np.int64)
    sign = -1 if proto.objective.scaling_factor < 0 else 1
    c = np.zeros(len(domains), dtype=object)
    for i, coef in zip(proto.objective.vars, proto.objective.coeffs):
        c[i] += sign * coef
    offset = sign * int(proto.objective.offset)
    rows = _proto_rows(proto)
    got = _solve_lp(rows, lo.astype(float), hi.astype(float), c, offset, work=NARROW_LP_WORK)
    if got is None:  # not solved within NARROW_LP_WORK: nothing fixed (the fixing only speeds up what follows)
        return 0
    bound, reduced, _ = got
    target = value * _K
    fixed = 0
    variables = [v for a in sm.awards for v in sm.x[a.id]] if candidates_only else \
        [m.get_int_var_from_proto_index(i) for i in range(len(domains))]  # counts, slacks, ... too
    top_index = {v.index: k for k, v in enumerate(sm.x[sm.top.id])} if stage1 else {}
    for v in variables:
        i = v.index
        if lo[i] == hi[i]:
            continue
        r = int(reduced[i])
        if r != 0 and bound - abs(r) < target:  # one step off its bound already costs too much
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
