"""Reports: slate tables (CSV, XLSX), summary.json and the terminal text, written whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from selector.domain import SelectionResult
from selector.errors import InputErrors, InputProblem
from selector.pipeline import Inputs


@contextmanager
def atomic_output_dir(out: Path, force: bool = False):
    """Yield a temporary folder beside `out`; on success move it into place whole.

    An existing non-empty `out` is refused unless `force`, and then replaced only once the new
    folder is complete. On any error (or Ctrl-C) the temporary folder is removed and `out` is untouched.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise InputErrors([InputProblem(str(out), "output folder exists and is not empty: "
                                        "choose another --out or pass --force to replace it")])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        else:
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


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


def slate_tables(inputs: Inputs, result: SelectionResult) -> dict[str, pd.DataFrame]:
    """One table per top-level award: the selected candidates by descending score, subsets marked."""
    rs = inputs.ruleset
    tables = {}
    for award in rs.awards:
        if award.parent is not None:
            continue
        pool = inputs.pools[award.pool]
        chosen = set(result.awards[award.id].selected)
        frame = pool.table[pool.table["id"].isin(chosen)].copy()
        frame = frame.map(_cell)
        frame["score"] = [float(s) for s in frame["score"]]
        for sub in rs.awards:
            if sub.parent == award.id:
                subset = set(result.awards[sub.id].selected)
                frame.insert(4, sub.id, ["yes" if i in subset else "no" for i in frame["id"]])
        frame = frame.sort_values(["score", "id"], ascending=[False, True], kind="stable")
        frame.insert(0, "rank", range(1, len(frame) + 1))
        tables[award.id] = frame.reset_index(drop=True)
    return tables


def write_selection(out: Path, inputs: Inputs, result: SelectionResult, force: bool = False,
                    extra: Callable[[Path], None] | None = None) -> None:
    """Write the slates (CSV and one XLSX), summary.json and anything `extra` adds, atomically."""
    with atomic_output_dir(out, force) as tmp:
        tables = slate_tables(inputs, result) if result.status in ("optimal", "feasible") else {}
        for award_id, frame in tables.items():
            frame.to_csv(tmp / f"{award_id}.csv", index=False, encoding="utf-8")
        if tables:
            with pd.ExcelWriter(tmp / "slate.xlsx", engine="openpyxl") as xl:
                for award_id, frame in tables.items():
                    frame.to_excel(xl, sheet_name=award_id[:31], index=False)
        (tmp / "summary.json").write_text(
            json.dumps(result.model_dump(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if extra is not None:
            extra(tmp)


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


def format_result(inputs: Inputs, result: SelectionResult) -> str:
    """The terminal view of a result: status, slates, every rule against its bound, every unit."""
    rs = inputs.ruleset
    out = [f"{rs.title_zh} ({rs.notice}) — status: {result.status}"
           + (", verified by the independent checker" if result.verified else "")]
    for p in result.pools.values():
        gap = f", gap {p.gap:.4%}" if p.gap else ""
        uniq = {True: ", unique under the tie-break", False: ", ties broken lexicographically",
                None: ""}[p.unique]
        out.append(f"  {p.pool}: {p.status}, {p.eligible} eligible of {p.candidates}, "
                   f"objective {p.objective} (bound {p.bound}{gap}){uniq}, {p.wall_time:.2f} s")
    out.append("")
    rows = [[a.award, a.name_zh, str(len(a.selected)), str(a.seats), a.merit] for a in result.awards.values()]
    out.append(_table(rows, ["award", "名称", "selected", "seats", "merit"]))
    if "special" in result.awards and result.awards["special"].selected:
        pool = inputs.pools[rs.award("special").pool].table.set_index("id")
        names = [f"{i} {pool.at[i, 'name']}" for i in result.awards["special"].selected]
        out.append("\n特等劳动模范 (special class): " + ", ".join(names))
    if result.rules:
        out.append("")
        rows = [[r.id, r.clause, r.text, r.required, r.achieved, "ok" if r.ok else ("SHORT" if not r.hard else "FAIL")]
                for r in result.rules]
        out.append(_table(rows, ["rule", "clause", "notice", "required", "achieved", ""]))
    if result.units:
        out.append("")
        by_unit: dict[str, dict[str, str]] = {}
        for u in result.units:
            by_unit.setdefault(u.unit, {})[u.award] = f"{u.filled}/{u.quota}"
        awards = sorted({u.award for u in result.units}, key=[a.id for a in rs.awards].index)
        rows = [[unit, *[cells.get(a, "") for a in awards]] for unit, cells in by_unit.items()]
        out.append(_table(rows, ["unit (filled/quota)", *awards]))
    if result.violations:
        out.append("\nVERIFIER FOUND VIOLATIONS:\n" + "\n".join(f"  {v}" for v in result.violations))
    out.append(f"\nwall time {result.wall_time:.2f} s. Ties: {result.tie_break}")
    return "\n".join(out)
