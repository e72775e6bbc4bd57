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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import pandas as pd

from selector.errors import InputErrors, InputProblem, ProblemCollector, check_input_file
from selector.rules import BASE_COLUMNS, NO, YES, Attribute, PoolSpec, RuleSet, ruleset_dir_path

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


@dataclass(frozen=True)
class Table:
    """A file's cells as text, with the row number the user sees for each record."""

    source: str
    header: list[str]
    records: list[list[str]]
    rows: list[int]
    header_row: int = 1


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
    for enc in ("utf-8-sig", "gb18030"):  # UTF-8 (with or without BOM), then GBK/GB18030 from Excel/WPS
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # binary data, not text
        return text
    raise _fail(path, "not a text file in UTF-8 or GBK/GB18030: save it as CSV (UTF-8) or XLSX")


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
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_row = 1
    records: list[list[str]] = []
    rows: list[int] = []
    while True:
        first = reader.line_num + 1  # the line a record starts on, which is what a user looks for
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise _fail(path, f"not a readable CSV file: {e}", row=first) from None
        if not any(c.strip() for c in cells) or (header is None and cells[0].lstrip().startswith("#")):
            continue  # blank line, or a comment line above the header
        _check_quotes(path, cells, first, reader.line_num, delimiter, header)
        if header is None:
            header, header_row = cells, first
            continue
        records.append(cells)
        rows.append(first)
    if header is None:
        raise _fail(path, "the file is empty: expected a header row", row=1)
    return Table(str(path), header, records, rows, header_row)


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


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    import openpyxl

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
    try:
        ws = _choose_sheet(path, wb, sheet)
        header: list[str] | None = None
        header_row = 1
        records, rows = [], []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else _xlsx_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header, header_row = cells, r
                continue
            records.append(cells)
            rows.append(r)
    except InputErrors:
        raise
    except Exception as e:  # a damaged sheet
        raise _fail(path, f"not a readable XLSX file: {e}") from None
    finally:
        wb.close()
    if header is None:
        raise _fail(path, f"the sheet '{ws.title}' is empty: expected a header row", row=1)
    return Table(str(path), header, records, rows, header_row)


def _sheet_has_data(ws) -> bool:
    """Two non-blank rows at least (a header and a record); read-only sheets do not know their size."""
    found = 0
    for values in ws.iter_rows(values_only=True):
        if any(v is not None and str(v).strip() for v in values):
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
                 and _sheet_has_data(wb[n])]  # a template's 说明 sheet and hidden lists are not data
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
        return repr(v)  # shortest text that round-trips, so 0.85 stays 0.85
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
    return Table(table.source, rows[best], rows[best + 1:], lines[best + 1:], lines[best])


# ------------------------------------------------------------------------------------ cell parsers
def parse_flag(text: str) -> str | None:
    t = normalise_header(text)
    if t in _YES_WORDS:
        return YES
    if t in _NO_WORDS:
        return NO
    return None


def parse_decimal(text: str) -> Decimal | None:
    """'86.5', '１,234.5', '1e2' -> Decimal; None for text, NaN, infinity and absurd magnitudes."""
    t = normalise_header(text).replace(",", "").replace(" ", "")
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    if not d.is_finite() or (d != 0 and not -30 <= d.adjusted() <= 30):
        return None  # 1e999999999 would take forever as an exact fraction
    return d


def parse_share(text: str) -> Fraction | None:
    """'85%', '85' or '0.85' -> 17/20 exactly; '1/3' too. Values above 1 and up to 100 are percents."""
    t = normalise_header(text).replace(" ", "")
    try:
        if "/" in t:
            if len(t) > 40:
                return None
            f = Fraction(t)
        else:
            pct = t.endswith("%")
            d = parse_decimal(t[:-1] if pct else t)
            if d is None:
                return None
            f = Fraction(d) / 100 if pct else Fraction(d)
            if not pct and f > 1:
                f = f / 100
    except (ValueError, ZeroDivisionError):
        return None
    return f if 0 <= f <= 1 else None


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
            problems.add(_not_one_of(attr, text), row=row, column=header)
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
            problems.add(f"{text.strip()} is outside the allowed range {_plain(attr.min)} to {_plain(attr.max)}",
                         row=row, column=header)
            return None
        return Fraction(d)
    if attr.type == "date":
        v = parse_date(text)
        if v is None and _date_parts(text) is not None:
            problems.add(f"'{text}' is not a date that exists: there is no such day", row=row, column=header)
        elif v is None:
            problems.add(f"'{text}' is not a date (write it as 2021-04-01)", row=row, column=header)
        return v
    if attr.type == "set":
        out = set()
        seps = {attr.separator, ";", "；", "、", ","}
        for part in re.split("|".join(re.escape(s) for s in seps if s), text):
            if not part.strip():
                continue
            v = _category(attr, part)
            if v is None:
                problems.add(_not_one_of(attr, part.strip()), row=row, column=header)
            else:
                out.add(v)
        return frozenset(out)
    return text.strip()  # text


def _score(text: str, problems: ProblemCollector, row: int, header: str) -> Decimal | None:
    t = text.strip()
    if not t:
        problems.add("empty: every candidate needs a score", row=row, column=header)
        return None
    d = parse_decimal(t)
    if d is None:
        word = normalise_header(t).lstrip("+-")
        if word in ("nan", "inf", "infinity", "snan"):
            problems.add(f"'{t}' is not a number: write the candidate's score, e.g. 86.5", row=row, column=header)
        else:
            problems.add(f"'{t}' is not a number", row=row, column=header)
        return None
    if d < 0:
        problems.add(f"score {t} is negative: scores must be 0 or more", row=row, column=header)
    elif d > MAX_SCORE:
        problems.add(f"score {t} is above {MAX_SCORE:,}: is this the right column?", row=row, column=header)
    elif d.as_tuple().exponent < -MAX_SCORE_DECIMALS:  # type: ignore[operator]
        problems.add(f"score {t} has more than {MAX_SCORE_DECIMALS} decimals", row=row, column=header)
    else:
        return d
    return None


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


def read_pool(path: Path | str, spec: PoolSpec, kind: str, units: list[str] | None) -> Pool:
    """Read one pool file against the rule set's pool spec and (if given) the quota table's units."""
    path, sheet = split_sheet(path)
    table = read_table(path, sheet)
    table = _find_header(table, [[c, *spec.base_aliases.get(c, [])] for c in BASE_COLUMNS])
    problems = ProblemCollector.for_path(table.source)
    cols = _match_columns(table, spec, problems)
    problems.raise_if_any()  # without the columns, row checks would only repeat the same problem
    extra = _extra_columns(table, set(cols.values()))
    _control_characters(table, problems, [*cols.values(), *(i for i, _ in extra)])
    width = len(table.header)
    data: dict[str, list] = {c: [] for c in BASE_COLUMNS}
    for a in spec.attributes:
        data[a.column] = []
    for _, h in extra:
        data[h] = []
    seen_ids: dict[str, int] = {}
    unit_set = set(units) if units is not None else None

    def header(column: str) -> str:
        i = cols.get(column)
        return table.header[i].strip() or column if i is not None else column

    for cells, row in zip(table.records, table.rows):
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problems.add(f"the row has {len(cells)} cells but the header only {width}: a cell holding a comma "
                         "needs quotes, or a column needs a header", row=row, column=f"#{width + 1}")
            for values in data.values():  # its cells are shifted: checking them one by one would only mislead
                values.append(None)
            continue
        cut = [c for c, i in cols.items() if i >= len(cells) and _needs_value(spec, c)]
        if cut:
            problems.add(f"the row has only {len(cells)} of the header's {width} cells, so "
                         f"{', '.join(header(c) for c in cut)} {'is' if len(cut) == 1 else 'are'} missing",
                         row=row, column=header(cut[0]))

        def get(column: str, cells: list[str] = cells) -> str:
            i = cols.get(column)
            return cells[i] if i is not None and i < len(cells) else ""

        ident = _plain_text(get("id"))
        if not ident:
            if "id" not in cut:
                problems.add("empty id: every candidate needs one", row=row, column=header("id"))
        elif ident in seen_ids:
            problems.add(f"duplicate id '{ident}' (first at row {seen_ids[ident]})", row=row, column=header("id"))
        else:
            seen_ids[ident] = row
        name = get("name").strip()
        if not name and "name" not in cut:
            problems.add("empty name", row=row, column=header("name"))
        unit = _plain_text(get("unit"))
        if not unit:
            if "unit" not in cut:
                problems.add("empty unit", row=row, column=header("unit"))
        elif unit_set is not None and unit not in unit_set:
            problems.add(f"unit '{unit}' is not in the quota table", row=row, column=header("unit"))
        score = _score(get("score"), problems, row, header("score")) if "score" not in cut else None
        data["id"].append(ident)
        data["name"].append(name)
        data["unit"].append(unit)
        data["score"].append(score)
        for a in spec.attributes:
            if a.column in cut:
                data[a.column].append(None)
            elif a.column in cols:
                data[a.column].append(_cell(a, get(a.column), problems, row, header(a.column)))
            else:  # an optional column the file does not have
                data[a.column].append(_cell(a, a.default or "", problems, row, a.column))
        for i, h in extra:
            data[h].append(cells[i].strip() if i < len(cells) else "")
    if not table.records:
        problems.add("no candidates: the file has a header row only", row=table.header_row + 1)
    problems.raise_if_any()
    frame = pd.DataFrame(data, dtype=object)
    return Pool(kind, table.source, frame, list(table.rows), [h for _, h in extra])


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
            d = parse_decimal(text) if text else Decimal(0)
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


def _control_characters(table: Table, problems: ProblemCollector, columns: list[int] | None = None) -> None:
    """Invisible control characters (U+0000-U+001F but tab and line breaks, U+007F-U+009F) come from
    damaged files or copied web pages; a spreadsheet cannot even hold them, so they are errors."""
    def bad(text: str) -> str | None:
        hit = _CONTROL.search(text)
        return None if hit is None else f"U+{ord(hit.group()):04X}"

    for i, h in enumerate(table.header):
        if (columns is None or i in columns) and (c := bad(h)):
            problems.add(f"the header holds an invisible control character ({c}): retype it",
                         row=table.header_row, column=f"#{i + 1}")
    for cells, row in zip(table.records, table.rows):
        for i, cell in enumerate(cells):
            if (columns is None or i in columns) and (c := bad(cell)):
                column = table.header[i].strip() if i < len(table.header) else f"#{i + 1}"
                problems.add(f"the cell holds an invisible control character ({c}): retype it",
                             row=row, column=column if not bad(column) else f"#{i + 1}")


def _plain_text(text: str) -> str:
    """A key cell (id, unit) as compared: NFKC, no zero-width characters, no surrounding spaces."""
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).strip()


def default_quota_path(ruleset: RuleSet, ruleset_path: Path | str) -> Path | None:
    return ruleset_dir_path(Path(ruleset_path), ruleset.quotas) if ruleset.quotas else None
