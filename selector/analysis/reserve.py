"""The reserve list (候补名单): for each selected candidate, who would replace them with the fewest changes,
and per unit a ranked reserve of the eligible candidates not selected. Written as reserve.xlsx.

Who replaces seat s is what `selector adjust --remove s` would pick (selector/analysis/adjust.py: fewest changes,
then merit, the special class, the tie-break). Computed without one solve per seat where an exact argument
exists:
  - Any 1-for-1 swap keeps 2 changes (s leaves, one enters), the least a removal can cost. Two unselected
    candidates of the same class (same unit, same membership in every group a rule reads: prune.py's
    interchangeable classes) give slates that every rule counts alike, so only each class's best (score,
    then tie-break) matters: its head. The best swap is the first head, in (score, tie-break) order, whose
    swap keeps every rule; a head of s's own class always does (the counts do not change at all), any other
    is checked by the independent verifier once per pair of classes.
  - When s holds a subset seat (the special class), that seat goes to the best (score, tie-break) candidate
    of the new slate not already in it; with no rule on the subset award this is exactly stage B and 2-3.
The argument needs hard rules only (no soft penalty) and no rule or quota on the subset awards; otherwise,
and for a seat that no 1-for-1 swap can fill, the seat is solved with adjust's own stage order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from selector.domain import SelectionResult, has_slate
from selector.engine.classes import rule_groups, subpool, tie_break_weights
from selector.engine.model import members, tied_pools
from selector.engine.session import SolverSettings
from selector.engine.stable import StableSolver
from selector.i18n import _
from selector.outputs.privacy import mask_text, public_id_map
from selector.outputs.sheets import write_xlsx
from selector.reading import kinds
from selector.reading.inputs import Inputs
from selector.reading.rules import RuleSet
from selector.verify import verify_slate

RESERVE_FILE = "reserve.xlsx"


@dataclass(frozen=True)
class Replacement:
    """Seat `seat` (a selected id of the top award) and what `adjust --remove seat` gives."""

    pool: str
    award: str
    seat: str
    held_subset: list[str]  # subset awards the seat held (the special class)
    replacement: str | None  # who enters (None: no slate exists without the seat)
    subset_entrant: dict[str, str]  # subset award -> who takes the seat's subset place
    also_leave: list[str]  # beyond the seat itself
    also_enter: list[str]  # beyond the replacement
    method: str  # class | swap | solve | mirror
    merit_delta: str | None
    proven: bool = True
    unique: bool = False  # solved: proven that no other slate ties on every stage

    @property
    def changes(self) -> int:
        return 2 + len(self.also_leave) + len(self.also_enter) if self.replacement else 0


@dataclass
class Reserve:
    replacements: list[Replacement]
    ranked: dict[str, list[tuple[str, int, str]]]  # pool -> (unit, rank, id) of eligible unselected, best first
    times: dict[str, float] = field(default_factory=dict)
    verifier_checks: int = 0
    solves: int = 0


def _cheap_ok(rs: RuleSet, kind: str, quotas) -> bool:
    if any(kind in group for group in tied_pools(rs, list(rs.pools))):
        return False  # issue 14, 5: a rule across awards counts other pools too: every seat solved, jointly
    top = rs.top_award(kind)
    subs = [a for a in rs.awards if a.parent == top.id]
    if any(not r.hard for r in rs.rules_of_pool(kind)):
        return False
    if any(r.award in {a.id for a in subs} for r in rs.rules):
        return False
    return all(a.quota == "none" or quotas.of(a.id) is None for a in subs)


def reserve_list(inputs: Inputs, result: SelectionResult, masks: dict[str, list[bool]],
                 settings: SolverSettings = SolverSettings(), cheap: bool = True) -> Reserve:
    """Each selected candidate's replacement (and what else would move), and the ranked reserve per unit.
    `cheap=False` solves every seat, one solve each (for measuring the exact arguments against it)."""
    t0 = time.perf_counter()
    rs = inputs.ruleset
    slate = {a: list(r.selected) for a, r in result.awards.items()}
    ineligible = {cid for kind, pool in inputs.pools.items()
                  for cid, ok in zip(pool.ids, masks.get(kind) or [True] * len(pool)) if not ok}
    ineligible |= {c for c, v in inputs.fixed.items() if v is False}
    out = Reserve([], {})
    for kind, pool in inputs.pools.items():
        top = rs.top_award(kind)
        subs = [a for a in rs.awards if a.parent == top.id]
        ids = [str(i) for i in pool.ids]
        scores = [Decimal(str(s)) for s in pool.table["score"]]
        weight = tie_break_weights(rs, pool)
        groups = rule_groups(rs, kind)
        bits = list(zip(*[members(rs, pool, g) for g in groups])) if groups else [()] * len(pool)
        units = list(pool.table["unit"])
        key = [(units[i], bits[i]) for i in range(len(pool))]
        pos = {c: i for i, c in enumerate(ids)}
        chosen = set(slate.get(top.id, []))
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], -weight[i]))
        free = [i for i in order if ids[i] not in chosen and ids[i] not in ineligible]
        heads, seen = [], set()
        for i in free:
            if key[i] not in seen:
                seen.add(key[i])
                heads.append(i)
        by_unit: dict[str, list[int]] = {}
        for i in free:
            by_unit.setdefault(units[i], []).append(i)
        unit_order = list(inputs.quotas.units) + [u for u in by_unit if u not in inputs.quotas.units]
        out.ranked[kind] = [(u, r + 1, ids[i]) for u in unit_order for r, i in enumerate(by_unit.get(u, []))]
        use_cheap = cheap and _cheap_ok(rs, kind, inputs.quotas)
        mirror = cheap and not any(kind in g for g in tied_pools(rs, list(inputs.pools)))  # one pool's classes
        rows = sorted({pos[c] for c in slate.get(top.id, [])} | set(heads))
        swaps = _Swaps(rs, kind, subpool(pool, rows), inputs.quotas, slate, ineligible, ids, groups, bits,
                       units)
        unsolved: dict[tuple, list[tuple[int, str]]] = {}
        for seat in slate.get(top.id, []):
            s = pos[seat]
            held = [a.id for a in subs if seat in slate.get(a.id, [])]
            found = None
            if use_cheap:
                for h in heads:
                    if key[h] == key[s]:
                        found = (h, "class")
                        break
                    if swaps.ok(s, h, held):
                        found = (h, "swap")
                        break
            if found is not None:
                h, method = found
                new_top = set(slate[top.id]) - {seat} | {ids[h]}
                entrant = {}
                for a in held:
                    rest = set(slate[a]) - {seat}
                    best = min((pos[c] for c in new_top - rest), key=lambda i: (-scores[i], -weight[i]))
                    entrant[a] = ids[best]
                out.replacements.append(Replacement(kind, top.id, seat, held, ids[h], entrant, [], [], method,
                                                    str(scores[h] - scores[s])))
                continue
            out.replacements.append(None)  # type: ignore[arg-type]  # solved below
            unsolved.setdefault((key[s], tuple(held)), []).append((len(out.replacements) - 1, seat))
        # Seats no swap fills are solved (adjust's stage order). Seats of one class holding the same subset
        # awards mirror each other: for s1 before s2 in (score, tie-break) order, the map exchanging s1 and
        # s2 turns each slate without s1 into one without s2 with the same changes, every rule kept, and
        # (where s2 stays) merit, subset merit or tie-break raised by the same amount, the rest unchanged.
        # So if the optimum without s1 keeps s2 and is unique, its image is the unique optimum without s2.
        for positions in unsolved.values():
            positions.sort(key=lambda ks: (-scores[pos[ks[1]]], -weight[pos[ks[1]]]))
            done: Replacement | None = None
            for k, seat in positions:
                if mirror and done is not None and done.unique and seat not in done.also_leave:
                    out.replacements[k] = _mirror(done, seat, scores[pos[done.seat]] - scores[pos[seat]])
                    continue
                done = out.replacements[k] = _solved(inputs, kind, seat, result, masks, settings)
                out.solves += 1
        out.verifier_checks += swaps.checks
    out.times["total"] = round(time.perf_counter() - t0, 4)
    return out


class _Swaps:
    """The verifier's verdict on a swap s -> h of one pool's top award, with as few verifier calls as is
    exact. A rule counts its group and its denominator only, so its verdict on a swap is a function of the
    four memberships of s and h in those two groups; the quotas count units only, so theirs is a function
    of the two units (with equal memberships, or an equal unit, that part holds as on the published slate).
    Each verdict is cached on its own key; a part known to fail settles the swap without a call, and a call
    (the verifier on this pool's awards and rules, on the rows of the slate and the heads) fills every rule's
    verdict for its keys."""

    def __init__(self, rs: RuleSet, kind: str, small, quotas, slate, ineligible, ids, groups, bits, units):
        awards = rs.awards_of_pool(kind)
        self.rules = rs.rules_of_pool(kind)
        self.rs = rs.model_copy(update={"awards": awards, "rules": self.rules})
        self.top = rs.top_award(kind).id
        self.pools = {kind: small}
        self.quotas, self.ineligible = quotas, ineligible
        self.slate = {a.id: slate.get(a.id, []) for a in awards}
        self.ids, self.bits, self.units = ids, bits, units
        at = {g: k for k, g in enumerate(groups)}
        self.where = [(r.id, at.get(r.group), at.get(kinds.whole_group(r))) for r in self.rules]
        self.rule_ok: dict[tuple, bool] = {}
        self.quota_ok: dict[tuple, bool] = {}
        self.checks = 0

    def _rule_keys(self, s: int, h: int) -> list[tuple]:
        def inside(i: int, k: int | None) -> bool:
            return True if k is None else self.bits[i][k]

        return [(rid, inside(s, g), inside(s, o), inside(h, g), inside(h, o)) for rid, g, o in self.where]

    def ok(self, s: int, h: int, held: list[str]) -> bool:
        keys = self._rule_keys(s, h)
        qk = (self.units[s], self.units[h])
        if self.units[s] == self.units[h]:
            self.quota_ok[qk] = True
        for k in keys:
            if k[1:3] == k[3:5]:
                self.rule_ok[k] = True  # s and h alike for this rule: its counts do not change
        if self.quota_ok.get(qk) is False or any(self.rule_ok.get(k) is False for k in keys):
            return False
        if qk not in self.quota_ok or any(k not in self.rule_ok for k in keys):
            seat, new = self.ids[s], self.ids[h]
            trial = dict(self.slate)
            for a in [self.top, *held]:
                trial[a] = [c for c in self.slate[a] if c != seat] + [new]
            report = verify_slate(self.rs, self.pools, self.quotas, trial, self.ineligible)
            self.checks += 1
            quota = [v for v in report.violations if v.startswith("quota:")]
            broken = {c.id for c in report.checks if c.hard and not c.ok}
            if len(quota) + len(broken) < len(report.violations):
                return False  # anything else (never expected): no verdict to cache
            self.quota_ok[qk] = not quota
            for k in keys:
                self.rule_ok[k] = k[0] not in broken
        return self.quota_ok[qk] and all(self.rule_ok[k] for k in keys)


def _mirror(done: Replacement, seat: str, shift: Decimal) -> Replacement:
    """The answer for `seat` from that of another seat of its class (see reserve_list): the same moves."""
    return Replacement(done.pool, done.award, seat, done.held_subset, done.replacement, done.subset_entrant,
                       done.also_leave, done.also_enter, "mirror",
                       None if done.merit_delta is None else str(Decimal(done.merit_delta) + shift),
                       done.proven, done.unique)


def _solved(inputs: Inputs, kind: str, seat: str, result: SelectionResult, masks, settings) -> Replacement:
    """One seat by adjust's own stage order (selector/analysis/adjust.py), on its pool alone."""
    import dataclasses

    rs = inputs.ruleset
    top = rs.top_award(kind)
    subs = [a for a in rs.awards if a.parent == top.id]
    pool = inputs.pools[kind]
    base = {a: set(r.selected) for a, r in result.awards.items()}
    solver = StableSolver(base)
    fixed = dict(inputs.fixed) | {seat: False}
    group = next((g for g in tied_pools(rs, list(inputs.pools)) if kind in g), None)
    moved: tuple[list[str], list[str]] = ([], [])  # other tied pools' top awards: who leaves, who enters
    if group is not None:  # issue 14, 5: with the pools a rule across awards ties it to, in one model
        sols = solver.tied(rs, {k: inputs.pools[k] for k in group}, inputs.quotas, {k: masks.get(k) for k in group},
                           dataclasses.replace(settings), fixed=fixed)
        sol = sols[kind]
        for k in group:
            t = rs.top_award(k).id
            if k != kind and has_slate(sols[k].status):
                moved[0].extend(sorted(base.get(t, set()) - set(sols[k].selected.get(t, []))))
                moved[1].extend(sorted(set(sols[k].selected.get(t, [])) - base.get(t, set())))
    else:
        sol = solver(rs, pool, inputs.quotas, masks.get(kind), dataclasses.replace(settings), fixed=fixed)
    held = [a.id for a in subs if seat in base.get(a.id, set())]
    if not has_slate(sol.status):
        return Replacement(kind, top.id, seat, held, None, {}, [], [], "solve", None, sol.status != "unknown")
    ids = pool.ids
    new = {a: set(v) for a, v in sol.selected.items()}
    enter = sorted(new[top.id] - base[top.id], key=lambda c: ids.index(c))
    leave = sorted(base[top.id] - new[top.id] - {seat})
    scores = dict(zip(ids, pool.table["score"]))
    merit = {a: sum((Decimal(str(scores[c])) for c in new[a]), Decimal(0)) for a in new}
    old = sum((Decimal(str(scores[c])) for c in base[top.id]), Decimal(0))
    # the replacement: the entrant in the seat's place (the best entrant of the seat's unit, else the best)
    unit = dict(zip(ids, pool.table["unit"]))
    best = sorted(enter, key=lambda c: (unit[c] != unit[seat], -Decimal(str(scores[c]))))
    first = best[0] if best else None
    entrant = {a: sorted(new[a] - base[a])[0] for a in held if new[a] - base[a]}
    return Replacement(kind, top.id, seat, held, first, entrant, leave + moved[0],
                       [c for c in enter if c != first] + moved[1], "solve",
                       str(merit[top.id] - old), sol.status == "optimal"
                       and all(r.get("proven") for r in solver.record.values()), bool(sol.unique))


# ------------------------------------------------------------------------------------------ XLSX
def reserve_frames(inputs: Inputs, reserve: Reserve) -> dict[str, pd.DataFrame]:
    """The two sheets of reserve.xlsx, headers in the current language (Chinese by default): each seat with
    its replacement and what else moves, and per unit the eligible candidates not selected, best first."""
    rs = inputs.ruleset
    info = {}
    shown: dict[str, str] = {}  # ids as public outputs show them (ID-card and phone numbers masked, issue 11)
    for pool in inputs.pools.values():
        shown |= public_id_map(pool.ids)
        for cid, name, unit, score in zip(pool.ids, pool.table["name"], pool.table["unit"], pool.table["score"]):
            info[str(cid)] = (mask_text(str(name)), str(unit), float(Decimal(str(score))))
    names = {a.id: a.name_zh or a.id for a in rs.awards}
    method = {"class": _("same unit and same groups: every rule counts alike"),
              "swap": _("1-for-1 swap checked by the independent verifier"),
              "solve": _("solved: fewest changes, then merit (CP-SAT)"),
              "mirror": _("as the solved seat of the same unit and groups (exchange argument)")}
    head = [_("award name"), _("seat holder's id"), _("seat holder's name"), _("seat holder's unit"),
            _("seat holder's score"), _("holds a special-class seat"), _("replacement id"), _("replacement name"),
            _("replacement unit"), _("replacement score"), _("special seat goes to"), _("also leave"),
            _("also enter"), _("seats changed"), _("merit change"), _("how it was found")]
    rows = []
    for r in reserve.replacements:
        n, u, sc = info[r.seat]
        rep = info.get(r.replacement or "", ("", "", None))
        rows.append([names[r.award], shown.get(r.seat, r.seat), n, u, sc, _("yes") if r.held_subset else _("no"),
                     shown.get(r.replacement, r.replacement) if r.replacement else _("no slate without this seat"),
                     rep[0], rep[1], rep[2],
                     "、".join(f"{shown.get(c, c)} {info[c][0]}" for c in r.subset_entrant.values()),
                     "、".join(f"{shown.get(c, c)} {info[c][0]}" for c in r.also_leave),
                     "、".join(f"{shown.get(c, c)} {info[c][0]}" for c in r.also_enter), r.changes,
                     float(Decimal(r.merit_delta)) if r.merit_delta is not None else None,
                     method[r.method] + ("" if r.proven else _(" (not proven within the time limit)"))])
    head2 = [_("award name"), _("recommending unit"), _("reserve rank"), _("candidate id"), _("candidate name"),
             _("candidate score"), _("first replacement for")]
    replaces: dict[str, list[str]] = {}
    for r in reserve.replacements:
        if r.replacement:
            replaces.setdefault(r.replacement, []).append(r.seat)
    rows2 = []
    for kind, ranked in reserve.ranked.items():
        award = names[rs.top_award(kind).id]
        for unit, rank, cid in ranked:
            rows2.append([award, unit, rank, shown.get(cid, cid), info[cid][0], info[cid][2],
                          "、".join(shown.get(c, c) for c in replaces.get(cid, []))])
    return {_("Replacement per seat"): pd.DataFrame(rows, columns=head),
            _("Reserve per unit"): pd.DataFrame(rows2, columns=head2)}


def write_reserve(folder: Path, inputs: Inputs, reserve: Reserve) -> str:
    """reserve.xlsx (sheets 逐席候补 and 单位候补名单) through selector/outputs/sheets.py, the formula-safe writer."""
    write_xlsx(Path(folder) / RESERVE_FILE, reserve_frames(inputs, reserve))
    return RESERVE_FILE
