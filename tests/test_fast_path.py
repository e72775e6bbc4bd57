"""The exact fast path (selector/engine/prune.py) against the plain per-candidate model on random small pools.

The fast path prunes interchangeable candidates, fixes candidates by an exact LP bound, and asks the
uniqueness and tie-break questions as optimisations. None of that may change the answer: same status, same
merit, the same slate candidate for candidate (top award and special class), the same uniqueness verdict.
And pruning never drops a candidate of the plain model's canonical optimum. Scores come from a short list,
so ties are common and the tie-break and uniqueness logic is exercised.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest
from conftest import count, make_case, share
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from selector.engine import prune as prune_module
from selector.engine.classes import build_pruned, interchangeable_classes, prune
from selector.engine.lp import _proto_copy, _proto_rows, lp_bound
from selector.engine.model import build_model
from selector.engine.prune import solve_pool
from selector.engine.session import SolverSettings
from selector.engine.solve import solve_model
from selector.verify import verify_slate

SCORES = ["70", "75.5", "80", "80", "85.25", "90", "90", "95"]
UNITS = ["U1", "U2", "U3"]

RULES = [
    share("R1", "enterprise", ">=", "1/2"),
    share("R2", "frontline", ">=", "60%", of="enterprise"),
    share("R3", "leader", "<=", "1/3", of="enterprise"),
    share("R4", "private_leader", ">=", "50%", of="leader"),
    share("R6", "institution", "<=", "30%"),
    share("R8", "agriculture", ">=", "15%"),
    share("W", "women", ">=", "25%"),
    share("M", "minority", ">=", "1/5", hard=False, weight=3),
    count("C", "leader", max=2),
    share("S", "women", ">=", "1/2", award="special"),
]

row = st.fixed_dictionaries({
    "unit": st.sampled_from(UNITS),
    "score": st.sampled_from(SCORES),
    "sector": st.sampled_from(["enterprise", "enterprise", "institution", "agriculture", "other"]),
    "role": st.sampled_from(["frontline", "technician", "leader", "staff"]),
    "ownership": st.sampled_from(["private", "state", "other"]),
    "gender": st.sampled_from(["female", "male", "male"]),
    "minority": st.sampled_from(["yes", "no", "no"]),
    "craftsman": st.sampled_from(["none", "none", "fuxin", "liaoning"]),
    "tech_sme": st.sampled_from(["yes", "no"]),
})


@st.composite
def cases(draw):
    rows = draw(st.lists(row, min_size=4, max_size=16))
    level = draw(st.booleans())  # half the pools: every score equal, so only the tie-break decides
    for i, r in enumerate(rows):
        r["id"] = f"P{i:02d}"
        if level:
            r["score"] = "80"
    seats = draw(st.integers(2, min(6, len(rows))))
    special = draw(st.integers(0, min(2, seats)))
    rules = draw(st.lists(st.sampled_from(RULES), max_size=3, unique_by=lambda r: r["id"]))
    if not special:
        rules = [r for r in rules if r["award"] != "special"]
    quotas = {u: draw(st.integers(0, seats)) for u in UNITS}
    quotas["U1"] += max(0, seats - sum(quotas.values()))  # the quota reader wants enough seats in all
    eligible = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)).filter(lambda m: sum(m) >= 2)) \
        if draw(st.booleans()) else None
    fixed = None
    if draw(st.booleans()):
        k = draw(st.integers(0, len(rows) - 1))
        fixed = {rows[k]["id"]: draw(st.booleans())}
    return rows, rules, seats, special, quotas, eligible, fixed


@contextmanager
def drawn_case(data):
    """A pool drawn by `cases()`, written to a temporary folder and read back: (case, eligible, fixed)."""
    rows, rules, seats, special, quotas, eligible, fixed = data
    with tempfile.TemporaryDirectory() as folder:
        yield make_case(folder, rows, rules, seats=seats, special=special, quotas=quotas), eligible, fixed


def _outcome(case, sol):
    return {a: sorted(chosen) for a, chosen in sol.selected.items()}  # candidate ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.booleans())
def test_fast_path_gives_the_plain_models_slate(data, through_lp):
    with drawn_case(data) as (case, eligible, fixed):
        plain = solve_model(build_model(case.ruleset, case.pool, case.quotas, eligible=eligible, fixed=fixed),
                            SolverSettings(fast=False))
        small = prune_module.SMALL_POOL
        prune_module.SMALL_POOL = 0 if through_lp else small  # small pools skip the LP rounds: check both
        try:
            fast = solve_pool(case.ruleset, case.pool, case.quotas, eligible, SolverSettings(), fixed=fixed)
        finally:
            prune_module.SMALL_POOL = small
        assert fast.status == plain.status
        event(f"{plain.status}, unique={plain.unique}, through the LP rounds: {through_lp}, "
              f"stages 2 and 3 as one objective: {bool(fast.timings.get('stages_23_as_one'))}")
        if plain.status != "optimal":
            return
        assert Decimal(fast.objective) / fast.scale == Decimal(plain.objective) / plain.scale  # same merit
        assert _outcome(case, fast) == _outcome(case, plain)  # same slate, special class included
        assert fast.unique == plain.unique
        ineligible = {case.pool.ids[i] for i in range(len(case.pool)) if eligible is not None and not eligible[i]}
        report = verify_slate(case.ruleset, case.pools, case.quotas, _outcome(case, fast), ineligible)
        assert report.ok, report.violations

        # pruning never drops a candidate of the plain model's canonical optimum
        kept = set(prune(case.ruleset, case.pool, case.quotas, eligible, fixed).pool.ids)  # the kept ids
        top = case.ruleset.top_award("individuals").id
        assert set(plain.selected[top]) <= kept


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_lp_bound_is_a_bound_and_its_fixings_keep_the_optimum(data):
    with drawn_case(data) as (case, eligible, fixed):
        plain = solve_model(build_model(case.ruleset, case.pool, case.quotas, eligible=eligible, fixed=fixed),
                            SolverSettings(fast=False))
        if plain.status != "optimal":
            return
        pruned = prune(case.ruleset, case.pool, case.quotas, eligible, fixed)
        lp = lp_bound(case.ruleset, pruned, case.quotas, fixed)
        assert lp is not None
        best = Decimal(plain.objective) / plain.scale * lp.scale  # in the LP's units, exact
        assert lp.bound >= best * (1 << 24)  # the bound holds
        keep, force = lp.threshold_fixing(int(best))  # fixings for slates at least as good as the optimum
        top = case.ruleset.top_award("individuals").id
        chosen = {pruned.pool.ids.index(c) for c in plain.selected[top]}  # positions in the pruned pool
        for j in range(len(keep)):
            assert keep[j] or j not in chosen
            assert not force[j] or j in chosen


def test_pruning_keeps_the_best_quota_many_of_each_class(tmp_path):
    # Six interchangeable enterprise frontline men in U1 (quota 2): only the best two can ever be chosen;
    # at equal score the tie-break decides (a liaoning craftsman first, then the smaller id).
    rows = [{"id": f"F{i}", "unit": "U1", "score": s, "sector": "enterprise", "role": "frontline"}
            for i, s in enumerate(["80", "90", "85", "90", "70", "60"])]
    rows[3]["craftsman"] = "liaoning"
    rows.append({"id": "W1", "unit": "U1", "score": "50", "sector": "enterprise", "role": "frontline",
                 "gender": "female"})
    rows.append({"id": "O1", "unit": "U2", "score": "99"})
    case = make_case(tmp_path, rows, [share("W", "women", ">=", "1/3")], seats=3, quotas={"U1": 2, "U2": 1})
    classes = interchangeable_classes(case.ruleset, case.pool)
    frontline_men = next(c for c in classes.classes if case.pool.ids[c[0]].startswith("F"))
    assert [case.pool.ids[i] for i in frontline_men] == ["F3", "F1", "F2", "F0", "F4", "F5"]
    pruned = prune(case.ruleset, case.pool, case.quotas)
    assert sorted(case.pool.ids[i] for i in pruned.kept) == ["F1", "F3", "O1", "W1"]
    fast = solve_pool(case.ruleset, case.pool, case.quotas)
    assert _outcome(case, fast)["labour_model"] == ["F3", "O1", "W1"]


def test_a_forced_candidate_is_its_own_class_and_a_kept_out_one_is_dropped(tmp_path):
    rows = [{"id": f"F{i}", "unit": "U1", "score": str(90 - i), "sector": "enterprise"} for i in range(5)]
    case = make_case(tmp_path, rows, [], seats=2, quotas={"U1": 2})
    fixed = {"F4": True, "F0": False}
    pruned = prune(case.ruleset, case.pool, case.quotas, fixed=fixed)
    assert sorted(case.pool.ids[i] for i in pruned.kept) == ["F1", "F2", "F4"]
    fast = solve_pool(case.ruleset, case.pool, case.quotas, fixed=fixed)
    assert _outcome(case, fast)["labour_model"] == ["F1", "F4"]


def _tied_gadgets(folder, special: int = 0):
    """Equal scores; three gadgets of two units of quota 1 (A: P0 P1, B: P2 P3; P0 and P2 women); six seats,
    exactly three women: many slates tie on merit and on the tie-break weights."""
    rows, quotas = [], {}
    for k in range(3):
        for j in range(4):
            unit = f"{'AB'[j // 2]}{k}"
            rows.append({"id": f"G{k}P{j}", "unit": unit, "score": "80", "gender": "female" if j in (0, 2) else "male"})
            quotas[unit] = 1
    rules = [share("W1", "women", ">=", "1/2"), count("W2", "women", max=3)]
    return make_case(folder, rows, rules, seats=6, special=special, quotas=quotas)


def test_tied_slates_give_the_first_in_tie_break_order(tmp_path):
    # Equal scores; three gadgets of two units of quota 1 (A: P0 P1, B: P2 P3; P0 and P2 women); six seats,
    # exactly three women. Tie-break weights fall by one along the ids, so taking P0 over P1 or P2 over P3
    # gains one each: every slate with three women ties on merit and on weight. Not unique; the first in
    # tie-break order is taken greedily: G0P0, G0P2, G1P0 (three women), then the men G1P3, G2P1, G2P3.
    case = _tied_gadgets(tmp_path)
    plain = solve_model(build_model(case.ruleset, case.pool, case.quotas), SolverSettings(fast=False))
    fast = solve_pool(case.ruleset, case.pool, case.quotas)
    assert plain.unique is False and fast.unique is False
    assert _outcome(case, fast) == _outcome(case, plain)
    assert _outcome(case, fast)["labour_model"] == ["G0P0", "G0P2", "G1P0", "G1P3", "G2P1", "G2P3"]


def test_tied_slates_with_a_special_class_from_one_objective_give_the_plain_models_slate(tmp_path):
    # The pool above with a special class of two, the best-k argument off: stages 2 and 3 as one objective
    # (engine/solve.py _stage3_weight), then the same uniqueness question and first slate in tie-break order.
    case = _tied_gadgets(tmp_path, special=2)
    plain = solve_model(build_model(case.ruleset, case.pool, case.quotas), SolverSettings(fast=False))
    with mock.patch("selector.engine.solve._best_k_of_selected", return_value=None):
        fast = solve_pool(case.ruleset, case.pool, case.quotas)
    assert fast.timings["stages_23_as_one"] == 1
    assert plain.unique is False and fast.unique is False
    assert _outcome(case, fast) == _outcome(case, plain)


# ------------------------------------------------------------------ every benchmark world, in miniature
# benchmarks/worlds.py: the generators the speed work is measured on (base, heavy ties with slack quota caps,
# many small units with tight quotas, a large special class, every score equal), under the whole Fuxin 2021
# rule set (R1-R10, S1-S4, the eligibility rules E2-E9 screened first). The fast path must give the plain
# model's answer on small pools of each: status, merit, special class, the canonical slate and the uniqueness
# verdict.
def _in_miniature(*worlds: str):
    """A test over small pools of these benchmark worlds (seed and sizes drawn; four examples per world)."""
    def wrap(test):
        drawn = given(seed=st.integers(1, 10**6), candidates=st.integers(24, 70), seats=st.integers(8, 16),
                      units=st.integers(2, 5))(test)
        return pytest.mark.parametrize("world", list(worlds))(
            settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])(drawn))
    return wrap


def _world_case(world: str, seed: int, candidates: int, seats: int, units: int, folder: str):
    import sys
    from pathlib import Path

    bench = str(Path(__file__).resolve().parent.parent / "benchmarks")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    from generate import Size
    from worlds import generate_world

    from selector.pipeline import load_inputs
    from selector.reading.eligibility import screen

    paths = generate_world(world, Size("tiny", candidates, seats, units), seed, folder)
    inputs = load_inputs(paths.rules, {"individuals": paths.individuals, "collectives": paths.collectives})
    pool = inputs.pools["individuals"]
    mask = screen(inputs.ruleset, {"individuals": pool}).masks["individuals"]
    return inputs.ruleset, pool, inputs.quotas, mask


@pytest.mark.parametrize("world", ["base", "ties", "small-units", "big-special", "flat"])
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 10**6), candidates=st.integers(24, 70), seats=st.integers(8, 16),
       units=st.integers(2, 5), through_lp=st.booleans(), narrow_small=st.booleans())
def test_fast_path_gives_the_plain_models_slate_on_every_world(world, seed, candidates, seats, units, through_lp,
                                                                narrow_small):
    """`narrow_small`: a small pruned model gets the LP fixing between stages too (prune.NARROW_FROM set to 0);
    else it skips it (the default below NARROW_FROM candidates, city size)."""
    fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units,
                                        SMALL_POOL=0 if through_lp else prune_module.SMALL_POOL,
                                        NARROW_FROM=0 if narrow_small else prune_module.NARROW_FROM)
    event(f"{world}: {plain.status}, unique={plain.unique}, special by argument: "
          f"{fast.timings.get('special_by_argument')} after {fast.timings.get('probes')} probes, "
          f"LP fixing between stages: {'fixed1' in fast.timings}, floor proved by the next value: "
          f"{fast.timings.get('floor_proof')}")
    _assert_the_same_canonical_slate(fast, plain)


def _world_fast_and_plain(world, seed, candidates, seats, units, **patched):
    """The fast path's and the plain model's answers on a world's pool, prune.py's `patched` knobs set for the
    fast one only (and put back after)."""
    seats = min(seats, candidates // 2)
    with tempfile.TemporaryDirectory() as folder:
        rs, pool, quotas, mask = _world_case(world, seed, candidates, seats, units, folder)
        plain = solve_model(build_model(rs, pool, quotas, eligible=mask), SolverSettings(fast=False))
        with mock.patch.multiple(prune_module, **patched):
            fast = solve_pool(rs, pool, quotas, mask, SolverSettings())
    return fast, plain


def _assert_the_same_canonical_slate(fast, plain) -> None:
    """The fast path's answer is the plain model's: status, merit, every award's slate (the special class
    included) and the uniqueness verdict."""
    assert fast.status == plain.status
    if plain.status != "optimal":
        return
    assert Decimal(fast.objective) / fast.scale == Decimal(plain.objective) / plain.scale
    assert {a: sorted(p) for a, p in fast.selected.items()} == {a: sorted(p) for a, p in plain.selected.items()}
    assert fast.unique == plain.unique


@_in_miniature("base", "big-special")
def test_a_round_undecided_in_its_short_time_is_retried_and_gives_the_plain_models_slate(world, seed, candidates,
                                                                                         seats, units):
    """The LP rounds (prune.py): a round whose short solve decides nothing is solved once more with four times
    the work, from the best slate seen, before a larger model; here the first short solve is made to decide
    nothing. The retry adds the LP rows lazily (CP-SAT's default); the round's first solve and every other
    keep them all from the start. The free special class's stage-2 start is chosen without a solve (the best
    of the slate)."""
    stage1 = prune_module._stage1
    undecided: list[float] = []
    lazy: list[float | None] = []

    def first_undecided(sm, session, first, start, work=None, hint=None, lazy_lp=False):
        if lazy_lp:
            lazy.append(work)
        if work is not None and not undecided:
            undecided.append(work)
            return "unknown", None, None
        return stage1(sm, session, first, start, work, hint, lazy_lp)

    fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units, SMALL_POOL=0,
                                        _stage1=first_undecided)
    event(f"{world}: {plain.status}, retried: {fast.timings.get('retries')}, "
          f"free subset start: {fast.timings.get('free_subset_start')}")
    _assert_the_same_canonical_slate(fast, plain)
    if fast.timings.get("retries"):
        assert lazy == [4 * undecided[0]]  # the retry alone, with four times the work


@_in_miniature("base", "big-special")
def test_the_stages_after_an_lp_round_run_without_presolve_and_give_the_plain_models_slate(world, seed, candidates,
                                                                                          seats, units):
    """prune.py LATER_STAGES: on an LP-round model, stage 1's rounds keep CP-SAT's presolve; the stages after it
    (solve_model) run without it, and the LP fixing runs after stage 1 and stage 3 but not after stage 2."""
    calls: list[bool] = []

    def recording(sm, settings, *args, **kwargs):
        calls.append(kwargs.get("presolve", True))
        return solve_model(sm, settings, *args, **kwargs)

    fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units, SMALL_POOL=0, solve_model=recording)
    event(f"{world}: {plain.status}, stage 2 searched: {fast.timings.get('special_by_argument') == 0}")
    _assert_the_same_canonical_slate(fast, plain)
    if "free" in fast.timings:  # stage 1 proven on an LP round's model: its stages followed
        assert calls == [False]
        if plain.status == "optimal":
            assert "fixed1" in fast.timings and "fixed3" in fast.timings and "fixed2" not in fast.timings


@_in_miniature("base", "ties")
def test_an_lp_fixing_cut_short_fixes_nothing_and_gives_the_plain_models_slate(world, seed, candidates, seats,
                                                                              units):
    """lp.NARROW_LP_WORK: the LP of the fixing between stages has a cut-off in GLOP's deterministic time (an
    LP that takes long would cost more than the fixing saves); cut short, it fixes nothing and the stages go
    on as they would."""
    from selector.engine import lp as lp_module

    with mock.patch.object(lp_module, "NARROW_LP_WORK", 1e-9):
        fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units, SMALL_POOL=0)
    _assert_the_same_canonical_slate(fast, plain)
    if plain.status == "optimal" and "free" in fast.timings:
        assert fast.timings.get("fixed3") == 0


@_in_miniature("flat")
def test_a_round_the_lp_settles_nothing_in_starts_from_a_steered_slate_and_gives_the_plain_models_slate(
        world, seed, candidates, seats, units):
    """prune._tie_break_start: every score equal, the LP rounds settle nothing; the round's first slate is
    found under merit and the tie-break as one objective and, reaching the LP bound, is taken as merit-optimal
    without a search. The canonical slate is still the plain model's."""
    fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units, SMALL_POOL=0)
    _assert_the_same_canonical_slate(fast, plain)
    if plain.status == "optimal":
        assert fast.timings.get("steered") == 1


@pytest.mark.parametrize("world", ["base", "big-special"])
def test_the_lp_rows_are_the_same_from_the_protobuf_copy_and_from_the_models_own_proto(world):
    """engine/lp.py reads the model's rows from an exported protobuf copy (fast); benchmarks/run.py hands it the
    model's own proto object. Both give the same rows: every linear constraint and every implication of the
    pruned model (its class chains included)."""
    with tempfile.TemporaryDirectory() as folder:
        rs, pool, quotas, mask = _world_case(world, 7, 60, 12, 3, folder)
        sm = build_pruned(rs, prune(rs, pool, quotas, mask), quotas)
    sm.model.maximize(sm.merit[sm.top.id])
    own, copy = _proto_rows(sm.model.proto), _proto_rows(_proto_copy(sm.model))
    assert any(len(cols) == 2 and high == 0 for cols, _, _, high in own)  # implications are there
    assert len(own) == len(copy)
    for (c1, a1, l1, h1), (c2, a2, l2, h2) in zip(own, copy):
        assert c1.tolist() == c2.tolist() and a1.tolist() == a2.tolist() and (l1, h1) == (l2, h2)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.integers(1, 2))
def test_stages_2_and_3_as_one_objective_give_the_plain_models_slate(data, special):
    """On the small pruned model (city size) stages 2 and 3 are one objective, W x stage 2 + stage 3
    (engine/solve.py _stage3_weight). Here the best-k argument is switched off so that it always runs, on
    pools with a special class and many ties (half of them every score equal): the same slate and verdict."""
    rows, rules, seats, _, _, eligible, fixed = data  # quotas as large as the seats: more pools have slates
    data = rows, rules, seats, min(special, seats), {u: seats for u in UNITS}, eligible, fixed
    with drawn_case(data) as (case, eligible, fixed):
        plain = solve_model(build_model(case.ruleset, case.pool, case.quotas, eligible=eligible, fixed=fixed),
                            SolverSettings(fast=False))
        with mock.patch("selector.engine.solve._best_k_of_selected", return_value=None):
            fast = solve_pool(case.ruleset, case.pool, case.quotas, eligible, SolverSettings(), fixed=fixed)
        event(f"{plain.status}, unique={plain.unique}")
        if plain.status == "optimal":
            assert fast.timings["stages_23_as_one"] == 1
        _assert_the_same_canonical_slate(fast, plain)


@_in_miniature("ties", "big-special")
def test_stages_2_and_3_as_one_objective_on_every_world(world, seed, candidates, seats, units):
    """The same on the benchmark worlds with the most ties (the best-k argument off, so the one objective runs);
    when the weight would be too large for one objective, the stages run one by one (LEXICOGRAPHIC_LIMIT 0)."""
    with mock.patch("selector.engine.solve._best_k_of_selected", return_value=None):
        fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units,
                                            SMALL_POOL=prune_module.SMALL_POOL)
    _assert_the_same_canonical_slate(fast, plain)
    if plain.status == "optimal":
        assert fast.timings["stages_23_as_one"] == 1
    with mock.patch("selector.engine.solve.LEXICOGRAPHIC_LIMIT", 0):
        one_by_one, _ = _world_fast_and_plain(world, seed, candidates, seats, units,
                                              SMALL_POOL=prune_module.SMALL_POOL)
    assert one_by_one.timings.get("stages_23_as_one", 0) == 0
    _assert_the_same_canonical_slate(one_by_one, plain)


def test_one_objective_puts_the_special_class_merit_before_the_tie_break(tmp_path):
    """Stage 2 before stage 3 in the one objective: P9 scores 0.01 more than the others, P1 comes first in
    tie-break order (ids, no keys). The slate is P1 + P9 and the special class is P9, on merit; weighting the
    two stages alike would give P1 (stage 3 gains 8, stage 2 loses 1 unit). P1 is a woman and a rule (that
    holds either way) counts women in the special class, so pruning cannot settle who holds it."""
    rows = [{"id": f"P{i}", "score": "80.01" if i == 9 else "80", "gender": "female" if i == 1 else "male"}
            for i in range(1, 10)]
    case = make_case(tmp_path, rows, [count("S", "women", max=1, award="special")], seats=2, special=1,
                     quotas={"U1": 2}, tie_break=[])
    with mock.patch("selector.engine.solve._best_k_of_selected", return_value=None):
        fast = solve_pool(case.ruleset, case.pool, case.quotas)
    assert fast.timings["stages_23_as_one"] == 1
    assert _outcome(case, fast) == {"labour_model": ["P1", "P9"], "special": ["P9"]}


def test_the_small_models_uniqueness_question_asks_for_a_newcomer_and_gives_the_plain_models_verdict(tmp_path):
    # On the small pruned model the uniqueness question asks for a slate with a newcomer in some award
    # (engine/solve.py _newcomers_to), which every award holding exactly its seats (S1, S3) makes the same
    # question; the plain model asks for any changed decision. Tied (not unique) and untied pools alike.
    from selector.engine import solve as solve_module

    asked = []
    real = solve_module._newcomers_to

    def spy(model, sm, values):
        got = real(model, sm, values)
        asked.append(got is not None)
        return got

    tied = _tied_gadgets(tmp_path / "tied", special=2)
    rows = [{"id": f"P{i}", "unit": "A", "score": str(60 + i), "gender": "female" if i % 2 else "male"}
            for i in range(8)]
    untied = make_case(tmp_path / "untied", rows, [count("W2", "women", max=2)], seats=4, special=1,
                       quotas={"A": 4})
    for case, unique in ((tied, False), (untied, True)):
        asked.clear()
        plain = solve_model(build_model(case.ruleset, case.pool, case.quotas), SolverSettings(fast=False))
        with mock.patch("selector.engine.solve._best_k_of_selected", return_value=None), \
                mock.patch("selector.engine.solve._newcomers_to", spy):
            fast = solve_pool(case.ruleset, case.pool, case.quotas)
        assert asked == [True]  # asked once, as a newcomer
        assert plain.unique is unique and fast.unique is unique
        assert _outcome(case, fast) == _outcome(case, plain)
    # A model whose rules hang on literals (the explainer's) may leave a seat total unenforced: no newcomer form.
    sm = build_model(untied.ruleset, untied.pool, untied.quotas, with_literals=True)
    assert real(sm.model, sm, {a.id: [0] * len(untied.pool) for a in sm.awards}) is None


@_in_miniature("small-units", "big-special")
def test_the_small_models_later_stages_try_the_light_relaxation_first_and_fall_back_when_cut_short(
        world, seed, candidates, seats, units):
    """engine/solve.py _maximise: on the small pruned model, each stage after stage 1 is first solved with the
    lighter linear relaxation, cut short at LIGHT_LP_WORK, then with the usual one if it was not proven. Both
    give the plain model's slate: with the default cut-off and with one so short that every light solve stops
    undecided and falls back."""
    from selector.engine import session as session_module
    from selector.engine import solve as solve_module

    real = session_module.Session.solve
    for cut in (solve_module.LIGHT_LP_WORK, 1e-9):
        asked: list[tuple[int | None, str]] = []

        def recording(self, model, work=None, callback=None, lazy_lp=False, linearization=None, asked=asked):
            got = real(self, model, work, callback, lazy_lp, linearization)
            asked.append((linearization, got.status))
            return got

        with mock.patch.object(session_module.Session, "solve", recording), \
                mock.patch.object(solve_module, "LIGHT_LP_WORK", cut):
            fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units,
                                                SMALL_POOL=prune_module.SMALL_POOL)
        _assert_the_same_canonical_slate(fast, plain)
        light = [status for level, status in asked if level == 1]
        if plain.status == "optimal" and "free" in fast.timings:  # the stages ran on the small model
            assert light, asked
        if cut < 1e-6:
            assert all(status != "optimal" for status in light)
            fell_back = [i for i, (level, status) in enumerate(asked) if level == 1]
            assert all(i + 1 < len(asked) and asked[i + 1][0] is None for i in fell_back)


@_in_miniature("base", "big-special")
def test_the_lp_rounds_leave_a_free_special_class_out_and_the_stages_after_them_choose_it(
        world, seed, candidates, seats, units):
    """engine/prune.py: the LP bound and the rounds of stage 1 are asked without a subset award only its seats
    constrain (model.without_free_subsets); the final round's model is built again with every award for the
    stages after stage 1. The slate is the plain model's, the special class included."""
    asked: list[list[str]] = []
    real = prune_module._stage1

    def recording(sm, *a, **k):
        asked.append([aw.id for aw in sm.awards])
        return real(sm, *a, **k)

    with mock.patch.object(prune_module, "_stage1", recording):
        fast, plain = _world_fast_and_plain(world, seed, candidates, seats, units, SMALL_POOL=0)
    _assert_the_same_canonical_slate(fast, plain)
    assert all(awards == ["labour_model"] for awards in asked), asked  # the Fuxin rules: no rule on the special
    if plain.status == "optimal":
        assert asked and len(fast.selected["special"]) == len(plain.selected["special"]) > 0
