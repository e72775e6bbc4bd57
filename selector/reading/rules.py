"""The rule-set schema: a notice encoded as data (models/*.toml), validated into typed classes.

A new notice, year or city is a new TOML file, not new code. Every rule carries its id, the clause
of the notice it comes from and the notice's own sentence, so every message can quote them.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from selector.i18n import _, current_lang
from selector.reading.paperwork_schema import ConsultationForm as ConsultationForm  # re-exported: the schema's
from selector.reading.paperwork_schema import FormRule as FormRule  # paperwork section, read as rules.X before
from selector.reading.paperwork_schema import Forms as Forms
from selector.reading.paperwork_schema import Paperwork
from selector.reading.paperwork_schema import PaperworkColumn as PaperworkColumn
from selector.reading.paperwork_schema import SummaryTable as SummaryTable
from selector.reading.strict import Strict

BASE_COLUMNS = ("id", "name", "unit", "score")
# Ids no award, group or attribute may take: the quota table's unit column, the pool's base columns, the
# whole slate ('all') and the summary tables' own columns (issue 14: an award `unit` broke the quota table).
RESERVED_IDS = frozenset({*BASE_COLUMNS, "all", "seq", "rank"})
YES = "yes"
NO = "no"


def parse_fraction(text: str | int | float) -> Fraction:
    """'55%' -> 11/20, '1/3' -> 1/3, '0.55' -> 11/20, exactly (never through a float)."""
    s = str(text).strip().replace("％", "%")
    if s.endswith("%"):
        return Fraction(s[:-1].strip()) / 100
    return Fraction(s)


def format_fraction(f: Fraction) -> str:
    """A fraction as the notice would write it: 55% when it is a whole percent, else 1/3."""
    pct = f * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    return f"{f.numerator}/{f.denominator}"


_Strict = Strict  # the base of every class below (selector/reading/strict.py)


class Attribute(_Strict):
    """One column the rule set reads from a pool, with its allowed values and header aliases."""

    column: str
    type: Literal["category", "flag", "share", "number", "date", "set", "text"]
    label_zh: str = ""
    label_en: str = ""
    aliases: list[str] = Field(default_factory=list)  # other headers accepted (Chinese)
    values: list[str] = Field(default_factory=list)  # category / set: canonical values
    value_aliases: dict[str, str] = Field(default_factory=dict)  # e.g. 企业 -> enterprise
    required: bool = True  # a pool without this column is an error
    allow_blank: bool = False  # blank cells allowed (read as None / empty set)
    default: str | None = None  # value used when the column is absent and not required
    min: float | None = None  # number: inclusive range
    max: float | None = None
    separator: str = ";"  # set: separator between values

    @model_validator(mode="after")
    def _check(self) -> Attribute:
        if self.type in ("category", "set") and not self.values:
            raise ValueError(f"attribute '{self.column}' of type {self.type} needs 'values'")
        for alias, canonical in self.value_aliases.items():
            if canonical not in self.values:
                raise ValueError(
                    f"attribute '{self.column}': value alias '{alias}' maps to undeclared value '{canonical}'")
        return self

    @property
    def allowed(self) -> list[str]:
        return [YES, NO] if self.type == "flag" else self.values


class PoolSpec(_Strict):
    """What a pool (individuals or collectives) must contain."""

    label_zh: str = ""
    label_en: str = ""
    counter_zh: str = "名"  # the measure word of one entry in Chinese totals: 共 180 名; collectives: 个
    base_aliases: dict[str, list[str]] = Field(default_factory=dict)  # id/name/unit/score -> headers
    attributes: list[Attribute] = Field(default_factory=list)

    def attribute(self, column: str) -> Attribute | None:
        return next((a for a in self.attributes if a.column == column), None)


class Award(_Strict):
    """An award with its seats; a subset award (the special class) is chosen from its parent's slate."""

    id: str
    name_zh: str
    name_en: str = ""
    pool: str
    seats: int = Field(ge=0)
    parent: str | None = None  # subset of this award's slate, not extra seats (S2)
    quota: Literal["cap", "exact", "none"] = "cap"  # how the quota table's column for this award binds
    open_seats: int = Field(default=0, ge=0)  # 单列: seats not tied to a unit's quota
    # 单列表彰 (issue 14, 3): only members of this group may take the open seats; a unit's non-members
    # never exceed its quota ("10 of the 110 from contest champions, 不占各地名额"). Absent: anyone may.
    open_group: str | None = None
    # issue 14, 4: one of several top-level awards of one pool (劳动模范 and 先进工作者); a candidate holds at
    # most one of them, each has its own seats, quotas and rules; their merits count together
    disjoint: bool = False
    reward_yuan: int = Field(default=0, ge=0)  # W1: money per holder (issue: paperwork)
    clause: str = ""
    text: str = ""


class Group(_Strict):
    """A named filter over a pool's attributes: AND across attributes, OR within one attribute's list.

    A candidate is a member when every part holds: `where` (the value is one of the listed values; the key
    may be `unit`, the recommending unit), `where_not` (the value is none of the listed ones: "not in"),
    `any` (at least one of these filters holds: OR across attributes), `within` (a member of each of these
    groups) and `not_within` (a member of none of them: NOT). Issue 14, items 2 and 9.
    """

    pool: str
    label_zh: str = ""
    label_en: str = ""
    where: dict[str, list[str]] = Field(default_factory=dict)
    within: list[str] = Field(default_factory=list)  # nest inside other groups (AND)
    where_not: dict[str, list[str]] = Field(default_factory=dict)  # value not in the list
    any: list[dict[str, list[str]]] = Field(default_factory=list)  # OR of filters
    not_within: list[str] = Field(default_factory=list)  # outside these groups

    def filters(self) -> list[dict[str, list[str]]]:
        return [self.where, self.where_not, *self.any]


class Rule(_Strict):
    """A structural rule on a slate.

    kind 'share': den*count(group) op num*count(of) with `share` = num/den exact, `of` a group or 'all'.
    kind 'count': min <= count(group) <= max (fixed counts, 控制数 caps).
    A soft rule (hard = false) costs `weight` merit points per person it falls short.
    op '=' (share): exactly that share, den*count(group) == num*count(of) (issue 14, 9).
    Per unit (issue 14, 2): with `per_unit = true` the rule holds within each unit's part of the slate
    separately (counts of the unit's members only); `units` names the units it holds in (implies per_unit;
    absent: every unit of the quota table). For a count, `max_by_unit` / `min_by_unit` give a unit its own
    bound (a 控制数 allocated per unit); a unit missing from them takes the uniform `max` / `min`, if any.
    """

    id: str
    clause: str
    text: str  # the notice's own sentence
    text_en: str = ""
    award: str
    kind: Literal["share", "count"]
    group: str
    op: Literal[">=", "<=", "="] | None = None
    share: str | None = None
    of: str = "all"
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    hard: bool = True
    weight: float = Field(default=0, ge=0)
    explicit: bool = True  # false for targets the office set where the notice gives no number (R10)
    per_unit: bool = False
    units: list[str] = Field(default_factory=list)
    # unit -> bound, or the name of a column of the quota table holding them (read with the table)
    min_by_unit: dict[str, int] | str = Field(default_factory=dict)
    max_by_unit: dict[str, int] | str = Field(default_factory=dict)

    @property
    def scoped(self) -> bool:
        """The rule holds within each unit separately (issue 14, 2)."""
        return self.per_unit or bool(self.units) or bool(self.min_by_unit) or bool(self.max_by_unit)

    def unit_bounds(self, unit: str) -> tuple[int | None, int | None]:
        """(min, max) of a count rule in one unit: its own entry, else the uniform bound."""
        assert isinstance(self.min_by_unit, dict) and isinstance(self.max_by_unit, dict), "unresolved column"
        return self.min_by_unit.get(unit, self.min), self.max_by_unit.get(unit, self.max)

    def applies_in(self, units: list[str]) -> list[str]:
        """The units a scoped rule holds in, of those given (the quota table's)."""
        return [u for u in units if u in self.units] if self.units else list(units)

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.kind == "share":
            _check_share(self.op, self.share)
        else:
            if self.min is None and self.max is None and not self.min_by_unit and not self.max_by_unit:
                raise ValueError("a count rule needs 'min' or 'max'")
            tables = [t for t in (self.min_by_unit, self.max_by_unit) if isinstance(t, dict)]
            if any(v < 0 for t in tables for v in t.values()):
                raise ValueError(_("a per-unit bound is negative"))
            if self.min is not None and self.max is not None and self.min > self.max:
                raise ValueError(f"min {self.min} is above max {self.max}")
        if not self.hard and self.weight <= 0:
            raise ValueError("a soft rule needs a positive 'weight' (merit points per person short)")
        if self.scoped and not self.hard:
            raise ValueError(_("a per-unit rule must be hard (soft per-unit rules are not supported)"))
        if (self.min_by_unit or self.max_by_unit) and self.kind != "count":
            raise ValueError(_("'min_by_unit' / 'max_by_unit' apply to count rules only"))
        return self

    @property
    def fraction(self) -> Fraction:
        assert self.share is not None
        return parse_fraction(self.share)


def _check_share(op: str | None, share: str | None) -> None:
    if op is None or share is None:
        raise ValueError("a share rule needs 'op' and 'share'")
    try:
        f = parse_fraction(share)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"share '{share}' is not a fraction like 55% or 1/3") from None
    if not 0 <= f <= 1:
        raise ValueError(f"share '{share}' is outside 0..100%")


class CrossRule(_Strict):
    """A hard rule over the slates of several awards together, of one pool or several (issue 14, 5): 非公 or 重点产业
    at least 35% of 奖状 + 奖章 + 先锋号. `group` / `of`: the group counted in each pool of the awards (a table
    pool -> group id; one id when they share a pool). engine/joint.py solves the pools it ties together."""

    id: str
    clause: str
    text: str
    text_en: str = ""
    kind: Literal["share", "count"]
    awards: list[str] = Field(min_length=1)
    group: str | dict[str, str]
    of: str | dict[str, str] = "all"
    op: Literal[">=", "<=", "="] | None = None
    share: str | None = None
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    explicit: bool = True

    def counted(self, pool: str, of: bool = False) -> str | None:
        g = self.of if of else self.group  # the group counted in `pool` (with of: the share's whole), or None
        return g if isinstance(g, str) else g.get(pool)

    fraction = Rule.fraction

    @model_validator(mode="after")
    def _check(self) -> CrossRule:
        if self.kind == "share":
            _check_share(self.op, self.share)
        elif self.min is None and self.max is None:
            raise ValueError("a count rule needs 'min' or 'max'")
        return self


class TieBreakKey(_Strict):
    attribute: str
    values: list[str]  # earlier values are preferred


class TieBreak(_Strict):
    """Among slates of equal merit, prefer candidates by these keys in order, then by smaller id."""

    pools: dict[str, list[TieBreakKey]] = Field(default_factory=dict)
    note: str = ""  # the sentence reports print, in English
    note_zh: str = ""  # the same in Chinese (printed by default; `note` when absent)

    @property
    def wording(self) -> str:
        """The note in the current language, falling back to the other one."""
        first, second = (self.note, self.note_zh) if current_lang() == "en" else (self.note_zh, self.note)
        return first or second


# ---------------------------------------------------------------- eligibility rules (五, 八)
ELIGIBILITY_PARAMS: dict[str, tuple[set[str], set[str]]] = {  # check -> (required fields, optional fields)
    "min_share": ({"attribute", "min"}, set()),
    "min_number": ({"attribute", "min"}, set()),
    "flag_is": ({"attribute", "value"}, set()),
    "any_of": ({"conditions"}, set()),
    "requires_all": ({"attribute", "values"}, set()),
    "working_days": ({"start", "end", "min"}, {"holidays", "workdays"}),
    "not_in": ({"attribute", "values"}, set()),  # issue 14, 9: the value is none of `values`
    "not_dated_within": ({"attribute", "window"}, set()),  # issue 14, 8: a date inside `window` excludes
}
_ELIGIBILITY_COMMON = {"id", "clause", "text", "text_en", "pool", "when", "check"}


class EligibilityRule(_Strict):
    """One condition a candidate must meet to be selectable at all, screened before the model.

    It applies to the candidates of `pool` (one pool or a list) that match `when` (a named group, or
    attribute -> allowed values; absent: everyone). Such a candidate FAILS when, by `check`:
      min_share     the share `attribute` is below `min` ("80%": exactly 80% passes, 79.99% fails);
      min_number    the number `attribute` is below `min` (post_years >= 2);
      flag_is       `attribute` is not `value` (already_model must be "no");
      any_of        none of `conditions` (attribute -> allowed values) holds: honour basis OR direct;
      requires_all  the set `attribute` lacks one of `values` (clearances; each missing one is named);
      not_in        the value of `attribute` is one of `values` ("not in": 非 企业负责人);
      not_dated_within  the date `attribute` lies within `window` = [first, last], both days included
                    (an award dated 2008-05-01..2013-04-30 excludes); a blank date passes (no such award);
      working_days  `start`..`end`, both days included, has fewer than `min` working days of the Chinese
                    official calendar (chinesecalendar: public holidays off, make-up weekend days on).
                    `holidays` / `workdays` (TOML dates) correct the package, and supply the calendar
                    of a year it does not cover: such a year counts as covered when a date in it is listed.
    A blank value fails too, with its own message: the notice requires the ballot, the notice period, ...
    """

    id: str
    clause: str
    text: str  # the notice's own sentence
    text_en: str = ""
    pool: str | list[str]
    when: str | dict[str, list[str]] | None = None
    check: Literal["min_share", "min_number", "flag_is", "any_of", "requires_all", "working_days", "not_in",
                   "not_dated_within"]
    attribute: str | None = None
    min: str | int | float | None = None
    value: str | None = None
    values: list[str] = Field(default_factory=list)
    conditions: dict[str, list[str]] = Field(default_factory=dict)
    start: str | None = None
    end: str | None = None
    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)
    window: list[dt.date] = Field(default_factory=list)  # not_dated_within: [first, last]

    @model_validator(mode="after")
    def _check(self) -> EligibilityRule:
        required, optional = ELIGIBILITY_PARAMS[self.check]
        given = set(self.model_fields_set) - _ELIGIBILITY_COMMON
        missing = sorted(f for f in required if f not in given or getattr(self, f) in (None, [], {}))
        if missing:
            raise ValueError(f"check '{self.check}' needs {', '.join(repr(f) for f in missing)}")
        unused = sorted(given - required - optional)
        if unused:
            raise ValueError(f"{', '.join(repr(f) for f in unused)} does not apply to check '{self.check}'")
        if not self.pools:
            raise ValueError("'pool' names no pool")
        if self.check == "not_dated_within" and (len(self.window) != 2 or self.window[0] > self.window[1]):
            raise ValueError(_("'window' must be [first day, last day], the first not after the last"))
        if self.check in ("min_share", "min_number", "working_days"):
            try:
                t = self.threshold
            except (ValueError, ZeroDivisionError):
                raise ValueError(f"min '{self.min}' is not a number (or a share like 80%)") from None
            if self.check == "min_share" and not 0 <= t <= 1:
                raise ValueError(f"min '{self.min}' is outside 0..100%")
            if self.check == "working_days" and (t.denominator != 1 or t < 1):
                raise ValueError(f"min '{self.min}' is not a whole number of working days >= 1")
        return self

    @property
    def pools(self) -> list[str]:
        return [self.pool] if isinstance(self.pool, str) else list(self.pool)

    @property
    def threshold(self) -> Fraction:
        """`min` exactly: '80%' -> 4/5, 2 -> 2, 1.5 -> 3/2."""
        return parse_fraction(self.min)  # type: ignore[arg-type]

    def attributes(self) -> list[str]:
        """The pool attributes the rule reads (its `when` filter aside)."""
        if self.check == "any_of":
            return list(self.conditions)
        if self.check == "working_days":
            return [self.start, self.end]  # type: ignore[list-item]
        return [self.attribute]  # type: ignore[list-item]


# the paperwork section (九 T3, 六 W1) is a schema of its own: selector/reading/paperwork_schema.py


class SubmissionRule(_Strict):
    """A rule on what each unit submits, checked before selection (issue 14, 6): 按1:2名额推荐.

    Each unit of the quota table submits `ratio` times its seats of `award` (op '>=': at least, '=': exactly),
    counting every candidate it submitted (`count = "submitted"`) or only the eligible ones ("eligible").
    """

    id: str
    clause: str
    text: str
    text_en: str = ""
    award: str
    ratio: str | int = 2  # '2', 2, '3/2', '150%'
    op: Literal[">=", "="] = ">="
    count: Literal["submitted", "eligible"] = "submitted"

    @property
    def factor(self) -> Fraction:
        return parse_fraction(self.ratio)

    @model_validator(mode="after")
    def _check(self) -> SubmissionRule:
        try:
            f = self.factor
        except (ValueError, ZeroDivisionError):
            raise ValueError(_("ratio '{ratio}' is not a number like 2 or 3/2", ratio=self.ratio)) from None
        if f <= 0:
            raise ValueError(_("ratio '{ratio}' must be positive", ratio=self.ratio))
        return self


class Preference(_Strict):
    """A preference with no number (issue 14, 1): 优先推荐, 侧重, 应占一定比例.

    Meaning (a lexicographic stage after merit): among the slates of greatest merit — or, with
    `tolerance` merit points, among the slates whose merit is within that many points of the greatest —
    the slate holds as many members of `group` as it can; then, among those, the greatest merit again,
    then the subset awards and the tie-break. Several preferences are taken in the order written.
    The summary reports how many members the slate holds and what each further one would cost in merit.
    """

    id: str
    clause: str
    text: str
    text_en: str = ""
    award: str
    group: str
    tolerance: str = "0"  # merit points a slate may give up for this preference (exact decimal)

    @property
    def tolerance_value(self):
        from decimal import Decimal

        return Decimal(self.tolerance)

    @model_validator(mode="after")
    def _check(self) -> Preference:
        from decimal import Decimal, InvalidOperation

        try:
            t = Decimal(self.tolerance)
        except InvalidOperation:
            raise ValueError(_("tolerance '{t}' is not a number of merit points", t=self.tolerance)) from None
        if not t.is_finite() or t < 0:
            raise ValueError(_("tolerance '{t}' must be 0 or more merit points", t=self.tolerance))
        return self


class RuleSet(_Strict):
    id: str
    title_zh: str = ""
    title_en: str = ""
    notice: str = ""
    quotas: str | None = None  # quota table file, relative to the rule-set file
    quotas_clause: str = ""  # the clause the quota table comes from (e.g. 四(一), 附件1)
    quotas_text: str = ""  # the notice's words for it (e.g. 名额分配表); default: "quota table"
    pools: dict[str, PoolSpec]
    awards: list[Award]
    groups: dict[str, Group] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    tie_break: TieBreak = Field(default_factory=TieBreak)
    eligibility: list[EligibilityRule] = Field(default_factory=list)  # screened before the model
    paperwork: Paperwork = Field(default_factory=Paperwork)  # summary tables and budget (T3, W1)
    submissions: list[SubmissionRule] = Field(default_factory=list)  # checked before selection (issue 14, 6)
    preferences: list[Preference] = Field(default_factory=list)  # after merit, in order (issue 14, 1)
    cross_rules: list[CrossRule] = Field(default_factory=list)  # over several awards/pools (issue 14, 5)

    @field_validator("awards")
    @classmethod
    def _unique_awards(cls, awards: list[Award]) -> list[Award]:
        ids = [a.id for a in awards]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"award ids repeated: {sorted(dup)}")
        return awards

    def award(self, award_id: str) -> Award:
        return next(a for a in self.awards if a.id == award_id)

    def awards_of_pool(self, pool: str) -> list[Award]:
        return [a for a in self.awards if a.pool == pool]

    def top_awards(self, pool: str) -> list[Award]:
        """Every top-level award of the pool: one, or several disjoint titles (issue 14, 4)."""
        return [a for a in self.awards_of_pool(pool) if a.parent is None]

    def top_award(self, pool: str) -> Award:
        """The award whose slate the pool's subset awards are chosen from."""
        return next(a for a in self.awards_of_pool(pool) if a.parent is None)

    def rules_of_pool(self, pool: str) -> list[Rule]:
        return [r for r in self.rules if self.award(r.award).pool == pool]

    def resolved_filter(self, group: str) -> dict[str, set[str]]:
        """The group's filter with every `within` group folded in (intersection per attribute)."""
        out: dict[str, set[str]] = {}
        stack, seen = [group], set()
        while stack:
            g = stack.pop()
            if g in seen:
                continue
            seen.add(g)
            spec = self.groups[g]
            for col, vals in spec.where.items():
                out[col] = out[col] & set(vals) if col in out else set(vals)
            stack.extend(spec.within)
        return out

    def in_group(self, group: str, row: dict, memo: dict | None = None) -> bool:
        """Whether a candidate (a row: column -> value, `unit` included) is a member of the group."""
        if group == "all":
            return True
        memo = {} if memo is None else memo
        if group in memo:
            return memo[group]
        g = self.groups[group]
        inside = (all(row.get(c) in v for c, v in g.where.items())
                  and not any(row.get(c) in v for c, v in g.where_not.items())
                  and (not g.any or any(all(row.get(c) in v for c, v in f.items()) for f in g.any))
                  and all(self.in_group(h, row, memo) for h in g.within)
                  and not any(self.in_group(h, row, memo) for h in g.not_within))
        memo[group] = inside
        return inside

    def group_mask(self, group: str, table) -> list[bool]:
        """The members of a group among the rows of a pool's table (pandas), a whole column at a time (numpy:
        Python lists zipped per filter were 1.4 s of a national explanation's 342 calls)."""
        return self._group_array(group, table).tolist()

    def _group_array(self, group: str, table):
        import numpy as np

        n = len(table)
        if group == "all":
            return np.ones(n, dtype=bool)
        g = self.groups[group]

        def match(filt: dict[str, list[str]]):
            inside = np.ones(n, dtype=bool)
            for col, vals in filt.items():
                inside &= table[col].isin(list(vals)).to_numpy(dtype=bool)
            return inside

        inside = match(g.where)
        for col, vals in g.where_not.items():
            inside &= ~table[col].isin(list(vals)).to_numpy(dtype=bool)
        if g.any:
            either = np.zeros(n, dtype=bool)
            for f in g.any:
                either |= match(f)
            inside &= either
        for h in g.within:
            inside &= self._group_array(h, table)
        for h in g.not_within:
            inside &= ~self._group_array(h, table)
        return inside

    def group_label(self, group: str) -> str:
        """A group's label in the current language (its id only when it has none)."""
        from selector.i18n import _, label

        if group == "all":
            return _("the whole slate")
        g = self.groups.get(group)
        return label(g, group) if g else group

    def quota_wording(self) -> tuple[str, str]:
        """(clause, words) of the quota table, from the rule set (issue 14: not one notice's clause)."""
        from selector.i18n import _

        return self.quotas_clause, self.quotas_text or _("quota table")

    def preferences_of_pool(self, pool: str) -> list[Preference]:
        return [p for p in self.preferences if self.award(p.award).pool == pool]

    def of_pools(self, kinds) -> RuleSet:
        """The rule set restricted to some pools' awards and rules (a run where another pool has no slate
        verifies and reports the slates it has)."""
        kinds = set(kinds)
        awards = [a for a in self.awards if a.pool in kinds]
        ids = {a.id for a in awards}
        return self.model_copy(update={"awards": awards, "rules": [r for r in self.rules if r.award in ids],
                                       "cross_rules": [c for c in self.cross_rules if set(c.awards) <= ids],
                                       "submissions": [x for x in self.submissions if x.award in ids],
                                       "preferences": [x for x in self.preferences if x.award in ids]})

    def rule_ids(self) -> list[str]:
        return [r.id for r in self.rules]


def ruleset_dir_path(ruleset_path: Path, relative: str) -> Path:
    """A file named in a rule set, relative to the rule-set file."""
    p = Path(relative)
    return p if p.is_absolute() else ruleset_path.parent / p
