"""Eligibility screening: who the notice lets be selected at all, and why each other candidate is not.

Runs after pool reading and before model building, driven only by the rule set's `[[eligibility]]`
entries (rules.EligibilityRule: E2, E4-E9, C4, T2 for Fuxin 2021), never by code that knows a notice.
`screen` is a pure function: pools in, a `Screening` out, with for every candidate each failed rule
(id, clause, the notice's sentence, the value that failed), a per-unit summary against the quota
table, and the masks that `pipeline.select(..., eligible=masks)` and the model take.

Working days come from the Chinese official calendar (the `chinesecalendar` package: public holidays
are not working days, make-up weekend days are), never from a weekday count.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

import chinese_calendar
import numpy as np
import pandas as pd

from selector.domain import ScreenedOut, ScreeningSummary, UnitScreening
from selector.errors import InputErrors, InputProblem
from selector.i18n import _, current_lang
from selector.i18n import label as wording
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import Attribute, EligibilityRule, PoolSpec, RuleSet


@dataclass(frozen=True)
class Reason:
    """One failed eligibility rule, with the value that failed it."""

    rule: str
    clause: str
    text: str  # the notice's sentence
    value: str  # e.g. 'grassroots_vote (基层得票率) 79% < 80%'

    def __str__(self) -> str:
        return _("{rule} {clause} {text}: {value}", rule=self.rule, clause=self.clause, text=self.text,
                 value=self.value)


@dataclass(frozen=True)
class ScreenedCandidate:
    id: str
    name: str
    unit: str
    pool: str
    award: str  # the pool's top award (the one its slate is chosen for)
    eligible: bool
    reasons: tuple[Reason, ...] = ()
    preferences: tuple[str, ...] = ()  # preferred among equals (E3 craftsman, R11/C3 tech SME ...)


@dataclass(frozen=True)
class Screening:
    """Every candidate screened, the per-unit summary and the eligibility masks per pool."""

    candidates: list[ScreenedCandidate]
    units: list[UnitScreening]
    masks: dict[str, list[bool]] = field(default_factory=dict)  # pool kind -> eligible, in pool order

    @property
    def screened_out(self) -> list[ScreenedCandidate]:
        return [c for c in self.candidates if not c.eligible]

    def of_pool(self, kind: str) -> list[ScreenedCandidate]:
        return [c for c in self.candidates if c.pool == kind]

    def failures_by_rule(self) -> dict[str, int]:
        """Rule id -> number of candidates it screened out, in rule order of first appearance."""
        return dict(Counter(r.rule for c in self.candidates for r in c.reasons))

    def summary(self) -> ScreeningSummary:
        return ScreeningSummary(units=list(self.units), screened_out=[
            ScreenedOut(id=c.id, pool=c.pool, unit=c.unit, reasons=[str(r) for r in c.reasons])
            for c in self.screened_out])


# ------------------------------------------------------------------------------------ working days
class CalendarError(ValueError):
    """A date the official calendar cannot classify (a year outside the package's data)."""

    def __init__(self, day: dt.date, message: str):
        self.day = day
        super().__init__(message)


def calendar_years() -> tuple[int, int]:
    """The first and last year the installed chinesecalendar package has official data for."""
    years = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return min(years), max(years)


def working_days(start: dt.date, end: dt.date, holidays: list[dt.date] | tuple = (),
                 workdays: list[dt.date] | tuple = ()) -> int:
    """Working days from `start` to `end`, both included, on the Chinese official calendar.

    `holidays` and `workdays` (make-up working days) override the package; a year in which they list
    a date is taken as fully described by them (weekdays work, weekends rest, unless listed), which
    lets a rule set cover a year the package does not. Any other date outside the package's years
    raises CalendarError. 2021-04-01..07 (Qingming 3-5 April) has 4 working days; 2021-04-24..29 has
    5, Sunday 25 April 2021 being a make-up working day.
    """
    off, on = set(holidays), set(workdays)
    covered = {d.year for d in off | on}
    n = 0
    day = start
    while day <= end:
        if day in on:
            n += 1
        elif day in off:
            pass
        elif day.year in covered:
            n += day.weekday() < 5
        else:
            try:
                n += chinese_calendar.is_workday(day)
            except NotImplementedError:
                lo, hi = calendar_years()
                raise CalendarError(day, f"{day.isoformat()} is outside the years {lo}-{hi} of the official "
                                    "holiday calendar (chinesecalendar); give that year's public holidays and "
                                    "make-up working days in the rule's `holidays` / `workdays`") from None
        day += dt.timedelta(days=1)
    return n


# ------------------------------------------------------------------------------------ formatting
def _number(f: Fraction) -> str:
    """An exact fraction as a decimal when it terminates (79.99), else as n/d."""
    d = f.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d != 1:
        return f"{f.numerator}/{f.denominator}"
    with localcontext() as ctx:
        ctx.prec = 60
        text = format(Decimal(f.numerator) / Decimal(f.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(f: Fraction) -> str:
    p = f * 100
    return f"{_number(p)}%" if "/" not in _number(p) else f"{_number(f)} (≈{float(p):.2f}%)"


def _label(attr: Attribute | None, column: str) -> str:
    """The attribute as a person names it: 基层得票率 (Chinese), 'grassroots_vote (基层得票率)' (English)."""
    if current_lang() == "zh":
        return wording(attr, column) if attr is not None else column
    return f"{column} ({attr.label_zh})" if attr is not None and attr.label_zh else column


def _shown(attr: Attribute | None, value) -> str:
    """A canonical value as the templates write it in Chinese (是/否, 企业); as it is in English."""
    if value is None:
        return _("blank")
    if current_lang() != "zh":
        return str(value)
    if attr is not None and attr.type == "flag":
        return {"yes": "是", "no": "否"}.get(str(value), str(value))
    return _value_zh(attr, str(value))


def _value_zh(attr: Attribute | None, value: str) -> str:
    """The first Chinese alias of a canonical value (clearances: audit -> 审计), or the value."""
    if attr is not None:
        for alias, canonical in attr.value_aliases.items():
            if canonical == value:
                return alias
    return value


# ------------------------------------------------------------------------------------ the checks
def _applies(ruleset: RuleSet, rule: EligibilityRule, row: dict) -> bool:
    if rule.when is None:
        return True
    if isinstance(rule.when, str):  # a named group: where, where_not, any, within, not_within (issue 14)
        return ruleset.in_group(rule.when, row)
    return all(row.get(col) in vals for col, vals in rule.when.items())


def _failure(rule: EligibilityRule, spec: PoolSpec, row: dict) -> str | None:
    """Why the candidate fails the rule, in words with the failing value; None when it passes."""
    if rule.check == "any_of":
        if any(row.get(col) in vals for col, vals in rule.conditions.items()):
            return None
        has = _(", ").join(f"{_label(spec.attribute(c), c)} = {_shown(spec.attribute(c), row.get(c))}"
                           for c in rule.conditions)
        needs = _(" or ").join(f"{_label(spec.attribute(c), c)} {'/'.join(_shown(spec.attribute(c), x) for x in v)}"
                               for c, v in rule.conditions.items())
        return _("{has} (needs {needs})", has=has, needs=needs)
    if rule.check == "working_days":
        start, end = row.get(rule.start), row.get(rule.end)  # type: ignore[arg-type]
        blank = [c for c, v in ((rule.start, start), (rule.end, end)) if v is None]
        if blank:
            return _("{columns} blank: no public notice recorded", columns=_(" and ").join(
                f"{_label(spec.attribute(c), c)}" for c in blank))  # type: ignore[arg-type]
        if end < start:
            return _("notice ends {end} before it starts {start}", end=end.isoformat(), start=start.isoformat())
        n = working_days(start, end, rule.holidays, rule.workdays)
        if n >= rule.threshold:
            return None
        return _("notice {start}..{end}: {n} working days < {min}", start=start.isoformat(), end=end.isoformat(),
                 n=n, min=rule.threshold)
    col = rule.attribute
    assert col is not None
    attr = spec.attribute(col)
    v = row.get(col)
    label = _label(attr, col)
    if rule.check == "not_in":  # issue 14, 9
        if v not in rule.values:
            return None
        return _("{label} = {value}, must not be {banned}", label=label, value=_value_zh(attr, v),
                 banned=" / ".join(_value_zh(attr, x) for x in rule.values))
    if rule.check == "not_dated_within":  # issue 14, 8: a blank date is no such award, and passes
        first, last = rule.window
        if v is None or not first <= v <= last:
            return None
        return _("{label} {date} within {first}..{last}", label=label, date=v.isoformat(), first=first.isoformat(),
                 last=last.isoformat())
    if rule.check == "requires_all":
        have = v or frozenset()
        missing = [d for d in rule.values if d not in have]
        if not missing:
            return None
        if current_lang() == "zh":
            return _("{column} missing {values}", column=_label(attr, col),
                     values="、".join(_value_zh(attr, d) for d in missing))
        return _("{column} missing {values}", column=col,
                 values=", ".join(f"{d} ({_value_zh(attr, d)})" for d in missing))
    if v is None:
        return _("{column} blank: no value recorded", column=label)
    if rule.check == "min_share":
        if v >= rule.threshold:
            return None
        return _("{column} {value} < {min}", column=label, value=_percent(v), min=_percent(rule.threshold))
    if rule.check == "min_number":
        if v >= rule.threshold:
            return None
        return _("{column} {value} < {min}", column=label, value=_number(v), min=_number(rule.threshold))
    # flag_is
    if v == rule.value:
        return None
    return _("{column} = {value}, must be {required}", column=label, value=_shown(attr, v),
             required=_shown(attr, rule.value))


def _preferences(ruleset: RuleSet, spec: PoolSpec, kind: str, row: dict) -> tuple[str, ...]:
    """The tie-break marks a candidate carries: any value the rule set prefers over its last one."""
    marks = []
    for key in ruleset.tie_break.pools.get(kind, []):
        v = row.get(key.attribute)
        if v in key.values[:-1]:
            attr = spec.attribute(key.attribute)
            if attr is not None and attr.type == "flag":
                marks.append(attr.label_zh or key.attribute)
            else:
                zh = _value_zh(attr, v)
                marks.append(zh if zh != v else f"{key.attribute}={v}")
    return tuple(marks)


def _group_columns(ruleset: RuleSet, group: str, seen: set[str] | None = None) -> list[str]:
    """Every column that membership of a named group reads (its filters and those of nested groups)."""
    seen = set() if seen is None else seen
    if group == "all" or group in seen:
        return []
    seen.add(group)
    g = ruleset.groups[group]
    cols = list(g.where) + list(g.where_not) + [c for f in g.any for c in f]
    for h in [*g.within, *g.not_within]:
        cols += _group_columns(ruleset, h, seen)
    return cols


def _read_columns(ruleset: RuleSet, rule: EligibilityRule) -> list[str]:
    """The columns a rule's `when` and its check read: all that _applies and _failure look at."""
    cols: list[str] = []
    if isinstance(rule.when, str):
        cols += _group_columns(ruleset, rule.when)
    elif rule.when is not None:
        cols += list(rule.when)
    if rule.check == "any_of":
        cols += list(rule.conditions)
    elif rule.check == "working_days":
        cols += [rule.start, rule.end]  # type: ignore[list-item]
    elif rule.attribute is not None:
        cols.append(rule.attribute)
    return list(dict.fromkeys(cols))


def _distinct(table: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, list[int]]:
    """(group per row, first row of each group): rows with equal values in every one of `cols` share a group
    (a blank is a value of its own; a column the table lacks is blank in every row)."""
    code = np.zeros(len(table), dtype=np.int64)
    for c in cols:
        if c not in table.columns:
            continue
        column = table[c]
        part, uniques = pd.factorize(column, use_na_sentinel=False)
        code, _ = pd.factorize(code * (len(uniques) + 1) + part)  # dense again: the product never overflows
        blank = column.isna().to_numpy()
        if blank.any():  # factorize takes None and NaN for one value; the checks do not
            code, _ = pd.factorize(code * 2 + np.array([v is None for v in column], dtype=np.int64))
    groups, first = np.unique(code, return_index=True)
    return np.searchsorted(groups, code), first.tolist()


def _row(table: pd.DataFrame, cols: list[str], i: int) -> dict:
    """Row i restricted to `cols`, as table.to_dict('records') gives it (a missing column: absent)."""
    row = {c: table[c].iat[i] for c in cols if c in table.columns}
    return {c: v.item() if isinstance(v, np.generic) else v for c, v in row.items()}  # as to_dict boxes them


def screen(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas | None = None) -> Screening:
    """Screen every candidate of every pool against the rule set's eligibility rules.

    Vectorised: for each rule, candidates are grouped by the values of the columns the rule reads
    (_read_columns), and the per-row rules (_applies, _failure) run once per distinct group, whose verdict
    and message go to every member; per-row Python only assembles each candidate's record. Row by row,
    30,000 candidates took 28 s (the issue on speed). tests/eligibility_reference.py keeps the row-by-row
    version, and tests/test_eligibility.py checks that both give the same eligibility and reasons.

    A date the official calendar cannot classify is bad input: every such cell is collected with its
    file, row and column and raised once as InputErrors (in row order, then rule order).
    """
    problems: list[tuple[int, int, InputProblem]] = []
    candidates: list[ScreenedCandidate] = []
    masks: dict[str, list[bool]] = {}
    units: list[UnitScreening] = []
    for p, (kind, pool) in enumerate(pools.items()):
        spec = ruleset.pools[kind]
        rules = [e for e in ruleset.eligibility if kind in e.pools]
        tops = [a for a in ruleset.awards_of_pool(kind) if a.parent is None]
        award = tops[0] if tops else None
        table = pool.table
        reasons: list[list[Reason]] = [[] for _ in range(len(table))]
        for r, e in enumerate(rules):
            cols = _read_columns(ruleset, e)
            code, first = _distinct(table, cols)
            verdicts: list[Reason | CalendarError | None] = []
            for i in first:
                row = _row(table, cols, i)
                try:
                    failed = _failure(e, spec, row) if _applies(ruleset, e, row) else None
                except CalendarError as err:
                    verdicts.append(err)
                    continue
                verdicts.append(None if failed is None else Reason(e.id, e.clause, e.text, failed))
            bad = [g for g, v in enumerate(verdicts) if v is not None]
            if not bad:
                continue
            for i in np.flatnonzero(np.isin(code, bad)).tolist():
                v = verdicts[code[i]]
                if isinstance(v, CalendarError):
                    column = e.start if v.day == _row(table, cols, i).get(e.start) else e.end  # type: ignore[arg-type]
                    problems.append((p * 10**9 + i, r, InputProblem(pool.source, str(v), row=pool.rows[i],
                                                                    column=column, rule=e.id)))
                else:
                    reasons[i].append(v)  # type: ignore[arg-type]
        marks_of = [k.attribute for k in ruleset.tie_break.pools.get(kind, [])]
        code, first = _distinct(table, marks_of)
        marks = [_preferences(ruleset, spec, kind, _row(table, marks_of, i)) for i in first]
        ids, names, unit_of = ([str(v) for v in table[c]] for c in ("id", "name", "unit"))
        award_id = award.id if award else ""
        mask = [not rs for rs in reasons]
        candidates += [ScreenedCandidate(id=ids[i], name=names[i], unit=unit_of[i], pool=kind, award=award_id,
                                         eligible=mask[i], reasons=tuple(reasons[i]), preferences=marks[code[i]])
                       for i in range(len(table))]
        masks[kind] = mask
        if award is not None:
            units += _unit_summary(kind, award.id, pool, mask,
                                   quotas.of(award.id) if quotas is not None and award.quota != "none" else None,
                                   quotas.units if quotas is not None else [])
    if problems:
        raise InputErrors([problem for _, _, problem in sorted(problems, key=lambda t: (t[0], t[1]))])
    return Screening(candidates, units, masks)


def _unit_summary(kind: str, award: str, pool: Pool, mask: list[bool], by_unit: dict[str, int] | None,
                  quota_units: list[str]) -> list[UnitScreening]:
    """Submitted and eligible per unit against its quota; units of the quota table first, in its order."""
    unit_of = list(pool.table["unit"])
    order = list(quota_units) + [u for u in dict.fromkeys(unit_of) if u not in quota_units]
    submitted = Counter(unit_of)
    eligible = Counter(u for u, ok in zip(unit_of, mask) if ok)
    out = []
    for u in order:
        quota = by_unit.get(u, 0) if by_unit is not None else None
        out.append(UnitScreening(pool=kind, award=award, unit=u, submitted=submitted[u], eligible=eligible[u],
                                 quota=quota, shortfall=None if quota is None else max(0, quota - eligible[u])))
    return out
