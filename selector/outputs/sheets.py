"""Every table the product writes goes through here, so that no cell of any output is a live formula.

- CSV: `write_csv(frame, path)` writes UTF-8 WITH a BOM (Excel and WPS then open it without 乱码) and
  puts the OWASP prefix, a leading apostrophe, before every text cell that begins with = + - @ tab or
  CR (`=HYPERLINK(...)` becomes `'=HYPERLINK(...)`). Numbers stay numbers: only text is prefixed, and
  text that is itself a plain number (`-12.5`, `+3`, `-5%`) is left alone.
- XLSX: `put(ws, row, col, value)` writes text as a string cell (openpyxl data type 's', never 'f'), and
  formula-like text also gets Excel's quote-prefix style, so editing the cell keeps it text;
  `write_xlsx(path, {sheet: frame})` writes DataFrames with a bold, frozen header row and column widths
  fitted to CJK text (a CJK character counts double); `save_workbook` saves byte for byte reproducibly
  (fixed zip times and document dates), so equal content gives equal bytes.

Other modules write tables only through these functions (tests/test_sheets.py checks every output).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


# =====================================================================================================
# cells
# =====================================================================================================
def is_formula_like(value: object) -> bool:
    """Text a spreadsheet would take for a formula (or a DDE command): it begins with = + - @ tab or CR
    and is not simply a number such as -12.5."""
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and _PLAIN_NUMBER.fullmatch(value) is None)


def csv_safe(value: object) -> object:
    """A cell for a CSV: formula-like text gets a leading apostrophe (OWASP); anything else unchanged."""
    return "'" + value if is_formula_like(value) else value  # type: ignore[operator]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and headers are CSV-safe."""
    out = frame.copy()
    out.columns = [csv_safe(c) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.isetitem(i, pd.Series([csv_safe(v) for v in col], index=out.index, dtype=object))
    return out


# =====================================================================================================
# CSV
# =====================================================================================================
def csv_text(frame: pd.DataFrame) -> str:
    """The text `write_csv` writes (without the BOM): formula-safe cells, no index, '\\n' line ends."""
    buf = io.StringIO()
    safe_frame(frame).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The bytes `write_csv` writes: UTF-8 with BOM."""
    return csv_text(frame).encode(CSV_ENCODING)


def write_csv(frame: pd.DataFrame, path: Path | str) -> None:
    """A table as CSV: UTF-8 with BOM, every formula-like text cell prefixed with an apostrophe."""
    Path(path).write_bytes(csv_bytes(frame))


def write_rows_csv(rows: Iterable[Mapping[str, object]], path: Path | str,
                   columns: list[str] | None = None) -> None:
    """Dict rows as CSV, as `write_csv` writes a table (values kept as they are: ints stay ints)."""
    rows = list(rows)
    columns = columns or (list(rows[0]) if rows else [])
    write_csv(pd.DataFrame(rows, columns=columns, dtype=object), path)


# =====================================================================================================
# XLSX
# =====================================================================================================
def text_width(text: object) -> int:
    """Display width of text: a CJK (or full-width) character counts double."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def xlsx_value(value: object) -> object:
    """A Python/pandas value as openpyxl takes it: NaN and None empty, numpy scalars plain, fractions and
    decimals as floats, sets joined by ';'."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, (Fraction, Decimal)):
        return float(value)
    if isinstance(value, (set, frozenset)):
        return ";".join(sorted(map(str, value)))
    if isinstance(value, (bool, int, float, str, dt.date, dt.datetime, dt.time)):
        return value
    return str(value)


def put(ws, row: int, column: int, value: object, number_format: str | None = None):
    """Write one cell: text always as a string cell (never a formula); formula-like text also quote-prefixed
    so that editing it in Excel keeps it text. Returns the cell."""
    value = xlsx_value(value)
    cell = ws.cell(row, column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell


def restyle(cell, looks: dict, look: str, **style) -> None:
    """Style `cell` as `look` (font=, fill=, border=, alignment=). The first cell of each look (and each
    style the cell had from `put`) is styled through openpyxl's attributes, registering fonts, borders and
    fills in the workbook in the order they always were; every later one copies that cell's style record.
    The same bytes, without hashing each style object per cell: that hashing took most of the time of a
    36,000-row clearance tracker. `looks` is the cache, one per workbook."""
    key = (look, tuple(cell._style or ()))  # None: a cell not styled yet
    done = looks.get(key)
    if done is None:
        for name, value in style.items():
            setattr(cell, name, value)
        looks[key] = copy.copy(cell._style)
    else:
        cell._style = copy.copy(done)


def fit_widths(ws, minimum: float = 6.0, maximum: float = 60.0, first_row: int = 1) -> None:
    """Column widths fitted to the longest text of each column (CJK counts double)."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=first_row):
        for c in row:
            if c.value is not None:
                text = c.value.isoformat() if hasattr(c.value, "isoformat") else c.value
                w = max(text_width(line) for line in str(text).split("\n"))
                widths[c.column] = max(widths.get(c.column, 0), w)
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = min(maximum, max(minimum, w + 2.0))


def fill_sheet(ws, frame: pd.DataFrame) -> None:
    """A DataFrame into a worksheet: bold header row, frozen below it, widths fitted, text as text."""
    from openpyxl.styles import Font  # start-up speed: openpyxl loads only to write a workbook

    bold = Font(bold=True)
    for j, h in enumerate(frame.columns, start=1):
        put(ws, 1, j, str(h)).font = bold
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, v in enumerate(values, start=1):
            put(ws, i, j, v)
    ws.freeze_panes = "A2"
    fit_widths(ws)


def sheet_title(text: str) -> str:
    """A valid worksheet name: no []:*?/\\, at most 31 characters."""
    return "".join("_" if c in '[]:*?/\\' else c for c in str(text))[:31] or "Sheet1"


def write_xlsx(path: Path | str, sheets: Mapping[str, pd.DataFrame]) -> None:
    """One workbook, one worksheet per table, written reproducibly through `put`."""
    import openpyxl  # start-up speed: openpyxl loads only to write a workbook

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        fill_sheet(wb.create_sheet(sheet_title(name)), frame)
    save_workbook(wb, path)


def add_xlsx_sheet(path: Path | str, name: str, frame: pd.DataFrame) -> None:
    """Add (or replace) one worksheet of an existing workbook written by `write_xlsx`."""
    import openpyxl  # start-up speed: openpyxl loads only to write a workbook

    wb = openpyxl.load_workbook(path)
    title = sheet_title(name)
    if title in wb.sheetnames:
        wb.remove(wb[title])
    fill_sheet(wb.create_sheet(title), frame)
    save_workbook(wb, path)


ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_STAMP = b"1980-01-01T00:00:00Z"


def normalise_xlsx(data: bytes) -> bytes:
    """The same workbook with fixed zip entry times and document dates, so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>" + _STAMP + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return buf.getvalue()


def save_workbook(wb, path: Path | str) -> None:
    """Save an openpyxl workbook reproducibly (fixed creator and dates)."""
    wb.properties.creator = "slate selector"
    wb.properties.lastModifiedBy = None
    buf = io.BytesIO()
    wb.save(buf)
    Path(path).write_bytes(normalise_xlsx(buf.getvalue()))


def normalise_xlsx_file(path: Path | str) -> None:
    """Rewrite an XLSX file reproducibly, in place."""
    path = Path(path)
    path.write_bytes(normalise_xlsx(path.read_bytes()))


# ---------------------------------------------------------- the office's look (summary tables, budget, templates)
def styles():
    """The fonts, fills, borders and alignments of the office's workbooks (宋体, thin borders, grey headers)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # start-up speed: only when writing

    thin = Side(style="thin", color="000000")
    return {
        "title": Font(name="宋体", size=16, bold=True),
        "bold": Font(name="宋体", size=11, bold=True),
        "body": Font(name="宋体", size=11),
        "fill": PatternFill("solid", fgColor="D9D9D9"),
        "required_fill": PatternFill("solid", fgColor="FCE4D6"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="center", wrap_text=True),
    }


def column_width(text: str) -> float:
    """A column wide enough for `text` (a CJK character counts double)."""
    return float(text_width(text) + 2)


def col_letter(i: int) -> str:
    """The spreadsheet letter of column i (1 -> A)."""
    from openpyxl.utils import get_column_letter  # start-up speed: openpyxl loads only to write a workbook

    return get_column_letter(i)
