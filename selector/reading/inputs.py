"""What a run reads, validated (`Inputs`), and reading it: the rule set, the quota table and every pool,
with every problem of every file raised together (`load_inputs`).

Every step after reading takes an `Inputs`: the flow (selector/pipeline.py), the analyses and the outputs
import it from here, not from the orchestrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from selector.errors import InputErrors, InputProblem
from selector.i18n import _
from selector.reading.pool import Pool, read_pool
from selector.reading.quotas import Quotas, default_quota_path, read_quotas, unit_table
from selector.reading.rule_checks import load_ruleset
from selector.reading.rules import RuleSet
from selector.reading.tables import header_key


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
            problems.append(InputProblem(str(pools[kind]), _("the rule set has no pool '{pool}' (pools: {pools})",
                                                             pool=kind, pools=", ".join(ruleset.pools))))
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
    table, unit_col = unit_table(quota_path)  # read_quotas has read it: it has a unit column
    assert unit_col is not None
    keys = [header_key(h) for h in table.header]
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


def fixed_in(inputs: Inputs, kinds) -> dict[str, bool] | None:
    """The what-if forced candidates of these pools only (a pool with no slate has nothing to verify)."""
    ids = {str(i) for k in kinds for i in inputs.pools[k].table["id"]}
    return {c: v for c, v in (inputs.fixed or {}).items() if c in ids} or None
