"""Reproducibility: the same inputs give the same slate with any number of solver workers, from separate
processes byte for byte, and on tied pools the slate is the one the documented tie-break names, proven
to be the only one (an independent MIP finds no other slate with the same three objectives)."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import count, make_case, share, solve_case
from mip_reference import Instance, ReferenceMip, brute_force_slates, preferred_slate
from ortools.sat.python import cp_model

from selector.engine.model import build_model
from selector.engine.session import SolverSettings
from selector.engine.solve import solve_model
from selector.pipeline import load_inputs, select
from selector.reading.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"
WORKERS = [1, 2, 8]


@pytest.fixture(scope="module")
def sample_inputs():
    _, rules, pools, quotas = load_scenario(SCENARIO)
    return load_inputs(rules, pools, quotas)


def test_sample_scenario_same_slate_with_1_2_and_8_workers(sample_inputs):
    slates = {}
    for w in WORKERS:
        result = select(sample_inputs, SolverSettings(workers=w))
        assert result.status == "optimal" and result.verified
        slates[w] = {a: list(r.selected) for a, r in result.awards.items()}
        assert [len(slates[w][a]) for a in ("labour_model", "special", "collective")] == [180, 10, 50]
    assert slates[1] == slates[2] == slates[8]


def test_sample_scenario_same_bytes_from_two_processes(tmp_path):
    outs = []
    for run, hash_seed in ((1, "1"), (2, "2")):  # different hash seeds: no set or dict order may leak in
        out = tmp_path / f"run{run}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run([sys.executable, "-m", "selector.interfaces.cli", "select", str(SCENARIO),
                               "--out", str(out), "--no-plots"],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    for name in ("labour_model.csv", "collective.csv"):
        first, second = (outs[0] / name).read_bytes(), (outs[1] / name).read_bytes()
        assert first and first == second, name


def test_sample_slate_is_optimal_and_unique_by_independent_mip(sample_inputs):
    """The sample's slates have the reference MIP's optimal merit (stage 1) and special-class merit
    (stage 2), and no other slate has the same three objectives."""
    result = select(sample_inputs)
    for kind, pool in sample_inputs.pools.items():
        inst = Instance.of(sample_inputs.ruleset, pool, sample_inputs.quotas)
        index = {c: i for i, c in enumerate(pool.ids)}
        slate = {a: {index[c] for c in result.awards[a].selected} for a in inst.awards}
        mip = ReferenceMip(inst)
        ref = mip.optimise()
        assert ref.status == "optimal"
        assert inst.stage1(slate) == ref.stage1 and inst.stage2(slate) == ref.stage2
        fixed = {"stage1": inst.stage1(slate), "stage3": inst.stage3(slate)}
        if inst.subsets:
            fixed["stage2"] = inst.stage2(slate)
        assert mip.solve("stage1", fix=fixed, differ_from=slate).status == "infeasible", kind


# ---------------------------------------------------------------------------------- a tied pool
# Ten candidates, most on 80 or 85.5: many slates share the best merit. Tie-break: 辽宁工匠, 阜新工匠,
# tech SME, then the smaller id. Rules: at least 1 woman, at most 2 enterprise staff; 5 seats, 2 special.
TIED = [
    {"id": "T01", "score": "80", "sector": "enterprise"},
    {"id": "T02", "score": "85.5", "sector": "enterprise", "craftsman": "fuxin"},
    {"id": "T03", "score": "80", "gender": "female"},
    {"id": "T04", "score": "85.5"},
    {"id": "T05", "score": "80", "craftsman": "liaoning"},
    {"id": "T06", "score": "85.5", "sector": "enterprise", "tech_sme": "yes"},
    {"id": "T07", "score": "80", "gender": "female", "tech_sme": "yes"},
    {"id": "T08", "score": "80", "sector": "enterprise", "craftsman": "liaoning"},
    {"id": "T09", "score": "85.5", "sector": "enterprise", "craftsman": "liaoning"},
    {"id": "T10", "score": "80", "craftsman": "fuxin"},
]
TIED_RULES = [count("W", "women", min=1), count("E", "enterprise", max=2)]


@pytest.fixture
def tied_case(case_dir):
    return make_case(case_dir, TIED, TIED_RULES, seats=5, special=2)


def test_tied_pool_same_slate_with_any_workers(tied_case):
    outs = {w: solve_case(tied_case, workers=w) for w in WORKERS}
    assert all(o.status == "optimal" and o.report.ok for o in outs.values())
    assert outs[1].slate == outs[2].slate == outs[8].slate
    assert outs[1].solution.unique is True


def test_tied_pool_slate_is_the_tie_break_choice_by_brute_force(tied_case):
    inst = Instance.of(tied_case.ruleset, tied_case.pool, tied_case.quotas)
    slates = brute_force_slates(inst)
    best_merit = max(inst.stage1(s) for s in slates)
    assert sum(1 for s in slates if inst.stage1(s) == best_merit) > 1  # the pool is really tied
    best, tied = preferred_slate(inst, slates)
    assert tied == 1
    out = solve_case(tied_case)
    ids = tied_case.pool.ids
    assert out.slate == {a: sorted(ids[i] for i in best[a]) for a in best}
    # By hand. Best merit 416.5: T04 and two of the enterprise 85.5s (T02, T06, T09; the cap is 2), then
    # two non-enterprise 80s with a woman among them (T03, T05, T07, T10). Tie-break order: liaoning
    # T05 T08 T09, fuxin T02 T10, tech SME T06 T07, then T01 T03 T04; so T09 and T02 over T06, T05 and
    # the woman T07 (tech SME) over T03. Special: two of the 85.5s, T09 and T02 before T04.
    assert out.slate["labour_model"] == ["T02", "T04", "T05", "T07", "T09"]
    assert out.merit["labour_model"] == Decimal("416.5")
    assert out.slate["special"] == ["T02", "T09"]


def test_tied_pool_no_other_slate_with_the_same_objectives(tied_case):
    """Uniqueness proven independently: the MIP with all three objectives fixed at the returned slate's
    values, and the slate required to differ in at least one decision, is infeasible."""
    out = solve_case(tied_case)
    inst = Instance.of(tied_case.ruleset, tied_case.pool, tied_case.quotas)
    index = {c: i for i, c in enumerate(tied_case.pool.ids)}
    slate = {a: {index[c] for c in chosen} for a, chosen in out.slate.items()}
    fixed = {"stage1": inst.stage1(slate), "stage2": inst.stage2(slate), "stage3": inst.stage3(slate)}
    mip = ReferenceMip(inst)
    assert mip.solve("stage1", fix={"stage2": fixed["stage2"], "stage3": fixed["stage3"]}).stage1 == fixed["stage1"]
    assert mip.solve("stage1", fix=fixed, differ_from=slate).status == "infeasible"
    # the same probe on the product's own model: solve_model leaves the three objectives fixed on it
    sm = build_model(tied_case.ruleset, tied_case.pool, tied_case.quotas)
    sol = solve_model(sm, SolverSettings())
    assert sol.unique is True
    probe = sm.model.clone()
    chosen = {a: set(ids) for a, ids in sol.selected.items()}  # candidate ids
    probe.add(sum((1 - probe.get_bool_var_from_proto_index(x.index)) if c in chosen[a]
                  else probe.get_bool_var_from_proto_index(x.index)
                  for a in chosen for c, x in zip(tied_case.pool.ids, sm.x[a])) >= 1)
    assert cp_model.CpSolver().solve(probe) == cp_model.INFEASIBLE
    # and without the tie-break fixed, other slates with the same merit do exist
    assert mip.solve("stage1", fix={"stage1": fixed["stage1"], "stage2": fixed["stage2"]},
                     differ_from=slate).status == "optimal"


def test_ties_on_all_three_objectives_broken_lexicographically(case_dir):
    """Equal scores and no tie-break keys: weights by id are P1 4, P2 3, P3 2, P4 1. Agriculture <= 1
    bars P1+P2, women <= 1 bars P1+P3, leaving P1+P4 and P2+P3 tied at weight 5. The first in tie-break
    order takes P1, so P1+P4, whatever the workers."""
    rows = [{"id": "P1", "score": "88.5", "sector": "agriculture", "gender": "female"},
            {"id": "P2", "score": "88.5", "sector": "agriculture"},
            {"id": "P3", "score": "88.5", "gender": "female"},
            {"id": "P4", "score": "88.5"}]
    case = make_case(case_dir, rows, [count("A", "agriculture", max=1), count("W", "women", max=1)], seats=2,
                     tie_break=[])
    inst = Instance.of(case.ruleset, case.pool, case.quotas)
    best, tied = preferred_slate(inst, brute_force_slates(inst))
    assert tied == 2 and best == {"labour_model": {0, 3}}
    for w in WORKERS:
        out = solve_case(case, workers=w)
        assert out.slate == {"labour_model": ["P1", "P4"]}
        assert out.solution.unique is False


def test_share_rules_do_not_depend_on_row_order(tmp_path):
    """The same pool in reverse file order gives the same slate (ids decide ties, not positions)."""
    rules = [share("W", "women", ">=", "1/5"), count("E", "enterprise", max=2)]
    a = solve_case(make_case(tmp_path / "a", TIED, rules, seats=5, special=2))
    b = solve_case(make_case(tmp_path / "b", TIED[::-1], rules, seats=5, special=2))
    assert a.slate == b.slate
