"""CP-SAT against an independent MIP (HiGHS, tests/mip_reference.py) on random small pools.

Whenever CP-SAT says optimal, its slate passes the verifier (and the reference's own checker) and its
stage-1 value (merit less soft penalties) and special-class merit equal the MIP's optimum exactly;
whenever CP-SAT says infeasible, so does the MIP. A rule set that the reader rejects because disjoint
minimums exceed the seats must be infeasible for the MIP too. On tiny pools, a brute force confirms the
MIP itself and the slate the tie-break should pick.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from conftest import ATTRIBUTE_VALUES, count, make_case, share, solve_case, write_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mip_reference import Instance, ReferenceMip, brute_force_slates, preferred_slate

from selector.errors import InputErrors
from selector.reading.pool import read_pool
from selector.reading.quotas import read_quotas
from selector.reading.rules import RuleSet

UNITS = ["U1", "U2", "U3"]

# (group, of, op, fractions): shares of another group, nested up to three levels.
NESTED = [("frontline", "enterprise", ">=", ["60%", "1/2"]), ("leader", "enterprise", "<=", ["15%", "1/3", "1/2"]),
          ("private_leader", "leader", ">=", ["50%", "1/3"]), ("tech_leader", "leader", ">=", ["1/3", "2/3"]),
          ("county_cadre", "institution", "<=", ["20%", "1/3"])]
GE_ALL = (["enterprise", "agriculture", "women", "minority", "frontline", "institution"],
          ["1/5", "1/4", "1/3", "30%", "2/5", "55%"])
LE_ALL = (["institution", "leader", "agriculture", "women", "county_cadre", "enterprise"],
          ["15%", "30%", "1/3", "1/2", "2/3"])
ANY_GROUP = ["enterprise", "frontline", "leader", "private_leader", "tech_leader", "institution", "county_cadre",
             "agriculture", "women", "minority"]
WEIGHTS = ["0.5", "1.25", "3", "7.5", "12"]


@st.composite
def candidates(draw, n_min: int, n_max: int) -> list[dict]:
    n = draw(st.integers(n_min, n_max))
    rows = []
    for i in range(n):
        if draw(st.booleans()):
            score = Decimal(draw(st.integers(280, 400))) / 4  # 70 .. 100 in quarters: 88.25, 90.5
        else:
            score = Decimal(draw(st.integers(700, 1000))) / 10  # 70.0 .. 100.0 in tenths: 88.7
        row = {"id": f"P{i:02d}", "unit": draw(st.sampled_from(UNITS)), "score": str(score)}
        for column in ("sector", "role", "ownership", "tech_sme", "county_cadre", "gender", "minority", "craftsman"):
            row[column] = draw(st.sampled_from(ATTRIBUTE_VALUES[column]))
        rows.append(row)
    return rows


@st.composite
def rule_list(draw, seats: int, special: int) -> list[dict]:
    rules = []
    for k in range(draw(st.integers(0, 5))):
        rid = f"R{k}"
        kind = draw(st.sampled_from(["ge_all", "le_all", "nested", "count", "special", "soft"]))
        if kind == "ge_all":
            rules.append(share(rid, draw(st.sampled_from(GE_ALL[0])), ">=", draw(st.sampled_from(GE_ALL[1]))))
        elif kind == "le_all":
            rules.append(share(rid, draw(st.sampled_from(LE_ALL[0])), "<=", draw(st.sampled_from(LE_ALL[1]))))
        elif kind == "nested":
            group, of, op, fracs = draw(st.sampled_from(NESTED))
            rules.append(share(rid, group, op, draw(st.sampled_from(fracs)), of=of))
        elif kind == "count":
            lo = draw(st.one_of(st.none(), st.integers(0, 3)))
            hi = draw(st.one_of(st.none(), st.integers(min(lo or 0, seats), seats)))
            if lo is None and hi is None:
                hi = draw(st.integers(0, seats))
            rules.append(count(rid, draw(st.sampled_from(ANY_GROUP)), min=lo, max=hi))
        elif kind == "special":
            choice = draw(st.integers(0, 3))
            if choice == 0:
                rules.append(share(rid, "women", ">=", "1/3", award="special"))
            elif choice == 1:
                rules.append(count(rid, "enterprise", min=1, award="special"))
            elif choice == 2:
                rules.append(count(rid, "institution", max=draw(st.integers(0, special)), award="special"))
            else:
                rules.append(share(rid, "agriculture", "<=", "1/2", award="special"))
        else:
            group = draw(st.sampled_from(["women", "minority", "agriculture", "frontline"]))
            op_frac = draw(st.sampled_from([(">=", "1/3"), (">=", "1/2"), (">=", "25%"), ("<=", "1/4")]))
            rules.append(share(rid, group, op_frac[0], op_frac[1], hard=False, weight=draw(st.sampled_from(WEIGHTS))))
    return rules


@st.composite
def instances(draw, n_min: int = 15, n_max: int = 40, seats_range=(5, 12), special_range=(1, 3)) -> dict:
    rows = draw(candidates(n_min, n_max))
    seats = draw(st.integers(*seats_range))
    special = draw(st.integers(*special_range))
    open_seats = draw(st.integers(0, 2))
    mode = draw(st.sampled_from(["cap", "exact"]))
    if mode == "cap":
        q = [draw(st.integers(0, seats)) for _ in UNITS]
        q[0] += max(0, seats - open_seats - sum(q))  # the read check: quotas + open seats cover the seats
    else:
        left = seats - open_seats
        q1 = draw(st.integers(0, left))
        q2 = draw(st.integers(0, left - q1))
        q = [q1, q2, left - q1 - q2]
    eligible = [draw(st.integers(0, 9)) > 0 for _ in rows]
    return {"rows": rows, "rules": draw(rule_list(seats, special)), "seats": seats, "special": special,
            "quotas": dict(zip(UNITS, q)), "quota": mode, "open_seats": open_seats, "eligible": eligible}


def _positions(case, slate: dict[str, list[str]]) -> dict[str, set[int]]:
    index = {c: i for i, c in enumerate(case.pool.ids)}
    return {a: {index[c] for c in chosen} for a, chosen in slate.items()}


def _check_instance(inst_data: dict, folder: Path, tally: Counter) -> None:
    options = {k: inst_data[k] for k in ("seats", "special", "quotas", "quota", "open_seats")}
    try:
        case = make_case(folder, inst_data["rows"], inst_data["rules"], **options)
    except InputErrors as e:
        # The reader refused the rule set before any solver: that must mean no slate can exist.
        assert all("minimums of disjoint groups" in p.message for p in e.problems), e.problems
        rules_path, pool_path, data = write_case(folder, inst_data["rows"], inst_data["rules"], **options)
        rs = RuleSet.model_validate(data)
        quotas = read_quotas(folder / "quotas.csv", rs)
        pool = read_pool(pool_path, rs.pools["individuals"], "individuals", quotas.units)
        assert ReferenceMip(Instance.of(rs, pool, quotas, inst_data["eligible"])).optimise().status == "infeasible"
        tally["refused"] += 1
        return
    eligible = inst_data["eligible"]
    out = solve_case(case, eligible=eligible)
    inst = Instance.of(case.ruleset, case.pool, case.quotas, eligible)
    ref = ReferenceMip(inst).optimise()
    tally[out.status] += 1
    assert out.status in ("optimal", "infeasible"), out.status
    if out.status == "infeasible":
        assert ref.status == "infeasible", "CP-SAT says infeasible, the MIP found a slate"
        return
    assert out.report is not None and out.report.ok, out.report.violations
    assert ref.status == "optimal", "CP-SAT found a slate, the MIP says infeasible"
    slate = _positions(case, out.slate)
    assert inst.feasible(slate)
    sol = out.solution
    assert Fraction(sol.objective, sol.scale) == ref.stage1  # what the solver reports ...
    assert inst.stage1(slate) == ref.stage1  # ... is what the slate achieves
    assert inst.stage2(slate) == ref.stage2  # the special class: best merit given the best slate
    assert Fraction(out.merit.get("special", Decimal(0))) == ref.stage2


def test_cp_sat_matches_independent_mip():
    tally: Counter = Counter()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(instances())
    def check(inst_data):
        with tempfile.TemporaryDirectory() as d:
            _check_instance(inst_data, Path(d), tally)

    check()
    # the property was exercised both ways, not only on infeasible pools
    assert tally["optimal"] >= 15 and tally["infeasible"] + tally["refused"] >= 3, tally


def test_brute_force_confirms_mip_and_tie_break():
    """On tiny pools the reference MIP equals enumeration, and CP-SAT picks the documented slate."""
    tally: Counter = Counter()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(instances(n_min=6, n_max=9, seats_range=(2, 4), special_range=(1, 2)))
    def check(inst_data):
        with tempfile.TemporaryDirectory() as d:
            options = {k: inst_data[k] for k in ("seats", "special", "quotas", "quota", "open_seats")}
            try:
                case = make_case(Path(d), inst_data["rows"], inst_data["rules"], **options)
            except InputErrors:
                tally["refused"] += 1
                return
            eligible = inst_data["eligible"]
            inst = Instance.of(case.ruleset, case.pool, case.quotas, eligible)
            slates = brute_force_slates(inst)
            ref = ReferenceMip(inst).optimise()
            out = solve_case(case, eligible=eligible)
            tally[out.status] += 1
            if not slates:
                assert ref.status == "infeasible" and out.status == "infeasible"
                return
            best, _ = preferred_slate(inst, slates)
            assert ref.status == "optimal" and out.status == "optimal"
            assert (ref.stage1, ref.stage2) == (inst.stage1(best), inst.stage2(best))
            assert _positions(case, out.slate) == best

    check()
    assert tally["optimal"] >= 5, tally
