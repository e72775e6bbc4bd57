"""Faults: outputs are written whole or not at all, inputs are never modified, Ctrl-C exits 130 and
leaves nothing behind, and an answer found under a time limit is never labelled better than proven.

The small case is tests/data/mini/ (4 labour models from 2 units, solved in milliseconds); the time
limits bite on the bundled Fuxin sample.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SLOW_TABLES, signal_when_reached
from typer.testing import CliRunner

import selector.engine.session
import selector.interfaces.cli_select
import selector.outputs.folders
from selector.interfaces.cli import app

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini"
SAMPLE = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"


def run(out: Path, *extra: str, rules: Path = MINI / "rules.toml", pool: Path = MINI / "pool.csv"):
    result = CliRunner().invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool),
                                      "--out", str(out), *extra])
    assert "Traceback" not in result.output
    return result


def leftovers(folder: Path) -> list[str]:
    """Temporary or set-aside folders an interrupted write could leave beside the output."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def patch_solving(monkeypatch, replacement) -> None:
    """Replace the CLI's solving step (called select_screened now, run_select in the first version)."""
    names = [n for n in ("select_screened", "run_select") if hasattr(selector.interfaces.cli_select, n)]
    assert names, "the CLI's solving step was renamed: update this test"
    for n in names:
        monkeypatch.setattr(selector.interfaces.cli_select, n, replacement)


# ------------------------------------------------------------------------------ existing folders
def test_an_existing_folder_is_refused_and_untouched_without_force(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the office's own file\n", encoding="utf-8")
    before = snapshot(out)

    def never(*args, **kwargs):
        raise AssertionError("the refusal must come before solving, not after")

    patch_solving(monkeypatch, never)
    result = run(out)
    assert result.exit_code == 2
    assert f"{out}: output folder exists and is not empty: choose another --out or pass --force" in result.output
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_force_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "out"
    assert run(out).exit_code == 0  # --force replaces only a folder this tool wrote (issue 11 item 3)
    (out / "old.txt").write_text("old\n", encoding="utf-8")
    result = run(out, "--force")
    assert result.exit_code == 0, result.output
    assert not (out / "old.txt").exists()
    assert (out / "summary.json").exists() and (out / "labour_model.csv").exists()
    assert leftovers(tmp_path) == []


def test_an_empty_existing_folder_is_used(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert run(out).exit_code == 0
    assert (out / "summary.json").exists()


def test_an_output_folder_holding_an_input_is_refused_even_with_force(tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    for name in ("rules.toml", "quotas.csv", "pool.csv"):
        (case / name).write_bytes((MINI / name).read_bytes())
    before = snapshot(case)
    result = run(case, "--force", rules=case / "rules.toml", pool=case / "pool.csv")
    assert result.exit_code == 2
    assert "holds the input file" in result.output and "inputs are never modified" in result.output
    assert snapshot(case) == before


def test_the_current_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("keep\n", encoding="utf-8")
    result = run(Path("."), "--force")
    assert result.exit_code == 2
    assert "is the current folder or one above it" in result.output
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "keep\n"


def test_an_output_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be\n", encoding="utf-8")
    result = run(blocker / "out")
    assert result.exit_code == 2
    assert "cannot create the output folder" in result.output


# ------------------------------------------------------------------------------ failures while writing
@pytest.mark.parametrize(("error", "code", "words"), [
    (RuntimeError("disk on fire"), 3, "Internal error (RuntimeError: disk on fire)"),
    (OSError(28, "No space left on device"), 2, "No space left on device"),
    (KeyboardInterrupt(), 130, "Interrupted: nothing was written."),
])
def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, monkeypatch, error, code, words):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(selector.outputs.folders, "slate_tables", broken)
    result = run(tmp_path / "out")
    assert result.exit_code == code, result.output
    assert words in result.output
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


def test_a_failure_while_replacing_keeps_the_old_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run(out).exit_code == 0
    before = snapshot(out)

    def broken(*args, **kwargs):
        raise RuntimeError("failed half-way")

    monkeypatch.setattr(selector.outputs.folders, "slate_tables", broken)
    result = run(out, "--force")
    assert result.exit_code == 3
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_inputs_are_never_modified(tmp_path):
    inputs = [MINI / "rules.toml", MINI / "quotas.csv", MINI / "pool.csv"]
    before = digest(inputs)
    assert run(tmp_path / "out").exit_code == 0
    assert run(tmp_path / "out", "--force").exit_code == 0
    assert run(tmp_path / "out2", pool=Path(__file__).parent / "data" / "bad" / "duplicate_id.csv").exit_code == 2
    assert digest(inputs) == before


# ------------------------------------------------------------------------------ Ctrl-C
def test_ctrl_c_during_solving_exits_130_and_leaves_nothing(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    patch_solving(monkeypatch, interrupted)
    result = run(tmp_path / "out")
    assert result.exit_code == 130
    assert "Interrupted: nothing was written." in result.output
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


WRAPPER = textwrap.dedent('''
    """Run the CLI with a hook that says when it reaches the step to interrupt, and makes that step slow."""
    import random
    import sys
    import time

    from ortools.sat.python import cp_model

    import selector.outputs.folders
    import selector.engine.session
    from selector.interfaces.cli import app

    step, args = sys.argv[1], sys.argv[2:]

    def hard_model():
        """A knapsack CP-SAT takes minutes to prove: the solve is still running when Ctrl-C comes."""
        rng = random.Random(1)
        m = cp_model.CpModel()
        x = [m.new_bool_var(f"x{i}") for i in range(400)]
        for _ in range(60):
            m.add(sum(rng.randint(1, 50) * v for v in rng.sample(x, 100)) <= 800)
        m.maximize(sum(rng.randint(1, 1000) * v for v in x))
        return m

    if step == "solving":
        real = selector.engine.session.InterruptibleSolver.solve

        def slow(self, model, solution_callback=None):
            self.parameters.max_time_in_seconds = 60
            print("REACHED", file=sys.stderr, flush=True)
            return real(self, hard_model(), solution_callback)

        selector.engine.session.InterruptibleSolver.solve = slow
    else:  # writing, after a real solve
        SLOW_TABLES
    app(args=args, prog_name="selector")
''').replace("    SLOW_TABLES\n", textwrap.indent(SLOW_TABLES, "    "))


def interrupt_when_reached(tmp_path: Path, step: str) -> tuple[int, str]:
    """Start the CLI in its own process, send SIGINT (Ctrl-C) once it reaches `step`; exit code and stderr."""
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    args = ["select", "--rules", str(MINI / "rules.toml"), "--individuals", str(MINI / "pool.csv"),
            "--out", str(tmp_path / "out")]
    return signal_when_reached([sys.executable, str(wrapper), step, *args], signal.SIGINT, delay=0.5, timeout=120,
                               cwd=tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.parametrize("step", ["solving", "writing"])
def test_a_real_ctrl_c_exits_130_and_leaves_nothing(tmp_path, step):
    """CP-SAT catches Ctrl-C itself by default: the search stops quietly, the run goes on to write a
    'feasible' slate, and SIGINT is left at its default action so a later Ctrl-C kills the process
    mid-write. The solver the selector uses turns both into KeyboardInterrupt, so neither happens."""
    code, stderr = interrupt_when_reached(tmp_path, step)
    assert code == 130, stderr
    assert "Interrupted: nothing was written." in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------ time limits
def solver_limited(monkeypatch, **parameters) -> None:
    """Make every CP-SAT call stop early, deterministically (the same on any machine)."""
    real = selector.engine.session.configure

    def limited(settings, clock, tuned):
        s = real(settings, clock, tuned)
        for k, v in parameters.items():
            setattr(s.parameters, k, v)
        return s

    monkeypatch.setattr(selector.engine.session, "configure", limited)


def run_sample(out: Path, *extra: str):
    result = CliRunner().invoke(app, ["select", str(SAMPLE), "--out", str(out), *extra])
    assert "Traceback" not in result.output
    return result


def test_no_slate_in_time_is_unknown_not_infeasible(tmp_path, monkeypatch):
    solver_limited(monkeypatch, max_deterministic_time=1e-9)
    result = run_sample(tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "none was found within the time limit" in result.output
    assert "no slate can meet every rule" not in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "unknown"
    assert {p["status"] for p in summary["pools"].values()} == {"unknown"}
    assert not list((tmp_path / "out").glob("labour_model.csv"))  # no slate written


def test_a_slate_not_proven_optimal_is_feasible_with_its_gap(tmp_path, monkeypatch):
    solver_limited(monkeypatch, stop_after_first_solution=True)
    result = run_sample(tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "feasible"
    ind = summary["pools"]["individuals"]
    assert ind["status"] == "feasible"
    assert ind["gap"] is not None and ind["gap"] > 0
    assert float(ind["objective"]) < float(ind["bound"])
    assert "individuals: feasible" in result.output and "gap " in result.output
    assert summary["verified"] is True


@pytest.fixture(scope="module")
def proven(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("proven") / "out"
    assert run_sample(out).exit_code == 0
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("limit", ["0.01", "0.05", "0.2"])
def test_under_a_real_time_limit_no_status_claims_more_than_was_proven(tmp_path, proven, limit):
    """Whatever a tiny --time-limit lets the solver reach on this machine, the label is honest."""
    result = run_sample(tmp_path / "out", "--time-limit", limit)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] != "infeasible"  # the sample has slates: running out of time is not infeasibility
    for kind, pool in summary["pools"].items():
        best = proven["pools"][kind]
        if pool["status"] == "optimal":
            assert pool["objective"] == pool["bound"] == best["objective"]
        elif pool["status"] == "feasible":
            assert pool["gap"] is not None and float(pool["objective"]) <= float(pool["bound"])
            assert float(pool["objective"]) <= float(best["objective"]) <= float(pool["bound"])
        else:
            assert pool["status"] == "unknown" and pool["objective"] is None
    if summary["status"] == "unknown":
        assert result.exit_code == 1 and "none was found within the time limit" in result.output
    else:
        assert result.exit_code == 0 and summary["verified"]
