"""Byte-reproducible plots (issue 11, item 20) and what is masked where (item 21).

Masking, as the README's privacy section says: an identity-card or mobile number in the id or name
column (or in any extra column) is masked in every public output (slate CSV/XLSX, screening.csv,
review summaries, report.md/html, the terminal); the audit record (audit.json, summary.json) keeps
the full id, so that `selector verify` can replay the run.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
from conftest import make_case, share
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.outputs.plots import write_selection_plots
from selector.pipeline import Inputs, select_screened

MINI = Path(__file__).parent / "data" / "mini"
ID_CARD = "210203198001011234"
PHONE = "13812345678"


def test_two_runs_write_the_same_svg_and_png_bytes(tmp_path):
    rows = [{"id": f"K{k}", "score": str(60 + 7 * k), "gender": "female" if k % 3 else "male"} for k in range(6)]
    case = make_case(tmp_path / "case", rows, [share("R2", "women", ">=", "1/2")], seats=4)
    _, result = select_screened(Inputs(case.ruleset, case.rules_path, case.pools, case.quotas))
    inputs = Inputs(case.ruleset, case.rules_path, case.pools, case.quotas)
    written = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        written.append({p.name: p.read_bytes() for p in write_selection_plots(tmp_path / name, inputs, result)})
    assert written[0].keys() == written[1].keys() and len(written[0]) == 6
    for name, data in written[0].items():
        assert data == written[1][name], f"{name} differs between two runs"
    svg = written[0]["merit.svg"].decode("utf-8")
    assert "<dc:date>" not in svg


def _private_pool(tmp_path: Path) -> Path:
    rows = list(csv.reader(io.StringIO((MINI / "pool.csv").read_text(encoding="utf-8"))))
    rows[1][0] = ID_CARD  # P01, who is selected, goes by an identity-card number
    rows[1][1] = f"林成杰{PHONE}"  # and a phone number was typed into the name
    rows[5][0] = "210203199002021234"  # P05, also selected (and special class)
    path = tmp_path / "pool.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def test_an_id_card_id_and_a_phone_in_a_name_are_masked_in_public_outputs(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["select", "--rules", str(MINI / "rules.toml"), "--individuals",
                                   str(_private_pool(tmp_path)), "--out", str(out), "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "2102**********1234" in res.output or "2102**********1234" in (out / "labour_model.csv").read_text(
        encoding="utf-8-sig")
    for text in [res.output, *(p.read_text(encoding="utf-8-sig") for p in out.iterdir()
                               if p.suffix in (".csv", ".md", ".html") and p.name != "summary.json")]:
        assert ID_CARD not in text and PHONE not in text and "199002021234" not in text
    for book in out.glob("*.xlsx"):
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                assert not any(isinstance(v, str) and (ID_CARD in v or PHONE in v) for v in row), book.name
    slate = (out / "labour_model.csv").read_text(encoding="utf-8-sig")
    assert "2102**********1234" in slate and "2102**********1234-2" in slate and "林成杰138****5678" in slate
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert ID_CARD in audit["awards"]["labour_model"]["selected"]  # the audit record keeps the full id
    verified = CliRunner().invoke(app, ["verify", str(out)])
    assert verified.exit_code == 0, verified.output
