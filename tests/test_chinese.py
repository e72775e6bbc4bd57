"""The office works in Chinese (issue 12): every README command through CliRunner in Chinese (the default)
and in English (--lang en), CSVs with a BOM, XLSX headers and format, an output slate read back as an
input pool, partial results when one pool has no slate, and explanations ranked by who can act (units
补报 first, then the office's 调剂, the leadership group last), on a unit-short and a category-short pool.
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from selector.i18n import language
from selector.interfaces.cli import app
from selector.pipeline import load_inputs, select_screened
from selector.reading.scenario import load_scenario_inputs

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "fuxin-2021"
SCENARIO = SAMPLE / "scenario.toml"
RULES = ROOT / "models" / "fuxin-2021.toml"
WHATIF = ROOT / "scenarios" / "whatif"
BOM = b"\xef\xbb\xbf"

runner = CliRunner()


@contextlib.contextmanager
def _no_language_set():
    """The default language (no SELECTOR_LANG, no --lang), for the module's shared runs."""
    from selector import i18n

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SELECTOR_LANG", raising=False)
        i18n.set_lang(None)
        yield


@pytest.fixture(autouse=True)
def _default_language(chinese):
    """Each test starts in the default language (Chinese) whatever the environment says."""


def _ok(result, code: int = 0) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


def _sample_rows() -> tuple[list[str], list[dict]]:
    with open(SAMPLE / "individuals.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return list(rows[0].keys()), rows


def _scenario(folder: Path, rows: list[dict], header: list[str]) -> Path:
    """A scenario with these individuals and the sample's collectives, in a folder of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "individuals.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)
    shutil.copy(SAMPLE / "collectives.csv", folder / "collectives.csv")
    path = folder / "scenario.toml"
    path.write_text(f'rules = "{RULES.as_posix()}"\n'
                    'pools = { individuals = "individuals.csv", collectives = "collectives.csv" }\n', encoding="utf-8")
    return path


def _unit_short(folder: Path) -> Path:
    """新邱区: 12 submitted, 5 of them retired (E9), so 7 eligible for a quota of 10; the seats cannot be filled."""
    header, rows = _sample_rows()
    k = 0
    for r in rows:
        if r["unit"] == "新邱区" and r["retired"] == "no" and k < 5:
            r["retired"], k = "yes", k + 1
    return _scenario(folder, rows, header)


def _frontline_short(folder: Path) -> Path:
    """R2 (frontline and technicians >= 60% of enterprise staff, 60 of 99) with 51 of them submitted."""
    header, rows = _sample_rows()
    inside = [r for r in rows if r["sector"] == "enterprise" and r["role"] in ("frontline", "technician",
                                                                                "migrant_worker")]
    for r in inside[: len(inside) - 51]:
        r["role"] = "staff"
    return _scenario(folder, rows, header)


# ------------------------------------------------------------------------------------- help, -h, --version
def test_help_is_chinese_by_default_english_on_request(monkeypatch):
    out = _ok(runner.invoke(app, ["-h"]))
    assert "用法" in out and "选项" in out and "命令" in out and "显示本帮助并退出" in out
    for command, words in [("select", "产生符合全部规则"), ("check", "资格审查"), ("explain", "谁能办"),
                           ("verify", "复核"), ("template", "填报模板"), ("whatif", "比较"), ("sweep", "逐步")]:
        out = _ok(runner.invoke(app, [command, "-h"]))
        assert words in out and "用法" in out, command
        assert "Usage" not in out and "Options" not in out, command
    out = _ok(runner.invoke(app, ["--lang", "en", "select", "--help"]))
    assert "Select the slate of greatest merit" in out and "Usage" in out and "用法" not in out
    out = _ok(runner.invoke(app, ["--lang", "en", "-h"]))
    assert "Commands" in out and "命令" not in out
    monkeypatch.setenv("SELECTOR_LANG", "en")
    assert "Select the slate" in _ok(runner.invoke(app, ["select", "-h"]))
    monkeypatch.delenv("SELECTOR_LANG")
    assert "产生符合全部规则" in _ok(runner.invoke(app, ["select", "-h"]))  # --lang lasts one command only


def test_version():
    from importlib import metadata

    out = _ok(runner.invoke(app, ["--version"]))
    assert metadata.version("slate-selector") in out


def test_unknown_language_is_a_usage_error():
    result = runner.invoke(app, ["--lang", "fr", "check", str(SCENARIO)])
    assert result.exit_code == 2 and "Traceback" not in result.output


# ------------------------------------------------------------------------------------- select on the sample
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """`selector select` on the sample, once in Chinese (the default) and once with --lang en."""
    base = tmp_path_factory.mktemp("runs")
    with _no_language_set():
        zh = runner.invoke(app, ["select", str(SCENARIO), "--out", str(base / "zh"), "--no-plots"])
        en = runner.invoke(app, ["--lang", "en", "select", "--rules", str(RULES), "--individuals",
                                 str(SAMPLE / "individuals.csv"), "--collectives", str(SAMPLE / "collectives.csv"),
                                 "--out", str(base / "en"), "--no-plots"])
    return {"zh": (base / "zh", zh), "en": (base / "en", en)}


def test_select_prints_chinese_by_default(runs):
    out = _ok(runs["zh"][1])
    for words in ["资格审查", "不符合条件 16 名", "结果：最优（已证明），已通过独立核验", "阜新市劳动模范", "达标",
                  "推荐单位（入选/名额）", "已写入", "总用时"]:
        assert words in out, words
    for english in ["Eligibility screening", "status:", "verified by", "wall time", "Written to", "must be no"]:
        assert english not in out, english


def test_select_prints_english_on_request(runs):
    out = _ok(runs["en"][1])
    for words in ["Eligibility screening", "result: optimal, verified by the independent checker",
                  "Written to", "Wall time"]:
        assert words in out, words
    assert "资格审查" not in out and "已写入" not in out


def test_screened_out_summarised_by_reason_with_the_full_list_in_the_file(runs):
    folder, result = runs["zh"]
    out = _ok(result)
    assert "E6（八.2）" in out and "：2 名（" in out  # two screened out by E6, counted on one line
    with open(folder / "screening.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0].keys() >= {"编号", "姓名", "推荐单位", "符合条件", "不符合条件的原因"}
    out_rows = [r for r in rows if r["符合条件"] == "否"]
    assert len(out_rows) == 16 and all(r["不符合条件的原因"] for r in out_rows)
    assert {r["符合条件"] for r in rows} == {"是", "否"}


def test_csvs_carry_a_bom_and_chinese_headers_and_values(runs):
    folder, _ = runs["zh"]
    for name in ["labour_model.csv", "collective.csv", "screening.csv", "budget.csv"]:
        assert (folder / name).read_bytes().startswith(BOM), name
    with open(folder / "labour_model.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:6] == ["名次", "编号", "姓名", "推荐单位", "得分", "阜新市特等劳动模范"]
    assert {r["性别"] for r in rows} == {"女", "男"}
    assert {r["人员类别"] for r in rows} <= {"企业", "机关事业", "农业", "其他"}
    assert {r["少数民族"] for r in rows} == {"是", "否"}
    assert sum(r["阜新市特等劳动模范"] == "是" for r in rows) == 10
    assert not any(v in {"female", "male", "enterprise", "yes", "no"} for r in rows for v in r.values())


def test_english_outputs_keep_the_codes(runs):
    folder, _ = runs["en"]
    with open(folder / "labour_model.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:6] == ["rank", "id", "name", "unit", "score", "special"]
    assert {r["gender"] for r in rows} == {"female", "male"} and sum(r["special"] == "yes" for r in rows) == 10
    assert (folder / "labour_model.csv").read_bytes().startswith(BOM)


def test_slate_xlsx_has_a_sheet_per_award_bold_frozen_headers_and_cjk_widths(runs):
    folder, _ = runs["zh"]
    wb = openpyxl.load_workbook(folder / "slate.xlsx")
    assert wb.sheetnames[:3] == ["阜新市劳动模范", "阜新市特等劳动模范", "阜新市先进集体"]
    assert "资格审查" in wb.sheetnames
    ws = wb["阜新市劳动模范"]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["名次", "编号", "姓名", "推荐单位", "得分"] and ws.max_row == 181
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    j = head.index("阜新市特等劳动模范") + 1
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
    assert width >= 2 * len("阜新市特等劳动模范")  # a CJK character counts double
    assert wb["阜新市特等劳动模范"].max_row == 11 and wb["阜新市先进集体"].max_row == 51
    en = openpyxl.load_workbook(runs["en"][0] / "slate.xlsx")
    assert en.sheetnames[:3] == ["labour_model", "special", "collective"]


def test_output_slate_reads_back_as_an_input_pool_and_gives_the_same_slate(runs):
    folder, _ = runs["zh"]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    inputs = load_inputs(RULES, {"individuals": folder / "labour_model.csv", "collectives": folder / "collective.csv"})
    _, again = select_screened(inputs)
    assert again.status == "optimal" and again.verified
    for award in ("labour_model", "special", "collective"):
        assert sorted(again.awards[award].selected) == sorted(summary["awards"][award]["selected"]), award
        assert again.awards[award].merit == summary["awards"][award]["merit"]


def test_verify_passes_in_both_languages_and_records_the_language(runs):
    for lang, word in (("zh", "zh"), ("en", "en")):
        folder, _ = runs[lang]
        assert json.loads((folder / "audit.json").read_text(encoding="utf-8"))["lang"] == word
        out = _ok(runner.invoke(app, ["verify", str(folder)]))
        assert "PASS" in out or "通过" in out
        assert "重新生成: 逐字节一致" in out  # issue 18: in the reader's language (Chinese), whatever the run's


# ------------------------------------------------------------------------------------- the other commands
def test_check_explain_template_in_chinese_and_english(tmp_path):
    out = _ok(runner.invoke(app, ["check", str(SCENARIO), "--out", str(tmp_path / "check")]))
    assert "资格审查" in out and "每条规则的人数测算" in out and "已写入" in out
    assert (tmp_path / "check" / "supply.csv").read_bytes().startswith(BOM)
    with open(tmp_path / "check" / "supply.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert "规则" in rows[0] and not any(r["规则"].startswith(("seats:", "quota:")) for r in rows)
    out = _ok(runner.invoke(app, ["--lang", "en", "check", str(SCENARIO), "--out", str(tmp_path / "check-en")]))
    assert "Supply against each rule" in out and "seats:" not in out
    out = _ok(runner.invoke(app, ["template", "--rules", str(RULES), "--out", str(tmp_path / "blank")]))
    assert "已写入" in out
    out = _ok(runner.invoke(app, ["--lang", "en", "template", "--rules", str(RULES), "--out", str(tmp_path / "b2")]))
    assert "Written to" in out


def test_whatif_and_sweeps_print_chinese(tmp_path):
    out = _ok(runner.invoke(app, ["select", str(WHATIF / "agriculture-18pct.toml"), "--out", str(tmp_path / "r8"),
                                  "--no-plots"]))
    assert "结果：最优（已证明）" in out
    out = _ok(runner.invoke(app, ["whatif", str(SCENARIO), str(WHATIF / "women-30pct.toml"),
                                  "--out", str(tmp_path / "whatif"), "--no-plots"]))
    assert "已写入" in out and "总用时" in out
    out = _ok(runner.invoke(app, ["sweep", str(SCENARIO), "--rule", "R8", "--from", "15%", "--to", "16%",
                                  "--out", str(tmp_path / "sweep"), "--no-plots"]))
    assert "已写入" in out
    out = _ok(runner.invoke(app, ["sweep", str(SCENARIO), "--quota", "彰武县", "--balance", "市直单位", "--from", "18",
                                  "--to", "19", "--out", str(tmp_path / "sweep-zw"), "--no-plots"]))
    assert "已写入" in out
    out = _ok(runner.invoke(app, ["--lang", "en", "sweep", str(SCENARIO), "--rule", "R8", "--from", "15%", "--to",
                                  "16%", "--out", str(tmp_path / "sweep-en"), "--no-plots"]))
    assert "Written to" in out


# ------------------------------------------------------------------------------------- summary tables
def test_summary_table_carries_the_office_form_columns_when_the_pool_has_them(tmp_path):
    header, rows = _sample_rows()
    extra = ["民族", "出生年月", "政治面貌", "工作单位及职务"]
    for i, r in enumerate(rows):
        r.update({"民族": "蒙古族" if r["minority"] == "yes" else "汉族", "出生年月": f"19{70 + i % 20}-0{1 + i % 9}",
                  "政治面貌": "中共党员", "工作单位及职务": f"{r['unit']}某厂 车间主任"})
    path = _scenario(tmp_path / "forms", rows, header + extra)
    _ok(runner.invoke(app, ["select", str(path), "--out", str(tmp_path / "out"), "--no-plots"]))
    ws = openpyxl.load_workbook(tmp_path / "out" / "review_summary_labour_model.xlsx").active
    head = [c.value for c in ws[4]]
    assert set(extra) <= set(head)
    row = dict(zip(head, [c.value for c in ws[5]]))
    assert row["政治面貌"] == "中共党员" and row["工作单位及职务"].endswith("车间主任")
    plain = openpyxl.load_workbook(tmp_path / "out" / "review_summary_collective.xlsx").active
    assert "民族" not in [c.value for c in plain[4]]  # the collectives carry no such column


# ------------------------------------------------------------------------------------- no slate
@pytest.fixture(scope="module")
def unit_short(tmp_path_factory):
    base = tmp_path_factory.mktemp("unit-short")
    path = _unit_short(base / "pool")
    with _no_language_set():
        result = runner.invoke(app, ["select", str(path), "--out", str(base / "out"), "--no-plots"])
    return path, base / "out", result


def test_unit_short_pool_writes_the_other_awards_slate(unit_short):
    path, out, result = unit_short
    text = _ok(result, 1)
    assert "阜新市劳动模范无名单" in text and "阜新市先进集体的名单照常写出" in text
    assert (out / "collective.csv").read_bytes().startswith(BOM) and not (out / "labour_model.csv").exists()
    assert (out / "review_summary_collective.xlsx").exists()
    wb = openpyxl.load_workbook(out / "slate.xlsx")
    assert "阜新市先进集体" in wb.sheetnames and "阜新市劳动模范" not in wb.sheetnames
    assert "PASS" in _ok(runner.invoke(app, ["verify", str(out)]))


def test_unit_short_explanation_names_the_unit_and_puts_the_unit_first(unit_short):
    path, out, result = unit_short
    text = _ok(result, 1)
    why = text[text.index("原因（"):]
    assert "新邱区名额 10 名，符合条件的只有 7 名" in why.split("办理建议")[0]  # the conflict names the short unit
    steps = why[why.index("办理建议"):]
    first = steps.split("1. ", 1)[1].splitlines()[0]
    assert first.startswith("新邱区须补报 3 名符合条件的人选") and "缺 3 人：名额 10 名，符合条件的只有 7 名" in first
    assert "离退休人员" in first  # the screened-out candidates of that unit, and why
    assert steps.index("一、推荐单位") < steps.index("二、评选办公室") < steps.index("三、须报评选领导小组决定")
    assert "【领导小组决定】" in steps and "【领导小组决定】" not in steps.split("三、")[0]
    for internal in ("seats:", "quota:"):
        assert internal not in text
    data = json.loads((out / "explanation.json").read_text(encoding="utf-8"))
    actors = [a["actor"] for a in data["actions"]]
    assert actors == sorted(actors, key=["unit", "office", "leadership"].index) and actors[0] == "unit"
    # the three really are enough, and two are not: solved with the candidates added
    header, rows = _sample_rows()
    with open(path.parent / "individuals.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    template = next(r for r in rows if r["unit"] == "新邱区" and r["retired"] == "no")
    for n, feasible in ((3, True), (2, False)):
        added = [dict(template, id=f"X{j}", name=f"补报{j}") for j in range(n)]
        sc = _scenario(path.parent.parent / f"plus{n}", rows + added, header)
        _, res = select_screened(load_scenario_inputs(sc).inputs)
        assert (res.pools["individuals"].status == "optimal") is feasible, n


def test_office_transfer_keeps_the_total_and_works(unit_short):
    _, out, _ = unit_short
    data = json.loads((out / "explanation.json").read_text(encoding="utf-8"))
    (move,) = [a for a in data["actions"] if a["actor"] == "office"]
    assert sum(c["to"] for c in move["changes"]) == sum(c["from"] for c in move["changes"])  # total kept
    assert {"unit": "新邱区", "from": 10, "to": 7} in move["changes"] and move["merit"] is not None


def test_category_short_pool_suggests_a_count_that_works_with_every_rule(tmp_path):
    path = _frontline_short(tmp_path / "pool")
    text = _ok(runner.invoke(app, ["explain", str(path), "--out", str(tmp_path / "why")]), 1)
    # 51 submitted, one of them retired: the shortfall names him and why
    assert "一线工人和专业技术人员缺 10 人：需要 60 名，符合条件的只有 50 名" in text
    assert "因不符合条件未参加评选：I0152 赵斌涛（E9-retired 离退休人员" in text
    data = json.loads((tmp_path / "why" / "explanation.json").read_text(encoding="utf-8"))
    first = data["actions"][0]
    assert first["actor"] == "unit" and first["changes"][0]["rule"] == "R2"
    n, spread = first["changes"][0]["add"], first["changes"][0]["units"]
    assert n >= 10 and sum(spread.values()) == n
    # checked by solving: n frontline candidates added where it says give a slate; n - 1 (one fewer) do not
    header, _ = _sample_rows()
    with open(path.parent / "individuals.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    inputs = load_scenario_inputs(path).inputs
    screening, _ = select_screened(inputs)
    eligible = {c.id for c in screening.candidates if c.eligible}

    def frontline_of(unit: str) -> dict:  # the unit's best eligible one, else the best anywhere, submitted by it
        ok = [r for r in rows if r["sector"] == "enterprise" and r["id"] in eligible
              and r["role"] in ("frontline", "technician", "migrant_worker")]
        pick = [r for r in ok if r["unit"] == unit] or ok
        return dict(max(pick, key=lambda r: float(r["score"])), unit=unit)

    added = [dict(frontline_of(u), id=f"X{u}{j}") for u, k in spread.items() for j in range(k)]
    for extra, feasible in ((added, True), (added[:-1], False)):
        sc = _scenario(tmp_path / f"plus{len(extra)}", rows + extra, header)
        _, res = select_screened(load_scenario_inputs(sc).inputs)
        assert (res.pools["individuals"].status == "optimal") is feasible, len(extra)


def test_explanations_in_english_on_request(unit_short):
    path, _, _ = unit_short
    with language("en"):
        from selector.analysis.explain import explain_inputs, format_explanation
        from selector.pipeline import screen_inputs

        inputs = load_scenario_inputs(path).inputs
        screening = screen_inputs(inputs)
        exp = explain_inputs(inputs, eligible=screening.masks, prices=False, screening=screening)
        text = format_explanation(exp, inputs.ruleset)
    assert "新邱区 must submit 3 more eligible candidates" in text and "[leadership group]" in text
    assert "须补报" not in text


@pytest.mark.parametrize("notice", ["city-2025", "county-2025", "national-mayday-2025", "fuxin-2021"])
def test_the_tie_break_sentence_is_in_the_readers_language(notice):
    # a rule set's tie-break note has a Chinese wording (note_zh) printed by default, English with --lang en
    rs = load_scenario_inputs(ROOT / "scenarios" / notice / "scenario.toml").inputs.ruleset
    with language("zh"):
        zh = rs.tie_break.wording
    with language("en"):
        en = rs.tie_break.wording
    assert zh.startswith("总分") and "Among" not in zh
    assert en.startswith("Among slates of equal merit")


def test_a_partial_run_says_the_awards_with_a_slate_are_verified(unit_short):
    """issue 18 (12's leftover): not '结果：无名单，已通过独立核验', which reads as if no slate were verified."""
    text = unit_short[2].output
    assert "有名单的奖项已通过独立核验" in text and "无名单，已通过独立核验" not in text
