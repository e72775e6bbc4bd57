"""The web workbench (selector/interfaces/web, issue 16) through Starlette's test client: every route, good files,
bad files (the CLI's row-and-column messages, next to the file, nothing half-loaded), an infeasible pool
(the explanation, units' and office's actions first), the what-if round trip through scenario files the
CLI reads, the paperwork zip against the CLI's output folder, escaping, upload limits, cancelling."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from starlette.testclient import TestClient
from typer.testing import CliRunner

from selector import i18n
from selector.interfaces.cli import app as cli
from selector.interfaces.web.app import create_app
from selector.interfaces.web.files import safe_name
from selector.reading.scenario import read_scenario_file, scenario_overrides, scenario_toml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "fuxin-2021"
RULES = ROOT / "models" / "fuxin-2021.toml"
MOVE = ROOT / "scenarios" / "whatif" / "move-2-seats-to-zhangwu.toml"
TEMPLATES = ROOT / "selector" / "interfaces" / "web" / "templates"
SCRIPT = '<script>alert("x")</script>'
WAIT = 600  # seconds a solve may take on a loaded machine (no timing is asserted)


def _client(tmp_path: Path, **kw) -> TestClient:
    return TestClient(create_app(tmp_path / "sessions", hosts=["testserver"], **kw))


def _session(client: TestClient):
    return next(iter(client.app.state.workbench.sessions.values()))


def _files(individuals: Path, collectives: Path = SAMPLE / "collectives.csv", quotas: Path | None = None) -> dict:
    files = {"pool_individuals": (individuals.name, individuals.read_bytes()),
             "pool_collectives": (collectives.name, collectives.read_bytes())}
    if quotas is not None:
        files["quotas_file"] = (quotas.name, quotas.read_bytes())
    return files


def _rows(path: Path = SAMPLE / "individuals.csv") -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _wait(client: TestClient, job) -> None:
    """Follow the job as the page does (GET /job/<id>), until it stops."""
    deadline = time.monotonic() + WAIT
    while job.state == "running":
        assert time.monotonic() < deadline, "the solve did not finish"
        r = client.get(f"/job/{job.id}")
        assert r.status_code == 200
        time.sleep(0.5)
    r = client.get(f"/job/{job.id}")
    assert r.headers.get("hx-refresh") == "true"  # the page reloads itself with the result


def _text(page: str) -> str:
    """The page as a person reads it: tags gone, entities unescaped, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


# ------------------------------------------------------------------------------------------ solved once
@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The sample with one candidate renamed to a script, uploaded and solved; the CLI's folder beside it."""
    tmp = tmp_path_factory.mktemp("web")
    header, rows = _rows()
    for r in rows:
        if r[0] == "I0233":  # the top score: in the slate and in the special class
            r[1] = SCRIPT
    pool = _write(tmp / "upload" / "individuals.csv", header, rows)
    client = _client(tmp)
    client.__enter__()
    r = client.post("/round", data={"rules": "fuxin-2021.toml"}, files=_files(pool))
    assert r.status_code == 200 and "id=\"screening\"" in r.text
    r = client.post("/solve")
    sess = _session(client)
    _wait(client, sess.base)
    assert sess.base.state == "done", sess.base.failure
    # the CLI on the same files, named the same way: from the folder of the round as downloaded
    zipfile.ZipFile(io.BytesIO(client.get("/round.zip").content)).extractall(tmp / "bundle")
    cli_out = tmp / "cli"
    here = os.getcwd()
    os.chdir(tmp / "bundle" / "round")
    try:
        res = CliRunner().invoke(cli, ["select", "--rules", "rules/fuxin-2021.toml", "--individuals",
                                       "individuals/individuals.csv", "--collectives", "collectives/collectives.csv",
                                       "--out", str(cli_out)])
    finally:
        os.chdir(here)
    assert res.exit_code == 0, res.output
    yield client, sess, cli_out, tmp
    client.__exit__(None, None, None)


def test_the_slate_page(solved):
    client, sess, _cli, _tmp = solved
    r = client.get("/")
    assert r.status_code == 200
    text = _text(r.text)
    assert "已证明最优，并经独立校验" in text
    result = sess.base.outcome["result"]
    for award in result.awards.values():  # merit of each award
        assert award.merit in text
    for rule in result.rules:  # every rule: clause, the notice's sentence, required and achieved
        assert rule.clause in r.text and rule.required.replace(">", "&gt;").replace("<", "&lt;") in r.text
    assert r.text.count('class="special"') == 10  # the special class marked
    assert len(re.findall(r"<tr[^>]*>\s*<td class=\"num\">\d+</td><td>C\d+", r.text)) == 50  # collectives
    for u in result.units:
        assert f"{u.filled}/{u.quota}" in text
    for name in ("composition.png", "unit_fill.png", "merit.png"):
        assert f'src="/plot/{name}"' in r.text
        p = client.get(f"/plot/{name}")
        assert p.status_code == 200 and p.content[:4] == b"\x89PNG"
    assert client.get("/plot/audit.json").status_code == 404
    assert client.get("/plot/..%2Fsummary.json").status_code == 404


def test_every_value_is_escaped(solved):
    client, _sess, _cli, _tmp = solved
    r = client.get("/")
    assert SCRIPT not in r.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in r.text  # shown as text in the slate
    assert r.text.count("<script") == 1  # only the vendored htmx
    assert "script-src 'self'" in r.headers["content-security-policy"]


def _normalised(folder_files: dict[str, bytes]) -> dict[str, bytes]:
    """What differs between any two runs of the CLI too: wall times, the audit's date, command line and
    paths. Everything else must be byte for byte."""
    out = {}
    for name, data in folder_files.items():
        if name == "summary.json":
            doc = json.loads(data)

            def strip(v):
                if isinstance(v, dict):
                    return {k: strip(x) for k, x in v.items() if k != "wall_time"}
                return [strip(x) for x in v] if isinstance(v, list) else v

            data = json.dumps(strip(doc), sort_keys=True).encode()
        elif name == "audit.json":
            doc = json.loads(data)
            for key in ("created", "command", "wall_time"):
                doc.pop(key)
            for rec in doc["inputs"].values():
                rec.pop("resolved")  # where the round's folder is: a temporary folder, or where it was unzipped
            for p in doc["pools"].values():
                p.pop("wall_time")
            for varying in ("summary.json", "report.md", "report.html"):
                doc["outputs"].pop(varying)
            data = json.dumps(doc, sort_keys=True).encode()
        elif name in ("report.md", "report.html"):
            data = re.sub(rb"\d+\.\d+ (\xe7\xa7\x92|s)", b"T", data)  # the wall time, in seconds
        out[name] = data
    return out


def test_paperwork_zip_is_the_cli_output_folder(solved):
    client, _sess, cli_out, tmp = solved
    r = client.get("/paperwork.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    web = {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
    cli_files = {p.relative_to(cli_out).as_posix(): p.read_bytes() for p in sorted(cli_out.rglob("*")) if p.is_file()}
    assert sorted(web) == sorted(cli_files)
    assert {"labour_model.csv", "collective.csv", "slate.xlsx", "screening.csv", "budget.xlsx", "report.html",
            "review_summary_labour_model.xlsx", "audit.json", "composition.png"} <= set(web)
    varying = {"summary.json", "audit.json", "report.md", "report.html"}
    same = [n for n in web if n not in varying]
    assert [n for n in same if web[n] != cli_files[n]] == []  # byte for byte
    assert _normalised(web) == _normalised(cli_files)
    audit_web, audit_cli = json.loads(web["audit.json"]), json.loads(cli_files["audit.json"])
    assert {k: (v["path"], v["sha256"]) for k, v in audit_web["inputs"].items()} == {
        k: (v["path"], v["sha256"]) for k, v in audit_cli["inputs"].items()}
    assert client.get("/paperwork.zip").content == r.content  # the same folder gives the same zip
    z.extractall(tmp / "paperwork")  # and `selector verify` re-checks it beside the round's files
    here = os.getcwd()
    os.chdir(tmp / "bundle" / "round")
    try:
        res = CliRunner().invoke(cli, ["verify", str(tmp / "paperwork" / z.namelist()[0].split("/")[0])])
    finally:
        os.chdir(here)
    assert res.exit_code == 0, res.output


def test_whatif_round_trip_through_scenario_files(solved):
    client, sess, _cli, tmp = solved
    r = client.post("/whatif", data={"move_award": "labour_model", "move_from": "市直单位", "move_to": "彰武县",
                                     "move_n": "2", "title": "move two"}, files={})
    assert r.status_code == 200
    job = sess.whatifs[0]
    _wait(client, job)
    assert job.state == "done", job.failure
    page = _text(client.get("/").text)
    assert "quota 市直单位 labour_model 22 -> 20" in page and "quota 彰武县 labour_model 18 -> 20" in page
    cmp = job.outcome["comparison"]
    a, b = cmp.columns
    assert a.merit["labour_model"] in page and b.merit["labour_model"] in page
    change = next(pc for pc in cmp.people if pc.award == "labour_model")
    assert change.entered and change.left
    for p in change.entered:
        assert f"+ {p.id}" in page
    for p in change.left:
        assert f"− {p.id}" in page

    # the saved file is a scenario file with the same overrides as the bundled one
    saved = client.get(f"/whatif/{job.id}.toml")
    assert saved.status_code == 200
    data = tomllib.loads(saved.text)
    assert data["base"] == "scenario.toml" and data["quotas"] == tomllib.loads(MOVE.read_text("utf-8"))["quotas"]

    # the CLI reads the round and the what-if as they are downloaded, and finds the same
    bundle = zipfile.ZipFile(io.BytesIO(client.get("/round.zip").content))
    where = tmp / "bundle"
    bundle.extractall(where)
    assert (where / "round" / f"{job.id}.toml").read_text("utf-8") == saved.text
    res = CliRunner().invoke(cli, ["whatif", str(where / "round" / "scenario.toml"),
                                   str(where / "round" / f"{job.id}.toml"), "--out", str(tmp / "cli-whatif"),
                                   "--no-plots"])
    assert res.exit_code == 0, res.output
    cli_cmp = json.loads((tmp / "cli-whatif" / "whatif.json").read_text("utf-8"))
    assert [c["merit"] for c in cli_cmp["scenarios"]] == [a.merit, b.merit]
    assert [(p["award"], [x["id"] for x in p["entered"]], [x["id"] for x in p["left"]]) for p in cli_cmp["people"]] == [
        (p.award, [x.id for x in p.entered], [x.id for x in p.left]) for p in cmp.people]

    # loading the bundled scenario file gives the same what-if
    r = client.post("/whatif/load", files={"scenario_file": (MOVE.name, MOVE.read_bytes())})
    loaded = sess.whatifs[0]
    assert loaded is not job
    _wait(client, loaded)
    assert loaded.state == "done", loaded.failure
    cmp2 = loaded.outcome["comparison"]
    assert cmp2.columns[1].merit == b.merit
    assert [(p.award, p.entered, p.left) for p in cmp2.people] == [(p.award, p.entered, p.left) for p in cmp.people]


def test_whatif_form_problems_are_shown_and_nothing_is_solved(solved):
    client, sess, _cli, _tmp = solved
    before = len(sess.whatifs)
    client.post("/whatif", data={"share_rule": "R8", "share_value": "lots"})
    page = client.get("/").text
    assert "R8" in page and "lots" in page and 'class="problems"' in page
    client.post("/whatif", data={"force_in": "I9999"})
    assert "I9999" in _text(client.get("/").text)
    client.post("/whatif", data={})
    assert "没有任何改动" in client.get("/").text
    client.post("/whatif/load", files={"scenario_file": ("x.toml", b"base = [")})
    assert "x.toml" in _text(client.get("/").text)
    assert len(sess.whatifs) == before


def test_whatif_overrides_other_than_seats(solved):
    """Percentage, hard/soft, forcing in and out and late submissions become the scenario's keys."""
    from selector.interfaces.web.rounds import whatif_overrides

    _client_, sess, _cli, _tmp = solved
    data, problems = whatif_overrides(sess.round, {"share_rule": "R8", "share_value": "18%", "hard_rule": "R10-women",
                                                   "hardness": "soft", "weight": "5", "force_in": "I0012, I0049",
                                                   "force_out": "I0233"})
    assert problems == []
    assert data == {"rules": {"R8": {"share": "18%"}, "R10-women": {"hard": False, "weight": 5}},
                    "force_in": ["I0012", "I0049"], "force_out": ["I0233"]}
    text = scenario_toml(data | {"extra_individuals": "late.csv"}, base="scenario.toml", title="t")
    path = _tmp / "round-trip.toml"
    path.write_text(text, encoding="utf-8")
    assert scenario_overrides(read_scenario_file(path)) == data | {"extra_individuals": "late.csv"}


# ------------------------------------------------------------------------------------------ rounds
def test_start_page_chinese_by_default_english_on_request(tmp_path):
    with _client(tmp_path) as client:
        r = client.get("/")
        assert r.status_code == 200 and "评选工作台" in r.text and "开始一轮评选" in r.text
        assert "fuxin-2021.toml" in r.text
        assert client.get("/lang/en").status_code == 200  # redirected to the page
        r = client.get("/")
        assert "Slate selector workbench" in r.text and "Start a round" in r.text
        client.get("/lang/xx")
        assert "Start a round" in client.get("/").text
        for asset in ("/static/htmx.min.js", "/static/app.css", "/static/htmx-LICENSE.txt", "/static/favicon.svg",
                      "/font/cjk.otf"):
            assert client.get(asset).status_code == 200, asset
        assert not re.search(r"(src|href)=\"(https?:)?//", r.text)  # nothing from the network


def test_only_local_host_names_are_served(tmp_path):
    client = TestClient(create_app(tmp_path / "s"), base_url="http://evil.example")
    assert client.get("/").status_code == 400
    client = TestClient(create_app(tmp_path / "t"), base_url="http://127.0.0.1:8765")
    assert client.get("/").status_code == 200


def test_templates_download(tmp_path):
    import openpyxl

    with _client(tmp_path) as client:
        for name in ("individuals.xlsx", "collectives.xlsx", "quotas.xlsx"):
            r = client.get(f"/template/{name}")
            assert r.status_code == 200, name
            wb = openpyxl.load_workbook(io.BytesIO(r.content))
            assert wb.active.max_row >= 1
        assert client.get("/template/other.xlsx").status_code == 404
        assert client.get("/template/x.xlsx?rules=nope.toml").status_code == 404


def test_good_files_show_screening_and_supply_before_solving(tmp_path):
    with _client(tmp_path) as client:
        r = client.post("/round", data={"rules": "fuxin-2021.toml"}, files=_files(SAMPLE / "individuals.csv"))
        assert r.status_code == 200
        sess = _session(client)
        chk = sess.round.check
        text = _text(r.text)
        for mask in chk.screening.masks.values():
            assert f"{len(mask)} 人中 {sum(mask)} 人合格" in text
        for u in chk.screening.units:
            assert u.unit in text
        for c in chk.screening.screened_out:  # every screened-out candidate with every reason
            assert c.id in text
            for reason in c.reasons:
                assert reason.rule in text
        for f in chk.findings:
            assert f.rule in r.text
        assert r.text.count('<tr class="ok"') == len([f for f in chk.findings if f.ok])
        assert sess.base is None  # nothing solved yet


def test_the_bundled_sample_button(tmp_path):
    with _client(tmp_path) as client:
        r = client.post("/sample")
        assert r.status_code == 200 and "individuals.csv" in r.text and "collectives.csv" in r.text
        assert _session(client).round.names["rules"] == "fuxin-2021.toml"


def test_bad_file_gets_the_cli_messages_next_to_it_and_nothing_is_half_loaded(tmp_path):
    header, rows = _rows()
    rows[2][3] = "lots"  # score of row 4
    rows[5][header.index("gender")] = "robot"  # row 7
    bad = _write(tmp_path / "in" / "individuals.csv", header, rows)
    res = CliRunner().invoke(cli, ["select", "--rules", str(RULES), "--individuals", str(bad), "--collectives",
                                   str(SAMPLE / "collectives.csv"), "--out", str(tmp_path / "cli")])
    assert res.exit_code == 2
    cli_lines = [line.strip().replace(str(bad), "individuals.csv") for line in res.output.splitlines()
                 if line.startswith("  ")]
    assert len(cli_lines) >= 2 and any("row 4" in x for x in cli_lines) and any("row 7" in x for x in cli_lines)
    with _client(tmp_path) as client:
        ok = client.post("/round", data={"rules": "fuxin-2021.toml"}, files=_files(SAMPLE / "individuals.csv"))
        assert ok.status_code == 200
        sess = _session(client)
        good_round = sess.round
        r = client.post("/round", data={"rules": "fuxin-2021.toml"}, files=_files(bad))
        assert r.status_code == 400
        field = re.search(r'<div class="field bad">.*?</div>', r.text, re.S).group(0)
        assert 'name="pool_individuals"' in field
        shown = [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", field, re.S)]
        assert shown == cli_lines  # the CLI's words, file named as uploaded
        assert sess.round is good_round  # the loaded round stays; nothing of the bad one is kept
        assert sorted(p.name for p in sess.folder.iterdir()) == [good_round.folder.name]


def test_bad_quota_table_and_missing_pool_are_named_at_their_fields(tmp_path):
    quotas = tmp_path / "q.csv"
    quotas.write_text("unit,labour_model,collective\n海州区,many,5\n", encoding="utf-8")
    with _client(tmp_path) as client:
        r = client.post("/round", data={"rules": "fuxin-2021.toml"}, files=_files(SAMPLE / "individuals.csv",
                                                                                  quotas=quotas))
        assert r.status_code == 400
        field = re.search(r'<div class="field bad">.*?</div>', r.text, re.S).group(0)
        assert 'name="quotas_file"' in field and "q.csv" in field and "row 2" in field
        r = client.post("/round", data={"rules": "fuxin-2021.toml"},
                        files={"pool_individuals": ("i.csv", (SAMPLE / "individuals.csv").read_bytes())})
        assert r.status_code == 400
        field = re.search(r'<div class="field bad">.*?</div>', r.text, re.S).group(0)
        assert 'name="pool_collectives"' in field
        r = client.post("/round", data={"rules": "../pyproject.toml"}, files=_files(SAMPLE / "individuals.csv"))
        assert r.status_code == 400 and _session(client).round is None
        r = client.post("/round", files=_files(SAMPLE / "individuals.csv") | {
            "rules_file": ("mine.toml", b"id = 'x'\npools = 3\n")})
        assert r.status_code == 400 and "mine.toml" in r.text


def test_upload_size_limit_has_a_clear_message(tmp_path):
    with _client(tmp_path, max_upload=100_000) as client:
        big = b"id,name\n" + b"x" * 200_000
        r = client.post("/round", data={"rules": "fuxin-2021.toml"},
                        files={"pool_individuals": ("big.csv", big), "pool_collectives": ("c.csv", b"")})
        assert r.status_code == 413
        assert "0 MB" in r.text and "未载入任何文件" in r.text
        assert _session(client).round is None


def test_infeasible_pools_show_the_explanation_with_units_and_office_first(tmp_path):
    header, rows = _rows()
    kept, n = [], 0
    for r in rows:  # 市直单位 keeps 5 of its candidates for a quota of 22
        n += r[2] == "市直单位"
        if r[2] != "市直单位" or n <= 5:
            kept.append(r)
    pool = _write(tmp_path / "in" / "individuals.csv", header, kept)
    with _client(tmp_path) as client:
        r = client.post("/round", data={"rules": "fuxin-2021.toml"}, files=_files(pool))
        assert "人选供给不足，已不可能产生名单" in r.text and '<tr class="fatal"' in r.text
        client.post("/solve")
        sess = _session(client)
        _wait(client, sess.base)
        assert sess.base.state == "done", sess.base.failure
        page = client.get("/").text
        assert "没有名单能满足全部规则" in page and 'id="explanation"' in page
        assert "市直单位" in _text(page)
        who = re.findall(r'<span class="who">(.*?)</span>', page)
        assert who, "no actions listed"
        rank = {"推荐单位：补报人选": 0, "评选办公室：调剂名额分配表": 1, "领导小组：调整规则": 2}
        assert [rank[w] for w in who] == sorted(rank[w] for w in who)
        assert who[0] == "推荐单位：补报人选"
        z = zipfile.ZipFile(io.BytesIO(client.get("/paperwork.zip").content))
        assert any(n.endswith("/explanation.json") for n in z.namelist())
        assert not any(n.endswith("/labour_model.csv") for n in z.namelist())


def test_a_long_solve_shows_progress_and_can_be_cancelled(tmp_path):
    with _client(tmp_path) as client:
        client.post("/sample")
        client.post("/solve")
        sess = _session(client)
        job = sess.base
        r = client.get(f"/job/{job.id}")
        assert r.status_code == 200 and 'hx-trigger="every 1s"' in r.text and "取消求解" in r.text
        assert "hx-refresh" not in r.headers
        assert "取消求解" in client.get("/").text  # the page shows it too
        client.post(f"/job/{job.id}/cancel")
        assert job.state == "cancelled" and not job.process.is_alive()
        assert "已取消" in client.get("/").text
        assert client.get("/paperwork.zip").status_code == 404
        assert client.get("/job/nope").status_code == 404


def test_uploads_are_removed_on_exit(tmp_path):
    root = tmp_path / "sessions"
    with TestClient(create_app(root, hosts=["testserver"])) as client:
        client.post("/sample")
        assert any(root.rglob("individuals.csv"))
    assert not root.exists()


def test_routes_without_a_round(tmp_path):
    with _client(tmp_path) as client:
        assert client.get("/paperwork.zip").status_code == 404
        assert client.get("/round.zip").status_code == 404
        assert client.get("/whatif/x.toml").status_code == 404
        assert client.post("/solve").status_code == 200  # back to the page
        assert client.post("/whatif", data={"move_n": "2"}).status_code == 200
        assert client.post("/whatif/load", files={"scenario_file": ("a.toml", b"")}).status_code == 200


def test_safe_names():
    assert safe_name("../../etc/passwd", "x") == "passwd"
    assert safe_name("C:\\Users\\办公室\\劳模 名单.xlsx", "x") == "劳模 名单.xlsx"
    assert safe_name("", "fallback.csv") == "fallback.csv"


def test_every_message_of_the_templates_has_its_chinese():
    catalogue = {}
    for po in i18n.catalogue_files("zh"):
        with po.open("rb") as f:
            catalogue |= {m.id: m.string for m in read_po(f) if m.id}
    found = {m for t in TEMPLATES.glob("*.html") for m in re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', t.read_text())}
    assert len(found) > 50
    assert sorted(m for m in found if not catalogue.get(m)) == []


def test_the_pool_fields_follow_the_chosen_rule_set(tmp_path):
    with _client(tmp_path) as client:
        page = client.get("/").text
        assert 'value="fuxin-2021.toml" selected' in page and 'name="pool_collectives"' in page
        assert 'hx-get="/pools"' in page
        r = client.get("/pools", params={"rules": "national-mayday-2025.toml"})
        assert r.status_code == 200 and 'name="pool_teams"' in r.text
        assert "/template/teams.xlsx?rules=national-mayday-2025.toml" in r.text
        assert client.get("/template/teams.xlsx", params={"rules": "national-mayday-2025.toml"}).status_code == 200
        assert client.get("/template/teams.xlsx", params={"rules": "../models/x.toml"}).status_code == 404
        r = client.post("/round", data={"rules": "national-mayday-2025.toml"}, files=_files(SAMPLE / "individuals.csv"))
        assert r.status_code == 400
        assert 'value="national-mayday-2025.toml" selected' in r.text and 'name="pool_teams"' in r.text
        field = [f for f in re.findall(r'<div class="field bad">.*?</div>', r.text, re.S) if "pool_teams" in f]
        assert field and "上传" in field[0]
