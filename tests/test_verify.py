"""The independent verifier: it passes a correct slate and catches each kind of violation, exactly one
violation for a slate that breaks exactly one rule; and it shares no code with the solver."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import count, make_case, share, solve_case

import selector.verify
from selector.analysis.adjust import _broken
from selector.verify import verify_slate

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

# Seats 5 (special 1); cap quotas U1 4, U2 4.
# Rules: GE enterprise >= 1/2 of all (3 of 5); LE leader <= 1/2 of enterprise; MIN agriculture >= 1;
# MAX institution <= 0; SOFT women >= 1/2 (soft: missing it is not a violation).
POOL = [
    {"id": "E1", "unit": "U1", "score": "90.5", "sector": "enterprise", "role": "frontline"},
    {"id": "E2", "unit": "U1", "score": "88.25", "sector": "enterprise", "role": "leader"},
    {"id": "E3", "unit": "U2", "score": "85", "sector": "enterprise", "role": "leader"},
    {"id": "E4", "unit": "U2", "score": "80", "sector": "enterprise", "role": "frontline"},
    {"id": "E5", "unit": "U1", "score": "60", "sector": "enterprise", "role": "technician"},
    {"id": "A1", "unit": "U1", "score": "70", "sector": "agriculture", "gender": "female"},
    {"id": "A2", "unit": "U2", "score": "65", "sector": "agriculture"},
    {"id": "A3", "unit": "U1", "score": "62", "sector": "agriculture"},
    {"id": "I1", "unit": "U1", "score": "99.75", "sector": "institution"},
    {"id": "I2", "unit": "U2", "score": "74", "sector": "institution"},
]
RULES = [
    share("GE", "enterprise", ">=", "1/2"),
    share("LE", "leader", "<=", "1/2", of="enterprise"),
    count("MIN", "agriculture", min=1),
    count("MAX", "institution", max=0),
    share("SOFT", "women", ">=", "1/2", hard=False, weight="0.5"),
]


@pytest.fixture
def case(case_dir):
    return make_case(case_dir, POOL, RULES, seats=5, special=1, quotas={"U1": 4, "U2": 4})


@pytest.fixture
def good(case):
    out = solve_case(case)
    assert out.status == "optimal"
    return out.slate


def _verify(case, slate, ineligible=frozenset()):
    return verify_slate(case.ruleset, case.pools, case.quotas, slate, ineligible)


def _only(report, *needles: str) -> str:
    """The report has exactly one violation, and it names every needle."""
    assert len(report.violations) == 1, report.violations
    v = report.violations[0]
    for n in needles:
        assert n in v, v
    return v


def test_passes_the_solved_slate(case, good):
    # By hand: E1 E2 E3 E4 A1 = 413.75 (I1 is barred; E2 E3 leaders 2 <= 4/2; agriculture A1).
    assert good == {"labour_model": ["A1", "E1", "E2", "E3", "E4"], "special": ["E1"]}
    report = _verify(case, good)
    assert report.ok and report.violations == []
    soft = next(c for c in report.checks if c.id == "SOFT")
    assert not soft.ok and soft.short == 2  # 1 woman of 5, the target ceil(5/2) = 3: 2 short
    assert report.unit_fill["labour_model"] == {"U1": (3, 4), "U2": (2, 4)}


def test_wrong_seat_count(case, good):
    _only(_verify(case, {**good, "labour_model": ["E1", "E2", "E3", "E4", "A1", "A2"]}),
          "seats:labour_model", "6 selected")
    short = _verify(case, {**good, "special": []})
    _only(short, "seats:special", "0 selected")


def test_duplicate_selection(case, good):
    report = _verify(case, {**good, "labour_model": ["E1", "E1", "E3", "E4", "A1"]})
    assert any("selected twice" in v for v in report.violations), report.violations


def test_unknown_id(case, good):
    report = _verify(case, {**good, "labour_model": ["E1", "E2", "E3", "E4", "ZZ9"]})
    assert any("ZZ9" in v and "not in the pool" in v for v in report.violations), report.violations


def test_special_not_within_the_slate(case, good):
    _only(_verify(case, {**good, "special": ["A2"]}), "special", "A2", "labour_model")


def test_quota_exceeded(case, good):
    # Five from U1 (cap 4); every structural rule holds.
    _only(_verify(case, {**good, "labour_model": ["E1", "E2", "E5", "A1", "A3"]}), "quota:U1", "quota 4")


def test_exact_quota_underfilled(case_dir):
    case = make_case(case_dir, POOL, [], seats=4, special=0, quotas={"U1": 2, "U2": 2}, quota="exact")
    assert _verify(case, {"labour_model": ["E1", "E2", "E3", "E4"]}).ok
    report = _verify(case, {"labour_model": ["E1", "E2", "E5", "E4"]})  # U1 3 of 2, U2 1 of 2
    assert any(v.startswith("quota:U2") and "exactly 2" in v for v in report.violations), report.violations
    assert any(v.startswith("quota:U1") for v in report.violations), report.violations


def test_open_seat_used_once(case_dir):
    rows = [{"id": "a", "unit": "U1", "score": 99}, {"id": "b", "unit": "U1", "score": 98},
            {"id": "c", "unit": "U1", "score": 97}, {"id": "d", "unit": "U2", "score": "50.5"}]
    case = make_case(case_dir, rows, seats=3, quotas={"U1": 1, "U2": 1}, open_seats=1)
    assert _verify(case, {"labour_model": ["a", "b", "d"]}).ok  # one seat beyond U1's quota: the open seat
    assert not _verify(case, {"labour_model": ["a", "b", "c"]}).ok  # two beyond: not allowed


def test_share_at_least_broken(case, good):
    _only(_verify(case, {**good, "labour_model": ["E1", "E4", "A1", "A2", "A3"]}), "GE", "at least 3",
          "2 of 5")


def test_share_at_most_broken(case, good):
    _only(_verify(case, {**good, "labour_model": ["E1", "E2", "E3", "A1", "A2"]}), "LE", "at most 1",
          "2 of 3")


def test_count_minimum_broken(case, good):
    _only(_verify(case, {**good, "labour_model": ["E1", "E2", "E3", "E4", "E5"]}), "MIN", ">= 1")


def test_count_maximum_broken(case, good):
    _only(_verify(case, {"labour_model": ["E1", "E4", "E5", "A1", "I1"], "special": ["E1"]}), "MAX", "<= 0")


def test_rule_on_the_special_class_broken(case_dir):
    rows = [{"id": "M1", "score": 99}, {"id": "W1", "score": "60.5", "gender": "female"}, {"id": "M2", "score": 50}]
    case = make_case(case_dir, rows, [count("SPW", "women", min=1, award="special")], seats=2, special=1)
    assert _verify(case, {"labour_model": ["M1", "W1"], "special": ["W1"]}).ok
    _only(_verify(case, {"labour_model": ["M1", "W1"], "special": ["M1"]}), "SPW")


def test_ineligible_selected(case, good):
    _only(_verify(case, good, ineligible={"E3"}), "ineligible", "E3")


def test_fractions_are_exact_at_the_boundary(case_dir):
    # 1 tech SME of 3 leaders: >= 1/3 holds exactly; <= 33% fails (1 > 0.99); >= 34% fails.
    rows = [{"id": f"L{i}", "score": 90, "sector": "enterprise", "role": "leader",
             "tech_sme": "yes" if i == 1 else "no"} for i in range(1, 4)]
    rules = [share("THIRD", "tech_leader", ">=", "1/3", of="leader"),
             share("P33", "tech_leader", "<=", "33%", of="leader"),
             share("P34", "tech_leader", ">=", "34%", of="leader")]
    case = make_case(case_dir, rows, rules, seats=3)
    report = _verify(case, {"labour_model": ["L1", "L2", "L3"]})
    assert {c.id: c.ok for c in report.checks} == {"THIRD": True, "P33": False, "P34": False}
    assert sorted(v.split(" ")[0] for v in report.violations) == ["P33", "P34"]


# --------------------------------------------------------------------------------- no solver inside
def test_verify_does_not_import_ortools():
    source = Path(selector.verify.__file__).read_text(encoding="utf-8")
    imported = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")
    assert imported, "the walk found the module's imports"
    assert not [m for m in imported
                if m.startswith("ortools") or m in ("selector.engine.model", "selector.engine.solve")]
    assert not [v for v in vars(selector.verify).values()
                if getattr(v, "__module__", "") and str(getattr(v, "__module__", "")).startswith("ortools")]
    # Importing the verifier (and everything it imports) in a fresh interpreter loads no ortools at all.
    code = "import sys, selector.verify; print(sorted(m for m in sys.modules if m.startswith('ortools')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_violations_are_chinese_by_default(case, good, chinese):
    """What `selector verify`, the web page and adjust's report show: Chinese by default (English is the
    option this module runs in), the rule id kept first so a reader and adjust can tell which rule."""
    over = _verify(case, {**good, "labour_model": ["E1", "E2", "E5", "A1", "A3"]})
    assert _only(over, "quota:U1：", "入选 5 名，名额 4 名").startswith("quota:U1：")
    seats = _verify(case, {**good, "special": []})
    _only(seats, "seats:special：入选 0 名，该奖项应为 1 名")
    ge = _verify(case, {**good, "labour_model": ["E1", "E2", "A1", "A2", "A3"]})
    assert any(v.startswith("GE（") and "至少 3" in v and "名单实际 5 中 2（40.0%）" in v for v in ge.violations), \
        ge.violations
    check = next(c for c in ge.checks if c.id == "GE")
    assert check.required.startswith("≥ ") and check.required.endswith("= 至少 3")
    assert [(b.rule, b.achieved) for b in _broken(case.ruleset, over)] == [("quota:U1",
                                                                      "labour_model 入选 5 名，名额 4 名")]
