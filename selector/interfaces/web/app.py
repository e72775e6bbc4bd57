"""The web workbench: a Starlette application over the library, for one office on one machine.

Every page is rendered by Jinja2 with autoescaping on; every script, style and font is served by the app
(htmx is vendored in static/). Uploaded files live in a per-session folder under one temporary folder
that `close()` (on exit) removes. Solves run in child processes (jobs.py) that the page follows and can
cancel. The flow is the library's: pipeline.load_inputs and check for a round (rounds.py), the pool fields
from interfaces/pools.py as the CLI's --pool, report.write_select_folder for the output folder, scenario
files and whatif.compare for what-ifs. This module holds the routes; state.py the sessions, page.py what
the page shows, files.py uploads and downloads.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from selector.errors import InputErrors
from selector.i18n import _, language, normalise_lang
from selector.interfaces.pools import declared_pools
from selector.interfaces.web import jobs
from selector.interfaces.web.files import download, given, save_upload, shown, zip_folder
from selector.interfaces.web.page import page_context
from selector.interfaces.web.rounds import load_round, start_whatif, whatif_overrides
from selector.interfaces.web.state import COOKIE, HERE, MAX_UPLOAD, MODELS, OUT_NAME, SAMPLE, Session, Workbench
from selector.outputs.templates import write_templates
from selector.reading.quotas import default_quota_path, read_quotas
from selector.reading.rule_checks import load_ruleset
from selector.reading.scenario import read_scenario_file, scenario_overrides


# ------------------------------------------------------------------------------------------ routes
def create_app(root: Path | None = None, max_upload: int = MAX_UPLOAD, hosts: list[str] | None = None,
               models: Path = MODELS, sample: Path = SAMPLE) -> Starlette:
    """The application. `root`: the temporary folder for uploads (made, and removed on shutdown, when
    not given); `hosts`: the Host headers accepted (127.0.0.1 and localhost unless told otherwise)."""
    wb = Workbench(root, max_upload, models, sample)

    def page(handler):
        async def run(request: Request) -> Response:
            sess, new = wb.session(request)
            if request.method == "POST" and request.headers.get("content-type", "").startswith("multipart"):
                if int(request.headers.get("content-length") or 0) > wb.max_upload:
                    response = too_large(sess)
                else:
                    form = await request.form(max_files=20, max_fields=100)
                    response = await handler(request, sess, form)
                    await form.close()
            elif request.method == "POST":
                form = await request.form(max_files=0, max_fields=100)
                response = await handler(request, sess, form)
            else:
                response = await handler(request, sess, None)
            if new:
                response.set_cookie(COOKIE, sess.id, httponly=True, samesite="strict")
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return run

    def too_large(sess: Session) -> Response:
        return wb.render(sess, "message.html", status=413, title=_("File too large"), message=_(
            "The upload is larger than {mb} MB, the limit per upload: nothing was loaded. Split the pool "
            "into smaller files or remove pictures and extra sheets from the workbook.",
            mb=wb.max_upload // 2**20))

    def home() -> Response:
        return RedirectResponse("/", status_code=303)

    async def index(request, sess, form):
        return wb.render(sess, "index.html", **view(sess))

    def view(sess: Session) -> dict[str, Any]:
        with language(sess.lang):
            return page_context(wb, sess)

    async def set_lang(request, sess, form):
        lang = normalise_lang(request.path_params["lang"])
        if lang is not None:
            sess.lang = lang
        return home()

    async def round_(request, sess, form):
        ok = await load_round(wb, sess, form)
        return home() if ok else wb.render(sess, "index.html", status=400, **view(sess))

    async def sample_(request, sess, form):
        ok = await load_round(wb, sess, form, sample=True)
        return home() if ok else wb.render(sess, "index.html", status=400, **view(sess))

    async def template(request, sess, form):
        name = request.path_params["name"]
        asked = request.query_params.get("rules")
        if asked is None and sess.round is not None:
            rules = sess.round.rules
        else:
            chosen, _rs = wb.chosen(sess, asked)
            if chosen is None or (asked is not None and chosen != asked):
                return PlainTextResponse(_("No such rule set."), status_code=404)
            rules = wb.models / chosen
        with language(sess.lang):
            rs = load_ruleset(rules)
            units = sess.round.inputs.quotas.units if sess.round and rules == sess.round.rules else None
            if units is None:
                quota_path = default_quota_path(rs, rules)
                if quota_path is not None and quota_path.is_file():
                    try:
                        units = read_quotas(quota_path, rs).units
                    except InputErrors:
                        units = None
            folder = Path(tempfile.mkdtemp(dir=sess.folder, prefix="template-"))
            try:
                written = {p.name: p for p in write_templates(rs, folder, units)}
                if name not in written:
                    return PlainTextResponse(_("No such template."), status_code=404)
                return download(written[name].read_bytes(), name,
                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    async def pools(request, sess, form):
        with language(sess.lang):
            chosen, rs = wb.chosen(sess, request.query_params.get("rules"))
            fields = declared_pools(rs) if rs else []
        return wb.render(sess, "pools.html", chosen=chosen, pool_fields=fields)

    async def solve(request, sess, form):
        rnd = sess.round
        if rnd is None:
            return home()
        if sess.base is not None and sess.base.state == "running":
            return home()
        sess.stop_jobs()
        job_id = sess.next("base")
        sess.base = jobs.start(job_id, "base", sess.folder / "jobs" / job_id, jobs.run_base,
                               (rnd.folder, *rnd.relative(), sess.lang))
        sess.whatifs = []
        return home()

    async def job_status(request, sess, form):
        job = sess.job(request.path_params["job"])
        if job is None:
            return PlainTextResponse(_("No such solve."), status_code=404)
        if job.state != "running":
            response = wb.render(sess, "job.html", job=job)
            response.headers["HX-Refresh"] = "true"  # htmx reloads the page with the result
            return response
        return wb.render(sess, "job.html", job=job)

    async def job_cancel(request, sess, form):
        job = sess.job(request.path_params["job"])
        if job is not None:
            job.cancel()
        return home()

    async def paperwork(request, sess, form):
        base = sess.base
        if base is None or base.state != "done" or not base.out.is_dir():
            return PlainTextResponse(_("No output folder yet: solve first."), status_code=404)
        rs = sess.round.inputs.ruleset.id if sess.round else "slate"
        return download(zip_folder(base.out, f"{OUT_NAME}-{rs}"), f"{OUT_NAME}-{rs}.zip", "application/zip")

    async def plot(request, sess, form):
        base = sess.base
        name = Path(request.path_params["name"]).name
        if base is None or base.state != "done" or not name.endswith(".png") or not (base.out / name).is_file():
            return PlainTextResponse(_("No such chart."), status_code=404)
        return FileResponse(base.out / name, media_type="image/png")

    async def whatif(request, sess, form):
        if sess.round is None or sess.base is None or sess.base.state != "done":
            return home()
        with language(sess.lang):
            overrides, problems = whatif_overrides(sess.round, form)
        extras = {f"extra_{kind}": form.get(f"extra_{kind}") for kind in sess.round.inputs.pools
                  if given(form.get(f"extra_{kind}"))}
        with language(sess.lang):
            await start_whatif(wb, sess, overrides, str(form.get("title") or "").strip(),
                               str(form.get("description") or "").strip(), extras, problems)
        return home()

    async def whatif_load(request, sess, form):
        if sess.round is None or sess.base is None or sess.base.state != "done":
            return home()
        upload = form.get("scenario_file")
        with language(sess.lang):
            if not given(upload):
                sess.whatif_problems = [_("Choose a scenario file (.toml) to load.")]
                return home()
            tmp = Path(tempfile.mkdtemp(dir=sess.folder, prefix="load-"))
            try:
                path, _name = await save_upload(upload, tmp, "scenario.toml")
                try:
                    sc = read_scenario_file(path)
                except InputErrors as e:
                    sess.whatif_problems = [shown(p, tmp) for p in e.problems]
                    return home()
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            overrides = scenario_overrides(sc)
            files = {Path(f.filename or "").name: f for f in form.getlist("extra_files") if given(f)}
            extras: dict[str, UploadFile] = {}
            problems: list[str] = []
            for kind, file in sc.extra.items():
                key = f"extra_{kind}"
                del overrides[key]
                if Path(file).name in files:
                    extras[key] = files[Path(file).name]
                else:
                    problems.append(_("The scenario adds candidates from '{file}': choose that file too.",
                                      file=file))
            if sc.rules or sc.pools or sc.quotas:
                problems.append(_("The scenario names its own files: load a what-if scenario (with a base) "
                                  "to apply it to this round."))
            await start_whatif(wb, sess, overrides, sc.title, sc.description, extras, problems)
        return home()

    async def whatif_file(request, sess, form):
        job = sess.job(request.path_params["job"])
        if job is None or job.scenario is None or not job.scenario.is_file():
            return PlainTextResponse(_("No such scenario."), status_code=404)
        return download(job.scenario.read_bytes(), job.scenario.name, "application/toml")

    async def round_zip(request, sess, form):
        if sess.round is None:
            return PlainTextResponse(_("No round loaded."), status_code=404)
        return download(zip_folder(sess.round.folder, "round"), "round.zip", "application/zip")

    async def font(request, sess, form):
        from selector.outputs.plots import cjk_font_path  # matplotlib only when the page asks for the font

        path = cjk_font_path()
        if path is None:
            return PlainTextResponse("", status_code=404)
        return FileResponse(path, media_type="font/otf", headers={"Cache-Control": "max-age=86400"})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        wb.close()

    reads = {"/": index, "/lang/{lang}": set_lang, "/template/{name}": template, "/pools": pools,
             "/job/{job}": job_status, "/paperwork.zip": paperwork, "/plot/{name}": plot,
             "/whatif/{job}.toml": whatif_file, "/round.zip": round_zip, "/font/cjk.otf": font}
    posts = {"/round": round_, "/sample": sample_, "/solve": solve, "/job/{job}/cancel": job_cancel,
             "/whatif": whatif, "/whatif/load": whatif_load}  # what changes the workbench: POST only
    routes = [Route(path, page(f)) for path, f in reads.items()]
    routes += [Route(path, page(f), methods=["POST"]) for path, f in posts.items()]
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    allowed = list(hosts) if hosts is not None else ["127.0.0.1", "localhost"]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed), Middleware(LimitUpload, limit=max_upload)])
    app.state.workbench = wb
    return app


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class LimitUpload:
    """Refuse a request body over the limit, also when it comes without a Content-Length (chunked)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit + 1024 * 1024:  # the form's own fields on top of the files
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            response = PlainTextResponse(_("The upload is larger than {mb} MB, the limit per upload: nothing "
                                           "was loaded.", mb=self.limit // 2**20), status_code=413)
            await response(scope, receive, send)


class _TooLarge(Exception):
    pass


# ------------------------------------------------------------------------------------------ serving
def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True) -> None:
    """Run the workbench until Ctrl-C; the uploads' temporary folder is removed on the way out."""
    import threading
    import webbrowser

    import uvicorn

    hosts = ["127.0.0.1", "localhost"] + ([host] if host not in ("127.0.0.1", "localhost") else [])
    if host in ("0.0.0.0", "::"):
        hosts = ["*"]
    app = create_app(hosts=hosts)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        app.state.workbench.close()
