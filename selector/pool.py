"""Reading and validating candidate pools and quota tables (CSV or XLSX).

Every problem in a file is collected with its row and column and raised once (InputErrors), so an
office fixes a file in one pass. Values are normalised to the rule set's canonical values:
categories to their English value, flags to yes/no, shares and numbers to exact Fractions, scores
to Decimals, dates to datetime.date, sets to frozensets. Inputs are only ever read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import pandas as pd

from selector.errors import InputErrors, InputProblem, ProblemCollector
from selector.rules import BASE_COLUMNS, NO, YES, Attribute, PoolSpec, RuleSet, ruleset_dir_path

_YES_WORDS = {"yes", "y", "true", "t", "1", "是", "有", "√"}
_NO_WORDS = {"no", "n", "false", "f", "0", "否", "无", "×"}


@dataclass(frozen=True)
class Table:
    """A file's cells as text, with the row number the user sees for each record."""

    source: str
    header: list[str]
    records: list[list[str]]
    rows: list[int]


@dataclass(frozen=True)
class Pool:
    """A validated pool: one row per candidate, canonical columns, in file order."""

    kind: str  # the rule set's pool name: individuals / collectives
    source: str
    table: pd.DataFrame  # id, name, unit, score, then the rule set's attributes, then extra columns
    rows: list[int]  # the file row of each candidate, for messages
    extra_columns: list[str] = field(default_factory=list)  # passed through to outputs

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
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):  # UTF-8 (with or without BOM), then GBK/GB18030 from Excel/WPS
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputErrors([InputProblem(str(path), "neither UTF-8 nor GB18030 text; save the file as CSV UTF-8")])


def read_table(path: Path | str, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file as text cells. Blank rows are skipped (they hold nothing to drop)."""
    path = Path(path)
    if not path.exists():
        raise InputErrors([InputProblem(str(path), "file not found")])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    records, rows = [], []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells) or (header is None and cells[0].lstrip().startswith("#")):
                continue  # blank line, or a comment line above the header
            if header is None:
                header = cells
                continue
            records.append(cells)
            rows.append(reader.line_num)
    except csv.Error as e:
        raise InputErrors([InputProblem(str(path), f"not a readable CSV file: {e}", row=reader.line_num)]) from None
    if header is None:
        raise InputErrors([InputProblem(str(path), "the file is empty: expected a header row")])
    return Table(str(path), header, records, rows)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise InputErrors([InputProblem(str(path), f"not a readable XLSX file: {e}")]) from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise InputErrors([InputProblem(str(path), f"no sheet named '{sheet}' (sheets: {wb.sheetnames})")])
            ws = wb[sheet]
        else:
            nonempty = [n for n in wb.sheetnames if wb[n].max_row and wb[n].max_row > 1]
            if len(nonempty) > 1:
                raise InputErrors([InputProblem(
                    str(path), f"several sheets hold data {nonempty}: name one with '{path.name}#SHEET'")])
            ws = wb[nonempty[0]] if nonempty else wb.worksheets[0]
        header: list[str] | None = None
        records, rows = [], []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else _xlsx_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
                continue
            records.append(cells)
            rows.append(r)
    finally:
        wb.close()
    if header is None:
        raise InputErrors([InputProblem(str(path), "the sheet is empty: expected a header row")])
    return Table(str(path), header, records, rows)


def _xlsx_text(v: object) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, float):
        return repr(v)  # shortest text that round-trips, so 0.85 stays 0.85
    return str(v)


def split_sheet(spec: str | Path) -> tuple[Path, str | None]:
    """'pool.xlsx#个人' -> (pool.xlsx, '个人')."""
    s = str(spec)
    if "#" in s and s.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
        p, sheet = s.split("#", 1)
        return Path(p), sheet
    return Path(s), None


# ------------------------------------------------------------------------------------ cell parsers
def parse_flag(text: str) -> str | None:
    t = normalise_header(text)
    if t in _YES_WORDS:
        return YES
    if t in _NO_WORDS:
        return NO
    return None


def parse_share(text: str) -> Fraction | None:
    """'85%', '85' or '0.85' -> 17/20 exactly. Values above 1 and up to 100 are percents."""
    t = normalise_header(text).replace(" ", "")
    try:
        if t.endswith("%"):
            f = Fraction(t[:-1]) / 100
        else:
            f = Fraction(t)
            if f > 1:
                f = f / 100
    except (ValueError, ZeroDivisionError):
        return None
    return f if 0 <= f <= 1 else None


def parse_decimal(text: str) -> Decimal | None:
    try:
        d = Decimal(normalise_header(text).replace(",", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def parse_date(text: str) -> dt.date | None:
    t = normalise_header(text).replace("/", "-").replace(".", "-")
    t = t.replace("年", "-").replace("月", "-").replace("日", "")
    try:
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in t.split("-")))
    except ValueError:
        return None


def _category(attr: Attribute, text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text).strip()
    if t in attr.values:
        return t
    if t in attr.value_aliases:
        return attr.value_aliases[t]
    low = t.lower().replace(" ", "_").replace("-", "_")
    return low if low in attr.values else None


def _cell(attr: Attribute, text: str, problems: ProblemCollector, row: int, header: str):
    """Parse one attribute cell; record a problem and return None when it is not valid."""
    blank = not text.strip()
    if blank:
        if attr.type == "set":
            return frozenset()
        if attr.allow_blank:
            return None
        if attr.default is not None:
            return _cell(attr, attr.default, problems, row, header)
        problems.add(f"empty, but '{attr.column}' needs a value", row=row, column=header)
        return None
    if attr.type == "category":
        v = _category(attr, text)
        if v is None:
            problems.add(f"'{text}' is not one of {', '.join(attr.values)}", row=row, column=header)
        return v
    if attr.type == "flag":
        v = parse_flag(text)
        if v is None:
            problems.add(f"'{text}' is not yes/no (是/否)", row=row, column=header)
        return v
    if attr.type == "share":
        v = parse_share(text)
        if v is None:
            problems.add(f"'{text}' is not a share between 0 and 100% (write 85%, 85 or 0.85)",
                         row=row, column=header)
        return v
    if attr.type == "number":
        d = parse_decimal(text)
        if d is None:
            problems.add(f"'{text}' is not a number", row=row, column=header)
            return None
        if (attr.min is not None and d < Decimal(str(attr.min))) or (
                attr.max is not None and d > Decimal(str(attr.max))):
            problems.add(f"{text} is outside {attr.min}..{attr.max}", row=row, column=header)
            return None
        return Fraction(d)
    if attr.type == "date":
        v = parse_date(text)
        if v is None:
            problems.add(f"'{text}' is not a date (write 2021-04-01)", row=row, column=header)
        return v
    if attr.type == "set":
        out = set()
        for part in text.replace("；", ";").replace("、", ";").replace(",", ";").split(";"):
            if not part.strip():
                continue
            v = _category(attr, part)
            if v is None:
                problems.add(f"'{part.strip()}' is not one of {', '.join(attr.values)}", row=row, column=header)
            else:
                out.add(v)
        return frozenset(out)
    return text.strip()  # text


def _match_columns(table: Table, spec: PoolSpec, problems: ProblemCollector) -> dict[str, int]:
    """Map each canonical column to its position in the file, by name or alias."""
    found: dict[str, int] = {}
    normal = [normalise_header(h) for h in table.header]
    seen: dict[str, int] = {}
    for i, h in enumerate(normal):
        if h and h in seen:
            problems.add(f"column '{table.header[i].strip()}' appears twice (columns {seen[h] + 1} and {i + 1})")
        seen.setdefault(h, i)
    wanted: list[tuple[str, list[str], bool]] = [
        (c, spec.base_aliases.get(c, []), True) for c in BASE_COLUMNS]
    wanted += [(a.column, a.aliases + ([a.label_zh] if a.label_zh else []), a.required) for a in spec.attributes]
    for column, aliases, required in wanted:
        names = [normalise_header(n) for n in [column, *aliases]]
        hit = next((seen[n] for n in names if n in seen), None)
        if hit is not None:
            found[column] = hit
        elif required:
            problems.add(f"missing column '{column}'" + (f" (or {' / '.join(aliases)})" if aliases else ""),
                         row=1, column=column)
    return found


def read_pool(path: Path | str, spec: PoolSpec, kind: str, units: list[str] | None) -> Pool:
    """Read one pool file against the rule set's pool spec and (if given) the quota table's units."""
    path, sheet = split_sheet(path)
    table = read_table(path, sheet)
    problems = ProblemCollector.for_path(table.source)
    cols = _match_columns(table, spec, problems)
    problems.raise_if_any()  # without the columns, row checks would only repeat the same problem
    used = set(cols.values())
    extra = [(i, h.strip()) for i, h in enumerate(table.header) if i not in used and h.strip()]
    data: dict[str, list] = {c: [] for c in BASE_COLUMNS}
    for a in spec.attributes:
        data[a.column] = []
    for _, h in extra:
        data[h] = []
    seen_ids: dict[str, int] = {}
    unit_set = set(units) if units is not None else None
    for cells, row in zip(table.records, table.rows):
        def get(column: str) -> str:
            i = cols.get(column)
            return cells[i] if i is not None and i < len(cells) else ""

        def header(column: str) -> str:
            i = cols.get(column)
            return table.header[i].strip() if i is not None else column

        ident = unicodedata.normalize("NFKC", get("id")).strip()
        if not ident:
            problems.add("empty id", row=row, column=header("id"))
        elif ident in seen_ids:
            problems.add(f"duplicate id '{ident}' (first at row {seen_ids[ident]})", row=row, column=header("id"))
        else:
            seen_ids[ident] = row
        name = get("name").strip()
        if not name:
            problems.add("empty name", row=row, column=header("name"))
        unit = unicodedata.normalize("NFKC", get("unit")).strip()
        if not unit:
            problems.add("empty unit", row=row, column=header("unit"))
        elif unit_set is not None and unit not in unit_set:
            problems.add(f"unit '{unit}' is not in the quota table", row=row, column=header("unit"))
        score = parse_decimal(get("score"))
        if score is None or score < 0:
            problems.add(f"score '{get('score')}' is not a number >= 0", row=row, column=header("score"))
        elif score.as_tuple().exponent < -6:  # type: ignore[operator]
            problems.add(f"score '{get('score')}' has more than 6 decimals", row=row, column=header("score"))
        data["id"].append(ident)
        data["name"].append(name)
        data["unit"].append(unit)
        data["score"].append(score)
        for a in spec.attributes:
            if a.column in cols:
                data[a.column].append(_cell(a, get(a.column), problems, row, header(a.column)))
            else:  # an optional column the file does not have
                data[a.column].append(_cell(a, a.default or "", problems, row, a.column))
        for i, h in extra:
            data[h].append(cells[i] if i < len(cells) else "")
    if not table.records:
        problems.add("no candidates: the file has a header row only")
    problems.raise_if_any()
    frame = pd.DataFrame(data, dtype=object)
    return Pool(kind, table.source, frame, list(table.rows), [h for _, h in extra])


def read_quotas(path: Path | str, ruleset: RuleSet) -> Quotas:
    """Read the quota allocation table: a unit column and one column per award id (or its Chinese name)."""
    path, sheet = split_sheet(path)
    table = read_table(path, sheet)
    problems = ProblemCollector.for_path(table.source)
    normal = [normalise_header(h) for h in table.header]
    unit_col = next((i for i, h in enumerate(normal) if h in ("unit", "单位", "推荐单位")), None)
    if unit_col is None:
        problems.add("missing column 'unit' (or 单位 / 推荐单位)", row=1, column="unit")
    award_cols: dict[str, int] = {}
    for a in ruleset.awards:
        for name in (a.id, a.name_zh):
            if normalise_header(name) in normal:
                award_cols[a.id] = normal.index(normalise_header(name))
                break
        else:
            if a.quota != "none":
                problems.add(f"missing column '{a.id}' for award {a.name_zh}", row=1, column=a.id)
    problems.raise_if_any()
    assert unit_col is not None
    units: list[str] = []
    seats: dict[str, dict[str, int]] = {a: {} for a in award_cols}
    for cells, row in zip(table.records, table.rows):
        unit = unicodedata.normalize("NFKC", cells[unit_col] if unit_col < len(cells) else "").strip()
        if not unit:
            problems.add("empty unit", row=row, column=table.header[unit_col].strip())
            continue
        if unit in units:
            problems.add(f"unit '{unit}' appears twice", row=row, column=table.header[unit_col].strip())
            continue
        units.append(unit)
        for award_id, i in award_cols.items():
            text = cells[i].strip() if i < len(cells) else ""
            d = parse_decimal(text) if text else Decimal(0)
            if d is None or d < 0 or d != d.to_integral_value():
                problems.add(f"'{text}' is not a whole number of seats >= 0", row=row, column=table.header[i].strip())
                continue
            seats[award_id][unit] = int(d)
    if not units:
        problems.add("no units: the file has a header row only")
    for award_id, by_unit in seats.items():
        award = ruleset.award(award_id)
        total = sum(by_unit.values())
        if award.quota == "exact" and total + award.open_seats != award.seats:
            problems.add(f"quotas of '{award_id}' add up to {total} (+{award.open_seats} open seats), "
                         f"but the award must fill exactly {award.seats} seats", column=table.header[award_cols[award_id]])
        elif award.quota == "cap" and total + award.open_seats < award.seats:
            problems.add(f"quotas of '{award_id}' add up to {total} (+{award.open_seats} open seats), "
                         f"fewer than the {award.seats} seats to fill", column=table.header[award_cols[award_id]])
    problems.raise_if_any()
    return Quotas(table.source, units, seats)


def default_quota_path(ruleset: RuleSet, ruleset_path: Path | str) -> Path | None:
    return ruleset_dir_path(Path(ruleset_path), ruleset.quotas) if ruleset.quotas else None
