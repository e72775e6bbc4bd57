"""The form templates beside a rule set (models/<rule set>-forms/*.toml, format in its README.md): their
layout (title, file name, fonts, blocks of fields and tables), loaded and checked against the rule set, and
the fields a document fills in from a candidate's row (masked as every other output, but for a template's
`full_numbers`)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from selector.errors import InputErrors, InputProblem, ProblemCollector, load_toml_model
from selector.i18n import _
from selector.outputs.cells import text_cell, xlsx_cell
from selector.reading.inputs import Inputs
from selector.reading.rules import BASE_COLUMNS, RuleSet, ruleset_dir_path
from selector.reading.strict import Strict

_Strict = Strict  # unknown keys refused, frozen: as every rule-set class


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


class _Fields(dict):
    def __missing__(self, key: str) -> str:  # a column this pool lacks: a blank to fill by hand
        return ""


def fill(text: str, fields: dict[str, str]) -> str:
    return string.Formatter().vformat(text, (), _Fields(fields))


def common_fields(inputs: Inputs, layout: Layout) -> dict[str, str]:
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
    out = common_fields(inputs, layout)
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
