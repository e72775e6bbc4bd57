"""Supply arithmetic: can the eligible pool meet each rule at all? Cheap counting, no solver.

For every award: its seats against the eligible candidates that fit in the unit quotas; each unit's
eligible candidates against its quota; and for every structural rule the least number of members
it forces into the slate against the eligible supply of that group. Minimums are followed through
nested rules to a fixed point: R1 (enterprise >= 55% of all) forces 99 enterprise staff into a slate of
180, so R2 (frontline/technicians >= 60% of enterprise) forces ceil(0.6 * 99) = 60. A cap
(`group <= p of X`) forces the rest of X: at least ceil((1 - p) * forced(X)) members of X outside the
group. Every finding is a necessary condition: a failed one proves that no slate exists (`fatal`);
passing them all proves nothing (the solver decides). Shares stay exact fractions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from selector.i18n import _
from selector.reading import kinds
from selector.reading.eligibility import Screening
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import Award, Rule, RuleSet, format_fraction


@dataclass(frozen=True)
class Finding:
    """One rule's demand on the eligible supply."""

    rule: str  # rule id: 'R2', 'seats:<award>', 'quota:<unit>'
    clause: str
    text: str  # the notice's sentence
    award: str
    subject: str  # who is counted: a group's label, a unit
    needed: int  # the least number of them every slate must hold (for a quota: the unit's seats)
    available: int  # eligible ones that fit within the unit quotas
    ok: bool
    fatal: bool  # failed, and this alone rules out every slate
    hard: bool = True
    note: str = ""  # how `needed` follows from the rules, and how `available` is counted


@dataclass(frozen=True)
class SupplyCheck:
    """What `selector check` returns: the screening and the supply findings."""

    screening: Screening
    findings: list[Finding] = field(default_factory=list)
    submissions: list[Finding] = field(default_factory=list)  # rules on the submissions (issue 14, 6)
    exact: list = field(default_factory=list)  # feasible.Feasibility per pool: the exact test (issue 14)

    @property
    def ok(self) -> bool:
        """Nothing rules a slate out, and every unit submitted what the notice asks."""
        return (not any(f.fatal for f in self.findings) and all(f.ok for f in self.submissions)
                and not any(e.exists is False for e in self.exact))

    @property
    def necessary_only(self) -> bool:
        """True when only the necessary conditions were tested (the exact test did not decide every pool)."""
        return not self.exact or any(e.exists is None for e in self.exact)


def _members(ruleset: RuleSet, table, group: str) -> list[bool]:
    """A group's members among a pool table's rows, a column at a time (RuleSet.in_group row by row was about
    10 s of a national explanation under cProfile)."""
    return ruleset.group_mask(group, table)


def _ancestors(ruleset: RuleSet, group: str) -> set[str]:
    """The groups this one is nested in (`within`, transitively): their counts are at least its count."""
    out: set[str] = set()
    stack = list(ruleset.groups[group].within) if group in ruleset.groups else []
    while stack:
        g = stack.pop()
        if g not in out:
            out.add(g)
            stack.extend(ruleset.groups[g].within)
    return out


def forced_minimums(ruleset: RuleSet, award: Award) -> dict[str, int]:
    """Group -> the least count of it every slate of the award holds, by the hard rules ('all': seats).

    Followed to a fixed point through nested shares (R1 -> R2), count minimums and `within` nesting.
    """
    forced = {"all": award.seats}
    rules = [r for r in ruleset.rules if r.award == award.id and r.hard and not r.scoped]
    for _round in range(len(rules) + len(ruleset.groups) + 2):
        changed = False
        for r in rules:
            need = kinds.forced_minimum(r, forced)
            if need > forced.get(r.group, 0):
                forced[r.group], changed = need, True
        for g, n in list(forced.items()):
            for h in _ancestors(ruleset, g) if g != "all" else ():
                if n > forced.get(h, 0):
                    forced[h], changed = n, True
        if not changed:
            break
    return forced


class _Supply:
    """Eligible candidates of a set, and how many of them fit within the unit quotas."""

    def __init__(self, units: list[str], ok: list[bool], by_unit: dict[str, int] | None, open_seats: int,
                 open_members: list[bool] | None = None):
        self.units, self.ok, self.by_unit, self.open_seats = units, ok, by_unit, open_seats
        self.open_members = open_members  # issue 14, 3: who may take the open seats (None: anyone)

    def __call__(self, members: list[bool]) -> tuple[int, int]:
        per = Counter(u for u, m, e in zip(self.units, members, self.ok) if m and e)
        total = sum(per.values())
        if self.by_unit is None:
            return total, total
        within = sum(min(self.by_unit.get(u, 0), k) for u, k in per.items())
        if self.open_members is None:
            beyond = sum(max(0, k - self.by_unit.get(u, 0)) for u, k in per.items())
        else:  # beyond a unit's quota only the open group's members count (at most all of them)
            group = Counter(u for u, m, e, g in zip(self.units, members, self.ok, self.open_members) if m and e and g)
            beyond = sum(min(max(0, k - self.by_unit.get(u, 0)), group[u]) for u, k in per.items())
        return total, within + min(self.open_seats, beyond)


def _counted(total: int, usable: int) -> str:
    if usable < total:
        return _("{total} eligible, of whom {usable} fit within the unit quotas", total=total, usable=usable)
    return _("{total} eligible", total=total)


def pool_findings(ruleset: RuleSet, pool: Pool, quotas: Quotas | None, eligible: list[bool] | None = None
                  ) -> list[Finding]:
    """The supply findings of one pool: seats, unit quotas, then each structural rule, per award."""
    table = pool.table
    ok = list(eligible) if eligible is not None else [True] * len(table)
    units = [str(u) for u in table["unit"]]
    awards = sorted(ruleset.awards_of_pool(pool.kind), key=lambda a: a.parent is not None)
    if not awards:
        return []
    everyone = [True] * len(table)
    out: list[Finding] = []
    supplies: dict[str, _Supply] = {}
    for t in ruleset.top_awards(pool.kind):  # each title its own quotas (issue 14, 4: disjoint titles)
        t_quota = quotas.of(t.id) if quotas is not None and t.quota != "none" else None
        t_open = _members(ruleset, table, t.open_group) if t.open_group else None
        supplies[t.id] = _Supply(units, ok, t_quota, t.open_seats, t_open)
    for award in awards:
        supply = supplies[award.id if award.parent is None else award.parent]
        total, usable = supply(everyone)
        seats_ok = usable >= award.seats
        out.append(Finding(f"seats:{award.id}", award.clause, award.text, award.id, "all", award.seats, usable,
                           seats_ok, not seats_ok, note=_counted(total, usable)))
        award_quota = quotas.of(award.id) if quotas is not None and award.quota != "none" else None
        if award_quota is not None:  # the top award's quotas and a subset award's own (issue 14)
            per = Counter(u for u, e in zip(units, ok) if e)
            for u in quotas.units:  # type: ignore[union-attr]
                q = award_quota.get(u, 0)
                short = per[u] < q
                rid = kinds.quota_rule_id(ruleset, award, u)
                out.append(Finding(
                    rid, award.clause, award.text, award.id, u, q, per[u], not short,
                    short and (award.quota == "exact" or not seats_ok),
                    note=(_("quota {quota}; {eligible} eligible, {short} short", quota=q, eligible=per[u],
                             short=q - per[u]) if short else
                           _("quota {quota}; {eligible} eligible", quota=q, eligible=per[u]))))
        forced = forced_minimums(ruleset, award)
        for r in ruleset.rules:
            if r.award == award.id and r.scoped:
                out += _unit_rule_findings(ruleset, r, award, table, units, ok, quotas)
            elif r.award == award.id:
                out.append(_rule_finding(ruleset, r, award, forced, table, supply))
    return out


def _unit_rule_findings(ruleset: RuleSet, r: Rule, award: Award, table, units: list[str],
                        ok: list[bool], quotas: Quotas | None) -> list[Finding]:
    """A per-unit count minimum (issue 14, 2) against each unit's eligible members of the group."""
    if not kinds.kind_of(r).bounds_per_unit or quotas is None:
        return []  # per-unit shares: left to the exact test
    group = _members(ruleset, table, r.group)
    per = Counter(u for u, g, e in zip(units, group, ok) if g and e)
    out = []
    for u in r.applies_in(quotas.units):
        lo = kinds.unit_minimum(r, u)
        if not lo:
            continue
        short = per[u] < lo
        out.append(Finding(f"{r.id}@{u}", r.clause, r.text, r.award, f"{u} {ruleset.group_label(r.group)}", lo,
                           per[u], not short, short, note=_("at least {n} in {unit}; {k} eligible", n=lo, unit=u,
                                                            k=per[u])))
    return out


def _rule_finding(ruleset: RuleSet, r: Rule, award: Award, forced: dict[str, int], table,
                  supply: _Supply) -> Finding:
    label = ruleset.group_label
    group = _members(ruleset, table, r.group)
    kind = kinds.kind_of(r)
    of = kind.whole_group(r)
    base = forced.get(of, 0)
    at_base = kind.bound(r, base)  # the rule's bound in people when its whole is as small as the rules allow
    cap_broken = ""
    if kind.supply_side(r, lambda: supply(group)[1]) == "min":  # '=': its minimum side
        needed, subject, members = at_base.low or 0, label(r.group), group
        note = kind.minimum_words(ruleset, r, base)
    else:  # a cap: the rest of the denominator must come from outside the group
        cap_at_base = at_base.high or 0
        bound = kind.cap_words(ruleset, r)
        needed = max(0, base - cap_at_base)
        whole = _members(ruleset, table, of)
        members = [w and not g for w, g in zip(whole, group)]
        subject = (_("{of} other than {group}", of=label(of), group=label(r.group)) if of != "all"
                   else _("other than {group}", group=label(r.group)))
        note = (_("{bound}: of {base} {of} at most {cap} {group}, so at least {needed} others", bound=bound,
                  base=base, of=label(of), cap=cap_at_base, group=label(r.group), needed=needed)
                if base else _("{bound}, which no rule forces into the slate", bound=bound))
        if of == "all" and forced.get(r.group, 0) > cap_at_base:
            cap_broken = _("; other rules force at least {n} {group}, above the cap {cap}", n=forced[r.group],
                           group=label(r.group), cap=cap_at_base)
        if at_base.low:  # a cap with a minimum too
            note += _("; and at least {n} {group}", n=at_base.low, group=label(r.group))
    total, usable = supply(members)
    if at_base.low and at_base.high is not None and members is not group:  # both: the min too
        gt, gu = supply(group)
        if gu < at_base.low:
            cap_broken += _("; only {n} eligible {group} for the minimum {min}", n=gu, group=label(r.group),
                            min=at_base.low)
    ok = usable >= needed and needed <= award.seats and not cap_broken
    if needed > award.seats:
        note += _("; more than the {seats} seats", seats=award.seats)
    return Finding(r.id, r.clause, r.text, r.award, subject, needed, usable, ok, r.hard and not ok, r.hard,
                   note + _("; ") + _counted(total, usable) + cap_broken)


def submission_findings(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas | None,
                        eligible: dict[str, list[bool]] | None = None) -> list[Finding]:
    """Each unit's submissions against the rule set's submission rules (issue 14, 6: 按1:2名额推荐), one
    finding per rule and unit, naming the unit; checked before selection."""
    out: list[Finding] = []
    for s in ruleset.submissions:
        award = ruleset.award(s.award)
        by_unit = quotas.of(award.id) if quotas is not None else None
        pool = pools.get(award.pool)
        if by_unit is None or pool is None:
            continue
        mask = (eligible or {}).get(award.pool) or [True] * len(pool)
        counted = Counter(u for u, e in zip(pool.table["unit"], mask) if e or s.count == "submitted")
        for u in quotas.units:  # type: ignore[union-attr]
            need = s.factor * by_unit.get(u, 0)
            has = counted[u]
            ok = has >= need if s.op == ">=" else has == need
            ratio = format_fraction(s.factor) if s.factor.denominator > 1 else str(s.factor)
            what = _("submitted") if s.count == "submitted" else _("eligible")
            note = (_("at least {r} x quota {q}; {n} {what}", r=ratio, q=by_unit.get(u, 0), n=has, what=what)
                    if s.op == ">=" else _("exactly {r} x quota {q}; {n} {what}", r=ratio, q=by_unit.get(u, 0),
                                           n=has, what=what))
            out.append(Finding(s.id, s.clause, s.text, award.id, u, kinds.ceil_people(need), has, ok, False, note=note))
    return out


def supply_findings(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas | None,
                    eligible: dict[str, list[bool]] | None = None) -> list[Finding]:
    """The supply findings of every pool, eligible candidates only when masks are given."""
    out: list[Finding] = []
    for kind, pool in pools.items():
        out += pool_findings(ruleset, pool, quotas, (eligible or {}).get(kind))
    return out
