"""Plots: the files exist as PNG and SVG, carry their titles (searchable in the SVG), and every Chinese
character is drawn from a font that has it (matplotlib warns 'Glyph ... missing from font(s)' when it
would draw an empty box: the tests turn that warning into an error)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import make_case, share
from typer.testing import CliRunner

from selector.analysis.sweep import parse_steps, sweep_rule
from selector.analysis.whatif import compare, run_scenario
from selector.interfaces.cli import app
from selector.outputs.plots import (
    COMPOSITION_TITLE,
    MERIT_TITLE,
    UNIT_FILL_TITLE,
    WHATIF_TITLE,
    cjk_font_path,
    plot_sweep,
    plot_whatif_merit,
    write_selection_plots,
)
from selector.pipeline import Inputs, select_screened
from selector.reading.scenario import apply_dict, load_scenario_inputs

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def no_missing_glyphs():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        yield


def _svg_has(path: Path, *texts: str) -> None:
    svg = path.read_text(encoding="utf-8")
    for t in texts:
        assert t in svg, f"{t!r} not in {path.name}"


def test_the_cjk_font_ships_with_the_dependencies():
    path = cjk_font_path()
    assert path is not None and path.name == "NotoSansCJKsc-Regular.otf" and path.stat().st_size > 1_000_000


def test_select_writes_the_three_plots(tmp_path):
    """`selector select` (what `make run` calls) writes the plots beside the tables."""
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["select", str(SAMPLE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    for stem, title in (("composition", COMPOSITION_TITLE), ("unit_fill", UNIT_FILL_TITLE), ("merit", MERIT_TITLE)):
        png, svg = out / f"{stem}.png", out / f"{stem}.svg"
        assert png.read_bytes()[:8] == PNG and png.stat().st_size > 20_000
        _svg_has(svg, f"<title>{title}</title>", title)
    _svg_has(out / "composition.svg", "R8 农业人选", "R10-women 妇女", "C2 非公企业", "27/180")
    _svg_has(out / "unit_fill.svg", "彰武县", "市农业农村局", "28/28")
    _svg_has(out / "merit.svg", "入选 selected", "落选 passed over", "资格不符 screened out")


def test_small_case_plots_sweep_and_whatif(tmp_path):
    case = make_case(tmp_path / "case", [
        {"id": "A", "score": "90"}, {"id": "B", "score": "80", "sector": "agriculture"},
        {"id": "C", "score": "70", "sector": "agriculture"}, {"id": "D", "score": "60"}],
        [share("R8", "agriculture", ">=", "1/3")], seats=3)
    inputs = Inputs(case.ruleset, case.rules_path, case.pools, case.quotas)
    _, result = select_screened(inputs)
    out = tmp_path / "plots"
    out.mkdir()
    files = write_selection_plots(out, inputs, result)
    assert sorted(p.name for p in files) == sorted(f"{s}.{e}" for s in ("composition", "unit_fill", "merit")
                                                   for e in ("png", "svg"))
    # a sweep with its first point with no slate: R8 above 2/3 needs 3 agriculture of the 2 there are
    sw = sweep_rule(inputs, "R8", parse_steps("0%", "100%", "25%"))
    assert sw.first_infeasible is not None and sw.first_infeasible.value == "75%"
    png, svg = plot_sweep(sw, out)
    _svg_has(svg, "扫描 sweep: R8", "无解起点 first point with no slate: 75%", "现行 current: 1/3")
    assert png.read_bytes()[:8] == PNG
    # what-if merit chart: the base against a variant with no slate
    from selector.reading.scenario import LoadedScenario

    base = LoadedScenario(case.rules_path, "base", "", inputs)
    strict = LoadedScenario(case.rules_path.with_name("strict.toml"), "strict", "",
                            apply_dict(inputs, {"rules": {"R8": {"share": "100%"}}}))
    cmp = compare([run_scenario(base), run_scenario(strict)])
    png, svg = plot_whatif_merit(cmp, out)
    _svg_has(svg, f"<title>{WHATIF_TITLE}</title>", "无解", "A = 240")  # A B C: one agriculture is enough


def test_no_plots_without_a_slate(tmp_path):
    sc = load_scenario_inputs(SAMPLE)
    inputs = apply_dict(sc.inputs, {"rules": {"R8": {"share": "40%"}}})
    _, result = select_screened(inputs)
    assert result.status == "infeasible"
    assert write_selection_plots(tmp_path, inputs, result) == []
