"""The report's content (report.md, report.html), in Chinese: the slate, every rule against its bound, every
unit, the budget, the screening, the explanation, the plots and the audit record. Awards, pools, clauses
and section names come from the rule set; rendering is selector/outputs/render.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from selector.analysis.explain import rule_name
from selector.domain import SelectionResult, has_slate
from selector.i18n import _
from selector.outputs.budget import Budget, budget_headers, budget_note, budget_rows
from selector.outputs.cells import flag_zh, text_cell, value_zh
from selector.outputs.render import Doc, render_html, render_markdown
from selector.outputs.summary import SummarySheet, ranked
from selector.reading import kinds
from selector.reading.inputs import Inputs
from selector.reading.rules import RuleSet

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


def rules_table(inputs: Inputs, result: SelectionResult) -> tuple[list[str], list[list[str]]]:
    """Every rule of the pools with a slate against its bound, as the verifier counted it (result.rules)."""
    solved = [k for k, p in result.pools.items() if has_slate(p.status)]
    rs = inputs.ruleset.of_pools(solved)  # the rules of the pools with a slate (another may have none)
    checks = {c.id: c for c in result.rules}
    rows = []
    for r in rs.rules:
        c = checks[r.id]
        bound, achieved = rule_bound_zh(rs, r, c.count, c.whole)
        verdict = "达标" if c.ok else (f"未达标（差 {c.short}）" if r.hard else f"软目标差 {c.short}")
        kind = "硬性" if r.hard else f"软目标（每差一人扣 {r.weight:g} 分）"
        if not r.explicit:
            kind += "，办公室设定"
        rows.append([r.id, r.clause, r.text, rs.award(r.award).name_zh, bound, achieved, kind, verdict])
    for x in rs.cross_rules:  # issue 14, 5: over several awards together
        c = checks[x.id]
        bound, achieved = kinds.cross_bound_zh(rs, x, c.count, c.whole)
        kind = "硬性（跨奖项合计）" + ("" if x.explicit else "，办公室设定")
        rows.append([x.id, x.clause, x.text, "、".join(rs.award(a).name_zh for a in x.awards), bound, achieved, kind,
                     "达标" if c.ok else f"未达标（差 {c.short}）"])
    return ["规则", "条款", "通知原文", "奖项", "要求", "实际", "性质", "结果"], rows


def _units_table(inputs: Inputs, result: SelectionResult) -> tuple[list[str], list[list[str]]]:
    rs = inputs.ruleset
    awards = [a for a in rs.awards if any(u.award == a.id for u in result.units)]
    cells: dict[str, dict[str, str]] = {}
    for u in result.units:
        cells.setdefault(u.unit, {})[u.award] = f"{u.filled} / {u.quota}" if u.quota is not None else str(u.filled)
    rows = [[unit, *[by.get(a.id, "") for a in awards]] for unit, by in cells.items()]
    return ["推荐单位", *[f"{a.name_zh}（入选 / 名额）" for a in awards]], rows


def screening_basis(rs: RuleSet) -> str:
    """Where the eligibility rules come from, as the report names it: the parts of the notice their clauses
    cite ('按通知第五、八、九部分' for clauses 五, 八.1, 九(二)), else the clauses themselves."""
    heads: list[str] = []
    for e in rs.eligibility:
        head = re.split(r"[.．(（、,，\s]", e.clause.strip(), maxsplit=1)[0]
        if head and head not in heads:
            heads.append(head)
    if not heads:
        return "按通知的资格条件"
    if all(re.fullmatch(r"[一二三四五六七八九十]+", h) for h in heads):
        return f"按通知第{'、'.join(heads)}部分"
    return f"按通知{'、'.join(heads)}"


def _screening_blocks(doc: Doc, inputs: Inputs, result: SelectionResult, folder: Path) -> None:
    rs = inputs.ruleset
    csv_path = folder / "screening.csv"
    if result.screening is None and not csv_path.exists():
        return
    doc.add("h2", "资格审查")
    if result.screening is not None:
        sc = result.screening
        doc.add("p", f"{screening_basis(rs)}逐人审查：共有 {len(sc.screened_out)} 个人选（单位）不符合条件，"
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
    verdict = "通过" if result.verified else ("未通过" if has_slate(result.status) else "—")
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
        doc.add("table", rules_table(inputs, result))
    if result.units:
        doc.add("h2", "各推荐单位名额使用")
        doc.add("table", _units_table(inputs, result))
    if budget is not None:
        doc.add("h2", "奖金预算")
        doc.add("p", budget_note(rs, budget))
        doc.add("table", (budget_headers(rs, budget), [[f"{v:,}" if isinstance(v, int) else str(v) for v in row]
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


def write_report(folder: Path, inputs: Inputs, result: SelectionResult, budget: Budget | None, audit: dict | None,
                 sheets: list[SummarySheet], into: Path | None = None) -> list[str]:
    """report.md and report.html (self-contained: inline CSS, plots embedded) of the result folder `folder`
    (its screening.csv, explanation.json and plots are read), written into `folder`, or into `into`
    (`selector verify` regenerates them elsewhere to compare)."""
    doc = build_report(inputs, result, folder, budget, audit, sheets)
    title = f"{inputs.ruleset.title_zh or inputs.ruleset.id} — 评选结果报告"
    out = Path(into) if into is not None else Path(folder)
    (out / "report.md").write_text(render_markdown(doc), encoding="utf-8")
    (out / "report.html").write_text(render_html(doc, title), encoding="utf-8")
    return ["report.md", "report.html"]
