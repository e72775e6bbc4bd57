"""Explaining: why no slate meets the rules, what the least change is, and what each rule costs.

Everything here reuses model.build_model: each rule (structural rules, `seats:<award>`, `quota:<unit>`)
sits behind an enforcement literal, or gets a slack in people for relaxations. Eligibility and the
linking constraints stay hard and out of explanations. The explainer solves without an objective
(with one, CP-SAT's core is every assumption), with one worker (assumptions force it), and confirms
every conflict by re-solving it before showing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ortools.sat.python import cp_model

from selector.analysis.supply import pool_findings
from selector.engine.model import SelectionModel, build_model, members, quota_rule_id, rule_ids_of_pool
from selector.engine.solve import InterruptibleSolver  # Ctrl-C raises KeyboardInterrupt (issue 7)
from selector.i18n import _, label
from selector.reading.pool import Pool, Quotas
from selector.reading.rules import Rule, RuleSet, format_fraction, parse_fraction

MAX_CONFLICTS = 5
MAX_MENU = 5


@dataclass(frozen=True)
class RuleText:
    """A rule as an official reads it: id, clause, the notice's sentence and a plain reading."""

    id: str
    clause: str
    text: str
    reading: str


@dataclass
class Relaxation:
    """One change that lets a slate exist, checked by solving with it."""

    changes: list[dict]  # {rule, from, to, people, text}
    merit: str | None  # merit of the slate it gives (top award), exact
    slate: list[str] = field(default_factory=list)  # the draft slate (top award ids)
    kind: str = "rule"  # rule | combination | pool

    def describe(self) -> str:
        return "; ".join(c["text"] for c in self.changes)


@dataclass
class Price:
    """What a binding rule costs in merit: the optimum with and without it."""

    rule: str
    merit_with: str
    merit_without: str
    cost: str
    enter: list[str]  # ids that would enter without the rule
    leave: list[str]


ACTORS = ("unit", "office", "leadership")  # who can act: units (补报), the office (调剂), the leadership group


@dataclass
class Action:
    """One next step, checked by solving with it applied: who can take it, what it is, why (every number)."""

    actor: str  # one of ACTORS
    text: str  # what to do, in the notice's words ("新邱区须补报 3 名符合条件的人选")
    why: str  # the arithmetic behind every number ("缺 3 人：名额 10 名，符合条件的只有 7 名")
    merit: str | None = None  # best merit of the top award once it is done
    changes: list[dict] = field(default_factory=list)  # machine-readable: {unit, add} / {unit, from, to} / {rule, ...}


@dataclass
class PoolExplanation:
    pool: str
    feasible: bool
    conflicts: list[list[str]] = field(default_factory=list)
    rules: dict[str, RuleText] = field(default_factory=dict)
    relaxations: list[Relaxation] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    arithmetic: list = field(default_factory=list)  # supply.Finding that failed: demand beyond eligible supply
    forced_ineligible: list[dict] = field(default_factory=list)  # forced in, screened out: id, name, unit, reasons
    actions: list[Action] = field(default_factory=list)  # next steps, units first, the leadership group last
    shortfalls: list[str] = field(default_factory=list)  # each failed finding in words, with who was screened out


def rule_texts(ruleset: RuleSet, pool: Pool, quotas: Quotas) -> dict[str, RuleText]:
    """Every rule of the pool's model as it reads in the notice (seats and quotas included)."""
    out: dict[str, RuleText] = {}
    for a in ruleset.awards_of_pool(pool.kind):
        out[f"seats:{a.id}"] = RuleText(f"seats:{a.id}", a.clause, a.text,
                                        _("exactly {n} {award}", n=a.seats, award=label(a)))
        by_unit = quotas.of(a.id)
        if a.quota != "none" and by_unit is not None:
            clause, words = ruleset.quota_wording()  # the rule set's own clause for its quota table (issue 14)
            for u in quotas.units:
                rid = quota_rule_id(ruleset, a, u)
                reading = (_("exactly {n} {award} from {unit}", n=by_unit.get(u, 0), award=label(a), unit=u)
                           if a.quota == "exact" else
                           _("at most {n} {award} from {unit}", n=by_unit.get(u, 0), award=label(a), unit=u))
                out[rid] = RuleText(rid, clause, words, reading)
    for r in ruleset.rules_of_pool(pool.kind):
        out[r.id] = RuleText(r.id, r.clause, r.text, _reading(ruleset, r))
    return out


def _reading(ruleset: RuleSet, r: Rule) -> str:
    g = ruleset.group_label(r.group)
    if r.kind == "share":
        of = ruleset.group_label(r.of)
        seats = ruleset.award(r.award).seats
        word = {">=": _("at least"), "<=": _("at most"), "=": _("exactly")}[r.op]  # type: ignore[index]
        f = r.fraction
        extra = ""
        if r.scoped:
            extra = " " + _in_units(r)
        elif r.of == "all" and r.op == "=":
            extra = _(" = {n} of {seats}", n=f * seats, seats=seats)
        elif r.of == "all":
            n = f * seats
            cnt = -((-n.numerator) // n.denominator) if r.op == ">=" else n.numerator // n.denominator
            extra = _(" = {word} {n} of {seats}", word=word, n=cnt, seats=seats)
        return _("{group} {word} {share} of {of}", group=g, word=word, share=format_fraction(f), of=of) + extra
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


def _in_units(r: Rule) -> str:
    return _("in each of {units}", units=_(", ").join(r.units)) if r.units else _("in each unit")


def class_pool(ruleset: RuleSet, pool: Pool, eligible: list[bool] | None, fixed: dict[str, bool] | None = None
               ) -> tuple[Pool, list[int], list[bool] | None]:
    """One representative per class of interchangeable eligible candidates (selector/engine/prune.py: same unit,
    same membership of every group a rule reads; a what-if candidate, in or out, eligible or not, a class of
    its own), each class's size and the representatives' eligibility: for model.build_model(...,
    multiplicity=...), which then admits exactly the slates the whole pool does, with a few thousand
    decisions instead of one per candidate (national size: 3,000 classes for 30,000 candidates)."""
    from selector.engine.prune import _subpool, interchangeable_classes

    ids = list(pool.table["id"])
    own = {cid: True for cid in fixed} if fixed else None  # in or out: a class of its own either way
    keep = None if eligible is None else [ok or (own is not None and cid in own) for ok, cid in zip(eligible, ids)]
    cl = interchangeable_classes(ruleset, pool, keep, own)
    reps = [c[0] for c in cl.classes]
    return _subpool(pool, reps), [len(c) for c in cl.classes], None if eligible is None else [eligible[i] for i in reps]


class _Feasibility:
    """One model with every rule behind a literal, probed with different sets of assumed rules. Only which
    slates exist is asked, so the model is that of the classes (class_pool), exact and small."""

    def __init__(self, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None,
                 time_limit: float = 20.0, fixed: dict[str, bool] | None = None):
        reps, sizes, ok = class_pool(ruleset, pool, eligible, fixed)
        self.sm = build_model(ruleset, reps, quotas, ok, with_literals=True, fixed=fixed, multiplicity=sizes)
        self.ids = [r for r in rule_ids_of_pool(ruleset, pool.kind, quotas) if r in self.sm.literals]
        self.ids += [r for r in self.sm.literals if r.startswith("fixed:")]  # what-if: forced candidates
        self.by_index = {self.sm.literals[r].index: r for r in self.ids}
        self.time_limit = time_limit
        self.solves = 0

    def check(self, rules: list[str]) -> tuple[bool | None, list[str]]:
        """(feasible?, core) with exactly `rules` enforced; core is a subset of rules when infeasible."""
        m = self.sm.model
        m.clear_assumptions()
        m.add_assumptions([self.sm.literals[r] for r in rules])
        solver = InterruptibleSolver()
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.max_time_in_seconds = self.time_limit
        status = solver.solve(m)
        self.solves += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return True, []
        if status == cp_model.INFEASIBLE:
            core = [self.by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in self.by_index]
            return False, [r for r in rules if r in set(core)]
        return None, []

    def minimal_conflict(self, rules: list[str]) -> list[str] | None:
        """A minimal infeasible subset of `rules` (drop any one and a slate exists), or None if feasible."""
        ok, core = self.check(rules)
        if ok is not False:
            return None
        confirmed, _ = self.check(core) if core else (True, [])
        if confirmed is not False:  # a presolved core can be wrong: fall back to the whole set
            core = list(rules)
        i = 0
        while i < len(core):  # deletion: drop each rule in turn, keep it out if still infeasible
            trial = core[:i] + core[i + 1:]
            ok, sub = self.check(trial)
            if ok is False:
                shrunk, _ = self.check(sub) if sub and len(sub) < len(trial) else (None, [])
                core = sub if shrunk is False else trial
            else:
                i += 1
        return core


def find_conflicts(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                   limit: int = MAX_CONFLICTS, fixed: dict[str, bool] | None = None) -> list[list[str]]:
    """Up to `limit` different minimal conflicts: the first, then one avoiding each rule of those found.
    With `fixed` (what-if forced candidates), a conflict may name `fixed:<id>`."""
    probe = _Feasibility(ruleset, pool, quotas, eligible, fixed=fixed)
    first = probe.minimal_conflict(probe.ids)
    if first is None:
        return []
    found = [first]
    queue = [[r] for r in first]
    while queue and len(found) < limit:
        dropped = queue.pop(0)
        rest = [r for r in probe.ids if r not in dropped]
        conflict = probe.minimal_conflict(rest)
        if conflict is not None and set(conflict) not in [set(c) for c in found]:
            found.append(conflict)
            queue += [dropped + [r] for r in conflict]
    return found


# ---------------------------------------------------------------------------------- relaxations
def _with_rule(ruleset: RuleSet, rule_id: str, **changes) -> RuleSet:
    rules = [r.model_copy(update=changes) if r.id == rule_id else r for r in ruleset.rules]
    return ruleset.model_copy(update={"rules": rules})


def _with_quota(quotas: Quotas, award_id: str, unit: str, seats: int) -> Quotas:
    table = {a: dict(v) for a, v in quotas.seats.items()}
    table[award_id][unit] = seats
    return Quotas(quotas.source, quotas.units, table)


def _best_slate(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, time_limit: float = 20.0):
    """(merit as text, top-award ids) of the best slate under these rules, or None if none exists: the
    exact fast path (selector/engine/prune.py), stopped once the merit is proven (a slate reaching it)."""
    from selector.engine.prune import solve_pool
    from selector.engine.solve import SolverSettings

    sol = solve_pool(ruleset, pool, quotas, eligible, SolverSettings(time_limit=time_limit), merit_only=True)
    if sol.status not in ("optimal", "feasible"):
        return None
    ids = list(pool.table["id"])
    scores = list(pool.table["score"])
    top = ruleset.top_award(pool.kind).id
    titles = [a.id for a in ruleset.top_awards(pool.kind)]  # every disjoint title counts (issue 14, 4)
    merit = sum((Decimal(scores[i]) for t in titles for i in sol.selected.get(t, [])), Decimal(0))
    return str(merit), [ids[i] for i in sorted(sol.selected[top])]


def _class_model(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, relax: set[str] | frozenset = frozenset(),
                 classes_of: RuleSet | None = None) -> SelectionModel:
    """The model of the pool's classes (class_pool): for questions of which slates exist, not of merit.
    `classes_of`: the rule set whose groups make the classes, when a question counts a group that no rule of
    `ruleset` reads (a rule left out to find its loosest value)."""
    reps, sizes, ok = class_pool(classes_of or ruleset, pool, eligible)
    return build_model(ruleset, reps, quotas, ok, relax=relax, multiplicity=sizes)


def _solver(time_limit: float) -> cp_model.CpSolver:
    solver = InterruptibleSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = time_limit
    return solver


def _extreme_ratio(sm: SelectionModel, part, whole, maximise: bool) -> Fraction | None:
    """The largest (or smallest) part/whole any slate reaches, exactly, by Dinkelbach's iterations."""
    m = sm.model
    solver = _solver(20.0)
    m.add(whole >= 1)
    m.maximize(part if maximise else -part)
    if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    lam = Fraction(int(solver.value(part)), int(solver.value(whole)))
    for _round in range(50):
        num, den = lam.numerator, lam.denominator
        gain = den * part - num * whole if maximise else num * whole - den * part
        m.maximize(gain)
        if solver.solve(m) != cp_model.OPTIMAL or solver.value(gain) <= 0:  # exact, not the float objective
            return lam
        lam = Fraction(int(solver.value(part)), int(solver.value(whole)))
    return lam


def loosest_rule_values(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, rule_ids: list[str]
                        ) -> list[Relaxation]:
    """For each rule, the loosest value that lets a slate exist with every other rule kept, checked."""
    out: list[Relaxation] = []
    texts = rule_texts(ruleset, pool, quotas)
    for rid in rule_ids:
        change = _loosest_one(ruleset, pool, quotas, eligible, rid, texts)
        if change is None:
            continue
        new_rules, new_quotas, entry = change
        best = _best_slate(new_rules, pool, new_quotas, eligible)
        if best is None:  # other conflicts remain: this change alone is not enough
            continue
        out.append(Relaxation([entry], best[0], best[1], "rule"))
    return out


def _loosest_one(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, rid: str, texts):
    """(rule set, quotas, change) with `rid` moved to the loosest value that works, or None."""
    if rid.startswith("seats:"):
        return None  # seat totals are the notice's, not relaxed here
    if rid.startswith("quota:"):
        award = ruleset.top_award(pool.kind)
        unit = rid.split(":", 1)[1]
        if unit.startswith(tuple(f"{a.id}:" for a in ruleset.awards)):
            return None  # subset-award quotas: not relaxed here
        sm = _class_model(ruleset, pool, quotas, eligible, relax={rid})
        slack = sm.relaxed[rid]
        sm.model.minimize(slack)
        solver = _solver(20.0)
        if solver.solve(sm.model) != cp_model.OPTIMAL:
            return None
        s = int(solver.value(slack))
        q = quotas.of(award.id)[unit]  # type: ignore[index]
        new = q + s if _unit_overfull(ruleset, pool, quotas, eligible, award.id, unit) else q - s
        return ruleset, _with_quota(quotas, award.id, unit, new), {
            "rule": rid, "from": q, "to": new, "people": s,
            "text": f"{rid}: {q} -> {new} seats ({texts[rid].reading})"}
    rule = next(r for r in ruleset.rules if r.id == rid)
    if rule.scoped or rule.op == "=":
        return None  # per-unit rules and exact shares: the cheapest relaxations below cover them
    others_rs = ruleset.model_copy(update={"rules": [r for r in ruleset.rules if r.id != rid]})
    sm = _class_model(others_rs, pool, quotas, eligible, classes_of=ruleset)
    assert sm.count_of is not None
    part = sm.count_of(rule.award, rule.group)
    if rule.kind == "count":
        solver = _solver(20.0)
        sm.model.maximize(part if rule.min is not None else -part)
        if solver.solve(sm.model) != cp_model.OPTIMAL:
            return None
        v = int(solver.value(part))
        key, old = ("min", rule.min) if rule.min is not None else ("max", rule.max)
        return _with_rule(ruleset, rid, **{key: v}), quotas, {
            "rule": rid, "from": old, "to": v, "people": abs((old or 0) - v),
            "text": f"{rid}: {key} {old} -> {v} ({rule.text})"}
    whole = sm.count_of(rule.award, rule.of)
    lam = _extreme_ratio(sm, part, whole, maximise=rule.op == ">=")
    if lam is None:
        return None
    # the value an office would write: whole percents when the notice used them, else the exact fraction
    pct = lam * 100
    nice = Fraction(int(pct), 100) if rule.op == ">=" else Fraction(-int(-pct), 100)
    new = nice if (rule.op == ">=" and nice <= lam) or (rule.op == "<=" and nice >= lam) else lam
    return _with_rule(ruleset, rid, share=format_fraction(new)), quotas, {
        "rule": rid, "from": rule.share, "to": format_fraction(new), "exact": format_fraction(lam),
        "text": f"{rid}: {'lower' if rule.op == '>=' else 'raise'} {rule.share} to {format_fraction(new)} "
                f"({rule.text}; the {'highest' if rule.op == '>=' else 'lowest'} share any slate reaches "
                f"is {float(lam):.2%})"}


def _unit_overfull(ruleset, pool, quotas, eligible, award_id, unit) -> bool:
    """Whether a quota binds from above (the slate wants more from this unit) rather than below."""
    by_unit = quotas.of(award_id) or {}
    supply = sum(1 for i in range(len(pool)) if pool.table.at[i, "unit"] == unit and (eligible is None or eligible[i]))
    return supply > by_unit.get(unit, 0) or ruleset.award(award_id).quota != "exact"


def cheapest_relaxations(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, menu: int = MAX_MENU
                         ) -> list[Relaxation]:
    """The fewest people of rule slack that makes a slate exist, over every rule at once (seats kept),
    then alternatives found by forbidding each answer's set of relaxed rules in turn."""
    texts = rule_texts(ruleset, pool, quotas)
    relaxable = {r for r in rule_ids_of_pool(ruleset, pool.kind, quotas) if not r.startswith("seats:")}
    sm = build_model(ruleset, pool, quotas, eligible, relax=relaxable)
    m = sm.model
    used = {rid: m.new_bool_var(f"used[{rid}]") for rid in sm.relaxed}
    for rid, s in sm.relaxed.items():
        m.add(s == 0).only_enforce_if(used[rid].Not())
    cost = sum(sm.relaxed.values())
    out: list[Relaxation] = []
    ids = list(pool.table["id"])
    for _round in range(menu):
        m.clear_hints()
        m.minimize(cost)
        solver = _solver(20.0)
        if solver.solve(m) != cp_model.OPTIMAL:
            break
        people = int(solver.value(cost))
        if people == 0:
            break  # feasible as it is
        support = [rid for rid, s in sm.relaxed.items() if solver.value(s) > 0]
        # the best merit among relaxations this cheap (on a copy: the next round searches every cost)
        best = m.clone()
        best.add(cost == people)
        best.maximize(sm.merit[sm.top.id] - sm.penalty)
        solver2 = _solver(20.0)
        if solver2.solve(best) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            solver = solver2  # variables keep their indices in the copy
            support = [rid for rid, s in sm.relaxed.items() if solver.value(s) > 0]
        changes = [{"rule": rid, "people": int(solver.value(sm.relaxed[rid])),
                    "text": f"{rid}: allow {int(solver.value(sm.relaxed[rid]))} "
                            f"{'seat' if rid.startswith('quota:') else 'person'}(s) past it ({texts[rid].reading})"}
                   for rid in support]
        merit = Decimal(int(solver.value(sm.merit[sm.top.id])))  # every disjoint title (issue 14)
        chosen = [ids[i] for i, v in enumerate(sm.x[sm.top.id]) if solver.boolean_value(v)]
        out.append(Relaxation(changes, str(merit / sm.scale), chosen, "combination"))
        m.add_bool_or([used[rid].Not() for rid in support])  # block this set of relaxed rules
    return out


def _with_copies(pool: Pool, eligible, templates: list[int], k: int) -> tuple[Pool, list[bool] | None]:
    """The pool plus k eligible copies of the templates, taken in turn (ids '+<id>#j'), to test a pool change."""
    picks = [templates[j % len(templates)] for j in range(k)]
    grown, elig = _grown(pool, eligible, [(t, pool.table.at[t, "unit"]) for t in picks])
    return grown, (None if eligible is None else elig)


def _feasible_with(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, templates: list[int], k: int) -> bool:
    grown, elig = _with_copies(pool, eligible, templates, k)
    sm = _class_model(ruleset, grown, quotas, elig)
    return _solver(20.0).solve(sm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def pool_additions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]]
                   ) -> list[Relaxation]:
    """Candidates to add: for each group a minimum in a conflict asks for, and each unit whose eligible
    candidates are fewer than its quota, the fewest eligible copies of its best candidates (one per
    unit, taken in turn) that let a slate exist — monotone in the number added: doubling, then bisection."""
    from selector.engine.model import members

    ok = [True] * len(pool) if eligible is None else list(eligible)
    scores = list(pool.table["score"])
    units = list(pool.table["unit"])
    targets: list[tuple[str, list[bool]]] = []
    rules = {r.id: r for r in ruleset.rules_of_pool(pool.kind)}
    for rid in dict.fromkeys(r for c in conflicts for r in c):
        r = rules.get(rid)
        if r is not None and r.scoped and r.kind == "count":  # issue 14, 2: members from the units short of it
            inside = members(ruleset, pool, r.group)
            short = {u for u in r.applies_in(quotas.units) if (r.unit_bounds(u)[0] or 0) > sum(
                1 for i in range(len(pool)) if inside[i] and ok[i] and units[i] == u)}
            if short:
                targets.append((f"{ruleset.group_label(r.group)} ({rid})",
                                [inside[i] and units[i] in short for i in range(len(pool))]))
        elif r is not None and r.hard and ((r.kind == "share" and r.op in (">=", "=")) or (
                r.kind == "count" and r.min)):
            targets.append((f"{ruleset.group_label(r.group)} ({rid})", members(ruleset, pool, r.group)))
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) or {}
    if any(r.startswith("quota:") for c in conflicts for r in c):
        if award.open_group is not None:  # issue 14, 3: only its members may take the carve-out seats
            targets.append((f"{ruleset.group_label(award.open_group)} (open seats)",
                            members(ruleset, pool, award.open_group)))
        for u in quotas.units:
            mask = [units[i] == u for i in range(len(pool))]
            if sum(m and e for m, e in zip(mask, ok)) < by_unit.get(u, 0):
                targets.append((u, mask))
    # copy the candidates that help most: inside the most minimum groups, the fewest capped ones
    helps = [0] * len(pool)
    for r in rules.values():
        if r.hard and r.kind == "share":
            sign = 1 if r.op == ">=" else -1
            for i, inside in enumerate(members(ruleset, pool, r.group)):
                helps[i] += sign * inside
    out = []
    for target, mask in targets:
        templates = []
        for u in quotas.units:  # the best eligible member in each unit that has one
            inside = [i for i in range(len(pool)) if mask[i] and units[i] == u]
            inside = [i for i in inside if ok[i]] or inside
            if inside:
                templates.append(max(inside, key=lambda i: (helps[i], scores[i], -i)))
        if not templates or not _feasible_with(ruleset, pool, quotas, eligible, templates, award.seats):
            continue  # adding such candidates alone does not help
        lo, hi = 0, 1  # infeasible at lo, feasible at hi
        while not _feasible_with(ruleset, pool, quotas, eligible, templates, hi):
            lo, hi = hi, min(2 * hi, award.seats)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if _feasible_with(ruleset, pool, quotas, eligible, templates, mid) else (mid, hi)
        best = _best_slate(ruleset, *_with_copies(pool, eligible, templates, hi)[:1], quotas,
                           _with_copies(pool, eligible, templates, hi)[1])
        spread: dict[str, int] = {}
        for j in range(hi):
            u = units[templates[j % len(templates)]]
            spread[u] = spread.get(u, 0) + 1
        where = ", ".join(f"{u} {n}" for u, n in spread.items())
        used = list(dict.fromkeys(templates[j % len(templates)] for j in range(hi)))
        alike = _described(ruleset, pool, used)
        text = f"add at least {hi} eligible candidate(s) of {target} ({where})" + (f", each: {alike}" if alike else "")
        out.append(Relaxation([{"pool": target, "add": hi, "units": spread, "text": text, "each": alike}],
                              best[0] if best else None, best[1] if best else [], "pool"))
    return out


def _described(ruleset: RuleSet, pool: Pool, rows: list[int]) -> str:
    """The copied candidates by every attribute a rule's group reads (issue 14: an addition tested with
    copies that were also 农民工 must say so): 'label value' per attribute, values of all copies."""
    from selector.engine.prune import rule_groups
    from selector.i18n import label

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
    return ", ".join(parts)


def rule_prices(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible) -> list[Price]:
    """For a feasible pool: the merit each structural rule costs (optimum without it minus with it)."""
    base = _best_slate(ruleset, pool, quotas, eligible)
    if base is None:
        return []
    out = []
    for r in ruleset.rules_of_pool(pool.kind):
        if not r.hard:
            continue
        without = ruleset.model_copy(update={"rules": [x for x in ruleset.rules if x.id != r.id]})
        alt = _best_slate(without, pool, quotas, eligible)
        if alt is None:
            continue
        cost = Decimal(alt[0]) - Decimal(base[0])
        out.append(Price(r.id, base[0], alt[0], str(cost), sorted(set(alt[1]) - set(base[1])),
                         sorted(set(base[1]) - set(alt[1]))))
    return out


# ---------------------------------------------------------------------------------- next steps
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
    r = next((x for x in ruleset.rules if x.id == rule_id), None)
    return rule_id if r is None else f"{r.id} {r.clause} {r.text}"


def _eligible_mask(pool: Pool, eligible) -> list[bool]:
    return [True] * len(pool) if eligible is None else list(eligible)


def _short_units(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible) -> list[tuple[str, int, int]]:
    """(unit, quota, eligible) of every unit with fewer eligible candidates than its quota for the top award."""
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) if award.quota != "none" else None
    if not by_unit:
        return []
    ok = _eligible_mask(pool, eligible)
    units = list(pool.table["unit"])
    out = []
    for u in quotas.units:
        have = sum(1 for i in range(len(pool)) if units[i] == u and ok[i])
        if have < by_unit.get(u, 0):
            out.append((u, by_unit.get(u, 0), have))
    return out


def _grown(pool: Pool, eligible, copies: list[tuple[int, str]]):
    """The pool plus eligible copies of candidates (template position, unit it is submitted by)."""
    import dataclasses

    import pandas as pd

    extra = pool.table.iloc[[t for t, _u in copies]].reset_index(drop=True)
    extra["id"] = [f"+{pool.table.at[t, 'id']}#{j + 1}" for j, (t, _u) in enumerate(copies)]
    extra["unit"] = [u for _t, u in copies]
    table = pd.concat([pool.table, extra], ignore_index=True)
    grown = dataclasses.replace(pool, table=table, rows=pool.rows + [0] * len(copies))
    return grown, _eligible_mask(pool, eligible) + [True] * len(copies)


def _fewest_additions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, copies: list[tuple[int, str]],
                      time_limit: float = 20.0) -> tuple[dict[str, int], str] | None:
    """The fewest of `copies` a slate needs, with every rule of the notice kept, by solving once (the copies
    are candidates; an added candidate who is not selected is not needed), then the best merit among those.
    (unit -> how many, merit) or None when no number of these copies makes a slate exist."""
    grown, elig = _grown(pool, eligible, copies)
    sm = build_model(ruleset, grown, quotas, elig)
    first = len(pool)
    added = sum(sm.x[sm.top.id][first:])
    sm.model.minimize(added)
    solver = _solver(time_limit)
    if solver.solve(sm.model) != cp_model.OPTIMAL:
        return None
    fewest = int(solver.value(added))
    sm.model.add(added == fewest)
    sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
    solver = _solver(time_limit)
    if solver.solve(sm.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    spread: dict[str, int] = {}
    for j, (_t, u) in enumerate(copies):
        if solver.boolean_value(sm.x[sm.top.id][first + j]):
            spread[u] = spread.get(u, 0) + 1
    merit = Decimal(sum(sm.scaled_scores[i] for i, v in enumerate(sm.x[sm.top.id]) if solver.boolean_value(v)))
    return {u: spread[u] for u in quotas.units if u in spread}, str(merit / sm.scale)


def _screened_out_words(screening, kind: str, ids: set[str], limit: int = 5) -> str:
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


def _best_template(pool: Pool, ok: list[bool], inside: list[int], helps: list[int]) -> int:
    scores = list(pool.table["score"])
    pick = [i for i in inside if ok[i]] or inside
    return max(pick, key=lambda i: (helps[i], scores[i], -i))


def _helps(ruleset: RuleSet, pool: Pool) -> list[int]:
    """How much a candidate helps the hard share rules: inside minimum groups, outside capped ones."""
    helps = [0] * len(pool)
    for r in ruleset.rules_of_pool(pool.kind):
        if r.hard and r.kind == "share":
            sign = 1 if r.op == ">=" else -1
            for i, inside in enumerate(members(ruleset, pool, r.group)):
                helps[i] += sign * inside
    return helps


def unit_actions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]],
                 arithmetic: list, screening=None) -> list[Action]:
    """补报: what units can do. Each unit short of its quota submits the missing eligible candidates; each
    category a minimum in a conflict asks for is submitted by the units that can, with the fewest people
    that let a slate exist together with every other rule (solved, not counted from one rule)."""
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) if award.quota != "none" else None
    ok = _eligible_mask(pool, eligible)
    units = list(pool.table["unit"])
    ids = list(pool.table["id"])
    helps = _helps(ruleset, pool)
    out: list[Action] = []
    short = _short_units(ruleset, pool, quotas, eligible)
    in_conflict = {r for c in conflicts for r in c}
    if short and any(r.startswith(("quota:", "seats:")) for r in in_conflict):
        copies = []
        for u, q, have in short:
            inside = [i for i in range(len(pool)) if units[i] == u] or list(range(len(pool)))
            copies += [(_best_template(pool, ok, inside, helps), u)] * (q - have)
        found = _fewest_additions(ruleset, pool, quotas, eligible, copies)
        if found is not None:
            spread, merit = found
            for u, q, have in short:
                n = spread.get(u, 0)
                if not n:
                    continue
                gone = {ids[i] for i in range(len(pool)) if units[i] == u}
                out.append(Action(
                    "unit", _("{unit} must submit {n} more eligible candidates", unit=u, n=n),
                    _("short by {short}: quota {quota}, only {eligible} eligible", short=q - have, quota=q,
                      eligible=have) + _screened_out_words(screening, pool.kind, gone),
                    merit, [{"unit": u, "add": n}]))
    rules = {r.id: r for r in ruleset.rules_of_pool(pool.kind)}
    findings = {f.rule: f for f in arithmetic}
    minimums = [rules[rid] for rid in dict.fromkeys(r for c in conflicts for r in c) if rid in rules
                and rules[rid].hard and ((rules[rid].kind == "share" and rules[rid].op == ">=")
                                         or (rules[rid].kind == "count" and rules[rid].min))]
    short_ones = [r for r in minimums if r.id in findings]  # the categories the arithmetic finds short first
    for r in short_ones or minimums:
        rid = r.id
        mask = members(ruleset, pool, r.group)
        copies = []
        for u in quotas.units if by_unit else list(dict.fromkeys(units)):
            inside = [i for i in range(len(pool)) if mask[i] and units[i] == u]
            inside = inside or [i for i in range(len(pool)) if mask[i]]
            if inside:
                room = by_unit.get(u, 0) if by_unit else award.seats
                copies += [(_best_template(pool, ok, inside, helps), u)] * min(room, award.seats)
        if not copies:
            continue
        found = _fewest_additions(ruleset, pool, quotas, eligible, copies)
        if found is None:
            continue
        spread, merit = found
        n = sum(spread.values())
        group = ruleset.group_label(r.group)
        where = _(", ").join(_("{unit} {n}", unit=u, n=k) for u, k in spread.items())
        f = findings.get(rid)
        if f is not None:
            why = _("short by {short}: {rule} needs {needed}, only {available} eligible", short=f.needed - f.available,
                    rule=rule_name(ruleset, rid), needed=f.needed, available=f.available)
            if n != f.needed - f.available:
                why += _("; together with every other rule {n} are needed (solved)", n=n)
        else:
            why = _("{rule} cannot be met together with the other rules in the conflict; {n} more are needed "
                    "(solved with every rule)", rule=rule_name(ruleset, rid), n=n)
        gone = {ids[i] for i in range(len(pool)) if mask[i]}
        out.append(Action("unit", _("Submit {n} more eligible {group}: {where}", n=n, group=group, where=where),
                          why + _screened_out_words(screening, pool.kind, gone), merit,
                          [{"group": r.group, "rule": rid, "add": n, "units": spread}]))
    return out


def office_actions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]]
                   ) -> list[Action]:
    """调剂: what the office can do within the notice: move seats between units, the total kept (every
    structural rule and the seats as they are), the fewest seats moved, then the best merit; checked by
    solving with the new quota table."""
    award = ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) if award.quota != "none" else None
    if not by_unit or not any(r.startswith(("quota:", "seats:")) for c in conflicts for r in c):
        return []
    relax = {quota_rule_id(ruleset, award, u) for u in quotas.units}
    sm = build_model(ruleset, pool, quotas, eligible, relax=relax)
    moved = sum(sm.relaxed.values())
    sm.model.minimize(moved)
    solver = _solver(20.0)
    if solver.solve(sm.model) != cp_model.OPTIMAL or int(solver.value(moved)) == 0:
        return []
    sm.model.add(moved == int(solver.value(moved)))
    sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
    solver = _solver(20.0)
    if solver.solve(sm.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    units = list(pool.table["unit"])
    filled = {u: 0 for u in quotas.units}
    for i, v in enumerate(sm.x[sm.top.id]):
        if solver.boolean_value(v) and units[i] in filled:
            filled[units[i]] += 1
    gain = {u: int(solver.value(sm.relaxed[quota_rule_id(ruleset, award, u)])) for u in quotas.units}
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
    new_quotas = _with_quotas(quotas, award.id, table)
    best = _best_slate(ruleset, pool, new_quotas, eligible)
    if best is None:
        return []
    seats_total = sum(by_unit.values())
    text = _("Move {n} seats between units (the total of {total} kept): {moves}", n=total, total=seats_total,
             moves=_("; ").join([_("{unit} {old} -> {new}", unit=u, old=by_unit.get(u, 0), new=table[u])
                                 for u in quotas.units if u in give or u in gain]))
    short = _short_units(ruleset, pool, quotas, eligible)
    if short:
        why = _("; ").join(_("{unit} has only {eligible} eligible for a quota of {quota}", unit=u, eligible=h, quota=q)
                           for u, q, h in short if u in give)
        why = (why + _("; ") if why else "") + _("the units that receive seats have eligible candidates to fill them")
    else:
        why = _("within the old quotas the rules in the conflict cannot all be met; with these quotas they can")
    return [Action("office", text, why, best[0],
                   [{"unit": u, "from": by_unit.get(u, 0), "to": table[u]} for u in quotas.units
                    if u in give or u in gain])]


def _with_quotas(quotas: Quotas, award_id: str, table: dict[str, int]) -> Quotas:
    seats = {a: dict(v) for a, v in quotas.seats.items()}
    seats[award_id] = dict(table)
    return Quotas(quotas.source, quotas.units, seats)


def leadership_actions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]],
                       relaxations: list[Relaxation]) -> list[Action]:
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
                    word=_("highest") if r.op == ">=" else _("lowest"), exact=reached)
        else:
            why = _("the most any slate with the other rules reaches is {n}", n=c["to"])
        out.append(Action("leadership", _("Change {rule} from {old} to {new}", rule=rule_name(ruleset, rid),
                                          old=c["from"], new=c["to"]), why, rx.merit, [c]))
    award = ruleset.top_award(pool.kind)
    if any(r == f"seats:{award.id}" for cf in conflicts for r in cf):
        sm = build_model(ruleset, pool, quotas, eligible, relax={f"seats:{award.id}"})
        fewer = sm.relaxed[f"seats:{award.id}"]
        sm.model.minimize(fewer)
        solver = _solver(20.0)
        if solver.solve(sm.model) == cp_model.OPTIMAL and solver.value(fewer) > 0:
            k = int(solver.value(fewer))
            smaller = ruleset.model_copy(update={"awards": [
                a.model_copy(update={"seats": a.seats - k}) if a.id == award.id else a for a in ruleset.awards]})
            best = _best_slate(smaller, pool, quotas, eligible)
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
        parts = _("; ").join(_("{rule} by {n}", rule=rule_name(ruleset, c["rule"]), n=c["people"]) for c in rx.changes)
        out.append(Action("leadership", _("Relax these rules together: {parts}", parts=parts),
                          _("the fewest people of relaxation, counted over every rule at once"), rx.merit, rx.changes))
        if sum(a.actor == "leadership" for a in out) >= MAX_MENU:
            break
    return out


def next_steps(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, exp: PoolExplanation, screening=None
               ) -> list[Action]:
    """The actions, ranked by who can act: units (补报), the office (调剂), the leadership group."""
    actions = unit_actions(ruleset, pool, quotas, eligible, exp.conflicts, exp.arithmetic, screening)
    actions += office_actions(ruleset, pool, quotas, eligible, exp.conflicts)
    actions += leadership_actions(ruleset, pool, quotas, eligible, exp.conflicts, exp.relaxations)
    return sorted(actions, key=lambda a: ACTORS.index(a.actor))  # stable: each actor's own order kept


def explain_pool(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                 prices: bool = True, screening=None, progress=None) -> PoolExplanation:
    """The whole explanation for one pool: conflicts, relaxations and next steps (units, then the office,
    then the leadership group) if infeasible, else prices. `screening` (eligibility.Screening) lets a
    shortfall name the candidates screened out; `progress(step)` is told each step as it starts."""
    step = progress or (lambda _name: None)
    texts = rule_texts(ruleset, pool, quotas)
    step(_("minimal conflicts"))
    conflicts = find_conflicts(ruleset, pool, quotas, eligible)
    if not conflicts:
        exp = PoolExplanation(pool.kind, True, rules=texts)
        if prices:
            step(_("what each rule costs"))
            exp.prices = rule_prices(ruleset, pool, quotas, eligible)
        return exp
    exp = PoolExplanation(pool.kind, False, conflicts, texts)
    exp.arithmetic = [f for f in pool_findings(ruleset, pool, quotas, eligible) if not f.ok]
    exp.shortfalls = shortfall_words(ruleset, pool, exp.arithmetic, screening)
    in_conflicts = list(dict.fromkeys(r for c in conflicts for r in c))
    step(_("loosest rule values"))
    exp.relaxations = loosest_rule_values(ruleset, pool, quotas, eligible, in_conflicts)
    step(_("candidates to add"))
    exp.relaxations += pool_additions(ruleset, pool, quotas, eligible, conflicts)
    step(_("cheapest combined relaxation"))
    exp.relaxations += cheapest_relaxations(ruleset, pool, quotas, eligible)
    step(_("next steps for units, the office and the leadership group"))
    exp.actions = next_steps(ruleset, pool, quotas, eligible, exp, screening)
    return exp


def finding_sentence(ruleset: RuleSet, f) -> str:
    """A failed supply finding with its arithmetic: "缺 9 人：需要 60 名，符合条件的只有 51 名"."""
    who = f.subject if f.subject != "all" else label(ruleset.award(f.award))
    return _("{rule}: {who} short by {short}: {needed} needed, only {available} eligible",
             rule=rule_name(ruleset, f.rule), who=who, short=max(0, f.needed - f.available), needed=f.needed,
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
            inside = set() if r is None or (r.kind == "share" and r.op == "<=") else {
                ids[i] for i, m in enumerate(members(ruleset, pool, r.group)) if m}
        out.append(line + _screened_out_words(screening, pool.kind, inside))
    return out


def clash_in_words(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflict: list[str]) -> list[str]:
    """A plain reading of one conflict, in the notice's words: a unit short of its quota first (named),
    each rule's demand beside the eligible supply it draws on, the quotas in it as one line, then why."""
    ok = _eligible_mask(pool, eligible)
    texts = rule_texts(ruleset, pool, quotas)
    rules = {r.id: r for r in ruleset.rules_of_pool(pool.kind)}
    quota_ids = [r for r in conflict if r.startswith("quota:")]
    seats = [r for r in conflict if r.startswith("seats:")]
    lines = []
    for rid in conflict:
        if rid in quota_ids:
            continue
        t = texts.get(rid)
        line = (_("{rule}: {reading}", rule=rule_name(ruleset, rid), reading=t.reading) if t is not None
                else rule_name(ruleset, rid))
        r = rules.get(rid)
        if r is not None:
            supply = sum(m and e for m, e in zip(members(ruleset, pool, r.group), ok))
            line += _("; eligible {group} submitted: {n}", group=ruleset.group_label(r.group), n=supply)
        lines.append(line)
    award = ruleset.award(seats[0].split(":", 1)[1]) if seats else ruleset.top_award(pool.kind)
    by_unit = quotas.of(award.id) or {}
    if quota_ids:
        capped = [u for u in quotas.units if quota_rule_id(ruleset, award, u) in quota_ids] or [
            q.rsplit(":", 1)[-1] for q in quota_ids]  # subset quotas too
        lines.append(_("quotas: {units} ({total} in all)", units=_(", ").join(
            f"{u} {by_unit.get(u, 0)}" for u in capped), total=sum(by_unit.get(u, 0) for u in capped)))
    if quota_ids and seats:
        units = list(pool.table["unit"])
        supply = {u: sum(1 for i in range(len(pool)) if units[i] == u and ok[i]) for u in quotas.units}
        short = [u for u in quotas.units if supply[u] < by_unit.get(u, 0)]
        if short:
            cap = sum(min(by_unit.get(u, 0), supply[u]) for u in quotas.units)
            lines.insert(0, _("{units}: so at most {cap} of the {seats} seats can be filled, the other units "
                              "capped at their quotas", cap=cap, seats=award.seats, units=_("; ").join(
                                  _("{unit} has only {eligible} eligible for a quota of {quota}", unit=u,
                                    eligible=supply[u], quota=by_unit.get(u, 0)) for u in short)))
        else:
            lines.append(_("why: within these quotas the rules above cannot all be met"))
    elif len(conflict) >= 2:
        lines.append(_("why: no slate of this size meets all of these at once"))
    return lines


def forced_ineligible(inputs, screening) -> dict[str, list[dict]]:
    """Per pool, the candidates a what-if forces in although screening excludes them (issue 11, 16): no
    slate can hold them, whatever the rules. Each: id, name, unit and the screening's reasons."""
    out: dict[str, list[dict]] = {}
    for c in screening.screened_out:
        if inputs.fixed.get(c.id) is True:
            out.setdefault(c.pool, []).append({"id": c.id, "name": c.name, "unit": c.unit,
                                               "reasons": [str(r) for r in c.reasons]})
    return out


def explain_inputs(inputs, eligible: dict[str, list[bool]] | None = None, prices: bool = True, screening=None,
                   progress=None) -> dict[str, PoolExplanation]:
    """explain_pool for every pool of a run (Inputs from selector.pipeline). With the run's `screening`, a
    pool where a forced-in candidate is ineligible is explained by that candidate and its reasons, and a
    shortfall names the candidates screened out; `progress(pool, step)` is told each step."""
    out = {}
    forced = forced_ineligible(inputs, screening) if screening is not None else {}
    for kind, pool in inputs.pools.items():
        mask = eligible.get(kind) if eligible else None
        if mask is None and screening is not None:
            mask = screening.masks.get(kind)
        told = (lambda name, kind=kind: progress(kind, name)) if progress is not None else None
        exp = explain_pool(inputs.ruleset, pool, inputs.quotas, mask, prices=prices, screening=screening,
                           progress=told)
        if forced.get(kind):
            exp.feasible = False
            exp.forced_ineligible = forced[kind]
        if not exp.feasible:
            exp.notes = [line for i, c in enumerate(exp.conflicts, start=1)
                         for line in [_("conflict {i}:", i=i)]
                         + clash_in_words(inputs.ruleset, pool, inputs.quotas, mask, c)]
        out[kind] = exp
    return out


def explanation_json(explanations: dict[str, PoolExplanation]) -> dict:
    """explanation.json: conflicts (lists of rule ids), relaxations and prices, next steps by who can act,
    and per-pool detail."""
    def relax(r: Relaxation, pool: str) -> dict:
        return {"pool": pool, "kind": r.kind, "changes": r.changes, "text": r.describe(), "merit": r.merit,
                "slate": r.slate}

    return {
        "conflicts": [c for e in explanations.values() for c in e.conflicts],
        "actions": [{"pool": k, **a.__dict__} for k, e in explanations.items() for a in e.actions],
        "relaxations": [relax(r, k) for k, e in explanations.items() for r in e.relaxations],
        "prices": [{"pool": k, **p.__dict__} for k, e in explanations.items() for p in e.prices],
        "arithmetic": [{"pool": k, **f.__dict__} for k, e in explanations.items() for f in e.arithmetic],
        "forced_ineligible": [{"pool": k, **c} for k, e in explanations.items() for c in e.forced_ineligible],
        "pools": {k: {"feasible": e.feasible, "conflicts": e.conflicts, "clash": e.notes, "shortfalls": e.shortfalls,
                      "forced_ineligible": e.forced_ineligible,
                      "rules": {rid: t.__dict__ for rid, t in e.rules.items()
                                if any(rid in c for c in e.conflicts) or any(p.rule == rid for p in e.prices)}}
                  for k, e in explanations.items()},
    }


def write_explanation(folder, explanations: dict[str, PoolExplanation]) -> None:
    """explanation.json into `folder` (`selector select` when no slate exists, `selector explain`, the web)."""
    import json
    from pathlib import Path

    text = json.dumps(explanation_json(explanations), ensure_ascii=False, indent=2, default=str)
    (Path(folder) / "explanation.json").write_text(text + "\n", encoding="utf-8")


def _actor_heading(actor: str) -> str:
    return {"unit": _("What the units can do (submit more eligible candidates)"),
            "office": _("What the office can do within the notice (move seats between units, the total kept)"),
            "leadership": _("For the leadership group to decide (changing a percentage or the seats of the "
                            "notice)")}[actor]


def format_explanation(explanations: dict[str, PoolExplanation], ruleset: RuleSet | None = None) -> str:
    """The terminal view: for each pool with no slate, the shortfalls (every number explained), the
    conflicts in the notice's words, then the next steps ranked by who can act; for a pool with a slate,
    the prices (when computed)."""
    out = []
    for kind, e in explanations.items():
        who = label(ruleset.pools[kind], kind) if ruleset is not None and kind in ruleset.pools else kind
        if e.feasible:
            if e.prices:
                out.append(_("{pool}: a slate exists. What each rule costs in merit (optimum without it - with it):",
                             pool=who))
                for p in sorted(e.prices, key=lambda p: -Decimal(p.cost)):
                    t = e.rules[p.rule]
                    moved = _("  (+{enter} in / -{leave} out)", enter=len(p.enter), leave=len(p.leave))
                    out.append(f"  {p.rule:<14} {p.cost:>8}  {t.text}" + (moved if Decimal(p.cost) else ""))
            continue
        if e.forced_ineligible:  # the cause is the forcing, not the rules
            out.append(_("{pool}: NO SLATE: forced in (force_in), but ineligible under the notice, so no slate can "
                         "hold them:", pool=who))
            for c in e.forced_ineligible:
                out.append(f"    {c['id']} {c['name']} ({c['unit']}): " + "; ".join(c["reasons"]))
            out.append("  " + _("Remove them from force_in, or correct their data if the screening is wrong."))
            if not e.conflicts:
                continue
        out.append(_("{pool}: NO SLATE CAN MEET THESE RULES TOGETHER", pool=who))
        if e.shortfalls:
            out.append("  " + _("Arithmetic first (eligible candidates only, no solving):"))
            out += ["    " + line for line in e.shortfalls]
        out.append("  " + _("Why ({n} minimal conflicts; dropping any one rule of a conflict removes it):",
                            n=len(e.conflicts)))
        out += [("    " if line.endswith((":", "：")) and len(line) < 16 else "      ") + line for line in e.notes]
        if e.actions:
            out.append("  " + _("Next steps, by who can act (each checked by solving with every rule):"))
            n = 0
            for actor in ACTORS:
                mine = [a for a in e.actions if a.actor == actor]
                if not mine:
                    continue
                out.append("    " + _actor_heading(actor))
                for a in mine:
                    n += 1
                    mark = _("[leadership group] ") if actor == "leadership" else ""
                    merit = _(" Best merit then: {merit}.", merit=a.merit) if a.merit is not None else ""
                    out.append(f"      {n}. {mark}{a.text}" + _(" ({why}).", why=a.why) + merit)
        else:
            out.append("  " + _("No single change found that makes a slate exist; see the conflicts above."))
    return "\n".join(out)
