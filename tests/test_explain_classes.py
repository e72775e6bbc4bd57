"""The explainer's questions on the model of interchangeable classes give the per-candidate model's answers.

Issue 13: at national size the explainer asks its which-slates-exist questions, and its merit questions (the
cheapest combined relaxation, the fewest candidates to add, the office's fewest seats moved), on one integer
count per class (selector/analysis/classmodel.py). On small random pools (ties in the scores, a special class,
soft rules, quotas that bind) each answer is checked against the plain per-candidate model of
selector/engine/model.py, which the class model does not use: the fewest people of relaxation and the best
merit at that cost round by round, the fewest copies to add and the best merit with them, and every minimal
conflict infeasible with each proper subset feasible. A question undecided within its work is never read as
"a slate exists".
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from unittest import mock

import pytest
from conftest import count, make_case, share
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from selector.analysis import conflicts as conflicts_module
from selector.analysis import relaxations
from selector.analysis.classmodel import class_model
from selector.analysis.conflicts import ASK, search_conflicts
from selector.analysis.explain import explain_pool, explanation_json, format_explanation
from selector.analysis.next_steps import _fewest_additions
from selector.analysis.relaxations import cheapest_relaxations, grown_pool
from selector.engine.model import (
    build_model,
    members,
    quota_rule_id,
    rule_ids_of_pool,
    unconstrained_subsets,
    without_free_subsets,
)
from selector.errors import InputErrors
from selector.reading import kinds

GROUPS = ["enterprise", "frontline", "leader", "institution", "agriculture", "women"]


@st.composite
def pools(draw):
    """A pool of 8-24 candidates over three units, scores on a coarse grid (ties), 1-3 rules (a soft one
    sometimes, one on the special class sometimes), quotas that may not cover the seats."""
    n = draw(st.integers(8, 24))
    rows = [{"id": f"C{i:02d}", "unit": draw(st.sampled_from(["U1", "U2", "U3"])),
             "score": str(draw(st.sampled_from(["60", "70", "70.5", "80", "85", "90"]))),
             "sector": draw(st.sampled_from(["enterprise", "institution", "agriculture", "other"])),
             "role": draw(st.sampled_from(["frontline", "leader", "staff"])),
             "gender": draw(st.sampled_from(["female", "male"]))} for i in range(n)]
    seats = draw(st.integers(3, min(8, n)))
    special = draw(st.sampled_from([0, 0, 1, 2]))
    rules = []
    for k in range(draw(st.integers(1, 3))):
        g = draw(st.sampled_from(GROUPS))
        award = "special" if special and draw(st.integers(0, 3)) == 0 else "labour_model"
        hard = draw(st.integers(0, 4)) > 0
        extra = {} if hard else {"hard": False, "weight": draw(st.sampled_from([1, "0.5", 3]))}
        if draw(st.booleans()):
            op = draw(st.sampled_from([">=", "<="]))
            rules.append(share(f"R{k}", g, op, draw(st.sampled_from(["1/3", "50%", "60%", "3/4"])), award=award,
                               **extra))
        else:
            most = seats if award == "labour_model" else special
            rules.append(count(f"R{k}", g, min=draw(st.integers(1, most)), award=award, **extra))
    quotas = {u: draw(st.integers(0, seats)) for u in ["U1", "U2", "U3"]}
    return rows, rules, seats, special, quotas


def _case(tmp_path_factory, drawn):
    rows, rules, seats, special, quotas = drawn
    try:
        return make_case(tmp_path_factory.mktemp("c"), rows, rules, seats=seats, special=special, quotas=quotas)
    except InputErrors:  # a rule set the reader refuses (minimums past the seats, ...)
        assume(False)


def _plain_cost_and_merit(case, relax, blocked=(), copies=None):
    """The per-candidate model: the fewest people of slack over `relax` (or, with `copies`, the fewest copies
    added) with each set in `blocked` not relaxed together, then the best merit - penalty at that cost.
    Written out here on purpose, not shared with next_steps._fewest_additions / cheapest_relaxations (the same
    minimise-then-maximise shape, `duplicates` pairs them): an independent reference, on the per-candidate
    model, so that a fault in the class model's code cannot make both sides agree."""
    pool, elig = (case.pool, None) if copies is None else grown_pool(case.pool, None, copies)
    sm = build_model(case.ruleset, pool, case.quotas, elig, relax=set(relax))
    m = sm.model
    for support in blocked:  # as cheapest_relaxations blocks an answer: one of its rules not relaxed at all,
        # the unit quotas counted as one rule (none of them relaxed)
        parts = {"quota" if r.startswith("quota:") else r for r in support}
        kept = {p: m.new_bool_var(f"kept[{p}]") for p in sorted(parts)}
        for r in sm.relaxed:
            p = "quota" if r.startswith("quota:") else r
            if p in kept:
                m.add(sm.relaxed[r] == 0).only_enforce_if(kept[p])
        m.add_bool_or(list(kept.values()))
    cost = sum(sm.x[sm.top.id][len(case.pool):]) if copies is not None else sum(sm.relaxed.values())
    m.minimize(cost)
    got = ASK.solve(m)
    if not got.optimal:
        return None
    fewest = got.value(cost)
    m.add(cost == fewest)
    m.maximize(sm.merit[sm.top.id] - sm.penalty)
    got = ASK.solve(m)
    assert got.optimal
    return fewest, Decimal(got.value(sm.merit[sm.top.id])) / sm.scale, got.value(sm.penalty)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools())
def test_cheapest_relaxations_on_classes_equal_the_per_candidate_model(tmp_path_factory, drawn):
    case = _case(tmp_path_factory, drawn)
    relax = {r for r in rule_ids_of_pool(case.ruleset, "individuals", case.quotas) if not r.startswith("seats:")}
    menu = cheapest_relaxations(case.ruleset, case.pool, case.quotas, None)
    event(f"menu of {len(menu)}")
    blocked: list[list[str]] = []
    for rx in menu:
        want = _plain_cost_and_merit(case, relax, blocked)
        assert want is not None and want[0] > 0
        people = sum(c["people"] for c in rx.changes)
        assert people == want[0], (rx.describe(), want)
        assert len(rx.slate) == case.ruleset.top_award("individuals").seats
        kind = {"quota" if c["rule"].startswith("quota:") else c["rule"] for c in rx.changes}
        own = {r for r in relax if ("quota" if r.startswith("quota:") else r) in kind}  # its kind of change
        within = _plain_cost_and_merit(case, own, blocked)
        assert within is not None and within[0] == people, (rx.describe(), within)
        if not any(not r.hard for r in case.ruleset.rules):  # no penalty: the merit alone is the objective
            assert Decimal(rx.merit) == within[1], (rx.describe(), within)
        blocked.append([c["rule"] for c in rx.changes])
    after = _plain_cost_and_merit(case, relax, blocked)  # the menu stops when no other cheapest set exists
    assert len(menu) == 5 or after is None or after[0] == 0


def _women_in_two_quota_bound_units(tmp_path):
    """Four seats, four women needed; the women are two in U1 and two in U2, each unit with a quota of one."""
    rows = [{"id": f"C{i}", "unit": unit, "score": str(90 - i), "gender": gender}
            for i, (unit, gender) in enumerate([("U1", "female"), ("U1", "female"), ("U2", "female"),
                                                ("U2", "female"), ("U3", "male"), ("U4", "male")])]
    return make_case(tmp_path, rows, [count("R0", "women", min=4)], seats=4,
                     quotas={"U1": 1, "U2": 1, "U3": 1, "U4": 1})


def test_the_cheapest_relaxation_menu_counts_the_quota_table_as_one_rule(tmp_path):
    """Four women needed, two in each of two units with a quota of one: every cheapest answer costs two
    people (both quotas, the women rule, or one quota and the rule by one); one quota with the rule and the
    other quota with the rule are the same kind of change, so the menu offers one of them, not both (the
    small-units national menu was five shuffles of unit quotas alike)."""
    case = _women_in_two_quota_bound_units(tmp_path)
    menu = cheapest_relaxations(case.ruleset, case.pool, case.quotas, None)
    kinds_of = [frozenset("quota" if c["rule"].startswith("quota:") else c["rule"] for c in rx.changes)
                for rx in menu]
    assert all(sum(c["people"] for c in rx.changes) == 2 for rx in menu)
    assert len(set(kinds_of)) == len(kinds_of), kinds_of  # one answer per kind of change
    assert frozenset({"R0"}) in kinds_of or frozenset({"quota", "R0"}) in kinds_of
    assert 2 <= len(menu) <= 3


def _menu_with_and_without_witnesses(case, monkeypatch):
    """The menu of cheapest_relaxations asked without and with the loosest values' slates (Witness) of the
    rules in the case's conflicts: per menu, each answer's (people, kinds of rule relaxed) and how many times
    the menu's own model was solved."""
    made, solved = [], []
    class_model, solve = relaxations.class_model, conflicts_module.Asking.solve
    monkeypatch.setattr(relaxations, "class_model", lambda *a, **k: made.append(class_model(*a, **k)) or made[-1])
    monkeypatch.setattr(conflicts_module.Asking, "solve",
                        lambda self, model, *a, **k: solved.append(model) or solve(self, model, *a, **k))
    rules = list(dict.fromkeys(r for c in search_conflicts(case.ruleset, case.pool, case.quotas).found for r in c))
    witnesses: list = []
    relaxations.loosest_rule_values(case.ruleset, case.pool, case.quotas, None, rules, ASK, witnesses)
    out = []
    for given_ in ([], witnesses):
        made.clear(), solved.clear()
        menu = cheapest_relaxations(case.ruleset, case.pool, case.quotas, None, witnesses=given_)
        (cm,) = made  # the menu's class model
        answers = [(sum(c["people"] for c in rx.changes),
                    frozenset("quota" if c["rule"].startswith("quota:") else c["rule"] for c in rx.changes))
                   for rx in menu]
        out.append((answers, sum(m is cm.model for m in solved)))
    return out


def test_the_menu_shows_an_answer_relaxing_fewer_rules_before_one_relaxing_more_at_the_same_cost(
        tmp_path, monkeypatch):
    """Four women needed, two in each of two units with a quota of one: two people of relaxation, the women
    rule alone (the loosest value of R0 found that slate) or with quotas. Given the loosest values' slates,
    the menu's first answer relaxes R0 alone, and no answer relaxes more kinds of rule than a later one of the
    same cost (small-units national: the quotas, R1 and R8 first, R1 alone fourth, all 317 people)."""
    case = _women_in_two_quota_bound_units(tmp_path)
    (plain, _), (seeded, _) = _menu_with_and_without_witnesses(case, monkeypatch)
    assert seeded[0] == (2, frozenset({"R0"})), (plain, seeded)
    for i, (people, kinds_) in enumerate(seeded):
        assert not any(p == people and k < kinds_ for p, k in seeded[i + 1:]), seeded
    assert [p for p, _k in seeded] == [p for p, _k in plain][:len(seeded)]  # each round as cheap as before


def test_a_round_that_a_witness_answers_at_the_last_cost_is_not_solved(tmp_path, monkeypatch):
    """Enterprise staff at least 60% of five seats and three women, with no woman among the enterprise staff:
    one person short either way, R1 alone or R0 alone, each the loosest value's slate. The menu solves its
    first round; the second takes the other slate (a round only forbids more, so none is cheaper than the
    last), the third is solved and has no answer: one solve of the menu's model fewer, the same answers."""
    rows = [{"id": f"C{i}", "unit": "U1", "score": str(90 - i), "sector": "other" if i % 2 else "enterprise",
             "gender": "female" if i % 2 else "male"} for i in range(8)]
    case = make_case(tmp_path, rows, [share("R1", "enterprise", ">=", "60%"), count("R0", "women", min=3)],
                     seats=5)
    (plain, plain_solves), (seeded, seeded_solves) = _menu_with_and_without_witnesses(case, monkeypatch)
    assert sorted(plain) == sorted(seeded) == [(1, frozenset({"R0"})), (1, frozenset({"R1"}))]
    assert seeded_solves == plain_solves - 1, (plain_solves, seeded_solves)


def test_the_menus_first_solve_starts_from_the_cheapest_known_answer_every_variable_hinted(tmp_path, monkeypatch):
    """Given the loosest values' slates, the menu's first solve of its own model is hinted with the cheapest
    one in full (a partial hint is repaired by a search of its own: 5 s CPU at small-units national), and that
    hint is an answer of the model at the known cost: fixed to it, the model is feasible with that cost."""
    case = _women_in_two_quota_bound_units(tmp_path)
    hints = []
    solve = conflicts_module.Asking.solve

    def recording(self, model, *a, **k):
        if model.proto.has_objective() and model.proto.has_solution_hint():
            hints.append((model.clone(), list(model.proto.solution_hint.vars), list(model.proto.solution_hint.values)))
        return solve(self, model, *a, **k)

    (plain, _), (seeded, _) = _menu_with_and_without_witnesses(case, monkeypatch)
    rules = list(dict.fromkeys(r for c in search_conflicts(case.ruleset, case.pool, case.quotas).found for r in c))
    witnesses: list = []
    relaxations.loosest_rule_values(case.ruleset, case.pool, case.quotas, None, rules, ASK, witnesses)
    monkeypatch.setattr(conflicts_module.Asking, "solve", recording)
    cheapest_relaxations(case.ruleset, case.pool, case.quotas, None, witnesses=witnesses)
    model, variables, values = hints[0]  # the first round's: the menu's model, minimising the people
    assert variables == list(range(len(model.proto.variables)))
    for i, v in zip(variables, values):
        model.add(model.get_int_var_from_proto_index(i) == v)
    got = ASK.solve(model)
    assert got.optimal and got.solver.objective_value == seeded[0][0] == 2


def test_after_a_merit_question_that_finds_nothing_the_menu_asks_no_other(tmp_path, monkeypatch):
    """The cheapest-relaxation menu's merit question (the best merit at the round's cost) is cut off at
    MERIT_WORK; when the first one finds nothing, the later rounds show their cheapest slate, not proven the
    best, without asking (national: 1-3 s each, never a solution). The cost rounds are still all asked."""
    case = _women_in_two_quota_bound_units(tmp_path)
    whole = cheapest_relaxations(case.ruleset, case.pool, case.quotas, None)
    assert all(rx.proven for rx in whole)  # here every merit question is proven
    asked = []
    real = ASK.solve

    def nothing_found_on_merit(self, model, work=conflicts_module.QUESTION_WORK, shown=False, presolve=True):
        asked.append(work)
        if work == relaxations.MERIT_WORK:
            return real(model, 0.0, shown, presolve)  # no work at all: nothing found
        return real(model, work, shown, presolve)

    monkeypatch.setattr(conflicts_module.Asking, "solve", nothing_found_on_merit)
    cut = cheapest_relaxations(case.ruleset, case.pool, case.quotas, None)
    assert asked.count(relaxations.MERIT_WORK) == 1
    assert len(cut) == len(whole) and not any(rx.proven for rx in cut)
    assert [sum(c["people"] for c in rx.changes) for rx in cut] == [2] * len(cut)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools())
def test_loosest_share_of_the_whole_slate_in_one_solve_equals_dinkelbach_and_the_per_candidate_model(
        tmp_path_factory, drawn):
    """A share of the whole slate has the seats as its whole in every slate, so _extreme_ratio stops at the first
    proven extreme (`fixed_whole`): the same fraction as Dinkelbach's iterations to the end, and as the
    per-candidate model's extreme count of the group over the seats (R1-R10 loosest values, issue 13)."""
    case = _case(tmp_path_factory, drawn)
    asked = 0
    for rule in case.ruleset.rules:
        question = kinds.loosest(rule)
        if not rule.hard or question is None or question.whole != "all":
            continue
        others = case.ruleset.model_copy(update={"rules": [r for r in case.ruleset.rules if r.id != rule.id]})
        lams = []
        for fixed_whole in (True, False):
            sm = class_model(others, case.pool, case.quotas, None, classes_of=case.ruleset).sm  # as _loosest_one
            part, whole = sm.count_of(rule.award, rule.group), sm.count_of(rule.award, "all")
            reached = relaxations._extreme_ratio(sm, part, whole, question.maximise, ASK, fixed_whole=fixed_whole)
            lams.append(None if reached is None else reached[0])
            if reached is not None:  # the solve returned is of a slate reaching it
                assert Fraction(reached[1].value(part), reached[1].value(whole)) == reached[0]
        plain = build_model(others, case.pool, case.quotas)
        part = sum(v for v, inside in zip(plain.x[rule.award], members(case.ruleset, case.pool, rule.group))
                   if inside)
        plain.model.maximize(part if question.maximise else -part)
        got = ASK.solve(plain.model)
        want = Fraction(got.value(part), case.ruleset.award(rule.award).seats) if got.found else None
        assert lams[0] == lams[1] == want, (rule.id, lams, want)
        asked += 1
    event(f"{asked} share rules asked")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools(), st.data())
def test_fewest_additions_on_classes_equal_the_per_candidate_model(tmp_path_factory, drawn, data):
    case = _case(tmp_path_factory, drawn)
    n = len(case.pool)
    picks = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(["U1", "U2", "U3"])),
                               min_size=1, max_size=4))
    copies = [key for key in picks for _ in range(data.draw(st.integers(1, 3)))]
    got = _fewest_additions(case.ruleset, case.pool, case.quotas, None, copies, ASK)
    want = _plain_cost_and_merit(case, (), copies=copies)
    event("no slate with these copies" if want is None else f"{want[0]} copies needed")
    if want is None:
        assert got is None
        return
    assert got is not None
    spread, merit = got
    assert sum(spread.values()) == want[0]
    if not any(not r.hard for r in case.ruleset.rules):
        # the best merit of the top award among slates with the fewest copies (the class model counts it)
        assert Decimal(merit) == want[1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools())
def test_class_model_conflicts_are_minimal_by_the_per_candidate_model(tmp_path_factory, drawn):
    case = _case(tmp_path_factory, drawn)
    sm = build_model(case.ruleset, case.pool, case.quotas, with_literals=True)

    def feasible(rules) -> bool:
        sm.model.clear_assumptions()
        sm.model.add_assumptions([sm.literals[r] for r in rules])
        got = ASK.solve(sm.model)
        assert got.status in ("optimal", "feasible", "infeasible")
        return got.found

    every = [r for r in rule_ids_of_pool(case.ruleset, "individuals", case.quotas) if r in sm.literals]
    found = search_conflicts(case.ruleset, case.pool, case.quotas)
    assert not found.undecided and not found.unproven
    assert (found.found == []) == feasible(every)
    event("infeasible" if found.found else "feasible")
    for c in found.found:
        assert not feasible(c), c
        for r in c:
            assert feasible([x for x in c if x != r]), (c, r)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools(), st.data())
def test_unit_free_probes_and_remembered_answers_equal_the_per_candidate_model(tmp_path_factory, drawn, data):
    """_Feasibility.check (the unit-free model first, the units' classes only when a quota is assumed and the
    rest has a slate, answers remembered by subset / superset) says what the per-candidate model says, for
    random sets of rules asked in turn; every core it gives has no slate."""
    case = _case(tmp_path_factory, drawn)
    sm = build_model(case.ruleset, case.pool, case.quotas, with_literals=True)

    def feasible(rules) -> bool:
        sm.model.clear_assumptions()
        sm.model.add_assumptions([sm.literals[r] for r in rules])
        return ASK.solve(sm.model).found

    probe = conflicts_module._Feasibility(case.ruleset, case.pool, case.quotas, None)
    for _ in range(6):
        rules = data.draw(st.lists(st.sampled_from(probe.ids), unique=True))
        ok, core = probe.check(rules)
        event("full model asked" if probe.full is not None else "unit-free model only")
        assert ok is feasible(rules), rules
        if not ok:
            assert set(core) <= set(rules) and not feasible(core), (rules, core)


def test_a_probe_of_every_unit_with_a_slate_is_answered_by_a_search_aimed_at_merit(tmp_path, monkeypatch):
    """_Feasibility._witness: when a set with the unit quotas has a slate, the search with the best merit to
    aim at (stopped at its first slate) says so, and the probe without an objective is not asked (it wandered
    at national size: 7 s CPU against 1-2). A set without a slate still gets its core from that probe."""
    case = _women_in_two_quota_bound_units(tmp_path)
    asked = []  # per question on the model of every unit: (stopped at the first slate?, found a slate?)
    solve = conflicts_module.Asking.solve

    def recording(self, model, *args, **kwargs):
        got = solve(self, model, *args, **kwargs)
        if probe.full is not None and model is probe.full.model:
            asked.append((kwargs.get("first", False), got.found))
        return got

    monkeypatch.setattr(conflicts_module.Asking, "solve", recording)
    probe = conflicts_module._Feasibility(case.ruleset, case.pool, case.quotas, None)
    quotas = [r for r in probe.ids if r.startswith("quota:")]
    ok, core = probe.check(["seats:labour_model", *quotas])  # one from each unit: a slate
    assert ok is True and asked == [(True, True)]
    asked.clear()
    ok, core = probe.check(["seats:labour_model", "R0", *quotas])  # two women at most within U1's and U2's quotas
    assert ok is False and asked == [(True, False), (False, False)]
    assert "R0" in core and {"quota:U1", "quota:U2"} & set(core), core  # either unit's quota: 3 women at most
    sm = build_model(case.ruleset, case.pool, case.quotas, with_literals=True)  # the per-candidate model
    sm.model.add_assumptions([sm.literals[r] for r in core])
    assert ASK.solve(sm.model).status == "infeasible"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools(), st.booleans())
def test_no_slate_without_the_units_means_none_with_every_rule(tmp_path_factory, drawn, fewer_seats):
    """none_without_units (the rules that do not read the unit, on the unit-free classes) says "no slate" only
    when the per-candidate model with every rule has none, the seats relaxed or not as the question asks."""
    case = _case(tmp_path_factory, drawn)
    relax = {f"seats:{case.ruleset.top_award('individuals').id}"} if fewer_seats else set()
    none = conflicts_module.none_without_units(case.ruleset, case.pool, case.quotas, None, ASK, relax)
    event("no slate without the units" if none else "a slate without the units")
    if none:
        assert ASK.solve(build_model(case.ruleset, case.pool, case.quotas, relax=relax).model).status == "infeasible"


def test_no_slate_without_the_units_is_told_from_a_conflict_of_quotas(tmp_path):
    """Three women and 60% enterprise staff of five seats, no woman among the enterprise staff: no slate whatever
    the quotas. Four women needed, two in each of two units with a quota of one: a slate once the quotas go."""
    rows = [{"id": f"C{i}", "unit": f"U{i % 3}", "score": str(90 - i), "sector": "other" if i % 2 else "enterprise",
             "gender": "female" if i % 2 else "male"} for i in range(8)]
    rules = [share("R1", "enterprise", ">=", "60%"), count("R0", "women", min=3)]
    clash = make_case(tmp_path / "clash", rows, rules, seats=5, quotas={"U0": 2, "U1": 2, "U2": 1})
    assert conflicts_module.none_without_units(clash.ruleset, clash.pool, clash.quotas, None)
    quota_bound = _women_in_two_quota_bound_units(tmp_path / "quotas")
    assert not conflicts_module.none_without_units(quota_bound.ruleset, quota_bound.pool, quota_bound.quotas, None)


def test_office_moves_on_classes_equal_the_per_candidate_model(case_dir):
    """The office's fewest seats moved and the best merit then (class model, next_steps.office_actions)."""
    rows = [{"id": f"U1-{i}", "unit": "U1", "score": str(70 + i)} for i in range(2)]
    rows += [{"id": f"U2-{i}", "unit": "U2", "score": str(90 - i)} for i in range(5)]
    case = make_case(case_dir, rows, [], seats=5, quotas={"U1": 3, "U2": 2})
    award = case.ruleset.top_award("individuals")
    relax = {quota_rule_id(case.ruleset, award, u) for u in case.quotas.units}
    want = _plain_cost_and_merit(case, relax)
    exp = explain_pool(case.ruleset, case.pool, case.quotas)
    (office,) = [a for a in exp.actions if a.actor == "office"]
    assert want is not None and want[0] == 1 and Decimal(office.merit) == want[1] == Decimal(90 + 89 + 88 + 71 + 70)


def _undecided(*_args, **_kwargs):
    """A solver that decides nothing: every question runs out of work at once."""
    s = cp_model.CpSolver()
    s.parameters.max_deterministic_time = 0.0
    s.parameters.max_time_in_seconds = 0.0
    return s


@pytest.mark.usefixtures("english")
def test_an_undecided_question_is_never_read_as_a_slate(case_dir):
    """_Feasibility.check undecided: no conflict is named and no slate is claimed (issue 13)."""
    rows = [{"id": f"U1-{i}", "unit": "U1", "score": str(70 + i)} for i in range(4)]
    case = make_case(case_dir, rows, [], seats=5)  # 5 seats, 4 candidates: infeasible
    with mock.patch.object(conflicts_module.Session, "solver", lambda self, work=None: _undecided()):
        found = search_conflicts(case.ruleset, case.pool, case.quotas)
        exp = explain_pool(case.ruleset, case.pool, case.quotas)
    assert found.undecided and found.found == []
    assert exp.undecided and not exp.feasible and exp.conflicts == [] and exp.relaxations == []
    data = explanation_json({"individuals": exp})
    assert data["pools"]["individuals"]["undecided"] is True and data["pools"]["individuals"]["feasible"] is False
    assert "not decided" in format_explanation({"individuals": exp})


def _plain_best_merit(ruleset, case):
    """The best merit of the top award on the plain per-candidate model (the reference), or None."""
    sm = build_model(ruleset, case.pool, case.quotas)
    sm.model.maximize(sm.merit[sm.top.id] - sm.penalty)
    got = ASK.solve(sm.model)
    return None if not got.found else (got.optimal, Decimal(got.value(sm.merit[sm.top.id])) / sm.scale)


def _is_slate(ruleset, case, top_ids) -> bool:
    """Whether the plain model has a slate whose top award is exactly these ids."""
    sm = build_model(ruleset, case.pool, case.quotas)
    for v, cid in zip(sm.x[sm.top.id], case.pool.ids):
        sm.model.add(v == int(cid in set(top_ids)))
    return ASK.solve(sm.model).found


@st.composite
def special_pools(draw):
    """pools() with a special class of 1-2 and one more hard rule on it (a share or a count)."""
    rows, rules, seats, special, quotas = draw(pools())
    special = special or draw(st.integers(1, 2))
    g = draw(st.sampled_from(GROUPS))
    rules.append(share("SPX", g, draw(st.sampled_from([">=", "<="])), draw(st.sampled_from(["1/2", "1/3", "3/4"])),
                       award="special") if draw(st.booleans()) else count("SPX", g, min=draw(st.integers(1, special)),
                                                                          award="special"))
    return rows, rules, seats, special, quotas


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(special_pools())
def test_subset_rule_bound_gives_the_best_merit_of_the_changed_rules(tmp_path_factory, drawn):
    """Issue 13, explanation at scale: a change to a special-class rule is settled by the bound of the rules
    without any special-class rule when the special class fits in that bound's slate. Against the plain
    per-candidate model: the same best merit (or none), and the slate given is a slate of the changed rules.
    The changed rule sets: each special-class rule dropped, and the rules as they are; a feasible pool's price of
    each special-class rule (the merit without it)."""
    case = _case(tmp_path_factory, drawn)
    bound = relaxations.SubsetRuleBound(case.ruleset, case.pool, case.quotas, None, ASK)
    asked = [r for r in case.ruleset.rules if bound.applies(r.id)]
    assume(asked)
    for rule in asked:
        for changed in (case.ruleset.model_copy(update={"rules": [r for r in case.ruleset.rules if r is not rule]}),
                        case.ruleset):
            want = _plain_best_merit(changed, case)
            got = bound.best(changed)
            assert (got is None) == (want is None)
            if got is not None:
                assert want[0] and Decimal(got[0]) == want[1]
                assert _is_slate(changed, case, got[1])
    event(f"settled by the bound: {bound.checks > 0}")
    for price in relaxations.rule_prices(case.ruleset, case.pool, case.quotas, None):  # a feasible pool's prices
        if price.rule in {r.id for r in asked}:
            without = case.ruleset.model_copy(update={"rules": [r for r in case.ruleset.rules if r.id != price.rule]})
            assert Decimal(price.merit_without) == _plain_best_merit(without, case)[1]


def test_subset_rule_bound_settles_a_loosened_special_class_rule_without_the_whole_question(tmp_path):
    """A special-class rule loosened (explain's loosest values) is settled by the bound, with one whole question
    for the bound instead of one per change; the merit as the plain model's. Fails when the bound is not used."""
    rows = [{"id": f"C{i:02d}", "unit": "U1" if i % 2 else "U2", "score": str(60 + i),
             "sector": "agriculture" if i % 3 == 0 else "enterprise", "role": "staff", "gender": "male"}
            for i in range(12)]
    rules = [share("SP1", "agriculture", ">=", "3/4", award="special")]  # 2 special: needs 2 agriculture
    case = make_case(tmp_path, rows, rules, seats=6, special=2, quotas={"U1": 3, "U2": 3})
    loosened = case.ruleset.model_copy(update={"rules": [
        r.model_copy(update={"share": "1/2"}) if r.id == "SP1" else r for r in case.ruleset.rules]})
    calls = []
    real = relaxations.solve_pool
    with mock.patch.object(relaxations, "solve_pool", lambda *a, **k: calls.append(1) or real(*a, **k)):
        bound = relaxations.SubsetRuleBound(case.ruleset, case.pool, case.quotas, None, ASK)
        assert bound.applies("SP1")
        got = bound.best(loosened)
        again = bound.best(case.ruleset.model_copy(update={"rules": []}))
    assert bound.checks == 2 and len(calls) == 1  # the bound's own question, once
    assert Decimal(got[0]) == _plain_best_merit(loosened, case)[1] == Decimal(again[0])
    assert _is_slate(loosened, case, got[1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools(), st.integers(0, 2))
def test_a_special_class_only_its_seats_constrain_is_left_out_of_the_class_model_and_changes_no_answer(
        tmp_path_factory, drawn, which):
    """classmodel.without_free_subsets: a subset award no rule, preference or quota reads is left out of the class
    model while the parent's seat total holds (every slate of the parent holds one): whether a slate exists and
    the most of a group it can hold are those of the per-candidate model with the subset award in. Kept when a
    rule reads it (in `classes_of` too), when its parent's seats are relaxed and when the rules hang on literals.
    best_slate's merit (asked without them) is the per-candidate model's."""
    case = _case(tmp_path_factory, drawn)
    rs, top = case.ruleset, case.ruleset.top_award("individuals").id
    group = rs.rules[which % len(rs.rules)].group  # a group the classes keep apart (a rule reads it)
    subsets = [a.id for a in rs.awards_of_pool("individuals") if a.parent is not None]
    free = unconstrained_subsets(rs, "individuals", case.quotas)
    assert free == [a for a in subsets if not any(r.award == a for r in rs.rules)]
    cm = class_model(rs, case.pool, case.quotas, None)
    assert [a.id for a in cm.sm.awards] == [top] + [a for a in subsets if a not in free]
    event(f"special left out: {bool(free)}")
    for kept in (without_free_subsets(rs, "individuals", case.quotas, relax={f"seats:{top}"}),
                 without_free_subsets(rs, "individuals", case.quotas, with_literals=True)):
        assert kept is rs
    if free:
        ruled = rs.model_copy(update={"rules": [*rs.rules, rs.rules[0].model_copy(update={"id": "RX",
                                                                                          "award": free[0]})]})
        assert without_free_subsets(rs, "individuals", case.quotas, classes_of=ruled) is rs
    plain = build_model(rs, case.pool, case.quotas)
    inside = members(rs, case.pool, group)
    part = sum(v for v, yes in zip(plain.x[top], inside) if yes)
    plain.model.maximize(part)
    want = ASK.solve(plain.model)
    got = ASK.solve((lambda m: (m.model.maximize(m.count_of(top, group)), m.model)[1])(cm.sm))
    assert got.status == want.status
    if want.optimal:
        assert got.value(cm.sm.count_of(top, group)) == want.value(part)
    merit = build_model(rs, case.pool, case.quotas)  # best_slate's merit, asked without the free ones
    merit.model.maximize(merit.merit[top])
    want = ASK.solve(merit.model)
    best = relaxations.best_slate(rs, case.pool, case.quotas, None)
    assert (best is None) == (not want.found)
    if best is not None and all(r.hard for r in rs.rules):  # (a soft rule's penalty: merit is not the objective)
        assert Decimal(best[0]) == Decimal(want.value(merit.merit[top])) / merit.scale


def test_a_free_special_class_is_its_seat_rule_alone_in_the_conflict_search(tmp_path):
    """conflicts._literal_model: a special class only its seats constrain has no decisions of its own in the
    conflict search's models; its rule `seats:special` asks the parent's slate for at least its seats. Half
    enterprise staff and one at most cannot hold together in a slate of three or more: they conflict with
    either seat total (4 seats, 3 of them special) alone, so both minimal conflicts name a seat rule, and each
    is what the per-candidate model (special class in) says: no slate with it, a slate without any one of its
    rules."""
    rows = [{"id": f"C{i}", "unit": f"U{i % 3}", "score": str(90 - i),
             "sector": ["enterprise", "agriculture", "other"][i % 3]} for i in range(9)]
    case = make_case(tmp_path, rows, [share("RA", "enterprise", ">=", "50%"), count("RB", "enterprise", max=1)],
                     seats=4, special=3, quotas={"U0": 4, "U1": 4, "U2": 4})
    probe = conflicts_module._Feasibility(case.ruleset, case.pool, case.quotas, None)
    assert probe.check([r for r in probe.ids if r != "RB"])[0] is True  # with the quotas: every unit's classes
    for sm in (probe.small, probe.full):
        assert [a.id for a in sm.awards] == ["labour_model"] and "seats:special" in sm.literals
    found = search_conflicts(case.ruleset, case.pool, case.quotas)
    assert sorted(map(sorted, found.found)) == [["RA", "RB", "seats:labour_model"], ["RA", "RB", "seats:special"]]
    plain = build_model(case.ruleset, case.pool, case.quotas, with_literals=True)

    def feasible(rules) -> bool:
        plain.model.clear_assumptions()
        plain.model.add_assumptions([plain.literals[r] for r in rules])
        return ASK.solve(plain.model).found

    for conflict in found.found:
        assert not feasible(conflict)
        assert all(feasible([r for r in conflict if r != left]) for left in conflict)
    assert feasible(["seats:special", "RA"]) and feasible(["RA", "RB"])
