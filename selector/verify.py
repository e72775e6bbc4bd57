"""Independent verification: re-count every rule on a slate in plain Python, with exact fractions.

Shares no code with the model builder and never imports ortools: it walks the rule set's groups
itself (`where` and `within` directly), counts the slate, and checks seats, the subset relation,
unit quotas, eligibility and every structural rule. The CLI prints no slate that fails it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from selector.i18n import _
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet, format_fraction


@dataclass(frozen=True)
class RuleCheck:
    """One rule on one slate: what it requires and what the slate achieves."""

    id: str
    award: str
    hard: bool
    count: int  # members of the rule's group in the slate
    whole: int | None  # the denominator's count, for share rules
    required: str  # human-readable bound, e.g. '>= 55% of 180 = 99'
    achieved: str  # e.g. '104 of 180 (57.8%)'
    ok: bool
    short: int  # people short of the bound (0 when met)


@dataclass
class VerificationReport:
    checks: list[RuleCheck] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    unit_fill: dict[str, dict[str, tuple[int, int | None]]] = field(default_factory=dict)  # award->unit->(filled,quota)

    @property
    def ok(self) -> bool:
        return not self.violations


def _holds(filt: dict[str, list[str]], row: dict) -> bool:
    return all(row.get(col) in allowed for col, allowed in filt.items())


def _in_group(ruleset: RuleSet, group: str, row: dict, memo: dict) -> bool:
    """Membership walked here, not through RuleSet.in_group: `where` (incl. unit), `where_not`, `any`,
    `within` and `not_within` (issue 14)."""
    if group == "all":
        return True
    if group in memo:
        return memo[group]
    spec = ruleset.groups[group]
    inside = (_holds(spec.where, row)
              and all(row.get(col) not in banned for col, banned in spec.where_not.items())
              and (not spec.any or any(_holds(f, row) for f in spec.any))
              and all(_in_group(ruleset, g, row, memo) for g in spec.within)
              and not any(_in_group(ruleset, g, row, memo) for g in spec.not_within))
    memo[group] = inside
    return inside


def _slate_rows(pools: dict[str, Pool], wanted: set[str]) -> dict[str, dict[str, dict]]:
    """Each pool's rows by id, as `table.to_dict('records')` gives them, for the `wanted` ids it holds
    (the slate's and the forced ones: every id the checks look up). A 200,000-row pool converted whole
    on every call took most of `selector verify`."""
    out = {}
    for kind, pool in pools.items():
        ids = [str(i) for i in pool.table["id"]]
        last = {cid: k for k, cid in enumerate(ids)}  # a repeated id: its last row, as a dict of all rows kept
        at = sorted(last[c] for c in wanted if c in last)
        out[kind] = dict(zip((ids[k] for k in at), pool.table.iloc[at].to_dict("records")))
    return out


def _ceil(f: Fraction) -> int:
    return -((-f.numerator) // f.denominator)


def _floor(f: Fraction) -> int:
    return f.numerator // f.denominator


def verify_slate(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas, slate: dict[str, list[str]],
                 ineligible: set[str] | frozenset[str] = frozenset(),
                 fixed: dict[str, bool] | None = None) -> VerificationReport:
    """Check a slate (award id -> selected candidate ids) against every hard rule of the rule set, and
    (what-if) that every candidate `fixed` forces in is in its pool's top award and every one forced out
    is not (issue 14)."""
    report = VerificationReport()
    rows = _slate_rows(pools, {c for ids in slate.values() for c in ids} | set(fixed or {}))
    for cid, forced in (fixed or {}).items():
        kind = next((k for k, rs_ in rows.items() if cid in rs_), None)
        tops = [a for a in ruleset.awards if a.pool == kind and a.parent is None]
        if kind is None or not tops:
            report.violations.append(_("fixed:{id}: forced in or out, but not in any pool", id=cid))
            continue
        inside = cid in slate.get(tops[0].id, [])
        if inside != forced:
            report.violations.append(
                _("fixed:{id}: forced into {award}, but the slate leaves this candidate out", id=cid, award=tops[0].id)
                if forced else _("fixed:{id}: kept out of {award}, but the slate holds this candidate", id=cid,
                                 award=tops[0].id))
    for award in ruleset.awards:
        chosen = slate.get(award.id, [])
        pool_rows = rows.get(award.pool, {})
        if len(set(chosen)) != len(chosen):
            report.violations.append(_("{award}: a candidate is selected twice", award=award.id))
        unknown = [c for c in chosen if c not in pool_rows]
        if unknown:
            report.violations.append(_("{award}: ids not in the pool: {ids}", award=award.id,
                                       ids=", ".join(unknown[:5])))
        if len(chosen) != award.seats:
            report.violations.append(
                _("seats:{award}: {n} selected, the award has exactly {seats} seats", award=award.id, n=len(chosen),
                  seats=award.seats))
        bad = [c for c in chosen if c in ineligible]
        if bad:
            report.violations.append(_("{award}: ineligible candidates selected: {ids}", award=award.id,
                                       ids=", ".join(bad[:5])))
        if award.parent is not None:
            outside = set(chosen) - set(slate.get(award.parent, []))
            if outside:
                report.violations.append(_("{award}: not chosen from the {parent} slate: {ids}", award=award.id,
                                           parent=award.parent, ids=", ".join(sorted(outside)[:5])))
        by_unit = quotas.of(award.id)
        if by_unit is not None and award.quota != "none":
            filled = {u: 0 for u in quotas.units}
            for c in chosen:
                if c in pool_rows:
                    u = pool_rows[c]["unit"]
                    filled[u] = filled.get(u, 0) + 1
            report.unit_fill[award.id] = {u: (filled.get(u, 0), by_unit.get(u)) for u in filled}
            over = sum(max(0, f - by_unit.get(u, 0)) for u, f in filled.items())
            if award.open_group is not None:  # 单列 (issue 14, 3): a unit's excess only from the group
                for u, f in filled.items():
                    members = sum(1 for c in chosen if c in pool_rows and pool_rows[c]["unit"] == u
                                  and _in_group(ruleset, award.open_group, pool_rows[c], {}))
                    if f - by_unit.get(u, 0) > members:
                        report.violations.append(_(
                            "quota:{unit}: {n} selected for {award}, quota {q}; only {k} of them are {group}, who "
                            "alone may take open seats", unit=u, n=f, award=award.id, q=by_unit.get(u, 0), k=members,
                            group=ruleset.group_label(award.open_group)))
            if over > award.open_seats:
                for u, f in filled.items():
                    if f > by_unit.get(u, 0):
                        report.violations.append(_("quota:{unit}: {n} selected for {award}, quota {q}", unit=u, n=f,
                                                   award=award.id, q=by_unit.get(u, 0)))
            if award.quota == "exact":
                for u, f in filled.items():
                    if f < by_unit.get(u, 0):
                        report.violations.append(
                            _("quota:{unit}: {n} selected for {award}, must fill exactly {q}", unit=u, n=f,
                              award=award.id, q=by_unit.get(u, 0)))

    for kind in rows:  # issue 14, 4: disjoint titles of one pool: nobody holds two
        titles = [a for a in ruleset.awards if a.pool == kind and a.parent is None]
        if len(titles) > 1:
            held: dict[str, list[str]] = {}
            for a in titles:
                for c in slate.get(a.id, []):
                    held.setdefault(c, []).append(a.id)
            for c, names in held.items():
                if len(names) > 1:
                    report.violations.append(_("{id} holds several disjoint titles: {titles}", id=c,
                                               titles=", ".join(names)))

    for rule in ruleset.rules:
        award = ruleset.award(rule.award)
        chosen = [rows[award.pool][c] for c in slate.get(award.id, []) if c in rows.get(award.pool, {})]
        if rule.scoped:  # issue 14, 2: the rule in each of its units, on that unit's part of the slate
            units = [u for u in quotas.units if not rule.units or u in rule.units]
            checks = [_check_rule(ruleset, rule, [r for r in chosen if r["unit"] == u], u) for u in units]
            bad = [c for c in checks if not c.ok]
            worst = max(checks, key=lambda c: c.short, default=None)
            if worst is None:
                continue
            report.checks.append(RuleCheck(rule.id, rule.award, rule.hard, worst.count, worst.whole,
                                           worst.required, _("{ok}/{n} units ok; worst {worst}",
                                                             ok=len(checks) - len(bad), n=len(checks),
                                                             worst=worst.achieved), not bad, sum(c.short for c in bad)))
            for c in bad:
                report.violations.append(_broken_rule(rule, c))
            continue
        check = _check_rule(ruleset, rule, chosen)
        report.checks.append(check)
        if rule.hard and not check.ok:
            report.violations.append(_broken_rule(rule, check))
    declared = {a.id: a.pool for a in ruleset.awards}
    for cross in ruleset.cross_rules:  # issue 14, 5: over the slates of all its awards together
        if not all(declared.get(a) in rows for a in cross.awards):
            continue  # a rule set cut down to some pools (a partial run, one pool's 候补): not counted here
        check = _check_cross(ruleset, cross, rows, slate)
        report.checks.append(check)
        if not check.ok:
            report.violations.append(_broken_rule(cross, check))
    return report


def _broken_rule(rule, check: RuleCheck) -> str:
    return _("{rule} ({clause} {text}): required {required}, slate has {achieved}", rule=rule.id,
             clause=rule.clause, text=rule.text, required=check.required, achieved=check.achieved)


def _check_cross(ruleset: RuleSet, rule, rows: dict[str, dict[str, dict]], slate: dict[str, list[str]]) -> RuleCheck:
    """A rule across awards (issue 14, 5): its group counted in each award's slate with that award's pool's
    group, summed over all its awards; a share's whole likewise."""
    n_part = whole = 0
    of_labels: list[str] = []
    for award_id in rule.awards:
        pool = ruleset.award(award_id).pool
        group, of = (g if isinstance(g, str) else g[pool] for g in (rule.group, rule.of))
        chosen = [rows[pool][c] for c in slate.get(award_id, []) if c in rows.get(pool, {})]
        memos = [{} for _row in chosen]
        n_part += sum(_in_group(ruleset, group, r, memo) for r, memo in zip(chosen, memos))
        whole += sum(_in_group(ruleset, of, r, memo) for r, memo in zip(chosen, memos))
        of_labels.append(ruleset.group_label(of))
    of_label = "+".join(dict.fromkeys(of_labels)) + _(" of {awards}", awards="+".join(rule.awards))
    return _judge(rule, "+".join(rule.awards), n_part, whole if rule.kind == "share" else None, of_label)


def _check_rule(ruleset: RuleSet, rule, chosen: list[dict], unit: str | None = None) -> RuleCheck:
    """One rule counted on `chosen` (the rows of the award's slate, or of one unit's part of it)."""
    memos = [{} for _row in chosen]
    n_part = sum(_in_group(ruleset, rule.group, r, memo) for r, memo in zip(chosen, memos))
    whole = sum(_in_group(ruleset, rule.of, r, memo) for r, memo in zip(chosen, memos)) if rule.kind == "share" \
        else None
    return _judge(rule, rule.award, n_part, whole, ruleset.group_label(rule.of) if rule.kind == "share" else "",
                  unit)


def _judge(rule, award: str, n_part: int, whole: int | None, of_label: str, unit: str | None = None) -> RuleCheck:
    """A rule's verdict on counted numbers: `n_part` members of its group, `whole` of a share's whole."""
    if rule.kind == "share":
        assert whole is not None
        f = rule.fraction
        pct = f"{100 * n_part / whole:.1f}%" if whole else "-"
        if rule.op == "=":  # issue 14, 9
            ok = Fraction(n_part) == f * whole
            exact = f * whole
            short = _ceil(exact) - n_part if n_part < exact else max(0, n_part - _floor(exact))
            required = _("= {f} of {of} ({whole}) = exactly {n}", f=format_fraction(f), of=of_label, whole=whole,
                         n=exact)
        elif rule.op == ">=":
            need = _ceil(f * whole)
            ok = Fraction(n_part) >= f * whole
            short = max(0, need - n_part)
            required = _(">= {f} of {of} ({whole}) = at least {n}", f=format_fraction(f), of=of_label, whole=whole,
                         n=need)
        else:
            cap = (f * whole).numerator // (f * whole).denominator
            ok = Fraction(n_part) <= f * whole
            short = max(0, n_part - cap)
            required = _("<= {f} of {of} ({whole}) = at most {n}", f=format_fraction(f), of=of_label, whole=whole,
                         n=cap)
        achieved = _("{n} of {whole} ({pct})", n=n_part, whole=whole, pct=pct)
    else:
        whole = None
        lo, hi = (rule.min_by_unit.get(unit, rule.min), rule.max_by_unit.get(unit, rule.max)) if unit else (
            rule.min, rule.max)
        ok = (lo is None or n_part >= lo) and (hi is None or n_part <= hi)
        short = max(0, (lo or 0) - n_part) + max(0, n_part - (hi if hi is not None else n_part))
        if lo is not None and lo == hi:
            required = f"= {lo}"
        else:
            required = (_(">= {lo} and <= {hi}", lo=lo, hi=hi) if lo is not None and hi is not None
                        else f">= {lo}" if lo is not None else f"<= {hi}" if hi is not None else "-")
        achieved = str(n_part)
    if unit is not None:
        required, achieved = _("{unit}: {value}", unit=unit, value=required), _("{unit}: {value}", unit=unit,
                                                                                 value=achieved)
    return RuleCheck(rule.id, award, getattr(rule, "hard", True), n_part, whole, required, achieved, ok, short)
