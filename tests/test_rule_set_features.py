"""Issue 14: the new rule kinds, one small hand-checkable case each — the slate the model picks meets the
rule, a slate that breaks it fails the independent verifier with the count it re-counted — and the
defects fixed on the same runs. Items: 1 preferences, 2 unit-scoped rules, 3 carve-out seats,
6 submissions, 8 date windows, 9 conveniences (exact share, not in, OR, NOT)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import count, ruleset_data, share, solve_case, toml_dumps, write_pool, write_quotas

from selector.errors import InputErrors
from selector.i18n import language
from selector.pipeline import check, load_inputs, select
from selector.reading.rule_checks import load_ruleset
from selector.verify import verify_slate

GROUPS = {
    "enterprise": {"where": {"sector": ["enterprise"]}},
    "leader": {"where": {"role": ["leader"]}, "within": ["enterprise"]},
    "women": {"where": {"gender": ["female"]}, "label_zh": "妇女"},
    "non_leader": {"where_not": {"role": ["leader"]}, "label_zh": "非负责人"},  # 9: not in
    "frontline_or_woman": {"any": [{"role": ["frontline"]}, {"gender": ["female"]}]},  # 9: OR across attributes
    "outside_enterprise": {"not_within": ["enterprise"]},  # 9: NOT
    "from_u2": {"where": {"unit": ["U2"]}, "label_zh": "U2 人选"},  # 2: a group filtered on the unit
    "champion": {"where": {"craftsman": ["liaoning"]}, "label_zh": "竞赛冠军"},
}


def _case(folder: Path, rows, rules=(), *, seats=2, quotas=None, award_extra=None, extra=None):
    """A case with the groups above; `award_extra` / `extra` patch the award and the rule set."""
    data = ruleset_data(list(rules), seats=seats, groups=GROUPS)
    data["awards"][0].update(award_extra or {})
    data.update(extra or {})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    quotas = quotas or {u: seats for u in dict.fromkeys(r.get("unit", "U1") for r in rows)}
    write_quotas(folder / "quotas.csv", {"U2": 0} | quotas)  # the group from_u2 names U2
    write_pool(folder / "individuals.csv", rows)
    inputs = load_inputs(folder / "rules.toml", {"individuals": folder / "individuals.csv"})
    return inputs


def _solve(inputs):
    from conftest import Case

    case = Case(inputs.ruleset_path, inputs.files["individuals"], inputs.files["quotas"], inputs.ruleset,
                inputs.pools["individuals"], inputs.quotas)
    return solve_case(case)


def _verify(inputs, slate: list[str], **kw):
    return verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, {"labour_model": slate}, **kw)


def _check(report, rule_id):
    return next(c for c in report.checks if c.id == rule_id)


# ------------------------------------------------------------------------------- 9: conveniences
POOL4 = [{"id": "W1", "score": "90", "gender": "female"}, {"id": "W2", "score": "80", "gender": "female"},
         {"id": "W3", "score": "79", "gender": "female"}, {"id": "M1", "score": "85"}, {"id": "M2", "score": "70"}]


def test_exact_share(tmp_path):
    # women = 1/2 of 4 seats: exactly 2 women. Best: W1 W2 + M1 M2 = 325 (W3 would make 3 women).
    inputs = _case(tmp_path, POOL4, [share("R-eq", "women", "=", "1/2")], seats=4)
    out = _solve(inputs)
    assert out.slate["labour_model"] == ["M1", "M2", "W1", "W2"] and out.merit["labour_model"] == Decimal("325")
    broken = _verify(inputs, ["W1", "W2", "W3", "M1"])
    c = _check(broken, "R-eq")
    assert not broken.ok and (c.count, c.whole, c.short) == (3, 4, 1) and c.required.endswith(("exactly 2", "恰好 2"))


def test_not_in_group(tmp_path):
    rows = [{"id": "L1", "score": "99", "sector": "enterprise", "role": "leader"},
            {"id": "L2", "score": "98", "sector": "enterprise", "role": "leader"},
            {"id": "S1", "score": "50"}, {"id": "S2", "score": "40"}]
    # at least 1 non-leader of 2 seats: L1 + S1 (the two leaders would be 197 but break it).
    inputs = _case(tmp_path, rows, [count("R-nl", "non_leader", min=1)])
    assert _solve(inputs).slate["labour_model"] == ["L1", "S1"]
    bad = _verify(inputs, ["L1", "L2"])
    assert not bad.ok and _check(bad, "R-nl").count == 0


def test_or_across_attributes(tmp_path):
    rows = [{"id": "F1", "score": "60", "role": "frontline"}, {"id": "W1", "score": "50", "gender": "female"},
            {"id": "X1", "score": "99"}, {"id": "X2", "score": "98"}]
    # frontline OR women >= 2 of 2 seats: F1 and W1 are the only members.
    inputs = _case(tmp_path, rows, [count("R-or", "frontline_or_woman", min=2)])
    assert _solve(inputs).slate["labour_model"] == ["F1", "W1"]
    bad = _verify(inputs, ["F1", "X1"])
    assert not bad.ok and _check(bad, "R-or").count == 1


def test_not_within_another_group(tmp_path):
    rows = [{"id": "E1", "score": "99", "sector": "enterprise"}, {"id": "E2", "score": "98", "sector": "enterprise"},
            {"id": "O1", "score": "10"}]
    inputs = _case(tmp_path, rows, [count("R-not", "outside_enterprise", min=1)])
    assert _solve(inputs).slate["labour_model"] == ["E1", "O1"]
    bad = _verify(inputs, ["E1", "E2"])
    assert not bad.ok and _check(bad, "R-not").count == 0


def test_not_in_eligibility(tmp_path):
    rows = [{"id": "L1", "score": "99", "sector": "enterprise", "role": "leader"}, {"id": "S1", "score": "50"}]
    e = {"id": "E-ni", "clause": "八", "text": "企业负责人不参加", "pool": "individuals", "check": "not_in",
         "attribute": "role", "values": ["leader"]}
    inputs = _case(tmp_path, rows, seats=1, extra={"eligibility": [e]})
    from selector.pipeline import screen_inputs

    sc = screen_inputs(inputs)
    assert sc.masks["individuals"] == [False, True]
    assert "leader" in str(sc.screened_out[0].reasons[0])


# ------------------------------------------------------------------------------- 8: date windows
def test_award_dated_within_a_window_excludes(tmp_path):
    attr = {"column": "prior_award", "type": "date", "required": False, "allow_blank": True}
    rows = [{"id": "A", "score": "9", "prior_award": "2010-06-01"},
            {"id": "B", "score": "8", "prior_award": "2013-05-01"},
            {"id": "C", "score": "7", "prior_award": "2008-05-01"}, {"id": "D", "score": "6"}]
    e = {"id": "E-win", "clause": "五", "text": "2008年5月1日至2013年4月30日期间获奖的不再推荐", "pool": "individuals",
         "check": "not_dated_within", "attribute": "prior_award", "window": ["2008-05-01", "2013-04-30"]}
    data_extra = {"eligibility": [e]}
    data = ruleset_data([], seats=1, groups=GROUPS)
    data["pools"]["individuals"]["attributes"] = data["pools"]["individuals"]["attributes"] + [attr]
    data.update(data_extra)
    text = toml_dumps(data).replace('"2008-05-01"', "2008-05-01").replace('"2013-04-30"', "2013-04-30")
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "rules.toml").write_text(text, encoding="utf-8")
    write_quotas(tmp_path / "quotas.csv", {"U1": 1, "U2": 0})
    write_pool(tmp_path / "individuals.csv", rows)
    inputs = load_inputs(tmp_path / "rules.toml", {"individuals": tmp_path / "individuals.csv"})
    from selector.pipeline import screen_inputs

    # 2010-06-01 and 2008-05-01 (the first day, included) exclude; 2013-05-01 (after) and blank pass
    assert screen_inputs(inputs).masks["individuals"] == [False, True, False, True]


# ------------------------------------------------------------------------------- 2: unit-scoped rules
UNITS = [{"id": "A1", "unit": "U1", "score": "99", "sector": "enterprise", "role": "leader"},
         {"id": "A2", "unit": "U1", "score": "98", "sector": "enterprise", "role": "leader"},
         {"id": "A3", "unit": "U1", "score": "50", "gender": "female"},
         {"id": "B1", "unit": "U2", "score": "97", "sector": "enterprise", "role": "leader"},
         {"id": "B2", "unit": "U2", "score": "60", "gender": "female"},
         {"id": "B3", "unit": "U2", "score": "55"}]


def test_group_filtered_on_unit(tmp_path):
    # at least 2 from U2 (4 seats, quotas 4 each): B1 B2 and the best two others A1 A2.
    inputs = _case(tmp_path, UNITS, [count("R-u2", "from_u2", min=2)], seats=4, quotas={"U1": 4, "U2": 4})
    assert _solve(inputs).slate["labour_model"] == ["A1", "A2", "B1", "B2"]
    bad = _verify(inputs, ["A1", "A2", "A3", "B1"])
    assert not bad.ok and _check(bad, "R-u2").count == 1


def test_per_unit_cap_from_a_table(tmp_path):
    # 控制数 per unit: leaders at most 1 in U1, 0 in U2. 4 seats: A1, then A3 (U1) and B2 B3 (U2) = 264.
    rule = count("R-ctl", "leader", max=0) | {"per_unit": True, "max_by_unit": {"U1": 1}}
    inputs = _case(tmp_path, UNITS, [rule], seats=4, quotas={"U1": 4, "U2": 4})
    out = _solve(inputs)
    assert out.slate["labour_model"] == ["A1", "A3", "B2", "B3"] and out.merit["labour_model"] == Decimal("264")
    with language("en"):  # the English wording asserted below (Chinese is the default)
        bad = _verify(inputs, ["A1", "A2", "B2", "B3"])
    assert not bad.ok and any("U1: <= 1" in v and "U1: 2" in v for v in bad.violations)


def test_share_within_each_named_unit(tmp_path):
    # women >= 1/2 within U2 only: of U2's part of 4 seats. Without the rule: A1 A2 B1 B2 (B2 is a woman: 1 of 2,
    # ok). Make it bind: women >= 2/3 in U2 -> U2's part needs 2 women of 3 or 1 of 1: A1 A2 A3 B1? no: B1 alone
    # is 0 of 1. Best: A1 A2 B1 B2 has 1 of 2 < 2/3; A1 A2 A3 B2 = 307 (1 of 1) is the best that meets it.
    rule = share("R-u", "women", ">=", "2/3") | {"units": ["U2"]}
    inputs = _case(tmp_path, UNITS, [rule], seats=4, quotas={"U1": 4, "U2": 4})
    out = _solve(inputs)
    assert out.slate["labour_model"] == ["A1", "A2", "A3", "B2"] and out.merit["labour_model"] == Decimal("307")
    with language("en"):  # the English wording asserted below (Chinese is the default)
        bad = _verify(inputs, ["A1", "A2", "B1", "B2"])
    assert not bad.ok and any("U2" in v and "1 of 2" in v for v in bad.violations)


def test_misspelt_unit_is_refused(tmp_path):
    groups = dict(GROUPS, from_u2={"where": {"unit": ["U9"]}})
    data = ruleset_data([], seats=1, groups=groups)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    write_quotas(tmp_path / "quotas.csv", {"U1": 1})
    write_pool(tmp_path / "individuals.csv", [{"id": "A", "score": "1"}])
    with pytest.raises(InputErrors, match="U9"):
        load_inputs(tmp_path / "rules.toml", {"individuals": tmp_path / "individuals.csv"})


# ------------------------------------------------------------------------------- 3: carve-out seats
CARVE = [{"id": "U1a", "unit": "U1", "score": "99"}, {"id": "U1b", "unit": "U1", "score": "98"},
         {"id": "U1c", "unit": "U1", "score": "40", "craftsman": "liaoning"},
         {"id": "U2a", "unit": "U2", "score": "50"}, {"id": "U2b", "unit": "U2", "score": "45"}]


def test_carve_out_seats_only_for_the_category(tmp_path):
    # 3 seats, quotas U1 1 / U2 1, 1 open seat for champions (不占各地名额). U1's non-champions never exceed 1:
    # U1a + the champion U1c (open seat) + U2a = 189, not U1a U1b U2a (247, the open seat to a non-champion).
    inputs = _case(tmp_path, CARVE, seats=3, quotas={"U1": 1, "U2": 1},
                   award_extra={"open_seats": 1, "open_group": "champion"})
    out = _solve(inputs)
    assert out.slate["labour_model"] == ["U1a", "U1c", "U2a"] and out.merit["labour_model"] == Decimal("189")
    bad = _verify(inputs, ["U1a", "U1b", "U2a"])
    assert not bad.ok and any("quota:U1" in v and "只有 0 人" in v for v in bad.violations)
    # without open_group the old open seat goes to anyone: U1a U1b U2a
    anyone = _case(tmp_path / "any", CARVE, seats=3, quotas={"U1": 1, "U2": 1}, award_extra={"open_seats": 1})
    assert _solve(anyone).slate["labour_model"] == ["U1a", "U1b", "U2a"]


def test_carve_out_group_needs_open_seats(tmp_path):
    with pytest.raises(InputErrors, match="open_seats"):
        _case(tmp_path, CARVE, seats=2, quotas={"U1": 1, "U2": 1}, award_extra={"open_group": "champion"})


# ------------------------------------------------------------------------------- 6: submissions
def test_submissions_ratio_names_the_unit(tmp_path):
    sub = {"id": "S1", "clause": "三", "text": "按1:2名额推荐", "award": "labour_model", "ratio": 2}
    rows = [{"id": f"a{i}", "unit": "U1", "score": "9"} for i in range(4)] + [
        {"id": f"b{i}", "unit": "U2", "score": "9"} for i in range(3)]
    inputs = _case(tmp_path, rows, seats=4, quotas={"U1": 2, "U2": 2}, extra={"submissions": [sub]})
    result = check(inputs)
    by_unit = {f.subject: f for f in result.submissions}
    assert by_unit["U1"].ok and (by_unit["U1"].needed, by_unit["U1"].available) == (4, 4)
    assert not by_unit["U2"].ok and (by_unit["U2"].needed, by_unit["U2"].available) == (4, 3)
    assert not result.ok


# ------------------------------------------------------------------------------- 1: preferences
PREF = [{"id": "P1", "score": "80", "gender": "female"}, {"id": "N1", "score": "80"},
        {"id": "N2", "score": "90"}, {"id": "P2", "score": "79", "gender": "female"}]


def test_preference_is_a_stage_after_merit(tmp_path):
    # 2 seats. Merit first: N2 + (P1 or N1, both 80): the preference for women takes P1 over N1 although the
    # tie-break (smaller id) would take N1. With tolerance 1, P1 P2 (159, 11 less than 170) is not allowed;
    # with tolerance 11 it is.
    pref = {"id": "P-w", "clause": "四", "text": "注意推荐妇女", "award": "labour_model", "group": "women"}
    inputs = _case(tmp_path, PREF, seats=2, extra={"preferences": [pref]})
    result = select(inputs)
    assert sorted(result.awards["labour_model"].selected) == ["N2", "P1"] and result.verified
    p = result.preferences[0]
    assert (p["held"], p["most"]) == (1, 2)
    assert p["extra"] == [{"k": 1, "merit": "159", "cost": "11"}]
    wide = _case(tmp_path / "wide", PREF, seats=2, extra={"preferences": [pref | {"tolerance": "11"}]})
    assert sorted(select(wide).awards["labour_model"].selected) == ["P1", "P2"]
    narrow = _case(tmp_path / "narrow", PREF, seats=2, extra={"preferences": [pref | {"tolerance": "10.5"}]})
    assert sorted(select(narrow).awards["labour_model"].selected) == ["N2", "P1"]


def test_preference_on_the_plain_and_fast_paths_agree(tmp_path):
    from selector.engine.solve import SolverSettings

    pref = {"id": "P-w", "clause": "四", "text": "注意推荐妇女", "award": "labour_model", "group": "women",
            "tolerance": "11"}
    inputs = _case(tmp_path, PREF, seats=2, extra={"preferences": [pref]})
    assert select(inputs, SolverSettings(fast=False)).awards == select(inputs).awards


# ------------------------------------------------------------------------------- defects
def test_reserved_award_id_is_refused(tmp_path):
    data = ruleset_data([], seats=1)
    data["awards"][0]["id"] = "unit"
    (tmp_path / "r.toml").write_text(toml_dumps(data), encoding="utf-8")
    with pytest.raises(InputErrors, match="保留字"):
        load_ruleset(tmp_path / "r.toml")


def test_group_cycle_through_not_within_is_refused(tmp_path):
    groups = {"a": {"not_within": ["b"]}, "b": {"within": ["a"]}}
    data = ruleset_data([], seats=1, groups=groups)
    (tmp_path / "r.toml").write_text(toml_dumps(data), encoding="utf-8")
    with pytest.raises(InputErrors, match="循环定义"):
        load_ruleset(tmp_path / "r.toml")


def test_no_notice_prints_no_empty_parentheses(tmp_path):
    from selector.outputs.terminal import format_result

    inputs = _case(tmp_path, POOL4, seats=1)
    assert inputs.ruleset.notice == ""
    text = format_result(inputs, select(inputs))
    assert "()" not in text.splitlines()[0]


def test_verifier_names_group_labels_not_ids(tmp_path):
    inputs = _case(tmp_path, POOL4, [share("R-l", "women", ">=", "1/2", of="non_leader")], seats=2)
    c = _check(_verify(inputs, ["M1", "M2"]), "R-l")
    assert "非负责人" in c.required and "non_leader" not in c.required


def test_exact_count_drawn_as_exact():
    from selector.reading.kinds import CountKind
    from selector.reading.rules import Rule

    r = Rule(id="X", clause="", text="", award="a", kind="count", group="g", min=37, max=37)
    assert CountKind.bound_symbols(r) == "=37"
    assert CountKind.bound_symbols(r.model_copy(update={"max": None})) == "≥37"


def test_verifier_rechecks_forced_candidates(tmp_path):
    inputs = _case(tmp_path, POOL4, seats=2)
    assert _verify(inputs, ["W1", "M1"], fixed={"W1": True, "W2": False}).ok
    out = _verify(inputs, ["W1", "M1"], fixed={"W1": False})
    assert not out.ok and any("fixed:W1" in v for v in out.violations)
    out = _verify(inputs, ["W1", "M1"], fixed={"W2": True})
    assert not out.ok and any("fixed:W2" in v for v in out.violations)


def test_check_counts_the_minimum_side_of_an_exact_count(tmp_path):
    # women exactly 3 of 4 seats, only 2 women: the finding is the minimum's (needs 3, 2 available).
    rows = [{"id": "W1", "score": "9", "gender": "female"}, {"id": "W2", "score": "9", "gender": "female"}] + [
        {"id": f"M{i}", "score": "9"} for i in range(5)]
    inputs = _case(tmp_path, rows, [count("R-ex", "women", min=3, max=3)], seats=4)
    f = next(f for f in check(inputs).findings if f.rule == "R-ex")
    assert (f.needed, f.available, f.fatal) == (3, 2, True)


def test_check_uses_an_exact_test_where_rules_interact(tmp_path):
    # women >= 1/2 and non-leaders <= ... : two rules each fine alone, impossible together: 2 seats, women >= 2
    # and frontline-or-women <= 1 (every woman is in it). Necessary conditions pass; the exact test does not.
    rows = [{"id": "W1", "score": "9", "gender": "female"}, {"id": "W2", "score": "9", "gender": "female"},
            {"id": "M1", "score": "9"}, {"id": "M2", "score": "9"}]
    inputs = _case(tmp_path, rows, [count("R-w", "women", min=2), count("R-fw", "frontline_or_woman", max=1)])
    result = check(inputs)
    assert not any(f.fatal for f in result.findings)  # each rule alone has the supply
    assert [e.exists for e in result.exact] == [False] and not result.ok and not result.necessary_only
    ok = check(_case(tmp_path / "ok", rows, [count("R-w", "women", min=1)]))
    assert ok.ok and [e.exists for e in ok.exact] == [True] and not ok.necessary_only


def test_check_sees_subset_award_quotas(tmp_path):
    # special (subset, 2 seats) with exact quotas U1 2: U1 has 1 candidate -> check fails, naming the unit.
    data = ruleset_data([], seats=2, special=2)
    data["awards"][1]["quota"] = "exact"
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    with open(tmp_path / "quotas.csv", "w", encoding="utf-8") as f:
        f.write("unit,labour_model,special\nU1,2,2\nU2,2,0\n")
    write_pool(tmp_path / "individuals.csv", [{"id": "A", "unit": "U1", "score": "9"},
                                              {"id": "B", "unit": "U2", "score": "8"}])
    inputs = load_inputs(tmp_path / "rules.toml", {"individuals": tmp_path / "individuals.csv"})
    bad = [f for f in check(inputs).findings if f.fatal]
    assert any(f.rule == "quota:special:U1" and (f.needed, f.available) == (2, 1) for f in bad)


def test_quota_conflicts_quote_the_rule_sets_own_clause(tmp_path):
    from selector.analysis.explain import rule_texts

    inputs = _case(tmp_path, POOL4, seats=1, extra={"quotas_clause": "附件2", "quotas_text": "各地名额"})
    t = rule_texts(inputs.ruleset, inputs.pools["individuals"], inputs.quotas)["quota:U1"]
    assert (t.clause, t.text) == ("附件2", "各地名额")
    plain = _case(tmp_path / "plain", POOL4, seats=1)
    t = rule_texts(plain.ruleset, plain.pools["individuals"], plain.quotas)["quota:U1"]
    assert t.clause == "" and "四(一)" not in t.text


def test_pool_addition_names_every_attribute_that_made_it_work(tmp_path):
    from selector.analysis.explain import explain_pool

    # frontline >= 2 of 2 and women >= 1: copies of the best frontline woman work; the suggestion says both.
    rows = [{"id": "F1", "score": "9", "role": "frontline", "gender": "female"}, {"id": "M1", "score": "9"},
            {"id": "M2", "score": "8"}]
    groups = {"frontline": {"where": {"role": ["frontline"]}, "label_zh": "一线职工"}, "women": GROUPS["women"]}
    data = ruleset_data([count("R-f", "frontline", min=2), count("R-w", "women", min=1)], seats=2, groups=groups)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    write_quotas(tmp_path / "quotas.csv", {"U1": 2})
    write_pool(tmp_path / "individuals.csv", rows)
    inputs = load_inputs(tmp_path / "rules.toml", {"individuals": tmp_path / "individuals.csv"})
    exp = explain_pool(inputs.ruleset, inputs.pools["individuals"], inputs.quotas, prices=False)
    adds = [r for r in exp.relaxations if r.kind == "pool"]
    assert adds and all("role frontline" in r.describe() and "gender female" in r.describe() for r in adds)


# ------------------------------------------------------------------------------- 4: disjoint titles
def test_disjoint_titles_from_one_pool(tmp_path):
    # 劳动模范 2 seats and 先进工作者 1 seat from one pool, nobody holds both; 先进工作者's one seat goes to a woman
    # (its own rule A1). The three best are W1 90, M1 85, W2 80 (255 together); W1 or W2 takes 先进工作者. The two
    # ways tie on every objective; the first in tie-break order (劳动模范 first, smaller id first) gives 劳动模范
    # M1 W1 and 先进工作者 W2.
    data = ruleset_data([count("A1", "women", min=1, award="advanced") | {"max": 1}], seats=2, groups=GROUPS)
    data["awards"][0]["disjoint"] = True
    data["awards"].append({"id": "advanced", "name_zh": "先进工作者", "pool": "individuals", "seats": 1,
                           "quota": "cap", "disjoint": True})
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    with open(tmp_path / "quotas.csv", "w", encoding="utf-8") as f:
        f.write("unit,labour_model,advanced\nU1,2,1\nU2,0,0\n")
    write_pool(tmp_path / "individuals.csv", POOL4)
    inputs = load_inputs(tmp_path / "rules.toml", {"individuals": tmp_path / "individuals.csv"})
    result = select(inputs)
    lm, adv = sorted(result.awards["labour_model"].selected), result.awards["advanced"].selected
    assert result.verified and len(lm) == 2 and len(adv) == 1 and not set(lm) & set(adv)
    assert Decimal(result.awards["labour_model"].merit) + Decimal(result.awards["advanced"].merit) == 255
    assert (lm, adv) == (["M1", "W1"], ["W2"])
    both = verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, {"labour_model": ["W1", "M1"], "advanced": ["W1"]})
    assert not both.ok and any("W1" in v and "advanced" in v for v in both.violations)
    assert check(inputs).ok
    # without `disjoint`, two top-level awards of one pool are refused
    del data["awards"][1]["disjoint"]
    (tmp_path / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    with pytest.raises(InputErrors, match="disjoint"):
        load_ruleset(tmp_path / "rules.toml")
