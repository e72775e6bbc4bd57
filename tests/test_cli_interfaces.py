"""The CLI's pool options come from the rule set (issue 18, 5): `--pool NAME=FILE` for each pool it
declares, the first version's --individuals / --collectives kept as hidden aliases, an unknown name
refused in Chinese with the declared pools; the web page's fields come from the same function. typer's
and click's own usage errors are Chinese under the Chinese CLI (issue 12's leftover)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selector.i18n import language
from selector.interfaces.cli import app
from selector.interfaces.localise import usage_message
from selector.interfaces.pools import declared_pools, given_pools
from selector.reading.rule_checks import load_ruleset

ROOT = Path(__file__).resolve().parents[1]
FUXIN = ROOT / "models" / "fuxin-2021.toml"
MAYDAY = ROOT / "models" / "national-mayday-2025.toml"
SAMPLE = ROOT / "scenarios" / "fuxin-2021"
MAYDAY_POOLS = ROOT / "scenarios" / "national-mayday-2025"
runner = CliRunner()


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.delenv("SELECTOR_LANG", raising=False)


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


# ------------------------------------------------------------------------------------ --pool NAME=FILE
def test_every_declared_pool_is_an_option_even_one_the_first_version_had_no_option_for(tmp_path):
    # national-mayday-2025 declares a third pool, teams (工人先锋号): only --pool can give it on the command line
    r = _run("check", "--rules", MAYDAY, "--pool", f"individuals={MAYDAY_POOLS / 'individuals.csv'}",
             "--pool", f"collectives={MAYDAY_POOLS / 'collectives.csv'}",
             "--pool", f"teams={MAYDAY_POOLS / 'teams.csv'}", "--out", tmp_path / "out")
    assert r.exit_code in (0, 1), r.output
    files = json.loads((tmp_path / "out" / "check.json").read_text(encoding="utf-8"))
    assert "teams" in json.dumps(files, ensure_ascii=False)


def test_the_old_options_give_the_same_run_as_pool(tmp_path):
    old = _run("check", "--rules", FUXIN, "--individuals", SAMPLE / "individuals.csv",
               "--collectives", SAMPLE / "collectives.csv", "--out", tmp_path / "old")
    new = _run("check", "--rules", FUXIN, "--pool", f"individuals={SAMPLE / 'individuals.csv'}",
               "--pool", f"collectives={SAMPLE / 'collectives.csv'}", "--out", tmp_path / "new")
    assert old.exit_code == new.exit_code == 0, old.output + new.output
    for name in ("screening.csv", "supply.csv"):
        assert (tmp_path / "old" / name).read_bytes() == (tmp_path / "new" / name).read_bytes()


def test_a_pool_the_rule_set_does_not_declare_is_refused_in_chinese_with_the_declared_ones(tmp_path):
    out = tmp_path / "out"
    r = _run("select", "--rules", FUXIN, "--pool", f"individuals={SAMPLE / 'individuals.csv'}",
             "--pool", "teams=teams.csv", "--out", out)
    assert r.exit_code == 2, r.output
    assert "没有名为“teams”的人选库" in r.output and "individuals（劳动模范人选）" in r.output
    assert "collectives（先进集体人选）" in r.output and "Traceback" not in r.output
    assert not out.exists()
    r = _run("check", SAMPLE / "scenario.toml", "--pool", "collective=c.csv", "--out", out)  # a typo, with a scenario
    assert r.exit_code == 2 and "collective" in r.output and "collectives（先进集体人选）" in r.output


def test_a_pool_option_without_a_file_or_given_twice_is_a_usage_error(tmp_path):
    r = _run("check", "--rules", FUXIN, "--pool", "individuals", "--out", tmp_path / "out")
    assert r.exit_code == 2 and "名称=文件" in r.output and "Invalid value" not in r.output
    r = _run("check", "--rules", FUXIN, "--pool", "individuals=a.csv", "--individuals", "b.csv", "--out", tmp_path)
    assert r.exit_code == 2 and "给了两次" in r.output
    assert given_pools(["a=x.csv", "b=y.csv"], {"c": Path("z.csv"), "d": None}) == {
        "a": Path("x.csv"), "b": Path("y.csv"), "c": Path("z.csv")}


def test_the_help_lists_the_bundled_rule_sets_pools_and_hides_the_old_options():
    out = _run("select", "-h").output
    assert "--pool" in out and "NAME=FILE" in out
    flat = " ".join(out.replace("│", " ").split())
    assert "fuxin-2021.toml: individuals, collectives" in flat and "teams" in flat
    assert "--individuals" not in out and "--collectives" not in out
    assert "人选库文件" in out  # the option's help is Chinese too


def test_the_web_page_and_the_cli_take_the_pools_from_one_function(tmp_path):
    from starlette.testclient import TestClient

    from selector.interfaces.web.app import create_app

    rs = load_ruleset(MAYDAY)
    assert [n for n, _label in declared_pools(rs)] == list(rs.pools) == ["individuals", "collectives", "teams"]
    with TestClient(create_app(tmp_path / "sessions", hosts=["testserver"])) as client:
        page = client.get("/pools", params={"rules": MAYDAY.name}).text
    for name, lbl in declared_pools(rs):
        assert f'name="pool_{name}"' in page and lbl in page


# ------------------------------------------------------------------------------------ usage errors
@pytest.mark.parametrize("args, chinese, english", [
    (["select", "--bogus"], "没有这个选项：--bogus", "No such option"),
    (["select", "--workers", "abc"], "'--workers' 的值无效：“abc”不是整数", "Invalid value"),
    (["serve", "--port", "0"], "'--port' 的值无效：0 小于 1", "Invalid value"),
    (["verify"], "缺少参数 'folder'", "Missing argument"),
    (["sweep", "x.toml", "--from", "1"], "缺少选项 '--to'", "Missing option"),
    (["bogus"], "没有“bogus”这个命令", "No such command"),
    (["verify", "a", "b"], "多余的参数（b）", "unexpected extra"),
    (["select", "--out"], "选项“--out”需要一个值", "requires"),
    (["--lang", "fr", "-h"], "'--lang' 的值无效：请用 zh 或 en", "Invalid value"),
])
def test_usage_errors_are_chinese_and_english_on_request(args, chinese, english):
    r = _run(*args)
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.replace("│", " ").split())
    assert chinese in text and english not in text and "Traceback" not in text
    r = _run("--lang", "en", *args) if args[0] != "--lang" else _run(*args)
    if args[0] != "--lang":
        assert r.exit_code == 2 and english in " ".join(r.output.replace("│", " ").split())


def test_a_usage_error_not_known_here_keeps_its_own_words():
    import typer

    class Odd(typer.BadParameter):
        pass

    with language("zh"):
        assert usage_message(Odd("自己的话")) == "值无效：自己的话"


def test_every_commands_help_and_every_options_help_has_its_chinese():
    """Command help is the command's docstring (not an N_() call the catalogue check sees): checked here."""
    import re

    import typer.main

    from selector.interfaces.localise import _translate

    group = typer.main.get_command(app)
    missing = []
    with language("zh"):
        for name, cmd in group.commands.items():
            for obj in [cmd, *cmd.params]:
                text = getattr(obj, "help", None)
                if text and not re.search(r"[\u4e00-\u9fff]", _translate(text) or ""):
                    missing.append(f"{name}: {text[:60]}")
    assert len(group.commands) == 11 and not missing, missing
