"""Relaxations: the least change that lets a slate exist, each checked by solving with it.

A rule's loosest value with every other rule kept (its kind says which way is looser: selector/reading/kinds.py),
the fewest people of slack over every rule at once, the fewest eligible candidates to add per group or unit,
and, for a pool with a slate, what each rule costs in merit.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from selector.analysis.classmodel import class_model
from selector.analysis.conflicts import ASK, Asking, class_pool, eligible_mask, none_without_units, rule_texts
from selector.domain import has_slate
from selector.engine.classes import rule_groups, subpool
from selector.engine.model import SelectionModel, build_model, members, rule_ids_of_pool, without_free_subsets
from selector.engine.prune import solve_pool
from selector.i18n import _, current_lang, label
from selector.reading import kinds
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet, format_fraction

MAX_MENU = 5
MERIT_WORK = 0.5  # deterministic time for the best merit of a cheapest relaxation (province: proven in 0.1; national:
# the best found, not proven: proving took 1.3-2 units, 15-20 s of a loaded machine, per menu entry)


@dataclass
class Relaxation:
    """One change that lets a slate exist, checked by solving with it."""

    changes: list[dict]  # {rule, from, to, people, text}
    merit: str | None  # merit of the slate it gives (top award), exact
    slate: list[str] = field(default_factory=list)  # the draft slate (top award ids)
    kind: str = "rule"  # rule | combination | pool
    proven: bool = True  # False: the best merit found within the question's work, not proven the best

    def describe(self) -> str:
        return _("; ").join(c["text"] for c in self.changes)


@dataclass
class Witness:
    """A slate a question of the loosest values found with every rule kept but one, per class (the classes of
    classmodel.class_model): how many of each class hold each award. The cheapest-relaxation menu reads it as
    an answer that relaxes that one rule (cheapest_relaxations)."""

    classes: list[list[int]]
    counts: dict[str, list[int]]

    @staticmethod
    def of(cm, got) -> Witness:
        return Witness(cm.classes, {a.id: [got.value(v) for v in cm.sm.x[a.id]] for a in cm.sm.awards})


@dataclass
class Price:
    """What a binding rule costs in merit: the optimum with and without it."""

    rule: str
    merit_with: str
    merit_without: str
    cost: str
    enter: list[str]  # ids that would enter without the rule
    leave: list[str]


def _named(ruleset: RuleSet, rid: str) -> str:
    """A rule as a relaxation names it: by its id in English (how the English reader and the rule file
    refer to it), in the notice's words in Chinese ('新邱区的名额', 'R8 四(二)1 …')."""
    return rid if current_lang() == "en" else kinds.rule_name(ruleset, rid)


def _with_rule(ruleset: RuleSet, rule_id: str, **changes) -> RuleSet:
    rules = [r.model_copy(update=changes) if r.id == rule_id else r for r in ruleset.rules]
    return ruleset.model_copy(update={"rules": rules})


def with_quotas(quotas: Quotas, award_id: str, table: dict[str, int]) -> Quotas:
    """The quota table with one award's column replaced."""
    seats = {a: dict(v) for a, v in quotas.seats.items()}
    seats[award_id] = dict(table)
    return Quotas(quotas.source, quotas.units, seats)


def best_slate(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, ask: Asking = ASK):
    """(merit as text, top-award ids) of the best slate under these rules, or None if none exists: the
    exact fast path (selector/engine/prune.py), stopped once the merit is proven (a slate reaching it)."""

    sol = solve_pool(without_free_subsets(ruleset, pool.kind, quotas), pool, quotas, eligible, ask.solve_settings(),
                     fixed=ask.fixed, merit_only=True)  # the merit is the top awards': a free special class is left out
    if not has_slate(sol.status):
        return None
    scores = dict(zip(pool.table["id"], pool.table["score"]))
    top = ruleset.top_award(pool.kind).id
    titles = [a.id for a in ruleset.top_awards(pool.kind)]  # every disjoint title counts (issue 14, 4)
    merit = sum((Decimal(scores[c]) for t in titles for c in sol.selected.get(t, [])), Decimal(0))
    return str(merit), list(sol.selected[top])  # candidate ids, in pool order


def _class_model(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, ask: Asking,
                 relax: set[str] | frozenset = frozenset(), classes_of: RuleSet | None = None) -> SelectionModel:
    """The model of the pool's classes (class_pool): for questions of which slates exist, not of merit.
    `classes_of`: the rule set whose groups make the classes, when a question counts a group that no rule of
    `ruleset` reads (a rule left out to find its loosest value)."""
    reps, sizes, ok = class_pool(classes_of or ruleset, pool, eligible, ask.fixed)
    return build_model(ruleset, reps, quotas, ok, relax=relax, fixed=ask.fixed, multiplicity=sizes)


def _extreme_ratio(sm: SelectionModel, part, whole, maximise: bool, ask: Asking,
                   fixed_whole: bool = False):
    """(the largest (or smallest) part/whole any slate reaches, exactly, by Dinkelbach's iterations; the solve
    of a slate reaching it), or None; on one worker (the slate may be shown).
    `fixed_whole`: every slate has the same whole (the award's seats), so the extreme part, once proven, is the
    answer; the next iteration would only prove a gain of 0 (small-units national: 4 solves of 11-12 s CPU
    each, two of them that proof). Without CP-SAT's presolve (it was half of each solve, and what it found the
    LP finds anyway): the 16 questions of the national benchmark's explanations (four worlds, two infeasible
    variants), replayed, CPU 18.4 -> 11.3 s in all, small-units 14.7 -> 8.5 s, 14 of the 16 faster; the same
    answers."""
    m = sm.model
    m.add(whole >= 1)
    m.maximize(part if maximise else -part)
    got = ask.solve(m, shown=True, presolve=False)
    if not got.found:
        return None
    lam = Fraction(got.value(part), got.value(whole))
    if fixed_whole and got.optimal:
        return lam, got
    at = got
    for _round in range(50):
        num, den = lam.numerator, lam.denominator
        gain = den * part - num * whole if maximise else num * whole - den * part
        m.maximize(gain)
        got = ask.solve(m, shown=True, presolve=False)
        if not got.optimal or got.value(gain) <= 0:  # exact, not the float objective
            return lam, at
        lam, at = Fraction(got.value(part), got.value(whole)), got
    return lam, at


class SubsetRuleBound:
    """best_slate for rule sets that differ from one pool's only in hard rules on a subset award (the special
    class), through a bound. Merit is the top award's, so it is at most the best merit U of the rules without
    any hard rule on a subset award (asked once, then remembered); when the subset awards can be chosen from
    U's own top-award slate under the changed rules (a small question: that slate's classes), that slate
    reaches the bound and is a best slate of the changed rules, exactly. Else the whole question (best_slate).
    Measured, big-special national, two special-class rules loosened: 16 s CPU per loosened rule (stage 1
    through the LP rounds, its floor proof) against one 7.8 s question for U and a check of 0.1 s each."""

    def __init__(self, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, ask: Asking = ASK):
        self.ruleset, self.pool, self.quotas, self.eligible, self.ask = ruleset, pool, quotas, eligible, ask
        self._upper: tuple[str, list[str]] | None | bool = False  # False: not asked yet
        self.checks = 0  # how many changed rule sets the bound settled (tests)

    def applies(self, rule_id: str) -> bool:
        """Whether a change to this rule alone (the quotas kept) can be settled by the bound: a hard rule on a
        subset award, no soft rule on one (its penalty is part of stage 1's objective), one top award."""
        rs = self.ruleset
        subsets = {a.id for a in rs.awards_of_pool(self.pool.kind) if a.parent is not None}
        rule = next((r for r in rs.rules if r.id == rule_id), None)
        return (rule is not None and rule.hard and rule.award in subsets and len(rs.top_awards(self.pool.kind)) == 1
                and not any(r.award in subsets and not r.hard for r in rs.rules))

    def best(self, changed: RuleSet) -> tuple[str, list[str]] | None:
        """best_slate(changed, ...) for `changed`: the pool's rule set with rules that `applies` to changed."""
        if self._upper is False:
            subsets = {a.id for a in self.ruleset.awards if a.parent is not None}
            without = self.ruleset.model_copy(update={"rules": [
                r for r in self.ruleset.rules if not (r.award in subsets and r.hard)]})
            self._upper = best_slate(without, self.pool, self.quotas, self.eligible, self.ask)
        if self._upper is None:
            return None  # no slate even without the subset awards' rules: none with them
        assert not isinstance(self._upper, bool)
        merit, top = self._upper
        where = {c: i for i, c in enumerate(self.pool.table["id"])}
        slate_pool = subpool(self.pool, sorted(where[c] for c in top))  # the top award has to take all of them
        sm = _class_model(changed, slate_pool, self.quotas, None, self.ask)
        if self.ask.solve(sm.model).found:
            self.checks += 1
            return merit, list(top)
        return best_slate(changed, self.pool, self.quotas, self.eligible, self.ask)


def loosest_rule_values(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, rule_ids: list[str],
                        ask: Asking = ASK, witnesses: list[Witness] | None = None) -> list[Relaxation]:
    """For each rule, the loosest value that lets a slate exist with every other rule kept, checked.
    `witnesses` gets the slate each question found (Witness), for the cheapest-relaxation menu."""
    out: list[Relaxation] = []
    texts = rule_texts(ruleset, pool, quotas)
    bound = SubsetRuleBound(ruleset, pool, quotas, eligible, ask)
    for rid in rule_ids:
        change = _loosest_one(ruleset, pool, quotas, eligible, rid, texts, ask, witnesses)
        if change is None:
            continue
        new_rules, new_quotas, entry = change
        if new_quotas is quotas and bound.applies(rid):
            best = bound.best(new_rules)
        else:
            best = best_slate(new_rules, pool, new_quotas, eligible, ask)
        if best is None:  # other conflicts remain: this change alone is not enough
            continue
        out.append(Relaxation([entry], best[0], best[1], "rule"))
    return out


def _loosest_one(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, rid: str, texts, ask: Asking,
                 witnesses: list[Witness] | None = None):
    """(rule set, quotas, change) with `rid` moved to the loosest value that works, or None; the slate that
    reaches it goes to `witnesses`. Its questions are asked on one worker: that slate may be shown."""
    seen = witnesses if witnesses is not None else []
    if rid.startswith(("seats:", "fixed:")):
        return None  # seat totals are the notice's, a what-if's forcing the office's (next_steps.forcing_actions)
    if rid.startswith("quota:"):
        award = ruleset.top_award(pool.kind)
        unit = rid.split(":", 1)[1]
        if unit.startswith(tuple(f"{a.id}:" for a in ruleset.awards)):
            return None  # subset-award quotas: not relaxed here
        cm = class_model(ruleset, pool, quotas, eligible, ask.fixed, relax={rid})
        slack = cm.sm.relaxed[rid]
        cm.model.minimize(slack)
        got = ask.solve(cm.model, shown=True)
        if not got.optimal:
            return None
        seen.append(Witness.of(cm, got))
        s = got.value(slack)
        q = quotas.of(award.id)[unit]  # type: ignore[index]
        new = q + s if _unit_overfull(ruleset, pool, quotas, eligible, award.id, unit) else q - s
        return ruleset, with_quotas(quotas, award.id, {**(quotas.of(award.id) or {}), unit: new}), {
            "rule": rid, "from": q, "to": new, "people": s,
            "text": _("{rule}: {old} -> {new} seats ({reading})", rule=_named(ruleset, rid), old=q,
                      new=new, reading=texts[rid].reading)}
    rule = next(r for r in ruleset.rules if r.id == rid)
    question = kinds.loosest(rule)
    if rule.scoped or question is None:
        return None  # per-unit rules and exact shares: the cheapest relaxations below cover them
    others_rs = ruleset.model_copy(update={"rules": [r for r in ruleset.rules if r.id != rid]})
    cm = class_model(others_rs, pool, quotas, eligible, ask.fixed, classes_of=ruleset)
    sm = cm.sm
    assert sm.count_of is not None
    part = sm.count_of(rule.award, rule.group)
    if question.whole is None:  # a count of people: the most (or fewest) any slate holds
        sm.model.maximize(part if question.maximise else -part)
        got = ask.solve(sm.model, shown=True)
        if not got.optimal:
            return None
        seen.append(Witness.of(cm, got))
        v = got.value(part)
        key, old = question.field, getattr(rule, question.field)
        return _with_rule(ruleset, rid, **{key: v}), quotas, {
            "rule": rid, "from": old, "to": v, "people": abs((old or 0) - v),
            "text": _("{rule}: {bound} {old} -> {new} ({text})", rule=_named(ruleset, rid),
                      bound=_("min") if key == "min" else _("max"), old=old, new=v, text=rule.text)}
    whole = sm.count_of(rule.award, question.whole)
    # a share of the whole slate: its whole is the award's seats in every slate (S1, S3 are kept here)
    reached = _extreme_ratio(sm, part, whole, question.maximise, ask, fixed_whole=question.whole == "all")
    if reached is None:
        return None
    lam, got = reached
    seen.append(Witness.of(cm, got))
    new = kinds.ShareKind.written(lam, question.maximise)  # whole percents when the notice used them
    return _with_rule(ruleset, rid, **{question.field: format_fraction(new)}), quotas, {
        "rule": rid, "from": getattr(rule, question.field), "to": format_fraction(new), "exact": format_fraction(lam),
        "text": _("{rule}: lower {share} to {new} ({text}; the highest share any slate reaches is {reached})"
                  if question.maximise else
                  _("{rule}: raise {share} to {new} ({text}; the lowest share any slate reaches is {reached})"),
                  rule=_named(ruleset, rid), share=rule.share, new=format_fraction(new),
                  text=rule.text, reached=f"{float(lam):.2%}")}


def _unit_overfull(ruleset, pool, quotas, eligible, award_id, unit) -> bool:
    """Whether a quota binds from above (the slate wants more from this unit) rather than below."""
    by_unit = quotas.of(award_id) or {}
    supply = sum(1 for u, e in zip(pool.table["unit"], eligible_mask(pool, eligible)) if u == unit and e)
    return supply > by_unit.get(unit, 0) or ruleset.award(award_id).quota != "exact"


def menu_token(rule_id: str) -> str:
    """What one answer of the cheapest-relaxation menu is told apart by: a rule, or the quota table as a whole
    (`quota:<unit>` for every unit is one token, "quota")."""
    return "quota" if rule_id.startswith("quota:") else rule_id


def cheapest_relaxations(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, menu: int = MAX_MENU,
                         ask: Asking = ASK, witnesses: list[Witness] = ()) -> list[Relaxation]:
    """The fewest people of rule slack that makes a slate exist, over every rule at once (seats kept),
    then alternatives found by forbidding each answer's set of relaxed rules in turn (the unit quotas counted as
    one rule, menu_token: another answer is another kind of change, not the same seats moved between other
    units). On the class model with exact merit (classmodel.py): which slates exist, and the best merit among
    them, are those of the pool.

    Each answer's slate is the best merit of its kind of change at its cost (its rules relaxed, or fewer, no
    other): the kind is the round's, not whichever reaches the best merit.

    `witnesses`: slates the loosest values found (Witness), each an answer relaxing one rule. A round takes
    one when it costs as few people as the round's answer and relaxes fewer kinds of rule (the same change
    with fewer rules touched); a round after the first takes one that costs what the last round's answer did
    without solving (a round only forbids more, so none is cheaper). Small-units national: the menu was five
    solves of 4-6 s CPU, the first relaxing the quotas, R1 and R8 together (317 people), where R1 alone and
    R8 alone cost the same."""
    texts = rule_texts(ruleset, pool, quotas)
    relaxable = {r for r in rule_ids_of_pool(ruleset, pool.kind, quotas) if not r.startswith("seats:")}
    cm = class_model(ruleset, pool, quotas, eligible, ask.fixed, relax=relaxable)
    sm, m = cm.sm, cm.model
    # an alternative is another kind of change: the quota table counts as one rule when blocking, or the
    # menu is five shuffles of unit quotas alike (small-units national: 5 x 8 s, none a different answer)
    used = {t: m.new_bool_var(f"used[{t}]") for t in dict.fromkeys(map(menu_token, sm.relaxed))}
    for rid, s in sm.relaxed.items():
        m.add(s == 0).only_enforce_if(used[menu_token(rid)].Not())
    cost = sum(sm.relaxed.values())
    known = _known_answers(cm, cost, witnesses, ask)  # (people, kinds of rule relaxed, solve), fewest first
    blocked: list[set[str]] = []  # each answer's kinds of rule relaxed: no later answer relaxes all of them
    last = None
    out: list[Relaxation] = []
    best, people_var = None, None  # the merit question: a copy with the merit's segments, built once
    merit_found = True  # one merit question that finds nothing within its work: the others are not asked
    for _round in range(menu):
        allowed = [k for k in known if not any(b <= k[1] for b in blocked)]
        got = next((g for p, _t, g in allowed if p == last), None)
        if got is None:
            m.clear_hints()
            if allowed:  # start from the cheapest known answer, every variable (a partial hint is repaired
                # by a search of its own: 5 s CPU at small-units national), so the search only proves its bound
                hint = m.proto.solution_hint
                hint.vars.extend(range(len(m.proto.variables)))
                hint.values.extend(list(allowed[0][2].solver.response_proto.solution)[:len(m.proto.variables)])
            m.minimize(cost)
            got = ask.solve(m, shown=True)
            if not got.optimal:
                break
            tokens = _tokens(sm, got)
            got = next((g for p, t, g in allowed if p == got.value(cost) and len(t) < len(tokens)), got)
        people = got.value(cost)
        if people == 0:
            break  # feasible as it is
        last = people
        # the best merit among relaxations this cheap (on a copy: the next round searches every cost), from
        # the cheapest one found; within MERIT_WORK, else the best found, said so (`proven`). When the first
        # finds nothing (national, every world: its work goes to presolve and the root LP, 1-3 s CPU each),
        # the later rounds, the same model with one more clause, show their cheapest slate unimproved.
        if not merit_found:
            out.append(_relaxation(ruleset, sm, cm, got, texts, False))
            blocked.append(_block(m, best, used, sm, got))
            continue
        if best is None:
            best = m.clone()  # variables keep their indices in the copy
            people_var = best.new_int_var(0, people + sum(a.seats for a in sm.awards) * len(sm.relaxed), "people")
            best.add(cost == people_var)
            best.maximize(cm.merit(best) - cm.penalty)
        _set_domain(best, people_var, people, people)  # this round's cost, without a new constraint
        kinds_ = _tokens(sm, got)
        for t, u in used.items():  # the best slate of this kind of change: its rules relaxed (or fewer), no other
            _set_domain(best, u, 0, int(t in kinds_))
        best.clear_hints()
        _hint_answer(best, sm, used, got)
        # without CP-SAT's presolve: replayed, national (4 worlds x 2 variants, none found within the work either
        # way) 11.7 -> 5.9 s CPU in all; province (12 questions, the same answers, proven alike) 10.7 -> 10.2 s
        better = ask.solve(best, MERIT_WORK, shown=True, presolve=False)
        merit_found = better.found
        got = better if better.found else got
        out.append(_relaxation(ruleset, sm, cm, got, texts, better.optimal))
        blocked.append(_block(m, best, used, sm, got))
    return out


def _hint_answer(model, sm, used, got) -> None:
    """Start `model` (the menu's or a copy) from an answer's slate, slack and kinds of rule relaxed."""
    for a in sm.awards:
        for v in sm.x[a.id]:
            model.add_hint(v, got.value(v))
    for v in [*sm.relaxed.values(), *used.values()]:
        model.add_hint(v, got.value(v))


def _tokens(sm, got) -> set[str]:
    """The kinds of rule an answer relaxes (menu_token)."""
    return {menu_token(rid) for rid, s in sm.relaxed.items() if got.value(s) > 0}


def _known_answers(cm, cost, witnesses: list[Witness], ask: Asking) -> list[tuple[int, set[str], object]]:
    """Each witness slate as an answer of the menu: (people, kinds of rule relaxed, the solve of the menu's
    model with the slate's counts fixed, its least slack per rule), fewest people first, then fewest kinds.
    A witness of other classes (another pool or forcing) is left out."""
    out = []
    for w in witnesses:
        if w.classes != cm.classes or set(w.counts) != set(cm.sm.x):
            continue
        trial = cm.model.clone()  # variables keep their indices in the copy
        for award, counts in w.counts.items():
            for v, k in zip(cm.sm.x[award], counts):
                _set_domain(trial, v, k, k)
        trial.minimize(cost)
        got = ask.solve(trial, shown=True)
        if got.optimal and got.value(cost) > 0:
            out.append((got.value(cost), _tokens(cm.sm, got), got))
    return sorted(out, key=lambda k: (k[0], len(k[1])))


def _set_domain(model, var, lo: int, hi: int) -> None:
    """A variable's domain set in the proto, in place of a constraint (the model is asked again with another)."""
    domain = model.proto.variables[var.index].domain
    domain.clear()
    domain.extend([lo, hi])


def _relaxation(ruleset: RuleSet, sm, cm, got, texts, proven: bool) -> Relaxation:
    """One answer of the cheapest-relaxation menu, read from its solve."""
    changes = [{"rule": rid, "people": got.value(s),
                "text": (_("{rule}: allow {n} seat(s) past it ({reading})") if rid.startswith("quota:") else
                         _("{rule}: allow {n} person(s) past it ({reading})")).format(
                             rule=_named(ruleset, rid), n=got.value(s), reading=texts[rid].reading)}
               for rid, s in sm.relaxed.items() if got.value(s) > 0]
    return Relaxation(changes, str(cm.merit_value(got)), cm.slate(got), "combination", proven)


def _block(m, best, used, sm, got) -> set[str]:
    """Forbid this answer's set of relaxed rules (the quota table as one) in the later rounds; that set."""
    support = dict.fromkeys(menu_token(rid) for rid, s in sm.relaxed.items() if got.value(s) > 0)
    for model in (m, best):
        model.add_bool_or([used[t].Not() for t in support])
    return set(support)


def grown_pool(pool: Pool, eligible, copies: list[tuple[int, str]]):
    """The pool plus eligible copies of candidates (template position, unit it is submitted by)."""


    extra = pool.table.iloc[[t for t, _u in copies]].reset_index(drop=True)
    extra["id"] = [f"+{pool.table.at[t, 'id']}#{j + 1}" for j, (t, _u) in enumerate(copies)]
    extra["unit"] = [u for _t, u in copies]
    table = pd.concat([pool.table, extra], ignore_index=True)
    grown = dataclasses.replace(pool, table=table, rows=pool.rows + [0] * len(copies))
    return grown, eligible_mask(pool, eligible) + [True] * len(copies)


def _with_copies(pool: Pool, eligible, templates: list[int], k: int) -> tuple[Pool, list[bool] | None]:
    """The pool plus k eligible copies of the templates, taken in turn (ids '+<id>#j'), to test a pool change."""
    picks = [templates[j % len(templates)] for j in range(k)]
    grown, elig = grown_pool(pool, eligible, [(t, pool.table.at[t, "unit"]) for t in picks])
    return grown, (None if eligible is None else elig)


class _WithCopies:
    """Is there a slate once k eligible copies of the templates (taken in turn) are added? One class model of
    the pool with `most` copies, those of each template a class apart (copies of one candidate are
    interchangeable), asked for each k with each template's class capped at its copies among the first k:
    exactly the pool grown by k copies (an added copy not selected changes nothing), built once."""

    def __init__(self, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, templates: list[int], most: int,
                 ask: Asking):
        grown, elig = _with_copies(pool, eligible, templates, most)
        apart = [list(range(len(pool) + j, len(pool) + most, len(templates))) for j in range(len(templates))]
        apart = [c for c in apart if c]
        self.cm = class_model(ruleset, grown, quotas, elig, ask.fixed, apart=apart)
        self.first = len(self.cm.classes) - len(apart)
        self.templates = len(templates)
        self.ask = ask

    def feasible(self, k: int) -> bool:
        m = self.cm.model.clone()
        x = self.cm.sm.x[self.cm.sm.top.id]
        for j, v in enumerate(x[self.first:]):
            m.add(v <= ((k - j + self.templates - 1) // self.templates if k > j else 0))
        return self.ask.solve(m, presolve=False).found


def best_template(pool: Pool, ok: list[bool], inside: list[int], helps: list[int]) -> int:
    scores = pool.table["score"].to_numpy()  # the column's own array, not a copy: a list per call was 2 s of a
    # national explanation (one call per unit and target), .iat per position 15 s at small-units
    pick = [i for i in inside if ok[i]] or inside
    return max(pick, key=lambda i: (helps[i], scores[i], -i))


def unit_positions(pool: Pool) -> dict[str, list[int]]:
    """Each unit's candidate positions, in pool order: per-unit loops over the whole pool were units x pool
    (small-units national: 750 x 30,000)."""
    at: dict[str, list[int]] = {}
    for i, u in enumerate(pool.table["unit"]):
        at.setdefault(u, []).append(i)
    return at


def help_scores(ruleset: RuleSet, pool: Pool) -> list[int]:
    """How much a candidate helps the hard share rules: inside minimum groups, outside capped ones."""
    helps = [0] * len(pool)
    for r in ruleset.rules_of_pool(pool.kind):
        sign = kinds.kind_of(r).inside_helps(r) if r.hard else 0
        if sign:
            for i, inside in enumerate(members(ruleset, pool, r.group)):
                helps[i] += sign * inside
    return helps


def pool_additions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]],
                   ask: Asking = ASK) -> list[Relaxation]:
    """Candidates to add: for each group a minimum in a conflict asks for, and each unit whose eligible
    candidates are fewer than its quota, the fewest eligible copies of its best candidates (one per
    unit, taken in turn) that let a slate exist — monotone in the number added: doubling, then bisection."""

    ok = eligible_mask(pool, eligible)
    units = list(pool.table["unit"])
    targets: list[tuple[str, list[bool]]] = []
    rules = {r.id: r for r in ruleset.rules_of_pool(pool.kind)}
    for rid in dict.fromkeys(r for c in conflicts for r in c):
        r = rules.get(rid)
        if r is not None and r.scoped and kinds.kind_of(r).bounds_per_unit:  # issue 14, 2: from the units short
            inside = members(ruleset, pool, r.group)
            have = Counter(u for u, m, e in zip(units, inside, ok) if m and e)
            short = {u for u in r.applies_in(quotas.units) if (kinds.unit_minimum(r, u) or 0) > have[u]}
            if short:
                targets.append((f"{ruleset.group_label(r.group)} ({rid})",
                                [inside[i] and units[i] in short for i in range(len(pool))]))
        elif r is not None and r.hard and kinds.needs_supply(r):
            targets.append((f"{ruleset.group_label(r.group)} ({rid})", members(ruleset, pool, r.group)))
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) or {}
    if any(r.startswith("quota:") for c in conflicts for r in c):
        if award.open_group is not None:  # issue 14, 3: only its members may take the carve-out seats
            targets.append((_("{group} (open seats)", group=ruleset.group_label(award.open_group)),
                            members(ruleset, pool, award.open_group)))
        have = Counter(u for u, e in zip(units, ok) if e)
        for u in quotas.units:
            if have[u] < by_unit.get(u, 0):
                targets.append((u, [v == u for v in units]))
    # copy the candidates that help most: inside the most minimum groups, the fewest capped ones
    helps = help_scores(ruleset, pool)
    at = unit_positions(pool)
    out = []
    for target, mask in targets:
        templates = []
        for u in quotas.units:  # the best eligible member in each unit that has one
            inside = [i for i in at.get(u, []) if mask[i]]
            if inside:
                templates.append(best_template(pool, ok, inside, helps))
        if not templates:
            continue
        most, most_ok = _with_copies(pool, eligible, templates, award.seats)
        if none_without_units(ruleset, most, quotas, most_ok, ask):
            continue  # adding such candidates alone does not help, whatever the quotas
        probe = _WithCopies(ruleset, pool, quotas, eligible, templates, award.seats, ask)
        if not probe.feasible(award.seats):
            continue  # adding such candidates alone does not help
        lo, hi = 0, 1  # infeasible at lo, feasible at hi
        while not probe.feasible(hi):
            lo, hi = hi, min(2 * hi, award.seats)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if probe.feasible(mid) else (mid, hi)
        grown, grown_ok = _with_copies(pool, eligible, templates, hi)
        best = best_slate(ruleset, grown, quotas, grown_ok, ask)
        spread: dict[str, int] = {}
        for j in range(hi):
            u = units[templates[j % len(templates)]]
            spread[u] = spread.get(u, 0) + 1
        where = _(", ").join(f"{u} {n}" for u, n in spread.items())
        used = list(dict.fromkeys(templates[j % len(templates)] for j in range(hi)))
        alike = _described(ruleset, pool, used)
        text = _("add at least {n} eligible candidate(s) of {target} ({where})", n=hi, target=target, where=where) + (
            _(", each: {alike}", alike=alike) if alike else "")
        out.append(Relaxation([{"pool": target, "add": hi, "units": spread, "text": text, "each": alike}],
                              best[0] if best else None, best[1] if best else [], "pool"))
    return out


def _described(ruleset: RuleSet, pool: Pool, rows: list[int]) -> str:
    """The copied candidates by every attribute a rule's group reads (issue 14: an addition tested with
    copies that were also 农民工 must say so): 'label value' per attribute, values of all copies."""

    spec = ruleset.pools[pool.kind]
    columns: list[str] = []
    stack = list(rule_groups(ruleset, pool.kind))
    seen: set[str] = set()
    while stack:
        g = stack.pop(0)
        if g in seen or g not in ruleset.groups:
            continue
        seen.add(g)
        spec_g = ruleset.groups[g]
        for f in spec_g.filters():
            columns += [c for c in f if c != "unit" and c not in columns]
        stack += [*spec_g.within, *spec_g.not_within]
    parts = []
    for col in columns:
        attr = spec.attribute(col)
        values = list(dict.fromkeys(str(pool.table.at[i, col]) for i in rows))
        names = [next((a for a, c in attr.value_aliases.items() if c == v), v) if attr else v for v in values]
        parts.append(f"{label(attr, col) if attr else col} {'/'.join(names)}")
    return _(", ").join(parts)


def rule_prices(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, ask: Asking = ASK) -> list[Price]:
    """For a feasible pool: the merit each structural rule costs (optimum without it minus with it)."""
    base = best_slate(ruleset, pool, quotas, eligible, ask)
    if base is None:
        return []
    out = []
    bound = SubsetRuleBound(ruleset, pool, quotas, eligible, ask)  # a special-class rule's price: the bound
    for r in ruleset.rules_of_pool(pool.kind):
        if not r.hard:
            continue
        without = ruleset.model_copy(update={"rules": [x for x in ruleset.rules if x.id != r.id]})
        alt = bound.best(without) if bound.applies(r.id) else best_slate(without, pool, quotas, eligible, ask)
        if alt is None:
            continue
        cost = Decimal(alt[0]) - Decimal(base[0])
        out.append(Price(r.id, base[0], alt[0], str(cost), sorted(set(alt[1]) - set(base[1])),
                         sorted(set(base[1]) - set(alt[1]))))
    return out
