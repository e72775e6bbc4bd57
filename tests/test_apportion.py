"""Quota apportionment (issue 14, 7): the three methods against published worked examples, minimums,
weighted indicators, and `selector apportion` writing a table that `select` reads.

Published examples:
- Largest remainder (Hamilton / Hare quota): Wikipedia, "Largest remainder method", worked example
  (10 seats; 47,000 / 16,000 / 15,800 / 12,000 / 6,100 / 3,100 votes -> 5, 2, 1, 1, 1, 0).
- Hamilton's method: Tannenbaum, "Excursions in Modern Mathematics", ch. 4, the Republic of Parador
  (250 seats; populations 1,646,000 / 6,936,000 / 154,000 / 2,091,000 / 685,000 / 988,000
  -> 33, 139, 3, 42, 13, 20).
- D'Hondt and Sainte-Laguë: Wikipedia, "D'Hondt method" and "Sainte-Laguë method", worked example
  (8 seats; 100,000 / 80,000 / 30,000 / 20,000 votes -> D'Hondt 4, 3, 1, 0; Sainte-Laguë 3, 3, 1, 1).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from conftest import ruleset_data, toml_dumps, write_pool
from typer.testing import CliRunner

from selector.analysis.apportion import apportion, parse_indicators, weights_from_statistics
from selector.interfaces.cli import app
from selector.pipeline import load_inputs

runner = CliRunner()
VOTES = {"A": 47000, "B": 16000, "C": 15800, "D": 12000, "E": 6100, "F": 3100}
PARADOR = {"A": 1646000, "B": 6936000, "C": 154000, "D": 2091000, "E": 685000, "F": 988000}
FOUR = {"A": 100000, "B": 80000, "C": 30000, "D": 20000}


def test_largest_remainder_wikipedia_example():
    assert apportion(VOTES, 10, "hamilton").result == {"A": 5, "B": 2, "C": 1, "D": 1, "E": 1, "F": 0}


def test_hamilton_parador_example():
    assert apportion(PARADOR, 250, "hamilton").result == {"A": 33, "B": 139, "C": 3, "D": 42, "E": 13, "F": 20}


def test_dhondt_and_sainte_lague_wikipedia_example():
    assert apportion(FOUR, 8, "dhondt").result == {"A": 4, "B": 3, "C": 1, "D": 0}
    assert apportion(FOUR, 8, "sainte_lague").result == {"A": 3, "B": 3, "C": 1, "D": 1}


@pytest.mark.parametrize("method", ["hamilton", "dhondt", "sainte_lague"])
def test_minimums(method):
    # 90 / 9 / 1 with 10 seats: without a minimum C gets nothing; with 1 each, B and C get 1 and A the rest.
    assert apportion({"A": 90, "B": 9, "C": 1}, 10, method).result["C"] == 0
    got = apportion({"A": 90, "B": 9, "C": 1}, 10, method, minimum=1)
    assert got.result == {"A": 8, "B": 1, "C": 1} and sum(got.result.values()) == 10
    with pytest.raises(ValueError, match="保底"):
        apportion({"A": 1, "B": 1}, 3, method, minimum=2)


def test_weighted_indicators(tmp_path):
    stats = tmp_path / "stats.csv"
    stats.write_text("单位,在岗职工,规上工业增加值\n甲,100,0\n乙,300,50\n丙,0,50\n", encoding="utf-8")
    w = weights_from_statistics(stats, parse_indicators(["在岗职工=50%", "规上工业增加值=50%"]))
    # 甲 1/4 x 1/2 = 1/8; 乙 3/4 x 1/2 + 1/2 x 1/2 = 5/8; 丙 1/2 x 1/2 = 1/4
    assert w == {"甲": Fraction(1, 8), "乙": Fraction(5, 8), "丙": Fraction(1, 4)}
    with pytest.raises(ValueError, match="100%"):
        parse_indicators(["在岗职工=50%", "规上工业增加值=40%"])


def test_cli_writes_a_table_select_reads(tmp_path):
    stats = tmp_path / "stats.csv"
    stats.write_text("单位,在岗职工,规上工业增加值\nU1,100,0\nU2,300,50\nU3,0,50\n", encoding="utf-8")
    out = tmp_path / "quotas.csv"
    res = runner.invoke(app, ["apportion", str(stats), "--seats", "8", "--award", "labour_model", "--indicator",
                              "在岗职工=50%", "--indicator", "规上工业增加值=50%", "--min", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "最大余数法" in res.output and "U2: 5" in res.output  # 8 x 5/8 = 5 exactly
    data = ruleset_data([], seats=8)
    (tmp_path / "rules.toml").write_text(toml_dumps(data), encoding="utf-8")
    units = ["U1", "U2", "U3"] * 5
    write_pool(tmp_path / "pool.csv", [{"id": f"c{i}", "unit": u, "score": "1"} for i, u in enumerate(units)])
    inputs = load_inputs(tmp_path / "rules.toml", {"individuals": tmp_path / "pool.csv"}, out)
    assert inputs.quotas.of("labour_model") == {"U1": 1, "U2": 5, "U3": 2}
    again = runner.invoke(app, ["apportion", str(stats), "--seats", "8", "--award", "labour_model", "--indicator",
                                "在岗职工=100%", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output  # an existing table is not replaced silently
    bad = runner.invoke(app, ["apportion", str(stats), "--seats", "8", "--award", "x", "--indicator", "人数=100%",
                              "--out", str(tmp_path / "q2.csv")])
    assert bad.exit_code == 2 and "人数" in bad.output and not (tmp_path / "q2.csv").exists()
