"""Next steps after "no slate": who can act, what to do and why, each checked by solving with it applied.

Ranked by who can act on it: a unit can 补报 (submit more eligible candidates of a named kind); the office
can 调剂 (move seats between units, the total kept); only the leadership group can change a published
percentage or the seats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selector.analysis.classmodel import class_model
from selector.analysis.conflicts import ASK, Asking, eligible_mask, none_without_units
from selector.analysis.relaxations import (
    MAX_MENU,
    Relaxation,
    best_slate,
    best_template,
    grown_pool,
    help_scores,
    unit_positions,
    with_quotas,
)
from selector.analysis.shortfalls import screened_out_words, short_units
from selector.engine.model import members, quota_rule_id
from selector.i18n import _, label
from selector.reading import kinds
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet, parse_fraction

ACTORS = ("unit", "office", "leadership")  # who can act: units (补报), the office (调剂), the leadership group


@dataclass
class Action:
    """One next step, checked by solving with it applied: who can take it, what it is, why (every number)."""

    actor: str  # one of ACTORS
    text: str  # what to do, in the notice's words ("新邱区须补报 3 名符合条件的人选")
    why: str  # the arithmetic behind every number ("缺 3 人：名额 10 名，符合条件的只有 7 名")
    merit: str | None = None  # best merit of the top award once it is done
    changes: list[dict] = field(default_factory=list)  # machine-readable: {unit, add} / {unit, from, to} / {rule, ...}


def _fewest_additions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, copies: list[tuple[int, str]],
                      ask: Asking) -> tuple[dict[str, int], str | None] | None:
    """The fewest of `copies` a slate needs, with every rule of the notice kept, by solving once (the copies
    are candidates; an added candidate who is not selected is not needed), then the best merit among those.
    (unit -> how many, merit) or None when no number of these copies makes a slate exist. On the class model
    (classmodel.py), the copies of one candidate for one unit a class apart, counted."""
    grown, elig = grown_pool(pool, eligible, copies)
    if none_without_units(ruleset, grown, quotas, elig, ask):
        return None
    apart: dict[tuple[int, str], list[int]] = {}
    for j, key in enumerate(copies):
        apart.setdefault(key, []).append(len(pool) + j)
    cm = class_model(ruleset, grown, quotas, elig, ask.fixed, apart=list(apart.values()))
    sm, m = cm.sm, cm.model
    first = len(cm.classes) - len(apart)
    added = sum(sm.x[sm.top.id][first:])
    m.minimize(added)
    got = ask.solve(m)
    if not got.optimal:
        return None
    fewest = got.value(added)
    m.add(added == fewest)
    m.maximize(cm.merit() - cm.penalty)
    got = ask.solve(m, shown=True)
    if not got.found:
        return None
    counts = cm.counts(got)
    spread: dict[str, int] = {}
    for (_t, u), k in zip(apart, counts[first:]):
        if k:
            spread[u] = spread.get(u, 0) + k
    merit = str(cm.top_merit(got)) if got.optimal else None  # a merit not proven the best is not shown
    return {u: spread[u] for u in quotas.units if u in spread}, merit


def unit_actions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]],
                 arithmetic: list, screening=None, ask: Asking = ASK) -> list[Action]:
    """补报: what units can do. Each unit short of its quota submits the missing eligible candidates; each
    category a minimum in a conflict asks for is submitted by the units that can, with the fewest people
    that let a slate exist together with every other rule (solved, not counted from one rule)."""
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) if award.quota != "none" else None
    ok = eligible_mask(pool, eligible)
    units = list(pool.table["unit"])
    ids = list(pool.table["id"])
    helps = help_scores(ruleset, pool)
    at = unit_positions(pool)
    out: list[Action] = []
    short = short_units(ruleset, pool, quotas, eligible)
    in_conflict = {r for c in conflicts for r in c}
    if short and any(r.startswith(("quota:", "seats:")) for r in in_conflict):
        copies = []
        for u, q, have in short:
            inside = at.get(u) or list(range(len(pool)))
            copies += [(best_template(pool, ok, inside, helps), u)] * (q - have)
        found = _fewest_additions(ruleset, pool, quotas, eligible, copies, ask)
        if found is not None:
            spread, merit = found
            for u, q, have in short:
                n = spread.get(u, 0)
                if not n:
                    continue
                gone = {ids[i] for i in at.get(u, [])}
                out.append(Action(
                    "unit", _("{unit} must submit {n} more eligible candidates", unit=u, n=n),
                    _("short by {short}: quota {quota}, only {eligible} eligible", short=q - have, quota=q,
                      eligible=have) + screened_out_words(screening, pool.kind, gone),
                    merit, [{"unit": u, "add": n}]))
    rules = {r.id: r for r in ruleset.rules_of_pool(pool.kind)}
    findings = {f.rule: f for f in arithmetic}
    minimums = [rules[rid] for rid in dict.fromkeys(r for c in conflicts for r in c) if rid in rules
                and rules[rid].hard and kinds.needs_supply(rules[rid])]
    short_ones = [r for r in minimums if r.id in findings]  # the categories the arithmetic finds short first
    for r in short_ones or minimums:
        rid = r.id
        mask = members(ruleset, pool, r.group)
        anywhere = [i for i in range(len(pool)) if mask[i]]
        copies = []
        for u in quotas.units if by_unit else list(dict.fromkeys(units)):
            inside = [i for i in at.get(u, []) if mask[i]] or anywhere
            if inside:
                room = by_unit.get(u, 0) if by_unit else award.seats
                copies += [(best_template(pool, ok, inside, helps), u)] * min(room, award.seats)
        if not copies:
            continue
        found = _fewest_additions(ruleset, pool, quotas, eligible, copies, ask)
        if found is None:
            continue
        spread, merit = found
        n = sum(spread.values())
        group = ruleset.group_label(r.group)
        where = _(", ").join(_("{unit} {n}", unit=u, n=k) for u, k in spread.items())
        f = findings.get(rid)
        if f is not None:
            why = _("short by {short}: {rule} needs {needed}, only {available} eligible", short=f.needed - f.available,
                    rule=kinds.rule_name(ruleset, rid), needed=f.needed, available=f.available)
            if n != f.needed - f.available:
                why += _("; together with every other rule {n} are needed (solved)", n=n)
        else:
            why = _("{rule} cannot be met together with the other rules in the conflict; {n} more are needed "
                    "(solved with every rule)", rule=kinds.rule_name(ruleset, rid), n=n)
        gone = {ids[i] for i in range(len(pool)) if mask[i]}
        out.append(Action("unit", _("Submit {n} more eligible {group}: {where}", n=n, group=group, where=where),
                          why + screened_out_words(screening, pool.kind, gone), merit,
                          [{"group": r.group, "rule": rid, "add": n, "units": spread}]))
    return out


def office_actions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]],
                   ask: Asking = ASK) -> list[Action]:
    """调剂: what the office can do within the notice: move seats between units, the total kept (every
    structural rule and the seats as they are), the fewest seats moved, then the best merit; checked by
    solving with the new quota table."""
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) if award.quota != "none" else None
    if not by_unit or not any(r.startswith(("quota:", "seats:")) for c in conflicts for r in c):
        return []
    relax = {quota_rule_id(ruleset, award, u) for u in quotas.units}
    if none_without_units(ruleset, pool, quotas, eligible, ask):
        return []  # no quota table helps
    cm = class_model(ruleset, pool, quotas, eligible, ask.fixed, relax=relax)
    sm = cm.sm
    moved = sum(sm.relaxed.values())
    sm.model.minimize(moved)
    got = ask.solve(sm.model)
    if not got.optimal or got.value(moved) == 0:
        return []
    sm.model.add(moved == got.value(moved))
    sm.model.maximize(cm.merit() - cm.penalty)
    got = ask.solve(sm.model, shown=True)
    if not got.found:
        return []
    held = cm.unit_counts(got)
    filled = {u: held.get(u, 0) for u in quotas.units}
    gain = {u: got.value(sm.relaxed[quota_rule_id(ruleset, award, u)]) for u in quotas.units}
    gain = {u: g for u, g in gain.items() if g}
    total = sum(gain.values())
    give: dict[str, int] = {}
    left = total
    for u in quotas.units:  # the seats a unit leaves unused go to those that can fill them
        spare = by_unit.get(u, 0) - filled[u]
        if spare > 0 and left > 0 and u not in gain:
            give[u] = min(spare, left)
            left -= give[u]
    if left:
        return []  # the seats would have to come from nowhere: not a move within the total
    table = dict(by_unit) | {u: by_unit.get(u, 0) + g for u, g in gain.items()} | {
        u: by_unit.get(u, 0) - g for u, g in give.items()}
    new_quotas = with_quotas(quotas, award.id, table)
    best = best_slate(ruleset, pool, new_quotas, eligible, ask)
    if best is None:
        return []
    seats_total = sum(by_unit.values())
    text = _("Move {n} seats between units (the total of {total} kept): {moves}", n=total, total=seats_total,
             moves=_("; ").join([_("{unit} {old} -> {new}", unit=u, old=by_unit.get(u, 0), new=table[u])
                                 for u in quotas.units if u in give or u in gain]))
    short = short_units(ruleset, pool, quotas, eligible)
    if short:
        why = _("; ").join(_("{unit} has only {eligible} eligible for a quota of {quota}", unit=u, eligible=h, quota=q)
                           for u, q, h in short if u in give)
        why = (why + _("; ") if why else "") + _("the units that receive seats have eligible candidates to fill them")
    else:
        why = _("within the old quotas the rules in the conflict cannot all be met; with these quotas they can")
    return [Action("office", text, why, best[0],
                   [{"unit": u, "from": by_unit.get(u, 0), "to": table[u]} for u in quotas.units
                    if u in give or u in gain])]


def forcing_actions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]],
                    ask: Asking = ASK) -> list[Action]:
    """A what-if's forcing in a conflict (`fixed:<id>`) is the office's own choice: setting those candidates
    free again is an office step, checked by solving with every rule and the other forcings kept."""
    forced = list(dict.fromkeys(r.split(":", 1)[1] for c in conflicts for r in c if r.startswith("fixed:")))
    if not forced or ask.fixed is None:
        return []
    best = best_slate(ruleset, pool, quotas, eligible, ask.without(forced))
    if best is None:
        return []
    names = dict(zip(pool.table["id"], pool.table["name"]))
    who = _(", ").join(f"{c} {names.get(c, '')}".strip() for c in forced)
    what = (_("forced in") if all(ask.fixed.get(c) for c in forced) else
            _("forced out") if not any(ask.fixed.get(c) for c in forced) else _("forced in or out"))
    return [Action("office", _("Undo the what-if's forcing: {ids} ({what})", ids=who, what=what),
                   _("the forcing is part of the conflict; with it undone, every rule kept, a slate exists"),
                   best[0], [{"unfix": c, "was": "in" if ask.fixed.get(c) else "out"} for c in forced])]


def leadership_actions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]],
                       relaxations: list[Relaxation], ask: Asking = ASK) -> list[Action]:
    """What only the leadership group can decide: a percentage or count of the notice, or the seats."""
    out: list[Action] = []
    rules = {r.id: r for r in ruleset.rules}
    for rx in relaxations:
        if rx.kind != "rule":
            continue
        c = rx.changes[0]
        rid = c["rule"]
        if rid not in rules:
            continue
        r = rules[rid]
        if "exact" in c:
            reached = f"{float(parse_fraction(c['exact'])):.2%}"
            why = _("the {word} share any slate with the other rules reaches is {exact}",
                    word=_("highest") if kinds.loosest(r).maximise else _("lowest"), exact=reached)  # type: ignore[union-attr]
        else:
            why = _("the most any slate with the other rules reaches is {n}", n=c["to"])
        out.append(Action("leadership", _("Change {rule} from {old} to {new}", rule=kinds.rule_name(ruleset, rid),
                                          old=c["from"], new=c["to"]), why, rx.merit, [c]))
    award = ruleset.top_award(pool.kind)
    if any(r == f"seats:{award.id}" for cf in conflicts for r in cf) and \
            not none_without_units(ruleset, pool, quotas, eligible, ask, relax={f"seats:{award.id}"}):
        sm = class_model(ruleset, pool, quotas, eligible, ask.fixed, relax={f"seats:{award.id}"}).sm
        fewer = sm.relaxed[f"seats:{award.id}"]
        sm.model.minimize(fewer)
        got = ask.solve(sm.model)
        if got.optimal and got.value(fewer) > 0:
            k = got.value(fewer)
            smaller = ruleset.model_copy(update={"awards": [
                a.model_copy(update={"seats": a.seats - k}) if a.id == award.id else a for a in ruleset.awards]})
            best = best_slate(smaller, pool, quotas, eligible, ask)
            if best is not None:
                out.append(Action("leadership", _("Reduce the seats of {award} from {old} to {new}", award=label(award),
                                                  old=award.seats, new=award.seats - k),
                                  _("with every other rule kept, at most {n} can be selected", n=award.seats - k),
                                  best[0], [{"seats": award.id, "from": award.seats, "to": award.seats - k}]))
    single = {c["rule"] for a in out for c in a.changes if "rule" in c}
    for rx in relaxations:
        if rx.kind != "combination" or all(str(c["rule"]).startswith("quota:") for c in rx.changes):
            continue
        if len(rx.changes) == 1 and rx.changes[0]["rule"] in single:
            continue  # the same change as a rule's loosest value above
        parts = _("; ").join(_("{rule} by {n}", rule=kinds.rule_name(ruleset, c["rule"]), n=c["people"])
                             for c in rx.changes)
        why = _("the fewest people of relaxation, counted over every rule at once")
        if not rx.proven:
            why += _("; the merit is the best found within the work allowed, not proven the best")
        out.append(Action("leadership", _("Relax these rules together: {parts}", parts=parts), why, rx.merit,
                          rx.changes))
        if sum(a.actor == "leadership" for a in out) >= MAX_MENU:
            break
    return out
