"""What the terminal shows (only the CLI prints it): a result with every rule against its bound and every
unit, the screening, the supply arithmetic, submissions, the exact test and preferences; `text_table`
lines up columns of CJK text (what-if and sweep use it too)."""

from __future__ import annotations

from selector.analysis.explain import finding_sentence, rule_name
from selector.analysis.supply import Finding, SupplyCheck
from selector.domain import SelectionResult, has_slate
from selector.i18n import N_, _, current_lang, label
from selector.outputs.budget import compute_budget, format_budget
from selector.outputs.cells import award_label, pool_label
from selector.outputs.document import rules_table, tie_break_zh
from selector.outputs.privacy import mask_text
from selector.reading.eligibility import Screening
from selector.reading.inputs import Inputs


def text_table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table; CJK characters count as two columns so the columns line up."""
    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    cols = [header, *rows]
    widths = [max(width(str(r[i])) for r in cols) for i in range(len(header))]
    lines = []
    for j, r in enumerate(cols):
        lines.append("  ".join(str(c) + " " * (w - width(str(c))) for c, w in zip(r, widths)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


STATUS_WORDS = {"optimal": N_("optimal"), "feasible": N_("feasible"), "infeasible": N_("infeasible"),
                "unknown": N_("unknown")}


def status_word(status: str) -> str:
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def ruleset_title(rs) -> str:
    return (rs.title_en if current_lang() == "en" and rs.title_en else rs.title_zh) or rs.id


def format_result(inputs: Inputs, result: SelectionResult) -> str:
    """The terminal view of a result: status, slates, every rule against its bound, every unit."""
    rs = inputs.ruleset
    if rs.notice:
        head = _("{title} ({notice}) — result: {status}", title=ruleset_title(rs), notice=rs.notice,
                 status=status_word(result.status))
    else:  # no empty parentheses (issue 14)
        head = _("{title} — result: {status}", title=ruleset_title(rs), status=status_word(result.status))
    missing = [a for a in rs.awards if a.parent is None and a.pool in result.pools
               and not has_slate(result.pools[a.pool].status)]
    if result.verified and missing:  # a partial run: what was verified is the slates there are (issue 12)
        head += _(", the awards with a slate verified by the independent checker")
    elif result.verified:
        head += _(", verified by the independent checker")
    out = [head]
    for p in result.pools.values():
        gap = _(", gap {gap}", gap=f"{p.gap:.4%}") if p.gap is not None and (p.gap or p.status == "feasible") else ""
        uniq = {True: _(", unique under the tie-break"), False: _(", ties broken lexicographically"),
                None: ""}[p.unique]
        objective = "—" if p.objective is None else p.objective
        bound = "—" if p.bound is None else p.bound
        out.append("  " + _("{pool}: {status}, {eligible} eligible of {candidates}, objective {objective} "
                            "(bound {bound}{gap}){unique}, {seconds} s", pool=pool_label(inputs, p.pool),
                            status=status_word(p.status), eligible=p.eligible, candidates=p.candidates,
                            objective=objective, bound=bound, gap=gap, unique=uniq, seconds=f"{p.wall_time:.2f}"))
    for a in missing:
        out.append("  " + _("{award}: NO SLATE (see the explanation below); the other awards' slates are written.",
                            award=label(a)))
    out.append("")
    rows = [[award_label(inputs, a.award), str(len(a.selected)), str(a.seats), a.merit]
            for a in result.awards.values()]
    out.append(text_table(rows, [_("award"), _("selected"), _("seats"), _("merit")]))
    for sub in rs.awards:
        if sub.parent is not None and sub.id in result.awards and result.awards[sub.id].selected:
            pool = inputs.pools[sub.pool].table.set_index("id")
            names = [f"{i} {pool.at[i, 'name']}" for i in result.awards[sub.id].selected]
            out.append("\n" + _("{award}: {names}", award=label(sub), names=_(", ").join(names)))
    if result.rules:
        out.append("")
        if current_lang() == "zh":
            heads, rows = rules_table(inputs, result)
            keep = [0, 1, 2, 4, 5, 7]  # 规则 条款 通知原文 要求 实际 结果
            rows = [[*r[:4], r[4].split("：", 1)[-1], *r[5:]] for r in rows]  # the bound, not the sentence again
            out.append(text_table([[r[i] for i in keep] for r in rows], [heads[i] for i in keep]))
        else:
            rows = [[r.id, r.clause, r.text, r.required, r.achieved,
                     "ok" if r.ok else ("SHORT" if not r.hard else "FAIL")] for r in result.rules]
            out.append(text_table(rows, ["rule", "clause", "notice", "required", "achieved", ""]))
    if result.units:
        out.append("")
        by_unit: dict[str, dict[str, str]] = {}
        for u in result.units:
            by_unit.setdefault(u.unit, {})[u.award] = f"{u.filled}/{u.quota}"
        awards = sorted({u.award for u in result.units}, key=[a.id for a in rs.awards].index)
        rows = [[unit, *[cells.get(a, "") for a in awards]] for unit, cells in by_unit.items()]
        out.append(text_table(rows, [_("unit (filled/quota)"), *[award_label(inputs, a) for a in awards]]))
    if result.preferences:
        out.append("\n" + format_preferences(result))
    if result.violations:
        out.append("\n" + _("VERIFIER FOUND VIOLATIONS:") + "\n" + "\n".join(f"  {v}" for v in result.violations))
    if any(a.reward_yuan for a in rs.awards) and any(a.selected for a in result.awards.values()):
        out.append("\n" + format_budget(compute_budget(rs, inputs.pools, inputs.quotas, result)))
    if current_lang() == "zh":
        ties = tie_break_zh(rs) or result.tie_break
    else:
        ties = result.tie_break
    out.append("\n" + _("Solving took {seconds} s. Ties: {ties}", seconds=f"{result.wall_time:.2f}", ties=ties))
    return mask_text("\n".join(out))  # an id or name holding an ID-card or phone number


def format_screening(inputs: Inputs, screening: Screening, examples: int = 3) -> str:
    """The terminal view of a screening: per unit submitted/eligible/quota/shortfall, then how many are out
    for each reason of the notice (a few names each; the full list is in screening.csv)."""
    awards = list(dict.fromkeys(u.award for u in screening.units))
    by_unit: dict[str, dict[str, list[str]]] = {}
    for u in screening.units:
        by_unit.setdefault(u.unit, {})[u.award] = [
            str(u.submitted), str(u.eligible), "" if u.quota is None else str(u.quota),
            "" if not u.shortfall else str(u.shortfall)]
    heads = {"eligible": N_("eligible"), "quota": N_("quota"), "short": N_("short")}
    header = [_("unit")] + [_("{award} submitted", award=award_label(inputs, a)) if h == "submitted" else _(heads[h])
                            for a in awards for h in ("submitted", "eligible", "quota", "short")]
    rows = [[unit, *[c for a in awards for c in cells.get(a, ["0", "0", "", ""])]] for unit, cells in by_unit.items()]
    out = [_("Eligibility screening ({counts})", counts=_(", ").join(
        _("{pool}: {eligible} eligible of {total}", pool=pool_label(inputs, kind), eligible=sum(screening.masks[kind]),
          total=len(screening.masks[kind])) for kind in screening.masks)), text_table(rows, header)]
    short = [u for u in screening.units if u.shortfall]
    if short:
        out.append(_("Units with fewer eligible candidates than their quota: {units}", units=_(", ").join(
            _("{unit} ({award}: {eligible} eligible, quota {quota})", unit=u.unit, award=award_label(inputs, u.award),
              eligible=u.eligible, quota=u.quota) for u in short)))
    gone = screening.screened_out
    if gone:
        out.append("\n" + _("Screened out ({n}), by the notice's reason (every name and value in screening.csv):",
                            n=len(gone)))
        by_rule: dict[str, list] = {}
        for c in gone:
            for r in c.reasons:
                by_rule.setdefault(r.rule, []).append((c, r))
        for rule_id, hits in by_rule.items():
            r0 = hits[0][1]
            names = _(", ").join(f"{c.id} {c.name}" for c, _r in hits[:examples])
            names += "…" if len(hits) > examples else ""
            out.append("  " + _("{rule} {clause} {text}: {n} ({names})", rule=rule_id, clause=r0.clause,
                                text=_short(r0.text), n=len(hits), names=names))
            if len(hits) <= examples:
                for c, r in hits:
                    out.append("      " + _("{id} {name} ({unit}): {value}", id=c.id, name=c.name, unit=c.unit,
                                            value=r.value))
    return mask_text("\n".join(out))


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def finding_words(inputs: Inputs, f: Finding) -> str:
    """One failed finding in a sentence, with its arithmetic: '缺 9 人：需要 60 名，符合条件的只有 51 名'."""
    return finding_sentence(inputs.ruleset, f)


def format_findings(findings: list[Finding], inputs: Inputs | None = None) -> str:
    """The terminal view of the supply arithmetic: each rule's demand against the eligible supply."""
    def name(f: Finding) -> str:
        return rule_name(inputs.ruleset, f.rule) if inputs is not None else f.rule

    def verdict(f: Finding) -> str:
        return _("ok") if f.ok else (_("RULES OUT A SLATE") if f.fatal else _("short"))

    rows = [[_short(name(f), 36), f.subject if f.subject != "all" else _("all"), str(f.needed), str(f.available),
             verdict(f)] for f in findings]
    out = [_("Supply against each rule (eligible candidates; no solving):"),
           text_table(rows, [_("rule"), _("who"), _("needed"), _("available"), ""])]
    for f in findings:
        if not f.ok:
            out.append("  " + (finding_words(inputs, f) if inputs is not None else
                               f"{f.rule} {f.clause} {f.text}: {f.subject} needs {f.needed}, {f.available} available")
                       + _(" ({why}).", why=f.note))
    return "\n".join(out)


def format_submissions(findings: list[Finding]) -> str:
    """Each unit's submissions against the notice's ratio (按1:2名额推荐), naming the units that fall short."""
    if not findings:
        return ""
    bad = [f for f in findings if not f.ok]
    out = [_("Submissions per unit ({n} rule checks, {bad} short):", n=len(findings), bad=len(bad))]
    for f in bad:
        out.append("  " + _("{rule} [{clause}] {text}: {unit} submitted {has}, needs {need} ({note})",
                            rule=f.rule, clause=f.clause, text=f.text, unit=f.subject, has=f.available,
                            need=f.needed, note=f.note))
    if not bad:
        out.append("  " + _("every unit submitted what the notice asks"))
    return "\n".join(out)


def format_exact(check: SupplyCheck) -> str:
    """What the exact test said, and plainly whether `check` only tested necessary conditions."""
    out = []
    for e in check.exact:
        if e.exists is True and not getattr(e, "classes", True):  # pools tied by a rule across awards
            out.append(_("{pool}: exact test (CP-SAT, one model of these pools): slates meet every hard rule",
                         pool=e.pool))
        elif e.exists is True:
            out.append(_("{pool}: exact test (CP-SAT over interchangeable classes): a slate meets every hard rule",
                         pool=e.pool))
        elif e.exists is False:
            out.append(_("{pool}: exact test: NO slate meets every hard rule together (rules interact; see "
                         "`selector explain`)", pool=e.pool))
        else:
            out.append(_("{pool}: the exact test ran out of time", pool=e.pool))
    if check.necessary_only:
        out.append(_("Only necessary conditions were tested: passing them does not prove that a slate exists."))
    return "\n".join(out)


def format_preferences(result: SelectionResult) -> str:
    """Preferences without numbers (优先推荐, 侧重): how many the slate holds, and what more would cost."""
    if not result.preferences:
        return ""
    out = [_("Preferences (after merit, in order):")]
    for p in result.preferences:
        out.append("  " + _("{id} [{clause}] {text}: the slate holds {held} {group} (any slate at most {most})",
                            id=p["id"], clause=p["clause"], text=p["text"], held=p["held"], group=p["group"],
                            most=p["most"]))
        for extra in p["extra"]:
            if extra["merit"] is None:
                out.append("    " + _("{k} more: no slate", k=extra["k"]))
            else:
                out.append("    " + _("{k} more: merit {merit} ({cost} less)", k=extra["k"], merit=extra["merit"],
                                      cost=extra["cost"]))
    return "\n".join(out)
