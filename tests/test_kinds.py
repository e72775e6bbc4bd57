"""The rule-kind unit (selector/reading/kinds.py) against the independent verifier (selector/verify.py).

The unit states each rule's bound in whole people; the verifier counts a slate with exact fractions and
shares no code with it. For random small counts and every kind (share >=, <=, = of the whole slate or of a
group; count min, max, both, exact), the unit's verdict and the verifier's agree, and so do the people short.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from selector.reading import kinds
from selector.reading.pool import Pool
from selector.reading.quotas import Quotas
from selector.reading.rules import Attribute, Award, Group, PoolSpec, Rule, RuleSet, format_fraction
from selector.verify import verify_slate

SHARES = [Fraction(0), Fraction(1, 3), Fraction(11, 20), Fraction(1, 2), Fraction(2, 3), Fraction(1, 4), Fraction(1)]


def _ruleset(rule: Rule, seats: int) -> RuleSet:
    flag = [Attribute(column=c, type="flag") for c in ("in_g", "in_o")]
    return RuleSet(id="t", pools={"p": PoolSpec(attributes=flag)},
                   awards=[Award(id="a", name_zh="奖", pool="p", seats=seats, quota="none")],
                   groups={"G": Group(pool="p", where={"in_g": ["yes"]}),
                           "O": Group(pool="p", where={"in_o": ["yes"]})},
                   rules=[rule])


def _slate(part: int, whole: int, seats: int) -> tuple[Pool, list[str]]:
    """A slate of `seats` in which `whole` are in O and `part` of those in G (G outside O: none)."""
    rows = [{"id": f"c{i}", "name": f"c{i}", "unit": "U", "score": 1.0,
             "in_g": "yes" if i < part else "no", "in_o": "yes" if i < whole else "no"} for i in range(seats)]
    table = pd.DataFrame(rows, columns=["id", "name", "unit", "score", "in_g", "in_o"])
    return Pool("p", "test", table, list(range(2, seats + 2))), [r["id"] for r in rows]


def _verdict(rule: Rule, part: int, whole: int, seats: int):
    pool, ids = _slate(part, whole, seats)
    report = verify_slate(_ruleset(rule, seats), {"p": pool}, Quotas("q", ["U"], {}), {"a": ids})
    return next(c for c in report.checks if c.id == rule.id)


@st.composite
def share_cases(draw):
    seats = draw(st.integers(1, 12))
    of_all = draw(st.booleans())
    whole = seats if of_all else draw(st.integers(0, seats))
    part = draw(st.integers(0, whole))
    rule = Rule(id="R", clause="", text="", award="a", kind="share", group="G", of="all" if of_all else "O",
                op=draw(st.sampled_from(sorted(kinds.SHARE_OPS))), share=format_fraction(draw(st.sampled_from(SHARES))))
    return rule, part, whole, seats


@st.composite
def count_cases(draw):
    seats = draw(st.integers(1, 12))
    part = draw(st.integers(0, seats))
    lo = draw(st.one_of(st.none(), st.integers(0, seats)))
    hi = draw(st.one_of(st.none(), st.integers(lo or 0, seats))) if lo is not None else draw(st.integers(0, seats))
    if draw(st.booleans()) and lo is not None:
        hi = lo  # an exact count
    rule = Rule(id="R", clause="", text="", award="a", kind="count", group="G", min=lo, max=hi)
    return rule, part, part, seats


@settings(max_examples=300, deadline=None)
@given(st.one_of(share_cases(), count_cases()))
def test_bound_in_people_agrees_with_the_verifier(case):
    rule, part, whole, seats = case
    check = _verdict(rule, part, whole, seats)
    b = kinds.bound(rule, check.whole)
    assert b.holds(part) == check.ok, (rule.kind, rule.op, rule.share, rule.min, rule.max, part, whole, b)
    assert b.short(part) == check.short
    if rule.of == "all" or rule.kind == "count":  # the slate alone fixes the bound
        assert kinds.fixed_bound(rule, seats) == b


@settings(max_examples=100, deadline=None)
@given(share_cases())
def test_forced_minimum_is_the_least_count_every_passing_slate_holds(case):
    rule, _part, whole, seats = case
    need = kinds.forced_minimum(rule, {rule.of: whole, "all": seats})
    passing = [p for p in range(whole + 1) if _verdict(rule, p, whole, seats).ok]
    assert all(p >= need for p in passing)
    if passing:
        assert need in passing or min(passing) == need or not kinds.needs_supply(rule)


def test_the_rules_table_wording_of_each_share_op():
    rs = _ruleset(Rule(id="R", clause="", text="", award="a", kind="share", group="G", op=">=", share="55%"), 180)
    rs = rs.model_copy(update={"groups": {"G": Group(pool="p", label_zh="企业职工", where={"in_g": ["yes"]}),
                                          "O": Group(pool="p", where={"in_o": ["yes"]})}})
    r = rs.rules[0]
    total = rs.group_label("all")
    assert kinds.bound_zh(rs, r, 100, 180)[0] == f"企业职工不低于{total}的55%：{total} 180 的 55%，至少 99"
    assert kinds.bound_zh(rs, r.model_copy(update={"op": "<="}), 100, 180)[0].endswith("至多 99")
    assert kinds.bound_zh(rs, r.model_copy(update={"op": "=", "share": "1/3"}), 60, 180)[0].endswith("恰为 60")
    assert kinds.bound_zh(rs, r.model_copy(update={"op": "=", "share": "1/3"}), 3, 10)[0].endswith("恰为 10/3")


def test_the_verifier_rechecks_forced_candidates():
    rule = Rule(id="R", clause="", text="", award="a", kind="count", group="G", min=0)
    pool, ids = _slate(1, 2, 3)
    rs, quotas = _ruleset(rule, 2), Quotas("q", ["U"], {})
    slate = {"a": ids[:2]}
    assert verify_slate(rs, {"p": pool}, quotas, slate, fixed={"c0": True, "c2": False}).ok
    out = verify_slate(rs, {"p": pool}, quotas, slate, fixed={"c2": True, "c1": False})
    assert len(out.violations) == 2 and out.violations[0].startswith("fixed:c2") \
        and out.violations[1].startswith("fixed:c1")


def test_rule_names_of_the_award_level_kinds():
    rs = _ruleset(Rule(id="R", clause="四(二)", text="原文", award="a", kind="count", group="G", min=1), 3)
    assert kinds.rule_name(rs, "R") == "R 四(二) 原文"
    assert "U" in kinds.rule_name(rs, "quota:a:U") and "c1" in kinds.rule_name(rs, "fixed:c1")
