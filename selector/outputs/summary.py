"""The preliminary review summary tables (e.g. 附件4 劳动模范初审汇总表, 附件5 先进集体初审汇总表), as the office
files them: from the rule set's optional `[paperwork]` tables, or by default one per top-level award.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selector.domain import SelectionResult
from selector.outputs.cells import xlsx_cell
from selector.outputs.sheets import col_letter, column_width, put, restyle, save_workbook, sheet_title, styles
from selector.outputs.slates import has_slate
from selector.outputs.templates import base_header
from selector.reading.inputs import Inputs
from selector.reading.paperwork_schema import PaperworkColumn, SummaryTable
from selector.reading.rules import BASE_COLUMNS, Award, RuleSet


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
                PaperworkColumn(column="unit", title=base_header(spec, "unit")),
                PaperworkColumn(column="name", title=base_header(spec, "name")),
                PaperworkColumn(column="score", title=base_header(spec, "score")),
                PaperworkColumn(column="rank", title="名次")]
        cols += [PaperworkColumn(column=s.id, title=s.name_zh) for s in ruleset.awards if s.parent == a.id]
        out.append(SummaryTable(award=a.id, title_zh=f"{a.name_zh}初审汇总表", columns=cols))
    return out


def table_file(table: SummaryTable) -> str:
    return table.file or f"review_summary_{table.award}.xlsx"


def ranked(inputs: Inputs, result: SelectionResult, award: Award) -> list[tuple[int, dict]]:
    """The award's slate as (rank, pool row), rank by descending score then id, as in the slate CSVs."""
    pool = inputs.pools[award.pool]
    chosen = set(result.awards[award.id].selected)
    table = pool.table
    rows = table[[i in chosen for i in table["id"]]].to_dict("records")  # the slate's rows only: not the pool's
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
    counts = [f"共 {len(rows)} {spec.counter_zh}"]
    for sid, ids in subsets.items():
        counts.append(f"其中{rs.award(sid).name_zh} {len(ids)} 名")
    return SummarySheet(table, table_file(table), [c.title for c in columns], [c.width for c in columns], rows,
                        "合计：" + "，".join(counts))


SUMMARY_TITLE_ROW = 2  # row 1: the attachment number; row 2: the title; row 3: the filing unit line


SUMMARY_HEADER_ROW = 4  # data from row 5; after the data: the closing line


def write_summary_table(path: Path, sheet: SummarySheet) -> None:
    """One summary table as the office files it: 附件N, the title, the filing line, the table, the total."""
    import openpyxl  # start-up speed: openpyxl loads only to write a workbook

    st = styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title(sheet.table.title_zh)
    n = max(1, len(sheet.headers))
    last = col_letter(n)
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
        ws.column_dimensions[col_letter(j)].width = w if w else max(8.0, column_width(h))
    looks: dict = {}  # sheets.restyle: the body cells share one style record
    body = {"font": st["body"], "border": st["border"], "alignment": st["center"]}
    for i, cells in enumerate(sheet.rows, start=SUMMARY_HEADER_ROW + 1):
        for j, (v, fmt) in enumerate(cells, start=1):
            c = put(ws, i, j, v)
            restyle(c, looks, "body", **body)
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


def summary_sheets(inputs: Inputs, result: SelectionResult) -> list[SummarySheet]:
    return [summary_sheet(inputs, result, t) for t in summary_tables(inputs.ruleset)
            if t.award in result.awards and has_slate(result, inputs.ruleset.award(t.award))]
