"""Sweeps: the best merit as one rule's value, or one unit's quota, moves step by step, and the first
point where no slate exists.

    sweep_rule(inputs, "R8", parse_steps("10%", "25%", "1%"))        # a share rule (or a target: R10-...)
    sweep_rule(inputs, "X", parse_steps("3", "9", "1"))               # a count rule's minimum (or maximum)
    sweep_quota(inputs, "彰武县", range(14, 25), balance="市直单位")   # move seats between two units

Each step maximises the merit of the pool's top award (less soft-rule penalties), among eligible
candidates (screened as `selector select` does). One CP-SAT model serves every step (strategy "reuse"):
  - a hard rule is posted once per step value by model.build_model, each copy behind its own enforcement
    literal (`with_literals`); a step fixes its literal to 1 and the others to 0, so presolve drops them;
  - a cap quota is built at the sweep's smallest value with a slack (`build_model(relax=...)`), and a step
    bounds the slack;
  - a step is hinted with the previous step's slate when that slate meets the step's bound (then, on a
    tightening sweep, it is already optimal); a slate that breaks the new bound is not offered, because
    CP-SAT spends longer repairing it than searching afresh (measured: 15-35% slower).
Soft rules and exact quotas are rebuilt for each step (strategy "rebuild", hinted the same way).
Measured on the Fuxin sample, one worker (benchmarks/sweep_strategies.py, medians of 3, seconds):
R8 10%..25% (16 steps) reuse 0.6-0.7, rebuild 1.0-1.4; R8 10%..40% (31 steps, 8 without a slate) reuse
0.9-1.1, rebuild 1.7-1.9; 彰武县 10..34 seats balanced by 市直单位 (25 steps) reuse 1.2-1.3, rebuild 1.7-3.0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ortools.sat.python import cp_model

from selector.analysis.explain import Asking, clash_in_words, find_conflicts
from selector.domain import Status, has_slate
from selector.engine.model import SelectionModel, build_model, members, quota_rule_id, tied_pools
from selector.engine.session import Session, SolverSettings
from selector.errors import InputErrors, InputProblem
from selector.i18n import _
from selector.outputs.masked import mask_data, mask_text
from selector.outputs.terminal import status_word, text_table
from selector.pipeline import screen_inputs
from selector.reading import kinds
from selector.reading.inputs import Inputs
from selector.reading.quotas import Quotas
from selector.reading.rules import Rule, parse_fraction

MAX_STEPS = 1000


@dataclass
class SweepPoint:
    """One step of a sweep."""

    value: str  # as a rule file writes it: '18%', '1/3', '20'
    x: float  # for plotting: percent for shares, the number otherwise
    status: Status
    merit: str | None  # merit of the pool's top award, exact
    objective: str | None  # merit less soft-rule penalties (what is maximised)
    achieved: int | None  # the rule's group count in the slate, or the unit's filled seats
    whole: int | None  # the count the share is of (share rules)
    bound: str  # the bound in people: '>= 33 of 180', '<= 20 seats'
    wall_time: float
    selected: list[str] = field(default_factory=list, repr=False)  # the top award's slate
    changes: int | None = None  # --stable: candidates leaving or entering against the scenario's own slate

    @property
    def has_slate(self) -> bool:
        return has_slate(self.status)


@dataclass
class Sweep:
    kind: str  # rule | quota
    target: str  # rule id or unit
    award: str
    pool: str
    label: str  # 'R8 农业人选不低于总数的15%' or 'quota 彰武县 labour_model (balanced by 市直单位)'
    x_label: str
    base_value: str | None  # the scenario's own value
    base_x: float | None
    step_x: float
    points: list[SweepPoint]
    strategy: str  # reuse | rebuild
    wall_time: float = 0.0
    balance: str | None = None
    conflict: list[str] = field(default_factory=list)  # at the first point with no slate: a minimal conflict
    clash: list[str] = field(default_factory=list)  # that conflict in the notice's words

    @property
    def first_infeasible(self) -> SweepPoint | None:
        return next((p for p in self.points if p.status == "infeasible"), None)

    @property
    def monotone(self) -> bool:
        """Tightening one bound only removes slates: once none exists, none exists further on."""
        return self.balance is None


def parse_steps(start: str | int, stop: str | int, step: str | int) -> list[Fraction]:
    """Exact values from `start` to `stop` (inclusive when reached) by `step`: '10%','25%','1%' or 14, 24, 1."""
    try:
        a, b, s = (parse_fraction(str(v)) for v in (start, stop, step))
    except (ValueError, ZeroDivisionError):
        raise InputErrors([InputProblem("--from/--to/--step", f"'{start}', '{stop}', '{step}' are not numbers "
                                        "or shares like 15%")]) from None
    if s == 0 or (b - a) * s < 0:
        raise InputErrors([InputProblem("--step", f"a step of {step} never goes from {start} to {stop}")])
    n = int((b - a) / s) + 1
    if n > MAX_STEPS:
        raise InputErrors([InputProblem("--step", f"{n} steps: at most {MAX_STEPS}")])
    return [a + k * s for k in range(n)]


def _fix(sm: SelectionModel, var: cp_model.IntVar, lo: int, hi: int) -> None:
    """Set a variable's domain in the model (how one model serves every step)."""
    domain = sm.model.proto.variables[var.index].domain
    domain.clear()
    domain.extend([lo, hi])


def _hint(sm: SelectionModel, previous: list[int] | None) -> None:
    sm.model.clear_hints()
    if previous is not None:
        for v, b in zip(sm.x[sm.top.id], previous):
            sm.model.add_hint(v, b)


@dataclass
class _Solved:
    status: Status
    values: list[int] | None
    merit: str | None
    objective: str | None
    wall_time: float
    changes: int | None = None  # --stable: candidates leaving or entering against the base slate


def _solve(sm: SelectionModel, settings: SolverSettings, previous: list[int] | None,
           base: set[str] | None = None) -> _Solved:
    """The step's best merit; with `base` (--stable, issue 15) first the fewest changes against the base
    slate (model.changes_from), held while the merit is maximised, then released for the next step."""
    if base is not None:
        return _solve_stable(sm, settings, previous, base)
    _hint(sm, previous)
    t = time.perf_counter()
    got = Session(settings).solve(sm.model)  # each step its own time limit
    elapsed = time.perf_counter() - t
    if not got.found:
        return _Solved(got.status, None, None, None, elapsed)
    values = got.decisions(sm)[sm.top.id]
    merit = Decimal(sum(s for s, b in zip(sm.scaled_scores, values) if b)) / sm.scale
    objective = Decimal(round(got.solver.objective_value)) / sm.scale
    return _Solved(got.status, values, str(merit), str(objective), elapsed)


def _solve_stable(sm: SelectionModel, settings: SolverSettings, previous: list[int] | None,
                  base: set[str]) -> _Solved:
    from selector.engine.model import changes_from

    n = len(sm.pool)
    held = getattr(sm, "_stable_changes", None)  # one count variable per model: a reused model keeps it
    if held is None or held[0] != base:
        var = sm.model.new_int_var(0, 2 * n, "changes")
        sm.model.add(var == changes_from(sm, {sm.top.id: base})[sm.top.id])
        held = (set(base), var)
        sm._stable_changes = held  # type: ignore[attr-defined]
    changes = held[1]
    ids = [str(i) for i in sm.pool.table["id"]]
    _hint(sm, [int(c in base) for c in ids])
    sm.model.minimize(changes)
    t = time.perf_counter()
    got = Session(settings).solve(sm.model)
    first = time.perf_counter() - t
    sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
    if not got.found:
        return _Solved(got.status, None, None, None, first)
    least = got.value(changes)
    hint = got.decisions(sm)[sm.top.id]
    _fix(sm, changes, least, least)
    try:
        solved = _solve(sm, settings, hint)
    finally:
        _fix(sm, changes, 0, 2 * n)  # the next step starts from the rules alone
    solved.changes = least
    solved.wall_time += first
    if not got.optimal:  # the fewest changes not proven: the slate is only feasible
        solved.status = "feasible"
    return solved


def _stable_base(inputs: Inputs, kind: str, masks: dict[str, list[bool]], settings: SolverSettings) -> set[str]:
    """The base slate of a stable sweep: the top award of the scenario's own slate, as `select` gives it."""
    from selector.pipeline import select

    result = select(inputs, settings, eligible=masks)
    award = inputs.ruleset.top_award(kind).id
    if not has_slate(result.pools[kind].status):
        raise InputErrors([InputProblem("--stable", f"the scenario itself has no {award} slate to stay close to")])
    return set(result.awards[award].selected)


def _refuse_tied(inputs: Inputs, kind: str, option: str) -> None:
    """A sweep solves one pool's model per step: a pool a rule across awards ties to others (issue 14, 5) is
    refused rather than swept without that rule."""
    rs = inputs.ruleset
    group = next((g for g in tied_pools(rs, list(inputs.pools)) if kind in g), None)
    if group is not None:
        ids = [c.id for c in rs.cross_rules if kind in {rs.award(x).pool for x in c.awards}]
        raise InputErrors([InputProblem(option, _(
            "pool '{pool}' is tied to other pools by rules across awards ({rules}); sweeps solve one pool at a "
            "time and cannot hold them yet", pool=kind, rules=", ".join(ids)))])


def _show(rule: Rule, v: Fraction) -> str:
    return kinds.kind_of(rule).show(v)


def _rule_variant(rule: Rule, v: Fraction, rule_id: str | None = None) -> Rule:
    try:
        return kinds.with_value(rule, v, rule_id)
    except ValueError as e:
        raise InputErrors([InputProblem("--from/--to/--step", str(e))]) from None


def sweep_rule(inputs: Inputs, rule_id: str, values: Iterable[Fraction | int | str],
               eligible: dict[str, list[bool]] | None = None, settings: SolverSettings = SolverSettings(),
               strategy: str = "auto", progress: Callable[[int, int, SweepPoint], None] | None = None,
               hint: bool = True, stable: bool = False) -> Sweep:
    """The best merit at each value of one rule (a share, or a count rule's minimum, else its maximum).
    `strategy`: 'reuse' (one model), 'rebuild' (a model per step) or 'auto'; `hint`: start each step
    from the previous step's slate."""
    rs = inputs.ruleset
    rule = next((r for r in rs.rules if r.id == rule_id), None)
    if rule is None:
        raise InputErrors([InputProblem("--rule", f"no rule '{rule_id}' (rules: {', '.join(rs.rule_ids())})")])
    vals = [parse_fraction(str(v)) if not isinstance(v, Fraction) else v for v in values]
    for v in vals:
        _rule_variant(rule, v)  # a share outside 0..100%, a count not a whole number: an error before any solving
    award = rs.award(rule.award)
    kind = award.pool
    _refuse_tied(inputs, kind, "--rule")
    pool = inputs.pools[kind]
    masks = eligible if eligible is not None else screen_inputs(inputs).masks
    mask = masks.get(kind)
    base = _stable_base(inputs, kind, masks, settings) if stable else None
    fixed = inputs.fixed or None
    if strategy == "auto":
        strategy = "reuse" if rule.hard else "rebuild"
    if strategy == "reuse" and not rule.hard:
        raise ValueError("a soft rule is swept by rebuilding the model (strategy 'rebuild')")
    start = time.perf_counter()
    points: list[SweepPoint] = []
    previous: list[int] | None = None

    in_group, in_whole = members(rs, pool, rule.group), members(rs, pool, kinds.whole_group(rule))

    def meets(values: list[int] | None, v: Fraction) -> list[int] | None:
        """The previous slate as this step's hint, if it meets the step's bound (every other rule is the same)."""
        if values is None or not hint:
            return None
        part = sum(b for b, m in zip(values, in_group) if m)
        whole = sum(b for b, m in zip(values, in_whole) if m)
        return values if kinds.bound(_rule_variant(rule, v), whole).holds(part) else None

    def point(v: Fraction, solved: _Solved, sm: SelectionModel) -> SweepPoint:
        achieved = whole = None
        if solved.values is not None:
            achieved = _count(rs, sm, rule.group, solved.values)
            whole = _count(rs, sm, rule.of, solved.values) if kinds.kind_of(rule).reports_whole else None
        return SweepPoint(_show(rule, v), kinds.kind_of(rule).axis(v), solved.status,
                          solved.merit, solved.objective, achieved, whole, _bound_text(rule, v, award.seats),
                          round(solved.wall_time, 4), _ids(pool, solved.values), solved.changes)

    if strategy == "reuse":
        variants = [_rule_variant(rule, v, f"{rule.id}@{k}") for k, v in enumerate(vals)]
        swept = rs.model_copy(update={"rules": [r for r in rs.rules if r.id != rule.id] + variants})
        sm = build_model(swept, pool, inputs.quotas, mask, with_literals=True, fixed=fixed)
        steps = [sm.literals[v.id] for v in variants]
        for rid, lit in sm.literals.items():
            if rid not in {v.id for v in variants}:
                _fix(sm, lit, 1, 1)
        sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
        for k, v in enumerate(vals):
            for j, lit in enumerate(steps):
                _fix(sm, lit, int(j == k), int(j == k))
            solved = _solve(sm, settings, meets(previous, v), base)
            previous = solved.values or previous
            points.append(point(v, solved, sm))
            if progress is not None:
                progress(k + 1, len(vals), points[-1])
    elif strategy == "rebuild":
        for k, v in enumerate(vals):
            changed = rs.model_copy(update={"rules": [_rule_variant(r, v) if r.id == rule.id else r
                                                      for r in rs.rules]})
            sm = build_model(changed, pool, inputs.quotas, mask, fixed=fixed)
            sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
            solved = _solve(sm, settings, meets(previous, v), base)
            previous = solved.values or previous
            points.append(point(v, solved, sm))
            if progress is not None:
                progress(k + 1, len(vals), points[-1])
    else:
        raise ValueError(f"unknown strategy '{strategy}' (reuse, rebuild, auto)")
    rule_kind = kinds.kind_of(rule)
    base_x = rule_kind.axis(rule_kind.value(rule))
    sweep = Sweep("rule", rule.id, award.id, kind, f"{rule.id} {rule.text}", rule_kind.axis_label(rs, rule),
                  _show(rule, rule_kind.value(rule)), base_x,
                  abs(points[1].x - points[0].x) if len(points) > 1 else 1.0, points, strategy,
                  round(time.perf_counter() - start, 4))
    first = sweep.first_infeasible
    if first is not None:
        v = vals[points.index(first)]
        changed = rs.model_copy(update={"rules": [_rule_variant(r, v) if r.id == rule.id else r for r in rs.rules]})
        _explain(sweep, changed, inputs, pool, inputs.quotas, mask, Asking(settings, fixed), masks)
    return sweep


def sweep_quota(inputs: Inputs, unit: str, values: Iterable[int | Fraction | str], award: str | None = None,
                balance: str | None = None, eligible: dict[str, list[bool]] | None = None,
                settings: SolverSettings = SolverSettings(), strategy: str = "auto",
                progress: Callable[[int, int, SweepPoint], None] | None = None, hint: bool = True,
                stable: bool = False) -> Sweep:
    """The best merit at each quota of one unit; with `balance`, that unit gives (or takes) the difference,
    so the table's total stays the same (moving seats between two units)."""
    rs = inputs.ruleset
    quotas = inputs.quotas
    problems = []
    tops = [a for a in rs.awards if a.parent is None and a.quota != "none" and quotas.of(a.id) is not None]
    a = next((x for x in tops if x.id == (award or (tops[0].id if tops else ""))), None)
    if a is None:
        problems.append(InputProblem("--award", f"no award with a quota column named '{award}' "
                                     f"(awards: {', '.join(x.id for x in tops)})"))
    for u, opt in ((unit, "--quota"), (balance, "--balance")):
        if u is not None and u not in quotas.units:
            problems.append(InputProblem(opt, f"unit '{u}' is not in the quota table (units: "
                                         f"{', '.join(quotas.units)})"))
    if balance is not None and balance == unit:
        problems.append(InputProblem("--balance", "must be another unit than --quota"))
    if problems:
        raise InputErrors(problems)
    assert a is not None
    _refuse_tied(inputs, a.pool, "--quota")
    by_unit = quotas.of(a.id) or {}
    vals = [parse_fraction(str(v)) if not isinstance(v, Fraction) else v for v in values]
    q_u, q_b = by_unit.get(unit, 0), (by_unit.get(balance, 0) if balance else 0)
    for v in vals:
        if v.denominator != 1 or v < 0:
            raise InputErrors([InputProblem("--from/--to/--step", f"{v} is not a whole number of seats >= 0")])
        if balance and q_u + q_b - v < 0:
            raise InputErrors([InputProblem("--to", f"{unit} {v}: {balance} would have {q_u + q_b - v} seats")])
    ints = [int(v) for v in vals]
    pool = inputs.pools[a.pool]
    masks = eligible if eligible is not None else screen_inputs(inputs).masks
    mask = masks.get(a.pool)
    base = _stable_base(inputs, a.pool, masks, settings) if stable else None
    fixed = inputs.fixed or None

    def table(v: int, v_balance: int | None = None) -> Quotas:
        seats = {k: dict(t) for k, t in quotas.seats.items()}
        seats[a.id][unit] = v
        if balance:
            seats[a.id][balance] = q_u + q_b - v if v_balance is None else v_balance
        return Quotas(quotas.source, list(quotas.units), seats)

    if strategy == "auto":
        strategy = "reuse" if a.quota == "cap" else "rebuild"
    units_of = list(pool.table["unit"])
    start = time.perf_counter()
    points: list[SweepPoint] = []
    previous: list[int] | None = None

    def meets(values: list[int] | None, v: int) -> list[int] | None:
        """The previous slate as this step's hint, if it fits the step's quotas."""
        if values is None or not hint:
            return None
        filled = {u: sum(b for b, x in zip(values, units_of) if x == u) for u in (unit, balance) if u}
        caps = {unit: v} | ({balance: q_u + q_b - v} if balance else {})
        ok = all(filled[u] <= caps[u] if a.quota == "cap" else filled[u] == caps[u] for u in caps)
        return values if ok else None

    def point(v: int, solved: _Solved) -> SweepPoint:
        filled = None if solved.values is None else sum(b for b, u in zip(solved.values, units_of) if u == unit)
        bound = f"{'<=' if a.quota == 'cap' else '='} {v} seats" + (
            f" ({balance} {q_u + q_b - v})" if balance else "")
        return SweepPoint(str(v), float(v), solved.status, solved.merit, solved.objective, filled, None, bound,
                          round(solved.wall_time, 4), _ids(pool, solved.values), solved.changes)

    if strategy == "reuse":
        lo = min(ints)
        lo_b = min(q_u + q_b - v for v in ints) if balance else None
        rid_u = quota_rule_id(rs, a, unit)
        rid_b = quota_rule_id(rs, a, balance) if balance else None
        sm = build_model(rs, pool, table(lo, lo_b), mask, relax={r for r in (rid_u, rid_b) if r}, fixed=fixed)
        sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
        for k, v in enumerate(ints):
            _fix(sm, sm.relaxed[rid_u], 0, v - lo)
            if rid_b is not None and lo_b is not None:
                _fix(sm, sm.relaxed[rid_b], 0, q_u + q_b - v - lo_b)
            solved = _solve(sm, settings, meets(previous, v), base)
            previous = solved.values or previous
            points.append(point(v, solved))
            if progress is not None:
                progress(k + 1, len(ints), points[-1])
    elif strategy == "rebuild":
        for k, v in enumerate(ints):
            sm = build_model(rs, pool, table(v), mask, fixed=fixed)
            sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
            solved = _solve(sm, settings, meets(previous, v), base)
            previous = solved.values or previous
            points.append(point(v, solved))
            if progress is not None:
                progress(k + 1, len(ints), points[-1])
    else:
        raise ValueError(f"unknown strategy '{strategy}' (reuse, rebuild, auto)")
    label = f"{unit} 名额 quota of {a.id}" + (f" (与{balance}互调 balanced by {balance})" if balance else "")
    sweep = Sweep("quota", unit, a.id, a.pool, label, f"{unit} 名额 seats", str(q_u), float(q_u),
                  1.0, points, strategy, round(time.perf_counter() - start, 4), balance)
    first = sweep.first_infeasible
    if first is not None:
        _explain(sweep, rs, inputs, pool, table(int(first.value)), mask, Asking(settings, fixed), masks)
    return sweep


def _explain(sweep: Sweep, ruleset, inputs: Inputs, pool, quotas: Quotas, mask, ask: Asking, masks) -> None:
    """A minimal conflict at the first point with no slate, in the notice's words."""
    found = find_conflicts(ruleset, pool, quotas, mask, limit=1, ask=ask)
    if found:
        sweep.conflict = found[0]
        rules = [r for r in found[0] if not r.startswith("fixed:")]
        sweep.clash = clash_in_words(ruleset, pool, quotas, mask, rules) + [
            f"{r}: forced {'in' if inputs.fixed[r[6:]] else 'out'} by the scenario"
            for r in found[0] if r.startswith("fixed:")]


def _count(rs, sm: SelectionModel, group: str, values: list[int]) -> int:
    return sum(b for b, m in zip(values, members(rs, sm.pool, group)) if m)


def _ids(pool, values: list[int] | None) -> list[str]:
    return [] if values is None else [cid for cid, b in zip(pool.ids, values) if b]


def _bound_text(rule: Rule, v: Fraction, seats: int) -> str:
    return kinds.kind_of(rule).bound_text(rule, v, seats)


def sweep_rows(sweep: Sweep) -> list[dict]:
    """sweep.csv: one row per step, merit change against the first step with a slate."""
    first = next((p for p in sweep.points if p.merit is not None), None)
    rows = []
    for p in sweep.points:
        delta = (str(Decimal(p.merit) - Decimal(first.merit)) if p.merit is not None and first is not None
                 else "")
        rows.append({"target": sweep.target, "award": sweep.award, "value": p.value, "bound": p.bound,
                     "status": p.status, "slate": "yes" if p.has_slate else "no", "merit": p.merit or "",
                     "merit_change": delta, "objective": p.objective or "",
                     "achieved": "" if p.achieved is None else p.achieved,
                     "whole": "" if p.whole is None else p.whole, "seconds": p.wall_time}
                    | ({"changes": "" if p.changes is None else p.changes}
                       if any(q.changes is not None for q in sweep.points) else {}))
    return mask_data(rows)  # type: ignore[return-value]  # ID-card and phone numbers masked


def format_sweep(sweep: Sweep) -> str:
    """The terminal view: one line per step, then the first point with no slate and why."""
    out = [_("Sweep of {what} ({award}, pool {pool}); the scenario's own value: {base}. {n} steps in {seconds} s "
             "(one model: {reuse}).", what=sweep.label, award=sweep.award, pool=sweep.pool, base=sweep.base_value,
             n=len(sweep.points), seconds=f"{sweep.wall_time:.2f}",
             reuse=_("yes") if sweep.strategy == "reuse" else _("no, rebuilt each step"))]
    rows = []
    stable = any(p.changes is not None for p in sweep.points)
    for r in sweep_rows(sweep):
        got = str(r["achieved"]) + (f"/{r['whole']}" if r["whole"] != "" else "")
        rows.append([r["value"], r["bound"], _("slate") if r["slate"] == "yes" else
                     _("NO SLATE ({status})", status=status_word(r["status"])), r["merit"], r["merit_change"], got]
                    + ([str(r["changes"])] if stable else []))
    if stable:
        out.append(_("Stable: each step changes as few seats of the scenario's own slate as it can, then has the "
                     "most merit (changes = candidates leaving plus entering)."))
    out.append(text_table(rows, [_("value"), _("bound"), _("result"), _("merit"), _("change"), _("achieved")]
                      + ([_("changes")] if stable else [])))
    first = sweep.first_infeasible
    if first is None:
        out.append(_("A slate exists at every step."))
    else:
        out.append("\n" + _("First point with no slate: {value} ({bound}).", value=first.value, bound=first.bound))
        if sweep.clash:
            out.append(_("Why: these rules cannot all hold at once there (drop any one and they can):"))
            out += [f"  {line}" for line in sweep.clash]
    return mask_text("\n".join(out))


def sweep_json(sweep: Sweep) -> dict:
    """sweep.json: the steps (without slates), the first point with no slate and why."""
    first = sweep.first_infeasible
    return mask_data({"kind": sweep.kind, "target": sweep.target, "award": sweep.award, "pool": sweep.pool,
            "label": sweep.label, "base_value": sweep.base_value, "balance": sweep.balance,
            "strategy": sweep.strategy, "wall_time": sweep.wall_time, "steps": sweep_rows(sweep),
            "first_infeasible": first.value if first is not None else None,
            "conflict": sweep.conflict, "clash": sweep.clash})  # type: ignore[return-value]
