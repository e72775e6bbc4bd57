"""What-if comparison: solve several scenarios and show side by side what changes.

Each scenario (selector/reading/scenario.py) is screened and solved exactly as `selector select` does it
(pipeline.select_screened); when one has no slate, the explainer (explain.find_conflicts) names a
minimal conflict in the notice's words. `compare` then lines the scenarios up against the first: merit,
each rule's achieved count against its bound, each unit's fill against its quota, and who enters and
who leaves. Library functions return data; the CLI prints `format_comparison` and writes
`folders.write_comparison` (whatif.csv, whatif.xlsx, whatif.json and a merit chart).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

import pandas as pd

from selector.analysis.cross_conflicts import tied_conflict
from selector.analysis.explain import Asking, clash_in_words, find_conflicts
from selector.domain import RuleResult, SelectionResult, has_slate
from selector.engine.model import tied_pools
from selector.engine.session import SolverSettings
from selector.engine.stable import StableSolver
from selector.i18n import _, label, list_words
from selector.outputs.masked import mask_data, mask_table, mask_text
from selector.outputs.terminal import status_word, text_table
from selector.pipeline import select_screened
from selector.reading import kinds
from selector.reading.eligibility import Screening
from selector.reading.pool import Person, people_by_id
from selector.reading.rules import Rule, RuleSet
from selector.reading.scenario import LoadedScenario
from selector.verify import RuleCheck

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class Outcome:
    """One scenario screened and solved, with a minimal conflict per pool that has no slate."""

    scenario: LoadedScenario
    screening: Screening
    result: SelectionResult
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # pool -> rule ids of a minimal conflict
    clash: dict[str, list[str]] = field(default_factory=dict)  # pool -> that conflict in the notice's words

    @property
    def has_slate(self) -> bool:
        return has_slate(self.result.status)

    def solved(self, award_id: str) -> bool:
        """Whether the pool of this award has a slate (the other pool may have none)."""
        pool = next((a.pool for a in self.scenario.inputs.ruleset.awards if a.id == award_id), None)
        p = self.result.pools.get(pool) if pool is not None else None
        return p is not None and has_slate(p.status)


def run_scenario(sc: LoadedScenario, settings: SolverSettings = SolverSettings(), pool_solver=None) -> Outcome:
    """Screen and select (as `selector select` does); for a pool with no slate, find why. `pool_solver`:
    another objective order (engine.stable.StableSolver: fewest changes against a base slate first)."""
    inputs = sc.inputs
    screening, result = select_screened(inputs, settings, pool_solver=pool_solver)
    out = Outcome(sc, screening, result)
    for kind, p in result.pools.items():
        if p.status != "infeasible":
            continue
        pool, mask = inputs.pools[kind], screening.masks.get(kind)
        found = find_conflicts(inputs.ruleset, pool, inputs.quotas, mask, limit=1,
                               ask=Asking(settings, inputs.fixed or None))
        if found:
            out.conflicts[kind] = found[0]
            out.clash[kind] = conflict_in_words(sc, screening, kind, found[0])
    for group in tied_pools(inputs.ruleset, list(inputs.pools)):  # issue 14, 5: slates alone, none together
        if any(k in out.conflicts or result.pools[k].status != "infeasible" for k in group):
            continue
        conflict = tied_conflict(inputs.ruleset, {k: inputs.pools[k] for k in group}, inputs.quotas,
                                 {k: screening.masks.get(k) for k in group}, inputs.fixed or None, settings=settings)
        if conflict:
            name = "+".join(group)
            out.conflicts[name] = conflict
            out.clash[name] = [_("each of these pools has a slate alone, but not together:")] + [
                kinds.rule_name(inputs.ruleset, r) for r in conflict]
    return out


def conflict_in_words(sc: LoadedScenario, screening: Screening, kind: str, conflict: list[str]) -> list[str]:
    """explain.clash_in_words for the rules, plus a line for each candidate the scenario forces in or out."""
    inputs = sc.inputs
    pool = inputs.pools[kind]
    rules = [r for r in conflict if not r.startswith("fixed:")]
    lines = clash_in_words(inputs.ruleset, pool, inputs.quotas, screening.masks.get(kind), rules) if rules else []
    why = {c.id: c for c in screening.of_pool(kind)}
    names = dict(zip(pool.ids, pool.table["name"]))
    for r in conflict:
        if r.startswith("fixed:"):
            cid = r.split(":", 1)[1]
            line = (_("{rule}: the scenario forces {id} {name} in", rule=r, id=cid, name=names.get(cid, ""))
                    if inputs.fixed[cid] else
                    _("{rule}: the scenario forces {id} {name} out", rule=r, id=cid, name=names.get(cid, "")))
            c = why.get(cid)
            if c is not None and not c.eligible:
                line += _("; but screening excludes them: {reasons}", reasons=_("; ").join(str(x) for x in c.reasons))
            lines.insert(0, line)
    return lines


def run_scenarios(scenarios: list[LoadedScenario], settings: SolverSettings = SolverSettings(),
                  progress=None, stable: bool = False) -> list[Outcome]:
    """run_scenario for each, in order; `progress(i, n, outcome)` after each (the CLI's counter). With
    `stable` (issue 15), every scenario after the first changes as few seats of the first one's slate as it
    can (then merit, the special class, the tie-break: the order of `selector adjust`)."""
    out: list[Outcome] = []
    for i, sc in enumerate(scenarios):
        solver = None
        if stable and out and out[0].has_slate:
            solver = StableSolver({a: set(r.selected) for a, r in out[0].result.awards.items()})
        out.append(run_scenario(sc, settings, solver))
        if progress is not None:
            progress(i + 1, len(scenarios), out[-1])
    return out


# ------------------------------------------------------------------------------------------ comparison
@dataclass
class Column:
    """One scenario as the comparison shows it."""

    letter: str
    name: str
    title: str
    file: str
    changes: list[str]
    status: str  # optimal | feasible | infeasible | unknown
    verified: bool
    screened_out: dict[str, int]  # pool -> candidates screened out
    merit: dict[str, str | None]  # award -> exact merit of the selected
    merit_delta: dict[str, str | None]  # award -> merit minus the first scenario's
    conflicts: dict[str, list[str]]
    clash: dict[str, list[str]]
    forced_ok: bool  # every forced-in candidate is in, every forced-out one is out (re-checked here)
    pools: dict[str, str] = field(default_factory=dict)  # pool -> status

    @property
    def has_slate(self) -> bool:
        return has_slate(self.status)


@dataclass
class RuleCell:
    count: int
    whole: int | None
    bound: str  # e.g. '>= 18%' or '>= 3'
    limit: int  # least (>=) or most (<=) members allowed, in people
    op: str  # '>=' | '<=' | 'range'
    ok: bool
    hard: bool
    short: int
    changed: bool  # the rule's bound or hardness differs from the first scenario's

    def text(self) -> str:
        got = f"{self.count}/{self.whole}" if self.whole is not None else str(self.count)
        mark = "" if self.ok else (f" SHORT {self.short}" if not self.hard else " FAIL")
        soft = " soft" if not self.hard else ""
        return f"{got} {self.op if self.op != 'range' else ''}{self.limit}{soft}{mark}{' *' if self.changed else ''}"


@dataclass
class RuleRow:
    id: str
    clause: str
    text: str
    award: str
    reading: str  # the first scenario's bound, as the notice puts it: '>= 15% of 总数'
    cells: list[RuleCell | None]  # per scenario; None: no slate, or the rule is dropped there


@dataclass
class UnitRow:
    award: str
    unit: str
    cells: list[tuple[int, int] | None]  # (filled, quota) per scenario; None: no slate
    quotas: list[int | None]  # the quota per scenario (shown even without a slate)

    def text(self, i: int) -> str:
        q = self.quotas[i]
        star = " *" if q != self.quotas[0] else ""
        cell = self.cells[i]
        return (f"{cell[0]}/{q}" if cell is not None else f"-/{q}") + star


@dataclass
class PeopleChange:
    letter: str
    award: str
    entered: list[Person]
    left: list[Person]


@dataclass
class Comparison:
    columns: list[Column]
    rules: list[RuleRow]
    units: list[UnitRow]
    people: list[PeopleChange]  # against the first scenario, for each later one with a slate
    awards: list[tuple[str, str]]  # (award id, its name in the current language), rule-set order


def _rule_reading(rs: RuleSet, r: Rule) -> str:
    return kinds.kind_of(r).terse(rs, r)


def _cell(r: Rule, c: RuleCheck, first: Rule | None) -> RuleCell:
    op, limit, bound = kinds.kind_of(r).cell(r, c.whole)
    changed = first is None or (first.share, first.op, first.min, first.max, first.hard, first.weight) != (
        r.share, r.op, r.min, r.max, r.hard, r.weight)
    return RuleCell(c.count, c.whole, bound, limit, op, c.ok, r.hard, c.short, changed)


def compare(outcomes: list[Outcome]) -> Comparison:
    """Line the scenarios up against the first; each slate counted as the independent verifier counted it
    (the result carries the counts: SelectionResult.rules, .units)."""
    if not outcomes:
        raise ValueError("nothing to compare")
    base_rs = outcomes[0].scenario.inputs.ruleset
    awards = [(a.id, label(a)) for a in base_rs.awards]  # a person reads the award's name, not its id
    columns: list[Column] = []
    checks: list[dict[str, RuleResult]] = []
    fills: list[dict[str, dict[str, tuple[int, int | None]]]] = []
    for i, o in enumerate(outcomes):
        inputs, res = o.scenario.inputs, o.result
        merit = {a: (res.awards[a].merit if o.solved(a) and a in res.awards else None) for a, _ in awards}
        slate = {a: r.selected for a, r in res.awards.items()}
        checks.append({c.id: c for c in res.rules if o.solved(c.award)})  # as the verifier counted them
        fill: dict[str, dict[str, tuple[int, int | None]]] = {}
        for u in res.units:
            if o.solved(u.award):
                fill.setdefault(u.award, {})[u.unit] = (u.filled, u.quota)
        fills.append(fill)
        tops = [a for a in inputs.ruleset.awards if a.parent is None and o.solved(a.id)]
        chosen = {c for a in tops for c in slate.get(a.id, [])}
        pool_of = {cid: kind for kind, pool in inputs.pools.items() for cid in pool.ids}
        forced_ok = all((cid in chosen) == v for cid, v in inputs.fixed.items()
                        if any(a.pool == pool_of.get(cid) for a in tops))
        columns.append(Column(
            LETTERS[i % 26] + ("" if i < 26 else str(i // 26)), o.scenario.name, o.scenario.title,
            str(o.scenario.path), [c.text for c in o.scenario.changes], res.status, res.verified,
            {k: sum(1 for c in o.screening.of_pool(k) if not c.eligible) for k in inputs.pools},
            merit, {}, o.conflicts, o.clash, forced_ok, {k: p.status for k, p in res.pools.items()}))
    for col in columns:
        col.merit_delta = {a: (str(Decimal(col.merit[a]) - Decimal(columns[0].merit[a]))
                               if col.merit[a] is not None and columns[0].merit[a] is not None else None)
                           for a, _ in awards}
    # rules: every rule id of any scenario, in the first scenario's order then new ones
    order: list[tuple[str, Rule]] = []
    for o in outcomes:
        for r in o.scenario.inputs.ruleset.rules:
            if r.id not in [x for x, _ in order]:
                order.append((r.id, r))
    first_rules = {r.id: r for r in base_rs.rules}
    rule_rows = []
    for rid, r0 in order:
        cells: list[RuleCell | None] = []
        for o, chk in zip(outcomes, checks):
            r = next((x for x in o.scenario.inputs.ruleset.rules if x.id == rid), None)
            cells.append(_cell(r, chk[rid], first_rules.get(rid)) if r is not None and rid in chk else None)
        rule_rows.append(RuleRow(rid, r0.clause, r0.text, r0.award, _rule_reading(base_rs, r0), cells))
    # units: per award with a quota column, every unit of the first scenario's table
    unit_rows = []
    for a, _name in awards:
        if base_rs.award(a).quota == "none" or outcomes[0].scenario.inputs.quotas.of(a) is None:
            continue
        for u in outcomes[0].scenario.inputs.quotas.units:
            cells_u: list[tuple[int, int] | None] = []
            quotas: list[int | None] = []
            for o, fill in zip(outcomes, fills):
                by_unit = o.scenario.inputs.quotas.of(a) or {}
                quotas.append(by_unit.get(u))
                got = fill.get(a, {}).get(u)
                cells_u.append((got[0], got[1] or 0) if got is not None else None)
            unit_rows.append(UnitRow(a, u, cells_u, quotas))
    # people: who enters and who leaves against the first scenario
    people = []
    if any(outcomes[0].solved(a) for a, _ in awards):
        base = outcomes[0].result.awards
        before_who = people_by_id(outcomes[0].scenario.inputs.pools)
        for col, o in zip(columns[1:], outcomes[1:]):
            who = people_by_id(o.scenario.inputs.pools)
            for a, _name in awards:
                if not (outcomes[0].solved(a) and o.solved(a)):
                    continue
                before = set(base[a].selected) if a in base else set()
                after = set(o.result.awards[a].selected) if a in o.result.awards else set()
                people.append(PeopleChange(col.letter, a, [who[c] for c in sorted(after - before)],
                                           [before_who[c] for c in sorted(before - after)]))
    return Comparison(columns, rule_rows, unit_rows, people, awards)


# ------------------------------------------------------------------------------------------ views
def _result_line(col: Column) -> str:
    if col.has_slate:
        checked = _("verified by the independent checker") if col.verified else _("FAILED independent verification")
        forced = "" if col.forced_ok else _("; a forced candidate is not where the scenario put them")
        return _("a slate exists ({status}, {checked}){forced}", status=status_word(col.status), checked=checked,
                 forced=forced)
    if col.status == "unknown":
        return _("no slate found within the time limit")
    worked = [k for k, s in col.pools.items() if has_slate(s)]
    failed = [k for k, s in col.pools.items() if not has_slate(s)]
    return _("NO SLATE: no slate can meet every rule") + (
        _(" ({failed}; {worked} alone would have one)", failed=", ".join(failed), worked=", ".join(worked))
        if worked else "")


def format_comparison(cmp: Comparison) -> str:
    """The terminal view: who each scenario is, whether it has a slate (and why not), merit, rules, units,
    and who enters and leaves against the first scenario (A)."""
    cols = cmp.columns
    letters = [c.letter for c in cols]
    out = [_("What-if comparison of {n} scenarios; A is the reference the others are compared with.", n=len(cols)),
           ""]
    for c in cols:
        out.append(f"{c.letter}  {c.name}: {c.title}")
        out.append("   " + _("file: {file}", file=c.file))
        out.append("   " + _("changes: {changes}", changes="; ".join(c.changes) if c.changes
                                else _("none (as submitted)")))
        out.append("   " + _("result: {result}", result=_result_line(c)))
        for kind, lines in c.clash.items():
            out.append("   " + _("why ({pool}): these rules cannot all hold at once (drop any one and they can):",
                                 pool=kind))
            out += [f"     {line}" for line in lines]
    out += ["", _("Merit: the sum of the selected candidates' scores (change against A below each)")]
    rows = []
    for a, name in cmp.awards:
        rows.append([a, name, *[c.merit[a] or _("no slate") for c in cols]])
        rows.append(["", "  " + _("vs A"), "", *[_signed(c.merit_delta[a]) for c in cols[1:]]])
    out.append(text_table(rows, [_("award"), _("award name"), *letters]))
    out += ["", _("Rules: selected / the whole it is a share of, then the least (>=) or most (<=) allowed, in "
                  "people."),
            "  " + _("* = the scenario changed this rule; SHORT n = a soft target missed by n people; - = no slate "
                     "or no rule")]
    rows = [[r.id, r.clause, r.reading, *[c.text() if c else "-" for c in r.cells]] for r in cmp.rules]
    out.append(text_table(rows, [_("rule"), _("clause"), _("the rule in A"), *letters]))
    for a, name in cmp.awards:
        urows = [u for u in cmp.units if u.award == a]
        if not urows:
            continue
        same = all(u.text(i) == u.text(0) for u in urows for i in range(len(cols)))
        out.append("")
        if same:
            out.append(_("Units, {award}: the same fill in every scenario: {fill}", award=name,
                         fill=", ".join(f"{u.unit} {u.text(0)}" for u in urows)))
            continue
        out.append(_("Units, {award}: filled/quota (* = the scenario changed the quota)", award=name))
        out.append(text_table([[u.unit, *[u.text(i) for i in range(len(cols))]] for u in urows], [_("unit"), *letters]))
    if cmp.people:
        out += ["", _("Who enters and who leaves, against A (id name (unit, score))")]
        names = dict(cmp.awards)
        for c in cols[1:]:
            changes = [p for p in cmp.people if p.letter == c.letter]
            moved = [p for p in changes if p.entered or p.left]
            same = [names[p.award] for p in changes if not (p.entered or p.left)]
            unsolved = [name for a, name in cmp.awards if a not in {p.award for p in changes}]
            if not changes and not unsolved:
                continue
            whole = not moved and not unsolved
            out.append(f"  {c.letter} {c.name}:" + (_(" the same people as A") if whole else ""))
            if unsolved:
                out.append("    " + _("no slate to compare for {awards}", awards=list_words(unsolved)))
            if same and not whole:
                out.append("    " + _("the same people as A for {awards}", awards=list_words(same)))
            for p in moved:
                out.append("    " + _("{award}: {enter} enter, {leave} leave", award=names[p.award],
                                      enter=len(p.entered), leave=len(p.left)))
                if p.entered:
                    out.append("      " + _("enter: {who}", who="; ".join(str(x) for x in p.entered)))
                if p.left:
                    out.append("      " + _("leave: {who}", who="; ".join(str(x) for x in p.left)))
    return mask_text("\n".join(out))  # an id or name holding an ID-card or phone number


def _signed(d: str | None) -> str:
    if d is None:
        return "-"
    v = Decimal(d)
    return "0" if v == 0 else (f"+{d}" if v > 0 else d)


def comparison_frame(cmp: Comparison) -> pd.DataFrame:
    """whatif.csv: one row per thing compared, one column per scenario (headed by its name)."""
    cols = cmp.columns
    heads = [f"{c.letter} {c.name}" for c in cols]
    rows: list[list[str]] = []

    def row(section: str, key: str, text: str, cells: list[str]) -> None:
        rows.append([section, key, text, *cells])

    row("scenario", "title", "", [c.title for c in cols])
    row("scenario", "file", "", [c.file for c in cols])
    row("scenario", "changes", "", ["; ".join(c.changes) or "none" for c in cols])
    row("scenario", "result", "", [_result_line(c) for c in cols])
    row("scenario", "conflict", "", [" | ".join(line for lines in c.clash.values() for line in lines) for c in cols])
    for a, name in cmp.awards:
        row("merit", a, name, [c.merit[a] or "" for c in cols])
        row("merit vs A", a, name, [_signed(c.merit_delta[a]) if i else "" for i, c in enumerate(cols)])
    for r in cmp.rules:
        row("rule", r.id, f"{r.clause} {r.text}", [c.text() if c else "" for c in r.cells])
    for u in cmp.units:
        row(f"unit {u.award}", u.unit, "filled/quota", [u.text(i) for i in range(len(cols))])
    for a, _name in cmp.awards:
        ent = {p.letter: p for p in cmp.people if p.award == a}
        row("enter vs A", a, "", [" ".join(x.id for x in ent[c.letter].entered) if c.letter in ent else ""
                                  for c in cols])
        row("leave vs A", a, "", [" ".join(x.id for x in ent[c.letter].left) if c.letter in ent else ""
                                  for c in cols])
    return mask_table(pd.DataFrame(rows, columns=["section", "key", "text", *heads]))  # ID/phone numbers


def comparison_json(cmp: Comparison) -> dict:
    """whatif.json: everything the comparison shows, structured (ID-card and phone numbers masked)."""
    return mask_data({
        "reference": cmp.columns[0].letter,
        "scenarios": [asdict(c) | {"has_slate": c.has_slate} for c in cmp.columns],
        "rules": [asdict(r) for r in cmp.rules],
        "units": [asdict(u) for u in cmp.units],
        "people": [asdict(p) for p in cmp.people],
    })


def long_frames(cmp: Comparison) -> dict[str, pd.DataFrame]:
    """The XLSX sheets beside the comparison: rules, units, people and changes in long form."""
    letters = {c.letter: c.name for c in cmp.columns}
    rules = [{"scenario": c.letter, "name": c.name, "rule": r.id, "clause": r.clause, "notice": r.text,
              "count": cell.count, "whole": cell.whole, "bound": cell.bound, "limit_people": cell.limit,
              "ok": cell.ok, "hard": cell.hard, "short": cell.short, "changed": cell.changed}
             for r in cmp.rules for c, cell in zip(cmp.columns, r.cells) if cell is not None]
    units = [{"scenario": c.letter, "name": c.name, "award": u.award, "unit": u.unit, "quota": u.quotas[i],
              "filled": u.cells[i][0] if u.cells[i] else None}
             for u in cmp.units for i, c in enumerate(cmp.columns)]
    people = [{"scenario": p.letter, "name": letters[p.letter], "award": p.award, "change": change,
               "id": x.id, "candidate": x.name, "unit": x.unit, "score": x.score}
              for p in cmp.people for change, xs in (("enter", p.entered), ("leave", p.left)) for x in xs]
    changes = [{"scenario": c.letter, "name": c.name, "change": t} for c in cmp.columns for t in c.changes]
    frames = {"rules": pd.DataFrame(rules), "units": pd.DataFrame(units),
              "people": pd.DataFrame(people, columns=["scenario", "name", "award", "change", "id", "candidate",
                                                      "unit", "score"]),
              "changes": pd.DataFrame(changes, columns=["scenario", "name", "change"])}
    return {k: mask_table(f) for k, f in frames.items()}  # ID-card and phone numbers masked
