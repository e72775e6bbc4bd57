"""The audit record of a result folder (audit.json) and `selector verify`, which re-checks a folder
without solving.

audit.json holds the SHA-256 of every input file and the rule set, the package versions, the solver
parameters (workers, time limit, seed), per pool the status, objective, proven bound and wall time,
the selected ids, and the SHA-256 of every file the run wrote. `verify_folder` then checks, with no
solver: every output file is as written; every recorded input still has its hash (else it names the
file that changed); the inputs read back; the slate recorded in summary.json and in the slate CSVs
agree; the independent verifier (selector.verify, no ortools) finds every rule holding; the merit is
as recorded; and the slate CSVs, the summary tables and the budget regenerate byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import platform
import sys
import tempfile
from dataclasses import asdict, dataclass, field, is_dataclass
from decimal import Decimal
from importlib import metadata
from pathlib import Path

from selector.domain import SelectionResult
from selector.errors import InputErrors, InputProblem
from selector.i18n import current_lang
from selector.pipeline import Inputs
from selector.reading.pool import split_sheet

AUDIT_FILE = "audit.json"
AUDIT_FORMAT = "slate-selector-audit/1"
_PACKAGES = {"selector": "slate-selector", "ortools": "ortools", "pandas": "pandas", "pydantic": "pydantic",
             "openpyxl": "openpyxl", "chinesecalendar": "chinesecalendar"}


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name, dist in _PACKAGES.items():
        try:
            out[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["platform"] = platform.platform()
    return out


def _file_record(spec: Path | str) -> dict:
    path, sheet = split_sheet(spec)
    rec = {"path": str(spec), "resolved": str(path.resolve()), "sha256": sha256_file(path),
           "bytes": path.stat().st_size}
    if sheet is not None:
        rec["sheet"] = sheet
    return rec


def _settings_record(settings) -> dict:
    base = {"engine": "OR-Tools CP-SAT",
            "stages": "1 merit (less soft penalties), 2 subset merit, 3 tie-break; then a uniqueness proof"}
    if settings is None:
        from selector.engine.solve import SolverSettings

        settings = SolverSettings()
    data = asdict(settings) if is_dataclass(settings) else dict(settings)
    return base | data


def build_audit(inputs: Inputs, result: SelectionResult, settings=None) -> dict:
    """The audit record of a run (without the output hashes, which write_audit adds)."""
    rs = inputs.ruleset
    return {
        "format": AUDIT_FORMAT,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "command": " ".join(Path(sys.argv[0]).name if i == 0 else a for i, a in enumerate(sys.argv)),
        "ruleset": {"id": rs.id, "title_zh": rs.title_zh, "notice": rs.notice},
        "inputs": {role: _file_record(p) for role, p in inputs.files.items()}
        | ({"scenario": _file_record(inputs.scenario)} if inputs.scenario is not None else {}),
        "versions": package_versions(),
        "solver": _settings_record(settings),
        "reading": {"skip_hidden_rows": inputs.skip_hidden_rows},  # verify reads the pools the same way
        "status": result.status,
        "verified": result.verified,
        "pools": {k: p.model_dump() for k, p in result.pools.items()},
        "awards": {a: {"merit": r.merit, "selected": list(r.selected)} for a, r in result.awards.items()},
        "screening": None if result.screening is None else {
            "ineligible": sorted(s.id for s in result.screening.screened_out)},
        "wall_time": result.wall_time,
        "read_files": {str(p): _file_record(p) for p in inputs.read_files},  # a scenario's bases, extra files
        "lang": current_lang(),  # the report's language, so that verify regenerates it in the same one
    }


def output_files(folder: Path) -> list[str]:
    """Every file of a result folder but audit.json, subfolders included (forms/consultation/x.docx), as
    relative POSIX paths in sorted order."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).as_posix() != AUDIT_FILE)


def write_audit(folder: Path, audit: dict) -> None:
    """audit.json, with the SHA-256 of every other file in the folder (written last)."""
    folder = Path(folder)
    outputs = {name: sha256_file(folder / name) for name in output_files(folder)}
    data = audit | {"outputs": outputs}
    (folder / AUDIT_FILE).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# =====================================================================================================
# verify
# =====================================================================================================
@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class VerifyReport:
    folder: Path
    checks: list[Check] = field(default_factory=list)
    slate_checked: bool = False  # a slate was recorded and re-checked (not so for a folder with no slate)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append(Check(name, ok, detail))


def _short(digest: str) -> str:
    return digest[:12] + "…"


def read_audit(folder: Path) -> dict:
    """The folder's audit record; InputErrors when the folder is not a result folder."""
    folder = Path(folder)
    path = folder / AUDIT_FILE
    if not folder.is_dir():
        raise InputErrors([InputProblem(str(folder), "not a folder")])
    if not path.exists():
        raise InputErrors([InputProblem(str(path), "no audit.json: not a result folder of `selector select`")])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputErrors([InputProblem(str(path), f"not readable JSON: {e}")]) from None
    if not isinstance(data, dict) or data.get("format") != AUDIT_FORMAT:
        raise InputErrors([InputProblem(str(path), f"not an audit record of format {AUDIT_FORMAT}")])
    for key in ("inputs", "outputs", "awards", "status"):
        if key not in data:
            raise InputErrors([InputProblem(str(path), f"audit record lacks '{key}'")])
    return data


def _locate(rec: dict, folder: Path) -> Path | None:
    """Where a recorded input is now: its absolute path at the time, else the path as given."""
    for candidate in (rec.get("resolved"), rec.get("path")):
        if candidate:
            p, _ = split_sheet(candidate)
            if p.exists():
                return p
    return None


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
    from selector.i18n import _

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
            changed.append(f"{name} is missing")
        elif not p.is_file():
            changed.append(f"{name} is not a regular file")
        elif sha256_file(p) != digest:
            changed.append(f"{name} changed since the run (SHA-256 recorded {_short(digest)}, now "
                           f"{_short(sha256_file(p))})")
    report.add("output files as written", not changed,
               "; ".join(changed) or f"{len(audit['outputs'])} files have their recorded SHA-256")
    extra = [name for name in output_files(folder) if name not in audit["outputs"]]
    if extra:
        report.add("files not in the record", True, "added after the run (not checked): " + ", ".join(extra))


def _check_inputs(report: VerifyReport, folder: Path, audit: dict) -> dict[str, Path] | None:
    """Input hashes; returns role -> path of every input when all exist."""
    found: dict[str, Path] = {}
    missing = False
    for name, rec in (audit.get("read_files") or {}).items():  # the scenario's bases and extra files
        p = _locate(rec, folder) if isinstance(rec, dict) else None
        if p is None:
            report.add(f"input {name}", False, f"{name} is missing: it cannot be re-checked")
            missing = True
        elif sha256_file(p) != rec.get("sha256"):
            report.add(f"input {name}", False, f"{p} changed since the run (SHA-256 recorded "
                       f"{_short(rec.get('sha256', ''))}, now {_short(sha256_file(p))})")
    for role, rec in audit["inputs"].items():
        p = _locate(rec, folder)
        if p is None:
            report.add(f"input {role}", False, f"{rec.get('path')} is missing: it cannot be re-checked")
            missing = True
            continue
        now = sha256_file(p)
        if now != rec.get("sha256"):
            report.add(f"input {role}", False, f"{p} changed since the run (SHA-256 recorded "
                       f"{_short(rec.get('sha256', ''))}, now {_short(now)}; {rec.get('bytes')} bytes recorded, "
                       f"{p.stat().st_size} now)")
        else:
            report.add(f"input {role}", True, f"{p}: SHA-256 {_short(now)} as recorded")
        found[role] = p if "sheet" not in rec else Path(f"{p}#{rec['sheet']}")
    return None if missing else found


def _ids_diff(what: str, recorded: list[str], now: list[str]) -> str:
    extra = sorted(set(now) - set(recorded))
    gone = sorted(set(recorded) - set(now))
    parts = []
    if extra:
        parts.append(f"{what} lists {', '.join(extra[:8])}{' …' if len(extra) > 8 else ''} not in the recorded slate")
    if gone:
        parts.append(f"{what} lacks {', '.join(gone[:8])}{' …' if len(gone) > 8 else ''} of the recorded slate")
    if not parts and len(now) != len(recorded):
        parts.append(f"{what} lists {len(now)} ids, the recorded slate {len(recorded)}")
    return "; ".join(parts)


def _as_csv(ids: list[str], public: dict[str, str] | None = None) -> list[str]:
    """Ids as a CSV of ours holds them (masked where they are ID-card or phone numbers, paperwork.public_id_map;
    formula-like text prefixed, selector.outputs.sheets)."""
    from selector.outputs.sheets import csv_safe

    return [str(csv_safe((public or {}).get(i, i))) for i in ids]


def _read_csv_rows(path: Path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _csv_diff(name: str, file_rows: list[list[str]], new_rows: list[list[str]]) -> str:
    """The first few cells where a slate CSV differs from the one the inputs give."""
    if not file_rows or not new_rows:
        return f"{name} is empty"
    if file_rows[0] != new_rows[0]:
        return f"{name}: the header differs from the one the inputs give"
    header = new_rows[0]
    diffs = []
    for i, (a, b) in enumerate(zip(file_rows[1:], new_rows[1:]), start=2):
        for j, h in enumerate(header):
            va = a[j] if j < len(a) else ""
            vb = b[j] if j < len(b) else ""
            if va != vb:
                ident = b[header.index("id")] if "id" in header else ""
                diffs.append(f"line {i} ({ident}) column {h}: the file has '{va}', the inputs give '{vb}'")
    if len(file_rows) != len(new_rows):
        diffs.append(f"{len(file_rows) - 1} rows in the file, {len(new_rows) - 1} from the inputs")
    return f"{name}: " + "; ".join(diffs[:5]) + (f"; … {len(diffs) - 5} more" if len(diffs) > 5 else "")


def verify_folder(folder: Path | str, resolve: bool = False) -> VerifyReport:
    """Re-check a result folder against its audit record, without solving; with `resolve`, also solve
    again from the recorded inputs and confirm the recorded slate is the canonical optimum."""
    from selector.pipeline import load_inputs

    folder = Path(folder)
    audit = read_audit(folder)
    report = VerifyReport(folder)
    _check_outputs(report, folder, audit)
    paths = _check_inputs(report, folder, audit)

    summary_path = folder / "summary.json"
    try:
        result = SelectionResult.model_validate_json(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        report.add("summary.json", False, f"cannot be read: {str(e).splitlines()[0]}")
        return report
    if result.status != audit["status"]:
        report.add("status", False, f"summary.json says {result.status}, audit.json {audit['status']}")
    for award, rec in audit["awards"].items():
        mine = result.awards.get(award)
        if mine is None:
            report.add(f"slate {award}", False, f"summary.json has no award {award}")
            continue
        diff = _ids_diff("summary.json", rec["selected"], mine.selected)
        if diff or mine.merit != rec["merit"]:
            report.add(f"slate {award}", False, diff or f"summary.json merit {mine.merit}, audit.json {rec['merit']}")
    if paths is None:
        return report
    roles = dict(paths)
    rules, quotas = roles.pop("rules", None), roles.pop("quotas", None)
    scenario = roles.pop("scenario", None)
    skip_hidden = bool((audit.get("reading") or {}).get("skip_hidden_rows", False))
    if rules is None:
        report.add("inputs", False, "the record names no rule set")
        return report
    try:
        if scenario is not None:  # a what-if run: the same files with the scenario's overrides applied again
            from selector.reading.scenario import load_scenario_inputs

            inputs = load_scenario_inputs(scenario, rules, roles, quotas, skip_hidden).inputs
        else:
            inputs = load_inputs(rules, roles, quotas, skip_hidden)
    except InputErrors as e:
        report.add("inputs read back", False, "; ".join(str(p) for p in e.problems[:5]))
        return report
    report.add("inputs read back", True, ", ".join(f"{k}: {len(p)} candidates" for k, p in inputs.pools.items()))
    from selector.outputs.paperwork import has_slate

    if not has_slate(result):  # no pool has a slate (a partial run still re-checks the pools that have one)
        _check_expected_files(report, folder, inputs, result, audit)
        report.add("slate", True, f"no slate recorded (status {result.status}); nothing more to re-check")
        if resolve:
            _check_resolved(report, inputs, result, audit)
        return report
    _check_expected_files(report, folder, inputs, result, audit)
    from selector.i18n import language

    with language(audit.get("lang", "en")):  # the tables were written in this language (English before it was kept)
        _check_slate(report, folder, inputs, result, audit)
        _check_regenerated(report, folder, inputs, result, audit)
    _check_numbers(report, inputs, result, audit)  # its messages in the reader's language, not the record's
    if "adjustment" in audit:  # a folder of `selector adjust`: its link to the published one (issue 15)
        from selector.analysis.adjust import check_adjustment

        check_adjustment(report, folder, audit, result)
    if resolve:
        _check_resolved(report, inputs, result, audit)
    return report


def _check_slate(report: VerifyReport, folder: Path, inputs: Inputs, result: SelectionResult, audit: dict) -> None:
    from selector.i18n import _
    from selector.outputs.report import has_slate, slate_titles
    from selector.pipeline import fixed_in
    from selector.verify import verify_slate

    solved = [k for k, p in result.pools.items() if p.status in ("optimal", "feasible")]
    rs = inputs.ruleset.of_pools(solved)  # a pool with no slate has nothing to re-check
    report.slate_checked = True
    slate = {a: list(r.selected) for a, r in result.awards.items()}
    # the slate CSVs list the same ids (and subset marks) as the record
    for award in rs.awards:
        if award.parent is not None or not has_slate(result, award):
            continue
        path = folder / f"{award.id}.csv"
        if not path.exists():
            report.add(f"{award.id}.csv", False, "missing")
            continue
        rows = _read_csv_rows(path)
        header = rows[0] if rows else []
        titles = slate_titles(inputs, award)
        if titles.get("id", "id") not in header:
            report.add(f"{award.id}.csv", False, "has no id column")
            continue
        k = header.index(titles.get("id", "id"))
        ids = [r[k] for r in rows[1:] if len(r) > k]
        from selector.outputs.paperwork import public_id_map

        public = public_id_map(inputs.pools[award.pool].ids)
        problems = [d for d in [_ids_diff(f"{award.id}.csv", _as_csv(slate.get(award.id, []), public), ids)] if d]
        for sub in rs.awards:
            if sub.parent == award.id and titles.get(sub.id, sub.id) in header:
                j = header.index(titles.get(sub.id, sub.id))
                marked = [r[k] for r in rows[1:] if len(r) > j and r[j] == _("yes")]
                d = _ids_diff(f"{award.id}.csv column {sub.id}", _as_csv(slate.get(sub.id, []), public), marked)
                if d:
                    problems.append(d)
        report.add(f"{award.id}.csv lists the recorded slate", not problems, "; ".join(problems) or
                   f"{len(ids)} ids")
    # eligibility as recorded, and as the inputs give it now
    ineligible: set[str] = set((audit.get("screening") or {}).get("ineligible", []))
    if result.screening is None and rs.eligibility:  # re-screened even when the record has no screening
        _check_unrecorded_screening(report, inputs, slate, audit)
    if result.screening is not None:
        ineligible |= {s.id for s in result.screening.screened_out}
        try:
            from selector.reading.eligibility import screen

            now = {c.id for c in screen(inputs.ruleset, inputs.pools, inputs.quotas).screened_out}
            d = _ids_diff("re-screening", sorted(ineligible), sorted(now)).replace(
                "not in the recorded slate", "as ineligible, recorded eligible").replace(
                "of the recorded slate", "recorded ineligible")
            report.add("eligibility screening", not d, d or f"{len(now)} screened out, as recorded")
            ineligible |= now
        except InputErrors as e:
            report.add("eligibility screening", False, "; ".join(str(p) for p in e.problems[:3]))
    # every rule, by the independent verifier
    vr = verify_slate(rs, {k: inputs.pools[k] for k in solved}, inputs.quotas, slate, ineligible,
                      fixed=fixed_in(inputs, solved))
    report.add("every rule holds (independent verifier)", vr.ok,
               "; ".join(vr.violations[:8]) or f"{len(vr.checks)} rules, seats and unit quotas checked")
    # merit as recorded
    bad = []
    for award in rs.awards:
        if award.id not in result.awards:
            continue
        scores = dict(zip(inputs.pools[award.pool].table["id"], inputs.pools[award.pool].table["score"]))
        merit = sum((scores[c] for c in slate[award.id] if c in scores), Decimal(0))
        recorded = Decimal(result.awards[award.id].merit)
        if merit != recorded:
            bad.append(f"{award.id}: the inputs give merit {merit}, recorded {recorded}")
    report.add("merit as recorded", not bad, "; ".join(bad) or ", ".join(
        f"{a} {r.merit}" for a, r in result.awards.items()))


def _check_regenerated(report: VerifyReport, folder: Path, inputs: Inputs, result: SelectionResult,
                       audit: dict) -> None:
    """The slate CSVs, summary tables and budget, regenerated from the inputs and the recorded slate,
    equal the folder's files byte for byte."""
    from selector.outputs.paperwork import write_tables_and_budget
    from selector.outputs.report import slate_tables
    from selector.outputs.sheets import csv_text

    for award_id, frame in slate_tables(inputs, result).items():
        path = folder / f"{award_id}.csv"
        if not path.exists():
            continue
        new = csv_text(frame)
        old = path.read_bytes().decode("utf-8-sig", errors="replace")
        if new != old:
            import csv

            report.add(f"{award_id}.csv regenerates", False,
                       _csv_diff(path.name, _read_csv_rows(path), list(csv.reader(io.StringIO(new)))))
        else:
            report.add(f"{award_id}.csv regenerates", True, "byte for byte")
    with tempfile.TemporaryDirectory() as tmp:
        sheets, budget = write_tables_and_budget(Path(tmp), inputs, result)
        _regenerate_rest(Path(tmp), folder, inputs, result, audit, sheets, budget)
        names = [s.file for s in sheets] + ["budget.csv", "budget.xlsx", "screening.csv", "slate.xlsx",
                                            "report.md", "report.html"]
        for name in names:
            mine, theirs = Path(tmp) / name, folder / name
            if not mine.exists():
                continue
            if not theirs.exists():
                report.add(f"{name} regenerates", False, "missing from the folder")
            elif mine.read_bytes() != theirs.read_bytes():
                report.add(f"{name} regenerates", False, "differs from the one the inputs and the slate give")
            else:
                report.add(f"{name} regenerates", True, "byte for byte")
    from selector.outputs.forms import FORMS_DIR, forms_differences

    if (folder / FORMS_DIR).is_dir():  # issue 17: the forms, regenerated from the inputs and the recorded slate
        from selector.i18n import _

        differ, n = forms_differences(folder / FORMS_DIR, inputs, result)
        report.add(_("{folder}/ regenerates", folder=FORMS_DIR), not differ, "; ".join(differ[:5]) + (
            f"; … {len(differ) - 5}" if len(differ) > 5 else "") or _("{n} files byte for byte", n=n))


def format_verify(report: VerifyReport) -> str:
    """The terminal view of `selector verify`: each check (its name and detail as recorded), then the verdict."""
    from selector.i18n import _

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


# =====================================================================================================
# verify: every number against the slate, files the run always writes, better slates (issue 11, 6)
# =====================================================================================================
def _expected_files(inputs: Inputs, result: SelectionResult) -> set[str]:
    """The files `selector select` always writes (plots are optional: --no-plots)."""
    from selector.outputs.paperwork import has_slate, summary_sheets

    names = {"summary.json", "report.md", "report.html"} | ({"screening.csv"} if result.screening else set())
    from selector.outputs.report import has_slate as award_has_slate

    if has_slate(result):  # a partial run writes the awards whose pool has a slate (issue 12)
        names |= {f"{a.id}.csv" for a in inputs.ruleset.awards
                  if a.parent is None and award_has_slate(result, a)} | {"slate.xlsx"}
        names |= {s.file for s in summary_sheets(inputs, result)}
        if any(a.reward_yuan for a in inputs.ruleset.awards):
            names |= {"budget.csv", "budget.xlsx"}
    if result.status == "infeasible" or any(p.status == "infeasible" for p in result.pools.values()):
        names.add("explanation.json")
    return names


def _check_expected_files(report: VerifyReport, folder: Path, inputs: Inputs, result: SelectionResult,
                          audit: dict) -> None:
    from selector.i18n import _

    missing = sorted(n for n in _expected_files(inputs, result) if n not in audit["outputs"])
    report.add(_("every file a run writes is in the record"), not missing,
               _("not in the record (removed, or the record edited): {names}", names=", ".join(missing))
               if missing else "")


def _check_unrecorded_screening(report: VerifyReport, inputs: Inputs, slate: dict[str, list[str]],
                                audit: dict) -> None:
    """A folder written without screening (a notebook's select()): no screened-out candidate may be in the
    slate, and a screening.csv beside it means the record's screening was removed."""
    from selector.i18n import _
    from selector.reading.eligibility import screen

    try:
        now = {c.id for c in screen(inputs.ruleset, inputs.pools, inputs.quotas).screened_out}
    except InputErrors as e:
        report.add("eligibility screening", False, "; ".join(str(p) for p in e.problems[:3]))
        return
    inside = sorted(now & {c for ids in slate.values() for c in ids})
    problems = []
    if inside:
        problems.append(_("the slate holds candidates the inputs screen out: {ids}", ids=", ".join(inside[:8])))
    if "screening.csv" in audit["outputs"]:
        problems.append(_("summary.json records no screening, but the folder holds screening.csv"))
    report.add("eligibility screening", not problems, "; ".join(problems) or _(
        "no screening recorded; none of the {n} the inputs screen out is in the slate", n=len(now)))


def _soft_penalty(rs, checks, pool: str) -> Decimal:
    by_id = {c.id: c for c in checks}
    return sum((Decimal(str(r.weight)) * by_id[r.id].short for r in rs.rules_of_pool(pool)
                if not r.hard and r.id in by_id), Decimal(0))


def _check_numbers(report: VerifyReport, inputs: Inputs, result: SelectionResult, audit: dict) -> None:
    """Every number the folder states, against the slate it holds: per pool the objective (the top award's
    merit less soft penalties), the bound and the status; summary.json against audit.json."""
    from selector.i18n import _
    from selector.verify import verify_slate

    rs = inputs.ruleset
    slate = {a: list(r.selected) for a, r in result.awards.items()}
    ineligible = set((audit.get("screening") or {}).get("ineligible", []))
    checks = verify_slate(rs, inputs.pools, inputs.quotas, slate, ineligible, fixed=inputs.fixed or None).checks
    bad = []
    for kind, p in result.pools.items():
        rec = (audit.get("pools") or {}).get(kind) or {}
        for key in ("status", "objective", "bound"):
            if rec.get(key) != getattr(p, key):
                bad.append(_("{pool}: summary.json has {key} {mine}, audit.json {theirs}", pool=kind, key=key,
                             mine=getattr(p, key), theirs=rec.get(key)))
        if p.status not in ("optimal", "feasible") or kind not in rs.pools:
            continue
        top = rs.top_award(kind)
        if top.id not in result.awards:
            continue
        scores = dict(zip(inputs.pools[kind].table["id"], inputs.pools[kind].table["score"]))
        merit = sum((scores.get(c, Decimal(0)) for c in slate.get(top.id, [])), Decimal(0))
        expected = merit - _soft_penalty(rs, checks, kind)
        try:
            objective = Decimal(p.objective) if p.objective is not None else None
            bound = Decimal(p.bound) if p.bound is not None else None
        except ArithmeticError:
            bad.append(_("{pool}: objective or bound is not a number", pool=kind))
            continue
        if objective is None or bound is None:
            bad.append(_("{pool}: a slate is recorded ({status}) without its objective and bound", pool=kind,
                         status=p.status))
            continue
        if p.status == "optimal" and objective != expected:
            bad.append(_("{pool}: recorded optimal with objective {objective}, but the slate it holds gives "
                         "{expected} (merit {merit} less soft penalties)", pool=kind, objective=objective,
                         expected=expected, merit=merit))
        elif p.status == "feasible" and objective > expected:
            bad.append(_("{pool}: objective {objective} is more than the slate it holds gives ({expected})",
                         pool=kind, objective=objective, expected=expected))
        if p.status == "optimal" and bound != objective:
            bad.append(_("{pool}: recorded optimal, but its bound {bound} differs from its objective {objective}",
                         pool=kind, bound=bound, objective=objective))
        if bound < objective:
            bad.append(_("{pool}: bound {bound} is below the objective {objective}", pool=kind, bound=bound,
                         objective=objective))
    report.add(_("objective, bound and status agree with the slate"), not bad, "; ".join(bad[:6]))
    if not bad:
        _check_no_better_swap(report, inputs, result, audit, slate, ineligible, checks)


def _check_no_better_swap(report: VerifyReport, inputs: Inputs, result: SelectionResult, audit: dict,
                          slate: dict[str, list[str]], ineligible: set[str], checks) -> None:
    """A slate recorded as optimal has no swap, of a selected candidate for a passed-over eligible one of the
    same unit and the same groups with a higher score, that keeps every rule and raises the merit (such a
    swap leaves every count the same, so no solver is needed to see it is better). Each swap found is
    confirmed by the independent verifier."""
    from selector.i18n import _
    from selector.verify import verify_slate

    rs = inputs.ruleset
    found = []
    for kind, p in result.pools.items():
        if p.status != "optimal" or kind not in rs.pools:
            continue
        top = rs.top_award(kind)
        table = inputs.pools[kind].table
        groups = [g for g, spec in rs.groups.items() if spec.pool == kind]
        masks = [rs.group_mask(g, table) for g in groups]
        ids = [str(i) for i in table["id"]]
        sign = {ids[i]: (str(table["unit"].iloc[i]), *(m[i] for m in masks)) for i in range(len(ids))}
        score = dict(zip(ids, table["score"]))
        chosen = set(slate.get(top.id, []))
        fixed = inputs.fixed or {}
        best_out: dict[tuple, str] = {}  # signature -> the best passed-over eligible candidate
        for i in ids:
            if i not in chosen and i not in ineligible and fixed.get(i) is not False:
                if sign[i] not in best_out or score[i] > score[best_out[sign[i]]]:
                    best_out[sign[i]] = i
        for c in sorted(chosen, key=lambda c: score.get(c, 0)):
            d = best_out.get(sign.get(c))
            if d is None or fixed.get(c) is True or score[d] <= score[c]:
                continue
            swapped = {a: [d if x == c else x for x in v] for a, v in slate.items()}
            vr = verify_slate(rs, inputs.pools, inputs.quotas, swapped, ineligible, fixed=fixed or None)
            if vr.ok and _soft_penalty(rs, vr.checks, kind) <= _soft_penalty(rs, checks, kind):
                found.append(_("{pool}: {d} (score {sd}) in place of {c} (score {sc}) keeps every rule and raises "
                               "the merit", pool=kind, d=d, sd=score[d], c=c, sc=score[c]))
                break
    report.add(_("no better slate by one swap (a slate recorded optimal)"), not found,
               "; ".join(found) + (_(": the slate is not optimal") if found else ""))


def _regenerate_rest(tmp: Path, folder: Path, inputs: Inputs, result: SelectionResult, audit: dict,
                     sheets, budget) -> None:
    """screening.csv, slate.xlsx and the report, as the run wrote them, into `tmp` (for comparison)."""
    from selector.i18n import language
    from selector.outputs.paperwork import build_report, render_html, render_markdown
    from selector.outputs.report import screening_sheet_name, screening_table, slate_sheets, slate_tables
    from selector.outputs.sheets import add_xlsx_sheet, write_csv, write_xlsx
    from selector.reading.eligibility import screen

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
            if screened:
                add_xlsx_sheet(tmp / "slate.xlsx", screening_sheet_name(), table)
        record = {k: v for k, v in audit.items() if k != "outputs"}
        doc = build_report(inputs, result, folder, budget, record, sheets)
        title = f"{inputs.ruleset.title_zh or inputs.ruleset.id} — 评选结果报告"
        (tmp / "report.md").write_text(render_markdown(doc), encoding="utf-8")
        (tmp / "report.html").write_text(render_html(doc, title), encoding="utf-8")


def _check_resolved(report: VerifyReport, inputs: Inputs, result: SelectionResult, audit: dict) -> None:
    """Solve again from the recorded inputs (any number of workers gives the same slate) and compare."""
    from selector.engine.solve import SolverSettings
    from selector.i18n import _
    from selector.pipeline import select_screened

    solver = audit.get("solver") or {}
    settings = SolverSettings(workers=1, seed=int(solver.get("seed", 0) or 0), fast=bool(solver.get("fast", True)))
    _screening, again = select_screened(inputs, settings)
    same = again.status == result.status and all(
        list(again.awards[a].selected) == list(r.selected) for a, r in result.awards.items() if a in again.awards)
    if same:
        report.add(_("re-solved: the recorded slate is the canonical optimum"), True,
                   _("solved again from the recorded inputs: status {status}, the same slate", status=again.status))
        return
    diffs = [f"{a}: " + _ids_diff(_("the re-solved slate"), list(r.selected), list(again.awards[a].selected))
             for a, r in result.awards.items() if a in again.awards
             and list(again.awards[a].selected) != list(r.selected)]
    merit = ", ".join(f"{a} {again.awards[a].merit} / {r.merit}" for a, r in result.awards.items()
                      if a in again.awards)
    report.add(_("re-solved: the recorded slate is the canonical optimum"), False,
               _("solving again gives status {status} and another slate (merit re-solved / recorded: {merit}); {diffs}",
                 status=again.status, merit=merit, diffs="; ".join(diffs[:4])))
