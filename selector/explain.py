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

from selector.model import SelectionModel, build_model, quota_rule_id, rule_ids_of_pool
from selector.pool import Pool, Quotas
from selector.rules import Rule, RuleSet, format_fraction
from selector.solve import InterruptibleSolver  # Ctrl-C raises KeyboardInterrupt (issue 7)
from selector.supply import pool_findings

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


def rule_texts(ruleset: RuleSet, pool: Pool, quotas: Quotas) -> dict[str, RuleText]:
    """Every rule of the pool's model as it reads in the notice (seats and quotas included)."""
    out: dict[str, RuleText] = {}
    for a in ruleset.awards_of_pool(pool.kind):
        out[f"seats:{a.id}"] = RuleText(f"seats:{a.id}", a.clause, a.text,
                                        f"exactly {a.seats} {a.name_zh}")
        by_unit = quotas.of(a.id)
        if a.quota != "none" and by_unit is not None:
            clause, words = ruleset.quota_wording()  # the rule set's own clause for its quota table (issue 14)
            for u in quotas.units:
                rid = quota_rule_id(ruleset, a, u)
                verb = "exactly" if a.quota == "exact" else "at most"
                out[rid] = RuleText(rid, clause, words, f"{verb} {by_unit.get(u, 0)} {a.name_zh} from {u}")
    for r in ruleset.rules_of_pool(pool.kind):
        out[r.id] = RuleText(r.id, r.clause, r.text, _reading(ruleset, r))
    return out


def _reading(ruleset: RuleSet, r: Rule) -> str:
    g = ruleset.group_label(r.group)
    if r.kind == "share":
        of = ruleset.group_label(r.of)
        seats = ruleset.award(r.award).seats
        word = {">=": "at least", "<=": "at most", "=": "exactly"}[r.op]  # type: ignore[index]
        f = r.fraction
        extra = ""
        if r.scoped:
            extra = " " + _in_units(r)
        elif r.of == "all" and r.op == "=":
            extra = f" = {f * seats} of {seats}"
        elif r.of == "all":
            n = f * seats
            cnt = -((-n.numerator) // n.denominator) if r.op == ">=" else n.numerator // n.denominator
            extra = f" = {word} {cnt} of {seats}"
        return f"{g} {word} {format_fraction(f)} of {of}{extra}"
    if r.min is not None and r.min == r.max:
        parts = [f"exactly {r.min}"]  # issue 14: an exact count is not drawn as a minimum
    else:
        parts = ([f"at least {r.min}"] if r.min is not None else []) + (
            [f"at most {r.max}"] if r.max is not None else [])
    if r.min_by_unit or r.max_by_unit:
        units = list(dict.fromkeys([*r.min_by_unit, *r.max_by_unit]))  # type: ignore[misc]
        table = {}
        for u in units:
            lo, hi = r.unit_bounds(u)
            table[u] = f"= {lo}" if lo is not None and lo == hi else ", ".join(
                ([f">= {lo}"] if lo is not None else []) + ([f"<= {hi}"] if hi is not None else []))
        parts.append("per unit: " + ", ".join(f"{u} {b}" for u, b in table.items()))
    return f"{g} " + " and ".join(parts) + (" " + _in_units(r) if r.scoped else "")


def _in_units(r: Rule) -> str:
    return f"in each of {', '.join(r.units)}" if r.units else "in each unit"


def class_pool(ruleset: RuleSet, pool: Pool, eligible: list[bool] | None, fixed: dict[str, bool] | None = None
               ) -> tuple[Pool, list[int], list[bool] | None]:
    """One representative per class of interchangeable eligible candidates (selector/prune.py: same unit,
    same membership of every group a rule reads; a what-if candidate, in or out, eligible or not, a class of
    its own), each class's size and the representatives' eligibility: for model.build_model(...,
    multiplicity=...), which then admits exactly the slates the whole pool does, with a few thousand
    decisions instead of one per candidate (national size: 3,000 classes for 30,000 candidates)."""
    from selector.prune import _subpool, interchangeable_classes

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
    exact fast path (selector/prune.py), stopped once the merit is proven (a slate reaching it)."""
    from selector.prune import solve_pool
    from selector.solve import SolverSettings

    sol = solve_pool(ruleset, pool, quotas, eligible, SolverSettings(time_limit=time_limit), merit_only=True)
    if sol.status not in ("optimal", "feasible"):
        return None
    ids = list(pool.table["id"])
    top = ruleset.top_award(pool.kind).id
    scores = list(pool.table["score"])
    merit = sum((Decimal(scores[i]) for i in sol.selected[top]), Decimal(0))
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
    for _ in range(50):
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
    for _ in range(menu):
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
        merit = Decimal(sum(sm.scaled_scores[i] for i, v in enumerate(sm.x[sm.top.id]) if solver.boolean_value(v)))
        chosen = [ids[i] for i, v in enumerate(sm.x[sm.top.id]) if solver.boolean_value(v)]
        out.append(Relaxation(changes, str(merit / sm.scale), chosen, "combination"))
        m.add_bool_or([used[rid].Not() for rid in support])  # block this set of relaxed rules
    return out


def _with_copies(pool: Pool, eligible, templates: list[int], k: int) -> tuple[Pool, list[bool] | None]:
    """The pool plus k eligible copies of the templates, taken in turn (ids '+<id>#j'), to test a pool change."""
    import dataclasses

    import pandas as pd

    picks = [templates[j % len(templates)] for j in range(k)]
    copies = pool.table.iloc[picks].reset_index(drop=True)
    copies["id"] = [f"+{pool.table.at[t, 'id']}#{j + 1}" for j, t in enumerate(picks)]
    table = pd.concat([pool.table, copies], ignore_index=True)
    grown = dataclasses.replace(pool, table=table, rows=pool.rows + [0] * k)
    return grown, (None if eligible is None else list(eligible) + [True] * k)


def _feasible_with(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, templates: list[int], k: int) -> bool:
    grown, elig = _with_copies(pool, eligible, templates, k)
    sm = _class_model(ruleset, grown, quotas, elig)
    return _solver(20.0).solve(sm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def pool_additions(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflicts: list[list[str]]
                   ) -> list[Relaxation]:
    """Candidates to add: for each group a minimum in a conflict asks for, and each unit whose eligible
    candidates are fewer than its quota, the fewest eligible copies of its best candidates (one per
    unit, taken in turn) that let a slate exist — monotone in the number added: doubling, then bisection."""
    from selector.model import members

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
    for label, mask in targets:
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
        text = f"add at least {hi} eligible candidate(s) of {label} ({where})" + (f", each: {alike}" if alike else "")
        out.append(Relaxation([{"pool": label, "add": hi, "units": spread, "text": text, "each": alike}],
                              best[0] if best else None, best[1] if best else [], "pool"))
    return out


def _described(ruleset: RuleSet, pool: Pool, rows: list[int]) -> str:
    """The copied candidates by every attribute a rule's group reads (issue 14: an addition tested with
    copies that were also 农民工 must say so): 'label value' per attribute, values of all copies."""
    from selector.i18n import label
    from selector.prune import rule_groups

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


def explain_pool(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                 prices: bool = True) -> PoolExplanation:
    """The whole explanation for one pool: conflicts and relaxations if infeasible, else prices."""
    texts = rule_texts(ruleset, pool, quotas)
    conflicts = find_conflicts(ruleset, pool, quotas, eligible)
    if not conflicts:
        exp = PoolExplanation(pool.kind, True, rules=texts)
        if prices:
            exp.prices = rule_prices(ruleset, pool, quotas, eligible)
        return exp
    exp = PoolExplanation(pool.kind, False, conflicts, texts)
    exp.arithmetic = [f for f in pool_findings(ruleset, pool, quotas, eligible) if not f.ok]
    in_conflicts = list(dict.fromkeys(r for c in conflicts for r in c))
    exp.relaxations = loosest_rule_values(ruleset, pool, quotas, eligible, in_conflicts)
    exp.relaxations += pool_additions(ruleset, pool, quotas, eligible, conflicts)
    exp.relaxations += cheapest_relaxations(ruleset, pool, quotas, eligible)
    return exp


def clash_in_words(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflict: list[str]) -> list[str]:
    """A plain reading of one conflict: each rule's demand beside the eligible supply it draws on."""
    from selector.model import members

    ok = [True] * len(pool) if eligible is None else list(eligible)
    texts = rule_texts(ruleset, pool, quotas)
    rules = {r.id: r for r in ruleset.rules_of_pool(pool.kind)}
    lines = []
    for rid in conflict:
        t = texts[rid]
        line = f"{rid} [{t.clause}] {t.text}: {t.reading}"
        r = rules.get(rid)
        if r is not None:
            supply = sum(m and e for m, e in zip(members(ruleset, pool, r.group), ok))
            line += f"; eligible {ruleset.group_label(r.group)} submitted: {supply}"
        lines.append(line)
    quota_ids = [r for r in conflict if r.startswith("quota:")]
    seats = [r for r in conflict if r.startswith("seats:")]
    if quota_ids and seats:
        award = ruleset.award(seats[0].split(":", 1)[1])
        by_unit = quotas.of(award.id) or {}
        units = list(pool.table["unit"])
        supply = {u: sum(1 for i in range(len(pool)) if units[i] == u and ok[i]) for u in quotas.units}
        capped = [u for u in quotas.units if quota_rule_id(ruleset, award, u) in quota_ids]  # subset quotas too
        short = [u for u in quotas.units if supply[u] < by_unit.get(u, 0)]
        if short:
            cap = sum(min(by_unit.get(u, 0), supply[u]) for u in quotas.units)
            lines.append("why: " + ", ".join(f"{u} has {supply[u]} eligible for a quota of {by_unit.get(u, 0)}"
                                             for u in short)
                         + f"; the other units are capped at their quotas ({', '.join(capped)}), "
                         f"so at most {cap} of the {award.seats} seats can be filled")
        else:
            lines.append(f"why: within the quotas of {', '.join(capped)}, the rules above cannot all be met")
    elif len(conflict) >= 2:
        lines.append("why: no slate of this size meets all of these at once")
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


def explain_inputs(inputs, eligible: dict[str, list[bool]] | None = None, prices: bool = True, screening=None
                   ) -> dict[str, PoolExplanation]:
    """explain_pool for every pool of a run (Inputs from selector.pipeline). With the run's `screening`, a
    pool where a forced-in candidate is ineligible is explained by that candidate and its reasons."""
    out = {}
    forced = forced_ineligible(inputs, screening) if screening is not None else {}
    for kind, pool in inputs.pools.items():
        mask = eligible.get(kind) if eligible else None
        exp = explain_pool(inputs.ruleset, pool, inputs.quotas, mask, prices=prices)
        if forced.get(kind):
            exp.feasible = False
            exp.forced_ineligible = forced[kind]
        if not exp.feasible:
            exp.notes = [line for c in exp.conflicts
                         for line in [f"conflict {exp.conflicts.index(c) + 1}:"]
                         + clash_in_words(inputs.ruleset, pool, inputs.quotas, mask, c)]
        out[kind] = exp
    return out


def explanation_json(explanations: dict[str, PoolExplanation]) -> dict:
    """explanation.json: conflicts (lists of rule ids), relaxations and prices, and per-pool detail."""
    def relax(r: Relaxation, pool: str) -> dict:
        return {"pool": pool, "kind": r.kind, "changes": r.changes, "text": r.describe(), "merit": r.merit,
                "slate": r.slate}

    return {
        "conflicts": [c for e in explanations.values() for c in e.conflicts],
        "relaxations": [relax(r, k) for k, e in explanations.items() for r in e.relaxations],
        "prices": [{"pool": k, **p.__dict__} for k, e in explanations.items() for p in e.prices],
        "arithmetic": [{"pool": k, **f.__dict__} for k, e in explanations.items() for f in e.arithmetic],
        "forced_ineligible": [{"pool": k, **c} for k, e in explanations.items() for c in e.forced_ineligible],
        "pools": {k: {"feasible": e.feasible, "conflicts": e.conflicts, "clash": e.notes,
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


def format_explanation(explanations: dict[str, PoolExplanation]) -> str:
    """The terminal view: each conflict in the notice's words, the relaxations that work, the prices."""
    from selector.i18n import _

    out = []
    for kind, e in explanations.items():
        if e.feasible:
            if e.prices:
                out.append(f"{kind}: a slate exists. What each rule costs in merit (optimum without it - with it):")
                for p in sorted(e.prices, key=lambda p: -Decimal(p.cost)):
                    t = e.rules[p.rule]
                    out.append(f"  {p.rule:<14} {p.cost:>8}  {t.text}"
                               + (f"  (+{len(p.enter)} in / -{len(p.leave)} out)" if Decimal(p.cost) else ""))
            continue
        if e.forced_ineligible:  # the cause is the forcing, not the rules
            out.append(_("{pool}: NO SLATE: forced in (force_in), but ineligible under the notice, so no slate can "
                         "hold them:", pool=kind))
            for c in e.forced_ineligible:
                out.append(f"    {c['id']} {c['name']} ({c['unit']}): " + "; ".join(c["reasons"]))
            out.append("  " + _("Remove them from force_in, or correct their data if the screening is wrong."))
            if not e.conflicts:
                continue
        out.append(f"{kind}: NO SLATE CAN MEET THESE RULES TOGETHER ({len(e.conflicts)} minimal conflict(s); "
                   "dropping any one rule of a conflict removes that conflict)")
        if e.arithmetic:
            out.append("  Arithmetic first (eligible supply against what the rules demand, no solver):")
            for f in e.arithmetic:
                verdict = "rules out every slate" if f.fatal else "short"
                out.append(f"    {f.rule} [{f.clause}] {f.text}: needs at least {f.needed} {f.subject}; "
                           f"the eligible pool has {f.available} ({f.note}) — {verdict}")
        out += [("  " if line.startswith("conflict") else "    ") + line for line in e.notes]
        if e.relaxations:
            out.append("  Smallest changes that let a slate exist (each checked by solving):")
            for r in e.relaxations:
                merit = f" -> merit {r.merit}" if r.merit is not None else ""
                out.append(f"    [{r.kind}] {r.describe()}{merit}")
        else:
            out.append("  No single change found that makes a slate exist; see the conflicts above.")
    return "\n".join(out)
