"""One solver session: the only place that configures CP-SAT.

Every CP-SAT solve of the product (the stages of solve.py, the fast path's rounds in prune.py, the exact
test of feasible.py, the preference report, the explainer, sweeps, adjust) gets its solver from a
`Session`: workers and seed (SolverSettings), the time limit as a clock shared by every solve of one task,
interruptibility (Ctrl-C raises KeyboardInterrupt, and so does SIGTERM as selector.errors.Terminated:
the search is stopped, nothing is written), an optional cut-off in CP-SAT's deterministic time (the same on any machine,
however loaded), and the subsolvers named when several workers run. What a solve gives is read as a
`Status` (selector.domain: optimal | feasible | infeasible | unknown), never as CP-SAT's own codes.

The same inputs give the same slate whatever the number of workers: solve.py's stages end in a uniqueness
proof and the first slate in tie-break order, which do not depend on which optimal slate a search found.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.sat.python import cp_model_helper as cmh

from selector.domain import Status, has_slate


@dataclass(frozen=True)
class SolverSettings:
    workers: int = 1  # on 2 cores, one worker was fastest (benchmark issue); any number gives the same slate
    time_limit: float | None = None  # seconds for the whole pool, all stages
    seed: int = 0
    fast: bool = True  # the exact fast path (selector/engine/prune.py); False: the plain per-candidate model


class Clock:
    """The time left of a task's limit, shared by all its solves."""

    def __init__(self, limit: float | None):
        self.start = time.perf_counter()
        self.limit = limit

    def remaining(self) -> float | None:
        if self.limit is None:
            return None
        return max(0.01, self.limit - (time.perf_counter() - self.start))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


class InterruptibleSolver(cp_model.CpSolver):
    """A CP-SAT solver that Ctrl-C stops with KeyboardInterrupt, as it would stop any other Python code.

    By default CP-SAT catches SIGINT itself: the search stops quietly and the caller gets FEASIBLE or
    UNKNOWN as if a time limit had run out (a slate would be written as if nothing happened), and
    SIGINT is left at its default action, so the next Ctrl-C kills the process before it can clean up.
    Here the search runs in a worker thread while the main thread waits, interruptibly: on Ctrl-C the
    search is stopped and KeyboardInterrupt raised, and the CLI exits 130 with nothing written."""

    def solve(self, model: cp_model.CpModel, solution_callback=None):  # type: ignore[override]
        self.parameters.catch_sigint_signal = False
        if threading.current_thread() is not threading.main_thread():
            return super().solve(model, solution_callback)  # only the main thread receives Ctrl-C
        outcome: dict = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["status"] = super(InterruptibleSolver, self).solve(model, solution_callback)
            except BaseException as e:  # handed to the caller below
                outcome["error"] = e
            finally:
                done.set()

        threading.Thread(target=run, name="cp-sat", daemon=True).start()
        try:
            while not done.wait(0.1):
                pass
        except KeyboardInterrupt:
            self.stop_search()
            while not done.wait(0.1):
                pass
            raise
        if "error" in outcome:
            raise outcome["error"]
        return outcome["status"]


def configure(settings: SolverSettings, clock: Clock, tuned: bool) -> cp_model.CpSolver:
    """A fresh solver with the session's parameters (tests patch this one function to cut every solve short).
    `tuned`: the parameters measured best for the selection stages of the fast path (benchmark issue)."""
    s = InterruptibleSolver()
    s.parameters.num_workers = settings.workers
    s.parameters.random_seed = settings.seed
    s.parameters.linearization_level = 2  # tighter root bound on these cardinality models
    if settings.workers > 1:
        # With 2-7 workers CP-SAT's default portfolio leaves out max_lp; measured on the sample, stage 1
        # then took 13-28 s instead of 0.1 s. Name the subsolvers that work here.
        s.parameters.subsolvers.extend(["max_lp", "default_lp", "core", "quick_restart"])
    if tuned:  # every LP row from the start: the root bound is then the LP's (benchmark issue)
        s.parameters.add_lp_constraints_lazily = False
        s.parameters.cp_model_probing_level = 0  # national benchmark case: 14 s instead of 17 s in all
    left = clock.remaining()
    if left is not None:
        s.parameters.max_time_in_seconds = left
    return s


def maximize(model: cp_model.CpModel, expr) -> None:
    """model.maximize(expr), the same objective written into the proto in bulk: CP-SAT's own writes it one
    term at a time in Python (7.3 ms against 1.0 ms for 800 terms, each of a city-size slate's 3-4 solves)."""
    if not isinstance(expr, cp_model.LinearExpr) or not expr.is_integer():
        model.maximize(expr)
        return
    flat = cmh.FlatIntExpr(expr)
    model.clear_objective()
    objective = model.proto.objective
    objective.vars.extend([v.index for v in flat.vars])
    objective.coeffs.extend([-c for c in flat.coeffs])  # CP-SAT minimises: maximising is minimising -expr
    objective.scaling_factor = -1.0
    objective.offset = -flat.offset


_STATUS: dict[int, Status] = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
                              cp_model.INFEASIBLE: "infeasible"}


def status_of(code) -> Status:
    """CP-SAT's status code as the product's Status (MODEL_INVALID and UNKNOWN: unknown)."""
    return _STATUS.get(code, "unknown")


@dataclass
class Solved:
    """What one solve gave: its Status and the solver, to read values from."""

    status: Status
    solver: cp_model.CpSolver

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def found(self) -> bool:
        """A solution was found (optimal or not)."""
        return has_slate(self.status)

    def value(self, expr) -> int:
        """An expression's value, exact (objective_value is a float: 255.99999999999997 for 256)."""
        return int(self.solver.value(expr))

    def decisions(self, sm, model: cp_model.CpModel | None = None) -> dict[str, list[int]]:
        """Per award of a SelectionModel, its 0/1 decision per candidate position (positions never leave
        the engine); `model`: a clone of sm.model that was solved (its variables have the same indices)."""
        get = (lambda v: v) if model is None else (lambda v: model.get_bool_var_from_proto_index(v.index))
        return {a.id: [int(self.solver.boolean_value(get(v))) for v in sm.x[a.id]] for a in sm.awards}


class Session:
    """Every solve of one task (one pool's stages, one sweep step, one question of the explainer), sharing
    the settings and one clock."""

    def __init__(self, settings: SolverSettings = SolverSettings(), tuned: bool = False, presolve: bool = True,
                 first: bool = False):
        self.settings = settings
        self.clock = Clock(settings.time_limit)
        self.tuned = tuned
        self.presolve = presolve  # False: the explainer's many small feasibility probes (presolve was most of each)
        self.first = first  # stop at the first solution: the explainer's search for a witness slate

    def solver(self, work: float | None = None, lazy_lp: bool = False,
               linearization: int | None = None, seed: int | None = None) -> cp_model.CpSolver:
        """A configured solver; `work`: a cut-off in CP-SAT's deterministic time, the same on any machine.
        `lazy_lp`: CP-SAT's own default for the LP rows (added as cuts when violated) instead of the tuned
        every-row-from-the-start (engine/prune.py: the retry of an LP round). `linearization`: CP-SAT's
        linearization_level instead of configure's 2 (engine/solve.py: _maximise's light stages). `seed`: another
        random seed than the settings' (engine/solve.py: the uniqueness question's tries)."""
        s = configure(self.settings, self.clock, self.tuned)
        if not self.presolve:
            s.parameters.cp_model_presolve = False
        if self.first:
            s.parameters.stop_after_first_solution = True
        if work is not None:
            s.parameters.max_deterministic_time = work
        if lazy_lp:
            s.parameters.add_lp_constraints_lazily = True
        if linearization is not None:
            s.parameters.linearization_level = linearization
        if seed is not None:
            s.parameters.random_seed = seed
        return s

    def solve(self, model: cp_model.CpModel, work: float | None = None, callback=None,
              lazy_lp: bool = False, linearization: int | None = None) -> Solved:
        if lazy_lp or linearization is not None:
            s = self.solver(work, lazy_lp, linearization)
        else:
            s = self.solver(work)  # (tests replace solver(work))
        return Solved(status_of(s.solve(model, callback)), s)

    def remaining(self) -> float | None:
        return self.clock.remaining()

    def elapsed(self) -> float:
        return self.clock.elapsed()
