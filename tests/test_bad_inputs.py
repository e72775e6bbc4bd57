"""The bad-input corpus (tests/data/bad/): every malformed file gives exit 2 from the CLI and one plain
message naming the file, the row and the column (or the rule), and never a traceback.

Each file has one defect, named by its file name; the pools are read against the small rule set in
tests/data/mini/ (4 labour models from 2 units, quotas filled exactly). `several_errors.csv` has seven,
all reported in one pass.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.reading.cells import parse_date, parse_decimal, parse_share
from selector.reading.tables import header_key

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
BAD = DATA / "bad"


def run_select(tmp_path: Path, rules: Path = MINI / "rules.toml", pool: Path = MINI / "pool.csv",
               quotas: Path | None = None):
    args = ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(tmp_path / "out")]
    if quotas is not None:
        args += ["--quotas", str(quotas)]
    return CliRunner().invoke(app, args)


def assert_clean_failure(result, out: Path) -> str:
    """Exit 2, a message and no traceback, and nothing written."""
    text = result.output
    assert result.exit_code == 2, text
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # no exception escaped the CLI
    assert "Traceback" not in text
    assert text.startswith("Bad input (")
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out")]  # no temporary folder left
    return text


# file, row, column (None: the message is about the whole file), words the message must hold
POOLS = [
    ("empty.csv", 1, None, "the file is empty: expected a header row"),
    ("blank_lines_only.csv", 1, None, "the file is empty"),
    ("header_only.csv", 2, None, "no candidates: the file has a header row only"),
    ("missing_column.csv", 1, "score", "missing column 'score' (or 得分)"),
    ("title_row_missing_column.csv", 2, "score", "missing column 'score' (or 得分)"),  # the header is row 2
    ("duplicate_column.csv", 1, "score", "column 'score' appears 2 times (columns 4 and 7)"),
    ("duplicate_id.csv", 4, "id", "duplicate id 'P01' (first at row 2)"),
    ("empty_id.csv", 4, "id", "empty id"),
    ("unknown_unit.csv", 4, "unit", "unit '海洲区' is not in the quota table"),
    ("unknown_value.csv", 4, "sector",
     "'enterprize' is not one of enterprise, institution, agriculture (did you mean 'enterprise'?)"),
    ("empty_required_cell.csv", 4, "sector", "empty, but 'sector' needs a value"),
    ("bad_flag.csv", 4, "tech_sme", "'maybe' is not yes/no"),
    ("vote_above_100.csv", 4, "grassroots_vote", "'105%' is not a share between 0 and 100%"),
    ("nan_vote.csv", 4, "grassroots_vote", "'nan' is not a share between 0 and 100%"),
    ("negative_score.csv", 4, "score", "score -86.25 is negative"),
    ("non_numeric_score.csv", 4, "score", "'八十六' is not a number"),
    ("nan_score.csv", 4, "score", "'NaN' is not a number"),
    ("inf_score.csv", 4, "score", "'inf' is not a number"),
    ("huge_score.csv", 4, "score", "score 1e20 is above 1,000,000"),
    ("too_many_decimals.csv", 4, "score", "has more than 6 decimals"),
    ("impossible_date.csv", 4, "notice_start", "'2021-02-30' is not a date that exists"),
    ("years_out_of_range.csv", 4, "post_years", "120 is outside the allowed range 0 to 80"),
    ("short_row.csv", 4, "sector", "the row has only 4 of the header's 10 cells, so sector, gender are missing"),
    ("long_row.csv", 4, "#11", "the row has 11 cells but the header only 10"),
    ("unclosed_quote.csv", 4, "name", "a quote (\") opened in this cell is never closed, so rows 4 to 5"),
    ("control_character.csv", 4, "name", "the cell holds an invisible control character (U+0007)"),
    ("binary_not_csv.csv", None, None, "not a text file in UTF-8 or GBK/GB18030"),
    ("xlsx_saved_as_csv.csv", None, None, "this is an XLSX workbook (a zip file) with a CSV name"),
]


@pytest.mark.parametrize(("name", "row", "column", "words"), POOLS, ids=[p[0] for p in POOLS])
def test_bad_pool(tmp_path, name, row, column, words):
    text = assert_clean_failure(run_select(tmp_path, pool=BAD / name), tmp_path / "out")
    assert "Bad input (1 problem):" in text  # one clear message, not a cascade
    where = str(BAD / name) + (f", row {row}" if row is not None else "") + (
        f", column '{column}'" if column is not None else "")
    assert f"{where}: " in text
    assert words in text


QUOTAS = [
    ("quotas_do_not_sum.csv", None, "labour_model",
     "the quotas of 'labour_model' add up to 5, but the award must fill exactly 4 seats"),
    ("quotas_fraction_seats.csv", 3, "labour_model", "'2.5' is not a whole number of seats"),
    ("quotas_negative.csv", 3, "labour_model", "'-2' is not a whole number of seats"),
    ("quotas_duplicate_unit.csv", 3, "unit", "unit '海州区' appears twice (first at row 2)"),
    ("quotas_missing_award_column.csv", 1, "labour_model", "missing column 'labour_model' for award 劳动模范"),
]


@pytest.mark.parametrize(("name", "row", "column", "words"), QUOTAS, ids=[q[0] for q in QUOTAS])
def test_bad_quota_table(tmp_path, name, row, column, words):
    text = assert_clean_failure(run_select(tmp_path, quotas=BAD / name), tmp_path / "out")
    assert "Bad input (1 problem):" in text  # a bad cell does not also give a misleading total
    where = str(BAD / name) + (f", row {row}" if row is not None else "") + f", column '{column}'"
    assert where in text
    assert words in text


RULE_SETS = [  # file, where (rule, or row and column of a TOML syntax error), words
    ("rules_share_above_100.toml", "rule R2", "share '125%' is outside 0..100%"),
    ("rules_share_fraction_above_1.toml", "rule R1", "share '3/2' is outside 0..100%"),
    ("rules_bad_share_text.toml", "rule R1", "share 'half' is not a fraction like 55% or 1/3"),
    ("rules_group_undeclared_value.toml", "rule groups.enterprise",
     "group 'enterprise' uses value 'enterprize' not declared for attribute 'sector'"),
    ("rules_undeclared_group.toml", "rule R2", "rule uses undeclared group 'woman'"),
    ("rules_unknown_key.toml", "rule R2.minimum", "unknown key 'minimum'"),
    ("rules_negative_seats.toml", "rule labour_model.seats", "greater than or equal to 0"),
    ("rules_syntax_error.toml", "row 65, column '11'", "not valid TOML"),
    ("rules_not_utf8.toml", None, "not UTF-8 text"),
]


@pytest.mark.parametrize(("name", "where", "words"), RULE_SETS, ids=[r[0] for r in RULE_SETS])
def test_bad_rule_set(tmp_path, name, where, words):
    text = assert_clean_failure(run_select(tmp_path, rules=BAD / name), tmp_path / "out")
    assert "Bad input (1 problem):" in text
    assert f"{BAD / name}{', ' + where if where else ''}: " in text
    assert words in text


def test_several_errors_in_one_file_are_reported_in_one_pass(tmp_path):
    text = assert_clean_failure(run_select(tmp_path, pool=BAD / "several_errors.csv"), tmp_path / "out")
    f = BAD / "several_errors.csv"
    expected = [
        f"{f}, row 2, column 'sector': 'enterprize' is not one of",
        f"{f}, row 3, column 'id': duplicate id 'P01' (first at row 2)",
        f"{f}, row 3, column 'unit': unit '海洲区' is not in the quota table",
        f"{f}, row 3, column 'grassroots_vote': '185%' is not a share",
        f"{f}, row 3, column 'notice_start': '2021-02-30' is not a date",
        f"{f}, row 4, column 'score': 'NaN' is not a number",
        f"{f}, row 4, column 'tech_sme': 'maybe' is not yes/no",
    ]
    assert "Bad input (7 problems):" in text
    for line in expected:
        assert line in text


def test_problems_in_several_files_are_reported_together(tmp_path):
    """A bad quota table and a bad pool: both files' problems in the one report."""
    text = assert_clean_failure(run_select(tmp_path, pool=BAD / "duplicate_id.csv",
                                           quotas=BAD / "quotas_fraction_seats.csv"), tmp_path / "out")
    assert "Bad input (2 problems):" in text
    assert "quotas_fraction_seats.csv, row 3, column 'labour_model'" in text
    assert "duplicate_id.csv, row 4, column 'id': duplicate id 'P01'" in text


def test_missing_and_folder_inputs(tmp_path):
    text = assert_clean_failure(run_select(tmp_path, pool=tmp_path / "no-such.csv"), tmp_path / "out")
    assert "no-such.csv: file not found" in text
    (tmp_path / "folder.csv").mkdir()
    text = assert_clean_failure(run_select(tmp_path, pool=tmp_path / "folder.csv"), tmp_path / "out")
    assert "folder.csv: this is a folder, not a file" in text
    text = assert_clean_failure(run_select(tmp_path, rules=tmp_path / "folder.csv"), tmp_path / "out")
    assert "folder.csv: this is a folder, not a file" in text


def test_the_good_mini_case_solves(tmp_path):
    """The corpus's baseline: the same rule set, pool and quotas without defects give the hand-checked slate."""
    result = run_select(tmp_path)
    assert result.exit_code == 0, result.output
    slate = (tmp_path / "out" / "labour_model.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1] for line in slate[1:]] == ["P05", "P01", "P06", "P03"]


# ------------------------------------------------------------------------------------ cell parsers
@pytest.mark.parametrize(("text", "expected"), [
    ("2021-04-01", "2021-04-01"), ("2021/4/1", "2021-04-01"), ("2021.4.1", "2021-04-01"),
    ("2021年4月1日", "2021-04-01"), ("2021/4/1 0:00", "2021-04-01"), ("2021-04-01T08:30:00", "2021-04-01"),
    ("20210401", "2021-04-01"), ("２０２１－０４－０１".replace("－", "-"), "2021-04-01"),
    ("2021-02-30", None), ("2021-13-01", None), ("21-4-1", None), ("yesterday", None), ("", None),
])
def test_dates_as_offices_write_them(text, expected):
    got = parse_date(text)
    assert (got.isoformat() if got else None) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("85%", Fraction(17, 20)), ("85", Fraction(17, 20)), ("0.85", Fraction(17, 20)), ("８５％", Fraction(17, 20)),
    ("1/3", Fraction(1, 3)), ("100%", Fraction(1)), ("0", Fraction(0)),
    ("105%", None), ("-5%", None), ("nan", None), ("inf", None), ("1/0", None), ("1e999999999", None), ("x", None),
])
def test_shares(text, expected):
    assert parse_share(text) == expected


@pytest.mark.parametrize("text", ["nan", "NaN", "-inf", "Infinity", "sNaN", "1e999999999", "1e-999999999", "", "x"])
def test_numbers_that_are_not_numbers(text):
    assert parse_decimal(text) is None  # and quickly: 1e999999999 is never expanded to an exact integer


def test_headers_match_through_full_width_characters_and_spaces():
    assert header_key("ＳＣＯＲＥ ") == header_key("score")
    assert header_key("姓　名") == header_key("姓名")
    assert header_key(" Grassroots-Vote") == header_key("grassroots_vote")
    assert header_key("\ufeffid\u200b") == header_key("id")
