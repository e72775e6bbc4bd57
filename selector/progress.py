"""Progress of long steps (reading a 200,000-row pool, writing its result), told to whoever listens.

Library code calls `report(task, done, total)` and `step(description)`; it prints nothing. The CLI listens with
`terminal_progress()`, a rich progress bar on stderr when stderr is a terminal and silence otherwise
(pipes, CI, tests), so output that a script reads never carries a bar.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, "int | None"], None]
_listeners: list[Listener] = []
_steps: list[Callable[[str], None]] = []


def report(task: str, done: int, total: int | None = None) -> None:
    """`task` has done `done` of `total` steps (rows, columns); cheap when nobody listens."""
    for listener in _listeners:
        listener(task, done, total)


def step(description: str) -> None:
    """A new step of a long command begins (screening.csv, the plots, forms/, the audit record: the
    steps of writing a 200,000-row result); told to whoever follows, nothing when nobody does."""
    for listener in _steps:
        listener(description)


@contextmanager
def following(listener: Callable[[str], None]) -> Iterator[None]:
    """Call `listener(description)` for every step begun inside the block."""
    _steps.append(listener)
    try:
        yield
    finally:
        _steps.remove(listener)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call `listener(task, done, total)` for every report made inside the block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


@contextmanager
def terminal_progress(stream=None) -> Iterator[None]:
    """A progress bar on stderr for the reports made inside the block, only when it is a terminal."""
    stream = sys.stderr if stream is None else stream
    if not getattr(stream, "isatty", lambda: False)():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=stream), transient=True) as bar:
        tasks: dict[str, int] = {}

        def show(task: str, done: int, total: int | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=done, total=total)

        with listening(show):
            yield
