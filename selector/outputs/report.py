"""Reports: slate tables (CSV, XLSX), summary.json and the terminal text, written whole or not at all."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from selector.analysis.supply import Finding, SupplyCheck
from selector.domain import SelectionResult
from selector.errors import InputErrors, InputProblem
from selector.i18n import N_, _, current_lang, label
from selector.outputs.paperwork import mask_frame, mask_text, private_columns, public_id_map
from selector.outputs.sheets import add_xlsx_sheet, write_csv, write_xlsx
from selector.pipeline import Inputs
from selector.reading.eligibility import Screening

# ---------------------------------------------------------------- output folders (issue 11, items 1-4)
# A folder this tool wrote is recognised by its own record: select's audit.json, check.json,
# explanation.json, whatif.json, sweep.json, or the marker file templates get. --force replaces only
# such a folder; never a folder of someone else's, a file, a device or a link.
MARKER = ".slate-selector"
_RECORDS: dict[str, set[str]] = {  # file -> keys its JSON object has
    "audit.json": {"format", "inputs", "outputs"},
    "check.json": {"ruleset", "ok", "findings"},
    "explanation.json": {"conflicts", "relaxations", "pools"},
    "whatif.json": {"reference", "scenarios"},
    "sweep.json": {"kind", "steps"},
    MARKER: {"written_by"},
}
_RECORD_BYTES = 64 << 20
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}$")


def _problem(out: Path, message: str) -> InputErrors:
    return InputErrors([InputProblem(str(out), message)])


def written_by_selector(folder: Path) -> bool:
    """Whether `folder` (a real folder, not a link) holds a record this tool writes into its output folders."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    for name, keys in _RECORDS.items():
        p = folder / name
        try:
            if p.is_symlink() or not p.is_file() or p.stat().st_size > _RECORD_BYTES:
                continue
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and keys <= data.keys() and (
                name != "audit.json" or str(data.get("format", "")).startswith("slate-selector-audit/")):
            return True
    return False


def _what_is(path: Path) -> str:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return _("a symbolic link")
    if stat.S_ISREG(mode):
        return _("a file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return _("a pipe or socket")
    return _("not a regular folder")


def _refusal(out: Path, force: bool) -> InputErrors | None:
    """Why `out` may not be (re)placed now, or None: it does not exist, is an empty folder, or with `force`
    is a folder this tool wrote."""
    if not (out.exists() or out.is_symlink()):
        return None
    if out.is_symlink() or not out.is_dir():
        return _problem(out, _("is {what}, not an output folder: it is never replaced, even with --force "
                               "(--force only replaces a folder this tool wrote); choose another --out",
                               what=_what_is(out)))
    if not any(out.iterdir()):
        return None
    if not force:
        return _problem(out, "output folder exists and is not empty: choose another --out or pass --force to "
                             "replace it")
    if not written_by_selector(out):
        return _problem(out, _("is not a folder this tool wrote (it holds no audit.json or other record of the "
                               "selector): --force only replaces a folder this tool wrote, so it is kept; move it "
                               "away or choose another --out"))
    return None


def _places(path: Path | str) -> set[Path]:
    """A path as written (made absolute, links kept) and with every link resolved."""
    p = Path(str(path))
    return {Path(os.path.abspath(p)), p.resolve()}


def check_output_dir(out: Path, force: bool = False, inputs: Iterable[Path | str] = ()) -> None:
    """Refuse an output folder before any work is done: the current folder or one above it; one that is
    or holds an input file (even with `force`: inputs are never modified); an existing file, device or
    link (never replaced); an existing non-empty folder without `force`, or with `force` one this tool
    did not write."""
    out = Path(out)
    where = _places(out)
    here = Path.cwd().resolve()
    if any(w == here or w in here.parents for w in where):
        raise _problem(out, "is the current folder or one above it: choose a folder of its own for --out")
    for f in inputs:
        for fp in _places(str(f).split("#", 1)[0]):  # pool.xlsx#SHEET names the workbook
            if any(fp == w or w in fp.parents for w in where):
                raise _problem(out, f"holds the input file {fp}: choose a folder of its own for --out "
                                    "(inputs are never modified)")
    problem = _refusal(out, force)
    if problem is not None:
        raise problem


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(parent: Path) -> list[str]:
    """Remove the hidden temporary folders (.NAME.tmp-PID-xxxxxxxx, .NAME.old-PID-xxxxxxxx) that runs
    killed before they could clean up (SIGKILL, a power cut) left in `parent`; the folders of a run still
    going (its process alive) are kept. Returns the names removed."""
    removed = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TEMP.match(p.name)
        if m is None or p.is_symlink() or not p.is_dir() or _alive(int(m["pid"])):
            continue
        shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            removed.append(p.name)
    return removed


def _aside(out: Path, kind: str) -> Path:
    return out.with_name(f".{out.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def _appeared(out: Path, e: OSError) -> InputErrors:
    return _problem(out, _("appeared while this run was writing (another run, or someone else, put it "
                           "there): it was left as it is and nothing was written ({error})",
                           error=e.strerror or e))


def _place(tmp: Path, out: Path, force: bool) -> None:
    """Move the finished folder `tmp` to `out`, race-free: rename(2) never replaces a non-empty folder or
    puts a folder over a file, so when two runs finish together exactly one wins and the other is refused;
    with `force`, what is at `out` is first moved aside and checked again (it must be this tool's)."""
    try:
        os.rename(tmp, out)  # fails when out is now a non-empty folder, a file or a link to one
        return
    except OSError as e:
        if e.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR) or not force:
            raise _appeared(out, e) from None
    old = _aside(out, "old")
    try:
        os.rename(out, old)
    except FileNotFoundError:
        old = None  # gone meanwhile
    except OSError as e:
        raise _appeared(out, e) from None
    if old is not None and not written_by_selector(old):  # something else took its place meanwhile
        try:
            os.rename(old, out)
        except OSError:
            raise _problem(out, _("was replaced by something this tool did not write while this run was "
                                  "writing; it is kept as {old} and nothing was written", old=old)) from None
        raise _problem(out, _("was replaced by something this tool did not write while this run was writing: "
                              "it was left as it is and nothing was written"))
    try:
        os.rename(tmp, out)
    except OSError as e:
        if old is not None:
            try:
                os.rename(old, out)  # put the previous folder back
            except OSError:
                raise _problem(out, _("a folder appeared while replacing it; the previous folder is kept as "
                                      "{old} and nothing was written", old=old)) from None
        raise _appeared(out, e) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_output_dir(out: Path, force: bool = False, inputs: Iterable[Path | str] = (), marker: bool = False):
    """Yield a temporary folder beside `out`; on success move it into place whole.

    `out` is checked as check_output_dir does (`inputs`: the files the run read), before and again at
    the end: a folder that appeared meanwhile is not replaced without `force`, and with `force` only a
    folder this tool wrote is replaced. On any error, Ctrl-C or SIGTERM the temporary folder is removed
    and `out` is untouched; temporary folders that killed runs left beside it are removed first.
    `marker`: write the record that lets a later --force recognise the folder (for outputs with no
    JSON record of their own, such as templates)."""
    out = Path(out)
    inputs = list(inputs)
    check_output_dir(out, force, inputs)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out.parent)
        tmp = _aside(out, "tmp")
        tmp.mkdir(mode=0o700)  # personal data: readable by the user only until it is complete
    except OSError as e:
        raise InputErrors([InputProblem(str(out), f"cannot create the output folder: {e.strerror or e}")]
                          ) from None
    try:
        yield tmp
        if marker:
            (tmp / MARKER).write_text(json.dumps({"written_by": "slate-selector"}) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_umask())
        try:
            check_output_dir(out, force, inputs)  # again: what is there now may differ from the start
        except InputErrors as e:
            raise _problem(out, _("changed while this run was writing, so nothing was written: {why}",
                                  why=e.problems[0].message)) from None
        _place(tmp, out, force)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cell(v) -> object:
    """Pool values as plain text for tables: sets joined by ';', fractions as decimals."""
    if v is None:
        return ""
    if isinstance(v, frozenset):
        return ";".join(sorted(v))
    if hasattr(v, "numerator") and hasattr(v, "denominator") and not isinstance(v, int):
        return float(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v) if not isinstance(v, (int, float, str)) else v


def public_ids(frame: pd.DataFrame, ids: dict[str, str]) -> pd.DataFrame:
    """Public outputs show an id or name that is (or holds) an identity-card or mobile number masked:
    ids through `ids` (paperwork.public_id_map of the pool), names through mask_text. The full id stays
    in the audit record (audit.json, summary.json), which verify replays. See the README's privacy section."""
    frame = frame.copy()
    frame["id"] = [ids.get(v, mask_text(v)) if isinstance(v, str) else v for v in frame["id"]]
    frame["name"] = [mask_text(v) if isinstance(v, str) else v for v in frame["name"]]
    return frame


def slate_titles(inputs: Inputs, award) -> dict[str, str]:
    """Column -> header of an award's slate table in the current language. In Chinese: the headers the
    blank templates use (so a slate reads back as a pool), 名次 for the rank and each subset award's name
    for its mark; in English the column names themselves."""
    rs = inputs.ruleset
    if current_lang() != "zh":
        return {}
    from selector.outputs.paperwork import template_columns

    titles = {c.column: c.header for c in template_columns(rs.pools[award.pool])}
    titles["rank"] = _("rank")
    for sub in rs.awards:
        if sub.parent == award.id:
            titles[sub.id] = label(sub)
    return titles


def _cell_in_words(spec, column: str, value) -> object:
    """A pool value as the rule set writes it in Chinese (企业, 女, 是; sets joined by 、), else `_cell`."""
    from selector.outputs.paperwork import flag_zh, value_zh

    attr = spec.attribute(column)
    if attr is None or value is None or current_lang() != "zh":
        return _cell(value)
    if attr.type == "category":
        return value_zh(attr, str(value))
    if attr.type == "flag":
        return flag_zh(str(value)) or _cell(value)
    if attr.type == "set":
        return "、".join(value_zh(attr, v) for v in sorted(value))
    return _cell(value)


def has_slate(result: SelectionResult, award) -> bool:
    """Whether the award's pool has a slate (another pool may have none: its slate is still written)."""
    p = result.pools.get(award.pool)
    status = p.status if p is not None else result.status  # no per-pool record: the overall status
    return status in ("optimal", "feasible") and award.id in result.awards


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
            frame[c] = [_cell_in_words(spec, c, v) for v in frame[c]]
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


def write_selection(out: Path, inputs: Inputs, result: SelectionResult, force: bool = False,
                    extra: Callable[[Path], None] | None = None, settings=None, paperwork: bool = True,
                    audit_extra: dict | None = None) -> None:
    """Write the slates (CSV and one XLSX), summary.json and anything `extra` adds, atomically; then
    (`paperwork`) the summary tables, budget, report and audit.json, which read and hash all the rest.
    `settings` (solve.SolverSettings) go into the audit record, and so do the entries of `audit_extra`
    (an adjusted slate's link to the published one, selector/analysis/adjust.py)."""
    with atomic_output_dir(out, force) as tmp:
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
            from selector.outputs.paperwork import write_paperwork

            write_paperwork(tmp, inputs, result, settings, audit_extra)


def write_select_folder(out: Path, inputs: Inputs, screening: Screening, result: SelectionResult,
                        explanation=None, settings=None, plots: bool = True, force: bool = False,
                        reserve: bool = True, forms: bool = True) -> list:
    """The output folder of `selector select` (the web workbench writes the very same one): the slate
    tables and summary.json, screening.csv, reserve.xlsx (候补名单, `reserve`), explanation.json when no
    slate exists (`explanation`, from explain.explain_inputs), the plots, then the paperwork and audit.json;
    whole or not at all. `settings` (solve.SolverSettings) go into audit.json; their workers serve the reserve.
    With `forms` and a rule set that declares forms, forms/ too (selector/outputs/forms.py); returns what it wrote."""
    forms_written: list = []

    def extra(folder: Path) -> None:
        write_screening(folder, inputs, screening)
        if reserve and result.status in ("optimal", "feasible"):  # 候补名单 (issue 15)
            from selector.analysis.reserve import reserve_list, write_reserve
            from selector.engine.solve import SolverSettings

            workers = settings.workers if settings is not None else 1
            write_reserve(folder, inputs, reserve_list(inputs, result, screening.masks,
                                                       SolverSettings(workers=workers)))
        if explanation is not None:
            from selector.analysis.explain import write_explanation

            write_explanation(folder, explanation)
        if plots:
            from selector.outputs.plots import write_selection_plots

            write_selection_plots(folder, inputs, result, screening.masks)
        if forms:
            from selector.outputs.forms import FORMS_DIR, has_forms, write_forms

            if has_forms(inputs.ruleset):  # issue 17: forms/ (附件2/3, bundles, tracker, 公示名单, 审批表, 承诺书)
                forms_written.append(write_forms(folder / FORMS_DIR, inputs, result))

    write_selection(out, inputs, result, force=force, extra=extra, settings=settings)  # settings: audit.json
    return forms_written


def _table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table; CJK characters count as two columns so the columns line up."""
    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    cols = [header, *rows]
    widths = [max(width(str(r[i])) for r in cols) for i in range(len(header))]
    lines = []
    for j, r in enumerate(cols):
        lines.append("  ".join(str(c) + " " * (w - width(str(c))) for c, w in zip(r, widths)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


STATUS_WORDS = {"optimal": N_("optimal"), "feasible": N_("feasible"), "infeasible": N_("infeasible"),
                "unknown": N_("unknown")}


def status_word(status: str) -> str:
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def ruleset_title(rs) -> str:
    return (rs.title_en if current_lang() == "en" and rs.title_en else rs.title_zh) or rs.id


def _pool_label(inputs: Inputs, kind: str) -> str:
    """A pool as a person names it: its label_zh in Chinese; in English its key, as before."""
    spec = inputs.ruleset.pools.get(kind)
    return label(spec, kind) if spec is not None and current_lang() == "zh" else kind


def _award_label(inputs: Inputs, award_id: str) -> str:
    """An award as a person names it: its name_zh in Chinese; in English its key, as before."""
    known = {a.id for a in inputs.ruleset.awards}
    return label(inputs.ruleset.award(award_id)) if current_lang() == "zh" and award_id in known else award_id


def format_result(inputs: Inputs, result: SelectionResult) -> str:
    """The terminal view of a result: status, slates, every rule against its bound, every unit."""
    rs = inputs.ruleset
    if rs.notice:
        head = _("{title} ({notice}) — result: {status}", title=ruleset_title(rs), notice=rs.notice,
                 status=status_word(result.status))
    else:  # no empty parentheses (issue 14)
        head = _("{title} — result: {status}", title=ruleset_title(rs), status=status_word(result.status))
    if result.verified:
        head += _(", verified by the independent checker")
    out = [head]
    missing = [a for a in rs.awards if a.parent is None and a.pool in result.pools
               and result.pools[a.pool].status not in ("optimal", "feasible")]
    for p in result.pools.values():
        gap = _(", gap {gap}", gap=f"{p.gap:.4%}") if p.gap is not None and (p.gap or p.status == "feasible") else ""
        uniq = {True: _(", unique under the tie-break"), False: _(", ties broken lexicographically"),
                None: ""}[p.unique]
        objective = "—" if p.objective is None else p.objective
        bound = "—" if p.bound is None else p.bound
        out.append("  " + _("{pool}: {status}, {eligible} eligible of {candidates}, objective {objective} "
                            "(bound {bound}{gap}){unique}, {seconds} s", pool=_pool_label(inputs, p.pool),
                            status=status_word(p.status), eligible=p.eligible, candidates=p.candidates,
                            objective=objective, bound=bound, gap=gap, unique=uniq, seconds=f"{p.wall_time:.2f}"))
    for a in missing:
        out.append("  " + _("{award}: NO SLATE (see the explanation below); the other awards' slates are written.",
                            award=label(a)))
    out.append("")
    rows = [[_award_label(inputs, a.award), str(len(a.selected)), str(a.seats), a.merit]
            for a in result.awards.values()]
    out.append(_table(rows, [_("award"), _("selected"), _("seats"), _("merit")]))
    for sub in rs.awards:
        if sub.parent is not None and sub.id in result.awards and result.awards[sub.id].selected:
            pool = inputs.pools[sub.pool].table.set_index("id")
            names = [f"{i} {pool.at[i, 'name']}" for i in result.awards[sub.id].selected]
            out.append("\n" + _("{award}: {names}", award=label(sub), names=_(", ").join(names)))
    if result.rules:
        out.append("")
        if current_lang() == "zh":
            from selector.outputs.paperwork import _rules_table

            heads, rows = _rules_table(inputs, result)
            keep = [0, 1, 2, 4, 5, 7]  # 规则 条款 通知原文 要求 实际 结果
            rows = [[*r[:4], r[4].split("：", 1)[-1], *r[5:]] for r in rows]  # the bound, not the sentence again
            out.append(_table([[r[i] for i in keep] for r in rows], [heads[i] for i in keep]))
        else:
            rows = [[r.id, r.clause, r.text, r.required, r.achieved,
                     "ok" if r.ok else ("SHORT" if not r.hard else "FAIL")] for r in result.rules]
            out.append(_table(rows, ["rule", "clause", "notice", "required", "achieved", ""]))
    if result.units:
        out.append("")
        by_unit: dict[str, dict[str, str]] = {}
        for u in result.units:
            by_unit.setdefault(u.unit, {})[u.award] = f"{u.filled}/{u.quota}"
        awards = sorted({u.award for u in result.units}, key=[a.id for a in rs.awards].index)
        rows = [[unit, *[cells.get(a, "") for a in awards]] for unit, cells in by_unit.items()]
        out.append(_table(rows, [_("unit (filled/quota)"), *[_award_label(inputs, a) for a in awards]]))
    if result.preferences:
        out.append("\n" + format_preferences(result))
    if result.violations:
        out.append("\n" + _("VERIFIER FOUND VIOLATIONS:") + "\n" + "\n".join(f"  {v}" for v in result.violations))
    if any(a.reward_yuan for a in rs.awards) and any(a.selected for a in result.awards.values()):
        from selector.outputs.paperwork import compute_budget, format_budget

        out.append("\n" + format_budget(compute_budget(rs, inputs.pools, inputs.quotas, result)))
    if current_lang() == "zh":
        from selector.outputs.paperwork import tie_break_zh

        ties = tie_break_zh(rs) or result.tie_break
    else:
        ties = result.tie_break
    out.append("\n" + _("Solving took {seconds} s. Ties: {ties}", seconds=f"{result.wall_time:.2f}", ties=ties))
    return mask_text("\n".join(out))  # an id or name holding an ID-card or phone number


# ---------------------------------------------------------------- eligibility screening and supply (issue 3)
def screening_table(inputs: Inputs, screening: Screening) -> pd.DataFrame:
    """One row per candidate: eligible yes/no and every reason (rule id, clause, sentence, failed value);
    headers, pools and awards in the current language."""
    rs = inputs.ruleset
    yes, no = _("yes"), _("no")
    zh = current_lang() == "zh"

    def award_name(a: str) -> str:
        return label(rs.award(a)) if zh and a in {x.id for x in rs.awards} else a

    rows = [{"id": c.id, "name": c.name, "unit": c.unit, "pool": _pool_label(inputs, c.pool) if zh else c.pool,
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
    from selector.analysis.explain import rule_name

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
    if xlsx.exists():
        add_xlsx_sheet(xlsx, screening_sheet_name(), table)


def screening_sheet_name() -> str:
    """The name of the screening sheet in slate.xlsx (verify regenerates it under the same name)."""
    return _("screening") if current_lang() == "zh" else "screening"


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


def format_screening(inputs: Inputs, screening: Screening, examples: int = 3) -> str:
    """The terminal view of a screening: per unit submitted/eligible/quota/shortfall, then how many are out
    for each reason of the notice (a few names each; the full list is in screening.csv)."""
    awards = list(dict.fromkeys(u.award for u in screening.units))
    by_unit: dict[str, dict[str, list[str]]] = {}
    for u in screening.units:
        by_unit.setdefault(u.unit, {})[u.award] = [
            str(u.submitted), str(u.eligible), "" if u.quota is None else str(u.quota),
            "" if not u.shortfall else str(u.shortfall)]
    heads = {"eligible": N_("eligible"), "quota": N_("quota"), "short": N_("short")}
    header = [_("unit")] + [_("{award} submitted", award=_award_label(inputs, a)) if h == "submitted" else _(heads[h])
                            for a in awards for h in ("submitted", "eligible", "quota", "short")]
    rows = [[unit, *[c for a in awards for c in cells.get(a, ["0", "0", "", ""])]] for unit, cells in by_unit.items()]
    out = [_("Eligibility screening ({counts})", counts=_(", ").join(
        _("{pool}: {eligible} eligible of {total}", pool=_pool_label(inputs, kind), eligible=sum(screening.masks[kind]),
          total=len(screening.masks[kind])) for kind in screening.masks)), _table(rows, header)]
    short = [u for u in screening.units if u.shortfall]
    if short:
        out.append(_("Units with fewer eligible candidates than their quota: {units}", units=_(", ").join(
            _("{unit} ({award}: {eligible} eligible, quota {quota})", unit=u.unit, award=_award_label(inputs, u.award),
              eligible=u.eligible, quota=u.quota) for u in short)))
    gone = screening.screened_out
    if gone:
        out.append("\n" + _("Screened out ({n}), by the notice's reason (every name and value in screening.csv):",
                            n=len(gone)))
        by_rule: dict[str, list] = {}
        for c in gone:
            for r in c.reasons:
                by_rule.setdefault(r.rule, []).append((c, r))
        for rule_id, hits in by_rule.items():
            r0 = hits[0][1]
            names = _(", ").join(f"{c.id} {c.name}" for c, _r in hits[:examples])
            names += "…" if len(hits) > examples else ""
            out.append("  " + _("{rule} {clause} {text}: {n} ({names})", rule=rule_id, clause=r0.clause,
                                text=_short(r0.text), n=len(hits), names=names))
            if len(hits) <= examples:
                for c, r in hits:
                    out.append("      " + _("{id} {name} ({unit}): {value}", id=c.id, name=c.name, unit=c.unit,
                                            value=r.value))
    return mask_text("\n".join(out))


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def finding_words(inputs: Inputs, f: Finding) -> str:
    """One failed finding in a sentence, with its arithmetic: '缺 9 人：需要 60 名，符合条件的只有 51 名'."""
    from selector.analysis.explain import finding_sentence

    return finding_sentence(inputs.ruleset, f)


def format_findings(findings: list[Finding], inputs: Inputs | None = None) -> str:
    """The terminal view of the supply arithmetic: each rule's demand against the eligible supply."""
    from selector.analysis.explain import rule_name

    def name(f: Finding) -> str:
        return rule_name(inputs.ruleset, f.rule) if inputs is not None else f.rule

    def verdict(f: Finding) -> str:
        return _("ok") if f.ok else (_("RULES OUT A SLATE") if f.fatal else _("short"))

    rows = [[_short(name(f), 36), f.subject if f.subject != "all" else _("all"), str(f.needed), str(f.available),
             verdict(f)] for f in findings]
    out = [_("Supply against each rule (eligible candidates; no solving):"),
           _table(rows, [_("rule"), _("who"), _("needed"), _("available"), ""])]
    for f in findings:
        if not f.ok:
            out.append("  " + (finding_words(inputs, f) if inputs is not None else
                               f"{f.rule} {f.clause} {f.text}: {f.subject} needs {f.needed}, {f.available} available")
                       + _(" ({why}).", why=f.note))
    return "\n".join(out)


# ---------------------------------------------------------------- submissions, the exact test, preferences (issue 14)
def format_submissions(findings: list[Finding]) -> str:
    """Each unit's submissions against the notice's ratio (按1:2名额推荐), naming the units that fall short."""
    from selector.i18n import _

    if not findings:
        return ""
    bad = [f for f in findings if not f.ok]
    out = [_("Submissions per unit ({n} rule checks, {bad} short):", n=len(findings), bad=len(bad))]
    for f in bad:
        out.append("  " + _("{rule} [{clause}] {text}: {unit} submitted {has}, needs {need} ({note})",
                            rule=f.rule, clause=f.clause, text=f.text, unit=f.subject, has=f.available,
                            need=f.needed, note=f.note))
    if not bad:
        out.append("  " + _("every unit submitted what the notice asks"))
    return "\n".join(out)


def format_exact(check: SupplyCheck) -> str:
    """What the exact test said, and plainly whether `check` only tested necessary conditions."""
    from selector.i18n import _

    out = []
    for e in check.exact:
        if e.exists is True:
            out.append(_("{pool}: exact test (CP-SAT over interchangeable classes): a slate meets every hard rule",
                         pool=e.pool))
        elif e.exists is False:
            out.append(_("{pool}: exact test: NO slate meets every hard rule together (rules interact; see "
                         "`selector explain`)", pool=e.pool))
        else:
            out.append(_("{pool}: the exact test ran out of time", pool=e.pool))
    if check.necessary_only:
        out.append(_("Only necessary conditions were tested: passing them does not prove that a slate exists."))
    return "\n".join(out)


def format_preferences(result: SelectionResult) -> str:
    """Preferences without numbers (优先推荐, 侧重): how many the slate holds, and what more would cost."""
    from selector.i18n import _

    if not result.preferences:
        return ""
    out = [_("Preferences (after merit, in order):")]
    for p in result.preferences:
        out.append("  " + _("{id} [{clause}] {text}: the slate holds {held} {group} (any slate at most {most})",
                            id=p["id"], clause=p["clause"], text=p["text"], held=p["held"], group=p["group"],
                            most=p["most"]))
        for extra in p["extra"]:
            if extra["merit"] is None:
                out.append("    " + _("{k} more: no slate", k=extra["k"]))
            else:
                out.append("    " + _("{k} more: merit {merit} ({cost} less)", k=extra["k"], merit=extra["merit"],
                                      cost=extra["cost"]))
    return "\n".join(out)
