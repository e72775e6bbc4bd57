"""The flow, as functions a notebook can call: read -> validate -> build -> solve -> verify -> result.

Library functions return results; only the CLI prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from selector.analysis.supply import SupplyCheck, submission_findings, supply_findings
from selector.domain import AwardResult, PoolResult, RuleResult, SelectionResult, UnitResult
from selector.engine.prune import solve_pool
from selector.engine.solve import PoolSolution, SolverSettings
from selector.errors import InputErrors, InputProblem
from selector.i18n import _
from selector.reading.eligibility import Screening, screen
from selector.reading.pool import Pool, Quotas, default_quota_path, read_pool, read_quotas
from selector.reading.rule_checks import load_ruleset
from selector.reading.rules import RuleSet
from selector.verify import verify_slate

_STATUS_ORDER = ["optimal", "feasible", "unknown", "infeasible"]


@dataclass(frozen=True)
class Inputs:
    """Everything a run reads, validated."""

    ruleset: RuleSet
    ruleset_path: Path
    pools: dict[str, Pool]  # pool kind -> pool
    quotas: Quotas
    files: dict[str, Path] = field(default_factory=dict)  # role -> path, for the audit record
    fixed: dict[str, bool] = field(default_factory=dict)  # what-if: candidate id -> forced in (True) / out (False)
    scenario: Path | None = None  # the scenario file these came through (its overrides are applied above)
    read_files: tuple[Path, ...] = ()  # every other file read: the scenario's bases, its extra candidates
    skip_hidden_rows: bool = False  # hidden workbook rows were left out of the pools (--skip-hidden-rows)

    def all_files(self) -> list[Path]:
        """Every file this run read (an output folder must never hold one of them)."""
        return [*self.files.values(), *([self.scenario] if self.scenario is not None else []), *self.read_files]

    @property
    def warnings(self) -> list[InputProblem]:
        """What was read but deserves a look (hidden rows, merged cells), every pool's, in pool order."""
        return [w for pool in self.pools.values() for w in pool.warnings]


def load_inputs(rules: Path | str, pools: dict[str, Path | str], quotas: Path | str | None = None,
                skip_hidden_rows: bool = False) -> Inputs:
    """Read the rule set, the quota table and every pool; all problems of all files raised together.
    Hidden workbook rows are read with a warning (Inputs.warnings), or left out with skip_hidden_rows."""
    rules = Path(rules)
    ruleset = load_ruleset(rules)
    problems: list[InputProblem] = []
    quota_path = Path(quotas) if quotas is not None else default_quota_path(ruleset, rules)
    if quota_path is None:
        raise InputErrors([InputProblem(str(rules), "the rule set names no quota table: pass --quotas")])
    quota_table: Quotas | None = None
    try:
        quota_table = read_quotas(quota_path, ruleset)
    except InputErrors as e:
        problems += e.problems
    loaded: dict[str, Pool] = {}
    for kind in ruleset.pools:
        if kind not in pools or pools[kind] is None:
            problems.append(InputProblem(str(rules), f"no file given for the pool '{kind}'"))
            continue
        try:
            loaded[kind] = read_pool(pools[kind], ruleset.pools[kind], kind,
                                     quota_table.units if quota_table else None, skip_hidden_rows=skip_hidden_rows)
        except InputErrors as e:
            problems += e.problems
    for kind in pools:
        if kind not in ruleset.pools:
            problems.append(InputProblem(str(pools[kind]), f"the rule set has no pool '{kind}'"))
    if problems:
        raise InputErrors(problems)
    assert quota_table is not None
    try:
        ruleset = resolve_unit_columns(ruleset, quota_path)
    except InputErrors as e:
        problems += e.problems
    problems += unit_name_problems(ruleset, rules, quota_table)
    if problems:
        raise InputErrors(problems)
    files = {"rules": rules, "quotas": quota_path} | {kind: Path(str(p)) for kind, p in pools.items()}
    return Inputs(ruleset, rules, loaded, quota_table, files, skip_hidden_rows=skip_hidden_rows)


def resolve_unit_columns(ruleset: RuleSet, quota_path: Path) -> RuleSet:
    """Per-unit bounds named as a column of the quota table (`max_by_unit = "企业负责人控制数"`) read into
    unit -> number (issue 14, 2): a 控制数 or a track's seats drafted with the quota table itself."""
    wanted = {t for r in ruleset.rules for t in (r.min_by_unit, r.max_by_unit) if isinstance(t, str)}
    if not wanted:
        return ruleset
    from selector.reading.pool import _QUOTA_UNIT_HEADERS, _find_header, header_key, read_table, split_sheet

    path, sheet = split_sheet(quota_path)
    table = _find_header(read_table(path, sheet), [list(_QUOTA_UNIT_HEADERS)])
    keys = [header_key(h) for h in table.header]
    unit_col = next(i for i, k in enumerate(keys) if k in {header_key(n) for n in _QUOTA_UNIT_HEADERS})
    problems: list[InputProblem] = []
    columns: dict[str, dict[str, int]] = {}
    for name in sorted(wanted):
        hit = [i for i, k in enumerate(keys) if k == header_key(name)]
        if not hit:
            problems.append(InputProblem(table.source, _("missing column '{name}' that a per-unit rule reads",
                                                         name=name),
                                         row=table.header_row, column=name))
            continue
        columns[name] = {}
        for cells, row in zip(table.records, table.rows):
            text = cells[hit[0]].strip() if hit[0] < len(cells) else ""
            if not text:
                continue  # no entry: the rule's uniform bound applies
            if not text.isdigit():
                problems.append(InputProblem(table.source, _("'{text}' is not a whole number (0 or more)", text=text),
                                             row=row, column=name))
                continue
            columns[name][cells[unit_col].strip()] = int(text)
    if problems:
        raise InputErrors(problems)
    rules = [r.model_copy(update={k: columns[v] for k in ("min_by_unit", "max_by_unit")
                                  if isinstance(v := getattr(r, k), str)}) for r in ruleset.rules]
    return ruleset.model_copy(update={"rules": rules})


def unit_name_problems(ruleset: RuleSet, rules_path: Path, quotas: Quotas) -> list[InputProblem]:
    """Unit names a rule set uses (`where = { unit = [...] }`, a rule's `units`, per-unit tables) must be
    units of the quota table (issue 14, 2): a misspelt unit would silently select nobody."""
    known = set(quotas.units)
    used: list[tuple[str, str]] = []
    for name, g in ruleset.groups.items():
        used += [(f"groups.{name}", u) for f in g.filters() for u in f.get("unit", [])]
    for r in ruleset.rules:
        used += [(r.id, u) for u in [*r.units, *r.min_by_unit, *r.max_by_unit]]
    return [InputProblem(str(rules_path), _("unit '{unit}' is not a unit of the quota table {file}", unit=u,
                                            file=quotas.source), rule=where)
            for where, u in used if u not in known]


def _exact(scaled: int | None, scale: int) -> str | None:
    return None if scaled is None else str(Decimal(scaled) / Decimal(scale))


def fixed_in(inputs: Inputs, kinds) -> dict[str, bool] | None:
    """The what-if forced candidates of these pools only (a pool with no slate has nothing to verify)."""
    ids = {str(i) for k in kinds for i in inputs.pools[k].table["id"]}
    return {c: v for c, v in (inputs.fixed or {}).items() if c in ids} or None


def select(inputs: Inputs, settings: SolverSettings = SolverSettings(),
           eligible: dict[str, list[bool]] | None = None, pool_solver=None, progress=None) -> SelectionResult:
    """Solve every pool for the slate of greatest merit and verify it independently. `pool_solver` (same
    arguments as prune.solve_pool) replaces the objective order, e.g. fewest changes first
    (selector/analysis/adjust.py);
    `progress(pool)` is told as each pool's solve starts."""
    start = time.perf_counter()
    rs = inputs.ruleset
    pool_results: dict[str, PoolResult] = {}
    solutions: dict[str, PoolSolution] = {}
    slate: dict[str, list[str]] = {}
    ineligible: set[str] = set()
    for kind, pool in inputs.pools.items():
        mask = eligible.get(kind) if eligible else None
        if mask is not None:
            ineligible |= {pool.table.at[i, "id"] for i in range(len(pool)) if not mask[i]}
        # the exact fast path (selector/engine/prune.py); SolverSettings(fast=False) solves the plain model
        if progress is not None:
            progress(kind)
        sol = (pool_solver or solve_pool)(rs, pool, inputs.quotas, mask, settings, fixed=inputs.fixed or None)
        solutions[kind] = sol
        ids = list(pool.table["id"])
        for award_id, positions in sol.selected.items():
            slate[award_id] = [ids[i] for i in positions]
        pool_results[kind] = PoolResult(
            pool=kind, status=sol.status, objective=_exact(sol.objective, sol.scale),
            bound=_exact(sol.bound, sol.scale), gap=sol.gap, unique=sol.unique,
            wall_time=round(sol.wall_time, 4), candidates=len(pool),
            eligible=sum(mask) if mask is not None else len(pool))
    status = max((p.status for p in pool_results.values()), key=_STATUS_ORDER.index)
    solved = [k for k, p in pool_results.items() if p.status in ("optimal", "feasible")]
    # every slate found is verified, also when another pool has none (its slate is still written)
    report = verify_slate(rs.of_pools(solved), {k: inputs.pools[k] for k in solved}, inputs.quotas, slate,
                          ineligible, fixed=fixed_in(inputs, solved)) if solved else None
    awards = {}
    for a in rs.awards:
        chosen = slate.get(a.id, [])
        scores = dict(zip(inputs.pools[a.pool].table["id"], inputs.pools[a.pool].table["score"]))
        awards[a.id] = AwardResult(award=a.id, name_zh=a.name_zh, seats=a.seats,
                                   merit=str(sum((scores[c] for c in chosen), Decimal(0))), selected=chosen,
                                   special=[c for sub in rs.awards if sub.parent == a.id
                                            for c in slate.get(sub.id, [])] or None)
    rules_out = []
    units_out = []
    if report is not None:
        by_id = {c.id: c for c in report.checks}
        for r in rs.of_pools(solved).rules:
            c = by_id[r.id]
            rules_out.append(RuleResult(id=r.id, clause=r.clause, text=r.text, award=r.award, hard=r.hard,
                                        required=c.required, achieved=c.achieved, ok=c.ok, short=c.short))
        for award_id, fill in report.unit_fill.items():
            for unit, (filled, quota) in fill.items():
                units_out.append(UnitResult(award=award_id, unit=unit, quota=quota, filled=filled))
    preferences = []
    if rs.preferences and report is not None:  # issue 14, 1: what the slate holds, what more would cost
        from selector.engine.preferences import preference_report

        for kind, pool in inputs.pools.items():
            top = [a for a in rs.awards_of_pool(kind) if a.parent is None]
            if top and rs.preferences_of_pool(kind):
                preferences += preference_report(rs, pool, inputs.quotas, slate,
                                                 eligible.get(kind) if eligible else None, inputs.fixed or None)
    return SelectionResult(
        preferences=preferences,
        status=status, ruleset=rs.id, awards=awards, rules=rules_out, units=units_out, pools=pool_results,
        verified=report.ok if report is not None else False,
        violations=report.violations if report is not None else [],
        wall_time=round(time.perf_counter() - start, 4), tie_break=rs.tie_break.wording)


# ---------------------------------------------------------------- eligibility screening (issue 3)
def screen_inputs(inputs: Inputs) -> Screening:
    """Screen every pool against the rule set's eligibility rules, before any model is built."""
    return screen(inputs.ruleset, inputs.pools, inputs.quotas)


def select_screened(inputs: Inputs, settings: SolverSettings = SolverSettings(), pool_solver=None, progress=None
                    ) -> tuple[Screening, SelectionResult]:
    """Screen, then select among the eligible only; the result carries the screening summary.
    `progress(step)` is told each step as it starts (the CLI shows it)."""
    from selector.i18n import _, label

    tell = progress or (lambda _step: None)
    tell(_("eligibility screening"))
    screening = screen_inputs(inputs)
    result = select(inputs, settings, eligible=screening.masks, pool_solver=pool_solver, progress=lambda kind: tell(
        _("solving {pool} (merit, special class, tie-break, uniqueness)",
          pool=label(inputs.ruleset.pools[kind], kind))))
    return screening, result.model_copy(update={"screening": screening.summary()})


def check(inputs: Inputs) -> SupplyCheck:
    """Screen, then the supply arithmetic of every rule against the eligible candidates; no solving."""
    from selector.engine.feasible import slate_exists

    screening = screen_inputs(inputs)
    rs, masks = inputs.ruleset, screening.masks
    exact = [slate_exists(rs, pool, inputs.quotas, masks.get(kind), inputs.fixed or None)
             for kind, pool in inputs.pools.items()]  # the exact test where rules interact (issue 14)
    return SupplyCheck(screening, supply_findings(rs, inputs.pools, inputs.quotas, masks),
                       submission_findings(rs, inputs.pools, inputs.quotas, masks), exact)
