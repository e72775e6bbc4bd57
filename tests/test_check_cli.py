"""`selector check` and the supply arithmetic (selector/analysis/supply.py), and screening in `selector select`.

check reads, screens and counts the eligible supply against every rule, without solving: exit 0 when
nothing rules a slate out, 1 when something does (naming the unit or rule), 2 on bad input.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from conftest import ruleset_data, share, toml_dumps, write_pool, write_quotas
from typer.testing import CliRunner

from selector.analysis.supply import forced_minimums
from selector.interfaces.cli import app
from selector.pipeline import check, load_inputs
from selector.reading.rule_checks import load_ruleset

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"
runner = CliRunner()

VOTE = {"column": "grassroots_vote", "type": "share", "required": False, "allow_blank": True}
E5 = {"id": "E5", "clause": "八.1", "text": "得票不足80%的不得推荐", "pool": "individuals", "check": "min_share",
      "attribute": "grassroots_vote", "min": "80%"}


def write_case(folder: Path, rows: list[dict], rules=(), seats: int = 3, quotas: dict[str, int] | None = None,
               quota: str = "cap") -> tuple[Path, Path]:
    """A small rule set with the E5 ballot rule, its quota table and pool; -> (rules, pool) paths."""
    data = ruleset_data(list(rules), seats=seats, quota=quota)
    data["pools"]["individuals"]["attributes"] = data["pools"]["individuals"]["attributes"] + [VOTE]
    data["eligibility"] = [E5]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    write_quotas(folder / "quotas.csv", quotas or {u: seats for u in dict.fromkeys(r.get("unit", "U1") for r in rows)})
    return folder / "rules.toml", write_pool(folder / "individuals.csv", rows)


def run_check(rules: Path, pool: Path, out: Path):
    return runner.invoke(app, ["check", "--rules", str(rules), "--individuals", str(pool), "--out", str(out)])


# ------------------------------------------------------------------------------------ the sample
def test_check_on_the_sample_scenario(tmp_path):
    out = tmp_path / "check"
    res = runner.invoke(app, ["check", str(SCENARIO), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "306 eligible of 318" in res.output and "86 eligible of 90" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["check.json", "screening.csv", "supply.csv"]
    data = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert data["ok"] is True and len(data["screening"]["screened_out"]) == 16
    with open(out / "screening.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 318 + 90 and sum(r["eligible"] == "no" for r in rows) == 16
    assert all(r["reasons"] and r["failed_rules"] for r in rows if r["eligible"] == "no")
    findings = {(f["rule"], f["award"]): f for f in data["findings"]}
    assert findings[("R1", "labour_model")]["needed"] == 99
    assert findings[("R2", "labour_model")]["needed"] == 60  # nested: 60% of the 99 R1 forces
    assert findings[("R8", "labour_model")]["needed"] == 27


def test_fuxin_nested_minimums():
    rs = load_ruleset(ROOT / "models" / "fuxin-2021.toml")
    forced = forced_minimums(rs, rs.award("labour_model"))
    assert forced["all"] == 180 and forced["enterprise"] == 99 and forced["frontline_or_technician"] == 60
    assert forced["agriculture"] == 27 and forced["women"] == 45 and forced["minority"] == 15
    assert forced.get("leader", 0) == 0  # no rule sets a floor on leaders
    assert forced_minimums(rs, rs.award("collective"))["collective_non_public"] == 15


# ------------------------------------------------------------------------------------ exit 1 cases
def test_a_unit_with_fewer_eligible_candidates_than_its_quota(tmp_path):
    # 甲 has quota 2 and two candidates, one 不足80%; quotas add up to the seats, so no slate can exist.
    rows = [{"id": "A1", "unit": "甲", "score": "90", "grassroots_vote": "0.79"},
            {"id": "A2", "unit": "甲", "score": "80", "grassroots_vote": "0.9"},
            {"id": "B1", "unit": "乙", "score": "85", "grassroots_vote": "0.9"},
            {"id": "B2", "unit": "乙", "score": "70", "grassroots_vote": "0.9"}]
    rules, pool = write_case(tmp_path, rows, seats=3, quotas={"甲": 2, "乙": 1})
    res = run_check(rules, pool, tmp_path / "out")
    assert res.exit_code == 1, res.output
    # the quota is named as a person reads it (no internal id such as quota:甲)
    assert "the quota of 甲" in res.output and "甲 (labour_model: 1 eligible, quota 2)" in res.output
    assert "the quota of 乙" not in res.output.split("No slate can exist:")[1]
    data = json.loads((tmp_path / "out" / "check.json").read_text(encoding="utf-8"))
    assert data["ok"] is False
    fatal = [f for f in data["findings"] if f["fatal"]]
    assert {f["rule"] for f in fatal} == {"seats:labour_model", "quota:甲"}
    unit = next(f for f in fatal if f["rule"] == "quota:甲")
    assert (unit["needed"], unit["available"]) == (2, 1)
    # the same pool with every ballot at 80% or more has a slate: exit 0
    rows[0]["grassroots_vote"] = "0.8"
    rules, pool = write_case(tmp_path / "ok", rows, seats=3, quotas={"甲": 2, "乙": 1})
    assert run_check(rules, pool, tmp_path / "ok-out").exit_code == 0


def test_a_short_unit_under_a_loose_cap_does_not_rule_a_slate_out(tmp_path):
    # quotas add up to more than the seats: 乙 can take 甲's unused seat
    rows = [{"id": "A1", "unit": "甲", "score": "90", "grassroots_vote": "0.5"},
            {"id": "B1", "unit": "乙", "score": "85", "grassroots_vote": "0.9"},
            {"id": "B2", "unit": "乙", "score": "70", "grassroots_vote": "0.9"}]
    rules, pool = write_case(tmp_path, rows, seats=2, quotas={"甲": 1, "乙": 2})
    res = run_check(rules, pool, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert "甲 (labour_model: 0 eligible, quota 1)" in res.output


def test_nested_share_rules_force_a_minimum_the_supply_lacks(tmp_path):
    # enterprise >= 1/2 of 4 seats forces 2; frontline >= 1/2 of enterprise then forces 1; both
    # frontline workers are 不足80%, so no slate exists although R1 alone can be met (L1, L2).
    rows = [{"id": "F1", "score": "90", "sector": "enterprise", "role": "frontline", "grassroots_vote": "0.7"},
            {"id": "F2", "score": "90", "sector": "enterprise", "role": "frontline", "grassroots_vote": "0.79"},
            {"id": "L1", "score": "90", "sector": "enterprise", "role": "leader", "grassroots_vote": "0.9"},
            {"id": "L2", "score": "90", "sector": "enterprise", "role": "staff", "grassroots_vote": "0.9"},
            {"id": "O1", "score": "90", "grassroots_vote": "0.9"},
            {"id": "O2", "score": "90", "grassroots_vote": "0.9"}]
    rules_ = [share("R1", "enterprise", ">=", "1/2"), share("R2", "frontline", ">=", "1/2", of="enterprise")]
    rules, pool = write_case(tmp_path, rows, rules_, seats=4)
    res = run_check(rules, pool, tmp_path / "out")
    assert res.exit_code == 1, res.output
    inputs = load_inputs(rules, {"individuals": pool})
    findings = {f.rule: f for f in check(inputs).findings}
    assert (findings["R1"].needed, findings["R1"].available, findings["R1"].ok) == (2, 2, True)
    assert (findings["R2"].needed, findings["R2"].available, findings["R2"].fatal) == (1, 0, True)
    assert "force to at least 2" in findings["R2"].note


def test_a_cap_needs_enough_candidates_outside_the_group(tmp_path):
    # institution <= 1/3 of 3 seats: at most 1, so 2 others are needed; only 1 other is eligible
    rows = [{"id": "I1", "score": "90", "sector": "institution", "grassroots_vote": "0.9"},
            {"id": "I2", "score": "90", "sector": "institution", "grassroots_vote": "0.9"},
            {"id": "O1", "score": "90", "grassroots_vote": "0.9"},
            {"id": "O2", "score": "90", "grassroots_vote": "0.6"}]
    rules, pool = write_case(tmp_path, rows, [share("R6", "institution", "<=", "1/3")], seats=3)
    inputs = load_inputs(rules, {"individuals": pool})
    r6 = next(f for f in check(inputs).findings if f.rule == "R6")
    assert (r6.needed, r6.available, r6.fatal) == (2, 1, True)
    assert run_check(rules, pool, tmp_path / "out").exit_code == 1


# ------------------------------------------------------------------------------------ bad input, select
def test_bad_input_exits_2_and_writes_nothing(tmp_path):
    rows = [{"id": "A1", "score": "90", "grassroots_vote": "eighty"}]
    rules, pool = write_case(tmp_path, rows)
    res = run_check(rules, pool, tmp_path / "out")
    assert res.exit_code == 2 and "grassroots_vote" in res.output
    assert not (tmp_path / "out").exists()


def test_select_writes_the_screening(tmp_path):
    rows = [{"id": "A", "score": "99", "grassroots_vote": "0.7999"},
            {"id": "B", "score": "90", "grassroots_vote": "0.8"},
            {"id": "C", "score": "80", "grassroots_vote": "0.95"}]
    rules, pool = write_case(tmp_path, rows, seats=2)
    out = tmp_path / "out"
    res = runner.invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Screened out (1)" in res.output and "A name-A" in res.output
    with open(out / "screening.csv", encoding="utf-8-sig") as f:
        rows_out = {r["id"]: r for r in csv.DictReader(f)}
    assert rows_out["A"]["eligible"] == "no" and rows_out["A"]["failed_rules"] == "E5"
    assert rows_out["A"]["reasons"].startswith("E5 八.1 得票不足80%的不得推荐") and "79.99%" in rows_out["A"]["reasons"]
    assert rows_out["B"]["eligible"] == "yes" and rows_out["B"]["reasons"] == ""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["awards"]["labour_model"]["selected"] == ["B", "C"]
    assert summary["screening"]["units"] == [{"pool": "individuals", "award": "labour_model", "unit": "U1",
                                              "submitted": 3, "eligible": 2, "quota": 2, "shortfall": 0}]
    wb = openpyxl.load_workbook(out / "slate.xlsx", read_only=True)
    assert "screening" in wb.sheetnames
    wb.close()


@pytest.mark.parametrize("command", ["check", "select"])
def test_sample_through_the_cli(tmp_path, command):
    out = tmp_path / command
    res = runner.invoke(app, [command, str(SCENARIO), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with open(out / "screening.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert {r["id"] for r in rows if r["eligible"] == "no"} == {
        "I0001", "I0002", "I0058", "I0060", "I0079", "I0089", "I0137", "I0152", "I0188", "I0206", "I0262",
        "I0300", "C007", "C039", "C044", "C090"}
    if command == "select":
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["awards"]["labour_model"]["merit"] == "14583.7"
        assert summary["awards"]["collective"]["merit"] == "4270.6"
        assert len(summary["screening"]["units"]) == 22
