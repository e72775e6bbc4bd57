"""A round and its what-ifs: the uploaded (or sample) files loaded as the CLI loads them, every problem kept
per file for the page; the what-if form as a scenario file over the round's, checked before it is solved."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile

from selector.errors import InputErrors
from selector.i18n import _
from selector.interfaces.pools import declared_pools
from selector.interfaces.web import jobs
from selector.interfaces.web.files import copy_companions, given, role_of, save_upload, shown
from selector.interfaces.web.state import SAMPLE_RULES, Round, Session, Workbench
from selector.pipeline import check
from selector.reading.inputs import load_inputs
from selector.reading.rule_checks import load_ruleset
from selector.reading.scenario import load_scenario_inputs, scenario_toml


# ------------------------------------------------------------------------------------------ a round
async def load_round(wb: Workbench, sess: Session, form, sample: bool = False) -> bool:
    """Save the uploaded files in a fresh folder and load them all; on any problem nothing replaces the
    round in use (the new folder is removed) and the problems are kept per file for the page."""
    folder = sess.folder / sess.next("round")
    names: dict[str, str] = {}
    paths: dict[str, Path] = {}
    problems: dict[str, list[str]] = {}
    try:
        # the rule set: picked from models/ (copied with its quota table) or uploaded
        upload = form.get("rules_file")
        if sample:
            chosen = wb.models / SAMPLE_RULES
            sess.chosen = SAMPLE_RULES
        elif given(upload):
            chosen = None
            paths["rules"], names["rules"] = await save_upload(upload, folder / "rules", "rules.toml")
        else:
            pick = str(form.get("rules") or "")
            chosen = wb.models / Path(pick).name if pick else None
            sess.chosen = chosen.name if chosen is not None and chosen.is_file() else sess.chosen
            if chosen is None or not chosen.is_file() or chosen.suffix != ".toml":
                problems["rules"] = [_("Choose a rule set or upload one.")]
                return False
        if chosen is not None:
            dest = folder / "rules" / chosen.name
            dest.parent.mkdir(parents=True)
            shutil.copyfile(chosen, dest)
            copy_companions(chosen, dest.parent)
            paths["rules"], names["rules"] = dest, chosen.name
        try:
            ruleset = load_ruleset(paths["rules"])
        except InputErrors as e:
            problems["rules"] = [shown(p, folder) for p in e.problems]
            return False
        pools: dict[str, Path] = {}
        for kind, _label in declared_pools(ruleset):  # a field per pool, as the CLI's --pool
            if sample:
                src = wb.sample / f"{kind}.csv"
                dest = folder / kind / src.name
                dest.parent.mkdir(parents=True)
                shutil.copyfile(src, dest)
                pools[kind], names[kind] = dest, src.name
            elif given(form.get(f"pool_{kind}")):
                pools[kind], names[kind] = await save_upload(form.get(f"pool_{kind}"), folder / kind, f"{kind}.csv")
            else:
                problems.setdefault(kind, []).append(_("Upload this pool's file (CSV or XLSX)."))
        quotas = None
        if not sample and given(form.get("quotas_file")):
            quotas, names["quotas"] = await save_upload(form.get("quotas_file"), folder / "quotas", "quotas.csv")
            paths["quotas"] = quotas
        paths |= pools
        if problems:
            return False
        try:
            inputs = load_inputs(paths["rules"], pools, quotas)
            checked = check(inputs)
        except InputErrors as e:
            for p in e.problems:
                problems.setdefault(role_of(p, paths), []).append(shown(p, folder))
            return False
        # the base scenario of every what-if: the same files, named relative to the round folder
        scenario = folder / "scenario.toml"
        files = {"rules": paths["rules"].relative_to(folder).as_posix(),
                 "pools": {k: p.relative_to(folder).as_posix() for k, p in pools.items()},
                 "quotas": quotas.relative_to(folder).as_posix() if quotas else None}
        scenario.write_text(scenario_toml({}, title=ruleset.title_zh, files=files), encoding="utf-8")
        sess.stop_jobs()
        old = sess.round
        sess.round = Round(folder, paths["rules"], pools, quotas, names, inputs, checked, scenario)
        sess.base, sess.whatifs, sess.whatif_problems = None, [], []
        if old is not None:
            shutil.rmtree(old.folder, ignore_errors=True)
        return True
    finally:
        sess.problems = problems
        if problems:
            shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------------------ what-ifs
def _ids(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,，;；、]+", text.strip()) if t]


def whatif_overrides(rnd: Round, form) -> tuple[dict[str, Any], list[str]]:
    """The what-if form as overrides in the scenario file's syntax, and what is wrong with it."""
    data: dict[str, Any] = {}
    problems: list[str] = []
    rs = rnd.inputs.ruleset
    n = str(form.get("move_n") or "").strip()
    if n and n != "0":
        award, src, dst = (str(form.get(k) or "") for k in ("move_award", "move_from", "move_to"))
        table = rnd.inputs.quotas.of(award)
        if not n.isdigit():
            problems.append(_("Seats to move: '{n}' is not a whole number.", n=n))
        elif table is None or src not in table or dst not in table:
            problems.append(_("Seats to move: choose an award and two units of the quota table."))
        elif src == dst:
            problems.append(_("Seats to move: the two units are the same."))
        else:
            data["quotas"] = {src: {award: table[src] - int(n)}, dst: {award: table[dst] + int(n)}}
    rules: dict[str, dict[str, Any]] = {}
    share_rule, share = str(form.get("share_rule") or ""), str(form.get("share_value") or "").strip()
    if share_rule and share:
        rules.setdefault(share_rule, {})["share"] = share
    hard_rule, hardness = str(form.get("hard_rule") or ""), str(form.get("hardness") or "")
    if hard_rule and hardness in ("hard", "soft"):
        change: dict[str, Any] = {"hard": hardness == "hard"}
        if hardness == "soft":
            w = str(form.get("weight") or "5").strip()
            try:
                change["weight"] = int(w) if w.isdigit() else float(w)
            except ValueError:
                problems.append(_("Weight: '{w}' is not a number.", w=w))
        rules.setdefault(hard_rule, {}).update(change)
    if rules:
        data["rules"] = rules
    for key in ("force_in", "force_out"):
        ids = _ids(str(form.get(key) or ""))
        if ids:
            data[key] = ids
    known = {r.id for r in rs.rules}
    for rid in rules:
        if rid not in known:
            problems.append(_("No rule '{rule}' in this rule set.", rule=rid))
    return data, problems


async def start_whatif(wb: Workbench, sess: Session, overrides: dict[str, Any], title: str, description: str,
                       extras: dict[str, UploadFile], problems: list[str]) -> None:
    rnd = sess.round
    assert rnd is not None and sess.base is not None
    wid = sess.next("whatif")
    extra_folder = rnd.folder / wid
    for key, upload in extras.items():  # late submissions: extra_<pool> = file
        path, _name = await save_upload(upload, extra_folder, f"{key}.csv")
        overrides[key] = path.relative_to(rnd.folder).as_posix()
    if not overrides and not problems:
        problems.append(_("Nothing to change: fill in at least one what-if."))
    if problems:
        sess.whatif_problems = problems
        shutil.rmtree(extra_folder, ignore_errors=True)
        return
    path = rnd.folder / f"{wid}.toml"
    path.write_text(scenario_toml(overrides, base="scenario.toml", title=title or wid, description=description),
                    encoding="utf-8")
    try:  # every problem of the scenario now, next to the form, before anything is solved
        load_scenario_inputs(path)
    except InputErrors as e:
        sess.whatif_problems = [shown(p, rnd.folder) for p in e.problems]
        path.unlink()
        shutil.rmtree(extra_folder, ignore_errors=True)
        return
    sess.whatif_problems = []
    job = jobs.start(wid, "whatif", sess.folder / "jobs" / wid, jobs.run_whatif,
                     (rnd.scenario, path, sess.base.folder, sess.lang), title=title or wid, scenario=path)
    sess.whatifs.insert(0, job)

