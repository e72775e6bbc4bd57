"""Errors a user can fix, collected with file, row and column and raised once.

Exit codes used by the CLI: 2 for bad input (InputErrors), 1 for "no slate exists".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from selector.i18n import _


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with one input file."""

    file: str
    message: str
    row: int | None = None  # 1-based line/row as the user sees it in the file (header = 1)
    column: str | None = None
    rule: str | None = None  # rule id or key, for rule-set problems

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.rule is not None:
            where.append(f"rule {self.rule}")
        return f"{', '.join(where)}: {self.message}"


class InputErrors(Exception):
    """Every problem found in the inputs, so the user can fix them in one pass."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ProblemCollector:
    """Collects problems while reading a file; `raise_if_any` raises them all at once."""

    file: str
    problems: list[InputProblem] = field(default_factory=list)

    @classmethod
    def for_path(cls, path: Path | str) -> ProblemCollector:
        return cls(str(path))

    def add(self, message: str, row: int | None = None, column: str | None = None,
            rule: str | None = None) -> None:
        self.problems.append(InputProblem(self.file, message, row, column, rule))

    def extend(self, other: ProblemCollector | InputErrors) -> None:
        self.problems.extend(other.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputErrors(list(self.problems))


MAX_INPUT_BYTES = 512 << 20  # a pool or quota table: 512 MB (200,000 candidates are about 40 MB)
MAX_TEXT_BYTES = 16 << 20  # a rule set or scenario written by hand: 16 MB


def check_input_file(path: Path | str, limit: int = MAX_INPUT_BYTES) -> None:
    """Refuse, before reading a byte, an input that is not a regular file (a device such as /dev/zero,
    a pipe, a socket: reading one may never end) or is larger than `limit` bytes."""
    import stat

    path = Path(path)
    try:
        st = path.stat()  # a link to a regular file is read as that file
    except FileNotFoundError:
        raise InputErrors([InputProblem(str(path), "file not found")]) from None
    except OSError as e:
        raise InputErrors([InputProblem(str(path), f"cannot be read: {e.strerror or e}")]) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputErrors([InputProblem(str(path), "this is a folder, not a file")])
    if not stat.S_ISREG(st.st_mode):
        raise InputErrors([InputProblem(str(path), _(
            "is not a regular file (a device, pipe or socket, which may never end): give a CSV, XLSX or TOML "
            "file"))])
    if st.st_size > limit:
        raise InputErrors([InputProblem(str(path), _(
            "is {size:,} bytes, more than the {limit:,} bytes an input file may have: is it the right file?",
            size=st.st_size, limit=limit))])


def read_text_file(path: Path | str) -> str:
    """A hand-edited text file (rule set, scenario): UTF-8, with or without the BOM Notepad writes.
    Raises InputErrors when it is missing, a folder, not a regular file, too large, unreadable or not UTF-8."""
    path = Path(path)
    check_input_file(path, MAX_TEXT_BYTES)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputErrors([InputProblem(str(path), "file not found")]) from None
    except IsADirectoryError:
        raise InputErrors([InputProblem(str(path), "this is a folder, not a file")]) from None
    except UnicodeDecodeError as e:
        raise InputErrors([InputProblem(str(path), f"not UTF-8 text (at byte {e.start}): save the file as UTF-8")]
                          ) from None
    except OSError as e:
        raise InputErrors([InputProblem(str(path), f"cannot be read: {e.strerror or e}")]) from None


def toml_problem(path: Path | str, error: Exception) -> InputProblem:
    """A TOML file that does not parse, with the line and column tomllib names as row and column."""
    text = str(error)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", text)
    if m is None:
        return InputProblem(str(path), f"not valid TOML: {text}")
    return InputProblem(str(path), f"not valid TOML: {text[:m.start()]}", row=int(m[1]), column=m[2])


Model = TypeVar("Model", bound=BaseModel)


def _dotted(data: dict, loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def load_toml_model(path: Path | str, model: type[Model], where: Callable[[dict, tuple], str] = _dotted
                    ) -> tuple[Model, dict[str, Any]]:
    """A hand-written TOML file (read_text_file) validated into the pydantic `model`: a syntax error with
    its line and column, every validation error with the key it points at (`where(data, loc)`: the dotted
    path unless told otherwise), an unknown key as a typo; all raised together as InputErrors.
    Returns the model and the file's data."""
    path = Path(path)
    try:
        data = tomllib.loads(read_text_file(path))
    except tomllib.TOMLDecodeError as e:
        raise InputErrors([toml_problem(path, e)]) from None
    try:
        return model.model_validate(data), data
    except ValidationError as e:
        problems = ProblemCollector.for_path(path)
        for err in e.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = _("unknown key '{key}' (a typo?)", key=err["loc"][-1])
            problems.add(msg, rule=where(data, tuple(err["loc"])))
        raise InputErrors(problems.problems) from None


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a service manager stopping the run): handled as Ctrl-C is, so every `finally`
    runs and the temporary output folder is removed; the CLI then exits 143."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def handle_sigterm() -> None:
    """Turn SIGTERM into Terminated in the main thread (a no-op anywhere else)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) not in (
            signal.SIG_IGN, _on_sigterm):
        signal.signal(signal.SIGTERM, _on_sigterm)
