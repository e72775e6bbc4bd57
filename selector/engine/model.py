"""Model building: the ONLY place where rules become CP-SAT constraints.

One model per pool (individuals: the labour models and the special-class subset; collectives), except
that pools tied by a rule across awards (issue 14, 5: `cross_rules`) share one CP-SAT model: each pool's
part built by build_model into it, the cross rules posted over their counts by post_cross_rules.
Each rule — structural rules (R1..., C1...), seat totals (`seats:<award>`) and unit quotas
(`quota:<unit>`) — is posted exactly once here, optionally behind an enforcement literal so that the
explainer can switch rules off, and soft rules get a slack variable counted in people.
Shares are posted in integers: den*count(group) >= num*count(of), never with floats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ortools.sat.python import cp_model

from selector.reading.kinds import quota_rule_id
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import Award, Rule, RuleSet


def members(ruleset: RuleSet, pool: Pool, group: str) -> list[bool]:
    """Which candidates of the pool belong to a group ('all' is everyone)."""
    return ruleset.group_mask(group, pool.table)  # where, where_not, any, within, not_within (issue 14)


def score_scale(values: list[Decimal]) -> int:
    """The power of ten that makes every score (and soft weight) an integer, exactly."""
    decimals = max((-v.as_tuple().exponent for v in values if v.as_tuple().exponent < 0), default=0)  # type: ignore[operator]
    return 10 ** int(decimals)


def tie_break_order(ruleset: RuleSet, pool: Pool) -> list[int]:
    """Candidate positions from most to least preferred among equals (rule set's keys, then id)."""
    keys = ruleset.tie_break.pools.get(pool.kind, [])
    columns = [list(pool.table[k.attribute]) for k in keys]  # whole columns: .at per cell was slow at scale
    ids = [str(i) for i in pool.table["id"]]

    def key(i: int) -> tuple:
        ranks = []
        for k, column in zip(keys, columns):
            v = column[i]
            ranks.append(k.values.index(v) if v in k.values else len(k.values))
        return (*ranks, ids[i])

    return sorted(range(len(pool)), key=key)


def rule_ids_of_pool(ruleset: RuleSet, pool_kind: str, quotas: Quotas) -> list[str]:
    """Every rule the model for this pool posts, in the order the notice gives them."""
    ids = [f"seats:{a.id}" for a in ruleset.awards_of_pool(pool_kind)]
    for a in ruleset.awards_of_pool(pool_kind):
        if a.quota != "none" and quotas.of(a.id) is not None:
            ids += [quota_rule_id(ruleset, a, u) for u in quotas.units]
    ids += [r.id for r in ruleset.rules_of_pool(pool_kind)]
    return ids


@dataclass
class SelectionModel:
    """A CP-SAT model of one pool with handles to everything the solver and explainer need."""

    model: cp_model.CpModel
    pool: Pool
    awards: list[Award]  # the top award first, then its subsets
    x: dict[str, list[cp_model.IntVar]]  # award id -> one Boolean per candidate
    counts: dict[tuple[str, str], cp_model.IntVar]  # (award id, group or 'all') -> count in the slate
    scale: int  # scores were multiplied by this to be integers
    scaled_scores: list[int]
    merit: dict[str, cp_model.LinearExpr]  # award id -> sum of scaled scores selected (the top: stage 1's merit,
    # which with disjoint titles is the sum over every title)
    penalty: cp_model.LinearExpr  # soft rules: weight x people short, scaled like scores
    tie_break_weight: list[int]  # per candidate, larger = preferred among equals
    literals: dict[str, cp_model.IntVar] = field(default_factory=dict)  # rule id -> enforcement literal
    slacks: dict[str, cp_model.IntVar] = field(default_factory=dict)  # soft rule id -> people short
    relaxed: dict[str, cp_model.IntVar] = field(default_factory=dict)  # hard rule id -> people it is relaxed by
    count_of: Callable[[str, str], cp_model.IntVar] | None = None  # (award, group) -> count, made on demand
    # issue 14, 1: per preference (rule set order): (id, count of its group in its award, tolerance scaled)
    preferred: list[tuple[str, cp_model.IntVar, int]] = field(default_factory=list)
    can_hold: dict[str, list[bool]] = field(default_factory=dict)  # award id -> who the model lets hold it
    # subset awards of the top award that nothing but their seats constrains (no rule, no quota, no literal,
    # no relaxation): their best slate for a given top slate is its best `seats` candidates (selector/engine/solve.py)
    free_subsets: list[str] = field(default_factory=list)
    special_by_argument: bool | None = None  # set by selector/engine/solve.py: stage 2 settled without a search
    probes: int = 0  # solves that argument asked (engine/solve.py _best_k_of_selected)
    stages_23_as_one: bool = False  # set by engine/solve.py: stages 2 and 3 were one objective (_stage3_weight)
    out_at_optimum: set[int] = field(default_factory=set)  # top-award positions proven out of every slate
    # of the proven stage-1 optimum (engine/prune.py's LP fixing adds them; engine/solve.py reads them)

    @property
    def top(self) -> Award:
        return self.awards[0]

    def set_hint(self, values: dict[str, list[int]]) -> None:
        """Start the next solve from this slate (award id -> 0/1 per candidate position)."""
        self.model.clear_hints()
        hint = self.model.proto.solution_hint  # in bulk: add_hint per variable was a tenth of a city-size slate
        hint.vars.extend([v.index for a in self.awards for v in self.x[a.id]])
        hint.values.extend([int(val) for a in self.awards for val in values[a.id]])


@dataclass(frozen=True)
class Reduction:
    """How the exact fast path models a pool of interchangeable classes (selector/engine/classes.py) so
    that its optimal slates are exactly those of the whole pool."""

    chains: list[list[int]] = field(default_factory=list)  # candidate positions, best first: in every award,
    # choosing one implies choosing the one before it (x[k+1] => x[k]): only each class's canonical slate
    allowed: dict[str, list[bool]] | None = None  # award id -> who may hold it at all (on top of `eligible`)
    tie_break_weight: list[int] | None = None  # stage 3's weights: the whole pool's, so the tie-break is the same


def build_model(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                with_literals: bool = False, relax: set[str] | frozenset[str] = frozenset(),
                fixed: dict[str, bool] | None = None, reduction: Reduction | None = None,
                multiplicity: list[int] | None = None, model: cp_model.CpModel | None = None) -> SelectionModel:
    """Post every rule of the pool's awards. With `with_literals`, each hard rule is enforced only
    when its literal is true (the explainer assumes the literals); otherwise rules are plain.
    Rules named in `relax` get a slack variable counted in people (`relaxed`), for relaxations.
    `fixed` (what-if scenarios): candidate id -> True forced into the top award's slate, False kept out;
    each is a rule `fixed:<id>` (behind its literal with `with_literals`, so conflicts can name it).
    `reduction` (the exact fast path, selector/engine/prune.py): chains, who may hold each award, and the
    whole pool's tie-break weights, for a pool of interchangeable classes (Reduction).
    `multiplicity` (feasibility questions, selector/analysis/explain.py): candidate i stands for that many
    interchangeable candidates (selector/engine/prune.py's classes), its decision an integer count 0..k; every rule
    counts candidates through their unit and groups only, so which slates exist is exactly as in the pool
    the classes came from. Merit and tie-break then mean nothing: not for optimising.
    `model`: build into this CP-SAT model (pools tied by a rule across awards share one: post_cross_rules)."""
    m = model if model is not None else cp_model.CpModel()
    n = len(pool)
    chains, allowed, tie_break_weight = (reduction.chains, reduction.allowed, reduction.tie_break_weight) \
        if reduction is not None else ([], None, None)
    awards = sorted(ruleset.awards_of_pool(pool.kind), key=lambda a: a.parent is not None)
    literals: dict[str, cp_model.IntVar] = {}
    relaxed: dict[str, cp_model.IntVar] = {}

    def give(rule_id: str, most: int):
        """The people a relaxable rule may be missed by (0 for a rule that is not relaxed)."""
        if rule_id not in relax:
            return 0
        if rule_id not in relaxed:
            relaxed[rule_id] = m.new_int_var(0, max(0, most), f"relax[{rule_id}]")
        return relaxed[rule_id]

    def post(rule_id: str, constraint: cp_model.Constraint) -> None:
        if with_literals:
            lit = literals.get(rule_id)
            if lit is None:
                lit = literals[rule_id] = m.new_bool_var(f"rule[{rule_id}]")
            constraint.only_enforce_if(lit)

    # Variables: one Boolean per candidate per award; ineligible candidates can never be chosen.
    x: dict[str, list[cp_model.IntVar]] = {}
    can_hold: dict[str, list[bool]] = {}
    ids = [str(i) for i in pool.table["id"]]  # a whole column: .at per cell was slow at scale
    for a in awards:
        x[a.id] = [m.new_bool_var(f"{a.id}[{ids[i]}]") if multiplicity is None or multiplicity[i] == 1
                   else m.new_int_var(0, multiplicity[i], f"{a.id}[{ids[i]}]") for i in range(n)]
        can = can_hold[a.id] = [True] * n
        if eligible is not None:
            for i in range(n):
                if not eligible[i]:
                    m.add(x[a.id][i] == 0)
                    can[i] = False
        if allowed is not None and a.id in allowed:
            for i in range(n):
                if not allowed[a.id][i]:
                    m.add(x[a.id][i] == 0)
                    can[i] = False
        for chain in chains:
            for before, after in zip(chain, chain[1:]):
                m.add_implication(x[a.id][after], x[a.id][before])
    for i, cid in enumerate(pool.table["id"]):  # what-if: forced in / out of the top award's slate
        if fixed and cid in fixed:
            post(f"fixed:{cid}", m.add(x[awards[0].id][i] == int(fixed[cid])))
            if not fixed[cid] and not with_literals:
                can_hold[awards[0].id][i] = False
    for a in awards[1:]:  # S2: a subset award is chosen from among its parent's slate
        if a.parent is None:
            continue  # another disjoint title (below)
        for i in range(n):
            if multiplicity is None or multiplicity[i] == 1:
                m.add_implication(x[a.id][i], x[a.parent][i])  # type: ignore[index]
            else:
                m.add(x[a.id][i] <= x[a.parent][i])  # type: ignore[index]
            can_hold[a.id][i] = can_hold[a.id][i] and can_hold[a.parent][i]  # type: ignore[index]
    titles = [a for a in awards if a.parent is None]
    if len(titles) > 1:  # issue 14, 4: disjoint titles from one pool: a candidate holds at most one
        for i in range(n):
            m.add(sum(x[a.id][i] for a in titles) <= (1 if multiplicity is None else multiplicity[i]))

    # Counts per (award, group): fixed by unconditional equalities, so rules compare counts. This lets
    # the solver prove infeasibility quickly when rules are assumed (measured in the explanation issue).
    counts: dict[tuple[str, str], cp_model.IntVar] = {}

    def count(award_id: str, group: str) -> cp_model.IntVar:
        key = (award_id, group)
        if key not in counts:
            mask = members(ruleset, pool, group)
            most = sum(mask) if multiplicity is None else sum(k for k, inside in zip(multiplicity, mask) if inside)
            c = m.new_int_var(0, most, f"count[{award_id},{group}]")
            m.add(c == cp_model.LinearExpr.sum([v for v, inside in zip(x[award_id], mask) if inside]))
            counts[key] = c
        return counts[key]

    # S1, S3: seat totals.
    for a in awards:
        post(f"seats:{a.id}", m.add(count(a.id, "all") == a.seats - give(f"seats:{a.id}", a.seats)))

    units_col = list(pool.table["unit"])
    masks: dict[str, list[bool]] = {}

    def unit_count(award_id: str, group: str, unit: str):
        """Members of `group` from `unit` in the award's slate (issue 14, 2: per-unit rules)."""
        if group not in masks:
            masks[group] = members(ruleset, pool, group)
        return cp_model.LinearExpr.sum(
            [v for v, inside, u in zip(x[award_id], masks[group], units_col) if inside and u == unit])

    # S4: unit quotas, caps or exact; 单列 open seats may go to any unit beyond its quota, or, with an
    # open_group (issue 14, 3), to that group's members only: a unit's excess is at most its members chosen.
    for a in awards:
        by_unit = quotas.of(a.id)
        if a.quota == "none" or by_unit is None:
            continue
        at: dict[str, list[int]] = {}  # each unit's positions, in pool order: a scan of the pool per unit was
        for i, u in enumerate(units_col):  # 14 s of small-units' national explanation (750 units, 24 models)
            at.setdefault(u, []).append(i)
        excess = []
        for u in quotas.units:
            in_unit = [x[a.id][i] for i in at.get(u, [])]
            filled = cp_model.LinearExpr.sum(in_unit) if in_unit else 0
            q = by_unit.get(u, 0)
            rid = quota_rule_id(ruleset, a, u)
            if a.open_seats:
                e = m.new_int_var(0, a.open_seats, f"open[{a.id},{u}]")
                excess.append(e)
                if a.open_group is not None:
                    m.add(e <= unit_count(a.id, a.open_group, u))
                post(rid, m.add(filled <= q + e + give(rid, a.seats)))
            else:
                post(rid, m.add(filled <= q + give(rid, a.seats)))
            if a.quota == "exact":
                post(rid, m.add(filled >= q - give(rid, a.seats)))
        if excess:
            m.add(sum(excess) <= a.open_seats)

    # Structural rules (R1-R10, C1-C2, ...): shares in integers, counts as bounds, soft ones with slack.
    slacks: dict[str, cp_model.IntVar] = {}
    penalty_terms = []
    weights: list[Decimal] = []
    for r in ruleset.rules_of_pool(pool.kind):
        seats = ruleset.award(r.award).seats
        slack = give(r.id, seats) if r.id in relax else None
        if not r.hard:
            slack = slacks[r.id] = m.new_int_var(0, seats, f"short[{r.id}]")
            weights.append(Decimal(str(r.weight)))
        if r.scoped:  # issue 14, 2: the rule within each of its units
            for u in r.applies_in(quotas.units):
                for ct in _rule_constraints(m, r, lambda aw, g, u=u: unit_count(aw, g, u), slack, unit=u):
                    post(r.id, ct)
            continue
        for ct in _rule_constraints(m, r, count, slack):
            if r.hard:
                post(r.id, ct)

    scores = [Decimal(s) for s in pool.table["score"]]
    scale = score_scale(scores + weights)
    scaled = [int(s * scale) for s in scores]
    for r in ruleset.rules_of_pool(pool.kind):
        if not r.hard:
            penalty_terms.append(int(Decimal(str(r.weight)) * scale) * slacks[r.id])
    merit = {a.id: cp_model.LinearExpr.weighted_sum(x[a.id], scaled) for a in awards}
    if len(titles) > 1:  # stage 1 maximises merit[top]: with disjoint titles, their merits together
        merit[awards[0].id] = sum(merit[a.id] for a in titles)
    if tie_break_weight is not None:
        weight = list(tie_break_weight)
    else:
        order = tie_break_order(ruleset, pool)
        weight = [0] * n
        for rank, i in enumerate(order):
            weight[i] = n - rank
    preferred = [(p.id, count(p.award, p.group), int(p.tolerance_value * scale))
                 for p in ruleset.preferences_of_pool(pool.kind)]
    free = [] if with_literals or relax else unconstrained_subsets(ruleset, pool.kind, quotas)
    return SelectionModel(m, pool, awards, x, counts, scale, scaled, merit,
                          sum(penalty_terms) if penalty_terms else cp_model.LinearExpr.constant(0),
                          weight, literals, slacks, relaxed, count, preferred, can_hold, free)


def unconstrained_subsets(ruleset: RuleSet, kind: str, quotas: Quotas) -> list[str]:
    """The subset awards of a pool's top award that nothing but their seats constrains: no rule, preference or
    rule across awards names them, no quota column (quota "none" or none given), no more seats than the parent.
    A candidate may hold one exactly when it may hold the parent (build_model), so every slate of the parent
    holds one: the fast path settles its stage 2 by the best k of the selected (SelectionModel.free_subsets),
    and a question of which slates exist leaves it out (analysis/classmodel.py class_model)."""
    awards = sorted(ruleset.awards_of_pool(kind), key=lambda a: a.parent is not None)
    if not awards:
        return []
    ruled = {r.award for r in ruleset.rules_of_pool(kind)} | {p.award for p in ruleset.preferences_of_pool(kind)} \
        | {a for c in ruleset.cross_rules for a in c.awards}
    return [a.id for a in awards[1:] if a.parent == awards[0].id and a.id not in ruled and a.seats <= awards[0].seats
            and (a.quota == "none" or quotas.of(a.id) is None)]


def without_free_subsets(ruleset: RuleSet, kind: str, quotas: Quotas, relax=frozenset(), with_literals: bool = False,
                         classes_of: RuleSet | None = None) -> RuleSet:
    """The rule set without the subset awards (the special class) that nothing but their seats constrains
    (unconstrained_subsets, in `classes_of` too: a rule left out to be asked about keeps its award):
    while the parent's seat total holds, every slate of the parent holds one, so which slates exist, their
    counts and their merit (the top awards') are the same without them. Kept when a seat total may give
    (literals, a relaxed parent's seats). For the explainer's class model (analysis/classmodel.py; small-units
    national, 3,000 seats, 100 special: 18,164 variables -> 9,087, the loosest share of R1 4.2 -> 2.4 s CPU, of
    R8 4.7 -> 2.8 s) and its best merit under changed rules (analysis/relaxations.py best_slate; big-special
    national, 750 special: 3.9 -> 1.4 s and 17.1 -> 2.4 s CPU, the same merit)."""
    top = ruleset.top_award(kind)
    if with_literals or f"seats:{top.id}" in relax:
        return ruleset
    free = set(unconstrained_subsets(ruleset, kind, quotas)) & set(unconstrained_subsets(classes_of or ruleset, kind,
                                                                                        quotas))
    free -= {a.split(":", 1)[1] for a in relax if a.startswith("seats:")}
    if not free:
        return ruleset
    return ruleset.model_copy(update={"awards": [a for a in ruleset.awards if a.id not in free]})


def tied_pools(ruleset: RuleSet, kinds: list[str]) -> list[list[str]]:
    """The pools rules across awards tie together (issue 14, 5), each group in the order of `kinds`: pools
    linked through any chain of such rules are one group; a pool one such rule names alone is a group of one.
    Pools no such rule names are in no group (they keep their own model and the fast path)."""
    group: dict[str, str] = {}

    def root(k: str) -> str:
        while group[k] != k:
            k = group[k]
        return k

    for c in ruleset.cross_rules:
        pools = [ruleset.award(a).pool for a in c.awards]
        if not set(pools) <= set(kinds):
            continue
        for p in pools:
            group.setdefault(p, p)
        for p in pools[1:]:
            group[root(p)] = root(pools[0])
    out: dict[str, list[str]] = {}
    for k in kinds:
        if k in group:
            out.setdefault(root(k), []).append(k)
    return list(out.values())


def post_cross_rules(m: cp_model.CpModel, ruleset: RuleSet, sms: dict[str, SelectionModel],
                     with_literals: bool = False) -> dict[str, cp_model.IntVar]:
    """Issue 14, 5: every rule across awards whose pools all have a model in `sms` (built into the one CP-SAT
    model `m`), over the sum of its awards' counts: share den*part op num*whole, count min <= part <= max.
    With `with_literals`, each is enforced only when its literal (returned, by rule id) is true."""
    literals: dict[str, cp_model.IntVar] = {}
    for c in ruleset.cross_rules:
        pools = [ruleset.award(a).pool for a in c.awards]
        if not set(pools) <= set(sms):
            continue
        part = sum(sms[p].count_of(a, c.counted(p)) for a, p in zip(c.awards, pools))  # type: ignore[misc]
        cts = []
        if c.kind == "share":
            whole = sum(sms[p].count_of(a, c.counted(p, of=True)) for a, p in zip(c.awards, pools))  # type: ignore[misc]
            num, den = c.fraction.numerator, c.fraction.denominator
            if c.op in (">=", "="):
                cts.append(m.add(den * part >= num * whole))
            if c.op in ("<=", "="):
                cts.append(m.add(den * part <= num * whole))
        else:
            if c.min is not None:
                cts.append(m.add(part >= c.min))
            if c.max is not None:
                cts.append(m.add(part <= c.max))
        if with_literals:
            lit = literals[c.id] = m.new_bool_var(f"rule[{c.id}]")
            for ct in cts:
                ct.only_enforce_if(lit)
    return literals


def _rule_constraints(m: cp_model.CpModel, r: Rule, count, slack, unit: str | None = None
                      ) -> list[cp_model.Constraint]:
    """The linear constraints of one structural rule; `slack` (people short) only for soft rules.
    `unit`: a per-unit rule's bounds in that unit (its own entry of min_by_unit / max_by_unit)."""
    part = count(r.award, r.group)
    s = slack if slack is not None else 0
    if r.kind == "share":
        whole = count(r.award, r.of)
        f = r.fraction
        num, den = f.numerator, f.denominator
        if r.op == ">=":
            return [m.add(den * (part + s) >= num * whole)]
        if r.op == "=":  # issue 14, 9: an exact share (a relaxation may miss it either way)
            return [m.add(den * (part + s) >= num * whole), m.add(den * (part - s) <= num * whole)]
        return [m.add(den * (part - s) <= num * whole)]
    lo, hi = r.unit_bounds(unit) if unit is not None else (r.min, r.max)
    out = []
    if lo is not None:
        out.append(m.add(part + s >= lo))
    if hi is not None:
        out.append(m.add(part - s <= hi))
    return out


def changes_from(sm: SelectionModel, base: dict[str, set[str]]) -> dict[str, cp_model.LinearExpr]:
    """Per award of the model: how many candidates leave or enter it against a base slate (award id ->
    the ids that held it, e.g. the published slate), as a linear expression on the model's variables.
    Used first in the objective order of `selector adjust` and of the stable what-ifs (issue 15): a
    1-for-1 replacement counts 2 (one leaves, one enters)."""
    ids = [str(i) for i in sm.pool.table["id"]]
    out: dict[str, cp_model.LinearExpr] = {}
    for a in sm.awards:
        held = base.get(a.id, set())
        coef = [-1 if cid in held else 1 for cid in ids]
        # leaving: held before and not now (1 - x); entering: not held before and now (x)
        out[a.id] = cp_model.LinearExpr.weighted_sum(sm.x[a.id], coef) + sum(1 for cid in ids if cid in held)
    return out
