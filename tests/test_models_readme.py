"""models/README.md, the reference page for rule-set authors, names every key of the schema and every
eligibility check (issue 14: "the reference page names every key")."""

from __future__ import annotations

from pathlib import Path

import pytest

from selector.reading import rules

PAGE = (Path(__file__).resolve().parents[1] / "models" / "README.md").read_text(encoding="utf-8")
SCHEMA = [rules.RuleSet, rules.PoolSpec, rules.Attribute, rules.Award, rules.Group, rules.Rule,
          rules.EligibilityRule, rules.SubmissionRule, rules.Preference, rules.TieBreak, rules.TieBreakKey,
          rules.Paperwork, rules.SummaryTable, rules.PaperworkColumn, rules.Forms, rules.ConsultationForm,
          rules.FormRule, rules.CrossRule]


@pytest.mark.parametrize("cls", SCHEMA, ids=lambda c: c.__name__)
def test_every_key_is_named(cls):
    missing = [f for f in cls.model_fields if f"`{f}`" not in PAGE and f"`{f} " not in PAGE
               and f"[{f}" not in PAGE and f".{f}]" not in PAGE and f"{f} =" not in PAGE]
    assert not missing, f"{cls.__name__}: keys not in models/README.md: {missing}"


def test_every_eligibility_check_is_named():
    assert all(f"`{check}`" in PAGE for check in rules.ELIGIBILITY_PARAMS)
