"""What index.html shows: the round, its screening and supply, the slate and its tables, the what-ifs, and
the advice ranked by who can act."""

from __future__ import annotations

from typing import Any

from selector.domain import has_slate
from selector.i18n import _, language
from selector.interfaces.pools import declared_pools
from selector.interfaces.web.state import Session, Workbench
from selector.outputs.slates import slate_tables


# ------------------------------------------------------------------------------------------ the page
def _actor(r) -> int:
    """Advice ranked by who can act: units (more candidates), the office (quotas), the leadership group."""
    if r.kind == "pool":
        return 0
    if all(str(c.get("rule", "")).startswith("quota:") for c in r.changes):
        return 1
    return 2


def actor_label(r) -> str:
    return [_("Units: submit more (补报)"), _("Office: adjust the quota table (调剂)"),
            _("Leadership group: change a rule")][_actor(r)]


def page_context(wb: Workbench, sess: Session) -> dict[str, Any]:
    """What index.html shows: the round, its screening and supply, the slate, the what-ifs."""
    rnd = sess.round
    ctx: dict[str, Any] = {"rnd": rnd, "actor": actor_label}
    running = [j for j in [sess.base, *sess.whatifs] if j is not None and j.state == "running"]
    ctx["refresh"] = bool(running)
    ctx["chosen"], form_rs = wb.chosen(sess)
    ctx["pool_fields"] = declared_pools(form_rs) if form_rs is not None else []  # the CLI's --pool names too
    ctx["known_roles"] = {"rules", "quotas", *(name for name, _label in ctx["pool_fields"])}
    if rnd is None:
        return ctx
    rs = rnd.inputs.ruleset
    ctx["rs"] = rs
    ctx["units"] = list(rnd.inputs.quotas.units)
    ctx["quota_awards"] = [a for a in rs.awards if a.quota != "none" and rnd.inputs.quotas.of(a.id) is not None]
    ctx["share_rules"] = [r for r in rs.rules if r.kind == "share"]
    ctx["candidates"] = [(cid, name, unit) for pool in rnd.inputs.pools.values()
                         for cid, name, unit in zip(pool.ids, pool.table["name"], pool.table["unit"])]
    screening = rnd.check.screening
    ctx["rule_findings"] = [f for f in rnd.check.findings if not f.rule.startswith("quota:")]
    ctx["quota_findings"] = [f for f in rnd.check.findings if f.rule.startswith("quota:")]
    ctx["totals"] = {kind: (sum(mask), len(mask)) for kind, mask in screening.masks.items()}
    ctx["screen_awards"] = [rs.award(a) for a in dict.fromkeys(u.award for u in screening.units)]
    by_unit: dict[str, dict[str, Any]] = {}
    for u in screening.units:
        by_unit.setdefault(u.unit, {})[u.award] = u
    ctx["screen_units"] = list(by_unit.items())
    ctx["sub_awards"] = {a.id: [s for s in rs.awards if s.parent == a.id] for a in rs.awards if a.parent is None}
    base = sess.base
    if base is not None and base.state == "done":
        done = base.outcome
        result = done["result"]
        ctx["result"] = result
        ctx["explanation"] = done["explanation"]
        ctx["has_slate"] = has_slate(result.status)
        with language("en"):  # the page reads the tables by their column codes and translates what it shows
            ctx["tables"] = slate_tables(rnd.inputs, result) if ctx["has_slate"] else {}
        ctx["plots"] = [p.name for p in sorted(base.out.glob("*.png"))]
        ctx["relaxations"] = sorted([(k, r) for k, e in (done["explanation"] or {}).items() for r in e.relaxations],
                                    key=lambda kr: _actor(kr[1]))
        fill: dict[str, dict[str, Any]] = {}
        for u in result.units:
            fill.setdefault(u.unit, {})[u.award] = u
        ctx["fill_awards"] = list(dict.fromkeys(u.award for u in result.units))
        ctx["fill_rows"] = list(fill.items())
    return ctx

