"""The workbench in a real headless browser (issue 16): Playwright for Python drives the distribution's
Chromium (/usr/bin/chromium; Playwright's own browser download is never used). A person's path with the
mouse: upload the sample pools, see the screening and the slate, move two seats, see who enters and leaves,
download the paperwork. Screenshots go to tests/output/ (git-ignored) for a person to look at.

Skipped, saying so, where /usr/bin/chromium or the playwright package is missing."""

from __future__ import annotations

import io
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scenarios" / "fuxin-2021"
OUTPUT = Path(__file__).resolve().parent / "output"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SOLVE_MS = 300_000  # the sample's solve takes ~25 s here; generous for a loaded CI machine

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser tests skipped: no Chromium at {CHROMIUM} "
                                "(apt-get install chromium)")
playwright_sync = pytest.importorskip("playwright.sync_api", reason="browser tests skipped: no playwright package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from selector.interfaces.web.app import create_app

    root = tmp_path_factory.mktemp("web") / "sessions"
    app = create_app(root)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.1)
    assert srv.started
    yield f"http://127.0.0.1:{port}", root
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_sample_to_paperwork_and_one_whatif_with_the_mouse(server, browser):
    url, root = server
    OUTPUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    assert page.locator("h1").inner_text() == "评选工作台"  # Chinese by default
    page.screenshot(path=str(OUTPUT / "web-1-start.png"), full_page=True)

    # 1. upload the sample's pools as a unit's files would come
    page.set_input_files("#pool_individuals", str(SAMPLE / "individuals.csv"))
    page.set_input_files("#pool_collectives", str(SAMPLE / "collectives.csv"))
    page.click("#load")
    page.wait_for_selector("#screening")
    assert "合格" in page.locator("#screening").inner_text()
    assert page.locator("#screening table.supply tbody tr").count() > 10

    # 2. solve: the progress shows, then the slate
    page.click("#solve")
    page.wait_for_selector("#status", timeout=SOLVE_MS)
    assert "已证明最优" in page.locator("#status").inner_text()
    assert page.locator("#slate-labour_model tbody tr").count() == 180
    assert page.locator("#slate-labour_model tbody tr.special").count() == 10
    assert page.locator("#slate-collective tbody tr").count() == 50
    page.screenshot(path=str(OUTPUT / "web-2-slate.png"), full_page=True)

    # 3. download the paperwork
    with page.expect_download() as dl:
        page.click("#download")
    data = Path(dl.value.path()).read_bytes()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith("/labour_model.csv") for n in names) and any(n.endswith("/audit.json") for n in names)

    # 4. move two labour-model seats from 市直单位 to 彰武县
    page.select_option("#move_award", "labour_model")
    page.select_option("#move_from", "市直单位")
    page.select_option("#move_to", "彰武县")
    page.fill("#move_n", "2")
    page.fill("#whatif_title", "市直单位让出2个名额给彰武县")
    page.click("#run_whatif")
    page.wait_for_selector("article.whatif table.compare", timeout=SOLVE_MS)
    art = page.locator("article.whatif").first
    text = art.inner_text()
    assert "市直单位 labour_model 22 -> 20" in text and "彰武县 labour_model 18 -> 20" in text
    assert "彰武县" in art.locator("table.compare").inner_text()
    assert art.locator("ul.enter li").count() >= 1 and art.locator("ul.leave li").count() >= 1
    art.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "web-3-whatif.png"), full_page=True)
    art.screenshot(path=str(OUTPUT / "web-4-whatif-detail.png"))

    # 5. the English switch
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Slate selector workbench"
    assert "Proven optimal" in page.locator("#status").inner_text()

    assert not errors, errors
    assert all(r.startswith(url) for r in requests), [r for r in requests if not r.startswith(url)]  # offline
    page.close()


def test_a_bad_file_shows_its_rows_next_to_it(server, browser, tmp_path):
    url, _root = server
    bad = tmp_path / "individuals.csv"
    lines = (SAMPLE / "individuals.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[3] = "lots"  # the score of the third candidate (row 4)
    bad.write_text("\n".join([*lines[:3], ",".join(cells), *lines[4:]]) + "\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.set_input_files("#pool_individuals", str(bad))
    page.set_input_files("#pool_collectives", str(SAMPLE / "collectives.csv"))
    page.click("#load")
    field = page.locator(".field.bad")
    assert field.count() == 1
    text = field.inner_text()
    assert "individuals.csv" in text and "4" in text and "score" in text, text
    assert page.locator("#screening").count() == 0  # nothing half-loaded
    field.screenshot(path=str(OUTPUT / "web-5-bad-file.png"))
    page.close()
