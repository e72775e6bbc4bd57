"""The relaxations an explanation lists (explanation.json `relaxations[].text`, the web page's list, adjust's
report) read in Chinese by default, with the rule named as the notice says it; English with --lang en keeps
the rule ids (issue 12's leftover: these sentences were English f-strings)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = re.compile(r"\b(allow|add|least|lower|raise|seats?|persons?|past|each|share|reaches|candidates?)\b")


def _relaxations(tmp_path: Path, scenario: str, *lang: str) -> list[dict]:
    out = tmp_path / "why"
    done = subprocess.run([sys.executable, "-m", "selector.interfaces.cli", *lang, "explain", scenario, "--out",
                           str(out), "--force"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr  # the infeasible variants: no slate
    return json.loads((out / "explanation.json").read_text(encoding="utf-8"))["relaxations"]


@pytest.mark.parametrize("scenario", ["scenarios/county-2025/infeasible.toml", "scenarios/city-2025/infeasible.toml"])
def test_relaxations_read_in_chinese_by_default(tmp_path, scenario):
    found = _relaxations(tmp_path, scenario)
    assert found, "an infeasible variant has relaxations"
    for r in found:
        assert not ENGLISH.search(r["text"]), r["text"]
        assert re.search(r"[\u4e00-\u9fff]", r["text"]), r["text"]
    kinds = {r["kind"] for r in found}
    if "pool" in kinds:
        assert any(r["text"].startswith("至少补报") for r in found if r["kind"] == "pool")
    if "combination" in kinds:
        assert any("允许" in r["text"] for r in found if r["kind"] == "combination")


def test_relaxations_in_english_name_the_rule_ids(tmp_path):
    found = _relaxations(tmp_path, "scenarios/county-2025/infeasible.toml", "--lang", "en")
    texts = [r["text"] for r in found]
    assert any(t.startswith("add at least") for t in texts), texts
    assert any(re.match(r"T1: allow \d+ person\(s\) past it", t) for t in texts), texts


def test_a_pool_the_rule_set_does_not_declare_is_refused_in_chinese():
    from selector.errors import InputErrors
    from selector.reading.inputs import load_inputs

    sample = ROOT / "scenarios" / "fuxin-2021"
    with pytest.raises(InputErrors) as e:
        load_inputs(ROOT / "models" / "fuxin-2021.toml", {"individuals": sample / "individuals.csv",
                                                         "collectives": sample / "collectives.csv",
                                                         "teams": sample / "collectives.csv"})
    said = [str(p) for p in e.value.problems]
    assert any("规则集中没有名为“teams”的人选库" in s and "individuals, collectives" in s for s in said), said
