"""Files of the workbench: an upload saved under its own (cleaned) name, a problem worded as the CLI words
it with the file named as uploaded, reproducible zips of a folder, downloads, and the companions a bundled
rule set names beside itself (its quota table, its forms folder), copied with it."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from selector.errors import InputErrors, InputProblem
from selector.reading.quotas import default_quota_path
from selector.reading.rule_checks import load_ruleset
from selector.reading.rules import ruleset_dir_path
from selector.reading.tables import split_sheet

# ------------------------------------------------------------------------------------------ files
_SAFE = re.compile(r"[^\w.\-\u3000-\u9fff\uff00-\uffef（）() ]+")


def safe_name(name: str, fallback: str) -> str:
    """The uploaded file's own name, without folders or odd characters (its suffix tells CSV from XLSX)."""
    base = _SAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return base[:120] or fallback


async def save_upload(upload: UploadFile, folder: Path, fallback: str) -> tuple[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_name(upload.filename or "", fallback)
    path = folder / name
    path.write_bytes(await upload.read())
    return path, name


def given(upload: Any) -> bool:
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


def role_of(problem: InputProblem, paths: dict[str, Path]) -> str:
    target = str(split_sheet(problem.file)[0])
    for role, p in paths.items():
        if target == str(p) or target.startswith(str(p) + " ") or str(p) in target:
            return role
    return "rules"


def zip_folder(folder: Path, prefix: str, skip: tuple[str, ...] = ()) -> bytes:
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


def download(data: bytes, name: str, media: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{quote(name)}\"; filename*=UTF-8''{quote(name)}"})


def copy_companions(rules: Path, folder: Path) -> None:
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

