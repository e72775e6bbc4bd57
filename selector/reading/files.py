"""Reading a file as text cells (`read_table`): CSV in UTF-8 (with or without BOM), GBK/GB18030 (Excel and
WPS on Chinese Windows) or UTF-16 with BOM (Excel's "Unicode text"), separated by commas, tabs or
semicolons; workbooks are read by reading/xlsx.py. Blank rows are skipped anywhere; comment lines (#) above
the header too. Inputs are only ever read.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from selector import progress
from selector.errors import InputErrors, InputProblem, check_input_file
from selector.i18n import _
from selector.reading.tables import PROGRESS_EVERY, Table, file_error
from selector.reading.xlsx import read_xlsx


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        raise file_error(path, "this is an XLSX workbook (a zip file) with a CSV name: rename it to .xlsx")
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise file_error(path, "this is an old Excel .xls workbook: save it as .xlsx or as CSV")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if raw.count(b"\x00") > max(8, len(raw) // 1000):
        raise file_error(path, "not a text file in UTF-8 or GBK/GB18030: save it as CSV (UTF-8) or XLSX")  # binary data
    try:
        return raw.decode("utf-8-sig")  # a stray NUL byte is reported with its row by check_control_characters
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
    raise file_error(path, "not a text file in UTF-8 or GBK/GB18030: save it as CSV (UTF-8) or XLSX")


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
        raise file_error(path, "file not found")
    if path.is_dir():
        raise file_error(path, "this is a folder, not a file")
    check_input_file(path)  # not /dev/zero, a pipe, or a file of gigabytes (issue 11, 11)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if suffix == ".xls":
        raise file_error(path, "old Excel .xls workbooks are not read: save it as .xlsx or as CSV")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise file_error(path, f"cannot be read: {e.strerror or e}") from None
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
            raise file_error(path, f"not a readable CSV file: {e}", row=first) from None
        if not "".join(cells).strip() or (header is None and cells[0].lstrip().startswith("#")):
            continue  # blank line, or a comment line above the header
        if reader.line_num != first:
            _check_quotes(path, cells, first, reader.line_num, delimiter, header)
        if header is None:
            header, header_row = cells, first
            continue
        records.append(list(map(intern, cells)))
        rows.append(first)
        if not len(rows) % PROGRESS_EVERY:
            progress.report(task, first, lines)
    if header is None:
        raise file_error(path, "the file is empty: expected a header row", row=1)
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

