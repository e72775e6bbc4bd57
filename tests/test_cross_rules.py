"""Issue 14, 5: rules across awards or pools (`[[cross_rules]]`): load checks, a hand-checkable case (a slate
that meets the rule, one that breaks it, the verifier's count), the joint model against a brute-force
enumeration of every slate combination the verifier accepts on random tiny two-pool instances, and the
national May-Day example end to end (check, select, verify, explain)."""

from __future__ import annotations

import itertools
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import toml_dumps, write_pool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from selector.analysis.explain import explain_inputs
from selector.analysis.reserve import reserve_list
from selector.analysis.whatif import run_scenario
from selector.engine.joint import solve_tied
from selector.engine.model import tied_pools
from selector.engine.session import SolverSettings
from selector.errors import InputErrors
from selector.interfaces.cli import app
from selector.pipeline import load_inputs, select, select_screened
from selector.reading.rule_checks import load_ruleset
from selector.reading.scenario import load_scenario_inputs
from selector.verify import verify_slate

ROOT = Path(__file__).resolve().parents[1]
MAYDAY = ROOT / "scenarios" / "national-mayday-2025"
SECTOR = {"column": "sector", "type": "category", "values": ["np", "other"]}


def _data(cross: dict, seats=(2, 2), rules=()) -> dict:
    return {"id": "t", "title_zh": "测试", "quotas": "quotas.csv",
            "pools": {"individuals": {"attributes": [SECTOR]}, "collectives": {"attributes": [SECTOR]}},
            "awards": [{"id": "a", "name_zh": "奖章", "pool": "individuals", "seats": seats[0], "quota": "none"},
                       {"id": "b", "name_zh": "奖状", "pool": "collectives", "seats": seats[1], "quota": "none"}],
            "groups": {"ind_np": {"pool": "individuals", "where": {"sector": ["np"]}},
                       "col_np": {"pool": "collectives", "where": {"sector": ["np"]}}},
            "rules": list(rules), "cross_rules": [cross]}


def _q(**over) -> dict:
    return {"id": "Q", "clause": "三(一)", "text": "非公不低于一半", "kind": "share", "awards": ["a", "b"],
            "group": {"individuals": "ind_np", "collectives": "col_np"}, "op": ">=", "share": "1/2", **over}


def _load(folder: Path, data: dict, ind: list[dict], col: list[dict]):
    (folder / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    write_pool(folder / "i.csv", ind)
    write_pool(folder / "c.csv", col)
    (folder / "quotas.csv").write_text("unit,a,b\nU1,9,9\n", encoding="utf-8")
    return load_inputs(folder / "rules.toml", {"individuals": folder / "i.csv", "collectives": folder / "c.csv"})


IND = [{"id": "i1", "score": "9", "sector": "other"}, {"id": "i2", "score": "8", "sector": "other"},
       {"id": "i3", "score": "1", "sector": "np"}]
COL = [{"id": "c1", "score": "9", "sector": "other"}, {"id": "c2", "score": "8", "sector": "other"},
       {"id": "c3", "score": "2", "sector": "np"}, {"id": "c4", "score": "1", "sector": "np"}]


def test_hand_checkable(tmp_path):
    """At least half of the 4 seats of a + b non-public: alone each pool takes its two best (0 of 4); together
    the best is {i1, i3} + {c1, c3} (merit 10 + 11 = 21; c3 + c4 instead gives 17 + 3 = 20)."""
    inputs = _load(tmp_path, _data(_q()), IND, COL)
    assert tied_pools(inputs.ruleset, list(inputs.pools)) == [["individuals", "collectives"]]
    bad = verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, {"a": ["i1", "i2"], "b": ["c1", "c2"]})
    q = next(c for c in bad.checks if c.id == "Q")
    assert not bad.ok and (q.count, q.whole, q.short) == (0, 4, 2)
    assert any(v.startswith(("Q ", "Q（")) for v in bad.violations)
    good = verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, {"a": ["i1", "i3"], "b": ["c1", "c3"]})
    assert good.ok and next(c for c in good.checks if c.id == "Q").count == 2
    result = select(inputs, SolverSettings())
    assert result.status == "optimal" and result.verified
    assert result.awards["a"].selected == ["i1", "i3"] and result.awards["b"].selected == ["c1", "c3"]
    q = next(r for r in result.rules if r.id == "Q")
    assert (q.award, q.count, q.whole, q.least, q.ok) == ("a+b", 2, 4, 2, True)


def test_deterministic_whatever_the_workers(tmp_path):
    inputs = _load(tmp_path, _data(_q(share="1/4")), IND, COL)  # ties: i3 or c3/c4 … one defined answer
    one = solve_tied(inputs.ruleset, inputs.pools, inputs.quotas, settings=SolverSettings(workers=1))
    two = solve_tied(inputs.ruleset, inputs.pools, inputs.quotas, settings=SolverSettings(workers=2))
    assert {k: s.selected for k, s in one.items()} == {k: s.selected for k, s in two.items()}
    assert all(s.status == "optimal" for s in one.values())


@pytest.mark.parametrize("over, words", [
    ({"awards": ["a", "zz"]}, ["Q", "zz", "不存在"]),
    ({"group": {"individuals": "ind_np"}}, ["Q", "collectives", "b"]),
    ({"group": {"individuals": "ind_np", "collectives": "ind_np"}}, ["Q", "ind_np", "collectives"]),
    ({"group": {"individuals": "ind_np", "collectives": "col_np", "teams": "col_np"}}, ["Q", "teams"]),
])
def test_refused_at_load_naming_the_rule(tmp_path, over, words):
    (tmp_path / "rules.toml").write_text(toml_dumps(_data(_q(**over))), encoding="utf-8")
    with pytest.raises(InputErrors) as e:
        load_ruleset(tmp_path / "rules.toml")
    text = str(e.value)
    assert all(w in text for w in words) and "跨奖项规则" in text, text


row = st.fixed_dictionaries({"score": st.integers(1, 9).map(str), "sector": st.sampled_from(["np", "other"])})
CROSS = [_q(share="1/2"), _q(share="1/3", op="<="), _q(share="1/2", op="="),
         {"id": "Q", "clause": "x", "text": "t", "kind": "count", "awards": ["a", "b"],
          "group": {"individuals": "ind_np", "collectives": "col_np"}, "min": 1, "max": 2},
         _q(awards=["b", "a"], of={"individuals": "all", "collectives": "col_np"}, share="1/3")]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ind=st.lists(row, min_size=1, max_size=4), col=st.lists(row, min_size=1, max_size=4),
       which=st.integers(0, len(CROSS) - 1), sa=st.integers(1, 2), sb=st.integers(1, 2), own=st.booleans())
def test_joint_model_matches_brute_force(ind, col, which, sa, sb, own):
    """The joint model's proven optimum (total merit) equals the best over every combination of slates the
    verifier accepts; none exists exactly when the verifier accepts none; the solver's slates verify."""
    ind = [{"id": f"i{k}", **r} for k, r in enumerate(ind)]
    col = [{"id": f"c{k}", **r} for k, r in enumerate(col)]
    rules = [{"id": "R", "clause": "x", "text": "t", "award": "a", "kind": "count", "group": "ind_np", "max": 1}] \
        if own else []
    with tempfile.TemporaryDirectory() as d:
        inputs = _load(Path(d), _data(CROSS[which], (sa, sb), rules), ind, col)
        score = {r["id"]: Decimal(r["score"]) for r in ind + col}
        best = None
        for a in itertools.combinations([r["id"] for r in ind], sa):
            for b in itertools.combinations([r["id"] for r in col], sb):
                if verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, {"a": list(a), "b": list(b)}).ok:
                    merit = sum(score[c] for c in a + b)
                    best = merit if best is None or merit > best else best
        sols = solve_tied(inputs.ruleset, inputs.pools, inputs.quotas)
        if best is None:
            assert all(s.status == "infeasible" for s in sols.values())
            return
        assert all(s.status == "optimal" for s in sols.values())
        assert sum(Decimal(s.objective) / s.scale for s in sols.values()) == best
        slate = {a: ids for s in sols.values() for a, ids in s.selected.items()}
        assert verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, slate).ok


runner = CliRunner()


def test_national_mayday_end_to_end(tmp_path):
    """Q1 (三(一): 非公 and 重点产业 at least 35% over 奖状 + 奖章 + 先锋号): check, select, verify on the
    round; on infeasible-cross.toml each pool has a slate alone, and check, select and explain all say no."""
    ok = MAYDAY / "scenario.toml"
    res = runner.invoke(app, ["check", str(ok), "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    exact = json.loads((tmp_path / "c" / "check.json").read_text(encoding="utf-8"))["exact"]
    assert [e["exists"] for e in exact] == [True] * 4 and "Q1" in exact[-1]["pool"]
    res = runner.invoke(app, ["select", str(ok), "--out", str(tmp_path / "s"), "--no-plots"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "s" / "summary.json").read_text(encoding="utf-8"))
    q1 = next(r for r in summary["rules"] if r["id"] == "Q1")
    assert summary["verified"] and summary["status"] == "optimal"
    assert q1["ok"] and q1["whole"] == 22 and q1["least"] == 8 and q1["count"] >= 8
    assert runner.invoke(app, ["verify", str(tmp_path / "s")]).exit_code == 0
    report = (tmp_path / "s" / "report.md").read_text(encoding="utf-8")
    assert "| Q1 | 三(一) |" in report and "合计 22 的 35%，至少 8" in report  # the rules table, in Chinese

    bad = MAYDAY / "infeasible-cross.toml"
    res = runner.invoke(app, ["check", str(bad), "--out", str(tmp_path / "c2")])
    exact = json.loads((tmp_path / "c2" / "check.json").read_text(encoding="utf-8"))["exact"]
    assert res.exit_code == 1 and [e["exists"] for e in exact] == [True, True, True, False], res.output
    res = runner.invoke(app, ["select", str(bad), "--out", str(tmp_path / "s2"), "--no-plots"])
    assert res.exit_code == 1, res.output
    res = runner.invoke(app, ["explain", str(bad), "--out", str(tmp_path / "e")])
    assert res.exit_code == 1 and "Q1" in res.output and "跨奖项规则" in res.output, res.output
    data = json.loads((tmp_path / "e" / "explanation.json").read_text(encoding="utf-8"))
    assert any("Q1" in c for c in data["conflicts"]), data["conflicts"]


def test_whatif_names_the_conflict_of_tied_pools(tmp_path):
    """`selector whatif` on infeasible-cross.toml: each pool has a slate alone, so no per-pool conflict; the
    what-if names the conflict of the pools together, Q1 in it, the same as `explain` finds."""
    bad = MAYDAY / "infeasible-cross.toml"
    sc = load_scenario_inputs(bad)
    out = run_scenario(sc)
    name = "+".join(tied_pools(sc.inputs.ruleset, list(sc.inputs.pools))[0])
    assert "Q1" in out.conflicts[name] and out.clash[name][0] == "这些人选池各自都有名单，但合在一起没有："
    assert out.conflicts[name] == explain_inputs(sc.inputs)[name].conflicts[0]
    res = runner.invoke(app, ["whatif", str(MAYDAY / "scenario.toml"), str(bad), "--out", str(tmp_path / "w")])
    assert res.exit_code == 0 and "Q1 三(一)" in res.output, res.output


def test_adjust_reserve_and_sweep_hold_or_refuse_the_cross_rule(tmp_path):
    """After the notice, removing C29 (民营, one of the 8 Q1 needs) takes C30 (外资) from 河北, not C31 (国有, the
    better score): adjust solves the tied pools together. Every 候补 replacement, with what else it moves in the
    other pools, meets Q1 by the verifier. A sweep of a tied pool's rule is refused, naming Q1."""
    out = tmp_path / "s"
    assert runner.invoke(app, ["select", str(MAYDAY / "scenario.toml"), "--out", str(out), "--no-plots"]).exit_code == 0
    res = runner.invoke(app, ["adjust", str(out), "--remove", "C29", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["verified"] and "C30" in summary["awards"]["certificate"]["selected"]

    inputs = load_scenario_inputs(MAYDAY / "scenario.toml").inputs
    screening, result = select_screened(inputs)
    reserve = reserve_list(inputs, result, screening.masks)
    slate = {a: list(r.selected) for a, r in result.awards.items()}
    moved_elsewhere = 0
    for r in reserve.replacements:
        assert r.replacement is not None
        trial = {a: [c for c in ids if c != r.seat and c not in r.also_leave] for a, ids in slate.items()}
        for c in [r.replacement, *r.also_enter]:
            award = next(a.id for a in inputs.ruleset.awards if a.parent is None and c in inputs.pools[a.pool].ids)
            trial[award].append(c)
        for a, c in r.subset_entrant.items():
            trial[a].append(c)
        moved_elsewhere += any(c[0] != r.seat[0] for c in r.also_leave)
        assert verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, trial).ok, r
    assert moved_elsewhere  # e.g. M05 (重点产业) leaves: a team of 非公 or 重点产业 comes in for Q1

    res = runner.invoke(app, ["sweep", str(MAYDAY / "scenario.toml"), "--rule", "Z1", "--from", "20%", "--to", "60%",
                              "--out", str(tmp_path / "w")])
    assert res.exit_code == 2 and "Q1" in res.output, res.output
