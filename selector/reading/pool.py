"""Reading and validating candidate pools and quota tables (CSV or XLSX).

Every problem in a file is collected with its row and column and raised once (InputErrors), so an
office fixes a file in one pass. Values are normalised to the rule set's canonical values:
categories to their English value, flags to yes/no, shares and numbers to exact Fractions, scores
to Decimals, dates to datetime.date, sets to frozensets. Inputs are only ever read.

What offices' files look like, and what is accepted: CSV in UTF-8 (with or without BOM), GBK/GB18030
(Excel and WPS on Chinese Windows), UTF-16 with BOM (Excel's "Unicode text"), separated by commas,
tabs or semicolons; XLSX with one sheet holding data, or `file.xlsx#SHEET`; a title row or two above
the header; headers in full-width characters or with stray spaces (`姓　名`, `ＳＣＯＲＥ `); blank rows
anywhere; extra columns, which are kept and passed through to the output slates.

Whole columns are read by one rule (see the README's pool section): a column of numbers uses decimal
commas (`99,5`) or decimal points, never both; a column of shares is fractions (every bare number <= 1)
or percents (some bare number > 1), `85%` always a percent. Each column's distinct values are parsed
once, so a 200,000-row pool is read in seconds; per-row Python only builds messages about failing rows.
XLSX: only the cells that hold values are read (a formatted cell at XFD1048576 costs nothing); hidden
rows are read with a warning, or left out (skip_hidden_rows); merged cells are filled down with a
warning; a formula with no saved value is reported as such.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from selector import progress
from selector.errors import InputErrors, InputProblem, ProblemCollector, check_input_file
from selector.i18n import _
from selector.reading.rules import BASE_COLUMNS, NO, YES, Attribute, PoolSpec, RuleSet, ruleset_dir_path

_YES_WORDS = {"yes", "y", "true", "t", "1", "是", "有", "√"}
_NO_WORDS = {"no", "n", "false", "f", "0", "否", "无", "×"}
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_SCORE = Decimal(1_000_000)  # keeps merit sums (scaled to integers, up to 6 decimals) well inside 64 bits
MAX_SCORE_DECIMALS = 6
MAX_SEATS = 1_000_000
_HEADER_SEARCH_ROWS = 5  # a title row or notes above the header are skipped, up to this many rows down
_QUOTA_UNIT_HEADERS = ("unit", "单位", "推荐单位")
NOTE_SHEETS = frozenset({"说明", "填表说明"})  # instructions sheets (selector template): never read as data
MAX_CELL_CHARS = 32_767  # what one spreadsheet cell holds (Excel, WPS, openpyxl)
EXCEL_DIGITS = 15  # significant digits a spreadsheet keeps: 90.50000000000001 is 90.5 with binary noise
_PROGRESS_EVERY = 20_000  # rows between progress reports


@dataclass(frozen=True)
class Table:
    """A file's cells as text, with the row number the user sees for each record."""

    source: str
    header: list[str]
    records: list[list[str]]
    rows: list[int]
    header_row: int = 1
    delimiter: str | None = None  # a CSV file's separator; None for a workbook
    hidden_rows: frozenset[int] = frozenset()  # workbook rows hidden in Excel/WPS (row numbers)
    merged: tuple[tuple[int, int, int], ...] = ()  # (column index, first row, last row) of merged cells filled down
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, column index) of formulas with no saved value


@dataclass(frozen=True)
class Pool:
    """A validated pool: one row per candidate, canonical columns, in file order."""

    kind: str  # the rule set's pool name: individuals / collectives
    source: str
    table: pd.DataFrame  # id, name, unit, score, then the rule set's attributes, then extra columns
    rows: list[int]  # the file row of each candidate, for messages
    extra_columns: list[str] = field(default_factory=list)  # passed through to outputs
    warnings: list[InputProblem] = field(default_factory=list)  # read, but worth a look (hidden or merged rows)
    hidden_rows: list[int] = field(default_factory=list)  # workbook rows hidden in Excel/WPS, read or left out
    skipped_hidden: bool = False  # True: the hidden rows were left out (skip_hidden_rows)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def ids(self) -> list[str]:
        return list(self.table["id"])


@dataclass(frozen=True)
class Quotas:
    """The quota allocation table: award id -> unit -> seats, units in file order."""

    source: str
    units: list[str]
    seats: dict[str, dict[str, int]]

    def of(self, award_id: str) -> dict[str, int] | None:
        return self.seats.get(award_id)


def normalise_header(text: str) -> str:
    """Full-width characters and stray spaces as Excel/WPS exports them -> plain header text."""
    return unicodedata.normalize("NFKC", str(text)).translate(_ZERO_WIDTH).strip().lower()


def header_key(text: str) -> str:
    """What a header is matched by: `姓　名`, ` Grassroots-Vote` and `grassroots_vote` match their names."""
    return re.sub(r"[\s_\-]+", "", normalise_header(text))


# ------------------------------------------------------------------------------------------ reading
def _fail(path: Path | str, message: str, row: int | None = None) -> InputErrors:
    return InputErrors([InputProblem(str(path), message, row=row)])


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        raise _fail(path, "this is an XLSX workbook (a zip file) with a CSV name: rename it to .xlsx")
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _fail(path, "this is an old Excel .xls workbook: save it as .xlsx or as CSV")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if raw.count(b"\x00") > max(8, len(raw) // 1000):
        raise _fail(path, "not a text file in UTF-8 or GBK/GB18030: save it as CSV (UTF-8) or XLSX")  # binary data
    try:
        return raw.decode("utf-8-sig")  # a stray NUL byte is reported with its row by _control_characters
    except UnicodeDecodeError:
        pass
    bad = _rows_not_utf8(raw)
    if bad is not None:  # a UTF-8 file with a row or two pasted from a GBK file: name the rows
        shown = ", ".join(map(str, bad[:20])) + (" ..." if len(bad) > 20 else "")
        raise InputErrors([InputProblem(str(path), _(
            "this row is not UTF-8 like the rest of the file (it looks like GBK, pasted from another file): "
            "retype it, or save the whole file again as UTF-8 (rows not UTF-8: {rows})", rows=shown), row=r)
            for r in bad[:20]])
    try:
        return raw.decode("gb18030")  # GBK/GB18030 from Excel/WPS on Chinese Windows
    except UnicodeDecodeError:
        pass
    raise _fail(path, "not a text file in UTF-8 or GBK/GB18030: save it as CSV (UTF-8) or XLSX")


def _rows_not_utf8(raw: bytes) -> list[int] | None:
    """The lines that are not UTF-8, when more lines hold good UTF-8 Chinese than bad bytes; else None
    (a GBK file: nearly every line with Chinese in it fails as UTF-8)."""
    bad: list[int] = []
    good = 0
    for k, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(k)
        else:
            good += 1
    return bad if bad and good > len(bad) else None


def _delimiter(text: str) -> str:
    """Comma, unless the first line that holds anything is separated by tabs or semicolons instead."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            if "," not in line and "\t" in line:
                return "\t"
            if "," not in line and ";" in line:
                return ";"
            return ","
    return ","


def read_table(path: Path | str, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file as text cells. Blank rows are skipped (they hold nothing to drop)."""
    path = Path(path)
    if not path.exists():
        raise _fail(path, "file not found")
    if path.is_dir():
        raise _fail(path, "this is a folder, not a file")
    check_input_file(path)  # not /dev/zero, a pipe, or a file of gigabytes (issue 11, 11)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix == ".xls":
        raise _fail(path, "old Excel .xls workbooks are not read: save it as .xlsx or as CSV")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise _fail(path, f"cannot be read: {e.strerror or e}") from None
    text = _decode(path, raw)
    del raw
    delimiter = _delimiter(text)
    lines = text.count("\n") + 1
    task = _("reading {file}", file=path.name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    del text
    header: list[str] | None = None
    header_row = 1
    records: list[list[str]] = []
    rows: list[int] = []
    intern = sys.intern  # repeated cells (yes/no, categories) share one string: a large pool stays small
    while True:
        first = reader.line_num + 1  # the line a record starts on, which is what a user looks for
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise _fail(path, f"not a readable CSV file: {e}", row=first) from None
        if not "".join(cells).strip() or (header is None and cells[0].lstrip().startswith("#")):
            continue  # blank line, or a comment line above the header
        if reader.line_num != first:
            _check_quotes(path, cells, first, reader.line_num, delimiter, header)
        if header is None:
            header, header_row = cells, first
            continue
        records.append(list(map(intern, cells)))
        rows.append(first)
        if not len(rows) % _PROGRESS_EVERY:
            progress.report(task, first, lines)
    if header is None:
        raise _fail(path, "the file is empty: expected a header row", row=1)
    progress.report(task, lines, lines)
    return Table(str(path), header, records, rows, header_row, delimiter=delimiter)


def _check_quotes(path: Path, cells: list[str], first: int, last: int, delimiter: str,
                  header: list[str] | None) -> None:
    """A quote (") opened and never closed swallows the rows after it into one cell: say so, not what follows."""
    if last == first:
        return
    width = len(header) if header is not None else len(cells)
    for i, c in enumerate(cells):
        if any(ln.count(delimiter) >= max(1, (width - 1) // 2) for ln in c.split("\n")[1:]):
            column = header[i].strip() if header is not None and i < len(header) else f"column {i + 1}"
            raise InputErrors([InputProblem(
                str(path), f'a quote (") opened in this cell is never closed, so rows {first} to {last} were read '
                f"as one cell: close the quote or remove it", row=first, column=column)])


class _NoSavedValue:
    """A formula cell whose file holds no computed value (written by a program, never opened in Excel)."""


_NO_SAVED_VALUE = _NoSavedValue()


@functools.cache
def _sheet_parser():
    """openpyxl's own streaming sheet parser, told to mark formulas that have no saved value."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = _NO_SAVED_VALUE
            return cell

    return Parser


def _sheet_rows(wb, ws, parsed: list | None = None) -> Iterator[tuple[int, dict[int, object]]]:
    """(row number, {column number: value}) for each row of `ws` that holds a value, in file order.
    Only cells present in the file are looked at, so a formatted empty cell at XFD1048576 (which makes
    openpyxl's read-only sheet claim 1,048,576 rows of 16,384 columns) costs one cell, not 17 billion.
    When `parsed` is a list, the parser is appended to it (its hidden rows and merged cells, once read)."""
    with ws._get_source() as src:
        parser = _sheet_parser()(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        if parsed is not None:
            parsed.append(parser)
        for r, cells in parser.parse():
            values = {c["column"]: c["value"] for c in cells
                      if c["value"] is not None and (not isinstance(c["value"], str) or c["value"].strip())}
            if values:
                yield r, values


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl
    from openpyxl.utils import range_boundaries

    try:
        with path.open("rb") as f:
            magic = f.read(8)
    except OSError as e:
        raise _fail(path, f"cannot be read: {e.strerror or e}") from None
    if magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _fail(path, "this workbook is password-protected or an old .xls file renamed .xlsx: "
                    "save it again as a plain .xlsx workbook")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise _fail(path, f"not a readable XLSX file: {e}") from None
    task = _("reading {file}", file=path.name)
    try:
        ws = _choose_sheet(path, wb, sheet)
        parsed: list = []
        by_row: dict[int, list[object]] = {}
        width = 0
        for r, values in _sheet_rows(wb, ws, parsed):
            if all(v is _NO_SAVED_VALUE for v in values.values()):
                continue  # formulas filled down a template, with nothing typed beside them: a blank row
            last = max(values)
            cells: list[object] = [None] * last
            for c, v in values.items():
                cells[c - 1] = v
            by_row[r] = cells
            width = max(width, last)
            if not len(by_row) % _PROGRESS_EVERY:
                progress.report(task, len(by_row), None)
        parser = parsed[0]
        merges = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
        hidden = frozenset(int(float(r)) for r, attrs in parser.row_dimensions.items()
                           if str(attrs.get("hidden", "")).lower() in ("1", "true") and int(float(r)) in by_row)
    except InputErrors:
        raise
    except Exception as e:  # a damaged sheet
        raise _fail(path, f"not a readable XLSX file: {e}") from None
    finally:
        wb.close()
    if not by_row:
        raise _fail(path, f"the sheet '{ws.title}' is empty: expected a header row", row=1)
    for cells in by_row.values():
        cells.extend([None] * (width - len(cells)))
    merged: list[tuple[int, int, int]] = []
    for m in merges:  # merged cells: the value sits in the first cell only; every row of the range has it
        try:
            min_col, min_row, max_col, max_row = range_boundaries(str(m.ref))
        except (ValueError, TypeError):
            continue
        if max_row <= min_row or min_row not in by_row or min_col > width:
            continue
        top = by_row[min_row][min_col - 1]
        filled = [r for r in range(min_row + 1, max_row + 1) if r in by_row]  # rows that hold anything else
        if top is None or not filled:
            continue
        for c in range(min_col, min(max_col, width) + 1):
            for r in filled:
                if by_row[r][c - 1] is None:
                    by_row[r][c - 1] = top
            merged.append((c - 1, min_row, max(filled)))
    formulas = frozenset((r, c) for r, cells in by_row.items() for c, v in enumerate(cells) if v is _NO_SAVED_VALUE)
    rows = sorted(by_row)
    text = [["" if v is None or v is _NO_SAVED_VALUE else _xlsx_text(v) for v in by_row[r]] for r in rows]
    progress.report(task, len(rows), len(rows))
    return Table(str(path), text[0], text[1:], rows[1:], rows[0], hidden_rows=hidden, merged=tuple(merged),
                 formulas=formulas)


def _sheet_has_data(wb, ws) -> bool:
    """Two non-blank rows at least (a header and a record); read-only sheets do not know their size."""
    found = 0
    for _r, _values in _sheet_rows(wb, ws):
        found += 1
        if found >= 2:
            return True
    return False


def _choose_sheet(path: Path, wb, sheet: str | None):
    names = list(wb.sheetnames)
    if sheet is not None:
        if sheet in names:
            return wb[sheet]
        near = [n for n in names if header_key(n) == header_key(sheet)]
        if len(near) == 1:
            return wb[near[0]]
        raise _fail(path, f"no sheet named '{sheet}' (the sheets are: {', '.join(names)})")
    with_data = [n for n in names if n not in NOTE_SHEETS and getattr(wb[n], "sheet_state", "visible") == "visible"
                 and _sheet_has_data(wb, wb[n])]  # a template's 说明 sheet and hidden lists are not data
    if len(with_data) > 1:
        raise _fail(path, f"several sheets hold data ({', '.join(with_data)}): name the one to read, "
                    f"as '{path.name}#{with_data[0]}'")
    return wb[with_data[0]] if with_data else wb.worksheets[0]


def _xlsx_text(v: object) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, float):
        return repr(v)  # shortest text that round-trips, so 0.85 stays 0.85 (binary noise: see parse_decimal)
    return str(v)


def split_sheet(spec: str | Path) -> tuple[Path, str | None]:
    """'pool.xlsx#个人' -> (pool.xlsx, '个人')."""
    s = str(spec)
    if "#" in s and s.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
        p, sheet = s.split("#", 1)
        return Path(p), sheet
    return Path(s), None


def _find_header(table: Table, wanted: list[list[str]]) -> Table:
    """Skip title rows above the header: of the top rows, the first naming every wanted column is the
    header; failing that, the one naming most of them (so that a missing column is reported on it)."""
    keys = [{header_key(n) for n in names} for names in wanted]

    def named(cells: list[str]) -> int:
        have = {header_key(c) for c in cells}
        return sum(1 for k in keys if k & have)

    rows = [table.header, *table.records]
    lines = [table.header_row, *table.rows]
    counts = [named(r) for r in rows[:_HEADER_SEARCH_ROWS]]
    best = next((k for k, n in enumerate(counts) if n == len(keys)), None)
    if best is None:
        best = max(range(len(counts)), key=lambda k: (counts[k], -k))
        if counts[best] < min(2, len(keys)) or counts[best] == counts[0]:
            best = 0
    if best == 0:
        return table
    return replace(table, header=rows[best], records=rows[best + 1:], rows=lines[best + 1:], header_row=lines[best])


# ------------------------------------------------------------------------------------ cell parsers
def parse_flag(text: str) -> str | None:
    t = normalise_header(text)
    if t in _YES_WORDS:
        return YES
    if t in _NO_WORDS:
        return NO
    return None


def parse_decimal(text: str, decimal_comma: bool = False) -> Decimal | None:
    """'86.5', '１,234.5', '1e2' -> Decimal; None for text, NaN, infinity and absurd magnitudes.
    With decimal_comma (a column written the European way, see _decimal_style): '99,5' and '1.234,5'.
    Binary noise from a spreadsheet (90.50000000000001, 16 or more significant digits) is rounded to the
    15 digits a spreadsheet keeps when that leaves at most MAX_SCORE_DECIMALS decimals."""
    t = normalise_header(text).replace(" ", "")
    t = t.replace(".", "").replace(",", ".") if decimal_comma else t.replace(",", "")
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    if not d.is_finite() or (d != 0 and not -30 <= d.adjusted() <= 30):
        return None  # 1e999999999 would take forever as an exact fraction
    return _denoise(d)


def _denoise(d: Decimal) -> Decimal:
    digits, exponent = d.as_tuple().digits, d.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0 or len(digits) <= EXCEL_DIGITS:
        return d
    rounded = d.quantize(Decimal(1).scaleb(d.adjusted() - EXCEL_DIGITS + 1))
    short = rounded.normalize()
    if short.as_tuple().exponent >= -MAX_SCORE_DECIMALS:  # type: ignore[operator]
        return short.quantize(Decimal(1)) if short == short.to_integral_value() else short
    return d


def parse_share(text: str, percent: bool | None = None, decimal_comma: bool = False) -> Fraction | None:
    """'85%', '85' or '0.85' -> 17/20 exactly; '1/3' too. A bare number is a percent when `percent` is True,
    a fraction when False; None (one value on its own) reads values above 1 as percents.
    A column decides `percent` once for all its cells: see _share_style."""
    t = normalise_header(text).replace(" ", "")
    try:
        if "/" in t:
            if len(t) > 40:
                return None
            f = Fraction(t)
        else:
            pct = t.endswith("%")
            d = parse_decimal(t[:-1] if pct else t, decimal_comma)
            if d is None:
                return None
            f = Fraction(d) / 100 if pct else Fraction(d)
            if not pct and (percent or (percent is None and f > 1)):
                f = f / 100
    except (ValueError, ZeroDivisionError):
        return None
    return f if 0 <= f <= 1 else None


# A number column is read by one convention for all its cells (issue 11, item 13): decimal points (a comma
# groups thousands, 1,234.5) or decimal commas (99,5 and 1.234,5), never a mix, and 995 never from 99,5.
_NUMBERLIKE = re.compile(r"[+-]?[\d.,]*\d[\d.,]*(e[+-]?\d+)?%?")
_DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+%?")  # 99,5  1.234,5  ,5  (and 1,234: ambiguous)
_AMBIGUOUS_COMMA = re.compile(r"[+-]?\d{1,3},\d{3}%?")  # 1,234: a thousand and more, or one and a bit?


def _number_key(text: str) -> str:
    return normalise_header(text).replace(" ", "")


def _decimal_style(uniques: list[str], delimiter: str | None) -> tuple[bool, dict[str, tuple[str, str]]]:
    """Whether a column's numbers use decimal commas, and the cells refused as ambiguous or mixed
    (text -> (message kind, an example cell of the other convention))."""
    keys = {t: _number_key(t) for t in uniques if t.strip()}
    decimal = [t for t, k in keys.items() if _DECIMAL_COMMA.fullmatch(k) and not _AMBIGUOUS_COMMA.fullmatch(k)]
    refused: dict[str, tuple[str, str]] = {}
    if decimal:  # 99,5 can only be a decimal comma: the whole column uses them
        for t, k in keys.items():
            if ("." in k or "," in k) and _NUMBERLIKE.fullmatch(k) and not _DECIMAL_COMMA.fullmatch(k):
                refused[t] = ("mixed", decimal[0])
        return True, refused
    if delimiter in (";", "\t"):  # a European-style file: 1,234 may well be 1.234
        for t, k in keys.items():
            if _AMBIGUOUS_COMMA.fullmatch(k):
                refused[t] = ("ambiguous", "")
    return False, refused


def _share_style(uniques: list[str], decimal_comma: bool) -> tuple[bool, dict[str, tuple[str, str]]]:
    """The README's rule for a share column (issue 11, item 14): `85%` is always a percent and `1/3` a
    fraction; the other (bare) numbers are fractions when every one is at most 1 (0.85 = 85%, 1 = 100%),
    and percents when any is above 1 (85 = 85%). In a column of percents a bare number above 0 and at
    most 1 could be either (1 = 1% or 100%?): it is refused, naming its row."""
    bare: list[tuple[str, Decimal]] = []
    for t in uniques:
        k = _number_key(t)
        if not k or k.endswith("%") or "/" in k:
            continue
        d = parse_decimal(k, decimal_comma)
        if d is not None:
            bare.append((t, d))
    above = next((t for t, d in bare if d > 1), None)
    if above is None:
        return False, {}
    return True, {t: ("ambiguous share", above) for t, d in bare if 0 < d <= 1}


def _style_message(kind: str, text: str, example: str, example_row: int | None) -> str:
    t = text.strip()
    if kind == "mixed":
        return _("'{text}' uses a decimal point or thousands separator while other cells of this column use decimal "
                 "commas (such as '{example}' in row {row}): write every number of the column the same way",
                 text=t, example=example.strip(), row=example_row)
    if kind == "ambiguous":
        return _("'{text}' is ambiguous in a file separated by semicolons or tabs: the comma may be a decimal comma "
                 "({dec}) or a thousands separator ({thousands}): write the number without the comma",
                 text=t, dec=t.replace(".", "").replace(",", "."), thousands=t.replace(",", ""))
    pct = Fraction(parse_decimal(t) or 0) * 100
    shown = str(pct) if pct.denominator == 1 else format(float(pct), "g")
    return _("'{text}' is ambiguous: this column holds percents (such as '{example}' in row {row}), so it could "
             "be {text}% or {pct}%: write it with a % sign", text=t, example=example.strip(), row=example_row,
             pct=shown)


def _date_parts(text: str) -> list[str] | None:
    """'2021-04-01', '2021/4/1', '2021.4.1', '2021年4月1日', '2021/4/1 8:30' -> ['2021', '4', '1']."""
    t = normalise_header(text)
    t = re.sub(r"[ t]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", t)  # a date cell exported with its time
    t = t.replace("/", "-").replace(".", "-")
    t = t.replace("年", "-").replace("月", "-").replace("日", "")
    if re.fullmatch(r"\d{8}", t):  # 20210401, as typed into a number cell
        t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
    parts = t.split("-")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() and len(p) <= 4 for p in parts) or len(parts[0]) != 4:
        return None
    return parts


def parse_date(text: str) -> dt.date | None:
    """A date as offices write it (see _date_parts); None if it is not one, or there is no such day."""
    parts = _date_parts(text)
    if parts is None:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _plain(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _category(attr: Attribute, text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).strip()
    if t in attr.values:
        return t
    if t in attr.value_aliases:
        return attr.value_aliases[t]
    low = t.lower().replace(" ", "_").replace("-", "_")
    return low if low in attr.values else None


def _not_one_of(attr: Attribute, text: str) -> str:
    close = [v for v in attr.values if _similar(text, v)]
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"'{text}' is not one of {', '.join(attr.values)}{hint}"


def _similar(a: str, b: str) -> bool:
    """A typo: at most two letters changed, added or dropped (enterprize -> enterprise)."""
    a, b = a.strip().lower(), b.lower()
    if a == b or abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 4:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2


def _attr_value(attr: Attribute, text: str, decimal_comma: bool = False, percent: bool | None = None
                ) -> tuple[object, str | None]:
    """One attribute cell -> (canonical value, None), or (None, what is wrong with it)."""
    if not text.strip():
        if attr.type == "set":
            return frozenset(), None
        if attr.allow_blank:
            return None, None
        if attr.default is not None:
            return _attr_value(attr, attr.default)
        return None, f"empty, but '{attr.column}' needs a value"
    if attr.type == "category":
        v = _category(attr, text)
        return (v, None) if v is not None else (None, _not_one_of(attr, text))
    if attr.type == "flag":
        v = parse_flag(text)
        return (v, None) if v is not None else (None, f"'{text}' is not yes/no (是/否)")
    if attr.type == "share":
        v = parse_share(text, percent, decimal_comma)
        if v is None:
            return None, f"'{text}' is not a share between 0 and 100% (write 85%, 85 or 0.85)"
        return v, None
    if attr.type == "number":
        d = parse_decimal(text, decimal_comma)
        if d is None:
            return None, f"'{text}' is not a number"
        if (attr.min is not None and d < Decimal(str(attr.min))) or (
                attr.max is not None and d > Decimal(str(attr.max))):
            return None, f"{text.strip()} is outside the allowed range {_plain(attr.min)} to {_plain(attr.max)}"
        return Fraction(d), None
    if attr.type == "date":
        v = parse_date(text)
        if v is None and _date_parts(text) is not None:
            return None, f"'{text}' is not a date that exists: there is no such day"
        if v is None:
            return None, f"'{text}' is not a date (write it as 2021-04-01)"
        return v, None
    if attr.type == "set":
        out = set()
        wrong = []
        seps = {attr.separator, ";", "；", "、", ","}
        for part in re.split("|".join(re.escape(s) for s in seps if s), text):
            if not part.strip():
                continue
            v = _category(attr, part)
            if v is None:
                wrong.append(_not_one_of(attr, part.strip()))
            else:
                out.add(v)
        return (frozenset(out), None) if not wrong else (None, tuple(wrong))  # one problem per wrong value
    return text.strip(), None  # text


def _score_value(text: str, decimal_comma: bool = False) -> tuple[Decimal | None, str | None]:
    t = text.strip()
    if not t:
        return None, "empty: every candidate needs a score"
    d = parse_decimal(t, decimal_comma)
    if d is None:
        word = normalise_header(t).lstrip("+-")
        if word in ("nan", "inf", "infinity", "snan"):
            return None, f"'{t}' is not a number: write the candidate's score, e.g. 86.5"
        return None, f"'{t}' is not a number"
    if d < 0:
        return None, f"score {t} is negative: scores must be 0 or more"
    if d > MAX_SCORE:
        return None, f"score {t} is above {MAX_SCORE:,}: is this the right column?"
    if d.as_tuple().exponent < -MAX_SCORE_DECIMALS:  # type: ignore[operator]
        return None, f"score {t} has more than {MAX_SCORE_DECIMALS} decimals"
    return d, None


def _parse_column(texts: list[str], parse) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Parse a column by its distinct values (pandas factorize): each distinct text once, then spread back.
    Returns the values (an object array) and (record index, message) for each failing cell."""
    n = len(texts)
    values = np.empty(n, dtype=object)
    if not n:
        return values, []
    codes, uniques = pd.factorize(np.asarray(texts, dtype=object))
    parsed = [parse(u) for u in uniques]
    distinct = np.empty(len(parsed), dtype=object)
    for j, (v, _e) in enumerate(parsed):
        distinct[j] = v
    values[:] = distinct[codes]
    bad = np.array([e is not None for _v, e in parsed], dtype=bool)
    if not bad.any():
        return values, []
    out: list[tuple[int, str]] = []
    for k in np.flatnonzero(bad[codes]):
        e = parsed[codes[k]][1]
        out += [(int(k), m) for m in e] if isinstance(e, tuple) else [(int(k), e)]
    return values, out


# ------------------------------------------------------------------------------------------- pools
def _wanted(spec: PoolSpec) -> list[tuple[str, list[str], bool]]:
    """Each canonical column with the headers it may go by, and whether a pool must have it."""
    out = [(c, spec.base_aliases.get(c, []), True) for c in BASE_COLUMNS]
    out += [(a.column, a.aliases + ([a.label_zh] if a.label_zh else []), a.required) for a in spec.attributes]
    return out


def _match_columns(table: Table, spec: PoolSpec, problems: ProblemCollector) -> dict[str, int]:
    """Map each canonical column to its position in the file, by name or alias."""
    keys = [header_key(h) for h in table.header]
    hr = table.header_row
    found: dict[str, int] = {}
    for column, aliases, required in _wanted(spec):
        names = {header_key(n) for n in [column, *aliases]}
        hits = [i for i, k in enumerate(keys) if k and k in names]
        if len(hits) > 1:
            problems.add(_twice(table, hits, f"'{column}'"), row=hr, column=column)
        elif hits:
            found[column] = hits[0]
        elif required:
            problems.add(f"missing column '{column}'" + (f" (or {' / '.join(aliases)})" if aliases else ""),
                         row=hr, column=column)
    return found


def _twice(table: Table, hits: list[int], what: str) -> str:
    names = [table.header[i].strip() for i in hits]
    at = " and ".join(str(i + 1) for i in hits)
    if len({header_key(n) for n in names}) == 1:
        return f"column '{names[0]}' appears {len(hits)} times (columns {at}): rename or remove all but one"
    which = " and ".join(f"'{n}'" for n in names)
    return f"columns {which} (columns {at}) could each be {what}: rename or remove all but one"


def _extra_columns(table: Table, used: set[int]) -> list[tuple[int, str]]:
    """Columns the rule set does not read, kept under their own header (made unique), for the outputs."""
    out: list[tuple[int, str]] = []
    taken: set[str] = set()
    for i, h in enumerate(table.header):
        if i in used:
            continue
        name = h.strip()
        if not name:
            if not any(i < len(r) and r[i].strip() for r in table.records):
                continue  # an empty column, as spreadsheets pad rows with
            name = f"column {i + 1}"
        base, n = name, 2
        while name in taken:
            name, n = f"{base} ({n})", n + 1
        taken.add(name)
        out.append((i, name))
    return out


def _needs_value(spec: PoolSpec, column: str) -> bool:
    if column in BASE_COLUMNS:
        return True
    a = spec.attribute(column)
    return a is not None and a.type != "set" and not a.allow_blank and a.default is None


def _row_list(rows: list[int]) -> str:
    shown = ", ".join(map(str, rows[:30]))
    return shown + (f" ... ({len(rows)})" if len(rows) > 30 else "")


def _reading_warnings(table: Table, used: list[int], hidden: list[int], skipped: bool) -> list[InputProblem]:
    """What was read but deserves a look: hidden rows (issue 11, item 15), merged cells filled down (item 18)."""
    out: list[InputProblem] = []
    if hidden and skipped:
        out.append(InputProblem(table.source, _(
            "{n} hidden rows were left out, as asked (--skip-hidden-rows): rows {rows}",
            n=len(hidden), rows=_row_list(hidden))))
    elif hidden:
        out.append(InputProblem(table.source, _(
            "{n} rows are hidden in the workbook but were read as candidates: rows {rows}. Unhide them to check "
            "them, or leave them out with --skip-hidden-rows", n=len(hidden), rows=_row_list(hidden))))
    by_column: dict[int, list[tuple[int, int]]] = {}
    for i, first, last in table.merged:
        if i in used and last > table.header_row:
            by_column.setdefault(i, []).append((max(first, table.header_row + 1), last))
    for i, spans in sorted(by_column.items()):
        where = ", ".join(f"{a}-{b}" for a, b in sorted(spans)[:20])
        out.append(InputProblem(table.source, _(
            "the column has merged cells (rows {rows}): each row of a merged cell was given its value",
            rows=where), column=table.header[i].strip() or f"#{i + 1}"))
    return out


def read_pool(path: Path | str, spec: PoolSpec, kind: str, units: list[str] | None,
              skip_hidden_rows: bool = False) -> Pool:
    """Read one pool file against the rule set's pool spec and (if given) the quota table's units.
    Hidden workbook rows are read with a warning, or left out with skip_hidden_rows."""
    path, sheet = split_sheet(path)
    table = read_table(path, sheet)
    table = _find_header(table, [[c, *spec.base_aliases.get(c, [])] for c in BASE_COLUMNS])
    problems = ProblemCollector.for_path(table.source)
    cols = _match_columns(table, spec, problems)
    problems.raise_if_any()  # without the columns, row checks would only repeat the same problem
    hidden = [r for r in table.rows if r in table.hidden_rows]
    if hidden and skip_hidden_rows:
        keep = [k for k, r in enumerate(table.rows) if r not in table.hidden_rows]
        table = replace(table, records=[table.records[k] for k in keep], rows=[table.rows[k] for k in keep])
    extra = _extra_columns(table, set(cols.values()))
    used = [*cols.values(), *(i for i, _ in extra)]
    warnings = _reading_warnings(table, used, hidden, skip_hidden_rows)
    columns = _columns(table)
    _control_characters(table, problems, used, columns)
    records, rows = table.records, table.rows
    n, width = len(records), len(table.header)
    found: list[tuple[int, int, str, str]] = []  # (record index, check order, message, column): sorted by row
    order = {c: k for k, c in enumerate([*BASE_COLUMNS, *(a.column for a in spec.attributes)], start=1)}

    def header(column: str) -> str:
        i = cols.get(column)
        return table.header[i].strip() or column if i is not None else column

    lengths = np.fromiter(map(len, records), dtype=np.int64, count=n)
    broken: set[int] = set()  # long rows: their cells are shifted, checking them one by one would only mislead
    for k in np.flatnonzero(lengths > width):
        if any(c.strip() for c in records[k][width:]):
            found.append((int(k), 0, f"the row has {lengths[k]} cells but the header only {width}: a cell holding a "
                          "comma needs quotes, or a column needs a header", f"#{width + 1}"))
            broken.add(int(k))
    skip: dict[str, set[int]] = {c: set(broken) for c in cols}  # cells not to check, per column
    for k in np.flatnonzero(lengths < width):
        cut = [c for c, i in cols.items() if i >= lengths[k] and _needs_value(spec, c)]
        if cut:
            found.append((int(k), 0, f"the row has only {lengths[k]} of the header's {width} cells, so "
                          f"{', '.join(header(c) for c in cut)} {'is' if len(cut) == 1 else 'are'} missing",
                          header(cut[0])))
            for c in cut:
                skip[c].add(int(k))
    if table.formulas:
        at = {r: k for k, r in enumerate(rows)}
        column_of = {i: c for c, i in cols.items()}
        for r, i in sorted(table.formulas):
            if r in at and i in column_of:
                c = column_of[i]
                found.append((at[r], order[c], _("a formula with no saved value: the file was written by a program "
                                                  "and never opened; open it in Excel or WPS and save it"), header(c)))
                skip[c].add(at[r])

    def texts(i: int) -> list[str]:
        return list(columns[i]) if i < len(columns) else [""] * n

    def parsed(column: str, parse, texts_: list[str]) -> np.ndarray:
        values, errors = _parse_column(texts_, parse)
        gone = skip.get(column, set())
        for k in gone:
            values[k] = None
        found.extend((k, order[column], m, header(column)) for k, m in errors if k not in gone)
        return values

    task = _("checking {file}", file=Path(table.source).name)
    data: dict[str, object] = {}
    column_texts = {c: texts(i) for c, i in cols.items() if c in ("id", "name", "unit", "score")}
    data["id"] = parsed("id", _id_value, column_texts["id"])
    seen: dict[str, int] = {}
    for k, ident in enumerate(data["id"]):  # duplicates: one pass, Python only on the ids themselves
        if ident and k not in broken:
            first = seen.setdefault(ident, rows[k])
            if first != rows[k]:
                found.append((k, order["id"], f"duplicate id '{ident}' (first at row {first})", header("id")))
    data["name"] = parsed("name", lambda t: (t.strip(), None if t.strip() else "empty name"), column_texts["name"])
    unit_set = set(units) if units is not None else None

    def unit_value(t: str) -> tuple[str, str | None]:
        u = _plain_text(t)
        if not u:
            return u, "empty unit"
        if unit_set is not None and u not in unit_set:
            return u, f"unit '{u}' is not in the quota table"
        return u, None

    data["unit"] = parsed("unit", unit_value, column_texts["unit"])
    scores = column_texts["score"]
    comma, refused = _decimal_style(list(dict.fromkeys(scores)), table.delimiter)
    data["score"] = parsed("score", _styled(lambda t: _score_value(t, comma), refused, scores, rows), scores)
    progress.report(task, 4, 4 + len(spec.attributes))
    for j, a in enumerate(spec.attributes, start=5):
        if a.column not in cols:  # an optional column the file does not have: its default for everyone
            value, error = _attr_value(a, a.default or "")
            data[a.column] = np.array([value] * n + [None], dtype=object)[:n]
            if error is not None:
                found.extend((k, order[a.column], error, a.column) for k in range(n) if k not in broken)
            continue
        cells = texts(cols[a.column])
        comma, refused, percent = False, {}, None
        if a.type in ("number", "share"):
            uniques = list(dict.fromkeys(cells))
            comma, refused = _decimal_style(uniques, table.delimiter)
            if a.type == "share":
                percent, more = _share_style([u for u in uniques if u not in refused], comma)
                refused |= more
        data[a.column] = parsed(a.column, _styled(
            functools.partial(_attr_value, a, decimal_comma=comma, percent=percent), refused, cells, rows), cells)
        progress.report(task, j, 4 + len(spec.attributes))
    for i, h in extra:
        data[h] = [c.strip() for c in texts(i)]
    if not table.records:
        problems.add("no candidates: the file has a header row only", row=table.header_row + 1)
    found.sort(key=lambda f: (f[0], f[1]))
    for k, _order, message, column in found:
        problems.add(message, row=rows[k], column=column)
    problems.raise_if_any()
    frame = pd.DataFrame(data, dtype=object)
    return Pool(kind, table.source, frame, list(rows), [h for _, h in extra], warnings, hidden, skip_hidden_rows)


def _id_value(text: str) -> tuple[str, str | None]:
    ident = _plain_text(text)
    return ident, None if ident else "empty id: every candidate needs one"


def _styled(parse, refused: dict[str, tuple[str, str]], cells: list[str], rows: list[int]):
    """`parse`, except for the cells a column's convention refuses (see _decimal_style, _share_style)."""
    if not refused:
        return parse

    def run(text: str):
        if text in refused:
            kind, example = refused[text]
            example_row = rows[cells.index(example)] if example else None
            return None, _style_message(kind, text, example, example_row)
        return parse(text)

    return run


# ------------------------------------------------------------------------------------------ quotas
def read_quotas(path: Path | str, ruleset: RuleSet) -> Quotas:
    """Read the quota allocation table: a unit column and one column per award id (or its Chinese name)."""
    path, sheet = split_sheet(path)
    table = _find_header(read_table(path, sheet), [list(_QUOTA_UNIT_HEADERS)])
    problems = ProblemCollector.for_path(table.source)
    keys = [header_key(h) for h in table.header]
    hr = table.header_row
    unit_col = next((i for i, k in enumerate(keys) if k in {header_key(n) for n in _QUOTA_UNIT_HEADERS}), None)
    if unit_col is None:
        problems.add("missing column 'unit' (or 单位 / 推荐单位)", row=hr, column="unit")
    award_cols: dict[str, int] = {}
    for a in ruleset.awards:
        hits = [i for i, k in enumerate(keys) if k in (header_key(a.id), header_key(a.name_zh))]
        if len(hits) > 1:
            problems.add(_twice(table, hits, f"the quotas of '{a.id}'"), row=hr, column=a.id)
        elif hits:
            award_cols[a.id] = hits[0]
        elif a.quota != "none":
            problems.add(f"missing column '{a.id}' for award {a.name_zh}", row=hr, column=a.id)
    problems.raise_if_any()
    assert unit_col is not None
    _control_characters(table, problems, [unit_col, *award_cols.values()])
    units: list[str] = []
    seats: dict[str, dict[str, int]] = {a: {} for a in award_cols}
    unreadable: set[str] = set()  # awards with a bad cell: their totals would only mislead
    columns = _columns(table)
    styles = {a: _decimal_style(list(dict.fromkeys(columns[i])) if i < len(columns) else [], table.delimiter)
              for a, i in award_cols.items()}  # 1,5 seats is one and a half (refused), never 15
    for cells, row in zip(table.records, table.rows):
        unit = _plain_text(cells[unit_col] if unit_col < len(cells) else "")
        if not unit:
            problems.add("empty unit", row=row, column=table.header[unit_col].strip())
            continue
        if unit in units:
            problems.add(f"unit '{unit}' appears twice (first at row {table.rows[_first_row(table, unit_col, unit)]})",
                         row=row, column=table.header[unit_col].strip())
            unreadable.update(award_cols)
            continue
        units.append(unit)
        for award_id, i in award_cols.items():
            text = cells[i].strip() if i < len(cells) else ""
            comma, refused = styles[award_id]
            if cells[i] in refused if i < len(cells) else False:
                kind, example = refused[cells[i]]
                problems.add(_style_message(kind, text, example, table.rows[columns[i].index(example)] if example
                                            else None), row=row, column=table.header[i].strip())
                unreadable.add(award_id)
                continue
            d = parse_decimal(text, comma) if text else Decimal(0)
            if d is None or d < 0 or d != d.to_integral_value() or d > MAX_SEATS:
                problems.add(f"'{text}' is not a whole number of seats (0 or more)", row=row,
                             column=table.header[i].strip())
                unreadable.add(award_id)
                continue
            seats[award_id][unit] = int(d)
    if not table.records:
        problems.add("no units: the file has a header row only", row=hr + 1)
    for award_id, by_unit in seats.items():
        if award_id in unreadable or not table.records:
            continue
        award = ruleset.award(award_id)
        total = sum(by_unit.values())
        open_seats = f" (+{award.open_seats} open seats)" if award.open_seats else ""
        column = table.header[award_cols[award_id]].strip()
        if award.quota == "exact" and total + award.open_seats != award.seats:
            problems.add(f"the quotas of '{award_id}' add up to {total}{open_seats}, but the award must fill "
                         f"exactly {award.seats} seats", column=column, rule=award_id)
        elif award.quota == "cap" and total + award.open_seats < award.seats:
            problems.add(f"the quotas of '{award_id}' add up to {total}{open_seats}, fewer than the "
                         f"{award.seats} seats to fill", column=column, rule=award_id)
    problems.raise_if_any()
    return Quotas(table.source, units, seats)


def _first_row(table: Table, col: int, unit: str) -> int:
    return next(k for k, cells in enumerate(table.records) if col < len(cells) and _plain_text(cells[col]) == unit)


def _columns(table: Table) -> list[tuple[str, ...]]:
    """The records as columns ("" where a row ends early), transposed in one go (zip)."""
    records = table.records
    if not records:
        return []
    longest = max(map(len, records))
    if min(map(len, records)) < longest:
        records = [r + [""] * (longest - len(r)) if len(r) < longest else r for r in records]
    return list(zip(*records))


def _control_characters(table: Table, problems: ProblemCollector, columns: list[int] | None = None,
                        data: list[tuple[str, ...]] | None = None) -> None:
    """Invisible control characters (U+0000-U+001F but tab and line breaks, U+007F-U+009F) come from
    damaged files or copied web pages; a spreadsheet cannot even hold them, so they are errors. So is a
    cell longer than a spreadsheet cell holds (it would be cut in the outputs' XLSX). Each column's
    distinct texts are looked at once; rows are looked up only for the bad ones."""
    def bad(text: str) -> str | None:
        hit = _CONTROL.search(text)
        return None if hit is None else f"U+{ord(hit.group()):04X}"

    for i, h in enumerate(table.header):
        if (columns is None or i in columns) and (c := bad(h)):
            problems.add(f"the header holds an invisible control character ({c}): retype it",
                         row=table.header_row, column=f"#{i + 1}")
    found: list[tuple[int, int, str, str]] = []
    data = _columns(table) if data is None else data
    for i in range(len(data)) if columns is None else sorted(c for c in set(columns) if c < len(data)):
        cells = data[i]
        wrong: dict[str, str] = {}
        for text in dict.fromkeys(cells):
            if c := bad(text):
                wrong[text] = f"the cell holds an invisible control character ({c}): retype it"
            elif len(text) > MAX_CELL_CHARS:
                wrong[text] = _("the cell holds {n} characters, more than the {max} a spreadsheet cell can hold: "
                                "shorten it", n=format(len(text), ","), max=format(MAX_CELL_CHARS, ","))
        if not wrong:
            continue
        column = table.header[i].strip() if i < len(table.header) else f"#{i + 1}"
        column = column if column and not bad(column) else f"#{i + 1}"
        found += [(k, i, wrong[t], column) for k, t in enumerate(cells) if t in wrong]
    for k, _i, message, column in sorted(found, key=lambda f: (f[0], f[1])):
        problems.add(message, row=table.rows[k], column=column)


def _plain_text(text: str) -> str:
    """A key cell (id, unit) as compared: NFKC, no zero-width characters, no surrounding spaces."""
    if text.isascii():
        return text.strip()  # NFKC leaves ASCII alone, and zero-width characters are not ASCII
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).strip()


def default_quota_path(ruleset: RuleSet, ruleset_path: Path | str) -> Path | None:
    return ruleset_dir_path(Path(ruleset_path), ruleset.quotas) if ruleset.quotas else None
