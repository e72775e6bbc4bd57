"""After the public notice (八.3): adjust a published slate with the fewest changes.

`adjust(published_folder, remove=[...], add=[...])` reads the published folder's audit record (its input
files, hashes and solver settings), forces the removed candidates out and the added ones in (model.py's
`fixed:<id>` rules), and solves in this order, each stage proven optimal by CP-SAT (a stage stopped by
the time limit is labelled `feasible`, never `optimal`):

  A. fewest candidates leaving or entering the top award (the published list: 180 labour models, 50
     collectives) against the published slate (model.changes_from);
  B. with A fixed, fewest changes in the subset awards (the special class);
  C. then, as `selector select` does (selector/engine/solve.py): most merit less soft penalties, most
     special-class merit, the tie-break, the uniqueness proof.

The order is selector/engine/stable.py's StableSolver, which also serves the stable what-ifs.
Each change beyond the forced ones is explained: putting that leaver back in place of an entrant gives a
slate with fewer changes, which (the minimum being proven) breaks a rule — the independent verifier names
it, with its id, clause and the notice's sentence. A full re-selection (`selector select` with the same
removals) is solved too, for comparison. When no slate exists with the removals, the explainer
(selector/analysis/explain.py) gives the minimal conflict and the smallest changes of rules or pools.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from selector.domain import SelectionResult, has_slate
from selector.engine.session import SolverSettings
from selector.engine.stable import OBJECTIVE_ORDER, StableSolver
from selector.errors import InputErrors, InputProblem
from selector.i18n import _, label
from selector.outputs.masked import mask_data, mask_text
from selector.outputs.record import AUDIT_FILE, VerifyReport, check_inputs, read_audit, sha256_file
from selector.pipeline import screen_inputs, select
from selector.reading.eligibility import Screening
from selector.reading.inputs import Inputs, load_inputs
from selector.reading.pool import Person, people_by_id
from selector.reading.rules import RuleSet
from selector.verify import VerificationReport, verify_slate

ADJUSTMENT_FILE = "adjustment.json"


# ----------------------------------------------------------------------------------- the published run
@dataclass(frozen=True)
class Published:
    """A published result folder as its audit record gives it."""

    folder: Path
    audit: dict
    audit_sha256: str
    inputs: Inputs
    slate: dict[str, list[str]]  # award id -> ids
    merit: dict[str, str]
    settings: SolverSettings


def load_published(folder: Path | str) -> Published:
    """Read a result folder of `selector select` (or of `selector adjust`): its audit record, the input
    files it names (each must still have its recorded hash) and the slate it recorded."""
    folder = Path(folder)
    audit = read_audit(folder)
    check = VerifyReport(folder)
    paths = check_inputs(check, folder, audit)
    bad = [c for c in check.checks if not c.ok]
    if paths is None or bad:
        raise InputErrors([InputProblem(str(folder / AUDIT_FILE), _(
            "the published run cannot be reproduced: {detail}", detail=c.detail)) for c in bad])
    if not has_slate(audit["status"]):
        raise InputErrors([InputProblem(str(folder), _("the folder records no slate (status {status})",
                                                       status=audit["status"]))])
    roles = dict(paths)
    rules, quotas, scenario = roles.pop("rules"), roles.pop("quotas", None), roles.pop("scenario", None)
    if scenario is not None:
        from selector.reading.scenario import load_scenario_inputs

        inputs = load_scenario_inputs(scenario, rules, roles, quotas).inputs
    else:
        inputs = load_inputs(rules, roles, quotas)
    solver = audit.get("solver", {})
    settings = SolverSettings(workers=int(solver.get("workers", 1)), seed=int(solver.get("seed", 0)))
    slate = {a: list(r["selected"]) for a, r in audit["awards"].items()}
    merit = {a: str(r["merit"]) for a, r in audit["awards"].items()}
    return Published(folder, audit, sha256_file(folder / AUDIT_FILE), inputs, slate, merit, settings)


# ---------------------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class Broken:
    """A rule the verifier finds broken on a slate: id, clause, sentence, what it requires and has."""

    rule: str
    clause: str
    text: str
    required: str
    achieved: str

    def __str__(self) -> str:
        if not self.clause:
            return f"{self.rule}: {self.achieved}"
        return _("{rule} ({clause} “{text}”): required {required}, the slate would have {achieved}",
                 rule=self.rule, clause=self.clause, text=self.text, required=self.required, achieved=self.achieved)


@dataclass(frozen=True)
class Reason:
    """Why one published candidate beyond the forced ones had to leave: keeping them in place of any one
    entrant gives a slate with fewer changes, and each such slate breaks these rules (entrant -> broken)."""

    leaver: Person
    alternatives: list[tuple[Person, list[Broken]]]

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(b.rule for _, broken in self.alternatives for b in broken))


@dataclass
class AwardChange:
    award: str
    name: str
    seats: int
    leave: list[Person]
    enter: list[Person]
    forced_leave: list[str]  # ids removed by the office
    forced_enter: list[str]  # ids added by the office
    merit_before: str
    merit_after: str | None
    full_changes: int | None = None  # leavers + entrants of a full re-selection

    @property
    def changes(self) -> int:
        return len(self.leave) + len(self.enter)

    @property
    def forced(self) -> int:
        """The changes the office's own request makes: each removal and addition, with the seat it frees or
        takes filled (seats are fixed): 2 x max(removed, added)."""
        return 2 * max(len(self.forced_leave), len(self.forced_enter))

    @property
    def extra(self) -> int:
        return max(0, self.changes - self.forced)


@dataclass
class Adjustment:
    published: Published
    remove: list[str]
    add: list[str]
    inputs: Inputs  # the published inputs with the removals and additions as fixed candidates
    screening: Screening
    result: SelectionResult
    record: dict[str, dict]  # pool -> stages A/B: changes, proven, time
    awards: dict[str, AwardChange]
    reasons: list[Reason]
    full: SelectionResult | None  # the full re-selection with the same removals
    explanation: dict | None = None  # pool -> explain.PoolExplanation, when no slate exists
    clash: dict[str, list[str]] = field(default_factory=dict)  # pool -> the minimal conflict in words
    times: dict[str, float] = field(default_factory=dict)

    @property
    def has_slate(self) -> bool:
        return has_slate(self.result.status)

    @property
    def forced_ok(self) -> bool:
        """Every removed candidate is out of every award, every added one in its pool's top award."""
        slate = {a: set(r.selected) for a, r in self.result.awards.items()}
        tops = {a.id for a in self.inputs.ruleset.awards if a.parent is None}
        return not any(c in s for c in self.remove for s in slate.values()) and all(
            any(c in slate.get(a, set()) for a in tops) for c in self.add)

    @property
    def proven(self) -> bool:
        return self.result.status == "optimal" and all(r.get("proven") for r in self.record.values())


def _ids_problems(pub: Published, remove: list[str], add: list[str], screening: Screening) -> list[InputProblem]:
    people = people_by_id(pub.inputs.pools)
    rs = pub.inputs.ruleset
    top_of = {kind: rs.top_award(kind).id for kind in pub.inputs.pools}
    problems = []
    why = {c.id: c for c in screening.candidates}
    for cid in remove:
        p = people.get(cid)
        if p is None:
            problems.append(InputProblem("--remove", _("no candidate '{id}' in the pools", id=cid)))
        elif cid not in pub.slate.get(top_of[p.pool], []):
            problems.append(InputProblem("--remove", _("{who} is not in the published slate", who=p)))
    for cid in add:
        p = people.get(cid)
        if p is None:
            problems.append(InputProblem("--add", _("no candidate '{id}' in the pools", id=cid)))
        elif cid in pub.slate.get(top_of[p.pool], []):
            problems.append(InputProblem("--add", _("{who} is already in the published slate", who=p)))
        elif cid in why and not why[cid].eligible:
            problems.append(InputProblem("--add", _("{who} is not eligible: {reasons}", who=p,
                                                    reasons="; ".join(str(r) for r in why[cid].reasons))))
        if cid in remove:
            problems.append(InputProblem("--add", _("'{id}' is both removed and added", id=cid)))
    return problems


def _broken(rs: RuleSet, report: VerificationReport) -> list[Broken]:
    rules = {r.id: r for r in rs.rules}
    out = [Broken(c.id, rules[c.id].clause, rules[c.id].text, c.required, c.achieved)
           for c in report.checks if c.hard and not c.ok]
    # "quota:<unit>: ..." / "seats:<award>: ..." (Chinese: a full-width colon after the id)
    parts = [re.match(r"((?:quota|seats):[^:：]*)[:：] ?(.*)", v, re.S) for v in report.violations]
    out += [Broken(m[1], "", "", "", m[2]) for m in parts if m]
    return out


def _reasons(inputs: Inputs, ineligible: set[str], slate: dict[str, list[str]], base: dict[str, list[str]],
             remove: list[str], add: list[str], most: int = 8) -> list[Reason]:
    """For each leaver beyond the forced ones and each entrant (at most `most`): the rules the verifier finds
    broken on the adjusted slate with the leaver kept in that entrant's place (a slate with 2 fewer changes;
    when the minimum is proven, every such slate breaks a rule)."""
    rs = inputs.ruleset
    people = people_by_id(inputs.pools)
    out = []
    for kind in inputs.pools:
        top = rs.top_award(kind)
        subs = [a for a in rs.awards if a.parent == top.id]
        new, old = set(slate.get(top.id, [])), set(base.get(top.id, []))
        leavers = [c for c in base.get(top.id, []) if c not in new and c not in set(remove)]
        entrants = [c for c in slate.get(top.id, []) if c not in old and c not in set(add)]
        for leaver in leavers:
            alternatives = []
            for e in entrants[:most]:
                trial = {a: list(v) for a, v in slate.items()}
                trial[top.id] = [c for c in trial[top.id] if c != e] + [leaver]
                for sub in subs:
                    if e in trial.get(sub.id, []):
                        trial[sub.id] = [c for c in trial[sub.id] if c != e] + [leaver]
                broken = _broken(rs, verify_slate(rs, inputs.pools, inputs.quotas, trial, ineligible))
                alternatives.append((people[e], broken))
            out.append(Reason(people[leaver], alternatives))
    return out


def _changes(rs: RuleSet, people: dict[str, Person], base: dict[str, list[str]], merit: dict[str, str],
             result: SelectionResult, remove: list[str], add: list[str]) -> dict[str, AwardChange]:
    out = {}
    for a in rs.awards:
        old = base.get(a.id, [])
        new = result.awards[a.id].selected if a.id in result.awards else []
        gone = [people[c] for c in old if c not in set(new)]
        came = [people[c] for c in new if c not in set(old)]
        has = has_slate(result.status)
        out[a.id] = AwardChange(a.id, label(a, a.id), a.seats, gone if has else [], came if has else [],
                                [c for c in remove if c in old], [c for c in add if a.parent is None and
                                                                  people[c].pool == a.pool],
                                merit.get(a.id, "0"), result.awards[a.id].merit if has else None)
    return out


def adjust(folder: Path | str, remove: list[str], add: list[str] = (), settings: SolverSettings | None = None,
           compare_full: bool = True, explain: bool = True) -> Adjustment:
    """The slate with the removals out and the additions in that changes the fewest published seats (then
    the most merit, the special class, the tie-break), with the reasons, the merit change and a full
    re-selection for comparison; or, when none exists, why (explain.py). Raises InputErrors for bad ids."""
    t0 = time.perf_counter()
    pub = load_published(folder)
    remove, add = list(dict.fromkeys(remove)), list(dict.fromkeys(add))
    if not remove and not add:
        raise InputErrors([InputProblem("--remove", _("name at least one candidate to remove (--remove ID) "
                                                      "or to add (--add ID)"))])
    settings = settings or pub.settings
    screening = screen_inputs(pub.inputs)
    problems = _ids_problems(pub, remove, add, screening)
    if problems:
        raise InputErrors(problems)
    fixed = dict(pub.inputs.fixed) | {c: False for c in remove} | {c: True for c in add}
    inputs = dataclasses.replace(pub.inputs, fixed=fixed)
    solver = StableSolver({a: set(v) for a, v in pub.slate.items()})
    t = time.perf_counter()
    result = select(inputs, settings, eligible=screening.masks, pool_solver=solver)
    result = result.model_copy(update={"screening": screening.summary()})
    times = {"load": round(t - t0, 4), "adjust": round(time.perf_counter() - t, 4)}
    people = people_by_id(inputs.pools)
    ineligible = {c.id for c in screening.screened_out}
    adj = Adjustment(pub, remove, add, inputs, screening, result, solver.record,
                     _changes(inputs.ruleset, people, pub.slate, pub.merit, result, remove, add), [], None,
                     times=times)
    if adj.has_slate:
        slate = {a: list(r.selected) for a, r in result.awards.items()}
        t = time.perf_counter()
        adj.reasons = _reasons(inputs, ineligible, slate, pub.slate, remove, add)
        times["reasons"] = round(time.perf_counter() - t, 4)
        if compare_full:
            t = time.perf_counter()
            adj.full = select(inputs, settings, eligible=screening.masks)
            times["full_reselection"] = round(time.perf_counter() - t, 4)
            if has_slate(adj.full.status):
                for a, ch in adj.awards.items():
                    new = set(adj.full.awards[a].selected)
                    ch.full_changes = len(set(pub.slate.get(a, [])) ^ new)
    elif explain and result.status == "infeasible":
        t = time.perf_counter()
        adj.explanation, adj.clash = _explain(inputs, screening, settings)
        times["explain"] = round(time.perf_counter() - t, 4)
    times["total"] = round(time.perf_counter() - t0, 4)
    return adj


def _explain(inputs: Inputs, screening: Screening, settings: SolverSettings) -> tuple[dict, dict[str, list[str]]]:
    """Why no slate exists with the removals (and additions): a minimal conflict naming the forced
    candidates (`fixed:<id>`), and the explainer's relaxations on the pool without the removed."""
    from selector.analysis.explain import Asking, clash_in_words, explain_pool, find_conflicts

    out, clash = {}, {}
    for kind, pool in inputs.pools.items():
        mask = list(screening.masks.get(kind) or [True] * len(pool))
        mine = {c: v for c, v in inputs.fixed.items() if c in set(pool.ids)}
        ask = Asking(settings, mine or None)
        found = find_conflicts(inputs.ruleset, pool, inputs.quotas, mask, limit=1, ask=ask)
        if not found:
            continue
        removed = [i for i, c in enumerate(pool.ids) if mine.get(c) is False]
        for i in removed:
            mask[i] = False  # out of the pool: the relaxations are those of the pool without them
        out[kind] = explain_pool(inputs.ruleset, pool, inputs.quotas, mask, prices=False, ask=ask)
        rules = [r for r in found[0] if not r.startswith("fixed:")]
        lines = [(_("{rule}: the adjustment brings {id} in", rule=r, id=r.split(":", 1)[1])
                  if mine.get(r.split(":", 1)[1]) else
                  _("{rule}: the adjustment takes {id} out", rule=r, id=r.split(":", 1)[1]))
                 for r in found[0] if r.startswith("fixed:")]
        clash[kind] = lines + (clash_in_words(inputs.ruleset, pool, inputs.quotas, mask, rules) if rules else [])
    return out, clash


# ------------------------------------------------------------------------------------------ the report
def format_adjustment(adj: Adjustment) -> str:
    """The report a person reads (Chinese by default): who leaves and enters, why, the merit change, and
    the comparison with a full re-selection; or why no slate exists."""
    pub = adj.published
    lines = [_("Adjustment of the published slate {folder} (audit.json SHA-256 {sha})",
               folder=pub.folder, sha=pub.audit_sha256[:12])]
    lines.append(_("Removed: {ids}; added: {added}", ids=", ".join(adj.remove) or "-", added=", ".join(adj.add) or "-"))
    if not adj.has_slate:
        if adj.result.status == "infeasible":
            lines.append(_("No slate meets every rule with these removals."))
        else:
            lines.append(_("No slate was found within the time limit."))
        for kind, text in adj.clash.items():
            lines.append(_("Minimal conflict ({pool}):", pool=kind))
            lines += [f"  {t}" for t in text]
        for kind, e in (adj.explanation or {}).items():
            if e.relaxations:
                lines.append(_("Smallest changes that let a slate exist ({pool}, each checked by solving):",
                               pool=kind))
                for r in e.relaxations:
                    kind_word = {"rule": _("a rule's value"), "combination": _("rules together"),
                                 "pool": _("candidates to add")}.get(r.kind, r.kind)
                    lines.append(f"  [{kind_word}] {r.describe()}")
        return mask_text("\n".join(lines))
    status = _("proven optimal at every stage") if adj.proven else _(
        "NOT proven optimal (a time limit stopped a stage): the slate meets every rule, fewer changes may exist")
    lines.append(_("Status: {status}; verified by the independent checker: {ok}", status=status,
                   ok=_("yes") if adj.result.verified else _("no")))
    for a, ch in adj.awards.items():
        lines.append("")
        lines.append(_("{name} ({award}, {seats} seats): {n} changes ({leave} leave, {enter} enter), {extra} beyond "
                       "the removals and additions and the seats they free", name=ch.name, award=a, seats=ch.seats,
                       n=ch.changes, leave=len(ch.leave),
                       enter=len(ch.enter), extra=ch.extra))
        for p in ch.leave:
            why = _("removed by the office") if p.id in ch.forced_leave else _("to keep the rules (see below)")
            lines.append("  - " + _("leaves: {who} — {why}", who=p, why=why))
        for p in ch.enter:
            why = _("added by the office") if p.id in ch.forced_enter else _("replacement")
            lines.append("  + " + _("enters: {who} — {why}", who=p, why=why))
        if ch.merit_after is not None:
            delta = format(Decimal(ch.merit_after) - Decimal(ch.merit_before), "+")
            lines.append("  " + _("merit {before} -> {after} ({delta})", before=ch.merit_before,
                                  after=ch.merit_after, delta=delta))
        if ch.full_changes is not None:
            more = ch.full_changes - ch.changes
            lines.append("  " + _("a full re-selection would change {full} ({more} more than this adjustment)",
                                  full=ch.full_changes, more=more))
    if adj.reasons:
        lines.append("")
        lines.append(_("Why each change beyond the forced ones was needed (the adjusted slate with one swap "
                       "undone, re-checked by the independent verifier):"))
        for r in adj.reasons:
            lines.append("  " + _("{who} could not stay:", who=r.leaver))
            for entrant, broken in r.alternatives:
                if broken:
                    lines.append("    " + _("kept instead of {other}, the slate would break:", other=entrant))
                    lines += [f"      {b}" for b in broken]
                else:
                    lines.append("    " + _("kept instead of {other}, the slate breaks no rule: the minimum was "
                                          "not proven", other=entrant))
    return mask_text("\n".join(lines))  # ID-card and phone numbers masked


def adjustment_json(adj: Adjustment) -> dict:
    def person(p: Person) -> dict:
        return dataclasses.asdict(p)

    published = {"folder": str(adj.published.folder.resolve()), "audit_sha256": adj.published.audit_sha256,
                 "created": adj.published.audit.get("created")}
    return {"published": published} | mask_data({  # type: ignore[operator]  # ID-card and phone numbers masked
        "remove": adj.remove, "add": adj.add, "status": adj.result.status, "proven": adj.proven,
        "objective_order": OBJECTIVE_ORDER, "stages": adj.record,
        "awards": {a: {"leave": [person(p) for p in ch.leave], "enter": [person(p) for p in ch.enter],
                       "changes": ch.changes, "extra_changes": ch.extra,
                       "forced_leave": ch.forced_leave, "forced_enter": ch.forced_enter,
                       "merit_before": ch.merit_before, "merit_after": ch.merit_after,
                       "full_reselection_changes": ch.full_changes} for a, ch in adj.awards.items()},
        "reasons": [{"leaver": r.leaver.id, "rules": r.rules,
                     "alternatives": [{"instead_of": e.id, "broken": [dataclasses.asdict(b) for b in broken]}
                                      for e, broken in r.alternatives]} for r in adj.reasons],
        "conflicts": adj.clash, "times": adj.times,
    })


def audit_link(adj: Adjustment) -> dict:
    """The entry `adjustment` of the adjusted folder's audit.json: the published record and its hash, the
    forced candidates and who left and entered (re-checked by `selector verify`:
    selector/outputs/recheck_numbers.py, check_adjustment). The folder itself: outputs/folders.write_adjustment."""
    return {"adjustment": {
        "published": {"folder": str(adj.published.folder.resolve()), "audit_sha256": adj.published.audit_sha256},
        "remove": adj.remove, "add": adj.add, "objective_order": OBJECTIVE_ORDER, "proven": adj.proven,
        "changes": {a: {"leave": [p.id for p in ch.leave], "enter": [p.id for p in ch.enter]}
                    for a, ch in adj.awards.items()}}}
