"""The notice's other paperwork (issue 17): consultation forms 附件2/附件3 with the departments E7 and E8 ask,
department bundles, the clearance tracker, the 公示名单, the 推荐审批表 and the 承诺书 (selector/outputs/forms.py).

Who needs a form and which departments it lists are re-counted here from the rule set's eligibility rules
with plain pandas filters (not through forms.py); the documents are opened with python-docx and read back."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import random
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from selector.errors import InputErrors
from selector.i18n import language
from selector.interfaces.cli import app
from selector.outputs.forms import (
    FORMS_DIR,
    INDEX_FILE,
    TRACKER_FILE,
    clearance_status,
    consultation_needs,
    department_name,
    missing_by_department,
    write_forms,
)
from selector.pipeline import load_inputs, select_screened
from selector.reading.eligibility import screen
from selector.reading.scenario import load_scenario_inputs

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"
RULES = ROOT / "models" / "fuxin-2021.toml"
QUOTAS = ROOT / "models" / "fuxin-2021-quotas.csv"
MINI = Path(__file__).parent / "data" / "mini"
runner = CliRunner()


# ------------------------------------------------------------------------------------------ helpers
def _matches(frame, filt: dict) -> list[bool]:
    """Rows of `frame` matching an attribute -> allowed values filter (AND across attributes)."""
    ok = [True] * len(frame)
    for col, vals in filt.items():
        ok = [a and (v in set(vals)) for a, v in zip(ok, frame[col])]
    return ok


def expected_departments(inputs) -> dict[tuple[int, str], list[str]]:
    """(form index, candidate id) -> the departments, re-derived from the rule data with pandas filters."""
    rs = inputs.ruleset
    by_id = {e.id: e for e in rs.eligibility}
    out: dict[tuple[int, str], list[str]] = {}
    for i, form in enumerate(rs.paperwork.forms.consultation):
        for kind, pool in inputs.pools.items():
            table = pool.table
            for fr in form.rules:
                e = by_id[fr.rule]
                pool_of = fr.pool or (kind if kind in e.pools else None)
                if pool_of != kind:
                    continue
                when = fr.when if fr.pool is not None else e.when
                filt = rs.resolved_filter(when) if isinstance(when, str) else (when or {})
                for cid, hit in zip(table["id"], _matches(table, filt)):
                    if hit:
                        deps = out.setdefault((i, str(cid)), [])
                        deps += [d for d in (fr.departments or e.values) if d not in deps]
    return out


def _docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _department_column(path: Path) -> list[str]:
    """The first column of the table whose header cell is 征求意见部门, below the header."""
    d = docx.Document(str(path))
    for t in d.tables:
        if t.rows[0].cells[0].text == "征求意见部门":
            return [r.cells[0].text for r in t.rows[1:]]
    raise AssertionError(f"{path.name} has no departments table")


def _index(folder: Path) -> list[dict[str, str]]:
    with open(folder / INDEX_FILE, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------------------------------ the sample
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample scenario screened and solved, and its forms written by the library function."""
    inputs = load_scenario_inputs(SCENARIO).inputs
    _screening, result = select_screened(inputs)
    folder = tmp_path_factory.mktemp("forms") / "forms"
    written = write_forms(folder, inputs, result)
    return inputs, result, folder, written


def test_each_form_kind_goes_to_exactly_the_candidates_its_rules_name(sample):
    inputs, _result, folder, written = sample
    expected = expected_departments(inputs)
    needs = consultation_needs(inputs)
    assert {(n.form, n.id) for n in needs} == set(expected)
    ind = inputs.pools["individuals"].table
    col = inputs.pools["collectives"].table
    # by hand, from the notice: 附件2 to institution leaders (E8), 附件3 to enterprise leaders (E7) and to
    # enterprise collectives
    n2 = sum((s == "institution") and (r == "leader") for s, r in zip(ind["sector"], ind["role"]))
    n3 = sum((s == "enterprise") and (r == "leader") for s, r in zip(ind["sector"], ind["role"]))
    n3 += sum(k == "enterprise" for k in col["kind"])
    assert Counter(n.form for n in needs) == {0: n2, 1: n3}
    assert n2 > 10 and n3 > 50
    assert written.count("consultation") == n2 + n3
    files = [r for r in _index(folder) if r["类别"] == "征求意见表"]
    assert len(files) == n2 + n3 and len({r["文件"] for r in files}) == n2 + n3
    assert sum(r["文件"].startswith("consultation/附件2-") for r in files) == n2
    assert {r["人选编号"] for r in files} == {n.id for n in needs}


def test_each_form_lists_exactly_the_departments_its_rules_require(sample):
    inputs, _result, folder, _written = sample
    expected = expected_departments(inputs)
    by_id = {r["人选编号"]: r for r in _index(folder) if r["类别"] == "征求意见表"}
    kinds = Counter()
    for need in consultation_needs(inputs):
        want = [department_name(inputs, d) for d in expected[(need.form, need.id)]]
        assert list(need.departments) == expected[(need.form, need.id)]
        assert _department_column(folder / by_id[need.id]["文件"]) == want, need.id
        kinds[len(want)] += 1
    # 附件2: 2 departments (E8); 附件3: the 8 of E7 and 2 more for non-public (private or other-owned) ones,
    # 3 more for state leaders, 2 more for state collectives (not 组织人事): every sample enterprise is one of these
    assert set(kinds) == {2, 10, 11}


def test_forms_open_with_python_docx_and_carry_the_filled_values(sample):
    inputs, _result, folder, _written = sample
    rows = {str(r["id"]): r for pool in inputs.pools.values() for r in pool.table.to_dict("records")}
    for r in [x for x in _index(folder) if x["类别"] == "征求意见表"][::7]:
        text = _docx_text(folder / r["文件"])
        row = rows[r["人选编号"]]
        assert row["name"] in text and row["unit"] in text and row["id"] in text
        if "post" in row and row.get("role") == "leader":
            assert row["post"] and row["post"] in text  # 单位及职务
            assert "企业" in text or "机关事业" in text  # the category in Chinese
        assert "审查意见" in text and "盖章" in text and "负责人签字" in text
        d = docx.Document(str(folder / r["文件"]))
        sec = d.sections[0]
        assert abs(sec.page_width.cm - 21.0) < 0.05 and abs(sec.page_height.cm - 29.7) < 0.05  # A4


def test_bundles_hold_every_form_their_department_signs(sample):
    inputs, _result, folder, written = sample
    needs = consultation_needs(inputs)
    per_dept = Counter(d for n in needs for d in n.departments)
    bundles = {r["姓名（名称）"]: r for r in _index(folder) if r["类别"] == "部门汇总"}
    assert set(bundles) == {department_name(inputs, d) for d in per_dept}
    assert written.count("bundle") == len(per_dept) == 13
    for d, n in per_dept.items():
        r = bundles[department_name(inputs, d)]
        d_ = docx.Document(str(folder / r["文件"]))
        forms = [t for t in d_.tables if t.rows[0].cells[0].text == "征求意见部门"]
        assert len(forms) == n == int(r["表/内容"])
        assert all(department_name(inputs, d) in [row.cells[0].text for row in t.rows] for t in forms)


def test_tracker_missing_counts_agree_with_screening(sample):
    inputs, _result, folder, written = sample
    with language("en"):  # the reasons are parsed in their English wording
        screening = screen(inputs.ruleset, inputs.pools, inputs.quotas)
    clearance_rules = {e.id for e in inputs.ruleset.eligibility if e.check == "requires_all"}
    from_screening = Counter()
    for c in screening.candidates:
        for r in c.reasons:
            if r.rule in clearance_rules:
                from_screening.update(re.findall(r"(\w+) \(", r.value.split("missing", 1)[1]))
    missing = missing_by_department(inputs)
    assert {d: n for d, n in missing.items() if n} == dict(from_screening)
    assert sum(from_screening.values()) == 2  # generate.py plants two: no audit, no united front
    assert written.missing == {department_name(inputs, d): n for d, n in missing.items()}
    wb = openpyxl.load_workbook(folder / TRACKER_FILE)
    ws = wb["跟踪表"]
    head = [c.value for c in ws[2]]
    counted = Counter()
    for row in ws.iter_rows(min_row=3, values_only=True):
        for h, v in zip(head, row):
            if v == "缺":
                counted[h] += 1
    assert dict(counted) == {department_name(inputs, d): n for d, n in from_screening.items()}
    tracked = [c for c in clearance_status(inputs) if c.tracked]
    assert ws.max_row - 2 == len(tracked)
    by_dep = {r[0]: r[3] for r in wb["按部门"].iter_rows(min_row=2, values_only=True)}
    assert by_dep == {department_name(inputs, d): n for d, n in missing.items()}


def test_public_list_groups_the_slate_by_unit_with_post_and_deeds(sample):
    inputs, result, folder, written = sample
    assert written.count("public_list") == 1
    path = folder / "公示名单.docx"
    d = docx.Document(str(path))
    heads = [p.text for p in d.paragraphs]
    ind = {str(r["id"]): r for r in inputs.pools["individuals"].table.to_dict("records")}
    col = {str(r["id"]): r for r in inputs.pools["collectives"].table.to_dict("records")}
    lm, co = result.awards["labour_model"].selected, result.awards["collective"].selected
    names = [row.cells[1].text for t in d.tables for row in t.rows[1:]]
    assert len(names) == len(lm) + len(co) == 230
    assert sorted(names[:180]) == sorted(ind[i]["name"] for i in lm)
    assert sorted(names[180:]) == sorted(col[i]["name"] for i in co)
    for i in lm[:20]:
        assert any(row.cells[1].text == ind[i]["name"] and row.cells[2].text == ind[i]["post"]
                   and row.cells[3].text == ind[i]["deeds"] for t in d.tables for row in t.rows)
    units = [u for u in inputs.quotas.units if any(ind[i]["unit"] == u for i in lm)]
    groups = [h for h in heads if re.fullmatch(r".+（\d+名）", h)]
    assert [g.split("（")[0] for g in groups] == units  # grouped by unit, in quota-table order
    assert sum(int(re.search(r"（(\d+)名）", g)[1]) for g in groups) == 180


def test_one_approval_form_per_selected_candidate_and_a_pledge_per_unit(sample):
    inputs, result, folder, written = sample
    selected = set(result.awards["labour_model"].selected) | set(result.awards["collective"].selected)
    rows = [r for r in _index(folder) if r["类别"] == "推荐审批表"]
    assert {r["人选编号"] for r in rows} == selected and len(rows) == len(selected) == written.count("approval")
    special = set(result.awards["special"].selected)
    for r in rows:
        text = _docx_text(folder / r["文件"])
        assert r["姓名（名称）"] in text
        assert ("阜新市特等劳动模范" in text) == (r["人选编号"] in special)
    units = {str(u) for pool in inputs.pools.values() for u in pool.table["unit"]}
    pledges = [r for r in _index(folder) if r["类别"] == "承诺书"]
    assert {r["推荐单位"] for r in pledges} == units and written.count("pledge") == len(units)
    for r in pledges:
        text = _docx_text(folder / r["文件"])
        n = sum(str(u) == r["推荐单位"] for pool in inputs.pools.values() for u in pool.table["unit"])
        assert f"推荐下列{n}名（个）" in text and "手写签字" in text


def test_forms_are_byte_for_byte_reproducible(sample, tmp_path):
    inputs, result, folder, _written = sample
    again = tmp_path / "again"
    write_forms(again, inputs, result)
    mine = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    assert mine == theirs
    assert all((folder / n).read_bytes() == (again / n).read_bytes() for n in mine)
    with zipfile.ZipFile(folder / "公示名单.docx") as z:
        core = z.read("docProps/core.xml").decode()
        assert "1980-01-01T00:00:00Z" in core and all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())


# ------------------------------------------------------------------------------------------ random pools
UNITS = ["海州区", "太平区", "彰武县", "市直单位"]


def _random_pools(folder: Path, seed: int) -> tuple[Path, Path, Path]:
    """Small random pools under the Fuxin rule set: every mix of sector, role and ownership, random clearances,
    and identity-card and phone numbers in extra columns."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    deps = ["development_reform", "public_security", "hr_social_security", "ecology_environment",
            "emergency_management", "market_regulation", "trade_union", "tax", "united_front", "industry_commerce",
            "discipline_inspection", "audit", "organisation"]
    ind = [["id", "name", "unit", "score", "sector", "role", "ownership", "tech_sme", "county_cadre", "gender",
            "minority", "post_years", "clearances", "post", "deeds", "身份证号", "联系电话"]]
    for i in range(40):
        sector = rng.choice(["enterprise", "institution", "agriculture", "other"])
        role = rng.choice(["frontline", "technician", "migrant_worker", "leader", "staff"])
        own = rng.choice(["private", "state", "other"]) if sector == "enterprise" else ""
        cl = ";".join(d for d in deps if rng.random() < 0.8)
        ind.append([f"R{i:03d}", f"人选{i}", rng.choice(UNITS), str(rng.randint(60, 99)), sector, role, own,
                    rng.choice(["yes", "no"]), "no", rng.choice(["male", "female"]), "no", "3", cl,
                    f"岗位{i}", f"事迹{i}，联系13812345{i:03d}", f"21020319800101{i:04d}", f"1391234{i:04d}"])
    col = [["id", "name", "unit", "score", "kind", "ownership"]]
    for i in range(15):
        kind = rng.choice(["enterprise", "institution", "other"])
        own = rng.choice(["state", "private", "foreign", "other"]) if kind == "enterprise" else "state"
        col.append([f"K{i:03d}", f"集体{i}", rng.choice(UNITS), str(rng.randint(60, 99)), kind, own])
    paths = []
    for name, rows in (("individuals.csv", ind), ("collectives.csv", col)):
        with open(folder / name, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
        paths.append(folder / name)
    return RULES, paths[0], paths[1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_pools_get_the_forms_and_tracker_their_rules_give(tmp_path, seed):
    rules, ind, col = _random_pools(tmp_path / "case", seed)
    inputs = load_inputs(rules, {"individuals": ind, "collectives": col}, QUOTAS)
    expected = expected_departments(inputs)
    needs = consultation_needs(inputs)
    assert {(n.form, n.id): list(n.departments) for n in needs} == expected
    with language("en"):  # the reasons are parsed in their English wording
        screening = screen(inputs.ruleset, inputs.pools, inputs.quotas)
    failing = {c.id for c in screening.candidates for r in c.reasons if r.rule.startswith(("E7-clear", "E7-non",
                                                                                          "E7-state", "E8"))}
    status = clearance_status(inputs)
    assert {c.id for c in status if c.missing} == failing
    per_dept = Counter()
    for c in screening.candidates:
        for r in c.reasons:
            if "missing" in r.value and r.rule.startswith(("E7", "E8")):
                per_dept.update(re.findall(r"(\w+) \(", r.value.split("missing", 1)[1]))
    assert {d: n for d, n in missing_by_department(inputs, status).items() if n} == dict(per_dept)
    out = tmp_path / "forms"
    written = write_forms(out, inputs, None)  # a pool, no slate: no public list, no approval forms
    assert written.count("consultation") == len(expected)
    assert written.count("public_list") == 0 and written.count("approval") == 0
    for path in (out / "consultation").iterdir():  # masked, as in every other output
        text = _docx_text(path)
        assert not re.search(r"\d{18}|1[3-9]\d{9}", text), path.name


def test_full_numbers_only_on_the_approval_form_and_it_says_so(tmp_path):
    rules, ind, col = _random_pools(tmp_path / "case", 7)
    inputs = load_inputs(rules, {"individuals": ind, "collectives": col}, QUOTAS)
    from selector.domain import AwardResult, SelectionResult

    ids = list(inputs.pools["individuals"].table["id"])[:3]
    cids = list(inputs.pools["collectives"].table["id"])[:2]
    result = SelectionResult(status="feasible", ruleset=inputs.ruleset.id, rules=[], units=[], pools={},
                             verified=True, violations=[], wall_time=0, tie_break="", awards={
        "labour_model": AwardResult(award="labour_model", name_zh="阜新市劳动模范", seats=180, merit="0", selected=ids),
        "special": AwardResult(award="special", name_zh="阜新市特等劳动模范", seats=10, merit="0", selected=ids[:1]),
        "collective": AwardResult(award="collective", name_zh="阜新市先进集体", seats=50, merit="0", selected=cids)})
    written = write_forms(tmp_path / "forms", inputs, result)
    rows = {str(r["id"]): r for r in inputs.pools["individuals"].table.to_dict("records")}
    for rel in written.files["approval"]:
        text = _docx_text(tmp_path / "forms" / rel)
        cid = next(i for i in ids + cids if f"-{i}-" in rel)
        if cid in rows:
            assert rows[cid]["身份证号"] in text and rows[cid]["联系电话"] in text  # in full, here only
            assert "完整打印" in text  # and the form says so
            assert rows[cid]["deeds"] not in text  # the deeds' phone number is masked even here
    assert len(written.full_numbers) == 3
    public = _docx_text(tmp_path / "forms" / "公示名单.docx")
    assert not re.search(r"\d{18}|1[3-9]\d{9}", public) and "138****5" in public


# ------------------------------------------------------------------------------------------ another notice
FORM = """
title = "征求意见单"
file = "意见单-{id}.docx"
[[blocks]]
kind = "title"
text = "{title}（{unit}）"
[[blocks]]
kind = "fields"
rows = [[{ label = "名字", value = "{name}" }, { label = "类别", value = "{sector}" }]]
[[blocks]]
kind = "departments"
columns = [{ title = "征求意见部门", value = "{department}" }, { title = "意见", value = "" }]
"""
PLEDGE = """
title = "保证书"
file = "保证-{unit}.docx"
[[blocks]]
kind = "paragraph"
text = "{unit}保证所报{count}人属实。"
[[blocks]]
kind = "candidates"
columns = [{ title = "姓名", value = "{name}" }]
"""
OTHER_RULES = """
[[pools.individuals.attributes]]
column = "clearances"
type = "set"
label_zh = "已同意部门"
values = ["personnel", "audit_office"]
value_aliases = { "人事" = "personnel", "审计" = "audit_office" }
required = false
allow_blank = true

[[eligibility]]
id = "K1"
clause = "四"
text = "机关事业人选须经人事、审计部门同意"
pool = "individuals"
when = { sector = ["institution"] }
check = "requires_all"
attribute = "clearances"
values = ["personnel", "audit_office"]

[paperwork.forms]
folder = "other-forms"
departments = { personnel = "人事处" }
pledge = "pledge.toml"

[[paperwork.forms.consultation]]
template = "form.toml"
rules = [{ rule = "K1" }]
"""


def _other_notice(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = (MINI / "rules.toml").read_text(encoding="utf-8")
    head, _, tail = text.partition("[[awards]]")
    (folder / "rules.toml").write_text(head + OTHER_RULES.split("[[eligibility]]")[0] + "[[awards]]" + tail
                                       + "\n[[eligibility]]" + OTHER_RULES.split("[[eligibility]]")[1],
                                       encoding="utf-8")
    shutil.copy(MINI / "quotas.csv", folder / "quotas.csv")
    rows = list(csv.reader(io.StringIO((MINI / "pool.csv").read_text(encoding="utf-8"))))
    rows[0].append("clearances")
    for r in rows[1:]:
        r.append("" if r[0] == "P06" else "人事;审计")
    with open(folder / "pool.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    (folder / "other-forms").mkdir(exist_ok=True)
    (folder / "other-forms" / "form.toml").write_text(FORM, encoding="utf-8")
    (folder / "other-forms" / "pledge.toml").write_text(PLEDGE, encoding="utf-8")
    return folder / "rules.toml", folder / "pool.csv"


def test_another_notice_brings_its_own_forms(tmp_path):
    rules, pool = _other_notice(tmp_path / "case")
    out = tmp_path / "out"
    r = runner.invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(out),
                            "--no-plots"])
    assert r.exit_code == 0, r.output
    forms = out / FORMS_DIR
    consult = sorted(p.name for p in (forms / "consultation").iterdir())
    assert consult == ["意见单-P02.docx", "意见单-P05.docx", "意见单-P06.docx"]  # the institution candidates
    text = _docx_text(forms / "consultation" / "意见单-P06.docx")
    assert "征求意见单（彰武县）" in text and "孙鑫波" in text and "机关事业" in text
    assert _department_column(forms / "consultation" / "意见单-P06.docx") == ["人事处", "审计"]
    assert sorted(p.name for p in (forms / "pledge").iterdir()) == ["保证-彰武县.docx", "保证-海州区.docx"]
    assert "海州区保证所报4人属实。" in _docx_text(forms / "pledge" / "保证-海州区.docx")
    assert not (forms / "approval").exists()  # this notice has no approval form
    wb = openpyxl.load_workbook(forms / TRACKER_FILE)
    rows = list(wb["跟踪表"].iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[-2]) for r in rows] == [("P02", 0), ("P05", 0), ("P06", 2)]
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert "forms/consultation/意见单-P06.docx" in audit["outputs"]
    v = runner.invoke(app, ["verify", str(out)])
    assert v.exit_code == 0, v.output
    (forms / "consultation" / "意见单-P06.docx").write_bytes(b"changed")
    v = runner.invoke(app, ["verify", str(out)])
    assert v.exit_code == 1 and "意见单-P06.docx 在运行后被改动" in v.output  # issue 18: verify speaks Chinese
    assert re.search(r"FAIL\s+forms/ .*意见单-P06.docx", v.output), v.output  # and it does not regenerate
    c = runner.invoke(app, ["check", "--rules", str(rules), "--individuals", str(pool), "--out",
                            str(tmp_path / "check")])
    assert "人事处: 1" in c.output and "审计: 1" in c.output


def test_a_template_with_an_unknown_placeholder_is_bad_input(tmp_path):
    rules, pool = _other_notice(tmp_path / "case")
    (tmp_path / "case" / "other-forms" / "form.toml").write_text(FORM.replace("{name}", "{nmae}"), encoding="utf-8")
    r = runner.invoke(app, ["forms", "--rules", str(rules), "--individuals", str(pool), "--out",
                            str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "form.toml" in r.output and "nmae" in r.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputErrors):
        from selector.outputs.forms import load_templates

        load_templates(load_inputs(rules, {"individuals": pool}))


def test_forms_command_on_a_result_folder(tmp_path):
    rules, pool = _other_notice(tmp_path / "case")
    out = tmp_path / "out"
    assert runner.invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(out),
                               "--no-plots"]).exit_code == 0
    r = runner.invoke(app, ["forms", str(out), "--out", str(tmp_path / "forms"), "--slate-only"])
    assert r.exit_code == 0, r.output
    selected = json.loads((out / "summary.json").read_text(encoding="utf-8"))["awards"]["labour_model"]["selected"]
    consult = {p.name for p in (tmp_path / "forms" / "consultation").iterdir()}
    assert consult == {f"意见单-{i}.docx" for i in selected if i in ("P02", "P05", "P06")}
    assert "P06" not in "".join(consult)  # screened out (no clearances), so not on the slate
    again = runner.invoke(app, ["forms", str(out), "--out", str(tmp_path / "forms"), "--force"])
    assert again.exit_code == 0, again.output  # --force replaces a forms folder this tool wrote
    assert (tmp_path / "forms" / "consultation" / "意见单-P06.docx").exists()


def test_select_on_the_sample_leaves_the_forms_and_verify_passes(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["select", str(SCENARIO), "--out", str(out), "--no-plots"])
    assert r.exit_code == 0, r.output
    forms = out / FORMS_DIR
    for sub in ("consultation", "by_department", "approval", "pledge"):
        assert any((forms / sub).iterdir()), sub
    assert (forms / TRACKER_FILE).is_file() and (forms / "公示名单.docx").is_file()
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    listed = [n for n in audit["outputs"] if n.startswith("forms/")]
    assert len(listed) == sum(1 for p in forms.rglob("*") if p.is_file()) > 300
    v = runner.invoke(app, ["verify", str(out)])
    assert v.exit_code == 0 and "PASS" in v.output, v.output
    assert re.search(rf"ok\s+forms/ \S+: {len(listed)} ", v.output), v.output  # regenerated byte for byte


def test_a_unit_missing_from_the_quota_table_gets_one_pledge(sample, tmp_path):
    """九(二): one 承诺书 per unit; a unit with candidates but no line in the quota table (here: dropped from
    it) was once written once per candidate row (X.docx, X-2.docx, ...)."""
    inputs, result, _folder, _written = sample
    dropped = inputs.quotas.units[0]
    short = dataclasses.replace(inputs.quotas, units=[u for u in inputs.quotas.units if u != dropped])
    written = write_forms(tmp_path / "forms", dataclasses.replace(inputs, quotas=short), result)
    pledges = [r for r in _index(tmp_path / "forms") if r["类别"] == "承诺书"]
    assert [r["推荐单位"] for r in pledges].count(dropped) == 1
    assert written.count("pledge") == len({r["推荐单位"] for r in pledges}) == len(pledges)
