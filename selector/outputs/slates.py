"""The slate as tables: one per top-level award (CSV, and a sheet per award in slate.xlsx), with the
candidates by descending score, subset awards marked, ids and personal numbers masked; and the tables
of the screening (screening.csv) and of the supply arithmetic (supply.csv). Headers and values in the
current language (Chinese: the rule set's own words, the headers of the blank templates).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from selector.analysis.explain import rule_name
from selector.analysis.supply import Finding
from selector.domain import SelectionResult
from selector.domain import has_slate as status_has_slate  # this module has its own has_slate(result, award)
from selector.i18n import N_, _, current_lang, label
from selector.outputs.bounds import large_pool
from selector.outputs.cells import cell_in_words, pool_label
from selector.outputs.privacy import mask_frame, private_columns, public_id_map, public_ids
from selector.outputs.sheets import add_xlsx_sheet, write_csv
from selector.outputs.templates import template_columns
from selector.reading.eligibility import Screening
from selector.reading.inputs import Inputs


def slate_titles(inputs: Inputs, award) -> dict[str, str]:
    """Column -> header of an award's slate table in the current language. In Chinese: the headers the
    blank templates use (so a slate reads back as a pool), 名次 for the rank and each subset award's name
    for its mark; in English the column names themselves."""
    rs = inputs.ruleset
    if current_lang() != "zh":
        return {}

    titles = {c.column: c.header for c in template_columns(rs.pools[award.pool])}
    titles["rank"] = _("rank")
    for sub in rs.awards:
        if sub.parent == award.id:
            titles[sub.id] = label(sub)
    return titles


def has_slate(result: SelectionResult, award) -> bool:
    """Whether the award's pool has a slate (another pool may have none: its slate is still written)."""
    p = result.pools.get(award.pool)
    status = p.status if p is not None else result.status  # no per-pool record: the overall status
    return status_has_slate(status) and award.id in result.awards


def any_slate(result: SelectionResult) -> bool:
    """Some pool has a slate (another may have none: what there is, is written)."""
    if not result.pools:  # a result built by hand, without per-pool records: its overall status
        return status_has_slate(result.status)
    return any(status_has_slate(p.status) for p in result.pools.values())


def slate_tables(inputs: Inputs, result: SelectionResult) -> dict[str, pd.DataFrame]:
    """One table per top-level award whose pool has a slate: the selected candidates by descending score,
    subsets marked; headers and values in the current language (Chinese: the rule set's own words)."""
    rs = inputs.ruleset
    tables = {}
    yes, no = _("yes"), _("no")
    for award in rs.awards:
        if award.parent is not None or not has_slate(result, award):
            continue
        pool = inputs.pools[award.pool]
        spec = rs.pools[award.pool]
        chosen = set(result.awards[award.id].selected)
        frame = pool.table[pool.table["id"].isin(chosen)].copy()
        for c in frame.columns:
            frame[c] = [cell_in_words(spec, c, v) for v in frame[c]]
        frame = mask_frame(frame, private_columns(spec, pool))  # 身份证号, 手机 ... masked
        frame["score"] = [float(s) for s in pool.table.loc[frame.index, "score"]]
        for name in ["rank", *(sub.id for sub in rs.awards if sub.parent == award.id)]:
            if name in frame.columns:  # a pool's own column by the name of one added here: kept, renamed
                frame = frame.rename(columns={name: f"{name} (pool)"})
        for sub in rs.awards:
            if sub.parent == award.id:
                subset = set(result.awards[sub.id].selected)
                frame.insert(4, sub.id, [yes if i in subset else no for i in frame["id"]])
        frame = frame.sort_values(["score", "id"], ascending=[False, True], kind="stable")
        frame.insert(0, "rank", range(1, len(frame) + 1))
        frame = public_ids(frame, public_id_map(pool.ids))
        frame = frame.rename(columns=slate_titles(inputs, award))
        tables[award.id] = frame.reset_index(drop=True)
    return tables


def slate_sheets(inputs: Inputs, result: SelectionResult, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """slate.xlsx: a sheet per award, named by the award (a subset award's sheet: its holders only)."""
    rs = inputs.ruleset
    sheets: dict[str, pd.DataFrame] = {}
    for award_id, frame in tables.items():
        award = rs.award(award_id)
        sheets[label(award) if current_lang() == "zh" else award_id] = frame
        for sub in rs.awards:
            if sub.parent == award_id and sub.id in result.awards:
                mark = slate_titles(inputs, award).get(sub.id, sub.id)
                held = frame[frame[mark] == _("yes")].reset_index(drop=True)
                sheets[label(sub) if current_lang() == "zh" else sub.id] = held
    return sheets


def screening_table(inputs: Inputs, screening: Screening) -> pd.DataFrame:
    """One row per candidate: eligible yes/no and every reason (rule id, clause, sentence, failed value);
    headers, pools and awards in the current language."""
    rs = inputs.ruleset
    yes, no = _("yes"), _("no")
    zh = current_lang() == "zh"

    def award_name(a: str) -> str:
        return label(rs.award(a)) if zh and a in {x.id for x in rs.awards} else a

    rows = [{"id": c.id, "name": c.name, "unit": c.unit, "pool": pool_label(inputs, c.pool) if zh else c.pool,
             "award": award_name(c.award), "eligible": yes if c.eligible else no,
             "failed_rules": ";".join(r.rule for r in c.reasons),
             "reasons": " | ".join(str(r) for r in c.reasons),
             "preferences": "; ".join(c.preferences)} for c in screening.candidates]
    columns = ["id", "name", "unit", "pool", "award", "eligible", "failed_rules", "reasons", "preferences"]
    ids = {i: p for pool in inputs.pools.values() for i, p in public_id_map(pool.ids).items()}
    frame = public_ids(pd.DataFrame(rows, columns=columns), ids)
    titles = {"id": N_("id"), "name": N_("name"), "unit": N_("unit"), "pool": N_("pool"), "award": N_("award"),
              "eligible": N_("eligible"), "failed_rules": N_("failed rules"), "reasons": N_("reasons"),
              "preferences": N_("preferred among equals")}
    return frame.rename(columns={c: _(t) for c, t in titles.items()}) if zh else frame


def findings_table(findings: list[Finding], ruleset=None) -> pd.DataFrame:
    """supply.csv: each rule's demand against the eligible supply; in Chinese the rule as the notice words it."""
    yes, no = _("yes"), _("no")
    zh = current_lang() == "zh" and ruleset is not None
    frame = pd.DataFrame([{"rule": rule_name(ruleset, f.rule) if zh else f.rule, "clause": f.clause, "text": f.text,
                           "award": label(ruleset.award(f.award)) if zh else f.award,
                           "subject": f.subject if f.subject != "all" or not zh else _("all"),
                           "needed": f.needed, "available": f.available,
                           "ok": yes if f.ok else no, "rules_out_a_slate": yes if f.fatal else no,
                           "hard": yes if f.hard else no, "note": f.note} for f in findings],
                         columns=["rule", "clause", "text", "award", "subject", "needed", "available", "ok",
                                  "rules_out_a_slate", "hard", "note"])
    titles = {"rule": N_("rule"), "clause": N_("clause"), "text": N_("notice"), "award": N_("award"),
              "subject": N_("who"), "needed": N_("needed"), "available": N_("available"), "ok": N_("met"),
              "rules_out_a_slate": N_("rules out a slate"), "hard": N_("hard"), "note": N_("how it is counted")}
    return frame.rename(columns={c: _(t) for c, t in titles.items()}) if zh else frame


def reading_warnings_table(inputs: Inputs) -> pd.DataFrame | None:
    """What reading the pools warned about (hidden rows, merged cells), one row each; None when nothing."""
    if not inputs.warnings:
        return None
    return pd.DataFrame([[w.file, "" if w.row is None else w.row, w.column or "", w.message] for w in inputs.warnings],
                        columns=[_("file"), _("row"), _("column"), _("warning")])


def write_screening(folder: Path, inputs: Inputs, screening: Screening) -> None:
    """screening.csv into `folder`, and a `screening` sheet in its slate.xlsx when there is one; and
    reading_warnings.csv when reading the pools warned about something (hidden rows, merged cells)."""
    table = screening_table(inputs, screening)
    write_csv(table, folder / "screening.csv")
    warnings = reading_warnings_table(inputs)
    if warnings is not None:
        write_csv(warnings, folder / "reading_warnings.csv")
    xlsx = folder / "slate.xlsx"
    if xlsx.exists() and not large_pool(inputs):  # a row per candidate: screening.csv only on a large pool
        add_xlsx_sheet(xlsx, screening_sheet_name(), table)


def screening_sheet_name() -> str:
    """The name of the screening sheet in slate.xlsx (verify regenerates it under the same name)."""
    return _("screening") if current_lang() == "zh" else "screening"
