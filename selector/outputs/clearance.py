"""Who needs which consultation form and which departments sign it (E7, E8: `requires_all` on the rule
set's clearances attribute), where each clearance stands, and the clearance tracker (XLSX) the office keeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from selector.i18n import _
from selector.outputs.cells import value_zh
from selector.outputs.form_layout import Templates
from selector.outputs.sheets import col_letter, column_width, put, restyle, save_workbook, styles
from selector.reading.eligibility import _applies, _distinct, _group_columns, _row
from selector.reading.inputs import Inputs
from selector.reading.paperwork_schema import ConsultationForm
from selector.reading.rules import RuleSet

T = TypeVar("T")


@dataclass(frozen=True)
class Need:
    """One consultation form one candidate needs: the departments and the rules that ask for them."""

    form: int  # index into the rule set's [[paperwork.forms.consultation]]
    pool: str
    position: int  # row in the pool
    id: str
    name: str
    unit: str
    departments: tuple[str, ...]  # department values, in the order the rules name them
    rules: tuple[str, ...]  # the eligibility rules that ask for them


def unit_order(inputs: Inputs) -> dict[str, int]:
    return {u: i for i, u in enumerate(inputs.quotas.units)}


def form_departments(ruleset: RuleSet, form: ConsultationForm, kind: str, row: dict
                     ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The departments one candidate's form lists and the rules asking for them (empty: no form).

    A form rule without its own `pool` applies where its eligibility rule applies (the rule's pool and
    `when`, exactly as screening applies it); one with `pool` applies to that pool's candidates matching its
    `when`, asking the rule's departments (or the subset it names)."""
    by_id = {e.id: e for e in ruleset.eligibility}
    departments: list[str] = []
    rules: list[str] = []
    for fr in form.rules:
        e = by_id[fr.rule]
        if fr.pool is None:
            applies = kind in e.pools and _applies(ruleset, e, row)
        else:
            applies = kind == fr.pool and _applies(ruleset, fr, row)  # type: ignore[arg-type]  # reads .when
        if not applies:
            continue
        rules.append(e.id)
        for d in fr.departments or e.values:
            if d not in departments:
                departments.append(d)
    return tuple(departments), tuple(dict.fromkeys(rules))


def _when_columns(ruleset: RuleSet, when) -> list[str]:
    """The columns a `when` (a named group, or column -> values) reads."""
    return _group_columns(ruleset, when) if isinstance(when, str) else list(when or {})


def _form_columns(ruleset: RuleSet, form: ConsultationForm) -> list[str]:
    """Every column form_departments reads for `form`: the `when` of each of its rules."""
    by_id = {e.id: e for e in ruleset.eligibility}
    return [c for fr in form.rules for c in _when_columns(ruleset, by_id[fr.rule].when if fr.pool is None else fr.when)]


def per_group(table, cols: list[str], fn: Callable[[dict], T]) -> list[T]:
    """`fn(row)` for every row of a pool's table, `row` holding the columns `cols` only, as to_dict('records')
    gives them: computed once per distinct combination of their values, as the screening does (a 200,000-row
    pool has a few hundred), not once per row."""
    code, first = _distinct(table, list(dict.fromkeys(cols)))
    values = [fn(_row(table, cols, i)) for i in first]
    return [values[c] for c in code]


def rows_at(table, positions) -> dict[int, dict]:
    """The rows at `positions` of a pool's table, as to_dict('records') gives them, by position: the rows a
    document prints, without converting a 200,000-row pool whole."""
    at = sorted(positions)
    return dict(zip(at, table.iloc[at].to_dict("records")))


def _texts(table, column: str) -> list[str]:
    return [str(v) for v in table[column]]


def consultation_needs(inputs: Inputs, only: set[str] | None = None) -> list[Need]:
    """Every consultation form the candidates need (only those in `only` when given), by form, unit
    (quota-table order), pool and file order."""
    rs = inputs.ruleset
    order = unit_order(inputs)
    needs = []
    for i, form in enumerate(rs.paperwork.forms.consultation):
        for kind, pool in inputs.pools.items():
            table = pool.table
            asked = per_group(table, _form_columns(rs, form), partial(form_departments, rs, form, kind))
            ids, names, units = (_texts(table, c) for c in ("id", "name", "unit"))
            for pos, (deps, rules) in enumerate(asked):
                if deps and (only is None or ids[pos] in only):
                    needs.append(Need(i, kind, pos, ids[pos], names[pos], units[pos], deps, rules))
    kinds = list(inputs.pools)
    needs.sort(key=lambda n: (n.form, order.get(n.unit, len(order)), kinds.index(n.pool), n.position))
    return needs


@dataclass(frozen=True)
class Clearance:
    """One candidate's clearances: required (by the screening rules and the forms), obtained, missing."""

    pool: str
    id: str
    name: str
    unit: str
    forms: tuple[str, ...]  # the consultation forms' titles
    required: tuple[str, ...]
    have: frozenset[str]
    tracked: bool  # the pool records clearances (else the paper forms are the only record)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(d for d in self.required if d not in self.have) if self.tracked else ()


def clearance_status(inputs: Inputs, templates: Templates | None = None) -> list[Clearance]:
    """One entry per candidate some clearance rule applies to: the screening's requires_all rules on the
    clearances attribute (E7, E8), and the consultation forms' rules (worked out once per distinct values
    of the columns they read: per_group)."""
    rs = inputs.ruleset
    col = rs.paperwork.forms.clearances
    screening = [e for e in rs.eligibility if e.check == "requires_all" and e.attribute == col]
    titles = [t.title for t in templates.consultation] if templates is not None else []
    order = unit_order(inputs)
    out = []
    for kind, pool in inputs.pools.items():
        tracked = rs.pools[kind].attribute(col) is not None
        mine = [e for e in screening if kind in e.pools]
        forms = rs.paperwork.forms.consultation
        table = pool.table
        cols = [c for e in mine for c in _when_columns(rs, e.when)] + [c for f in forms for c in _form_columns(rs, f)]
        asked = per_group(table, cols, partial(_required, rs, mine, titles, kind))
        ids, names, units = (_texts(table, c) for c in ("id", "name", "unit"))
        have = list(table[col]) if tracked and col in table.columns else [None] * len(table)
        for pos, (required, titled) in enumerate(asked):
            if required:
                out.append(Clearance(kind, ids[pos], names[pos], units[pos], titled, required,
                                     frozenset(have[pos] or ()) if tracked else frozenset(), tracked))
    kinds = list(inputs.pools)
    out.sort(key=lambda c: (kinds.index(c.pool), order.get(c.unit, len(order))))
    return out


def _required(rs: RuleSet, screening: list, titles: list[str], kind: str, row: dict
              ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The departments one candidate needs (the `screening` rules that apply, then each consultation form's)
    and the forms' titles."""
    required: list[str] = []
    titled: list[str] = []
    for e in screening:
        if _applies(rs, e, row):
            required += [d for d in e.values if d not in required]
    for i, form in enumerate(rs.paperwork.forms.consultation):
        deps, _rules = form_departments(rs, form, kind, row)
        if deps:
            required += [d for d in deps if d not in required]
            titled.append(titles[i] if i < len(titles) else str(i + 1))
    return tuple(required), tuple(titled)


def department_order(inputs: Inputs, status: list[Clearance]) -> list[str]:
    """Every department some candidate needs, in the clearances attribute's declared order."""
    col = inputs.ruleset.paperwork.forms.clearances
    declared: list[str] = []
    for spec in inputs.ruleset.pools.values():
        attr = spec.attribute(col)
        if attr is not None:
            declared += [v for v in attr.values if v not in declared]
    used = {d for c in status for d in c.required}
    return [d for d in declared if d in used] + sorted(used - set(declared))


def department_name(inputs: Inputs, value: str) -> str:
    """A department as the forms print it: the rule set's name for it, else its Chinese value name."""
    cfg = inputs.ruleset.paperwork.forms
    if value in cfg.departments:
        return cfg.departments[value]
    return department_short(inputs, value)


def department_short(inputs: Inputs, value: str) -> str:
    col = inputs.ruleset.paperwork.forms.clearances
    for spec in inputs.ruleset.pools.values():
        attr = spec.attribute(col)
        if attr is not None and value in attr.values:
            return value_zh(attr, value)
    return value


def missing_by_department(inputs: Inputs, status: list[Clearance] | None = None) -> dict[str, int]:
    """Department -> candidates still lacking its consent (as the pool's clearances column records)."""
    status = clearance_status(inputs) if status is None else status
    out = {d: 0 for d in department_order(inputs, status)}
    for c in status:
        for d in c.missing:
            out[d] += 1
    return out


def format_missing(inputs: Inputs) -> str:
    """The terminal lines of `selector check`: missing clearances per department."""
    status = clearance_status(inputs)
    if not status:
        return ""
    missing = missing_by_department(inputs, status)
    tracked = [c for c in status if c.tracked]
    rs = inputs.ruleset
    clauses = "、".join(dict.fromkeys(e.clause for e in rs.eligibility if e.check == "requires_all"
                                      and e.attribute == rs.paperwork.forms.clearances))  # the notice's, e.g. 八.5
    lines = [_("Clearances ({clauses}) still missing, per department ({n} candidates need clearances, {k} lack some):",
               clauses=clauses, n=len(tracked), k=sum(1 for c in tracked if c.missing))]
    for d, n in missing.items():
        lines.append(f"  {department_name(inputs, d)}: {n}")
    return "\n".join(lines)


def write_tracker(path: Path, inputs: Inputs, status: list[Clearance]) -> None:
    """The clearance tracker: one row per candidate and a column per department (已同意 / 缺 / blank when not
    required), then the missing count per unit and per department, and a sheet 说明."""
    import openpyxl  # start-up speed: openpyxl loads only to write a workbook
    from openpyxl.styles import PatternFill  # start-up speed: openpyxl loads only to write a workbook

    st = styles()
    missing_fill = PatternFill("solid", fgColor="F8CBAD")
    deps = department_order(inputs, status)
    names = [department_name(inputs, d) for d in deps]
    rs = inputs.ruleset
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "跟踪表"
    head = ["序号", "人选编号", "姓名（名称）", "推荐单位", "人选库", "征求意见表", *names, "缺少部门数", "缺少部门"]
    tracked = [c for c in status if c.tracked]
    put(ws, 1, 1, f"{rs.title_zh or rs.id} 审查同意部门跟踪表").font = st["title"]
    for j, h in enumerate(head, start=1):
        c = put(ws, 2, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["fill"], st["border"], st["center"]
        ws.column_dimensions[col_letter(j)].width = max(8.0, min(24.0, column_width(h)))
    looks: dict = {}  # sheets.restyle: one style record per look, copied to every cell that has it
    body = {"font": st["body"], "border": st["border"], "alignment": st["center"]}
    lacking = body | {"fill": missing_fill}
    names_of = dict(zip(deps, names))
    for i, c in enumerate(tracked, start=1):
        cells: list[object] = [i, c.id, c.name, c.unit, rs.pools[c.pool].label_zh or c.pool, "、".join(c.forms)]
        cells += ["已同意" if d in c.required and d in c.have else ("缺" if d in c.required else None) for d in deps]
        missing = c.missing
        cells += [len(missing), "、".join(names_of.get(d) or department_name(inputs, d) for d in missing) or None]
        for j, v in enumerate(cells, start=1):
            cell = put(ws, i + 2, j, v)
            if v == "缺":
                restyle(cell, looks, "missing", **lacking)
            else:
                restyle(cell, looks, "body", **body)
    for j, w in ((3, 16), (4, 14), (6, 24), (len(head), 40)):
        ws.column_dimensions[col_letter(j)].width = w
    ws.freeze_panes = "C3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4

    by_unit = wb.create_sheet("按单位")
    units = [u for u in inputs.quotas.units if any(c.unit == u for c in tracked)]
    units += [u for u in dict.fromkeys(c.unit for c in tracked) if u not in units]
    head = ["推荐单位", "需审查人选", "缺少审查的人选", *names, "缺少合计"]
    for j, h in enumerate(head, start=1):
        c = put(by_unit, 1, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["fill"], st["border"], st["center"]
        by_unit.column_dimensions[col_letter(j)].width = max(8.0, min(24.0, column_width(h)))
    for i, u in enumerate(units, start=2):
        mine = [c for c in tracked if c.unit == u]
        row = [u, len(mine), sum(1 for c in mine if c.missing), *[sum(d in c.missing for c in mine) for d in deps],
               sum(len(c.missing) for c in mine)]
        for j, v in enumerate(row, start=1):
            cell = put(by_unit, i, j, v)
            cell.font, cell.border, cell.alignment = st["body"], st["border"], st["center"]
    by_unit.column_dimensions["A"].width = 18

    by_dep = wb.create_sheet("按部门")
    for j, h in enumerate(["部门", "需审查人选", "已同意", "缺少", "缺少的人选"], start=1):
        c = put(by_dep, 1, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["fill"], st["border"], st["center"]
    for i, (d, name) in enumerate(zip(deps, names), start=2):
        need = [c for c in tracked if d in c.required]
        lacking = [c for c in need if d in c.missing]
        row = [name, len(need), len(need) - len(lacking), len(lacking),
               "、".join(f"{c.id} {c.name}（{c.unit}）" for c in lacking) or None]
        for j, v in enumerate(row, start=1):
            cell = put(by_dep, i, j, v)
            cell.font, cell.border, cell.alignment = st["body"], st["border"], st["left" if j == 5 else "center"]
    for j, w in enumerate([22, 12, 10, 10, 80], start=1):
        by_dep.column_dimensions[col_letter(j)].width = w

    note = wb.create_sheet("说明")
    paper = [c for c in status if not c.tracked]
    lines = [f"{rs.title_zh or rs.id}（{rs.notice}）审查同意部门跟踪表",
             f"依据：{'；'.join(sorted({f'{e.id} {e.clause} {e.text}' for e in rs.eligibility if e.check == 'requires_all' and e.attribute == rs.paperwork.forms.clearances}))}",  # noqa: E501
             "“跟踪表”每行一个须经部门审查同意的人选，每列一个部门：已同意 = 人选库“审查同意部门”列已记录；"
             "缺 = 规则要求而尚未记录；空白 = 该人选不需该部门审查。",
             "“按单位”“按部门”为缺少审查同意的统计，供评审考核前催办。",
             f"共 {len(tracked)} 个人选须经部门审查，其中 {sum(1 for c in tracked if c.missing)} 个尚缺，"
             f"合计缺 {sum(len(c.missing) for c in tracked)} 项。"]
    if paper:
        lines.append(f"另有 {len(paper)} 个人选（单位）须填报纸制征求意见表，但其人选库没有“审查同意部门”列，"
                     "本表不跟踪：" + "、".join(f"{c.id} {c.name}" for c in paper[:20])
                     + ("……" if len(paper) > 20 else ""))
    for i, line in enumerate(lines, start=1):
        put(note, i, 1, line).font = st["bold"] if i == 1 else st["body"]
    note.column_dimensions["A"].width = 120
    save_workbook(wb, path)
