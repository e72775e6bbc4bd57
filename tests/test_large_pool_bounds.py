"""Above bounds.LARGE_POOL candidates `selector select` bounds what grows with every candidate (issue 11,
item 19) and says so: no reserve.xlsx unless --reserve, no screening sheet in slate.xlsx (screening.csv keeps
it all), forms/ for the slate only; `selector verify` regenerates the folder under the same rule. The
threshold is lowered here so that the small pools cross it (no large pool in the test suite)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.outputs import bounds

MINI = Path(__file__).parent / "data" / "mini"
SAMPLE = Path(__file__).parent.parent / "scenarios" / "fuxin-2021" / "scenario.toml"


def _select(out: Path, *extra: str, rules=MINI / "rules.toml", pool=MINI / "pool.csv") -> str:
    res = CliRunner().invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(out),
                                   "--no-plots", *extra])
    assert res.exit_code == 0, res.output
    return res.output


def _sheets(out: Path) -> list[str]:
    return openpyxl.load_workbook(out / "slate.xlsx", read_only=True).sheetnames


def test_below_the_threshold_everything_is_written(tmp_path):
    text = _select(tmp_path / "small")
    assert (tmp_path / "small" / "reserve.xlsx").exists() and len(_sheets(tmp_path / "small")) == 3
    assert "--reserve" not in text and "资格审查工作表" not in text


@pytest.mark.parametrize("extra", [(), ("--reserve",)])
def test_above_the_threshold_the_reserve_is_opt_in_and_the_screening_sheet_left_to_the_csv(tmp_path, monkeypatch,
                                                                                            extra):
    monkeypatch.setattr(bounds, "LARGE_POOL", 5)  # the mini pool has 8 candidates
    out = tmp_path / "large"
    text = _select(out, *extra)
    assert (out / "reserve.xlsx").exists() == bool(extra)
    assert ("未写出 reserve.xlsx" in text and "请加 --reserve" in text) != bool(extra)
    assert "slate.xlsx 未包含资格审查工作表" in text and "screening.csv" in text
    assert len(_sheets(out)) == 2  # the two awards, no screening sheet
    rows = list(csv.reader((out / "screening.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 1 + 8  # every candidate still screened, in the CSV
    verified = CliRunner().invoke(app, ["verify", str(out)])
    assert verified.exit_code == 0, verified.output


def test_above_the_threshold_forms_are_written_for_the_slate_only(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds, "LARGE_POOL", 100)  # the sample has 500 candidates
    out = tmp_path / "sample"
    res = CliRunner().invoke(app, ["select", str(SAMPLE), "--out", str(out), "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "forms/ 中的征求意见表、部门汇总和承诺书只为入选人选写出" in res.output
    index = list(csv.DictReader((out / "forms" / "index.csv").open(encoding="utf-8-sig")))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    selected = {c for a in summary["awards"].values() for c in a["selected"]}
    consulted = [r["人选编号"] for r in index if r["类别"] == "征求意见表"]
    assert consulted and set(consulted) <= selected
