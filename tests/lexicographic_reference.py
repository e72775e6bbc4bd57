"""The definition of the tie-break's last step, one solve per candidate: the reference that
selector/engine/solve.py's faster forms (_is_only_solution as an optimisation, _lexicographic_first by
blocks) are checked against (tests/test_session.py). It was the plain model's algorithm in the product
until issue 18 kept one algorithm there."""

from __future__ import annotations

from ortools.sat.python import cp_model


def _differs_in(model: cp_model.CpModel, sm, values) -> cp_model.LinearExpr:
    """How many decisions of a slate in the clone `model` differ from `values` (>= 1: another slate)."""
    terms = []
    for a in sm.awards:
        for v, val in zip(sm.x[a.id], values[a.id]):
            cv = model.get_bool_var_from_proto_index(v.index)
            terms.append(1 - cv if val else cv)
    return sum(terms)


def _solve(model: cp_model.CpModel) -> tuple[cp_model.CpSolver, int]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver, solver.solve(model)


def is_only_solution(sm, values) -> bool:
    """No other slate meets sm.model (the three objectives held) than `values`."""
    probe = sm.model.clone()
    probe.add(_differs_in(probe, sm, values) >= 1)
    return _solve(probe)[1] == cp_model.INFEASIBLE


def lexicographic_first(sm, values) -> dict[str, list[int]]:
    """From any slate `values` of sm.model, the first in tie-break order: candidate by candidate (top award,
    then subsets), keep each choice that still admits a slate."""
    order = sorted(range(len(sm.pool)), key=lambda i: -sm.tie_break_weight[i])
    probe = sm.model.clone()
    for a in sm.awards:
        for i in order:
            v = probe.get_bool_var_from_proto_index(sm.x[a.id][i].index)
            if values[a.id][i]:
                probe.add(v == 1)
                continue
            trial = probe.clone()
            trial.add(trial.get_bool_var_from_proto_index(v.index) == 1)
            solver, status = _solve(trial)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                values = {b.id: [int(solver.boolean_value(trial.get_bool_var_from_proto_index(w.index)))
                                 for w in sm.x[b.id]] for b in sm.awards}
                probe.add(v == 1)
            else:
                probe.add(v == 0)
    return values
