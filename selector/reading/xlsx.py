"""Reading a workbook (XLSX) as text cells: only the cells that hold values are read (a formatted cell at
XFD1048576 costs nothing); the sheet is the one holding data, or the one named (`file.xlsx#SHEET`); hidden
rows are marked (read with a warning, or left out: reading/pool.py); merged cells are filled down and
marked; a formula with no saved value is marked as such.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path

from selector import progress
from selector.errors import InputErrors
from selector.i18n import _
from selector.reading.tables import NOTE_SHEETS, PROGRESS_EVERY, Table, file_error, header_key


class _NoSavedValue:
    """A formula cell whose file holds no computed value (written by a program, never opened in Excel)."""


_NO_SAVED_VALUE = _NoSavedValue()


@functools.cache
def _sheet_parser():
    """openpyxl's own streaming sheet parser, told to mark formulas that have no saved value, with text cells
    read directly. Text is what a pool is made of: shared strings (Excel, WPS) or inline strings (openpyxl,
    pandas). openpyxl builds a rich-text object per inline string, which took 34 of 73 s CPU (profiled) for
    a 30,000-row pool, and parses every coordinate with a regular expression. Numbers, dates and booleans
    keep openpyxl's own parsing (date formats, epochs)."""
    from openpyxl.utils import column_index_from_string
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, VALUE_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text, run = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"
    column_of = functools.cache(column_index_from_string)

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            kind = element.get("t")
            if kind != "s" and kind != "inlineStr" or element.find(FORMULA_TAG) is not None:
                cell = super().parse_cell(element)
                if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                    cell["value"] = _NO_SAVED_VALUE
                return cell
            letters = (element.get("r") or "").rstrip("0123456789")  # the row is the <row>'s (parse_row)
            self.col_counter = column_of(letters) if letters else self.col_counter + 1  # none: the next cell
            if kind == "s":
                index = element.findtext(VALUE_TAG)
                value = self.shared_strings[int(index)] if index else None
            elif (child := element.find(INLINE_STRING)) is None:
                value = None
            elif len(child) == 1 and child[0].tag == text:  # plain text, no runs: the usual case
                value = child[0].text
            else:  # <is><t>plain</t><r><t>run</t></r>...</is>, phonetic guides left out
                value = "".join([child.findtext(text) or ""] + [r.findtext(text) or "" for r in child.iterfind(run)])
            return {"row": self.row_counter, "column": self.col_counter, "value": value or None, "data_type": "s",
                    "style_id": 0}

    return Parser


@functools.cache
def _workbook_reader():
    """openpyxl's read-only workbook reader without its size pass: a read-only sheet reads its <dimension>
    when opened, and a file without one (openpyxl and pandas write none) is then parsed to its end once more
    (11 s of a 30,000-row pool). Only the cells present are read here, so the size is never needed."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            pass

    class Reader(ExcelReader):
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    ws.sheet_state = sheet.state
                    self.wb._sheets.append(ws)

    return Reader


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


def read_xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl.utils import range_boundaries

    try:
        with path.open("rb") as f:
            magic = f.read(8)
    except OSError as e:
        raise file_error(path, f"cannot be read: {e.strerror or e}") from None
    if magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise file_error(path, "this workbook is password-protected or an old .xls file renamed .xlsx: "
                    "save it again as a plain .xlsx workbook")
    try:
        reader = _workbook_reader()(path, read_only=True, data_only=True)
        reader.read()
        wb = reader.wb
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise file_error(path, f"not a readable XLSX file: {e}") from None
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
            if not len(by_row) % PROGRESS_EVERY:
                progress.report(task, len(by_row), None)
        parser = parsed[0]
        merges = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
        hidden = frozenset(int(float(r)) for r, attrs in parser.row_dimensions.items()
                           if str(attrs.get("hidden", "")).lower() in ("1", "true") and int(float(r)) in by_row)
    except InputErrors:
        raise
    except Exception as e:  # a damaged sheet
        raise file_error(path, f"not a readable XLSX file: {e}") from None
    finally:
        wb.close()
    if not by_row:
        raise file_error(path, f"the sheet '{ws.title}' is empty: expected a header row", row=1)
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
        raise file_error(path, f"no sheet named '{sheet}' (the sheets are: {', '.join(names)})")
    with_data = [n for n in names if n not in NOTE_SHEETS and getattr(wb[n], "sheet_state", "visible") == "visible"
                 and _sheet_has_data(wb, wb[n])]  # a template's 说明 sheet and hidden lists are not data
    if len(with_data) > 1:
        raise file_error(path, f"several sheets hold data ({', '.join(with_data)}): name the one to read, "
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

