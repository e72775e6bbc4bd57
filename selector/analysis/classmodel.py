"""Merit on the model of interchangeable classes: the explainer's merit questions at national size.

conflicts.class_pool gives one representative per class of interchangeable eligible candidates and the class's
size; model.build_model(..., multiplicity=...) then admits exactly the slates of the whole pool, counted per
class. What a slate is worth is not in that model, but it follows from the counts alone: every class is
ordered best first (score descending, then the tie-break order: selector/engine/classes.py), and a slate
placing k of a class is at best worth that class's best k, which some slate with the same counts holds (the
rules count a class only through its unit and groups). So the merit of the best slate with given counts is
sum over classes of the class's prefix sum at its count (concave in the count: ClassModel.merit), and
maximising it over the counts is maximising merit over every slate of the whole pool: exact, with one integer
per class instead of one Boolean per candidate (30,000 candidates, about 3,000 classes). The slate read back
takes each class's best k, in pool order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ortools.sat.python import cp_model

from selector.engine.classes import interchangeable_classes, subpool
from selector.engine.model import SelectionModel, build_model, score_scale, without_free_subsets
from selector.engine.session import Solved
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet


@dataclass
class ClassModel:
    """The class model of one pool with the exact merit of its top award(s) and the soft rules' penalty."""

    sm: SelectionModel  # built on the representatives, x[award][c] = how many of class c hold the award
    classes: list[list[int]]  # positions in the whole pool, best first
    ids: list[str]  # the whole pool's ids
    scale: int  # scores (and soft weights) times this are integers: as model.build_model on the whole pool
    penalty: cp_model.LinearExpr  # soft rules: weight x people short, in the same scale
    prefix: list[list[int]]  # per class, the scaled merit of its best k, k = 0..size
    titles: list[str]  # the top award and the disjoint titles beside it (their merits are summed)

    @property
    def model(self) -> cp_model.CpModel:
        return self.sm.model

    def counts(self, got: Solved, award: str | None = None) -> list[int]:
        return [got.value(v) for v in self.sm.x[award or self.sm.top.id]]

    def slate(self, got: Solved) -> list[str]:
        """The top award's ids of the best slate with the solved counts (each class's best), in pool order."""
        counts = self.counts(got)
        return [self.ids[i] for i in sorted(i for c, k in zip(self.classes, counts) for i in c[:k])]

    def merit(self, model: cp_model.CpModel | None = None) -> cp_model.LinearExpr:
        """The scaled merit of the best slate with the counts, every disjoint title, posted into `model` (the
        class model or a clone of it) to be maximised: per class a value below each segment of its prefix
        sums (concave: scores best first), which at its maximum is the prefix sum at the class's count.
        Segments rather than an element constraint: their LP is exact (measured 3x faster at province).
        Read the value with merit_value (from the counts, exact even for a slate short of the optimum)."""
        m = model if model is not None else self.model  # a clone has the same variables at the same indices
        parts = []
        for c, prefix in enumerate(self.prefix):
            held = sum(self.sm.x[t][c] for t in self.titles)
            if len(prefix) == 2:
                parts.append(prefix[1] * held)
                continue
            worth = m.new_int_var(min(prefix), max(prefix), f"worth[{c}]")
            for k in range(len(prefix) - 1):
                m.add(worth <= prefix[k] + (prefix[k + 1] - prefix[k]) * (held - k))
            parts.append(worth)
        return sum(parts) if parts else cp_model.LinearExpr.constant(0)

    def merit_value(self, got: Solved) -> Decimal:
        """The merit of the best slate with the solved counts, every disjoint title."""
        held = [sum(k) for k in zip(*(self.counts(got, t) for t in self.titles))]
        return Decimal(sum(p[k] for p, k in zip(self.prefix, held))) / self.scale

    def top_merit(self, got: Solved) -> Decimal:
        """The merit of the top award alone (its holders are each class's best)."""
        return Decimal(sum(p[k] for p, k in zip(self.prefix, self.counts(got)))) / self.scale

    def unit_counts(self, got: Solved) -> dict[str, int]:
        """How many of each unit hold the top award."""
        out: dict[str, int] = {}
        units = list(self.sm.pool.table["unit"])
        for u, k in zip(units, self.counts(got)):
            out[u] = out.get(u, 0) + k
        return out


_CACHE: list[tuple[RuleSet, Pool, tuple, frozenset, list[list[int]]]] = []  # the last few pools' classes


def cached_classes(ruleset: RuleSet, pool: Pool, keep: list[bool] | None, own: dict[str, bool] | None
                   ) -> list[list[int]]:
    """interchangeable_classes(...).classes, remembered for the last few (rule set, pool, who is kept, who is a
    class of their own): one explanation asks a dozen questions of the same classes (0.7 s each at national).
    The very objects are compared (`is`), so a rule set or pool changed in between is never mistaken."""
    key = (tuple(keep) if keep is not None else (), frozenset(own or ()))
    for rs, pl, k, o, classes in _CACHE:
        if rs is ruleset and pl is pool and (k, o) == key:
            return classes
    classes = interchangeable_classes(ruleset, pool, keep, own).classes
    _CACHE.insert(0, (ruleset, pool, *key, classes))
    del _CACHE[4:]
    return classes


def class_model(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None,
                fixed: dict[str, bool] | None = None, relax: set[str] | frozenset = frozenset(),
                with_literals: bool = False, classes_of: RuleSet | None = None,
                apart: list[list[int]] | None = None) -> ClassModel:
    """The class model with exact merit (see the module's docstring). `classes_of`: the rule set whose groups
    make the classes (default `ruleset`), for a question counting a group no rule of `ruleset` reads.
    `apart`: classes given as they are (positions, best first, interchangeable under every rule: a pool
    addition's copies of one candidate for one unit), kept out of the others so a question can count them;
    they come last, in the order given."""
    ids = [str(i) for i in pool.table["id"]]
    own = {cid: True for cid in fixed} if fixed else None  # in or out: a class of its own either way
    keep = [True] * len(pool) if eligible is None else \
        [ok or (own is not None and cid in own) for ok, cid in zip(eligible, ids)]
    for cls in apart or []:
        for i in cls:
            keep[i] = False
    classes = cached_classes(classes_of or ruleset, pool, keep, own) + list(apart or [])
    reps = [c[0] for c in classes]
    ok = None if eligible is None else [eligible[i] for i in reps]
    sm = build_model(without_free_subsets(ruleset, pool.kind, quotas, relax, with_literals, classes_of),
                     subpool(pool, reps), quotas, ok, with_literals=with_literals, relax=relax,
                     fixed=fixed, multiplicity=[len(c) for c in classes])
    soft = [r for r in ruleset.rules_of_pool(pool.kind) if not r.hard]
    scores = [Decimal(s) for s in pool.table["score"]]
    scale = score_scale(scores + [Decimal(str(r.weight)) for r in soft])
    prefixes = []
    for members in classes:
        prefix = [0]
        for i in members:
            prefix.append(prefix[-1] + int(scores[i] * scale))
        prefixes.append(prefix)
    penalty = sum(int(Decimal(str(r.weight)) * scale) * sm.slacks[r.id] for r in soft) if soft else \
        cp_model.LinearExpr.constant(0)
    return ClassModel(sm, classes, ids, scale, penalty, prefixes, [a.id for a in ruleset.top_awards(pool.kind)])
