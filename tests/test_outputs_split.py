"""The outputs after issue 18: the result carries each rule's numbers (so the report, plots and what-if need
not re-run the verifier), the report's rules table shows them, verify speaks the reader's language, and
nothing of one notice (a pool's name, a notice's section numbers) is written into the outputs' code."""

from __future__ import annotations

from pathlib import Path

from conftest import count, make_case, share
from typer.testing import CliRunner

from selector.i18n import language
from selector.interfaces.cli import app
from selector.outputs.document import rules_table, screening_basis
from selector.outputs.recheck import format_verify, verify_folder
from selector.pipeline import select
from selector.reading.inputs import load_inputs
from selector.reading.rule_checks import load_ruleset
from selector.verify import verify_slate

ROOT = Path(__file__).resolve().parents[1]
POOL = [{"id": f"P{i}", "score": str(90 - i), "sector": "enterprise" if i % 2 else "agriculture",
         "gender": "female" if i % 3 == 0 else "male"} for i in range(10)]
RULES = [share("R-ent", "enterprise", ">=", "1/2"), count("R-women", "women", min=1, max=3)]


def _solved(tmp_path):
    case = make_case(tmp_path / "case", POOL, RULES, seats=4)
    inputs = load_inputs(case.rules_path, {"individuals": case.pool_path})
    return inputs, select(inputs)


def test_the_result_carries_each_rules_numbers_as_the_verifier_counts_them(tmp_path):
    inputs, result = _solved(tmp_path)
    slate = {a: r.selected for a, r in result.awards.items()}
    checks = {c.id: c for c in verify_slate(inputs.ruleset, inputs.pools, inputs.quotas, slate).checks}
    assert [r.id for r in result.rules] == ["R-ent", "R-women"]
    for r in result.rules:
        assert (r.count, r.whole, r.ok, r.short) == (checks[r.id].count, checks[r.id].whole, checks[r.id].ok,
                                                    checks[r.id].short)
    ent, women = result.rules
    assert ent.whole == 4 and (ent.least, ent.most) == (2, None)  # half of 4 seats: at least 2
    assert women.whole is None and (women.least, women.most) == (1, 3)


def test_the_reports_rules_table_reads_the_results_numbers(tmp_path):
    """rules_table takes the counts the result carries: a result claiming another count shows that count."""
    inputs, result = _solved(tmp_path)
    heads, rows = rules_table(inputs, result)
    assert heads[5] == "实际" and rows[0][5].startswith(f"{result.rules[0].count} / 4")
    claimed = result.model_copy(update={"rules": [result.rules[0].model_copy(update={"count": 3}), result.rules[1]]})
    assert rules_table(inputs, claimed)[1][0][5].startswith("3 / 4")


def test_the_screening_paragraph_names_the_notices_own_sections():
    assert screening_basis(load_ruleset(ROOT / "models" / "fuxin-2021.toml")) == "按通知第五、八、九部分"
    assert screening_basis(load_ruleset(ROOT / "models" / "city-2025.toml")) == "按通知第二部分"
    assert screening_basis(load_ruleset(ROOT / "models" / "county-2025.toml")) == "按通知的资格条件"


def test_verify_speaks_chinese_by_default_and_english_on_request(tmp_path, chinese):
    case = make_case(tmp_path / "case", POOL, RULES, seats=4)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["select", "--rules", str(case.rules_path), "--individuals", str(case.pool_path),
                                 "--out", str(out), "--no-plots"])
    assert r.exit_code == 0, r.output
    report = verify_folder(out)
    assert report.ok, [(c.name, c.detail) for c in report.failures]
    text = format_verify(report)
    for words in ["输出文件与写出时一致", "每条规则都满足（独立核验）", "总分与记录一致", "各规则人数与记录一致",
                  "重新生成: 逐字节一致", "通过（PASS）"]:
        assert words in text, words
    for english in ["output files as written", "regenerates", "byte for byte", "as recorded", "inputs read back"]:
        assert english not in text, english
    assert all(line.lstrip().startswith(("ok ", "FAIL")) for line in text.splitlines()[1:-1])  # the marks stay
    with language("en"):
        text = format_verify(verify_folder(out))
    assert "output files as written" in text and "regenerates: byte for byte" in text


def test_a_tampered_rule_count_in_summary_json_fails_verify(tmp_path, chinese):
    """The report shows summary.json's counts, so verify holds them to the verifier's."""
    import json

    from selector.outputs.record import AUDIT_FILE, sha256_file

    case = make_case(tmp_path / "case", POOL, RULES, seats=4)
    out = tmp_path / "out"
    CliRunner().invoke(app, ["select", "--rules", str(case.rules_path), "--individuals", str(case.pool_path),
                             "--out", str(out), "--no-plots"])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary["rules"][0]["count"] += 1
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    audit = json.loads((out / AUDIT_FILE).read_text(encoding="utf-8"))
    audit["outputs"]["summary.json"] = sha256_file(out / "summary.json")
    (out / AUDIT_FILE).write_text(json.dumps(audit, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with language("en"):
        bad = {c.name for c in verify_folder(out).failures}
    assert "every rule's count as recorded" in bad
