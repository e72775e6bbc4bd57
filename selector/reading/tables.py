"""Headers and columns: a file's cells as a `Table`, how headers are matched (full-width characters, stray
spaces, a title row above the header), which file column is which canonical column, and the checks every
cell of a table gets (control characters, a cell longer than a spreadsheet holds). No file is read here:
reading/files.py reads CSV and dispatches workbooks to reading/xlsx.py.

A pool or quota table may name a sheet of a workbook as `file.xlsx#SHEET`; `split_sheet` is the one
place that path is taken apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from selector.errors import InputErrors, InputProblem, ProblemCollector
from selector.i18n import _
from selector.reading.rules import BASE_COLUMNS, PoolSpec

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HEADER_SEARCH_ROWS = 5  # a title row or notes above the header are skipped, up to this many rows down
NOTE_SHEETS = frozenset({"说明", "填表说明"})  # instructions sheets (selector template): never read as data
MAX_CELL_CHARS = 32_767  # what one spreadsheet cell holds (Excel, WPS, openpyxl)
PROGRESS_EVERY = 20_000  # rows between progress reports


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



def normalise_header(text: str) -> str:
    """Full-width characters and stray spaces as Excel/WPS exports them -> plain header text."""
    return unicodedata.normalize("NFKC", str(text)).translate(ZERO_WIDTH).strip().lower()


def header_key(text: str) -> str:
    """What a header is matched by: `姓　名`, ` Grassroots-Vote` and `grassroots_vote` match their names."""
    return re.sub(r"[\s_\-]+", "", normalise_header(text))



def file_error(path: Path | str, message: str, row: int | None = None) -> InputErrors:
    return InputErrors([InputProblem(str(path), message, row=row)])



def split_sheet(spec: str | Path) -> tuple[Path, str | None]:
    """'pool.xlsx#个人' -> (pool.xlsx, '个人')."""
    s = str(spec)
    if "#" in s and s.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
        p, sheet = s.split("#", 1)
        return Path(p), sheet
    return Path(s), None


def find_header(table: Table, wanted: list[list[str]]) -> Table:
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



def _wanted(spec: PoolSpec) -> list[tuple[str, list[str], bool]]:
    """Each canonical column with the headers it may go by, and whether a pool must have it."""
    out = [(c, spec.base_aliases.get(c, []), True) for c in BASE_COLUMNS]
    out += [(a.column, a.aliases + ([a.label_zh] if a.label_zh else []), a.required) for a in spec.attributes]
    return out


def match_columns(table: Table, spec: PoolSpec, problems: ProblemCollector) -> dict[str, int]:
    """Map each canonical column to its position in the file, by name or alias."""
    keys = [header_key(h) for h in table.header]
    hr = table.header_row
    found: dict[str, int] = {}
    for column, aliases, required in _wanted(spec):
        names = {header_key(n) for n in [column, *aliases]}
        hits = [i for i, k in enumerate(keys) if k and k in names]
        if len(hits) > 1:
            problems.add(columns_twice(table, hits, f"'{column}'"), row=hr, column=column)
        elif hits:
            found[column] = hits[0]
        elif required:
            problems.add(f"missing column '{column}'" + (f" (or {' / '.join(aliases)})" if aliases else ""),
                         row=hr, column=column)
    return found


def columns_twice(table: Table, hits: list[int], what: str) -> str:
    names = [table.header[i].strip() for i in hits]
    at = " and ".join(str(i + 1) for i in hits)
    if len({header_key(n) for n in names}) == 1:
        return f"column '{names[0]}' appears {len(hits)} times (columns {at}): rename or remove all but one"
    which = " and ".join(f"'{n}'" for n in names)
    return f"columns {which} (columns {at}) could each be {what}: rename or remove all but one"



def table_columns(table: Table) -> list[tuple[str, ...]]:
    """The records as columns ("" where a row ends early), transposed in one go (zip)."""
    records = table.records
    if not records:
        return []
    longest = max(map(len, records))
    if min(map(len, records)) < longest:
        records = [r + [""] * (longest - len(r)) if len(r) < longest else r for r in records]
    return list(zip(*records))


def check_control_characters(table: Table, problems: ProblemCollector, columns: list[int] | None = None,
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
    data = table_columns(table) if data is None else data
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


def plain_text(text: str) -> str:
    """A key cell (id, unit) as compared: NFKC, no zero-width characters, no surrounding spaces."""
    if text.isascii():
        return text.strip()  # NFKC leaves ASCII alone, and zero-width characters are not ASCII
    return unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).strip()

