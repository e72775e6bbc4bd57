"""`selector verify` catches a worse slate and every rehashed edit (issue 11, item 6).

The tamperer here uses the project's own code: swaps a selected candidate for a passed-over one that
keeps every rule, regenerates the slate tables, summary tables, budget and report with the functions
the run uses, and rewrites audit.json with fresh SHA-256s. verify must still FAIL: the numbers the
folder states no longer agree with the slate it holds, a one-swap improvement exists, or (with
--resolve) solving again gives another slate.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.domain import SelectionResult
from selector.i18n import language
from selector.interfaces.cli import app
from selector.outputs.document import write_report
from selector.outputs.folders import write_tables_and_budget
from selector.outputs.recheck import verify_folder
from selector.outputs.record import AUDIT_FILE, write_audit
from selector.outputs.sheets import add_xlsx_sheet, write_csv, write_xlsx
from selector.outputs.slates import screening_sheet_name, screening_table, slate_sheets, slate_tables
from selector.reading.scenario import load_scenario_inputs
from selector.verify import verify_slate

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _english():
    with language("en"):  # the check names below are the English ones
        yield


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tamper") / "out"
    # an English folder: the edits below are of English text
    r = runner.invoke(app, ["--lang", "en", "select", str(SAMPLE), "--out", str(out), "--no-plots"])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def inputs():
    return load_scenario_inputs(SAMPLE).inputs


@pytest.fixture
def folder(sample, tmp_path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(sample, copy)
    return copy


def rehash(folder: Path) -> None:
    """audit.json rewritten with the SHA-256 of every file now in the folder (what a tamperer does)."""
    audit = json.loads((folder / AUDIT_FILE).read_text(encoding="utf-8"))
    audit.pop("outputs")
    write_audit(folder, audit)


def failed(folder: Path, resolve: bool = False) -> list[str]:
    report = verify_folder(folder, resolve=resolve)
    return [c.name for c in report.failures]


def swap_tamper(folder: Path, inputs, same_class: bool, restate: bool) -> tuple[str, str]:
    """Swap a selected labour model for a passed-over eligible one so that every rule still holds, and
    regenerate everything with the project's code. `same_class`: the two share unit and groups;
    `restate`: also rewrite the pools' objective and bound to the new merit (status still 'optimal')."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    result = SelectionResult.model_validate(summary)
    rs, pool = inputs.ruleset, inputs.pools["individuals"]
    table = pool.table
    score = dict(zip(table["id"], table["score"]))
    ineligible = {s.id for s in result.screening.screened_out}
    groups = [g for g, spec in rs.groups.items() if spec.pool == "individuals"]
    masks = {g: dict(zip(table["id"], rs.group_mask(g, table))) for g in groups}
    unit = dict(zip(table["id"], table["unit"]))

    def sig(i):
        return (unit[i], *(masks[g][i] for g in groups))

    slate = {a: list(r.selected) for a, r in result.awards.items()}
    special = set(slate["special"])
    chosen = [c for c in sorted(slate["labour_model"], key=lambda c: -score[c]) if c not in special]
    passed = sorted((i for i in table["id"] if i not in set(slate["labour_model"]) and i not in ineligible),
                    key=lambda i: score[i])
    for c in chosen:
        for d in passed:
            if score[d] >= score[c] or (same_class and sig(d) != sig(c)):
                continue
            swapped = {a: [d if x == c else x for x in v] for a, v in slate.items()}
            if verify_slate(rs, inputs.pools, inputs.quotas, swapped, ineligible).ok:
                break
        else:
            continue
        break
    else:
        pytest.skip("no rule-keeping swap in the sample")
    merit = sum((score[x] for x in swapped["labour_model"]), Decimal(0))
    summary["awards"]["labour_model"]["selected"] = swapped["labour_model"]
    summary["awards"]["labour_model"]["merit"] = str(merit)
    if restate:
        summary["pools"]["individuals"]["objective"] = summary["pools"]["individuals"]["bound"] = str(merit)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result = SelectionResult.model_validate(summary)
    audit = json.loads((folder / AUDIT_FILE).read_text(encoding="utf-8"))
    with language(audit.get("lang", "zh")):  # every table as the run wrote it (Chinese by default)
        tables = slate_tables(inputs, result)
        for award_id, frame in tables.items():
            write_csv(frame, folder / f"{award_id}.csv")
        write_xlsx(folder / "slate.xlsx", slate_sheets(inputs, result, tables))
        add_xlsx_sheet(folder / "slate.xlsx", screening_sheet_name(), screening_table(inputs, _screening(inputs)))
        sheets, budget = write_tables_and_budget(folder, inputs, result)
        audit["awards"]["labour_model"] = {"merit": str(merit), "selected": swapped["labour_model"]}
        if restate:
            audit["pools"]["individuals"] |= {"objective": str(merit), "bound": str(merit)}
        audit.pop("outputs")
        write_report(folder, inputs, result, budget, audit, sheets)
    write_audit(folder, audit)
    return c, d


def _screening(inputs):
    from selector.reading.eligibility import screen

    return screen(inputs.ruleset, inputs.pools, inputs.quotas)


def test_the_untouched_folder_passes_and_resolves(sample):
    report = verify_folder(sample, resolve=True)
    assert report.ok, [f"{c.name}: {c.detail}" for c in report.failures]
    names = {c.name for c in report.checks}
    assert "re-solved: the recorded slate is the canonical optimum" in names or any("canonical" in n for n in names)


def test_the_swap_tamper_fails(folder, inputs):
    """The issue's case: summary.json still says optimal with an objective the slate no longer gives."""
    c, d = swap_tamper(folder, inputs, same_class=False, restate=False)
    r = runner.invoke(app, ["verify", str(folder)])
    assert r.exit_code == 1, r.output
    assert "FAIL" in r.output.splitlines()[-1]
    report = verify_folder(folder)
    bad = {x.name: x.detail for x in report.failures}
    assert any("objective" in name for name in bad), bad
    # the tables were regenerated consistently (forms/, issue 17, are not rewritten by this tamperer)
    assert all("regenerates" not in name or name.startswith("forms/") for name in bad), bad


def test_the_swap_tamper_with_restated_numbers_fails(folder, inputs):
    """Objective and bound restated too: a one-swap improvement shows the slate is not optimal."""
    c, d = swap_tamper(folder, inputs, same_class=True, restate=True)
    bad = failed(folder)
    assert any("swap" in name for name in bad), bad
    detail = next(x.detail for x in verify_folder(folder).failures if "swap" in x.name)
    assert c in detail and d in detail


def test_any_rule_keeping_swap_fails_with_resolve(folder, inputs):
    swap_tamper(folder, inputs, same_class=False, restate=True)
    r = runner.invoke(app, ["verify", str(folder), "--resolve"])
    assert r.exit_code == 1, r.output
    assert any("canonical optimum" in name for name in failed(folder, resolve=True))


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    p = folder / name
    text = p.read_bytes().decode("utf-8")
    assert old in text, (name, old)
    p.write_bytes(text.replace(old, new, 1).encode("utf-8"))


def _drop(folder: Path, name: str) -> None:
    (folder / name).unlink()


EDITS = {
    "screening.csv reason": lambda f: _edit(f, "screening.csv", "must be no", "may be yes"),
    "screening.csv eligible": lambda f: _edit(f, "screening.csv", ",no,", ",yes,"),
    "report.md name": lambda f: _edit(f, "report.md", "| 1 |", "| 1 (edited) |"),
    "report.html": lambda f: _edit(f, "report.html", "</body>", "<p>全部人选均已公示</p></body>"),
    "budget.csv": lambda f: _edit(f, "budget.csv", "10000", "20000"),
    "summary.json objective": lambda f: _edit(f, "summary.json", '"objective": "', '"objective": "1'),
    "report.md removed": lambda f: _drop(f, "report.md"),
    "screening.csv removed": lambda f: _drop(f, "screening.csv"),
    "review summary removed": lambda f: _drop(f, "review_summary_labour_model.xlsx"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_rehashed_edit_fails(folder, edit):
    EDITS[edit](folder)
    rehash(folder)
    r = runner.invoke(app, ["verify", str(folder)])
    assert r.exit_code == 1, r.output
    assert "FAIL" in r.output.splitlines()[-1]


def test_hiding_the_screening_from_the_record_fails(folder):
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["screening"] = None
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    audit = json.loads((folder / AUDIT_FILE).read_text(encoding="utf-8"))
    audit["screening"] = {"ineligible": []}
    (folder / AUDIT_FILE).write_text(json.dumps(audit, ensure_ascii=False), encoding="utf-8")
    rehash(folder)
    assert "eligibility screening" in failed(folder)


@pytest.mark.parametrize("name", ["../../etc/hostname", "/etc/hostname", "forms/../../x", ".."])
def test_record_paths_outside_the_folder_are_refused(folder, name):
    audit = json.loads((folder / AUDIT_FILE).read_text(encoding="utf-8"))
    audit["outputs"][name] = "0" * 64
    (folder / AUDIT_FILE).write_text(json.dumps(audit, ensure_ascii=False), encoding="utf-8")
    report = verify_folder(folder)
    bad = {c.name: c.detail for c in report.failures}
    assert "recorded outputs inside the folder" in bad and name in bad["recorded outputs inside the folder"]
    assert "hostname changed" not in " ".join(bad.values())  # not followed


def test_a_link_in_the_folder_is_not_followed(folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not the tool's\n", encoding="utf-8")
    (folder / "link.txt").symlink_to(secret)
    rehash(folder)
    assert "recorded outputs inside the folder" in failed(folder)
