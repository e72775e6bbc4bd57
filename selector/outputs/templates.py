"""Blank templates (九 T3): one workbook per pool and the quota table (附件1 名额分配表), with the Chinese
headers that pool.read_pool maps back to each column, drop-downs of the allowed values, range checks and
a 说明 sheet explaining every column. Driven by the rule set's pool specs (headers, values, aliases).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from selector.errors import ProblemCollector
from selector.outputs.cells import flag_zh, value_zh
from selector.outputs.sheets import col_letter, column_width, put, save_workbook, sheet_title, styles
from selector.reading.rules import BASE_COLUMNS, Attribute, PoolSpec, RuleSet
from selector.reading.tables import Table, match_columns

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


def base_header(spec: PoolSpec, column: str) -> str:
    """The Chinese header of a base column (id, name, unit, score): the pool's first Chinese alias, else 编号 ..."""
    return next((a for a in spec.base_aliases.get(column, []) if not a.isascii()), _BASE_ZH[column][0])


def offered_values(attr: Attribute) -> list[str]:
    """What a drop-down offers for a category or flag: one Chinese name per canonical value (each reads back
    through the rule set's value_aliases), or the canonical value where no Chinese name is declared."""
    if attr.type == "flag":
        return ["是", "否"]
    return [value_zh(attr, v) for v in attr.values]


def template_columns(spec: PoolSpec, units: list[str] | None = None) -> list[TemplateColumn]:
    """The template's columns: id, name, unit, score, then every attribute, each under a Chinese header
    that pool.read_pool maps back to it."""
    cols: list[TemplateColumn] = []
    for c in BASE_COLUMNS:
        cols.append(TemplateColumn(c, base_header(spec, c), c, c, True, list(units or []) if c == "unit" else [],
                                   _BASE_ZH[c][1]))
    for a in spec.attributes:
        zh = a.label_zh or next((x for x in a.aliases if not x.isascii()), a.column)
        choices = offered_values(a) if a.type in ("category", "flag") else []
        cols.append(TemplateColumn(a.column, zh, a.label_en or a.column, a.type,
                                   a.required and a.default is None and not a.allow_blank, choices))
    # every header must map back to its own column; otherwise fall back to the English column name
    for _attempt in range(2):
        problems = ProblemCollector("template")
        found = match_columns(Table("template", [c.header for c in cols], [], []), spec, problems)
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


def _add_validation(ws, lists_ws, col_index: int, col: TemplateColumn, attr: Attribute | None) -> None:
    """A drop-down (category, flag, unit) or a range check (score, share, number, date) on the column."""
    from openpyxl.worksheet.datavalidation import DataValidation  # start-up speed

    letter = col_letter(col_index)
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
            lc = col_letter(j)
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
    st = styles()
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
        ws.column_dimensions[col_letter(j)].width = w


def write_pool_template(path: Path, ruleset: RuleSet, kind: str, units: list[str] | None = None) -> None:
    """A blank pool workbook: the data sheet (Chinese headers, drop-downs, formats) and the sheet 说明."""
    import openpyxl  # start-up speed: openpyxl loads only to write a workbook

    spec = ruleset.pools[kind]
    st = styles()
    cols = template_columns(spec, units)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title(spec.label_zh or kind)
    lists_ws = wb.create_sheet(LIST_SHEET)
    lists_ws.sheet_state = "hidden"
    for j, col in enumerate(cols, start=1):
        attr = spec.attribute(col.column)
        c = put(ws, 1, j, col.header)
        c.font, c.border, c.alignment = st["bold"], st["border"], st["center"]
        c.fill = st["required_fill"] if col.required else st["fill"]
        letter = col_letter(j)
        ws.column_dimensions[letter].width = max(10.0, column_width(col.header))
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
    import openpyxl  # start-up speed: openpyxl loads only to write a workbook
    from openpyxl.worksheet.datavalidation import DataValidation  # start-up speed

    st = styles()
    awards = [a for a in ruleset.awards if a.quota != "none"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名额分配表"
    for j, h in enumerate(["推荐单位", *[a.name_zh for a in awards]], start=1):
        c = put(ws, 1, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["required_fill"], st["border"], st["center"]
        ws.column_dimensions[col_letter(j)].width = max(14.0, column_width(h))
    ws.column_dimensions["A"].number_format = "@"
    if awards:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.prompt = "名额须为不小于 0 的整数", "名额（整数）"
        dv.showErrorMessage = dv.showInputMessage = True
        dv.add(f"B2:{col_letter(len(awards) + 1)}{TEMPLATE_ROWS + 1}")
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
