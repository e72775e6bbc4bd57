"""Quota apportionment (issue 14, 7): draft a quota table (附件1 名额分配表) from unit statistics.

The office weighs indicators (e.g. 50% 在岗职工 + 50% 规上工业增加值: each unit's weight is the sum over
indicators of the indicator's share times the unit's part of that indicator's total), gives every unit
at least its minimum, and apportions the seats by one of three textbook methods, exactly (fractions):

  hamilton      largest remainder (Hamilton / Hare): each unit's quota is seats x weight; every unit gets
                the whole part, the seats left go to the largest remainders. With minimums: a unit whose
                quota is below its minimum gets the minimum and leaves the count; the rest is apportioned
                again among the others, until no unit is below its minimum.
  dhondt        highest averages with divisors 1, 2, 3, ... (D'Hondt / Jefferson)
  sainte_lague  highest averages with divisors 1, 3, 5, ... (Sainte-Laguë / Webster)
                Divisor methods start from each unit's minimum and give the seats one at a time to the
                unit with the highest weight / divisor(seats it holds).
Ties (equal remainders or averages) go to the larger weight, then to the unit listed first.
Every unit's number comes with the steps that gave it (`Apportionment.steps`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from selector.errors import InputErrors, InputProblem
from selector.i18n import _

METHODS = ("hamilton", "sainte_lague", "dhondt")


@dataclass
class Apportionment:
    method: str
    seats: int
    weights: dict[str, Fraction]  # unit -> weight (they sum to 1)
    result: dict[str, int]  # unit -> seats, in input order
    steps: dict[str, list[str]] = field(default_factory=dict)  # unit -> how its number was reached


def _fmt(f: Fraction, places: int = 4) -> str:
    return f"{float(f):.{places}f}"


def _divisor(method: str, s: int) -> int:
    return s + 1 if method == "dhondt" else 2 * s + 1


def apportion(weights: dict[str, Fraction | int | str], seats: int, method: str = "hamilton",
              minimum: int | dict[str, int] = 0) -> Apportionment:
    """Apportion `seats` among the units in proportion to `weights` (any non-negative numbers)."""
    if method not in METHODS:
        raise ValueError(_("unknown method {method}: use one of {methods}", method=method, methods=", ".join(METHODS)))
    units = list(weights)
    w = {u: Fraction(str(v)) if not isinstance(v, Fraction) else v for u, v in weights.items()}
    total = sum(w.values())
    if total <= 0 or any(v < 0 for v in w.values()):
        raise ValueError(_("weights must be non-negative and not all zero"))
    w = {u: v / total for u, v in w.items()}
    mins = {u: (minimum.get(u, 0) if isinstance(minimum, dict) else minimum) for u in units}
    if sum(mins.values()) > seats:
        raise ValueError(_("the minimums add up to {n}, more than the {seats} seats", n=sum(mins.values()),
                           seats=seats))
    order = {u: k for k, u in enumerate(units)}
    steps: dict[str, list[str]] = {u: [_("weight {w}", w=_fmt(w[u]))] for u in units}
    if method == "hamilton":
        fixed: dict[str, int] = {}
        while True:
            free = [u for u in units if u not in fixed]
            left = seats - sum(fixed.values())
            share = sum(w[u] for u in free)
            quota = {u: left * w[u] / share if share else Fraction(0) for u in free}
            below = [u for u in free if quota[u] < mins[u]]
            if not below:
                break
            for u in below:
                fixed[u] = mins[u]
                steps[u].append(_("quota {q} is below the minimum {m}: {m} seats", q=_fmt(quota[u]), m=mins[u]))
        result = dict(fixed)
        whole = {u: quota[u].numerator // quota[u].denominator for u in free}
        rest = left - sum(whole.values())
        ranked = sorted(free, key=lambda u: (-(quota[u] - whole[u]), -w[u], order[u]))
        lucky = set(ranked[:rest])
        for u in free:
            result[u] = whole[u] + (u in lucky)
            steps[u].append(_("quota {q} = {left} x {w}: whole part {n}, remainder {r}", q=_fmt(quota[u]),
                              left=left, w=_fmt(w[u] / share if share else Fraction(0)), n=whole[u],
                              r=_fmt(quota[u] - whole[u])))
            steps[u].append(_("one of the {k} largest remainders: +1", k=rest) if u in lucky
                            else _("remainder not among the {k} largest", k=rest))
    else:
        result = dict(mins)
        for u in units:
            if mins[u]:
                steps[u].append(_("minimum {m} seats first", m=mins[u]))
        for k in range(sum(mins.values()) + 1, seats + 1):
            u = max(units, key=lambda v: (w[v] / _divisor(method, result[v]), w[v], -order[v]))
            steps[u].append(_("seat {k}: highest average {a} = weight / {d}", k=k,
                              a=_fmt(w[u] / _divisor(method, result[u]), 6), d=_divisor(method, result[u])))
            result[u] += 1
    result = {u: result[u] for u in units}
    for u in units:
        steps[u].append(_("{n} seats", n=result[u]))
    return Apportionment(method, seats, w, result, steps)


def parse_indicators(specs: list[str]) -> dict[str, Fraction]:
    """['在岗职工=50%', '规上工业增加值=50%'] -> indicator -> share (the shares must add up to 100%)."""
    from selector.reading.rules import parse_fraction

    out: dict[str, Fraction] = {}
    for s in specs:
        name, sep, share = s.partition("=")
        if not sep or not name.strip():
            raise ValueError(_("indicator '{spec}' is not NAME=SHARE (e.g. 在岗职工=50%)", spec=s))
        try:
            out[name.strip()] = parse_fraction(share)
        except (ValueError, ZeroDivisionError):
            raise ValueError(_("indicator '{spec}': '{share}' is not a share like 50% or 1/2", spec=s,
                               share=share)) from None
    if sum(out.values()) != 1:
        raise ValueError(_("the indicator shares add up to {total}, not 100%", total=f"{float(sum(out.values())):.2%}"))
    return out


def weights_from_statistics(path: Path | str, indicators: dict[str, Fraction]) -> dict[str, Fraction]:
    """Each unit's weight: sum over indicators of share x (unit's value / the indicator's total).
    The statistics file (CSV or XLSX) has a unit column and one column per indicator."""
    from selector.reading.quotas import unit_table
    from selector.reading.tables import header_key

    table, unit_col = unit_table(path)
    keys = [header_key(h) for h in table.header]
    problems: list[InputProblem] = []
    if unit_col is None:
        problems.append(InputProblem(str(path), _("missing column 'unit' (or 单位 / 推荐单位)"), row=table.header_row))
    cols = {}
    for name in indicators:
        hit = [i for i, k in enumerate(keys) if k == header_key(name)]
        if not hit:
            problems.append(InputProblem(str(path), _("missing indicator column '{name}'", name=name),
                                         row=table.header_row,
                                         column=name))
        else:
            cols[name] = hit[0]
    if problems:
        raise InputErrors(problems)
    values: dict[str, dict[str, Fraction]] = {}
    for cells, row in zip(table.records, table.rows):
        unit = cells[unit_col].strip() if unit_col < len(cells) else ""  # type: ignore[operator]
        if not unit:
            problems.append(InputProblem(str(path), _("empty unit"), row=row))
            continue
        if unit in values:
            problems.append(InputProblem(str(path), _("unit '{unit}' appears twice", unit=unit), row=row))
            continue
        values[unit] = {}
        for name, i in cols.items():
            text = (cells[i] if i < len(cells) else "").strip().replace(",", "")
            try:
                d = Decimal(text)
            except InvalidOperation:
                d = None
            if d is None or not d.is_finite() or d < 0:
                problems.append(InputProblem(str(path), _("'{text}' is not a number (0 or more)", text=text), row=row,
                                             column=table.header[i].strip()))
                continue
            values[unit][name] = Fraction(d)
    if not values and not problems:
        problems.append(InputProblem(str(path), _("no units: the file has a header row only")))
    if problems:
        raise InputErrors(problems)
    weights = {u: Fraction(0) for u in values}
    for name, share in indicators.items():
        total = sum(v[name] for v in values.values())
        if total == 0:
            raise InputErrors([InputProblem(str(path), _("indicator '{name}' is 0 for every unit", name=name),
                                            column=name)])
        for u, v in values.items():
            weights[u] += share * v[name] / total
    return weights


def format_apportionment(a: Apportionment) -> str:
    """How each unit's number was reached, unit by unit."""
    names = {"hamilton": _("largest remainder (Hamilton)"), "dhondt": _("D'Hondt (divisors 1, 2, 3, ...)"),
             "sainte_lague": _("Sainte-Laguë (divisors 1, 3, 5, ...)")}
    out = [_("{seats} seats by {method}:", seats=a.seats, method=names[a.method])]
    for u, n in a.result.items():
        out.append(f"  {u}: {n}  — " + "; ".join(a.steps[u]))
    return "\n".join(out)


def write_quota_table(path: Path, award: str, a: Apportionment, into: Path | None = None, force: bool = False) -> None:
    """Write (atomically) a quota table `select` reads: `unit,<award>`; with `into`, that table with the
    award's column added or replaced (its other columns and units kept; every unit must be in both)."""
    import csv
    import io
    import os
    import tempfile

    from selector.reading.files import read_table
    from selector.reading.quotas import QUOTA_UNIT_HEADERS
    from selector.reading.tables import find_header

    if path.exists() and not force and path != into:
        raise InputErrors([InputProblem(str(path), _("the file exists: pass --force to replace it"))])
    header, rows = ["unit", award], [[u, str(n)] for u, n in a.result.items()]
    if into is not None:
        t = find_header(read_table(into), [list(QUOTA_UNIT_HEADERS)])
        h = [x.strip() for x in t.header]
        keep = [i for i, x in enumerate(h) if x != award]
        by_unit = {r[0].strip(): r for r in t.records}
        missing = sorted(set(a.result) ^ set(by_unit))
        if missing:
            raise InputErrors([InputProblem(str(into), _("units not in both tables: {units}",
                                                         units=", ".join(missing)))])
        header = [h[i] for i in keep] + [award]
        rows = [[by_unit[u][i] if i < len(by_unit[u]) else "" for i in keep] + [str(a.result[u])] for u in by_unit]
    from selector.outputs.sheets import csv_safe

    buf = io.StringIO()
    buf.write(f"# drafted by selector apportion: {a.method}, {a.seats} seats ({award})\n")
    csv.writer(buf, lineterminator="\n").writerows([[csv_safe(c) for c in r] for r in [header, *rows]])
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)
