"""Quota tables (附件1): a unit column and one column per award id (or its Chinese name), seats as whole
numbers; the totals checked against each award's seats. `unit_table` reads any table keyed by unit (a
quota table, unit statistics for apportioning) with its header found.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from selector.errors import ProblemCollector
from selector.reading.cells import decimal_style, parse_decimal, style_message
from selector.reading.files import read_table
from selector.reading.rules import RuleSet, ruleset_dir_path
from selector.reading.tables import (
    Table,
    check_control_characters,
    columns_twice,
    find_header,
    header_key,
    plain_text,
    split_sheet,
    table_columns,
)

MAX_SEATS = 1_000_000
QUOTA_UNIT_HEADERS = ("unit", "单位", "推荐单位")


@dataclass(frozen=True)
class Quotas:
    """The quota allocation table: award id -> unit -> seats, units in file order."""

    source: str
    units: list[str]
    seats: dict[str, dict[str, int]]

    def of(self, award_id: str) -> dict[str, int] | None:
        return self.seats.get(award_id)


def unit_table(path: Path | str) -> tuple[Table, int | None]:
    """A table keyed by unit (`file.xlsx#SHEET` too), title rows above its header skipped, and the
    position of its unit column (unit, 单位 or 推荐单位; None when it has none)."""
    path, sheet = split_sheet(path)
    table = find_header(read_table(path, sheet), [list(QUOTA_UNIT_HEADERS)])
    names = {header_key(n) for n in QUOTA_UNIT_HEADERS}
    return table, next((i for i, h in enumerate(table.header) if header_key(h) in names), None)


def read_quotas(path: Path | str, ruleset: RuleSet) -> Quotas:
    """Read the quota allocation table: a unit column and one column per award id (or its Chinese name)."""
    table, unit_col = unit_table(path)
    problems = ProblemCollector.for_path(table.source)
    keys = [header_key(h) for h in table.header]
    hr = table.header_row
    if unit_col is None:
        problems.add("missing column 'unit' (or 单位 / 推荐单位)", row=hr, column="unit")
    award_cols: dict[str, int] = {}
    for a in ruleset.awards:
        hits = [i for i, k in enumerate(keys) if k in (header_key(a.id), header_key(a.name_zh))]
        if len(hits) > 1:
            problems.add(columns_twice(table, hits, f"the quotas of '{a.id}'"), row=hr, column=a.id)
        elif hits:
            award_cols[a.id] = hits[0]
        elif a.quota != "none":
            problems.add(f"missing column '{a.id}' for award {a.name_zh}", row=hr, column=a.id)
    problems.raise_if_any()
    assert unit_col is not None
    check_control_characters(table, problems, [unit_col, *award_cols.values()])
    units: list[str] = []
    seats: dict[str, dict[str, int]] = {a: {} for a in award_cols}
    unreadable: set[str] = set()  # awards with a bad cell: their totals would only mislead
    columns = table_columns(table)
    styles = {a: decimal_style(list(dict.fromkeys(columns[i])) if i < len(columns) else [], table.delimiter)
              for a, i in award_cols.items()}  # 1,5 seats is one and a half (refused), never 15
    for cells, row in zip(table.records, table.rows):
        unit = plain_text(cells[unit_col] if unit_col < len(cells) else "")
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
                problems.add(style_message(kind, text, example, table.rows[columns[i].index(example)] if example
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
    return next(k for k, cells in enumerate(table.records) if col < len(cells) and plain_text(cells[col]) == unit)



def default_quota_path(ruleset: RuleSet, ruleset_path: Path | str) -> Path | None:
    return ruleset_dir_path(Path(ruleset_path), ruleset.quotas) if ruleset.quotas else None
