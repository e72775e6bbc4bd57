"""The audit record of a result folder (audit.json), written last, and reading it back.

audit.json holds the SHA-256 of every input file and the rule set, the package versions, the solver
parameters (workers, time limit, seed), per pool the status, objective, proven bound and wall time, the
selected ids, and the SHA-256 of every file the run wrote. `check_inputs` tells whether the inputs it
names still have their hashes (`selector verify`, selector/outputs/recheck.py, and `selector adjust`, which
starts from a published folder, both begin there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import sys
from dataclasses import asdict, dataclass, field, is_dataclass
from importlib import metadata
from pathlib import Path

from selector.domain import SelectionResult
from selector.engine.solve import SolverSettings
from selector.errors import InputErrors, InputProblem
from selector.i18n import _, current_lang
from selector.reading.inputs import Inputs
from selector.reading.tables import split_sheet

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


def short_digest(digest: str) -> str:
    return digest[:12] + "…"


def read_audit(folder: Path) -> dict:
    """The folder's audit record; InputErrors when the folder is not a result folder."""
    folder = Path(folder)
    path = folder / AUDIT_FILE
    if not folder.is_dir():
        raise InputErrors([InputProblem(str(folder), _("not a folder"))])
    if not path.exists():
        raise InputErrors([InputProblem(str(path), _("no audit.json: not a result folder of `selector select`"))])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputErrors([InputProblem(str(path), _("not readable JSON: {error}", error=e))]) from None
    if not isinstance(data, dict) or data.get("format") != AUDIT_FORMAT:
        raise InputErrors([InputProblem(str(path), _("not an audit record of format {format}", format=AUDIT_FORMAT))])
    for key in ("inputs", "outputs", "awards", "status"):
        if key not in data:
            raise InputErrors([InputProblem(str(path), _("audit record lacks '{key}'", key=key))])
    return data


def _locate(rec: dict, folder: Path) -> Path | None:
    """Where a recorded input is now: its absolute path at the time, else the path as given."""
    for candidate in (rec.get("resolved"), rec.get("path")):
        if candidate:
            p, _ = split_sheet(candidate)
            if p.exists():
                return p
    return None


def changed_since_the_run(path: object, recorded: str, now: str, sizes: tuple[object, object] | None = None) -> str:
    """'x.csv changed since the run (SHA-256 recorded 3f2a…, now 9b1c…)', with the sizes when given."""
    if sizes is None:
        return _("{path} changed since the run (SHA-256 recorded {old}, now {new})", path=path,
                 old=short_digest(recorded), new=short_digest(now))
    return _("{path} changed since the run (SHA-256 recorded {old}, now {new}; {before} bytes recorded, {after} now)",
             path=path, old=short_digest(recorded), new=short_digest(now), before=sizes[0], after=sizes[1])


def check_inputs(report: VerifyReport, folder: Path, audit: dict) -> dict[str, Path] | None:
    """Input hashes; returns role -> path of every input when all exist."""
    found: dict[str, Path] = {}
    missing = False
    for name, rec in (audit.get("read_files") or {}).items():  # the scenario's bases and extra files
        p = _locate(rec, folder) if isinstance(rec, dict) else None
        if p is None:
            report.add(_("input {role}", role=name), False, _("{path} is missing: it cannot be re-checked", path=name))
            missing = True
        elif sha256_file(p) != rec.get("sha256"):
            report.add(_("input {role}", role=name), False, changed_since_the_run(p, rec.get("sha256", ""),
                                                                                   sha256_file(p)))
    for role, rec in audit["inputs"].items():
        p = _locate(rec, folder)
        if p is None:
            report.add(_("input {role}", role=role), False, _("{path} is missing: it cannot be re-checked",
                                                              path=rec.get("path")))
            missing = True
            continue
        now = sha256_file(p)
        if now != rec.get("sha256"):
            report.add(_("input {role}", role=role), False, changed_since_the_run(
                p, rec.get("sha256", ""), now, (rec.get("bytes"), p.stat().st_size)))
        else:
            report.add(_("input {role}", role=role), True, _("{path}: SHA-256 {sha} as recorded", path=p,
                                                             sha=short_digest(now)))
        found[role] = p if "sheet" not in rec else Path(f"{p}#{rec['sheet']}")
    return None if missing else found


def ids_diff(what: str, recorded: list[str], now: list[str]) -> str:
    """How a list of ids (`what`: a file, a column) differs from the recorded slate; '' when it does not."""
    extra = sorted(set(now) - set(recorded))
    gone = sorted(set(recorded) - set(now))
    parts = []
    if extra:
        parts.append(_("{what} lists {ids} not in the recorded slate", what=what, ids=some_ids(extra)))
    if gone:
        parts.append(_("{what} lacks {ids} of the recorded slate", what=what, ids=some_ids(gone)))
    if not parts and len(now) != len(recorded):
        parts.append(_("{what} lists {n} ids, the recorded slate {m}", what=what, n=len(now), m=len(recorded)))
    return _("; ").join(parts)


def some_ids(ids: list[str]) -> str:
    """At most eight ids, then … (a message names a few, not thousands)."""
    return ", ".join(ids[:8]) + (" …" if len(ids) > 8 else "")
