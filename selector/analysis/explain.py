"""Explaining: why no slate meets the rules, what the least change is, and what each rule costs.

The explainer's public face: `explain_pool` / `explain_inputs` put together, for each pool, the minimal
conflicts (selector/analysis/conflicts.py), the shortfalls in words (shortfalls.py), the relaxations and rule
prices (relaxations.py) and the next steps by who can act (next_steps.py); `format_explanation` is the
terminal view, `explanation_json` / `write_explanation` the file. What each kind of rule means and how it
reads comes from selector/reading/kinds.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from selector.analysis.conflicts import (
    ASK,
    MAX_CONFLICTS,
    Asking,
    RuleText,
    clash_in_words,
    class_pool,
    find_conflicts,
    rule_texts,
    search_conflicts,
)
from selector.analysis.cross_conflicts import tied_conflict
from selector.analysis.next_steps import (
    ACTORS,
    Action,
    forcing_actions,
    leadership_actions,
    office_actions,
    unit_actions,
)
from selector.analysis.relaxations import (
    MAX_MENU,
    Price,
    Relaxation,
    cheapest_relaxations,
    loosest_rule_values,
    pool_additions,
    rule_prices,
)
from selector.analysis.shortfalls import finding_sentence, shortfall_words
from selector.analysis.supply import pool_findings
from selector.engine.model import tied_pools
from selector.engine.session import SolverSettings
from selector.i18n import _, label
from selector.outputs.masked import mask_data, mask_text
from selector.reading.kinds import rule_name
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import RuleSet

__all__ = [  # the explainer's parts, importable from here as before the split
    "ACTORS", "ASK", "MAX_CONFLICTS", "MAX_MENU", "Action", "Asking", "PoolExplanation", "Price", "Relaxation",
    "RuleText",
    "cheapest_relaxations", "clash_in_words", "class_pool", "explain_inputs", "explain_pool", "explanation_json",
    "find_conflicts", "finding_sentence", "format_explanation", "leadership_actions", "loosest_rule_values",
    "next_steps", "office_actions", "pool_additions", "rule_name", "rule_prices", "rule_texts", "shortfall_words",
    "unit_actions", "write_explanation"]

def UNDECIDED() -> str:  # noqa: N802 (a message, read in the language of the moment)
    return _("Whether any slate meets every rule was not decided within the work allowed per question (or the "
             "run's --time-limit): no conflict is named and no slate is claimed.")


@dataclass
class PoolExplanation:
    pool: str
    feasible: bool
    conflicts: list[list[str]] = field(default_factory=list)
    rules: dict[str, RuleText] = field(default_factory=dict)
    relaxations: list[Relaxation] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    arithmetic: list = field(default_factory=list)  # supply.Finding that failed: demand beyond eligible supply
    forced_ineligible: list[dict] = field(default_factory=list)  # forced in, screened out: id, name, unit, reasons
    actions: list[Action] = field(default_factory=list)  # next steps, units first, the leadership group last
    shortfalls: list[str] = field(default_factory=list)  # each failed finding in words, with who was screened out
    undecided: bool = False  # whether any slate exists was not decided within the questions' work: nothing claimed
    unproven: list[int] = field(default_factory=list)  # conflicts (by index) shown infeasible, minimality undecided


def next_steps(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible, exp: PoolExplanation, screening=None,
               ask: Asking = ASK) -> list[Action]:
    """The actions, ranked by who can act: units (补报), the office (调剂; undoing a what-if's forcing), the
    leadership group."""
    actions = unit_actions(ruleset, pool, quotas, eligible, exp.conflicts, exp.arithmetic, screening, ask)
    actions += office_actions(ruleset, pool, quotas, eligible, exp.conflicts, ask)
    actions += forcing_actions(ruleset, pool, quotas, eligible, exp.conflicts, ask)
    actions += leadership_actions(ruleset, pool, quotas, eligible, exp.conflicts, exp.relaxations, ask)
    return sorted(actions, key=lambda a: ACTORS.index(a.actor))  # stable: each actor's own order kept


def explain_pool(ruleset: RuleSet, pool: Pool, quotas: Quotas, eligible: list[bool] | None = None,
                 prices: bool = True, screening=None, progress=None, ask: Asking = ASK) -> PoolExplanation:
    """The whole explanation for one pool: conflicts, relaxations and next steps (units, then the office,
    then the leadership group) if infeasible, else prices. `screening` (eligibility.Screening) lets a
    shortfall name the candidates screened out; `progress(step)` is told each step as it starts; `ask`: the
    run's solver settings and a what-if's forced candidates, held in every question."""
    step = progress or (lambda _name: None)
    texts = rule_texts(ruleset, pool, quotas)
    step(_("minimal conflicts"))
    searched = search_conflicts(ruleset, pool, quotas, eligible, ask=ask)
    conflicts = searched.found
    if searched.undecided:  # never "a slate exists": say that it was not decided, and the arithmetic
        exp = PoolExplanation(pool.kind, False, rules=texts, undecided=True)
        exp.arithmetic = [f for f in pool_findings(ruleset, pool, quotas, eligible) if not f.ok]
        exp.shortfalls = shortfall_words(ruleset, pool, exp.arithmetic, screening)
        return exp
    if not conflicts:
        exp = PoolExplanation(pool.kind, True, rules=texts)
        if prices:
            step(_("what each rule costs"))
            exp.prices = rule_prices(ruleset, pool, quotas, eligible, ask)
        return exp
    exp = PoolExplanation(pool.kind, False, conflicts, texts, unproven=searched.unproven)
    exp.arithmetic = [f for f in pool_findings(ruleset, pool, quotas, eligible) if not f.ok]
    exp.shortfalls = shortfall_words(ruleset, pool, exp.arithmetic, screening)
    in_conflicts = list(dict.fromkeys(r for c in conflicts for r in c))
    step(_("loosest rule values"))
    witnesses: list = []  # the loosest values' slates: answers of the menu that relax one rule
    exp.relaxations = loosest_rule_values(ruleset, pool, quotas, eligible, in_conflicts, ask, witnesses)
    step(_("candidates to add"))
    exp.relaxations += pool_additions(ruleset, pool, quotas, eligible, conflicts, ask)
    step(_("cheapest combined relaxation"))
    exp.relaxations += cheapest_relaxations(ruleset, pool, quotas, eligible, ask=ask, witnesses=witnesses)
    step(_("next steps for units, the office and the leadership group"))
    exp.actions = next_steps(ruleset, pool, quotas, eligible, exp, screening, ask)
    return exp


def forced_ineligible(inputs, screening) -> dict[str, list[dict]]:
    """Per pool, the candidates a what-if forces in although screening excludes them (issue 11, 16): no
    slate can hold them, whatever the rules. Each: id, name, unit and the screening's reasons."""
    out: dict[str, list[dict]] = {}
    for c in screening.screened_out:
        if inputs.fixed.get(c.id) is True:
            out.setdefault(c.pool, []).append({"id": c.id, "name": c.name, "unit": c.unit,
                                               "reasons": [str(r) for r in c.reasons]})
    return out


def explain_inputs(inputs, eligible: dict[str, list[bool]] | None = None, prices: bool = True, screening=None,
                   progress=None, settings: SolverSettings | None = None) -> dict[str, PoolExplanation]:
    """explain_pool for every pool of a run (Inputs from selector.pipeline), with the run's forced candidates
    (`inputs.fixed`) held and its solver `settings` (workers, seed, time limit). With the run's `screening`, a
    pool where a forced-in candidate is ineligible is explained by that candidate and its reasons, and a
    shortfall names the candidates screened out; `progress(pool, step)` is told each step."""
    out = {}
    forced = forced_ineligible(inputs, screening) if screening is not None else {}
    for kind, pool in inputs.pools.items():
        mask = eligible.get(kind) if eligible else None
        if mask is None and screening is not None:
            mask = screening.masks.get(kind)
        told = (lambda name, kind=kind: progress(kind, name)) if progress is not None else None
        mine = {c: v for c, v in inputs.fixed.items() if c in set(pool.ids)}
        ask = Asking(settings or SolverSettings(), mine or None)
        exp = explain_pool(inputs.ruleset, pool, inputs.quotas, mask, prices=prices, screening=screening,
                           progress=told, ask=ask)
        if forced.get(kind):
            exp.feasible = False
            exp.forced_ineligible = forced[kind]
        if not exp.feasible:
            exp.notes = [line for i, c in enumerate(exp.conflicts, start=1)
                         for line in [_("conflict {i}:", i=i)]
                         + clash_in_words(inputs.ruleset, pool, inputs.quotas, mask, c)
                         + ([_("(shown to have no slate; within the work allowed not proven minimal: a rule of it "
                               "may be dropped)")] if i - 1 in exp.unproven else [])]
            if exp.undecided:
                exp.notes = [UNDECIDED()]
        out[kind] = exp
    for group in tied_pools(inputs.ruleset, list(inputs.pools)):  # issue 14, 5: rules across awards
        out["+".join(group)] = _tied(inputs, group, {k: (eligible or {}).get(k) if eligible else
                                                     (screening.masks.get(k) if screening is not None else None)
                                                     for k in group}, out)
    return out


def _tied(inputs, group: list[str], masks, out: dict[str, PoolExplanation]) -> PoolExplanation:
    """The pools tied by rules across awards, together: a minimal conflict when each has a slate alone but not
    together (analysis/cross_conflicts.py); else a note that the per-pool explanations leave those rules out."""
    rs = inputs.ruleset
    ids = [c.id for c in rs.cross_rules if {rs.award(a).pool for a in c.awards} <= set(group)]
    left_out = _("Rules across awards ({rules}) are not part of the per-pool explanations, prices and next steps "
                 "above; they are counted only in the joint test of these pools.", rules=", ".join(ids))
    name = "+".join(group)
    if not all(out[k].feasible for k in group):
        return PoolExplanation(name, True, notes=[left_out])
    conflict = tied_conflict(rs, {k: inputs.pools[k] for k in group}, inputs.quotas, masks, inputs.fixed or None)
    if conflict is None:
        return PoolExplanation(name, True, notes=[left_out])
    notes = [_("conflict {i}:", i=1), _("each of these pools has a slate alone, but not together:")]
    notes += [rule_name(rs, r) for r in conflict] + [left_out]
    return PoolExplanation(name, False, [conflict], notes=notes)


def explanation_json(explanations: dict[str, PoolExplanation]) -> dict:
    """explanation.json: conflicts (lists of rule ids), relaxations and prices, next steps by who can act,
    and per-pool detail; ID-card and phone numbers masked (ids, names, sentences quoting them)."""
    def relax(r: Relaxation, pool: str) -> dict:
        return {"pool": pool, "kind": r.kind, "changes": r.changes, "text": r.describe(), "merit": r.merit,
                "merit_proven": r.proven, "slate": r.slate}

    return mask_data({  # type: ignore[return-value]
        "conflicts": [c for e in explanations.values() for c in e.conflicts],
        "actions": [{"pool": k, **a.__dict__} for k, e in explanations.items() for a in e.actions],
        "relaxations": [relax(r, k) for k, e in explanations.items() for r in e.relaxations],
        "prices": [{"pool": k, **p.__dict__} for k, e in explanations.items() for p in e.prices],
        "arithmetic": [{"pool": k, **f.__dict__} for k, e in explanations.items() for f in e.arithmetic],
        "forced_ineligible": [{"pool": k, **c} for k, e in explanations.items() for c in e.forced_ineligible],
        "pools": {k: {"feasible": e.feasible, "undecided": e.undecided, "conflicts": e.conflicts, "clash": e.notes,
                      "shortfalls": e.shortfalls,
                      "forced_ineligible": e.forced_ineligible,
                      "rules": {rid: t.__dict__ for rid, t in e.rules.items()
                                if any(rid in c for c in e.conflicts) or any(p.rule == rid for p in e.prices)}}
                  for k, e in explanations.items()},
    })


def write_explanation(folder, explanations: dict[str, PoolExplanation]) -> None:
    """explanation.json into `folder` (`selector select` when no slate exists, `selector explain`, the web)."""

    text = json.dumps(explanation_json(explanations), ensure_ascii=False, indent=2, default=str)
    (Path(folder) / "explanation.json").write_text(text + "\n", encoding="utf-8")


def _actor_heading(actor: str) -> str:
    return {"unit": _("What the units can do (submit more eligible candidates)"),
            "office": _("What the office can do within the notice (move seats between units, the total kept)"),
            "leadership": _("For the leadership group to decide (changing a percentage or the seats of the "
                            "notice)")}[actor]


def format_explanation(explanations: dict[str, PoolExplanation], ruleset: RuleSet | None = None) -> str:
    """The terminal view: for each pool with no slate, the shortfalls (every number explained), the
    conflicts in the notice's words, then the next steps ranked by who can act; for a pool with a slate,
    the prices (when computed)."""
    out = []
    for kind, e in explanations.items():
        who = label(ruleset.pools[kind], kind) if ruleset is not None and kind in ruleset.pools else kind
        if e.feasible:
            out += [f"{who}: {line}" for line in e.notes if not e.prices]  # pools tied by a rule across awards
            if e.prices:
                out.append(_("{pool}: a slate exists. What each rule costs in merit (optimum without it - with it):",
                             pool=who))
                for p in sorted(e.prices, key=lambda p: -Decimal(p.cost)):
                    t = e.rules[p.rule]
                    moved = _("  (+{enter} in / -{leave} out)", enter=len(p.enter), leave=len(p.leave))
                    out.append(f"  {p.rule:<14} {p.cost:>8}  {t.text}" + (moved if Decimal(p.cost) else ""))
            continue
        if e.undecided:
            out.append(f"{who}: {UNDECIDED()}")
            out += ["    " + line for line in e.shortfalls]
            continue
        if e.forced_ineligible:  # the cause is the forcing, not the rules
            out.append(_("{pool}: NO SLATE: forced in (force_in), but ineligible under the notice, so no slate can "
                         "hold them:", pool=who))
            for c in e.forced_ineligible:
                out.append(f"    {c['id']} {c['name']} ({c['unit']}): " + "; ".join(c["reasons"]))
            out.append("  " + _("Remove them from force_in, or correct their data if the screening is wrong."))
            if not e.conflicts:
                continue
        out.append(_("{pool}: NO SLATE CAN MEET THESE RULES TOGETHER", pool=who))
        if e.shortfalls:
            out.append("  " + _("Arithmetic first (eligible candidates only, no solving):"))
            out += ["    " + line for line in e.shortfalls]
        out.append("  " + _("Why ({n} minimal conflicts; dropping any one rule of a conflict removes it):",
                            n=len(e.conflicts)))
        out += [("    " if line.endswith((":", "：")) and len(line) < 16 else "      ") + line for line in e.notes]
        if e.actions:
            out.append("  " + _("Next steps, by who can act (each checked by solving with every rule):"))
            n = 0
            for actor in ACTORS:
                mine = [a for a in e.actions if a.actor == actor]
                if not mine:
                    continue
                out.append("    " + _actor_heading(actor))
                for a in mine:
                    n += 1
                    mark = _("[leadership group] ") if actor == "leadership" else ""
                    merit = _(" Best merit then: {merit}.", merit=a.merit) if a.merit is not None else ""
                    out.append(f"      {n}. {mark}{a.text}" + _(" ({why}).", why=a.why) + merit)
        else:
            out.append("  " + _("No single change found that makes a slate exist; see the conflicts above."))
    return mask_text("\n".join(out))  # an id or name holding an ID-card or phone number
