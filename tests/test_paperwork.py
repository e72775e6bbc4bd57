"""The office's paperwork (issue 6): templates, summary tables (附件4, 附件5), the reward budget (W1), the
report and privacy masking. Small hand-checkable cases, plus one run of the bundled sample."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from conftest import ruleset_data, toml_dumps, write_pool, write_quotas
from typer.testing import CliRunner

from selector.engine.solve import SolverSettings
from selector.errors import InputErrors
from selector.interfaces.cli import app
from selector.outputs.budget import compute_budget
from selector.outputs.folders import write_paperwork, write_selection
from selector.outputs.privacy import is_sensitive_header, mask_text, mask_value
from selector.outputs.summary import SUMMARY_HEADER_ROW, SUMMARY_TITLE_ROW
from selector.outputs.templates import offered_values, write_templates
from selector.pipeline import load_inputs, select
from selector.reading.pool import read_pool
from selector.reading.quotas import read_quotas
from selector.reading.rule_checks import load_ruleset

pytestmark = pytest.mark.usefixtures("english")  # asserts English text: run in English (Chinese is the default)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"
FUXIN = ROOT / "models" / "fuxin-2021.toml"
runner = CliRunner()

# A 1x1 PNG, as the plots engineer's files would be.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")

ID_CARD = "210203198001011234"
MOBILE = "13812345678"
MOBILE_IN_TEXT = "13900001111"

COLUMNS = [
    {"column": "seq", "title": "序号"}, {"column": "unit", "title": "推荐单位"}, {"column": "name", "title": "姓名"},
    {"column": "gender", "title": "性别"}, {"column": "minority", "title": "少数民族"},
    {"column": "职务", "title": "职务", "optional": True}, {"column": "工龄", "title": "工龄", "optional": True},
    {"column": "role", "title": "岗位"}, {"column": "sector", "title": "人员类别"},
    {"column": "score", "title": "得分"},
    {"column": "grassroots_vote", "title": "基层得票率"}, {"column": "rank", "title": "名次"},
    {"column": "special", "title": "特等劳动模范"},
]

ROWS = [
    {"id": "A1", "unit": "U1", "score": "90", "gender": "female", "minority": "yes", "sector": "enterprise",
     "role": "frontline", "grassroots_vote": "90%", "职务": "车间主任", "身份证号": ID_CARD, "手机": MOBILE,
     "备注": f"联系人电话{MOBILE_IN_TEXT}"},
    {"id": "A2", "unit": "U2", "score": "95.5", "grassroots_vote": "0.855"},
    {"id": "A3", "unit": "U1", "score": "80.25", "sector": "agriculture"},
    {"id": "A4", "unit": "U2", "score": "70"},
    {"id": "A5", "unit": "U1", "score": "60"},
]


def small_rules(subset_reward: str = "instead", tables: bool = True) -> dict:
    """Three labour models (one special) from two units, rewards 10,000 / 30,000, one summary table."""
    data = ruleset_data([], seats=3, special=1)
    attrs = copy.deepcopy(data["pools"]["individuals"]["attributes"])
    for a in attrs:
        if a["column"] == "gender":
            a["value_aliases"] = {"女": "female", "男": "male"}
        if a["column"] == "role":
            a["value_aliases"] = {"一线工人": "frontline", "专业技术人员": "technician", "负责人": "leader",
                                  "工作人员": "staff"}
            a["label_zh"] = "岗位"
        if a["column"] == "minority":
            a["label_zh"] = "少数民族"
    attrs.append({"column": "grassroots_vote", "type": "share", "label_zh": "基层得票率", "required": False,
                  "allow_blank": True})
    data["pools"]["individuals"]["attributes"] = attrs
    data["pools"]["individuals"]["base_aliases"] = {"id": ["编号"], "name": ["姓名"], "unit": ["推荐单位"],
                                                    "score": ["得分"]}
    data["pools"]["individuals"]["label_zh"] = "劳动模范人选"
    data["awards"][0]["reward_yuan"] = 10000
    data["awards"][1]["reward_yuan"] = 30000
    data["paperwork"] = {"subset_reward": subset_reward}
    if tables:
        data["paperwork"]["tables"] = [{"award": "labour_model", "attachment": "附件4", "title_zh": "测试初审汇总表",
                                        "file": "summary4.xlsx", "columns": COLUMNS}]
    return data


def small_case(folder: Path, rows: list[dict] = ROWS, **kw) -> Path:
    """rules.toml, quotas.csv (U2 before U1) and individuals.csv in `folder`; returns the rules path."""
    folder.mkdir(parents=True, exist_ok=True)
    rules = folder / "rules.toml"
    rules.write_text(toml_dumps(small_rules(**kw)), encoding="utf-8")
    write_quotas(folder / "quotas.csv", {"U2": 2, "U1": 2})
    write_pool(folder / "individuals.csv", rows)
    return rules


def run_small(folder: Path, out: Path, **kw):
    rules = small_case(folder, **kw)
    inputs = load_inputs(rules, {"individuals": folder / "individuals.csv"})
    result = select(inputs)
    assert result.status == "optimal" and result.verified
    write_selection(out, inputs, result, settings=SolverSettings())
    return inputs, result


def run_sample(out: Path, *args: str) -> str:
    """`selector select` on the bundled sample; returns what it printed."""
    r = runner.invoke(app, ["select", str(SCENARIO), "--out", str(out), *args])
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("sample") / "out"
    return out, run_sample(out)


@pytest.fixture(scope="module")
def sample(sample_run) -> Path:
    return sample_run[0]


# --------------------------------------------------------------------------------------------- templates
def _validations(ws) -> dict[int, list[str]]:
    """Column index (1-based) -> the values its list drop-down offers."""
    from openpyxl.utils import column_index_from_string

    out = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        col = column_index_from_string("".join(ch for ch in str(dv.sqref).split(":")[0] if ch.isalpha()))
        f = dv.formula1
        if f.startswith('"'):
            out[col] = f.strip('"').split(",")
        else:  # a range on the hidden sheet
            sheet, ref = f.split("!")
            cells = ws.parent[sheet.strip("'")][ref.replace("$", "")]
            out[col] = [c[0].value for c in cells]
    return out


def test_template_drop_downs_offer_every_value_and_read_back(tmp_path):
    rs = load_ruleset(FUXIN)
    units = read_quotas(ROOT / "models" / "fuxin-2021-quotas.csv", rs).units
    write_templates(rs, tmp_path, units)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["collectives.xlsx", "individuals.xlsx", "quotas.xlsx"]
    for kind in ("individuals", "collectives"):
        spec = rs.pools[kind]
        wb = openpyxl.load_workbook(tmp_path / f"{kind}.xlsx")
        ws = wb.worksheets[0]
        assert "说明" in wb.sheetnames
        header = [c.value for c in ws[1]]
        lists = _validations(ws)
        # every category and flag column has a drop-down with one entry per canonical value
        for a in spec.attributes:
            if a.type in ("category", "flag"):
                j = header.index(a.label_zh) + 1
                assert lists[j] == offered_values(a), a.column
                assert len(lists[j]) == len(a.allowed)
        assert lists[header.index("推荐单位") + 1] == units
        # fill rows cycling through every offered value: each reads back, covering every canonical value
        n = max(len(v) for v in lists.values())
        for r in range(n):
            for j, h in enumerate(header, start=1):
                attr = next((a for a in spec.attributes if a.label_zh == h), None)
                if j in lists:
                    v = lists[j][r % len(lists[j])]
                elif h in ("编号",):
                    v = f"X{r:03d}"
                elif h in ("姓名", "集体名称"):
                    v = f"名{r}"
                elif h == "得分":
                    v = 80 + r
                elif attr is not None and attr.type == "share":
                    v = 0.9
                elif attr is not None and attr.type == "date":
                    v = dt.date(2021, 3, 26)
                elif attr is not None and attr.type == "number":
                    v = 3
                elif attr is not None and attr.type == "set":
                    v = "发改;公安"
                else:
                    v = None
                ws.cell(r + 2, j, v)
        wb.save(tmp_path / f"filled-{kind}.xlsx")
        pool = read_pool(tmp_path / f"filled-{kind}.xlsx", spec, kind, units)  # no '#sheet': 说明 is skipped
        assert len(pool) == n
        for a in spec.attributes:
            if a.type in ("category", "flag"):
                assert set(pool.table[a.column]) == set(a.allowed), a.column
        assert pool.table.at[0, "notice_start"] == dt.date(2021, 3, 26)
        assert pool.extra_columns == []


def test_template_explains_every_column(tmp_path):
    rs = load_ruleset(FUXIN)
    write_templates(rs, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "individuals.xlsx")
    notes = [r for r in wb["说明"].iter_rows(values_only=True) if r and r[2]]
    by_field = {r[2]: r for r in notes[1:]}  # the first is the header row
    spec = rs.pools["individuals"]
    assert set(by_field) == {"id", "name", "unit", "score", *(a.column for a in spec.attributes)}
    assert by_field["sector"][0] == "人员类别" and by_field["sector"][1] == "sector"
    assert "企业（enterprise）" in by_field["sector"][5]
    assert by_field["tech_sme"][3].startswith("是/否")
    assert "0% 至 100%" in by_field["grassroots_vote"][5]
    q = openpyxl.load_workbook(tmp_path / "quotas.xlsx").worksheets[0]
    assert [c.value for c in q[1]] == ["推荐单位", "阜新市劳动模范", "阜新市先进集体"]


def test_filled_template_round_trip_selects(tmp_path):
    rules = small_case(tmp_path / "case")
    r = runner.invoke(app, ["template", "--rules", str(rules), "--out", str(tmp_path / "tpl")])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(tmp_path / "tpl" / "individuals.xlsx")
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["编号", "姓名", "推荐单位", "得分"]
    rows = [("A1", "甲", "U1", 90, "女", "是", "一线工人"), ("A2", "乙", "U2", 95.5, "男", "否", "工作人员"),
            ("A3", "丙", "U1", 80.25, "男", "否", "负责人"), ("A4", "丁", "U2", 70, "女", "否", "专业技术人员")]
    col = {h: j for j, h in enumerate(header, start=1)}
    for i, (ident, name, unit, score, gender, minority, role) in enumerate(rows, start=2):
        ws.cell(i, col["编号"], ident)
        ws.cell(i, col["姓名"], name)
        ws.cell(i, col["推荐单位"], unit)
        ws.cell(i, col["得分"], score)
        ws.cell(i, col["gender"], gender)
        ws.cell(i, col["少数民族"], minority)
        ws.cell(i, col["岗位"], role)
    wb.save(tmp_path / "tpl" / "individuals.xlsx")
    qb = openpyxl.load_workbook(tmp_path / "tpl" / "quotas.xlsx")
    q = qb.worksheets[0]
    assert [c.value for c in q[1]] == ["推荐单位", "劳动模范"]
    q.append(["U1", 2])
    q.append(["U2", 2])
    qb.save(tmp_path / "tpl" / "quotas.xlsx")
    tpl = tmp_path / "tpl"
    inputs = load_inputs(rules, {"individuals": tpl / "individuals.xlsx"}, tpl / "quotas.xlsx")
    t = inputs.pools["individuals"].table
    assert list(t["gender"]) == ["female", "male", "male", "female"]
    assert list(t["role"]) == ["frontline", "staff", "leader", "technician"]
    assert list(t["minority"]) == ["yes", "no", "no", "no"]
    result = select(inputs)
    assert result.status == "optimal"
    assert sorted(result.awards["labour_model"].selected) == ["A1", "A2", "A3"]
    assert result.awards["special"].selected == ["A2"]


# -------------------------------------------------------------------------------------- summary tables
def test_summary_table_cell_by_cell(tmp_path):
    run_small(tmp_path / "case", tmp_path / "out")
    ws = openpyxl.load_workbook(tmp_path / "out" / "summary4.xlsx").active
    assert ws["A1"].value == "附件4"
    assert ws.cell(SUMMARY_TITLE_ROW, 1).value == "测试初审汇总表"
    header = [c.value for c in ws[SUMMARY_HEADER_ROW]]
    # the optional 工龄 is left out (no pool column); 职务 (an extra column of the pool) is in
    assert header == ["序号", "推荐单位", "姓名", "性别", "少数民族", "职务", "岗位", "人员类别", "得分", "基层得票率",
                      "名次", "特等劳动模范"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, max_row=ws.max_row)]
    # sorted by unit in quota-table order (U2 before U1), then by rank
    assert rows[0] == [1, "U2", "name-A2", "男", "否", None, "工作人员", "other", 95.5, 0.855, 1, "是"]
    assert rows[1] == [2, "U1", "name-A1", "女", "是", "车间主任", "一线工人", "企业", 90, 0.9, 2, None]
    assert rows[2] == [3, "U1", "name-A3", "男", "否", None, "工作人员", "农业", 80.25, None, 3, None]
    assert rows[3][0] == "合计：共 3 名，其中特等劳动模范 1 名"
    assert len(rows) == 4
    assert ws.cell(SUMMARY_HEADER_ROW + 1, 10).number_format == "0.0#%"
    assert ws.cell(SUMMARY_HEADER_ROW + 2, 10).number_format == "0%"


def test_sample_summary_tables_sorted_by_quota_unit_then_rank(sample):
    rs = load_ruleset(FUXIN)
    units = read_quotas(ROOT / "models" / "fuxin-2021-quotas.csv", rs).units
    for table, n, marks in (("review_summary_labour_model.xlsx", 180, 10), ("review_summary_collective.xlsx", 50, 0)):
        ws = openpyxl.load_workbook(sample / table).active
        header = [c.value for c in ws[SUMMARY_HEADER_ROW]]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, max_row=ws.max_row - 1)]
        assert len(rows) == n
        u, k = header.index("推荐单位"), header.index("名次")
        keys = [(units.index(r[u]), r[k]) for r in rows]
        assert keys == sorted(keys)
        assert [r[0] for r in rows] == list(range(1, n + 1))
        assert sorted(r[k] for r in rows) == list(range(1, n + 1))
        if marks:
            assert sum(r[header.index("特等劳动模范")] == "是" for r in rows) == marks
    # the labour-model table agrees with labour_model.csv on who and on rank
    with open(sample / "labour_model.csv", encoding="utf-8-sig") as f:
        slate = {r["name"] + r["unit"]: int(r["rank"]) for r in csv.DictReader(f)}
    ws = openpyxl.load_workbook(sample / "review_summary_labour_model.xlsx").active
    header = [c.value for c in ws[SUMMARY_HEADER_ROW]]
    got = {r[header.index("姓名")] + r[header.index("推荐单位")]: r[header.index("名次")]
           for r in ws.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, max_row=ws.max_row - 1, values_only=True)}
    assert got == slate


# ----------------------------------------------------------------------------------------------- budget
def test_budget_small_case_instead_and_on_top(tmp_path):
    inputs, result = run_small(tmp_path / "a", tmp_path / "out-a")
    b = compute_budget(inputs.ruleset, inputs.pools, inputs.quotas, result)
    assert b.total.yuan == 2 * 10000 + 30000  # A2 special: 30,000 instead of 10,000
    assert [(line.unit, line.counts, line.yuan) for line in b.lines] == [
        ("U2", {"labour_model": 0, "special": 1}, 30000), ("U1", {"labour_model": 2, "special": 0}, 20000)]
    assert b.formula() == "2 × 10,000 + 1 × 30,000 = 50,000"
    inputs, result = run_small(tmp_path / "b", tmp_path / "out-b", subset_reward="on_top")
    b = compute_budget(inputs.ruleset, inputs.pools, inputs.quotas, result)
    assert b.total.yuan == 3 * 10000 + 30000
    with open(tmp_path / "out-a" / "budget.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[-1] == ["合计", "2", "20000", "1", "30000", "50000"]


def test_budget_of_the_sample_is_two_million_and_units_sum_to_it(sample):
    with open(sample / "budget.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[0] == "推荐单位" and header[-1] == "奖金合计（元）"
    assert total == ["合计", "170", "1700000", "10", "300000", "2000000"]
    assert sum(int(r[-1]) for r in body) == 2_000_000
    assert sum(int(r[1]) for r in body) == 170 and sum(int(r[3]) for r in body) == 10
    for r in body:
        assert int(r[2]) == 10000 * int(r[1]) and int(r[4]) == 30000 * int(r[3])
        assert int(r[-1]) == int(r[2]) + int(r[4])
    ws = openpyxl.load_workbook(sample / "budget.xlsx").active
    assert ws.cell(ws.max_row, ws.max_column).value == 2_000_000
    assert "170 × 10,000 + 10 × 30,000 = 2,000,000" in ws["A2"].value


def test_select_shows_the_budget_total(sample_run):
    assert "170 × 10,000 + 10 × 30,000 = 2,000,000 元" in sample_run[1]


# ----------------------------------------------------------------------------------------------- report
class _Tables(HTMLParser):
    """Every table as rows of cell texts; every tag; every img src."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.tags: list[str] = []
        self.srcs: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.srcs.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_report_html_parses_with_every_rule_and_unit(sample):
    text = (sample / "report.html").read_text(encoding="utf-8")
    p = _Tables()
    p.feed(text)
    p.close()
    assert p.tags.count("table") == text.count("</table>")
    assert "script" not in p.tags and "link" not in p.tags  # self-contained, offline
    assert all(s.startswith("data:image/png;base64,") for s in p.srcs)
    rs = load_ruleset(FUXIN)
    rules = next(t for t in p.tables if t[0][:2] == ["规则", "条款"])
    assert [r[0] for r in rules[1:]] == rs.rule_ids()
    r1 = next(r for r in rules if r[0] == "R1")
    assert r1[2] == "企业职工人选不低于总数的55%" and "至少 99" in r1[4] and r1[-1] == "达标"
    units = next(t for t in p.tables if t[0][0] == "推荐单位" and "入选 / 名额" in t[0][1])
    assert len(units) - 1 == 11
    assert "2,000,000" in text and "资格审查" in text and "审计记录" in text
    md = (sample / "report.md").read_text(encoding="utf-8")
    assert "## 二、结构比例核对" in md and "| R8 |" in md


def test_report_embeds_png_and_explanation(tmp_path):
    inputs, result = run_small(tmp_path / "case", tmp_path / "out")
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "plot_units.png").write_bytes(PNG)
    (folder / "explanation.json").write_text(
        '{"conflicts": [["W"]], "relaxations": [{"text": "W: min 3 -> 1", "merit": "265.75", "kind": "rule", '
        '"changes": [{"rule": "W", "from": 3, "to": 1, "people": 2, "text": "W: min 3 -> 1"}]}, '
        '{"text": "add", "merit": null, "changes": [{"pool": "劳动模范人选", "add": 2, "units": {"U1": 2}}]}], '
        '"prices": [], "pools": {}}', encoding="utf-8")
    write_paperwork(folder, inputs, result)
    text = (folder / "report.html").read_text(encoding="utf-8")
    import base64

    assert f"data:image/png;base64,{base64.b64encode(PNG).decode()}" in text
    assert "冲突 1：W" in text and "W：由 3 调整为 1（调整后总分 265.75）" in text
    assert "劳动模范人选增加至少 2 名符合条件的人选（U1 2 名）" in text
    assert "![plot_units.png](plot_units.png)" in (folder / "report.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------- privacy
def test_mask_functions():
    assert mask_text(ID_CARD) == "2102**********1234"
    assert mask_text("21020319800101123X") == "2102**********123X"
    assert mask_text(MOBILE) == "138****5678"
    assert mask_text("电话：138-1234-5678。") == "电话：138****5678。"
    assert mask_text("编号 I0001 得分 95") == "编号 I0001 得分 95"
    assert mask_value("0418-2286290", sensitive=True) == "041*****6290"
    assert mask_value("0418-2286290") == "0418-2286290"
    for h in ("身份证号", "身份证", "id_card", "ID Number", "phone", "电话", "手机", "联系电话", "mobile_no"):
        assert is_sensitive_header(h), h
    for h in ("id", "name", "职务", "unit", "备注", "telegram_handle"):
        assert not is_sensitive_header(h), h


def _all_text(folder: Path) -> bytes:
    data = b""
    for p in folder.iterdir():
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                data += b"".join(z.read(n) for n in z.namelist())
        else:
            data += p.read_bytes()
    return data


def test_identity_and_phone_numbers_are_masked_everywhere(tmp_path):
    rules = small_case(tmp_path / "case")
    pool = tmp_path / "case" / "individuals.csv"
    r = runner.invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out",
                            str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    blob = _all_text(tmp_path / "out")
    for raw in (ID_CARD, MOBILE, MOBILE_IN_TEXT):
        assert raw.encode() not in blob
        assert raw not in r.output
    with open(tmp_path / "out" / "labour_model.csv", encoding="utf-8-sig") as f:
        a1 = next(row for row in csv.DictReader(f) if row["id"] == "A1")
    assert a1["身份证号"] == "2102**********1234"
    assert a1["手机"] == "138****5678"
    assert a1["备注"] == "联系人电话139****1111"
    assert a1["职务"] == "车间主任"


# ----------------------------------------------------------------------------------------------- schema
def test_paperwork_section_is_checked(tmp_path):
    data = small_rules()
    data["paperwork"]["tables"][0]["columns"] = [{"column": "no_such", "title": "X"}]
    data["paperwork"]["tables"].append({"award": "special", "title_zh": "Y"})
    (tmp_path / "r.toml").write_text(toml_dumps(data), encoding="utf-8")
    with pytest.raises(InputErrors) as e:
        load_ruleset(tmp_path / "r.toml")
    text = str(e.value)
    assert "column 'no_such'" in text and "a subset of 'labour_model'" in text


def test_without_a_paperwork_section_each_top_award_gets_a_default_table(tmp_path):
    inputs, result = run_small(tmp_path / "case", tmp_path / "out", tables=False)
    ws = openpyxl.load_workbook(tmp_path / "out" / "review_summary_labour_model.xlsx").active
    assert [c.value for c in ws[SUMMARY_HEADER_ROW]] == ["序号", "推荐单位", "姓名", "得分", "名次", "特等劳动模范"]
    assert ws.cell(SUMMARY_HEADER_ROW + 1, 4).value == float(Decimal("95.5"))


def test_a_number_quoted_in_an_input_error_is_masked(tmp_path):
    rows = [dict(ROWS[0], gender=MOBILE), *ROWS[1:]]  # a shifted column: the phone number in 性别
    rules = small_case(tmp_path / "case", rows=rows)
    pool = tmp_path / "case" / "individuals.csv"
    r = runner.invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "'138****5678' is not one of female, male" in r.output and MOBILE not in r.output


def test_long_drop_down_lists_live_on_a_hidden_sheet_the_reader_skips(tmp_path):
    rules = small_case(tmp_path / "case")
    rs = load_ruleset(rules)
    units = [f"第{i:03d}号推荐单位(测试)" for i in range(40)]  # far over Excel's 255 characters inline
    write_templates(rs, tmp_path / "tpl", units)
    wb = openpyxl.load_workbook(tmp_path / "tpl" / "individuals.xlsx")
    assert wb["选项"].sheet_state == "hidden"
    ws = wb.worksheets[0]
    lists = _validations(ws)
    assert lists[3] == units  # 推荐单位, from the hidden sheet
    ws.append(["B1", "甲", units[7], 88])
    wb.save(tmp_path / "filled.xlsx")
    pool = read_pool(tmp_path / "filled.xlsx", rs.pools["individuals"], "individuals", units)
    assert list(pool.table["unit"]) == [units[7]]
