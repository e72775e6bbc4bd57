"""What the CLI's commands share: exit codes, the options several commands take, reading a command's
inputs (a scenario, or --rules with a --pool NAME=FILE per pool the rule set declares), and saying on
screen what went wrong (bad input, Ctrl-C, SIGTERM) with the right exit code.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from selector import STARTED
from selector.errors import InputErrors, Terminated
from selector.i18n import N_, _, label, ngettext
from selector.interfaces.pools import check_pool_names, given_pools
from selector.outputs.privacy import mask_text
from selector.progress import following, listening, terminal_progress
from selector.reading.inputs import Inputs, load_inputs
from selector.reading.rule_checks import load_ruleset
from selector.reading.scenario import load_scenario, load_scenario_inputs

EXIT_NO_SLATE = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM
MAX_WORKERS = 64  # more CP-SAT workers than this only slow a run down (and give the same slate)


def _check_workers(value: int) -> int:
    if not 1 <= value <= MAX_WORKERS:
        raise typer.BadParameter(_("{value} workers: give a whole number from 1 to {most} (the slate is the "
                                   "same for any number; 1 is fastest on most machines)", value=value,
                                   most=MAX_WORKERS))
    return value


ScenarioArg = Annotated[Optional[Path], typer.Argument(help=N_("A scenario file naming rules and pools."))]
RulesOpt = Annotated[Optional[Path], typer.Option("--rules", help=N_("Rule-set TOML (models/)."))]
PoolOpt = Annotated[Optional[list[str]], typer.Option("--pool", metavar="NAME=FILE", help=N_(
    "A pool's file (CSV/XLSX) as NAME=FILE, once per pool: NAME is a pool the rule set declares ({pools})."))]
# the options of the first version, kept for scripts: --individuals FILE is --pool individuals=FILE
LEGACY_POOL_OPTIONS = ("individuals", "collectives")
IndividualsOpt = Annotated[Optional[Path], typer.Option("--individuals", hidden=True)]
CollectivesOpt = Annotated[Optional[Path], typer.Option("--collectives", hidden=True)]
QuotasOpt = Annotated[Optional[Path], typer.Option("--quotas", help=N_("Quota table; replaces the rule set's."))]
OutOpt = Annotated[Path, typer.Option("--out", help=N_("Output folder (written whole or not at all)."))]
WorkersOpt = Annotated[int, typer.Option("--workers", callback=_check_workers,
                                          help=N_("CP-SAT workers, 1 to 64 (the slate is the same)."))]
TimeOpt = Annotated[Optional[float], typer.Option("--time-limit", min=0.01, help=N_("Seconds per pool."))]
ForceOpt = Annotated[bool, typer.Option("--force", help=N_("Replace an existing output folder."))]
PlotsOpt = Annotated[bool, typer.Option("--plots/--no-plots", help=N_("Write the PNG and SVG plots."))]
ReserveOpt = Annotated[Optional[bool], typer.Option("--reserve/--no-reserve", show_default=False, help=N_(
    "Write reserve.xlsx (候补名单): each seat's replacement with the fewest changes, and per unit a ranked reserve. "
    "Written by default up to 20,000 candidates; above that only with --reserve."))]
StableOpt = Annotated[bool, typer.Option("--stable", help=N_("Prefer the fewest changes from the base slate (then "
                                          "merit, as `selector adjust`), not a fresh optimum."))]
SkipHiddenOpt = Annotated[bool, typer.Option("--skip-hidden-rows", help=N_("Leave out rows hidden in XLSX pools "
                                             "(read with a warning otherwise)."))]


def fail_input(e: InputErrors) -> NoReturn:
    """Every problem of the inputs (a phone or ID number quoted from a shifted column masked), exit 2."""
    typer.echo(_("Bad input ({problems}):", problems=ngettext("{n} problem", "{n} problems", len(e.problems))),
               err=True)
    for p in e.problems:
        typer.echo(f"  {mask_text(str(p))}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def interrupted(e: BaseException) -> NoReturn:
    """Ctrl-C exits 130, SIGTERM 143; the temporary output folder is already gone."""
    if isinstance(e, Terminated):
        typer.echo(_("Stopped by SIGTERM: nothing was written."), err=True)
        raise typer.Exit(EXIT_TERMINATED) from None
    typer.echo(_("Interrupted: nothing was written."), err=True)
    raise typer.Exit(EXIT_INTERRUPTED) from None


def _stderr():
    return sys.stderr


@contextlib.contextmanager
def progress(stream=None):
    """The steps of a command on stderr when it is a terminal (quiet for a log, a pipe, a test): a spinner
    naming the step under way with its time (and its count: rows, documents), and a line for each step
    done with the seconds it took, so a 200,000-row run shows where it is and where the time went.
    Yields step(description); the library's own steps (selector.progress.step: screening.csv, plots,
    forms/, the audit record) and counts (selector.progress.report) show the same way."""
    stream = _stderr() if stream is None else stream
    if not getattr(stream, "isatty", lambda: False)():
        yield lambda _description: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(file=stream), transient=True) as bar:
        task = bar.add_task("", total=None)
        under_way: list[tuple[str, float]] = []

        def done() -> None:
            if under_way:
                description, began = under_way.pop()
                bar.console.print(_("  done: {step} ({seconds} s)", step=description,
                                    seconds=f"{time.perf_counter() - began:.1f}"), markup=False, highlight=False)

        def step(description: str) -> None:
            done()
            under_way.append((description, time.perf_counter()))
            bar.update(task, description=description)

        def count(what: str, n: int, total: int | None) -> None:
            if under_way:
                bar.update(task, description=f"{under_way[0][0]}: {what} {n:,}" + (f"/{total:,}" if total else ""))

        with listening(count), following(step):
            yield step
        done()


def explain_step(inputs: Inputs, step):
    return lambda kind, name: step(_("explaining {pool}: {step}", pool=label(inputs.ruleset.pools[kind], kind),
                                     step=name))


def written_to(path: str) -> None:
    """Where the output went, and the whole command's wall time (reading, screening, solving, explaining
    and writing)."""
    typer.echo("\n" + _("Written to {path}", path=path))
    typer.echo(_("Wall time {seconds} s (the whole command).", seconds=f"{time.perf_counter() - STARTED:.1f}"))


def command_inputs(scenario: Path | None, rules: Path | None, pool: list[str] | None,
                   legacy: tuple[Path | None, ...], quotas: Path | None, skip_hidden_rows: bool = False) -> Inputs:
    """A command's inputs: a scenario's files (its base's, its what-if overrides applied), or --rules with
    the pools; --pool NAME=FILE (and the hidden --individuals / --collectives, `legacy`) replace or give
    pool files, each NAME a pool the rule set declares."""
    given = given_pools(pool, dict(zip(LEGACY_POOL_OPTIONS, legacy)))
    if scenario is None and rules is None:
        raise typer.BadParameter(_("give a SCENARIO file, or --rules with the pools"))
    if given:  # a pool the rule set does not declare is refused before any pool is read
        rules_path = rules if rules is not None else load_scenario(scenario)[1]  # type: ignore[arg-type]
        check_pool_names(load_ruleset(rules_path), rules_path, given)
    began = time.perf_counter()
    with terminal_progress(_stderr()):  # a bar while a large pool is read, on a terminal only
        if scenario is not None:
            inputs = load_scenario_inputs(scenario, rules=rules, pools=given, quotas=quotas,
                                          skip_hidden_rows=skip_hidden_rows).inputs
        else:
            inputs = load_inputs(rules, given, quotas, skip_hidden_rows)  # type: ignore[arg-type]
    if getattr(_stderr(), "isatty", lambda: False)():  # the first step's line, as progress() prints the others
        n = sum(len(p) for p in inputs.pools.values())
        print(_("  done: {step} ({seconds} s)", step=_("reading the pools: {n} candidates", n=f"{n:,}"),
                seconds=f"{time.perf_counter() - began:.1f}"), file=_stderr(), flush=True)
    for w in inputs.warnings:  # hidden rows, merged cells: read, but said (and written to reading_warnings.csv)
        typer.echo(_("Warning: {warning}", warning=str(w)), err=True)
    return inputs


def scenario_files(loaded) -> list[Path]:
    """Every file the loaded scenarios read (an output folder must hold none of them)."""
    return [f for sc in loaded for f in [sc.path, *sc.chain, *sc.inputs.all_files()]]
