"""Issue 14: the example rule sets of other notices, end to end as a user runs them from the README —
check, select, and on each infeasible variant check, select and explain (exit 1, saying why).

- national-mayday-2025: three awards from three pools, 单列 seats for contest champions, per-unit 控制数
- city-2025: 1:2 submissions, a preference with no number, not-in and date-window eligibility, an exact share
- county-2025: seats split by tracks per county, a quota table drafted by `selector apportion`
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.interfaces.cli import app

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
EXAMPLES = ["national-mayday-2025", "city-2025", "county-2025"]


def _run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_checks_and_selects(name, tmp_path):
    scenario = ROOT / "scenarios" / name / "scenario.toml"
    res = _run("check", str(scenario), "--out", str(tmp_path / "check"))
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "check" / "check.json").read_text(encoding="utf-8"))
    assert data["ok"] and all(e["exists"] for e in data["exact"]) and not data["necessary_conditions_only"]
    res = _run("select", str(scenario), "--out", str(tmp_path / "select"), "--no-plots")
    assert res.exit_code == 0, res.output
    result = json.loads((tmp_path / "select" / "summary.json").read_text(encoding="utf-8"))
    assert result["verified"] and result["status"] == "optimal"
    res = _run("verify", str(tmp_path / "select"))  # the folder re-checks (city-2025: two disjoint titles' merit)
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("name, why", [
    ("national-mayday-2025", "技能竞赛冠军"),  # only one champion for the 2 单列 seats: add champions
    ("city-2025", "机关事业"),  # R1 lacks 机关事业 candidates (check also names 丁县, short of 1:2: below)
    ("county-2025", "北县"),  # 北县 has 1 农口 candidate for its 2 农口 seats
])
def test_example_infeasible_variant(name, why, tmp_path):
    scenario = ROOT / "scenarios" / name / "infeasible.toml"
    res = _run("check", str(scenario), "--out", str(tmp_path / "check"))
    assert res.exit_code == 1, res.output
    res = _run("select", str(scenario), "--out", str(tmp_path / "select"), "--no-plots")
    assert res.exit_code == 1 and "No slate" in res.output, res.output
    res = _run("explain", str(scenario), "--out", str(tmp_path / "explain"))
    assert res.exit_code == 1 and why in res.output, res.output
    data = json.loads((tmp_path / "explain" / "explanation.json").read_text(encoding="utf-8"))
    assert data["conflicts"] and data["relaxations"]


def test_city_check_names_the_unit_short_of_its_submissions(tmp_path):
    res = _run("check", str(ROOT / "scenarios" / "city-2025" / "infeasible.toml"), "--out", str(tmp_path / "c"))
    data = json.loads((tmp_path / "c" / "check.json").read_text(encoding="utf-8"))
    short = [(s["subject"], s["needed"], s["available"]) for s in data["submissions"] if not s["ok"]]
    assert short == [("丁县", 4, 3)] and "S1" in res.output


def test_city_preference_is_reported(tmp_path):
    res = _run("select", str(ROOT / "scenarios" / "city-2025" / "scenario.toml"), "--out", str(tmp_path / "s"),
               "--no-plots")
    result = json.loads((tmp_path / "s" / "summary.json").read_text(encoding="utf-8"))
    p = result["preferences"][0]
    assert p["id"] == "P1" and p["held"] <= p["most"] and res.exit_code == 0
    assert all(e["merit"] is None or float(e["cost"]) >= 0 for e in p["extra"])


def test_county_quota_table_is_what_apportion_drafts(tmp_path):
    """models/county-2025-quotas.csv is reproduced by the two commands in models/README.md."""
    stats = ROOT / "scenarios" / "county-2025" / "statistics.csv"
    out = tmp_path / "quotas.csv"
    res = _run("apportion", str(stats), "--seats", "16", "--award", "labour_model", "--indicator", "在岗职工=50%",
               "--indicator", "规上工业增加值=50%", "--min", "2", "--out", str(out))
    assert res.exit_code == 0, res.output
    res = _run("apportion", str(stats), "--seats", "3", "--award", "农口名额", "--method", "sainte_lague",
               "--indicator", "农业总产值=50%", "--indicator", "乡村从业人数=50%", "--into", str(out),
               "--out", str(out))
    assert res.exit_code == 0, res.output
    committed = (ROOT / "models" / "county-2025-quotas.csv").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed
