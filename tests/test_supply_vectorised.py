"""The supply arithmetic's group membership a column at a time equals RuleSet.in_group row by row (issue 13).

supply.pool_findings counts each rule's group with RuleSet.group_mask (pandas) instead of asking in_group of
every row (about 10 s of a national explanation). On random pools drawn from every sample scenario's pools
(rows resampled, attribute values swapped between rows, random eligibility), every finding is the same as the
row-by-row counting gives: the groups of all four sample rule sets (`where`, `where_not`, `any`, `within`)."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from selector.analysis import supply
from selector.reading.scenario import load_scenario_inputs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["fuxin-2021", "city-2025", "county-2025", "national-mayday-2025"]


@cache
def _inputs(name: str):
    return load_scenario_inputs(ROOT / "scenarios" / name / "scenario.toml").inputs


def _row_by_row(ruleset, table, group: str) -> list[bool]:
    """The counting supply.py did before: in_group on each row as a dict."""
    return [ruleset.in_group(group, r) for r in table.to_dict("records")]


@st.composite
def drawn_pools(draw):
    name = draw(st.sampled_from(SCENARIOS))
    inputs = _inputs(name)
    kind = draw(st.sampled_from(sorted(inputs.pools)))
    pool = inputs.pools[kind]
    n = draw(st.integers(1, 60))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=n, max_size=n))
    table = pool.table.iloc[picks].reset_index(drop=True).copy()
    table["id"] = [f"P{i}" for i in range(n)]
    columns = [c for c in table.columns if c not in ("id", "name", "score")]
    for col in draw(st.lists(st.sampled_from(columns), max_size=4, unique=True)):  # mix attributes across rows
        order = draw(st.permutations(range(n)))
        table[col] = table[col].iloc[list(order)].to_numpy()
    eligible = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return inputs, dataclasses.replace(pool, table=table, rows=list(range(n))), eligible


def test_group_counting_is_every_group_of_every_sample_rule_set():
    """The property below covers `where_not` and `any` only if some sample rule set has them."""
    specs = [g for name in SCENARIOS for g in _inputs(name).ruleset.groups.values()]
    assert any(g.where_not for g in specs) and any(g.any for g in specs) and any(g.within for g in specs)


@settings(max_examples=60, deadline=None)
@given(drawn_pools())
def test_vectorised_findings_equal_row_by_row(drawn):
    inputs, pool, eligible = drawn
    rs = inputs.ruleset
    for g in [g for g, spec in rs.groups.items() if spec.pool == pool.kind]:
        assert supply._members(rs, pool.table, g) == _row_by_row(rs, pool.table, g), g
    new = supply.pool_findings(rs, pool, inputs.quotas, eligible)
    with mock.patch.object(supply, "_members", _row_by_row):
        old = supply.pool_findings(rs, pool, inputs.quotas, eligible)
    assert new == old
    assert new  # each sample pool has an award: something was compared
