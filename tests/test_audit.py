"""audit.json and `selector verify` (issue 6): the record of a run, a re-check without solving that catches a
changed slate or input and says what differs, and byte-for-byte reproduction of a slate."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from test_paperwork import run_sample, run_small
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.outputs.recheck import verify_folder

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

runner = CliRunner()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "out"
    run_sample(out)
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verify(folder: Path):
    return runner.invoke(app, ["verify", str(folder)])


def test_audit_records_inputs_versions_solver_and_pools(sample):
    audit = json.loads((sample / "audit.json").read_text(encoding="utf-8"))
    summary = json.loads((sample / "summary.json").read_text(encoding="utf-8"))
    assert set(audit["inputs"]) - {"scenario"} == {"rules", "quotas", "individuals", "collectives"}
    for rec in audit["inputs"].values():
        assert rec["sha256"] == _sha(Path(rec["resolved"]))
    assert {"python", "selector", "ortools", "pandas", "pydantic"} <= set(audit["versions"])
    assert audit["solver"]["workers"] == 1 and audit["solver"]["seed"] == 0 and audit["solver"]["time_limit"] is None
    for kind in ("individuals", "collectives"):
        pool = audit["pools"][kind]
        assert pool["status"] == "optimal" and pool["objective"] == pool["bound"] and pool["wall_time"] > 0
    assert {a: r["selected"] for a, r in audit["awards"].items()} == {
        a: r["selected"] for a, r in summary["awards"].items()}
    assert len(audit["awards"]["labour_model"]["selected"]) == 180
    assert len(audit["screening"]["ineligible"]) == 16  # 12 individuals and 4 collectives planted
    for name in ("labour_model.csv", "collective.csv", "summary.json", "review_summary_labour_model.xlsx",
                 "review_summary_collective.xlsx", "budget.csv", "budget.xlsx", "report.html", "report.md"):
        assert audit["outputs"][name] == _sha(sample / name)


def test_verify_passes_on_a_fresh_result(sample):
    r = _verify(sample)
    assert r.exit_code == 0, r.output
    assert "PASS" in r.output and "FAIL" not in r.output
    assert "every rule holds (independent verifier)" in r.output


def _copy(sample: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(sample, folder)
    return folder


def test_verify_catches_a_tampered_slate_csv(sample, tmp_path):
    folder = _copy(sample, tmp_path)
    with open(folder / "labour_model.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    selected = {r[rows[0].index("id")] for r in rows[1:]}
    outsider = next(f"I{i:04d}" for i in range(1, 400) if f"I{i:04d}" not in selected)
    k = rows[0].index("id")
    insider = rows[1][k]
    rows[1][k] = outsider
    with open(folder / "labour_model.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    r = _verify(folder)
    assert r.exit_code == 1, r.output
    assert "labour_model.csv changed since the run" in r.output
    assert f"labour_model.csv lists {outsider} not in the recorded slate" in r.output
    assert f"lacks {insider} of the recorded slate" in r.output
    assert "FAIL" in r.output.splitlines()[-1]


def test_verify_catches_a_tampered_score_and_merit(sample, tmp_path):
    folder = _copy(sample, tmp_path)
    text = (folder / "labour_model.csv").read_text(encoding="utf-8").splitlines()
    head = text[0].split(",")
    cells = text[1].split(",")
    old = cells[head.index("score")]
    cells[head.index("score")] = "99.9"
    text[1] = ",".join(cells)
    (folder / "labour_model.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["awards"]["collective"]["merit"] = "9999"
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    report = verify_folder(folder)
    assert not report.ok
    by_name = {c.name: c for c in report.checks}
    assert f"column score: the file has '99.9', the inputs give '{old}'" in by_name[
        "labour_model.csv regenerates"].detail
    assert not by_name["slate collective"].ok and "9999" in by_name["slate collective"].detail
    assert "recorded 9999" in by_name["merit as recorded"].detail


def test_verify_catches_a_changed_input_and_names_it(tmp_path):
    run_small(tmp_path / "case", tmp_path / "out")
    assert verify_folder(tmp_path / "out").ok
    pool = tmp_path / "case" / "individuals.csv"
    pool.write_text(pool.read_text(encoding="utf-8").replace(",95.5,", ",99,"), encoding="utf-8")
    r = _verify(tmp_path / "out")
    assert r.exit_code == 1, r.output
    assert f"input individuals: {pool.resolve()} changed since the run" in r.output
    assert "merit as recorded: labour_model: the inputs give merit 269.25, recorded 265.75" in r.output
    # a changed quota table breaks a rule on the recorded slate: the independent verifier says which
    quotas = tmp_path / "case" / "quotas.csv"
    quotas.write_text("unit,labour_model\nU2,2\nU1,1\n", encoding="utf-8")
    report = verify_folder(tmp_path / "out")
    rules = next(c for c in report.checks if c.name.startswith("every rule holds"))
    assert not rules.ok and "quota:U1: 2 selected for labour_model, quota 1" in rules.detail


def test_verify_says_when_an_input_is_gone(tmp_path):
    run_small(tmp_path / "case", tmp_path / "out")
    (tmp_path / "case" / "individuals.csv").unlink()
    r = _verify(tmp_path / "out")
    assert r.exit_code == 1
    assert "individuals.csv is missing: it cannot be re-checked" in r.output


def test_verify_bad_input_exits_2(tmp_path):
    assert _verify(tmp_path / "nowhere").exit_code == 2
    (tmp_path / "empty").mkdir()
    r = _verify(tmp_path / "empty")
    assert r.exit_code == 2 and "no audit.json" in r.output
    (tmp_path / "empty" / "audit.json").write_text("{not json", encoding="utf-8")
    assert _verify(tmp_path / "empty").exit_code == 2


def test_rerun_reproduces_the_outputs_byte_for_byte(sample, tmp_path):
    again = tmp_path / "again"
    run_sample(again, "--time-limit", "60")
    for name in ("labour_model.csv", "collective.csv", "screening.csv", "slate.xlsx", "budget.csv", "budget.xlsx",
                 "review_summary_labour_model.xlsx", "review_summary_collective.xlsx"):
        assert (again / name).read_bytes() == (sample / name).read_bytes(), name
    audit = json.loads((again / "audit.json").read_text(encoding="utf-8"))
    assert audit["solver"]["time_limit"] == 60
    assert _verify(again).exit_code == 0


def test_a_folder_without_a_slate_is_recorded_reported_and_verified(tmp_path):
    from conftest import count, toml_dumps
    from test_paperwork import small_case, small_rules

    rules = small_case(tmp_path / "case")
    data = small_rules()
    data["rules"] = [count("W", "women", min=3)]  # one woman in the pool
    rules.write_text(toml_dumps(data), encoding="utf-8")
    r = runner.invoke(app, ["select", "--rules", str(rules), "--individuals",
                            str(tmp_path / "case" / "individuals.csv"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"audit.json", "report.html", "report.md", "explanation.json"} <= names
    assert "budget.csv" not in names and "summary4.xlsx" not in names
    assert json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))["status"] == "infeasible"
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "无解说明与调整建议" in html and "冲突 1：W" in html
    v = _verify(tmp_path / "out")
    assert v.exit_code == 0 and "no slate was recorded" in v.output


def test_verify_replays_a_what_if_scenarios_overrides(tmp_path):
    # move-2-seats changes two quotas; verifying against the bare quota table would wrongly fail.
    scenario = Path(__file__).parent.parent / "scenarios" / "whatif" / "move-2-seats-to-zhangwu.toml"
    out = tmp_path / "w"
    r = runner.invoke(app, ["select", str(scenario), "--out", str(out), "--no-plots"])
    assert r.exit_code == 0, r.output
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert "scenario" in audit["inputs"]
    report = verify_folder(out)
    assert report.ok and report.slate_checked, report.failures
