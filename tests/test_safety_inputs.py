"""Crashes and misleading answers from the second bad-input corpus (issue 11, items 7, 8, 9, 11, 16):
each is now a clear error (exit 2) or works.

7. report.md carries no raw HTML or link syntax from a candidate's name;
8. a what-if that drops a rule and then changes another (or drops every rule) runs;
9. groups that contain each other through `within` are refused by the rule-set loader, naming them;
11. an input that is not a regular file (/dev/zero, a pipe) or is too large is refused before reading;
16. forcing in a screened-out candidate says that candidate is ineligible and why.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import selector.errors
from selector.errors import InputErrors
from selector.i18n import language
from selector.interfaces.cli import app
from selector.reading.rule_checks import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini"
SAMPLE = ROOT / "scenarios" / "fuxin-2021" / "scenario.toml"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _chinese():
    with language("zh"):
        yield


def mini_case(folder: Path, names: dict[str, str] | None = None) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for n in ("rules.toml", "quotas.csv"):
        (folder / n).write_bytes((MINI / n).read_bytes())
    rows = list(csv.reader(io.StringIO((MINI / "pool.csv").read_text(encoding="utf-8"))))
    for row in rows[1:]:
        row[1] = (names or {}).get(row[0], row[1])
    with open(folder / "pool.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return folder / "rules.toml", folder / "pool.csv"


# ------------------------------------------------------------------------------------- 7
def test_report_md_carries_no_html_or_links_from_candidate_names(tmp_path):
    names = {"P01": "<script>alert(1)</script>", "P03": '<img src=x onerror="alert(1)">',
             "P05": "[点我](javascript:alert(1))", "P06": "![x](http://evil.example/a.png)"}
    rules, pool = mini_case(tmp_path / "case", names)
    r = runner.invoke(app, ["select", "--rules", str(rules), "--individuals", str(pool), "--out",
                            str(tmp_path / "out"), "--no-plots"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in md  # shown as text
    for raw in ("<script", "<img"):
        assert raw not in md, raw
    assert not re.search(r"(?<!\\)\]\((javascript|http://evil)", md)  # '\](' is text, not a link
    assert r"\[点我\](javascript:alert(1))" in md
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html


# ------------------------------------------------------------------------------------- 8
def _scenario(folder: Path, body: str) -> Path:
    p = folder / "whatif.toml"
    p.write_text(f'base = "{SAMPLE}"\n{body}', encoding="utf-8")
    return p


def test_a_whatif_that_drops_a_rule_then_changes_another_runs(tmp_path):
    sc = _scenario(tmp_path, 'rules.R1 = { drop = true }\nrules.R8 = { share = "12%" }\n')  # R1 comes first
    r = runner.invoke(app, ["select", str(sc), "--out", str(tmp_path / "out"), "--no-plots"])
    assert r.exit_code == 0, r.output
    rules = {x["id"] for x in json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["rules"]}
    assert "R1" not in rules and "R8" in rules
    assert runner.invoke(app, ["verify", str(tmp_path / "out")]).exit_code == 0


def test_a_whatif_that_drops_every_rule_runs(tmp_path):
    ids = [r.id for r in load_ruleset(ROOT / "models" / "fuxin-2021.toml").rules]
    sc = _scenario(tmp_path, "".join(f'rules."{i}" = {{ drop = true }}\n' for i in ids))
    r = runner.invoke(app, ["select", str(sc), "--out", str(tmp_path / "out"), "--no-plots"])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["rules"] == []


def test_changing_a_rule_its_base_dropped_is_a_clear_error(tmp_path):
    base = _scenario(tmp_path, 'rules.R8 = { drop = true }\n')
    child = tmp_path / "child.toml"
    child.write_text(f'base = "{base}"\nrules.R8 = {{ share = "12%" }}\n', encoding="utf-8")
    r = runner.invoke(app, ["select", str(child), "--out", str(tmp_path / "out"), "--no-plots"])
    assert r.exit_code == 2, r.output
    assert "rules.R8: no rule 'R8'" in r.output


# ------------------------------------------------------------------------------------- 9
@pytest.mark.parametrize(("groups", "names"), [
    ({"a": ["b"], "b": ["a"]}, ["a", "b"]),
    ({"a": ["a"]}, ["a"]),
    ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c"]),
])
def test_groups_within_each_other_are_refused_naming_them(tmp_path, groups, names):
    text = (MINI / "rules.toml").read_text(encoding="utf-8")
    for g, within in groups.items():
        text += (f'\n[groups.{g}]\npool = "individuals"\nwhere = {{ gender = ["female"] }}\n'
                 f"within = {json.dumps(within)}\n")
    (tmp_path / "quotas.csv").write_bytes((MINI / "quotas.csv").read_bytes())
    rules = tmp_path / "rules.toml"
    rules.write_text(text, encoding="utf-8")
    with pytest.raises(InputErrors) as e:
        load_ruleset(rules)
    message = str(e.value)
    assert all(n in message for n in names), message
    for command in ("select", "check", "explain"):
        r = runner.invoke(app, [command, "--rules", str(rules), "--individuals", str(MINI / "pool.csv"),
                                "--out", str(tmp_path / command)])
        assert r.exit_code == 2, r.output
        assert "RecursionError" not in r.output and "Traceback" not in r.output


# ------------------------------------------------------------------------------------- 11
def test_extra_individuals_from_dev_zero_is_refused(tmp_path):
    sc = _scenario(tmp_path, 'extra_individuals = "/dev/zero"\n')
    r = runner.invoke(app, ["select", str(sc), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "/dev/zero: 不是普通文件" in r.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("role", ["--rules", "--individuals", "--quotas"])
def test_no_input_may_be_a_pipe(tmp_path, role):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)  # reading it would wait forever
    args = {"--rules": MINI / "rules.toml", "--individuals": MINI / "pool.csv"}
    args[role] = fifo
    flat = [x for k, v in args.items() for x in (k, str(v))]
    r = runner.invoke(app, ["select", *flat, "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert f"{fifo}: 不是普通文件" in r.output


def test_an_input_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(selector.errors, "MAX_INPUT_BYTES", 100)
    monkeypatch.setattr(selector.errors.check_input_file, "__defaults__", (100,))
    r = runner.invoke(app, ["select", "--rules", str(MINI / "rules.toml"), "--individuals", str(MINI / "pool.csv"),
                            "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    size = (MINI / "pool.csv").stat().st_size
    assert f"大小为 {size:,} 字节，超过输入文件允许的 100 字节" in r.output


# ------------------------------------------------------------------------------------- 16
def test_forcing_in_an_ineligible_candidate_names_it_and_its_reasons(tmp_path):
    sc = _scenario(tmp_path, 'force_in = ["I0001"]\n')  # I0001 owes wages (E4): screened out
    out = tmp_path / "out"
    r = runner.invoke(app, ["select", str(sc), "--out", str(out), "--no-plots"])
    assert r.exit_code == 1, r.output
    assert "I0001 林成杰 被强制入选，但不符合条件" in r.output
    assert "E4-wages" in r.output.split("强制入选（force_in）")[-1]
    assert "no slate can meet every rule" not in r.output
    data = json.loads((out / "explanation.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in data["forced_ineligible"]] == ["I0001"]
    assert any("E4-wages" in reason for reason in data["forced_ineligible"][0]["reasons"])
    assert data["pools"]["individuals"]["feasible"] is False
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "I0001" in md and "E4-wages" in md
