"""The workbench's state: sessions (one per browser, by cookie), each with its folder of uploads, the round
whose files all loaded (inputs, screening and supply check, the scenario file of its what-ifs) and its solves;
the bundled rule sets (models/) the form offers, and the page templates (Jinja2, autoescaped)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from selector.analysis.supply import SupplyCheck
from selector.errors import InputErrors
from selector.i18n import LANGS, _, label, language, ngettext
from selector.interfaces.pools import BUNDLED_MODELS
from selector.interfaces.web import jobs
from selector.reading.inputs import Inputs
from selector.reading.rule_checks import load_ruleset

HERE = Path(__file__).parent
MODELS = BUNDLED_MODELS  # the rule sets the form offers
SAMPLE = BUNDLED_MODELS.parent / "scenarios" / "fuxin-2021"  # the bundled sample's pools
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

