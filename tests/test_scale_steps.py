"""A large run shows where it is and keeps its outputs (issue 11, item 19): on a terminal every step of
`select` and `verify` gets a line with its time, quiet elsewhere; the faster paths a 200,000-row pool
needs (the verifier's rows for the slate only, the summary tables' slate rows, who needs which clearance
once per distinct group, the tracker's shared styles, a large scatter as an image in the SVG) give the
same results and bytes as the plain ones, on the mini pool and the Fuxin sample. No large pool here:
benchmarks/select_bench.py measures the speed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Alignment, Font, PatternFill
from typer.testing import CliRunner

from selector import progress, verify
from selector.interfaces import options
from selector.interfaces.cli import app
from selector.outputs import clearance, plots, sheets, summary
from selector.outputs.form_layout import load_templates
from selector.pipeline import select_screened
from selector.reading.scenario import load_scenario_inputs

MINI = Path(__file__).parent / "data" / "mini"
SAMPLE = Path(__file__).parent.parent / "scenarios" / "fuxin-2021" / "scenario.toml"


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is when a person runs the command."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def sample():
    inputs = load_scenario_inputs(SAMPLE).inputs
    screening, result = select_screened(inputs)
    return inputs, screening, result


def _steps(text: str) -> list[str]:
    """The step lines of a terminal's output, without the spinner's control sequences."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "\n")
    return [line.strip() for line in text.splitlines() if line.strip().startswith("✓")]


def test_on_a_terminal_each_step_gets_a_line_with_its_time():
    term = Terminal()
    with options.progress(term) as step:
        step("第一步")
        progress.step("第二步")  # a step the library begins (selector/outputs/folders.py, recheck.py)
        progress.report("已写文件", 3)  # a count: shown beside the step under way, not as a line
    lines = _steps(term.getvalue())
    assert [line.split("（")[0] for line in lines] == ["✓ 第一步", "✓ 第二步"]
    assert all("用时" in line and line.endswith("秒）") for line in lines)


def test_off_a_terminal_nothing_is_shown():
    quiet = io.StringIO()
    with options.progress(quiet) as step:
        step("第一步")
        progress.step("第二步")
    assert quiet.getvalue() == ""


def test_select_and_verify_show_every_step_on_a_terminal(tmp_path, monkeypatch):
    term = Terminal()
    monkeypatch.setattr(options, "_stderr", lambda: term)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["select", "--rules", str(MINI / "rules.toml"), "--individuals",
                                   str(MINI / "pool.csv"), "--out", str(out), "--no-plots"])
    assert res.exit_code == 0, res.output
    shown = "\n".join(_steps(term.getvalue()))
    wanted = ["读取人选库：候选人 8 名", "资格审查", "求解", "写出名单表格", "screening.csv", "候补名单",
              "初审汇总表", "报告", "audit.json"]
    at = [shown.find(w) for w in wanted]
    assert all(i >= 0 for i in at) and at == sorted(at), shown  # every step, in the order it runs
    assert "✓" not in res.stdout  # the step lines go to the terminal's stderr, never into what a script reads
    term.truncate(0)
    res = CliRunner().invoke(app, ["verify", str(out)])
    assert res.exit_code == 0, res.output
    shown = "\n".join(_steps(term.getvalue()))
    for w in ["哈希值", "重新读取输入文件", "复核名单", "重新生成表格和报告", "单人替换"]:
        assert w in shown, shown


def _whole_pool_rows(pools, wanted):
    """The verifier's rows as it made them before: every row of every pool."""
    return {kind: {str(r["id"]): r for r in pool.table.to_dict("records")} for kind, pool in pools.items()}


def test_the_verifier_reads_the_slate_rows_only_and_reports_the_same(sample, monkeypatch):
    inputs, screening, result = sample
    slate = {a: list(r.selected) for a, r in result.awards.items()}
    first = next(iter(slate))
    others = [i for i in inputs.pools["individuals"].ids if i not in set(slate[first])]
    cases = [slate,
             slate | {first: slate[first][1:] + [others[0]]},  # a swap
             slate | {first: slate[first][:-1] + ["NOBODY", slate[first][0]]}]  # unknown and twice
    fixed = [None, {others[1]: True, slate[first][0]: False, "NOBODY": True}]

    def run(how):
        monkeypatch.setattr(verify, "_slate_rows", how)
        return [verify.verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, s, {others[2]}, f)
                for s in cases for f in fixed]

    fast = run(verify._slate_rows)
    plain = run(_whole_pool_rows)
    assert [(r.checks, r.violations, r.unit_fill) for r in fast] == [(r.checks, r.violations, r.unit_fill)
                                                                        for r in plain]
    assert any(r.violations for r in fast) and fast[0].ok


def test_the_summary_tables_rank_the_same_slate_rows(sample):
    inputs, _screening, result = sample
    for award in inputs.ruleset.awards:
        if award.id not in result.awards:
            continue
        chosen = set(result.awards[award.id].selected)
        rows = [r for r in inputs.pools[award.pool].table.to_dict("records") if r["id"] in chosen]
        rows.sort(key=lambda r: (-r["score"], str(r["id"])))
        assert summary.ranked(inputs, result, award) == list(enumerate(rows, start=1))


def _styled_plainly(cell, looks, look, **style):
    for name, value in style.items():  # every cell through openpyxl's attributes, as before sheets.restyle
        setattr(cell, name, value)


def _workbook_bytes(tmp_path: Path, style) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    looks: dict = {}
    body = {"font": Font(name="宋体", size=11), "alignment": Alignment(horizontal="center")}
    for i, value in enumerate(["甲", "=HYPERLINK(1)", 3, None, "缺", "-12.5", "乙"], start=1):
        cell = sheets.put(ws, i, 1, value, number_format="0.0" if value == 3 else None)
        if value == "缺":
            style(cell, looks, "missing", **body, fill=PatternFill("solid", fgColor="F8CBAD"))
        else:
            style(cell, looks, "body", **body)
    path = tmp_path / f"{style.__name__}.xlsx"
    sheets.save_workbook(wb, path)
    return path.read_bytes()


def test_shared_styles_give_the_same_workbook_bytes(tmp_path):
    assert _workbook_bytes(tmp_path, sheets.restyle) == _workbook_bytes(tmp_path, _styled_plainly)
    ws = openpyxl.load_workbook(tmp_path / "restyle.xlsx").active
    assert ws["A2"].quotePrefix and not ws["A1"].quotePrefix  # a formula-like text keeps its quote prefix


def _row_by_row_status(inputs, templates):
    """clearance_status as it was: every row of every pool converted and asked in turn."""
    rs = inputs.ruleset
    col = rs.paperwork.forms.clearances
    screening = [e for e in rs.eligibility if e.check == "requires_all" and e.attribute == col]
    titles = [t.title for t in templates.consultation]
    out = []
    for kind, pool in inputs.pools.items():
        tracked = rs.pools[kind].attribute(col) is not None
        mine = [e for e in screening if kind in e.pools]
        for row in pool.table.to_dict("records"):
            required, forms = clearance._required(rs, mine, titles, kind, row)
            if required:
                out.append(clearance.Clearance(kind, str(row["id"]), str(row["name"]), str(row["unit"]), forms,
                                               required, frozenset(row.get(col) or ()) if tracked else frozenset(),
                                               tracked))
    order, kinds = clearance.unit_order(inputs), list(inputs.pools)
    return sorted(out, key=lambda c: (kinds.index(c.pool), order.get(c.unit, len(order))))


def _row_by_row_needs(inputs):
    rs = inputs.ruleset
    needs = [clearance.Need(i, kind, pos, str(row["id"]), str(row["name"]), str(row["unit"]), *asked)
             for i, form in enumerate(rs.paperwork.forms.consultation) for kind, pool in inputs.pools.items()
             for pos, row in enumerate(pool.table.to_dict("records"))
             for asked in [clearance.form_departments(rs, form, kind, row)] if asked[0]]
    order, kinds = clearance.unit_order(inputs), list(inputs.pools)
    return sorted(needs, key=lambda n: (n.form, order.get(n.unit, len(order)), kinds.index(n.pool), n.position))


def test_who_needs_which_clearance_is_worked_out_once_per_group_with_the_same_answer(sample):
    inputs = sample[0]
    templates = load_templates(inputs)
    status = clearance.clearance_status(inputs, templates)
    assert status == _row_by_row_status(inputs, templates) and any(c.missing for c in status)
    needs = clearance.consultation_needs(inputs)
    assert needs == _row_by_row_needs(inputs) and len({n.form for n in needs}) == 2
    some = {n.id for n in needs[::3]}
    assert clearance.consultation_needs(inputs, some) == [n for n in needs if n.id in some]


def test_the_clearance_tracker_is_the_same_with_shared_styles(sample, tmp_path, monkeypatch):
    inputs = sample[0]
    status = clearance.clearance_status(inputs, load_templates(inputs))
    clearance.write_tracker(tmp_path / "fast.xlsx", inputs, status)
    monkeypatch.setattr(clearance, "restyle", _styled_plainly)
    clearance.write_tracker(tmp_path / "plain.xlsx", inputs, status)
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "plain.xlsx").read_bytes()


def test_a_large_scatter_is_an_image_in_the_svg_and_the_png_is_the_same(sample, tmp_path, monkeypatch):
    inputs, screening, result = sample
    (tmp_path / "vector").mkdir()
    (tmp_path / "image").mkdir()
    plots.plot_merit(inputs, result, tmp_path / "vector", screening.masks)
    monkeypatch.setattr(plots, "RASTER_POINTS", 10)  # the sample's 318 candidates count as many
    plots.plot_merit(inputs, result, tmp_path / "image", screening.masks)
    vector, image = ((tmp_path / d / "merit.svg").read_text(encoding="utf-8") for d in ("vector", "image"))
    assert "<image" not in vector and "<image" in image and len(image) < len(vector)
    assert (tmp_path / "vector" / "merit.png").read_bytes() == (tmp_path / "image" / "merit.png").read_bytes()
    plots.plot_merit(inputs, result, tmp_path, screening.masks)  # the image too is the same every run
    assert (tmp_path / "merit.svg").read_text(encoding="utf-8") == image



def test_forms_shows_its_steps_on_a_terminal(tmp_path, monkeypatch):
    """`selector forms` on a result folder: reading it, then forms/ (which counts its documents), each with
    its time; nothing of it in what a script reads."""
    term = Terminal()
    monkeypatch.setattr(options, "_stderr", lambda: term)
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["select", str(SAMPLE), "--out", str(out), "--no-plots"]).exit_code == 0
    term.truncate(0)
    term.seek(0)
    res = CliRunner().invoke(app, ["forms", str(out), "--out", str(tmp_path / "forms")])
    assert res.exit_code == 0, res.output
    shown = [line.split("（用时")[0] for line in _steps(term.getvalue())]
    assert shown == ["✓ 读取结果文件夹", "✓ 写出 forms/（征求意见表、审批表等）"], shown
    assert "✓" not in res.stdout
