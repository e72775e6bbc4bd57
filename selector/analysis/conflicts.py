"""Minimal conflicts: which rules cannot hold together, found by solving, and read in the notice's words.

Every rule of a pool's model (structural rules, `seats:<award>`, `quota:<unit>`, a what-if's `fixed:<id>`)
sits behind an enforcement literal of model.build_model; eligibility and the linking constraints stay hard
and out of explanations. The questions are solved without an objective (with one, CP-SAT's core is every
assumption), with one worker (assumptions force it), on the model of interchangeable classes (exact and
small), and every conflict is confirmed by re-solving it before it is shown. Only whether a set has a slate
is first asked with merit as the search's direction (_Feasibility._witness): a slate found settles it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from selector.analysis.classmodel import cached_classes
from selector.engine.classes import rule_groups, subpool
from selector.engine.model import (
    SelectionModel,
    build_model,
    members,
    quota_rule_id,
    rule_ids_of_pool,
    unconstrained_subsets,
)
from selector.engine.session import Session, Solved, SolverSettings, maximize  # one place configures CP-SAT (issue 18)
from selector.i18n import _
from selector.reading import kinds
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet

MAX_CONFLICTS = 5
# Each question's cut-off in CP-SAT's deterministic time, the same on any machine however loaded (a wall-clock
# limit made the answers depend on the load); a run's --time-limit, if given, caps every question in seconds.
QUESTION_WORK = 10.0
WITNESS_WORK = 1.0  # a conflict probe's search for a slate with a merit to aim at (_Feasibility._witness)


@dataclass(frozen=True)
class Asking:
    """What every question of the explainer is asked under (issue 18): the run's solver settings (workers,
    seed, time limit: selector/engine/session.py) and a what-if's forced candidates (`fixed`: id -> in or
    out), so that explain asks about the very slates select searches.

    Workers: a question whose answer is a proven value (a least slack, a loosest share, is there a slate)
    runs on the run's workers; one whose answer shows a solution (a draft slate, which seats move, a core
    of rules) runs on one worker, because with several the solution found depends on the threads' race
    and the explanation would change with --workers (measured: a rule price's who-enters list did)."""

    settings: SolverSettings = SolverSettings()
    fixed: dict[str, bool] | None = None

    def solve(self, model: cp_model.CpModel, work: float = QUESTION_WORK, shown: bool = False,
              presolve: bool = True, first: bool = False) -> Solved:
        """One question, read as a Status; `shown`: its solution is shown (or a core read), so one worker;
        `work`: its cut-off in deterministic time; `presolve` False for the many small feasibility probes.
        A question with an objective (a least slack, a loosest share, a best merit) gets the stages' tuned
        parameters, every LP row from the start: its bound is the LP's (national, every world: 30-60% less
        CPU on those questions); a feasibility probe keeps the lazy rows (small-units: 5.5 s, 12 s with all).
        `first`: stop at the first solution found (a witness that a slate exists)."""
        tuned = model.proto.has_objective()
        return Session(self.solve_settings(shown), tuned=tuned, presolve=presolve, first=first).solve(model, work)

    def solve_settings(self, shown: bool = True) -> SolverSettings:
        """The settings of one question (a relaxation's draft slate, by default: shown, one worker); its only
        limit in seconds is the run's --time-limit."""
        workers = 1 if shown else self.settings.workers
        return replace(self.settings, workers=workers)

    def without(self, ids) -> Asking:
        """The same questions with these forced candidates set free (what undoing a forcing would give)."""
        rest = {c: v for c, v in (self.fixed or {}).items() if c not in set(ids)}
        return replace(self, fixed=rest or None)


ASK = Asking()  # the defaults: one worker, seed 0, nothing forced


@dataclass(frozen=True)
class RuleText:
    """A rule as an official reads it: id, clause, the notice's sentence and a plain reading."""

    id: str
    clause: str
    text: str
    reading: str


def rule_texts(ruleset: RuleSet, pool: Pool, quotas: Quotas) -> dict[str, RuleText]:
    """Every rule of the pool's model as it reads in the notice (seats and quotas included)."""
    out: dict[str, RuleText] = {}
    for a in ruleset.awards_of_pool(pool.kind):
        out[f"seats:{a.id}"] = RuleText(f"seats:{a.id}", a.clause, a.text, kinds.seats_reading(a))
        by_unit = quotas.of(a.id)
        if a.quota != "none" and by_unit is not None:
            clause, words = ruleset.quota_wording()  # the rule set's own clause for its quota table (issue 14)
            for u in quotas.units:
                rid = quota_rule_id(ruleset, a, u)
                out[rid] = RuleText(rid, clause, words, kinds.quota_reading(a, u, by_unit.get(u, 0)))
    for r in ruleset.rules_of_pool(pool.kind):
        out[r.id] = RuleText(r.id, r.clause, r.text, kinds.reading(ruleset, r))
    return out


def class_pool(ruleset: RuleSet, pool: Pool, eligible: list[bool] | None, fixed: dict[str, bool] | None = None
               ) -> tuple[Pool, list[int], list[bool] | None]:
    """One representative per class of interchangeable eligible candidates (selector/engine/prune.py: same unit,
    same membership of every group a rule reads; a what-if candidate, in or out, eligible or not, a class of
    its own), each class's size and the representatives' eligibility: for model.build_model(...,
    multiplicity=...), which then admits exactly the slates the whole pool does, with a few thousand
    decisions instead of one per candidate (national size: 3,000 classes for 30,000 candidates)."""

    ids = list(pool.table["id"])
    own = {cid: True for cid in fixed} if fixed else None  # in or out: a class of its own either way
    keep = None if eligible is None else [ok or (own is not None and cid in own) for ok, cid in zip(eligible, ids)]
    classes = cached_classes(ruleset, pool, keep, own)
    reps = [c[0] for c in classes]
    return subpool(pool, reps), [len(c) for c in classes], None if eligible is None else [eligible[i] for i in reps]


def unit_free_pool(ruleset: RuleSet, pool: Pool, eligible: list[bool] | None, fixed: dict[str, bool] | None = None
                   ) -> tuple[Pool, list[int], list[bool] | None]:
    """class_pool with the classes of every unit merged when they are in the same groups (a what-if candidate
    still a class of its own): exact for every rule that does not read the unit (structural rules, seats,
    forcings), so that a question without the unit quotas and per-unit rules is asked of a few dozen counts
    (small-units national: 750 units, 9,000 classes -> 40)."""
    ids = list(pool.table["id"])
    own = {cid: True for cid in fixed} if fixed else None
    keep = None if eligible is None else [ok or (own is not None and cid in own) for ok, cid in zip(eligible, ids)]
    masks = [members(ruleset, pool, g) for g in rule_groups(ruleset, pool.kind)]
    merged: dict[tuple, list[int]] = {}
    for cls in cached_classes(ruleset, pool, keep, own):
        i = cls[0]
        key = (tuple(m[i] for m in masks), ids[i] if own is not None and ids[i] in own else None)
        merged.setdefault(key, []).extend(cls)
    reps = [c[0] for c in merged.values()]
    return (subpool(pool, reps), [len(c) for c in merged.values()],
            None if eligible is None else [eligible[i] for i in reps])


def none_without_units(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None,
                       ask: Asking = ASK, relax: set[str] | frozenset = frozenset()) -> bool:
    """Whether no slate meets even the rules that do not read the unit (the unit quotas and per-unit rules
    left out; `relax`: rules relaxed, as the question relaxes them): then a question asked with every rule has
    none either, and need not be asked of every unit's classes. Asked of unit_free_pool's few dozen counts, in
    milliseconds; small-units national (750 units): the explainer's questions about added candidates, the
    office's seat moves and fewer seats were 0.5-2.7 s CPU each on the whole class model, all without a slate
    (their conflict reads no unit)."""
    free = ruleset.model_copy(update={
        "awards": [a.model_copy(update={"quota": "none"}) for a in ruleset.awards],
        "rules": [r for r in ruleset.rules if not r.scoped]})
    # the candidates counted by their groups alone (and a what-if's forced ones each apart), straight from the
    # pool: unit_free_pool's classes go through every unit's, 0.3 s per grown pool at national size
    ids = list(pool.table["id"])
    own = ask.fixed or {}
    masks = [members(ruleset, pool, g) for g in rule_groups(ruleset, pool.kind)]
    merged: dict[tuple, list[int]] = {}
    for i, cid in enumerate(ids):
        if cid in own or eligible is None or eligible[i]:
            merged.setdefault((tuple(m[i] for m in masks), cid if cid in own else None), []).append(i)
    reps = [c[0] for c in merged.values()]
    ok = None if eligible is None else [eligible[i] for i in reps]
    sm = build_model(free, subpool(pool, reps), quotas, ok, relax={r for r in relax if not r.startswith("quota:")},
                     fixed=ask.fixed, multiplicity=[len(c) for c in merged.values()])
    return ask.solve(sm.model, presolve=False).status == "infeasible"


def _literal_model(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None,
                   fixed: dict[str, bool] | None, multiplicity: list[int]) -> SelectionModel:
    """build_model with every rule behind its literal, for the questions of which slates exist, less a subset
    award only its seats constrain (model.unconstrained_subsets: the Fuxin special class): its rule
    `seats:<award>` is posted as "the parent's slate holds at least that many". Anyone who may hold the parent
    may hold it and nothing else reads it, so a choice of it exists exactly then, and a conflict still names it.
    Small-units national (100 special of 3,000): the conflict search's probes on every unit's classes
    6.6 -> 4.6 s CPU (its model 18,200 -> 9,100 decisions), the same conflicts."""
    free = set(unconstrained_subsets(ruleset, pool.kind, quotas))
    lean = ruleset.model_copy(update={"awards": [a for a in ruleset.awards if a.id not in free]}) if free else ruleset
    sm = build_model(lean, pool, quotas, eligible, with_literals=True, fixed=fixed, multiplicity=multiplicity)
    for a in ruleset.awards_of_pool(pool.kind):
        if a.id in free:
            lit = sm.literals[f"seats:{a.id}"] = sm.model.new_bool_var(f"rule[seats:{a.id}]")
            sm.model.add(sm.count_of(a.parent, "all") >= a.seats).only_enforce_if(lit)  # type: ignore[misc]
    return sm


class _Feasibility:
    """Which slates exist with different sets of assumed rules. Only which slates exist is asked, so the models
    are of classes, exact and small: first the unit-free one (unit_free_pool), for the rules that do not read
    the unit; when those alone have no slate, neither has the whole set (its core is theirs), and when the set
    has no rule reading the unit, its answer is the set's. Only otherwise the model of class_pool (every unit's
    classes), built when first needed. Answers are remembered: a subset of a set with a slate has one, a
    superset of a set without has none. A probe undecided within its work is never read as "a slate exists"
    (`undecided`, `unproven`). Small-units national (750 units): the conflict search 74.7 -> 25.9 s CPU,
    the same two conflicts (its 16 probes on 9,000 classes, 3-9 units of work each for some, were most of it)."""

    def __init__(self, ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None,
                 ask: Asking = ASK):
        self.ruleset, self.pool, self.quotas, self.eligible = ruleset, pool, quotas, eligible
        reps, sizes, ok = unit_free_pool(ruleset, pool, eligible, ask.fixed)
        self.small = _literal_model(ruleset, reps, quotas, ok, ask.fixed, sizes)
        self.full: SelectionModel | None = None
        self.ids = [r for r in rule_ids_of_pool(ruleset, pool.kind, quotas) if r in self.small.literals]
        self.ids += [r for r in self.small.literals if r.startswith("fixed:")]  # what-if: forced candidates
        self.by_unit = {r for r in self.ids if r.startswith("quota:")} | {
            r.id for r in ruleset.rules_of_pool(pool.kind) if r.scoped}  # the rules that read the unit
        self.ask = ask
        self.known: list[tuple[frozenset, bool, list[str]]] = []  # decided sets: (rules, a slate?, core)
        self.solves = 0
        self.undecided = 0  # probes undecided within their work

    def check(self, rules: list[str]) -> tuple[bool | None, list[str]]:
        """(feasible?, core) with exactly `rules` enforced; core is a subset of rules when infeasible;
        None when undecided within the question's work."""
        asked = frozenset(rules)
        for known, ok, core in self.known:
            if ok and asked <= known:
                return True, []
            if not ok and known <= asked:
                return False, [r for r in rules if r in set(core)]
        unit_free = [r for r in rules if r not in self.by_unit]
        ok, core = self._probe(self.small, unit_free)
        if ok is False or (ok is True and len(unit_free) == len(rules)):
            self.known.append((frozenset(unit_free), ok, core))
            return ok, core
        if self.full is None:
            reps, sizes, elig = class_pool(self.ruleset, self.pool, self.eligible, self.ask.fixed)
            self.full = _literal_model(self.ruleset, reps, self.quotas, elig, self.ask.fixed, sizes)
        ok, core = self._probe(self.full, rules)
        if ok is not None:
            self.known.append((asked, ok, core))
        return ok, core

    def _probe(self, sm: SelectionModel, rules: list[str]) -> tuple[bool | None, list[str]]:
        m = sm.model
        m.clear_assumptions()
        m.add_assumptions([sm.literals[r] for r in rules])
        if sm is self.full and self._witness(sm):
            self.solves += 1
            return True, []
        got = self.ask.solve(m, shown=True, presolve=False)  # a core: one worker; presolve was most of a probe
        self.solves += 1
        if got.found:
            return True, []
        if got.status == "infeasible":
            by_index = {sm.literals[r].index: r for r in rules}
            core = {by_index[i] for i in got.solver.sufficient_assumptions_for_infeasibility() if i in by_index}
            return False, [r for r in rules if r in core]
        self.undecided += 1
        return None, []

    def _witness(self, sm: SelectionModel) -> bool:
        """Whether a slate was found by a search that has a direction: the best merit, every LP row, stopped at
        the first slate within WITNESS_WORK. On the model of every unit's classes a probe without an objective
        wandered: small-units national (750 units), two feasible probes of 3-8 units of work each (7 s CPU),
        0.25 units with a merit to aim at. An objective hides the core of an infeasible set (CP-SAT's is then
        every assumption), so a set not shown feasible here is probed as before."""
        maximize(sm.model, sm.merit[sm.top.id])
        try:
            got = self.ask.solve(sm.model, WITNESS_WORK, shown=True, presolve=False, first=True)
        finally:
            sm.model.clear_objective()
        return got.found

    def minimal_conflict(self, rules: list[str]) -> tuple[list[str] | None, bool]:
        """(a minimal infeasible subset of `rules`, proven minimal?), or (None, True) if a slate exists. Raises
        Undecided when whether `rules` can hold together is not decided. A rule whose removal stays undecided
        is kept: the conflict is still infeasible, but not proven minimal."""
        ok, core = self.check(rules)
        if ok is None:
            raise Undecided(rules)
        if ok:
            return None, True
        confirmed, _ = self.check(core) if core else (True, [])
        if confirmed is not False:  # a presolved core can be wrong (or undecided): fall back to the whole set
            core = list(rules)
        minimal = True
        i = 0
        while i < len(core):  # deletion: drop each rule in turn, keep it out if still infeasible
            trial = core[:i] + core[i + 1:]
            ok, sub = self.check(trial)
            if ok is False:
                shrunk, _ = self.check(sub) if sub and len(sub) < len(trial) else (None, [])
                core = sub if shrunk is False else trial
            else:
                minimal = minimal and ok is True
                i += 1
        return core, minimal


class Undecided(Exception):
    """Whether these rules can hold together was not decided within the question's work."""


@dataclass
class Conflicts:
    """What the search for minimal conflicts found, honestly: `undecided` when it could not even decide
    whether a slate exists (then no conflict is named and nothing is called feasible); `unproven`: indices
    of conflicts shown infeasible whose minimality a probe left undecided; `skipped`: alternative searches
    left undecided (other conflicts may exist)."""

    found: list[list[str]]
    undecided: bool = False
    unproven: list[int] = field(default_factory=list)
    skipped: int = 0


def search_conflicts(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                     limit: int = MAX_CONFLICTS, ask: Asking = ASK) -> Conflicts:
    """Up to `limit` different minimal conflicts: the first, then one avoiding each rule of those found.
    With forced candidates (`ask.fixed`, a what-if's), a conflict may name `fixed:<id>`."""
    probe = _Feasibility(ruleset, pool, quotas, eligible, ask)
    try:
        first, minimal = probe.minimal_conflict(probe.ids)
    except Undecided:
        return Conflicts([], undecided=True)
    if first is None:
        return Conflicts([])
    out = Conflicts([first], unproven=[] if minimal else [0])
    queue = [[r] for r in first]
    while queue and len(out.found) < limit:
        dropped = queue.pop(0)
        rest = [r for r in probe.ids if r not in dropped]
        try:
            conflict, minimal = probe.minimal_conflict(rest)
        except Undecided:
            out.skipped += 1
            continue
        if conflict is not None and set(conflict) not in [set(c) for c in out.found]:
            if not minimal:
                out.unproven.append(len(out.found))
            out.found.append(conflict)
            queue += [dropped + [r] for r in conflict]
    return out


def find_conflicts(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                   limit: int = MAX_CONFLICTS, ask: Asking = ASK) -> list[list[str]]:
    """The conflicts of search_conflicts, for a caller that already knows no slate exists (a what-if, a
    sweep step, adjust): an empty list there means none could be named, never that a slate exists."""
    return search_conflicts(ruleset, pool, quotas, eligible, limit, ask).found


def eligible_mask(pool: Pool, eligible) -> list[bool]:
    return [True] * len(pool) if eligible is None else list(eligible)


def clash_in_words(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, conflict: list[str]) -> list[str]:
    """A plain reading of one conflict, in the notice's words: a unit short of its quota first (named),
    each rule's demand beside the eligible supply it draws on, the quotas in it as one line, then why."""
    ok = eligible_mask(pool, eligible)
    texts = rule_texts(ruleset, pool, quotas)
    rules = {r.id: r for r in ruleset.rules_of_pool(pool.kind)}
    quota_ids = [r for r in conflict if r.startswith("quota:")]
    seats = [r for r in conflict if r.startswith("seats:")]
    lines = []
    for rid in conflict:
        if rid in quota_ids:
            continue
        t = texts.get(rid)
        line = (_("{rule}: {reading}", rule=kinds.rule_name(ruleset, rid), reading=t.reading) if t is not None
                else kinds.rule_name(ruleset, rid))
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
        have = Counter(u for u, e in zip(units, ok) if e)
        supply = {u: have[u] for u in quotas.units}
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
