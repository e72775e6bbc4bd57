"""Loading a rule set: the TOML file read and validated into the schema (selector/reading/rules.py), then
the checks across fields that pydantic cannot see on one field: references between awards, groups, rules,
eligibility rules and paperwork resolve; groups are not defined through themselves; minimums fit the seats.
Every problem is collected with the rule it concerns and raised once (InputErrors)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from selector.errors import ProblemCollector, load_toml_model
from selector.i18n import _
from selector.reading import kinds
from selector.reading.rules import BASE_COLUMNS, RESERVED_IDS, Group, PoolSpec, Preference, RuleSet, SubmissionRule


def _group_filters(rs: RuleSet, name: str, g: Group, problems: ProblemCollector) -> None:
    """A group's filters name declared attributes (or `unit`) and their declared values (issue 14, 2 and 9)."""
    spec = rs.pools[g.pool]
    for filt in g.filters():
        for col, vals in filt.items():
            if col == "unit":
                continue  # unit names: checked against the quota table when it is read
            attr = spec.attribute(col)
            if attr is None:
                problems.add(f"group '{name}' filters on undeclared attribute '{col}'", rule=f"groups.{name}")
                continue
            for v in vals:
                if v not in attr.allowed:
                    problems.add(f"group '{name}' uses value '{v}' not declared for attribute '{col}' "
                                 f"(allowed: {', '.join(attr.allowed)})", rule=f"groups.{name}")
    for inner in g.not_within:
        if inner not in rs.groups:
            problems.add(_("group '{name}' is not_within undeclared group '{inner}'", name=name, inner=inner),
                         rule=f"groups.{name}")
        elif rs.groups[inner].pool != g.pool:
            problems.add(_("group '{name}' is not_within '{inner}' of another pool", name=name, inner=inner),
                         rule=f"groups.{name}")


def _group_cycle(rs: RuleSet) -> list[str] | None:
    """A cycle through `within` / `not_within` (a group defined through itself), or None."""
    state: dict[str, int] = {}

    def visit(g: str, path: list[str]) -> list[str] | None:
        state[g] = 1
        spec = rs.groups[g]
        for h in [*spec.within, *spec.not_within]:
            if h not in rs.groups:
                continue
            if state.get(h) == 1:
                return path[path.index(h):] + [h] if h in path else [g, h]
            if h not in state and (found := visit(h, path + [h])):
                return found
        state[g] = 2
        return None

    for g in rs.groups:
        if g not in state and (found := visit(g, [g])):
            return found
    return None


def _reserved(rs: RuleSet, problems: ProblemCollector) -> None:
    """Ids the tables use themselves: an award `unit` would make the quota table unreadable (issue 14)."""
    for a in rs.awards:
        if a.id in RESERVED_IDS:
            problems.add(_("award id '{id}' is reserved ({ids}); rename the award", id=a.id,
                           ids=", ".join(sorted(RESERVED_IDS))),
                         rule=a.id)
    for kind, spec in rs.pools.items():
        for attr in spec.attributes:
            if attr.column in BASE_COLUMNS:
                problems.add(_("attribute '{column}' of pool '{pool}' is a base column ({columns}); rename it",
                               column=attr.column, pool=kind, columns=", ".join(BASE_COLUMNS)), rule=f"pools.{kind}")


def _consistency(rs: RuleSet, problems: ProblemCollector) -> None:
    """Cross-references and arithmetic that pydantic cannot see on one field."""
    _reserved(rs, problems)
    for a in rs.awards:
        if a.pool not in rs.pools:
            problems.add(f"award '{a.id}' uses undeclared pool '{a.pool}'", rule=a.id)
        if a.open_group is not None:
            og = rs.groups.get(a.open_group)
            if og is None:
                problems.add(_("award '{id}': open_group '{group}' is not a declared group", id=a.id,
                               group=a.open_group), rule=a.id)
            elif og.pool != a.pool:
                problems.add(_("award '{id}': open_group '{group}' is over another pool", id=a.id, group=a.open_group),
                             rule=a.id)
            if not a.open_seats:
                problems.add(_("award '{id}' names an open_group but has no open_seats", id=a.id), rule=a.id)
        if a.parent is not None:
            parents = [p for p in rs.awards if p.id == a.parent]
            if not parents:
                problems.add(f"award '{a.id}' has undeclared parent '{a.parent}'", rule=a.id)
            elif parents[0].pool != a.pool or parents[0].parent is not None:
                problems.add(f"award '{a.id}': parent '{a.parent}' must be a top-level award of the same pool",
                             rule=a.id)
            elif a.seats > parents[0].seats:
                problems.add(f"award '{a.id}' has {a.seats} seats, more than its parent's {parents[0].seats}",
                             rule=a.id)
    for pool in rs.pools:
        tops = [a for a in rs.awards if a.pool == pool and a.parent is None]
        if len(tops) > 1 and not all(a.disjoint for a in tops):
            problems.add(f"pool '{pool}' has several top-level awards {[a.id for a in tops]}; "
                         "give all but one a 'parent', or mark each `disjoint = true` (a candidate holds one)")
    for name, g in rs.groups.items():
        if name == "all":
            problems.add("'all' is reserved for the whole slate; rename the group", rule=f"groups.{name}")
        if g.pool not in rs.pools:
            problems.add(f"group '{name}' uses undeclared pool '{g.pool}'", rule=f"groups.{name}")
            continue
        _group_filters(rs, name, g, problems)
        for inner in g.within:
            if inner not in rs.groups:
                problems.add(f"group '{name}' is within undeclared group '{inner}'", rule=f"groups.{name}")
            elif rs.groups[inner].pool != g.pool:
                problems.add(f"group '{name}' is within '{inner}' of another pool", rule=f"groups.{name}")
    if problems.problems:
        return  # the checks below need the references to resolve
    cycle = _group_cycle(rs)
    if cycle:
        problems.add(_("groups defined through themselves: {cycle}", cycle=" -> ".join(cycle)),
                     rule=f"groups.{cycle[0]}")
        return
    award_ids = {a.id for a in rs.awards}
    for x in [*rs.submissions, *rs.preferences]:
        if x.award not in award_ids:
            problems.add(_("uses undeclared award '{award}'", award=x.award), rule=x.id)
        elif isinstance(x, SubmissionRule) and rs.award(x.award).quota == "none":
            problems.add(_("submission rule on award '{award}', which has no unit quotas", award=x.award), rule=x.id)
        elif isinstance(x, Preference) and rs.award(x.award).parent is not None:
            problems.add(_("preference on '{award}', a subset award: put it on a top-level award", award=x.award),
                         rule=x.id)
        elif isinstance(x, Preference) and (x.group not in rs.groups
                                            or rs.groups[x.group].pool != rs.award(x.award).pool):
            problems.add(_("preference uses group '{group}', not a declared group of the award's pool",
                           group=x.group), rule=x.id)
    seen = {r.id for r in rs.rules}
    for x in [*rs.submissions, *rs.preferences]:
        if x.id in seen:
            problems.add(_("id repeated across rules, submissions and preferences"), rule=x.id)
        seen.add(x.id)
    seen_ids: set[str] = set()
    for r in rs.rules:
        if r.id in seen_ids:
            problems.add("rule id repeated", rule=r.id)
        seen_ids.add(r.id)
        if r.award not in award_ids:
            problems.add(f"rule uses undeclared award '{r.award}'", rule=r.id)
            continue
        pool = rs.award(r.award).pool
        for g in kinds.counted_groups(r):
            if g not in rs.groups:
                problems.add(f"rule uses undeclared group '{g}'", rule=r.id)
            elif rs.groups[g].pool != pool:
                problems.add(f"group '{g}' is over pool '{rs.groups[g].pool}' but award '{r.award}' "
                             f"selects from '{pool}'", rule=r.id)
        seats = rs.award(r.award).seats
        fixed = kinds.fixed_bound(r, seats)
        if fixed is not None and fixed.low is not None and fixed.low > seats:
            problems.add(f"minimum {fixed.low} is more than the {seats} seats of '{r.award}'", rule=r.id)
    for pool, keys in rs.tie_break.pools.items():
        if pool not in rs.pools:
            problems.add(f"tie_break names undeclared pool '{pool}'", rule="tie_break")
            continue
        for key in keys:
            attr = rs.pools[pool].attribute(key.attribute)
            if attr is None:
                problems.add(f"tie_break uses undeclared attribute '{key.attribute}'", rule="tie_break")
                continue
            for v in key.values:
                if v not in attr.allowed:
                    problems.add(f"tie_break uses undeclared value '{v}' of '{key.attribute}'", rule="tie_break")
    if not problems.problems:
        _minimums_fit_seats(rs, problems)


def _minimums_fit_seats(rs: RuleSet, problems: ProblemCollector) -> None:
    """Hard minimums over groups that cannot overlap must fit in the seats together."""
    for award in rs.awards:
        mins: list[tuple[str, dict[str, set[str]], int]] = []
        for r in rs.rules:
            if r.award != award.id or not r.hard or r.scoped:
                continue
            fixed = kinds.fixed_bound(r, award.seats)  # a count, or a share of the whole slate: 55% of 180 is 99
            need = fixed.low if fixed is not None else None
            if not need:
                continue
            mins.append((r.id, rs.resolved_filter(r.group), need))
        mins.sort(key=lambda m: -m[2])
        chosen: list[tuple[str, dict[str, set[str]], int]] = []
        for m in mins:  # greedy: pairwise disjoint groups (some attribute with no common value)
            if all(any(c in m[1] and not (m[1][c] & o[1][c]) for c in o[1]) for o in chosen):
                chosen.append(m)
        total = sum(m[2] for m in chosen)
        if total > award.seats:
            ids = ", ".join(m[0] for m in chosen)
            problems.add(f"minimums of disjoint groups ({ids}) add up to {total}, more than the "
                         f"{award.seats} seats of '{award.id}'", rule=ids)


def _declared(problems: ProblemCollector, rule_id: str, pool: str, spec: PoolSpec, col: str, values: list[str],
              what: str) -> None:
    """`col` is an attribute of the pool and every value in `values` is one of its declared values."""
    attr = spec.attribute(col)
    if attr is None:
        problems.add(f"{what} uses attribute '{col}', not declared for pool '{pool}'", rule=rule_id)
        return
    for v in values:
        if v not in attr.allowed:
            problems.add(f"{what} uses value '{v}' not declared for attribute '{col}' "
                         f"(allowed: {', '.join(attr.allowed)})", rule=rule_id)


_CHECK_TYPES = {"min_share": ("share",), "min_number": ("number",), "flag_is": ("flag", "category"),
                "requires_all": ("set",), "working_days": ("date",), "not_in": ("flag", "category"),
                "not_dated_within": ("date",)}


def _eligibility_consistency(rs: RuleSet, problems: ProblemCollector) -> None:
    """Eligibility rules: pools, attributes (of the right type), values and `when` groups all declared."""
    seen: set[str] = set()
    for e in rs.eligibility:
        if e.id in seen:
            problems.add("eligibility rule id repeated", rule=e.id)
        seen.add(e.id)
        for pool in e.pools:
            spec = rs.pools.get(pool)
            if spec is None:
                problems.add(f"eligibility rule uses undeclared pool '{pool}'", rule=e.id)
                continue
            declared = partial(_declared, problems, e.id, pool, spec)
            if isinstance(e.when, str):
                if e.when not in rs.groups:
                    problems.add(f"'when' names undeclared group '{e.when}'", rule=e.id)
                elif rs.groups[e.when].pool != pool:
                    problems.add(f"'when' group '{e.when}' is over pool '{rs.groups[e.when].pool}', "
                                 f"not '{pool}'", rule=e.id)
            elif e.when:
                for col, vals in e.when.items():
                    declared(col, vals, "'when'")
            if e.check == "any_of":
                for col, vals in e.conditions.items():
                    declared(col, vals, "'conditions'")
                continue
            for col in e.attributes():
                attr = spec.attribute(col)
                if attr is None:
                    problems.add(f"uses attribute '{col}', not declared for pool '{pool}'", rule=e.id)
                elif attr.type not in _CHECK_TYPES[e.check]:
                    problems.add(f"check '{e.check}' needs an attribute of type "
                                 f"{' or '.join(_CHECK_TYPES[e.check])}; '{col}' is {attr.type}", rule=e.id)
            if e.check == "flag_is":
                declared(e.attribute, [e.value], "'value'")  # type: ignore[arg-type, list-item]
            elif e.check in ("requires_all", "not_in"):
                declared(e.attribute, e.values, "'values'")  # type: ignore[arg-type]


def _paperwork_consistency(rs: RuleSet, problems: ProblemCollector) -> None:
    """Summary tables name declared top-level awards, and columns the award's pool has (or are optional)."""
    seen: set[str] = set()
    for t in rs.paperwork.tables:
        where = f"paperwork.tables.{t.award}"
        award = next((a for a in rs.awards if a.id == t.award), None)
        if award is None:
            problems.add(f"summary table for undeclared award '{t.award}'", rule=where)
            continue
        if award.parent is not None:
            problems.add(f"summary table for '{t.award}', a subset of '{award.parent}': mark it as a column of "
                         f"the '{award.parent}' table instead", rule=where)
        if t.award in seen:
            problems.add(f"two summary tables for award '{t.award}'", rule=where)
        seen.add(t.award)
        spec = rs.pools.get(award.pool)
        known = {"seq", "rank", *BASE_COLUMNS} | {a.column for a in (spec.attributes if spec else [])} | {
            a.id for a in rs.awards if a.parent == award.id}
        for c in t.columns:
            if c.column not in known and not c.optional:
                problems.add(f"column '{c.column}' is not seq, rank, a column of pool '{award.pool}' or a subset "
                             "award; mark it optional = true if it is an extra column some pools carry", rule=where)
    _forms_consistency(rs, problems)
    files = [t.file for t in rs.paperwork.tables if t.file]
    for f in sorted({f for f in files if files.count(f) > 1}):
        problems.add(f"two summary tables write the same file '{f}'", rule="paperwork.tables")
    for f in files:
        if "/" in f or "\\" in f or not f.lower().endswith(".xlsx"):
            problems.add(f"file '{f}' must be a plain file name ending in .xlsx", rule="paperwork.tables")


def _forms_consistency(rs: RuleSet, problems: ProblemCollector) -> None:
    """Form rules name requires_all eligibility rules on the clearances attribute, declared pools, groups
    and values; department names are declared values; templates are plain relative file names."""
    f = rs.paperwork.forms
    by_id = {e.id: e for e in rs.eligibility}
    declared_departments: set[str] = set()
    for spec in rs.pools.values():
        attr = spec.attribute(f.clearances)
        if attr is not None:
            declared_departments |= set(attr.values)
    for i, form in enumerate(f.consultation):
        where = f"paperwork.forms.consultation[{i}]"
        for fr in form.rules:
            e = by_id.get(fr.rule)
            if e is None:
                problems.add(_("form rule names undeclared eligibility rule '{rule}'", rule=fr.rule), rule=where)
                continue
            if e.check != "requires_all" or e.attribute != f.clearances:
                problems.add(_("form rule '{rule}' is not a requires_all rule on '{column}'", rule=fr.rule,
                               column=f.clearances), rule=where)
                continue
            extra = [d for d in fr.departments if d not in e.values]
            if extra:
                problems.add(_("form rule '{rule}': departments {extra} are not among the rule's values {values}",
                               rule=fr.rule, extra=extra, values=e.values), rule=where)
            pool = fr.pool
            if pool is None:
                if fr.when is not None:
                    problems.add(_("form rule '{rule}': 'when' needs 'pool' (without it the rule's own pool and "
                                   "'when' apply)", rule=fr.rule), rule=where)
                continue
            spec = rs.pools.get(pool)
            if spec is None:
                problems.add(_("form rule '{rule}' uses undeclared pool '{pool}'", rule=fr.rule, pool=pool), rule=where)
                continue
            if isinstance(fr.when, str):
                if fr.when not in rs.groups or rs.groups[fr.when].pool != pool:
                    problems.add(_("'when' names '{group}', not a group of pool '{pool}'", group=fr.when, pool=pool),
                                 rule=where)
            elif fr.when:
                for col, vals in fr.when.items():
                    _declared(problems, where, pool, spec, col, vals, "'when'")
    for d in f.departments:
        if declared_departments and d not in declared_departments:
            problems.add(_("department '{department}' is not a value of '{column}'", department=d, column=f.clearances),
                         rule="paperwork.forms.departments")
    for kind in f.approval:
        if kind not in rs.pools:
            problems.add(_("approval template for undeclared pool '{pool}'", pool=kind),
                         rule="paperwork.forms.approval")
    names = [c.template for c in f.consultation] + [f.public_list, f.pledge, f.bundle, *f.approval.values()]
    for n in names:
        if n and (Path(n).is_absolute() or ".." in Path(n).parts):
            problems.add(_("template '{name}' must be a file name inside the forms folder", name=n),
                         rule="paperwork.forms")


def _cross_consistency(rs: RuleSet, problems: ProblemCollector) -> None:
    """Rules across awards (issue 14, 5): every award declared; in each pool of its awards, a declared group of
    that pool for `group` (and `of`); no group named for a pool none of its awards selects from; ids unique;
    a preference with a merit tolerance is not on an award such a rule ties (engine/joint.py holds merit)."""
    seen = {x.id for x in [*rs.rules, *rs.submissions, *rs.preferences]}
    award_ids = {a.id for a in rs.awards}
    for c in rs.cross_rules:
        if c.id in seen:
            problems.add(_("id repeated across rules, submissions and preferences"), rule=c.id)
        seen.add(c.id)
        missing = [a for a in c.awards if a not in award_ids]
        for a in missing:
            problems.add(_("rule across awards {rule}: award '{award}' does not exist", rule=c.id, award=a), rule=c.id)
        if missing:
            continue
        pools = list(dict.fromkeys(rs.award(a).pool for a in c.awards))
        for which, named in (("group", c.group), ("of", c.of)):
            if isinstance(named, dict):
                for p in named:
                    if p not in pools:
                        problems.add(_("rule across awards {rule}: {key} names pool '{pool}', which none of its "
                                       "awards selects from", rule=c.id, key=which, pool=p), rule=c.id)
            for a in c.awards:
                pool = rs.award(a).pool
                g = c.counted(pool, of=which == "of")
                if g is None:
                    problems.add(_("rule across awards {rule}: {key} defines no group for pool '{pool}' of award "
                                   "'{award}'", rule=c.id, key=which, pool=pool, award=a), rule=c.id)
                elif g != "all" and (g not in rs.groups or rs.groups[g].pool != pool):
                    problems.add(_("rule across awards {rule}: group '{group}' is not a group of pool '{pool}' of "
                                   "award '{award}'", rule=c.id, group=g, pool=pool, award=a), rule=c.id)
        if c.kind == "count" and c.min is not None and c.min > sum(rs.award(a).seats for a in c.awards):
            problems.add(_("rule across awards {rule}: minimum {n} is more than the seats of its awards",
                           rule=c.id, n=c.min), rule=c.id)
        tied = set(pools)
        for pr in rs.preferences:
            if pr.tolerance_value and pr.award in award_ids and rs.award(pr.award).pool in tied:
                problems.add(_("preference with a merit tolerance on award '{award}', which rule across awards "
                               "{rule} ties to other awards: not supported", award=pr.award, rule=c.id), rule=pr.id)


def _loc_to_rule(data: dict, loc: tuple) -> str:
    """Name the rule, award or key a pydantic error points at: rules[3] -> the rule's id."""
    if len(loc) >= 2 and loc[0] in ("rules", "awards", "eligibility", "cross_rules") and isinstance(loc[1], int):
        try:
            item = data[loc[0]][loc[1]]
            rid = item.get("id") if isinstance(item, dict) else None
        except (IndexError, KeyError, TypeError):
            rid = None
        head = rid or f"{loc[0]}[{loc[1]}]"
        rest = ".".join(str(p) for p in loc[2:])
        return f"{head}.{rest}" if rest else head
    return ".".join(str(p) for p in loc)


def load_ruleset(path: Path | str) -> RuleSet:
    """Read and validate a rule-set TOML file; every problem is an InputErrors naming file and rule."""
    path = Path(path)
    problems = ProblemCollector.for_path(path)
    rs, _data = load_toml_model(path, RuleSet, where=_loc_to_rule)
    _consistency(rs, problems)
    _cross_consistency(rs, problems)
    _eligibility_consistency(rs, problems)
    _paperwork_consistency(rs, problems)
    problems.raise_if_any()
    return rs


def check_ruleset(rs: RuleSet, file: str) -> ProblemCollector:
    """load_ruleset's cross-reference and arithmetic checks on a rule set changed in memory (what-if
    scenarios: selector/reading/scenario.py); the problems found, each named against `file`."""
    problems = ProblemCollector(file)
    _consistency(rs, problems)
    _cross_consistency(rs, problems)
    _eligibility_consistency(rs, problems)
    return problems
