"""One solver session (selector/engine/session.py), one status type, one tie-break algorithm (issue 18, 3):
every CP-SAT solver of the product is configured in one place; the product's fast forms of the uniqueness
proof and of the first slate in tie-break order agree with their one-solve-per-candidate definition
(tests/lexicographic_reference.py); slates leave the engine as candidate ids."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

from conftest import make_case
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lexicographic_reference import is_only_solution, lexicographic_first
from ortools.sat.python import cp_model
from test_fast_path import cases, drawn_case

from selector.domain import has_slate
from selector.engine import solve as solve_module
from selector.engine.lp import narrow_by_lp
from selector.engine.model import build_model
from selector.engine.session import Session, SolverSettings, status_of
from selector.engine.solve import solve_model

SELECTOR = Path(__file__).resolve().parents[1] / "selector"


def test_only_the_session_configures_cp_sat():
    """No module but engine/session.py makes a CP-SAT solver or sets its parameters."""
    made = re.compile(r"\bCpSolver\(|InterruptibleSolver\(|\.parameters\.")
    offenders = [str(p.relative_to(SELECTOR)) for p in SELECTOR.rglob("*.py")
                 if p.name != "session.py" and made.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_status_type():
    assert [has_slate(s) for s in ("optimal", "feasible", "infeasible", "unknown")] == [True, True, False, False]
    assert [status_of(c) for c in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE, cp_model.UNKNOWN,
                                   cp_model.MODEL_INVALID)] == ["optimal", "feasible", "infeasible", "unknown",
                                                                "unknown"]


def test_a_session_passes_on_workers_seed_and_its_time_limit():
    s = Session(SolverSettings(workers=3, seed=7, time_limit=5.0)).solver(work=0.5)
    assert (s.parameters.num_workers, s.parameters.random_seed) == (3, 7)
    assert 0 < s.parameters.max_time_in_seconds <= 5.0 and s.parameters.max_deterministic_time == 0.5
    assert "max_lp" in s.parameters.subsolvers  # several workers: the portfolio that works on these models
    assert Session().solver().parameters.num_workers == 1


def test_a_tuned_session_adds_every_lp_row_at_once_unless_asked_for_lazy_rows():
    tuned = Session(SolverSettings(), tuned=True)
    assert tuned.solver().parameters.add_lp_constraints_lazily is False
    assert tuned.solver(work=1.0, lazy_lp=True).parameters.add_lp_constraints_lazily is True


def test_an_explainer_question_with_an_objective_gets_every_lp_row_and_a_feasibility_probe_does_not(monkeypatch):
    """Asking.solve (selector/analysis/conflicts.py): a least slack, a loosest share or a best merit is asked
    with the tuned parameters (its bound is the LP's); a which-slates-exist probe keeps the lazy rows."""
    from selector.analysis import conflicts
    from selector.engine import session

    seen = []
    real = session.configure

    def spy(settings, clock, tuned):
        s = real(settings, clock, tuned)
        seen.append(s.parameters.add_lp_constraints_lazily)
        return s

    monkeypatch.setattr(session, "configure", spy)
    m = cp_model.CpModel()
    x = m.new_int_var(0, 3, "x")
    assert conflicts.ASK.solve(m).optimal  # no objective: a probe
    m.maximize(x)
    assert conflicts.ASK.solve(m).optimal
    assert seen == [True, False]


def _positions(sm, slate: dict[str, list[str]]) -> dict[str, list[int]]:
    ids = sm.pool.ids
    return {a.id: [int(c in slate.get(a.id, [])) for c in ids] for a in sm.awards}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_uniqueness_and_first_tied_slate_match_the_reference(data):
    with drawn_case(data) as (case, eligible, fixed):
        sm = build_model(case.ruleset, case.pool, case.quotas, eligible=eligible, fixed=fixed)
        sol = solve_model(sm, SolverSettings(fast=False))
        if sol.status != "optimal" or sol.unique is None:
            return
        assert all(c in case.pool.ids for chosen in sol.selected.values() for c in chosen)  # ids, not positions
        values = _positions(sm, sol.selected)
        assert is_only_solution(sm, values) is sol.unique  # sm.model holds the three objectives now
        event(f"unique={sol.unique}")
        # start the reference from another tied slate: the one that prefers the last positions
        probe = sm.model.clone()
        probe.maximize(sum(i * probe.get_bool_var_from_proto_index(v.index)
                           for a in sm.awards for i, v in enumerate(sm.x[a.id])))
        solver = cp_model.CpSolver()
        assert solver.solve(probe) == cp_model.OPTIMAL
        other = {a.id: [int(solver.boolean_value(probe.get_bool_var_from_proto_index(v.index))) for v in sm.x[a.id]]
                 for a in sm.awards}
        assert lexicographic_first(sm, other) == values


def test_luby_sequence():
    assert [solve_module.luby(k) for k in range(15)] == [1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_uniqueness_question_cut_short_is_asked_again_with_other_seeds_and_gets_the_same_verdict(data):
    """_is_only_solution's tries (UNIQUE_FIRST, then Luby's restarts, each with another random seed, then one
    uncut): with every cut-off far too short to decide anything, the last try answers, as the reference."""
    with drawn_case(data) as (case, eligible, fixed):
        sm = build_model(case.ruleset, case.pool, case.quotas, eligible=eligible, fixed=fixed)
        seeds = []
        real = Session.solver

        def spy(self, work=None, *args, **kwargs):
            s = real(self, work, *args, **kwargs)
            seeds.append((work, s))
            return s

        with mock.patch.object(solve_module, "UNIQUE_FIRST", 1e-9), \
                mock.patch.object(solve_module, "UNIQUE_UNIT", 1e-9), \
                mock.patch.object(solve_module, "UNIQUE_TRIES", 4), mock.patch.object(Session, "solver", spy):
            sol = solve_model(sm, SolverSettings(fast=False, seed=7))
            asked = [(w, s.parameters.random_seed) for w, s in seeds if w is not None and w <= 1e-8]
        if sol.status != "optimal" or sol.unique is None:
            return
        assert [seed for _, seed in asked] == [7, 8, 9, 10]  # the four cut tries, each its own seed
        assert is_only_solution(sm, _positions(sm, sol.selected)) is sol.unique


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.integers(1, 5))
def test_the_first_tied_slate_by_blocks_of_any_size_matches_the_reference(data, block):
    """solve._lexicographic_first settles LEX_BLOCK candidates per solve (a weighted objective, the first
    outweighing all after it); with blocks of 1 to 5 (so a pool spans several) it gives the definition's
    slate. Tied here: every slate of the optimal merit (stage 1 held alone, so ties are many), started from
    the one that prefers the last positions."""
    with drawn_case(data) as (case, eligible, fixed):
        sm = build_model(case.ruleset, case.pool, case.quotas, eligible=eligible, fixed=fixed)
        stage1 = sm.merit[sm.top.id] - sm.penalty
        sm.model.maximize(stage1)
        solver = cp_model.CpSolver()
        if solver.solve(sm.model) != cp_model.OPTIMAL:
            return
        sm.model.add(stage1 == round(solver.objective_value))
        probe = sm.model.clone()
        probe.maximize(sum(i * probe.get_bool_var_from_proto_index(v.index)
                           for a in sm.awards for i, v in enumerate(sm.x[a.id])))
        assert solver.solve(probe) == cp_model.OPTIMAL
        other = {a.id: [int(solver.boolean_value(probe.get_bool_var_from_proto_index(v.index))) for v in sm.x[a.id]]
                 for a in sm.awards}
        sm.model.clear_objective()
        with mock.patch.object(solve_module, "LEX_BLOCK", block):
            got = solve_module._lexicographic_first(sm, other, Session(SolverSettings(fast=False)))
        expected = lexicographic_first(sm, other)
        event(f"the first differs from the start: {expected != other}")
        assert got == expected


def test_narrow_by_lp_on_every_variable(tmp_path):
    """candidates_only=False fixes counts and slacks too (it used to iterate over None), and keeps the optimum."""
    rows = [{"id": f"P{i}", "score": str(70 + 3 * i), "sector": "enterprise" if i % 2 else "institution",
             "gender": "female" if i % 3 == 0 else "male"} for i in range(10)]
    from conftest import share

    case = make_case(tmp_path, rows, [share("W", "women", ">=", "1/4")], seats=4)

    def best(sm) -> int:
        stage1 = sm.merit[sm.top.id] - sm.penalty
        sm.model.maximize(stage1)
        solver = cp_model.CpSolver()
        assert solver.solve(sm.model) == cp_model.OPTIMAL
        return int(solver.value(stage1))

    sm = build_model(case.ruleset, case.pool, case.quotas)
    optimum = best(sm)
    sm = build_model(case.ruleset, case.pool, case.quotas)
    fixed = narrow_by_lp(sm, sm.merit[sm.top.id] - sm.penalty, optimum, candidates_only=False)
    assert fixed >= 0
    assert best(sm) == optimum  # nothing a slate of the optimum needs was fixed away


def test_a_solved_slate_is_in_candidate_ids_on_either_path(tmp_path):
    from selector.engine.prune import solve_pool

    rows = [{"id": f"X{i}", "score": str(60 + i)} for i in range(8)]
    case = make_case(tmp_path, rows, seats=3)
    for fast in (True, False):
        sol = solve_pool(case.ruleset, case.pool, case.quotas, settings=SolverSettings(fast=fast))
        assert has_slate(sol.status) and sol.selected["labour_model"] == ["X5", "X6", "X7"]
