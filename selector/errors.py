"""Errors a user can fix, collected with file, row and column and raised once.

Exit codes used by the CLI: 2 for bad input (InputErrors), 1 for "no slate exists".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
    def for_path(cls, path: Path | str) -> "ProblemCollector":
        return cls(str(path))

    def add(self, message: str, row: int | None = None, column: str | None = None,
            rule: str | None = None) -> None:
        self.problems.append(InputProblem(self.file, message, row, column, rule))

    def extend(self, other: "ProblemCollector | InputErrors") -> None:
        self.problems.extend(other.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputErrors(list(self.problems))
