"""The commands that read a round's files and answer it: `select` (the slate, verified, and its output
folder), `explain` (why no slate exists, or what each rule costs) and `check` (screening and the supply
arithmetic, no solver).
"""

from __future__ import annotations

from pathlib import Path

import typer

from selector.analysis.explain import explain_inputs, format_explanation, write_explanation
from selector.domain import has_slate
from selector.engine.solve import SolverSettings
from selector.i18n import _, label
from selector.interfaces import options as opt
from selector.interfaces.options import command_inputs, explain_step, progress, written_to
from selector.outputs import atomic, folders, slates, terminal
from selector.outputs.bounds import bounded_notes
from selector.outputs.clearance import format_missing
from selector.outputs.form_layout import has_forms, load_templates
from selector.outputs.forms import FORMS_DIR, format_written
from selector.outputs.masked import mask_text
from selector.pipeline import check as run_check
from selector.pipeline import screen_inputs, select_screened

commands = typer.Typer()


@commands.command()
def select(scenario: opt.ScenarioArg = None, rules: opt.RulesOpt = None, pool: opt.PoolOpt = None,
           individuals: opt.IndividualsOpt = None, collectives: opt.CollectivesOpt = None,
           quotas: opt.QuotasOpt = None, out: opt.OutOpt = Path("out"), workers: opt.WorkersOpt = 1,
           time_limit: opt.TimeOpt = None, force: opt.ForceOpt = False, plots: opt.PlotsOpt = True,
           reserve: opt.ReserveOpt = None, skip_hidden_rows: opt.SkipHiddenOpt = False) -> None:
    """Select the slate of greatest merit meeting every rule, verify it, and write it to --out (with composition,
    unit_fill and merit plots as PNG and SVG unless --no-plots)."""
    inputs = command_inputs(scenario, rules, pool, (individuals, collectives), quotas, skip_hidden_rows)
    atomic.check_output_dir(out, force, inputs.all_files())  # refuse before solving, not after
    if has_forms(inputs.ruleset):
        load_templates(inputs)  # a broken form template is bad input: said before solving
    settings = SolverSettings(workers=workers, time_limit=time_limit)
    with progress() as step:
        screening, result = select_screened(inputs, settings, progress=step)
        if any(has_slate(p.status) for p in result.pools.values()) and not result.verified:
            typer.echo(_("Internal error: the solver's slate failed independent verification; nothing written."),
                       err=True)
            for v in result.violations:
                typer.echo(f"  {v}", err=True)
            raise typer.Exit(opt.EXIT_INTERNAL)
        explanation = None
        if result.status == "infeasible":  # say why, in the notice's words, and what would work
            explanation = explain_inputs(inputs, eligible=screening.masks, prices=False, screening=screening,
                                         progress=explain_step(inputs, step), settings=settings)
        forms_written = folders.write_select_folder(out, inputs, screening, result, explanation, plots=plots,
                                                    force=force, reserve=reserve, settings=settings)
    typer.echo(terminal.format_screening(inputs, screening) + "\n")
    typer.echo(terminal.format_result(inputs, result))
    if explanation is not None:
        typer.echo("\n" + format_explanation(explanation, inputs.ruleset))
    for written in forms_written:
        typer.echo("\n" + format_written(written, out / FORMS_DIR))
    for note in bounded_notes(inputs, reserve, bool(forms_written)):  # a large pool: what was not written, and why
        typer.echo("\n" + _("Note: {note}", note=note))
    written_to(f"{out}/")
    if not has_slate(result.status):
        forced = [c for e in (explanation or {}).values() for c in e.forced_ineligible]
        if forced:  # the forcing, not the rules, rules every slate out (issue 11, 16)
            typer.echo(mask_text(_("No slate: {ids} forced in but ineligible (see the reasons above).",
                                   ids=", ".join(f"{c['id']} {c['name']}" for c in forced))))
        else:
            tops = [a for a in inputs.ruleset.awards if a.parent is None]
            none = _(", ").join(label(a) for a in tops if not slates.has_slate(result, a))
            have = _(", ").join(label(a) for a in tops if slates.has_slate(result, a))
            typer.echo(_("No slate for {awards}: no slate can meet every rule.", awards=none)
                       if result.status == "infeasible" else
                       _("No slate for {awards}: none was found within the time limit.", awards=none))
            if have:
                typer.echo(_("The slates of {awards} are written all the same (tables, summary, audit).", awards=have))
        raise typer.Exit(opt.EXIT_NO_SLATE)


@commands.command()
def explain(scenario: opt.ScenarioArg = None, rules: opt.RulesOpt = None, pool: opt.PoolOpt = None,
            individuals: opt.IndividualsOpt = None, collectives: opt.CollectivesOpt = None,
            quotas: opt.QuotasOpt = None, out: opt.OutOpt = Path("out/explain"), workers: opt.WorkersOpt = 1,
            time_limit: opt.TimeOpt = None, force: opt.ForceOpt = False, skip_hidden_rows: opt.SkipHiddenOpt = False
            ) -> None:
    """Why no slate exists (minimal conflicts, relaxations that work) or, when one does, what each rule costs in merit.
    A scenario's forced candidates are held, as in select. Writes explanation.json to --out. Exit 0 when every
    pool has a slate, 1 otherwise."""
    inputs = command_inputs(scenario, rules, pool, (individuals, collectives), quotas, skip_hidden_rows)
    atomic.check_output_dir(out, force, inputs.all_files())  # refuse before solving, not after
    with progress() as step:
        step(_("screening eligibility"))
        screening = screen_inputs(inputs)
        explanation = explain_inputs(inputs, eligible=screening.masks, prices=True, screening=screening,
                                     progress=explain_step(inputs, step),
                                     settings=SolverSettings(workers=workers, time_limit=time_limit))
        with atomic.atomic_output_dir(out, force) as tmp:
            write_explanation(tmp, explanation)
    typer.echo(format_explanation(explanation, inputs.ruleset))
    written_to(f"{out}/explanation.json")
    if not all(e.feasible for e in explanation.values()):
        raise typer.Exit(opt.EXIT_NO_SLATE)


@commands.command()
def check(scenario: opt.ScenarioArg = None, rules: opt.RulesOpt = None, pool: opt.PoolOpt = None,
          individuals: opt.IndividualsOpt = None, collectives: opt.CollectivesOpt = None,
          quotas: opt.QuotasOpt = None, out: opt.OutOpt = Path("out/check"), force: opt.ForceOpt = False,
          skip_hidden_rows: opt.SkipHiddenOpt = False) -> None:
    """Read, screen eligibility and check the eligible supply against every rule, without solving. Writes
    screening.csv, supply.csv and check.json to --out. Exit 0 when nothing rules a slate out, 1 when something does
    (a unit short of its quota, a group short of what the rules force), 2 bad input."""
    inputs = command_inputs(scenario, rules, pool, (individuals, collectives), quotas, skip_hidden_rows)
    atomic.check_output_dir(out, force, inputs.all_files())  # refuse before solving, not after
    with progress() as step:
        step(_("eligibility screening and supply arithmetic"))
        result = run_check(inputs)
        folders.write_check(out, inputs, result, force=force)
    typer.echo(terminal.format_screening(inputs, result.screening) + "\n")
    typer.echo(terminal.format_findings(result.findings, inputs))
    for extra in (terminal.format_submissions(result.submissions), terminal.format_exact(result)):  # issue 14
        if extra:
            typer.echo("\n" + extra)
    missing = format_missing(inputs)  # issue 17: clearances still missing, per department (八.5)
    if missing:
        typer.echo("\n" + missing)
    written_to(f"{out}/")
    if not result.ok:
        fatal = [terminal.finding_words(inputs, f) for f in result.findings if f.fatal]
        fatal += [_("{unit}: submitted {has}, needs {need} ({rule})", unit=f.subject, has=f.available, need=f.needed,
                    rule=f"{f.rule} {f.clause} {f.text}") for f in result.submissions if not f.ok]
        fatal += [_("{pool}: the exact test finds no slate", pool=e.pool) for e in result.exact if e.exists is False]
        typer.echo(_("No slate can exist: {why}", why=_("; ").join(fatal)))
        raise typer.Exit(opt.EXIT_NO_SLATE)

