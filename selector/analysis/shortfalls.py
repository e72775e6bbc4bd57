"""Shortfalls: each failed supply finding as a sentence whose every number is explained, with the candidates
screened out of that unit or category and why ('新邱区的名额：缺 3 人：需要 10 名，符合条件的只有 7 名；…')."""

from __future__ import annotations

from collections import Counter

from selector.analysis.conflicts import eligible_mask
from selector.engine.model import members
from selector.i18n import _, label
from selector.reading import kinds
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet


def finding_sentence(ruleset: RuleSet, f) -> str:
    """A failed supply finding with its arithmetic: "缺 9 人：需要 60 名，符合条件的只有 51 名"."""
    who = f.subject if f.subject != "all" else label(ruleset.award(f.award))
    return _("{rule}: {who} short by {short}: {needed} needed, only {available} eligible",
             rule=kinds.rule_name(ruleset, f.rule), who=who, short=max(0, f.needed - f.available), needed=f.needed,
             available=f.available)


def shortfall_words(ruleset: RuleSet, pool: Pool, arithmetic: list, screening=None) -> list[str]:
    """Each failed finding as a sentence whose every number is explained, with the candidates of that unit
    or category who were screened out and why: '新邱区的名额：缺 3 人：需要 10 名，符合条件的只有 7 名；…'."""
    ids = list(pool.table["id"])
    units = list(pool.table["unit"])
    out = []
    for f in arithmetic:
        line = finding_sentence(ruleset, f)
        if f.rule.startswith("quota:"):
            inside = {ids[i] for i in range(len(pool)) if units[i] == f.subject}
        else:
            r = next((x for x in ruleset.rules if x.id == f.rule), None)
            inside = set() if r is None or not kinds.needs_supply(r) else {
                ids[i] for i, m in enumerate(members(ruleset, pool, r.group)) if m}
        out.append(line + screened_out_words(screening, pool.kind, inside))
    return out


def screened_out_words(screening, kind: str, ids: set[str], limit: int = 5) -> str:
    """'另有 2 名不符合条件未参加评选：I0012 张三（E5 …：基层得票率 79.99%，低于 80%）…' for these ids."""
    if screening is None:
        return ""
    gone = [c for c in screening.of_pool(kind) if not c.eligible and c.id in ids]
    if not gone:
        return ""
    items = [_("{id} {name} ({reasons})", id=c.id, name=c.name, reasons=_("; ").join(
        f"{r.rule} {r.value}" for r in c.reasons)) for c in gone[:limit]]
    more = _(" and {n} more (screening.csv)", n=len(gone) - limit) if len(gone) > limit else ""
    return _("; {n} submitted were screened out: {who}{more}", n=len(gone), who=_(", ").join(items), more=more)


def short_units(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible) -> list[tuple[str, int, int]]:
    """(unit, quota, eligible) of every unit with fewer eligible candidates than its quota for the top award."""
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) if award.quota != "none" else None
    if not by_unit:
        return []
    ok = eligible_mask(pool, eligible)
    units = list(pool.table["unit"])
    eligible_in = Counter(u for u, e in zip(units, ok) if e)
    out = []
    for u in quotas.units:
        have = eligible_in[u]
        if have < by_unit.get(u, 0):
            out.append((u, by_unit.get(u, 0), have))
    return out
