"""The web workbench: a Starlette application over the library, for one office on one machine.

Every page is rendered by Jinja2 with autoescaping on; every script, style and font is served by the app
(htmx is vendored in static/). Uploaded files live in a per-session folder under one temporary folder
that `close()` (on exit) removes. Solves run in child processes (selector/interfaces/web/jobs.py) that the page
follows and can cancel. The flow is the library's: pipeline.load_inputs and check for a round,
folders.write_select_folder for the output folder, scenario files and whatif.compare for what-ifs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from selector.analysis.supply import SupplyCheck
from selector.errors import InputErrors, InputProblem
from selector.i18n import LANGS, _, label, language, ngettext, normalise_lang
from selector.interfaces.web import jobs
from selector.pipeline import check
from selector.reading.inputs import Inputs, load_inputs
from selector.reading.pool import default_quota_path
from selector.reading.rule_checks import load_ruleset
from selector.reading.rules import ruleset_dir_path
from selector.reading.scenario import load_scenario_inputs, read_scenario_file, scenario_overrides, scenario_toml

HERE = Path(__file__).parent
ROOT = HERE.parents[2]  # the repository, above selector/interfaces/web: models/ and scenarios/ (the sample)
MODELS = ROOT / "models"
SAMPLE = ROOT / "scenarios" / "fuxin-2021"
MAX_UPLOAD = 20 * 1024 * 1024  # bytes per request
COOKIE = "selector_session"
OUT_NAME = "slate"  # the zip's folder
SAMPLE_RULES = "fuxin-2021.toml"  # the bundled sample's rule set, offered first


# ------------------------------------------------------------------------------------------ state
@dataclass
class Round:
    """A round whose files all loaded: the inputs, the screening and supply check, the scenario file."""

    folder: Path
    rules: Path
    pools: dict[str, Path]
    quotas: Path | None  # None: the rule set's own quota table
    names: dict[str, str]  # role -> the file's name as uploaded
    inputs: Inputs
    check: SupplyCheck
    scenario: Path  # folder/scenario.toml naming these files: the base of every what-if

    def relative(self) -> tuple[Path, dict[str, Path], Path | None]:
        """The rule set, pools and quota table as named from the round's folder (as in its zip)."""
        rel = lambda p: p.relative_to(self.folder)  # noqa: E731
        return rel(self.rules), {k: rel(p) for k, p in self.pools.items()}, rel(self.quotas) if self.quotas else None


@dataclass
class Session:
    id: str
    folder: Path
    lang: str = "zh"
    round: Round | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)  # role -> messages of the last failed load
    base: jobs.Job | None = None
    whatifs: list[jobs.Job] = field(default_factory=list)
    whatif_problems: list[str] = field(default_factory=list)
    chosen: str | None = None  # the rule set (file name in models/) the form offers
    counters: dict[str, int] = field(default_factory=dict)

    def next(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def job(self, job_id: str) -> jobs.Job | None:
        return next((j for j in [self.base, *self.whatifs] if j is not None and j.id == job_id), None)

    def stop_jobs(self) -> None:
        for j in [self.base, *self.whatifs]:
            if j is not None and j.state == "running":
                j.cancel()


class Workbench:
    """The application's state: sessions and their folders under one temporary folder."""

    def __init__(self, root: Path | None = None, max_upload: int = MAX_UPLOAD, models: Path = MODELS,
                 sample: Path = SAMPLE):
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="selector-web-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_upload = max_upload
        self.models = models
        self.sample = sample
        self.sessions: dict[str, Session] = {}
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(
            enabled_extensions=("html",), default_for_string=True, default=True))
        self.env.globals.update(_=_, label=label, ngettext=ngettext, signed=_signed, percent=_percent,
                                status=status_label)

    def session(self, request: Request) -> tuple[Session, bool]:
        sid = request.cookies.get(COOKIE, "")
        if sid in self.sessions:
            return self.sessions[sid], False
        sid = secrets.token_urlsafe(18)
        folder = self.root / sid
        folder.mkdir()
        self.sessions[sid] = Session(sid, folder)  # Chinese until the page's switch says otherwise
        return self.sessions[sid], True

    def close(self) -> None:
        """Stop every solve and remove every uploaded file (on exit)."""
        for s in self.sessions.values():
            s.stop_jobs()
        shutil.rmtree(self.root, ignore_errors=True)

    def chosen(self, sess: Session, asked: str | None = None) -> tuple[str | None, Any]:
        """The rule set the form offers (asked for, else the session's last, else the sample's) and its pools."""
        names = [f for f, _t in self.rule_sets()]
        for name in (asked, sess.chosen, SAMPLE_RULES, *names):
            if name and Path(name).name == name and name in names:
                return name, load_ruleset(self.models / name)
        return None, None

    def rule_sets(self) -> list[tuple[str, str]]:
        """(file name, title) of each rule set in models/."""
        out = []
        for p in sorted(self.models.glob("*.toml")) if self.models.is_dir() else []:
            try:
                rs = load_ruleset(p)
            except InputErrors:
                continue
            out.append((p.name, f"{rs.title_zh} ({p.name})"))
        return out

    def render(self, sess: Session, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        with language(sess.lang):
            text = self.env.get_template(name).render(s=sess, lang=sess.lang, langs=LANGS,
                                                      rule_sets=self.rule_sets(), max_mb=self.max_upload // 2**20,
                                                      **ctx)
        return HTMLResponse(text, status_code=status)


def status_label(status: str) -> str:
    return {"optimal": _("optimal"), "feasible": _("feasible, not proven optimal"),
            "infeasible": _("no slate"), "unknown": _("none found in time")}.get(status, status)


def _signed(d: str | None) -> str:
    if d is None:
        return "—"
    v = Decimal(d)
    return f"+{d}" if v > 0 else (d if v < 0 else "±0")


def _percent(x: float | None) -> str:
    return "—" if x is None else f"{x:.4%}"


# ------------------------------------------------------------------------------------------ files
_SAFE = re.compile(r"[^\w.\-\u3000-\u9fff\uff00-\uffef（）() ]+")


def safe_name(name: str, fallback: str) -> str:
    """The uploaded file's own name, without folders or odd characters (its suffix tells CSV from XLSX)."""
    base = _SAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return base[:120] or fallback


async def _save(upload: UploadFile, folder: Path, fallback: str) -> tuple[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_name(upload.filename or "", fallback)
    path = folder / name
    path.write_bytes(await upload.read())
    return path, name


def _given(upload: Any) -> bool:
    return isinstance(upload, UploadFile) and bool(upload.filename)


def shown(problem: InputProblem, folder: Path) -> str:
    """A problem as the CLI words it (file, row, column, message), with the file named as uploaded."""
    prefix = str(folder) + os.sep
    file = problem.file
    if file.startswith(prefix):
        file = Path(file).name if "+" not in file else file.replace(prefix, "")
    text = str(dataclasses.replace(problem, file=file))
    for role_dir in sorted({p for p in folder.glob("*") if p.is_dir()}, key=lambda p: -len(str(p))):
        text = text.replace(str(role_dir) + os.sep, "")
    return text.replace(prefix, "")


def _role_of(problem: InputProblem, paths: dict[str, Path]) -> str:
    target = problem.file.split("#", 1)[0]
    for role, p in paths.items():
        if target == str(p) or target.startswith(str(p) + " ") or str(p) in target:
            return role
    return "rules"


def _zip_folder(folder: Path, prefix: str, skip: tuple[str, ...] = ()) -> bytes:
    """The folder's files, in name order, with fixed dates: the same folder gives the same zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and not any(rel.startswith(s) for s in skip):
                info = zipfile.ZipInfo(f"{prefix}/{rel}", date_time=(2021, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, p.read_bytes())
    return buf.getvalue()


def _download(data: bytes, name: str, media: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{quote(name)}\"; filename*=UTF-8''{quote(name)}"})


def _copy_companions(rules: Path, folder: Path) -> None:
    """The files a rule set in models/ names beside itself (its quota table, its forms' folder), copied
    with it so that the round's folder holds everything `selector select` reads."""
    try:
        rs = load_ruleset(rules)
    except InputErrors:
        return  # load_round reports it
    quotas = default_quota_path(rs, rules)
    if quotas is not None and quotas.is_file() and quotas.parent == rules.parent:
        shutil.copyfile(quotas, folder / quotas.name)
    forms = getattr(getattr(rs.paperwork, "forms", None), "folder", None)
    if forms:
        src = ruleset_dir_path(rules, forms)
        if src.is_dir() and src.parent == rules.parent:
            shutil.copytree(src, folder / src.name)


# ------------------------------------------------------------------------------------------ a round
async def load_round(wb: Workbench, sess: Session, form, sample: bool = False) -> bool:
    """Save the uploaded files in a fresh folder and load them all; on any problem nothing replaces the
    round in use (the new folder is removed) and the problems are kept per file for the page."""
    folder = sess.folder / sess.next("round")
    names: dict[str, str] = {}
    paths: dict[str, Path] = {}
    problems: dict[str, list[str]] = {}
    try:
        # the rule set: picked from models/ (copied with its quota table) or uploaded
        upload = form.get("rules_file")
        if sample:
            chosen = wb.models / SAMPLE_RULES
            sess.chosen = SAMPLE_RULES
        elif _given(upload):
            chosen = None
            paths["rules"], names["rules"] = await _save(upload, folder / "rules", "rules.toml")
        else:
            pick = str(form.get("rules") or "")
            chosen = wb.models / Path(pick).name if pick else None
            sess.chosen = chosen.name if chosen is not None and chosen.is_file() else sess.chosen
            if chosen is None or not chosen.is_file() or chosen.suffix != ".toml":
                problems["rules"] = [_("Choose a rule set or upload one.")]
                return False
        if chosen is not None:
            dest = folder / "rules" / chosen.name
            dest.parent.mkdir(parents=True)
            shutil.copyfile(chosen, dest)
            _copy_companions(chosen, dest.parent)
            paths["rules"], names["rules"] = dest, chosen.name
        try:
            ruleset = load_ruleset(paths["rules"])
        except InputErrors as e:
            problems["rules"] = [shown(p, folder) for p in e.problems]
            return False
        pools: dict[str, Path] = {}
        for kind in ruleset.pools:
            if sample:
                src = wb.sample / f"{kind}.csv"
                dest = folder / kind / src.name
                dest.parent.mkdir(parents=True)
                shutil.copyfile(src, dest)
                pools[kind], names[kind] = dest, src.name
            elif _given(form.get(f"pool_{kind}")):
                pools[kind], names[kind] = await _save(form.get(f"pool_{kind}"), folder / kind, f"{kind}.csv")
            else:
                problems.setdefault(kind, []).append(_("Upload this pool's file (CSV or XLSX)."))
        quotas = None
        if not sample and _given(form.get("quotas_file")):
            quotas, names["quotas"] = await _save(form.get("quotas_file"), folder / "quotas", "quotas.csv")
            paths["quotas"] = quotas
        paths |= pools
        if problems:
            return False
        try:
            inputs = load_inputs(paths["rules"], pools, quotas)
            checked = check(inputs)
        except InputErrors as e:
            for p in e.problems:
                problems.setdefault(_role_of(p, paths), []).append(shown(p, folder))
            return False
        # the base scenario of every what-if: the same files, named relative to the round folder
        scenario = folder / "scenario.toml"
        files = {"rules": paths["rules"].relative_to(folder).as_posix(),
                 "pools": {k: p.relative_to(folder).as_posix() for k, p in pools.items()},
                 "quotas": quotas.relative_to(folder).as_posix() if quotas else None}
        scenario.write_text(scenario_toml({}, title=ruleset.title_zh, files=files), encoding="utf-8")
        sess.stop_jobs()
        old = sess.round
        sess.round = Round(folder, paths["rules"], pools, quotas, names, inputs, checked, scenario)
        sess.base, sess.whatifs, sess.whatif_problems = None, [], []
        if old is not None:
            shutil.rmtree(old.folder, ignore_errors=True)
        return True
    finally:
        sess.problems = problems
        if problems:
            shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------------------ what-ifs
def _ids(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,，;；、]+", text.strip()) if t]


def whatif_overrides(rnd: Round, form) -> tuple[dict[str, Any], list[str]]:
    """The what-if form as overrides in the scenario file's syntax, and what is wrong with it."""
    data: dict[str, Any] = {}
    problems: list[str] = []
    rs = rnd.inputs.ruleset
    n = str(form.get("move_n") or "").strip()
    if n and n != "0":
        award, src, dst = (str(form.get(k) or "") for k in ("move_award", "move_from", "move_to"))
        table = rnd.inputs.quotas.of(award)
        if not n.isdigit():
            problems.append(_("Seats to move: '{n}' is not a whole number.", n=n))
        elif table is None or src not in table or dst not in table:
            problems.append(_("Seats to move: choose an award and two units of the quota table."))
        elif src == dst:
            problems.append(_("Seats to move: the two units are the same."))
        else:
            data["quotas"] = {src: {award: table[src] - int(n)}, dst: {award: table[dst] + int(n)}}
    rules: dict[str, dict[str, Any]] = {}
    share_rule, share = str(form.get("share_rule") or ""), str(form.get("share_value") or "").strip()
    if share_rule and share:
        rules.setdefault(share_rule, {})["share"] = share
    hard_rule, hardness = str(form.get("hard_rule") or ""), str(form.get("hardness") or "")
    if hard_rule and hardness in ("hard", "soft"):
        change: dict[str, Any] = {"hard": hardness == "hard"}
        if hardness == "soft":
            w = str(form.get("weight") or "5").strip()
            try:
                change["weight"] = int(w) if w.isdigit() else float(w)
            except ValueError:
                problems.append(_("Weight: '{w}' is not a number.", w=w))
        rules.setdefault(hard_rule, {}).update(change)
    if rules:
        data["rules"] = rules
    for key in ("force_in", "force_out"):
        ids = _ids(str(form.get(key) or ""))
        if ids:
            data[key] = ids
    known = {r.id for r in rs.rules}
    for rid in rules:
        if rid not in known:
            problems.append(_("No rule '{rule}' in this rule set.", rule=rid))
    return data, problems


async def start_whatif(wb: Workbench, sess: Session, overrides: dict[str, Any], title: str, description: str,
                       extras: dict[str, UploadFile], problems: list[str]) -> None:
    rnd = sess.round
    assert rnd is not None and sess.base is not None
    wid = sess.next("whatif")
    extra_folder = rnd.folder / wid
    for key, upload in extras.items():  # late submissions: extra_<pool> = file
        path, _name = await _save(upload, extra_folder, f"{key}.csv")
        overrides[key] = path.relative_to(rnd.folder).as_posix()
    if not overrides and not problems:
        problems.append(_("Nothing to change: fill in at least one what-if."))
    if problems:
        sess.whatif_problems = problems
        shutil.rmtree(extra_folder, ignore_errors=True)
        return
    path = rnd.folder / f"{wid}.toml"
    path.write_text(scenario_toml(overrides, base="scenario.toml", title=title or wid, description=description),
                    encoding="utf-8")
    try:  # every problem of the scenario now, next to the form, before anything is solved
        load_scenario_inputs(path)
    except InputErrors as e:
        sess.whatif_problems = [shown(p, rnd.folder) for p in e.problems]
        path.unlink()
        shutil.rmtree(extra_folder, ignore_errors=True)
        return
    sess.whatif_problems = []
    job = jobs.start(wid, "whatif", sess.folder / "jobs" / wid, jobs.run_whatif,
                     (rnd.scenario, path, sess.base.folder, sess.lang), title=title or wid, scenario=path)
    sess.whatifs.insert(0, job)


# ------------------------------------------------------------------------------------------ the page
def _actor(r) -> int:
    """Advice ranked by who can act: units (more candidates), the office (quotas), the leadership group."""
    if r.kind == "pool":
        return 0
    if all(str(c.get("rule", "")).startswith("quota:") for c in r.changes):
        return 1
    return 2


def actor_label(r) -> str:
    return [_("Units: submit more (补报)"), _("Office: adjust the quota table (调剂)"),
            _("Leadership group: change a rule")][_actor(r)]


def page_context(wb: Workbench, sess: Session) -> dict[str, Any]:
    """What index.html shows: the round, its screening and supply, the slate, the what-ifs."""
    rnd = sess.round
    ctx: dict[str, Any] = {"rnd": rnd, "actor": actor_label}
    running = [j for j in [sess.base, *sess.whatifs] if j is not None and j.state == "running"]
    ctx["refresh"] = bool(running)
    ctx["chosen"], form_rs = wb.chosen(sess)
    ctx["pool_specs"] = list(form_rs.pools.items()) if form_rs is not None else []
    ctx["known_roles"] = {"rules", "quotas", *(k for k, _spec in ctx["pool_specs"])}
    if rnd is None:
        return ctx
    rs = rnd.inputs.ruleset
    ctx["rs"] = rs
    ctx["units"] = list(rnd.inputs.quotas.units)
    ctx["quota_awards"] = [a for a in rs.awards if a.quota != "none" and rnd.inputs.quotas.of(a.id) is not None]
    ctx["share_rules"] = [r for r in rs.rules if r.kind == "share"]
    ctx["candidates"] = [(cid, name, unit) for pool in rnd.inputs.pools.values()
                         for cid, name, unit in zip(pool.ids, pool.table["name"], pool.table["unit"])]
    screening = rnd.check.screening
    ctx["rule_findings"] = [f for f in rnd.check.findings if not f.rule.startswith("quota:")]
    ctx["quota_findings"] = [f for f in rnd.check.findings if f.rule.startswith("quota:")]
    ctx["totals"] = {kind: (sum(mask), len(mask)) for kind, mask in screening.masks.items()}
    ctx["screen_awards"] = [rs.award(a) for a in dict.fromkeys(u.award for u in screening.units)]
    by_unit: dict[str, dict[str, Any]] = {}
    for u in screening.units:
        by_unit.setdefault(u.unit, {})[u.award] = u
    ctx["screen_units"] = list(by_unit.items())
    ctx["sub_awards"] = {a.id: [s for s in rs.awards if s.parent == a.id] for a in rs.awards if a.parent is None}
    base = sess.base
    if base is not None and base.state == "done":
        from selector.outputs.slates import slate_tables

        done = base.outcome
        result = done["result"]
        ctx["result"] = result
        ctx["explanation"] = done["explanation"]
        ctx["has_slate"] = result.status in ("optimal", "feasible")
        from selector.i18n import language

        with language("en"):  # the page reads the tables by their column codes and translates what it shows
            ctx["tables"] = slate_tables(rnd.inputs, result) if ctx["has_slate"] else {}
        ctx["plots"] = [p.name for p in sorted(base.out.glob("*.png"))]
        ctx["relaxations"] = sorted([(k, r) for k, e in (done["explanation"] or {}).items() for r in e.relaxations],
                                    key=lambda kr: _actor(kr[1]))
        fill: dict[str, dict[str, Any]] = {}
        for u in result.units:
            fill.setdefault(u.unit, {})[u.award] = u
        ctx["fill_awards"] = list(dict.fromkeys(u.award for u in result.units))
        ctx["fill_rows"] = list(fill.items())
    return ctx


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
        from selector.outputs.templates import write_templates

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
                    from selector.reading.pool import read_quotas

                    try:
                        units = read_quotas(quota_path, rs).units
                    except InputErrors:
                        units = None
            folder = Path(tempfile.mkdtemp(dir=sess.folder, prefix="template-"))
            try:
                written = {p.name: p for p in write_templates(rs, folder, units)}
                if name not in written:
                    return PlainTextResponse(_("No such template."), status_code=404)
                return _download(written[name].read_bytes(), name,
                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    async def pools(request, sess, form):
        with language(sess.lang):
            chosen, rs = wb.chosen(sess, request.query_params.get("rules"))
        return wb.render(sess, "pools.html", chosen=chosen, pool_specs=list(rs.pools.items()) if rs else [])

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
        return _download(_zip_folder(base.out, f"{OUT_NAME}-{rs}"), f"{OUT_NAME}-{rs}.zip", "application/zip")

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
                  if _given(form.get(f"extra_{kind}"))}
        with language(sess.lang):
            await start_whatif(wb, sess, overrides, str(form.get("title") or "").strip(),
                               str(form.get("description") or "").strip(), extras, problems)
        return home()

    async def whatif_load(request, sess, form):
        if sess.round is None or sess.base is None or sess.base.state != "done":
            return home()
        upload = form.get("scenario_file")
        with language(sess.lang):
            if not _given(upload):
                sess.whatif_problems = [_("Choose a scenario file (.toml) to load.")]
                return home()
            tmp = Path(tempfile.mkdtemp(dir=sess.folder, prefix="load-"))
            try:
                path, _name = await _save(upload, tmp, "scenario.toml")
                try:
                    sc = read_scenario_file(path)
                except InputErrors as e:
                    sess.whatif_problems = [shown(p, tmp) for p in e.problems]
                    return home()
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            overrides = scenario_overrides(sc)
            files = {Path(f.filename or "").name: f for f in form.getlist("extra_files") if _given(f)}
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
        return _download(job.scenario.read_bytes(), job.scenario.name, "application/toml")

    async def round_zip(request, sess, form):
        if sess.round is None:
            return PlainTextResponse(_("No round loaded."), status_code=404)
        return _download(_zip_folder(sess.round.folder, "round"), "round.zip", "application/zip")

    async def font(request, sess, form):
        from selector.outputs.plots import cjk_font_path

        path = cjk_font_path()
        if path is None:
            return PlainTextResponse("", status_code=404)
        return FileResponse(path, media_type="font/otf", headers={"Cache-Control": "max-age=86400"})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        wb.close()

    routes = [
        Route("/", page(index)),
        Route("/lang/{lang}", page(set_lang)),
        Route("/round", page(round_), methods=["POST"]),
        Route("/sample", page(sample_), methods=["POST"]),
        Route("/template/{name}", page(template)),
        Route("/pools", page(pools)),
        Route("/solve", page(solve), methods=["POST"]),
        Route("/job/{job}", page(job_status)),
        Route("/job/{job}/cancel", page(job_cancel), methods=["POST"]),
        Route("/paperwork.zip", page(paperwork)),
        Route("/plot/{name}", page(plot)),
        Route("/whatif", page(whatif), methods=["POST"]),
        Route("/whatif/load", page(whatif_load), methods=["POST"]),
        Route("/whatif/{job}.toml", page(whatif_file)),
        Route("/round.zip", page(round_zip)),
        Route("/font/cjk.otf", page(font)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
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
