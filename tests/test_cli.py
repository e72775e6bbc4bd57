"""The command line through typer's CliRunner: one test per exit code of `selector select`.

0 a slate (files written whole), 1 no slate exists, 2 bad input (every problem named by file, row and
column, no traceback) and 2 for an existing output folder without --force (nothing touched).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from selector.interfaces.cli import app

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "fuxin-2021"
SCENARIO = SAMPLE / "scenario.toml"
RULES = ROOT / "models" / "fuxin-2021.toml"

runner = CliRunner()


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _exited(result, code: int) -> None:
    """The command ended with `code` through a deliberate exit, not an uncaught exception."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def _sample_rows() -> tuple[list[str], list[list[str]]]:
    with open(SAMPLE / "individuals.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _select(individuals: Path, out: Path, *extra: str):
    return runner.invoke(app, ["select", "--rules", str(RULES), "--individuals", str(individuals),
                               "--collectives", str(SAMPLE / "collectives.csv"), "--out", str(out), *extra])


# ------------------------------------------------------------------------------------------ exit 0
def test_exit_0_on_the_sample_scenario(tmp_path):
    inputs_before = _digest(SAMPLE) | {"rules": hashlib.sha256(RULES.read_bytes()).hexdigest()}
    out = tmp_path / "out"
    result = runner.invoke(app, ["select", str(SCENARIO), "--out", str(out)])
    _exited(result, 0)
    for name in ("labour_model.csv", "collective.csv", "slate.xlsx", "summary.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    assert summary["verified"] is True and summary["violations"] == []
    assert {a: len(v["selected"]) for a, v in summary["awards"].items()} == {
        "labour_model": 180, "special": 10, "collective": 50}
    assert set(summary["awards"]["special"]["selected"]) <= set(summary["awards"]["labour_model"]["selected"])
    with open(out / "labour_model.csv", newline="", encoding="utf-8-sig") as f:
        lm = list(csv.DictReader(f))
    assert len(lm) == 180 and sum(r["special"] == "yes" for r in lm) == 10
    assert {r["id"] for r in lm} == set(summary["awards"]["labour_model"]["selected"])
    with open(out / "collective.csv", newline="", encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 50
    wb = openpyxl.load_workbook(out / "slate.xlsx", read_only=True)
    try:
        assert {"labour_model", "collective"} <= set(wb.sheetnames)
        assert wb["labour_model"].max_row == 181  # header + 180
    finally:
        wb.close()
    assert "optimal" in result.output
    # inputs are only ever read
    assert _digest(SAMPLE) | {"rules": hashlib.sha256(RULES.read_bytes()).hexdigest()} == inputs_before


# ------------------------------------------------------------------------------------------ exit 1
def test_exit_1_when_no_slate_exists(tmp_path):
    # R8 needs 27 agriculture labour models of 180; leave 20 in the pool (the rest become 'other').
    header, rows = _sample_rows()
    sector = header.index("sector")
    agriculture = [r for r in rows if r[sector] == "agriculture"]
    assert len(agriculture) > 27
    for r in agriculture[20:]:
        r[sector] = "other"
    out = tmp_path / "out"
    result = _select(_write(tmp_path / "few_agriculture.csv", header, rows), out)
    _exited(result, 1)
    assert "No slate" in result.output
    assert "R8" in result.output  # the explanation names the rule that cannot be met
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible"
    assert summary["awards"]["labour_model"]["selected"] == []
    assert not (out / "labour_model.csv").exists()


# ------------------------------------------------------------------------------------------ exit 2
def test_exit_2_on_an_unknown_unit(tmp_path):
    header, rows = _sample_rows()
    rows[3][header.index("unit")] = "火星区"  # the 4th candidate: file row 5
    bad = _write(tmp_path / "bad_unit.csv", header, rows)
    out = tmp_path / "out"
    result = _select(bad, out)
    _exited(result, 2)
    assert str(bad) in result.output
    assert "row 5" in result.output and "column 'unit'" in result.output and "火星区" in result.output
    assert not out.exists()


def test_exit_2_on_a_missing_column(tmp_path):
    header, rows = _sample_rows()
    i = header.index("sector")
    bad = _write(tmp_path / "no_sector.csv", header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows])
    out = tmp_path / "out"
    result = _select(bad, out)
    _exited(result, 2)
    assert str(bad) in result.output
    assert "row 1" in result.output and "column 'sector'" in result.output and "missing column" in result.output
    assert not out.exists()


def test_exit_2_lists_every_problem_at_once(tmp_path):
    header, rows = _sample_rows()
    rows[0][header.index("score")] = "high"  # row 2
    rows[9][header.index("gender")] = "unknown"  # row 11
    rows[20][header.index("id")] = rows[19][header.index("id")]  # row 22 repeats row 21's id
    bad = _write(tmp_path / "three.csv", header, rows)
    result = _select(bad, tmp_path / "out")
    _exited(result, 2)
    assert "3 problems" in result.output
    for row, column in (("row 2", "score"), ("row 11", "gender"), ("row 22", "id")):
        assert any(row + "," in line and f"column '{column}'" in line for line in result.output.splitlines()), (
            row, column, result.output)


@pytest.mark.parametrize("force", [False, True])
def test_existing_output_folder(tmp_path, force):
    out = tmp_path / "out"
    if force:  # --force replaces only a folder this tool wrote (issue 11 item 3): an earlier run's
        _exited(runner.invoke(app, ["select", str(SCENARIO), "--out", str(out), "--no-plots"]), 0)
    else:
        out.mkdir()
    (out / "keep.txt").write_text("an earlier run\n", encoding="utf-8")
    before = _digest(out)
    siblings = sorted(p.name for p in tmp_path.iterdir())
    args = ["select", str(SCENARIO), "--out", str(out), "--no-plots"] + (["--force"] if force else [])
    result = runner.invoke(app, args)
    if not force:
        _exited(result, 2)  # refused: nothing modified, nothing left beside it
        assert "--force" in result.output and str(out) in result.output
        assert _digest(out) == before
    else:
        _exited(result, 0)  # replaced whole
        assert not (out / "keep.txt").exists() and (out / "summary.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings
