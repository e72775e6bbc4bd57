"""Solves run in a child process, so that the page stays responsive, shows how far a solve has got and can
cancel it (the process is ended; nothing it half-wrote is used: its output folder is written whole or not at
all by folders.write_select_folder).

The child calls the same library functions as the CLI's `select` and `whatif` commands. It writes
`progress.txt` (one line per phase, read by the page) and, when done, `outcome.pickle`.
"""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selector.domain import has_slate
from selector.i18n import _, set_lang

PROGRESS = "progress.txt"
OUTCOME = "outcome.pickle"
FAILED = "failed.txt"


def _note(folder: Path, message: str) -> None:
    with (folder / PROGRESS).open("a", encoding="utf-8") as f:
        f.write(f"{time.time():.3f}\t{message}\n")


def _finish(folder: Path, outcome: dict[str, Any]) -> None:
    tmp = folder / (OUTCOME + ".part")
    tmp.write_bytes(pickle.dumps(outcome))
    tmp.rename(folder / OUTCOME)  # whole or not at all


def _guard(folder: Path, work) -> None:
    try:
        work()
    except Exception as e:  # shown on the page; bad input is a message, anything else a bug report
        from selector.errors import InputErrors

        if isinstance(e, InputErrors):
            text = "\n".join(str(p) for p in e.problems)
        else:
            text = _("Internal error ({kind}: {error}). This is a bug in the selector, not in your files.",
                     kind=type(e).__name__, error=e) + "\n" + traceback.format_exc(limit=3)
        (folder / FAILED).write_text(text, encoding="utf-8")


def run_base(folder: Path, cwd: Path, rules: Path, pools: dict[str, Path], quotas: Path | None, lang: str) -> None:
    """`cd cwd && selector select --rules ... --individuals ... --collectives ... [--quotas ...] --out folder/out`:
    the files named relative to the round's folder, so that the report and audit.json name them as the
    round's zip holds them (and `selector verify` finds them there)."""
    import os

    from selector.analysis.explain import explain_inputs
    from selector.engine.solve import SolverSettings
    from selector.outputs.folders import write_select_folder
    from selector.pipeline import select_screened
    from selector.reading.inputs import load_inputs

    set_lang(lang)
    folder = Path(folder).resolve()
    os.chdir(cwd)  # this child process only

    def work() -> None:
        _note(folder, _("Reading the files"))
        inputs = load_inputs(rules, pools, quotas)
        _note(folder, _("Screening and solving (proving the best merit can take a while)"))
        settings = SolverSettings()  # the CLI's defaults: 1 worker, no time limit
        screening, result = select_screened(inputs, settings)
        if has_slate(result.status) and not result.verified:
            raise RuntimeError("the solver's slate failed independent verification: "
                               + "; ".join(result.violations))
        explanation = None
        if result.status == "infeasible":
            _note(folder, _("No slate exists: finding why and what would work"))
            explanation = explain_inputs(inputs, eligible=screening.masks, prices=False, screening=screening,
                                         settings=settings)
        _note(folder, _("Writing the paperwork"))
        write_select_folder(folder / "out", inputs, screening, result, explanation, settings=settings)
        _finish(folder, {"screening": screening, "result": result, "explanation": explanation})

    _guard(folder, work)


def run_whatif(folder: Path, base_scenario: Path, whatif: Path, base_job: Path, lang: str) -> None:
    """`selector whatif base.toml whatif.toml`, with the base's solve reused from its own job."""
    from selector.analysis.whatif import Outcome, compare, conflict_in_words, run_scenario
    from selector.reading.scenario import load_scenario_inputs

    set_lang(lang)

    def work() -> None:
        _note(folder, _("Reading the scenario"))
        base_done = pickle.loads((base_job / OUTCOME).read_bytes())
        base_sc = load_scenario_inputs(base_scenario)
        base = Outcome(base_sc, base_done["screening"], base_done["result"])
        for kind, exp in (base_done["explanation"] or {}).items():
            if kind not in base_sc.inputs.pools:
                continue  # the tied pools' joint entry ("a+b", issue 14, 5): the comparison is per pool
            if not exp.feasible and exp.conflicts:
                base.conflicts[kind] = exp.conflicts[0]
                base.clash[kind] = conflict_in_words(base_sc, base.screening, kind, exp.conflicts[0])
        sc = load_scenario_inputs(whatif)
        _note(folder, _("Screening and solving the what-if"))
        outcome = run_scenario(sc)
        _note(folder, _("Comparing with the base"))
        cmp = compare([base, outcome])
        _finish(folder, {"comparison": cmp, "result": outcome.result, "changes": [c.text for c in sc.changes]})

    _guard(folder, work)


# ------------------------------------------------------------------------------------------ the parent side
@dataclass
class Job:
    """One solve in its child process."""

    id: str
    kind: str  # base | whatif
    folder: Path
    process: Any
    started: float = field(default_factory=time.time)
    title: str = ""
    scenario: Path | None = None  # the what-if's scenario file
    cancelled: bool = False
    finished: float | None = None
    _outcome: dict[str, Any] | None = None

    @property
    def state(self) -> str:
        """running | done | failed | cancelled"""
        if self.cancelled:
            return "cancelled"
        if (self.folder / OUTCOME).exists():
            return "done"
        if (self.folder / FAILED).exists() or not self.process.is_alive():
            return "failed"
        return "running"

    @property
    def elapsed(self) -> float:
        if self.finished is None and self.state != "running":
            self.finished = time.time()
        return max(0.0, (self.finished or time.time()) - self.started)

    @property
    def phases(self) -> list[str]:
        path = self.folder / PROGRESS
        if not path.exists():
            return [_("Starting")]
        return [line.split("\t", 1)[1] for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]

    @property
    def failure(self) -> str:
        path = self.folder / FAILED
        if path.exists():
            return path.read_text(encoding="utf-8")
        return _("The solve stopped without a result (exit code {code}).", code=self.process.exitcode)

    @property
    def outcome(self) -> dict[str, Any] | None:
        if self._outcome is None and self.state == "done":
            self._outcome = pickle.loads((self.folder / OUTCOME).read_bytes())
        return self._outcome

    @property
    def out(self) -> Path:
        return self.folder / "out"

    def cancel(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
        if self.state == "running" or not (self.folder / OUTCOME).exists():
            self.cancelled = True
            self.finished = time.time()
            shutil.rmtree(self.folder / "out", ignore_errors=True)


def start(job_id: str, kind: str, folder: Path, target, args: tuple, title: str = "",
          scenario: Path | None = None) -> Job:
    """Start `target(folder, *args)` in a fresh interpreter (spawn: no locks or solver state inherited)."""
    folder.mkdir(parents=True, exist_ok=True)
    process = multiprocessing.get_context("spawn").Process(target=target, args=(folder, *args), daemon=True)
    process.start()
    return Job(job_id, kind, folder, process, title=title, scenario=scenario)
