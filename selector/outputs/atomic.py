"""Output folders written whole or not at all (issue 11, items 1-4).

`atomic_output_dir` yields a temporary folder beside the output folder and moves it into place when the
run succeeds (race-free rename); on any error, Ctrl-C or SIGTERM nothing is left. A folder this tool wrote
is recognised by its own record (select's audit.json, check.json, explanation.json, whatif.json,
sweep.json, or the marker file templates get); --force replaces only such a folder, never a folder of
someone else's, a file, a device or a link, and never one that is or holds an input file.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from selector.errors import InputErrors, InputProblem
from selector.i18n import _
from selector.reading.tables import split_sheet

# A folder this tool wrote is recognised by its own record: select's audit.json, check.json,
# explanation.json, whatif.json, sweep.json, or the marker file templates get. --force replaces only
# such a folder; never a folder of someone else's, a file, a device or a link.
MARKER = ".slate-selector"


_RECORDS: dict[str, set[str]] = {  # file -> keys its JSON object has
    "audit.json": {"format", "inputs", "outputs"},
    "check.json": {"ruleset", "ok", "findings"},
    "explanation.json": {"conflicts", "relaxations", "pools"},
    "whatif.json": {"reference", "scenarios"},
    "sweep.json": {"kind", "steps"},
    MARKER: {"written_by"},
}


_RECORD_BYTES = 64 << 20


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}$")


def _problem(out: Path, message: str) -> InputErrors:
    return InputErrors([InputProblem(str(out), message)])


def written_by_selector(folder: Path) -> bool:
    """Whether `folder` (a real folder, not a link) holds a record this tool writes into its output folders."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    for name, keys in _RECORDS.items():
        p = folder / name
        try:
            if p.is_symlink() or not p.is_file() or p.stat().st_size > _RECORD_BYTES:
                continue
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and keys <= data.keys() and (
                name != "audit.json" or str(data.get("format", "")).startswith("slate-selector-audit/")):
            return True
    return False


def _what_is(path: Path) -> str:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return _("a symbolic link")
    if stat.S_ISREG(mode):
        return _("a file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return _("a pipe or socket")
    return _("not a regular folder")


def _refusal(out: Path, force: bool) -> InputErrors | None:
    """Why `out` may not be (re)placed now, or None: it does not exist, is an empty folder, or with `force`
    is a folder this tool wrote."""
    if not (out.exists() or out.is_symlink()):
        return None
    if out.is_symlink() or not out.is_dir():
        return _problem(out, _("is {what}, not an output folder: it is never replaced, even with --force "
                               "(--force only replaces a folder this tool wrote); choose another --out",
                               what=_what_is(out)))
    if not any(out.iterdir()):
        return None
    if not force:
        return _problem(out, "output folder exists and is not empty: choose another --out or pass --force to "
                             "replace it")
    if not written_by_selector(out):
        return _problem(out, _("is not a folder this tool wrote (it holds no audit.json or other record of the "
                               "selector): --force only replaces a folder this tool wrote, so it is kept; move it "
                               "away or choose another --out"))
    return None


def _places(path: Path | str) -> set[Path]:
    """A path as written (made absolute, links kept) and with every link resolved."""
    p = Path(str(path))
    return {Path(os.path.abspath(p)), p.resolve()}


def check_output_dir(out: Path, force: bool = False, inputs: Iterable[Path | str] = ()) -> None:
    """Refuse an output folder before any work is done: the current folder or one above it; one that is
    or holds an input file (even with `force`: inputs are never modified); an existing file, device or
    link (never replaced); an existing non-empty folder without `force`, or with `force` one this tool
    did not write."""
    out = Path(out)
    where = _places(out)
    here = Path.cwd().resolve()
    if any(w == here or w in here.parents for w in where):
        raise _problem(out, "is the current folder or one above it: choose a folder of its own for --out")
    for f in inputs:
        for fp in _places(split_sheet(f)[0]):  # pool.xlsx#SHEET names the workbook
            if any(fp == w or w in fp.parents for w in where):
                raise _problem(out, f"holds the input file {fp}: choose a folder of its own for --out "
                                    "(inputs are never modified)")
    problem = _refusal(out, force)
    if problem is not None:
        raise problem


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(parent: Path) -> list[str]:
    """Remove the hidden temporary folders (.NAME.tmp-PID-xxxxxxxx, .NAME.old-PID-xxxxxxxx) that runs
    killed before they could clean up (SIGKILL, a power cut) left in `parent`; the folders of a run still
    going (its process alive) are kept. Returns the names removed."""
    removed = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TEMP.match(p.name)
        if m is None or p.is_symlink() or not p.is_dir() or _alive(int(m["pid"])):
            continue
        shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            removed.append(p.name)
    return removed


def _aside(out: Path, kind: str) -> Path:
    return out.with_name(f".{out.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def _appeared(out: Path, e: OSError) -> InputErrors:
    return _problem(out, _("appeared while this run was writing (another run, or someone else, put it "
                           "there): it was left as it is and nothing was written ({error})",
                           error=e.strerror or e))


def _place(tmp: Path, out: Path, force: bool) -> None:
    """Move the finished folder `tmp` to `out`, race-free: rename(2) never replaces a non-empty folder or
    puts a folder over a file, so when two runs finish together exactly one wins and the other is refused;
    with `force`, what is at `out` is first moved aside and checked again (it must be this tool's)."""
    try:
        os.rename(tmp, out)  # fails when out is now a non-empty folder, a file or a link to one
        return
    except OSError as e:
        if e.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR) or not force:
            raise _appeared(out, e) from None
    old = _aside(out, "old")
    try:
        os.rename(out, old)
    except FileNotFoundError:
        old = None  # gone meanwhile
    except OSError as e:
        raise _appeared(out, e) from None
    if old is not None and not written_by_selector(old):  # something else took its place meanwhile
        try:
            os.rename(old, out)
        except OSError:
            raise _problem(out, _("was replaced by something this tool did not write while this run was "
                                  "writing; it is kept as {old} and nothing was written", old=old)) from None
        raise _problem(out, _("was replaced by something this tool did not write while this run was writing: "
                              "it was left as it is and nothing was written"))
    try:
        os.rename(tmp, out)
    except OSError as e:
        if old is not None:
            try:
                os.rename(old, out)  # put the previous folder back
            except OSError:
                raise _problem(out, _("a folder appeared while replacing it; the previous folder is kept as "
                                      "{old} and nothing was written", old=old)) from None
        raise _appeared(out, e) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_output_dir(out: Path, force: bool = False, inputs: Iterable[Path | str] = (), marker: bool = False):
    """Yield a temporary folder beside `out`; on success move it into place whole.

    `out` is checked as check_output_dir does (`inputs`: the files the run read), before and again at
    the end: a folder that appeared meanwhile is not replaced without `force`, and with `force` only a
    folder this tool wrote is replaced. On any error, Ctrl-C or SIGTERM the temporary folder is removed
    and `out` is untouched; temporary folders that killed runs left beside it are removed first.
    `marker`: write the record that lets a later --force recognise the folder (for outputs with no
    JSON record of their own, such as templates)."""
    out = Path(out)
    inputs = list(inputs)
    check_output_dir(out, force, inputs)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out.parent)
        tmp = _aside(out, "tmp")
        tmp.mkdir(mode=0o700)  # personal data: readable by the user only until it is complete
    except OSError as e:
        raise InputErrors([InputProblem(str(out), f"cannot create the output folder: {e.strerror or e}")]
                          ) from None
    try:
        yield tmp
        if marker:
            (tmp / MARKER).write_text(json.dumps({"written_by": "slate-selector"}) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_umask())
        try:
            check_output_dir(out, force, inputs)  # again: what is there now may differ from the start
        except InputErrors as e:
            raise _problem(out, _("changed while this run was writing, so nothing was written: {why}",
                                  why=e.problems[0].message)) from None
        _place(tmp, out, force)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
