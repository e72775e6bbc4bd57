"""The explainer asks its questions under the run's terms (issue 18: one solver session; issue 16: what-ifs):
a scenario's forced candidates are held in every question, as select holds them, and the run's workers,
seed and time limit reach every solve. Before, `selector explain` on a scenario forcing 3 candidates into a
unit with a quota of 2 said "a slate exists" while select said none did.

Hand-checkable pools: the best slate with and without a forcing is counted by brute force here.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import make_case
from ortools.sat.python import cp_model

from selector.analysis.conflicts import Asking
from selector.analysis.explain import explain_pool
from selector.engine.session import SolverSettings

pytestmark = pytest.mark.usefixtures("english")  # asserts English reasons: run in English
ROOT = Path(__file__).resolve().parents[1]


def _case(folder):
    # 4 seats, quota U1 2 / U2 2: forcing U1-0, U1-1, U1-2 in cannot be met (3 from U1 > 2).
    rows = [{"id": f"U1-{i}", "unit": "U1", "score": str(70 + i)} for i in range(3)]
    rows += [{"id": f"U2-{i}", "unit": "U2", "score": str(80 + i)} for i in range(3)]
    return make_case(folder, rows, [], seats=4, quotas={"U1": 2, "U2": 2})


def _brute_best(case, forced_in: set[str]) -> Decimal | None:
    """The best merit of any 4-slate meeting the quotas with `forced_in` held, by enumeration."""
    rows = case.pool.table.to_dict("records")
    quotas = case.quotas.of("labour_model")
    best = None
    for chosen in itertools.combinations(rows, 4):
        ids = {r["id"] for r in chosen}
        if not forced_in <= ids or any(sum(r["unit"] == u for r in chosen) > q for u, q in quotas.items()):
            continue
        merit = sum((Decimal(str(r["score"])) for r in chosen), Decimal(0))
        best = merit if best is None or merit > best else best
    return best


def test_a_forcing_the_quotas_cannot_hold_is_a_conflict_not_a_slate(case_dir):
    case = _case(case_dir)
    forced = {"U1-0": True, "U1-1": True, "U1-2": True}
    assert _brute_best(case, set(forced)) is None and _brute_best(case, set()) is not None
    free = explain_pool(case.ruleset, case.pool, case.quotas, prices=False)
    assert free.feasible  # without the forcing a slate exists: what explain used to say for the what-if
    exp = explain_pool(case.ruleset, case.pool, case.quotas, prices=False, ask=Asking(fixed=forced))
    assert not exp.feasible
    (conflict,) = exp.conflicts
    assert sorted(conflict) == ["fixed:U1-0", "fixed:U1-1", "fixed:U1-2", "quota:U1"]
    undo = [a for a in exp.actions if any("unfix" in c for c in a.changes)]
    assert len(undo) == 1 and undo[0].actor == "office"
    assert Decimal(undo[0].merit) == _brute_best(case, set())  # checked by solving, the best without it
    for a in exp.actions:  # every other next step is solved with the forcing held
        if a not in undo and a.merit is not None:
            assert Decimal(a.merit) <= Decimal(undo[0].merit)


def test_prices_are_counted_with_the_forcing_held(case_dir):
    case = _case(case_dir)
    forced = {"U1-0": True}  # the weakest candidate (70) forced in
    exp = explain_pool(case.ruleset, case.pool, case.quotas, ask=Asking(fixed=forced))
    assert exp.feasible and exp.conflicts == []
    held = _brute_best(case, {"U1-0"})
    free = explain_pool(case.ruleset, case.pool, case.quotas)
    assert held is not None and held < _brute_best(case, set())
    # the quota price: with U1-0 forced in, dropping every rule but the seats gives the same four as free
    assert all(p.merit_with == str(held) for p in exp.prices) and all(
        p.merit_with == str(_brute_best(case, set())) for p in free.prices)


def test_the_runs_settings_reach_every_question():
    ask = Asking(SolverSettings(workers=3, seed=7, time_limit=5.0), None)
    value = ask.solve_settings(shown=False)  # a proven value: the run's workers
    assert (value.workers, value.seed) == (3, 7)
    assert value.time_limit == pytest.approx(5.0)  # the run's limit caps every question in seconds
    shown = ask.solve_settings()  # a core or a slate that is shown: one worker, whatever the run's
    assert (shown.workers, shown.seed) == (1, 7)
    # no wall-clock limit of its own (the answers would depend on the load): a cut-off in deterministic time
    assert Asking().solve_settings().time_limit is None
    m = cp_model.CpModel()
    x = m.new_int_var(0, 3, "x")
    m.maximize(x)
    got = ask.solve(m)
    assert got.status == "optimal" and got.value(x) == 3  # the product's Status, not CP-SAT's codes
    m.add(x >= 4)
    assert ask.solve(m, shown=True).status == "infeasible"
    assert Asking(fixed={"a": True, "b": False}).without(["a"]).fixed == {"b": False}
    assert Asking(fixed={"a": True}).without(["a"]).fixed is None


def _scenario(tmp_path: Path) -> Path:
    """The sample with 4 of 新邱区's collectives forced in (its collective quota is 3)."""
    sc = tmp_path / "force4.toml"
    base = (ROOT / "scenarios" / "fuxin-2021" / "scenario.toml").as_posix()
    sc.write_text(f'title = "4 forced"\nbase = "{base}"\nforce_in = ["C017", "C018", "C019", "C020"]\n',
                  encoding="utf-8")
    return sc


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "selector.interfaces.cli", "--lang", "en", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_select_and_explain_agree_on_a_forcing_scenario_whatever_the_workers(tmp_path):
    sc = _scenario(tmp_path)
    sel = _cli("select", sc, "--out", tmp_path / "sel", "--no-plots")
    assert sel.returncode == 1, sel.stdout + sel.stderr
    runs = {}
    for workers in (1, 2):
        exp = _cli("explain", sc, "--out", tmp_path / f"exp{workers}", "--workers", workers)
        assert exp.returncode == 1, exp.stdout + exp.stderr  # no slate, as select says
        runs[workers] = (tmp_path / f"exp{workers}" / "explanation.json").read_text(encoding="utf-8")
    data = json.loads(runs[1])
    assert not data["pools"]["collectives"]["feasible"] and data["pools"]["individuals"]["feasible"]
    (conflict,) = data["pools"]["collectives"]["conflicts"]
    assert sorted(conflict) == ["fixed:C017", "fixed:C018", "fixed:C019", "fixed:C020", "quota:新邱区"]
    office = [a for a in data["actions"] if a["pool"] == "collectives" and a["actor"] == "office"]
    assert any(any("unfix" in c for c in a["changes"]) for a in office)  # undo the forcing
    assert any(any(c.get("unit") == "新邱区" and c.get("to") == 4 for c in a["changes"]) for a in office)  # 调剂
    assert runs[1] == runs[2]  # the same explanation with one worker or two
