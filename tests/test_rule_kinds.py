"""One small, hand-checkable test per rule kind: the exact optimal slate and its merit, worked out by hand.

Each pool is small enough to enumerate on paper; the comment above each case gives the reasoning.
Scores carry decimals (88.5, 90.25) so that the exact scaling of scores to integers is exercised.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import count, make_case, share, solve_case


def _assert_slate(out, labour_model: list[str], merit: str, special: list[str] | None = None) -> None:
    assert out.status == "optimal"
    assert out.slate["labour_model"] == sorted(labour_model)
    assert out.merit["labour_model"] == Decimal(merit)
    if special is not None:
        assert out.slate["special"] == sorted(special)
    assert out.report is not None and out.report.ok, out.report.violations if out.report else None


def _check(out, rule_id: str):
    return next(c for c in out.report.checks if c.id == rule_id)


# ------------------------------------------------------------------------------- share >= of the whole
ENTERPRISE_POOL = [
    {"id": "N1", "score": "90.25"}, {"id": "N2", "score": "90"}, {"id": "N3", "score": "89.5"},
    {"id": "N4", "score": "89"},
    {"id": "E1", "score": "80.5", "sector": "enterprise"}, {"id": "E2", "score": "80", "sector": "enterprise"},
    {"id": "E3", "score": "79.75", "sector": "enterprise"}, {"id": "E4", "score": "70", "sector": "enterprise"},
]


@pytest.mark.parametrize("fraction, slate, merit", [
    # 55% of 4 seats = 2.2: three enterprise staff (the three best), then the best other (N1).
    ("55%", ["E1", "E2", "E3", "N1"], "330.5"),
    # 1/2 of 4 = 2: two enterprise staff are enough, so N2 (90) takes E3's seat.
    ("1/2", ["E1", "E2", "N1", "N2"], "340.75"),
])
def test_share_at_least_of_all(case_dir, fraction, slate, merit):
    case = make_case(case_dir, ENTERPRISE_POOL, [share("R1", "enterprise", ">=", fraction)], seats=4)
    out = solve_case(case)
    _assert_slate(out, slate, merit)


def test_share_rule_binds_against_the_unconstrained_slate(case_dir):
    # Control for the share tests: without the rule the four non-enterprise candidates win.
    out = solve_case(make_case(case_dir, ENTERPRISE_POOL, [], seats=4))
    _assert_slate(out, ["N1", "N2", "N3", "N4"], "358.75")


# ------------------------------------------------------------------- share <= of a group (a denominator)
LEADER_POOL = [
    {"id": "L1", "score": "95.5", "sector": "enterprise", "role": "leader"},
    {"id": "L2", "score": "94", "sector": "enterprise", "role": "leader"},
    {"id": "L3", "score": "93", "sector": "enterprise", "role": "leader"},
    {"id": "F1", "score": "70", "sector": "enterprise", "role": "frontline"},
    {"id": "F2", "score": "60", "sector": "enterprise", "role": "frontline"},
    {"id": "O1", "score": "80.25"},
    {"id": "O2", "score": "50"},
]


def test_share_at_most_of_a_group(case_dir):
    # leaders <= 1/2 of enterprise staff, 4 seats. k leaders need at least k enterprise non-leaders, and
    # only F1, F2 exist: k=2 -> L1 L2 F1 F2 = 319.5; k=1 -> L1 F1 O1 F2 = 305.75; k=0 -> 260.25.
    case = make_case(case_dir, LEADER_POOL, [share("R3", "leader", "<=", "1/2", of="enterprise")], seats=4)
    out = solve_case(case)
    _assert_slate(out, ["L1", "L2", "F1", "F2"], "319.5")
    c = _check(out, "R3")
    assert (c.count, c.whole) == (2, 4)


def test_same_group_against_another_denominator(case_dir):
    # The same bound measured against the whole slate: leaders <= 1/2 of 4 = 2 -> L1 L2 O1 F1 = 339.75.
    case = make_case(case_dir, LEADER_POOL, [share("R3", "leader", "<=", "1/2", of="all")], seats=4)
    out = solve_case(case)
    _assert_slate(out, ["L1", "L2", "O1", "F1"], "339.75")
    c = _check(out, "R3")
    assert (c.count, c.whole) == (2, 4)


# ------------------------------------------------------------------------- nested groups, three levels
def test_nested_share_group_within_group_within_group(case_dir):
    # private_leader = ownership private, within leader (role leader), within enterprise (sector).
    # X1 is a private 'leader' outside enterprises: the enterprise condition, two levels up, keeps it out
    # of both leader and private_leader. Rule: private_leader >= 1/2 of leader, 3 seats.
    # Triples by hand: S1 S2 X1 (leaders 2, private 0) no; S1 X1 P1 (leaders 2, private 1) = 256 yes;
    # S1 S2 P1 (3, 1) no; S2 X1 P1 = 255; S1 P1 F1 = 209; X1 P1 F1 = 207. Best: S1 X1 P1 = 256.
    # Were `within` ignored, X1 would be private_leader and S1 S2 X1 = 294 would pass.
    rows = [
        {"id": "S1", "score": "99", "sector": "enterprise", "role": "leader", "ownership": "state"},
        {"id": "S2", "score": "98", "sector": "enterprise", "role": "leader", "ownership": "state"},
        {"id": "X1", "score": "97", "sector": "other", "role": "leader", "ownership": "private"},
        {"id": "P1", "score": "60", "sector": "enterprise", "role": "leader", "ownership": "private"},
        {"id": "F1", "score": "50", "sector": "enterprise", "role": "frontline"},
    ]
    case = make_case(case_dir, rows, [share("R4", "private_leader", ">=", "50%", of="leader")], seats=3)
    out = solve_case(case)
    _assert_slate(out, ["S1", "X1", "P1"], "256")
    c = _check(out, "R4")
    assert (c.count, c.whole) == (1, 2)


# ------------------------------------------------------------------------------------- 1/3 exactly
TECH_POOL = [
    {"id": "L1", "score": "99", "sector": "enterprise", "role": "leader"},
    {"id": "L2", "score": "98", "sector": "enterprise", "role": "leader"},
    {"id": "L3", "score": "97", "sector": "enterprise", "role": "leader"},
    {"id": "T1", "score": "70", "sector": "enterprise", "role": "leader", "tech_sme": "yes"},
    {"id": "T2", "score": "60", "sector": "enterprise", "role": "leader", "tech_sme": "yes"},
    {"id": "F1", "score": "80", "sector": "enterprise", "role": "frontline"},
    {"id": "F2", "score": "75.5", "sector": "enterprise", "role": "frontline"},
]


def test_one_third_three_leaders_need_one_tech_sme(case_dir):
    # tech_leader >= 1/3 of leader, 4 seats. 3 leaders need 1 tech SME: L1 L2 T1 F1 = 347, better than
    # 4 leaders with 2 tech SMEs (L1 L2 T1 T2 = 327) and 2 leaders (L1 T1 F1 F2 = 324.5).
    case = make_case(case_dir, TECH_POOL, [share("R5", "tech_leader", ">=", "1/3", of="leader")], seats=4)
    out = solve_case(case)
    _assert_slate(out, ["L1", "L2", "T1", "F1"], "347")
    c = _check(out, "R5")
    assert (c.count, c.whole) == (1, 3)


def test_one_third_four_leaders_need_two_tech_smes(case_dir):
    # Only leaders in the pool, so 4 leaders: 4/3 rounds up to 2 tech SMEs. L1 L2 L3 T1 (364) has one
    # and fails; L1 L2 T1 T2 = 327.
    rows = [r for r in TECH_POOL if r["id"] not in ("F1", "F2")]
    case = make_case(case_dir, rows, [share("R5", "tech_leader", ">=", "1/3", of="leader")], seats=4)
    out = solve_case(case)
    _assert_slate(out, ["L1", "L2", "T1", "T2"], "327")


@pytest.mark.parametrize("fraction, slate, merit", [
    # 1/3 of 3 leaders is exactly 1: T1 L1 L2 = 198.75.
    ("1/3", ["T1", "L1", "L2"], "198.75"),
    # 33% of 3 leaders is 0.99: no tech SME fits, so L1 L2 F1 = 159.25. 1/3 is not 33%.
    ("33%", ["L1", "L2", "F1"], "159.25"),
])
def test_one_third_is_not_33_percent(case_dir, fraction, slate, merit):
    rows = [
        {"id": "T1", "score": "99.5", "sector": "enterprise", "role": "leader", "tech_sme": "yes"},
        {"id": "T2", "score": "98", "sector": "enterprise", "role": "leader", "tech_sme": "yes"},
        {"id": "L1", "score": "50.25", "sector": "enterprise", "role": "leader"},
        {"id": "L2", "score": "49", "sector": "enterprise", "role": "leader"},
        {"id": "F1", "score": "60", "sector": "enterprise", "role": "frontline"},
    ]
    case = make_case(case_dir, rows, [share("Rx", "tech_leader", "<=", fraction, of="leader")], seats=3)
    out = solve_case(case)
    _assert_slate(out, slate, merit)


# ----------------------------------------------------------------------------------- count min / max
COUNT_POOL = [
    {"id": "I1", "score": "99", "sector": "institution"}, {"id": "I2", "score": "98.5", "sector": "institution"},
    {"id": "I3", "score": "98", "sector": "institution"},
    {"id": "A1", "score": "70", "sector": "agriculture"}, {"id": "A2", "score": "60.5", "sector": "agriculture"},
    {"id": "A3", "score": "50", "sector": "agriculture"},
    {"id": "E1", "score": "80", "sector": "enterprise"}, {"id": "E2", "score": "75", "sector": "enterprise"},
]


def test_count_fixed_raises_a_group(case_dir):
    # Exactly 2 agriculture among 4: A1 A2, then the best two others I1 I2 = 328.
    case = make_case(case_dir, COUNT_POOL, [count("F", "agriculture", min=2, max=2)], seats=4)
    _assert_slate(solve_case(case), ["A1", "A2", "I1", "I2"], "328")


def test_count_fixed_holds_a_group_down(case_dir):
    # Agriculture now scores highest: exactly 2 still means 2, not 3: A1 A2 E1 E2 = 354.25.
    rows = [{"id": "A1", "score": "99.5", "sector": "agriculture"},
            {"id": "A2", "score": "99.25", "sector": "agriculture"},
            {"id": "A3", "score": "99", "sector": "agriculture"},
            {"id": "E1", "score": "80", "sector": "enterprise"}, {"id": "E2", "score": "75.5", "sector": "enterprise"}]
    case = make_case(case_dir, rows, [count("F", "agriculture", min=2, max=2)], seats=4)
    _assert_slate(solve_case(case), ["A1", "A2", "E1", "E2"], "354.25")


def test_count_cap(case_dir):
    # 控制数: at most 1 institution. Unconstrained I1 I2 I3 E1; capped: I1 E1 E2 A1 = 324.
    case = make_case(case_dir, COUNT_POOL, [count("K", "institution", max=1)], seats=4)
    out = solve_case(case)
    _assert_slate(out, ["I1", "E1", "E2", "A1"], "324")


def test_count_minimum(case_dir):
    # At least 1 agriculture: I1 I2 I3 A1 = 365.5.
    case = make_case(case_dir, COUNT_POOL, [count("M", "agriculture", min=1)], seats=4)
    _assert_slate(solve_case(case), ["I1", "I2", "I3", "A1"], "365.5")


# ------------------------------------------------------------------------- rules of the subset award
SUBSET_POOL = [
    {"id": "M1", "score": "99"}, {"id": "M2", "score": "98"}, {"id": "M3", "score": "97"}, {"id": "M4", "score": "96"},
    {"id": "W1", "score": "60", "gender": "female"}, {"id": "W2", "score": "55.5", "gender": "female"},
]


def test_rule_scoped_to_the_special_class(case_dir):
    # Women >= 1/2 of the special class (2 of 4 labour models). The special class must hold a woman, so
    # the slate must too: M1 M2 M3 W1 = 354 (not M1..M4 = 390), special M1 W1. The slate itself has 1
    # woman of 4 (25%), which is fine: the rule counts the special class only.
    case = make_case(case_dir, SUBSET_POOL, [share("SP", "women", ">=", "1/2", award="special")],
                     seats=4, special=2)
    out = solve_case(case)
    _assert_slate(out, ["M1", "M2", "M3", "W1"], "354", special=["M1", "W1"])
    assert out.merit["special"] == Decimal("159")
    c = _check(out, "SP")
    assert (c.count, c.whole) == (1, 2)


def test_rule_of_the_slate_does_not_bind_the_special_class(case_dir):
    # Women >= 1/4 of the labour models: the slate takes W1; the special class (1 seat) stays M1.
    case = make_case(case_dir, SUBSET_POOL, [share("W", "women", ">=", "1/4")], seats=4, special=1)
    out = solve_case(case)
    _assert_slate(out, ["M1", "M2", "M3", "W1"], "354", special=["M1"])


def test_special_implies_selected(case_dir):
    # No institution in the slate (cap 0). I1 has the best score but cannot be a labour model, so it
    # cannot be special either: the special class is the best of the slate, E1.
    rows = [{"id": "I1", "score": "99", "sector": "institution"},
            {"id": "E1", "score": "70", "sector": "enterprise"},
            {"id": "A1", "score": "60", "sector": "agriculture"},
            {"id": "A2", "score": "50.5", "sector": "agriculture"}]
    case = make_case(case_dir, rows, [count("K", "institution", max=0)], seats=3, special=1)
    out = solve_case(case)
    _assert_slate(out, ["E1", "A1", "A2"], "180.5", special=["E1"])
    assert out.merit["special"] == Decimal("70")


# ------------------------------------------------------------------------------------------ quotas
UNIT_POOL = [
    {"id": "a", "unit": "U1", "score": "99"}, {"id": "b", "unit": "U1", "score": "98"},
    {"id": "c", "unit": "U1", "score": "97"},
    {"id": "d", "unit": "U2", "score": "50.5"}, {"id": "e", "unit": "U2", "score": "40"},
]


def test_quota_cap(case_dir):
    # Cap U1 2, U2 2, 3 seats: a b from U1, then d. U2 may stay below its quota (1 of 2).
    case = make_case(case_dir, UNIT_POOL, seats=3, quotas={"U1": 2, "U2": 2})
    out = solve_case(case)
    _assert_slate(out, ["a", "b", "d"], "247.5")
    assert out.report.unit_fill["labour_model"] == {"U1": (2, 2), "U2": (1, 2)}


def test_quota_exact(case_dir):
    # Exact U1 1, U2 2: U2's weaker candidates fill its quota: a d e = 189.5.
    case = make_case(case_dir, UNIT_POOL, seats=3, quotas={"U1": 1, "U2": 2}, quota="exact")
    out = solve_case(case)
    _assert_slate(out, ["a", "d", "e"], "189.5")
    assert out.report.unit_fill["labour_model"] == {"U1": (1, 1), "U2": (2, 2)}


def test_quota_exact_infeasible_when_a_unit_cannot_fill(case_dir):
    rows = [r for r in UNIT_POOL if r["id"] != "e"]
    case = make_case(case_dir, rows, seats=3, quotas={"U1": 1, "U2": 2}, quota="exact")
    assert solve_case(case).status == "infeasible"


@pytest.mark.parametrize("open_seats, slate, merit", [
    # 单列: quotas U1 1, U2 1 and one open seat: b goes beyond U1's quota, then d. Not a b c.
    (1, ["a", "b", "d"], "247.5"),
    # Two open seats: U1 may take 1 + 2, so a b c = 294 and U2 gets none.
    (2, ["a", "b", "c"], "294"),
])
def test_open_seats_beyond_unit_quotas(case_dir, open_seats, slate, merit):
    case = make_case(case_dir, UNIT_POOL, seats=3, quotas={"U1": 1, "U2": 1}, open_seats=open_seats)
    _assert_slate(solve_case(case), slate, merit)


def test_open_seat_with_exact_quotas(case_dir):
    # Exact U1 1, U2 2 plus one open seat (4 seats): every quota filled, the open seat to U1's b.
    case = make_case(case_dir, UNIT_POOL, seats=4, quotas={"U1": 1, "U2": 2}, quota="exact", open_seats=1)
    _assert_slate(solve_case(case), ["a", "b", "d", "e"], "287.5")


# ------------------------------------------------------------------------------------- soft targets
SOFT_POOL = [
    {"id": "M1", "score": "99"}, {"id": "M2", "score": "98"}, {"id": "M3", "score": "97"}, {"id": "M4", "score": "96"},
    {"id": "W1", "score": "90", "gender": "female"}, {"id": "W2", "score": "85.5", "gender": "female"},
]


@pytest.mark.parametrize("weight, slate, short, objective", [
    # Target: women >= 1/2 of 4 = 2, soft. The first woman costs 96 - 90 = 6 merit, the second
    # 97 - 85.5 = 11.5. A weight below 6 buys none, between 6 and 11.5 one, above 11.5 both.
    ("5.5", ["M1", "M2", "M3", "M4"], 2, "379"),       # 390 - 2 x 5.5
    ("6.5", ["M1", "M2", "M3", "W1"], 1, "377.5"),     # 384 - 6.5
    ("11.25", ["M1", "M2", "M3", "W1"], 1, "372.75"),  # 384 - 11.25
    ("11.75", ["M1", "M2", "W1", "W2"], 0, "372.5"),   # 372.5, nothing short
])
def test_soft_target_trades_merit_by_its_weight(case_dir, weight, slate, short, objective):
    case = make_case(case_dir, SOFT_POOL, [share("R10", "women", ">=", "1/2", hard=False, weight=weight)], seats=4)
    out = solve_case(case)
    assert out.status == "optimal"
    assert out.slate["labour_model"] == sorted(slate)
    sol = out.solution
    assert Decimal(sol.objective) / Decimal(sol.scale) == Decimal(objective)
    assert out.report.ok  # a soft target missed is not a violation
    c = _check(out, "R10")
    assert c.short == short and c.ok == (short == 0)


# ------------------------------------------------------------------------------------------- seats
SEAT_POOL = [{"id": "a", "score": "99"}, {"id": "b", "score": "98.5"}, {"id": "c", "score": "97.25"},
             {"id": "d", "score": "96"}, {"id": "e", "score": "95"}]


def test_seat_totals_exact(case_dir):
    # 3 seats of 5: exactly the three best, never more; the special class exactly 2, the two best.
    case = make_case(case_dir, SEAT_POOL, seats=3, special=2)
    out = solve_case(case)
    _assert_slate(out, ["a", "b", "c"], "294.75", special=["a", "b"])
    assert out.merit["special"] == Decimal("197.5")


def test_seats_more_than_candidates_is_infeasible(case_dir):
    case = make_case(case_dir, SEAT_POOL, seats=6)
    assert solve_case(case).status == "infeasible"


def test_ineligible_candidates_never_selected(case_dir):
    case = make_case(case_dir, SEAT_POOL, seats=3)
    out = solve_case(case, eligible=[False, True, True, True, True])
    _assert_slate(out, ["b", "c", "d"], "291.75")
