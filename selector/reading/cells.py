"""Cell values: one cell's text -> the rule set's canonical value (categories to their English value, flags
to yes/no, shares and numbers to exact Fractions, scores to Decimals, dates to datetime.date, sets to
frozensets), or what is wrong with it.

Whole columns are read by one rule (see the README's pool section): a column of numbers uses decimal
commas (`99,5`) or decimal points, never both; a column of shares is fractions (every bare number <= 1)
or percents (some bare number > 1), `85%` always a percent. Each column's distinct values are parsed
once (`parse_column`), so a 200,000-row pool is read in seconds.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import pandas as pd

from selector.i18n import _
from selector.reading.rules import NO, YES, Attribute
from selector.reading.tables import ZERO_WIDTH, normalise_header

_YES_WORDS = {"yes", "y", "true", "t", "1", "是", "有", "√"}
_NO_WORDS = {"no", "n", "false", "f", "0", "否", "无", "×"}
MAX_SCORE = Decimal(1_000_000)  # keeps merit sums (scaled to integers, up to 6 decimals) well inside 64 bits
MAX_SCORE_DECIMALS = 6
EXCEL_DIGITS = 15  # significant digits a spreadsheet keeps: 90.50000000000001 is 90.5 with binary noise


def parse_flag(text: str) -> str | None:
    t = normalise_header(text)
    if t in _YES_WORDS:
        return YES
    if t in _NO_WORDS:
        return NO
    return None


def parse_decimal(text: str, decimal_comma: bool = False) -> Decimal | None:
    """'86.5', '１,234.5', '1e2' -> Decimal; None for text, NaN, infinity and absurd magnitudes.
    With decimal_comma (a column written the European way, see decimal_style): '99,5' and '1.234,5'.
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
    A column decides `percent` once for all its cells: see share_style."""
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


def decimal_style(uniques: list[str], delimiter: str | None) -> tuple[bool, dict[str, tuple[str, str]]]:
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


def share_style(uniques: list[str], decimal_comma: bool) -> tuple[bool, dict[str, tuple[str, str]]]:
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


def style_message(kind: str, text: str, example: str, example_row: int | None) -> str:
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
    t = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).strip()
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


def attr_value(attr: Attribute, text: str, decimal_comma: bool = False, percent: bool | None = None
                ) -> tuple[object, str | None]:
    """One attribute cell -> (canonical value, None), or (None, what is wrong with it)."""
    if not text.strip():
        if attr.type == "set":
            return frozenset(), None
        if attr.allow_blank:
            return None, None
        if attr.default is not None:
            return attr_value(attr, attr.default)
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


def score_value(text: str, decimal_comma: bool = False) -> tuple[Decimal | None, str | None]:
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


def parse_column(texts: list[str], parse) -> tuple[np.ndarray, list[tuple[int, str]]]:
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



def styled(parse, refused: dict[str, tuple[str, str]], cells: list[str], rows: list[int]):
    """`parse`, except for the cells a column's convention refuses (see decimal_style, share_style)."""
    if not refused:
        return parse

    def run(text: str):
        if text in refused:
            kind, example = refused[text]
            example_row = rows[cells.index(example)] if example else None
            return None, style_message(kind, text, example, example_row)
        return parse(text)

    return run

