"""`selector verify` beyond the files (selector/outputs/recheck.py calls these): every number the folder
states against the slate it holds (objective, bound, status), no better slate by one swap, the slate
solved again (--resolve), and an adjusted folder's link to the published one (issue 15)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from selector.domain import SelectionResult, has_slate
from selector.engine.solve import SolverSettings
from selector.i18n import _
from selector.outputs.record import AUDIT_FILE, VerifyReport, ids_diff, sha256_file
from selector.pipeline import select_screened
from selector.reading.inputs import Inputs
from selector.verify import verify_slate


def _soft_penalty(rs, checks, pool: str) -> Decimal:
    by_id = {c.id: c for c in checks}
    return sum((Decimal(str(r.weight)) * by_id[r.id].short for r in rs.rules_of_pool(pool)
                if not r.hard and r.id in by_id), Decimal(0))


def check_numbers(report: VerifyReport, inputs: Inputs, result: SelectionResult, audit: dict) -> None:
    """Every number the folder states, against the slate it holds: per pool the objective (the top award's
    merit less soft penalties), the bound and the status; summary.json against audit.json."""
    rs = inputs.ruleset
    slate = {a: list(r.selected) for a, r in result.awards.items()}
    ineligible = set((audit.get("screening") or {}).get("ineligible", []))
    checks = verify_slate(rs, inputs.pools, inputs.quotas, slate, ineligible, fixed=inputs.fixed or None).checks
    bad = []
    for kind, p in result.pools.items():
        rec = (audit.get("pools") or {}).get(kind) or {}
        for key in ("status", "objective", "bound"):
            if rec.get(key) != getattr(p, key):
                bad.append(_("{pool}: summary.json has {key} {mine}, audit.json {theirs}", pool=kind, key=key,
                             mine=getattr(p, key), theirs=rec.get(key)))
        if not has_slate(p.status) or kind not in rs.pools:
            continue
        tops = [a.id for a in rs.top_awards(kind) if a.id in result.awards]  # disjoint titles: every one counts
        if not tops:
            continue
        scores = dict(zip(inputs.pools[kind].table["id"], inputs.pools[kind].table["score"]))
        merit = sum((scores.get(c, Decimal(0)) for t in tops for c in slate.get(t, [])), Decimal(0))
        expected = merit - _soft_penalty(rs, checks, kind)
        try:
            objective = Decimal(p.objective) if p.objective is not None else None
            bound = Decimal(p.bound) if p.bound is not None else None
        except ArithmeticError:
            bad.append(_("{pool}: objective or bound is not a number", pool=kind))
            continue
        if objective is None or bound is None:
            bad.append(_("{pool}: a slate is recorded ({status}) without its objective and bound", pool=kind,
                         status=p.status))
            continue
        if p.status == "optimal" and objective != expected:
            bad.append(_("{pool}: recorded optimal with objective {objective}, but the slate it holds gives "
                         "{expected} (merit {merit} less soft penalties)", pool=kind, objective=objective,
                         expected=expected, merit=merit))
        elif p.status == "feasible" and objective > expected:
            bad.append(_("{pool}: objective {objective} is more than the slate it holds gives ({expected})",
                         pool=kind, objective=objective, expected=expected))
        if p.status == "optimal" and bound != objective:
            bad.append(_("{pool}: recorded optimal, but its bound {bound} differs from its objective {objective}",
                         pool=kind, bound=bound, objective=objective))
        if bound < objective:
            bad.append(_("{pool}: bound {bound} is below the objective {objective}", pool=kind, bound=bound,
                         objective=objective))
    report.add(_("objective, bound and status agree with the slate"), not bad, "; ".join(bad[:6]))
    if not bad:
        _check_no_better_swap(report, inputs, result, audit, slate, ineligible, checks)


def _check_no_better_swap(report: VerifyReport, inputs: Inputs, result: SelectionResult, audit: dict,
                          slate: dict[str, list[str]], ineligible: set[str], checks) -> None:
    """A slate recorded as optimal has no swap, of a selected candidate for a passed-over eligible one of the
    same unit and the same groups with a higher score, that keeps every rule and raises the merit (such a
    swap leaves every count the same, so no solver is needed to see it is better). Each swap found is
    confirmed by the independent verifier."""
    rs = inputs.ruleset
    found = []
    for kind, p in result.pools.items():
        if p.status != "optimal" or kind not in rs.pools:
            continue
        table = inputs.pools[kind].table
        groups = [g for g, spec in rs.groups.items() if spec.pool == kind]
        masks = [rs.group_mask(g, table) for g in groups]
        ids = [str(i) for i in table["id"]]
        columns = [[str(u) for u in table["unit"]], *(list(m) for m in masks)]  # by column: a row at a time was slow
        sign = dict(zip(ids, zip(*columns)))
        score = dict(zip(ids, table["score"]))
        chosen = {c for a in rs.top_awards(kind) for c in slate.get(a.id, [])}  # every title of the pool
        fixed = inputs.fixed or {}
        best_out: dict[tuple, str] = {}  # signature -> the best passed-over eligible candidate
        for i in ids:
            if i not in chosen and i not in ineligible and fixed.get(i) is not False:
                if sign[i] not in best_out or score[i] > score[best_out[sign[i]]]:
                    best_out[sign[i]] = i
        for c in sorted(chosen, key=lambda c: score.get(c, 0)):
            d = best_out.get(sign.get(c))
            if d is None or fixed.get(c) is True or score[d] <= score[c]:
                continue
            swapped = {a: [d if x == c else x for x in v] for a, v in slate.items()}
            vr = verify_slate(rs, inputs.pools, inputs.quotas, swapped, ineligible, fixed=fixed or None)
            if vr.ok and _soft_penalty(rs, vr.checks, kind) <= _soft_penalty(rs, checks, kind):
                found.append(_("{pool}: {d} (score {sd}) in place of {c} (score {sc}) keeps every rule and raises "
                               "the merit", pool=kind, d=d, sd=score[d], c=c, sc=score[c]))
                break
    report.add(_("no better slate by one swap (a slate recorded optimal)"), not found,
               "; ".join(found) + (_(": the slate is not optimal") if found else ""))


def check_resolved(report: VerifyReport, inputs: Inputs, result: SelectionResult, audit: dict) -> None:
    """Solve again from the recorded inputs (any number of workers gives the same slate) and compare."""
    solver = audit.get("solver") or {}
    settings = SolverSettings(workers=1, seed=int(solver.get("seed", 0) or 0), fast=bool(solver.get("fast", True)))
    _screening, again = select_screened(inputs, settings)
    same = again.status == result.status and all(
        list(again.awards[a].selected) == list(r.selected) for a, r in result.awards.items() if a in again.awards)
    if same:
        report.add(_("re-solved: the recorded slate is the canonical optimum"), True,
                   _("solved again from the recorded inputs: status {status}, the same slate", status=again.status))
        return
    diffs = [f"{a}: " + ids_diff(_("the re-solved slate"), list(r.selected), list(again.awards[a].selected))
             for a, r in result.awards.items() if a in again.awards
             and list(again.awards[a].selected) != list(r.selected)]
    merit = ", ".join(f"{a} {again.awards[a].merit} / {r.merit}" for a, r in result.awards.items()
                      if a in again.awards)
    report.add(_("re-solved: the recorded slate is the canonical optimum"), False,
               _("solving again gives status {status} and another slate (merit re-solved / recorded: {merit}); {diffs}",
                 status=again.status, merit=merit, diffs="; ".join(diffs[:4])))


def check_adjustment(report: VerifyReport, folder: Path, audit: dict, result: SelectionResult) -> None:
    """`selector verify` on an adjusted folder: the published record still has the hash recorded, the
    inputs are the published ones, the removed are out and the added in, and who left and entered is as
    recorded (the slate itself is re-checked by the verifier as for any folder)."""
    link = audit.get("adjustment")
    if not link:
        return
    pub_folder = Path(link["published"]["folder"])
    pub_audit = pub_folder / AUDIT_FILE
    if not pub_audit.exists():
        report.add(_("adjustment: published record"), False, _("{path} is missing", path=pub_audit))
        return
    now = sha256_file(pub_audit)
    same = now == link["published"]["audit_sha256"]
    report.add(_("adjustment: published record"), same,
               _("{path}: SHA-256 {sha} as recorded", path=pub_audit, sha=now[:12]) if same else
               _("{path} changed since the adjustment (recorded {old}, now {new})", path=pub_audit,
                 old=link["published"]["audit_sha256"][:12], new=now[:12]))
    if not same:
        return
    published = json.loads(pub_audit.read_text(encoding="utf-8"))
    differ = [role for role, rec in audit["inputs"].items()
              if published["inputs"].get(role, {}).get("sha256") != rec.get("sha256")]
    report.add(_("adjustment: same inputs as the published run"), not differ, ", ".join(differ) or
               _("{n} input files", n=len(audit["inputs"])))
    slate = {a: set(r.selected) for a, r in result.awards.items()}
    wrong = [c for c in link["remove"] if any(c in s for s in slate.values())]
    tops = {a for a, rec in published["awards"].items()}
    missing = [c for c in link["add"] if not any(c in slate[a] for a in tops if a in slate)]
    report.add(_("adjustment: forced candidates"), not wrong and not missing,
               "; ".join([_("removed but selected: {ids}", ids=", ".join(wrong))] * bool(wrong)
                         + [_("added but not selected: {ids}", ids=", ".join(missing))] * bool(missing))
               or _("{r} removed, {a} added", r=len(link["remove"]), a=len(link["add"])))
    bad = []
    for a, rec in link["changes"].items():
        old = set(published["awards"].get(a, {}).get("selected", []))
        new = slate.get(a, set())
        if sorted(old - new) != sorted(rec["leave"]) or sorted(new - old) != sorted(rec["enter"]):
            bad.append(a)
    report.add(_("adjustment: leavers and entrants as recorded"), not bad, ", ".join(bad) or _(
        "{n} changes", n=sum(len(r["leave"]) + len(r["enter"]) for r in link["changes"].values())))
