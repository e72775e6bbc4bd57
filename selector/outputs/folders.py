"""Each command's output folder, written whole or not at all (selector/outputs/atomic.py): `select` (the slate
tables, summary.json, screening, reserve list, explanation, plots, forms, then the paperwork and audit.json
last, which read and hash all the rest), `check`, `adjust`, `sweep` and `whatif` (the comparison). The web
workbench writes the very same folders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from selector import progress
from selector.analysis.adjust import ADJUSTMENT_FILE, Adjustment, adjustment_json, audit_link, format_adjustment
from selector.analysis.explain import explanation_json, write_explanation
from selector.analysis.reserve import reserve_list, write_reserve
from selector.analysis.supply import SupplyCheck
from selector.analysis.sweep import Sweep, sweep_json, sweep_rows
from selector.analysis.whatif import Comparison, comparison_frame, comparison_json, long_frames
from selector.domain import SelectionResult, has_slate
from selector.engine.solve import SolverSettings
from selector.i18n import _
from selector.outputs.atomic import atomic_output_dir
from selector.outputs.bounds import large_pool, write_reserve_by_default
from selector.outputs.budget import Budget, compute_budget, write_budget
from selector.outputs.document import write_report
from selector.outputs.form_layout import has_forms
from selector.outputs.forms import FORMS_DIR, write_forms
from selector.outputs.record import build_audit, write_audit
from selector.outputs.sheets import normalise_xlsx_file, write_csv, write_rows_csv, write_xlsx
from selector.outputs.slates import any_slate, findings_table, slate_sheets, slate_tables, write_screening
from selector.outputs.summary import SummarySheet, summary_sheets, write_summary_table
from selector.reading.eligibility import Screening
from selector.reading.inputs import Inputs


def write_selection(out: Path, inputs: Inputs, result: SelectionResult, force: bool = False,
                    extra: Callable[[Path], None] | None = None, settings=None, paperwork: bool = True,
                    audit_extra: dict | None = None) -> None:
    """Write the slates (CSV and one XLSX), summary.json and anything `extra` adds, atomically; then
    (`paperwork`) the summary tables, budget, report and audit.json, which read and hash all the rest.
    `settings` (solve.SolverSettings) go into the audit record, and so do the entries of `audit_extra`
    (an adjusted slate's link to the published one, selector/analysis/adjust.py)."""
    with atomic_output_dir(out, force) as tmp:
        progress.step(_("writing the slate tables"))
        tables = slate_tables(inputs, result)  # every award whose pool has a slate, even if another has none
        for award_id, frame in tables.items():
            write_csv(frame, tmp / f"{award_id}.csv")
        if tables:
            write_xlsx(tmp / "slate.xlsx", slate_sheets(inputs, result, tables))
        (tmp / "summary.json").write_text(
            json.dumps(result.model_dump(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if extra is not None:
            extra(tmp)
        if paperwork:  # last: the report reads what `extra` wrote (screening, plots), the audit hashes it all
            write_paperwork(tmp, inputs, result, settings, audit_extra)


def write_select_folder(out: Path, inputs: Inputs, screening: Screening, result: SelectionResult,
                        explanation=None, settings=None, plots: bool = True, force: bool = False,
                        reserve: bool | None = None, forms: bool = True) -> list:
    """The output folder of `selector select` (the web workbench writes the very same one): the slate
    tables and summary.json, screening.csv, reserve.xlsx (候补名单, `reserve`), explanation.json when no
    slate exists (`explanation`, from explain.explain_inputs), the plots, then the paperwork and audit.json;
    whole or not at all. `settings` (solve.SolverSettings) go into audit.json; their workers serve the reserve.
    With `forms` and a rule set that declares forms, forms/ too (selector/outputs/forms.py); returns what it wrote.
    `reserve=None`: written below bounds.LARGE_POOL candidates only; above it forms/ are the slate's only
    (selector/outputs/bounds.py says what is bounded, bounded_notes what to tell the user)."""
    forms_written: list = []

    def extra(folder: Path) -> None:
        progress.step(_("writing screening.csv"))
        write_screening(folder, inputs, screening)
        if write_reserve_by_default(inputs, reserve) and has_slate(result.status):  # 候补名单 (issue 15)
            progress.step(_("computing the reserve list"))
            workers = settings.workers if settings is not None else 1
            write_reserve(folder, inputs, reserve_list(inputs, result, screening.masks,
                                                       SolverSettings(workers=workers)))
        if explanation is not None:
            write_explanation(folder, explanation)
        if plots:
            from selector.outputs.plots import write_selection_plots  # start-up speed: matplotlib loads only to plot

            progress.step(_("drawing the plots"))
            write_selection_plots(folder, inputs, result, screening.masks)
        if forms:
            if has_forms(inputs.ruleset):  # issue 17: forms/ (附件2/3, bundles, tracker, 公示名单, 审批表, 承诺书)
                progress.step(_("writing forms/"))
                forms_written.append(write_forms(folder / FORMS_DIR, inputs, result, slate_only=large_pool(inputs)))

    write_selection(out, inputs, result, force=force, extra=extra, settings=settings)  # settings: audit.json
    return forms_written


def write_check(out: Path, inputs: Inputs, check: SupplyCheck, force: bool = False) -> None:
    """`selector check` output, atomically: screening.csv, supply.csv and check.json."""
    with atomic_output_dir(out, force) as tmp:
        write_screening(tmp, inputs, check.screening)
        write_csv(findings_table(check.findings, inputs.ruleset), tmp / "supply.csv")
        data = {"ruleset": inputs.ruleset.id, "ok": check.ok,
                "screening": check.screening.summary().model_dump(),
                "findings": [f.__dict__ for f in check.findings],
                "submissions": [f.__dict__ for f in check.submissions],
                "exact": [e.__dict__ for e in check.exact], "necessary_conditions_only": check.necessary_only}
        (tmp / "check.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_tables_and_budget(folder: Path, inputs: Inputs, result: SelectionResult
                            ) -> tuple[list[SummarySheet], Budget | None]:
    """The summary tables and the budget (when there is a slate) into `folder`; also rewrites slate.xlsx
    reproducibly. Returns what it wrote, for the report."""
    sheets = summary_sheets(inputs, result)
    for sheet in sheets:
        write_summary_table(folder / sheet.file, sheet)
    budget = None
    if any_slate(result):
        budget = compute_budget(inputs.ruleset, inputs.pools, inputs.quotas, result)
        write_budget(folder, inputs.ruleset, budget)
    for xlsx in sorted(folder.glob("*.xlsx")):
        normalise_xlsx_file(xlsx)  # slate.xlsx written by pandas: fixed times, so equal runs give equal bytes
    return sheets, budget


def write_paperwork(folder: Path, inputs: Inputs, result: SelectionResult, settings=None,
                    audit_extra: dict | None = None) -> None:
    """Summary tables, budget, report and audit.json into a result folder, after everything else is in it
    (the report reads screening.csv, explanation.json and *.png; the audit hashes every file)."""
    folder = Path(folder)
    progress.step(_("writing the summary tables and budget"))
    sheets, budget = write_tables_and_budget(folder, inputs, result)
    audit = build_audit(inputs, result, settings) | (audit_extra or {})
    progress.step(_("writing the report"))
    write_report(folder, inputs, result, budget, audit, sheets)
    progress.step(_("writing audit.json (hashing every file)"))
    write_audit(folder, audit)


def write_sweep(out, sweep: Sweep, force: bool = False, plots: bool = True) -> list[str]:
    """sweep.csv, sweep.json and sweep.png/svg, written whole or not at all. Returns the file names."""
    with atomic_output_dir(Path(out), force) as tmp:
        rows = sweep_rows(sweep)
        write_rows_csv(rows, tmp / "sweep.csv")
        (tmp / "sweep.json").write_text(json.dumps(sweep_json(sweep), ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
        if plots:
            from selector.outputs.plots import plot_sweep  # start-up speed: matplotlib loads only to plot

            plot_sweep(sweep, tmp)
        names = sorted(p.name for p in tmp.iterdir())
    return names


def write_comparison(out: Path, cmp: Comparison, force: bool = False, plots: bool = True) -> list[str]:
    """whatif.csv, whatif.xlsx, whatif.json and the merit chart (PNG, SVG), written whole or not at all.
    Returns the file names written."""
    with atomic_output_dir(Path(out), force) as tmp:
        frame = comparison_frame(cmp)
        write_csv(frame, tmp / "whatif.csv")
        write_xlsx(tmp / "whatif.xlsx", {"comparison": frame, **long_frames(cmp)})
        (tmp / "whatif.json").write_text(json.dumps(comparison_json(cmp), ensure_ascii=False, indent=2,
                                                    default=json_default) + "\n", encoding="utf-8")
        if plots:
            from selector.outputs.plots import plot_whatif_merit  # start-up speed: matplotlib loads only to plot

            plot_whatif_merit(cmp, tmp)
        names = sorted(p.name for p in tmp.iterdir())
    return names


def json_default(v):
    if isinstance(v, (Decimal, Fraction)):
        return str(v)
    if isinstance(v, Path):
        return str(v)
    raise TypeError(f"not JSON: {type(v).__name__}")


def write_adjustment(out: Path | str, adj: Adjustment, force: bool = False, reserve: bool = True) -> None:
    """The adjusted folder, written as `selector select` writes one (atomically, audit.json last), with
    adjustment.json, adjustment.md and (with a slate) the reserve list of the adjusted slate."""
    text = format_adjustment(adj)

    def extra(folder: Path) -> None:
        write_screening(folder, adj.inputs, adj.screening)
        (folder / ADJUSTMENT_FILE).write_text(json.dumps(adjustment_json(adj), ensure_ascii=False, indent=2,
                                                         default=str) + "\n", encoding="utf-8")
        (folder / "adjustment.md").write_text(text + "\n", encoding="utf-8")
        if adj.explanation:
            (folder / "explanation.json").write_text(json.dumps(explanation_json(adj.explanation),
                                                                ensure_ascii=False, indent=2, default=str) + "\n",
                                                     encoding="utf-8")
        if reserve and adj.has_slate:
            write_reserve(folder, adj.inputs, reserve_list(adj.inputs, adj.result, adj.screening.masks))

    write_selection(Path(out), adj.inputs, adj.result, force=force, extra=extra, settings=adj.published.settings,
                    audit_extra=audit_link(adj))
