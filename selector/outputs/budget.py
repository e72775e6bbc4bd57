"""The reward budget (六 W1): money per unit and in total, from each award's `reward_yuan` in the rule set
(budget.csv, budget.xlsx and the terminal line)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from selector.domain import SelectionResult
from selector.i18n import _
from selector.outputs.sheets import col_letter, column_width, put, save_workbook, styles, write_csv
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import Award, RuleSet


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


def budget_headers(ruleset: RuleSet, budget: Budget) -> list[str]:
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
    return pd.DataFrame(budget_rows(budget), columns=budget_headers(ruleset, budget), dtype=object)


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
    import openpyxl  # start-up speed: openpyxl loads only to write a workbook

    frame = budget_frame(ruleset, budget)
    write_csv(frame, folder / "budget.csv")
    rows = budget_rows(budget)
    st = styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "奖金预算"
    n = len(frame.columns)
    put(ws, 1, 1, f"{ruleset.title_zh or ruleset.id}奖金预算表").font = st["title"]
    ws.merge_cells(f"A1:{col_letter(n)}1")
    ws.cell(1, 1).alignment = st["center"]
    put(ws, 2, 1, budget_note(ruleset, budget)).alignment = st["left"]
    ws.merge_cells(f"A2:{col_letter(n)}2")
    ws.row_dimensions[2].height = 45
    for j, h in enumerate(frame.columns, start=1):
        c = put(ws, 3, j, h)
        c.font, c.fill, c.border, c.alignment = st["bold"], st["fill"], st["border"], st["center"]
        ws.column_dimensions[col_letter(j)].width = max(12.0, min(30.0, column_width(h)))
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
    return _("Reward budget (六 W1): {formula} 元 (yuan)", formula=budget.formula())
