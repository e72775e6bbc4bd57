"""The notice's other paperwork as Word/WPS documents (DOCX, A4): the consultation forms (附件2 机关事业单位
推荐人选征求意见表, 附件3 企业或企业负责人征求意见表; 九(二) 相关征求意见表（纸制）) with one row per department
that must give its opinion, a bundle per department, the clearance tracker (XLSX), the 公示名单 for the newspaper
(八.3, 九(三)), the 推荐审批表 of every selected candidate (九(三)) and a 承诺书 per unit (九(二)).

Who needs which form and which departments sign it come from the rule set's eligibility rules (E7, E8:
`requires_all` on the clearances attribute), named in `[paperwork.forms]` (rules.Forms); the wording and layout
of every document come from template files beside the rule set (models/fuxin-2021-forms/, format in its
README.md), so another notice brings its own forms without code. Identity-card and phone numbers are masked
with privacy.mask_value as in every other output, except in the columns a template lists as `full_numbers`
(the approval form, which exists to carry them; the form then prints its `full_note`).

Every DOCX is written byte for byte reproducibly (sheets.normalise_xlsx: fixed zip times and document
dates), so the audit record can hash the forms/ folder and `selector verify` can regenerate it.
"""

from __future__ import annotations

import io
import re
import string
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from selector.analysis.adjust import load_published
from selector.domain import SelectionResult
from selector.errors import InputErrors, InputProblem, ProblemCollector, load_toml_model
from selector.i18n import _
from selector.outputs.cells import text_cell, value_zh, xlsx_cell
from selector.outputs.sheets import (
    ZIP_TIME,
    col_letter,
    column_width,
    normalise_xlsx,
    put,
    save_workbook,
    styles,
    write_rows_csv,
)
from selector.outputs.slates import any_slate
from selector.outputs.summary import ranked
from selector.reading.eligibility import _applies
from selector.reading.inputs import Inputs
from selector.reading.rules import BASE_COLUMNS, ConsultationForm, RuleSet, ruleset_dir_path

FORMS_DIR = "forms"  # the subfolder of a result folder
TRACKER_FILE = "clearance_tracker.xlsx"
INDEX_FILE = "index.csv"


# =====================================================================================================
# the layout templates (models/<rule set>-forms/*.toml)
# =====================================================================================================
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Align = Literal["left", "center", "right", "justify"]


class Cell(_Strict):
    """A labelled field (fields block) or a table column (departments, slate, candidates blocks)."""

    label: str = ""  # fields: the label cell
    title: str = ""  # tables: the column title
    value: str = ""  # text with {placeholders}; "" leaves the cell blank for handwriting
    width: float | None = Field(default=None, gt=0)  # cm (tables)
    height: float | None = Field(default=None, gt=0)  # cm (fields: the row's least height)
    align: Align = "center"
    valign: Literal["top", "center", "bottom"] = "center"
    size: float | None = Field(default=None, gt=0)  # pt
    pool: str | None = None  # fields: only on the forms of this pool


class Block(_Strict):
    kind: Literal["title", "paragraph", "fields", "departments", "slate", "candidates", "page_break"]
    text: str = ""
    align: Align | None = None
    bold: bool = False
    size: float | None = Field(default=None, gt=0)
    font: str | None = None
    indent: float = Field(default=0, ge=0)  # first-line indent in characters
    space_before: float = Field(default=0, ge=0)  # pt
    space_after: float = Field(default=6, ge=0)  # pt
    pool: str | None = None  # only on the forms of this pool
    rows: list[list[Cell]] = Field(default_factory=list)  # fields
    label_width: float = Field(default=3.0, gt=0)  # fields: cm
    columns: list[Cell] = Field(default_factory=list)  # departments, slate, candidates
    row_height: float | None = Field(default=None, gt=0)  # cm
    award: str = ""  # slate: which award's slate
    heading: str = ""  # slate: before the award's list ({award}, {count})
    group_heading: str = ""  # slate: before each unit's group ({unit}, {count})


class Layout(_Strict):
    """One document kind: its title, file-name pattern, fonts and blocks."""

    attachment: str = ""  # 附件2
    title: str  # {title} in the blocks; may use placeholders itself ({award}推荐审批表)
    file: str  # the output file name, with placeholders ({id}, {name}, {unit}, {department})
    font: str = "宋体"
    title_font: str = "黑体"
    size: float = Field(default=12, gt=0)  # body text, pt
    margin: float = Field(default=2.5, gt=0, lt=8)  # cm, every side
    category: dict[str, list[str]] = Field(default_factory=dict)  # pool -> columns {category} joins
    extra: list[str] = Field(default_factory=list)  # extra pool columns ({身份证号}) the template may name
    full_numbers: list[str] = Field(default_factory=list)  # columns printed unmasked (forms that carry them)
    full_note: str = ""  # printed at the end when a full number is on the form
    blocks: list[Block] = Field(default_factory=list)


# placeholders every document has, and those of each kind of document
_COMMON = {"title", "attachment", "ruleset", "notice"}
_CANDIDATE = {"award", "awards", "pool", "category", "post", "deeds", "seq", "rank"}
KIND_FIELDS = {
    "consultation": _CANDIDATE | {"form", "basis", "departments", "n_departments", "department",
                                  "department_short", "rules", "clause"},
    "approval": _CANDIDATE,
    "public_list": _CANDIDATE | {"count", "unit"},
    "pledge": _CANDIDATE | {"count", "unit"},
    "bundle": _CANDIDATE | {"count", "department", "department_short", "form"},
}
_BLOCKS_OF_KIND = {"consultation": {"departments"}, "approval": set(), "public_list": {"slate"},
                   "pledge": {"candidates"}, "bundle": {"candidates"}}
_LAYOUT_BLOCKS = {"title", "paragraph", "fields", "page_break"}


def _placeholders(text: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as e:
        raise ValueError(f"'{text}': {e}") from None


def _template_texts(layout: Layout) -> list[tuple[str, str]]:
    out = [("title", layout.title), ("file", layout.file), ("full_note", layout.full_note)]
    for i, b in enumerate(layout.blocks):
        out += [(f"blocks[{i}].text", b.text), (f"blocks[{i}].heading", b.heading),
                (f"blocks[{i}].group_heading", b.group_heading)]
        out += [(f"blocks[{i}].rows", c.value) for row in b.rows for c in row]
        out += [(f"blocks[{i}].rows", c.label) for row in b.rows for c in row]
        out += [(f"blocks[{i}].columns", c.value) for c in b.columns]
    return out


def load_layout(path: Path, ruleset: RuleSet, kind: str) -> Layout:
    """Read and check one template: known keys and blocks, and every {placeholder} a field the document has
    (a pool column of the rule set, one of the template's `extra` columns, or a field of its kind)."""
    problems = ProblemCollector.for_path(path)
    layout, _data = load_toml_model(path, Layout)
    columns = {c for spec in ruleset.pools.values() for c in [*BASE_COLUMNS, *(a.column for a in spec.attributes)]}
    awards = {a.id for a in ruleset.awards}
    known = _COMMON | KIND_FIELDS[kind] | columns | set(layout.extra) | {f"{w}_{a}" for a in awards
                                                                         for w in ("count", "award")}
    for where, text in _template_texts(layout):
        try:
            names = _placeholders(text)
        except ValueError as e:
            problems.add(_("not a valid text with placeholders: {error}", error=e), rule=where)
            continue
        for name in names:
            if name not in known:
                problems.add(_("unknown placeholder {{{name}}}: a pool column of the rule set, one of the "
                               "template's `extra` columns, or one of {fields}", name=name,
                               fields=", ".join(sorted(_COMMON | KIND_FIELDS[kind]))), rule=where)
    allowed = _LAYOUT_BLOCKS | _BLOCKS_OF_KIND[kind]
    for i, b in enumerate(layout.blocks):
        if b.kind not in allowed:
            problems.add(_("a block of kind '{block}' has no data in this document (allowed: {allowed})",
                           block=b.kind, allowed=", ".join(sorted(allowed))), rule=f"blocks[{i}]")
        if b.kind == "slate" and b.award not in awards:
            problems.add(_("slate block names undeclared award '{award}'", award=b.award), rule=f"blocks[{i}]")
        for pool in [b.pool, *(c.pool for row in b.rows for c in row)]:
            if pool is not None and pool not in ruleset.pools:
                problems.add(_("names undeclared pool '{pool}'", pool=pool), rule=f"blocks[{i}]")
    for pool, cols in layout.category.items():
        if pool not in ruleset.pools:
            problems.add(_("names undeclared pool '{pool}'", pool=pool), rule="category")
            continue
        for c in cols:
            if c not in columns:
                problems.add(_("'{column}' is not a column of pool '{pool}'", column=c, pool=pool), rule="category")
    problems.raise_if_any()
    return layout


@dataclass(frozen=True)
class Templates:
    """Every template the rule set names, loaded and checked."""

    consultation: list[Layout]
    public_list: Layout | None
    approval: dict[str, Layout]
    pledge: Layout | None
    bundle: Layout | None
    folder: Path


def forms_folder(inputs: Inputs) -> Path:
    cfg = inputs.ruleset.paperwork.forms
    return ruleset_dir_path(inputs.ruleset_path, cfg.folder) if cfg.folder else inputs.ruleset_path.parent


def has_forms(ruleset: RuleSet) -> bool:
    """Whether the rule set declares any form (a `[paperwork.forms]` section with a template)."""
    f = ruleset.paperwork.forms
    return bool(f.consultation or f.public_list or f.approval or f.pledge)


def load_templates(inputs: Inputs) -> Templates:
    """All templates of the rule set; every problem of every template raised together."""
    rs = inputs.ruleset
    cfg = rs.paperwork.forms
    folder = forms_folder(inputs)
    problems: list[InputProblem] = []

    def one(name: str, kind: str) -> Layout | None:
        if not name:
            return None
        try:
            return load_layout(folder / name, rs, kind)
        except InputErrors as e:
            problems.extend(e.problems)
            return None

    consultation = [one(c.template, "consultation") for c in cfg.consultation]
    out = Templates([c for c in consultation if c is not None], one(cfg.public_list, "public_list"),
                    {k: v for k, v in ((k, one(n, "approval")) for k, n in cfg.approval.items()) if v is not None},
                    one(cfg.pledge, "pledge"), one(cfg.bundle, "bundle"), folder)
    if problems:
        raise InputErrors(problems)
    return out


# =====================================================================================================
# who needs which consultation form, and which departments sign it (E7, E8)
# =====================================================================================================
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


def _unit_order(inputs: Inputs) -> dict[str, int]:
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


def consultation_needs(inputs: Inputs, only: set[str] | None = None) -> list[Need]:
    """Every consultation form the candidates need (only those in `only` when given), by form, unit
    (quota-table order), pool and file order."""
    rs = inputs.ruleset
    order = _unit_order(inputs)
    needs = []
    for i, form in enumerate(rs.paperwork.forms.consultation):
        for kind, pool in inputs.pools.items():
            for pos, row in enumerate(pool.table.to_dict("records")):
                if only is not None and str(row["id"]) not in only:
                    continue
                deps, rules = form_departments(rs, form, kind, row)
                if deps:
                    needs.append(Need(i, kind, pos, str(row["id"]), str(row["name"]), str(row["unit"]), deps, rules))
    kinds = list(inputs.pools)
    needs.sort(key=lambda n: (n.form, order.get(n.unit, len(order)), kinds.index(n.pool), n.position))
    return needs


# =====================================================================================================
# the clearance tracker: who still lacks which department's consent
# =====================================================================================================
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
    clearances attribute (E7, E8), and the consultation forms' rules."""
    rs = inputs.ruleset
    col = rs.paperwork.forms.clearances
    screening = [e for e in rs.eligibility if e.check == "requires_all" and e.attribute == col]
    titles = [t.title for t in templates.consultation] if templates is not None else []
    order = _unit_order(inputs)
    out = []
    for kind, pool in inputs.pools.items():
        tracked = rs.pools[kind].attribute(col) is not None
        for row in pool.table.to_dict("records"):
            required: list[str] = []
            forms: list[str] = []
            for e in screening:
                if kind in e.pools and _applies(rs, e, row):
                    required += [d for d in e.values if d not in required]
            for i, form in enumerate(rs.paperwork.forms.consultation):
                deps, _rules = form_departments(rs, form, kind, row)
                if deps:
                    required += [d for d in deps if d not in required]
                    forms.append(titles[i] if i < len(titles) else str(i + 1))
            if required:
                out.append(Clearance(kind, str(row["id"]), str(row["name"]), str(row["unit"]), tuple(forms),
                                     tuple(required), frozenset(row.get(col) or ()) if tracked else frozenset(),
                                     tracked))
    kinds = list(inputs.pools)
    out.sort(key=lambda c: (kinds.index(c.pool), order.get(c.unit, len(order))))
    return out


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
    lines = [_("Clearances (八.5) still missing, per department ({n} candidates need clearances, {k} lack some):",
               n=len(tracked), k=sum(1 for c in tracked if c.missing))]
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
    for i, c in enumerate(tracked, start=1):
        cells: list[object] = [i, c.id, c.name, c.unit, rs.pools[c.pool].label_zh or c.pool, "、".join(c.forms)]
        cells += ["已同意" if d in c.required and d in c.have else ("缺" if d in c.required else None) for d in deps]
        cells += [len(c.missing), "、".join(department_name(inputs, d) for d in c.missing) or None]
        for j, v in enumerate(cells, start=1):
            cell = put(ws, i + 2, j, v)
            cell.font, cell.border, cell.alignment = st["body"], st["border"], st["center"]
            if v == "缺":
                cell.fill = missing_fill
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
             "“按单位”“按部门”为缺少审查同意的统计，供评审考核阶段（九(三)）前催办。",
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


# =====================================================================================================
# the fields a document fills in
# =====================================================================================================
class _Fields(dict):
    def __missing__(self, key: str) -> str:  # a column this pool lacks: a blank to fill by hand
        return ""


def fill(text: str, fields: dict[str, str]) -> str:
    return string.Formatter().vformat(text, (), _Fields(fields))


def _common(inputs: Inputs, layout: Layout) -> dict[str, str]:
    rs = inputs.ruleset
    return {"attachment": layout.attachment, "ruleset": rs.title_zh or rs.id, "notice": rs.notice}


def candidate_fields(inputs: Inputs, layout: Layout, kind: str, row: dict, held: list[str] | None = None
                     ) -> dict[str, str]:
    """One candidate's fields: every pool column as the other outputs write it (Chinese value names,
    是/否, percentages; numbers that look like identity-card or phone numbers masked by privacy.mask_value),
    except the template's `full_numbers`, printed as given; plus post, deeds, award, category."""
    rs = inputs.ruleset
    spec = rs.pools[kind]
    cfg = rs.paperwork.forms
    out = _common(inputs, layout)
    for col, v in row.items():
        if col in layout.full_numbers:
            out[col] = "" if v is None else str(v).strip()
        else:
            out[col] = text_cell(*xlsx_cell(spec, col, v))
    out["post"] = out.get(cfg.post, "") if cfg.post else ""
    out["deeds"] = out.get(cfg.deeds, "") if cfg.deeds else ""
    top = rs.top_award(kind)
    out["award"] = top.name_zh
    out["awards"] = "、".join(rs.award(a).name_zh for a in held) if held else top.name_zh
    out["pool"] = spec.label_zh or kind
    out["category"] = "、".join(out[c] for c in layout.category.get(kind, []) if out.get(c))
    out["title"] = fill(layout.title, out)
    return out


# =====================================================================================================
# DOCX rendering (python-docx; A4; fonts set for East Asian text so Word and WPS show 宋体/黑体)
# =====================================================================================================
@dataclass
class Content:
    """What one document shows: its fields, and the rows of its table blocks."""

    fields: dict[str, str]
    pool: str | None = None
    departments: list[dict[str, str]] = field(default_factory=list)
    candidates: list[dict[str, str]] = field(default_factory=list)
    slates: dict[str, list[tuple[str, list[dict[str, str]]]]] = field(default_factory=dict)  # award -> groups


_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_JC = {"left": "left", "center": "center", "right": "right", "justify": "both"}
_TWIPS_PER_CM = 567
_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def _esc(text: str) -> str:
    return _XML_BAD.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DocxWriter:
    """A DOCX document on A4 into which one or more forms are rendered, each from a new page.

    The body is written as WordprocessingML text (paragraphs, tables with fixed column widths, borders
    and row heights, East Asian fonts) and put into python-docx's default document once: far faster than
    building it element by element, and the same XML for a form in its own file and in a bundle."""

    def __init__(self, layout: Layout, title: str = ""):
        self.layout = layout
        self.title = title
        self.parts: list[str] = []
        self.pages = 0
        self.width = 21 - 2 * layout.margin  # cm available for a table

    # ------------------------------------------------------------------ WordprocessingML
    @staticmethod
    def _rpr(font: str, size: float, bold: bool) -> str:
        f = _esc(font)
        half = round(size * 2)
        return (f'<w:rPr><w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}"/>'
                + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr>')

    def _p(self, text: str, font: str, size: float, bold: bool = False, align: str | None = None,
           indent: float = 0, before: float = 0, after: float = 0) -> str:
        ppr = f'<w:spacing w:before="{round(before * 20)}" w:after="{round(after * 20)}"/>'
        if indent:
            ppr += f'<w:ind w:firstLine="{round(indent * size * 20)}"/>'
        if align:
            ppr += f'<w:jc w:val="{_JC[align]}"/>'
        rpr = self._rpr(font, size, bold)
        lines = text.split("\n")
        runs = "<w:r>" + rpr + "<w:br/>".join(f'<w:t xml:space="preserve">{_esc(t)}</w:t>' for t in lines) + "</w:r>"
        return f"<w:p><w:pPr>{ppr}{rpr}</w:pPr>{runs if text else ''}</w:p>"

    def _tc(self, text: str, width: float, span: int = 1, align: str = "center", valign: str = "center",
            size: float | None = None, bold: bool = False, shade: bool = False) -> str:
        pr = f'<w:tcW w:w="{round(width * _TWIPS_PER_CM)}" w:type="dxa"/>'
        if span > 1:
            pr += f'<w:gridSpan w:val="{span}"/>'
        if shade:
            pr += '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>'
        pr += f'<w:vAlign w:val="{valign}"/>'
        lay = self.layout
        return f"<w:tc><w:tcPr>{pr}</w:tcPr>{self._p(text, lay.font, size or min(lay.size, 11), bold, align)}</w:tc>"

    @staticmethod
    def _tr(cells: str, height: float | None, header: bool = False) -> str:
        pr = "<w:cantSplit/>"
        if height:
            pr += f'<w:trHeight w:val="{round(height * _TWIPS_PER_CM)}" w:hRule="atLeast"/>'
        if header:
            pr += "<w:tblHeader/>"
        return f"<w:tr><w:trPr>{pr}</w:trPr>{cells}</w:tr>"

    def _tbl(self, widths: list[float], rows: list[str]) -> str:
        grid = "".join(f'<w:gridCol w:w="{round(w * _TWIPS_PER_CM)}"/>' for w in widths)
        total = round(sum(widths) * _TWIPS_PER_CM)
        self.parts.append(
            f'<w:tbl><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
            f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')
        self.parts.append(self._p("", self.layout.font, 2))  # keeps two tables apart (Word joins touching ones)

    def _scaled(self, widths: list[float]) -> list[float]:
        scale = self.width / sum(widths)
        return [w * scale for w in widths]

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    # ------------------------------------------------------------------ blocks
    def _paragraph(self, text: str, size: float | None = None, font: str | None = None, bold: bool = False,
                   align: str | None = None, indent: float = 0, before: float = 0, after: float = 6) -> None:
        lay = self.layout
        self.parts.append(self._p(text, font or lay.font, size or lay.size, bold, align, indent, before, after))

    def _columns(self, columns: list[Cell], rows: list[dict[str, str]], row_height: float | None,
                 extra: dict[str, str]) -> None:
        widths = self._scaled([c.width or 3.0 for c in columns])
        head = "".join(self._tc(c.title, w, bold=True, shade=True) for c, w in zip(columns, widths))
        trs = [self._tr(head, 0.9, header=True)]
        for values in rows:
            trs.append(self._tr("".join(self._tc(fill(c.value, extra | values), w, 1, c.align, c.valign, c.size)
                                        for c, w in zip(columns, widths)), row_height))
        self._tbl(widths, trs)

    def _fields(self, block: Block, content: Content) -> None:
        rows = [[c for c in row if c.pool is None or c.pool == content.pool] for row in block.rows]
        rows = [row for row in rows if row]
        if not rows:
            return
        pairs = max(len(r) for r in rows)
        value_w = max(1.0, (self.width - pairs * block.label_width) / pairs)
        widths = self._scaled([block.label_width, value_w] * pairs)
        trs = []
        for row in rows:
            cells = []
            for j, c in enumerate(row):
                span = 1 + 2 * (pairs - len(row)) if j == len(row) - 1 else 1
                cells.append(self._tc(fill(c.label, content.fields), widths[2 * j], 1, "center", "center", c.size,
                                      True, True))
                cells.append(self._tc(fill(c.value, content.fields), sum(widths[2 * j + 1:2 * j + 1 + span]), span,
                                      c.align, c.valign, c.size))
            trs.append(self._tr("".join(cells), max(c.height or block.row_height or 0.85 for c in row)))
        self._tbl(widths, trs)

    def _slate(self, block: Block, content: Content) -> None:
        lay = self.layout
        groups = content.slates.get(block.award, [])
        count = sum(len(entries) for _, entries in groups)
        base = content.fields | {"award": content.fields.get(f"award_{block.award}", ""), "count": str(count)}
        if block.heading:
            self._paragraph(fill(block.heading, base), lay.size + 1, lay.title_font, before=12)
        for unit, entries in groups:
            if block.group_heading:
                self._paragraph(fill(block.group_heading, base | {"unit": unit, "count": str(len(entries))}),
                                bold=True, before=6, after=3)
            self._columns(block.columns, entries, block.row_height, base)

    def render(self, layout: Layout, content: Content) -> str:
        """One form, from a new page when the document already holds one; returns the form's XML."""
        if self.pages:
            self.page_break()
        self.pages += 1
        mine, self.layout = self.layout, layout
        first = len(self.parts)
        f = content.fields
        for block in layout.blocks:
            if block.pool is not None and block.pool != content.pool:
                continue
            if block.kind == "title":
                self._paragraph(fill(block.text, f), block.size or 18, block.font or layout.title_font,
                                block.bold, block.align or "center", block.indent, block.space_before or 6,
                                block.space_after or 12)
            elif block.kind == "paragraph":
                self._paragraph(fill(block.text, f), block.size, block.font, block.bold, block.align,
                                block.indent, block.space_before, block.space_after)
            elif block.kind == "fields":
                self._fields(block, content)
            elif block.kind == "departments":
                self._columns(block.columns, content.departments, block.row_height, f)
            elif block.kind == "candidates":
                self._columns(block.columns, content.candidates, block.row_height, f)
            elif block.kind == "slate":
                self._slate(block, content)
            elif block.kind == "page_break":
                self.page_break()
        if layout.full_note and any(f.get(c) for c in layout.full_numbers):
            self._paragraph(fill(layout.full_note, f), 9, before=6)
        self.layout = mine
        return "".join(self.parts[first:])

    def add_form(self, xml: str) -> None:
        """A form rendered before (by another writer), from a new page."""
        if self.pages:
            self.page_break()
        self.pages += 1
        self.parts.append(xml)

    def bytes(self) -> bytes:
        """The DOCX file: python-docx's default package (styles, A4 section, fonts) with this body."""
        lay = self.layout
        entries = _package(lay.font, lay.size, lay.margin)
        body = "".join(self.parts).encode("utf-8")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in entries:
                if name == "word/document.xml":
                    content = content.replace(b"<w:body>", b"<w:body>" + body, 1)
                elif name == "docProps/core.xml":
                    content = content.replace(_TITLE_TOKEN.encode(), _esc(self.title).encode("utf-8"))
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, content)
        return buf.getvalue()


_TITLE_TOKEN = "SLATE-SELECTOR-TITLE"


_DROPPED = ("word/stylesWithEffects.xml", "customXml/", "docProps/thumbnail.jpeg")


def _styles_xml(font: str, size: float) -> bytes:
    """A small styles part: the document defaults (font, size, Chinese as the East Asian language), Normal,
    and the default character and table styles. The forms format every run themselves."""
    f, half = _esc(font), round(size * 2)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}"/>'
        f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="276" w:lineRule="auto"/>'
        '</w:pPr></w:pPrDefault></w:docDefaults>'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/>'
        '</w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
        '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>').encode()


@cache
def _package(font: str, size: float, margin: float) -> tuple[tuple[str, bytes], ...]:
    """python-docx's default document set up once per font, size and margin: A4 with the margins, a small
    styles part in `font`, fixed document properties and dates, its body empty but for the section; without
    the parts a form does not use (stylesWithEffects, customXml, the thumbnail)."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Cm(margin))
    props = doc.core_properties
    props.author, props.last_modified_by, props.title = "slate selector", "slate selector", _TITLE_TOKEN
    props.comments, props.revision = "", 1
    buf = io.BytesIO()
    doc.save(buf)
    z = zipfile.ZipFile(io.BytesIO(normalise_xlsx(buf.getvalue())))  # fixed document dates
    out = []
    for info in z.infolist():
        name = info.filename
        if name.startswith(_DROPPED):
            continue
        content = z.read(name)
        if name == "word/styles.xml":
            content = _styles_xml(font, size)
        elif name.endswith(".rels"):
            content = re.sub(rb'<Relationship [^>]*Target="[^"]*(?:stylesWithEffects|customXml|thumbnail)[^"]*"/>',
                             b"", content)
        elif name == "[Content_Types].xml":
            content = re.sub(rb'<Override PartName="/(?:word/stylesWithEffects|customXml/)[^"]*"[^>]*/>', b"", content)
        out.append((name, content))
    return tuple(out)


# =====================================================================================================
# writing everything into a folder
# =====================================================================================================
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(text: str) -> str:
    """A file name Windows, macOS and Linux all accept (no path separators or reserved characters)."""
    name = _BAD_NAME.sub("_", text).strip().strip(".") or "_"
    return name[:120]


@dataclass
class FormsWritten:
    """What write_forms wrote: the relative path of every file, by kind, and the missing clearances."""

    files: dict[str, list[str]] = field(default_factory=dict)  # kind -> relative paths
    missing: dict[str, int] = field(default_factory=dict)  # department name -> missing clearances
    full_numbers: list[str] = field(default_factory=list)  # files that print identity/phone numbers in full
    by_form: dict[str, int] = field(default_factory=dict)  # consultation form (附件2 ...) -> forms written
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return len(self.files.get(kind, []))


class _Folder:
    def __init__(self, root: Path):
        self.root = root
        self.taken: set[str] = set()
        self.index: list[list[str]] = []

    def path(self, sub: str, name: str) -> tuple[Path, str]:
        stem, dot, ext = safe_name(name).rpartition(".")
        if not dot or ext.lower() != "docx":
            stem, ext = safe_name(name), "docx"
        rel, n = f"{sub}/{stem}.{ext}" if sub else f"{stem}.{ext}", 2
        while rel.lower() in self.taken:
            rel = f"{sub}/{stem}-{n}.{ext}" if sub else f"{stem}-{n}.{ext}"
            n += 1
        self.taken.add(rel.lower())
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p, rel


def _slate_ids(result: SelectionResult | None) -> dict[str, list[str]]:
    if result is None or not any_slate(result):
        return {}
    return {a: list(r.selected) for a, r in result.awards.items()}


def _held(inputs: Inputs, slate: dict[str, list[str]], kind: str, cid: str) -> list[str]:
    """The awards a selected candidate holds, the subset award (特等) instead of its parent."""
    rs = inputs.ruleset
    held = [a.id for a in rs.awards if a.pool == kind and cid in set(slate.get(a.id, []))]
    subs = [a for a in held if rs.award(a).parent is not None]
    return subs or held


def write_forms(folder: Path, inputs: Inputs, result: SelectionResult | None = None,
                slate_only: bool = False) -> FormsWritten:
    """Every form of the rule set into `folder` (a result's forms/): consultation forms for every candidate
    who needs one (`slate_only`: the selected ones only), a bundle per department, the clearance tracker,
    the pledges per unit and, when `result` holds a slate, the public list and the approval forms."""
    rs = inputs.ruleset
    templates = load_templates(inputs)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = _Folder(folder)
    written = FormsWritten()
    slate = _slate_ids(result)
    selected = {c for ids in slate.values() for c in ids}
    records = {kind: pool.table.to_dict("records") for kind, pool in inputs.pools.items()}

    def save(writer: DocxWriter, kind: str, sub: str, name: str, row_meta: list[str], full: bool = False) -> None:
        path, rel = out.path(sub, name)
        path.write_bytes(writer.bytes())
        written.files.setdefault(kind, []).append(rel)
        out.index.append([kind, rel, *row_meta])
        if full:
            written.full_numbers.append(rel)

    # ---------------------------------------------------------------- consultation forms and bundles
    needs = consultation_needs(inputs, selected if slate_only else None) if templates.consultation else []
    contents: list[tuple[Need, str]] = []  # each form's XML, reused in the bundles
    forms_row: dict[Need, dict[str, str]] = {}
    for need in needs:
        layout = templates.consultation[need.form]
        row = records[need.pool][need.position]
        fields = candidate_fields(inputs, layout, need.pool, row)
        fields["form"] = f"{layout.attachment} {fill(layout.title, fields)}".strip()
        by_id = {e.id: e for e in rs.eligibility}
        fields["basis"] = "；".join(f"{by_id[r].clause} {by_id[r].text}" for r in need.rules)
        fields["departments"] = "、".join(department_name(inputs, d) for d in need.departments)
        fields["n_departments"] = str(len(need.departments))
        fields["rules"] = "、".join(need.rules)
        fields["clause"] = "、".join(dict.fromkeys(by_id[r].clause for r in need.rules))
        deps = [fields | {"department": department_name(inputs, d), "department_short": department_short(inputs, d)}
                for d in need.departments]
        content = Content(fields, need.pool, departments=deps)
        w = DocxWriter(layout, fields["title"])
        xml = w.render(layout, content)
        contents.append((need, xml))
        forms_row[need] = fields
        written.by_form[fields["form"]] = written.by_form.get(fields["form"], 0) + 1
        save(w, "consultation", "consultation", fill(layout.file, fields),
             [need.id, need.name, need.unit, fields["form"], fields["departments"]])
    if contents and templates.bundle is not None:
        cover = templates.bundle
        for d in department_order(inputs, [Clearance(n.pool, n.id, n.name, n.unit, (), n.departments,
                                                     frozenset(), True) for n in needs]):
            mine = [(n, xml) for n, xml in contents if d in n.departments]
            fields = _common(inputs, cover) | {"department": department_name(inputs, d),
                                               "department_short": department_short(inputs, d),
                                               "count": str(len(mine))}
            fields["title"] = fill(cover.title, fields)
            rows = [forms_row[n] | {"seq": str(i)} for i, (n, _x) in enumerate(mine, start=1)]
            w = DocxWriter(cover, fields["title"])
            w.render(cover, Content(fields, None, candidates=rows))
            for _n, xml in mine:
                w.add_form(xml)
            save(w, "bundle", "by_department", fill(cover.file, fields),
                 ["", fields["department"], "", str(len(mine)), fields["department"]])

    # ---------------------------------------------------------------- the clearance tracker
    status = clearance_status(inputs, templates)
    if status:
        write_tracker(folder / TRACKER_FILE, inputs, status)
        written.files.setdefault("tracker", []).append(TRACKER_FILE)
        out.index.append(["tracker", TRACKER_FILE, "", "", "", "", ""])
        written.missing = {department_name(inputs, d): n for d, n in missing_by_department(inputs, status).items()}

    # ---------------------------------------------------------------- pledges, one per unit with candidates
    if templates.pledge is not None:
        layout = templates.pledge
        units = list(inputs.quotas.units)
        for kind in inputs.pools:
            units += [str(r["unit"]) for r in records[kind] if str(r["unit"]) not in units]
        for unit in units:
            rows = []
            for kind in inputs.pools:
                rows += [candidate_fields(inputs, layout, kind, r) for r in records[kind] if str(r["unit"]) == unit
                         and (not slate_only or str(r["id"]) in selected)]
            if not rows:
                continue
            rows = [r | {"seq": str(i)} for i, r in enumerate(rows, start=1)]
            fields = _common(inputs, layout) | {"unit": unit, "count": str(len(rows))}
            fields["title"] = fill(layout.title, fields)
            w = DocxWriter(layout, fields["title"])
            w.render(layout, Content(fields, None, candidates=rows))
            save(w, "pledge", "pledge", fill(layout.file, fields), ["", unit, unit, str(len(rows)), ""])

    # ---------------------------------------------------------------- with a slate: public list, approval forms
    if slate and templates.public_list is not None:
        layout = templates.public_list
        fields = _common(inputs, layout) | {f"count_{a}": str(len(ids)) for a, ids in slate.items()}
        fields |= {f"award_{a.id}": a.name_zh for a in rs.awards}
        fields["title"] = fill(layout.title, fields)
        order = _unit_order(inputs)
        slates: dict[str, list[tuple[str, list[dict[str, str]]]]] = {}
        for award in rs.awards:
            if award.id not in slate or award.parent is not None:
                continue
            entries = ranked(inputs, _result_of(result), award)
            entries.sort(key=lambda e: (order.get(str(e[1]["unit"]), len(order)), e[0]))
            groups: dict[str, list[dict[str, str]]] = {}
            for seq, (rank, row) in enumerate(entries, start=1):
                f = candidate_fields(inputs, layout, award.pool, row, _held(inputs, slate, award.pool, str(row["id"])))
                groups.setdefault(str(row["unit"]), []).append(f | {"seq": str(seq), "rank": str(rank)})
            slates[award.id] = list(groups.items())
        w = DocxWriter(layout, fields["title"])
        w.render(layout, Content(fields, None, slates=slates))
        save(w, "public_list", "", fill(layout.file, fields),
             ["", "", "", "、".join(f"{rs.award(a).name_zh} {n}" for a, n in
                                    ((a, len(ids)) for a, ids in slate.items())), ""])
    if slate and templates.approval:
        for award in rs.awards:
            layout = templates.approval.get(award.pool)  # type: ignore[assignment]
            if layout is None or award.parent is not None or award.id not in slate:
                continue
            for rank, row in ranked(inputs, _result_of(result), award):
                held = _held(inputs, slate, award.pool, str(row["id"]))
                f = candidate_fields(inputs, layout, award.pool, row, held) | {"rank": str(rank)}
                w = DocxWriter(layout, f["title"])
                w.render(layout, Content(f, award.pool))
                full = any(f.get(c) for c in layout.full_numbers)
                save(w, "approval", "approval", fill(layout.file, f),
                     [str(row["id"]), str(row["name"]), str(row["unit"]), f["awards"], ""], full)

    # ---------------------------------------------------------------- the index
    head = ["类别", "文件", "人选编号", "姓名（名称）", "推荐单位", "表/内容", "征求意见部门"]
    kinds_zh = {"consultation": "征求意见表", "bundle": "部门汇总", "tracker": "审查同意跟踪表", "pledge": "承诺书",
                "public_list": "公示名单", "approval": "推荐审批表"}
    write_rows_csv([dict(zip(head, [kinds_zh.get(r[0], r[0]), *r[1:]])) for r in out.index], folder / INDEX_FILE, head)
    written.files.setdefault("index", []).append(INDEX_FILE)
    if written.full_numbers:
        written.notes.append(_("{n} approval forms print identity-card or phone numbers in full (the form exists "
                               "to carry them; every other output masks them)", n=len(written.full_numbers)))
    if not slate:
        written.notes.append(_("no slate: the public list and the approval forms need one (run `selector select`)"))
    return written


def _result_of(result: SelectionResult | None) -> SelectionResult:
    assert result is not None
    return result


def forms_differences(folder: Path, inputs: Inputs, result: SelectionResult | None) -> tuple[list[str], int]:
    """`folder` (a result's forms/) against the forms the inputs and the result give now: what differs, and
    how many files were compared (selector verify)."""
    import tempfile

    folder = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / FORMS_DIR
        write_forms(fresh, inputs, result)
        mine = {p.relative_to(fresh).as_posix(): p for p in fresh.rglob("*") if p.is_file()}
        theirs = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
        differ = [_("{name} is missing", name=n) for n in sorted(set(mine) - set(theirs))]
        differ += [_("{name} is not one the inputs give", name=n) for n in sorted(set(theirs) - set(mine))]
        differ += [_("{name} differs from the one the inputs and the slate give", name=n)
                   for n in sorted(set(mine) & set(theirs)) if mine[n].read_bytes() != theirs[n].read_bytes()]
        return differ, len(mine)


def format_written(written: FormsWritten, where: Path | str) -> str:
    """The terminal summary of write_forms."""
    labels = [("consultation", _("consultation forms (附件2/附件3)")), ("bundle", _("department bundles")),
              ("tracker", _("clearance tracker")), ("pledge", _("pledges (承诺书)")),
              ("public_list", _("public list (公示名单)")), ("approval", _("approval forms (推荐审批表)"))]
    lines = [_("Forms written to {path}/:", path=where)]
    for kind, label in labels:
        lines.append(f"  {label}: {written.count(kind)}")
        if kind == "consultation":
            lines += [f"    {form}: {n}" for form, n in written.by_form.items()]
    if written.missing:
        lines.append(_("Clearances still missing per department: {list}", list="，".join(
            f"{d} {n}" for d, n in written.missing.items())))
    lines += [f"  {n}" for n in written.notes]
    return "\n".join(lines)


# =====================================================================================================
# a result folder's inputs and slate (for `selector forms RESULT`)
# =====================================================================================================
def result_inputs(folder: Path) -> tuple[Inputs, SelectionResult]:
    """The inputs a result folder was made from (each with its recorded hash, what-if overrides applied:
    adjust.load_published) and the result it recorded (summary.json)."""
    published = load_published(folder)
    try:
        result = SelectionResult.model_validate_json((Path(folder) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputErrors([InputProblem(str(Path(folder) / "summary.json"), _("cannot be read: {error}",
                                                                               error=str(e).splitlines()[0]))]
                          ) from None
    return published.inputs, result
