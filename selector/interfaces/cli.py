"""The command line: a thin layer over the library. Exit codes: 0 a slate, 1 no slate exists (or none
found in time), 2 bad input, 3 internal error (a slate failed verification), 130 interrupted.

Everything a person reads is Chinese by default; `--lang en` (before the command) or SELECTOR_LANG=en
gives English. Help text is written as English message ids (`N_`) and translated when it is shown
(`_LocalisedHelp`), so `--lang`, read before any help is printed, applies to `--help` too.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import time
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from selector import STARTED
from selector.analysis.explain import explain_inputs, format_explanation, write_explanation
from selector.engine.solve import SolverSettings
from selector.errors import InputErrors, Terminated, handle_sigterm
from selector.i18n import N_, _, ngettext, set_lang
from selector.outputs.atomic import atomic_output_dir, check_output_dir
from selector.outputs.folders import write_check, write_select_folder
from selector.outputs.forms import FORMS_DIR, format_missing, format_written, has_forms, load_templates, write_forms
from selector.outputs.terminal import format_findings, format_result, format_screening, status_word
from selector.pipeline import check as run_check
from selector.pipeline import screen_inputs, select_screened
from selector.reading import kinds
from selector.reading.inputs import Inputs, load_inputs
from selector.reading.scenario import load_scenario_inputs

# ---------------------------------------------------------------- help in the chosen language
_TYPER_WORDS = {  # typer's own words in its help and error panels
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"), "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"), "ERRORS_PANEL_TITLE": N_("Error"), "ABORTED_TEXT": N_("Aborted."),
    "DEFAULT_STRING": N_("[default: {}]"), "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"), "DEPRECATED_STRING": N_("(deprecated) "),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
_HELP_OPTION = N_("Show this message and exit.")


def localise_typer() -> None:
    """typer's panel titles and notes in the current language (they are module constants of rich_utils)."""
    from typer import rich_utils

    for name, msgid in _TYPER_WORDS.items():
        setattr(rich_utils, name, _(msgid))


def _translate(text: str | None) -> str | None:
    return _(inspect.cleandoc(text)) if text else text


class _LocalisedHelp:
    """Help of a command (and of the commands it lists) translated at the moment it is shown."""

    def format_help(self, ctx, formatter):
        localise_typer()
        root = ctx.find_root().command
        objects = [root, *getattr(root, "commands", {}).values()]
        saved = []
        for cmd in objects:
            for obj in [cmd, *cmd.params, cmd.get_help_option(ctx)]:
                if obj is not None and getattr(obj, "help", None):
                    saved.append((obj, obj.help))
                    obj.help = _HELP_OPTION if obj.help == _HELP_OPTION else obj.help
                    obj.help = _translate(obj.help)
        try:
            return super().format_help(ctx, formatter)  # type: ignore[misc]
        finally:
            for obj, text in saved:
                obj.help = text

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),  # type: ignore[attr-defined]
                              prefix=_("Usage: "))


class LocalisedGroup(_LocalisedHelp, TyperGroup):
    pass


class LocalisedCommand(_LocalisedHelp, TyperCommand):
    pass


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("slate-selector")
    except metadata.PackageNotFoundError:
        return "unknown"


def _choose_lang(ctx: typer.Context, value: str | None) -> str | None:
    """--lang: for this command only (eager, so `selector --lang en --help` is English too)."""
    if value is None:
        return value
    try:
        before = set_lang(value)
    except ValueError:
        raise typer.BadParameter(_("use zh or en")) from None
    del before
    ctx.call_on_close(lambda: set_lang(None))
    localise_typer()
    return value


def _show_version(value: bool) -> None:
    if value:
        typer.echo(_("selector {version}", version=_version()))
        raise typer.Exit(0)


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=LocalisedGroup,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help=N_("Slate selector for award selections run under a published notice."))


@app.callback()
def _commands(
        lang: Annotated[Optional[str], typer.Option(
            "--lang", is_eager=True, callback=_choose_lang, metavar="zh|en",
            help=N_("Language of everything printed and written: zh (default) or en; also SELECTOR_LANG."))] = None,
        version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                              help=N_("Print the version and exit."))] = False) -> None:
    """The global options; the commands below (see -h of each)."""


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


def _interrupted(e: BaseException) -> NoReturn:
    if isinstance(e, Terminated):
        typer.echo(_("Stopped by SIGTERM: nothing was written."), err=True)
        raise typer.Exit(EXIT_TERMINATED) from None
    typer.echo(_("Interrupted: nothing was written."), err=True)
    raise typer.Exit(EXIT_INTERRUPTED) from None

ScenarioArg = Annotated[Optional[Path], typer.Argument(help=N_("A scenario file naming rules and pools."))]
RulesOpt = Annotated[Optional[Path], typer.Option("--rules", help=N_("Rule-set TOML (models/)."))]
IndividualsOpt = Annotated[Optional[Path], typer.Option("--individuals", help=N_("Individuals pool (CSV/XLSX)."))]
CollectivesOpt = Annotated[Optional[Path], typer.Option("--collectives", help=N_("Collectives pool (CSV/XLSX)."))]
QuotasOpt = Annotated[Optional[Path], typer.Option("--quotas", help=N_("Quota table; replaces the rule set's."))]
OutOpt = Annotated[Path, typer.Option("--out", help=N_("Output folder (written whole or not at all)."))]
WorkersOpt = Annotated[int, typer.Option("--workers", callback=_check_workers,
                                          help=N_("CP-SAT workers, 1 to 64 (the slate is the same)."))]
TimeOpt = Annotated[Optional[float], typer.Option("--time-limit", min=0.01, help=N_("Seconds per pool."))]
ForceOpt = Annotated[bool, typer.Option("--force", help=N_("Replace an existing output folder."))]
PlotsOpt = Annotated[bool, typer.Option("--plots/--no-plots", help=N_("Write the PNG and SVG plots."))]
ReserveOpt = Annotated[bool, typer.Option("--reserve/--no-reserve", help=N_(
    "Write reserve.xlsx (候补名单): each seat's replacement with the fewest changes, and per unit a ranked reserve."))]
StableOpt = Annotated[bool, typer.Option("--stable", help=N_("Prefer the fewest changes from the base slate (then "
                                          "merit, as `selector adjust`), not a fresh optimum."))]
SkipHiddenOpt = Annotated[bool, typer.Option("--skip-hidden-rows", help=N_("Leave out rows hidden in XLSX pools "
                                             "(read with a warning otherwise)."))]


def _fail_input(e: InputErrors) -> None:
    typer.echo(_("Bad input ({problems}):", problems=ngettext("{n} problem", "{n} problems", len(e.problems))),
               err=True)
    from selector.outputs.privacy import mask_text  # a phone or ID number quoted from a shifted column is not logged

    for p in e.problems:
        typer.echo(f"  {mask_text(str(p))}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@contextlib.contextmanager
def _progress():
    """A spinner on stderr naming the step under way, with the time spent; quiet when stderr is not a
    terminal (a log, a pipe, a test). Yields step(description)."""
    import sys

    if not sys.stderr.isatty():
        yield lambda _description: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def step(description: str) -> None:
            bar.update(task, description=description)

        yield step


def _explain_step(inputs: Inputs, step):
    from selector.i18n import label

    return lambda kind, name: step(_("explaining {pool}: {step}", pool=label(inputs.ruleset.pools[kind], kind),
                                     step=name))


def _print_wall_time() -> None:
    """The whole command's wall time (reading, screening, solving, explaining and writing)."""
    typer.echo(_("Wall time {seconds} s (the whole command).", seconds=f"{time.perf_counter() - STARTED:.1f}"))


def _inputs(scenario: Path | None, rules: Path | None, individuals: Path | None, collectives: Path | None,
            quotas: Path | None, skip_hidden_rows: bool = False) -> Inputs:
    from selector.progress import terminal_progress

    with terminal_progress():  # a bar while a large pool is read, on a terminal only
        if scenario is not None:  # a scenario's files, its base's, and its what-if overrides applied
            given = {k: v for k, v in (("individuals", individuals), ("collectives", collectives)) if v is not None}
            inputs = load_scenario_inputs(scenario, rules=rules, pools=given, quotas=quotas,
                                          skip_hidden_rows=skip_hidden_rows).inputs
        else:
            if rules is None:
                raise typer.BadParameter(_("give a SCENARIO file, or --rules with the pools"))
            pools = {k: v for k, v in (("individuals", individuals), ("collectives", collectives)) if v is not None}
            inputs = load_inputs(rules, pools, quotas, skip_hidden_rows)
    _echo_warnings(inputs)
    return inputs


def _echo_warnings(inputs: Inputs) -> None:
    """Hidden rows, merged cells: read, but said on screen (and written to reading_warnings.csv)."""
    from selector.i18n import _

    for w in inputs.warnings:
        typer.echo(_("Warning: {warning}", warning=str(w)), err=True)


@app.command(help=N_(
    "Select the slate of greatest merit meeting every rule, verify it, and write it to --out (with "
    "composition, unit_fill and merit plots as PNG and SVG unless --no-plots)."))
def select(scenario: ScenarioArg = None, rules: RulesOpt = None, individuals: IndividualsOpt = None,
           collectives: CollectivesOpt = None, quotas: QuotasOpt = None, out: OutOpt = Path("out"),
           workers: WorkersOpt = 1, time_limit: TimeOpt = None, force: ForceOpt = False,
           plots: PlotsOpt = True, reserve: ReserveOpt = True, skip_hidden_rows: SkipHiddenOpt = False) -> None:
    try:
        inputs = _inputs(scenario, rules, individuals, collectives, quotas, skip_hidden_rows)
        check_output_dir(out, force, inputs.all_files())  # refuse before solving, not after
        if has_forms(inputs.ruleset):
            load_templates(inputs)  # a broken form template is bad input: said before solving
        with _progress() as step:
            screening, result = select_screened(inputs, SolverSettings(workers=workers, time_limit=time_limit),
                                                progress=step)
            if any(p.status in ("optimal", "feasible") for p in result.pools.values()) and not result.verified:
                typer.echo(_("Internal error: the solver's slate failed independent verification; nothing written."),
                           err=True)
                for v in result.violations:
                    typer.echo(f"  {v}", err=True)
                raise typer.Exit(EXIT_INTERNAL)
            explanation = None
            if result.status == "infeasible":  # say why, in the notice's words, and what would work
                explanation = explain_inputs(inputs, eligible=screening.masks, prices=False, screening=screening,
                                             progress=_explain_step(inputs, step))
            step(_("writing the output folder"))
            forms_written = write_select_folder(out, inputs, screening, result, explanation, plots=plots,
                                                force=force, reserve=reserve,
                                                settings=SolverSettings(workers=workers, time_limit=time_limit))
    except InputErrors as e:
        _fail_input(e)
    except KeyboardInterrupt as e:  # Ctrl-C 130, SIGTERM 143: the temporary folder is already gone
        _interrupted(e)
    typer.echo(format_screening(inputs, screening) + "\n")
    typer.echo(format_result(inputs, result))
    if explanation is not None:
        typer.echo("\n" + format_explanation(explanation, inputs.ruleset))
    for written in forms_written:
        typer.echo("\n" + format_written(written, out / FORMS_DIR))
    typer.echo("\n" + _("Written to {path}", path=f"{out}/"))
    _print_wall_time()
    if result.status not in ("optimal", "feasible"):
        forced = [c for e in (explanation or {}).values() for c in e.forced_ineligible]
        if forced:  # the forcing, not the rules, rules every slate out (issue 11, 16)
            typer.echo(_("No slate: {ids} forced in but ineligible (see the reasons above).",
                         ids=", ".join(f"{c['id']} {c['name']}" for c in forced)))
        else:
            from selector.i18n import label
            from selector.outputs.slates import has_slate

            tops = [a for a in inputs.ruleset.awards if a.parent is None]
            none = _(", ").join(label(a) for a in tops if not has_slate(result, a))
            have = _(", ").join(label(a) for a in tops if has_slate(result, a))
            typer.echo(_("No slate for {awards}: no slate can meet every rule.", awards=none)
                       if result.status == "infeasible" else
                       _("No slate for {awards}: none was found within the time limit.", awards=none))
            if have:
                typer.echo(_("The slates of {awards} are written all the same (tables, summary, audit).", awards=have))
        raise typer.Exit(EXIT_NO_SLATE)


@app.command(help=N_(
    "Why no slate exists (minimal conflicts, relaxations that work) or, when one does, what each rule "
    "costs in merit. Writes explanation.json to --out. Exit 0 when every pool has a slate, 1 "
    "otherwise."))
def explain(scenario: ScenarioArg = None, rules: RulesOpt = None, individuals: IndividualsOpt = None,
            collectives: CollectivesOpt = None, quotas: QuotasOpt = None, out: OutOpt = Path("out/explain"),
            force: ForceOpt = False, skip_hidden_rows: SkipHiddenOpt = False) -> None:
    try:
        inputs = _inputs(scenario, rules, individuals, collectives, quotas, skip_hidden_rows)
        check_output_dir(out, force, inputs.all_files())  # refuse before solving, not after
        with _progress() as step:
            step(_("eligibility screening"))
            screening = screen_inputs(inputs)
            explanation = explain_inputs(inputs, eligible=screening.masks, prices=True, screening=screening,
                                         progress=_explain_step(inputs, step))
            with atomic_output_dir(out, force) as tmp:
                write_explanation(tmp, explanation)
    except InputErrors as e:
        _fail_input(e)
    except KeyboardInterrupt as e:  # Ctrl-C 130, SIGTERM 143: the temporary folder is already gone
        _interrupted(e)
    typer.echo(format_explanation(explanation, inputs.ruleset))
    typer.echo("\n" + _("Written to {path}", path=f"{out}/explanation.json"))
    _print_wall_time()
    if not all(e.feasible for e in explanation.values()):
        raise typer.Exit(EXIT_NO_SLATE)


@app.command(help=N_(
    "Read, screen eligibility and check the eligible supply against every rule, without solving. "
    "Writes screening.csv, supply.csv and check.json to --out. Exit 0 when nothing rules a slate out, "
    "1 when something does (a unit short of its quota, a group short of what the rules force), 2 bad "
    "input."))
def check(scenario: ScenarioArg = None, rules: RulesOpt = None, individuals: IndividualsOpt = None,
          collectives: CollectivesOpt = None, quotas: QuotasOpt = None, out: OutOpt = Path("out/check"),
          force: ForceOpt = False, skip_hidden_rows: SkipHiddenOpt = False) -> None:
    try:
        inputs = _inputs(scenario, rules, individuals, collectives, quotas, skip_hidden_rows)
        check_output_dir(out, force, inputs.all_files())  # refuse before solving, not after
        with _progress() as step:
            step(_("eligibility screening and supply arithmetic"))
            result = run_check(inputs)
            write_check(out, inputs, result, force=force)
    except InputErrors as e:
        _fail_input(e)
    except KeyboardInterrupt as e:  # Ctrl-C 130, SIGTERM 143: the temporary folder is already gone
        _interrupted(e)
    typer.echo(format_screening(inputs, result.screening) + "\n")
    typer.echo(format_findings(result.findings, inputs))
    from selector.outputs.terminal import format_exact, format_submissions

    for extra in (format_submissions(result.submissions), format_exact(result)):  # issue 14
        if extra:
            typer.echo("\n" + extra)
    missing = format_missing(inputs)  # issue 17: clearances still missing, per department (八.5)
    if missing:
        typer.echo("\n" + missing)
    typer.echo("\n" + _("Written to {path}", path=f"{out}/"))
    _print_wall_time()
    if not result.ok:
        from selector.outputs.terminal import finding_words

        fatal = [finding_words(inputs, f) for f in result.findings if f.fatal]
        fatal += [_("{unit}: submitted {has}, needs {need} ({rule})", unit=f.subject, has=f.available, need=f.needed,
                    rule=f"{f.rule} {f.clause} {f.text}") for f in result.submissions if not f.ok]
        fatal += [_("{pool}: the exact test finds no slate", pool=e.pool) for e in result.exact if e.exists is False]
        typer.echo(_("No slate can exist: {why}", why=_("; ").join(fatal)))
        raise typer.Exit(EXIT_NO_SLATE)


# ---------------------------------------------------------------- paperwork and audit (issue 6)
@app.command(help=N_(
    "Blank XLSX pools (one per pool of the rule set) and quota table with the rule set's Chinese "
    "headers, drop-downs for every category and yes/no column, and a sheet 说明 explaining each column."))
def template(rules: Annotated[Path, typer.Option("--rules", help=N_("Rule-set TOML (models/)."))],
             out: OutOpt = Path("out/template"), force: ForceOpt = False) -> None:
    from selector.outputs.templates import write_templates
    from selector.reading.pool import default_quota_path, read_quotas
    from selector.reading.rule_checks import load_ruleset

    try:
        ruleset = load_ruleset(rules)
        units = None
        quota_path = default_quota_path(ruleset, rules)
        if quota_path is not None and quota_path.exists():
            try:
                units = read_quotas(quota_path, ruleset).units  # the unit drop-down offers these
            except InputErrors:
                units = None
        used = [rules, *([quota_path] if quota_path is not None else [])]  # never inside --out
        with atomic_output_dir(out, force, used, marker=True) as tmp:
            written = write_templates(ruleset, tmp, units)
    except InputErrors as e:
        _fail_input(e)
    for p in written:
        typer.echo(_("Written to {path}", path=out / p.name))


@app.command(help=N_(
    "Re-check a result folder against its audit.json without solving: the input files have their "
    "recorded hashes, every rule holds on the recorded slate (independent verifier), the merit is as "
    "recorded and the tables regenerate byte for byte. Exit 0 pass, 1 fail (saying what differs), 2 "
    "not a result folder."))
def verify(folder: Annotated[Path, typer.Argument(help=N_("A result folder written by `selector select`."))],
           resolve: Annotated[bool, typer.Option("--resolve", help=N_(
               "Also solve again from the recorded inputs and confirm the slate is the canonical optimum."))] = False
           ) -> None:
    from selector.outputs.recheck import format_verify, verify_folder

    try:
        report = verify_folder(folder, resolve=resolve)
    except InputErrors as e:
        _fail_input(e)
    typer.echo(format_verify(report))
    if not report.ok:
        raise typer.Exit(EXIT_NO_SLATE)


# ---------------------------------------------------------------- what-if and sweeps (issue 5)
def _scenario_files(loaded) -> list[Path]:
    return [f for sc in loaded for f in [sc.path, *sc.chain, *sc.inputs.all_files()]]


@app.command(help=N_(
    "Solve each scenario (screened, as `select` does) and compare them with the first: whether a "
    "slate exists (and why not), merit, each rule against its bound, each unit's fill, who enters and "
    "who leaves. Writes whatif.csv, whatif.xlsx, whatif.json and whatif.png/svg to --out. Exit 0 when "
    "compared (some scenarios may have no slate), 2 bad input, 3 a slate failed independent "
    "verification."))
def whatif(scenarios: Annotated[list[Path], typer.Argument(help=N_("Scenario files; the first is the reference."))],
           out: OutOpt = Path("out/whatif"), workers: WorkersOpt = 1, time_limit: TimeOpt = None,
           force: ForceOpt = False, plots: PlotsOpt = True, stable: StableOpt = False) -> None:
    from selector.analysis.whatif import compare, format_comparison, run_scenarios
    from selector.outputs.folders import write_comparison

    loaded, problems = [], []
    for path in scenarios:  # every scenario's problems at once
        try:
            loaded.append(load_scenario_inputs(path))
        except InputErrors as e:
            problems += e.problems
    if problems:
        raise InputErrors(problems)
    check_output_dir(out, force, _scenario_files(loaded))  # refuse before solving, not after

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
        raise typer.Exit(EXIT_INTERNAL)
    written = write_comparison(out, cmp, force=force, plots=plots)
    if stable:
        typer.echo(_("Stable: every scenario after A changes as few seats of A's slate as it can, then has the "
                     "most merit (the order of `selector adjust`)."))
    typer.echo(format_comparison(cmp))
    typer.echo("\n" + _("Written to {path}", path=f"{out}/: {', '.join(written)}"))
    _print_wall_time()


@app.command(help=N_(
    "The best merit as a rule's value or a unit's quota moves step by step, and the first point where "
    "no slate exists (with why). Writes sweep.csv, sweep.json and sweep.png/svg to --out. Exit 0 when "
    "swept, 2 bad input."))
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
          out: OutOpt = Path("out/sweep"), workers: WorkersOpt = 1, time_limit: TimeOpt = None,
          force: ForceOpt = False, plots: PlotsOpt = True,
          strategy: Annotated[str, typer.Option("--strategy", help=N_("auto, reuse (one model for every step) or "
                                                   "rebuild (a model per step)."))] = "auto",
          stable: StableOpt = False) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from selector.analysis.sweep import format_sweep, parse_steps, sweep_quota, sweep_rule
    from selector.outputs.folders import write_sweep

    if (rule is None) == (quota is None):
        raise typer.BadParameter(_("give exactly one of --rule RULE or --quota UNIT"))
    loaded = load_scenario_inputs(scenario)
    inputs = loaded.inputs
    if step is None:
        r = next((x for x in inputs.ruleset.rules if x.id == rule), None)
        step = kinds.kind_of(r).step if r is not None else "1"
    values = parse_steps(start, stop, step)
    check_output_dir(out, force, _scenario_files([loaded]))  # refuse before solving, not after
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
    typer.echo("\n" + _("Written to {path}", path=f"{out}/: {', '.join(written)}"))
    _print_wall_time()


# ---------------------------------------------------------------- quota apportionment (issue 14, 7)
@app.command(help=N_(
    "Draft a quota table (附件1) from unit statistics with weighted indicators, per-unit minimums and a "
    "chosen method; print how each unit's number was reached; write a table `select` reads. Exit 0, 2 bad "
    "input."))
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
              force: ForceOpt = False) -> None:
    """Draft a quota table (附件1) from unit statistics with weighted indicators, per-unit minimums and a chosen
    method; print how each unit's number was reached; write a table `select` reads. Exit 0, 2 bad input."""
    from selector.analysis.apportion import (
        METHODS,
        format_apportionment,
        parse_indicators,
        weights_from_statistics,
        write_quota_table,
    )
    from selector.analysis.apportion import apportion as run_apportion
    from selector.i18n import _

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
@app.command(help=N_(
    "After the public notice: the slate with the removed candidates out (and the added in) that changes the "
    "fewest published seats, then the most merit, the special class, the tie-break; who leaves, who enters and "
    "why, against a full re-selection. Written like a select folder with audit.json linking to the published "
    "one. Exit 0 a slate, 1 no slate (why, and the smallest changes that would let one exist), 2 bad input."))
def adjust(result_dir: Annotated[Path, typer.Argument(help=N_("A published result folder (of `selector select`)."))],
           remove: Annotated[Optional[list[str]], typer.Option("--remove", help=N_(
               "A candidate to take out (repeat)."))] = None,
           add: Annotated[Optional[list[str]], typer.Option("--add", help=N_("A candidate to bring in (repeat)."))
                          ] = None,
           out: OutOpt = Path("out/adjusted"), workers: WorkersOpt = 1, time_limit: TimeOpt = None,
           force: ForceOpt = False) -> None:
    """After the public notice: the slate with the removed candidates out (and the added in) that changes the
    fewest published seats, then the most merit, the special class, the tie-break; who leaves, who enters and
    why, against a full re-selection. Written like a select folder with audit.json linking to the published
    one. Exit 0 a slate, 1 no slate (why, and the smallest changes that would let one exist), 2 bad input."""
    from selector.analysis.adjust import adjust as run_adjust
    from selector.analysis.adjust import format_adjustment, load_published
    from selector.i18n import _
    from selector.outputs.folders import write_adjustment

    pub = load_published(result_dir)
    check_output_dir(out, force, list(pub.inputs.files.values()) + [result_dir / "audit.json"])
    settings = SolverSettings(workers=workers, time_limit=time_limit, seed=pub.settings.seed)
    adj = run_adjust(result_dir, remove or [], add or [], settings)
    if adj.has_slate and (not adj.result.verified or not adj.forced_ok):
        typer.echo(_("Internal error: the adjusted slate failed independent verification; nothing written."),
                   err=True)
        for v in adj.result.violations:
            typer.echo(f"  {v}", err=True)
        raise typer.Exit(EXIT_INTERNAL)
    write_adjustment(out, adj, force=force)
    typer.echo(format_adjustment(adj))
    typer.echo("\n" + _("Written to {path}", path=str(out) + "/"))
    if not adj.has_slate:
        raise typer.Exit(EXIT_NO_SLATE)


# ---------------------------------------------------------------- the other paperwork (issue 17)
@app.command()
def forms(source: Annotated[Optional[Path], typer.Argument(
              help="A scenario file, or a result folder of `selector select` (its inputs and slate).")] = None,
          rules: RulesOpt = None, individuals: IndividualsOpt = None, collectives: CollectivesOpt = None,
          quotas: QuotasOpt = None, out: OutOpt = Path("out/forms"), force: ForceOpt = False,
          slate_only: Annotated[bool, typer.Option("--slate-only", help="Consultation forms and pledges for the "
                                                   "selected candidates only.")] = False) -> None:
    """The notice's other paperwork as Word/WPS documents (DOCX, A4) into --out: a consultation form per
    candidate who needs one (附件2/附件3, departments from the rule set's eligibility rules), a bundle per
    department, the clearance tracker (XLSX), a 承诺书 per unit and, for a result folder, the 公示名单 and a
    推荐审批表 per selected candidate. Exit 0 written, 2 bad input."""
    from selector.errors import InputProblem
    from selector.outputs.forms import result_inputs

    result = None
    if source is not None and source.is_dir():
        inputs, result = result_inputs(source)
    else:
        inputs = _inputs(source, rules, individuals, collectives, quotas)
    if not has_forms(inputs.ruleset):
        raise InputErrors([InputProblem(str(inputs.ruleset_path),
                                        _("the rule set declares no forms ([paperwork.forms])"))])
    check_output_dir(out, force, inputs.all_files())
    with atomic_output_dir(out, force, inputs.all_files(), marker=True) as tmp:
        written = write_forms(tmp, inputs, result, slate_only=slate_only)
    typer.echo(format_written(written, out))


# ---------------------------------------------------------------- the web workbench (issue 16)
@app.command()
def serve(port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8765,
          no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the browser.")] = False,
          host: Annotated[str, typer.Option("--host", help="Address to listen on; 127.0.0.1 (this computer "
                                            "only) unless told otherwise.")] = "127.0.0.1") -> None:
    """The local web workbench: load the units' files, see screening, the slate and every rule, try
    what-ifs and download the paperwork in the browser. Ctrl-C stops it and removes the uploaded files."""
    from selector.i18n import _
    from selector.interfaces.web.app import serve as run

    shown = host if host not in ("0.0.0.0", "::") else "127.0.0.1"
    typer.echo(_("Slate selector workbench: {url} (Ctrl-C to stop)", url=f"http://{shown}:{port}/"))
    run(host=host, port=port, open_browser=not no_browser)


def _guarded(command):
    """Whatever goes wrong, a plain message and an exit code, never a traceback: bad input 2, a file the
    system refuses to read or write 2, Ctrl-C 130, anything else (a bug) 3, with the traceback only
    when the environment sets SELECTOR_DEBUG=1."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException):  # typer's own: usage errors, exit codes
            raise
        except InputErrors as e:
            _fail_input(e)
        except KeyboardInterrupt as e:
            _interrupted(e)
        except OSError as e:
            typer.echo(_("Cannot read or write a file: {error}", error=e), err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except Exception as e:
            if os.environ.get("SELECTOR_DEBUG"):
                raise
            typer.echo(_("Internal error ({error}). This is a bug in the selector, not in your files: please "
                         "report it with the inputs (SELECTOR_DEBUG=1 shows where it happened).",
                         error=f"{type(e).__name__}: {e}"), err=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return run


for _command in app.registered_commands:  # every command above, and any added later above this line
    _command.callback = _guarded(_command.callback)
    if _command.cls in (None, TyperCommand):
        _command.cls = LocalisedCommand  # help in the chosen language


def main() -> None:
    handle_sigterm()  # SIGTERM as Ctrl-C: clean up, exit 143 (the console script's launch.py does it first)
    localise_typer()
    app()


if __name__ == "__main__":
    main()

