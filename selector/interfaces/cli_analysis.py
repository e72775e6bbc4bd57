"""The commands that ask "what if" of a round or a published slate: `whatif` (scenarios compared with the
first), `sweep` (a rule's value or a unit's quota moved step by step), `apportion` (drafting the quota
table from unit statistics) and `adjust` (the published slate after removals, changing the fewest seats).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from selector.analysis.adjust import adjust as run_adjust
from selector.analysis.adjust import format_adjustment, load_published
from selector.analysis.apportion import (
    METHODS,
    format_apportionment,
    parse_indicators,
    weights_from_statistics,
    write_quota_table,
)
from selector.analysis.apportion import apportion as run_apportion
from selector.analysis.sweep import format_sweep, parse_steps, sweep_quota, sweep_rule
from selector.analysis.whatif import compare, format_comparison, run_scenarios
from selector.engine.solve import SolverSettings
from selector.errors import InputErrors
from selector.i18n import N_, _
from selector.interfaces import options as opt
from selector.interfaces.options import scenario_files, written_to
from selector.outputs.atomic import check_output_dir
from selector.outputs.folders import write_adjustment, write_comparison, write_sweep
from selector.outputs.terminal import status_word
from selector.reading import kinds
from selector.reading.scenario import load_scenario_inputs

commands = typer.Typer()


@commands.command()
def whatif(scenarios: Annotated[list[Path], typer.Argument(help=N_("Scenario files; the first is the reference."))],
           out: opt.OutOpt = Path("out/whatif"), workers: opt.WorkersOpt = 1, time_limit: opt.TimeOpt = None,
           force: opt.ForceOpt = False, plots: opt.PlotsOpt = True, stable: opt.StableOpt = False) -> None:
    """Solve each scenario (screened, as `select` does) and compare them with the first: whether a slate exists (and
    why not), merit, each rule against its bound, each unit's fill, who enters and who leaves. Writes whatif.csv,
    whatif.xlsx, whatif.json and whatif.png/svg to --out. Exit 0 when compared (some scenarios may have no slate), 2
    bad input, 3 a slate failed independent verification."""
    loaded, problems = [], []
    for path in scenarios:  # every scenario's problems at once
        try:
            loaded.append(load_scenario_inputs(path))
        except InputErrors as e:
            problems += e.problems
    if problems:
        raise InputErrors(problems)
    check_output_dir(out, force, scenario_files(loaded))  # refuse before solving, not after

    def counter(i: int, n: int, outcome) -> None:
        typer.echo("  " + _("solved {i}/{n}: {name} ({status})", i=i, n=n, name=outcome.scenario.name,
                            status=status_word(outcome.result.status)), err=True)

    outcomes = run_scenarios(loaded, SolverSettings(workers=workers, time_limit=time_limit), progress=counter,
                             stable=stable)
    cmp = compare(outcomes)
    broken = [c for c in cmp.columns if c.has_slate and (not c.verified or not c.forced_ok)]
    if broken:
        typer.echo(_("Internal error: a slate failed independent verification; nothing written: {names}",
                     names=", ".join(c.name for c in broken)), err=True)
        raise typer.Exit(opt.EXIT_INTERNAL)
    written = write_comparison(out, cmp, force=force, plots=plots)
    if stable:
        typer.echo(_("Stable: every scenario after A changes as few seats of A's slate as it can, then has the "
                     "most merit (the order of `selector adjust`)."))
    typer.echo(format_comparison(cmp))
    written_to(f"{out}/: {', '.join(written)}")


@commands.command()
def sweep(scenario: Annotated[Path, typer.Argument(help=N_("A scenario file (its overrides apply)."))],
          start: Annotated[str, typer.Option("--from", help=N_("First value: 10% or 1/3 for shares, 14 for quotas "
                                                "and counts."))],
          stop: Annotated[str, typer.Option("--to", help=N_("Last value (included when a step lands on it)."))],
          step: Annotated[Optional[str], typer.Option("--step", help=N_("Step (default 1% for shares, else 1)."))
                          ] = None,
          rule: Annotated[Optional[str], typer.Option("--rule", help=N_("Sweep this rule's value (a share like "
                                                          "R8, or an office target like R10-women)."))] = None,
          quota: Annotated[Optional[str], typer.Option("--quota", help=N_("Sweep this unit's quota."))] = None,
          balance: Annotated[Optional[str], typer.Option("--balance", help=N_("With --quota: this unit gives or "
                                                             "takes the difference (moving seats)."))] = None,
          award: Annotated[Optional[str], typer.Option("--award", help=N_("With --quota: the award (default: the "
                                                           "first with a quota column)."))] = None,
          out: opt.OutOpt = Path("out/sweep"), workers: opt.WorkersOpt = 1, time_limit: opt.TimeOpt = None,
          force: opt.ForceOpt = False, plots: opt.PlotsOpt = True,
          strategy: Annotated[str, typer.Option("--strategy", help=N_("auto, reuse (one model for every step) or "
                                                   "rebuild (a model per step)."))] = "auto",
          stable: opt.StableOpt = False) -> None:
    """The best merit as a rule's value or a unit's quota moves step by step, and the first point where no slate exists
    (with why). Writes sweep.csv, sweep.json and sweep.png/svg to --out. Exit 0 when swept, 2 bad input."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


    if (rule is None) == (quota is None):
        raise typer.BadParameter(_("give exactly one of --rule RULE or --quota UNIT"))
    loaded = load_scenario_inputs(scenario)
    inputs = loaded.inputs
    if step is None:
        r = next((x for x in inputs.ruleset.rules if x.id == rule), None)
        step = kinds.kind_of(r).step if r is not None else "1"
    values = parse_steps(start, stop, step)
    check_output_dir(out, force, scenario_files([loaded]))  # refuse before solving, not after
    settings = SolverSettings(workers=workers, time_limit=time_limit)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(_("sweeping {what}", what=rule or quota), total=len(values))

        def progress(i: int, n: int, point) -> None:
            bar.update(task, completed=i, description=_("sweeping {what} = {value}", what=rule or quota,
                                                         value=point.value))

        if rule is not None:
            result = sweep_rule(inputs, rule, values, settings=settings, strategy=strategy, progress=progress,
                                stable=stable)
        else:
            result = sweep_quota(inputs, quota, values, award=award, balance=balance,  # type: ignore[arg-type]
                                 settings=settings, strategy=strategy, progress=progress, stable=stable)
    written = write_sweep(out, result, force=force, plots=plots)
    typer.echo(format_sweep(result))
    written_to(f"{out}/: {', '.join(written)}")


# ---------------------------------------------------------------- quota apportionment (issue 14, 7)
@commands.command()
def apportion(statistics: Annotated[Path, typer.Argument(help=N_("Unit statistics (CSV/XLSX): a unit column and "
                                                             "one column per indicator."))],
              seats: Annotated[int, typer.Option("--seats", min=0, help=N_("Seats to apportion."))],
              award: Annotated[str, typer.Option("--award", help=N_("Award id: the quota table's column."))],
              indicator: Annotated[list[str], typer.Option("--indicator", help=N_("NAME=SHARE, repeated: 在岗职工=50% "
                                                              "--indicator 规上工业增加值=50%."))],
              out: Annotated[Path, typer.Option("--out", help=N_("Quota table to write (CSV)."))] = Path("quotas.csv"),
              method: Annotated[str, typer.Option("--method", help=N_("hamilton (largest remainder), sainte_lague or "
                                                     "dhondt."))] = "hamilton",
              minimum: Annotated[int, typer.Option("--min", min=0, help=N_("Seats every unit gets at least."))] = 0,
              into: Annotated[Optional[Path], typer.Option("--into", help=N_("Add the column to this quota table "
                                                              "(the other columns kept)."))] = None,
              force: opt.ForceOpt = False) -> None:
    """Draft a quota table (附件1) from unit statistics with weighted indicators, per-unit minimums and a chosen
    method; print how each unit's number was reached; write a table `select` reads. Exit 0, 2 bad input."""
    if method not in METHODS:
        raise typer.BadParameter(_("unknown method {method}: use one of {methods}", method=method,
                                   methods=", ".join(METHODS)))
    try:
        shares = parse_indicators(indicator)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    weights = weights_from_statistics(statistics, shares)
    try:
        result = run_apportion(weights, seats, method, minimum)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    if out.resolve() == statistics.resolve():
        raise typer.BadParameter(_("--out would overwrite the statistics file"))
    write_quota_table(out, award, result, into=into, force=force or (into is not None and out == into))
    typer.echo(format_apportionment(result))
    typer.echo(_("Written to {path}", path=out))


# ---------------------------------------------------------------- adjusting a published slate (issue 15)
@commands.command()
def adjust(result_dir: Annotated[Path, typer.Argument(help=N_("A published result folder (of `selector select`)."))],
           remove: Annotated[Optional[list[str]], typer.Option("--remove", help=N_(
               "A candidate to take out (repeat)."))] = None,
           add: Annotated[Optional[list[str]], typer.Option("--add", help=N_("A candidate to bring in (repeat)."))
                          ] = None,
           out: opt.OutOpt = Path("out/adjusted"), workers: opt.WorkersOpt = 1, time_limit: opt.TimeOpt = None,
           force: opt.ForceOpt = False) -> None:
    """After the public notice: the slate with the removed candidates out (and the added in) that changes the
    fewest published seats, then the most merit, the special class, the tie-break; who leaves, who enters and
    why, against a full re-selection. Written like a select folder with audit.json linking to the published
    one. Exit 0 a slate, 1 no slate (why, and the smallest changes that would let one exist), 2 bad input."""
    pub = load_published(result_dir)
    check_output_dir(out, force, list(pub.inputs.files.values()) + [result_dir / "audit.json"])
    settings = SolverSettings(workers=workers, time_limit=time_limit, seed=pub.settings.seed)
    adj = run_adjust(result_dir, remove or [], add or [], settings)
    if adj.has_slate and (not adj.result.verified or not adj.forced_ok):
        typer.echo(_("Internal error: the adjusted slate failed independent verification; nothing written."),
                   err=True)
        for v in adj.result.violations:
            typer.echo(f"  {v}", err=True)
        raise typer.Exit(opt.EXIT_INTERNAL)
    write_adjustment(out, adj, force=force)
    typer.echo(format_adjustment(adj))
    typer.echo("\n" + _("Written to {path}", path=str(out) + "/"))
    if not adj.has_slate:
        raise typer.Exit(opt.EXIT_NO_SLATE)

