"""Encodings and shapes that offices' spreadsheets really have read to the same slate.

tests/data/shapes/ holds the mini pool (tests/data/mini/pool.csv) saved as UTF-8 with BOM, as GBK and
GB18030 from Excel/WPS on Chinese Windows (Chinese headers and values, CRLF), as Excel's UTF-16
"Unicode text", with messy headers (title row, full-width characters, stray spaces, blank rows, extra
columns) and as XLSX (one sheet; several sheets chosen by name). The bundled Fuxin sample is also
re-saved in GBK, UTF-8 with BOM and XLSX at test time and must give the same slate, byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.reading.pool import read_pool
from selector.reading.rule_checks import load_ruleset

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
SHAPES = DATA / "shapes"
SAMPLE = ROOT / "scenarios" / "fuxin-2021"
FUXIN_RULES = ROOT / "models" / "fuxin-2021.toml"
MINI_SLATE = {"labour_model": ["P01", "P03", "P05", "P06"], "special": ["P05"]}


def select(out: Path, rules: Path, **pools: Path | str):
    args = ["select", "--rules", str(rules), "--out", str(out)]
    for kind, path in pools.items():
        args += [f"--{kind}", str(path)]
    result = CliRunner().invoke(app, args)
    assert "Traceback" not in result.output
    return result


def slate(out: Path) -> dict[str, list[str]]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {a: sorted(r["selected"]) for a, r in summary["awards"].items()}


@pytest.mark.parametrize("name", ["pool_utf8_bom.csv", "pool_gbk_excel.csv", "pool_gb18030.csv",
                                  "pool_unicode_text.txt", "pool_messy_headers.csv", "pool_one_sheet.xlsx",
                                  "pools.xlsx#个人"])
def test_every_shape_gives_the_same_slate(tmp_path, name):
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=f"{SHAPES / name}")
    assert result.exit_code == 0, result.output
    assert slate(tmp_path / "out") == MINI_SLATE


def test_the_encodings_really_differ():
    """The files are what they claim to be, so the test above is not comparing one file with itself."""
    gbk = (SHAPES / "pool_gbk_excel.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert gbk.decode("gbk").startswith("编号,姓名,推荐单位,得分") and b"\r\n" in gbk
    rare = (SHAPES / "pool_gb18030.csv").read_bytes()
    with pytest.raises(UnicodeEncodeError):
        "李䶮".encode("gbk")
    assert "李䶮" in rare.decode("gb18030")
    assert (SHAPES / "pool_utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (SHAPES / "pool_unicode_text.txt").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")


def test_names_in_gb18030_survive_to_the_output(tmp_path):
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=SHAPES / "pool_gb18030.csv")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    # P02 (李䶮) is not selected; the selected names are read back exactly
    table = (tmp_path / "out" / "labour_model.csv").read_text(encoding="utf-8-sig")
    assert "何建" in table and "孙鑫波" in table


def test_extra_columns_are_kept_in_the_output_slate(tmp_path):
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=SHAPES / "pool_messy_headers.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "labour_model.csv").read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == ["P05", "P01", "P06", "P03"]
    assert [r["备注"] for r in rows] == ["备注5", "备注1", "备注6", "备注3"]
    assert [r["联系人"] for r in rows] == ["联系人5", "联系人1", "联系人6", "联系人3"]


def test_an_extra_column_named_like_an_output_column_is_kept_under_another_name(tmp_path):
    """A pool's own `rank` or `special` column must not crash the slate table that adds those columns."""
    text = (MINI / "pool.csv").read_text(encoding="utf-8").splitlines()
    lines = ["rank,special," + text[0]] + [f"{k + 1},x{k},{line}" for k, line in enumerate(text[1:])]
    pool = tmp_path / "pool.csv"
    pool.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=pool)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "labour_model.csv").read_text(encoding="utf-8-sig"))))
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["special"] for r in rows] == ["yes", "no", "no", "no"]
    assert [r["rank (pool)"] for r in rows] == ["5", "1", "6", "3"]
    assert [r["special (pool)"] for r in rows] == ["x4", "x0", "x5", "x2"]


def test_several_sheets_with_data_need_a_name(tmp_path):
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=SHAPES / "pools.xlsx")
    assert result.exit_code == 2
    assert "pools.xlsx: several sheets hold data (个人, 集体): name the one to read, as 'pools.xlsx#个人'" \
        in result.output
    assert not (tmp_path / "out").exists()


def test_an_unknown_sheet_name_lists_the_sheets(tmp_path):
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=f"{SHAPES / 'pools.xlsx'}#个 人 ")
    assert result.exit_code == 0, result.output  # spaces and full-width differences are forgiven
    result = select(tmp_path / "out2", MINI / "rules.toml", individuals=f"{SHAPES / 'pools.xlsx'}#人员")
    assert result.exit_code == 2
    assert "pools.xlsx: no sheet named '人员' (the sheets are: 说明, 个人, 集体)" in result.output


def test_a_damaged_workbook_is_a_clear_error(tmp_path):
    bad = tmp_path / "pool.xlsx"
    bad.write_bytes((SHAPES / "pool_one_sheet.xlsx").read_bytes()[:500])  # cut short
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=bad)
    assert result.exit_code == 2, result.output
    assert "pool.xlsx: not a readable XLSX file" in result.output
    locked = tmp_path / "locked.xlsx"  # what an encrypted workbook (or an .xls renamed .xlsx) looks like
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    result = select(tmp_path / "out", MINI / "rules.toml", individuals=locked)
    assert result.exit_code == 2, result.output
    assert "locked.xlsx: this workbook is password-protected or an old .xls file renamed .xlsx" in result.output


# ----------------------------------------------------------------------- the Fuxin sample, re-saved
@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, list[str]]:
    out = tmp_path_factory.mktemp("baseline") / "out"
    result = select(out, FUXIN_RULES, individuals=SAMPLE / "individuals.csv", collectives=SAMPLE / "collectives.csv")
    assert result.exit_code == 0, result.output
    return slate(out)


def _resave(src: Path, dest: Path, encoding: str, newline: str) -> Path:
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"))))
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(rows)
    dest.write_bytes(buf.getvalue().encode(encoding))
    return dest


def test_the_sample_in_gbk_gives_the_same_slate(tmp_path, baseline):
    ind = _resave(SAMPLE / "individuals.csv", tmp_path / "individuals.csv", "gbk", "\r\n")
    col = _resave(SAMPLE / "collectives.csv", tmp_path / "collectives.csv", "gbk", "\r\n")
    result = select(tmp_path / "out", FUXIN_RULES, individuals=ind, collectives=col)
    assert result.exit_code == 0, result.output
    assert slate(tmp_path / "out") == baseline
    assert len(baseline["labour_model"]) == 180 and len(baseline["special"]) == 10


@pytest.mark.parametrize(("encoding", "newline"), [("gb18030", "\r\n"), ("utf-8-sig", "\n"), ("utf-16", "\r\n")])
def test_the_sample_in_other_encodings_reads_to_the_same_pool(tmp_path, encoding, newline):
    """Cheaper than solving again: the pool read is the same, value for value, so the slate is too."""
    ruleset = load_ruleset(FUXIN_RULES)
    for kind in ("individuals", "collectives"):
        resaved = _resave(SAMPLE / f"{kind}.csv", tmp_path / f"{kind}.csv", encoding, newline)
        a = read_pool(SAMPLE / f"{kind}.csv", ruleset.pools[kind], kind, None)
        b = read_pool(resaved, ruleset.pools[kind], kind, None)
        assert a.table.equals(b.table) and a.rows == b.rows


def test_the_sample_as_one_workbook_reads_to_the_same_pools(tmp_path):
    """Both pools in one workbook, numbers stored as numbers and each pool's sheet named."""
    book = tmp_path / "pools.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, kind in (("个人", "individuals"), ("集体", "collectives")):
        ws = wb.create_sheet(sheet)
        for row in csv.reader(io.StringIO((SAMPLE / f"{kind}.csv").read_text(encoding="utf-8"))):
            ws.append([_number(c) for c in row])
    wb.save(book)
    ruleset = load_ruleset(FUXIN_RULES)
    for sheet, kind in (("个人", "individuals"), ("集体", "collectives")):
        a = read_pool(SAMPLE / f"{kind}.csv", ruleset.pools[kind], kind, None)
        b = read_pool(f"{book}#{sheet}", ruleset.pools[kind], kind, None)
        assert a.table.equals(b.table) and a.rows == b.rows


def _number(cell: str) -> object:
    """Numbers as Excel stores them (floats), the rest as text."""
    try:
        return float(cell)
    except ValueError:
        return cell
