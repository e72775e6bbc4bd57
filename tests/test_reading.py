"""Reading pools as offices' files really are (issue 11, items 10, 13, 14, 15, 18 and 19): a used range
bounded by the cells that hold values, decimal commas, one rule per share column, hidden rows, stray
bytes named by row, formulas with no saved value, merged cells, float noise, over-long cells, progress.

Each test writes its file in tmp_path from the mini pool (tests/data/mini/), so nothing big is committed.
Messages are checked in English (language("en")) and, where new, in Chinese too.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from selector import progress
from selector.errors import InputErrors
from selector.i18n import language
from selector.reading.cells import parse_decimal
from selector.reading.files import read_table
from selector.reading.pool import read_pool
from selector.reading.quotas import read_quotas
from selector.reading.rule_checks import load_ruleset

MINI = Path(__file__).parent / "data" / "mini"
RULESET = load_ruleset(MINI / "rules.toml")
SPEC = RULESET.pools["individuals"]
UNITS = ["海州区", "彰武县"]
ROWS = list(csv.reader(io.StringIO((MINI / "pool.csv").read_text(encoding="utf-8"))))
HEADER, BODY = ROWS[0], ROWS[1:]
COL = {h: i for i, h in enumerate(HEADER)}


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def with_column(column: str, values: list[str]) -> list[list[str]]:
    out = [list(HEADER)]
    for r, v in zip(BODY, values):
        r = list(r)
        r[COL[column]] = v
        out.append(r)
    return out


def problems_of(path: Path, **options) -> list:
    with pytest.raises(InputErrors) as e:
        read_pool(path, SPEC, "individuals", UNITS, **options)
    return e.value.problems


def pool_of(path: Path, **options):
    return read_pool(path, SPEC, "individuals", UNITS, **options)


def workbook(path: Path, rows: list[list[object]]) -> tuple[openpyxl.Workbook, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "个人"
    for r in rows:
        ws.append(r)
    return wb, ws


# ------------------------------------------------------------------ item 10: the used range of a workbook
def test_a_formatted_empty_cell_at_xfd1048576_is_not_read_as_a_billion_cells(tmp_path):
    wb, ws = workbook(tmp_path / "p.xlsx", ROWS)
    ws["XFD1048576"].font = Font(bold=True)  # formatted, never typed in: the sheet claims A1:XFD1048576
    ws["Z500"].font = Font(italic=True)
    wb.save(tmp_path / "p.xlsx")
    assert (tmp_path / "p.xlsx").stat().st_size < 40_000
    assert openpyxl.load_workbook(tmp_path / "p.xlsx", read_only=True).active.max_column == 16384  # the lie
    table = read_table(tmp_path / "p.xlsx")
    assert len(table.header) == len(HEADER) and len(table.records) == len(BODY)
    assert all(len(r) == len(HEADER) for r in table.records)
    pool = pool_of(tmp_path / "p.xlsx")
    assert pool.ids == [r[0] for r in BODY]


# ---------------------------------------------------------------------------- item 13: decimal commas
def test_decimal_commas_in_a_semicolon_file_are_decimals_never_thousands(tmp_path):
    scores = ["91,5", "88", "86,25", "79", "95", "90", "72,5", "70"]
    years = ["7", "4,5", "14", "", "3", "2", "10", "1"]
    rows = with_column("score", scores)
    for r, y in zip(rows[1:], years):
        r[COL["post_years"]] = y
    pool = pool_of(write_csv(tmp_path / "p.csv", rows, ";"))
    assert list(pool.table["score"]) == [Decimal(s.replace(",", ".")) for s in scores]
    assert pool.table["post_years"][1] == Fraction(9, 2)


@pytest.mark.parametrize(("scores", "words", "chinese"), [
    (["91,5", "88.5", "86,25", "79", "95", "90", "72,5", "70"],  # decimal commas, then a decimal point
     ["'88.5' uses a decimal point", "'91,5' in row 2"], "小数点"),
    (["91", "1,250", "86", "79", "95", "90", "72", "70"],  # a thousand and more, or one and a quarter?
     ["'1,250' is ambiguous", "(1.250)", "(1250)"], "有歧义"),
], ids=["mixed", "ambiguous"])
def test_a_score_column_that_cannot_be_read_one_way_is_refused_by_row(tmp_path, scores, words, chinese):
    path = write_csv(tmp_path / "p.csv", with_column("score", scores), ";")
    with language("en"):
        found = problems_of(path)
    assert [(p.row, p.column) for p in found] == [(3, "score")]
    assert all(w in found[0].message for w in words), found[0].message
    assert chinese in problems_of(path)[0].message  # Chinese by default


def test_thousands_separators_in_a_comma_file_still_read(tmp_path):
    rows = with_column("score", ["1,091.5", "88", "86", "79", "95", "90", "72", "70"])
    pool = pool_of(write_csv(tmp_path / "p.csv", rows))
    assert pool.table["score"][0] == Decimal("1091.5")


def test_decimal_commas_in_a_quota_table_are_not_read_as_seats(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("unit;labour_model\n海州区;2\n彰武县;1,5\n", encoding="utf-8")
    with language("en"), pytest.raises(InputErrors) as e:
        read_quotas(path, RULESET)
    assert [(p.row, p.message) for p in e.value.problems][0] == (3, "'1,5' is not a whole number of seats (0 or more)")


# ------------------------------------------------------------------------------ item 14: share columns
def test_a_share_column_of_fractions_reads_1_as_100_percent(tmp_path):
    pool = pool_of(write_csv(tmp_path / "p.csv", with_column(
        "grassroots_vote", ["1", "0.85", "85%", "0.9", "1/2", "0", "", "0.95"])))
    assert list(pool.table["grassroots_vote"]) == [Fraction(1), Fraction(17, 20), Fraction(17, 20), Fraction(9, 10),
                                                   Fraction(1, 2), Fraction(0), None, Fraction(19, 20)]


def test_a_share_column_of_percents_reads_every_bare_number_as_a_percent(tmp_path):
    pool = pool_of(write_csv(tmp_path / "p.csv", with_column(
        "grassroots_vote", ["91", "85", "85%", "90.5", "0", "100", "", "1.5"])))
    assert pool.table["grassroots_vote"][3] == Fraction(905, 1000)
    assert pool.table["grassroots_vote"][7] == Fraction(15, 1000)  # 1.5 is 1.5%, as 85 is 85%


def test_a_share_column_mixing_1_and_1_5_is_refused_naming_the_row(tmp_path):
    values = ["1", "1.5", "85%", "90", "0.9", "88", "", "95"]
    with language("en"):
        found = problems_of(write_csv(tmp_path / "p.csv", with_column("grassroots_vote", values)))
    assert [(p.row, p.column) for p in found] == [(2, "grassroots_vote"), (6, "grassroots_vote")]
    assert found[0].message.startswith("'1' is ambiguous: this column holds percents (such as '1.5' in row 3)")
    assert "1% or 100%" in found[0].message and "0.9% or 90%" in found[1].message


# ---------------------------------------------------------------------------- item 15: hidden rows
def _hidden_workbook(path: Path) -> Path:
    wb, ws = workbook(path, ROWS)
    for r in (3, 6):  # P02 and P05: withdrawn, hidden by the office
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    return path


def test_hidden_rows_are_read_with_a_warning_that_lists_them(tmp_path):
    with language("en"):
        pool = pool_of(_hidden_workbook(tmp_path / "p.xlsx"))
    assert len(pool) == len(BODY) and pool.hidden_rows == [3, 6]
    assert len(pool.warnings) == 1 and "rows 3, 6" in pool.warnings[0].message
    assert "--skip-hidden-rows" in pool.warnings[0].message


def test_hidden_rows_are_left_out_when_asked(tmp_path):
    pool = pool_of(_hidden_workbook(tmp_path / "p.xlsx"), skip_hidden_rows=True)
    assert "P02" not in pool.ids and "P05" not in pool.ids and len(pool) == len(BODY) - 2
    assert pool.rows == [2, 4, 5, 7, 8, 9] and pool.skipped_hidden
    assert "隐藏" in pool.warnings[0].message


def test_hidden_rows_are_shown_on_screen_and_in_the_output(tmp_path):
    from typer.testing import CliRunner

    from selector.interfaces.cli import app

    pool = _hidden_workbook(tmp_path / "p.xlsx")
    args = ["select", "--rules", str(MINI / "rules.toml"), "--individuals", str(pool), "--no-plots"]
    with language("en"):
        shown = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
        assert shown.exit_code == 0, shown.output
        assert "rows 3, 6" in shown.output
        assert "rows 3, 6" in (tmp_path / "a" / "reading_warnings.csv").read_text(encoding="utf-8")
        skipped = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b"), "--skip-hidden-rows"])
    assert skipped.exit_code == 0, skipped.output
    screened = (tmp_path / "b" / "screening.csv").read_text(encoding="utf-8")
    assert "P02" not in screened and "P05" not in screened and "P01" in screened


# ---------------------------------------------------------------------------- item 18: clearer messages
def test_a_gbk_row_in_a_utf8_file_is_named_by_row(tmp_path):
    text = (MINI / "pool.csv").read_text(encoding="utf-8").split("\n")
    raw = "\n".join(text[:4]).encode("utf-8") + b"\n" + text[4].encode("gbk") + b"\n" + \
        "\n".join(text[5:]).encode("utf-8")
    (tmp_path / "p.csv").write_bytes(raw)
    with language("en"):
        found = problems_of(tmp_path / "p.csv")
    assert [p.row for p in found] == [5]
    assert "not UTF-8 like the rest of the file" in found[0].message


def test_a_nul_byte_is_named_by_row_and_column(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[3][COL["name"]] = "金\x00华"
    with language("en"):
        found = problems_of(write_csv(tmp_path / "p.csv", rows))
    assert [(p.row, p.column) for p in found] == [(4, "name")]
    assert "U+0000" in found[0].message


def test_a_binary_file_is_still_refused_whole(tmp_path):
    (tmp_path / "p.csv").write_bytes(b"id,name\x00\x00\x00\x00\x00\x00\x00\x00\x00" * 20)
    with language("en"):
        found = problems_of(tmp_path / "p.csv")
    assert found[0].row is None and "not a text file" in found[0].message


def test_a_formula_with_no_saved_value_is_said_to_be_one(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][COL["score"]] = "=80+8"  # openpyxl writes the formula and no computed value, as a program would
    wb, ws = workbook(tmp_path / "p.xlsx", rows)
    wb.save(tmp_path / "p.xlsx")
    with language("en"):
        found = problems_of(tmp_path / "p.xlsx")
    assert [(p.row, p.column) for p in found] == [(3, "score")]
    assert "formula with no saved value" in found[0].message and "empty" not in found[0].message
    assert "公式" in problems_of(tmp_path / "p.xlsx")[0].message


def test_merged_unit_cells_are_filled_down_with_one_warning(tmp_path):
    rows = [list(r) for r in ROWS]
    for r in rows[2:5]:
        r[COL["unit"]] = None  # 海州区 typed once, merged over rows 2-5
    for r in rows[6:9]:
        r[COL["unit"]] = None  # 彰武县 merged over rows 6-9
    wb, ws = workbook(tmp_path / "p.xlsx", rows)
    letter = openpyxl.utils.get_column_letter(COL["unit"] + 1)
    ws.merge_cells(f"{letter}2:{letter}5")
    ws.merge_cells(f"{letter}6:{letter}9")
    wb.save(tmp_path / "p.xlsx")
    with language("en"):
        pool = pool_of(tmp_path / "p.xlsx")
    assert list(pool.table["unit"]) == [r[COL["unit"]] for r in BODY]
    assert len(pool.warnings) == 1 and pool.warnings[0].column == "unit"
    assert "merged cells (rows 2-5, 6-9)" in pool.warnings[0].message


@pytest.mark.parametrize(("text", "expected"), [
    ("90.50000000000001", "90.5"), ("90.49999999999999", "90.5"), ("0.30000000000000004", "0.3"),
    ("3.0000000000000004", "3"), ("86.25", "86.25"), ("0.3333333333333333", "0.3333333333333333"),
    ("90.5000001", "90.5000001"),
])
def test_float_noise_below_the_precision_is_rounded_away(text, expected):
    assert str(parse_decimal(text)) == expected


def test_float_noise_in_a_workbook_gives_no_rejection(tmp_path):
    rows = [[float(c) if h == "score" and k else c for h, c in zip(HEADER, r)] for k, r in enumerate(ROWS)]
    rows[1][COL["score"]] = 91.50000000000001
    rows[2][COL["grassroots_vote"]] = 0.8500000000000001
    wb, ws = workbook(tmp_path / "p.xlsx", rows)
    wb.save(tmp_path / "p.xlsx")
    pool = pool_of(tmp_path / "p.xlsx")
    assert pool.table["score"][0] == Decimal("91.5") and pool.table["grassroots_vote"][1] == Fraction(17, 20)


def test_a_cell_longer_than_a_spreadsheet_holds_is_refused_by_row(tmp_path):
    rows = [list(r) + ["备注"] for r in ROWS]
    rows[5][-1] = "长" * 40_000
    with language("en"):
        found = problems_of(write_csv(tmp_path / "p.csv", rows))
    assert [(p.row, p.column) for p in found] == [(6, "备注")]
    assert "40,000 characters, more than the 32,767" in found[0].message


# ------------------------------------------------------------------------------------ item 19: progress
def test_reading_reports_progress_to_a_listener_and_prints_nothing(tmp_path, capsys):
    rows = [list(HEADER)] + [[f"X{k:05d}", "某某", UNITS[k % 2], "80", "enterprise", "male", "no", "0.9",
                              "2021-03-26", "3"] for k in range(45_000)]
    path = write_csv(tmp_path / "p.csv", rows)
    seen = []
    with progress.listening(lambda task, done, total: seen.append((task, done, total))):
        pool = read_pool(path, SPEC, "individuals", None)
    assert len(pool) == 45_000
    reading = [s for s in seen if "p.csv" in s[0]]
    assert len(reading) >= 3 and reading[-1][1] == reading[-1][2]  # steps, then done
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ text cells read directly (issue 13)
SHEET_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>score</t></is></c>
<c r="D1" t="s"><v>2</v></c><c r="E1" t="s"><v>3</v></c></row>
<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="inlineStr"><is><r><t>张</t></r>
<r><rPr><b/></rPr><t>三</t></r></is></c>
<c r="C2"><v>91.5</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="str"><f>"x"&amp;"y"</f><v>xy</v></c></row>
<row r="3"><c t="s"><v>5</v></c><c t="inlineStr"><is><t>李四</t>
<rPh sb="0" eb="2"><t>リシ</t></rPh></is></c><c><v>7</v></c>
<c t="inlineStr"><is><t xml:space="preserve"> 空格 </t></is></c></row>
<row r="5"><c r="AA5" t="s"><v>6</v></c><c r="C5" t="inlineStr"><is/></c><c r="D5" t="s"><v>7</v></c></row>
</sheetData></worksheet>"""
SHARED_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="8" uniqueCount="8">
<si><t>id</t></si><si><t>name</t></si><si><t>flag</t></si><si><t>formula</t></si><si><t>P01</t></si>
<si><r><t>P</t></r><r><rPr><i/></rPr><t>02</t></r></si><si><t>远处</t></si><si><t>=1+1</t></si></sst>"""


def _with_sheet(path: Path) -> Path:
    """An openpyxl workbook whose sheet is replaced by SHEET_XML, with a shared-strings part added (openpyxl
    writes inline strings only; Excel and WPS write shared strings)."""
    import zipfile

    base = path.with_name("base.xlsx")
    openpyxl.Workbook().save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = SHEET_XML.encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    b"</Relationships>")
            out.writestr(item, data)
        out.writestr("xl/sharedStrings.xml", SHARED_XML)
    return path


def test_text_cells_read_directly_equal_openpyxl_s_own_reading(tmp_path):
    """The reader's own text-cell parsing (shared and inline strings, runs, phonetic guides, cells without a
    coordinate, a text formula's saved value) gives what openpyxl's full reader gives, cell for cell."""
    path = _with_sheet(tmp_path / "shapes.xlsx")
    table = read_table(path)
    ws = openpyxl.load_workbook(path, data_only=True).active
    expected = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None and str(c.value).strip():
                expected[(c.row, c.column)] = str(c.value)
    got = {}
    for r, cells in zip([table.header_row, *table.rows], [table.header, *table.records]):
        for k, v in enumerate(cells):
            if v:
                got[(r, k + 1)] = v
    assert expected == got
    assert got[(2, 2)] == "张三" and got[(3, 2)] == "李四" and got[(3, 1)] == "P02" and got[(5, 27)] == "远处"
    assert got[(3, 4)] == " 空格 " and (5, 3) not in got
