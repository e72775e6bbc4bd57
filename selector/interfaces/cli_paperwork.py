"""The commands about a round's paperwork and records: `template` (blank XLSX pools with the rule set's
headers), `forms` (the notice's consultation forms, tracker, 公示名单, 推荐审批表 and 承诺书 as DOCX) and
`verify` (re-checking a result folder against its audit record, without solving).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from selector.errors import InputErrors, InputProblem
from selector.i18n import N_, _
from selector.interfaces import options as opt
from selector.interfaces.options import command_inputs
from selector.outputs.atomic import atomic_output_dir, check_output_dir
from selector.outputs.form_layout import has_forms
from selector.outputs.forms import format_written, result_inputs, write_forms
from selector.outputs.recheck import format_verify, verify_folder
from selector.outputs.templates import write_templates
from selector.reading.quotas import default_quota_path, read_quotas
from selector.reading.rule_checks import load_ruleset

commands = typer.Typer()


# ---------------------------------------------------------------- paperwork and audit (issue 6)
@commands.command()
def template(rules: Annotated[Path, typer.Option("--rules", help=N_("Rule-set TOML (models/)."))],
             out: opt.OutOpt = Path("out/template"), force: opt.ForceOpt = False) -> None:
    """Blank XLSX pools (one per pool of the rule set) and quota table with the rule set's Chinese headers, drop-downs
    for every category and yes/no column, and a sheet 说明 explaining each column."""
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
    for p in written:
        typer.echo(_("Written to {path}", path=out / p.name))


@commands.command()
def verify(folder: Annotated[Path, typer.Argument(help=N_("A result folder written by `selector select`."))],
           resolve: Annotated[bool, typer.Option("--resolve", help=N_(
               "Also solve again from the recorded inputs and confirm the slate is the canonical optimum."))] = False
           ) -> None:
    """Re-check a result folder against its audit.json without solving: the input files have their recorded hashes,
    every rule holds on the recorded slate (independent verifier), the merit is as recorded and the tables
    regenerate byte for byte. Exit 0 pass, 1 fail (saying what differs), 2 not a result folder."""
    with opt.progress():  # on a terminal: the step under way, and each step's time
        report = verify_folder(folder, resolve=resolve)
    typer.echo(format_verify(report))
    if not report.ok:
        raise typer.Exit(opt.EXIT_NO_SLATE)



# ---------------------------------------------------------------- the other paperwork (issue 17)
@commands.command()
def forms(source: Annotated[Optional[Path], typer.Argument(help=N_(
              "A scenario file, or a result folder of `selector select` (its inputs and slate)."))] = None,
          rules: opt.RulesOpt = None, pool: opt.PoolOpt = None, individuals: opt.IndividualsOpt = None,
          collectives: opt.CollectivesOpt = None, quotas: opt.QuotasOpt = None, out: opt.OutOpt = Path("out/forms"),
          force: opt.ForceOpt = False,
          slate_only: Annotated[bool, typer.Option("--slate-only", help=N_(
              "Consultation forms and pledges for the selected candidates only."))] = False) -> None:
    """The notice's other paperwork as Word/WPS documents (DOCX, A4) into --out: a consultation form per candidate who
    needs one (附件2/附件3, departments from the rule set's eligibility rules), a bundle per department, the
    clearance tracker (XLSX), a 承诺书 per unit and, for a result folder, the 公示名单 and a 推荐审批表 per selected
    candidate. Exit 0 written, 2 bad input."""
    result = None
    if source is not None and source.is_dir():
        with opt.progress() as step:  # on a terminal: the step under way, and each step's time
            step(_("reading the result folder"))
            inputs, result = result_inputs(source)
    else:
        inputs = command_inputs(source, rules, pool, (individuals, collectives), quotas)
    if not has_forms(inputs.ruleset):
        raise InputErrors([InputProblem(str(inputs.ruleset_path),
                                        _("the rule set declares no forms ([paperwork.forms])"))])
    check_output_dir(out, force, inputs.all_files())
    with opt.progress() as step, atomic_output_dir(out, force, inputs.all_files(), marker=True) as tmp:
        step(_("writing forms/"))
        written = write_forms(tmp, inputs, result, slate_only=slate_only)
    typer.echo(format_written(written, out))
