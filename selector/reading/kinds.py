"""Rule kinds: what each kind of structural rule means, said once for everything but the model and the verifier.

A rule of a rule set (`Rule` in selector/reading/rules.py) is of one kind:
  share  its group is at least / at most / exactly a fraction of another group or of the whole slate
         (`op` '>=', '<=', '='; one `ShareOp` each below);
  count  at least `min` and / or at most `max` of its group, the same in every unit or per unit.
For each kind this module states, in one place:
  - its bound in whole people for given counts (`bound`): a share's minimum rounded up, its cap down;
  - the least count of its group it forces (`forced_minimum`, the supply arithmetic) and which side of it
    draws on the eligible supply (`supply_side`);
  - its wording: the plain reading (`reading`, in the reader's language through `_()`), the Chinese of the
    paperwork's rules table (`bound_zh`), the short forms of the what-if table, the sweep and the plots;
  - what relaxing it means (`loosest`: which way is looser and over what; `with_value`: the rule at another
    value; `step`: a sweep's default step, 1% or 1 person).
Adding a kind means a class here, its constraints in selector/engine/model.py, its check in
selector/verify.py and its fields in the schema. The model and the verifier stay two independent statements
of every rule, on purpose: they do not use this module's arithmetic, and tests/test_kinds.py checks this
module's bounds against the verifier's verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from selector.i18n import N_, _, label
from selector.reading.rules import Rule, format_fraction

if TYPE_CHECKING:
    from selector.reading.rules import Award, RuleSet


def ceil_people(f: Fraction) -> int:
    """The fewest whole people that reach f (a minimum rounds up)."""
    return -((-f.numerator) // f.denominator)


def floor_people(f: Fraction) -> int:
    """The most whole people that stay within f (a cap rounds down)."""
    return f.numerator // f.denominator


@dataclass(frozen=True)
class Bound:
    """A rule's bound in whole people for given counts: at least `low`, at most `high` (None: no such side).
    `exact`: an exact share's target, which may be no whole number (then no count meets it)."""

    low: int | None = None
    high: int | None = None
    exact: Fraction | None = None

    def holds(self, n: int) -> bool:
        return (self.low is None or n >= self.low) and (self.high is None or n <= self.high)

    def short(self, n: int) -> int:
        """People short of the bound (below the minimum) or past it (above the cap); 0 when met."""
        return max(0, (self.low or 0) - n) + (max(0, n - self.high) if self.high is not None else 0)


@dataclass(frozen=True)
class Loosest:
    """What relaxing a rule to its loosest value asks: the largest (`maximise`) or smallest count of the
    rule's group any slate reaches with every other rule kept, or, with `whole`, the largest or smallest
    share of that group; `field` is the rule's field that takes the value."""

    maximise: bool
    field: str
    whole: str | None = None


@dataclass(frozen=True)
class ShareOp:
    """One comparison of a share rule: which sides it bounds, and its words."""

    op: str
    lower: bool  # a minimum: at least the share, rounded up to people
    upper: bool  # a cap: at most the share, rounded down
    symbol: str  # as a plot draws it
    word: str  # msgid: at least / at most / exactly
    zh: str  # the rules table's verb: 不低于
    zh_people: str  # and its count in people: 至少
    axis_zh: str  # a sweep's axis: 下限 (a floor) or 上限 (a cap)
    inside_helps: int  # +1 a member of the group helps meet it, -1 hinders (the explainer's copies to add)


SHARE_OPS = {
    ">=": ShareOp(">=", True, False, "≥", N_("at least"), "不低于", "至少", "下限", 1),
    "<=": ShareOp("<=", False, True, "≤", N_("at most"), "不超过", "至多", "上限", -1),
    "=": ShareOp("=", True, True, "=", N_("exactly"), "等于", "恰为", "目标", -1),  # issue 14, 9
}


def _in_units(r: Rule) -> str:
    return _("in each of {units}", units=_(", ").join(r.units)) if r.units else _("in each unit")


def _people(n: Fraction | int) -> str:
    """A count of people: 99, or an exact share's target that is no whole number: 10/3."""
    return str(Fraction(n))


class ShareKind:
    """den * count(group) op num * count(of), `of` a group or 'all' (the whole slate)."""

    name = "share"
    fields = frozenset({"share", "op", "of"})
    step = "1%"
    bounds_per_unit = False  # one bound for every unit of a per-unit rule
    reports_whole = True  # a check reports the count of its whole (`of`) beside its group's

    @staticmethod
    def op(r: Rule) -> ShareOp:
        return SHARE_OPS[r.op]  # type: ignore[index]

    def whole_group(self, r: Rule) -> str:
        return r.of

    def bound(self, r: Rule, whole: int | None, unit: str | None = None) -> Bound:
        return self._at(self.op(r), r.fraction, whole or 0)

    @staticmethod
    def _at(o: ShareOp, f: Fraction, whole: int) -> Bound:
        exact = f * whole
        return Bound(ceil_people(exact) if o.lower else None, floor_people(exact) if o.upper else None,
                     exact if o.lower and o.upper else None)

    def supply_side(self, r: Rule, group_supply) -> str:
        """'min': its group's eligible supply must reach the minimum; 'cap': the rest of the whole must (a cap).
        An exact share is judged by its minimum side."""
        return "min" if self.op(r).lower else "cap"

    def needs_supply(self, r: Rule) -> bool:
        return self.op(r).lower

    def inside_helps(self, r: Rule) -> int:
        return self.op(r).inside_helps

    # ---- wording
    def reading(self, ruleset: RuleSet, r: Rule) -> str:
        """'企业职工 至少 55% 全部 = 至少 99 of 180' in the reader's language (explanations, the terminal)."""
        o, f = self.op(r), r.fraction
        seats = ruleset.award(r.award).seats
        word = _(o.word)
        extra = ""
        if r.scoped:
            extra = " " + _in_units(r)
        elif r.of == "all" and o.lower and o.upper:
            extra = _(" = {n} of {seats}", n=f * seats, seats=seats)
        elif r.of == "all":
            extra = _(" = {word} {n} of {seats}", word=word, n=self._one_side(self.bound(r, seats)), seats=seats)
        return _("{group} {word} {share} of {of}", group=ruleset.group_label(r.group), word=word,
                 share=format_fraction(f), of=ruleset.group_label(r.of)) + extra

    @staticmethod
    def _one_side(b: Bound) -> int:
        return b.low if b.low is not None else b.high  # type: ignore[return-value]

    def bound_zh(self, ruleset: RuleSet, r: Rule, count: int, whole: int | None) -> tuple[str, str]:
        o, w = self.op(r), whole or 0
        group, of, share = ruleset.group_label(r.group), ruleset.group_label(r.of), format_fraction(r.fraction)
        b = self.bound(r, w)
        n = b.exact if b.exact is not None else self._one_side(b)
        bound = f"{group}{o.zh}{of}的{share}：{of} {w} 的 {share}，{o.zh_people} {_people(n)}"
        pct = f"{Decimal(100 * count) / Decimal(w):.1f}%" if w else "-"
        return bound, f"{count} / {w}（{pct}）"

    def terse(self, ruleset: RuleSet, r: Rule) -> str:
        """The what-if table's reading: '企业职工 >= 55% of 全部'."""
        return f"{ruleset.group_label(r.group)} {r.op} {format_fraction(r.fraction)} of {ruleset.group_label(r.of)}"

    def cell(self, r: Rule, whole: int | None) -> tuple[str, int, str]:
        """(op, limit in people, bound) of one what-if cell: ('>=', 99, '>= 55%')."""
        return r.op or ">=", self._one_side(self.bound(r, whole or 0)), f"{r.op} {format_fraction(r.fraction)}"

    def drawn(self, ruleset: RuleSet, r: Rule, seats: int) -> tuple[str, Fraction]:
        """A plot's label after the rule id, and the bound as a share of the whole (the tick)."""
        return (f"{ruleset.group_label(r.group)} {self.op(r).symbol}{format_fraction(r.fraction)} "
                f"{ruleset.group_label(r.of)}", r.fraction)

    def drawn_whole(self, whole: int | None, seats: int) -> int | None:
        return whole

    def minimum_words(self, ruleset: RuleSet, r: Rule, base: int) -> str:
        """How the supply arithmetic's minimum follows: '55% of 180 seats'."""
        share, label = format_fraction(r.fraction), ruleset.group_label
        if r.of == "all":
            return _("{share} of {seats} seats", share=share, seats=base)
        if base:
            return _("{share} of {of}, which the rules force to at least {base}", share=share, of=label(r.of),
                     base=base)
        return _("{share} of {of}, which no rule forces into the slate", share=share, of=label(r.of))

    def cap_words(self, ruleset: RuleSet, r: Rule) -> str:
        return _("at most {share} of {of}", share=format_fraction(r.fraction), of=ruleset.group_label(r.of))

    # ---- values: sweeps and relaxations
    def value(self, r: Rule) -> Fraction:
        return r.fraction

    def show(self, v: Fraction) -> str:
        return format_fraction(v)

    def axis(self, v: Fraction) -> float:
        return float(v * 100)

    def axis_label(self, ruleset: RuleSet, r: Rule) -> str:
        return (f"{ruleset.group_label(r.group)} 占 {ruleset.group_label(r.of)} 的比例{self.op(r).axis_zh} (%) — "
                f"{r.id} bound")

    def value_problem(self, v: Fraction) -> str | None:
        return None if 0 <= v <= 1 else f"{format_fraction(v)} is outside 0..100%"

    def change(self, r: Rule, v: Fraction) -> dict:
        return {"share": format_fraction(v)}

    def bound_text(self, r: Rule, v: Fraction, seats: int) -> str:
        """A sweep step's bound: '>= 99 of 180' (of the whole slate, in people) or '>= 55% of enterprise'."""
        if r.of == "all":
            return f"{r.op} {self._one_side(self._at(self.op(r), v, seats))} of {seats}"
        return f"{r.op} {format_fraction(v)} of {r.of}"

    def loosest(self, r: Rule) -> Loosest | None:
        o = self.op(r)
        if o.lower and o.upper:
            return None  # an exact share is relaxed by slack either way (the cheapest relaxations), not alone
        return Loosest(maximise=o.lower, field="share", whole=r.of)

    @staticmethod
    def written(lam: Fraction, maximise: bool) -> Fraction:
        """The loosest share an office would write: whole percents when that is no tighter than `lam`."""
        pct = lam * 100
        nice = Fraction(int(pct), 100) if maximise else Fraction(-int(-pct), 100)
        return nice if (maximise and nice <= lam) or (not maximise and nice >= lam) else lam


class CountKind:
    """min <= count(group) <= max: a fixed count, a floor or a cap (控制数), uniform or per unit."""

    name = "count"
    fields = frozenset({"min", "max", "min_by_unit", "max_by_unit"})
    step = "1"
    bounds_per_unit = True  # min_by_unit / max_by_unit give a unit its own bound
    reports_whole = False

    def whole_group(self, r: Rule) -> str:
        return "all"

    def bound(self, r: Rule, whole: int | None = None, unit: str | None = None) -> Bound:
        lo, hi = r.unit_bounds(unit) if unit is not None else (r.min, r.max)
        return Bound(lo, hi, None)

    def supply_side(self, r: Rule, group_supply) -> str:
        """A minimum, or min and max where the minimum is what the supply fails (issue 14: the right side)."""
        return "min" if r.max is None or (r.min and group_supply() < r.min) else "cap"

    def needs_supply(self, r: Rule) -> bool:
        return bool(r.min)

    def inside_helps(self, r: Rule) -> int:
        return 0

    def reading(self, ruleset: RuleSet, r: Rule) -> str:
        g = ruleset.group_label(r.group)
        if r.min is not None and r.min == r.max:
            parts = [_("exactly {n}", n=r.min)]  # issue 14: an exact count is not drawn as a minimum
        else:
            parts = ([_("at least {n}", n=r.min)] if r.min is not None else []) + (
                [_("at most {n}", n=r.max)] if r.max is not None else [])
        if r.min_by_unit or r.max_by_unit:
            units = list(dict.fromkeys([*r.min_by_unit, *r.max_by_unit]))  # type: ignore[misc]
            table = {}
            for u in units:
                lo, hi = r.unit_bounds(u)
                table[u] = f"= {lo}" if lo is not None and lo == hi else ", ".join(
                    ([f">= {lo}"] if lo is not None else []) + ([f"<= {hi}"] if hi is not None else []))
            parts.append(_("per unit: {table}", table=_(", ").join(f"{u} {b}" for u, b in table.items())))
        return f"{g} " + _(" and ").join(parts) + (" " + _in_units(r) if r.scoped else "")

    def bound_zh(self, ruleset: RuleSet, r: Rule, count: int, whole: int | None) -> tuple[str, str]:
        parts = ([f"不少于 {r.min}"] if r.min is not None else []) + (
            [f"不多于 {r.max}"] if r.max is not None else [])
        return f"{ruleset.group_label(r.group)}" + "、".join(parts), str(count)

    def terse(self, ruleset: RuleSet, r: Rule) -> str:
        parts = ([f">= {r.min}"] if r.min is not None else []) + ([f"<= {r.max}"] if r.max is not None else [])
        return f"{ruleset.group_label(r.group)} " + " and ".join(parts)

    def cell(self, r: Rule, whole: int | None) -> tuple[str, int, str]:
        if r.min is not None and r.max is not None:
            return "range", r.min, f"{r.min}..{r.max}"
        if r.min is not None:
            return ">=", r.min, f">= {r.min}"
        return "<=", r.max or 0, f"<= {r.max}"

    @staticmethod
    def bound_symbols(r: Rule) -> str:
        """A count's bound as drawn: '=37' for an exact count (issue 14: not '≥37'), '2–5', '≥3', '≤4'."""
        if r.min is not None and r.min == r.max:
            return f"={r.min}"
        if r.min is not None and r.max is not None:
            return f"{r.min}–{r.max}"
        return f"≥{r.min}" if r.min is not None else f"≤{r.max}"

    def drawn(self, ruleset: RuleSet, r: Rule, seats: int) -> tuple[str, Fraction]:
        return (f"{ruleset.group_label(r.group)} {self.bound_symbols(r)} 人",
                Fraction(r.min if r.min is not None else (r.max or 0), max(1, seats)))

    def drawn_whole(self, whole: int | None, seats: int) -> int | None:
        return seats

    def minimum_words(self, ruleset: RuleSet, r: Rule, base: int) -> str:
        return _("at least {n}", n=r.min or 0) + (_(" and at most {n}", n=r.max) if r.max is not None else "")

    def cap_words(self, ruleset: RuleSet, r: Rule) -> str:
        return _("at most {n}", n=r.max)

    def value(self, r: Rule) -> Fraction:
        return Fraction(r.min if r.min is not None else r.max or 0)

    def show(self, v: Fraction) -> str:
        return str(v)

    def axis(self, v: Fraction) -> float:
        return float(v)

    def axis_label(self, ruleset: RuleSet, r: Rule) -> str:
        return f"{ruleset.group_label(r.group)} 人数 — {r.id} bound (people)"

    def value_problem(self, v: Fraction) -> str | None:
        return None if v.denominator == 1 and v >= 0 else f"{v} is not a whole number of people >= 0"

    def change(self, r: Rule, v: Fraction) -> dict:
        return {self._field(r): int(v)}

    @staticmethod
    def _field(r: Rule) -> str:
        return "min" if r.min is not None else "max"

    def bound_text(self, r: Rule, v: Fraction, seats: int) -> str:
        return f"{'>=' if r.min is not None else '<='} {int(v)}"

    def loosest(self, r: Rule) -> Loosest | None:
        return Loosest(maximise=r.min is not None, field=self._field(r))


KINDS: dict[str, ShareKind | CountKind] = {"share": ShareKind(), "count": CountKind()}


def kind_of(r: Rule) -> ShareKind | CountKind:
    return KINDS[r.kind]


# ------------------------------------------------------------------ what consumers ask, whatever the kind
def whole_group(r: Rule) -> str:
    """The group whose count a share is of ('all' for the whole slate and for counts)."""
    return kind_of(r).whole_group(r)


def counted_groups(r: Rule) -> list[str]:
    """The groups the rule counts, other than the whole slate: its group and its denominator."""
    return [g for g in dict.fromkeys([r.group, whole_group(r)]) if g != "all"]


def bound(r: Rule, whole: int | None = None, unit: str | None = None) -> Bound:
    """The rule's bound in whole people when its denominator counts `whole` (a count ignores it); `unit`:
    a per-unit rule's bound in that unit."""
    return kind_of(r).bound(r, whole, unit)


def fixed_bound(r: Rule, seats: int) -> Bound | None:
    """The bound on the group's count in any slate of `seats` people, when the rule alone fixes it (a count,
    a share of the whole slate); None when it depends on another group's count or differs by unit."""
    if r.scoped or whole_group(r) != "all":
        return None
    return bound(r, seats)


def forced_minimum(r: Rule, forced: dict[str, int]) -> int:
    """The least count of the rule's group it forces, given the least counts of other groups (`forced`;
    'all': the seats): 55% of 180 forces 99."""
    return bound(r, forced.get(whole_group(r), 0)).low or 0


def unit_minimum(r: Rule, unit: str) -> int | None:
    """A per-unit count's minimum in one unit (None: no minimum there, or a kind with no per-unit counts)."""
    return bound(r, None, unit).low if kind_of(r).bounds_per_unit else None


def needs_supply(r: Rule) -> bool:
    """The rule asks for members of its group (a minimum side): the units can help it by submitting more."""
    return kind_of(r).needs_supply(r)


def reading(ruleset: RuleSet, r: Rule) -> str:
    """The rule as an official reads it, in the reader's language: '企业职工 至少 55% 全部 = 至少 99 of 180'."""
    return kind_of(r).reading(ruleset, r)


def bound_zh(ruleset: RuleSet, r: Rule, count: int, whole: int | None) -> tuple[str, str]:
    """(要求, 实际) of the paperwork's rules table, in Chinese: ('企业职工不低于全部的55%：全部 180 的 55%，至少 99',
    '100 / 180（55.6%）')."""
    return kind_of(r).bound_zh(ruleset, r, count, whole)


def loosest(r: Rule) -> Loosest | None:
    """What its loosest value is a question of; None when the rule is not relaxed on its own."""
    return kind_of(r).loosest(r)


def with_value(r: Rule, v: Fraction, rule_id: str | None = None) -> Rule:
    """The rule at another value (a share, or a count's minimum, else its maximum); ValueError if `v` is not
    a value of this kind."""
    k = kind_of(r)
    problem = k.value_problem(v)
    if problem is not None:
        raise ValueError(problem)
    return type(r).model_validate({**r.model_dump(), **k.change(r, v), "id": rule_id or r.id})


def changed_fields(r: Rule, change: dict) -> list[str]:
    """The fields of a change that belong to another kind of rule (a what-if's `min` on a share rule)."""
    mine = kind_of(r).fields
    others = set().union(*(k.fields for k in KINDS.values())) - mine
    return sorted(f for f in change if f in others)


# ------------------------------------------------------------------ the award-level rules the model names
# Beside the structural rules, the model posts each award's seats (`seats:<award>`), each unit's quota
# (`quota:<unit>`, `quota:<award>:<unit>` for a subset award or a second disjoint title) and, in a what-if,
# each forced candidate (`fixed:<id>`); explanations name them by these ids and read them here.
def seats_reading(award: Award) -> str:
    return _("exactly {n} {award}", n=award.seats, award=label(award))


def quota_rule_id(ruleset: RuleSet, award: Award, unit: str) -> str:
    """The id of a unit's quota for an award, everywhere a quota is named (model, supply, explanations):
    'quota:<unit>' for the pool's first title, 'quota:<award>:<unit>' for a subset award or another title."""
    first = award.parent is None and ruleset.top_awards(award.pool)[0].id == award.id  # not a 2nd disjoint title
    return f"quota:{unit}" if first else f"quota:{award.id}:{unit}"


def quota_reading(award: Award, unit: str, seats: int) -> str:
    """A unit's quota as the explainer reads it: a cap, or seats to fill exactly."""
    if award.quota == "exact":
        return _("exactly {n} {award} from {unit}", n=seats, award=label(award), unit=unit)
    return _("at most {n} {award} from {unit}", n=seats, award=label(award), unit=unit)


def rule_name(ruleset: RuleSet, rule_id: str) -> str:
    """A rule as a person reads it, never an internal id: the notice's clause and sentence
    ('seats:labour_model' -> '四(一) 2021年阜新市劳动模范180名…（名额总数）', 'quota:海州区' -> '海州区的名额')."""
    if rule_id.startswith("seats:"):
        a = ruleset.award(rule_id.split(":", 1)[1])
        return _("{clause} {text} (the seats)", clause=a.clause, text=a.text or label(a)).strip()
    if rule_id.startswith("quota:"):
        return _("the quota of {unit}", unit=rule_id.split(":", 1)[1].rsplit(":", 1)[-1])
    if rule_id.startswith("fixed:"):
        return _("{id} forced in or out (what-if)", id=rule_id.split(":", 1)[1])
    r = next((x for x in [*ruleset.rules, *ruleset.cross_rules] if x.id == rule_id), None)  # issue 14, 5
    return rule_id if r is None else f"{r.id} {r.clause} {r.text}"


# ------------------------------------------------------------------ rules across awards (issue 14, 5)
def cross_groups_label(ruleset: RuleSet, c, of: bool = False) -> str:
    """The groups a rule across awards counts (or its whole, with `of`), by label, each once."""
    return "、".join(dict.fromkeys(ruleset.group_label(c.counted(ruleset.award(a).pool, of) or "all")
                                   for a in c.awards))


def cross_bound_zh(ruleset: RuleSet, c, count: int, whole: int | None) -> tuple[str, str]:
    """(要求, 实际) of a rule across awards in the paperwork's rules table, in Chinese: ('非公企业、…不低于奖状、
    奖章、先锋号合计总数的35%：合计 22 的 35%，至少 8', '8 / 22（36.4%）')."""
    awards = "、".join(ruleset.award(a).name_zh for a in c.awards)
    group = cross_groups_label(ruleset, c)
    if c.kind == "share":
        o, w = SHARE_OPS[c.op], whole or 0
        b = bound(c, w)
        n = b.exact if b.exact is not None else (b.low if b.low is not None else b.high)
        share = format_fraction(c.fraction)
        pct = f"{Decimal(100 * count) / Decimal(w):.1f}%" if w else "-"
        return (f"{group}{o.zh}{awards}合计{cross_groups_label(ruleset, c, of=True)}的{share}：合计 {w} 的 {share}，"
                f"{o.zh_people} {_people(n)}"), f"{count} / {w}（{pct}）"  # type: ignore[arg-type]
    parts = ([f"不少于 {c.min}"] if c.min is not None else []) + ([f"不多于 {c.max}"] if c.max is not None else [])
    return f"{group}（{awards}合计）" + "、".join(parts), str(count)
