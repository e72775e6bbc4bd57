"""`selector verify`: re-check a result folder against its audit record (selector/outputs/record.py),
without solving.

`verify_folder` checks, with no solver: every output file is as written; every recorded input still has
its hash (else it names the file that changed); the inputs read back; the slate recorded in summary.json
and in the slate CSVs agree; the independent verifier (selector.verify, no ortools) finds every rule
holding; the merit, objective and bound are as recorded and no single swap gives a better slate; the
slate CSVs, the summary tables, the budget, the report and forms/ regenerate byte for byte; a folder of
`selector adjust` still links to the published one. With `resolve` it also solves again. Every check's
name and detail is in the reader's language (Chinese by default); the marks ok / FAIL stay as they are.
"""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from selector import progress
from selector.domain import SelectionResult
from selector.domain import has_slate as status_has_slate  # slates.has_slate(result, award) is the other
from selector.errors import InputErrors
from selector.i18n import _, language
from selector.outputs.bounds import large_pool
from selector.outputs.document import write_report
from selector.outputs.folders import write_tables_and_budget
from selector.outputs.forms import FORMS_DIR, forms_differences
from selector.outputs.privacy import public_id_map
from selector.outputs.recheck_numbers import check_adjustment, check_numbers, check_resolved
from selector.outputs.record import (
    VerifyReport,
    changed_since_the_run,
    check_inputs,
    ids_diff,
    output_files,
    read_audit,
    sha256_file,
    some_ids,
)
from selector.outputs.sheets import add_xlsx_sheet, csv_safe, csv_text, write_csv, write_xlsx
from selector.outputs.slates import (
    any_slate,
    has_slate,
    screening_sheet_name,
    screening_table,
    slate_sheets,
    slate_tables,
    slate_titles,
)
from selector.outputs.summary import summary_sheets
from selector.reading.eligibility import screen
from selector.reading.inputs import Inputs, fixed_in, load_inputs
from selector.reading.scenario import load_scenario_inputs
from selector.verify import verify_slate


def _inside(folder: Path, name: object) -> bool:
    """A recorded output name is a relative path inside the folder, through no link (never ../../etc/hostname,
    an absolute path, or a link to a file elsewhere); forms/... subfolders are fine."""
    if not isinstance(name, str) or not name or "\0" in name or "\\" in name or name.startswith("/"):
        return False
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    here = Path(folder)
    for part in parts:
        here = here / part
        if here.is_symlink():
            return False
    return Path(folder).resolve() in here.resolve().parents


def _check_outputs(report: VerifyReport, folder: Path, audit: dict) -> None:
    if not isinstance(audit["outputs"], dict):
        audit["outputs"] = {}
    outside = [str(n) for n in audit["outputs"] if not _inside(folder, n)]
    if outside:
        report.add(_("recorded outputs inside the folder"), False, _(
            "the record names files outside the folder or through a link, which were not read: {names}",
            names=", ".join(outside[:5])))
        audit["outputs"] = {n: d for n, d in audit["outputs"].items() if _inside(folder, n)}
    changed = []
    for name, digest in audit["outputs"].items():
        p = folder / name
        if not p.exists():
            changed.append(_("{name} is missing", name=name))
        elif not p.is_file():
            changed.append(_("{name} is not a regular file", name=name))
        elif sha256_file(p) != digest:
            changed.append(changed_since_the_run(name, digest, sha256_file(p)))
    report.add(_("output files as written"), not changed, _("; ").join(changed) or _(
        "{n} files have their recorded SHA-256", n=len(audit["outputs"])))
    extra = [name for name in output_files(folder) if name not in audit["outputs"]]
    if extra:
        report.add(_("files not in the record"), True, _("added after the run (not checked): {names}",
                                                          names=", ".join(extra)))


def _as_csv(ids: list[str], public: dict[str, str] | None = None) -> list[str]:
    """Ids as a CSV of ours holds them (masked where they are ID-card or phone numbers, privacy.public_id_map;
    formula-like text prefixed, selector.outputs.sheets)."""
    return [str(csv_safe((public or {}).get(i, i))) for i in ids]


def _read_csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _csv_diff(name: str, file_rows: list[list[str]], new_rows: list[list[str]]) -> str:
    """The first few cells where a slate CSV differs from the one the inputs give."""
    if not file_rows or not new_rows:
        return _("{name} is empty", name=name)
    if file_rows[0] != new_rows[0]:
        return _("{name}: the header differs from the one the inputs give", name=name)
    header = new_rows[0]
    diffs = []
    for i, (a, b) in enumerate(zip(file_rows[1:], new_rows[1:]), start=2):
        for j, h in enumerate(header):
            va = a[j] if j < len(a) else ""
            vb = b[j] if j < len(b) else ""
            if va != vb:
                ident = b[header.index("id")] if "id" in header else ""
                diffs.append(_("line {line} ({id}) column {column}: the file has '{file}', the inputs give "
                               "'{inputs}'", line=i, id=ident, column=h, file=va, inputs=vb))
    if len(file_rows) != len(new_rows):
        diffs.append(_("{file} rows in the file, {inputs} from the inputs", file=len(file_rows) - 1,
                       inputs=len(new_rows) - 1))
    more = _("; … {n} more", n=len(diffs) - 5) if len(diffs) > 5 else ""
    return f"{name}: " + _("; ").join(diffs[:5]) + more


def _screening_diff(recorded: list[str], now: list[str]) -> str:
    """Where screening the inputs again differs from the screening the folder recorded."""
    parts = []
    flagged = sorted(set(now) - set(recorded))
    cleared = sorted(set(recorded) - set(now))
    if flagged:
        parts.append(_("re-screening lists {ids} as ineligible, recorded eligible", ids=some_ids(flagged)))
    if cleared:
        parts.append(_("re-screening lacks {ids} recorded ineligible", ids=some_ids(cleared)))
    return _("; ").join(parts)


def verify_folder(folder: Path | str, resolve: bool = False) -> VerifyReport:
    """Re-check a result folder against its audit record, without solving; with `resolve`, also solve
    again from the recorded inputs and confirm the recorded slate is the canonical optimum."""
    folder = Path(folder)
    audit = read_audit(folder)
    report = VerifyReport(folder)
    progress.step(_("checking the output files' hashes"))
    _check_outputs(report, folder, audit)
    paths = check_inputs(report, folder, audit)

    summary_path = folder / "summary.json"
    try:
        result = SelectionResult.model_validate_json(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        report.add("summary.json", False, _("cannot be read: {error}", error=str(e).splitlines()[0]))
        return report
    if result.status != audit["status"]:
        report.add(_("status"), False, _("summary.json says {mine}, audit.json {theirs}", mine=result.status,
                                         theirs=audit["status"]))
    for award, rec in audit["awards"].items():
        mine = result.awards.get(award)
        if mine is None:
            report.add(_("slate {award}", award=award), False, _("summary.json has no award {award}", award=award))
            continue
        diff = ids_diff("summary.json", rec["selected"], mine.selected)
        if diff or mine.merit != rec["merit"]:
            report.add(_("slate {award}", award=award), False, diff or _(
                "summary.json merit {mine}, audit.json {theirs}", mine=mine.merit, theirs=rec["merit"]))
    if paths is None:
        return report
    roles = dict(paths)
    rules, quotas = roles.pop("rules", None), roles.pop("quotas", None)
    scenario = roles.pop("scenario", None)
    skip_hidden = bool((audit.get("reading") or {}).get("skip_hidden_rows", False))
    progress.step(_("reading the inputs back"))
    if rules is None:
        report.add(_("inputs"), False, _("the record names no rule set"))
        return report
    try:
        if scenario is not None:  # a what-if run: the same files with the scenario's overrides applied again
            inputs = load_scenario_inputs(scenario, rules, roles, quotas, skip_hidden).inputs
        else:
            inputs = load_inputs(rules, roles, quotas, skip_hidden)
    except InputErrors as e:
        report.add(_("inputs read back"), False, _("; ").join(str(p) for p in e.problems[:5]))
        return report
    report.add(_("inputs read back"), True, _(", ").join(_("{pool}: {n} candidates", pool=k, n=len(p))
                                                        for k, p in inputs.pools.items()))

    if not any_slate(result):  # no pool has a slate (a partial run still re-checks the pools that have one)
        _check_expected_files(report, folder, inputs, result, audit)
        report.add(_("recorded slate"), True, _("no slate recorded (status {status}); nothing more to re-check",
                                       status=result.status))
        if resolve:
            progress.step(_("solving again (--resolve)"))
            check_resolved(report, inputs, result, audit)
        return report
    _check_expected_files(report, folder, inputs, result, audit)
    tables_in = audit.get("lang", "en")  # the tables were written in this language (English before it was kept)
    progress.step(_("re-checking the slate: screening, every rule, the merit"))
    _check_slate(report, folder, inputs, result, audit, tables_in)  # the messages: in the reader's language
    _check_regenerated(report, folder, inputs, result, audit, tables_in)
    progress.step(_("re-checking the objective, the bound and single swaps"))
    check_numbers(report, inputs, result, audit)
    if "adjustment" in audit:  # a folder of `selector adjust`: its link to the published one (issue 15)
        check_adjustment(report, folder, audit, result)
    if resolve:
        progress.step(_("solving again (--resolve)"))
        check_resolved(report, inputs, result, audit)
    return report


def _check_slate(report: VerifyReport, folder: Path, inputs: Inputs, result: SelectionResult, audit: dict,
                 tables_in: str) -> None:
    solved = [k for k, p in result.pools.items() if status_has_slate(p.status)]
    rs = inputs.ruleset.of_pools(solved)  # a pool with no slate has nothing to re-check
    report.slate_checked = True
    slate = {a: list(r.selected) for a, r in result.awards.items()}
    # the slate CSVs list the same ids (and subset marks) as the record
    for award in rs.awards:
        if award.parent is not None or not has_slate(result, award):
            continue
        path = folder / f"{award.id}.csv"
        if not path.exists():
            report.add(f"{award.id}.csv", False, _("missing"))
            continue
        rows = _read_csv_rows(path)
        header = rows[0] if rows else []
        with language(tables_in):  # the CSV's headers and marks, as the run wrote them
            titles, yes = slate_titles(inputs, award), _("yes")
        if titles.get("id", "id") not in header:
            report.add(f"{award.id}.csv", False, _("has no id column"))
            continue
        k = header.index(titles.get("id", "id"))
        ids = [r[k] for r in rows[1:] if len(r) > k]

        public = public_id_map(inputs.pools[award.pool].ids)
        problems = [d for d in [ids_diff(f"{award.id}.csv", _as_csv(slate.get(award.id, []), public), ids)] if d]
        for sub in rs.awards:
            if sub.parent == award.id and titles.get(sub.id, sub.id) in header:
                j = header.index(titles.get(sub.id, sub.id))
                marked = [r[k] for r in rows[1:] if len(r) > j and r[j] == yes]
                d = ids_diff(_("{file} column {award}", file=f"{award.id}.csv", award=sub.id),
                             _as_csv(slate.get(sub.id, []), public), marked)
                if d:
                    problems.append(d)
        report.add(_("{file} lists the recorded slate", file=f"{award.id}.csv"), not problems,
                   _("; ").join(problems) or _("{n} ids", n=len(ids)))
    # eligibility as recorded, and as the inputs give it now
    ineligible: set[str] = set((audit.get("screening") or {}).get("ineligible", []))
    if result.screening is None and rs.eligibility:  # re-screened even when the record has no screening
        _check_unrecorded_screening(report, inputs, slate, audit)
    if result.screening is not None:
        ineligible |= {s.id for s in result.screening.screened_out}
        try:
            now = {c.id for c in screen(inputs.ruleset, inputs.pools, inputs.quotas).screened_out}
            d = _screening_diff(sorted(ineligible), sorted(now))
            report.add(_("eligibility screening"), not d, d or _("{n} screened out, as recorded", n=len(now)))
            ineligible |= now
        except InputErrors as e:
            report.add(_("eligibility screening"), False, _("; ").join(str(p) for p in e.problems[:3]))
    # every rule, by the independent verifier
    vr = verify_slate(rs, {k: inputs.pools[k] for k in solved}, inputs.quotas, slate, ineligible,
                      fixed=fixed_in(inputs, solved))
    report.add(_("every rule holds (independent verifier)"), vr.ok,
               _("; ").join(vr.violations[:8]) or _("{n} rules, seats and unit quotas checked", n=len(vr.checks)))
    # the counts summary.json records (the report, plots and what-if show them) are the verifier's
    counted = {c.id: (c.count, c.whole, c.ok, c.short) for c in vr.checks}
    wrong = [r.id for r in result.rules if counted.get(r.id, (r.count, r.whole, r.ok, r.short))
             != (r.count, r.whole, r.ok, r.short)]
    report.add(_("every rule's count as recorded"), not wrong, _("summary.json counts differently: {rules}",
                                                                 rules=", ".join(wrong[:8])) if wrong else "")
    # merit as recorded
    bad = []
    for award in rs.awards:
        if award.id not in result.awards:
            continue
        scores = dict(zip(inputs.pools[award.pool].table["id"], inputs.pools[award.pool].table["score"]))
        merit = sum((scores[c] for c in slate[award.id] if c in scores), Decimal(0))
        recorded = Decimal(result.awards[award.id].merit)
        if merit != recorded:
            bad.append(_("{award}: the inputs give merit {merit}, recorded {recorded}", award=award.id, merit=merit,
                         recorded=recorded))
    report.add(_("merit as recorded"), not bad, _("; ").join(bad) or ", ".join(
        f"{a} {r.merit}" for a, r in result.awards.items()))


def _check_regenerated(report: VerifyReport, folder: Path, inputs: Inputs, result: SelectionResult,
                       audit: dict, tables_in: str) -> None:
    """The slate CSVs, summary tables, budget, report and forms, regenerated from the inputs and the recorded
    slate in the language the run wrote them (`tables_in`), equal the folder's files byte for byte."""
    with language(tables_in):
        tables = slate_tables(inputs, result)
    for award_id, frame in tables.items():
        path = folder / f"{award_id}.csv"
        if not path.exists():
            continue
        new = csv_text(frame)
        old = path.read_bytes().decode("utf-8-sig", errors="replace")
        if new != old:
            report.add(_("{name} regenerates", name=f"{award_id}.csv"), False,
                       _csv_diff(path.name, _read_csv_rows(path), list(csv.reader(io.StringIO(new)))))
        else:
            report.add(_("{name} regenerates", name=f"{award_id}.csv"), True, _("byte for byte"))
    progress.step(_("regenerating the tables and the report"))
    with tempfile.TemporaryDirectory() as tmp:
        with language(tables_in):
            sheets, budget = write_tables_and_budget(Path(tmp), inputs, result)
            _regenerate_rest(Path(tmp), folder, inputs, result, audit, sheets, budget)
        names = [s.file for s in sheets] + ["budget.csv", "budget.xlsx", "screening.csv", "slate.xlsx",
                                            "report.md", "report.html"]
        for name in names:
            mine, theirs = Path(tmp) / name, folder / name
            if not mine.exists():
                continue
            if not theirs.exists():
                report.add(_("{name} regenerates", name=name), False, _("missing from the folder"))
            elif mine.read_bytes() != theirs.read_bytes():
                report.add(_("{name} regenerates", name=name), False,
                           _("differs from the one the inputs and the slate give"))
            else:
                report.add(_("{name} regenerates", name=name), True, _("byte for byte"))

    if (folder / FORMS_DIR).is_dir():  # issue 17: the forms, regenerated from the inputs and the recorded slate
        progress.step(_("regenerating forms/"))
        with language(tables_in):
            differ, n = forms_differences(folder / FORMS_DIR, inputs, result)
        report.add(_("{folder}/ regenerates", folder=FORMS_DIR), not differ, _("; ").join(differ[:5]) + (
            _("; … {n} more", n=len(differ) - 5) if len(differ) > 5 else "") or _("{n} files byte for byte", n=n))


def format_verify(report: VerifyReport) -> str:
    """The terminal view of `selector verify`: each check (its name and detail as recorded), then the verdict."""
    lines = [_("Verifying {folder}/ against its audit record (no solving):", folder=report.folder)]
    for c in report.checks:
        mark = "ok  " if c.ok else "FAIL"  # the marks stay as they are in both languages (scripts grep them)
        lines.append(f"  {mark}  {c.name}" + (f": {c.detail}" if c.detail else ""))
    if report.ok and report.slate_checked:
        lines.append(_("PASS: the inputs are as recorded, every rule holds and the merit is as recorded."))
    elif report.ok:
        lines.append(_("PASS: the inputs and outputs are as recorded (no slate was recorded to re-check)."))
    else:
        lines.append(_("FAIL: {n} check(s) failed: {names}", n=len(report.failures),
                       names=", ".join(c.name for c in report.failures)))
    return "\n".join(lines)


def _expected_files(inputs: Inputs, result: SelectionResult) -> set[str]:
    """The files `selector select` always writes (plots are optional: --no-plots)."""
    names = {"summary.json", "report.md", "report.html"} | ({"screening.csv"} if result.screening else set())
    if any_slate(result):  # a partial run writes the awards whose pool has a slate (issue 12)
        names |= {f"{a.id}.csv" for a in inputs.ruleset.awards
                  if a.parent is None and has_slate(result, a)} | {"slate.xlsx"}
        names |= {s.file for s in summary_sheets(inputs, result)}
        if any(a.reward_yuan for a in inputs.ruleset.awards):
            names |= {"budget.csv", "budget.xlsx"}
    if result.status == "infeasible" or any(p.status == "infeasible" for p in result.pools.values()):
        names.add("explanation.json")
    return names


def _check_expected_files(report: VerifyReport, folder: Path, inputs: Inputs, result: SelectionResult,
                          audit: dict) -> None:

    missing = sorted(n for n in _expected_files(inputs, result) if n not in audit["outputs"])
    report.add(_("every file a run writes is in the record"), not missing,
               _("not in the record (removed, or the record edited): {names}", names=", ".join(missing))
               if missing else "")


def _check_unrecorded_screening(report: VerifyReport, inputs: Inputs, slate: dict[str, list[str]],
                                audit: dict) -> None:
    """A folder written without screening (a notebook's select()): no screened-out candidate may be in the
    slate, and a screening.csv beside it means the record's screening was removed."""
    try:
        now = {c.id for c in screen(inputs.ruleset, inputs.pools, inputs.quotas).screened_out}
    except InputErrors as e:
        report.add(_("eligibility screening"), False, _("; ").join(str(p) for p in e.problems[:3]))
        return
    inside = sorted(now & {c for ids in slate.values() for c in ids})
    problems = []
    if inside:
        problems.append(_("the slate holds candidates the inputs screen out: {ids}", ids=", ".join(inside[:8])))
    if "screening.csv" in audit["outputs"]:
        problems.append(_("summary.json records no screening, but the folder holds screening.csv"))
    report.add(_("eligibility screening"), not problems, _("; ").join(problems) or _(
        "no screening recorded; none of the {n} the inputs screen out is in the slate", n=len(now)))


def _regenerate_rest(tmp: Path, folder: Path, inputs: Inputs, result: SelectionResult, audit: dict,
                     sheets, budget) -> None:
    """screening.csv, slate.xlsx and the report, as the run wrote them, into `tmp` (for comparison)."""
    lang = audit.get("lang") or "zh"
    try:
        screening = screen(inputs.ruleset, inputs.pools, inputs.quotas)
    except InputErrors:
        return
    with language(lang if lang in ("zh", "en") else "zh"):
        table = screening_table(inputs, screening)
        screened = result.screening is not None or "screening.csv" in audit["outputs"]
        if screened:
            write_csv(table, tmp / "screening.csv")
        tables = slate_tables(inputs, result)
        if tables:
            write_xlsx(tmp / "slate.xlsx", slate_sheets(inputs, result, tables))  # as write_selection does
            if screened and not large_pool(inputs):  # as write_screening does (selector/outputs/bounds.py)
                add_xlsx_sheet(tmp / "slate.xlsx", screening_sheet_name(), table)
        record = {k: v for k, v in audit.items() if k != "outputs"}
        write_report(folder, inputs, result, budget, record, sheets, into=tmp)
