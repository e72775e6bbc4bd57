"""Interchangeable classes: the exact reduction of a pool that the fast path (selector/engine/prune.py),
the exact test (feasible.py), the explainer and adjust share.

Call two eligible candidates interchangeable when they have the same unit and the same membership in every
group that a rule of the pool reads (as `group` or `of`). Every constraint of the model — seats, unit
quotas, open seats, share and count rules, hard or soft, on the top award or a subset award — counts
candidates only through their unit and those memberships, so putting one member of a class in another's
place keeps every constraint as it was. Order each class best first: score descending, then the tie-break
order (the rule set's keys, then the smaller id). In a slate optimal for the three objectives of
selector.engine.solve (merit, then subset merit, then tie-break weight) each class holds a prefix of its
order: were j in and a better i out, i in j's place (and in j's subset seat) would raise the merit, or keep
it and raise the tie-break weight, of which every candidate earlier in the order has strictly more. The
subset award (the special class) likewise holds a prefix of each class. Hence a class never places more than
`class_limit` candidates (the award's seats, the unit's quota plus open seats, the maximum of a hard count
rule on a group the class is in): the rest are dropped; within a class choosing the (k+1)-th implies choosing
the k-th (`chains`), and past its own limit a candidate never holds the subset award (`allowed`). Stage-3
weights stay those of the whole pool, so the optimal slates of the small model are exactly those of the
plain model, and so are the uniqueness proof and the first slate in tie-break order among ties.

Ineligible candidates are dropped outright; a what-if candidate forced in or out is a class of its own.
A pruned pool is a Pool of its own (its candidates keep their ids), so a slate solved on it is already in
candidate ids: nothing is mapped back.
"""

from __future__ import annotations

from dataclasses import dataclass

from selector.engine.model import Reduction, SelectionModel, build_model, members, tie_break_order
from selector.reading import kinds
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import Award, RuleSet


def rule_groups(ruleset: RuleSet, pool_kind: str) -> list[str]:
    """The groups any rule of the pool reads, as its group or its denominator ('all' left out)."""
    groups: list[str] = []
    for r in ruleset.rules_of_pool(pool_kind):
        for g in kinds.counted_groups(r):
            if g not in groups:
                groups.append(g)
    # issue 14: the carve-out seats' group and the preferred groups are counted by the model too
    extra = [a.open_group for a in ruleset.awards_of_pool(pool_kind)] + [
        p.group for p in ruleset.preferences_of_pool(pool_kind)]
    return groups + [g for g in dict.fromkeys(extra) if g is not None and g not in groups]


def tie_break_weights(ruleset: RuleSet, pool: Pool) -> list[int]:
    """Per candidate n - rank in the tie-break order, as model.build_model computes them."""
    n = len(pool)
    weight = [0] * n
    for rank, i in enumerate(tie_break_order(ruleset, pool)):
        weight[i] = n - rank
    return weight


@dataclass(frozen=True)
class Classes:
    """The eligible candidates of a pool in interchangeable classes, each best first."""

    classes: list[list[int]]  # positions in the pool
    keys: list[tuple]  # per class: (unit, membership bits[, id of a what-if candidate])
    groups: list[str]  # the groups of the membership bits
    tie_break_weight: list[int]  # per candidate of the pool: n - tie-break rank (as model.build_model)


def interchangeable_classes(ruleset: RuleSet, pool: Pool, eligible: list[bool] | None = None,
                            fixed: dict[str, bool] | None = None) -> Classes:
    """Classes of candidates that every rule treats alike, each sorted by score desc, then tie-break order.
    Ineligible candidates and those a what-if keeps out are in no class; one forced in is alone in its class."""
    groups = rule_groups(ruleset, pool.kind)
    masks = [members(ruleset, pool, g) for g in groups]
    weight = tie_break_weights(ruleset, pool)
    units = list(pool.table["unit"])
    ids = list(pool.table["id"])
    scores = list(pool.table["score"])
    by_key: dict[tuple, list[int]] = {}
    for i, bits in enumerate(zip(*masks) if masks else ((),) * len(pool)):
        if eligible is not None and not eligible[i]:
            continue
        forced = fixed.get(ids[i]) if fixed else None
        if forced is False:
            continue
        key: tuple = (units[i], tuple(bits)) if forced is None else (units[i], tuple(bits), ids[i])
        by_key.setdefault(key, []).append(i)
    keys = list(by_key)
    classes = [sorted(by_key[k], key=lambda i: (-scores[i], -weight[i])) for k in keys]
    return Classes(classes, keys, groups, weight)


def award_caps(ruleset: RuleSet, award: Award) -> list[tuple[str, int]]:
    """(group, most of it in any slate) for every hard rule on `award` that alone caps its group's count:
    a count's maximum, a share's cap of the whole slate. Computed once per award, not per class (a pool
    has hundreds of classes; parsing every rule's share for each was a fifth of a city-size slate's time)."""
    caps = []
    for r in ruleset.rules:
        fixed = kinds.fixed_bound(r, award.seats) if r.award == award.id and r.hard else None
        if fixed is not None and fixed.high is not None:
            caps.append((r.group, fixed.high))
    return caps


def class_limit(award: Award, quotas: Quotas, unit: str, inside: dict[str, bool],
                caps: list[tuple[str, int]]) -> int:
    """At most how many of one class any slate can give `award`: its seats, the unit's quota (plus open
    seats) and the maximum of every hard count rule on the award whose group the class is in (`caps`:
    award_caps of the award)."""
    limit = award.seats
    by_unit = quotas.of(award.id)
    if award.quota != "none" and by_unit is not None and unit in quotas.units:
        limit = min(limit, by_unit.get(unit, 0) + award.open_seats)
    for group, high in caps:
        if group == "all" or inside.get(group, False):
            limit = min(limit, high)
    return max(0, limit)


@dataclass(frozen=True)
class Pruned:
    """The pool cut down to the candidates an optimal slate can hold, with what the model needs."""

    pool: Pool  # the kept candidates, in pool order, renumbered 0..m-1 (their ids are kept)
    kept: list[int]  # position in the original pool of each kept candidate (for reports and tests)
    classes: list[list[int]]  # per class with a kept member: kept positions, best first
    allowed: dict[str, list[bool]]  # subset award id -> may this kept candidate hold it
    tie_break_weight: list[int]  # per kept candidate, its weight in the whole pool
    original_size: int = 0

    @property
    def chains(self) -> list[list[int]]:
        return [c for c in self.classes if len(c) > 1]

    @property
    def reduction(self) -> Reduction:
        """What model.build_model needs to model this pool exactly as the whole one."""
        return Reduction(self.chains, self.allowed, self.tie_break_weight)


def subpool(pool: Pool, positions: list[int]) -> Pool:
    """The candidates at `positions` (in that order) as a pool of their own; they keep their ids."""
    table = pool.table.iloc[positions].reset_index(drop=True)
    return Pool(pool.kind, pool.source, table, [pool.rows[i] for i in positions], list(pool.extra_columns))


def prune(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
          fixed: dict[str, bool] | None = None) -> Pruned:
    """Keep the best `class_limit` of every interchangeable class (see the module's docstring)."""
    cl = interchangeable_classes(ruleset, pool, eligible, fixed)
    awards = sorted(ruleset.awards_of_pool(pool.kind), key=lambda a: a.parent is not None)
    top, subsets = awards[0], awards[1:]
    chosen: list[list[int]] = []
    sub_limits: list[dict[str, int]] = []
    caps = {a.id: award_caps(ruleset, a) for a in awards}
    for key, cls in zip(cl.keys, cl.classes):
        inside = dict(zip(cl.groups, key[1]))
        k = class_limit(top, quotas, key[0], inside, caps[top.id])
        if len(key) > 2:  # a what-if candidate forced in stays, whatever its limit (the model then decides)
            k = 1
        if k > 0:
            chosen.append(cls[:k])
            sub_limits.append({a.id: class_limit(a, quotas, key[0], inside, caps[a.id]) for a in subsets})
    kept = sorted(i for cls in chosen for i in cls)
    new_pos = {i: j for j, i in enumerate(kept)}
    classes = [[new_pos[i] for i in cls] for cls in chosen]
    allowed = {a.id: [True] * len(kept) for a in subsets}
    for cls, limits in zip(classes, sub_limits):
        for a in subsets:
            for j in cls[limits[a.id]:]:
                allowed[a.id][j] = False
    return Pruned(subpool(pool, kept), kept, classes, allowed, [cl.tie_break_weight[i] for i in kept], len(pool))


def restrict(pruned: Pruned, keep: list[bool]) -> Pruned:
    """The pruned pool with only the candidates `keep` marks (classes and limits follow)."""
    positions = [j for j in range(len(keep)) if keep[j]]
    new = {j: k for k, j in enumerate(positions)}
    classes = [c for c in ([new[j] for j in cls if j in new] for cls in pruned.classes) if c]
    allowed = {a: [v[j] for j in positions] for a, v in pruned.allowed.items()}
    return Pruned(subpool(pruned.pool, positions), [pruned.kept[j] for j in positions], classes, allowed,
                  [pruned.tie_break_weight[j] for j in positions], pruned.original_size)


def build_pruned(ruleset: RuleSet, pruned: Pruned, quotas: Quotas,
                 fixed: dict[str, bool] | None = None) -> SelectionModel:
    """The model of the pruned pool, with chains, subset limits and the whole pool's tie-break weights."""
    return build_model(ruleset, pruned.pool, quotas, fixed=fixed or None, reduction=pruned.reduction)


def subset_dominance(ruleset: RuleSet, pruned: Pruned, quotas: Quotas, forced: list[bool]) -> dict[str, list[bool]]:
    """Who may still hold each subset award of the top award, once `forced` candidates are known to be in
    every slate worth considering. Sort the candidates that every rule on the subset award treats alike (same
    membership in its rules' groups, same unit if it has quotas) best first; a candidate preceded by at least
    `class_limit` forced ones never holds it in an optimal slate: one of those is left out, and would take
    its seat with a higher subset merit, or the same merit and a higher tie-break weight."""
    table = pruned.pool.table
    scores = list(table["score"])
    units = list(table["unit"])
    allowed = {a: list(v) for a, v in pruned.allowed.items()}
    top = ruleset.top_award(pruned.pool.kind)
    for a in ruleset.awards_of_pool(pruned.pool.kind):
        if a.parent != top.id:
            continue
        groups: list[str] = []
        for r in ruleset.rules:
            if r.award == a.id:
                groups += kinds.counted_groups(r)
        groups = list(dict.fromkeys(groups))
        masks = [members(ruleset, pruned.pool, g) for g in groups]
        by_unit = a.quota != "none" and quotas.of(a.id) is not None
        keys: dict[tuple, list[int]] = {}
        for j in range(len(scores)):
            keys.setdefault((units[j] if by_unit else None, *(m[j] for m in masks)), []).append(j)
        caps = award_caps(ruleset, a)
        for key, js in keys.items():
            inside = dict(zip(groups, key[1:]))
            limit = class_limit(a, quotas, key[0] if by_unit else "", inside, caps) if by_unit else \
                class_limit(a, Quotas("", [], {}), "", inside, caps)
            ahead = 0
            for j in sorted(js, key=lambda j: (-scores[j], -pruned.tie_break_weight[j])):
                if ahead >= limit:
                    allowed[a.id][j] = False
                if forced[j]:
                    ahead += 1
    return allowed
