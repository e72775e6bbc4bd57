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

This module writes the forms/ folder (`write_forms`) and compares it (`forms_differences`); the templates
and their fields are form_layout.py, who needs which form clearance.py, the DOCX itself docx_writer.py.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from selector import progress
from selector.analysis.adjust import load_published
from selector.domain import SelectionResult
from selector.errors import InputErrors, InputProblem
from selector.i18n import _
from selector.outputs.bounds import large_pool
from selector.outputs.clearance import (
    Clearance,
    Need,
    clearance_status,
    consultation_needs,
    department_name,
    department_order,
    department_short,
    missing_by_department,
    rows_at,
    unit_order,
    write_tracker,
)
from selector.outputs.docx_writer import Content, DocxWriter
from selector.outputs.form_layout import candidate_fields, common_fields, fill, load_templates
from selector.outputs.sheets import write_rows_csv
from selector.outputs.slates import any_slate
from selector.outputs.summary import ranked
from selector.reading.inputs import Inputs

FORMS_DIR = "forms"  # the subfolder of a result folder
TRACKER_FILE = "clearance_tracker.xlsx"
INDEX_FILE = "index.csv"


# =====================================================================================================
# the layout templates (models/<rule set>-forms/*.toml)
# =====================================================================================================


# =====================================================================================================
# who needs which consultation form, and which departments sign it (E7, E8)
# =====================================================================================================


# =====================================================================================================
# the clearance tracker: who still lacks which department's consent
# =====================================================================================================


# =====================================================================================================
# the fields a document fills in
# =====================================================================================================


# =====================================================================================================
# DOCX rendering (python-docx; A4; fonts set for East Asian text so Word and WPS show 宋体/黑体)
# =====================================================================================================


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


def _held(inputs: Inputs, slate: dict[str, set[str]], kind: str, cid: str) -> list[str]:
    """The awards a selected candidate holds, the subset award (特等) instead of its parent."""
    rs = inputs.ruleset
    held = [a.id for a in rs.awards if a.pool == kind and cid in slate.get(a.id, ())]
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
    holds = {a: set(ids) for a, ids in slate.items()}

    def save(writer: DocxWriter, kind: str, sub: str, name: str, row_meta: list[str], full: bool = False) -> None:
        path, rel = out.path(sub, name)
        path.write_bytes(writer.bytes())
        written.files.setdefault(kind, []).append(rel)
        out.index.append([kind, rel, *row_meta])
        if full:
            written.full_numbers.append(rel)
        progress.report(_("documents"), len(out.index))

    # ---------------------------------------------------------------- consultation forms and bundles
    needs = consultation_needs(inputs, selected if slate_only else None) if templates.consultation else []
    pledged = {kind: [i for i, c in enumerate(pool.table["id"]) if not slate_only or str(c) in selected]
               for kind, pool in inputs.pools.items()} if templates.pledge is not None else {}
    records = {kind: rows_at(pool.table, {n.position for n in needs if n.pool == kind} | set(pledged.get(kind, [])))
               for kind, pool in inputs.pools.items()}  # the rows the documents print, not a large pool whole
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
            fields = common_fields(inputs, cover) | {"department": department_name(inputs, d),
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
        by_unit: dict[str, dict[str, list[dict]]] = {}  # pool -> unit -> its rows (slate_only: the selected)
        for kind, pool in inputs.pools.items():
            # a unit the quota table lacks is added once, not once per candidate row
            units += [u for u in dict.fromkeys(str(u) for u in pool.table["unit"]) if u not in set(units)]
            for pos in pledged[kind]:
                r = records[kind][pos]
                by_unit.setdefault(kind, {}).setdefault(str(r["unit"]), []).append(r)
        for unit in units:
            rows = []
            for kind in inputs.pools:
                rows += [candidate_fields(inputs, layout, kind, r) for r in by_unit.get(kind, {}).get(unit, [])]
            if not rows:
                continue
            rows = [r | {"seq": str(i)} for i, r in enumerate(rows, start=1)]
            fields = common_fields(inputs, layout) | {"unit": unit, "count": str(len(rows))}
            fields["title"] = fill(layout.title, fields)
            w = DocxWriter(layout, fields["title"])
            w.render(layout, Content(fields, None, candidates=rows))
            save(w, "pledge", "pledge", fill(layout.file, fields), ["", unit, unit, str(len(rows)), ""])

    # ---------------------------------------------------------------- with a slate: public list, approval forms
    if slate and templates.public_list is not None:
        layout = templates.public_list
        fields = common_fields(inputs, layout) | {f"count_{a}": str(len(ids)) for a, ids in slate.items()}
        fields |= {f"award_{a.id}": a.name_zh for a in rs.awards}
        fields["title"] = fill(layout.title, fields)
        order = unit_order(inputs)
        slates: dict[str, list[tuple[str, list[dict[str, str]]]]] = {}
        for award in rs.awards:
            if award.id not in slate or award.parent is not None:
                continue
            entries = ranked(inputs, _result_of(result), award)
            entries.sort(key=lambda e: (order.get(str(e[1]["unit"]), len(order)), e[0]))
            groups: dict[str, list[dict[str, str]]] = {}
            for seq, (rank, row) in enumerate(entries, start=1):
                f = candidate_fields(inputs, layout, award.pool, row, _held(inputs, holds, award.pool, str(row["id"])))
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
                held = _held(inputs, holds, award.pool, str(row["id"]))
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
    folder = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / FORMS_DIR
        write_forms(fresh, inputs, result, slate_only=large_pool(inputs))  # as select wrote them (bounds.py)
        mine = {p.relative_to(fresh).as_posix(): p for p in fresh.rglob("*") if p.is_file()}
        theirs = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
        differ = [_("{name} is missing", name=n) for n in sorted(set(mine) - set(theirs))]
        differ += [_("{name} is not one the inputs give", name=n) for n in sorted(set(theirs) - set(mine))]
        differ += [_("{name} differs from the one the inputs and the slate give", name=n)
                   for n in sorted(set(mine) & set(theirs)) if mine[n].read_bytes() != theirs[n].read_bytes()]
        return differ, len(mine)


def format_written(written: FormsWritten, where: Path | str) -> str:
    """The terminal summary of write_forms."""
    labels = [("consultation", _("consultation forms")), ("bundle", _("department bundles")),
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
