"""Eligibility screening (issue 3): one test per rule of the Fuxin rule set at and on either side of its
boundary, the official working-day calendar, rule-set validation, a pool where screening changes the
optimal slate, and the sample scenario's planted ineligible candidates derived from generate.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ruleset_data, toml_dumps, write_pool, write_quotas
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selector.errors import InputErrors
from selector.pipeline import load_inputs, select, select_screened
from selector.reading.eligibility import CalendarError, calendar_years, screen, working_days
from selector.reading.pool import read_pool
from selector.reading.rule_checks import load_ruleset

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

ROOT = Path(__file__).resolve().parents[1]
FUXIN = ROOT / "models" / "fuxin-2021.toml"
SAMPLE = ROOT / "scenarios" / "fuxin-2021"

EIGHT = ["development_reform", "public_security", "hr_social_security", "ecology_environment",
         "emergency_management", "market_regulation", "trade_union", "tax"]

# An eligible enterprise frontline worker: every condition met with room to spare.
PERSON = {"id": "P1", "name": "张伟", "unit": "海州区", "score": "80", "sector": "enterprise", "role": "frontline",
          "ownership": "private", "tech_sme": "no", "county_cadre": "no", "gender": "male", "minority": "no",
          "craftsman": "none", "honour_basis": "county_model", "direct": "no", "grassroots_vote": "0.90",
          "review_vote": "0.80", "notice_start": "2021-03-25", "notice_end": "2021-04-01", "post_years": "5",
          "clearances": "", "already_model": "no", "active_military": "no", "retired": "no", "violation": "no",
          "safety_accident": "no", "wage_arrears": "no", "insurance_arrears": "no"}
LEADER = {**PERSON, "role": "leader", "clearances": ";".join(EIGHT + ["united_front", "industry_commerce"])}
STATE_LEADER = {**LEADER, "ownership": "state",
                "clearances": ";".join(EIGHT + ["discipline_inspection", "audit", "organisation"])}
COLLECTIVE = {"id": "K1", "name": "某班组", "unit": "海州区", "score": "80", "kind": "enterprise",
              "ownership": "private", "tech_sme": "no", "new_economy": "no", "admin_county_unit": "no",
              "grassroots_vote": "0.90", "review_vote": "0.80", "notice_start": "2021-03-25",
              "notice_end": "2021-04-01", "already_model": "no", "active_military": "no", "retired": "no",
              "violation": "no", "safety_accident": "no", "wage_arrears": "no", "insurance_arrears": "no"}


@pytest.fixture(scope="module")
def fuxin():
    return load_ruleset(FUXIN)


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def screened(ruleset, tmp_path: Path, rows: list[dict], kind: str = "individuals"):
    """Screen rows (ids made unique) as a pool of the given kind; -> list of the candidates' reasons."""
    rows = [{**r, "id": f"X{i}"} for i, r in enumerate(rows)]
    path = _write_csv(tmp_path / f"{kind}.csv", rows)
    pool = read_pool(path, ruleset.pools[kind], kind, None)
    return [c.reasons for c in screen(ruleset, {kind: pool}).candidates]


def failed(ruleset, tmp_path, row: dict, kind: str = "individuals") -> list[str]:
    """The ids of the rules one candidate fails."""
    return [r.rule for r in screened(ruleset, tmp_path, [row], kind)[0]]


def test_the_baseline_candidates_are_eligible(fuxin, tmp_path):
    assert screened(fuxin, tmp_path, [PERSON, LEADER, STATE_LEADER]) == [(), (), ()]
    assert failed(fuxin, tmp_path, COLLECTIVE, "collectives") == []


# ------------------------------------------------------------------------------------ thresholds
@pytest.mark.parametrize("vote, fails", [
    ("80%", False), ("0.8", False), ("80", False),  # 不足80% fails: exactly 80% passes
    ("79.99%", True), ("0.7999", True), ("80.01%", False), ("0.79", True)])
def test_E5_grassroots_vote_80_percent(fuxin, tmp_path, vote, fails):
    assert failed(fuxin, tmp_path, {**PERSON, "grassroots_vote": vote}) == (["E5"] if fails else [])
    assert failed(fuxin, tmp_path, {**COLLECTIVE, "grassroots_vote": vote}, "collectives") == (
        ["E5"] if fails else [])


def test_E5_reason_names_clause_sentence_and_value(fuxin, tmp_path):
    (reason,) = screened(fuxin, tmp_path, [{**PERSON, "grassroots_vote": "79.99%"}])[0]
    assert (reason.rule, reason.clause) == ("E5", "八.1")
    assert "得票不足80%的不得推荐" in reason.text
    assert "79.99%" in reason.value and "80%" in reason.value


def test_blank_vote_fails_with_its_own_message(fuxin, tmp_path):
    (reason,) = screened(fuxin, tmp_path, [{**PERSON, "grassroots_vote": ""}])[0]
    assert reason.rule == "E5" and "blank" in reason.value


@pytest.mark.parametrize("vote, fails", [("60%", False), ("59.99%", True), ("60.01%", False), ("0.59", True)])
def test_E6_review_vote_60_percent(fuxin, tmp_path, vote, fails):
    assert failed(fuxin, tmp_path, {**PERSON, "review_vote": vote}) == (["E6"] if fails else [])
    assert failed(fuxin, tmp_path, {**COLLECTIVE, "review_vote": vote}, "collectives") == (
        ["E6"] if fails else [])


@pytest.mark.parametrize("years, fails", [("2", False), ("1.99", True), ("2.01", False), ("1.5", True), ("", True)])
def test_E7_enterprise_leader_two_years_in_post(fuxin, tmp_path, years, fails):
    assert failed(fuxin, tmp_path, {**LEADER, "post_years": years}) == (["E7-post"] if fails else [])


def test_E7_post_years_do_not_apply_to_others(fuxin, tmp_path):
    assert failed(fuxin, tmp_path, {**PERSON, "post_years": "0.5"}) == []
    assert failed(fuxin, tmp_path, {**PERSON, "sector": "institution", "role": "leader", "ownership": "",
                                    "post_years": "0.5", "clearances": "organisation;discipline_inspection"}) == []


# ------------------------------------------------------------------------------------ clearances
@pytest.mark.parametrize("missing", EIGHT)
def test_E7_each_of_the_eight_departments_is_needed(fuxin, tmp_path, missing):
    clear = [c for c in LEADER["clearances"].split(";") if c != missing]
    (reason,) = screened(fuxin, tmp_path, [{**LEADER, "clearances": ";".join(clear)}])[0]
    assert reason.rule == "E7-clearance" and reason.clause == "八.5"
    assert f"missing {missing}" in reason.value


def test_E7_every_missing_department_is_named(fuxin, tmp_path):
    clear = [c for c in LEADER["clearances"].split(";") if c not in ("tax", "public_security")]
    (reason,) = screened(fuxin, tmp_path, [{**LEADER, "clearances": ";".join(clear)}])[0]
    assert "public_security (公安)" in reason.value and "tax (税务)" in reason.value


@pytest.mark.parametrize("ownership", ["private", "other"])
@pytest.mark.parametrize("missing", ["united_front", "industry_commerce"])
def test_E7_non_public_leaders_need_united_front_and_industry_commerce(fuxin, tmp_path, ownership, missing):
    clear = [c for c in LEADER["clearances"].split(";") if c != missing]
    row = {**LEADER, "ownership": ownership, "clearances": ";".join(clear)}
    (reason,) = screened(fuxin, tmp_path, [row])[0]
    assert reason.rule == "E7-non-public" and missing in reason.value
    assert failed(fuxin, tmp_path, {**LEADER, "ownership": ownership}) == []


@pytest.mark.parametrize("missing", ["discipline_inspection", "audit", "organisation"])
def test_E7_state_leaders_need_discipline_audit_and_organisation(fuxin, tmp_path, missing):
    clear = [c for c in STATE_LEADER["clearances"].split(";") if c != missing]
    (reason,) = screened(fuxin, tmp_path, [{**STATE_LEADER, "clearances": ";".join(clear)}])[0]
    assert reason.rule == "E7-state" and missing in reason.value


def test_E7_state_leaders_need_no_united_front_and_non_leaders_no_clearance(fuxin, tmp_path):
    assert failed(fuxin, tmp_path, STATE_LEADER) == []  # no united_front / industry_commerce
    assert failed(fuxin, tmp_path, {**PERSON, "ownership": "state", "clearances": ""}) == []


@pytest.mark.parametrize("clear, fails", [
    ("organisation;discipline_inspection", False), ("organisation", True), ("discipline_inspection", True),
    ("", True)])
def test_E8_leading_cadres_need_organisation_and_discipline(fuxin, tmp_path, clear, fails):
    row = {**PERSON, "sector": "institution", "role": "leader", "ownership": "", "clearances": clear}
    assert failed(fuxin, tmp_path, row) == (["E8"] if fails else [])
    staff = {**row, "role": "staff", "clearances": ""}
    assert failed(fuxin, tmp_path, staff) == []


# ------------------------------------------------------------------------------------ honour basis
@pytest.mark.parametrize("basis, direct, fails", [
    ("none", "no", True), ("none", "yes", False), ("county_model", "no", False), ("city_honour", "no", False),
    ("higher", "no", False)])
def test_E2_honour_basis_or_direct_recommendation(fuxin, tmp_path, basis, direct, fails):
    assert failed(fuxin, tmp_path, {**PERSON, "honour_basis": basis, "direct": direct}) == (
        ["E2"] if fails else [])


# ------------------------------------------------------------------------------------ exclusions
@pytest.mark.parametrize("flag, rule", [
    ("violation", "E4-violation"), ("safety_accident", "E4-safety"), ("wage_arrears", "E4-wages"),
    ("insurance_arrears", "E4-insurance"), ("already_model", "E9-model"), ("active_military", "E9-military"),
    ("retired", "E9-retired")])
def test_E4_E9_exclusion_flags(fuxin, tmp_path, flag, rule):
    assert failed(fuxin, tmp_path, {**PERSON, flag: "yes"}) == [rule]
    assert failed(fuxin, tmp_path, {**PERSON, flag: "no"}) == []
    assert failed(fuxin, tmp_path, {**COLLECTIVE, flag: "是"}, "collectives") == [rule]


def test_C4_county_administrative_units_are_not_collectives(fuxin, tmp_path):
    assert failed(fuxin, tmp_path, {**COLLECTIVE, "kind": "institution", "admin_county_unit": "yes"},
                  "collectives") == ["C4"]
    assert failed(fuxin, tmp_path, {**COLLECTIVE, "kind": "institution", "admin_county_unit": "no"},
                  "collectives") == []


def test_every_failed_rule_is_a_reason(fuxin, tmp_path):
    row = {**LEADER, "grassroots_vote": "0.5", "post_years": "1", "retired": "yes"}
    assert failed(fuxin, tmp_path, row) == ["E5", "E7-post", "E9-retired"]


# ------------------------------------------------------------------------------------ working days
def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_qingming_2021_leaves_four_working_days():
    # 1, 2 April (Thu, Fri), 3-5 April Qingming holiday, 6, 7 April (Tue, Wed)
    assert working_days(d("2021-04-01"), d("2021-04-07")) == 4


def test_make_up_sunday_25_april_2021_is_a_working_day():
    # Sat 24 off, Sun 25 a make-up working day, Mon 26 - Thu 29: 5 working days
    assert working_days(d("2021-04-24"), d("2021-04-29")) == 5
    assert working_days(d("2021-04-25"), d("2021-04-25")) == 1


def test_working_days_count_both_ends_and_skip_weekends():
    assert working_days(d("2021-03-22"), d("2021-03-26")) == 5  # Mon-Fri
    assert working_days(d("2021-03-20"), d("2021-03-21")) == 0  # a plain weekend
    assert working_days(d("2021-10-01"), d("2021-10-07")) == 0  # National Day golden week


@pytest.mark.parametrize("start, end, fails", [
    ("2021-04-01", "2021-04-07", True),  # Qingming: 4
    ("2021-04-01", "2021-04-08", False),  # 5
    ("2021-04-24", "2021-04-29", False),  # make-up Sunday: 5
    ("2021-04-26", "2021-04-29", True),  # Mon-Thu: 4
    ("2021-03-22", "2021-03-26", False),  # Mon-Fri: exactly 5
    ("2021-04-07", "2021-04-01", True),  # ends before it starts
    ("", "2021-04-01", True),  # no notice recorded
])
def test_T2_public_notice_of_five_working_days(fuxin, tmp_path, start, end, fails):
    reasons = screened(fuxin, tmp_path, [{**PERSON, "notice_start": start, "notice_end": end}])[0]
    assert [r.rule for r in reasons] == (["T2"] if fails else [])


def test_T2_reason_gives_the_dates_and_the_count(fuxin, tmp_path):
    (reason,) = screened(fuxin, tmp_path, [{**PERSON, "notice_start": "2021-04-01",
                                            "notice_end": "2021-04-07"}])[0]
    assert reason.clause == "九(二)" and "2021-04-01..2021-04-07" in reason.value and "4 working days" in reason.value


def test_a_year_outside_the_calendar_is_a_clear_error(fuxin, tmp_path):
    lo, hi = calendar_years()
    late = dt.date(hi + 3, 3, 2)
    with pytest.raises(CalendarError, match="outside the years"):
        working_days(late, late + dt.timedelta(days=7))
    rows = [PERSON, {**PERSON, "notice_start": late.isoformat(), "notice_end": (late + dt.timedelta(7)).isoformat()}]
    with pytest.raises(InputErrors) as e:
        screened(fuxin, tmp_path, rows)
    (problem,) = e.value.problems
    assert problem.row == 3 and problem.column == "notice_start" and problem.rule == "T2"
    assert f"{lo}-{hi}" in problem.message and "holidays" in problem.message


def test_the_rule_set_can_supply_a_year_the_package_lacks(tmp_path):
    _, hi = calendar_years()
    year = hi + 3
    first_monday = next(dt.date(year, 3, k) for k in range(1, 8) if dt.date(year, 3, k).weekday() == 0)
    holiday = first_monday + dt.timedelta(days=2)  # a Wednesday declared off
    makeup = first_monday + dt.timedelta(days=5)  # that Saturday declared on
    assert working_days(first_monday, first_monday + dt.timedelta(days=6), [holiday], [makeup]) == 5
    rows = [{"id": "A", "score": "90", "notice_start": first_monday.isoformat(),
             "notice_end": (first_monday + dt.timedelta(days=4)).isoformat()}]
    inputs = _tiny_inputs(tmp_path, rows, [_t2(holidays=[holiday], workdays=[makeup])],
                          extra_attributes=_NOTICE_ATTRIBUTES)
    (c,) = screen(inputs.ruleset, inputs.pools).candidates
    assert [r.rule for r in c.reasons] == ["T2"] and "4 working days" in c.reasons[0].value


# ------------------------------------------------------------------------------------ rule-set schema
_VOTE_ATTRIBUTE = {"column": "grassroots_vote", "type": "share", "required": False, "allow_blank": True}
_NOTICE_ATTRIBUTES = [{"column": c, "type": "date", "required": False, "allow_blank": True}
                      for c in ("notice_start", "notice_end")]


def _e5(**over) -> dict:
    return {"id": "E5", "clause": "八.1", "text": "得票不足80%的不得推荐", "pool": "individuals",
            "check": "min_share", "attribute": "grassroots_vote", "min": "80%", **over}


def _t2(**over) -> dict:
    return {"id": "T2", "clause": "九(二)", "text": "公示时间不少于5个工作日", "pool": "individuals",
            "check": "working_days", "start": "notice_start", "end": "notice_end", "min": 5, **over}


def _write_rules(folder: Path, eligibility: list[dict], extra_attributes=(), seats: int = 2, rules=()) -> Path:
    data = ruleset_data(list(rules), seats=seats)
    data["pools"]["individuals"]["attributes"] = data["pools"]["individuals"]["attributes"] + list(extra_attributes)
    data["eligibility"] = eligibility
    text = toml_dumps(data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _tiny_inputs(folder: Path, rows: list[dict], eligibility: list[dict], extra_attributes=(), seats: int = 2,
                 quotas: dict[str, int] | None = None, rules=()):
    for e in eligibility:  # dates as ISO text (a TOML file may also write them bare: 2029-03-07)
        for key in ("holidays", "workdays"):
            if key in e:
                e[key] = [x.isoformat() for x in e[key]]
    path = _write_rules(folder, eligibility, extra_attributes, seats, rules)
    write_quotas(folder / "quotas.csv", quotas or {u: seats for u in dict.fromkeys(r.get("unit", "U1") for r in rows)})
    pool = write_pool(folder / "individuals.csv", rows)
    return load_inputs(path, {"individuals": pool})


@pytest.mark.parametrize("change, message", [
    ({"attribute": "grassroots_votes"}, "not declared"),
    ({"attribute": "sector"}, "needs an attribute of type share"),
    ({"min": "180%"}, "outside 0..100%"),
    ({"min": "eighty"}, "not a number"),
    ({"value": "no"}, "does not apply"),
    ({"pool": "people"}, "undeclared pool"),
    ({"when": "nobody"}, "undeclared group"),
    ({"when": {"sector": ["enterprize"]}}, "value 'enterprize' not declared"),
    ({"check": "flag_is"}, "needs 'value'"),
])
def test_bad_eligibility_rules_are_named(tmp_path, change, message):
    path = _write_rules(tmp_path, [_e5(**change)], [_VOTE_ATTRIBUTE])
    with pytest.raises(InputErrors) as e:
        load_ruleset(path)
    assert any(message in p.message and (p.rule or "").startswith("E5") for p in e.value.problems), e.value


def test_flag_and_set_values_must_be_declared(tmp_path):
    rules = [{"id": "X1", "clause": "五", "text": "…", "pool": "individuals", "check": "flag_is",
              "attribute": "tech_sme", "value": "maybe"}]
    with pytest.raises(InputErrors, match="value 'maybe' not declared"):
        load_ruleset(_write_rules(tmp_path, rules))


def test_the_fuxin_rule_set_declares_the_notices_rules(fuxin):
    ids = {e.id for e in fuxin.eligibility}
    assert {"E2", "E5", "E6", "T2", "E7-post", "E7-clearance", "E7-non-public", "E7-state", "E8", "C4"} <= ids
    assert all(e.clause and e.text for e in fuxin.eligibility)


# ------------------------------------------------------------------------------------ screening and the slate
def test_screening_changes_the_optimal_slate(tmp_path):
    rows = [{"id": "A", "score": "99", "grassroots_vote": "0.7999"},  # the best score, but 不足80%
            {"id": "B", "score": "90", "grassroots_vote": "0.8"},
            {"id": "C", "score": "80.5", "grassroots_vote": "0.95"},
            {"id": "D", "score": "70", "grassroots_vote": "0.81"}]
    inputs = _tiny_inputs(tmp_path, rows, [_e5()], [_VOTE_ATTRIBUTE], seats=2)
    unscreened = select(inputs)
    assert unscreened.awards["labour_model"].selected == ["A", "B"]
    screening, result = select_screened(inputs)
    assert screening.masks == {"individuals": [False, True, True, True]}
    assert result.status == "optimal" and result.verified
    assert result.awards["labour_model"].selected == ["B", "C"]
    assert Decimal(result.awards["labour_model"].merit) == Decimal("170.5")
    assert result.pools["individuals"].eligible == 3
    (out,) = result.screening.screened_out
    assert out.id == "A" and out.reasons[0].startswith("E5 八.1")


def test_unit_summary_counts_submitted_eligible_quota_and_shortfall(tmp_path):
    rows = [{"id": "A", "unit": "甲", "score": "90", "grassroots_vote": "0.5"},
            {"id": "B", "unit": "甲", "score": "90", "grassroots_vote": "0.9"},
            {"id": "C", "unit": "乙", "score": "90", "grassroots_vote": "0.9"}]
    inputs = _tiny_inputs(tmp_path, rows, [_e5()], [_VOTE_ATTRIBUTE], seats=3, quotas={"甲": 2, "乙": 1, "丙": 0})
    units = {u.unit: u for u in screen(inputs.ruleset, inputs.pools, inputs.quotas).units}
    assert list(units) == ["甲", "乙", "丙"]
    assert (units["甲"].submitted, units["甲"].eligible, units["甲"].quota, units["甲"].shortfall) == (2, 1, 2, 1)
    assert (units["乙"].submitted, units["乙"].eligible, units["乙"].quota, units["乙"].shortfall) == (1, 1, 1, 0)
    assert (units["丙"].submitted, units["丙"].shortfall) == (0, 0)


def test_preferences_are_marked(fuxin, tmp_path):
    rows = [{**PERSON, "craftsman": "liaoning"}, {**LEADER, "tech_sme": "yes"}, PERSON]
    path = _write_csv(tmp_path / "p.csv", [{**r, "id": f"X{i}"} for i, r in enumerate(rows)])
    pool = read_pool(path, fuxin.pools["individuals"], "individuals", None)
    marks = [c.preferences for c in screen(fuxin, {"individuals": pool}).candidates]
    assert marks == [("辽宁工匠",), ("科技型中小企业",), ()]


# ------------------------------------------------------------------------------------ the sample scenario
DEFECT_RULE = {  # generate.py's planted defects -> the rule that must catch each one
    "grassroots_vote": "E5", "review_vote": "E6", "already_model": "E9-model", "retired": "E9-retired",
    "active_military": "E9-military", "violation": "E4-violation", "wage_arrears": "E4-wages",
    "short_post": "E7-post", "state_no_audit": "E7-state", "private_no_united_front": "E7-non-public",
    "no_basis": "E2", "short_notice": "T2", "admin_county_unit": "C4", "safety_accident": "E4-safety",
    "insurance_arrears": "E4-insurance"}


def _planted() -> tuple[dict[str, str], list[dict], list[dict]]:
    """Run generate.py (seed 2021) with its `plant` wrapped: id -> defect of every planted candidate."""
    spec = importlib.util.spec_from_file_location("fuxin_generate", SAMPLE / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    planted: list[tuple[dict, str]] = []
    original = gen.plant

    def plant(rng, row, defect):
        planted.append((row, defect))
        return original(rng, row, defect)

    gen.plant = plant
    individuals, collectives = gen.generate(2021)
    return {row["id"]: defect for row, defect in planted}, individuals, collectives


def test_sample_screening_finds_exactly_the_planted_candidates():
    planted, individuals, collectives = _planted()
    for name, rows in (("individuals.csv", individuals), ("collectives.csv", collectives)):
        with open(SAMPLE / name, encoding="utf-8") as f:  # the committed pools are generate.py's output
            assert [dict(r) for r in csv.DictReader(f)] == [{k: str(v) for k, v in r.items()} for r in rows]
    assert sum(i.startswith("I") for i in planted) == 12 and sum(i.startswith("C") for i in planted) == 4
    inputs = load_inputs(FUXIN, {"individuals": SAMPLE / "individuals.csv",
                                 "collectives": SAMPLE / "collectives.csv"})
    screening = screen(inputs.ruleset, inputs.pools, inputs.quotas)
    out = {c.id: c for c in screening.screened_out}
    assert set(out) == set(planted)
    for cid, defect in planted.items():
        assert [r.rule for r in out[cid].reasons] == [DEFECT_RULE[defect]], cid
    assert [sum(not ok for ok in screening.masks[k]) for k in ("individuals", "collectives")] == [12, 4]
    assert all(u.shortfall == 0 for u in screening.units)


def test_sample_optimum_after_screening_matches_the_reference():
    # measured by another engineer with an independent MIP, the planted ineligible removed
    inputs = load_inputs(FUXIN, {"individuals": SAMPLE / "individuals.csv",
                                 "collectives": SAMPLE / "collectives.csv"})
    screening, result = select_screened(inputs)
    assert result.status == "optimal" and result.verified
    assert Decimal(result.awards["labour_model"].merit) == Decimal("14583.7")
    assert Decimal(result.awards["collective"].merit) == Decimal("4270.6")
    chosen = {c for a in result.awards.values() for c in a.selected}
    assert not chosen & {c.id for c in screening.screened_out}


# ------------------------------------------------------------ vectorised screening = the row-by-row rules
_CHOICES = {
    "sector": ["enterprise", "institution", "agriculture", "other"],
    "role": ["frontline", "technician", "leader", "staff", "migrant_worker"],
    "ownership": ["private", "state", "other", ""],
    "honour_basis": ["none", "county_model", "city_honour", "higher", ""],
    "direct": ["yes", "no"],
    "grassroots_vote": ["", "0.79", "0.80", "0.8000001", "0.95", "79.99%"],
    "review_vote": ["", "0.59", "0.60", "0.9"],
    "notice_start": ["", "2021-03-25", "2021-04-01", "2021-04-24", "2021-04-30"],
    "notice_end": ["", "2021-04-01", "2021-04-02", "2021-04-07", "2021-04-29", "2021-03-20"],
    "post_years": ["", "1.9", "2", "2.0", "7.5"],
    "already_model": ["yes", "no", "no", "no"],
    "retired": ["yes", "no", "no", "no"],
    "violation": ["yes", "no", "no", "no"],
    "wage_arrears": ["yes", "no", "no", "no"],
    "craftsman": ["none", "fuxin", "liaoning"],
    "tech_sme": ["yes", "no"],
}
_DEPARTMENTS = EIGHT + ["united_front", "industry_commerce", "discipline_inspection", "audit", "organisation"]


@st.composite
def _random_pool(draw):
    rows = []
    for _ in range(draw(st.integers(1, 40))):
        row = dict(PERSON)
        for col, values in _CHOICES.items():
            if draw(st.booleans()):
                row[col] = draw(st.sampled_from(values))
        if row["sector"] != "enterprise" and draw(st.booleans()):
            row["ownership"] = ""
        row["clearances"] = ";".join(draw(st.lists(st.sampled_from(_DEPARTMENTS), unique=True)))
        row["unit"] = draw(st.sampled_from(["海州区", "太平区", "新邱区"]))
        rows.append(row)
    return rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_random_pool())
def test_vectorised_screening_gives_the_row_by_row_verdicts(fuxin, tmp_path, rows):
    from eligibility_reference import screen_row_by_row

    rows = [{**r, "id": f"X{i}"} for i, r in enumerate(rows)]
    pool = read_pool(_write_csv(tmp_path / "individuals.csv", rows), fuxin.pools["individuals"], "individuals", None)
    fast = screen(fuxin, {"individuals": pool})
    slow = screen_row_by_row(fuxin, {"individuals": pool})
    assert fast.masks == slow.masks
    assert fast.candidates == slow.candidates  # the same reasons, messages and preference marks, in order
    assert fast.units == slow.units


def test_vectorised_screening_reports_the_same_calendar_errors(fuxin, tmp_path):
    from eligibility_reference import screen_row_by_row

    rows = [{**PERSON, "id": f"X{i}", "notice_start": start, "notice_end": end}
            for i, (start, end) in enumerate([("1990-01-02", "1990-01-09"), ("2021-03-25", "2021-04-01"),
                                              ("1990-01-02", "1990-01-09"), ("2021-03-25", "2099-01-01")])]
    pool = read_pool(_write_csv(tmp_path / "individuals.csv", rows), fuxin.pools["individuals"], "individuals", None)
    with pytest.raises(InputErrors) as fast:
        screen(fuxin, {"individuals": pool})
    with pytest.raises(InputErrors) as slow:
        screen_row_by_row(fuxin, {"individuals": pool})
    assert [str(p) for p in fast.value.problems] == [str(p) for p in slow.value.problems]
    assert len(fast.value.problems) == 3
