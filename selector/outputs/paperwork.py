"""The office's paperwork (九 T3, 六 W1): blank XLSX templates, the preliminary review summary tables
(附件4 劳动模范初审汇总表, 附件5 先进集体初审汇总表), the reward budget and the report (report.md, report.html).

Everything is driven by the rule set: the templates by its pool specs (Chinese headers, allowed values,
aliases), the summary tables by its optional `[paperwork]` section, the budget by each award's
`reward_yuan`. Identity-card and phone numbers in a pool's extra columns are masked in every output
(`mask_value`). XLSX files are written byte for byte reproducibly (`save_workbook`), so two runs on
the same inputs give identical files.

Library functions return data or write files into a folder they are given; only the CLI prints.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd

from selector.domain import SelectionResult
from selector.i18n import _
from selector.outputs.sheets import normalise_xlsx_file, put, save_workbook, text_width, write_csv
from selector.pipeline import Inputs
from selector.reading import kinds
from selector.reading.pool import Pool, Quotas, normalise_header
from selector.reading.rules import (
    BASE_COLUMNS,
    NO,
    YES,
    Attribute,
    Award,
    PaperworkColumn,
    PoolSpec,
    RuleSet,
    SummaryTable,
)

# =====================================================================================================
# privacy: identity-card and phone numbers are masked in every output and never logged
# =====================================================================================================
_SENSITIVE_ZH = ("身份证", "证件号", "公民身份号码", "电话", "手机", "联系方式", "联系电话")
_SENSITIVE_EN = {"phone", "mobile", "tel", "telephone", "cellphone", "idcard", "idno", "passport"}
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")


def _masked(content: object) -> object:
    """mask_text over every string of a report block (text, list items, table headers and cells)."""
    if isinstance(content, str):
        return mask_text(content)
    if isinstance(content, (list, tuple)):
        return type(content)(_masked(c) for c in content)
    return content


def is_sensitive_header(header: str) -> bool:
    """A column whose header names identity-card or phone numbers (身份证号, 手机, phone, id_card ...)."""
    h = normalise_header(header)
    if any(w in h for w in _SENSITIVE_ZH):
        return True
    tokens = [t for t in re.split(r"[^a-z0-9]+", h) if t]
    joined = {a + b for a, b in zip(tokens, tokens[1:])}
    return bool(_SENSITIVE_EN & (set(tokens) | joined)) or (
        "id" in tokens and bool({"card", "number", "no"} & set(tokens)))


def _mask_id(m: re.Match) -> str:
    s = m.group(0)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_text(text: str) -> str:
    """Mask every 18- or 15-digit identity-card number and every 11-digit mobile number inside `text`:
    210203198001011234 -> 2102**********1234, 13812345678 -> 138****5678."""
    t = _ID18.sub(_mask_id, text)
    t = _ID15.sub(_mask_id, t)
    return _MOBILE.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + m.group(1) + "****" + m.group(3), t)


def public_id_map(ids: Iterable[str]) -> dict[str, str]:
    """Each id as public outputs show it (issue 11, item 21): itself, or masked when it is or holds an
    identity-card or mobile number (210203198001011234 -> 2102**********1234). Ids that mask alike are
    told apart by -2, -3 ... in file order, so a public list still names each candidate once; the full
    ids stay in the audit record (audit.json, summary.json)."""
    out: dict[str, str] = {}
    taken: dict[str, int] = {}
    for i in ids:
        masked = mask_text(i)
        if masked == i:
            out[i] = i
            continue
        n = taken[masked] = taken.get(masked, 0) + 1
        out[i] = masked if n == 1 else f"{masked}-{n}"
    return out


def mask_value(value: object, sensitive: bool = False) -> object:
    """A cell for output: numbers that look like identity-card or mobile numbers masked; in a sensitive
    column (身份证号, 电话 ...) anything else with digits keeps only its first 3 and last 4 characters."""
    if value is None or not isinstance(value, str):
        return value
    masked = mask_text(value)
    if sensitive and masked == value and sum(c.isdigit() for c in value) >= 5:
        keep = value.strip()
        masked = keep[:3] + "*" * max(0, len(keep) - 7) + keep[-4:] if len(keep) > 7 else "*" * len(keep)
    return masked


def private_columns(spec: PoolSpec, pool: Pool) -> list[str]:
    """The columns whose text may carry personal numbers: the pool's extra columns and text attributes."""
    return list(pool.extra_columns) + [a.column for a in spec.attributes if a.type == "text"]


def mask_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of `frame` with every cell of `columns` passed through `mask_value`."""
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            sensitive = is_sensitive_header(c)
            out[c] = [mask_value(v, sensitive) for v in out[c]]
    return out


# =====================================================================================================
# cell values in Chinese
# =====================================================================================================
def value_zh(attr: Attribute | None, value: str) -> str:
    """The first Chinese alias the rule set declares for a canonical value (enterprise -> 企业), else the value."""
    if attr is not None:
        for alias, canonical in attr.value_aliases.items():
            if canonical == value and not alias.isascii():
                return alias
    return value


def flag_zh(value: str | None) -> str | None:
    return {YES: "是", NO: "否"}.get(value or "", None)


def _share_cell(f: Fraction) -> tuple[float, str]:
    return float(f), ("0%" if (f * 100).denominator == 1 else "0.0#%")


def xlsx_cell(spec: PoolSpec, column: str, value: object) -> tuple[object, str | None]:
    """A pool value as an XLSX cell (value, number format): categories and sets in Chinese, flags 是/否,
    shares as percentages, dates as dates, scores as numbers."""
    if value is None:
        return None, None
    attr = spec.attribute(column)
    if column == "score":
        return float(value), "0.0##"  # type: ignore[arg-type]
    if attr is None:
        return (mask_value(str(value), is_sensitive_header(column)) if value != "" else None), None
    if attr.type == "category":
        return value_zh(attr, str(value)), None
    if attr.type == "flag":
        return flag_zh(str(value)), None
    if attr.type == "share":
        return _share_cell(value)  # type: ignore[arg-type]
    if attr.type == "number":
        return float(value), "0.##"  # type: ignore[arg-type]
    if attr.type == "date":
        return value, "yyyy-mm-dd"
    if attr.type == "set":
        return ("、".join(value_zh(attr, v) for v in sorted(value)) or None), None  # type: ignore[attr-defined]
    return mask_value(str(value), is_sensitive_header(column)), None


def text_cell(value: object, number_format: str | None = None) -> str:
    """An XLSX cell as the report shows it: percentages as 91%, dates as 2021-04-01."""
    if value is None:
        return ""
    if isinstance(value, float) and number_format and number_format.endswith("%"):
        pct = Decimal(str(value)) * 100
        return f"{pct.normalize():f}%"
    if isinstance(value, float):
        return f"{Decimal(str(value)).normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# =====================================================================================================
# reproducible XLSX: selector.outputs.sheets (save_workbook, normalise_xlsx) writes every cell formula-safe
# =====================================================================================================
def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    return {
        "title": Font(name="宋体", size=16, bold=True),
        "bold": Font(name="宋体", size=11, bold=True),
        "body": Font(name="宋体", size=11),
        "fill": PatternFill("solid", fgColor="D9D9D9"),
        "required_fill": PatternFill("solid", fgColor="FCE4D6"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="center", wrap_text=True),
    }


def _width(text: str) -> float:
    return float(text_width(text) + 2)


# =====================================================================================================
# templates: blank pools and quota table with Chinese headers, drop-downs and a 说明 sheet
# =====================================================================================================
NOTE_SHEET = "说明"
LIST_SHEET = "选项"
TEMPLATE_ROWS = 1000  # rows that carry the drop-downs
_TYPE_ZH = {
    "category": "分类（下拉选择）", "flag": "是/否（下拉选择）", "share": "比例（85%、85 或 0.85）",
    "number": "数字", "date": "日期（2021-04-01）", "set": "多选（用 ; 或 、 分隔）", "text": "文本",
}
_BASE_ZH = {"id": ("编号", "每个人选唯一，按文本填写"), "name": ("姓名", ""),
            "unit": ("推荐单位", "名额分配表中的单位"), "score": ("得分", "数字，不小于 0，最多 6 位小数")}


@dataclass(frozen=True)
class TemplateColumn:
    column: str  # canonical column
    header: str  # the Chinese header written
    label_en: str
    kind: str  # base column name or attribute type
    required: bool
    choices: list[str] = field(default_factory=list)  # drop-down values (they read back as `column`'s values)
    note: str = ""


def offered_values(attr: Attribute) -> list[str]:
    """What a drop-down offers for a category or flag: one Chinese name per canonical value (each reads back
    through the rule set's value_aliases), or the canonical value where no Chinese name is declared."""
    if attr.type == "flag":
        return ["是", "否"]
    return [value_zh(attr, v) for v in attr.values]


def template_columns(spec: PoolSpec, units: list[str] | None = None) -> list[TemplateColumn]:
    """The template's columns: id, name, unit, score, then every attribute, each under a Chinese header
    that pool.read_pool maps back to it."""
    from selector.errors import ProblemCollector
    from selector.reading.pool import Table, _match_columns

    cols: list[TemplateColumn] = []
    for c in BASE_COLUMNS:
        aliases = spec.base_aliases.get(c, [])
        zh = next((a for a in aliases if not a.isascii()), _BASE_ZH[c][0])
        cols.append(TemplateColumn(c, zh, c, c, True, list(units or []) if c == "unit" else [], _BASE_ZH[c][1]))
    for a in spec.attributes:
        zh = a.label_zh or next((x for x in a.aliases if not x.isascii()), a.column)
        choices = offered_values(a) if a.type in ("category", "flag") else []
        cols.append(TemplateColumn(a.column, zh, a.label_en or a.column, a.type,
                                   a.required and a.default is None and not a.allow_blank, choices))
    # every header must map back to its own column; otherwise fall back to the English column name
    for _attempt in range(2):
        problems = ProblemCollector("template")
        found = _match_columns(Table("template", [c.header for c in cols], [], []), spec, problems)
        wrong = {c.column for i, c in enumerate(cols) if found.get(c.column) != i}
        if not wrong and not problems.problems:
            break
        cols = [TemplateColumn(c.column, c.column, c.label_en, c.kind, c.required, c.choices, c.note)
                if c.column in wrong else c for c in cols]
    return cols


def _allowed_text(spec: PoolSpec, col: TemplateColumn, units: list[str] | None) -> str:
    attr = spec.attribute(col.column)
    if col.column == "unit":
        return "、".join(units) if units else "名额分配表中的单位"
    if attr is None:
        return ""
    if attr.type == "flag":
        return "是 / 否（也可填 yes/no）"
    if attr.type in ("category", "set"):
        parts = []
        for v in attr.values:
            zh = value_zh(attr, v)
            others = [a for a, c in attr.value_aliases.items() if c == v and a != zh]
            parts.append(f"{zh}（{v}）" if zh != v else v)
            if others:
                parts[-1] += "，也可填 " + "/".join(others)
        return "；".join(parts)
    if attr.type == "share":
        return "0% 至 100%"
    if attr.type == "number":
        lo = "" if attr.min is None else f"{attr.min:g}"
        hi = "" if attr.max is None else f"{attr.max:g}"
        return f"{lo} 至 {hi}" if lo or hi else "数字"
    if attr.type == "date":
        return "日期，如 2021-04-01"
    return ""


def _required_text(attr: Attribute | None) -> str:
    if attr is None:
        return "必填"
    if attr.required and not attr.allow_blank and attr.default is None:
        return "必填"
    parts = []
    if not attr.required:
        parts.append("可无此列" + (f"（缺列时按“{value_zh(attr, attr.default)}”）" if attr.default else ""))
    if attr.allow_blank or attr.type == "set":
        parts.append("可留空")
    elif attr.default is not None:
        parts.append(f"留空按“{value_zh(attr, attr.default) if attr.type != 'flag' else flag_zh(attr.default)}”")
    return "；".join(parts) or "必填"


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _add_validation(ws, lists_ws, col_index: int, col: TemplateColumn, attr: Attribute | None) -> None:
    """A drop-down (category, flag, unit) or a range check (score, share, number, date) on the column."""
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = _col_letter(col_index)
    ref = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
    dv = None
    if col.choices:
        inline = ",".join(col.choices)
        if len(inline) <= 250 and not any(("," in c or '"' in c) for c in col.choices):
            formula = f'"{inline}"'
        else:  # long lists go to the hidden sheet 选项
            j = lists_ws.max_column + (0 if lists_ws.max_row == 1 and lists_ws["A1"].value is None else 1)
            put(lists_ws, 1, j, col.header)
            for r, c in enumerate(col.choices, start=2):
                put(lists_ws, r, j, c)
            lc = _col_letter(j)
            formula = f"'{LIST_SHEET}'!${lc}$2:${lc}${len(col.choices) + 1}"
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            errorStyle="warning" if col.column == "unit" else "stop")
        dv.error = "请从下拉列表中选择：" + "、".join(col.choices)[:200]
        dv.prompt = "从下拉列表中选择"
    elif col.column == "score":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.prompt = "得分须为不小于 0 的数字", "数字，不小于 0"
    elif attr is not None and attr.type == "share":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
        dv.error, dv.prompt = "请填写 0% 至 100% 的比例（如 85%、85 或 0.85）", "比例：85%、85 或 0.85"
    elif attr is not None and attr.type == "number" and (attr.min is not None or attr.max is not None):
        lo = attr.min if attr.min is not None else -1e9
        hi = attr.max if attr.max is not None else 1e9
        dv = DataValidation(type="decimal", operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}",
                            allow_blank=True)
        dv.error = dv.prompt = f"{lo:g} 至 {hi:g} 之间的数字"
    elif attr is not None and attr.type == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)  # 2000-01-01
        dv.error, dv.prompt = "请填写日期，如 2021-04-01", "日期，如 2021-04-01"
    if dv is None:
        return
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorTitle = col.header
    dv.promptTitle = col.header
    dv.add(ref)
    ws.add_data_validation(dv)


def _note_sheet(wb, rows: list[list[str]], intro: list[str]) -> None:
    st = _styles()
    ws = wb.create_sheet(NOTE_SHEET)
    for i, line in enumerate(intro, start=1):
        put(ws, i, 1, line).font = st["bold"] if i == 1 else st["body"]
    head = ["表头", "英文名称", "字段", "类型", "是否必填", "可填的值", "说明"]
    r0 = len(intro) + 2
    for j, h in enumerate(head, start=1):
        c = put(ws, r0, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["fill"], st["border"], st["center"]
    for i, row in enumerate(rows, start=r0 + 1):
        for j, v in enumerate(row, start=1):
            c = put(ws, i, j, v)
            c.font, c.border, c.alignment = st["body"], st["border"], st["left"]
    for j, w in enumerate([18, 22, 18, 20, 22, 60, 30], start=1):
        ws.column_dimensions[_col_letter(j)].width = w


def write_pool_template(path: Path, ruleset: RuleSet, kind: str, units: list[str] | None = None) -> None:
    """A blank pool workbook: the data sheet (Chinese headers, drop-downs, formats) and the sheet 说明."""
    import openpyxl

    spec = ruleset.pools[kind]
    st = _styles()
    cols = template_columns(spec, units)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _sheet_name(spec.label_zh or kind)
    lists_ws = wb.create_sheet(LIST_SHEET)
    lists_ws.sheet_state = "hidden"
    for j, col in enumerate(cols, start=1):
        attr = spec.attribute(col.column)
        c = put(ws, 1, j, col.header)
        c.font, c.border, c.alignment = st["bold"], st["border"], st["center"]
        c.fill = st["required_fill"] if col.required else st["fill"]
        letter = _col_letter(j)
        ws.column_dimensions[letter].width = max(10.0, _width(col.header))
        fmt = "@" if col.column in ("id", "name", "unit") or (attr is not None and attr.type in (
            "category", "flag", "set", "text")) else ("yyyy-mm-dd" if attr is not None and attr.type == "date"
                                                      else None)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt  # cells typed in later take the column's format
        _add_validation(ws, lists_ws, j, col, attr)
    ws.freeze_panes = "A2"
    if lists_ws["A1"].value is None:
        wb.remove(lists_ws)
    rows = [[col.header, col.label_en, col.column,
             {"id": "文本", "name": "文本", "unit": "单位（下拉选择）", "score": "数字"}.get(col.kind)
             or _TYPE_ZH.get(col.kind, col.kind),
             _required_text(spec.attribute(col.column)), _allowed_text(spec, col, units), col.note]
            for col in cols]
    _note_sheet(wb, rows, [
        f"{ruleset.title_zh or ruleset.id}（{ruleset.notice}）— {spec.label_zh or kind}填报模板" if ruleset.notice
        else f"{ruleset.title_zh or ruleset.id} — {spec.label_zh or kind}填报模板",
        f"在“{ws.title}”工作表中每行填写一个人选，保持第一行表头不变；带下拉框的列请从下拉列表中选择。",
        "淡红色表头为必填列；其他列可按下表说明留空或删除。本工作表仅作说明，读取时忽略。",
    ])
    save_workbook(wb, path)


def write_quota_template(path: Path, ruleset: RuleSet, units: list[str] | None = None) -> None:
    """A blank quota allocation table (附件1 名额分配表): 推荐单位 and one column per award with a quota."""
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    st = _styles()
    awards = [a for a in ruleset.awards if a.quota != "none"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名额分配表"
    for j, h in enumerate(["推荐单位", *[a.name_zh for a in awards]], start=1):
        c = put(ws, 1, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["required_fill"], st["border"], st["center"]
        ws.column_dimensions[_col_letter(j)].width = max(14.0, _width(h))
    ws.column_dimensions["A"].number_format = "@"
    if awards:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.prompt = "名额须为不小于 0 的整数", "名额（整数）"
        dv.showErrorMessage = dv.showInputMessage = True
        dv.add(f"B2:{_col_letter(len(awards) + 1)}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    rows = [["推荐单位", "unit", "unit", "文本", "必填", "每个单位一行，不得重复", "人选表中的推荐单位须在此表中"]]
    for a in awards:
        how = {"cap": "上限：该单位入选不超过此数", "exact": "须足额：该单位入选恰为此数"}[a.quota]
        rows.append([a.name_zh, a.name_en or a.id, a.id, "整数", "必填", "不小于 0 的整数",
                     f"{how}；各单位合计应为 {a.seats - a.open_seats}" + (f"（另有单列 {a.open_seats} 名）"
                                                                        if a.open_seats else "")])
    _note_sheet(wb, rows, [
        f"{ruleset.title_zh or ruleset.id} — 名额分配表填报模板",
        "每行填写一个推荐单位及其各奖项名额。本工作表仅作说明，读取时忽略。",
        ("当前规则集中的单位：" + "、".join(units)) if units else "",
    ])
    save_workbook(wb, path)


def _sheet_name(text: str) -> str:
    bad = '[]:*?/\\'
    return "".join("_" if c in bad else c for c in text)[:31] or "Sheet1"


def write_templates(ruleset: RuleSet, folder: Path, units: list[str] | None = None) -> list[Path]:
    """One blank workbook per pool (individuals.xlsx, collectives.xlsx) and quotas.xlsx into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for kind in ruleset.pools:
        path = folder / f"{kind}.xlsx"
        write_pool_template(path, ruleset, kind, units)
        out.append(path)
    path = folder / "quotas.xlsx"
    write_quota_template(path, ruleset, units)
    out.append(path)
    return out


# =====================================================================================================
# summary tables (附件4, 附件5)
# =====================================================================================================
@dataclass(frozen=True)
class SummarySheet:
    """A summary table as cells: title, headers, rows of (value, number format), a closing line."""

    table: SummaryTable
    file: str
    headers: list[str]
    widths: list[float | None]
    rows: list[list[tuple[object, str | None]]]
    footer: str


def summary_tables(ruleset: RuleSet) -> list[SummaryTable]:
    """The rule set's summary tables, or by default one per top-level award: seq, unit, name, score,
    rank and a mark per subset award."""
    if ruleset.paperwork.tables:
        return list(ruleset.paperwork.tables)
    out = []
    for a in ruleset.awards:
        if a.parent is not None:
            continue
        spec = ruleset.pools[a.pool]
        cols = [PaperworkColumn(column="seq", title="序号"),
                PaperworkColumn(column="unit", title=_zh_base(spec, "unit")),
                PaperworkColumn(column="name", title=_zh_base(spec, "name")),
                PaperworkColumn(column="score", title=_zh_base(spec, "score")),
                PaperworkColumn(column="rank", title="名次")]
        cols += [PaperworkColumn(column=s.id, title=s.name_zh) for s in ruleset.awards if s.parent == a.id]
        out.append(SummaryTable(award=a.id, title_zh=f"{a.name_zh}初审汇总表", columns=cols))
    return out


def _zh_base(spec: PoolSpec, column: str) -> str:
    return next((a for a in spec.base_aliases.get(column, []) if not a.isascii()), _BASE_ZH[column][0])


def table_file(table: SummaryTable) -> str:
    return table.file or f"review_summary_{table.award}.xlsx"


def ranked(inputs: Inputs, result: SelectionResult, award: Award) -> list[tuple[int, dict]]:
    """The award's slate as (rank, pool row), rank by descending score then id, as in the slate CSVs."""
    pool = inputs.pools[award.pool]
    chosen = set(result.awards[award.id].selected)
    rows = [r for r in pool.table.to_dict("records") if r["id"] in chosen]
    rows.sort(key=lambda r: (-r["score"], str(r["id"])))
    return list(enumerate(rows, start=1))


def summary_sheet(inputs: Inputs, result: SelectionResult, table: SummaryTable) -> SummarySheet:
    """The cells of one summary table, sorted by unit (quota table order) then rank."""
    rs = inputs.ruleset
    award = rs.award(table.award)
    spec = rs.pools[award.pool]
    pool = inputs.pools[award.pool]
    subsets = {a.id: set(result.awards[a.id].selected) for a in rs.awards if a.parent == award.id
               and a.id in result.awards}
    have = {*BASE_COLUMNS, *(a.column for a in spec.attributes), *pool.extra_columns, "seq", "rank", *subsets}
    columns = [c for c in table.columns if c.column in have or not c.optional]
    units = list(inputs.quotas.units)
    order = {u: i for i, u in enumerate(units)}
    entries = ranked(inputs, result, award)
    entries.sort(key=lambda e: (order.get(e[1]["unit"], len(order)), e[0]))
    rows = []
    for seq, (rank, row) in enumerate(entries, start=1):
        cells: list[tuple[object, str | None]] = []
        for c in columns:
            if c.column == "seq":
                cells.append((seq, None))
            elif c.column == "rank":
                cells.append((rank, None))
            elif c.column in subsets:
                cells.append(("是" if row["id"] in subsets[c.column] else None, None))
            else:
                cells.append(xlsx_cell(spec, c.column, row.get(c.column)))
        rows.append(cells)
    counts = [f"共 {len(rows)} {'名' if award.pool == 'individuals' else '个'}"]
    for sid, ids in subsets.items():
        counts.append(f"其中{rs.award(sid).name_zh} {len(ids)} 名")
    return SummarySheet(table, table_file(table), [c.title for c in columns], [c.width for c in columns], rows,
                        "合计：" + "，".join(counts))


SUMMARY_TITLE_ROW = 2  # row 1: the attachment number; row 2: the title; row 3: the filing unit line
SUMMARY_HEADER_ROW = 4  # data from row 5; after the data: the closing line


def write_summary_table(path: Path, sheet: SummarySheet) -> None:
    """One summary table as the office files it: 附件N, the title, the filing line, the table, the total."""
    import openpyxl

    st = _styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _sheet_name(sheet.table.title_zh)
    n = max(1, len(sheet.headers))
    last = _col_letter(n)
    put(ws, 1, 1, sheet.table.attachment or None).font = st["bold"]
    put(ws, SUMMARY_TITLE_ROW, 1, sheet.table.title_zh)
    ws.merge_cells(f"A{SUMMARY_TITLE_ROW}:{last}{SUMMARY_TITLE_ROW}")
    ws.cell(SUMMARY_TITLE_ROW, 1).font = st["title"]
    ws.cell(SUMMARY_TITLE_ROW, 1).alignment = st["center"]
    ws.row_dimensions[SUMMARY_TITLE_ROW].height = 30
    put(ws, 3, 1, "填报单位（盖章）：").font = st["body"]
    put(ws, 3, max(1, n - 2), "填报日期：　　年　　月　　日").font = st["body"]
    for j, h in enumerate(sheet.headers, start=1):
        c = put(ws, SUMMARY_HEADER_ROW, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["fill"], st["border"], st["center"]
        w = sheet.widths[j - 1]
        ws.column_dimensions[_col_letter(j)].width = w if w else max(8.0, _width(h))
    for i, cells in enumerate(sheet.rows, start=SUMMARY_HEADER_ROW + 1):
        for j, (v, fmt) in enumerate(cells, start=1):
            c = put(ws, i, j, v)
            c.font, c.border, c.alignment = st["body"], st["border"], st["center"]
            if fmt:
                c.number_format = fmt
    foot = SUMMARY_HEADER_ROW + len(sheet.rows) + 1
    put(ws, foot, 1, sheet.footer).font = st["bold"]
    ws.merge_cells(f"A{foot}:{last}{foot}")
    ws.freeze_panes = f"A{SUMMARY_HEADER_ROW + 1}"
    ws.print_title_rows = f"{SUMMARY_HEADER_ROW}:{SUMMARY_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    save_workbook(wb, path)


# =====================================================================================================
# the reward budget (六 W1)
# =====================================================================================================
@dataclass(frozen=True)
class BudgetLine:
    unit: str
    counts: dict[str, int]  # award id -> holders paid at that award's rate
    yuan: int


@dataclass(frozen=True)
class Budget:
    """Reward money per unit and in total. With subset_reward 'instead', a holder of a subset award with a
    reward (the special class) is paid that reward instead of the parent's (W1: 30,000, not 40,000)."""

    awards: list[Award]  # the awards that carry money, in rule-set order
    mode: str
    lines: list[BudgetLine]
    total: BudgetLine

    def rate(self, award_id: str) -> int:
        return next(a.reward_yuan for a in self.awards if a.id == award_id)

    def formula(self) -> str:
        """170 × 10,000 + 10 × 30,000 = 2,000,000."""
        terms = [f"{self.total.counts[a.id]} × {a.reward_yuan:,}" for a in self.awards]
        return (" + ".join(terms) or "0") + f" = {self.total.yuan:,}"


def compute_budget(ruleset: RuleSet, pools: dict[str, Pool], quotas: Quotas, result: SelectionResult) -> Budget:
    """The reward budget of a slate from the rule set's `reward_yuan` on each award (W1)."""
    paid = [a for a in ruleset.awards if a.reward_yuan > 0]
    mode = ruleset.paperwork.subset_reward
    units = list(quotas.units)
    counts: dict[str, dict[str, int]] = {}
    for top in ruleset.awards:
        if top.parent is not None or top.id not in result.awards:
            continue
        unit_of = dict(zip(pools[top.pool].table["id"], pools[top.pool].table["unit"]))
        subs = [s for s in ruleset.awards if s.parent == top.id and s.reward_yuan > 0 and s.id in result.awards]
        held = {s.id: set(result.awards[s.id].selected) for s in subs}
        for cid in result.awards[top.id].selected:
            unit = unit_of[cid]
            if unit not in units:
                units.append(unit)
            mine = [s for s in subs if cid in held[s.id]]
            if mode == "instead" and mine:
                awards = [max(mine, key=lambda s: s.reward_yuan)]
            else:
                awards = ([top] if top.reward_yuan > 0 else []) + mine
            for a in awards:
                by = counts.setdefault(unit, {})
                by[a.id] = by.get(a.id, 0) + 1
    lines = []
    for u in units:
        c = {a.id: counts.get(u, {}).get(a.id, 0) for a in paid}
        lines.append(BudgetLine(u, c, sum(c[a.id] * a.reward_yuan for a in paid)))
    total_counts = {a.id: sum(line.counts[a.id] for line in lines) for a in paid}
    total = BudgetLine("合计", total_counts, sum(line.yuan for line in lines))
    return Budget(paid, mode, lines, total)


def _budget_headers(ruleset: RuleSet, budget: Budget) -> list[str]:
    heads = ["推荐单位"]
    for a in budget.awards:
        subs = [s for s in budget.awards if s.parent == a.id]
        qualifier = f"（不含{'、'.join(s.name_zh for s in subs)}）" if subs and budget.mode == "instead" else ""
        heads += [f"{a.name_zh}{qualifier}（人）", f"{a.name_zh}奖金（元）"]
    return heads + ["奖金合计（元）"]


def budget_rows(budget: Budget) -> list[list[object]]:
    """One row per unit, then 合计: unit, (holders, yuan) per paid award, total yuan; plain ints."""
    rows = []
    for line in [*budget.lines, budget.total]:
        row: list[object] = [line.unit]
        for a in budget.awards:
            row += [line.counts[a.id], line.counts[a.id] * a.reward_yuan]
        rows.append(row + [line.yuan])
    return rows


def budget_frame(ruleset: RuleSet, budget: Budget) -> pd.DataFrame:
    """The budget as a table: one row per unit, then 合计."""
    return pd.DataFrame(budget_rows(budget), columns=_budget_headers(ruleset, budget), dtype=object)


def budget_note(ruleset: RuleSet, budget: Budget) -> str:
    parts = [f"{a.name_zh} {a.reward_yuan:,} 元/人" for a in ruleset.awards if a.reward_yuan > 0]
    unpaid = [a.name_zh for a in ruleset.awards if a.reward_yuan == 0]
    text = "奖励标准：" + "，".join(parts)
    subs = [a for a in budget.awards if a.parent is not None and any(p.id == a.parent for p in budget.awards)]
    if subs and budget.mode == "instead":
        text += "；" + "；".join(f"{s.name_zh}按 {s.reward_yuan:,} 元计发，"
                                f"不再重复计发{ruleset.award(s.parent).name_zh}奖金" for s in subs if s.parent)
    if unpaid:
        text += "；" + "、".join(unpaid) + "颁发奖状、证书，无奖金"
    return text + f"。合计：{budget.formula()} 元。"


def write_budget(folder: Path, ruleset: RuleSet, budget: Budget) -> list[str]:
    """budget.csv and budget.xlsx (title, note, table, total) into `folder`."""
    import openpyxl

    frame = budget_frame(ruleset, budget)
    write_csv(frame, folder / "budget.csv")
    rows = budget_rows(budget)
    st = _styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "奖金预算"
    n = len(frame.columns)
    put(ws, 1, 1, f"{ruleset.title_zh or ruleset.id}奖金预算表").font = st["title"]
    ws.merge_cells(f"A1:{_col_letter(n)}1")
    ws.cell(1, 1).alignment = st["center"]
    put(ws, 2, 1, budget_note(ruleset, budget)).alignment = st["left"]
    ws.merge_cells(f"A2:{_col_letter(n)}2")
    ws.row_dimensions[2].height = 45
    for j, h in enumerate(frame.columns, start=1):
        c = put(ws, 3, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["fill"], st["border"], st["center"]
        ws.column_dimensions[_col_letter(j)].width = max(12.0, min(30.0, _width(h)))
    for i, row in enumerate(rows, start=4):
        for j, v in enumerate(row, start=1):
            c = put(ws, i, j, v)
            c.border, c.alignment = st["border"], st["center"]
            c.font = st["bold"] if i == 3 + len(rows) else st["body"]
            if j > 1:
                c.number_format = "#,##0"
    ws.freeze_panes = "B4"
    save_workbook(wb, folder / "budget.xlsx")
    return ["budget.csv", "budget.xlsx"]


def format_budget(budget: Budget) -> str:
    """The terminal line: 奖金预算 (六 W1): 170 × 10,000 + 10 × 30,000 = 2,000,000 元."""
    from selector.i18n import _

    return _("Reward budget (六 W1): {formula} 元 (yuan)", formula=budget.formula())


# =====================================================================================================
# the report (report.md and report.html, self-contained)
# =====================================================================================================
@dataclass
class Doc:
    """A report as blocks both renderers understand: ('h1'|'h2'|'h3'|'p'|'ul', text or items),
    ('table', (headers, rows)) and ('img', (name, png bytes))."""

    blocks: list[tuple[str, object]] = field(default_factory=list)

    def add(self, kind: str, content: object) -> None:
        """Text is masked on the way in: an id or name holding an ID-card or phone number never reaches
        report.md or report.html whole (issue 11, item 21)."""
        self.blocks.append((kind, content if kind == "img" else _masked(content)))


_STATUS_ZH = {"optimal": "已求得并证明最优", "feasible": "可行（未在时限内证明最优）",
              "infeasible": "无解：没有名单能同时满足全部规则", "unknown": "时限内未找到名单"}


def rule_bound_zh(rs: RuleSet, rule, count: int, whole: int | None) -> tuple[str, str]:
    """A rule's bound and what the slate achieves, in Chinese: ('企业职工人选不低于总数的55%：总数 180 的 55%，
    至少 99', '100 / 180（55.6%）')."""
    return kinds.bound_zh(rs, rule, count, whole)


def tie_break_zh(rs: RuleSet) -> str:
    """The rule set's tie-break in Chinese: 同分时，劳动模范人选依次按 工匠称号（辽宁工匠、阜新工匠、无）…"""
    parts = []
    for pool, keys in rs.tie_break.pools.items():
        spec = rs.pools.get(pool)
        if spec is None or not keys:
            continue
        words = []
        for k in keys:
            attr = spec.attribute(k.attribute)
            label = (attr.label_zh if attr is not None and attr.label_zh else k.attribute)
            values = [flag_zh(v) if attr is not None and attr.type == "flag" else value_zh(attr, v) for v in k.values]
            words.append(f"{label}（{'、'.join(str(v) for v in values)}）")
        parts.append(f"{spec.label_zh or pool}依次按" + "、".join(words) + "在前")
    if not parts:
        return ""
    return "总分相同的名单之间：" + "；".join(parts) + "；最后按编号从小到大。"


def _rules_table(inputs: Inputs, result: SelectionResult) -> tuple[list[str], list[list[str]]]:
    from selector.verify import verify_slate

    solved = [k for k, p in result.pools.items() if p.status in ("optimal", "feasible")]
    rs = inputs.ruleset.of_pools(solved)  # the rules of the pools with a slate (another may have none)
    slate = {a: r.selected for a, r in result.awards.items()}
    ineligible = {s.id for s in result.screening.screened_out} if result.screening else set()
    checks = {c.id: c for c in verify_slate(rs, {k: inputs.pools[k] for k in solved}, inputs.quotas, slate,
                                            ineligible).checks}
    rows = []
    for r in rs.rules:
        c = checks[r.id]
        bound, achieved = rule_bound_zh(rs, r, c.count, c.whole)
        verdict = "达标" if c.ok else (f"未达标（差 {c.short}）" if r.hard else f"软目标差 {c.short}")
        kind = "硬性" if r.hard else f"软目标（每差一人扣 {r.weight:g} 分）"
        if not r.explicit:
            kind += "，办公室设定"
        rows.append([r.id, r.clause, r.text, rs.award(r.award).name_zh, bound, achieved, kind, verdict])
    return ["规则", "条款", "通知原文", "奖项", "要求", "实际", "性质", "结果"], rows


def _units_table(inputs: Inputs, result: SelectionResult) -> tuple[list[str], list[list[str]]]:
    rs = inputs.ruleset
    awards = [a for a in rs.awards if any(u.award == a.id for u in result.units)]
    cells: dict[str, dict[str, str]] = {}
    for u in result.units:
        cells.setdefault(u.unit, {})[u.award] = f"{u.filled} / {u.quota}" if u.quota is not None else str(u.filled)
    rows = [[unit, *[by.get(a.id, "") for a in awards]] for unit, by in cells.items()]
    return ["推荐单位", *[f"{a.name_zh}（入选 / 名额）" for a in awards]], rows


def _screening_blocks(doc: Doc, inputs: Inputs, result: SelectionResult, folder: Path) -> None:
    rs = inputs.ruleset
    csv_path = folder / "screening.csv"
    if result.screening is None and not csv_path.exists():
        return
    doc.add("h2", "资格审查")
    if result.screening is not None:
        sc = result.screening
        doc.add("p", f"按通知第五、八部分及公示要求逐人审查：共有 {len(sc.screened_out)} 个人选（单位）不符合条件，"
                     "未参加评选；明细见 screening.csv。")
        heads = ["推荐单位", "奖项", "报送", "符合条件", "名额", "缺额"]
        rows = [[u.unit, rs.award(u.award).name_zh if u.award in {a.id for a in rs.awards} else u.award,
                 str(u.submitted), str(u.eligible), "" if u.quota is None else str(u.quota),
                 str(u.shortfall or "")] for u in sc.units]
        doc.add("table", (heads, rows))
        if sc.screened_out:
            names = {}
            for pool in inputs.pools.values():
                names.update(dict(zip(pool.table["id"], pool.table["name"])))
            doc.add("h3", "不符合条件的人选及原因")
            doc.add("table", (["编号", "名称", "推荐单位", "原因（规则 条款 通知原文：不符合之处）"],
                              [[s.id, str(names.get(s.id, "")), s.unit, "；".join(s.reasons)]
                               for s in sc.screened_out]))
        return
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    doc.add("p", f"screening.csv 共 {len(table)} 行。")
    if "eligible" in table.columns:
        out = table[table["eligible"].str.lower().isin(["no", "否", "false"])]
        doc.add("p", f"其中不符合条件 {len(out)} 个。")
        if len(out):
            doc.add("table", (list(out.columns), out.values.tolist()))


def _explanation_blocks(doc: Doc, inputs: Inputs, folder: Path) -> None:
    path = folder / "explanation.json"
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    rs = inputs.ruleset
    by_id = {r.id: r for r in rs.rules}
    doc.add("h2", "无解说明与调整建议")
    conflicts = data.get("conflicts") or []
    if conflicts:
        doc.add("p", "以下每组规则不能同时满足（去掉组中任何一条，该冲突即消失）：")
        items = []
        for i, conflict in enumerate(conflicts, start=1):
            from selector.analysis.explain import rule_name

            parts = [f"{rid}（{by_id[rid].clause} {by_id[rid].text}）" if rid in by_id else rule_name(rs, str(rid))
                     for rid in conflict]
            items.append(f"冲突 {i}：" + "；".join(parts))
        doc.add("ul", items)
    forced = data.get("forced_ineligible") or []
    if forced:  # issue 11, 16: the forcing rules every slate out, not the rules
        doc.add("p", _("These candidates are forced in (force_in) but ineligible under the notice, so no slate "
                       "can hold them; remove them from force_in or correct their data:"))
        doc.add("table", ([_("id"), _("name"), _("unit"), _("why ineligible")],
                          [[c.get("id", ""), c.get("name", ""), c.get("unit", ""), "；".join(c.get("reasons") or [])]
                           for c in forced]))
    for pool, detail in (data.get("pools") or {}).items():
        if detail.get("shortfalls"):
            doc.add("h3", f"{rs.pools[pool].label_zh if pool in rs.pools else pool}：人数测算")
            doc.add("ul", [str(n) for n in detail["shortfalls"]])
    actions = data.get("actions") or []
    heads = {"unit": "推荐单位可以办的（补报）", "office": "评选办公室可以办的（调剂名额，总数不变）",
             "leadership": "须报评选领导小组决定的（改变通知规定的比例或名额）"}
    for actor, head in heads.items():
        mine = [a for a in actions if a.get("actor") == actor]
        if mine:
            doc.add("h3", head)
            doc.add("ul", [("【领导小组决定】" if actor == "leadership" else "") + f"{a['text']}（{a['why']}）"
                           + (f"办理后最高总分 {a['merit']}。" if a.get("merit") else "") for a in mine])
    relax = data.get("relaxations") or []
    if relax and not actions:
        doc.add("h3", "可使名单成立的最小调整（均已求解验证）")
        doc.add("ul", [relaxation_zh(rs, r) + (f"（调整后总分 {r['merit']}）" if r.get("merit") else "")
                       for r in relax])
    for pool, detail in (data.get("pools") or {}).items():
        notes = detail.get("clash") or []
        if notes:
            doc.add("h3", f"{rs.pools[pool].label_zh if pool in rs.pools else pool}：供给测算（explain 原文）")
            doc.add("ul", [str(n) for n in notes])
    prices = data.get("prices") or []
    if prices:
        doc.add("h3", "各规则的代价（去掉该规则后总分的增加）")
        doc.add("table", (["规则", "人选库", "有该规则", "无该规则", "代价"],
                          [[p.get("rule", ""), p.get("pool", ""), p.get("merit_with", ""),
                            p.get("merit_without", ""), p.get("cost", "")] for p in prices]))


def relaxation_zh(rs: RuleSet, relaxation: dict) -> str:
    """One relaxation of explanation.json in Chinese: 'R8（农业人选不低于总数的15%）：15% 调整为 12%'."""
    texts = {r.id: r.text for r in rs.rules}
    parts = []
    for c in relaxation.get("changes") or []:
        rid = str(c.get("rule", ""))
        label = f"{rid}（{texts[rid]}）" if rid in texts else rid
        if "add" in c:
            where = "，".join(f"{u} {n} 名" for u, n in (c.get("units") or {}).items())
            parts.append(f"{c.get('pool', '')}增加至少 {c['add']} 名符合条件的人选" + (f"（{where}）" if where else ""))
        elif rid.startswith("quota:") and "to" in c:
            parts.append(f"{rid.removeprefix('quota:')}的名额由 {c.get('from')} 调整为 {c['to']}")
        elif "to" in c:
            parts.append(f"{label}：由 {c.get('from')} 调整为 {c['to']}")
        elif "people" in c:
            unit = "个名额" if rid.startswith("quota:") else "人"
            parts.append(f"{label}：允许突破 {c['people']} {unit}")
        else:
            parts.append(str(c.get("text", "")))
    return "；".join(parts) or str(relaxation.get("text", ""))


def build_report(inputs: Inputs, result: SelectionResult, folder: Path, budget: Budget | None,
                 audit: dict | None, sheets: list[SummarySheet]) -> Doc:
    """The report's content, in Chinese: the slate, every rule against its bound, every unit, the budget,
    the screening, the explanation, the plots and the audit record."""
    rs = inputs.ruleset
    doc = Doc()
    doc.add("h1", f"{rs.title_zh or rs.id} — 评选结果报告")
    doc.add("p", f"通知：{rs.notice}；规则集：{rs.id}。" if rs.notice else f"规则集：{rs.id}。")
    verdict = "通过" if result.verified else ("未通过" if result.status in ("optimal", "feasible") else "—")
    doc.add("p", f"结果：{_STATUS_ZH.get(result.status, result.status)}。"
                 f"独立核验（不依赖求解器，逐条重算全部规则）：{verdict}。")
    if result.violations:
        doc.add("ul", result.violations)

    doc.add("h2", "名单概要")
    doc.add("table", (["奖项", "名额", "入选", "得分合计"],
                      [[a.name_zh, str(a.seats), str(len(a.selected)), a.merit] for a in result.awards.values()]))
    pool_rows = []
    for p in result.pools.values():
        label = rs.pools[p.pool].label_zh if p.pool in rs.pools else p.pool
        unique = {True: "是", False: "否（按平局规则取第一）", None: "—"}[p.unique]
        pool_rows.append([label or p.pool, _STATUS_ZH.get(p.status, p.status), str(p.candidates), str(p.eligible),
                          p.objective or "—", p.bound or "—", unique, f"{p.wall_time:.2f} 秒"])
    doc.add("table", (["人选库", "求解状态", "报送", "符合条件", "目标值", "证明上界", "名单唯一", "用时"], pool_rows))
    tie = tie_break_zh(rs)
    if tie:
        doc.add("p", tie)
    for a in rs.awards:
        if a.parent is None or a.id not in result.awards or not result.awards[a.id].selected:
            continue
        parent = rs.award(a.parent)
        rank = {row["id"]: (r, row) for r, row in ranked(inputs, result, parent)}
        doc.add("h3", f"{a.name_zh}（{len(result.awards[a.id].selected)} 名）")
        rows = sorted((rank[c] for c in result.awards[a.id].selected if c in rank), key=lambda e: e[0])
        doc.add("table", (["名次", "编号", "姓名", "推荐单位", "得分"],
                          [[str(r), str(row["id"]), str(row["name"]), str(row["unit"]), text_cell(float(row["score"]))]
                           for r, row in rows]))

    if result.rules:
        doc.add("h2", "结构比例核对（每条规则与其界限）")
        doc.add("table", _rules_table(inputs, result))
    if result.units:
        doc.add("h2", "各推荐单位名额使用")
        doc.add("table", _units_table(inputs, result))
    if budget is not None:
        doc.add("h2", "奖金预算")
        doc.add("p", budget_note(rs, budget))
        doc.add("table", (_budget_headers(rs, budget), [[f"{v:,}" if isinstance(v, int) else str(v) for v in row]
                                                         for row in budget_rows(budget)]))
    _screening_blocks(doc, inputs, result, folder)
    _explanation_blocks(doc, inputs, folder)
    pngs = sorted(p for p in folder.glob("*.png") if p.is_file())
    if pngs:
        doc.add("h2", "图表")
        for p in pngs:
            doc.add("img", (p.name, p.read_bytes()))
    if audit is not None:
        doc.add("h2", "审计记录")
        doc.add("p", "audit.json 记录了全部输入文件的 SHA-256、软件版本和求解参数。"
                     "任何人可用 `selector verify 本文件夹` 在不求解的情况下复核："
                     "输入未变、每条规则成立、总分与记录一致；"
                     "用相同输入重新运行 `selector select` 得到逐字节相同的名单。")
        doc.add("table", (["文件", "路径", "SHA-256"], [[role, rec["path"], rec["sha256"]]
                                                       for role, rec in audit.get("inputs", {}).items()]))
        versions = audit.get("versions", {})
        solver = audit.get("solver", {})
        doc.add("p", "软件版本：" + "，".join(f"{k} {v}" for k, v in versions.items()) + "。求解参数："
                + "，".join(f"{k} = {v}" for k, v in solver.items()) + "。")
    for sheet in sheets:
        doc.add("h2", f"附：{sheet.table.attachment + ' ' if sheet.table.attachment else ''}{sheet.table.title_zh}")
        doc.add("p", f"文件 {sheet.file}。{sheet.footer}")
        doc.add("table", (sheet.headers, [[text_cell(v, f) for v, f in row] for row in sheet.rows]))
    numerals = iter("一二三四五六七八九十")
    doc.blocks = [(k, f"{next(numerals, '')}、{c}" if k == "h2" and not str(c).startswith("附：") else c)
                  for k, c in doc.blocks]  # sections numbered as an official document is
    return doc


def _md_text(text: object) -> str:
    """Text for report.md that a Markdown viewer shows as it is (issue 11, 7): no raw HTML (`<script>`,
    `<img onerror=...>` become &lt;script&gt; ...) and no link or image syntax from a candidate's name."""
    t = html.escape(str(text), quote=False)
    for ch in "[]":
        t = t.replace(ch, "\\" + ch)
    return t.replace("\n", " ")


def _md_cell(text: object) -> str:
    """A table cell or list item: as _md_text, and no emphasis, code or column breaks either."""
    t = str(text).replace("\\", "\\\\")
    for ch in "|`*_":
        t = t.replace(ch, "\\" + ch)
    return _md_text(t)


def render_markdown(doc: Doc) -> str:
    out: list[str] = []
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + _md_text(content) + "\n")
        elif kind == "p":
            out.append(_md_text(content) + "\n")  # our own `code` spans are kept
        elif kind == "ul":
            out.append("\n".join(f"- {_md_cell(item)}" for item in content) + "\n")  # type: ignore[attr-defined]
        elif kind == "table":
            heads, rows = content  # type: ignore[misc]
            lines = ["| " + " | ".join(_md_cell(h) for h in heads) + " |", "|" + "---|" * len(heads)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines) + "\n")
        elif kind == "img":
            name, _png = content  # type: ignore[misc]
            out.append(f"![{name}]({name})\n")
    return "\n".join(out)


_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimSun", sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; line-height: 1.5; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #a00; padding-bottom: .3em; }
h2 { font-size: 1.3em; margin-top: 1.6em; border-left: 5px solid #a00; padding-left: .5em; }
h3 { font-size: 1.1em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .9em; }
th, td { border: 1px solid #999; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr:nth-child(even) td { background: #fafafa; }
td.ok { color: #060; } td.bad { color: #b00; font-weight: bold; }
img { max-width: 100%; border: 1px solid #ccc; margin: .5em 0; }
code { background: #f4f4f4; padding: 0 .2em; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; } }
"""


def render_html(doc: Doc, title: str) -> str:
    esc = html.escape
    out = ['<!DOCTYPE html>', '<html lang="zh-CN">', '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{esc(title)}</title>",
           f"<style>{_CSS}</style>", "</head>", "<body>"]
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{esc(str(content))}</{kind}>")
        elif kind == "p":
            text = esc(str(content))
            text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
            out.append(f"<p>{text}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{esc(str(i))}</li>" for i in content) + "</ul>")  # type: ignore
        elif kind == "table":
            heads, rows = content  # type: ignore[misc]
            lines = ["<table>", "<thead><tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in heads) + "</tr></thead>",
                     "<tbody>"]
            for row in rows:
                tds = []
                for c in row:
                    s = str(c)
                    cls = ' class="ok"' if s == "达标" else (' class="bad"' if s.startswith("未达标") else "")
                    tds.append(f"<td{cls}>{esc(s)}</td>")
                lines.append("<tr>" + "".join(tds) + "</tr>")
            lines.append("</tbody></table>")
            out.append("\n".join(lines))
        elif kind == "img":
            name, data = content  # type: ignore[misc]
            b64 = base64.b64encode(data).decode("ascii")
            out.append(f'<figure><img alt="{esc(name)}" src="data:image/png;base64,{b64}">'
                       f"<figcaption>{esc(name)}</figcaption></figure>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_report(folder: Path, inputs: Inputs, result: SelectionResult, budget: Budget | None, audit: dict | None,
                 sheets: list[SummarySheet]) -> list[str]:
    """report.md and report.html (self-contained: inline CSS, plots embedded) into `folder`."""
    doc = build_report(inputs, result, folder, budget, audit, sheets)
    title = f"{inputs.ruleset.title_zh or inputs.ruleset.id} — 评选结果报告"
    (folder / "report.md").write_text(render_markdown(doc), encoding="utf-8")
    (folder / "report.html").write_text(render_html(doc, title), encoding="utf-8")
    return ["report.md", "report.html"]


# =====================================================================================================
# everything, into a result folder
# =====================================================================================================
def has_slate(result: SelectionResult) -> bool:
    """Some pool has a slate (another may have none: what there is, is written)."""
    if not result.pools:  # a result built by hand, without per-pool records: its overall status
        return result.status in ("optimal", "feasible")
    return any(p.status in ("optimal", "feasible") for p in result.pools.values())


def summary_sheets(inputs: Inputs, result: SelectionResult) -> list[SummarySheet]:
    from selector.outputs.report import has_slate as award_has_slate

    return [summary_sheet(inputs, result, t) for t in summary_tables(inputs.ruleset)
            if t.award in result.awards and award_has_slate(result, inputs.ruleset.award(t.award))]


def write_tables_and_budget(folder: Path, inputs: Inputs, result: SelectionResult
                            ) -> tuple[list[SummarySheet], Budget | None]:
    """The summary tables and the budget (when there is a slate) into `folder`; also rewrites slate.xlsx
    reproducibly. Returns what it wrote, for the report."""
    sheets = summary_sheets(inputs, result)
    for sheet in sheets:
        write_summary_table(folder / sheet.file, sheet)
    budget = None
    if has_slate(result):
        budget = compute_budget(inputs.ruleset, inputs.pools, inputs.quotas, result)
        write_budget(folder, inputs.ruleset, budget)
    for xlsx in sorted(folder.glob("*.xlsx")):
        normalise_xlsx_file(xlsx)  # slate.xlsx written by pandas: fixed times, so equal runs give equal bytes
    return sheets, budget


def write_paperwork(folder: Path, inputs: Inputs, result: SelectionResult, settings=None,
                    audit_extra: dict | None = None) -> None:
    """Summary tables, budget, report and audit.json into a result folder, after everything else is in it
    (the report reads screening.csv, explanation.json and *.png; the audit hashes every file)."""
    from selector.outputs.audit import build_audit, write_audit

    folder = Path(folder)
    sheets, budget = write_tables_and_budget(folder, inputs, result)
    audit = build_audit(inputs, result, settings) | (audit_extra or {})
    write_report(folder, inputs, result, budget, audit, sheets)
    write_audit(folder, audit)
