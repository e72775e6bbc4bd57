"""Issue 14: on random tiny pools, the model (plain and fast path) and the independent verifier agree on
the new rule kinds: the best merit the solver proves equals the best merit over every slate the verifier
accepts (all slates enumerated), and no slate exists exactly when the verifier accepts none.
Kinds: exact share, not-in / OR / NOT groups, groups on the unit, per-unit counts from a table, a share
within named units, carve-out seats for a category; and two disjoint titles from one pool."""

from __future__ import annotations

import itertools
import tempfile
from decimal import Decimal
from pathlib import Path

from conftest import count, ruleset_data, share, toml_dumps, write_pool, write_quotas
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selector.engine.prune import solve_pool
from selector.engine.session import SolverSettings
from selector.pipeline import load_inputs
from selector.verify import verify_slate

GROUPS = {
    "women": {"where": {"gender": ["female"]}},
    "enterprise": {"where": {"sector": ["enterprise"]}},
    "non_leader": {"where_not": {"role": ["leader"]}},
    "either": {"any": [{"role": ["frontline"]}, {"gender": ["female"]}]},
    "outside": {"not_within": ["enterprise"]},
    "from_u2": {"where": {"unit": ["U2"]}},
    "champion": {"where": {"craftsman": ["liaoning"]}},
    "leader": {"where": {"role": ["leader"]}},
}

row = st.fixed_dictionaries({
    "unit": st.sampled_from(["U1", "U2"]), "score": st.integers(1, 9).map(str),
    "gender": st.sampled_from(["female", "male"]), "sector": st.sampled_from(["enterprise", "other"]),
    "role": st.sampled_from(["frontline", "leader", "staff"]), "craftsman": st.sampled_from(["none", "liaoning"])})

RULES = [
    share("K-eq", "women", "=", "1/2"),
    count("K-nl", "non_leader", min=2),
    count("K-or", "either", min=1, max=2),
    count("K-not", "outside", max=1),
    count("K-u2", "from_u2", min=1),
    count("K-ctl", "leader", max=1) | {"per_unit": True, "max_by_unit": {"U2": 0}},
    share("K-in", "enterprise", ">=", "1/2") | {"units": ["U1"]},
]


def _load(folder: Path, data: dict, rows: list[dict]):
    """Write the rule set and pool beside the quota table already in `folder`; load them as a user's are."""
    (folder / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    write_pool(folder / "individuals.csv", rows)
    inputs = load_inputs(folder / "rules.toml", {"individuals": folder / "individuals.csv"})
    pool = inputs.pools["individuals"]
    return inputs, pool, pool.ids, dict(zip(pool.ids, pool.table["score"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=3, max_size=7), chosen=st.lists(st.integers(0, len(RULES) - 1), max_size=3),
       seats=st.integers(2, 3), carve=st.booleans(), q1=st.integers(0, 3))
def test_model_and_verifier_agree(rows, chosen, seats, carve, q1):
    rules = [RULES[i] for i in sorted(set(chosen))]
    for i, r in enumerate(rows):
        r["id"] = f"c{i}"
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        data = ruleset_data(rules, seats=seats, groups=GROUPS)
        open_seats = 1 if carve else 0  # carve-out: one seat outside the quotas, for champions only
        quotas = {"U1": q1, "U2": max(0, seats - q1 - open_seats)}  # the caps hold the seats less the open one
        if carve:
            data["awards"][0].update({"open_seats": 1, "open_group": "champion"})
        write_quotas(folder / "quotas.csv", quotas)
        inputs, pool, ids, scores = _load(folder, data, rows)
        best = None
        for slate in itertools.combinations(ids, seats):
            if verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, {"labour_model": list(slate)}).ok:
                merit = sum((Decimal(str(scores[c])) for c in slate), Decimal(0))
                best = merit if best is None or merit > best else best
        for fast in (False, True):
            sol = solve_pool(inputs.ruleset, pool, inputs.quotas, settings=SolverSettings(fast=fast))
            if best is None:
                assert sol.status == "infeasible", (fast, rules, rows, quotas)
                continue
            assert sol.status == "optimal", (fast, rules, rows, quotas)
            got = list(sol.selected["labour_model"])  # candidate ids
            assert verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, {"labour_model": got}).ok
            assert sum((Decimal(str(scores[c])) for c in got), Decimal(0)) == best, (fast, rules, rows, quotas)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=3, max_size=6), chosen=st.lists(st.integers(0, len(RULES) - 1), max_size=2),
       q1=st.integers(0, 2))
def test_disjoint_titles_agree(rows, chosen, q1):
    """Two disjoint titles (issue 14, 4): labour_model 2 seats with random rules, advanced 1 seat, a woman."""
    rules = [RULES[i] for i in sorted(set(chosen))] + [count("A-w", "women", min=1, award="advanced")]
    for i, r in enumerate(rows):
        r["id"] = f"c{i}"
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        data = ruleset_data(rules, seats=2, groups=GROUPS)
        data["awards"][0]["disjoint"] = True
        data["awards"].append({"id": "advanced", "name_zh": "先进工作者", "pool": "individuals", "seats": 1,
                               "quota": "cap", "disjoint": True})
        (folder / "quotas.csv").write_text(f"unit,labour_model,advanced\nU1,{q1},1\nU2,{2 - q1},1\n",
                                           encoding="utf-8")
        inputs, pool, ids, scores = _load(folder, data, rows)
        best = None
        for lm in itertools.combinations(ids, 2):
            for adv in ids:
                slate = {"labour_model": list(lm), "advanced": [adv]}
                if verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, slate).ok:
                    merit = sum((Decimal(str(scores[c])) for c in [*lm, adv]), Decimal(0))
                    best = merit if best is None or merit > best else best
        sol = solve_pool(inputs.ruleset, pool, inputs.quotas)
        if best is None:
            assert sol.status == "infeasible", (rules, rows)
            return
        got = {a: list(chosen) for a, chosen in sol.selected.items()}  # candidate ids
        assert sol.status == "optimal" and verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, got).ok
        assert sum((Decimal(str(scores[c])) for a in got for c in got[a]), Decimal(0)) == best
