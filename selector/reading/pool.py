"""Reading and validating a candidate pool (CSV or XLSX) against the rule set's pool spec.

Every problem in a file is collected with its row and column and raised once (InputErrors), so an
office fixes a file in one pass. A pool is read in layers: reading/files.py and reading/xlsx.py give the
file's cells as text (reading/tables.py: headers and columns), reading/cells.py turns each column into
canonical values, and this module puts a candidate per row together: ids unique, units of the quota table
(reading/quotas.py), extra columns kept under their own header and passed through to the output slates,
hidden rows and merged cells said as warnings. Inputs are only ever read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from selector import progress
from selector.errors import InputProblem, ProblemCollector
from selector.i18n import _
from selector.reading.cells import attr_value, decimal_style, parse_column, score_value, share_style, styled
from selector.reading.files import read_table
from selector.reading.rules import BASE_COLUMNS, PoolSpec
from selector.reading.tables import (
    Table,
    check_control_characters,
    find_header,
    match_columns,
    plain_text,
    split_sheet,
    table_columns,
)


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
class Person:
    """A candidate as messages name them (who enters, who leaves): id, name, unit, score and pool."""

    id: str
    name: str
    unit: str
    score: str
    pool: str

    def __str__(self) -> str:
        return _("{id} {name} ({unit}, {score})", id=self.id, name=self.name, unit=self.unit, score=self.score)


def people_by_id(pools: dict[str, Pool]) -> dict[str, Person]:
    """Every candidate of the pools by id."""
    out = {}
    for kind, pool in pools.items():
        t = pool.table
        for cid, name, unit, score in zip(t["id"], t["name"], t["unit"], t["score"]):
            out[str(cid)] = Person(str(cid), str(name), str(unit), str(score), kind)
    return out



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
    table = find_header(table, [[c, *spec.base_aliases.get(c, [])] for c in BASE_COLUMNS])
    problems = ProblemCollector.for_path(table.source)
    cols = match_columns(table, spec, problems)
    problems.raise_if_any()  # without the columns, row checks would only repeat the same problem
    hidden = [r for r in table.rows if r in table.hidden_rows]
    if hidden and skip_hidden_rows:
        keep = [k for k, r in enumerate(table.rows) if r not in table.hidden_rows]
        table = replace(table, records=[table.records[k] for k in keep], rows=[table.rows[k] for k in keep])
    extra = _extra_columns(table, set(cols.values()))
    used = [*cols.values(), *(i for i, _ in extra)]
    warnings = _reading_warnings(table, used, hidden, skip_hidden_rows)
    columns = table_columns(table)
    check_control_characters(table, problems, used, columns)
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
        values, errors = parse_column(texts_, parse)
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
        u = plain_text(t)
        if not u:
            return u, "empty unit"
        if unit_set is not None and u not in unit_set:
            return u, f"unit '{u}' is not in the quota table"
        return u, None

    data["unit"] = parsed("unit", unit_value, column_texts["unit"])
    scores = column_texts["score"]
    comma, refused = decimal_style(list(dict.fromkeys(scores)), table.delimiter)
    data["score"] = parsed("score", styled(lambda t: score_value(t, comma), refused, scores, rows), scores)
    progress.report(task, 4, 4 + len(spec.attributes))
    for j, a in enumerate(spec.attributes, start=5):
        if a.column not in cols:  # an optional column the file does not have: its default for everyone
            value, error = attr_value(a, a.default or "")
            data[a.column] = np.array([value] * n + [None], dtype=object)[:n]
            if error is not None:
                found.extend((k, order[a.column], error, a.column) for k in range(n) if k not in broken)
            continue
        cells = texts(cols[a.column])
        comma, refused, percent = False, {}, None
        if a.type in ("number", "share"):
            uniques = list(dict.fromkeys(cells))
            comma, refused = decimal_style(uniques, table.delimiter)
            if a.type == "share":
                percent, more = share_style([u for u in uniques if u not in refused], comma)
                refused |= more
        data[a.column] = parsed(a.column, styled(
            functools.partial(attr_value, a, decimal_comma=comma, percent=percent), refused, cells, rows), cells)
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
    ident = plain_text(text)
    return ident, None if ident else "empty id: every candidate needs one"

