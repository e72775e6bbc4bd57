"""Independent verification: re-count every rule on a slate in plain Python, with exact fractions.

Shares no code with the model builder and never imports ortools: it walks the rule set's groups
itself (`where` and `within` directly), counts the slate, and checks seats, the subset relation,
unit quotas, eligibility and every structural rule. The CLI prints no slate that fails it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from selector.pool import Pool, Quotas
from selector.rules import RuleSet, format_fraction


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


def _in_group(ruleset: RuleSet, group: str, row: dict, memo: dict) -> bool:
    if group == "all":
        return True
    if group in memo:
        return memo[group]
    spec = ruleset.groups[group]
    inside = all(row.get(col) in allowed for col, allowed in spec.where.items()) and all(
        _in_group(ruleset, g, row, memo) for g in spec.within)
    memo[group] = inside
    return inside


def _ceil(f: Fraction) -> int:
    return -((-f.numerator) // f.denominator)


def verify_slate(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas, slate: dict[str, list[str]],
                 ineligible: set[str] | frozenset[str] = frozenset()) -> VerificationReport:
    """Check a slate (award id -> selected candidate ids) against every hard rule of the rule set."""
    report = VerificationReport()
    rows: dict[str, dict[str, dict]] = {
        kind: {str(r["id"]): r for r in pool.table.to_dict("records")} for kind, pool in pools.items()}
    for award in ruleset.awards:
        chosen = slate.get(award.id, [])
        pool_rows = rows.get(award.pool, {})
        if len(set(chosen)) != len(chosen):
            report.violations.append(f"{award.id}: a candidate is selected twice")
        unknown = [c for c in chosen if c not in pool_rows]
        if unknown:
            report.violations.append(f"{award.id}: ids not in the pool: {unknown[:5]}")
        if len(chosen) != award.seats:
            report.violations.append(
                f"seats:{award.id}: {len(chosen)} selected, the award has exactly {award.seats} seats")
        bad = [c for c in chosen if c in ineligible]
        if bad:
            report.violations.append(f"{award.id}: ineligible candidates selected: {bad[:5]}")
        if award.parent is not None:
            outside = set(chosen) - set(slate.get(award.parent, []))
            if outside:
                report.violations.append(f"{award.id}: not chosen from the {award.parent} slate: {sorted(outside)[:5]}")
        by_unit = quotas.of(award.id)
        if by_unit is not None and award.quota != "none":
            filled = {u: 0 for u in quotas.units}
            for c in chosen:
                if c in pool_rows:
                    u = pool_rows[c]["unit"]
                    filled[u] = filled.get(u, 0) + 1
            report.unit_fill[award.id] = {u: (filled.get(u, 0), by_unit.get(u)) for u in filled}
            over = sum(max(0, f - by_unit.get(u, 0)) for u, f in filled.items())
            if over > award.open_seats:
                for u, f in filled.items():
                    if f > by_unit.get(u, 0):
                        report.violations.append(f"quota:{u}: {f} selected for {award.id}, quota {by_unit.get(u, 0)}")
            if award.quota == "exact":
                for u, f in filled.items():
                    if f < by_unit.get(u, 0):
                        report.violations.append(
                            f"quota:{u}: {f} selected for {award.id}, must fill exactly {by_unit.get(u, 0)}")

    for rule in ruleset.rules:
        award = ruleset.award(rule.award)
        chosen = [rows[award.pool][c] for c in slate.get(award.id, []) if c in rows.get(award.pool, {})]
        memos = [{} for _ in chosen]
        n_part = sum(_in_group(ruleset, rule.group, r, memo) for r, memo in zip(chosen, memos))
        if rule.kind == "share":
            f = rule.fraction
            whole = sum(_in_group(ruleset, rule.of, r, memo) for r, memo in zip(chosen, memos))
            pct = f"{100 * n_part / whole:.1f}%" if whole else "-"
            of_label = "all" if rule.of == "all" else rule.of
            if rule.op == ">=":
                need = _ceil(f * whole)
                ok = Fraction(n_part) >= f * whole
                short = max(0, need - n_part)
                required = f">= {format_fraction(f)} of {of_label} ({whole}) = at least {need}"
            else:
                cap = (f * whole).numerator // (f * whole).denominator
                ok = Fraction(n_part) <= f * whole
                short = max(0, n_part - cap)
                required = f"<= {format_fraction(f)} of {of_label} ({whole}) = at most {cap}"
            achieved = f"{n_part} of {whole} ({pct})"
        else:
            whole = None
            ok = (rule.min is None or n_part >= rule.min) and (rule.max is None or n_part <= rule.max)
            short = max(0, (rule.min or 0) - n_part) + max(0, n_part - (rule.max if rule.max is not None else n_part))
            bounds = ([f">= {rule.min}"] if rule.min is not None else []) + (
                [f"<= {rule.max}"] if rule.max is not None else [])
            required = " and ".join(bounds)
            achieved = str(n_part)
        report.checks.append(RuleCheck(rule.id, rule.award, rule.hard, n_part, whole, required, achieved, ok, short))
        if rule.hard and not ok:
            report.violations.append(
                f"{rule.id} ({rule.clause} {rule.text}): required {required}, slate has {achieved}")
    return report
