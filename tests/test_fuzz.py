"""Fuzzing the CLI with mutated inputs (hypothesis, bounded): it never crashes.

A valid small pool (tests/data/mini/pool.csv) is mutated at random — a cell deleted, blanked or
replaced by junk, a row duplicated or dropped, columns shuffled, blank or junk lines added, random
unicode inserted, a header renamed, the encoding changed, the file cut short — and run through
`selector select`. Whatever comes in, the exit code is 0 (a slate), 1 (no slate) or 2 (bad input),
no exception escapes and no traceback is printed. A slate passes the independent verifier and has the
merit the reference MIP (tests/mip_reference.py, HiGHS) finds; a "no slate exists" is confirmed by it.
The quota table and the rule set are fuzzed the same way, with fewer examples.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tempfile
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mip_reference import Instance, ReferenceMip
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.pipeline import load_inputs, screen_inputs

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

MINI = Path(__file__).parent / "data" / "mini"
POOL_ROWS = list(csv.reader(io.StringIO((MINI / "pool.csv").read_text(encoding="utf-8"))))
QUOTA_ROWS = list(csv.reader(io.StringIO((MINI / "quotas.csv").read_text(encoding="utf-8"))))
RULES_TEXT = (MINI / "rules.toml").read_text(encoding="utf-8")
NO_PLOTS = ["--no-plots"] if "--no-plots" in CliRunner().invoke(app, ["select", "--help"]).output else []

JUNK = ["", " ", "nan", "NaN", "inf", "-inf", "-1", "0", "1e999", "1e-999", "105%", "-5%", "2021-02-30",
        "2021/13/01", "enterprize", "企业", "女", "是", "maybe", "海洲区", "彰武县", "P01", "１００", "9" * 40,
        '"', '""', ",", "\n", "\t", ";", "\x00", "\ufeff", "\u200b", "=1+1", "#N/A", "0.5/0", "1/3", "NULL"]
junk = st.one_of(st.sampled_from(JUNK), st.text(max_size=8))
index = st.integers(min_value=0, max_value=1000)

# one mutation: (kind, row, column, text)
mutation = st.one_of(
    st.tuples(st.just("delete_cell"), index, index, st.just("")),
    st.tuples(st.just("blank_cell"), index, index, st.just("")),
    st.tuples(st.just("junk_cell"), index, index, junk),
    st.tuples(st.just("insert_text"), index, index, st.text(min_size=1, max_size=4)),
    st.tuples(st.just("duplicate_row"), index, index, st.just("")),
    st.tuples(st.just("delete_row"), index, index, st.just("")),
    st.tuples(st.just("shuffle_columns"), index, index, st.just("")),
    st.tuples(st.just("blank_lines"), index, index, st.just("")),
    st.tuples(st.just("junk_line"), index, index, st.text(max_size=20)),
    st.tuples(st.just("rename_header"), st.just(0), index, junk),
)


def mutate(rows: list[list[str]], mutations, seed: int) -> list[list[str]]:
    rows = [list(r) for r in rows]
    for kind, r, c, text in mutations:
        r = r % len(rows) if rows else 0
        if kind == "duplicate_row" and rows:
            rows.insert(r, list(rows[r]))
        elif kind == "delete_row" and rows:
            del rows[r]
        elif kind == "blank_lines":
            rows[r:r] = [[]] * (1 + c % 3)
        elif kind == "junk_line":
            rows.insert(r, [text])
        elif kind == "shuffle_columns":
            width = max((len(x) for x in rows), default=0)
            order = sorted(range(width), key=lambda i: (i * (seed + c + 7)) % (width + 1))
            rows = [[x[i] if i < len(x) else "" for i in order] for x in rows]
        elif rows and rows[r]:
            c = c % len(rows[r])
            if kind == "delete_cell":
                del rows[r][c]
            elif kind == "blank_cell":
                rows[r][c] = ""
            elif kind in ("junk_cell", "rename_header"):
                rows[r][c] = text
            elif kind == "insert_text":
                cell = rows[r][c]
                at = seed % (len(cell) + 1)
                rows[r][c] = cell[:at] + text + cell[at:]
    return rows


def encode(rows: list[list[str]], encoding: str, quoted: bool) -> bytes:
    if encoding == "xlsx":
        return workbook(rows)
    if quoted:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n" if encoding == "gb18030" else "\n").writerows(rows)
        text = buf.getvalue()
    else:  # written by hand: no quoting at all, so a comma or a quote in a cell breaks the row
        text = "".join(",".join(r) + "\n" for r in rows)
    return text.encode(encoding)


def workbook(rows: list[list[str]]) -> bytes:
    """The rows as an XLSX sheet, numbers stored as numbers (as Excel would), the rest as text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([_excel_value(c) for c in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _excel_value(cell: str) -> object:
    try:
        v = float(cell)
        if math.isfinite(v):
            return v
    except ValueError:
        pass
    return ILLEGAL_CHARACTERS_RE.sub("", cell)  # a spreadsheet cannot hold control characters at all


def check_outcome(result, out: Path) -> None:
    """The CLI's contract under any input."""
    text = result.output
    event(f"exit {result.exit_code}")  # pytest --hypothesis-show-statistics shows the mix of outcomes
    assert result.exit_code in (0, 1, 2), text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in text and "Internal error" not in text, text
    if result.exit_code == 2:
        assert text.startswith("Bad input ("), text
        assert not out.exists()
    else:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        if result.exit_code == 0:
            assert summary["status"] in ("optimal", "feasible") and summary["verified"] is True
        else:
            assert summary["status"] in ("infeasible", "unknown")
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out")]  # no temporary folder left


def check_against_reference(result, out: Path, rules: Path, pool: Path, quotas: Path | None) -> None:
    """A slate has the merit the reference MIP finds; a 'no slate exists' is infeasible for it too."""
    if result.exit_code not in (0, 1):
        return
    inputs = load_inputs(rules, {"individuals": pool}, quotas)
    masks = screen_inputs(inputs).masks
    ref = ReferenceMip(Instance.of(inputs.ruleset, inputs.pools["individuals"], inputs.quotas,
                                   masks.get("individuals")), time_limit=20).optimise()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    ours = summary["pools"]["individuals"]
    if ours["status"] == "infeasible":
        assert ref.status == "infeasible"
    elif ours["status"] == "optimal":
        assert ref.status == "optimal" and Fraction(ours["objective"]) == ref.stage1


def invoke(folder: Path, rules: Path, pool: Path, quotas: Path | None = None):
    args = ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(folder / "out"), *NO_PLOTS]
    if quotas is not None:
        args += ["--quotas", str(quotas)]
    return CliRunner().invoke(app, args)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutations=st.lists(mutation, min_size=1, max_size=4), seed=index,
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "xlsx"]), quoted=st.booleans(),
       cut=st.one_of(st.none(), index))
def test_a_mutated_pool_never_crashes_the_cli(mutations, seed, encoding, quoted, cut):
    data = encode(mutate(POOL_ROWS, mutations, seed), encoding, quoted)
    if cut is not None:
        data = data[:cut % (len(data) + 1)]
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        pool = folder / ("pool.xlsx" if encoding == "xlsx" else "pool.csv")
        pool.write_bytes(data)
        result = invoke(folder, MINI / "rules.toml", pool)
        check_outcome(result, folder / "out")
        check_against_reference(result, folder / "out", MINI / "rules.toml", pool, None)


# valid pools, generated: any of them must be read (never exit 2) and solved to the reference's answer
UNITS = ["海州区", "彰武县"]
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
cell_values = {
    "sector": st.sampled_from(["enterprise", "institution", "agriculture", "企业", "机关事业", "农业", "Enterprise"]),
    "gender": st.sampled_from(["female", "male", "女", "男"]),
    "tech_sme": st.sampled_from(["yes", "no", "是", "否", "", "Y", "N"]),
    "grassroots_vote": st.one_of(st.just(""), st.integers(0, 100).map(lambda v: f"{v}%"),
                                 st.integers(0, 100).map(lambda v: f"{v / 100:g}")),
    "notice_start": st.one_of(st.just(""), DATES.map(lambda d: d.isoformat()),
                              DATES.map(lambda d: f"{d.year}/{d.month}/{d.day}")),
    "post_years": st.one_of(st.just(""), st.integers(0, 800).map(lambda v: f"{v / 10:g}")),
}
candidate = st.fixed_dictionaries({
    "unit": st.sampled_from(UNITS), "score": st.integers(0, 10000).map(lambda v: f"{v / 100:g}"),
    **cell_values})


@st.composite
def valid_pools(draw) -> list[list[str]]:
    people = draw(st.lists(candidate, min_size=1, max_size=12))
    header = POOL_ROWS[0]
    rows = [header]
    for k, p in enumerate(people):
        rows.append([f"Q{k:02d}", f"人{k}", *[p[h] for h in header[2:]]])
    order = draw(st.permutations(range(len(header))))
    return [[r[i] for i in order] for r in rows]


@FUZZ
@given(rows=valid_pools(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "xlsx"]))
def test_a_generated_valid_pool_is_read_and_solved_to_the_reference_answer(rows, encoding):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        pool = folder / ("pool.xlsx" if encoding == "xlsx" else "pool.csv")
        pool.write_bytes(encode(rows, encoding, quoted=True))
        result = invoke(folder, MINI / "rules.toml", pool)
        check_outcome(result, folder / "out")
        assert result.exit_code in (0, 1), result.output
        check_against_reference(result, folder / "out", MINI / "rules.toml", pool, None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(mutation, min_size=1, max_size=3), seed=index, quoted=st.booleans())
def test_a_mutated_quota_table_never_crashes_the_cli(mutations, seed, quoted):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        quotas = folder / "quotas.csv"
        quotas.write_bytes(encode(mutate(QUOTA_ROWS, mutations, seed), "utf-8", quoted))
        result = invoke(folder, MINI / "rules.toml", MINI / "pool.csv", quotas)
        check_outcome(result, folder / "out")
        check_against_reference(result, folder / "out", MINI / "rules.toml", MINI / "pool.csv", quotas)


# a rule set mutated line by line: a value replaced, a line dropped or duplicated, junk inserted
RULE_LINES = RULES_TEXT.replace('quotas = "quotas.csv"', f'quotas = "{(MINI / "quotas.csv").as_posix()}"').split("\n")
VALUES = ["0", "-1", "4", "5", "100", "1.5", '"125%"', '"1/3"', '"0%"', '"x"', "true", "[]", "{}", '""',
          '"enterprize"', '"female"', '"exact"', '"cap"', '"none"', '"<="', '">="', '"count"', '"all"']


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(["value", "drop", "duplicate", "junk"]), index,
                                st.one_of(st.sampled_from(VALUES), st.text(max_size=6))), min_size=1, max_size=3))
def test_a_mutated_rule_set_never_crashes_the_cli(edits):
    lines = list(RULE_LINES)
    for kind, at, text in edits:
        at %= len(lines)
        if kind == "value" and " = " in lines[at]:
            lines[at] = lines[at].split(" = ", 1)[0] + " = " + text
        elif kind == "drop":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "junk":
            lines.insert(at, text)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        rules = folder / "rules.toml"
        rules.write_text("\n".join(lines), encoding="utf-8")
        result = invoke(folder, rules, MINI / "pool.csv")
        check_outcome(result, folder / "out")
        check_against_reference(result, folder / "out", rules, MINI / "pool.csv", None)


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".xlsx", ".txt", ".xls"]))
def test_random_bytes_are_bad_input(data, suffix):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        pool = folder / f"pool{suffix}"
        pool.write_bytes(data)
        result = invoke(folder, MINI / "rules.toml", pool)
        check_outcome(result, folder / "out")
        assert result.exit_code == 2
